//! `claimcheck test`: run rule test cases against a config, like a unit
//! test suite for policy. Users put it in their CI.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Args;
use claimcheck::{Attribute, AttributeValue, Decision, Engine, Request};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::common::{config_path, usage, Paint, EXIT_FAIL};

/// Run rule test cases: each gives a token (or a claims map) and request
/// attributes, and expects a status and reason.
///
/// Exit 0 when every case passes, 1 when one fails, 2 for a usage error or a
/// config or test file that does not load.
#[derive(Args)]
#[command(after_help = "Test file (YAML or JSON):
  - name: AI users may call tools
    claims: {iss: https://idp.example.com, sub: alice, groups: [AI-Users]}   # rules only, token checks skipped
    request: {method: POST, path: /mcp, headers: {x-tenant: acme}, attributes: {mcp.tool.name: search}}
    expect: {status: 200, reason: allowed}
  - name: no token
    expect: {status: 401, reason: missing_token}
  - name: a real token
    token: eyJhbGciOi...
    now: 1767225600
    expect: {status: 200}

Examples:
  claimcheck test config.yaml policy-tests.yaml
  claimcheck test --config config.yaml policy-tests.yaml --json")]
pub struct TestArgs {
    /// The config file, then the test file (or `--config FILE TESTS`).
    #[arg(value_name = "FILES", num_args = 1..=2)]
    files: Vec<PathBuf>,
    /// The config file.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    claims: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    request: RequestSpec,
    #[serde(default)]
    now: Option<f64>,
    expect: Expect,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RequestSpec {
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    attributes: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    allowed: Option<bool>,
}

fn run_case(engine: &Engine, case: &Case) -> Result<Decision, claimcheck::InvalidTime> {
    let auth = case.token.as_ref().map(|t| format!("Bearer {t}"));
    let mut headers: Vec<(&str, &str)> = case.request.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    if let Some(a) = &auth {
        headers.push(("authorization", a));
    }
    let attributes: Vec<Attribute> = case
        .request
        .attributes
        .iter()
        .map(|(k, v)| Attribute { name: k, value: AttributeValue::Json(v.clone()) })
        .collect();
    let request = Request {
        method: case.request.method.as_deref().unwrap_or("GET"),
        path: case.request.path.as_deref().unwrap_or("/"),
        host: case.request.host.as_deref().unwrap_or(""),
        headers: &headers,
        source_address: case.request.source.as_deref().unwrap_or(""),
        attributes: &attributes,
        ..Default::default()
    };
    let now = case
        .now
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0));
    match &case.claims {
        Some(claims) => engine.authorize_claims_at(&request, claims.clone(), now),
        None => engine.authorize_at(&request, now),
    }
}

/// Runs `claimcheck test`.
pub fn run(args: TestArgs) -> ExitCode {
    let (config, tests) = match (args.config, args.files.as_slice()) {
        (Some(c), [t]) => (c, t.clone()),
        (None, [c, t]) => (c.clone(), t.clone()),
        _ => return usage("test", "give a config and a test file: `claimcheck test CONFIG TESTS.yaml`"),
    };
    let config = match config_path(Some(config), None) {
        Ok(c) => c,
        Err(e) => return usage("test", e),
    };
    let engine = match Engine::from_file(&config) {
        Ok(e) => e,
        Err(e) => return usage("test", format!("{}: {e}", config.display())),
    };
    let text = match std::fs::read_to_string(&tests) {
        Ok(t) => t,
        Err(e) => return usage("test", format!("cannot read `{}`: {e}", tests.display())),
    };
    let cases: Vec<Case> = match serde_saphyr::from_str(&text) {
        Ok(c) => c,
        Err(e) => return usage("test", format!("{}: {}", tests.display(), e.to_string().lines().next().unwrap_or(""))),
    };
    // A clock that is not a finite, non-negative number would make every
    // time check pass: refuse the file before running anything.
    if let Some((i, case)) = cases.iter().enumerate().find(|(_, c)| c.now.is_some_and(|n| !(n.is_finite() && n >= 0.0))) {
        return usage(
            "test",
            format!("{}: case {} (`{}`): `now` must be a finite number of seconds since the Unix epoch, not negative", tests.display(), i + 1, case.name),
        );
    }
    let paint = Paint::stdout();
    let mut failed = 0usize;
    let mut results = Vec::new();
    for case in &cases {
        let d = match run_case(&engine, case) {
            Ok(d) => d,
            Err(e) => return usage("test", e),
        };
        let mut problems = Vec::new();
        if let Some(s) = case.expect.status {
            if s != d.status {
                problems.push(format!("status {} (expected {s})", d.status));
            }
        }
        if let Some(r) = &case.expect.reason {
            if r != d.reason.as_str() {
                problems.push(format!("reason {} (expected {r})", d.reason));
            }
        }
        if let Some(a) = case.expect.allowed {
            if a != d.allowed {
                problems.push(format!("allowed {} (expected {a})", d.allowed));
            }
        }
        let pass = problems.is_empty();
        failed += usize::from(!pass);
        results.push(json!({
            "name": case.name, "pass": pass, "status": d.status, "reason": d.reason.as_str(),
            "rule": d.rule, "problems": problems, "detail": d.detail,
        }));
        if !args.json {
            let mark = if pass { paint.good("PASS") } else { paint.bad("FAIL") };
            println!("{mark}  {:<50} {} {}", case.name, d.status, d.reason);
            for p in &problems {
                println!("      got {p}");
            }
            if !pass {
                if let Some(detail) = &d.detail {
                    println!("      detail: {detail}");
                }
            }
        }
    }
    let passed = cases.len() - failed;
    if args.json {
        println!("{}", json!({"passed": passed, "failed": failed, "results": results}));
    } else {
        println!("{passed} passed, {failed} failed");
    }
    if failed > 0 {
        ExitCode::from(EXIT_FAIL)
    } else {
        ExitCode::SUCCESS
    }
}
