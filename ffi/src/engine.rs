//! The engine handle: create from config text or a file, reload, free, and
//! the load warnings.
//!
//! An engine is immutable from C's point of view: every call that uses one
//! takes `const claimcheck_engine *`, and any number of threads may make such
//! calls at once. A reload swaps the config atomically inside the engine.

use std::ffi::c_char;
use std::sync::atomic::AtomicBool;

use claimcheck_core::Engine;

use crate::boundary::{ffi_free, ffi_getter, ffi_result, try_out, try_ref, try_str};
use crate::error::{claimcheck_error, claimcheck_result, report, CLAIMCHECK_RESULT_NOT_FOUND, CLAIMCHECK_RESULT_OK};
use crate::handles::{self, handle};
use crate::log::LogSlot;
use crate::strings::claimcheck_str;

/// An authorization engine built from one config. Thread-safe: a
/// `const claimcheck_engine *` may be used by any number of threads at once
/// (authorize, reload, set the logger, read warnings and key status). Free
/// it once, after every other call on it has returned, with
/// `claimcheck_engine_free`.
pub struct claimcheck_engine {
    pub(crate) engine: Engine,
    /// The log callback, for the FFI layer's own messages (dropped after
    /// `engine`, so the finalizer runs after the engine's last message).
    pub(crate) log: LogSlot,
    /// Set once a request of an unsupported size has been logged, so a host
    /// built against another header logs it once, not once per request.
    pub(crate) size_logged: AtomicBool,
}
handle!(claimcheck_engine);

/// A snapshot of the warnings of an engine's last successful load (skipped
/// keys, ignored agentgateway fields, ...). Owned by the caller; free it with
/// `claimcheck_warnings_free`. Immutable: readable from any thread.
pub struct claimcheck_warnings {
    items: Vec<String>,
}
handle!(claimcheck_warnings);

/// Hands a new engine to C, or reports the config error.
///
/// # Safety
/// `error_out` is NULL or valid for a pointer write.
unsafe fn hand_out(
    built: Result<Engine, claimcheck_core::ConfigError>,
    engine_out: &mut std::mem::MaybeUninit<*mut claimcheck_engine>,
    error_out: *mut *mut claimcheck_error,
) -> claimcheck_result {
    match built {
        Ok(engine) => {
            engine_out.write(handles::into_raw(claimcheck_engine { engine, log: LogSlot::default(), size_logged: AtomicBool::new(false) }));
            CLAIMCHECK_RESULT_OK
        }
        // SAFETY: `error_out` is NULL or valid for writes, by the caller's contract.
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
    ffi_result! {
        let out = try_out!(engine_out);
        let text = try_str!(config, config_len);
        // SAFETY: `error_out` per the contract above.
        unsafe { hand_out(Engine::new(text), out, error_out) }
    }
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
    ffi_result! {
        let out = try_out!(engine_out);
        let path = try_str!(path, path_len);
        // SAFETY: `error_out` per the contract above.
        unsafe { hand_out(Engine::from_file(path), out, error_out) }
    }
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
    ffi_result! {
        let engine = try_ref!(engine);
        let text = try_str!(config, config_len);
        match engine.engine.reload(text) {
            Ok(()) => CLAIMCHECK_RESULT_OK,
            // SAFETY: `error_out` is NULL or valid for writes, per the contract above.
            Err(e) => unsafe { report(&e, error_out) },
        }
    }
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
    ffi_result! {
        let engine = try_ref!(engine);
        let path = try_str!(path, path_len);
        match engine.engine.reload_file(path) {
            Ok(()) => CLAIMCHECK_RESULT_OK,
            // SAFETY: `error_out` is NULL or valid for writes, per the contract above.
            Err(e) => unsafe { report(&e, error_out) },
        }
    }
}

/// Frees an engine. NULL is a no-op. Call it once, after every other call on
/// this engine (in any thread) has returned. Decisions, errors and snapshots
/// it handed out stay valid (they own their data). The log callback's
/// finalizer runs after the callback's last call (see
/// `claimcheck_engine_set_logger`).
///
/// # Safety
/// `engine` is NULL or an engine not freed before and not used after.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_engine_free(engine: *mut claimcheck_engine) {
    ffi_free!(engine)
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
    ffi_result! {
        let engine = try_ref!(engine);
        let out = try_out!(warnings_out);
        out.write(handles::into_raw(claimcheck_warnings { items: engine.engine.warnings() }));
        CLAIMCHECK_RESULT_OK
    }
}

/// The number of warnings in the snapshot (0 for NULL).
///
/// # Safety
/// `warnings` is NULL or a live warnings snapshot.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_warnings_count(warnings: *const claimcheck_warnings) -> usize {
    ffi_getter!(warnings, 0, |w| w.items.len())
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
    ffi_result! {
        let warnings = try_ref!(warnings);
        let out = try_out!(warning_out);
        let Some(item) = warnings.items.get(index) else { return CLAIMCHECK_RESULT_NOT_FOUND };
        out.write(claimcheck_str::view(item));
        CLAIMCHECK_RESULT_OK
    }
}

/// Frees a warnings snapshot. NULL is a no-op.
///
/// # Safety
/// `warnings` is NULL or a snapshot not freed before and not used after.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_warnings_free(warnings: *mut claimcheck_warnings) {
    ffi_free!(warnings)
}
