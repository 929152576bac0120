//! Token validation speed: raw aws-lc-rs verification of a token's signature
//! on a pre-parsed key, against the full decision through the engine, for
//! each algorithm family; plus a rule, and two threads against one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{self, ParsedPublicKey};
use claimcheck::dev::DevKey;
use claimcheck::dev::base64url;
use claimcheck::dev::Algorithm;
use claimcheck::{Engine, Request};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Map};

const NOW: f64 = 1_767_225_600.0;
const ISS: &str = "https://integrator-7147223.okta.com/oauth2/aus104zseyg64swj3698";

fn okta_claims() -> serde_json::Value {
    json!({
        "ver": 1, "jti": "AT.6FBHJ4yj1LQ0Hxpyk6SQbUh3cGlSl4-xr0FwDGbxN0I", "iss": ISS,
        "aud": "api://default", "iat": 1767225540, "exp": 1767229200, "cid": "0oa8demo", "uid": "00u8demo",
        "scp": ["mcp:read", "openid"], "sub": "alice@example.com",
        "groups": ["Everyone", "AI-Users", "Engineering", "Platform", "On-Call", "VPN", "GitHub", "Okta-Admins"],
    })
}

fn engine_for(key: &DevKey, rules: &str) -> Engine {
    let algs = if key.algorithm().is_symmetric() { format!("      algorithms: [{}]\n", key.algorithm()) } else { String::new() };
    Engine::new(&format!(
        "authentication:\n  providers:\n    - name: okta\n      issuer: {ISS}\n      audiences: [api://default]\n{algs}      jwks:\n        inline: '{}'\n{rules}",
        serde_json::to_string(&DevKey::jwks(&[key])).unwrap()
    ))
    .unwrap()
}

/// Checks a signature over a message.
type Verifier = Box<dyn Fn(&[u8], &[u8]) -> bool>;

/// The raw check: a pre-parsed aws-lc-rs key verifying the token's signature.
fn raw_verifier(key: &DevKey) -> Verifier {
    let jwk = key.public_jwk();
    let b = |name: &str| base64url::decode(jwk[name].as_str().unwrap()).unwrap();
    match key.algorithm() {
        Algorithm::RS256 | Algorithm::PS256 => {
            let params = if key.algorithm() == Algorithm::RS256 { &signature::RSA_PKCS1_2048_8192_SHA256 } else { &signature::RSA_PSS_2048_8192_SHA256 };
            let parsed = signature::RsaPublicKeyComponents { n: b("n"), e: b("e") }.to_parsed_public_key(params).unwrap();
            Box::new(move |m, s| parsed.verify_sig(m, s).is_ok())
        }
        Algorithm::ES256 => {
            let mut point = vec![4u8];
            point.extend(b("x"));
            point.extend(b("y"));
            let parsed = ParsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point).unwrap();
            Box::new(move |m, s| parsed.verify_sig(m, s).is_ok())
        }
        Algorithm::EdDSA => {
            let parsed = ParsedPublicKey::new(&signature::ED25519, b("x")).unwrap();
            Box::new(move |m, s| parsed.verify_sig(m, s).is_ok())
        }
        _ => {
            let k = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &b("k"));
            Box::new(move |m, s| aws_lc_rs::hmac::verify(&k, m, s).is_ok())
        }
    }
}

fn bench_algorithms(c: &mut Criterion) {
    let mut group = c.benchmark_group("validate");
    for alg in [Algorithm::RS256, Algorithm::PS256, Algorithm::ES256, Algorithm::EdDSA, Algorithm::HS256] {
        let key = DevKey::generate(alg, "bench").unwrap();
        let token = key.sign(&okta_claims(), None, &Map::new()).unwrap();
        let (signing_input, sig64) = token.rsplit_once('.').unwrap();
        let sig = base64url::decode(sig64).unwrap();
        let raw = raw_verifier(&key);
        assert!(raw(signing_input.as_bytes(), &sig));
        group.bench_function(format!("{alg}/raw_verify"), |b| {
            b.iter(|| assert!(raw(black_box(signing_input.as_bytes()), black_box(&sig))))
        });
        let engine = engine_for(&key, "");
        let auth = format!("Bearer {token}");
        let headers = [("authorization", auth.as_str())];
        let req = Request { method: "POST", path: "/mcp", headers: &headers, ..Default::default() };
        assert!(engine.authorize_at(&req, NOW).unwrap().allowed);
        group.bench_function(format!("{alg}/full_decision"), |b| {
            b.iter(|| assert!(engine.authorize_at(black_box(&req), NOW).unwrap().allowed))
        });
        if alg == Algorithm::RS256 {
            let ruled = engine_for(&key, "authorization:\n  rules:\n    - '\"AI-Users\" in auth.claims.groups'\n");
            assert!(ruled.authorize_at(&req, NOW).unwrap().allowed);
            group.bench_function("RS256/full_decision_with_rule", |b| {
                b.iter(|| assert!(ruled.authorize_at(black_box(&req), NOW).unwrap().allowed))
            });
            // Throughput with two threads sharing one engine: the time per
            // decision per thread; compare with full_decision above.
            group.bench_function("RS256/full_decision_2_threads_per_op", |b| {
                b.iter_custom(|iters| {
                    let start = Instant::now();
                    std::thread::scope(|s| {
                        for _ in 0..2 {
                            s.spawn(|| {
                                let headers = [("authorization", auth.as_str())];
                                let req = Request { method: "POST", path: "/mcp", headers: &headers, ..Default::default() };
                                for _ in 0..iters {
                                    assert!(ruled.authorize_at(black_box(&req), NOW).unwrap().allowed);
                                }
                            });
                        }
                    });
                    // Two threads did 2*iters decisions in this wall time.
                    start.elapsed() / 2
                })
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = bench_algorithms
}
criterion_main!(benches);
