//! Rust tests of the FFI layer, calling the `extern "C"` functions directly:
//! handles, strings, errors, codes, and panics turned into codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::ffi::{c_char, CStr};
use std::ptr;

use claimcheck_core::Reason;

use crate::*;
use crate::boundary;

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
        CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE,
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
        assert_eq!(boundary::str_arg(ptr::null(), 0), Ok(""));
        assert_eq!(boundary::str_arg(ptr::null(), 1), Err(CLAIMCHECK_RESULT_NULL_ARGUMENT));
        let bad = [b'a', 0xff];
        assert_eq!(boundary::str_arg(bad.as_ptr().cast(), 2), Err(CLAIMCHECK_RESULT_INVALID_UTF8));
        // No NUL terminator needed: only `len` bytes are read.
        let s = b"GETPOST";
        assert_eq!(boundary::str_arg(s.as_ptr().cast(), 3), Ok("GET"));
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
    crate::boundary::testing::panic_next_call();
    assert_eq!(authorize(engine, &empty_request()), Err(CLAIMCHECK_RESULT_PANIC));
    let d = authorize(engine, &empty_request()).unwrap();
    // SAFETY: live handles, freed once.
    unsafe {
        assert_eq!(claimcheck_decision_status(d), 401);
        claimcheck_decision_free(d);
        claimcheck_engine_free(engine);
    }
    assert_eq!(crate::boundary::value(7, || panic!("boom")), 7);
    assert_eq!(crate::boundary::result(|| panic!("boom")), CLAIMCHECK_RESULT_PANIC);
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
                // Integer constants only: the cdef file leaves out the
                // include guard, the version string and the initializer macros.
                let mut parts = rest.split([' ', '=']).filter(|p| !p.is_empty());
                let (name, value) = (parts.next().unwrap(), parts.next().unwrap_or(""));
                if value.parse::<i64>().is_ok() {
                    consts.insert(name.to_owned());
                }
            } else if t.starts_with('#') || t.starts_with('(') {
                // Preprocessor lines and macro bodies declare no function.
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

/// The growable-struct reader on a struct with two published layouts: the
/// old, smaller one is read with the new field zero; the current one in
/// place; every other size is refused before anything past `size` is read.
#[test]
fn growable_structs_read_and_write_only_the_sizes_they_know() {
    #[repr(C)]
    #[derive(Debug)]
    struct TwoLayouts {
        size: usize,
        a: u64,
        b: u64, // appended in "version 2"
    }
    const OLD: usize = std::mem::offset_of!(TwoLayouts, b);
    // SAFETY: repr(C), size first, integers valid when zero; the old layout
    // is the current one without `b`, which starts at the old end.
    unsafe impl boundary::Growable for TwoLayouts {
        const SIZES: &'static [usize] = &[OLD, std::mem::size_of::<TwoLayouts>()];
    }
    // An old host's struct: only `size` and `a`, followed by bytes that are
    // not part of it (they must not be read: they would show up in `b`).
    let old_host: [u64; 3] = [OLD as u64, 7, 0xdead];
    // SAFETY: a readable struct of `OLD` bytes with its size set.
    let read = unsafe { boundary::sized_in(old_host.as_ptr().cast::<TwoLayouts>()) }.unwrap();
    assert!(matches!(read, boundary::Grown::Older(_)));
    assert_eq!((read.a, read.b), (7, 0));
    let current = TwoLayouts { size: std::mem::size_of::<TwoLayouts>(), a: 1, b: 2 };
    // SAFETY: a live struct of the current size.
    let read = unsafe { boundary::sized_in(&current) }.unwrap();
    assert!(matches!(read, boundary::Grown::Current(r) if std::ptr::eq(r, &current)));
    for size in [0, 8, OLD + 4, 32, usize::MAX] {
        let host: [u64; 3] = [size as u64, 1, 2];
        // SAFETY: readable (24 bytes); refused sizes read only the size field.
        let refused = unsafe { boundary::sized_in(host.as_ptr().cast::<TwoLayouts>()) };
        assert_eq!(refused.err(), Some((CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE, size)), "size {size}");
    }
    // SAFETY: NULL is allowed.
    assert_eq!(unsafe { boundary::sized_in::<TwoLayouts>(ptr::null()) }.err().map(|e| e.0), Some(CLAIMCHECK_RESULT_NULL_ARGUMENT));

    // Writing: an old host's struct gets `a` and nothing past its end; its
    // `size` stays; a current one gets everything.
    let mut old_out: [u64; 3] = [OLD as u64, 0, 0xdead];
    // SAFETY: writable, `OLD` bytes with the size set.
    unsafe { boundary::sized_out(old_out.as_mut_ptr().cast::<TwoLayouts>()) }.unwrap().write(TwoLayouts { size: 99, a: 5, b: 6 });
    assert_eq!(old_out, [OLD as u64, 5, 0xdead]);
    let mut new_out = TwoLayouts { size: std::mem::size_of::<TwoLayouts>(), a: 0, b: 0 };
    // SAFETY: a live struct of the current size.
    unsafe { boundary::sized_out(&mut new_out) }.unwrap().write(TwoLayouts { size: 99, a: 5, b: 6 });
    assert_eq!((new_out.size, new_out.a, new_out.b), (std::mem::size_of::<TwoLayouts>(), 5, 6));
    let mut bad: [u64; 3] = [40, 0, 0];
    // SAFETY: readable; the size is refused before any write.
    assert_eq!(unsafe { boundary::sized_out(bad.as_mut_ptr().cast::<TwoLayouts>()) }.err(), Some(CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE));
    assert_eq!(bad, [40, 0, 0]);
}

/// A request whose `size` is 0 (`= {0}`), too small or larger than this
/// library's struct is refused with its own code, nothing is written, and
/// the first one is logged with the sizes involved.
#[test]
fn a_request_of_an_unknown_size_is_refused_and_logged_once() {
    use std::ffi::c_void;
    use std::sync::Mutex;
    static MESSAGES: Mutex<Vec<String>> = Mutex::new(Vec::new());
    unsafe extern "C" fn on_log(_: *mut c_void, _: claimcheck_log_level, msg: *const c_char, len: usize) {
        // SAFETY: the library passes `len` bytes of UTF-8.
        let text = unsafe { std::str::from_utf8(std::slice::from_raw_parts(msg.cast::<u8>(), len)) }.unwrap();
        MESSAGES.lock().unwrap().push(text.to_owned());
    }
    let engine = new_engine(CONFIG);
    // SAFETY: a live engine; the callback may run on any thread.
    assert_eq!(unsafe { claimcheck_engine_set_logger(engine, ptr::null_mut(), Some(on_log), None) }, CLAIMCHECK_RESULT_OK);
    let size = std::mem::size_of::<claimcheck_request>();
    // Room for a request larger than this library's, as a newer host has.
    #[repr(C)]
    struct Larger {
        req: claimcheck_request,
        more: [usize; 4],
    }
    for claimed in [0, std::mem::size_of::<usize>(), size - 8, size + 8, std::mem::size_of::<Larger>()] {
        let mut larger = Larger { req: empty_request(), more: [0; 4] };
        larger.req.size = claimed;
        assert_eq!(authorize(engine, &larger.req), Err(CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE), "size {claimed}");
    }
    assert_eq!(text(claimcheck_result_name(CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE)).as_deref(), Some("unsupported_struct_size"));
    let messages = MESSAGES.lock().unwrap().clone();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("claimcheck_request.size is 0") && messages[0].contains(&format!("{size} bytes")), "{}", messages[0]);
    // The right size still works, on the same engine.
    let d = authorize(engine, &empty_request()).unwrap();
    // SAFETY: live handles, freed once.
    unsafe {
        assert_eq!(claimcheck_decision_status(d), 401);
        claimcheck_decision_free(d);
        claimcheck_engine_free(engine);
    }
}

/// The key status struct has a size too: a wrong one is refused and the
/// struct is left as it was.
#[test]
fn provider_keys_of_an_unknown_size_are_refused_and_not_written() {
    let key = claimcheck_core::dev::DevKey::generate(claimcheck_core::dev::Algorithm::ES256, "k1").unwrap();
    let config = format!(
        "authentication:\n  providers:\n    - name: p\n      issuer: https://p.example.com\n      audiences: [a]\n      jwks:\n        inline: '{}'\n",
        serde_json::to_string(&claimcheck_core::dev::DevKey::jwks(&[&key])).unwrap()
    );
    let engine = new_engine(&config);
    let mut status = ptr::null_mut();
    // SAFETY: live handles and valid out-pointers; everything freed once.
    unsafe {
        assert_eq!(claimcheck_engine_key_status(engine, &mut status), CLAIMCHECK_RESULT_OK);
        let mut keys = claimcheck_provider_keys::default();
        assert_eq!(claimcheck_key_status_get(status, 0, &mut keys), CLAIMCHECK_RESULT_OK);
        assert_eq!(text(keys.provider).as_deref(), Some("p"));
        assert_eq!(keys.size, std::mem::size_of::<claimcheck_provider_keys>());
        for size in [0, 8, keys.size + 8] {
            let mut keys = claimcheck_provider_keys { size, ..Default::default() };
            assert_eq!(claimcheck_key_status_get(status, 0, &mut keys), CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE, "size {size}");
            assert!(keys.provider.ptr.is_null() && keys.size == size);
        }
        claimcheck_key_status_free(status);
        claimcheck_engine_free(engine);
    }
}

/// The growable structs' layouts are pinned, so changing one without the
/// procedure of docs/c-api.md ("Growable structs") fails here: a field
/// appended changes `size_of`, and the old size must then be added to the
/// struct's SIZES list (and this pin updated). Neither struct may end in
/// padding: the next appended field must start exactly at the old size, or
/// an old host's padding bytes would be read as that field.
#[test]
fn growable_struct_layouts_are_pinned_and_end_without_padding() {
    use std::mem::{offset_of, size_of};
    assert_eq!(offset_of!(claimcheck_request, size), 0);
    assert_eq!(offset_of!(claimcheck_provider_keys, size), 0);
    assert_eq!(offset_of!(claimcheck_request, attributes_len) + size_of::<usize>(), size_of::<claimcheck_request>());
    assert_eq!(offset_of!(claimcheck_provider_keys, refetches_suppressed) + size_of::<u64>(), size_of::<claimcheck_provider_keys>());
    assert_eq!(*request::REQUEST_SIZES.last().unwrap(), size_of::<claimcheck_request>());
    assert_eq!(*keys::PROVIDER_KEYS_SIZES.last().unwrap(), size_of::<claimcheck_provider_keys>());
    #[cfg(target_pointer_width = "64")]
    {
        // ABI 2 on 64-bit targets.
        assert_eq!(request::REQUEST_SIZES, [136]);
        assert_eq!(keys::PROVIDER_KEYS_SIZES, [136]);
    }
    assert_eq!(claimcheck_request::default().size, size_of::<claimcheck_request>());
    assert_eq!(claimcheck_provider_keys::default().size, size_of::<claimcheck_provider_keys>());
}

/// Every export's body is one of the boundary macros, so none can unwind
/// into C or skip its checks' panic guard: read from the sources, so a new
/// export written without one fails here.
#[test]
fn every_export_runs_inside_the_panic_boundary() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut exports = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        let starts = source.match_indices("\npub unsafe extern \"C\" fn ").chain(source.match_indices("\npub extern \"C\" fn "));
        for (at, _) in starts {
            let signature = &source[at..];
            let name: String = signature[signature.find("fn ").unwrap() + 3..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let body = &source[at + source[at..].find("{\n").unwrap() + 2..];
            let first = body.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("//")).unwrap();
            assert!(
                ["ffi_result!", "ffi_value!(", "ffi_getter!(", "ffi_free!("].iter().any(|m| first.starts_with(m)),
                "{name} in {} starts with `{first}`, not a boundary macro",
                path.display()
            );
            exports += 1;
        }
    }
    assert_eq!(exports, 48, "the number of exports changed: update this count with the header");
}
