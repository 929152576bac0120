//! Token parsing and full validation against a fixed key set.
//!
//! Input: one mode byte, then
//! - mode % 4 == 0: the raw token text (put in `Authorization: Bearer`);
//! - otherwise: `header JSON \0 payload JSON`, signed here with the RS256
//!   (mode 1), ES256 (mode 2) or HS256 (mode 3) fixture key, so mutations
//!   of the JSON get past the signature into the header and claim checks.
//!   An empty header part means the key's default header.
//!
//! Besides "no panic", an allowed decision is checked against what an
//! independent reading of the token says (base64 crate, serde_json):
//! exactly three parts, the issuer's algorithm, times, audience, and for
//! the deterministic algorithms (RS256, HS256) the signature bytes
//! themselves.
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use claimcheck::Request;
use claimcheck_fuzz::{decide, default_header, engine, keys, sign, split_nul, Signer, AUDIENCE, HS_ISSUER, ISSUER, LEEWAY, NOW};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let token = match mode % 4 {
        0 => match std::str::from_utf8(rest) {
            Ok(t) => t.to_owned(),
            Err(_) => return,
        },
        m => {
            let signer = match m {
                1 => Signer::Rsa,
                2 => Signer::Ec,
                _ => Signer::Hs,
            };
            let (header, payload) = split_nul(rest);
            let default;
            let header = if header.is_empty() {
                default = default_header(signer);
                default.as_bytes()
            } else {
                header
            };
            sign(signer, header, payload)
        }
    };
    let value = format!("Bearer {token}");
    let headers = [("authorization", value.as_str())];
    let request = Request { method: "GET", path: "/", headers: &headers, ..Request::default() };
    let decision = decide(engine(), &request, NOW);
    assert_eq!(decision.allowed, decision.status == 200, "{decision:?}");
    if decision.allowed {
        check_allowed(&token, &decision);
    }
});

fn check_allowed(token: &str, decision: &claimcheck::Decision) {
    let identity = decision.identity.as_ref().expect("an allowed token has an identity");
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "allowed a token that is not three parts: {token:?}");
    let decode = |what: &str, s: &str| {
        URL_SAFE_NO_PAD.decode(s).unwrap_or_else(|e| panic!("allowed a token whose {what} is not strict base64url ({e}): {token:?}"))
    };
    let header: Map<String, Value> = serde_json::from_slice(&decode("header", parts[0]))
        .unwrap_or_else(|e| panic!("allowed a token whose header serde_json refuses ({e}): {token:?}"));
    let claims: Map<String, Value> = serde_json::from_slice(&decode("payload", parts[1]))
        .unwrap_or_else(|e| panic!("allowed a token whose claims serde_json refuses ({e}): {token:?}"));
    let signature = decode("signature", parts[2]);

    let alg = header.get("alg").and_then(Value::as_str).expect("allowed without a string alg");
    assert!(!header.contains_key("crit"), "allowed a token with crit: {token:?}");
    let iss = claims.get("iss").and_then(Value::as_str).expect("allowed without a string iss");
    assert_eq!(iss, identity.issuer);
    let k = keys();
    let signing_input = format!("{}.{}", parts[0], parts[1]);
    match (iss, alg) {
        (ISSUER, "RS256") => {
            assert_eq!(signature, k.rsa.sign_bytes(signing_input.as_bytes()).unwrap(), "RS256 signature is not the key's: {token:?}")
        }
        (ISSUER, "ES256") => assert_eq!(signature.len(), 64, "ES256 signature of the wrong length: {token:?}"),
        (HS_ISSUER, "HS256") => {
            assert_eq!(signature, k.hs.sign_bytes(signing_input.as_bytes()).unwrap(), "HS256 signature is not the key's: {token:?}")
        }
        other => panic!("allowed {other:?}, which no provider accepts: {token:?}"),
    }

    let number = |name: &str| {
        claims.get(name).map(|v| v.as_f64().unwrap_or_else(|| panic!("allowed a non-number `{name}`: {token:?}")))
    };
    if let Some(exp) = number("exp") {
        assert!(NOW < exp + LEEWAY, "allowed an expired token (exp {exp}): {token:?}");
    }
    if let Some(nbf) = number("nbf") {
        assert!(NOW + LEEWAY >= nbf, "allowed a token before nbf {nbf}: {token:?}");
    }
    if let Some(iat) = number("iat") {
        assert!(iat <= NOW + LEEWAY, "allowed a token issued in the future (iat {iat}): {token:?}");
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == AUDIENCE,
        Some(Value::Array(items)) => {
            assert!(items.iter().all(Value::is_string), "allowed an aud array with a non-string: {token:?}");
            items.iter().any(|a| a.as_str() == Some(AUDIENCE))
        }
        _ => false,
    };
    assert!(aud_ok, "allowed a token without the audience: {token:?}");
    match claims.get("sub") {
        None => assert_eq!(identity.subject, None),
        Some(Value::String(s)) => assert_eq!(identity.subject.as_deref(), Some(s.as_str())),
        Some(other) => panic!("allowed a non-string sub {other}: {token:?}"),
    }
    if let Some(Value::Array(groups)) = claims.get("groups") {
        assert!(!groups.iter().any(|g| g.as_str() == Some("banned")), "the deny rule missed `banned`: {token:?}");
    }
}
