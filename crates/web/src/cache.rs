//! Figures counted at most once a minute on each server: a page that reads thousands of rows
//! to count or draw the same thing for everyone keeps its result here for a minute, and the
//! writes that change it forget it at once on this server (other servers count again within
//! the minute).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A map whose entries are kept for a minute, holding at most `cap` of them.
pub struct Minute<K, V> {
    inner: OnceLock<Mutex<HashMap<K, (Instant, V)>>>,
    cap: usize,
}

const AGE: Duration = Duration::from_secs(60);

impl<K: Eq + Hash, V: Clone> Minute<K, V> {
    pub const fn new(cap: usize) -> Self {
        Minute {
            inner: OnceLock::new(),
            cap,
        }
    }

    fn map(&self) -> &Mutex<HashMap<K, (Instant, V)>> {
        self.inner.get_or_init(Default::default)
    }

    /// The entry, if it is less than a minute old.
    pub fn get(&self, key: &K) -> Option<V> {
        let c = self.map().lock().ok()?;
        let (when, v) = c.get(key)?;
        (when.elapsed() < AGE).then(|| v.clone())
    }

    /// Keeps an entry, dropping those a minute old; nothing is kept once `cap` are held.
    pub fn put(&self, key: K, v: V) {
        if let Ok(mut c) = self.map().lock() {
            c.retain(|_, (when, _)| when.elapsed() < AGE);
            if c.len() < self.cap {
                c.insert(key, (Instant::now(), v));
            }
        }
    }

    /// Forgets the entries a write has changed.
    pub fn forget(&self, changed: impl Fn(&K) -> bool) {
        if let Ok(mut c) = self.map().lock() {
            c.retain(|k, _| !changed(k));
        }
    }
}
