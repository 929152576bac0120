//! The credential: finding it in a request and parsing its compact JWS form.

pub mod base64url;
pub mod extract;
mod header;
pub mod json;
pub mod jws;
pub(crate) mod scan;

pub use extract::{Credential, TokenSources};
pub use jws::{parse_compact, CompactJws, Header, TokenError};
