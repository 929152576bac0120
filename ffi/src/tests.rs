//! Rust tests of the FFI layer, calling the `extern "C"` functions directly:
//! handles, strings, errors, codes, and panics turned into codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::ffi::{c_char, CStr};
use std::ptr;

use claimcheck_core::Reason;

use crate::*;

const CONFIG: &str = "authentication:\n  providers: []\n";

fn new_engine(text: &str) -> *mut claimcheck_engine {
    let mut engine = ptr::null_mut();
    // SAFETY: a valid string view and a valid out-pointer.
    let rc = unsafe { claimcheck_engine_new(text.as_ptr().cast(), text.len(), &mut engine, ptr::null_mut()) };
    assert_eq!(rc, CLAIMCHECK_RESULT_OK);
    engine
}

fn authorize(engine: *const claimcheck_engine, req: &claimcheck_request) -> Result<*mut claimcheck_decision, claimcheck_result> {
    let mut d = ptr::null_mut();
    // SAFETY: live engine (or NULL), a request with valid views, a valid out-pointer.
    let rc = unsafe { claimcheck_engine_authorize_at(engine, req, 1_750_000_000.0, &mut d) };
    if rc == CLAIMCHECK_RESULT_OK {
        Ok(d)
    } else {
        assert!(d.is_null(), "out-param written on failure");
        Err(rc)
    }
}

fn empty_request() -> claimcheck_request {
    claimcheck_request::default()
}

fn text(s: claimcheck_str) -> Option<String> {
    // SAFETY: views returned by the library point to `len` valid bytes while their owner lives.
    unsafe { s.to_str() }.map(str::to_owned)
}

#[test]
fn reason_constants_equal_the_core_codes_and_names() {
    let consts = [
        (CLAIMCHECK_REASON_ALLOWED, "ALLOWED"),
        (CLAIMCHECK_REASON_MISSING_TOKEN, "MISSING_TOKEN"),
        (CLAIMCHECK_REASON_MULTIPLE_TOKENS, "MULTIPLE_TOKENS"),
        (CLAIMCHECK_REASON_MALFORMED_TOKEN, "MALFORMED_TOKEN"),
        (CLAIMCHECK_REASON_TOKEN_TOO_LARGE, "TOKEN_TOO_LARGE"),
        (CLAIMCHECK_REASON_UNSUPPORTED_ALGORITHM, "UNSUPPORTED_ALGORITHM"),
        (CLAIMCHECK_REASON_UNKNOWN_ISSUER, "UNKNOWN_ISSUER"),
        (CLAIMCHECK_REASON_UNKNOWN_KEY, "UNKNOWN_KEY"),
        (CLAIMCHECK_REASON_INVALID_SIGNATURE, "INVALID_SIGNATURE"),
        (CLAIMCHECK_REASON_INVALID_TYPE, "INVALID_TYPE"),
        (CLAIMCHECK_REASON_UNKNOWN_CRITICAL_HEADER, "UNKNOWN_CRITICAL_HEADER"),
        (CLAIMCHECK_REASON_EXPIRED, "EXPIRED"),
        (CLAIMCHECK_REASON_NOT_YET_VALID, "NOT_YET_VALID"),
        (CLAIMCHECK_REASON_ISSUED_IN_FUTURE, "ISSUED_IN_FUTURE"),
        (CLAIMCHECK_REASON_LIFETIME_TOO_LONG, "LIFETIME_TOO_LONG"),
        (CLAIMCHECK_REASON_INVALID_AUDIENCE, "INVALID_AUDIENCE"),
        (CLAIMCHECK_REASON_INVALID_CLAIM, "INVALID_CLAIM"),
        (CLAIMCHECK_REASON_KEYS_UNAVAILABLE, "KEYS_UNAVAILABLE"),
        (CLAIMCHECK_REASON_DENIED_BY_RULE, "DENIED_BY_RULE"),
        (CLAIMCHECK_REASON_REQUIRED_RULE_FAILED, "REQUIRED_RULE_FAILED"),
        (CLAIMCHECK_REASON_NO_RULE_ALLOWED, "NO_RULE_ALLOWED"),
    ];
    assert_eq!(consts.len(), Reason::ALL.len(), "every core reason has a C constant");
    for (code, name) in consts {
        let reason = Reason::from_code(code).expect("a core reason");
        assert_eq!(reason.as_str().to_ascii_uppercase(), name);
        assert_eq!(text(claimcheck_reason_name(code)).as_deref(), Some(reason.as_str()));
    }
    assert!(Reason::from_code(CLAIMCHECK_REASON_NO_DECISION).is_none());
}

#[test]
fn result_codes_are_unique_named_and_in_their_ranges() {
    let all = [
        CLAIMCHECK_RESULT_OK,
        CLAIMCHECK_RESULT_NULL_ARGUMENT,
        CLAIMCHECK_RESULT_INVALID_UTF8,
        CLAIMCHECK_RESULT_INVALID_HANDLE,
        CLAIMCHECK_RESULT_INVALID_JSON,
        CLAIMCHECK_RESULT_NOT_FOUND,
        CLAIMCHECK_RESULT_INVALID_ARGUMENT,
        CLAIMCHECK_RESULT_CONFIG_SYNTAX,
        CLAIMCHECK_RESULT_CONFIG_INVALID,
        CLAIMCHECK_RESULT_RULE_INVALID,
        CLAIMCHECK_RESULT_KEYS_INVALID,
        CLAIMCHECK_RESULT_IO,
        CLAIMCHECK_RESULT_PANIC,
    ];
    let mut names = std::collections::HashSet::new();
    for code in all {
        let name = text(claimcheck_result_name(code)).expect("every code has a name");
        assert!(names.insert(name), "name reused");
        assert!(code < 100 || (100..200).contains(&code) || (900..1000).contains(&code));
    }
    assert!(claimcheck_result_name(42).ptr.is_null());
}

#[test]
fn strings_null_with_zero_length_is_empty_and_invalid_utf8_is_a_code() {
    // SAFETY: NULL with length 0 is allowed; the byte slices are valid.
    unsafe {
        assert_eq!(strings::input(ptr::null(), 0), Ok(""));
        assert_eq!(strings::input(ptr::null(), 1), Err(CLAIMCHECK_RESULT_NULL_ARGUMENT));
        let bad = [b'a', 0xff];
        assert_eq!(strings::input(bad.as_ptr().cast(), 2), Err(CLAIMCHECK_RESULT_INVALID_UTF8));
        // No NUL terminator needed: only `len` bytes are read.
        let s = b"GETPOST";
        assert_eq!(strings::input(s.as_ptr().cast(), 3), Ok("GET"));
    }
}

#[test]
fn engine_new_writes_out_params_only_as_documented() {
    let mut engine: *mut claimcheck_engine = ptr::null_mut();
    let mut error: *mut claimcheck_error = ptr::null_mut();
    let bad = "authentication: [";
    // SAFETY: valid views and out-pointers throughout; handles freed once.
    unsafe {
        assert_eq!(claimcheck_engine_new(bad.as_ptr().cast(), bad.len(), ptr::null_mut(), &mut error), CLAIMCHECK_RESULT_NULL_ARGUMENT);
        assert!(error.is_null());
        assert_eq!(claimcheck_engine_new(bad.as_ptr().cast(), bad.len(), &mut engine, &mut error), CLAIMCHECK_RESULT_CONFIG_SYNTAX);
        assert!(engine.is_null() && !error.is_null());
        assert_eq!(claimcheck_error_code(error), CLAIMCHECK_RESULT_CONFIG_SYNTAX);
        assert_eq!(claimcheck_error_line(error), 1);
        assert!(claimcheck_error_column(error) >= 1);
        assert!(text(claimcheck_error_location(error)).unwrap().starts_with("line 1"));
        assert_eq!(claimcheck_error_rule(error), -1);
        assert!(claimcheck_error_path(error).ptr.is_null());
        claimcheck_error_free(error);

        let rules = "authorization:\n  rules:\n    - 'true'\n    - 'jwt.sub == nosuchvar'\n";
        let mut error = ptr::null_mut();
        assert_eq!(claimcheck_engine_new(rules.as_ptr().cast(), rules.len(), &mut engine, &mut error), CLAIMCHECK_RESULT_RULE_INVALID);
        assert_eq!(claimcheck_error_rule(error), 1);
        assert_eq!(claimcheck_error_column(error), 12);
        assert!(text(claimcheck_error_message(error)).unwrap().contains("nosuchvar"));
        claimcheck_error_free(error);
        assert!(engine.is_null());
    }
}

#[test]
fn freeing_null_is_a_no_op_and_null_handles_give_fail_closed_values() {
    // SAFETY: NULL is allowed everywhere below.
    unsafe {
        claimcheck_engine_free(ptr::null_mut());
        claimcheck_decision_free(ptr::null_mut());
        claimcheck_error_free(ptr::null_mut());
        claimcheck_warnings_free(ptr::null_mut());
        assert!(!claimcheck_decision_allowed(ptr::null()));
        assert_eq!(claimcheck_decision_reason(ptr::null()), CLAIMCHECK_REASON_NO_DECISION);
        assert_eq!(claimcheck_error_code(ptr::null()), CLAIMCHECK_RESULT_NULL_ARGUMENT);
    }
    assert_eq!(authorize(ptr::null(), &empty_request()), Err(CLAIMCHECK_RESULT_NULL_ARGUMENT));
}

#[test]
fn a_panic_inside_an_export_becomes_a_code_and_the_library_stays_usable() {
    let engine = new_engine(CONFIG);
    crate::panic::testing::panic_next_call();
    assert_eq!(authorize(engine, &empty_request()), Err(CLAIMCHECK_RESULT_PANIC));
    let d = authorize(engine, &empty_request()).unwrap();
    // SAFETY: live handles, freed once.
    unsafe {
        assert_eq!(claimcheck_decision_status(d), 401);
        claimcheck_decision_free(d);
        claimcheck_engine_free(engine);
    }
    assert_eq!(crate::panic::value(7, || panic!("boom")), 7);
    assert_eq!(crate::panic::result(|| panic!("boom")), CLAIMCHECK_RESULT_PANIC);
}

#[test]
fn headers_beyond_the_stack_array_still_count() {
    let engine = new_engine(CONFIG);
    let filler = claimcheck_pair { name: claimcheck_str::view("x-a"), value: claimcheck_str::view("b") };
    let auth = claimcheck_pair { name: claimcheck_str::view("Authorization"), value: claimcheck_str::view("Bearer a.b.c") };
    for n in [1usize, 32, 33, 100] {
        let mut headers = vec![filler; n - 1];
        headers.push(auth);
        let req = claimcheck_request { headers: headers.as_ptr(), headers_len: headers.len(), ..empty_request() };
        let d = authorize(engine, &req).unwrap();
        // SAFETY: a live decision, freed once.
        unsafe {
            // The token is found (no provider trusts it), whatever the header count.
            assert_eq!(claimcheck_decision_reason(d), CLAIMCHECK_REASON_MALFORMED_TOKEN, "{n} headers");
            claimcheck_decision_free(d);
        }
    }
    // SAFETY: a live engine, freed once.
    unsafe { claimcheck_engine_free(engine) };
}

#[test]
fn versions_agree_with_cargo_and_the_header() {
    // SAFETY: the version functions return static NUL-terminated strings.
    let version = unsafe { CStr::from_ptr(claimcheck_version()) }.to_str().unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    assert_eq!(version, claimcheck_core::VERSION);
    let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../include/claimcheck.h")).unwrap();
    for (name, value) in [
        ("CLAIMCHECK_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR").to_owned()),
        ("CLAIMCHECK_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR").to_owned()),
        ("CLAIMCHECK_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH").to_owned()),
        ("CLAIMCHECK_VERSION_STRING", format!("\"{}\"", env!("CARGO_PKG_VERSION"))),
        ("CLAIMCHECK_ABI_VERSION", CLAIMCHECK_ABI_VERSION.to_string()),
    ] {
        assert!(header.contains(&format!("#define {name} {value}\n")), "{name} in the header is not {value}");
    }
    assert_eq!(claimcheck_abi_version(), CLAIMCHECK_ABI_VERSION);
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock")).unwrap();
    for (name, f) in [("aws-lc-rs", claimcheck_version_crypto as extern "C" fn() -> *const c_char), ("cel", claimcheck_version_cel)] {
        // SAFETY: static NUL-terminated strings.
        let v = unsafe { CStr::from_ptr(f()) }.to_str().unwrap();
        assert!(lock.contains(&format!("name = \"{name}\"\nversion = \"{v}\"\n")), "{name} {v} not in Cargo.lock");
    }
}

#[test]
fn header_and_cdef_declare_the_same_functions_and_constants() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../include/");
    let header = std::fs::read_to_string(format!("{dir}claimcheck.h")).unwrap();
    let cdef = std::fs::read_to_string(format!("{dir}claimcheck_cdef.h")).unwrap();
    let names = |text: &str| {
        let mut fns = std::collections::BTreeSet::new();
        let mut consts = std::collections::BTreeSet::new();
        for line in text.lines() {
            let t = line.trim();
            if let Some(rest) = t.strip_prefix("#define ").or_else(|| t.strip_prefix("enum { ")) {
                let name = rest.split([' ', '=']).next().unwrap();
                if name != "CLAIMCHECK_H" && name != "CLAIMCHECK_VERSION_STRING" {
                    consts.insert(name.to_owned());
                }
            } else if !t.starts_with('*') && !t.starts_with("/*") && !t.starts_with("typedef") {
                // A declaration line: the identifier right before the first `(`.
                if let Some(open) = t.find('(') {
                    let before = &t[..open];
                    let name = before.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap();
                    if name.starts_with("claimcheck_") {
                        fns.insert(name.to_owned());
                    }
                }
            }
        }
        (fns, consts)
    };
    let (hf, hc) = names(&header);
    let (cf, cc) = names(&cdef);
    assert!(hf.len() >= 40, "{hf:?}");
    assert_eq!(hf, cf);
    assert_eq!(hc, cc);
    assert!(hc.iter().all(|c| c.starts_with("CLAIMCHECK_")), "{hc:?}");
}

/// Issue 16, finding 1: a NaN, infinite or negative clock is an invalid
/// argument, and nothing is written.
#[test]
fn authorize_at_refuses_a_clock_that_is_not_finite_or_negative() {
    let engine = new_engine(CONFIG);
    let req = empty_request();
    for now in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0] {
        let mut d = ptr::null_mut();
        // SAFETY: live engine, valid request and out-pointer.
        let rc = unsafe { claimcheck_engine_authorize_at(engine, &req, now, &mut d) };
        assert_eq!(rc, CLAIMCHECK_RESULT_INVALID_ARGUMENT, "now {now}");
        assert!(d.is_null());
    }
    // SAFETY: the engine is live and freed once.
    unsafe { claimcheck_engine_free(engine) };
}
