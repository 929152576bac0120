//! Evaluation cost of a typical rule, activation included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
use claimcheck::Identity;
use claimcheck::Request;
use claimcheck::test_hooks::{RuleInput, RuleKind, RuleLimits, RuleSet, RuleSpec};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use std::sync::Arc;

fn okta() -> Identity {
    let claims = serde_json::json!({
        "ver": 1, "jti": "AT.abc", "iss": "https://dev.okta.com/oauth2/default", "aud": "api://default",
        "iat": 1700000000, "exp": 1700003600, "cid": "0oa1", "uid": "00u1",
        "scp": ["mcp:read", "openid"], "sub": "alice@example.com",
        "groups": ["Everyone", "AI-Users", "Eng", "G4", "G5", "G6", "G7", "G8"]
    });
    let claims = claimcheck::Claims::from_map(claims.as_object().cloned().unwrap_or_default());
    let scopes = Identity::scopes_from_claims(&claims);
    let groups: Vec<String> = ["Everyone", "AI-Users", "Eng", "G4", "G5", "G6", "G7", "G8"].map(String::from).to_vec();
    Identity {
        provider: Arc::from("okta"),
        issuer: "https://dev.okta.com/oauth2/default".into(),
        subject: Some("alice@example.com".into()),
        claims: Arc::new(claims),
        scopes: scopes.into(),
        groups: groups.into(),
        roles: Vec::new().into(),
    }
}

fn bench(c: &mut Criterion) {
    let id = okta();
    let headers = [("authorization", "Bearer x"), ("accept", "application/json")];
    let req = Request { method: "POST", path: "/mcp", host: "api", headers: &headers, ..Request::default() };
    for (name, expr) in [
        ("groups_in", r#""AI-Users" in auth.claims.groups"#),
        ("auth_groups_in", r#""AI-Users" in auth.groups"#),
        ("scope_and_method", r#""mcp:read" in auth.scopes && request.method == "POST""#),
        ("matches_literal", r#"jwt.sub.matches("^[a-z]+@example\\.com$")"#),
    ] {
        let set = RuleSet::compile(&[RuleSpec { kind: RuleKind::Allow, expr: expr.into() }], &RuleLimits::default())
            .unwrap_or_else(|e| panic!("{e:?}"));
        c.bench_function(name, |b| {
            b.iter(|| set.evaluate(black_box(&RuleInput { identity: Some(&id), request: &req, now: 1_700_000_100.0 })))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
