//! Remote keys against a scripted key server on 127.0.0.1: rotation,
//! removal, outages, slow answers, bad answers, floods of unknown `kid`s,
//! HTTPS with a private CA, discovery, and reloads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;


use std::hash::BuildHasher;

use claimcheck::dev::DevKey;
use claimcheck::{Engine, ProviderKeyStatus};
use common::keyserver::{Gate, KeyServer, Reply, TestPki};
use common::*;
use serde_json::json;

const KEYS: &str = "/oauth2/default/v1/keys";

/// A one-provider config fetching keys from `url`, with `jwks_extra` lines
/// added under `jwks:`.
fn remote_config(url: &str, jwks_extra: &str) -> String {
    let mut extra = String::new();
    for line in jwks_extra.lines().filter(|l| !l.trim().is_empty()) {
        extra.push_str("        ");
        extra.push_str(line.trim_start());
        extra.push('\n');
    }
    format!(
        "authentication:\n  providers:\n    - name: okta\n      issuer: {ISSUER}\n      audiences: [{AUDIENCE}]\n      jwks:\n        url: {url}\n        allowHttp: true\n{extra}"
    )
}

fn status(engine: &Engine) -> ProviderKeyStatus {
    engine.key_status().into_iter().next().expect("one provider")
}


#[test]
fn keys_are_loaded_when_the_config_loads() {
    let server = KeyServer::http();
    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA])));
    let e = engine(&remote_config(&server.url(KEYS), ""));
    // The load waited for the first fetch: the very first request is decided.
    assert_decision(&bearer(&e, &sign(&RSA, &claims())), 200, "allowed");
    let s = status(&e);
    assert!(s.remote && s.available, "{s:#?}");
    assert_eq!((s.key_count, s.kids.clone(), s.fetches, s.failed_fetches), (1, vec!["rsa-1".to_owned()], 1, 0));
    assert!(s.last_fetched.is_some() && s.last_error.is_none());
    assert_eq!(server.hits(KEYS), 1);
}

#[test]
fn a_rotated_key_validates_after_exactly_one_refetch_without_restart() {
    let server = KeyServer::http();
    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA])));
    let e = engine(&remote_config(&server.url(KEYS), "minRefetchInterval: 0s"));
    assert_decision(&bearer(&e, &sign(&RSA, &claims())), 200, "allowed");
    assert_eq!(server.hits(KEYS), 1);

    // The IdP rotates: a new key is published and tokens are signed with it.
    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA, &RSA_OTHER])));
    let d = bearer(&e, &sign(&RSA_OTHER, &claims()));
    assert_decision(&d, 200, "allowed");
    assert_eq!(server.hits(KEYS), 2, "exactly one refetch");
    assert_eq!(status(&e).unknown_kid_refetches, 1);

    // Known now: no further fetch.
    assert_decision(&bearer(&e, &sign(&RSA_OTHER, &claims())), 200, "allowed");
    assert_decision(&bearer(&e, &sign(&RSA, &claims())), 200, "allowed");
    assert_eq!(server.hits(KEYS), 2);
}

#[test]
fn a_removed_key_stops_validating_after_the_next_refresh() {
    let server = KeyServer::http();
    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA, &RSA_OTHER])));
    // A short cache time so the background refresh comes soon.
    let e = engine(&remote_config(&server.url(KEYS), "cacheDuration: 200ms"));
    let old = sign(&RSA, &claims());
    assert_decision(&bearer(&e, &old), 200, "allowed");

    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA_OTHER])));
    eventually("a background refresh drops rsa-1", || status(&e).kids == vec!["rsa-2".to_owned()]);
    let d = bearer(&e, &old);
    assert_decision(&d, 401, "unknown_key");
    assert_decision(&bearer(&e, &sign(&RSA_OTHER, &claims())), 200, "allowed");
    // The removed kid asked for one refetch (which did not bring it back);
    // within the refetch interval (30s) it asks for none.
    assert_eq!(status(&e).unknown_kid_refetches, 1);
    assert_decision(&bearer(&e, &old), 401, "unknown_key");
    assert_eq!(status(&e).unknown_kid_refetches, 1);
}

#[test]
fn when_the_endpoint_goes_down_the_last_good_keys_keep_serving() {
    let server = KeyServer::http();
    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA])));
    let e = engine(&remote_config(&server.url(KEYS), "cacheDuration: 100ms"));
    let token = sign(&RSA, &claims());
    assert_decision(&bearer(&e, &token), 200, "allowed");

    server.set(KEYS, Reply::Hangup);
    eventually("a refresh fails", || status(&e).failed_fetches >= 1);
    assert_decision(&bearer(&e, &token), 200, "allowed");
    let s = status(&e);
    assert!(s.available, "{s:#?}");
    let err = s.last_error.unwrap();
    assert!(err.contains(&format!("GET {}", server.url(KEYS))), "{err}");
}

#[test]
fn past_the_maximum_staleness_decisions_are_503_keys_unavailable() {
    let server = KeyServer::http();
    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA])));
    let e = engine(&remote_config(&server.url(KEYS), "cacheDuration: 100ms\nmaxStaleness: 300ms"));
    let token = sign(&RSA, &claims());
    assert_decision(&bearer(&e, &token), 200, "allowed");

    server.set(KEYS, Reply::Raw { status: 500, content_type: "text/plain", body: b"oops".to_vec() });
    eventually("the keys grow too old", || !status(&e).available);
    let d = bearer(&e, &token);
    assert_decision(&d, 503, "keys_unavailable");
    assert_eq!(d.www_authenticate, None);
    let detail = d.detail.unwrap();
    assert!(detail.contains("maxStaleness") && detail.contains("answered 500"), "{detail}");

    // The endpoint recovers: the refresher (backing off) brings keys back.
    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA])));
    eventually("keys come back", || status(&e).available);
    assert_decision(&bearer(&e, &token), 200, "allowed");
}

#[test]
fn keys_that_never_loaded_are_503_and_the_load_does_not_fail() {
    let server = KeyServer::http();
    server.set(KEYS, Reply::Hangup);
    let e = engine(&remote_config(&server.url(KEYS), "initialFetchTimeout: 2s"));
    assert!(e.warnings().iter().any(|w| w.contains("keys_unavailable")), "{:?}", e.warnings());
    let d = bearer(&e, &sign(&RSA, &claims()));
    assert_decision(&d, 503, "keys_unavailable");
    assert!(d.detail.unwrap().contains("no keys loaded yet"));
    let s = status(&e);
    assert!(!s.available && s.detail.is_some() && s.last_error.is_some(), "{s:#?}");

    // Once the endpoint answers, keys arrive without a reload.
    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA])));
    eventually("keys arrive", || status(&e).available);
    assert_decision(&bearer(&e, &sign(&RSA, &claims())), 200, "allowed");
}

/// Each bad answer: with no keys before it, 503 with the error in the
/// detail; after good keys, the good keys stay and the error is in the status.
#[test]
fn bad_answers_are_keys_unavailable_or_keep_the_last_good_keys() {
    let html = Reply::Raw { status: 200, content_type: "text/html", body: b"<html>login</html>".to_vec() };
    let huge = Reply::Raw { status: 200, content_type: "application/json", body: vec![b' '; 5 * 1024 * 1024] };
    let cases: Vec<(&str, Reply, &str)> = vec![
        ("404", Reply::Raw { status: 404, content_type: "text/plain", body: Vec::new() }, "answered 404, expected 200"),
        ("500", Reply::Raw { status: 500, content_type: "text/plain", body: Vec::new() }, "answered 500, expected 200"),
        ("html", html, "the body is not JSON (content-type `text/html`)"),
        ("5 MiB", huge, "the body is 5242880 bytes, over the 1048576-byte limit"),
        ("redirect", Reply::Redirect("http://evil.example/keys".into()), "redirect to another host `evil.example` refused"),
        ("not a JWKS", Reply::Json(json!({"hello": "world"})), "not a JWKS"),
    ];
    for (name, reply, expected) in cases {
        // Never loaded: 503 with the reason.
        let server = KeyServer::http();
        server.set(KEYS, reply.clone());
        let e = engine(&remote_config(&server.url(KEYS), ""));
        let d = bearer(&e, &sign(&RSA, &claims()));
        assert_decision(&d, 503, "keys_unavailable");
        let detail = d.detail.unwrap();
        assert!(detail.contains(expected), "{name}: {detail}");

        // Loaded, then the bad answer on a refetch: the good keys stay.
        let server = KeyServer::http();
        server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA])));
        let e = engine(&remote_config(&server.url(KEYS), "minRefetchInterval: 0s"));
        server.set(KEYS, reply);
        assert_decision(&bearer(&e, &sign(&RSA_OTHER, &claims())), 401, "unknown_key");
        assert_eq!(server.hits(KEYS), 2, "{name}: the unknown kid refetched");
        assert_decision(&bearer(&e, &sign(&RSA, &claims())), 200, "allowed");
        let s = status(&e);
        assert!(s.available, "{name}: {s:#?}");
        assert!(s.last_error.as_deref().unwrap_or("").contains(expected), "{name}: {s:#?}");
    }
}

#[test]
fn a_redirect_within_the_same_host_is_followed() {
    let server = KeyServer::http();
    server.set("/old-keys", Reply::Redirect(KEYS.to_owned()));
    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA])));
    let e = engine(&remote_config(&server.url("/old-keys"), ""));
    assert_decision(&bearer(&e, &sign(&RSA, &claims())), 200, "allowed");
    assert_eq!((server.hits("/old-keys"), server.hits(KEYS)), (1, 1));
}

#[test]
fn requests_with_a_known_kid_are_not_held_by_a_slow_fetch() {
    let server = KeyServer::http();
    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA])));
    let e = engine(&remote_config(&server.url(KEYS), "minRefetchInterval: 0s\nfetchTimeout: 30s\nunknownKidWait: 30s"));
    let known = sign(&RSA, &claims());
    let new = sign(&RSA_OTHER, &claims());

    // The next answer is held until the test releases it.
    let gate = Gate::new();
    server.set(KEYS, Reply::Gated(gate.clone(), Box::new(Reply::Json(DevKey::jwks(&[&RSA, &RSA_OTHER])))));
    std::thread::scope(|scope| {
        let first = scope.spawn(|| bearer(&e, &new));
        gate.wait_entered();
        // The fetch for the unknown kid is in progress and blocked...
        assert_eq!(status(&e).fetches, 2);
        // ...and a request with a known kid is decided meanwhile.
        assert_decision(&bearer(&e, &known), 200, "allowed");
        assert!(!gate.is_released());
        // A second request with the new kid joins the same fetch.
        let second = scope.spawn(|| bearer(&e, &new));
        gate.release();
        assert_decision(&first.join().unwrap(), 200, "allowed");
        assert_decision(&second.join().unwrap(), 200, "allowed");
    });
    assert_eq!(server.hits(KEYS), 2, "one fetch served both requests");
    assert_eq!(gate.entered(), 1);
}

#[test]
fn a_flood_of_unknown_kids_costs_the_idp_nothing() {
    let server = KeyServer::http();
    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA])));
    // The default interval: at most one refetch per 30s for unknown kids
    // (the fetch at load does not count), so this burst triggers one.
    let e = engine(&remote_config(&server.url(KEYS), ""));
    let random = std::collections::hash_map::RandomState::new();
    let tokens: Vec<String> = (0..1000u32)
        .map(|i| {
            let kid = format!("random-{:016x}", random.hash_one(i));
            sign_header(&RSA, &claims(), Some("JWT"), json!({"kid": kid}))
        })
        .collect();
    std::thread::scope(|scope| {
        for chunk in tokens.chunks(250) {
            let e = &e;
            scope.spawn(move || {
                for token in chunk {
                    assert_decision(&bearer(e, token), 401, "unknown_key");
                }
            });
        }
    });
    assert_eq!(server.hits(KEYS), 2, "the fetch at load and one refetch");
    let s = status(&e);
    assert_eq!(s.unknown_kid_refetches, 1);
    // The others joined the one refetch or were suppressed after it.
    assert!(s.refetches_suppressed <= 999, "{s:#?}");
    // A second burst, within the interval, fetches nothing.
    for token in tokens.iter().take(50) {
        assert_decision(&bearer(&e, token), 401, "unknown_key");
    }
    assert_eq!(server.hits(KEYS), 2);
    assert!(status(&e).refetches_suppressed >= 50);
}

/// Issue 16, finding 6: with a key endpoint that hangs, a request with a
/// new kid waited for the whole fetch (~10 s, discovery up to four times
/// that). It now waits at most `unknownKidWait`, is answered from the keys
/// at hand, and the fetch goes on in the background: once it lands, the
/// new key validates without another fetch.
#[test]
fn a_request_waits_for_an_unknown_kid_refetch_no_longer_than_unknown_kid_wait() {
    let server = KeyServer::http();
    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA])));
    let e = engine(&remote_config(&server.url(KEYS), "minRefetchInterval: 0s\nfetchTimeout: 30s\nunknownKidWait: 200ms"));
    let new = sign(&RSA_OTHER, &claims());
    let gate = Gate::new();
    server.set(KEYS, Reply::Gated(gate.clone(), Box::new(Reply::Json(DevKey::jwks(&[&RSA, &RSA_OTHER])))));
    // The endpoint holds the answer; the request is decided anyway.
    let d = bearer(&e, &new);
    assert_decision(&d, 401, "unknown_key");
    assert_eq!(gate.entered(), 1, "the refetch is in flight on the refresher");
    assert!(!gate.is_released());
    // Known kids are unaffected, and a second request joins the same fetch.
    assert_decision(&bearer(&e, &sign(&RSA, &claims())), 200, "allowed");
    assert_decision(&bearer(&e, &new), 401, "unknown_key");
    gate.release();
    eventually("the refetch lands", || status(&e).kids.len() == 2);
    assert_decision(&bearer(&e, &new), 200, "allowed");
    assert_eq!(server.hits(KEYS), 2, "one fetch at load, one refetch");
    assert_eq!(status(&e).unknown_kid_refetches, 1);
}

#[test]
fn https_with_a_private_ca_from_ca_file() {
    let pki = TestPki::generate();
    let server = KeyServer::https(pki.server.clone());
    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA])));
    let ca = pki.write_ca("https");
    let cfg = remote_config(&server.url(KEYS), &format!("caFile: {}", ca.display())).replace("        allowHttp: true\n", "");
    let e = engine(&cfg);
    assert_decision(&bearer(&e, &sign(&RSA, &claims())), 200, "allowed");

    // Without the CA the server is not trusted.
    let cfg = remote_config(&server.url(KEYS), "").replace("        allowHttp: true\n", "");
    let d = bearer(&engine(&cfg), &sign(&RSA, &claims()));
    assert_decision(&d, 503, "keys_unavailable");
    assert!(d.detail.unwrap().to_lowercase().contains("certificate"));
}

#[test]
fn plain_http_is_refused_without_allow_http() {
    let err = Engine::new(&remote_config("http://127.0.0.1:9/keys", "").replace("        allowHttp: true\n", "")).unwrap_err();
    assert!(err.to_string().contains("plain HTTP"), "{err}");
}

fn discovery_config(issuer: &str) -> String {
    format!(
        "authentication:\n  providers:\n    - issuer: {issuer}\n      audiences: [{AUDIENCE}]\n      jwks:\n        discovery: true\n        allowHttp: true\n"
    )
}

#[test]
fn discovery_falls_back_from_oidc_to_rfc8414_to_the_appended_form() {
    for well_known in [
        "/oauth2/default/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server/oauth2/default",
        "/oauth2/default/.well-known/oauth-authorization-server",
    ] {
        let server = KeyServer::http();
        let issuer = server.url("/oauth2/default");
        server.set(well_known, Reply::Json(json!({"issuer": issuer, "jwks_uri": server.url(KEYS)})));
        server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA])));
        let e = engine(&discovery_config(&issuer));
        let d = bearer(&e, &sign(&RSA, &claims_with(json!({"iss": issuer}))));
        assert_decision(&d, 200, "allowed");
        assert_eq!(status(&e).jwks_uri.as_deref(), Some(server.url(KEYS).as_str()), "{well_known}");
    }
}

#[test]
fn discovery_refuses_a_document_for_another_issuer() {
    let server = KeyServer::http();
    let issuer = server.url("/oauth2/default");
    server.set(
        "/oauth2/default/.well-known/openid-configuration",
        Reply::Json(json!({"issuer": "https://evil.example", "jwks_uri": server.url(KEYS)})),
    );
    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA])));
    let e = engine(&discovery_config(&issuer));
    let d = bearer(&e, &sign(&RSA, &claims_with(json!({"iss": issuer}))));
    assert_decision(&d, 503, "keys_unavailable");
    assert!(d.detail.unwrap().contains("names issuer `https://evil.example`, not the configured"));
    assert_eq!(server.hits(KEYS), 0);
}

#[test]
fn the_kubernetes_style_remote_block_loads() {
    let server = KeyServer::http();
    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA])));
    let cfg = remote_config(&server.url(KEYS), "")
        .replace(&format!("url: {}\n", server.url(KEYS)), &format!("remote:\n          url: {}\n          cacheDuration: 10m\n", server.url(KEYS)));
    let e = engine(&cfg);
    assert_decision(&bearer(&e, &sign(&RSA, &claims())), 200, "allowed");
}

#[test]
fn a_reload_keeps_the_fetched_keys_of_an_unchanged_url() {
    let server = KeyServer::http();
    server.set(KEYS, Reply::Json(DevKey::jwks(&[&RSA])));
    server.set("/other", Reply::Json(DevKey::jwks(&[&RSA])));
    let cfg = remote_config(&server.url(KEYS), "");
    let e = engine(&cfg);
    assert_eq!(server.hits(KEYS), 1);

    e.reload(&cfg.replace("authentication:\n", "authentication:\n  realm: reloaded\n")).unwrap();
    assert_decision(&bearer(&e, &sign(&RSA, &claims())), 200, "allowed");
    assert_eq!(server.hits(KEYS), 1, "no refetch for the same URL");

    e.reload(&remote_config(&server.url("/other"), "")).unwrap();
    assert_eq!(server.hits("/other"), 1, "a new URL is fetched");
    assert_decision(&bearer(&e, &sign(&RSA, &claims())), 200, "allowed");
}
