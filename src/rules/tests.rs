#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
//! Unit tests of the rules module: semantics, environment, load errors,
//! laziness and adversarial rules.

use super::*;
use crate::identity::Identity;
use crate::request::{Attribute, AttributeValue, Request};
use serde_json::json;
use std::sync::Arc;

fn identity(claims: serde_json::Value) -> Identity {
    let claims = match claims {
        serde_json::Value::Object(m) => crate::claims::Claims::from_map(m),
        _ => panic!("claims must be an object"),
    };
    let issuer = claims.get("iss").and_then(|v| v.as_str()).unwrap_or("").to_owned();
    let subject = claims.get("sub").and_then(|v| v.as_str()).map(str::to_owned);
    let views = crate::identity::ClaimViews::default();
    Identity::new(Arc::from("okta"), issuer, subject, Arc::new(claims), &views)
}

fn okta() -> Identity {
    identity(json!({
        "ver": 1, "jti": "AT.x", "iss": "https://dev.okta.com/oauth2/default", "aud": "api://default",
        "iat": 1700000000, "exp": 1700003600, "cid": "0oa1", "uid": "00u1",
        "scp": ["mcp:read", "openid"], "sub": "alice@example.com",
        "groups": ["Everyone", "AI-Users", "Eng", "G4", "G5", "G6", "G7", "G8"]
    }))
}

fn rules(specs: &[(RuleKind, &str)]) -> RuleSet {
    let specs: Vec<RuleSpec> = specs.iter().map(|(k, e)| RuleSpec { kind: *k, expr: (*e).to_owned() }).collect();
    RuleSet::compile(&specs, &RuleLimits::default()).unwrap()
}

fn load_err(expr: &str) -> RuleError {
    let specs = vec![
        RuleSpec { kind: RuleKind::Allow, expr: "true".into() },
        RuleSpec { kind: RuleKind::Allow, expr: expr.into() },
    ];
    RuleSet::compile(&specs, &RuleLimits::default()).unwrap_err()
}

fn eval(set: &RuleSet, id: Option<&Identity>) -> RuleOutcome {
    let req = Request { method: "GET", path: "/mcp", host: "api.example.com", ..Request::default() };
    set.evaluate(&RuleInput { identity: id, request: &req, now: 1_700_000_100.0 })
}

use RuleKind::{Allow, Deny, Require};

#[test]
fn rule_set_is_send_sync_debug() {
    fn check<T: Send + Sync + std::fmt::Debug>() {}
    check::<RuleSet>();
    let set = rules(&[(Allow, "true")]);
    assert_eq!(set.len(), 1);
    assert!(!set.is_empty());
    assert!(rules(&[]).is_empty());
}

#[test]
fn semantics_table() {
    let id = okta();
    // no rules: allowed, no deciding rule
    assert_eq!(eval(&rules(&[]), Some(&id)).refusal, None);
    // allow match names the rule
    let o = eval(&rules(&[(Allow, "false"), (Allow, r#""AI-Users" in auth.claims.groups"#)]), Some(&id));
    assert_eq!((o.refusal, o.rule, o.errored), (None, Some(1), false));
    // no allow matched
    let o = eval(&rules(&[(Allow, "false")]), Some(&id));
    assert_eq!((o.refusal, o.rule), (Some(Refusal::NoRuleAllowed), None));
    // deny beats allow, whatever the order
    let o = eval(&rules(&[(Allow, "true"), (Deny, "jwt.sub == 'alice@example.com'")]), Some(&id));
    assert_eq!((o.refusal, o.rule, o.errored), (Some(Refusal::DeniedByRule), Some(1), false));
    // erroring deny denies, errored
    let o = eval(&rules(&[(Allow, "true"), (Deny, "jwt.nope == 1")]), Some(&id));
    assert_eq!((o.refusal, o.rule, o.errored), (Some(Refusal::DeniedByRule), Some(1), true));
    assert!(o.detail.is_some());
    // require false / erroring
    let o = eval(&rules(&[(Require, "jwt.ver == 2"), (Allow, "true")]), Some(&id));
    assert_eq!((o.refusal, o.rule, o.errored), (Some(Refusal::RequiredRuleFailed), Some(0), false));
    let o = eval(&rules(&[(Require, "jwt.nope"), (Allow, "true")]), Some(&id));
    assert_eq!((o.refusal, o.rule, o.errored), (Some(Refusal::RequiredRuleFailed), Some(0), true));
    // require true then allow decides
    let o = eval(&rules(&[(Require, "jwt.ver == 1"), (Allow, "jwt.exp - 60 > jwt.iat")]), Some(&id));
    assert_eq!((o.refusal, o.rule), (None, Some(1)));
    // erroring allow does not match; a later allow may
    let o = eval(&rules(&[(Allow, "jwt.nope"), (Allow, "true")]), Some(&id));
    assert_eq!((o.refusal, o.rule), (None, Some(1)));
    let o = eval(&rules(&[(Allow, "jwt.nope")]), Some(&id));
    assert_eq!((o.refusal, o.rule, o.errored), (Some(Refusal::NoRuleAllowed), None, false));
    // non-bool result is an error, per kind
    let o = eval(&rules(&[(Deny, "1")]), Some(&id));
    assert_eq!((o.refusal, o.errored), (Some(Refusal::DeniedByRule), true));
    let o = eval(&rules(&[(Allow, "'yes'")]), Some(&id));
    assert_eq!(o.refusal, Some(Refusal::NoRuleAllowed));
}

#[test]
fn missing_scope_names_the_missing_ones() {
    let id = okta();
    let o = eval(&rules(&[(Require, r#""mcp" in auth.scopes"#)]), Some(&id));
    assert_eq!(o.missing_scope.as_deref(), Some("mcp"), "whole words: mcp:read is not mcp");
    let o = eval(&rules(&[(Require, r#"auth.scopes.exists(s, s == "write") && "openid" in auth.scopes && "admin" in auth.scopes"#)]), Some(&id));
    assert_eq!(o.missing_scope.as_deref(), Some("write admin"));
    let o = eval(&rules(&[(Require, r#""mcp:read" in auth.scopes"#)]), Some(&id));
    assert_eq!(o.refusal, None);
    // not of the recognised form: no hint
    let o = eval(&rules(&[(Require, r#""x" in auth.scopes && jwt.ver == 1"#)]), Some(&id));
    assert_eq!((o.refusal, o.missing_scope), (Some(Refusal::RequiredRuleFailed), None));
    // unauthenticated: auth is null, the rule errors, every scope is missing
    let o = eval(&rules(&[(Require, r#""a" in auth.scopes && "b" in auth.scopes"#)]), None);
    assert_eq!((o.errored, o.missing_scope.as_deref()), (true, Some("a b")));
}

#[test]
fn unauthenticated_input_has_null_jwt_and_auth() {
    let set = rules(&[(Allow, "jwt == null && auth == null && request.method == 'GET'")]);
    assert_eq!(eval(&set, None).refusal, None);
    assert_eq!(eval(&set, Some(&okta())).refusal, Some(Refusal::NoRuleAllowed));
}

#[test]
fn environment_variables() {
    let id = okta();
    let headers = [("X-Tenant", "a"), ("x-tenant", "b"), ("Accept", "json")];
    let attrs = [
        Attribute { name: "mcp.tool.name", value: AttributeValue::Str("search") },
        Attribute { name: "mcp.tool.args", value: AttributeValue::Json(json!({"q": 1})) },
        Attribute { name: "request.uri", value: AttributeValue::Str("https://x/mcp") },
        Attribute { name: "source.port", value: AttributeValue::Json(json!(443)) },
        Attribute { name: "jwt.sub", value: AttributeValue::Str("mallory") },
    ];
    let req = Request {
        method: "POST", path: "/mcp", host: "h", headers: &headers, source_address: "10.0.0.1",
        attributes: &attrs, ..Request::default()
    };
    let input = RuleInput { identity: Some(&id), request: &req, now: 1_700_000_100.5 };
    for expr in [
        "request.headers['x-tenant'] == 'a, b'",
        "request.headers.accept == 'json'",
        "size(request.headers) == 2",
        "mcp.tool.name == 'search' && mcp.tool.args.q == 1",
        "request.uri == 'https://x/mcp' && request.method == 'POST'",
        "source.address == '10.0.0.1' && source.port == 443",
        "jwt.sub == 'alice@example.com' && auth.subject == jwt.sub",
        "auth.claims == jwt && size(jwt) == 11",
        "auth.issuer.startsWith('https://') && auth.provider == 'okta'",
        "auth.scopes == ['mcp:read', 'openid']",
        "now > timestamp('2023-11-14T22:00:00Z') && now < timestamp(jwt.exp)",
        "jwt.exp - 60 == 1700003540",
        "has(jwt.groups) && !has(jwt.nope)",
        "jwt.groups.exists(g, g.startsWith('AI'))",
        "cel.bind(g, jwt.groups, g.size() == 8)",
        "jwt.sub.matches('^[a-z]+@example\\\\.com$') && matches(jwt.iss, 'okta')",
        "jwt.sub.matches(jwt.sub.substring(0, 3))",
    ] {
        let set = rules(&[(Allow, expr)]);
        let o = set.evaluate(&input);
        assert_eq!(o.refusal, None, "{expr}: {o:?}");
    }
    // a known host variable the host did not supply: fails closed at run time
    let o = rules(&[(Deny, "llm.model == 'x'")]).evaluate(&input);
    assert_eq!((o.refusal, o.errored), (Some(Refusal::DeniedByRule), true));
}

#[test]
fn lazy_activation_builds_only_what_is_read() {
    let set = rules(&[(Allow, r#""AI-Users" in auth.claims.groups"#)]);
    assert_eq!(set.reads.claims, reads::Selection::Some(["groups".to_owned()].into()));
    assert_eq!(set.reads.auth_fields, reads::Selection::Some(["claims".to_owned()].into()));
    assert_eq!(set.reads.request_fields, reads::Selection::Nothing);
    // and reading the same claims lazily gives the same answers as reading all
    let all = rules(&[(Allow, r#""AI-Users" in auth.claims.groups && size(jwt) > 0"#)]);
    assert_eq!(all.reads.claims, reads::Selection::All);
    assert_eq!(eval(&set, Some(&okta())).rule, Some(0));
    assert_eq!(eval(&all, Some(&okta())).rule, Some(0));
    let hdr = rules(&[(Allow, "request.headers['X-A'] == '1'")]);
    assert_eq!(hdr.reads.headers, reads::Selection::Some(["x-a".to_owned()].into()));
}

#[test]
fn load_errors_have_index_column_and_message() {
    let e = load_err("jwtt.sub == 'x'");
    assert_eq!((e.index, e.column), (1, Some(1)));
    assert_eq!(e.message, "unknown variable `jwtt`; did you mean `jwt`?");
    let e = load_err("jwt.sub == 'x' && frob(1)");
    assert_eq!((e.index, e.column), (1, Some(19)));
    assert_eq!(e.message, "unknown function `frob`");
    let e = load_err("jwt.sub ==");
    assert_eq!(e.index, 1);
    assert!(e.message.starts_with("syntax error"), "{}", e.message);
    assert!(e.column.is_some());
    let e = load_err("jwt.sub.matches('(unclosed')");
    assert_eq!((e.index, e.column), (1, Some(17)));
    assert!(e.message.starts_with("invalid regular expression `(unclosed`"), "{}", e.message);
    // comprehension variables are bound, not free; they do not leak out
    assert!(RuleSet::compile(&[RuleSpec { kind: Allow, expr: "auth.scopes.exists(s, s == 'x')".into() }], &RuleLimits::default()).is_ok());
    let e = load_err("auth.scopes.exists(s, s == 'x') || s == 'y'");
    assert_eq!(e.message, "unknown variable `s`");
    // known host names accepted even when not supplied
    assert!(RuleSet::compile(&[RuleSpec { kind: Allow, expr: "mcp.tool.name == 'x' && apiKey.key != ''".into() }], &RuleLimits::default()).is_ok());
    let too_many = vec![RuleSpec { kind: Allow, expr: "true".into() }; 3];
    let e = RuleSet::compile(&too_many, &RuleLimits { max_rules: 2, ..RuleLimits::default() }).unwrap_err();
    assert!(e.message.contains("too many rules"));
}

/// Runs `f` on a thread with a 2 MiB stack, as a host might.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(2 << 20).spawn(f).unwrap().join().unwrap()
}

#[test]
fn adversarial_rules_fail_cleanly_at_load() {
    let cases = [
        vec!["1"; 5000].join(" + "),
        vec!["1"; 400].join(" + "),
        format!("{}1{}", "[".repeat(300), "]".repeat(300)),
        format!("{}1{}", "(".repeat(500), ")".repeat(500)),
        format!("{}true", "!".repeat(3000)),
        format!("{}1", "-".repeat(3000)),
        format!("{{'a':1}}{}", ".a".repeat(900)),
        (0..40).fold("true".to_owned(), |s, i| format!("[1].exists(x{i}, {s})")),
        "x".repeat(5000),
        "'unterminated".into(),
        "\u{0}\u{1}((((".into(),
    ];
    for text in cases {
        let e = RuleSet::compile(&[RuleSpec { kind: Deny, expr: text.clone() }], &RuleLimits::default());
        assert!(e.is_err(), "{}", &text[..text.len().min(60)]);
    }
}

#[test]
fn worst_case_allowed_rules_evaluate_on_a_2_mib_stack() {
    // the deepest each shape may be and still load
    let shapes: Vec<String> = vec![
        vec!["1"; 30].join(" + ") + " > 0",
        format!("{}1{}", "[".repeat(31), "]".repeat(31)) + " != []",
        (0..9).fold("true".to_owned(), |s, i| format!("[1].exists(x{i}, {s})")),
        (0..10).fold("1".to_owned(), |s, _| format!("[{s} + 1][0]")) + " > 0",
        format!("{}true", "!".repeat(30)),
    ];
    let mut loaded = 0;
    for text in shapes {
        let set = match RuleSet::compile(&[RuleSpec { kind: Allow, expr: text.clone() }], &RuleLimits::default()) {
            Ok(set) => set,
            Err(e) => {
                eprintln!("not loaded: {e:?}");
                continue;
            }
        };
        loaded += 1;
        let set = Arc::new(set);
        let o = on_small_stack(move || {
            let req = Request::default();
            set.evaluate(&RuleInput { identity: None, request: &req, now: 0.0 })
        });
        assert!(!o.errored, "{text}: {o:?}");
    }
    assert!(loaded >= 4, "most worst-case shapes should load, got {loaded}");
}

#[test]
fn comprehension_sizes_are_bounded_at_run_time() {
    let id = identity(json!({"big": (0..20_000).collect::<Vec<_>>(), "small": [1, 2, 3]}));
    let set = rules(&[(Allow, "jwt.big.exists(x, x == 19999)")]);
    let o = eval(&set, Some(&id));
    assert_eq!(o.refusal, Some(Refusal::NoRuleAllowed));
    assert!(o.detail.unwrap().contains("limit"));
    let set = rules(&[(Deny, "jwt.big.all(x, x >= 0)")]);
    assert!(eval(&set, Some(&id)).errored);
    // nested comprehensions exceed the per-evaluation budget
    let limits = RuleLimits { max_comprehension_size: 100, ..RuleLimits::default() };
    let l = format!("[{}]", vec!["1"; 100].join(","));
    let text = format!("{l}.all(a, {l}.all(b, b == 1))");
    let set = RuleSet::compile(&[RuleSpec { kind: Deny, expr: text }], &limits).unwrap();
    let o = eval(&set, Some(&id));
    assert_eq!((o.refusal, o.errored), (Some(Refusal::DeniedByRule), true));
    // small ones work
    assert_eq!(eval(&rules(&[(Allow, "jwt.small.map(x, x * 2) == [2, 4, 6]")]), Some(&id)).rule, Some(0));
    // bind cannot multiply a huge string
    let set = rules(&[(Deny, "cel.bind(a, 'aaaaaaaaaaaaaaaa' + 'b', cel.bind(b, a + a + a + a, cel.bind(c, b + b + b + b, c + c + c + c + c + c + c + c + c + c + c + c + c + c + c + c)).size() > 0)")]);
    assert_eq!(eval(&set, Some(&id)).refusal, Some(Refusal::DeniedByRule));
}

#[test]
fn eval_expression_returns_json() {
    let vars = json!({"jwt": {"exp": 100, "groups": ["a"]}, "x": 1.5});
    let vars = vars.as_object().unwrap();
    let l = RuleLimits::default();
    assert_eq!(eval_expression("jwt.exp - 60", vars, &l), Ok(json!(40)));
    assert_eq!(eval_expression("x * 2.0", vars, &l), Ok(json!(3.0)));
    assert_eq!(eval_expression("{'k': jwt.groups}", vars, &l), Ok(json!({"k": ["a"]})));
    assert_eq!(eval_expression("timestamp(0)", vars, &l), Ok(json!("1970-01-01T00:00:00+00:00")));
    assert_eq!(eval_expression("duration('1.5s')", vars, &l), Ok(json!("1.5s")));
    assert!(eval_expression("nope", vars, &l).unwrap_err().contains("unknown variable `nope`"));
    assert!(eval_expression("1 / 0", vars, &l).is_err());
}

#[test]
fn direct_paths_match_the_maps() {
    let id = okta();
    let t = |expr: &str, id: Option<&Identity>| eval(&rules(&[(Allow, expr)]), id);
    for expr in [
        r#""AI-Users" in auth.claims.groups"#,
        r#""AI-Users" in jwt.groups"#,
        "auth.claims.groups == jwt.groups",
        "auth.claims == jwt",
        "has(auth.claims.groups) && !has(auth.claims.nope)",
        "auth.claims.groups.size() == 8 && jwt.ver == 1",
        r#"auth.issuer == "https://dev.okta.com/oauth2/default" && auth.subject == "alice@example.com""#,
        r#"auth.provider == "okta" && "mcp:read" in auth.scopes && auth.scopes == auth["scopes"]"#,
        r#"request.method == "GET" && request.path == "/mcp" && request.host == "api.example.com""#,
        r#"request.headers == {} && source.address == """#,
        r#"[{"claims": {"groups": ["x"]}}].exists(auth, "x" in auth.claims.groups)"#,
        r#"cel.bind(jwt, {"groups": ["y"]}, "y" in jwt.groups)"#,
        "jwt.groups.exists(g, g in auth.claims.groups)",
    ] {
        let o = t(expr, Some(&id));
        assert_eq!((o.refusal, o.errored), (None, false), "{expr}: {o:?}");
    }
    // missing claims and a missing identity error as through the maps
    for expr in [r#""a" in auth.claims.nope"#, "jwt.nope == 1", "jwt.sub.nope == 1"] {
        let o = t(expr, Some(&id));
        assert_eq!(o.refusal, Some(Refusal::NoRuleAllowed), "{expr}");
        assert!(o.detail.is_some(), "{expr}: {o:?}");
    }
    for expr in [r#""a" in auth.claims.groups"#, "jwt.groups == []", "auth.issuer == ''"] {
        let o = t(expr, None);
        assert_eq!(o.refusal, Some(Refusal::NoRuleAllowed), "{expr}");
        assert!(o.detail.is_some(), "{expr}: {o:?}");
    }
    // attributes merged into `request` and `source` win over direct reads
    let attrs = [
        Attribute { name: "request.method", value: AttributeValue::Str("PUT") },
        Attribute { name: "source.address", value: AttributeValue::Str("10.0.0.1") },
    ];
    let req = Request { method: "GET", attributes: &attrs, ..Request::default() };
    let set = rules(&[(Allow, r#"request.method == "PUT" && source.address == "10.0.0.1""#)]);
    let o = set.evaluate(&RuleInput { identity: Some(&id), request: &req, now: 0.0 });
    assert_eq!(o.refusal, None, "{o:?}");
}

#[test]
fn dotted_claim_names_are_not_paths() {
    let id = identity(json!({"a.b": "dotted", "a": {"b": "nested"}}));
    let set = rules(&[(Allow, r#"jwt["a.b"] == "dotted" && jwt.a.b == "nested" && auth.claims.a.b == "nested""#)]);
    assert_eq!(eval(&set, Some(&id)).refusal, None, "{:?}", eval(&set, Some(&id)));
}

#[test]
fn well_known_type_names_load() {
    let set = rules(&[(Allow, "type(now) == google.protobuf.Timestamp && type(duration('1s')) == google.protobuf.Duration")]);
    assert_eq!(eval(&set, None).refusal, None);
    assert!(load_err("google.protobuf.Nope == 1").message.contains("unknown variable `google`"));
}

#[test]
fn literal_in_claim_paths_match_the_lists() {
    let id = identity(json!({
        "groups": ["a", "b"], "nums": [1, "1", 2.0, null, ["a"]], "obj": {"k": 1}, "s": "abc", "sub": "x",
        "scp": "read write"
    }));
    let cases = [
        (r#""a" in jwt.groups"#, "ok"),
        (r#""b" in auth.claims.groups"#, "ok"),
        (r#""c" in jwt.groups"#, "no"),
        (r#"!("c" in jwt.groups) && !("c" in auth.claims.groups)"#, "ok"),
        (r#""1" in jwt.nums && !("2" in jwt.nums) && !("a" in jwt.nums)"#, "ok"),
        (r#""k" in jwt.obj && !("j" in auth.claims.obj)"#, "ok"),
        (r#""a" in jwt.s"#, "err"),
        (r#""a" in jwt.missing"#, "err"),
        (r#""read" in auth.scopes && !("admin" in auth.scopes)"#, "ok"),
        (r#"[{"groups": ["z"]}].exists(jwt, "z" in jwt.groups)"#, "ok"),
        (r#"cel.bind(auth, {"scopes": ["q"]}, "q" in auth.scopes)"#, "ok"),
        (r#"["a", "b"].all(g, g in jwt.groups) && "a" in jwt.groups"#, "ok"),
    ];
    for (expr, want) in cases {
        let o = eval(&rules(&[(Allow, expr)]), Some(&id));
        let got = match (o.refusal, o.detail.is_some()) {
            (None, _) => "ok",
            (Some(_), false) => "no",
            (Some(_), true) => "err",
        };
        assert_eq!(got, want, "{expr}: {o:?}");
    }
    // unauthenticated: the original test runs (and errors, unless shadowed)
    for (expr, _) in cases {
        let o = eval(&rules(&[(Deny, expr)]), None);
        assert_eq!(o.refusal, Some(Refusal::DeniedByRule), "{expr}: {o:?}");
    }
}
