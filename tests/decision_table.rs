//! One test per row of the README's decision table: which input gets which
//! status, reason and `WWW-Authenticate`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use claimcheck::dev::DevKey;
use claimcheck::dev::Algorithm;
use claimcheck::{CredentialKind, Request};
use common::*;
use serde_json::json;

const INVALID: &str = "Bearer realm=\"claimcheck\", error=\"invalid_token\"";

#[track_caller]
fn assert_invalid_token(d: &claimcheck::Decision, reason: &str) {
    assert_decision(d, 401, reason);
    let www = d.www_authenticate.as_deref().unwrap();
    assert!(www.starts_with(INVALID), "{www}");
    assert!(d.identity.is_none());
    assert!(d.detail.is_some(), "the host gets a detail for its logs");
}

#[test]
fn valid_token_is_allowed_with_the_identity() {
    let e = engine(&rsa_config());
    let d = bearer(&e, &sign(&RSA, &claims()));
    assert_decision(&d, 200, "allowed");
    assert_eq!(d.www_authenticate, None);
    let id = d.identity.unwrap();
    assert_eq!(&*id.provider, "okta");
    assert_eq!(id.issuer, ISSUER);
    assert_eq!(id.subject.as_deref(), Some("alice@example.com"));
    assert_eq!(id.claims["groups"], json!(["Everyone", "AI-Users"]));
    assert_eq!(&*id.scopes, &["mcp:read".to_owned(), "openid".to_owned()]);
    let source = d.credential.unwrap();
    assert_eq!((source.kind, &*source.name), (CredentialKind::Header, "authorization"));
}

#[test]
fn decisions_say_where_the_credential_was_so_gateways_can_strip_it() {
    let cfg = rsa_config().replace(
        "authentication:\n",
        "authentication:\n  tokenSource:\n    - header: {name: X-Api-Token}\n    - cookie: {name: session}\n    - query: {name: access_token}\n",
    );
    let e = engine(&cfg);
    let token = sign(&RSA, &claims());
    let cookie = format!("a=1; session={token}");
    let path = format!("/mcp?access_token={token}");
    let cases: [(Request<'_>, CredentialKind, &str); 3] = [
        (Request { headers: &[("X-Api-Token", token.as_str())], ..Default::default() }, CredentialKind::Header, "x-api-token"),
        (Request { headers: &[("Cookie", cookie.as_str())], ..Default::default() }, CredentialKind::Cookie, "session"),
        (Request { path: &path, ..Default::default() }, CredentialKind::Query, "access_token"),
    ];
    for (request, kind, name) in cases {
        let d = e.authorize_at(&request, NOW).unwrap();
        assert_decision(&d, 200, "allowed");
        let source = d.credential.unwrap();
        assert_eq!((source.kind, &*source.name), (kind, name));
    }
    // A denied token reports its place too; no credential or two report none.
    let expired = sign(&RSA, &claims_with(json!({"exp": NOW - 3600.0})));
    let d = e.authorize_at(&Request { headers: &[("x-api-token", expired.as_str())], ..Default::default() }, NOW).unwrap();
    assert_decision(&d, 401, "expired");
    assert_eq!(d.credential.map(|s| s.kind), Some(CredentialKind::Header));
    assert_eq!(no_token(&e).credential, None);
    let both = [("x-api-token", token.as_str()), ("Cookie", cookie.as_str())];
    let d = e.authorize_at(&Request { headers: &both, ..Default::default() }, NOW).unwrap();
    assert_decision(&d, 400, "multiple_tokens");
    assert_eq!(d.credential, None);
}

#[test]
fn missing_token_in_strict_mode_is_401_without_error_code() {
    let d = no_token(&engine(&rsa_config()));
    assert_decision(&d, 401, "missing_token");
    assert_eq!(d.www_authenticate.as_deref(), Some("Bearer realm=\"claimcheck\""));
}

#[test]
fn missing_token_in_optional_and_permissive_mode_passes_unauthenticated() {
    for mode in ["optional", "permissive"] {
        let cfg = rsa_config().replace("authentication:\n", &format!("authentication:\n  mode: {mode}\n"));
        let d = no_token(&engine(&cfg));
        assert_decision(&d, 200, "allowed");
        assert!(d.identity.is_none(), "{mode}");
    }
}

#[test]
fn invalid_token_in_optional_mode_is_denied_and_in_permissive_mode_passes() {
    let expired = sign(&RSA, &claims_with(json!({"exp": NOW - 3600.0})));
    let optional = rsa_config().replace("authentication:\n", "authentication:\n  mode: optional\n");
    assert_invalid_token(&bearer(&engine(&optional), &expired), "expired");
    let permissive = rsa_config().replace("authentication:\n", "authentication:\n  mode: permissive\n");
    let d = bearer(&engine(&permissive), &expired);
    assert_decision(&d, 200, "allowed");
    assert!(d.identity.is_none());
    assert!(d.detail.unwrap().contains("expired"));
}

#[test]
fn two_credentials_are_400_invalid_request() {
    let e = engine(&rsa_config());
    let t = sign(&RSA, &claims());
    let a = format!("Bearer {t}");
    let headers = [("authorization", a.as_str()), ("Authorization", a.as_str())];
    let d = e.authorize_at(&Request { headers: &headers, ..Default::default() }, NOW).unwrap();
    assert_decision(&d, 400, "multiple_tokens");
    assert!(d.www_authenticate.unwrap().contains("error=\"invalid_request\""));
}

#[test]
fn malformed_tokens_are_401_malformed_token() {
    let e = engine(&rsa_config());
    for bad in ["abc", "a.b", "a.b.c", "a.b.c.d.e", "{\"payload\":\"e30\"}", "eyJ.eyJ.sig"] {
        assert_invalid_token(&bearer(&e, bad), "malformed_token");
    }
    // A valid signature over claims that are not JSON is still malformed.
    let t = RSA.sign_raw(br#"{"alg":"RS256","kid":"rsa-1"}"#, b"not json").unwrap();
    assert_invalid_token(&bearer(&e, &t), "malformed_token");
    // Padding or standard-alphabet characters break strict base64url.
    let good = sign(&RSA, &claims());
    assert_invalid_token(&bearer(&e, &format!("{good}=")), "malformed_token");
    assert_invalid_token(&bearer(&e, &good.replacen('-', "+", 1).replacen('_', "/", 1)), "malformed_token");
}

#[test]
fn oversized_token_is_token_too_large() {
    let cfg = format!("{}limits:\n  maxTokenSize: 512\n", rsa_config());
    let d = bearer(&engine(&cfg), &sign(&RSA, &claims()));
    assert_invalid_token(&d, "token_too_large");
}

#[test]
fn alg_none_and_unlisted_algorithms_are_unsupported_algorithm() {
    let e = engine(&rsa_config());
    let none = format!(
        "{}.{}.",
        claimcheck::dev::base64url::encode(br#"{"alg":"none"}"#),
        claimcheck::dev::base64url::encode(serde_json::to_string(&claims()).unwrap().as_bytes())
    );
    assert_invalid_token(&bearer(&e, &none), "unsupported_algorithm");
    let none_sig = format!("{none}AAAA");
    assert_invalid_token(&bearer(&e, &none_sig), "unsupported_algorithm");
    // HS256 is never accepted unless listed, even with a key that fits.
    let hs = DevKey::generate(Algorithm::HS256, "rsa-1").unwrap();
    assert_invalid_token(&bearer(&e, &sign(&hs, &claims())), "unsupported_algorithm");
    // A provider that lists only RS256 refuses ES256.
    let cfg = config(&DevKey::jwks(&[&RSA, &EC]), "algorithms: [RS256]", "");
    assert_invalid_token(&bearer(&engine(&cfg), &sign(&EC, &claims())), "unsupported_algorithm");
}

#[test]
fn unknown_issuer() {
    let e = engine(&rsa_config());
    let t = sign(&RSA, &claims_with(json!({"iss": "https://evil.example.com"})));
    assert_invalid_token(&bearer(&e, &t), "unknown_issuer");
}

#[test]
fn unknown_kid_is_unknown_key() {
    let e = engine(&rsa_config());
    assert_invalid_token(&bearer(&e, &sign(&RSA_OTHER, &claims())), "unknown_key");
}

#[test]
fn tampered_token_is_invalid_signature() {
    let e = engine(&rsa_config());
    let t = sign(&RSA, &claims());
    let forged_claims = claimcheck::dev::base64url::encode(
        serde_json::to_string(&claims_with(json!({"sub": "admin"}))).unwrap().as_bytes(),
    );
    let parts: Vec<&str> = t.split('.').collect();
    let forged = format!("{}.{}.{}", parts[0], forged_claims, parts[2]);
    assert_invalid_token(&bearer(&e, &forged), "invalid_signature");
    // Same kid, other key material: signature fails.
    let impostor = DevKey::generate(Algorithm::RS256, "rsa-1").unwrap();
    assert_invalid_token(&bearer(&e, &sign(&impostor, &claims())), "invalid_signature");
}

#[test]
fn wrong_typ_is_invalid_type() {
    let e = engine(&rsa_config());
    let t = sign_header(&RSA, &claims(), Some("JOSE+JSON"), json!({}));
    assert_invalid_token(&bearer(&e, &t), "invalid_type");
    // A provider that requires RFC 9068 tokens refuses plain JWTs and none.
    let cfg = config(&DevKey::jwks(&[&RSA]), "typ: at+jwt", "");
    let e = engine(&cfg);
    assert_invalid_token(&bearer(&e, &sign(&RSA, &claims())), "invalid_type");
    assert_invalid_token(&bearer(&e, &sign_header(&RSA, &claims(), None, json!({}))), "invalid_type");
    let at = sign_header(&RSA, &claims(), Some("application/AT+JWT"), json!({}));
    assert_decision(&bearer(&e, &at), 200, "allowed");
}

#[test]
fn unknown_crit_is_unknown_critical_header() {
    let e = engine(&rsa_config());
    let t = sign_header(&RSA, &claims(), Some("JWT"), json!({"crit": ["urn:example:x"], "urn:example:x": 1}));
    assert_invalid_token(&bearer(&e, &t), "unknown_critical_header");
}

#[test]
fn expiry_is_checked_with_leeway_and_exp_is_exclusive() {
    let e = engine(&rsa_config());
    // Leeway is 60s: at now == exp + 60 the token is expired ...
    let at_edge = sign(&RSA, &claims_with(json!({"exp": NOW - 60.0})));
    assert_invalid_token(&bearer(&e, &at_edge), "expired");
    // ... and one second earlier it is not.
    let inside = sign(&RSA, &claims_with(json!({"exp": NOW - 59.0})));
    assert_decision(&bearer(&e, &inside), 200, "allowed");
    // Fractions are allowed.
    let frac = sign(&RSA, &claims_with(json!({"exp": NOW - 59.5})));
    assert_decision(&bearer(&e, &frac), 200, "allowed");
    // Zero leeway.
    let cfg = config(&DevKey::jwks(&[&RSA]), "leeway: 0s", "");
    let exact = sign(&RSA, &claims_with(json!({"exp": NOW})));
    assert_invalid_token(&bearer(&engine(&cfg), &exact), "expired");
}

#[test]
fn future_nbf_is_not_yet_valid() {
    let e = engine(&rsa_config());
    let t = sign(&RSA, &claims_with(json!({"nbf": NOW + 61.0})));
    assert_invalid_token(&bearer(&e, &t), "not_yet_valid");
    let ok = sign(&RSA, &claims_with(json!({"nbf": NOW + 60.0})));
    assert_decision(&bearer(&e, &ok), 200, "allowed");
}

#[test]
fn future_iat_is_issued_in_future() {
    let e = engine(&rsa_config());
    let t = sign(&RSA, &claims_with(json!({"iat": NOW + 61.0})));
    assert_invalid_token(&bearer(&e, &t), "issued_in_future");
}

#[test]
fn lifetime_over_max_lifetime_is_lifetime_too_long() {
    let cfg = config(&DevKey::jwks(&[&RSA]), "maxLifetime: 1h", "");
    let e = engine(&cfg);
    let long = sign(&RSA, &claims_with(json!({"iat": NOW - 10.0, "exp": NOW + 3600.0})));
    assert_invalid_token(&bearer(&e, &long), "lifetime_too_long");
    let ok = sign(&RSA, &claims_with(json!({"iat": NOW - 10.0, "exp": NOW + 3590.0})));
    assert_decision(&bearer(&e, &ok), 200, "allowed");
    // maxLifetime needs iat.
    let no_iat = sign(&RSA, &claims_with(json!({"iat": null})));
    assert_invalid_token(&bearer(&e, &no_iat), "invalid_claim");
}

#[test]
fn audience_not_ours_is_invalid_audience() {
    let e = engine(&rsa_config());
    for aud in [json!("api://other"), json!(["a", "b"]), json!([])] {
        let t = sign(&RSA, &claims_with(json!({ "aud": aud })));
        assert_invalid_token(&bearer(&e, &t), "invalid_audience");
    }
    let t = sign(&RSA, &claims_with(json!({"aud": ["other", AUDIENCE]})));
    assert_decision(&bearer(&e, &t), 200, "allowed");
}

#[test]
fn wrongly_typed_or_missing_claims_are_invalid_claim() {
    let e = engine(&rsa_config());
    for change in [
        json!({"aud": 1}),
        json!({"aud": [AUDIENCE, 1]}),
        json!({"iss": [ISSUER]}),
        json!({"exp": "1"}),
        json!({"nbf": true}),
        json!({"iat": {}}),
        json!({"sub": 5}),
        json!({"exp": null}),
        json!({"aud": null}),
        json!({"iss": null}),
        json!({"exp": serde_json::Value::Null, "tid": "x"}),
    ] {
        let t = sign(&RSA, &claims_with(change.clone()));
        let d = bearer(&e, &t);
        assert_eq!(d.reason.as_str(), "invalid_claim", "{change}: {d:#?}");
        assert_invalid_token(&d, "invalid_claim");
    }
}

#[test]
fn a_required_claim_that_is_null_is_missing() {
    let e = engine(&config(&DevKey::jwks(&[&RSA]), "requiredClaims: [exp, tid]", ""));
    let t = sign(&RSA, &json!({"iss": ISSUER, "aud": AUDIENCE, "exp": NOW as i64 + 60, "tid": null}));
    assert_invalid_token(&bearer(&e, &t), "invalid_claim");
    let t = sign(&RSA, &json!({"iss": ISSUER, "aud": AUDIENCE, "exp": NOW as i64 + 60, "tid": "t1"}));
    assert_decision(&bearer(&e, &t), 200, "allowed");
}

#[test]
fn claim_values_a_full_parse_refuses_make_the_token_malformed() {
    let e = engine(&rsa_config());
    let header = br#"{"alg":"RS256","kid":"rsa-1"}"#;
    for payload in [
        format!(r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{},"groups":["\ud800"]}}"#, NOW as i64 + 60),
        format!(r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{},"n":1e400}}"#, NOW as i64 + 60),
    ] {
        let t = RSA.sign_raw(header, payload.as_bytes()).unwrap();
        assert_invalid_token(&bearer(&e, &t), "malformed_token");
    }
}

#[test]
fn remote_keys_that_cannot_be_loaded_are_503_keys_unavailable() {
    // Nothing listens on port 1 of loopback: the key set never loads.
    let cfg = format!(
        "authentication:\n  providers:\n    - issuer: {ISSUER}\n      audiences: [{AUDIENCE}]\n      jwks:\n        url: http://127.0.0.1:1/keys\n        allowHttp: true\n"
    );
    let d = bearer(&engine(&cfg), &sign(&RSA, &claims()));
    assert_decision(&d, 503, "keys_unavailable");
    assert_eq!(d.www_authenticate, None);
    assert!(d.detail.is_some());
}

#[test]
fn resource_metadata_and_realm_appear_in_every_challenge() {
    let cfg = rsa_config().replace(
        "authentication:\n",
        "authentication:\n  realm: mcp\n  resourceMetadata: https://api.example.com/.well-known/oauth-protected-resource\n",
    );
    let e = engine(&cfg);
    let d = no_token(&e);
    assert_eq!(
        d.www_authenticate.as_deref(),
        Some("Bearer realm=\"mcp\", resource_metadata=\"https://api.example.com/.well-known/oauth-protected-resource\"")
    );
    let d = bearer(&e, "abc");
    assert!(d.www_authenticate.unwrap().contains("resource_metadata=\"https://api.example.com/"));
}
