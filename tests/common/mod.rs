//! Shared test support: development keys, token minting, and configs.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod keyserver;

use std::sync::LazyLock;

use claimcheck::dev::DevKey;
use claimcheck::dev::Algorithm;
use claimcheck::{Decision, Engine, Request};
use serde_json::{json, Map, Value};

/// The public conformance vectors: `$CLAIMCHECK_VECTORS` when set, else
/// `shared/vectors` beside the checkout (where CI puts them). They are read
/// in place, never copied into the repository; a missing folder fails the
/// suites that need it (never skips them).
pub fn vectors_dir() -> std::path::PathBuf {
    match std::env::var_os("CLAIMCHECK_VECTORS") {
        Some(dir) => dir.into(),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"),
    }
}

/// The pinned clock of these tests.
pub const NOW: f64 = 1_750_000_000.0;
pub const ISSUER: &str = "https://idp.example.com/oauth2/default";
pub const AUDIENCE: &str = "api://default";

pub static RSA: LazyLock<DevKey> = LazyLock::new(|| DevKey::generate(Algorithm::RS256, "rsa-1").unwrap());
pub static RSA_OTHER: LazyLock<DevKey> = LazyLock::new(|| DevKey::generate(Algorithm::RS256, "rsa-2").unwrap());
pub static EC: LazyLock<DevKey> = LazyLock::new(|| DevKey::generate(Algorithm::ES256, "ec-1").unwrap());

/// Okta-shaped claims valid at [`NOW`].
pub fn claims() -> Value {
    json!({
        "ver": 1,
        "jti": "AT.abc",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": NOW as i64 - 60,
        "exp": NOW as i64 + 3600,
        "cid": "0oa1",
        "uid": "00u1",
        "scp": ["mcp:read", "openid"],
        "sub": "alice@example.com",
        "groups": ["Everyone", "AI-Users"],
    })
}

/// `claims()` with `changes` merged in (a `null` value removes the claim).
pub fn claims_with(changes: Value) -> Value {
    let mut c = claims();
    let obj = c.as_object_mut().unwrap();
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            obj.remove(k);
        } else {
            obj.insert(k.clone(), v.clone());
        }
    }
    c
}

pub fn sign(key: &DevKey, claims: &Value) -> String {
    key.sign(claims, Some("JWT"), &Map::new()).unwrap()
}

pub fn sign_header(key: &DevKey, claims: &Value, typ: Option<&str>, extra: Value) -> String {
    key.sign(claims, typ, extra.as_object().unwrap()).unwrap()
}

/// A one-provider config (YAML) with `extra_provider` lines added to the
/// provider, the JWKS inline, and `tail` appended at the top level.
pub fn config(jwks: &Value, extra_provider: &str, tail: &str) -> String {
    let mut provider_extra = String::new();
    for line in extra_provider.lines().filter(|l| !l.trim().is_empty()) {
        provider_extra.push_str("      ");
        provider_extra.push_str(line.trim_start());
        provider_extra.push('\n');
    }
    format!(
        "authentication:\n  providers:\n    - name: okta\n      issuer: {ISSUER}\n      audiences: [{AUDIENCE}]\n{provider_extra}      jwks:\n        inline: '{}'\n{tail}",
        serde_json::to_string(jwks).unwrap()
    )
}

pub fn rsa_config() -> String {
    config(&DevKey::jwks(&[&RSA]), "", "")
}

pub fn engine(config: &str) -> Engine {
    Engine::new(config).unwrap_or_else(|e| panic!("config should load: {e}\n{config}"))
}

pub fn bearer(engine: &Engine, token: &str) -> Decision {
    let auth = format!("Bearer {token}");
    let headers = [("authorization", auth.as_str())];
    engine.authorize_at(&Request { headers: &headers, ..Default::default() }, NOW).unwrap()
}

pub fn no_token(engine: &Engine) -> Decision {
    engine.authorize_at(&Request::default(), NOW).unwrap()
}

/// Asserts status and reason, with the decision in the message.
#[track_caller]
pub fn assert_decision(d: &Decision, status: u16, reason: &str) {
    assert_eq!((d.status, d.reason.as_str()), (status, reason), "decision: {d:#?}");
    assert_eq!(d.allowed, status == 200, "decision: {d:#?}");
}

/// Polls `cond` every 20ms for at most 10s; panics with `what` if it never holds.
#[track_caller]
pub fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..500 {
        if cond() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("never happened: {what}");
}
