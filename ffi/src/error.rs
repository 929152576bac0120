//! Result codes and the owned error object.
//!
//! Codes are `uint32_t` constants, grouped in ranges; a value is never
//! reused, retired ones stay reserved:
//! - `0`: success;
//! - `1..=99`: the caller passed something unusable (NULL, invalid UTF-8,
//!   bad JSON, an index out of range, a struct of a size this library does
//!   not know);
//! - `100..=199`: a config could not be loaded; the function also hands out
//!   a `claimcheck_error` with the details;
//! - `900..=999`: a bug inside the library (a caught panic).

use claimcheck_core::{ConfigError, ConfigErrorKind};

use crate::boundary::{ffi_free, ffi_getter, ffi_result, ffi_value, out_arg, try_ref};
use crate::handles::{self, handle};
use crate::strings::claimcheck_str;

/// A result code: `CLAIMCHECK_RESULT_OK` or one of the `CLAIMCHECK_RESULT_*`
/// failures. Stable: values are never reused.
pub type claimcheck_result = u32;

/// Success.
pub const CLAIMCHECK_RESULT_OK: claimcheck_result = 0;
/// A required pointer was NULL (or a string pointer was NULL with a non-zero length).
pub const CLAIMCHECK_RESULT_NULL_ARGUMENT: claimcheck_result = 1;
/// A string argument is not valid UTF-8.
pub const CLAIMCHECK_RESULT_INVALID_UTF8: claimcheck_result = 2;
/// Not returned by this library, which does not detect a freed or foreign
/// handle (it never reads memory it freed; see docs/c-api.md, "Handles").
/// The Go and Python bindings use it for an object used after its close.
pub const CLAIMCHECK_RESULT_INVALID_HANDLE: claimcheck_result = 3;
/// An attribute declared as JSON does not parse as JSON.
pub const CLAIMCHECK_RESULT_INVALID_JSON: claimcheck_result = 4;
/// The thing asked for does not exist (a claim the token lacks, a warning
/// index past the end).
pub const CLAIMCHECK_RESULT_NOT_FOUND: claimcheck_result = 5;
/// An argument has a value outside its documented set (an unknown attribute kind).
pub const CLAIMCHECK_RESULT_INVALID_ARGUMENT: claimcheck_result = 6;
/// The `size` field of a `claimcheck_request` or `claimcheck_provider_keys`
/// is not a size this library knows: not set (0, from `= {0}`), too small, or
/// larger than this library's struct (a host compiled against a newer
/// header). Nothing was read past `size` or written. Initialise the struct
/// with its `CLAIMCHECK_*_INIT` macro and load the library your header
/// belongs to.
pub const CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE: claimcheck_result = 7;

/// The config is not valid YAML or JSON (location: line and column).
pub const CLAIMCHECK_RESULT_CONFIG_SYNTAX: claimcheck_result = 100;
/// A config field is unknown, missing, of the wrong type or has a bad value
/// (location: the field path).
pub const CLAIMCHECK_RESULT_CONFIG_INVALID: claimcheck_result = 101;
/// An authorization rule does not compile or exceeds a limit (location: rule
/// index and column).
pub const CLAIMCHECK_RESULT_RULE_INVALID: claimcheck_result = 102;
/// A key set could not be read or has no usable key (location: field path).
pub const CLAIMCHECK_RESULT_KEYS_INVALID: claimcheck_result = 103;
/// A file (the config, a key file) could not be read.
pub const CLAIMCHECK_RESULT_IO: claimcheck_result = 104;

/// A bug inside the library was caught (a Rust panic, which never unwinds
/// into the host) and reported as this code instead of aborting the host.
/// The library stays usable.
pub const CLAIMCHECK_RESULT_PANIC: claimcheck_result = 900;

/// The stable snake_case name of a result code (`"ok"`, `"null_argument"`,
/// `"config_syntax"`, ...), a static string; absent (NULL) for an unknown code.
#[no_mangle]
pub extern "C" fn claimcheck_result_name(result: claimcheck_result) -> claimcheck_str {
    ffi_value!(claimcheck_str::ABSENT, claimcheck_str::view_opt(result_name(result)))
}

pub(crate) fn result_name(result: claimcheck_result) -> Option<&'static str> {
    Some(match result {
        CLAIMCHECK_RESULT_OK => "ok",
        CLAIMCHECK_RESULT_NULL_ARGUMENT => "null_argument",
        CLAIMCHECK_RESULT_INVALID_UTF8 => "invalid_utf8",
        CLAIMCHECK_RESULT_INVALID_HANDLE => "invalid_handle",
        CLAIMCHECK_RESULT_INVALID_JSON => "invalid_json",
        CLAIMCHECK_RESULT_NOT_FOUND => "not_found",
        CLAIMCHECK_RESULT_INVALID_ARGUMENT => "invalid_argument",
        CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE => "unsupported_struct_size",
        CLAIMCHECK_RESULT_CONFIG_SYNTAX => ConfigErrorKind::Syntax.as_str(),
        CLAIMCHECK_RESULT_CONFIG_INVALID => ConfigErrorKind::Invalid.as_str(),
        CLAIMCHECK_RESULT_RULE_INVALID => ConfigErrorKind::Rule.as_str(),
        CLAIMCHECK_RESULT_KEYS_INVALID => ConfigErrorKind::Keys.as_str(),
        CLAIMCHECK_RESULT_IO => ConfigErrorKind::Io.as_str(),
        CLAIMCHECK_RESULT_PANIC => "panic",
        _ => return None,
    })
}

/// The result code for a config error kind.
pub(crate) fn config_result(kind: ConfigErrorKind) -> claimcheck_result {
    match kind {
        ConfigErrorKind::Syntax => CLAIMCHECK_RESULT_CONFIG_SYNTAX,
        ConfigErrorKind::Invalid => CLAIMCHECK_RESULT_CONFIG_INVALID,
        ConfigErrorKind::Rule => CLAIMCHECK_RESULT_RULE_INVALID,
        ConfigErrorKind::Keys => CLAIMCHECK_RESULT_KEYS_INVALID,
        ConfigErrorKind::Io => CLAIMCHECK_RESULT_IO,
        // A kind added to the core later reads as "invalid" until it gets its own code.
        _ => CLAIMCHECK_RESULT_CONFIG_INVALID,
    }
}

/// An owned config error: why an engine could not be created or reloaded.
/// Free it with `claimcheck_error_free`. Immutable: its accessors may be
/// called from any thread.
pub struct claimcheck_error {
    code: claimcheck_result,
    message: String,
    location: Option<String>,
    path: Option<String>,
    line: i64,
    rule: i64,
    column: i64,
}
handle!(claimcheck_error);

fn index(v: Option<usize>) -> i64 {
    v.and_then(|v| i64::try_from(v).ok()).unwrap_or(-1)
}

impl claimcheck_error {
    pub(crate) fn from_config(e: &ConfigError) -> claimcheck_error {
        claimcheck_error {
            code: config_result(e.kind),
            message: e.message.clone(),
            location: e.location(),
            path: e.path.clone().filter(|p| !p.is_empty()),
            line: index(e.line),
            rule: index(e.rule),
            column: index(e.column),
        }
    }
}

/// Reports a config error: writes a new error object to `error_out` when the
/// caller asked for one, and returns the code.
///
/// # Safety
/// `error_out` is NULL or valid for a pointer write.
pub(crate) unsafe fn report(e: &ConfigError, error_out: *mut *mut claimcheck_error) -> claimcheck_result {
    let error = claimcheck_error::from_config(e);
    let code = error.code;
    // SAFETY: NULL or valid for writes, by the caller's contract.
    if let Some(out) = unsafe { out_arg(error_out) } {
        out.write(handles::into_raw(error));
    }
    code
}

/// The error's code: one of `CLAIMCHECK_RESULT_CONFIG_SYNTAX`,
/// `_CONFIG_INVALID`, `_RULE_INVALID`, `_KEYS_INVALID`, `_IO` (the same code
/// the failing call returned). `CLAIMCHECK_RESULT_NULL_ARGUMENT` for NULL.
///
/// # Safety
/// `error` is NULL or a live error object.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_error_code(error: *const claimcheck_error) -> claimcheck_result {
    ffi_result! { try_ref!(error).code }
}

/// What is wrong, in one line (lowercase, the user's input in backticks).
/// The view lives as long as the error. Absent for NULL.
///
/// # Safety
/// `error` is NULL or a live error object.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_error_message(error: *const claimcheck_error) -> claimcheck_str {
    ffi_getter!(error, claimcheck_str::ABSENT, |e| claimcheck_str::view(&e.message))
}

/// Where the problem is, in words: `authentication.providers[1].audiences`,
/// `line 3, column 7` or `authorization.rules[2], column 14`. Absent when
/// unknown (an unreadable file) or for NULL. Lives as long as the error.
///
/// # Safety
/// `error` is NULL or a live error object.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_error_location(error: *const claimcheck_error) -> claimcheck_str {
    ffi_getter!(error, claimcheck_str::ABSENT, |e| claimcheck_str::view_opt(e.location.as_deref()))
}

/// The config field path (`authentication.providers[0].issuer`), when the
/// error is about one field; absent otherwise. Lives as long as the error.
///
/// # Safety
/// `error` is NULL or a live error object.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_error_path(error: *const claimcheck_error) -> claimcheck_str {
    ffi_getter!(error, claimcheck_str::ABSENT, |e| claimcheck_str::view_opt(e.path.as_deref()))
}

/// The 1-based line in the config text (syntax errors), or -1 when none.
///
/// # Safety
/// `error` is NULL or a live error object.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_error_line(error: *const claimcheck_error) -> i64 {
    ffi_getter!(error, -1, |e| e.line)
}

/// The 0-based index of the failing rule in `authorization.rules`, or -1
/// when the error is not about a rule.
///
/// # Safety
/// `error` is NULL or a live error object.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_error_rule(error: *const claimcheck_error) -> i64 {
    ffi_getter!(error, -1, |e| e.rule)
}

/// The 1-based column: in the rule text for rule errors, in the line for
/// syntax errors; -1 when unknown.
///
/// # Safety
/// `error` is NULL or a live error object.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_error_column(error: *const claimcheck_error) -> i64 {
    ffi_getter!(error, -1, |e| e.column)
}

/// Frees an error. NULL is a no-op. The error's string views die with it.
///
/// # Safety
/// `error` is NULL or an error object not freed before and not used after.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_error_free(error: *mut claimcheck_error) {
    ffi_free!(error)
}
