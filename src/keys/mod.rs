//! Verification keys: JWKs parsed once into ready-to-use keys, key sets, and
//! where a provider's key set comes from (inline, a file, or fetched).

pub mod jwk;
pub mod keyset;
pub mod remote;
mod roca;
pub mod source;

pub use keyset::{KeyChoiceError, KeySet};
pub use remote::{ProviderKeyStatus, RemoteRegistry};
pub use source::{KeySource, ProviderKeys};
