//! Hooks for this repository's conformance suites, benchmarks and tests
//! (feature `test-hooks`): internals they drive directly. Not an API; it
//! changes with the internals.

pub use crate::config::load::parse_config;
pub use crate::config::native::native_tree;
pub use crate::jose::algorithm::{Algorithm, AlgorithmSet};
pub use crate::json::base64url;
pub use crate::keys::jwk::parse_jwk;
pub use crate::keys::remote::live_refresher_threads;
pub use crate::keys::keyset::KeySetError;
pub use crate::keys::KeySet;
pub use crate::rules::{conformance, RuleInput, RuleKind, RuleLimits, RuleSet, RuleSpec};
pub use crate::verify::signature::verify_compact_jws;
