//! End to end against a real OAuth 2.0 / OpenID Connect server: the npm
//! package `oidc-provider` (tests/oidc/server.mjs), run with node on
//! 127.0.0.1. The engine is given only the issuer (`discovery: true`), finds
//! the keys, validates client_credentials access tokens, and follows a key
//! rotation (the server restarts with a new signing key) without a reload.
//!
//! Needs `node` and `npm`; `npm ci` runs when `tests/oidc/node_modules` is
//! missing. If either fails, the test fails: it is never skipped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine as _;
use claimcheck::{Decision, Engine, Request};

const AUDIENCE: &str = "api://claimcheck";

fn oidc_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// Installs the locked npm packages once.
fn ensure_installed() {
    let dir = oidc_dir();
    if dir.join("node_modules/oidc-provider/package.json").exists() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .status()
        .expect("running `npm ci` (is npm installed?)");
    assert!(status.success(), "`npm ci` in {} failed: {status}", dir.display());
}

/// A running oidc-provider; killed when dropped (and it exits by itself
/// when its stdin closes, should this process die first).
struct OidcServer {
    child: Child,
    issuer: String,
    port: u16,
}

impl OidcServer {
    fn start(port: u16, kid: &str) -> OidcServer {
        ensure_installed();
        let mut child = Command::new("node")
            .arg("server.mjs")
            .current_dir(oidc_dir())
            .env("PORT", port.to_string())
            .env("SIGNING_KID", kid)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting node (is node installed?)");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if let Some(issuer) = line.strip_prefix("READY ") {
                    let _ = tx.send(issuer.to_owned());
                }
            }
        });
        let issuer = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(issuer) => issuer,
            Err(_) => {
                let _ = child.kill();
                panic!("oidc-provider did not report READY within 60s");
            }
        };
        let port = issuer.rsplit(':').next().and_then(|p| p.parse().ok()).expect("issuer has a port");
        OidcServer { child, issuer, port }
    }

    /// A client_credentials access token (an RFC 9068 JWT) for `scope`.
    fn token(&self, scope: &str) -> String {
        let basic = base64::engine::general_purpose::STANDARD.encode("gateway-test:gateway-test-secret");
        let mut response = ureq::post(format!("{}/token", self.issuer))
            .header("authorization", format!("Basic {basic}"))
            .send_form([("grant_type", "client_credentials"), ("scope", scope), ("resource", AUDIENCE)])
            .expect("token request");
        let body: serde_json::Value = serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
        body["access_token"].as_str().expect("an access_token").to_owned()
    }
}

impl Drop for OidcServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bearer(engine: &Engine, token: &str) -> Decision {
    let auth = format!("Bearer {token}");
    let headers = [("authorization", auth.as_str())];
    engine.authorize(&Request { headers: &headers, ..Default::default() })
}

#[test]
fn client_credentials_tokens_from_oidc_provider_validate_through_discovery_and_rotation() {
    let server = OidcServer::start(0, "signing-key-1");
    // Only the issuer is given: the keys are found through discovery.
    // `minRefetchInterval: 0s` so the rotation below is picked up at once
    // (the default would wait up to 30s after the last fetch).
    let config = format!(
        "authentication:\n  providers:\n    - name: local-oidc\n      issuer: {}\n      audiences: [{AUDIENCE}]\n      jwks:\n        discovery: true\n        allowHttp: true\n        minRefetchInterval: 0s\n",
        server.issuer
    );
    let engine = Engine::new(&config).expect("config loads");

    // No token: 401 with a challenge.
    let d = engine.authorize(&Request::default());
    assert_eq!((d.status, d.reason.as_str()), (401, "missing_token"), "{d:#?}");
    assert_eq!(d.www_authenticate.as_deref(), Some("Bearer realm=\"claimcheck\""));

    // A client_credentials token with scopes: allowed, with the identity.
    let first = server.token("mcp:read");
    let d = bearer(&engine, &first);
    assert!(d.allowed, "{d:#?}");
    let identity = d.identity.unwrap();
    assert_eq!(identity.subject.as_deref(), Some("gateway-test"));
    assert!(identity.scopes.iter().any(|s| s == "mcp:read"), "{:?}", identity.scopes);
    let status = engine.key_status().remove(0);
    assert_eq!(status.jwks_uri.as_deref(), Some(format!("{}/jwks", server.issuer).as_str()));
    assert_eq!(status.kids, vec!["signing-key-1".to_owned()]);

    // A rule on a scope the client's token lacks: 403 insufficient_scope.
    let scoped = Engine::new(&format!(
        "{config}authorization:\n  rules:\n    - require: '\"mcp:write\" in auth.scopes'\n"
    ))
    .expect("config with a scope rule loads");
    let d = bearer(&scoped, &first);
    assert_eq!((d.status, d.reason.as_str()), (403, "required_rule_failed"), "{d:#?}");
    assert_eq!(
        d.www_authenticate.as_deref(),
        Some("Bearer realm=\"claimcheck\", error=\"insufficient_scope\", scope=\"mcp:write\"")
    );

    // The provider restarts with a new signing key (same issuer and port).
    let port = server.port;
    drop(server);
    let server = OidcServer::start(port, "signing-key-2");
    let second = server.token("mcp:read mcp:write");
    let d = bearer(&engine, &second);
    assert!(d.allowed, "a token signed with the new key validates without a reload: {d:#?}");
    let status = engine.key_status().remove(0);
    assert_eq!(status.kids, vec!["signing-key-2".to_owned()]);
    assert_eq!(status.unknown_kid_refetches, 1);
    // The scope rule's engine also picks up the new key, and the new token
    // carries mcp:write.
    let d = bearer(&scoped, &second);
    assert!(d.allowed, "{d:#?}");

    // The old key is gone from the JWKS: its tokens no longer validate.
    let d = bearer(&engine, &first);
    assert_eq!((d.status, d.reason.as_str()), (401, "unknown_key"), "{d:#?}");
}
