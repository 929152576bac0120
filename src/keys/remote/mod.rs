//! Keys fetched over HTTP(S): a JWKS URL, or the `jwks_uri` found through
//! the issuer's discovery document.
//!
//! The request path only reads the current key set (an `arc-swap` load, no
//! lock). Fetches happen
//! - when the config loads (the load waits a bounded time for the first set),
//! - in a background thread, before the cached keys expire, with backoff and
//!   jitter while the endpoint fails,
//! - when a token names an unknown `kid`: one fetch per provider at a time
//!   (single flight), at most once per `jwks.minRefetchInterval`.
//!
//! While the endpoint fails, the last good keys keep serving for up to
//! `jwks.maxStaleness`; with no keys (never loaded, or too old) decisions
//! are 503 `keys_unavailable`. The background thread holds only a `Weak`
//! reference, so it ends when the last config using the keys is dropped;
//! a process forked after the engine was built starts its own thread on use.

mod cache;
mod discovery;
mod fetch;
mod refresher;
mod registry;

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

pub use cache::RemoteKeys;
#[cfg(any(test, feature = "test-hooks"))]
pub use refresher::live_refresher_threads;
pub use registry::RemoteRegistry;

/// Default cache time without `Cache-Control: max-age`.
pub const DEFAULT_CACHE_DURATION: Duration = Duration::from_secs(5 * 60);
/// Default shortest cache time taken from `max-age`.
pub const DEFAULT_MIN_CACHE_DURATION: Duration = Duration::from_secs(60);
/// Default longest cache time taken from `max-age`.
pub const DEFAULT_MAX_CACHE_DURATION: Duration = Duration::from_secs(24 * 3600);
/// Default bound on how old the last good keys may be while fetches fail.
pub const DEFAULT_MAX_STALENESS: Duration = Duration::from_secs(24 * 3600);
/// Default shortest time between a fetch and a refetch for an unknown `kid`.
pub const DEFAULT_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(30);
/// Default `jwks.unknownKidWait`: how long a request with an unknown `kid`
/// waits for the refetch it started (or joined); the fetch itself runs on
/// the refresher thread and goes on after the request has its answer.
pub const DEFAULT_UNKNOWN_KID_WAIT: Duration = Duration::from_millis(500);
/// Default wait for the first key set when a config loads.
pub const DEFAULT_INITIAL_FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Default time limit of one HTTP request.
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Where remote keys come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RemoteTarget {
    /// A JWKS URL.
    Jwks(String),
    /// The `jwks_uri` of this issuer's discovery document.
    Discovery {
        /// The configured issuer (may be an Entra `{tenantid}` template).
        issuer: String,
    },
}

impl RemoteTarget {
    /// The URL (or issuer) for messages.
    pub fn describe(&self) -> String {
        match self {
            RemoteTarget::Jwks(url) => format!("`{url}`"),
            RemoteTarget::Discovery { issuer } => format!("discovery for issuer `{issuer}`"),
        }
    }
}

/// Everything that decides how one remote key set is fetched and cached.
/// Two providers (or two config versions) with equal settings share one
/// cache; see [`RemoteRegistry`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RemoteSettings {
    /// What to fetch.
    pub target: RemoteTarget,
    /// Plain HTTP allowed (`jwks.allowHttp`).
    pub allow_http: bool,
    /// Extra CA bundle (`jwks.caFile`), already resolved against the config's directory.
    pub ca_file: Option<PathBuf>,
    /// Time limit of one HTTP request.
    pub fetch_timeout: Duration,
    /// Cache time without `max-age`.
    pub cache_duration: Duration,
    /// Bounds applied to `max-age`.
    pub min_cache_duration: Duration,
    /// Upper bound applied to `max-age`.
    pub max_cache_duration: Duration,
    /// How old the last good keys may be while fetches fail.
    pub max_staleness: Duration,
    /// Shortest time between two refetches for unknown `kid`s.
    pub min_refetch_interval: Duration,
    /// Longest a request waits for a refetch for an unknown `kid`.
    pub unknown_kid_wait: Duration,
    /// Largest accepted response body (`limits.maxJwksSize`).
    pub max_body: usize,
    /// Most keys read from one JWKS (`limits.maxJwksKeys`).
    pub max_keys: usize,
}

impl RemoteSettings {
    /// Settings with the defaults for everything but the target and limits.
    pub fn new(target: RemoteTarget, max_body: usize, max_keys: usize) -> RemoteSettings {
        RemoteSettings {
            target,
            allow_http: false,
            ca_file: None,
            fetch_timeout: DEFAULT_FETCH_TIMEOUT,
            cache_duration: DEFAULT_CACHE_DURATION,
            min_cache_duration: DEFAULT_MIN_CACHE_DURATION.min(DEFAULT_CACHE_DURATION),
            max_cache_duration: DEFAULT_MAX_CACHE_DURATION,
            max_staleness: DEFAULT_MAX_STALENESS,
            min_refetch_interval: DEFAULT_MIN_REFETCH_INTERVAL,
            unknown_kid_wait: DEFAULT_UNKNOWN_KID_WAIT,
            max_body,
            max_keys,
        }
    }
}

/// What the host can see about one provider's keys (see `Engine::key_status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderKeyStatus {
    /// The provider's name.
    pub provider: String,
    /// Where the keys come from: `inline`, a file path, a URL, or
    /// `discovery for issuer ...`.
    pub source: String,
    /// True for fetched keys (`url`, `remote`, `discovery`).
    pub remote: bool,
    /// True when tokens of this provider can be verified now; false means
    /// its decisions are 503 `keys_unavailable` (see `detail`).
    pub available: bool,
    /// Why keys are unavailable, as in the decisions' `detail`.
    pub detail: Option<String>,
    /// Usable keys in the current set.
    pub key_count: usize,
    /// The `kid`s of the current set.
    pub kids: Vec<String>,
    /// When the current key set was fetched.
    pub last_fetched: Option<SystemTime>,
    /// When the last fetch (successful or not) started.
    pub last_attempt: Option<SystemTime>,
    /// The error of the last fetch, `None` once a fetch succeeds again.
    pub last_error: Option<String>,
    /// Fetches started, of any kind (at load, background, unknown `kid`).
    pub fetches: u64,
    /// Fetches that failed.
    pub failed_fetches: u64,
    /// Fetches started because a token named an unknown `kid`.
    pub unknown_kid_refetches: u64,
    /// Unknown-`kid` refetches refused by `jwks.minRefetchInterval` or
    /// because the `kid` was recently found unknown.
    pub refetches_suppressed: u64,
    /// The JWKS URL found by discovery, once found.
    pub jwks_uri: Option<String>,
}
