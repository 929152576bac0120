//! The FFI plumbing under Miri: string views (NULL/len, non-UTF-8, no NUL
//! terminator), handles (NULL, free once, out-params), and request arrays
//! (stack and heap spill, lossy header/cookie/query parts, attributes of
//! each kind), through the exported functions as a C host calls them.
//!
//! No signature is ever verified (Miri cannot run aws-lc's C code): tokens
//! here are malformed or absent, so validation stops before any crypto.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::ptr;

use claimcheck_ffi::*;

const CONFIG: &str = "authentication:\n  mode: permissive\n  tokenSource:\n    - header: {name: Authorization, prefix: 'Bearer '}\n    - cookie: {name: session}\n    - query: {name: access_token}\n  providers: []\nauthorization:\n  rules:\n    - 'has(mcp.tool.name) && mcp.tool.name == \"read\"'\n    - 'request.method == \"GET\"'\n";

fn engine() -> *mut claimcheck_engine {
    engine_with(CONFIG)
}

/// Strict mode: a malformed token is `MALFORMED_TOKEN`, wherever it is.
fn strict_engine() -> *mut claimcheck_engine {
    engine_with(&CONFIG.replace("permissive", "strict"))
}

fn engine_with(config: &str) -> *mut claimcheck_engine {
    let mut engine = ptr::null_mut();
    let mut error = ptr::null_mut();
    // SAFETY: a valid view and valid out-pointers.
    let rc = unsafe { claimcheck_engine_new(config.as_ptr().cast(), config.len(), &mut engine, &mut error) };
    assert_eq!(rc, CLAIMCHECK_RESULT_OK);
    assert!(error.is_null());
    engine
}

fn view(s: &[u8]) -> claimcheck_str {
    claimcheck_str { ptr: s.as_ptr().cast(), len: s.len() }
}

fn pair(n: &'static [u8], v: &'static [u8]) -> claimcheck_pair {
    claimcheck_pair { name: view(n), value: view(v) }
}

fn read(s: claimcheck_str) -> Option<String> {
    // SAFETY: a view returned by the library, valid while its owner lives.
    unsafe { s.to_str() }.map(str::to_owned)
}

/// Authorizes and returns (result, reason, detail, rule) with the decision freed.
fn decide(engine: *const claimcheck_engine, req: &claimcheck_request) -> (claimcheck_result, Option<(claimcheck_reason, Option<String>, i64)>) {
    let mut d = ptr::null_mut();
    // SAFETY: a live engine, a request whose views point at live bytes, a valid out-pointer.
    let rc = unsafe { claimcheck_engine_authorize_at(engine, req, 1_750_000_000.0, &mut d) };
    if rc != CLAIMCHECK_RESULT_OK {
        assert!(d.is_null(), "out-param written on failure");
        return (rc, None);
    }
    // SAFETY: a live decision, freed once.
    unsafe {
        let out = (claimcheck_decision_reason(d), read(claimcheck_decision_detail(d)), claimcheck_decision_rule(d));
        let _ = read(claimcheck_decision_message(d));
        let _ = read(claimcheck_decision_www_authenticate(d));
        let _ = read(claimcheck_decision_credential_name(d));
        let mut json = claimcheck_str::ABSENT;
        assert_eq!(claimcheck_decision_claim(d, b"sub".as_ptr().cast(), 3, &mut json), CLAIMCHECK_RESULT_NOT_FOUND);
        claimcheck_decision_free(d);
        (rc, Some(out))
    }
}

#[test]
fn views_null_length_and_utf8() {
    let e = engine();
    let get = b"GETPOST";
    // No NUL terminator: only `len` bytes are read.
    let req = claimcheck_request { method: claimcheck_str { ptr: get.as_ptr().cast(), len: 3 }, ..Default::default() };
    let (rc, d) = decide(e, &req);
    assert_eq!(rc, CLAIMCHECK_RESULT_OK);
    assert_eq!(d.unwrap().2, 1, "the GET rule allowed it");
    let req = claimcheck_request { method: claimcheck_str { ptr: ptr::null(), len: 2 }, ..Default::default() };
    assert_eq!(decide(e, &req).0, CLAIMCHECK_RESULT_NULL_ARGUMENT);
    let bad = [b'G', 0xff];
    let req = claimcheck_request { path: view(&bad), ..Default::default() };
    assert_eq!(decide(e, &req).0, CLAIMCHECK_RESULT_INVALID_UTF8);
    // SAFETY: a live engine, freed once.
    unsafe { claimcheck_engine_free(e) };
}

#[test]
fn header_cookie_and_query_arrays_spill_and_read_lossily() {
    let e = strict_engine();
    // Around the stack arrays: 8 cookies / query parameters, 32 headers.
    for n in [0usize, 9, 33] {
        let mut headers = vec![pair(b"x-filler", b"v\xff\xfe"); n];
        headers.push(pair(b"authorization", b"Bearer a.b.c"));
        let cookies = vec![pair(b"c\xc3", b"\xe2\x82"); n];
        let query = vec![pair(b"q", b"1"); n];
        let req = claimcheck_request {
            headers: headers.as_ptr(),
            headers_len: headers.len(),
            cookies: cookies.as_ptr(),
            cookies_len: cookies.len(),
            query: query.as_ptr(),
            query_len: query.len(),
            ..Default::default()
        };
        let (rc, d) = decide(e, &req);
        assert_eq!(rc, CLAIMCHECK_RESULT_OK, "{n}");
        assert_eq!(d.unwrap().0, CLAIMCHECK_REASON_MALFORMED_TOKEN, "the token was found among {n} headers");
        // A non-UTF-8 token part is read lossily and never verifies.
        let headers = [pair(b"authorization", b"Bearer a.\xff.c")];
        let req = claimcheck_request { headers: headers.as_ptr(), headers_len: 1, ..Default::default() };
        let (rc, d) = decide(e, &req);
        assert_eq!(rc, CLAIMCHECK_RESULT_OK);
        assert_eq!(d.unwrap().0, CLAIMCHECK_REASON_MALFORMED_TOKEN);
    }
    // NULL with a count, and non-NULL with count 0 ("these are all").
    let req = claimcheck_request { headers: ptr::null(), headers_len: 3, ..Default::default() };
    assert_eq!(decide(e, &req).0, CLAIMCHECK_RESULT_NULL_ARGUMENT);
    let none: [claimcheck_pair; 0] = [];
    let req = claimcheck_request { cookies: none.as_ptr(), query: none.as_ptr(), ..Default::default() };
    let (rc, d) = decide(e, &req);
    assert_eq!(rc, CLAIMCHECK_RESULT_OK);
    assert_eq!(d.unwrap().0, CLAIMCHECK_REASON_MISSING_TOKEN);
    // SAFETY: a live engine, freed once.
    unsafe { claimcheck_engine_free(e) };
}

#[test]
fn attributes_of_each_kind_on_the_stack_and_the_heap() {
    let e = engine();
    let attr = |n: &'static [u8], v: &'static [u8], kind| claimcheck_attribute { name: view(n), value: view(v), kind };
    // The stack array holds 8 attributes: full, and one past it.
    for n in [8usize, 9] {
        let mut attrs = vec![attr(b"llm.model", b"[1,null]", CLAIMCHECK_ATTRIBUTE_JSON); n - 1];
        attrs.push(attr(b"mcp.tool.name", b"read", CLAIMCHECK_ATTRIBUTE_STRING));
        let req = claimcheck_request { attributes: attrs.as_ptr(), attributes_len: attrs.len(), ..Default::default() };
        let (rc, d) = decide(e, &req);
        assert_eq!(rc, CLAIMCHECK_RESULT_OK, "{n}");
        assert_eq!(d.unwrap().2, 0, "the mcp rule allowed it ({n} attributes)");
    }
    let bad_json = [attr(b"a.b", b"{", CLAIMCHECK_ATTRIBUTE_JSON)];
    let req = claimcheck_request { attributes: bad_json.as_ptr(), attributes_len: 1, ..Default::default() };
    assert_eq!(decide(e, &req).0, CLAIMCHECK_RESULT_INVALID_JSON);
    let bad_kind = [attr(b"a", b"x", 7)];
    let req = claimcheck_request { attributes: bad_kind.as_ptr(), attributes_len: 1, ..Default::default() };
    assert_eq!(decide(e, &req).0, CLAIMCHECK_RESULT_INVALID_ARGUMENT);
    let bad_utf8 = [attr(b"a\xff", b"x", CLAIMCHECK_ATTRIBUTE_STRING)];
    let req = claimcheck_request { attributes: bad_utf8.as_ptr(), attributes_len: 1, ..Default::default() };
    assert_eq!(decide(e, &req).0, CLAIMCHECK_RESULT_INVALID_UTF8);
    // SAFETY: a live engine, freed once.
    unsafe { claimcheck_engine_free(e) };
}

#[test]
fn handles_null_free_and_out_params() {
    // SAFETY: NULL is allowed everywhere below; live handles are freed once.
    unsafe {
        claimcheck_engine_free(ptr::null_mut());
        claimcheck_decision_free(ptr::null_mut());
        claimcheck_error_free(ptr::null_mut());
        claimcheck_warnings_free(ptr::null_mut());
        assert!(!claimcheck_decision_allowed(ptr::null()));
        assert_eq!(claimcheck_decision_reason(ptr::null()), CLAIMCHECK_REASON_NO_DECISION);
        let mut d = ptr::null_mut();
        assert_eq!(claimcheck_engine_authorize_at(ptr::null(), &claimcheck_request::default(), 0.0, &mut d), CLAIMCHECK_RESULT_NULL_ARGUMENT);
        let e = engine();
        assert_eq!(claimcheck_engine_authorize_at(e, ptr::null(), 0.0, &mut d), CLAIMCHECK_RESULT_NULL_ARGUMENT);
        assert_eq!(claimcheck_engine_authorize_at(e, &claimcheck_request::default(), 0.0, ptr::null_mut()), CLAIMCHECK_RESULT_NULL_ARGUMENT);
        assert!(d.is_null());

        let bad = "authentication: [";
        let mut engine2 = ptr::null_mut();
        let mut error = ptr::null_mut();
        assert_eq!(claimcheck_engine_new(bad.as_ptr().cast(), bad.len(), &mut engine2, &mut error), CLAIMCHECK_RESULT_CONFIG_SYNTAX);
        assert!(engine2.is_null() && !error.is_null());
        assert!(read(claimcheck_error_message(error)).is_some());
        claimcheck_error_free(error);

        let mut warnings = ptr::null_mut();
        assert_eq!(claimcheck_engine_warnings(e, &mut warnings), CLAIMCHECK_RESULT_OK);
        assert_eq!(claimcheck_warnings_count(warnings), 0);
        claimcheck_warnings_free(warnings);
        assert!(read(claimcheck_result_name(CLAIMCHECK_RESULT_OK)).is_some());
        claimcheck_engine_free(e);
    }
}
