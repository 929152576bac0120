//! The config: its schema, loading from YAML or JSON, and errors that say
//! what is wrong and where.

pub mod agentgateway;
pub mod duration;
pub mod error;
pub mod load;
pub mod rules;
pub mod schema;
pub(crate) mod url;

pub use error::{ConfigError, ConfigErrorKind};
