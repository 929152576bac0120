//! Verification: algorithms, the signature check, and claim checks.

pub mod algorithm;
pub mod claims;
pub mod signature;

pub use algorithm::{Algorithm, AlgorithmSet};
pub use claims::{AudienceCheck, ClaimPolicy};
pub use signature::{verify_compact_jws, verify_signature};
