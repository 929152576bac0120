//! The background thread that keeps one remote key set fresh. It holds only
//! a `Weak` reference between fetches, so it ends once the last config
//! using the keys is dropped (the cache's `Drop` wakes it to notice).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Weak;
use std::time::Instant;

use super::cache::RemoteKeys;

/// Refresher threads alive in this process (all engines).
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// How many key refresher threads are running in this process; hosts and
/// tests use it to check that dropping an engine stops its threads.
#[cfg(any(test, feature = "test-hooks"))]
pub fn live_refresher_threads() -> usize {
    LIVE.load(Ordering::SeqCst)
}

/// Counts the thread as alive until it returns (or unwinds).
struct Alive;

impl Alive {
    fn new() -> Alive {
        LIVE.fetch_add(1, Ordering::SeqCst);
        Alive
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Starts a refresher for `keys`; returns its handle for waking it.
pub(super) fn spawn(keys: Weak<RemoteKeys>) -> std::io::Result<std::thread::Thread> {
    let handle = std::thread::Builder::new().name("claimcheck-keys".to_owned()).spawn(move || run(keys))?;
    Ok(handle.thread().clone())
}

fn run(keys: Weak<RemoteKeys>) {
    let _alive = Alive::new();
    loop {
        // The strong reference lives only for this step: while parked, the
        // thread does not keep the keys (and so the engine's cache) alive.
        let wake = match keys.upgrade() {
            Some(keys) => keys.refresh_if_due(),
            None => return,
        };
        let now = Instant::now();
        if wake > now {
            std::thread::park_timeout(wake - now);
        }
    }
}
