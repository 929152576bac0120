//! `claimcheck check`: load a config without fetching anything, report
//! every error with its position, and warn about risky settings.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use claimcheck::cli::ConfigFile;
use claimcheck::cli::{parse_config, ConfigDuration};
use claimcheck::cli::KeySet;
use claimcheck::cli::RuleKind;
use serde_json::json;

use crate::common::{config_path, usage, Paint, EXIT_FAIL};

/// Check a config: errors with their field path or rule position, what a
/// foreign shape or preset was mapped to, and warnings about risky
/// settings. Fetches nothing.
///
/// Exit 0 when the config loads (warnings allowed), 1 with `--strict` when
/// there are warnings, 2 when it does not load.
#[derive(Args)]
#[command(after_help = "Examples:
  claimcheck check examples/okta/config.yaml
  claimcheck check --config gateway.yaml --json")]
pub struct CheckArgs {
    /// The config file (YAML or JSON).
    #[arg(value_name = "CONFIG")]
    config_positional: Option<PathBuf>,
    /// The config file; same as the first argument.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print `{ok, error, shape, mapped, warnings}` as JSON.
    #[arg(long)]
    json: bool,
    /// Exit 1 when there are warnings.
    #[arg(long)]
    strict: bool,
}

/// Risky settings in a config that loads, after the load's own warnings;
/// each names the path the user wrote.
pub fn risks(file: &ConfigFile, base: Option<&std::path::Path>) -> Vec<String> {
    let mut out = file.load_warnings.clone();
    let origin = &file.origin;
    let mut warn = |native: String, text: &str| out.push(format!("{}: {text}", origin.paths.user_path(&native)));
    if let Some(auth) = &file.authentication {
        if auth.providers.is_empty() {
            warn("authentication.providers".to_owned(), "none configured; no token can be valid");
        }
        for (i, p) in auth.providers.iter().enumerate() {
            let path = format!("authentication.providers[{i}]");
            if p.audiences.as_deref().is_some_and(|a| a == ["*"]) && !origin.is_warned(&format!("{path}.audiences")) {
                warn(format!("{path}.audiences"), "`*` accepts tokens meant for any service (RFC 7519 §4.1.3)");
            }
            if let Some(algs) = &p.algorithms {
                if algs.iter().any(|a| a.starts_with("HS")) {
                    warn(format!("{path}.algorithms"), "HS* means a shared secret: anyone holding it can mint tokens");
                }
            }
            if p.issuer.contains("{tenantid}") && p.allowed_tenants.is_none() {
                warn(
                    format!("{path}.issuer"),
                    "`{tenantid}` accepts tokens from any Entra tenant (the template is matched against the token's `tid`); name your tenant, or list the tenant ids you accept in `allowedTenants` (the `entra` preset's `allowedTenants`)",
                );
            }
            if p.leeway.is_some_and(|l| l > ConfigDuration::from_secs(300)) {
                warn(format!("{path}.leeway"), "more than 5m of clock skew keeps expired tokens alive");
            }
            let http = p.jwks.allow_http || p.jwks.remote_url().is_some_and(|u| u.starts_with("http://"));
            if http && !origin.is_warned(&format!("{path}.jwks")) {
                warn(format!("{path}.jwks"), "plain-HTTP key URLs can be tampered with on the network");
            }
            if p.required_claims.as_deref().is_some_and(|c| !c.iter().any(|n| n == "exp")) {
                warn(format!("{path}.requiredClaims"), "without `exp`, tokens that never expire are accepted");
            }
            let inline = p.jwks.inline.as_ref().map(|v| match v {
                serde_json::Value::String(s) => s.clone().into_bytes(),
                other => other.to_string().into_bytes(),
            });
            let file_bytes = p.jwks.file.as_ref().map(|f| {
                let fp = std::path::Path::new(f);
                let fp = match base { Some(b) if fp.is_relative() => b.join(fp), _ => fp.to_path_buf() };
                std::fs::read(fp).unwrap_or_default()
            });
            if let Some(bytes) = inline.or(file_bytes) {
                match KeySet::from_json_bytes(&bytes, file.limits.max_jwks_size, file.limits.max_jwks_keys) {
                    Ok((_, skipped)) => {
                        for w in skipped {
                            warn(format!("{path}.jwks"), &w);
                        }
                    }
                    Err(e) => warn(format!("{path}.jwks"), &e.0),
                }
            }
        }
    }
    if let Some(authz) = &file.authorization {
        for (i, rule) in authz.rules.iter().enumerate() {
            // A rule that reads no variable has the same value for every request.
            if let Ok(value) = claimcheck::cli::eval_expression(&rule.0.expr, &Default::default(), &file.limits.rule_limits()) {
                let verdict = match (rule.0.kind, value.as_bool()) {
                    (RuleKind::Allow, Some(true)) => "always matches: every request is allowed",
                    (RuleKind::Allow, Some(false)) => "can never match",
                    (RuleKind::Deny, Some(true)) => "always matches: every request is denied",
                    (RuleKind::Deny, Some(false)) => "can never match",
                    (RuleKind::Require, Some(true)) => "always holds",
                    (RuleKind::Require, Some(false)) => "never holds: every request is denied",
                    (_, None) => "is constant and not a bool: it always errors",
                };
                warn(format!("authorization.rules[{i}]"), &format!("the rule reads no request or token data and {verdict}"));
            }
        }
    }
    out
}

/// Runs `claimcheck check`.
pub fn run(args: CheckArgs) -> ExitCode {
    let path = match config_path(args.config, args.config_positional) {
        Ok(p) => p,
        Err(e) => return usage("check", e),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => return usage("check", format!("cannot read `{}`: {e}", path.display())),
    };
    let loaded = parse_config(&text).and_then(|file| {
        file.compile_rules()?;
        // Without remote key sources, building the engine fetches nothing:
        // build it, so key-set errors are exactly the engine's.
        let remote = file.authentication.iter().flat_map(|a| &a.providers).any(|p| p.jwks.url.is_some() || p.jwks.remote.is_some() || p.jwks.discovery == Some(true));
        if !remote {
            claimcheck::Engine::from_file(&path)?;
        }
        Ok(file)
    });
    let paint = Paint::stdout();
    match loaded {
        Err(e) => {
            if args.json {
                println!("{}", json!({"ok": false, "error": {"kind": e.kind.as_str(), "location": e.location(), "message": e.message}, "mapped": [], "warnings": []}));
            } else {
                eprintln!("{}: {e}", path.display());
            }
            ExitCode::from(crate::common::EXIT_USAGE)
        }
        Ok(file) => {
            let warnings = risks(&file, path.parent());
            let shape = file.origin.shape.as_str();
            let mapped = &file.origin.mapped;
            if args.json {
                println!("{}", json!({"ok": true, "error": null, "shape": shape, "mapped": mapped, "warnings": warnings}));
            } else {
                if file.origin.shape != claimcheck::cli::Shape::Native {
                    println!("read as: {shape}");
                }
                for m in mapped {
                    println!("{} {m}", paint.bold("mapped:"));
                }
                for w in &warnings {
                    println!("{} {w}", paint.warn("warning:"));
                }
                println!("{} {} loads ({} warning(s))", paint.good("ok:"), path.display(), warnings.len());
            }
            if args.strict && !warnings.is_empty() {
                ExitCode::from(EXIT_FAIL)
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}
