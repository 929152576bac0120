//! claimcheck: an embeddable authorization engine for API and AI gateways.
//!
//! Load one config (identity providers and CEL rules) into an [`Engine`],
//! then for each request hand over a [`Request`] and get a [`Decision`]:
//! allow, or deny with the HTTP status, a stable [`Reason`], the
//! `WWW-Authenticate` value and the verified [`Identity`].
//!
//! ```
//! use claimcheck::{Engine, Request};
//! let engine = Engine::new(r#"
//! authentication:
//!   mode: strict
//!   providers: []
//! "#).unwrap();
//! let decision = engine.authorize(&Request::default());
//! assert_eq!(decision.status, 401);
//! assert_eq!(decision.reason.as_str(), "missing_token");
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)
)]
#![warn(missing_docs)]

// The internals, in the order they depend on each other (each uses only
// those above it; `tests/layers.rs` fails on any cycle): leaves, JSON text,
// claims, JOSE, keys, identity, verification, credentials, rules, config,
// decisions, engine.
mod log;
mod reason;
mod request;
mod suggest;
mod unique_json;
mod json;
mod claims;
mod jose;
mod keys;
mod identity;
mod verify;
mod credential;
mod rules;
mod config;
mod decision;
mod engine;

#[cfg(any(test, feature = "dev-keys"))]
pub mod dev;

#[cfg(feature = "cli")]
pub mod cli;

#[cfg(feature = "test-hooks")]
pub mod test_hooks;

pub use config::{ConfigError, ConfigErrorKind};
pub use credential::{CredentialKind, CredentialSource};
pub use decision::Decision;
pub use engine::{Engine, InvalidTime};
pub use identity::{ClaimList, Claims, Identity, Scopes};
pub use keys::ProviderKeyStatus;
pub use log::{LogLevel, LogSink, MAX_MESSAGE_BYTES};
pub use reason::Reason;
pub use request::{Attribute, AttributeValue, Request};

/// This library's version (from Cargo.toml).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
