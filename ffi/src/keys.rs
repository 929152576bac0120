//! Per-provider key status: when keys were last fetched, how many, the last
//! error and fetch counts (the Rust API's `Engine::key_status`), as an
//! immutable snapshot.

use std::time::{SystemTime, UNIX_EPOCH};

use claimcheck_core::ProviderKeyStatus;

use crate::engine::claimcheck_engine;
use crate::error::{claimcheck_result, CLAIMCHECK_RESULT_NOT_FOUND, CLAIMCHECK_RESULT_NULL_ARGUMENT, CLAIMCHECK_RESULT_OK};
use crate::handles::{self, handle, try_ref, Handle};
use crate::panic;
use crate::strings::claimcheck_str;

/// A snapshot of every provider's key status, taken by
/// `claimcheck_engine_key_status`; free with `claimcheck_key_status_free`.
/// Immutable: readable from any thread.
pub struct claimcheck_key_status {
    magic: u64,
    items: Vec<ProviderKeyStatus>,
}

handle!(claimcheck_key_status, 0x636c_6d63_6b6b_7374);

/// One provider's key status. The string views live as long as the
/// snapshot they came from.
#[repr(C)]
pub struct claimcheck_provider_keys {
    /// The provider's name.
    pub provider: claimcheck_str,
    /// Where the keys come from: `inline`, a file path, a URL, or discovery.
    pub source: claimcheck_str,
    /// True for fetched keys (URL or discovery).
    pub remote: bool,
    /// True when this provider's tokens can be verified now; false means its
    /// decisions are 503 `keys_unavailable` (see `detail`).
    pub available: bool,
    /// Why keys are unavailable (`ptr` NULL when they are available).
    pub detail: claimcheck_str,
    /// Usable keys in the current set.
    pub key_count: usize,
    /// When the current key set was fetched, in seconds since the Unix epoch;
    /// -1 when never (or for keys from the config itself).
    pub last_fetched: f64,
    /// When the last fetch attempt started (seconds since the epoch), or -1.
    pub last_attempt: f64,
    /// The last fetch's error (`ptr` NULL once a fetch succeeds again).
    pub last_error: claimcheck_str,
    /// Fetches started, of any kind.
    pub fetches: u64,
    /// Fetches that failed.
    pub failed_fetches: u64,
    /// Fetches started because a token named an unknown `kid`.
    pub unknown_kid_refetches: u64,
    /// Unknown-`kid` refetches refused by the rate limit.
    pub refetches_suppressed: u64,
}

fn seconds(t: Option<SystemTime>) -> f64 {
    t.and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(-1.0, |d| d.as_secs_f64())
}

/// Takes a snapshot of every provider's key status and writes it to
/// `*status_out` (owned by the caller; free with `claimcheck_key_status_free`).
///
/// # Safety
/// `engine` is NULL or a live engine; `status_out` is NULL or valid for a
/// pointer write.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_engine_key_status(
    engine: *const claimcheck_engine,
    status_out: *mut *mut claimcheck_key_status,
) -> claimcheck_result {
    panic::result(|| {
        // SAFETY: NULL or a live engine, by the contract above.
        let engine = match unsafe { try_ref(engine) } {
            Ok(e) => e,
            Err(code) => return code,
        };
        if status_out.is_null() {
            return CLAIMCHECK_RESULT_NULL_ARGUMENT;
        }
        let snapshot = claimcheck_key_status { magic: claimcheck_key_status::MAGIC, items: engine.engine.key_status() };
        // SAFETY: non-NULL and valid for writes, by the contract above.
        unsafe { *status_out = handles::into_raw(snapshot) };
        CLAIMCHECK_RESULT_OK
    })
}

/// The number of providers in the snapshot (0 for NULL).
///
/// # Safety
/// `status` is NULL or a live snapshot.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_key_status_count(status: *const claimcheck_key_status) -> usize {
    // SAFETY: NULL or a live snapshot, by the contract above.
    panic::value(0, || unsafe { try_ref(status) }.map_or(0, |s| s.items.len()))
}

/// Writes provider number `index` (0-based, in config order) to `*out`; its
/// string views live as long as the snapshot. `CLAIMCHECK_RESULT_NOT_FOUND`
/// when `index` is past the end (nothing written).
///
/// # Safety
/// `status` is NULL or a live snapshot; `out` is NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_key_status_get(
    status: *const claimcheck_key_status,
    index: usize,
    out: *mut claimcheck_provider_keys,
) -> claimcheck_result {
    panic::result(|| {
        // SAFETY: NULL or a live snapshot, by the contract above.
        let status = match unsafe { try_ref(status) } {
            Ok(s) => s,
            Err(code) => return code,
        };
        if out.is_null() {
            return CLAIMCHECK_RESULT_NULL_ARGUMENT;
        }
        let Some(s) = status.items.get(index) else { return CLAIMCHECK_RESULT_NOT_FOUND };
        let value = claimcheck_provider_keys {
            provider: claimcheck_str::view(&s.provider),
            source: claimcheck_str::view(&s.source),
            remote: s.remote,
            available: s.available,
            detail: claimcheck_str::view_opt(s.detail.as_deref()),
            key_count: s.key_count,
            last_fetched: seconds(s.last_fetched),
            last_attempt: seconds(s.last_attempt),
            last_error: claimcheck_str::view_opt(s.last_error.as_deref()),
            fetches: s.fetches,
            failed_fetches: s.failed_fetches,
            unknown_kid_refetches: s.unknown_kid_refetches,
            refetches_suppressed: s.refetches_suppressed,
        };
        // SAFETY: non-NULL and valid for writes, by the contract above.
        unsafe { out.write(value) };
        CLAIMCHECK_RESULT_OK
    })
}

/// Frees a key status snapshot. NULL is a no-op.
///
/// # Safety
/// `status` is NULL or a snapshot not freed before and not used after.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_key_status_free(status: *mut claimcheck_key_status) {
    // SAFETY: NULL or an owned snapshot handed back once, by the contract above.
    panic::value((), || unsafe { handles::free(status) })
}
