//! The engine handle: create from config text or a file, reload, free, and
//! the load warnings.
//!
//! An engine is immutable from C's point of view: every call that uses one
//! takes `const claimcheck_engine *`, and any number of threads may make such
//! calls at once. A reload swaps the config atomically inside the engine.

use std::ffi::c_char;

use claimcheck_core::Engine;

use crate::error::{claimcheck_error, claimcheck_result, report, CLAIMCHECK_RESULT_NOT_FOUND, CLAIMCHECK_RESULT_NULL_ARGUMENT, CLAIMCHECK_RESULT_OK};
use crate::handles::{self, handle, try_ref, Handle};
use crate::panic;
use crate::strings::{claimcheck_str, input};

/// An authorization engine built from one config. Thread-safe: a
/// `const claimcheck_engine *` may be used by any number of threads at once
/// (authorize, reload, set the logger, read warnings). Free it once, after
/// every other call on it has returned, with `claimcheck_engine_free`.
pub struct claimcheck_engine {
    magic: u64,
    pub(crate) engine: Engine,
}
handle!(claimcheck_engine, 0x636c_6d63_6b65_6e67);

/// A snapshot of the warnings of an engine's last successful load (skipped
/// keys, ignored agentgateway fields, ...). Owned by the caller; free it with
/// `claimcheck_warnings_free`. Immutable: readable from any thread.
pub struct claimcheck_warnings {
    magic: u64,
    items: Vec<String>,
}
handle!(claimcheck_warnings, 0x636c_6d63_6b77_726e);

/// Hands a new engine to C, or reports the config error.
///
/// # Safety
/// `engine_out` is valid for writes; `error_out` is NULL or valid for writes.
unsafe fn hand_out(
    built: Result<Engine, claimcheck_core::ConfigError>,
    engine_out: *mut *mut claimcheck_engine,
    error_out: *mut *mut claimcheck_error,
) -> claimcheck_result {
    match built {
        Ok(engine) => {
            let handle = handles::into_raw(claimcheck_engine { magic: claimcheck_engine::MAGIC, engine });
            // SAFETY: checked non-NULL by the caller; valid for writes by the header's contract.
            unsafe { *engine_out = handle };
            CLAIMCHECK_RESULT_OK
        }
        // SAFETY: `error_out` is NULL or valid for writes, by the header's contract.
        Err(e) => unsafe { report(&e, error_out) },
    }
}

/// Creates an engine from config text (YAML or JSON), `config_len` bytes at
/// `config` (no NUL terminator needed). Relative key file paths resolve
/// against the current directory.
///
/// On success writes the new engine to `*engine_out` and returns
/// `CLAIMCHECK_RESULT_OK`; the caller owns it. When the config cannot be
/// loaded, returns its `CLAIMCHECK_RESULT_CONFIG_*`/`_RULE_INVALID`/
/// `_KEYS_INVALID`/`_IO` code and, if `error_out` is not NULL, writes an owned
/// `claimcheck_error` there (free it with `claimcheck_error_free`). On
/// argument errors (NULL `engine_out`, NULL `config` with a non-zero length,
/// invalid UTF-8) returns that code and writes nothing.
///
/// # Safety
/// `config` points to `config_len` readable bytes (or is NULL with length 0);
/// `engine_out` and a non-NULL `error_out` are valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_engine_new(
    config: *const c_char,
    config_len: usize,
    engine_out: *mut *mut claimcheck_engine,
    error_out: *mut *mut claimcheck_error,
) -> claimcheck_result {
    panic::result(|| {
        if engine_out.is_null() {
            return CLAIMCHECK_RESULT_NULL_ARGUMENT;
        }
        // SAFETY: pointer and length from the caller, per the contract above.
        let text = match unsafe { input(config, config_len) } {
            Ok(t) => t,
            Err(code) => return code,
        };
        // SAFETY: `engine_out` is non-NULL; both out-pointers per the contract above.
        unsafe { hand_out(Engine::new(text), engine_out, error_out) }
    })
}

/// Creates an engine from a config file, path given as `path_len` UTF-8
/// bytes at `path` (no NUL terminator needed). Relative key files resolve
/// against the config file's directory. Results and out-params as
/// `claimcheck_engine_new` (an unreadable file is `CLAIMCHECK_RESULT_IO`).
///
/// # Safety
/// As `claimcheck_engine_new`, with `path`/`path_len` in place of the config.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_engine_from_file(
    path: *const c_char,
    path_len: usize,
    engine_out: *mut *mut claimcheck_engine,
    error_out: *mut *mut claimcheck_error,
) -> claimcheck_result {
    panic::result(|| {
        if engine_out.is_null() {
            return CLAIMCHECK_RESULT_NULL_ARGUMENT;
        }
        // SAFETY: pointer and length from the caller, per the contract above.
        let path = match unsafe { input(path, path_len) } {
            Ok(t) => t,
            Err(code) => return code,
        };
        // SAFETY: `engine_out` is non-NULL; both out-pointers per the contract above.
        unsafe { hand_out(Engine::from_file(path), engine_out, error_out) }
    })
}

/// Replaces the engine's config with new config text, atomically: calls
/// already running finish on the old config, later ones use the new one.
/// If the new config does not load, the old one keeps serving, the error is
/// returned (and written to `*error_out` when it is not NULL) and is also
/// sent to the log callback. Safe to call while other threads authorize.
///
/// # Safety
/// `engine` is NULL or a live engine; `config` points to `config_len`
/// readable bytes (or is NULL with length 0); `error_out` is NULL or valid
/// for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_engine_reload(
    engine: *const claimcheck_engine,
    config: *const c_char,
    config_len: usize,
    error_out: *mut *mut claimcheck_error,
) -> claimcheck_result {
    panic::result(|| {
        // SAFETY: NULL or a live engine, by the contract above.
        let engine = match unsafe { try_ref(engine) } {
            Ok(e) => e,
            Err(code) => return code,
        };
        // SAFETY: pointer and length from the caller, per the contract above.
        let text = match unsafe { input(config, config_len) } {
            Ok(t) => t,
            Err(code) => return code,
        };
        match engine.engine.reload(text) {
            Ok(()) => CLAIMCHECK_RESULT_OK,
            // SAFETY: `error_out` is NULL or valid for writes, per the contract above.
            Err(e) => unsafe { report(&e, error_out) },
        }
    })
}

/// Like `claimcheck_engine_reload`, reading the config from a file (relative
/// key files resolve against its directory).
///
/// # Safety
/// As `claimcheck_engine_reload`, with `path`/`path_len` in place of the config.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_engine_reload_file(
    engine: *const claimcheck_engine,
    path: *const c_char,
    path_len: usize,
    error_out: *mut *mut claimcheck_error,
) -> claimcheck_result {
    panic::result(|| {
        // SAFETY: NULL or a live engine, by the contract above.
        let engine = match unsafe { try_ref(engine) } {
            Ok(e) => e,
            Err(code) => return code,
        };
        // SAFETY: pointer and length from the caller, per the contract above.
        let path = match unsafe { input(path, path_len) } {
            Ok(t) => t,
            Err(code) => return code,
        };
        match engine.engine.reload_file(path) {
            Ok(()) => CLAIMCHECK_RESULT_OK,
            // SAFETY: `error_out` is NULL or valid for writes, per the contract above.
            Err(e) => unsafe { report(&e, error_out) },
        }
    })
}

/// Frees an engine. NULL is a no-op. Call it once, after every other call on
/// this engine (in any thread) has returned. Decisions and errors it handed
/// out stay valid (they own their data). The log callback's finalizer runs
/// after the callback's last call (see `claimcheck_engine_set_logger`).
///
/// # Safety
/// `engine` is NULL or an engine not freed before and not used after.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_engine_free(engine: *mut claimcheck_engine) {
    // SAFETY: NULL or an owned engine handed back once, by the contract above.
    panic::value((), || unsafe { handles::free(engine) })
}

/// Takes a snapshot of the warnings of the engine's last successful load
/// (creation or reload) and writes it to `*warnings_out` (owned by the
/// caller; free with `claimcheck_warnings_free`).
///
/// # Safety
/// `engine` is NULL or a live engine; `warnings_out` is NULL or valid for a
/// pointer write.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_engine_warnings(
    engine: *const claimcheck_engine,
    warnings_out: *mut *mut claimcheck_warnings,
) -> claimcheck_result {
    panic::result(|| {
        // SAFETY: NULL or a live engine, by the contract above.
        let engine = match unsafe { try_ref(engine) } {
            Ok(e) => e,
            Err(code) => return code,
        };
        if warnings_out.is_null() {
            return CLAIMCHECK_RESULT_NULL_ARGUMENT;
        }
        let snapshot = claimcheck_warnings { magic: claimcheck_warnings::MAGIC, items: engine.engine.warnings() };
        // SAFETY: non-NULL and valid for writes, by the contract above.
        unsafe { *warnings_out = handles::into_raw(snapshot) };
        CLAIMCHECK_RESULT_OK
    })
}

/// The number of warnings in the snapshot (0 for NULL).
///
/// # Safety
/// `warnings` is NULL or a live warnings snapshot.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_warnings_count(warnings: *const claimcheck_warnings) -> usize {
    // SAFETY: NULL or a live snapshot, by the contract above.
    panic::value(0, || unsafe { try_ref(warnings) }.map_or(0, |w| w.items.len()))
}

/// Writes a view of warning number `index` (0-based) to `*warning_out`; the
/// view lives as long as the snapshot. `CLAIMCHECK_RESULT_NOT_FOUND` when
/// `index` is past the end (nothing written).
///
/// # Safety
/// `warnings` is NULL or a live snapshot; `warning_out` is NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_warnings_get(
    warnings: *const claimcheck_warnings,
    index: usize,
    warning_out: *mut claimcheck_str,
) -> claimcheck_result {
    panic::result(|| {
        // SAFETY: NULL or a live snapshot, by the contract above.
        let warnings = match unsafe { try_ref(warnings) } {
            Ok(w) => w,
            Err(code) => return code,
        };
        if warning_out.is_null() {
            return CLAIMCHECK_RESULT_NULL_ARGUMENT;
        }
        let Some(item) = warnings.items.get(index) else { return CLAIMCHECK_RESULT_NOT_FOUND };
        // SAFETY: non-NULL and valid for writes, by the contract above.
        unsafe { *warning_out = claimcheck_str::view(item) };
        CLAIMCHECK_RESULT_OK
    })
}

/// Frees a warnings snapshot. NULL is a no-op.
///
/// # Safety
/// `warnings` is NULL or a snapshot not freed before and not used after.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_warnings_free(warnings: *mut claimcheck_warnings) {
    // SAFETY: NULL or an owned snapshot handed back once, by the contract above.
    panic::value((), || unsafe { handles::free(warnings) })
}
