//! Where a provider's keys come from, and access to the current key set.

use std::path::PathBuf;
use std::sync::Arc;

use super::keyset::KeySet;

/// The configured origin of a provider's keys.
#[derive(Debug, Clone, PartialEq)]
pub enum KeySource {
    /// `jwks.inline`: the JWKS text, in the config.
    Inline,
    /// `jwks.file`: a JWKS file, read when the config loads.
    File(PathBuf),
    /// `jwks.url`: fetched over HTTP(S).
    Url(String),
    /// `jwks.discovery: true`: `jwks_uri` from the issuer's metadata.
    Discovery,
}

/// The keys a provider verifies with right now.
#[derive(Debug)]
pub enum ProviderKeys {
    /// Keys loaded once with the config (inline or file).
    Static(Arc<KeySet>),
    /// Keys fetched from a URL; not loaded in this build, so every token of
    /// the provider is answered 503 `keys_unavailable` with this detail.
    Unavailable(String),
}

impl ProviderKeys {
    /// Runs `f` on the current key set, or says why there is none.
    #[inline]
    pub fn with_keys<R>(&self, f: impl FnOnce(&KeySet) -> R) -> Result<R, String> {
        match self {
            ProviderKeys::Static(set) => Ok(f(set)),
            ProviderKeys::Unavailable(why) => Err(why.clone()),
        }
    }
}
