//! The config: its schema, loading from YAML or JSON (the native shape,
//! agentgateway `policies:`, Kubernetes resources, IdP presets), and errors
//! that say what is wrong and where, in the paths the user wrote.

pub mod agentgateway;
pub mod duration;
pub mod error;
pub(crate) mod gloo;
pub(crate) mod kubernetes;
pub mod load;
// Only `claimcheck convert` writes a config back.
#[cfg(any(test, feature = "cli", feature = "test-hooks"))]
pub mod native;
pub mod origin;
pub(crate) mod presets;
pub mod rules;
pub mod schema;
pub(crate) mod url;

pub use error::{ConfigError, ConfigErrorKind};
