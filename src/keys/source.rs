//! Where a provider's keys come from, and access to the current key set.

use std::path::PathBuf;
use std::sync::Arc;

use super::keyset::KeySet;
use super::remote::{ProviderKeyStatus, RemoteKeys};

/// The configured origin of a provider's keys.
#[derive(Debug, Clone, PartialEq)]
pub enum KeySource {
    /// `jwks.inline`: the JWKS text, in the config.
    Inline,
    /// `jwks.file`: a JWKS file, read when the config loads.
    File(PathBuf),
    /// `jwks.url` (or `jwks.remote.url`): fetched over HTTP(S).
    Url(String),
    /// `jwks.discovery: true`: `jwks_uri` from the issuer's metadata.
    Discovery,
}

/// The keys a provider verifies with right now.
#[derive(Debug)]
pub enum ProviderKeys {
    /// Keys loaded once with the config (inline or file).
    Static(Arc<KeySet>),
    /// Keys fetched from a URL or through discovery, refreshed in the background.
    Remote(Arc<RemoteKeys>),
}

impl ProviderKeys {
    /// Runs `f` on the current key set, or says why there is none (remote
    /// keys never loaded, or older than `jwks.maxStaleness`). Never blocks.
    #[inline]
    pub fn with_keys<R>(&self, f: impl FnOnce(&KeySet) -> R) -> Result<R, String> {
        match self {
            ProviderKeys::Static(set) => Ok(f(set)),
            ProviderKeys::Remote(remote) => remote.with_keys(f),
        }
    }

    /// Called when a token's `kid` is not in the current set. For remote
    /// keys this may refetch (single flight, rate-limited, bounded wait);
    /// true means the set now has the `kid` and the caller should retry once.
    pub fn refetch_for_unknown_kid(&self, kid: &str) -> bool {
        match self {
            ProviderKeys::Static(_) => false,
            ProviderKeys::Remote(remote) => remote.refetch_for_unknown_kid(kid),
        }
    }

    /// What the host sees about these keys.
    pub fn status(&self, provider: &str, source: &KeySource) -> ProviderKeyStatus {
        let source_text = match source {
            KeySource::Inline => "inline".to_owned(),
            KeySource::File(path) => path.display().to_string(),
            KeySource::Url(url) => url.clone(),
            KeySource::Discovery => String::new(),
        };
        match self {
            ProviderKeys::Static(set) => ProviderKeyStatus {
                provider: provider.to_owned(),
                source: source_text,
                remote: false,
                available: true,
                detail: None,
                key_count: set.len(),
                kids: set.keys().iter().filter_map(|k| k.kid.clone()).collect(),
                last_fetched: None,
                last_attempt: None,
                last_error: None,
                fetches: 0,
                failed_fetches: 0,
                unknown_kid_refetches: 0,
                refetches_suppressed: 0,
                jwks_uri: None,
            },
            ProviderKeys::Remote(remote) => {
                let source_text = match source {
                    KeySource::Discovery => remote.settings().target.describe(),
                    _ => source_text,
                };
                remote.status(provider, source_text)
            }
        }
    }
}
