//! The stable C ABI of claimcheck: `libclaimcheck.{so,a}` and
//! `include/claimcheck.h` (generated from this crate by the pinned cbindgen
//! in `ffi/header-gen`).
//!
//! The core crate forbids `unsafe`; every `unsafe` block of the project is
//! here, each with a `// SAFETY:` comment. The conventions (ownership, NULL,
//! panics, out-params, threads, reload) are in `docs/c-api.md`; in short:
//! every export NULL-checks its pointers and runs inside a panic boundary,
//! results are `uint32_t` codes, out-params are written only on success, and
//! errors are owned objects, never a thread-local "last error".
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]
#![allow(non_camel_case_types)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic))]

pub mod decision;
pub mod engine;
pub mod error;
pub mod handles;
pub mod keys;
pub mod log;
pub mod panic;
pub mod request;
pub mod strings;
pub mod version;

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
