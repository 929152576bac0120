//! Rules through the engine: the decision-table rows that rules decide,
//! and rule errors at load.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use claimcheck::{Attribute, AttributeValue, ConfigErrorKind, Engine, Request};
use common::*;
use serde_json::json;

fn with_rules(rules: &str) -> String {
    format!("{}authorization:\n  rules:\n{rules}", rsa_config())
}

fn alice() -> String {
    sign(&RSA, &claims())
}

fn bob() -> String {
    sign(&RSA, &claims_with(json!({"sub": "bob@example.com", "groups": ["Everyone"]})))
}

#[test]
fn allow_rule_matching_names_the_rule() {
    let e = engine(&with_rules("    - '\"Admins\" in auth.claims.groups'\n    - '\"AI-Users\" in auth.claims.groups'\n"));
    let d = bearer(&e, &alice());
    assert_decision(&d, 200, "allowed");
    assert_eq!(d.rule, Some(1));
    assert!(!d.rule_errored);
}

#[test]
fn no_allow_rule_matching_is_403_no_rule_allowed() {
    let e = engine(&with_rules("    - if: '\"AI-Users\" in auth.claims.groups'\n"));
    let d = bearer(&e, &bob());
    assert_decision(&d, 403, "no_rule_allowed");
    assert_eq!(d.rule, None);
    assert_eq!(d.www_authenticate, None, "a plain 403 carries no challenge");
    assert_eq!(d.identity.unwrap().subject.as_deref(), Some("bob@example.com"));
}

#[test]
fn deny_rule_wins_and_is_403_denied_by_rule() {
    let e = engine(&with_rules("    - 'true'\n    - deny: 'auth.claims.sub.startsWith(\"test-\")'\n"));
    let t = sign(&RSA, &claims_with(json!({"sub": "test-robot"})));
    let d = bearer(&e, &t);
    assert_decision(&d, 403, "denied_by_rule");
    assert_eq!((d.rule, d.rule_errored), (Some(1), false));
    assert_decision(&bearer(&e, &alice()), 200, "allowed");
}

#[test]
fn failed_scope_requirement_is_403_insufficient_scope() {
    let e = engine(&with_rules("    - require: '\"mcp:write\" in auth.scopes'\n"));
    let d = bearer(&e, &alice());
    assert_decision(&d, 403, "required_rule_failed");
    assert_eq!(d.rule, Some(0));
    assert_eq!(
        d.www_authenticate.as_deref(),
        Some("Bearer realm=\"claimcheck\", error=\"insufficient_scope\", scope=\"mcp:write\"")
    );
    // Scopes are whole words: `mcp` never matches `mcp:read`.
    let e = engine(&with_rules("    - require: '\"mcp\" in auth.scopes'\n"));
    assert_decision(&bearer(&e, &alice()), 403, "required_rule_failed");
    // Keycloak/Entra send `scope`/`scp` as a space-separated string.
    let e = engine(&with_rules("    - require: '\"mcp:write\" in auth.scopes'\n"));
    let t = sign(&RSA, &claims_with(json!({"scp": null, "scope": "openid mcp:write"})));
    assert_decision(&bearer(&e, &t), 200, "allowed");
}

#[test]
fn an_erroring_deny_denies_and_an_erroring_allow_does_not_match() {
    let e = engine(&with_rules("    - 'true'\n    - deny: 'jwt.tenant == \"x\"'\n"));
    let d = bearer(&e, &alice());
    assert_decision(&d, 403, "denied_by_rule");
    assert_eq!((d.rule, d.rule_errored), (Some(1), true));
    // The evaluation error goes to the host's log; the client sees only the
    // reason's fixed message.
    assert_eq!(d.detail.as_deref(), Some("No such key: tenant"));
    assert_eq!(d.message, "access denied");
    let e = engine(&with_rules("    - 'jwt.tenant == \"x\"'\n"));
    let d = bearer(&e, &alice());
    assert_decision(&d, 403, "no_rule_allowed");
    assert_eq!((d.rule, d.rule_errored), (None, false), "no rule decided");
    assert_eq!(d.detail.as_deref(), Some("allow rule 0 errored: No such key: tenant"));
    assert_eq!(d.message, "access denied");
    // An erroring require denies.
    let e = engine(&with_rules("    - require: 'jwt.tenant == \"x\"'\n"));
    let d = bearer(&e, &alice());
    assert_decision(&d, 403, "required_rule_failed");
    assert_eq!((d.rule, d.rule_errored), (Some(0), true));
    assert_eq!(d.detail.as_deref(), Some("No such key: tenant"));
    assert_eq!(d.message, "access denied");
}

#[test]
fn unauthenticated_request_denied_by_rules_is_401_with_the_challenge() {
    let cfg = with_rules("    - '\"AI-Users\" in auth.claims.groups'\n")
        .replace("authentication:\n", "authentication:\n  mode: optional\n");
    let d = no_token(&engine(&cfg));
    assert_decision(&d, 401, "no_rule_allowed");
    assert_eq!(d.www_authenticate.as_deref(), Some("Bearer realm=\"claimcheck\""));
    // Rules see `jwt == null` without a token.
    let cfg = with_rules("    - 'jwt == null && request.path.startsWith(\"/public\")'\n")
        .replace("authentication:\n", "authentication:\n  mode: optional\n");
    let e = engine(&cfg);
    let public = Request { path: "/public/x", ..Default::default() };
    assert_decision(&e.authorize_at(&public, NOW).unwrap(), 200, "allowed");
    let private = Request { path: "/private", ..Default::default() };
    assert_decision(&e.authorize_at(&private, NOW).unwrap(), 401, "no_rule_allowed");
}

#[test]
fn rules_read_the_request_and_host_attributes() {
    let cfg = with_rules(concat!(
        "    - require: 'request.method == \"POST\" && request.headers[\"x-tenant\"] == \"acme\"'\n",
        "    - require: 'source.address.startsWith(\"10.\")'\n",
        "    - 'mcp.tool.name == \"search\" && jwt.exp - 60 > jwt.iat'\n",
    ));
    let e = engine(&cfg);
    let auth = format!("Bearer {}", alice());
    let headers = [("Authorization", auth.as_str()), ("X-Tenant", "acme")];
    let attrs = [Attribute { name: "mcp.tool.name", value: AttributeValue::Str("search") }];
    let req = Request { method: "POST", headers: &headers, source_address: "10.1.2.3", attributes: &attrs, ..Default::default() };
    let d = e.authorize_at(&req, NOW).unwrap();
    assert_decision(&d, 200, "allowed");
    assert_eq!(d.rule, Some(2));
    let attrs = [Attribute { name: "mcp.tool.name", value: AttributeValue::Str("delete") }];
    let req = Request { method: "POST", headers: &headers, source_address: "10.1.2.3", attributes: &attrs, ..Default::default() };
    assert_decision(&e.authorize_at(&req, NOW).unwrap(), 403, "no_rule_allowed");
    let req = Request { method: "GET", headers: &headers, source_address: "10.1.2.3", attributes: &attrs, ..Default::default() };
    assert_decision(&e.authorize_at(&req, NOW).unwrap(), 403, "required_rule_failed");
}

#[test]
fn a_rule_that_does_not_compile_fails_the_load_with_index_and_column() {
    // (rules, index of the bad rule, 1-based column in it, the message)
    let cases = [
        ("    - 'true'\n    - 'jwtt.sub == \"x\"'\n", 1, 1, "unknown variable `jwtt`; did you mean `jwt`?"),
        (
            "    - deny: '1 +'\n",
            0,
            4,
            "syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', \
             'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}",
        ),
        ("    - 'auth.claims.groups.nosuchfn()'\n", 0, 20, "unknown function `nosuchfn`"),
        (
            "    - 'jwt.sub.matches(\"[\")'\n",
            0,
            17,
            "invalid regular expression `[`: error: unclosed character class",
        ),
    ];
    for (rules, index, column, message) in cases {
        let err = Engine::new(&with_rules(rules)).unwrap_err();
        assert_eq!(err.kind, ConfigErrorKind::Rule, "{err}");
        assert_eq!((err.rule, err.column, err.message.as_str()), (Some(index), Some(column), message), "{err}");
        // What the operator reads: where, then what.
        assert_eq!(err.to_string(), format!("authorization.rules[{index}], column {column}: {message}"));
    }
}

#[test]
fn a_comprehension_variable_is_bound_not_free() {
    let e = engine(&with_rules("    - 'auth.claims.groups.exists(g, g.startsWith(\"AI-\"))'\n"));
    assert_decision(&bearer(&e, &alice()), 200, "allowed");
}

#[test]
fn a_failed_reload_keeps_the_running_config() {
    let e = engine(&with_rules("    - '\"AI-Users\" in auth.claims.groups'\n"));
    let err = e.reload(&with_rules("    - 'nosuchvar'\n")).unwrap_err();
    assert_eq!(err.kind, ConfigErrorKind::Rule);
    assert_eq!(err.to_string(), "authorization.rules[0], column 1: unknown variable `nosuchvar`");
    assert_decision(&bearer(&e, &alice()), 200, "allowed");
    assert_decision(&bearer(&e, &bob()), 403, "no_rule_allowed");
    e.reload(&rsa_config()).unwrap();
    assert_decision(&bearer(&e, &bob()), 200, "allowed");
}
