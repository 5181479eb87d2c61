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

    /// The entry if it is less than a minute old; otherwise what `load` reads, kept for a
    /// minute. (`load` is not run when the entry is kept; a failed read keeps nothing.)
    pub async fn get_or_load<E>(
        &self,
        key: K,
        load: impl std::future::Future<Output = Result<V, E>>,
    ) -> Result<V, E> {
        if let Some(v) = self.get(&key) {
            return Ok(v);
        }
        let v = load.await?;
        self.put(key, v.clone());
        Ok(v)
    }

    /// The entry if it is less than a minute old; otherwise what `make` makes, kept for a
    /// minute.
    pub fn get_or_make(&self, key: K, make: impl FnOnce() -> V) -> V {
        if let Some(v) = self.get(&key) {
            return v;
        }
        let v = make();
        self.put(key, v.clone());
        v
    }

    /// Forgets the entries a write has changed.
    pub fn forget(&self, changed: impl Fn(&K) -> bool) {
        if let Ok(mut c) = self.map().lock() {
            c.retain(|k, _| !changed(k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Minute;

    #[tokio::test]
    async fn a_kept_entry_is_not_read_again_and_a_failed_read_keeps_nothing() {
        static M: Minute<&str, u32> = Minute::new(10);
        let failed: Result<u32, &str> = M.get_or_load("a", async { Err("down") }).await;
        assert_eq!(failed, Err("down"));
        assert_eq!(M.get(&"a"), None);
        assert_eq!(M.get_or_load::<()>("a", async { Ok(1) }).await, Ok(1));
        // Kept: the second read is not run.
        assert_eq!(
            M.get_or_load::<()>("a", async { panic!("read again") })
                .await,
            Ok(1)
        );
        M.forget(|k| *k == "a");
        assert_eq!(M.get_or_load::<()>("a", async { Ok(2) }).await, Ok(2));
        assert_eq!(M.get_or_make("b", || 3), 3);
        assert_eq!(M.get_or_make("b", || 4), 3);
    }

    #[test]
    fn nothing_is_kept_past_the_cap() {
        let m: Minute<u32, u32> = Minute::new(2);
        for k in 0..5 {
            m.put(k, k);
        }
        assert_eq!(m.get(&0), Some(0));
        assert_eq!(m.get(&1), Some(1));
        assert_eq!(m.get(&4), None);
    }
}
