//! The C ABI request path: arbitrary method, path, host, source address,
//! header, cookie, query and attribute arrays through
//! `claimcheck_engine_authorize_at` (the `extern "C"` function a C host
//! calls), then every decision accessor.
//!
//! Views may be NULL with length 0 (empty), NULL with a non-zero length (a
//! documented `CLAIMCHECK_RESULT_NULL_ARGUMENT`), or any bytes (not UTF-8:
//! headers, cookies and query parts are read lossily, the rest is
//! `CLAIMCHECK_RESULT_INVALID_UTF8`). Arrays may exceed the stack arrays
//! (32 headers, 8 cookies, query parameters or attributes). A valid token
//! signed by a fixture key can be dropped into a header, cookie or query
//! parameter, so the identity accessors see real claims.
//!
//! Checks: no panic and no memory error (ASan); the result is a documented
//! code and the out-param is written exactly on success; each returned view
//! is readable, UTF-8, and as long as it says; an unknown attribute kind is
//! refused.
#![no_main]

use std::ffi::c_char;
use std::ptr;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use claimcheck_ffi::*;
use claimcheck_fuzz::{config_json_with, sign, Signer, AUDIENCE, HS_ISSUER, ISSUER, NOW};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

#[derive(Arbitrary, Debug)]
enum Part {
    Null,
    NullWithLen(u8),
    Bytes(Vec<u8>),
    Text(String),
}

#[derive(Arbitrary, Debug)]
enum Array<T> {
    Null,
    NullWithLen(u8),
    Items(Vec<T>),
}

#[derive(Arbitrary, Debug)]
struct Input {
    method: Part,
    path: Part,
    host: Part,
    source: Part,
    headers: Array<(Part, Part)>,
    cookies: Array<(Part, Part)>,
    query: Array<(Part, Part)>,
    attributes: Array<(Part, Part, u8)>,
    /// Where a valid token goes (header, cookie, query) and which one.
    token: Option<(u8, u8)>,
    claim_names: Vec<Part>,
}

struct Fixture {
    engine: *mut claimcheck_engine,
    tokens: Vec<String>,
}
// SAFETY: the engine handle is documented thread-safe; the fuzzer is single-threaded anyway.
unsafe impl Send for Fixture {}
unsafe impl Sync for Fixture {}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let config = config_json_with(
            Some(json!([
                {"header": {"name": "Authorization", "prefix": "Bearer "}},
                {"cookie": {"name": "session"}},
                {"query": {"name": "access_token"}}
            ])),
            json!([
                {"deny": "has(auth.claims.groups) && \"banned\" in auth.claims.groups"},
                {"allow": "request.method == 'GET'"},
                {"allow": "has(mcp.tool.name) && mcp.tool.name.startsWith('read')"},
                {"allow": "\"admins\" in auth.claims.groups || \"write\" in auth.scopes"}
            ]),
        );
        let mut engine = ptr::null_mut();
        let mut error = ptr::null_mut();
        // SAFETY: a valid view and valid out-pointers.
        let rc = unsafe { claimcheck_engine_new(config.as_ptr().cast(), config.len(), &mut engine, &mut error) };
        assert_eq!(rc, CLAIMCHECK_RESULT_OK, "the fixture config loads");
        let claims = |iss: &str, extra: serde_json::Value| {
            let mut c = json!({"iss": iss, "aud": AUDIENCE, "sub": "alice", "exp": NOW + 3600.0, "iat": NOW - 10.0});
            for (k, v) in extra.as_object().unwrap() {
                c[k] = v.clone();
            }
            c.to_string()
        };
        let header = |alg: &str, kid: &str| json!({"alg": alg, "kid": kid, "typ": "JWT"}).to_string();
        let tokens = vec![
            sign(Signer::Rsa, header("RS256", "fuzz-rs256").as_bytes(), claims(ISSUER, json!({"groups": ["admins", "eng"], "scp": ["read", "write"]})).as_bytes()),
            sign(Signer::Ec, header("ES256", "fuzz-es256").as_bytes(), claims(ISSUER, json!({"scope": "read write", "name": "Al\u{e9}"})).as_bytes()),
            sign(Signer::Hs, header("HS256", "fuzz-hs256").as_bytes(), claims(HS_ISSUER, json!({"groups": ["banned"]})).as_bytes()),
            sign(Signer::Hs, header("HS256", "fuzz-hs256").as_bytes(), claims(HS_ISSUER, json!({"exp": NOW - 3600.0})).as_bytes()),
        ];
        Fixture { engine, tokens }
    })
}

/// Keeps the bytes a view points into alive for the call.
#[derive(Default)]
struct Arena {
    owned: Vec<Vec<u8>>,
}

impl Arena {
    fn view(&mut self, part: &Part) -> claimcheck_str {
        match part {
            Part::Null => claimcheck_str { ptr: ptr::null(), len: 0 },
            Part::NullWithLen(n) => claimcheck_str { ptr: ptr::null(), len: usize::from(*n).max(1) },
            Part::Bytes(b) => self.keep(b.clone()),
            Part::Text(s) => self.keep(s.clone().into_bytes()),
        }
    }

    fn keep(&mut self, bytes: Vec<u8>) -> claimcheck_str {
        // A Vec's heap buffer does not move when the Vec is moved.
        let view = claimcheck_str { ptr: bytes.as_ptr().cast::<c_char>(), len: bytes.len() };
        self.owned.push(bytes);
        view
    }
}

fn array<T>(a: &Array<T>, items: &[impl Sized]) -> (bool, usize) {
    match a {
        Array::Null => (true, 0),
        Array::NullWithLen(n) => (true, usize::from(*n).max(1)),
        Array::Items(_) => (false, items.len()),
    }
}

fn pairs(arena: &mut Arena, a: &Array<(Part, Part)>) -> Vec<claimcheck_pair> {
    match a {
        Array::Items(items) => items.iter().map(|(n, v)| claimcheck_pair { name: arena.view(n), value: arena.view(v) }).collect(),
        _ => Vec::new(),
    }
}

fn ptr_of<T>(null: bool, v: &[T]) -> *const T {
    if null {
        ptr::null()
    } else {
        v.as_ptr()
    }
}

/// Reads a view returned by the library: readable for `len` bytes, UTF-8.
fn check_view(s: claimcheck_str) {
    if s.ptr.is_null() {
        assert_eq!(s.len, 0, "an absent view has a length");
        return;
    }
    // SAFETY: the library returns views into the live decision.
    let bytes = unsafe { std::slice::from_raw_parts(s.ptr.cast::<u8>(), s.len) };
    assert!(std::str::from_utf8(bytes).is_ok(), "a returned view is not UTF-8");
}

fuzz_target!(|input: Input| {
    let f = fixture();
    let mut arena = Arena::default();
    let mut headers = pairs(&mut arena, &input.headers);
    let mut cookies = pairs(&mut arena, &input.cookies);
    let mut query = pairs(&mut arena, &input.query);
    if let Some((place, which)) = input.token {
        let token = &f.tokens[usize::from(which) % f.tokens.len()];
        match place % 3 {
            0 => {
                let v = arena.keep(format!("Bearer {token}").into_bytes());
                headers.push(claimcheck_pair { name: arena.keep(b"authorization".to_vec()), value: v });
            }
            1 => {
                let v = arena.keep(token.clone().into_bytes());
                cookies.push(claimcheck_pair { name: arena.keep(b"session".to_vec()), value: v });
            }
            _ => {
                let v = arena.keep(token.clone().into_bytes());
                query.push(claimcheck_pair { name: arena.keep(b"access_token".to_vec()), value: v });
            }
        }
    }
    let mut bad_kind = false;
    let attributes: Vec<claimcheck_attribute> = match &input.attributes {
        Array::Items(items) => items
            .iter()
            .map(|(n, v, k)| {
                let kind = match k % 4 {
                    0 | 1 => CLAIMCHECK_ATTRIBUTE_STRING,
                    2 => CLAIMCHECK_ATTRIBUTE_JSON,
                    _ => {
                        bad_kind = true;
                        u32::from(*k) + 2
                    }
                };
                claimcheck_attribute { name: arena.view(n), value: arena.view(v), kind }
            })
            .collect(),
        _ => Vec::new(),
    };
    let (h_null, h_len) = array(&input.headers, &headers);
    let (c_null, c_len) = array(&input.cookies, &cookies);
    let (q_null, q_len) = array(&input.query, &query);
    let (a_null, a_len) = array(&input.attributes, &attributes);
    // A token pushed into an array the input left NULL: keep the NULL (the
    // pushed pair is then not passed).
    #[allow(clippy::needless_update)]
    let req = claimcheck_request {
        method: arena.view(&input.method),
        path: arena.view(&input.path),
        host: arena.view(&input.host),
        source_address: arena.view(&input.source),
        headers: ptr_of(h_null, &headers),
        headers_len: if h_null { h_len } else { headers.len() },
        cookies: ptr_of(c_null, &cookies),
        cookies_len: if c_null { c_len } else { cookies.len() },
        query: ptr_of(q_null, &query),
        query_len: if q_null { q_len } else { query.len() },
        attributes: ptr_of(a_null, &attributes),
        attributes_len: a_len,
        // Any field this version of the struct adds (such as its size).
        ..Default::default()
    };
    let mut decision: *mut claimcheck_decision = ptr::null_mut();
    // SAFETY: every non-NULL pointer points into `arena` or the vectors above,
    // alive for the call; NULL pointers carry the documented meanings.
    let rc = unsafe { claimcheck_engine_authorize_at(f.engine, &req, NOW, &mut decision) };
    let documented = [
        CLAIMCHECK_RESULT_OK,
        CLAIMCHECK_RESULT_NULL_ARGUMENT,
        CLAIMCHECK_RESULT_INVALID_UTF8,
        CLAIMCHECK_RESULT_INVALID_JSON,
        CLAIMCHECK_RESULT_INVALID_ARGUMENT,
    ];
    assert!(documented.contains(&rc), "undocumented result {rc}");
    if rc != CLAIMCHECK_RESULT_OK {
        assert!(decision.is_null(), "out-param written on failure");
        return;
    }
    assert!(!decision.is_null());
    assert!(!bad_kind, "an unknown attribute kind was accepted");
    // SAFETY: a live decision, freed once at the end; views read while it lives.
    unsafe {
        let allowed = claimcheck_decision_allowed(decision);
        let status = claimcheck_decision_status(decision);
        assert_eq!(allowed, status == 200);
        let reason = claimcheck_decision_reason(decision);
        check_view(claimcheck_reason_name(reason));
        for view in [
            claimcheck_decision_message(decision),
            claimcheck_decision_detail(decision),
            claimcheck_decision_www_authenticate(decision),
            claimcheck_decision_provider(decision),
            claimcheck_decision_issuer(decision),
            claimcheck_decision_subject(decision),
            claimcheck_decision_claims_json(decision),
            claimcheck_decision_credential_name(decision),
        ] {
            check_view(view);
        }
        let _ = claimcheck_decision_rule(decision);
        let _ = claimcheck_decision_rule_errored(decision);
        let _ = claimcheck_decision_credential_kind(decision);
        let mut names: Vec<claimcheck_str> = input.claim_names.iter().map(|p| arena.view(p)).collect();
        for n in ["iss", "sub", "groups", "exp"] {
            names.push(arena.keep(n.as_bytes().to_vec()));
        }
        for name in names {
            let mut out = claimcheck_str { ptr: ptr::null(), len: 0 };
            let rc = claimcheck_decision_claim(decision, name.ptr, name.len, &mut out);
            if rc == CLAIMCHECK_RESULT_OK {
                check_view(out);
                assert!(!out.ptr.is_null());
            } else {
                assert!(out.ptr.is_null(), "claim out-param written on failure");
            }
            // NULL out-param: a code, nothing written.
            assert_ne!(claimcheck_decision_claim(decision, name.ptr, name.len, ptr::null_mut()), CLAIMCHECK_RESULT_OK);
        }
        claimcheck_decision_free(decision);
    }
});
