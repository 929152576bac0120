//! Writes the configs and tokens the C tests (tests/c/*.c) read, so the C ABI
//! needs no test-only minting export: `cargo run -p claimcheck-ffi --example
//! c-fixtures -- DIR`.
//!
//! `DIR/fixtures.txt` has one record per line, fields separated by spaces:
//! - `now SECONDS`: the pinned clock for `claimcheck_engine_authorize_at`;
//! - `token NAME JWT`;
//! - `row CONFIG TOKEN STATUS REASON`: a decision-table row (mirrors
//!   tests/decision_table.rs): bearer TOKEN (`-`: none; `twice:NAME`: the
//!   token in two Authorization headers) against DIR/CONFIG;
//! - `stress TOKEN STATUS_A REASON_A STATUS_B REASON_B`: what `a.yaml` and
//!   `b.yaml` each answer for TOKEN.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::PathBuf;

use claimcheck_core::dev::DevKey;
use claimcheck_core::dev::Algorithm;
use serde_json::{json, Map, Value};

const NOW: f64 = 1_750_000_000.0;
const ISSUER: &str = "https://idp.example.com/oauth2/default";
const AUDIENCE: &str = "api://default";

fn claims_with(changes: Value) -> Value {
    let mut c = json!({
        "ver": 1, "jti": "AT.abc", "iss": ISSUER, "aud": AUDIENCE,
        "iat": NOW - 60.0, "exp": NOW + 3600.0, "cid": "0oa1", "uid": "00u1",
        "scp": ["mcp:read", "openid"], "sub": "alice@example.com", "groups": ["Everyone", "AI-Users"],
    });
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c.as_object_mut().unwrap().insert(k.clone(), v.clone());
        }
    }
    c
}

fn config(jwks: &Value, provider_extra: &str, audiences: &str, head: &str, tail: &str) -> String {
    format!(
        "authentication:\n{head}  providers:\n    - name: okta\n      issuer: {ISSUER}\n      audiences: [{audiences}]\n{provider_extra}      jwks:\n        inline: '{}'\n{tail}",
        serde_json::to_string(jwks).unwrap()
    )
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("usage: c-fixtures DIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let rsa = DevKey::generate(Algorithm::RS256, "rsa-1").unwrap();
    let rsa_other = DevKey::generate(Algorithm::RS256, "rsa-2").unwrap();
    let impostor = DevKey::generate(Algorithm::RS256, "rsa-1").unwrap();
    let ec = DevKey::generate(Algorithm::ES256, "ec-1").unwrap();
    let jwks = DevKey::jwks(&[&rsa]);
    let sign = |k: &DevKey, c: &Value| k.sign(c, Some("JWT"), &Map::new()).unwrap();

    let configs = [
        ("a.yaml", config(&jwks, "", AUDIENCE, "", "")),
        (
            "b.yaml",
            config(&jwks, "", &format!("{AUDIENCE}, api://other"), "", "authorization:\n  rules:\n    - '\"AI-Users\" in auth.claims.groups'\n"),
        ),
        ("optional.yaml", config(&jwks, "", AUDIENCE, "  mode: optional\n", "")),
        ("permissive.yaml", config(&jwks, "", AUDIENCE, "  mode: permissive\n", "")),
        ("small.yaml", config(&jwks, "", AUDIENCE, "", "limits:\n  maxTokenSize: 512\n")),
        ("rs256.yaml", config(&DevKey::jwks(&[&rsa, &ec]), "      algorithms: [RS256]\n", AUDIENCE, "", "")),
        ("atjwt.yaml", config(&jwks, "      typ: at+jwt\n", AUDIENCE, "", "")),
        ("noleeway.yaml", config(&jwks, "      leeway: 0s\n", AUDIENCE, "", "")),
        ("lifetime.yaml", config(&jwks, "      maxLifetime: 1h\n", AUDIENCE, "", "")),
        (
            "unavailable.yaml",
            format!("authentication:\n  providers:\n    - issuer: {ISSUER}\n      audiences: [{AUDIENCE}]\n      jwks:\n        url: http://127.0.0.1:1/keys\n        allowHttp: true\n"),
        ),
        ("rules.yaml", config(&jwks, "", AUDIENCE, "", "authorization:\n  rules:\n    - '\"AI-Users\" in auth.claims.groups'\n")),
        ("scope.yaml", config(&jwks, "", AUDIENCE, "", "authorization:\n  rules:\n    - require: '\"mcp:write\" in auth.scopes'\n")),
        (
            "deny.yaml",
            config(&jwks, "", AUDIENCE, "", "authorization:\n  rules:\n    - 'true'\n    - deny: 'auth.claims.sub.startsWith(\"test-\")'\n    - deny: 'jwt.tenant == \"x\"'\n"),
        ),
        (
            "optional-rules.yaml",
            config(&jwks, "", AUDIENCE, "  mode: optional\n", "authorization:\n  rules:\n    - '\"AI-Users\" in auth.claims.groups'\n"),
        ),
        ("bad-rule.yaml", config(&jwks, "", AUDIENCE, "", "authorization:\n  rules:\n    - 'true'\n    - 'jwt.sub == nosuchvar'\n")),
        (
            "warn.yaml",
            config(
                &json!({"keys": [{"kty": "RSA", "kid": "broken", "n": "AQAB", "e": "AQAB"}, rsa.public_jwk()]}),
                "",
                AUDIENCE,
                "",
                "",
            ),
        ),
        ("malformed.yaml", "authentication: [\n  providers\n".to_owned()),
        ("invalid.yaml", "authentication:\n  providers:\n    - name: x\n      issuer: https://x\n      audiense: [a]\n".to_owned()),
    ];
    for (name, text) in &configs {
        std::fs::write(dir.join(name), text).unwrap();
    }

    let none = format!(
        "{}.{}.",
        claimcheck_core::dev::base64url::encode(br#"{"alg":"none"}"#),
        claimcheck_core::dev::base64url::encode(serde_json::to_string(&claims_with(json!({}))).unwrap().as_bytes())
    );
    let valid = sign(&rsa, &claims_with(json!({})));
    let parts: Vec<&str> = valid.split('.').collect();
    let forged_claims = claimcheck_core::dev::base64url::encode(
        serde_json::to_string(&claims_with(json!({"sub": "admin"}))).unwrap().as_bytes(),
    );
    let tokens: Vec<(&str, String)> = vec![
        ("valid", valid.clone()),
        ("expired", sign(&rsa, &claims_with(json!({"exp": NOW - 3600.0})))),
        ("expired_edge", sign(&rsa, &claims_with(json!({"exp": NOW - 60.0})))),
        ("inside_leeway", sign(&rsa, &claims_with(json!({"exp": NOW - 59.0})))),
        ("exp_now", sign(&rsa, &claims_with(json!({"exp": NOW})))),
        ("wrong_aud", sign(&rsa, &claims_with(json!({"aud": "api://other"})))),
        ("aud_list_ok", sign(&rsa, &claims_with(json!({"aud": ["other", AUDIENCE]})))),
        ("malformed", "a.b.c".to_owned()),
        ("padded", format!("{valid}=")),
        ("alg_none", none),
        ("es256", sign(&ec, &claims_with(json!({})))),
        ("unknown_issuer", sign(&rsa, &claims_with(json!({"iss": "https://evil.example.com"})))),
        ("unknown_kid", sign(&rsa_other, &claims_with(json!({})))),
        ("forged", format!("{}.{}.{}", parts[0], forged_claims, parts[2])),
        ("impostor", sign(&impostor, &claims_with(json!({})))),
        ("bad_typ", rsa.sign(&claims_with(json!({})), Some("JOSE+JSON"), &Map::new()).unwrap()),
        ("at_jwt", rsa.sign(&claims_with(json!({})), Some("application/AT+JWT"), &Map::new()).unwrap()),
        (
            "crit",
            rsa.sign(&claims_with(json!({})), Some("JWT"), json!({"crit": ["urn:example:x"], "urn:example:x": 1}).as_object().unwrap())
                .unwrap(),
        ),
        ("nbf_future", sign(&rsa, &claims_with(json!({"nbf": NOW + 61.0})))),
        ("iat_future", sign(&rsa, &claims_with(json!({"iat": NOW + 61.0})))),
        ("long_life", sign(&rsa, &claims_with(json!({"iat": NOW - 10.0, "exp": NOW + 3600.0})))),
        ("ok_life", sign(&rsa, &claims_with(json!({"iat": NOW - 10.0, "exp": NOW + 3590.0})))),
        ("no_iat", sign(&rsa, &claims_with(json!({"iat": null})))),
        ("aud_number", sign(&rsa, &claims_with(json!({"aud": 1})))),
        ("exp_string", sign(&rsa, &claims_with(json!({"exp": "1"})))),
        ("no_exp", sign(&rsa, &claims_with(json!({"exp": null})))),
        ("bob", sign(&rsa, &claims_with(json!({"sub": "bob@example.com", "groups": ["Everyone"]})))),
        ("test_robot", sign(&rsa, &claims_with(json!({"sub": "test-robot"})))),
        // Valid for a day at the real clock: for examples/c/hello, which uses
        // claimcheck_engine_authorize (no pinned time).
        ("live", {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64().floor();
            sign(&rsa, &claims_with(json!({"iat": now - 60.0, "exp": now + 86400.0})))
        }),
    ];

    let rows = [
        ("a.yaml", "valid", 200, "allowed"),
        ("a.yaml", "-", 401, "missing_token"),
        ("optional.yaml", "-", 200, "allowed"),
        ("permissive.yaml", "-", 200, "allowed"),
        ("optional.yaml", "expired", 401, "expired"),
        ("permissive.yaml", "expired", 200, "allowed"),
        ("a.yaml", "twice:valid", 400, "multiple_tokens"),
        ("a.yaml", "malformed", 401, "malformed_token"),
        ("a.yaml", "padded", 401, "malformed_token"),
        ("small.yaml", "valid", 401, "token_too_large"),
        ("a.yaml", "alg_none", 401, "unsupported_algorithm"),
        ("rs256.yaml", "es256", 401, "unsupported_algorithm"),
        ("a.yaml", "unknown_issuer", 401, "unknown_issuer"),
        ("a.yaml", "unknown_kid", 401, "unknown_key"),
        ("a.yaml", "forged", 401, "invalid_signature"),
        ("a.yaml", "impostor", 401, "invalid_signature"),
        ("a.yaml", "bad_typ", 401, "invalid_type"),
        ("atjwt.yaml", "valid", 401, "invalid_type"),
        ("atjwt.yaml", "at_jwt", 200, "allowed"),
        ("a.yaml", "crit", 401, "unknown_critical_header"),
        ("a.yaml", "expired_edge", 401, "expired"),
        ("a.yaml", "inside_leeway", 200, "allowed"),
        ("noleeway.yaml", "exp_now", 401, "expired"),
        ("a.yaml", "nbf_future", 401, "not_yet_valid"),
        ("a.yaml", "iat_future", 401, "issued_in_future"),
        ("lifetime.yaml", "long_life", 401, "lifetime_too_long"),
        ("lifetime.yaml", "ok_life", 200, "allowed"),
        ("lifetime.yaml", "no_iat", 401, "invalid_claim"),
        ("a.yaml", "wrong_aud", 401, "invalid_audience"),
        ("a.yaml", "aud_list_ok", 200, "allowed"),
        ("a.yaml", "aud_number", 401, "invalid_claim"),
        ("a.yaml", "exp_string", 401, "invalid_claim"),
        ("a.yaml", "no_exp", 401, "invalid_claim"),
        ("unavailable.yaml", "valid", 503, "keys_unavailable"),
        ("rules.yaml", "valid", 200, "allowed"),
        ("rules.yaml", "bob", 403, "no_rule_allowed"),
        ("scope.yaml", "valid", 403, "required_rule_failed"),
        ("deny.yaml", "test_robot", 403, "denied_by_rule"),
        ("deny.yaml", "valid", 403, "denied_by_rule"),
        ("optional-rules.yaml", "-", 401, "no_rule_allowed"),
    ];
    let stress = [
        ("valid", 200, "allowed", 200, "allowed"),
        ("expired", 401, "expired", 401, "expired"),
        ("wrong_aud", 401, "invalid_audience", 200, "allowed"),
        ("bob", 200, "allowed", 403, "no_rule_allowed"),
    ];

    let mut out = format!("now {NOW}\n");
    for (name, jwt) in &tokens {
        writeln!(out, "token {name} {jwt}").unwrap();
    }
    for (cfg, token, status, reason) in rows {
        writeln!(out, "row {cfg} {token} {status} {reason}").unwrap();
    }
    for (token, sa, ra, sb, rb) in stress {
        writeln!(out, "stress {token} {sa} {ra} {sb} {rb}").unwrap();
    }
    std::fs::write(dir.join("fixtures.txt"), out).unwrap();
}
