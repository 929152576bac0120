//! `claimcheck dev-issuer` and `claimcheck demo` run as processes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

struct Issuer {
    child: Child,
    url: String,
    /// Kept open so the issuer's later output never meets a closed pipe.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for Issuer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Issuer {
    let mut child = Command::new(env!("CARGO_BIN_EXE_claimcheck"))
        .args(["dev-issuer", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    Issuer { child, url, _stdout: stdout }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

fn get_json(url: &str) -> Value {
    let mut r = agent().get(url).call().unwrap();
    assert_eq!(r.status().as_u16(), 200, "{url}");
    serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap()
}

fn token(issuer: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let mut r = agent().post(format!("{issuer}/v1/token")).send_form(form.iter().copied()).unwrap();
    (r.status().as_u16(), serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap())
}

#[test]
fn dev_issuer_serves_discovery_keys_tokens_and_rotation() {
    let issuer = start();
    let meta = get_json(&format!("{}/.well-known/openid-configuration", issuer.url));
    assert_eq!(meta["issuer"], issuer.url.as_str());
    assert_eq!(meta["jwks_uri"], format!("{}/v1/keys", issuer.url));
    let jwks = get_json(&format!("{}/v1/keys", issuer.url));
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    assert_eq!(jwks["keys"][0]["kty"], "RSA");

    let (status, body) = token(&issuer.url, &[("grant_type", "client_credentials"), ("client_id", "ai-agent"), ("client_secret", "ai-agent-secret"), ("scope", "mcp:read")]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "mcp:read");
    let (status, body) = token(&issuer.url, &[("grant_type", "client_credentials"), ("client_id", "ai-agent"), ("client_secret", "wrong")]);
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
    let (status, body) = token(&issuer.url, &[("grant_type", "client_credentials"), ("client_id", "reporting-job"), ("client_secret", "reporting-job-secret"), ("scope", "mcp:write")]);
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_scope")));
    let (status, _) = token(&issuer.url, &[("grant_type", "password")]);
    assert_eq!(status, 400);

    let mut r = agent().post(format!("{}/v1/rotate", issuer.url)).send_empty().unwrap();
    let rotated: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    let jwks = get_json(&format!("{}/v1/keys", issuer.url));
    let kids: Vec<&str> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(kids, vec![rotated["kid"].as_str().unwrap(), "dev-key-1"]);
}

#[test]
fn demo_walks_the_whole_flow_and_exits_0() {
    let o = Command::new(env!("CARGO_BIN_EXE_claimcheck")).arg("demo").env("NO_COLOR", "1").output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", String::from_utf8_lossy(&o.stderr));
    for expected in [
        "GET /mcp/tools -> 401",
        "WWW-Authenticate: Bearer realm=\"claimcheck\"",
        "ok 200, the upstream saw the verified subject",
        "\"groups\": [",
        "ok 403 no_rule_allowed",
        "ok 200 with the new key, picked up without a restart",
        "demo: every step behaved as described",
    ] {
        assert!(out.contains(expected), "missing `{expected}` in:\n{out}");
    }
    assert!(!out.contains("FAILED"));
}
