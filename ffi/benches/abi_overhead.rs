//! What the C ABI adds per authorize call over the Rust API, for the same
//! request (built once on both sides): the C call and panic boundary,
//! turning the argument views into the core's borrowed `Request` (UTF-8
//! checks, stack arrays), boxing the decision, two accessors and the free.
//! Run: `cargo bench -p claimcheck-ffi`.
//!
//! Three requests: a valid RS256 token (the signature check dominates), a
//! missing token (the cheapest full decision, so the overhead shows most),
//! and a valid token among 20 headers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::ptr;

use claimcheck::*;
use claimcheck_core::dev::DevKey;
use claimcheck_core::dev::Algorithm;
use claimcheck_core::{Engine, Request};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Map};

const NOW: f64 = 1_750_000_000.0;

fn setup() -> (String, String) {
    let key = DevKey::generate(Algorithm::RS256, "k1").unwrap();
    let config = format!(
        "authentication:\n  providers:\n    - name: idp\n      issuer: https://idp.example.com\n      audiences: [api]\n      jwks:\n        inline: '{}'\n",
        serde_json::to_string(&DevKey::jwks(&[&key])).unwrap()
    );
    let claims = json!({"iss": "https://idp.example.com", "aud": "api", "sub": "alice", "iat": NOW - 10.0, "exp": NOW + 3600.0});
    (config, format!("Bearer {}", key.sign(&claims, Some("JWT"), &Map::new()).unwrap()))
}

fn sv(s: &str) -> claimcheck_str {
    claimcheck_str::view(s)
}

fn bench(c: &mut Criterion) {
    let (config, auth) = setup();
    let engine = Engine::new(&config).unwrap();
    let mut handle = ptr::null_mut();
    // SAFETY: a valid config view and out-pointer.
    assert_eq!(unsafe { claimcheck_engine_new(config.as_ptr().cast(), config.len(), &mut handle, ptr::null_mut()) }, 0);

    let mut headers: Vec<(String, String)> = (0..19).map(|i| (format!("x-header-{i}"), "value".to_owned())).collect();
    headers.push(("authorization".to_owned(), auth.clone()));
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("valid_token", vec![("authorization", auth.as_str())]),
        ("missing_token", vec![("user-agent", "bench")]),
        ("valid_token_20_headers", headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()),
    ];
    for (name, pairs) in &cases {
        let mut group = c.benchmark_group(*name);
        group.bench_function("rust_api", |b| {
            let req = Request { method: "GET", path: "/mcp", host: "api.example.com", headers: pairs, ..Default::default() };
            b.iter(|| {
                let d = engine.authorize_at(black_box(&req), NOW).unwrap();
                black_box((d.status, d.reason.code()));
            })
        });
        group.bench_function("c_abi", |b| {
            // What a C host does per request: call, read, free. The request
            // views are built once, as the Rust side's request is: building
            // them is the host's own work whatever library it calls.
            let views: Vec<claimcheck_pair> =
                pairs.iter().map(|(n, v)| claimcheck_pair { name: sv(n), value: sv(v) }).collect();
            let req = claimcheck_request {
                method: sv("GET"),
                path: sv("/mcp"),
                host: sv("api.example.com"),
                headers: views.as_ptr(),
                headers_len: views.len(),
                ..Default::default()
            };
            b.iter(|| {
                let mut d = ptr::null_mut();
                // SAFETY: a live engine, a request of valid views, a valid out-pointer; the decision is freed once.
                unsafe {
                    claimcheck_engine_authorize_at(handle, black_box(&req), NOW, &mut d);
                    black_box((claimcheck_decision_status(d), claimcheck_decision_reason(d)));
                    claimcheck_decision_free(d);
                }
            })
        });
        group.finish();
    }
    // SAFETY: the engine is freed once, after its last use.
    unsafe { claimcheck_engine_free(handle) };
}

criterion_group!(benches, bench);
criterion_main!(benches);
