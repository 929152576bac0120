//! The log callback: the engine's warnings and errors (skipped keys, key
//! fetch failures, failed reloads, rule evaluation errors) delivered to the
//! host, wasmtime-style: a function pointer, a `void *userdata`, and an
//! optional finalizer for the userdata.

use std::ffi::{c_char, c_void};
use std::sync::{Arc, Mutex, PoisonError};

use claimcheck_core::LogLevel;

use crate::engine::claimcheck_engine;
use crate::boundary::{ffi_result, try_ref};
use crate::error::{claimcheck_result, CLAIMCHECK_RESULT_OK};

/// A log level: one of the `CLAIMCHECK_LOG_*` values.
pub type claimcheck_log_level = u32;
/// Details useful while debugging.
pub const CLAIMCHECK_LOG_DEBUG: claimcheck_log_level = 1;
/// Normal operation worth recording (keys refreshed, ...).
pub const CLAIMCHECK_LOG_INFO: claimcheck_log_level = 2;
/// Something was skipped or degraded (a key could not be parsed, ...).
pub const CLAIMCHECK_LOG_WARN: claimcheck_log_level = 3;
/// Something failed (a key fetch, a reload, a rule evaluation, ...).
pub const CLAIMCHECK_LOG_ERROR: claimcheck_log_level = 4;

/// Receives one engine message: `level` is a `CLAIMCHECK_LOG_*` value and
/// the message is `len` bytes of UTF-8 at `msg`, followed by a NUL (so it
/// may also be used as a C string). `msg` is valid only during the call.
///
/// Called from any thread: the threads calling authorize or reload, and the
/// library's background key-refresh threads, possibly several at once. It
/// must not call back into the same engine's `claimcheck_engine_set_logger`.
pub type claimcheck_log_callback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, level: claimcheck_log_level, msg: *const c_char, len: usize)>;

/// Called once with the callback's `userdata` after its last use: when the
/// callback is replaced or the engine is freed. Any thread may call it.
pub type claimcheck_finalizer = Option<unsafe extern "C" fn(userdata: *mut c_void)>;

/// One registration: the callback, its userdata and its finalizer.
pub(crate) struct Registration {
    callback: unsafe extern "C" fn(*mut c_void, claimcheck_log_level, *const c_char, usize),
    userdata: *mut c_void,
    finalizer: claimcheck_finalizer,
}

// SAFETY: the header makes it the host's contract that the callback and
// finalizer may be called from any thread with this userdata.
unsafe impl Send for Registration {}
// SAFETY: as above; the registration itself is never mutated.
unsafe impl Sync for Registration {}

impl Registration {
    fn deliver(&self, level: LogLevel, message: &str) {
        // NUL-terminated copy, so C hosts can printf("%s") it; messages are
        // rare (warnings, errors), so the copy costs nothing that matters.
        let mut bytes = Vec::with_capacity(message.len() + 1);
        bytes.extend_from_slice(message.as_bytes());
        bytes.push(0);
        let level = match level {
            LogLevel::Debug => CLAIMCHECK_LOG_DEBUG,
            LogLevel::Info => CLAIMCHECK_LOG_INFO,
            LogLevel::Warn => CLAIMCHECK_LOG_WARN,
            LogLevel::Error => CLAIMCHECK_LOG_ERROR,
        };
        // SAFETY: the host registered this callback for this userdata; the
        // message pointer is valid for `len + 1` bytes during the call.
        unsafe { (self.callback)(self.userdata, level, bytes.as_ptr().cast(), message.len()) }
    }
}

/// The engine's current registration, also held by the FFI layer so that it
/// can log messages of its own (a request of an unsupported size) to the
/// same callback. Only those rare messages read it; the engine's own
/// messages go through the sink registered with the core.
#[derive(Default)]
pub(crate) struct LogSlot(Mutex<Option<Arc<Registration>>>);

impl LogSlot {
    /// Delivers `message` to the registered callback, if any. The callback
    /// runs outside the lock.
    pub(crate) fn log(&self, level: LogLevel, message: &str) {
        let registration = self.0.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(registration) = registration {
            registration.deliver(level, message);
        }
    }

    /// Registers `registration` (or none) with the engine and here, as one
    /// step for concurrent callers. The previous registration is dropped
    /// after the lock is released: its finalizer runs once its last holder
    /// (an in-flight message) lets go.
    fn replace(&self, engine: &claimcheck_core::Engine, registration: Option<Arc<Registration>>) {
        let previous = {
            let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            let sink = registration.clone().map(|r| {
                Arc::new(move |level, message: &str| r.deliver(level, message)) as claimcheck_core::LogSink
            });
            engine.set_logger(sink);
            std::mem::replace(&mut *slot, registration)
        };
        drop(previous);
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(finalizer) = self.finalizer {
            // SAFETY: the host registered this finalizer for this userdata;
            // dropping happens once, after the last `deliver`.
            unsafe { finalizer(self.userdata) }
        }
    }
}

/// Registers the engine's log callback, replacing the previous one (whose
/// finalizer then runs once its in-flight calls have returned). A NULL
/// `callback` removes the callback (then `userdata` is ignored and
/// `finalizer`, if given, is called at once with it).
///
/// `userdata` is passed unchanged to every call of `callback` and finally to
/// `finalizer` (may be NULL), which runs exactly once, after the last call of
/// `callback`: when the callback is replaced or removed, or when the engine
/// is freed (if a background key refresh is still finishing, a little later,
/// from that thread).
///
/// # Safety
/// `engine` is NULL or a live engine; `callback` and `finalizer` are NULL or
/// functions safe to call from any thread with `userdata`.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_engine_set_logger(
    engine: *const claimcheck_engine,
    userdata: *mut c_void,
    callback: claimcheck_log_callback,
    finalizer: claimcheck_finalizer,
) -> claimcheck_result {
    ffi_result! {
        let engine = try_ref!(engine);
        let Some(callback) = callback else {
            engine.log.replace(&engine.engine, None);
            // The dropped registration (if any) ran its own finalizer; this
            // call's userdata was never registered, so finalize it now.
            drop(Registration { callback: noop, userdata, finalizer });
            return CLAIMCHECK_RESULT_OK;
        };
        engine.log.replace(&engine.engine, Some(Arc::new(Registration { callback, userdata, finalizer })));
        CLAIMCHECK_RESULT_OK
    }
}

unsafe extern "C" fn noop(_: *mut c_void, _: claimcheck_log_level, _: *const c_char, _: usize) {}
