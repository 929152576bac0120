//! Per-provider key status: when keys were last fetched, how many, the last
//! error and fetch counts (the Rust API's `Engine::key_status`), as an
//! immutable snapshot read one provider at a time into a growable struct
//! (`claimcheck_provider_keys`, with a leading `size`).

use std::time::{SystemTime, UNIX_EPOCH};

use claimcheck_core::ProviderKeyStatus;

use crate::boundary::{ffi_free, ffi_getter, ffi_result, try_out, try_ref, try_sized_out, Growable};
use crate::engine::claimcheck_engine;
use crate::error::{claimcheck_result, CLAIMCHECK_RESULT_NOT_FOUND, CLAIMCHECK_RESULT_OK};
use crate::handles::{self, handle};
use crate::strings::claimcheck_str;

/// A snapshot of every provider's key status, taken by
/// `claimcheck_engine_key_status`; free with `claimcheck_key_status_free`.
/// Immutable: readable from any thread.
pub struct claimcheck_key_status {
    items: Vec<ProviderKeyStatus>,
}
handle!(claimcheck_key_status);

/// One provider's key status, filled in by `claimcheck_key_status_get`. The
/// string views live as long as the snapshot they came from.
///
/// Growable: initialise it with `CLAIMCHECK_PROVIDER_KEYS_INIT`, which sets
/// `size`; the library fills in only the fields that size covers, so fields
/// added by a later version never overwrite memory of a host compiled
/// against this header.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct claimcheck_provider_keys {
    /// `sizeof(claimcheck_provider_keys)` as the host compiled it, set by
    /// `CLAIMCHECK_PROVIDER_KEYS_INIT`; never written by the library.
    pub size: usize,
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

/// The sizes of `claimcheck_provider_keys` this library writes: one per
/// layout ever published, smallest first (ABI 2: the struct as declared).
/// A field added later is appended after the last one, and the old size
/// stays in this list (docs/c-api.md, "Growable structs").
pub(crate) const PROVIDER_KEYS_SIZES: [usize; 1] = [std::mem::size_of::<claimcheck_provider_keys>()];

// SAFETY: `#[repr(C)]`, `size: usize` first, every field (views, bools,
// integers, floats) valid when zero; one layout so far, the current one.
unsafe impl Growable for claimcheck_provider_keys {
    const SIZES: &'static [usize] = &PROVIDER_KEYS_SIZES;
}

impl Default for claimcheck_provider_keys {
    /// What `CLAIMCHECK_PROVIDER_KEYS_INIT` gives a C host: the current size,
    /// every other field empty.
    fn default() -> Self {
        claimcheck_provider_keys {
            size: std::mem::size_of::<claimcheck_provider_keys>(),
            provider: claimcheck_str::ABSENT,
            source: claimcheck_str::ABSENT,
            remote: false,
            available: false,
            detail: claimcheck_str::ABSENT,
            key_count: 0,
            last_fetched: 0.0,
            last_attempt: 0.0,
            last_error: claimcheck_str::ABSENT,
            fetches: 0,
            failed_fetches: 0,
            unknown_kid_refetches: 0,
            refetches_suppressed: 0,
        }
    }
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
    ffi_result! {
        let engine = try_ref!(engine);
        let out = try_out!(status_out);
        out.write(handles::into_raw(claimcheck_key_status { items: engine.engine.key_status() }));
        CLAIMCHECK_RESULT_OK
    }
}

/// The number of providers in the snapshot (0 for NULL).
///
/// # Safety
/// `status` is NULL or a live snapshot.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_key_status_count(status: *const claimcheck_key_status) -> usize {
    ffi_getter!(status, 0, |s| s.items.len())
}

/// Fills in `*out` with provider number `index` (0-based, in config order);
/// its string views live as long as the snapshot. `out->size` must be set
/// (`claimcheck_provider_keys keys = CLAIMCHECK_PROVIDER_KEYS_INIT;`): the
/// library writes only the fields that size covers and never `size` itself.
///
/// Returns `CLAIMCHECK_RESULT_NOT_FOUND` when `index` is past the end,
/// `CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE` when `out->size` is not a
/// size this library knows (0, too small, or larger than its struct), and
/// `CLAIMCHECK_RESULT_NULL_ARGUMENT` for NULL; on failure nothing is written.
///
/// # Safety
/// `status` is NULL or a live snapshot; `out` is NULL or points to a struct
/// of `out->size` bytes, valid for reads and writes.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_key_status_get(
    status: *const claimcheck_key_status,
    index: usize,
    out: *mut claimcheck_provider_keys,
) -> claimcheck_result {
    ffi_result! {
        let status = try_ref!(status);
        let out = try_sized_out!(out);
        let Some(s) = status.items.get(index) else { return CLAIMCHECK_RESULT_NOT_FOUND };
        out.write(claimcheck_provider_keys {
            size: 0, // not written: the host's own size stays
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
        });
        CLAIMCHECK_RESULT_OK
    }
}

/// Frees a key status snapshot. NULL is a no-op.
///
/// # Safety
/// `status` is NULL or a snapshot not freed before and not used after.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_key_status_free(status: *mut claimcheck_key_status) {
    ffi_free!(status)
}
