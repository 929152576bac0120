//! `claimcheck verify`: decide one request with a config, print the decision.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use claimcheck::{Attribute, AttributeValue, CredentialKind, Decision, Engine, Request};
use serde_json::{json, Value};

use crate::common::config_path;

/// Decide one request and print the decision as JSON.
///
/// Exit 0 when allowed, 1 when denied (whatever the status), 2 for a usage
/// or config error (message on stderr).
#[derive(Args)]
#[command(after_help = "Examples:
  claimcheck verify --config examples/okta/config.yaml --token \"$(cat examples/okta/alice.jwt)\" --now 1767225600
  claimcheck verify config.yaml --header 'Authorization: Bearer eyJ...' --method POST --path /mcp
  claimcheck verify config.yaml --cookie 'session=eyJ...' --attr 'mcp.tool.name=\"search\"'")]
pub struct VerifyArgs {
    /// The config file (YAML or JSON).
    #[arg(value_name = "CONFIG")]
    config_positional: Option<PathBuf>,
    /// The config file (YAML or JSON); same as the first positional argument.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The token; shorthand for `--header 'Authorization: Bearer T'`.
    #[arg(long, value_name = "T", conflicts_with = "token_file")]
    token: Option<String>,
    /// Read the token from a file (surrounding whitespace is trimmed).
    #[arg(long, value_name = "F")]
    token_file: Option<PathBuf>,
    /// A request header `Name: value` (repeatable).
    #[arg(long = "header", value_name = "'Name: value'")]
    headers: Vec<String>,
    /// A cookie `name=value` (repeatable).
    #[arg(long = "cookie", value_name = "'name=value'")]
    cookies: Vec<String>,
    /// A query parameter `name=value` (repeatable).
    #[arg(long = "query", value_name = "'name=value'")]
    query: Vec<String>,
    /// The HTTP method.
    #[arg(long, default_value = "GET")]
    method: String,
    /// The request path.
    #[arg(long, default_value = "/")]
    path: String,
    /// The request host.
    #[arg(long, default_value = "")]
    host: String,
    /// The peer address.
    #[arg(long, default_value = "")]
    source: String,
    /// A host attribute `name=JSON`, such as `mcp.tool.name="search"` (repeatable).
    #[arg(long = "attr", value_name = "'name=JSON'")]
    attrs: Vec<String>,
    /// Pin the clock (seconds since the Unix epoch) for every time check.
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<f64>,
}

fn usage(message: impl std::fmt::Display) -> ExitCode {
    crate::common::usage("verify", message)
}

fn split_pair<'a>(text: &'a str, sep: char, what: &str) -> Result<(&'a str, &'a str), String> {
    text.split_once(sep)
        .map(|(a, b)| (a.trim(), b.trim_start()))
        .ok_or_else(|| format!("`{text}` is not a {what}"))
}

/// Runs `claimcheck verify`.
pub fn run(args: VerifyArgs) -> ExitCode {
    let path = match config_path(args.config, args.config_positional) {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    let engine = match Engine::from_file(&path) {
        Ok(e) => e,
        Err(e) => return usage(format!("{}: {e}", path.display())),
    };
    let token = match (&args.token, &args.token_file) {
        (Some(t), _) => Some(t.trim().to_owned()),
        (None, Some(file)) => match std::fs::read_to_string(file) {
            Ok(t) => Some(t.trim().to_owned()),
            Err(e) => return usage(format!("cannot read `{}`: {e}", file.display())),
        },
        (None, None) => None,
    };
    let authorization = token.map(|t| format!("Bearer {t}"));
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(a) = &authorization {
        headers.push(("authorization", a));
    }
    for h in &args.headers {
        match split_pair(h, ':', "header `Name: value`") {
            Ok(pair) => headers.push(pair),
            Err(e) => return usage(e),
        }
    }
    let mut cookies = Vec::new();
    for c in &args.cookies {
        match split_pair(c, '=', "cookie `name=value`") {
            Ok(pair) => cookies.push(pair),
            Err(e) => return usage(e),
        }
    }
    let mut query = Vec::new();
    for q in &args.query {
        match split_pair(q, '=', "query parameter `name=value`") {
            Ok(pair) => query.push(pair),
            Err(e) => return usage(e),
        }
    }
    let mut attributes = Vec::new();
    for a in &args.attrs {
        let (name, json_text) = match split_pair(a, '=', "attribute `name=JSON`") {
            Ok(pair) => pair,
            Err(e) => return usage(e),
        };
        match serde_json::from_str::<Value>(json_text) {
            Ok(value) => attributes.push(Attribute { name, value: AttributeValue::Json(value) }),
            Err(e) => return usage(format!("attribute `{name}`: `{json_text}` is not JSON: {e}")),
        }
    }
    let request = Request {
        method: &args.method,
        path: &args.path,
        host: &args.host,
        headers: &headers,
        cookies: if cookies.is_empty() { None } else { Some(&cookies) },
        query: if query.is_empty() { None } else { Some(&query) },
        source_address: &args.source,
        attributes: &attributes,
    };
    let decision = match args.now {
        Some(now) => match engine.authorize_at(&request, now) {
            Ok(d) => d,
            Err(e) => return usage(format!("--now: {e}")),
        },
        None => engine.authorize(&request),
    };
    println!("{}", serde_json::to_string_pretty(&decision_json(&decision)).unwrap_or_default());
    if decision.allowed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The decision as the JSON object `verify` prints: every field present,
/// null where it does not apply.
pub fn decision_json(d: &Decision) -> Value {
    let id = d.identity.as_ref();
    json!({
        "allowed": d.allowed,
        "status": d.status,
        "reason": d.reason.as_str(),
        "message": d.message,
        "detail": d.detail,
        "www_authenticate": d.www_authenticate,
        "provider": id.map(|i| i.provider.to_string()),
        "issuer": id.map(|i| i.issuer.clone()),
        "subject": id.and_then(|i| i.subject.clone()),
        "claims": id.map(|i| Value::Object(i.claims.to_map())),
        "rule": d.rule,
        "rule_errored": d.rule_errored,
        "credential": d.credential.as_ref().map(|c| json!({
            "kind": match c.kind {
                CredentialKind::Header => "header",
                CredentialKind::Cookie => "cookie",
                CredentialKind::Query => "query",
            },
            "name": c.name,
        })),
    })
}
