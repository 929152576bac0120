//! Verification: the signature check and the claim checks.

pub mod claims;
pub mod signature;

