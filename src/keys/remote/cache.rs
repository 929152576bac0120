//! The cache of one remote key source: the current key set (read without a
//! lock), and the single-flight fetch state behind one `parking_lot` mutex.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwapOption;
use parking_lot::{Condvar, Mutex, MutexGuard};

use super::discovery::discover_jwks_uri;
use super::fetch::Fetcher;
use super::{refresher, ProviderKeyStatus, RemoteSettings, RemoteTarget};
use crate::keys::KeySet;
use crate::log::{LogLevel, Logger};

/// Most unknown `kid`s remembered at once; a flood of random ones cannot
/// grow the memory without bound.
const MAX_REMEMBERED_UNKNOWN: usize = 1024;
/// Longest wait between retries while the endpoint fails.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// First wait after a failure.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// A key set as fetched, with when to refresh it.
#[derive(Debug)]
struct Snapshot {
    set: Arc<KeySet>,
    fetched_at: Instant,
    fetched_wall: SystemTime,
    refresh_at: Instant,
}

/// Why a fetch runs (counted separately in the status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    Scheduled,
    UnknownKid,
}

/// Fetch coordination and counters; only touched off the hot path.
#[derive(Debug, Default)]
struct Flight {
    /// The pid of the process in which a fetch is running now. A fetch that
    /// was running when the process forked never lands in the child, so the
    /// child sees another pid and does not wait for it.
    running_in: Option<u32>,
    /// Bumped each time a fetch lands (successfully or not).
    generation: u64,
    /// When the last fetch of any kind started.
    last_start: Option<Instant>,
    /// When the last refetch for an unknown `kid` was asked for: the rate
    /// limit counts from it alone, so a scheduled refresh just before a key
    /// rotation does not hold back the refetch that finds the new key.
    last_unknown_kid_fetch: Option<Instant>,
    /// A request asked the refresher thread for a refetch, which has not
    /// started yet.
    requested: bool,
    /// When to retry after failures (backoff with jitter); `None` when the
    /// last fetch succeeded.
    retry_at: Option<Instant>,
    failures_in_row: u32,
    /// `kid`s found unknown, until when a refetch for them is not tried.
    unknown: HashMap<String, Instant>,
    /// The `jwks_uri` found by discovery (cleared when a fetch fails, so
    /// the next attempt discovers again).
    jwks_uri: Option<String>,
    fetches: u64,
    failed_fetches: u64,
    unknown_kid_refetches: u64,
    refetches_suppressed: u64,
    last_attempt: Option<SystemTime>,
    last_error: Option<String>,
}

/// The keys of one remote source, shared by every provider and config
/// version with the same [`RemoteSettings`].
pub struct RemoteKeys {
    settings: RemoteSettings,
    fetcher: Fetcher,
    logger: Arc<Logger>,
    current: ArcSwapOption<Snapshot>,
    flight: Mutex<Flight>,
    landed: Condvar,
    /// The pid in which the refresher thread runs (0: none yet).
    refresher_pid: AtomicU32,
    refresher: Mutex<Option<std::thread::Thread>>,
}

impl std::fmt::Debug for RemoteKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteKeys")
            .field("target", &self.settings.target)
            .field("keys", &self.current.load().as_ref().map(|s| s.set.len()))
            .finish()
    }
}

impl Drop for RemoteKeys {
    fn drop(&mut self) {
        // Wake the refresher so it sees the keys are gone and ends now,
        // rather than at its next scheduled refresh.
        if let Some(thread) = self.refresher.get_mut().take() {
            thread.unpark();
        }
    }
}

impl RemoteKeys {
    /// A cache with no keys yet; nothing is fetched until
    /// [`RemoteKeys::start`]. Fails when `caFile` cannot be used.
    pub(crate) fn new(settings: RemoteSettings, logger: Arc<Logger>) -> Result<RemoteKeys, String> {
        Ok(RemoteKeys {
            fetcher: Fetcher::new(&settings)?,
            settings,
            logger,
            current: ArcSwapOption::empty(),
            flight: Mutex::new(Flight::default()),
            landed: Condvar::new(),
            refresher_pid: AtomicU32::new(0),
            refresher: Mutex::new(None),
        })
    }

    /// The settings this cache was made with.
    pub fn settings(&self) -> &RemoteSettings {
        &self.settings
    }

    /// Starts the background refresher (its first act is the first fetch).
    pub(crate) fn start(self: &Arc<Self>) {
        self.ensure_refresher();
    }

    /// Waits up to `timeout` for the first fetch to land; true when keys are loaded.
    pub(crate) fn wait_first(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut f = self.flight.lock();
        while f.generation == 0 {
            if self.landed.wait_until(&mut f, deadline).timed_out() {
                break;
            }
        }
        drop(f);
        self.current.load().is_some()
    }

    /// Runs `f` on the current key set, or says why there is none (never
    /// loaded, or older than `maxStaleness`). Lock-free for fresh keys.
    #[inline]
    pub fn with_keys<R>(self: &Arc<Self>, f: impl FnOnce(&KeySet) -> R) -> Result<R, String> {
        let snapshot = self.current.load();
        let now = Instant::now();
        if let Some(s) = snapshot.as_ref() {
            if now.saturating_duration_since(s.fetched_at) <= self.settings.max_staleness {
                // Past the refresh time the refresher should be at work; if
                // this process was forked from the one that started it, it
                // is not, and this starts one (a cheap pid compare otherwise).
                if now >= s.refresh_at {
                    self.ensure_refresher();
                }
                return Ok(f(&s.set));
            }
        }
        self.ensure_refresher();
        Err(self.unavailable_detail(snapshot.as_deref(), now))
    }

    /// Whether the current key set has `kid`.
    fn has_kid(&self, kid: &str) -> bool {
        self.current.load().as_ref().is_some_and(|s| s.set.has_kid(kid))
    }

    /// Called when a token names a `kid` the current set lacks: asks for
    /// one refetch (single flight, rate-limited) and waits for it at most
    /// `unknownKidWait`; says whether the set now has the `kid`, in which
    /// case the caller retries once. The fetch runs on the refresher thread,
    /// so a hanging key endpoint holds a request no longer than the wait;
    /// the fetch goes on and later requests see its keys.
    pub fn refetch_for_unknown_kid(self: &Arc<Self>, kid: &str) -> bool {
        self.ensure_refresher();
        let pid = std::process::id();
        let now = Instant::now();
        let deadline = now + self.settings.unknown_kid_wait;
        let mut f = self.flight.lock();
        if self.has_kid(kid) {
            return true;
        }
        if f.unknown.get(kid).is_some_and(|until| now < *until) {
            f.refetches_suppressed += 1;
            return false;
        }
        let in_flight = f.running_in == Some(pid) || f.requested;
        if !in_flight {
            if f
                .last_unknown_kid_fetch
                .is_some_and(|t| now.saturating_duration_since(t) < self.settings.min_refetch_interval)
            {
                f.refetches_suppressed += 1;
                self.remember_unknown(&mut f, kid, now);
                return false;
            }
            f.last_unknown_kid_fetch = Some(now);
            if self.refresher_pid.load(Ordering::Acquire) != pid {
                // No refresher in this process (it could not be started):
                // fetch here, bounded by `fetchTimeout` as any fetch.
                self.lead_fetch(f, Cause::UnknownKid);
                if self.has_kid(kid) {
                    return true;
                }
                let mut f = self.flight.lock();
                self.remember_unknown(&mut f, kid, Instant::now());
                return false;
            }
            f.requested = true;
            if let Some(thread) = self.refresher.lock().as_ref() {
                thread.unpark();
            }
        }
        // Wait for the fetch asked for (or already running) to land, at
        // most until the deadline.
        let generation = f.generation;
        while f.generation == generation && (f.running_in == Some(pid) || f.requested) {
            if self.landed.wait_until(&mut f, deadline).timed_out() {
                break;
            }
        }
        if self.has_kid(kid) {
            return true;
        }
        if f.generation != generation {
            // The refetch landed without this kid: remember it as unknown.
            self.remember_unknown(&mut f, kid, Instant::now());
        }
        false
    }

    /// Remembers `kid` as unknown until a refetch would be allowed again.
    fn remember_unknown(&self, f: &mut Flight, kid: &str, now: Instant) {
        let until = f.last_unknown_kid_fetch.unwrap_or(now) + self.settings.min_refetch_interval;
        if until <= now {
            return;
        }
        if f.unknown.len() >= MAX_REMEMBERED_UNKNOWN {
            f.unknown.retain(|_, t| now < *t);
            if f.unknown.len() >= MAX_REMEMBERED_UNKNOWN {
                f.unknown.clear();
            }
        }
        f.unknown.insert(kid.to_owned(), until);
    }

    /// Waits (bounded) until the fetch running in this process lands.
    fn wait_for_landing(&self, f: &mut MutexGuard<'_, Flight>, deadline: Instant) {
        let pid = std::process::id();
        let generation = f.generation;
        while f.running_in == Some(pid) && f.generation == generation {
            if self.landed.wait_until(f, deadline).timed_out() {
                break;
            }
        }
    }

    /// The refresher's step: fetch when due (or wait for a fetch already
    /// running), then say when to wake next.
    pub(crate) fn refresh_if_due(&self) -> Instant {
        let pid = std::process::id();
        let mut f = self.flight.lock();
        if f.running_in == Some(pid) {
            let deadline = Instant::now() + self.settings.fetch_timeout;
            self.wait_for_landing(&mut f, deadline);
        } else {
            let now = Instant::now();
            if f.requested {
                self.lead_fetch(f, Cause::UnknownKid);
                f = self.flight.lock();
            } else if now >= self.next_refresh(&f, now) {
                self.lead_fetch(f, Cause::Scheduled);
                f = self.flight.lock();
            }
        }
        self.next_refresh(&f, Instant::now())
    }

    /// When the next background fetch is due (`now` when no keys and no
    /// failure yet: the first fetch).
    fn next_refresh(&self, f: &Flight, now: Instant) -> Instant {
        if f.requested {
            return now;
        }
        if let Some(retry) = f.retry_at {
            return retry;
        }
        match self.current.load().as_ref() {
            Some(s) => s.refresh_at,
            None => now,
        }
    }

    /// Fetches with `f` locked on entry; others wait on `landed`.
    fn lead_fetch(&self, mut f: MutexGuard<'_, Flight>, cause: Cause) {
        f.running_in = Some(std::process::id());
        f.requested = false;
        f.last_start = Some(Instant::now());
        f.last_attempt = Some(SystemTime::now());
        f.fetches += 1;
        if cause == Cause::UnknownKid {
            f.unknown_kid_refetches += 1;
        }
        let jwks_uri = f.jwks_uri.clone();
        drop(f);
        // A panic inside the HTTP stack must not leave `running_in` set
        // (waiters would time out forever): it becomes a failed fetch.
        let result = catch_unwind(AssertUnwindSafe(|| self.fetch_key_set(jwks_uri)))
            .unwrap_or_else(|_| Err("the fetch panicked".to_owned()));
        self.land(result);
    }

    /// One fetch: discovery when needed, then the JWKS.
    fn fetch_key_set(&self, jwks_uri: Option<String>) -> Result<Fetch, String> {
        let url = match (&self.settings.target, jwks_uri) {
            (RemoteTarget::Jwks(url), _) => url.clone(),
            (RemoteTarget::Discovery { .. }, Some(uri)) => uri,
            (RemoteTarget::Discovery { issuer }, None) => {
                discover_jwks_uri(&self.fetcher, issuer, self.settings.allow_http)?
            }
        };
        let fetched = self.fetcher.get_json(&url)?;
        let (set, mut warnings) = KeySet::from_value(&fetched.doc, self.settings.max_keys)
            .map_err(|e| format!("GET {url}: {}", e.0))?;
        let (set, dropped) = set.without_secrets();
        warnings.extend(dropped);
        if set.is_empty() {
            return Err(format!("GET {url}: the key set has no usable key ({})", warnings.join("; ")));
        }
        let ttl = match fetched.max_age {
            Some(age) => age.clamp(self.settings.min_cache_duration, self.settings.max_cache_duration),
            None => self.settings.cache_duration,
        };
        Ok(Fetch { set, warnings, ttl, url })
    }

    /// Records a fetch's result and wakes everyone waiting for it. The log
    /// messages are sent after the lock is released: the host's logger may
    /// call back into the engine (`key_status` takes this lock).
    fn land(&self, result: Result<Fetch, String>) {
        let now = Instant::now();
        let mut messages: Vec<(LogLevel, String)> = Vec::new();
        let mut f = self.flight.lock();
        f.running_in = None;
        f.generation += 1;
        match result {
            Ok(fetch) => {
                let changed = self.current.load().as_ref().is_none_or(|old| kids(&old.set) != kids(&fetch.set));
                if changed && self.logger.enabled() {
                    messages.push((
                        LogLevel::Info,
                        format!("keys from {}: {} key(s): {}", fetch.url, fetch.set.len(), kids(&fetch.set).join(", ")),
                    ));
                    for w in &fetch.warnings {
                        messages.push((LogLevel::Warn, format!("keys from {}: {w}", fetch.url)));
                    }
                }
                // Refresh a little before the cache time runs out, so no
                // request sees expired keys while the fetch is on its way.
                let lead = (fetch.ttl / 5).min(Duration::from_secs(30));
                self.current.store(Some(Arc::new(Snapshot {
                    set: Arc::new(fetch.set),
                    fetched_at: now,
                    fetched_wall: SystemTime::now(),
                    refresh_at: now + fetch.ttl.saturating_sub(lead),
                })));
                if matches!(self.settings.target, RemoteTarget::Discovery { .. }) {
                    f.jwks_uri = Some(fetch.url);
                }
                f.failures_in_row = 0;
                f.retry_at = None;
                f.unknown.clear();
                f.last_error = None;
            }
            Err(error) => {
                f.failed_fetches += 1;
                f.failures_in_row = f.failures_in_row.saturating_add(1);
                f.retry_at = Some(now + self.backoff(f.failures_in_row));
                f.jwks_uri = None;
                messages.push((
                    LogLevel::Error,
                    format!("fetching keys from {} failed: {error}", self.settings.target.describe()),
                ));
                // The text can quote what the server sent (a content type,
                // a redirect target): escaped, as every message is.
                f.last_error = Some(crate::log::sanitize_owned(error));
            }
        }
        drop(f);
        self.landed.notify_all();
        for (level, message) in messages {
            self.logger.log(level, &message);
        }
    }

    /// Exponential backoff from 1s, capped by the cache time and 5 minutes,
    /// with jitter (50-100%) so many gateways do not retry in step.
    fn backoff(&self, failures: u32) -> Duration {
        let cap = MAX_BACKOFF.min(self.settings.cache_duration).max(FIRST_BACKOFF);
        let exp = FIRST_BACKOFF.saturating_mul(1u32 << failures.saturating_sub(1).min(16)).min(cap);
        let mut byte = [0u8; 1];
        let jitter = match aws_lc_rs::rand::fill(&mut byte) {
            Ok(()) => 0.5 + f64::from(u8::from_ne_bytes(byte)) / 510.0,
            Err(_) => 0.75,
        };
        exp.mul_f64(jitter)
    }

    /// Why there are no usable keys, for decisions' `detail` and the status.
    fn unavailable_detail(&self, snapshot: Option<&Snapshot>, now: Instant) -> String {
        let f = self.flight.lock();
        let why = match (&f.last_error, f.generation) {
            (Some(e), _) => format!("; last error: {e}"),
            (None, 0) => " (the first fetch has not finished)".to_owned(),
            (None, _) => String::new(),
        };
        let source = self.settings.target.describe();
        match snapshot {
            None => format!("no keys loaded yet from {source}{why}"),
            Some(s) => format!(
                "the keys from {source} were fetched {}s ago, over `jwks.maxStaleness` ({}s){why}",
                now.saturating_duration_since(s.fetched_at).as_secs(),
                self.settings.max_staleness.as_secs()
            ),
        }
    }

    /// Starts the refresher thread in this process unless it runs already.
    fn ensure_refresher(self: &Arc<Self>) {
        let pid = std::process::id();
        if self.refresher_pid.load(Ordering::Acquire) == pid {
            return;
        }
        let mut slot = self.refresher.lock();
        if self.refresher_pid.load(Ordering::Acquire) == pid {
            return;
        }
        match refresher::spawn(Arc::downgrade(self)) {
            Ok(thread) => {
                *slot = Some(thread);
                self.refresher_pid.store(pid, Ordering::Release);
            }
            Err(e) => {
                // Log with no lock held: the logger may call back in.
                drop(slot);
                self.logger.log(
                    LogLevel::Error,
                    &format!("cannot start the key refresher for {}: {e}", self.settings.target.describe()),
                );
            }
        }
    }

    /// The status the host sees (provider name and source filled in by the caller).
    pub(crate) fn status(&self, provider: &str, source: String) -> ProviderKeyStatus {
        let snapshot = self.current.load();
        let now = Instant::now();
        let fresh = snapshot
            .as_ref()
            .filter(|s| now.saturating_duration_since(s.fetched_at) <= self.settings.max_staleness);
        let detail = if fresh.is_some() { None } else { Some(self.unavailable_detail(snapshot.as_deref(), now)) };
        let f = self.flight.lock();
        ProviderKeyStatus {
            provider: provider.to_owned(),
            source,
            remote: true,
            available: fresh.is_some(),
            detail,
            key_count: snapshot.as_ref().map(|s| s.set.len()).unwrap_or(0),
            kids: snapshot.as_ref().map(|s| kids(&s.set)).unwrap_or_default(),
            last_fetched: snapshot.as_ref().map(|s| s.fetched_wall),
            last_attempt: f.last_attempt,
            last_error: f.last_error.clone(),
            fetches: f.fetches,
            failed_fetches: f.failed_fetches,
            unknown_kid_refetches: f.unknown_kid_refetches,
            refetches_suppressed: f.refetches_suppressed,
            jwks_uri: match &self.settings.target {
                RemoteTarget::Jwks(url) => Some(url.clone()),
                RemoteTarget::Discovery { .. } => f.jwks_uri.clone(),
            },
        }
    }
}

/// A successful fetch.
struct Fetch {
    set: KeySet,
    warnings: Vec<String>,
    ttl: Duration,
    url: String,
}

fn kids(set: &KeySet) -> Vec<String> {
    set.keys().iter().map(|k| k.kid.clone().unwrap_or_else(|| "(no kid)".to_owned())).collect()
}
