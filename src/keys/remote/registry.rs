//! Remote key caches shared across config reloads: a reload that keeps a
//! provider's URL and settings keeps its already-fetched keys (and its
//! refresher) instead of fetching again.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use parking_lot::Mutex;

use super::cache::RemoteKeys;
use super::RemoteSettings;
use crate::log::Logger;

/// The remote key caches of one engine, by settings. Entries are weak: a
/// cache lives as long as some loaded config uses it.
#[derive(Debug, Default)]
pub struct RemoteRegistry {
    entries: Mutex<HashMap<RemoteSettings, Weak<RemoteKeys>>>,
}

impl RemoteRegistry {
    /// The live cache for `settings`, or a new one (second value: true when
    /// new, so the caller waits for its first fetch).
    pub(crate) fn get_or_create(
        &self,
        settings: &RemoteSettings,
        logger: &Arc<Logger>,
    ) -> Result<(Arc<RemoteKeys>, bool), String> {
        let mut entries = self.entries.lock();
        entries.retain(|_, keys| keys.strong_count() > 0);
        if let Some(keys) = entries.get(settings).and_then(Weak::upgrade) {
            return Ok((keys, false));
        }
        let keys = Arc::new(RemoteKeys::new(settings.clone(), Arc::clone(logger))?);
        entries.insert(settings.clone(), Arc::downgrade(&keys));
        Ok((keys, true))
    }
}
