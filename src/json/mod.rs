//! JSON text, read without building values: the strict one-pass scanner
//! for token JSON, and base64url. The bottom layer of token parsing.

pub mod base64url;
pub(crate) mod scan;
