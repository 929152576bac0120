//! `claimcheck verify` run as a process: output, exit codes, errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

const NOW: &str = "1767225600";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn claimcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_claimcheck")).args(args).current_dir(repo()).output().unwrap()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

const FIELDS: [&str; 13] = [
    "allowed", "status", "reason", "message", "detail", "www_authenticate", "provider", "issuer", "subject", "claims", "rule",
    "rule_errored", "credential",
];

#[test]
fn allowed_token_prints_every_field_and_exits_0() {
    let out = claimcheck(&["verify", "--config", "examples/okta/config.yaml", "--token-file", "examples/okta/alice.jwt", "--now", NOW]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json_of(&out);
    for f in FIELDS {
        assert!(v.get(f).is_some(), "field {f} missing: {v}");
    }
    assert_eq!(v["allowed"], true);
    assert_eq!(v["status"], 200);
    assert_eq!(v["subject"], "alice@example.com");
    assert_eq!(v["claims"]["groups"][1], "AI-Users");
    assert_eq!(v["rule"], Value::Null);
    assert_eq!(v["credential"], serde_json::json!({"kind": "header", "name": "authorization"}));
}

#[test]
fn denied_request_exits_1_whatever_the_status() {
    let out = claimcheck(&["verify", "examples/okta/config.yaml", "--now", NOW]);
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out);
    assert_eq!((v["status"].as_u64(), v["reason"].as_str()), (Some(401), Some("missing_token")));
    assert_eq!(v["www_authenticate"], "Bearer realm=\"claimcheck\"");
    // The real clock is past the example token's exp.
    let out = claimcheck(&["verify", "examples/okta/config.yaml", "--token-file", "examples/okta/alice.jwt"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_of(&out)["reason"], "expired");
    // Two credentials: 400, still exit 1. (A query parameter is not a
    // credential here: the default tokenSource reads only the header.)
    let token = std::fs::read_to_string(repo().join("examples/okta/alice.jwt")).unwrap();
    let out = claimcheck(&[
        "verify", "examples/okta/config.yaml", "--token", token.trim(), "--query", &format!("access_token={}", token.trim()), "--now", NOW,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let out = claimcheck(&[
        "verify", "examples/okta/config.yaml", "--header", &format!("Authorization: Bearer {}", token.trim()), "--header",
        &format!("authorization: Bearer {}", token.trim()), "--now", NOW,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_of(&out)["status"], 400);
}

#[test]
fn header_option_carries_the_token_like_token_does() {
    let token = std::fs::read_to_string(repo().join("examples/okta/alice.jwt")).unwrap();
    let header = format!("Authorization: Bearer {}", token.trim());
    let out = claimcheck(&["verify", "--config", "examples/okta/config.yaml", "--header", &header, "--now", NOW]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn config_errors_exit_2_with_the_field_path_on_stderr() {
    let dir = std::env::temp_dir().join(format!("claimcheck-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("bad.yaml");
    std::fs::write(&cfg, "authentication:\n  providers:\n    - issuer: https://x\n      audiense: [a]\n      jwks: {url: https://x/keys}\n").unwrap();
    let out = claimcheck(&["verify", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("authentication.providers[0].audiense"), "{err}");
    assert!(err.contains("did you mean `audiences`"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(claimcheck(&["verify"]).status.code(), Some(2));
    assert_eq!(claimcheck(&["verify", "examples/okta/config.yaml", "--header", "no-colon"]).status.code(), Some(2));
    assert_eq!(claimcheck(&["verify", "examples/okta/config.yaml", "--attr", "x=not json"]).status.code(), Some(2));
    assert_eq!(claimcheck(&["verify", "examples/okta/config.yaml", "--bogus"]).status.code(), Some(2));
    assert_eq!(claimcheck(&["verify", "/nonexistent/config.yaml"]).status.code(), Some(2));
}

/// A clock that is not a finite, non-negative number is a usage error
/// (issue 16, finding 1: `--now NaN` used to allow an expired token).
#[test]
fn now_that_is_not_a_finite_non_negative_number_is_a_usage_error() {
    for now in ["NaN", "inf", "-1"] {
        let out = claimcheck(&["verify", "--config", "examples/okta/config.yaml", "--token-file", "examples/okta/alice.jwt", &format!("--now={now}")]);
        assert_eq!(out.status.code(), Some(2), "--now {now}: {}", String::from_utf8_lossy(&out.stdout));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("`now` must be a finite number of seconds since the Unix epoch, not negative"), "{err}");
        assert!(out.stdout.is_empty(), "no decision is printed");
    }
}
