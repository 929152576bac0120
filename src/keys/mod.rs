//! Verification keys: JWKs parsed once into ready-to-use keys, key sets, and
//! where a provider's key set comes from.

pub mod jwk;
pub mod keyset;
mod roca;
pub mod source;

pub use jwk::VerifyingKey;
pub use keyset::{KeyChoiceError, KeySet, KeySetError};
pub use source::{KeySource, ProviderKeys};
