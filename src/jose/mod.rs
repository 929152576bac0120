//! JOSE (RFC 7515, 7518): the compact JWS form of a token, its header, and
//! the signature algorithms. Built on [`crate::json`].

pub mod algorithm;
mod header;
pub(crate) mod jws;
