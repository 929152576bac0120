//! JWKS parsing (`src/keys/`): a key set document, as an inline, file or
//! fetched JWKS is read.
//!
//! Input: the JWKS bytes. Besides "no panic":
//! - a key holding private members (`d`, `p`, ...; not `oct`), an RSA key
//!   under 2048 bits, a key with `use` other than `sig` or whose `key_ops`
//!   lack `verify` is never parsed;
//! - a set with public keys holds no secret, and `without_secrets` none at all;
//! - `choose(kid, alg)` returns a key that fits `alg` (and has that kid), and
//!   for a token without kid only when exactly one key fits;
//! - no key verifies a signature taken from the input over a fixed message.
#![no_main]

use claimcheck::test_hooks::{parse_jwk, Algorithm, KeySet};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const PRIVATE: [&str; 6] = ["d", "p", "q", "dp", "dq", "qi"];

fuzz_target!(|data: &[u8]| {
    let result = KeySet::from_json_bytes(data, 1 << 20, 100);
    let doc: Option<Value> = serde_json::from_slice(data).ok();
    let listed = doc.as_ref().and_then(|d| d.get("keys")).and_then(Value::as_array);
    let Ok((set, _warnings)) = result else { return };
    let listed = listed.expect("a set was read from a document without a `keys` array");

    let mut parsed_ok = 0;
    for jwk in listed {
        let parsed = parse_jwk(jwk);
        let Ok(key) = parsed else { continue };
        parsed_ok += 1;
        let obj = jwk.as_object().expect("a parsed key is an object");
        let kty = obj.get("kty").and_then(Value::as_str);
        if kty != Some("oct") {
            assert!(!PRIVATE.iter().any(|m| obj.contains_key(*m)), "parsed a key with private members: {jwk}");
        }
        if let Some(u) = obj.get("use") {
            assert_eq!(u.as_str(), Some("sig"), "parsed a key with use {u}");
        }
        if let Some(ops) = obj.get("key_ops") {
            let ops = ops.as_array().expect("parsed a key whose key_ops is not an array");
            assert!(ops.iter().any(|o| o.as_str() == Some("verify")), "parsed a key without key_ops verify: {jwk}");
        }
        if kty == Some("RSA") {
            let d = key.describe();
            let bits: usize = d.trim_start_matches("RSA ").trim_end_matches("-bit").parse().unwrap();
            assert!((2048..=8192).contains(&bits), "parsed an RSA key of {bits} bits");
        }
        if let Some(alg) = key.jwk_alg {
            assert!(key.fits(alg), "a key does not fit its own alg");
            for other in Algorithm::ALL {
                if other != alg {
                    assert!(!key.fits(other), "a key with alg {alg} fits {other}");
                }
            }
        }
    }
    assert!(set.len() <= parsed_ok, "the set holds more keys than parse");
    let keys = set.keys();
    if keys.iter().any(|k| !k.is_symmetric()) {
        assert!(keys.iter().all(|k| !k.is_symmetric()), "a set with public keys kept a secret");
    }

    let mut kids: Vec<Option<&str>> = vec![None, Some(""), Some("missing")];
    kids.extend(keys.iter().filter_map(|k| k.kid.as_deref()).map(Some));
    let message = b"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0";
    let signature = data.get(data.len().saturating_sub(64)..).unwrap_or_default();
    for alg in Algorithm::ALL {
        for kid in &kids {
            if let Ok(key) = set.choose(*kid, alg) {
                assert!(key.fits(alg), "chose a key that does not fit {alg}");
                match kid {
                    Some(kid) => {
                        assert_eq!(key.kid.as_deref(), Some(*kid));
                        let fitting = keys.iter().filter(|k| k.kid.as_deref() == Some(*kid) && k.fits(alg)).count();
                        assert_eq!(fitting, 1, "chose by kid {kid:?} among {fitting} fitting keys");
                    }
                    None => {
                        let fitting = keys.iter().filter(|k| k.fits(alg)).count();
                        assert_eq!(fitting, 1, "chose without kid among {fitting} fitting keys");
                    }
                }
            }
        }
        for key in keys {
            assert!(!key.verify(alg, message, signature), "{key:?} verified a signature from the input");
        }
    }
    let (public, _) = set.without_secrets();
    assert!(public.keys().iter().all(|k| !k.is_symmetric()));
});
