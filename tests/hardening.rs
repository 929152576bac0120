//! Regression tests for the findings of the outside security review
//! (issue 16): each test names the finding it pins.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use claimcheck::dev::DevKey;
use claimcheck::{Engine, Request};
use common::*;
use serde_json::json;

fn bearer_at(engine: &Engine, token: &str, now: f64) -> Result<claimcheck::Decision, claimcheck::InvalidTime> {
    let auth = format!("Bearer {token}");
    let headers = [("authorization", auth.as_str())];
    engine.authorize_at(&Request { headers: &headers, ..Default::default() }, now)
}

/// Finding 1: a NaN clock made every time comparison false, so a token
/// that expired in 1970 and is not valid before 2096 was allowed.
#[test]
fn a_clock_that_is_not_finite_or_negative_is_refused() {
    let e = engine(&rsa_config());
    let token = sign(&RSA, &claims_with(json!({"exp": 1, "nbf": 4_000_000_000i64, "iat": 4_000_000_000i64})));
    for now in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, -0.5] {
        let err = bearer_at(&e, &token, now).expect_err("refused");
        assert!(err.to_string().contains("finite number of seconds"), "{err}");
        let err = e.authorize_claims_at(&Request::default(), serde_json::Map::new(), now).expect_err("refused");
        assert_eq!(err.0.to_bits(), now.to_bits());
    }
    // The same token at a real time: expired.
    assert_decision(&bearer_at(&e, &token, NOW).unwrap(), 401, "expired");
    // Zero is the epoch, a valid clock.
    assert_decision(&bearer_at(&e, &token, 0.0).unwrap(), 401, "not_yet_valid");
}

/// Finding 13: `exp: 2.001e+206` met `requiredClaims: [exp]` with a token
/// that never expires. A time claim beyond the year 9999 is invalid.
#[test]
fn time_claims_beyond_what_a_date_can_mean_are_invalid() {
    let e = engine(&rsa_config());
    for (claim, value) in [
        ("exp", json!(2.001e206)),
        ("exp", json!(253_402_300_800i64)),
        ("exp", json!(1e300)),
        ("nbf", json!(-1e20)),
        ("iat", json!(-62_167_219_201i64)),
    ] {
        let d = bearer(&e, &sign(&RSA, &claims_with(json!({ claim: value.clone() }))));
        assert_decision(&d, 401, "invalid_claim");
        let detail = d.detail.unwrap();
        assert!(detail.contains(&format!("claim `{claim}` is not a date between the years 0 and 9999")), "{detail}");
    }
    // The last second of 9999 is still a date; negative iat and nbf are too.
    let d = bearer(&e, &sign(&RSA, &claims_with(json!({"exp": 253_402_300_799i64, "iat": -10, "nbf": -10}))));
    assert_decision(&d, 200, "allowed");
}

/// Finding 11: attacker-chosen text (here a `kid`) reached `detail` and
/// the log with raw newlines and escape sequences.
#[test]
fn control_characters_in_details_and_logs_are_escaped() {
    let e = engine(&rsa_config());
    let logged = std::sync::Arc::new(parking_lot::Mutex::new(Vec::<String>::new()));
    let sink = logged.clone();
    e.set_logger(Some(std::sync::Arc::new(move |_, m: &str| sink.lock().push(m.to_owned()))));
    let evil = format!("x\n2026-01-01 INFO forged line\x1b[2J{}", "k".repeat(5000));
    let token = RSA.sign(&claims(), Some("JWT"), json!({"kid": evil}).as_object().unwrap()).unwrap();
    let d = bearer(&e, &token);
    assert_decision(&d, 401, "unknown_key");
    let detail = d.detail.unwrap();
    assert!(!detail.chars().any(char::is_control), "{detail:?}");
    assert!(detail.contains("x\\u{a}2026-01-01 INFO forged line\\u{1b}[2J"), "{detail}");
    assert!(detail.len() <= claimcheck::MAX_MESSAGE_BYTES + 40, "{}", detail.len());
    assert!(detail.ends_with("more bytes)"), "{detail}");
    // Rule errors go to the log: the message is escaped too.
    let ruled = engine(&config(&DevKey::jwks(&[&RSA]), "", "authorization:\n  rules:\n    - deny: 'auth.claims.note.matches(auth.claims.pattern)'\n"));
    let sink = logged.clone();
    ruled.set_logger(Some(std::sync::Arc::new(move |_, m: &str| sink.lock().push(m.to_owned()))));
    let d = bearer(&ruled, &sign(&RSA, &claims_with(json!({"note": "a", "pattern": "(\n\u{1b}[31m"}))));
    assert_decision(&d, 403, "denied_by_rule");
    let lines = logged.lock();
    assert!(!lines.is_empty());
    for line in lines.iter() {
        assert!(!line.chars().any(char::is_control), "{line:?}");
    }
}

/// Finding 2: the agentgateway loader let plain-HTTP key URLs through when
/// the host merely started with `127.`; anyone on the path could swap keys.
#[test]
fn plain_http_keys_in_agentgateway_configs_need_a_real_loopback_host() {
    let policy = |url: &str| {
        format!("policies:\n  jwtAuth:\n    issuer: {ISSUER}\n    audiences: [{AUDIENCE}]\n    jwks:\n      url: {url}\n")
    };
    for url in [
        "http://127.attacker.example/jwks",
        "http://127.0.0.1.attacker.example/jwks",
        "http://127.0.0.1@attacker.example/jwks",
        "http://localhost.attacker.example/jwks",
    ] {
        let err = Engine::new(&policy(url)).expect_err(url);
        assert_eq!(err.path.as_deref(), Some("policies.jwtAuth.jwks.url"), "{url}: {err}");
        assert!(err.message.contains("is plain HTTP; keys must come over HTTPS"), "{url}: {err}");
    }
    // A real loopback literal still loads (with the warning), for local tests.
    let file = claimcheck::test_hooks::parse_config(&policy("http://127.0.0.1:9/jwks")).unwrap();
    assert!(file.load_warnings.iter().any(|w| w.contains("allowed because it is on loopback")), "{:?}", file.load_warnings);
}

/// Finding 7: `cacheDuration: 1ms` was accepted and the refresher fetched
/// ~23 times a second. Every remote-key duration has a floor.
#[test]
fn remote_key_durations_below_their_floor_are_refused() {
    let remote = |url: &str, extra: &str| {
        format!(
            "authentication:\n  providers:\n    - issuer: {ISSUER}\n      audiences: [{AUDIENCE}]\n      jwks:\n        url: {url}\n        initialFetchTimeout: 0s\n{extra}"
        )
    };
    let idp = "https://idp.example.com/keys";
    for (extra, path, floor) in [
        ("        cacheDuration: 1ms\n", "authentication.providers[0].jwks.cacheDuration", "10s"),
        ("        minCacheDuration: 9s\n", "authentication.providers[0].jwks.minCacheDuration", "10s"),
        ("        maxCacheDuration: 1s\n", "authentication.providers[0].jwks.maxCacheDuration", "10s"),
        ("        maxStaleness: 5s\n", "authentication.providers[0].jwks.maxStaleness", "10s"),
        ("        minRefetchInterval: 100ms\n", "authentication.providers[0].jwks.minRefetchInterval", "1s"),
        ("        fetchTimeout: 10ms\n", "authentication.providers[0].jwks.fetchTimeout", "100ms"),
    ] {
        let err = Engine::new(&remote(idp, extra)).expect_err(extra);
        assert_eq!(err.path.as_deref(), Some(path), "{err}");
        assert!(err.message.contains(&format!("is shorter than the floor of {floor}")), "{err}");
        assert!(err.message.contains("hammer the identity provider"), "{err}");
    }
    let err = Engine::new(&remote(idp, "        minRefetchInterval: 0s\n")).unwrap_err();
    assert_eq!(err.message, "must be greater than 0");
    let err = Engine::new(&remote(idp, "        remote:\n          url: https://idp.example.com/k2\n          cacheDuration: 2s\n").replace("        url: https://idp.example.com/keys\n", "")).unwrap_err();
    assert_eq!(err.path.as_deref(), Some("authentication.providers[0].jwks.remote.cacheDuration"), "{err}");
    // At the floor, it loads; a key server on loopback may go lower (tests).
    Engine::new(&remote(idp, "        cacheDuration: 10s\n        minRefetchInterval: 1s\n")).unwrap();
    Engine::new(&remote("http://127.0.0.1:9/keys", "        allowHttp: true\n        cacheDuration: 100ms\n        minRefetchInterval: 0s\n")).unwrap();
    // ... but not a host that only looks like loopback.
    let err = Engine::new(&remote("https://127.0.0.1.nip.example/keys", "        cacheDuration: 100ms\n")).unwrap_err();
    assert!(err.message.contains("shorter than the floor"), "{err}");
}

/// Finding 4: the key cache called the logger while holding its fetch
/// lock, so a logger that read the key status deadlocked the refresher and
/// every request that needed a fetch. The logger here calls every
/// read-only method of the engine, from the refresher and request threads.
#[test]
fn a_logger_may_call_back_into_the_engine_while_keys_are_fetched() {
    use common::keyserver::{KeyServer, Reply};
    use std::sync::{mpsc, Arc, OnceLock};
    const KEYS: &str = "/keys";
    let server = KeyServer::http();
    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA])));
    let cfg = format!(
        "authentication:\n  providers:\n    - name: okta\n      issuer: {ISSUER}\n      audiences: [{AUDIENCE}]\n      jwks:\n        url: {}\n        allowHttp: true\n        minRefetchInterval: 0s\n",
        server.url(KEYS)
    );
    let e = Arc::new(engine(&cfg));
    let slot: Arc<OnceLock<std::sync::Weak<Engine>>> = Arc::new(OnceLock::new());
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (inner, counter) = (slot.clone(), calls.clone());
    e.set_logger(Some(Arc::new(move |_, _m: &str| {
        if let Some(engine) = inner.get().and_then(std::sync::Weak::upgrade) {
            let status = engine.key_status();
            assert_eq!(status.len(), 1);
            let _ = engine.warnings();
            let _ = engine.authorize(&Request::default());
            let _ = engine.authorize_at(&Request::default(), NOW).unwrap();
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    })));
    slot.set(Arc::downgrade(&e)).unwrap();

    // Rotation: the token's kid is unknown, the refetch (on the refresher
    // thread) lands new keys and logs them; then the endpoint fails and the
    // next refetch logs the failure.
    let (done, finished) = mpsc::channel();
    let worker = {
        let e = e.clone();
        std::thread::spawn(move || {
            server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA, &RSA_OTHER])));
            let rotated = bearer(&e, &sign(&RSA_OTHER, &claims()));
            server.set(KEYS, Reply::Raw { status: 500, content_type: "text/plain", body: b"down".to_vec() });
            let third = DevKey::generate(claimcheck::dev::Algorithm::RS256, "rsa-3").unwrap();
            let unknown = bearer(&e, &sign(&third, &claims()));
            done.send((rotated, unknown)).unwrap();
            server
        })
    };
    // A deadlock never answers: a bound far above any real fetch.
    let (rotated, unknown) = finished.recv_timeout(std::time::Duration::from_secs(60)).expect("no deadlock");
    drop(worker.join().unwrap());
    assert_decision(&rotated, 200, "allowed");
    assert_decision(&unknown, 401, "unknown_key");
    // The refresher thread logs after the fetch lands (with no lock held).
    eventually("the logger ran for the new keys and the failure", || {
        calls.load(std::sync::atomic::Ordering::SeqCst) >= 2 && e.key_status()[0].failed_fetches == 1
    });
}

/// Finding 5: a rule reading `request.headers` grouped them in O(n^2)
/// (64k headers: 4.3 s). Grouping is linear now, and past
/// `limits.maxHeaders` such rules fail closed with a clear error.
#[test]
fn many_headers_are_grouped_linearly_and_bounded() {
    let rules = "authorization:\n  rules:\n    - 'size(request.headers) > 3 && request.headers[\"x-a\"] == \"1, 2\"'\n";
    let names: Vec<String> = (0..65_536).map(|i| format!("x-h{i}")).collect();
    let mut headers: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
    headers.push(("X-A", "1"));
    headers.push(("x-a", "2"));
    let token = format!("Bearer {}", sign(&RSA, &claims()));
    headers.push(("authorization", &token));
    let request = Request { headers: &headers, ..Default::default() };

    let roomy = engine(&config(&DevKey::jwks(&[&RSA]), "", &format!("limits:\n  maxHeaders: 100000\n{rules}")));
    assert_decision(&roomy.authorize_at(&request, NOW).unwrap(), 200, "allowed");

    let bounded = engine(&config(&DevKey::jwks(&[&RSA]), "", rules));
    let d = bounded.authorize_at(&request, NOW).unwrap();
    assert_decision(&d, 403, "no_rule_allowed");
    assert_eq!(
        d.detail.as_deref(),
        Some("allow rule 0 errored: the request has 65539 headers, more than `limits.maxHeaders` (1024); rules that read `request.headers` fail closed")
    );
    // Under the bound, the same rule reads the grouped headers.
    let few = [("X-A", "1"), ("x-a", "2"), ("x-b", "3"), ("x-c", "4"), ("authorization", token.as_str())];
    assert_decision(&bounded.authorize_at(&Request { headers: &few, ..Default::default() }, NOW).unwrap(), 200, "allowed");
}

/// Finding 8 (and the `Bearer A, Bearer B` case of finding 12): a header
/// that starts with the scheme but is no well-formed credential counted as
/// no credential, so optional and permissive mode let a forged token
/// through as anonymous and the middlewares did not strip it.
#[test]
fn a_malformed_bearer_header_is_a_malformed_credential_never_an_absent_one() {
    let token = sign(&RSA, &claims());
    let cases = [
        (format!("Bearer\t{token}"), "but not with `Bearer ` and a token"),
        (format!("Bearer{token}"), "but not with `Bearer ` and a token"),
        ("Bearer".to_owned(), "but not with `Bearer ` and a token"),
        ("Bearer    ".to_owned(), "the `Bearer` credential is empty"),
        (format!("Bearer {token}, Bearer {token}"), "holds `,`, which a bearer token cannot have"),
        (format!("bearer {token}\tx"), "holds U+0009, which a bearer token cannot have"),
    ];
    for mode in ["strict", "optional", "permissive"] {
        let cfg = rsa_config().replace("authentication:\n", &format!("authentication:\n  mode: {mode}\n"));
        let e = engine(&cfg);
        for (header, why) in &cases {
            let headers = [("Authorization", header.as_str())];
            let d = e.authorize_at(&Request { headers: &headers, ..Default::default() }, NOW).unwrap();
            let source = d.credential.as_ref().unwrap_or_else(|| panic!("{mode} {header:?}: names the credential: {d:#?}"));
            assert_eq!((source.kind, source.name.as_ref()), (claimcheck::CredentialKind::Header, "authorization"));
            assert!(d.detail.as_deref().unwrap_or("").contains(why), "{mode} {header:?}: {d:#?}");
            assert!(d.identity.is_none(), "{mode}: never authenticated");
            if mode == "permissive" {
                // Never denied for authentication, but anonymous: no identity.
                assert_decision(&d, 200, "allowed");
            } else {
                assert_decision(&d, 401, "malformed_token");
                assert!(d.www_authenticate.as_deref().unwrap().contains("error=\"invalid_token\""));
            }
        }
        // Another scheme is not ours: no credential.
        let headers = [("Authorization", "Basic YTpi")];
        let d = e.authorize_at(&Request { headers: &headers, ..Default::default() }, NOW).unwrap();
        assert!(d.credential.is_none(), "{d:#?}");
        // Spaces around a well-formed token are tolerated.
        let spaced = format!("Bearer   {token}  ");
        let headers = [("Authorization", spaced.as_str())];
        assert_decision(&e.authorize_at(&Request { headers: &headers, ..Default::default() }, NOW).unwrap(), 200, "allowed");
    }
}

/// Finding 9: JSON configs kept the last of duplicate keys, so a second
/// `mode` or `audiences` silently replaced the first.
#[test]
fn json_configs_refuse_duplicate_keys_with_their_path() {
    let cases = [
        (r#"{"authentication":{"mode":"strict","providers":[],"mode":"permissive"}}"#, "authentication.mode"),
        (
            r#"{"authentication":{"providers":[{"issuer":"https://i","audiences":["api"],"audiences":["*"],"jwks":{"inline":"{\"keys\":[]}"}}]}}"#,
            "authentication.providers[0].audiences",
        ),
        (r#"{"limits":{},"limits":{}}"#, "limits"),
    ];
    for (text, path) in cases {
        let err = Engine::new(text).expect_err(text);
        assert_eq!(err.path.as_deref(), Some(path), "{err}");
        assert_eq!(err.message, format!("invalid JSON: duplicate key `{}` at `{path}` (each key may appear once)", path.rsplit('.').next().unwrap()));
        assert!(err.line.is_some() && err.column.is_some(), "{err:?}");
    }
    // The same key in different objects is fine.
    Engine::new(r#"{"authentication":{"mode":"strict","providers":[]},"limits":{"maxRules":3}}"#).unwrap();
}

/// Signs `claims` as given, byte for byte (duplicates and all).
fn sign_raw_claims(claims: &str) -> String {
    let header = json!({"alg": "RS256", "kid": "rsa-1", "typ": "JWT"}).to_string();
    RSA.sign_raw(header.as_bytes(), claims.as_bytes()).unwrap()
}

/// Finding 10: duplicate member names inside claim values were accepted
/// (last one wins), while a host parser keeping the first would read
/// another value from `claimcheck_decision_claims_json`.
#[test]
fn claims_with_duplicate_names_at_any_depth_are_malformed() {
    let e = engine(&rsa_config());
    let payload = claims().to_string();
    for (inner, name) in [
        (r#"{"roles":["user"],"roles":["admin"]}"#, "roles"),
        (r#"{"a":{"b":1,"c":{"d":1,"\u0064":2}}}"#, "d"),
        (r#"[{"x":1},{"x":1,"x":2}]"#, "x"),
    ] {
        let text = format!("{},\"realm_access\":{inner}}}", payload.trim_end_matches('}'));
        let token = sign_raw_claims(&text);
        let d = bearer(&e, &token);
        assert_decision(&d, 401, "malformed_token");
        assert!(d.detail.as_deref().unwrap().contains(&format!("member `{name}` appears twice")), "{d:#?}");
    }
    // The same name in sibling objects is fine.
    let text = format!("{},\"realm_access\":[{{\"x\":1}},{{\"x\":2}}]}}", payload.trim_end_matches('}'));
    assert_decision(&bearer(&e, &sign_raw_claims(&text)), 200, "allowed");
}

/// Finding 3: `lists.range(40000).distinct()` cost ~6.4 s per request and
/// a chain of `.replace("a","aaaaaaaaaa")` asked for 10^10 bytes, which
/// aborted the host. Each costly call is checked before it runs: over
/// `limits.maxRuleValueSize` or `limits.maxRuleCost` the rule errors and
/// fails closed; within them the functions behave as before.
#[test]
fn rule_cost_and_the_size_of_values_rules_build_are_bounded() {
    let chain = format!("'a'{}.size() > 0", ".replace('a', 'aaaaaaaaaa')".repeat(10));
    // Growth through the arguments (evaluated once, then checked): each
    // level multiplies the size by 11.
    let nested = format!("{}'abcdefghijabcdefghij'{}.size() > 0", "'abcdefghij'.replace('', ".repeat(4), ")".repeat(4));
    let cases = [
        ("lists.range(40000).distinct().size() > 0", "distinct", "more than `limits.maxRuleCost`"),
        ("lists.range(70000).size() > 0", "lists.range", "more than `limits.maxRuleValueSize` (65536)"),
        (chain.as_str(), "replace", "more than `limits.maxRuleValueSize` (65536)"),
        (nested.as_str(), "replace", "more than `limits.maxRuleValueSize`"),
        ("lists.range(9000).map(x, 'yyyyyyyy').join('zzzz').size() > 0", "join", "more than `limits.maxRuleValueSize`"),
        ("lists.range(3000).map(x, lists.range(3000)).size() > 0", "lists.range", "more than `limits.maxRuleCost`"),
    ];
    for (rule, function, why) in cases {
        for kind in ["deny", "require"] {
            let cfg = config(&DevKey::jwks(&[&RSA]), "", &format!("authorization:\n  rules:\n    - {kind}: \"{rule}\"\n"));
            let e = engine(&cfg);
            let d = bearer(&e, &sign(&RSA, &claims()));
            let reason = if kind == "deny" { "denied_by_rule" } else { "required_rule_failed" };
            assert_decision(&d, 403, reason);
            assert!(d.rule_errored, "{rule}");
            let detail = d.detail.unwrap_or_default();
            assert!(detail.contains(function) && detail.contains(why), "{rule}: {detail}");
        }
    }
    // Within the limits, the guarded functions give the same answers.
    for rule in [
        "'a-b-c'.replace('-', '+') == 'a+b+c' && 'aaa'.replace('a', 'b', 2) == 'bba'",
        "auth.claims.sub.replace('@', ' at ') == 'alice at example.com'",
        "'a,b'.split(',') == ['a', 'b'] && ['x', 'y'].join('-') == 'x-y' && ['x'].join() == 'x'",
        "[3, 1, 2].sort() == [1, 2, 3] && [1, 1, 2].distinct() == [1, 2] && [[1], [2]].flatten() == [1, 2]",
        "lists.range(3) == [0, 1, 2] && 'abcabc'.indexOf('c') == 2 && 'abcabc'.lastIndexOf('c') == 5",
        "strings.quote('a') == '\"a\"' && base64.encode(b'hi') == 'aGk=' && '%s-%d'.format(['x', 1]) == 'x-1'",
        "auth.claims.groups.map(g, g.replace('-', '_')).join(',') == 'Everyone,AI_Users'",
    ] {
        let cfg = config(&DevKey::jwks(&[&RSA]), "", &format!("authorization:\n  rules:\n    - require: {}\n", serde_json::to_string(rule).unwrap()));
        let d = bearer(&engine(&cfg), &sign(&RSA, &claims()));
        assert_decision(&d, 200, "allowed");
    }
    // The budgets are configurable.
    let cfg = config(
        &DevKey::jwks(&[&RSA]),
        "",
        "limits:\n  maxRuleValueSize: 100000\n  maxRuleCost: 100000000\nauthorization:\n  rules:\n    - require: \"lists.range(40000).size() == 40000\"\n",
    );
    assert_decision(&bearer(&engine(&cfg), &sign(&RSA, &claims())), 200, "allowed");
}

/// Finding 12: a rule at the maximum depth needed ~70 KB of stack and
/// aborted the process on a host thread of 64 KB. Evaluation now runs on
/// a stack the engine controls when the host's thread has too little left.
#[test]
fn rules_at_the_maximum_depth_evaluate_on_a_small_host_thread() {
    // 31 nested calls, the deepest a rule may be (the limit is 32 levels).
    let deep = format!("{}auth.claims.sub{} == 'alice@example.com'", "string(".repeat(28), ")".repeat(28));
    let nested_lists = format!("size({}1{}) == 1", "[".repeat(29), "]".repeat(29));
    let cfg = config(
        &DevKey::jwks(&[&RSA]),
        "",
        &format!("authorization:\n  rules:\n    - require: {}\n    - require: {}\n", serde_json::to_string(&deep).unwrap(), serde_json::to_string(&nested_lists).unwrap()),
    );
    let e = std::sync::Arc::new(engine(&cfg));
    let token = sign(&RSA, &claims());
    for stack in [64 * 1024, 128 * 1024] {
        let (e, token) = (e.clone(), token.clone());
        let d = std::thread::Builder::new().stack_size(stack).spawn(move || bearer(&e, &token)).unwrap().join().unwrap();
        assert_decision(&d, 200, "allowed");
    }
}

/// Finding 13: a token whose kid names a key that was skipped at load
/// (Keycloak publishes an RSA-OAEP `use: enc` key) was told `no key has
/// kid`; the detail now says the key exists, was skipped, and why.
#[test]
fn a_kid_of_a_skipped_key_says_the_key_was_skipped_and_why() {
    let mut jwks = DevKey::jwks(&[&RSA]);
    let mut enc = jwks["keys"][0].clone();
    enc["kid"] = json!("enc-1");
    enc["use"] = json!("enc");
    enc["alg"] = json!("RSA-OAEP");
    jwks["keys"].as_array_mut().unwrap().push(enc);
    let e = engine(&config(&jwks, "", ""));
    let token = sign_header(&RSA, &claims(), Some("JWT"), json!({"kid": "enc-1"}));
    let d = bearer(&e, &token);
    assert_decision(&d, 401, "unknown_key");
    let detail = d.detail.unwrap();
    assert!(detail.contains("the key with kid `enc-1` exists but was skipped when the key set was loaded: "), "{detail}");
    assert!(detail.contains("enc"), "{detail}");
    let unknown = bearer(&e, &sign_header(&RSA, &claims(), Some("JWT"), json!({"kid": "nope"})));
    assert!(unknown.detail.unwrap().contains("no key has kid `nope`"));
}
