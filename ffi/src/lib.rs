//! The stable C ABI of claimcheck: `libclaimcheck.{so,a}` and
//! `include/claimcheck.h` (generated from this crate by the pinned cbindgen
//! in `ffi/header-gen`).
//!
//! The core crate forbids `unsafe`; every `unsafe` block of the project is
//! here, each with a `// SAFETY:` comment; the pointer checks and the panic
//! boundary every export goes through are in `boundary`. The conventions
//! (ownership, NULL, panics, out-params, growable structs, threads, reload)
//! are in `docs/c-api.md`; in short: every export NULL-checks its pointers
//! and runs inside a panic boundary, results are `uint32_t` codes,
//! out-params are written only on success, and errors are owned objects,
//! never a thread-local "last error".
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]
#![allow(non_camel_case_types)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic))]

// In the order the header presents them (ffi/header-gen groups the
// header's items by module): the engine, requests, decisions, results and
// errors, logging, key status, versions.
pub mod engine;
pub mod request;
pub mod decision;
pub mod error;
pub mod log;
pub mod keys;
pub mod version;
pub mod strings;

pub(crate) mod boundary;
pub(crate) mod handles;

#[cfg(test)]
mod tests;

pub use decision::*;
pub use engine::*;
pub use error::*;
pub use keys::*;
pub use log::*;
pub use request::*;
pub use strings::*;
pub use version::*;
