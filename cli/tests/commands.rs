//! `check`, `test`, `decode` and `mint` run as processes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_claimcheck")).args(args).current_dir(repo()).env("NO_COLOR", "1").output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("claimcheck-cmd-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn check_accepts_a_good_config_and_warns_about_risky_settings() {
    let o = run(&["check", "examples/okta/config-rules.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("loads (0 warning(s))"), "{}", out(&o));

    let dir = tmp("risky");
    let jwks = std::fs::read_to_string(repo().join("examples/okta/jwks.json")).unwrap();
    std::fs::write(dir.join("jwks.json"), jwks).unwrap();
    std::fs::write(
        dir.join("risky.yaml"),
        "authentication:\n  providers:\n    - issuer: https://idp.example.com\n      audiences: ['*']\n      leeway: 10m\n      jwks: {file: jwks.json}\nauthorization:\n  rules:\n    - 'true'\n    - deny: '1 == 2'\n",
    )
    .unwrap();
    let cfg = dir.join("risky.yaml");
    let o = run(&["check", "--config", cfg.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    let warnings: Vec<&str> = v["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert!(warnings.iter().any(|w| w.contains("audiences") && w.contains("any service")), "{warnings:#?}");
    assert!(warnings.iter().any(|w| w.contains("leeway")), "{warnings:#?}");
    assert!(warnings.iter().any(|w| w.contains("rules[0]") && w.contains("always matches")), "{warnings:#?}");
    assert!(warnings.iter().any(|w| w.contains("rules[1]") && w.contains("can never match")), "{warnings:#?}");
    assert_eq!(run(&["check", cfg.to_str().unwrap(), "--strict"]).status.code(), Some(1));

    // An Entra multi-tenant template accepts any tenant: `check` says so
    // (issue 16, finding 12).
    std::fs::write(
        dir.join("entra.yaml"),
        "authentication:\n  providers:\n    - issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0'\n      audiences: [api://x]\n      jwks: {file: jwks.json}\n",
    )
    .unwrap();
    let entra = dir.join("entra.yaml");
    let o = run(&["check", entra.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    let warnings: Vec<&str> = v["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert_eq!(
        warnings,
        ["authentication.providers[0].issuer: `{tenantid}` accepts tokens from any Entra tenant (the template is matched against the token's `tid`); name your tenant, or list the tenant ids you accept in `allowedTenants` (the `entra` preset's `allowedTenants`)"]
    );
}

#[test]
fn check_reports_errors_with_their_position_and_exits_2() {
    let dir = tmp("bad");
    let cfg = dir.join("bad-rule.yaml");
    std::fs::write(&cfg, "authorization:\n  rules:\n    - 'true'\n    - 'jwt.groups.exists(g, g == grp)'\n").unwrap();
    let o = run(&["check", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("authorization.rules[1], column"), "{}", err(&o));
    assert!(err(&o).contains("grp"), "{}", err(&o));
    let o = run(&["check", cfg.to_str().unwrap(), "--json"]);
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["kind"], "rule_invalid");
}

#[test]
fn test_runs_cases_and_fails_on_a_wrong_expectation() {
    let o = run(&["test", "examples/okta/config-rules.yaml", "examples/okta/policy-tests.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("6 passed, 0 failed"), "{}", out(&o));

    let dir = tmp("tests");
    let cases = dir.join("cases.yaml");
    std::fs::write(
        &cases,
        "- name: wrong on purpose\n  claims: {sub: bob, groups: [Everyone], scp: [mcp:read]}\n  expect: {status: 200}\n- name: right\n  expect: {status: 401, reason: missing_token}\n",
    )
    .unwrap();
    let o = run(&["test", "--config", "examples/okta/config-rules.yaml", cases.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!((v["passed"].as_u64(), v["failed"].as_u64()), (Some(1), Some(1)));
    assert_eq!(v["results"][0]["problems"][0], "status 403 (expected 200)");
    std::fs::write(&cases, "- name: x\n  expekt: {}\n").unwrap();
    assert_eq!(run(&["test", "examples/okta/config-rules.yaml", cases.to_str().unwrap()]).status.code(), Some(2));
}

#[test]
fn decode_labels_its_output_unverified() {
    let token = std::fs::read_to_string(repo().join("examples/okta/bob.jwt")).unwrap();
    let o = run(&["decode", token.trim()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(out(&o).starts_with("UNVERIFIED"), "{}", out(&o));
    let o = run(&["decode", "--json", token.trim()]);
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v["verified"], false);
    assert_eq!(v["claims"]["sub"], "bob@example.com");
    assert_eq!(v["header"]["alg"], "RS256");
    assert_eq!(run(&["decode", "not-a-token"]).status.code(), Some(2));
}

#[test]
fn mint_makes_a_token_that_verify_accepts() {
    let dir = tmp("mint");
    let key = dir.join("dev-key.json");
    let o = run(&[
        "mint", "--new-key", key.to_str().unwrap(), "--alg", "ES256", "--kid", "k1", "--claims",
        r#"{"iss":"https://dev.local","aud":"api","sub":"alice"}"#,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let token = out(&o).trim().to_owned();
    let jwks = dir.join("dev-key.jwks.json");
    assert!(jwks.exists());
    std::fs::write(
        dir.join("config.yaml"),
        "authentication:\n  providers:\n    - issuer: https://dev.local\n      audiences: [api]\n      jwks: {file: dev-key.jwks.json}\n",
    )
    .unwrap();
    let cfg = dir.join("config.yaml");
    let o = run(&["verify", cfg.to_str().unwrap(), "--token", &token]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    // A second token from the saved key verifies too.
    let o = run(&["mint", "--key", key.to_str().unwrap(), "--claims", r#"{"iss":"https://dev.local","aud":"api","sub":"bob"}"#]);
    let o = run(&["verify", cfg.to_str().unwrap(), "--token", out(&o).trim()]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(run(&["mint", "--claims", "{}"]).status.code(), Some(2));
}

#[test]
fn every_subcommand_has_help_with_examples() {
    for cmd in ["verify", "eval", "check", "convert", "test", "decode", "mint", "schema", "dev-issuer", "demo"] {
        let o = run(&[cmd, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{cmd}");
        assert!(out(&o).contains("Example"), "{cmd} --help has examples");
    }
}
