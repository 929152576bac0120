//! Versions: the library's, its JWT crypto and CEL dependencies', and the
//! ABI's. The compile-time macros `CLAIMCHECK_VERSION_MAJOR/MINOR/PATCH` and
//! `CLAIMCHECK_VERSION_STRING` are written into the header by
//! `ffi/header-gen` from this crate's Cargo.toml; a test checks they agree
//! with `claimcheck_version()`.

use std::ffi::c_char;

use crate::boundary::ffi_value;

/// The ABI version of this header. It changes only when an existing
/// declaration changes incompatibly (a struct layout other than an appended
/// field of a growable struct, a signature, a code's meaning); additions
/// keep it. Compare it with `claimcheck_abi_version()` when loading the
/// library, as the Go and Python bindings do. Version 2: `claimcheck_request`
/// and `claimcheck_provider_keys` start with a `size` field.
pub const CLAIMCHECK_ABI_VERSION: u32 = 2;

// The core and this crate are released together, with one version: the
// test `versions_agree_with_cargo_and_the_header` checks it.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
const CRYPTO_VERSION: &str = concat!(env!("CLAIMCHECK_CRYPTO_VERSION"), "\0");
const CEL_VERSION: &str = concat!(env!("CLAIMCHECK_CEL_VERSION"), "\0");

/// The library's version, for example `"0.1.0"`: a static NUL-terminated
/// string, never freed. Compare with `CLAIMCHECK_VERSION_STRING` to detect a
/// header/library mismatch.
#[no_mangle]
pub extern "C" fn claimcheck_version() -> *const c_char {
    ffi_value!(std::ptr::null(), VERSION.as_ptr().cast())
}

/// The version of `aws-lc-rs`, the crypto library that verifies token
/// signatures: a static NUL-terminated string.
#[no_mangle]
pub extern "C" fn claimcheck_version_crypto() -> *const c_char {
    ffi_value!(std::ptr::null(), CRYPTO_VERSION.as_ptr().cast())
}

/// The version of `cel`, the CEL implementation that evaluates rules: a
/// static NUL-terminated string.
#[no_mangle]
pub extern "C" fn claimcheck_version_cel() -> *const c_char {
    ffi_value!(std::ptr::null(), CEL_VERSION.as_ptr().cast())
}

/// The ABI version of the loaded library (`CLAIMCHECK_ABI_VERSION` of the
/// header it was built with).
#[no_mangle]
pub extern "C" fn claimcheck_abi_version() -> u32 {
    ffi_value!(0, CLAIMCHECK_ABI_VERSION)
}
