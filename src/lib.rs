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

pub mod claims;
pub mod config;
pub mod decision;
pub mod dev;
pub mod engine;
pub mod identity;
pub mod keys;
pub mod log;
pub mod request;
pub mod rules;
pub mod token;
mod unique_json;
pub mod verify;

pub use config::{ConfigError, ConfigErrorKind};
pub use decision::{CredentialKind, CredentialSource, Decision, Reason};
pub use engine::{Engine, InvalidTime};
pub use identity::{Claims, Identity, Scopes};
pub use keys::ProviderKeyStatus;
pub use log::{LogLevel, LogSink};
pub use request::{Attribute, AttributeValue, Request};

/// This library's version (from Cargo.toml).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
