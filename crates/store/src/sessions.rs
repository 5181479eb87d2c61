//! This instance's copy of who each session it has seen belongs to, so a page does not ask the
//! database who is signed in on every request (one statement of the two to fifteen a page runs).
//!
//! A copy is used only while nothing can have changed it since it was read, which each engine
//! tells in its own way:
//! - **SQLite**: every transaction that commits, from this process or any other writing the same
//!   file (a `learnloop user` command beside the server), rewrites the header of the database's
//!   write-ahead-log index (the `-shm` file; <https://www.sqlite.org/walformat.html>). A copy is
//!   stamped with that header as it was before the copy was read and used only while the header
//!   is the same: after any commit at all, the next request reads again. Where the header cannot
//!   be read (a database in memory, the file gone between connections, a commit half-way through
//!   writing it), nothing is copied or used.
//! - **PostgreSQL**: triggers on the session, person, membership and partnership tables (the
//!   partnership's row also changes whenever its agencies, groups, terms, themes or clock rules
//!   do) send a notification on commit, which every instance hears through a listening
//!   connection of its own and forgets every copy. A write through this instance forgets them at
//!   once as well, before the page that follows it is asked for. Copies are used only while the
//!   listener is known to hear: it sends itself a beat, stamped with when it was sent, every
//!   half second, and copies are used only while the last beat heard was sent less than one and
//!   a half seconds ago (notifications arrive in commit order, so every change committed before
//!   that beat has been heard). From a change committing to every instance forgetting, what
//!   passes is the notification's delivery, a millisecond or so; if the listener's connection
//!   silently breaks or lags, at most one and a half seconds.
//!
//! Marking a session as used (once a minute) changes nothing a copy decides and forgets nothing.
//!
//! **Reads.** The same stamps keep copies of what single reading statements returned
//! ([`Db::fetch_all`](crate::Db::fetch_all) and its kin: pages, never a transaction), so a page
//! asked for again reads only what changed since. A copy is found by its statement and every
//! value bound to it, so it is exactly what the database would answer the same statement, and
//! the access rules that decide what a person sees run on it as they would on a fresh answer.
//! It is forgotten as the session copies are (on SQLite after any commit to the file; on
//! PostgreSQL when this instance writes, or the listener stops hearing), and on PostgreSQL also
//! when any instance commits a change to a table its statement names: a trigger on every table
//! (migration 0043) notifies `t:<table>`, and every copy whose statement names that table goes.
//! Statements that read the clock or chance are never copied.

use std::any::Any;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::accounts::SessionContext;

/// The channel the triggers of migration 0042 notify on.
pub(crate) const CHANNEL: &str = "learnloop_sessions";
/// How often the listener sends itself a beat.
const BEAT: Duration = Duration::from_millis(500);
/// Copies are not used when the last beat heard was sent longer ago than this.
const HEARD_WITHIN: Duration = Duration::from_millis(1500);
/// The listener starts again when the last beat heard was sent longer ago than this.
const RESTART_AFTER: Duration = Duration::from_secs(5);
/// At most this many sessions are copied; past it the copies start afresh.
const MAX_COPIES: usize = 20_000;
/// At most this many statements' answers are copied, holding at most `MAX_ROWS` rows in all
/// and `MAX_ROWS_ONE` for one statement; past them the copies start afresh.
const MAX_READS: usize = 20_000;
const MAX_ROWS: usize = 100_000;
pub(crate) const MAX_ROWS_ONE: usize = 10_000;

/// One statement's answer as copied.
struct Read {
    /// SQLite: the index's header before it was read (PostgreSQL: unused).
    wal: [u8; 48],
    /// The names its statement uses, lower-cased: a change to a table it names forgets it.
    words: Box<[Box<str>]>,
    rows: usize,
    value: Arc<dyn Any + Send + Sync>,
}

#[derive(Default)]
struct Reads {
    copies: HashMap<crate::db::ReadKey, Read>,
    rows: usize,
}

impl std::fmt::Debug for Reads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} reads copied", self.copies.len())
    }
}

/// What a copy was read under: it is used only while this is still what [`Sessions::stamp`]
/// gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    generation: u64,
    wal: [u8; 48],
}

#[derive(Debug)]
pub(crate) struct Sessions {
    generation: AtomicU64,
    /// PostgreSQL: the listener is listening.
    live: AtomicBool,
    /// PostgreSQL: when the last beat the listener heard was sent.
    heard: Mutex<Option<Instant>>,
    /// What beats' times count from.
    started: Instant,
    /// SQLite: the write-ahead-log index of the database's file (none in memory).
    wal_index: Option<PathBuf>,
    postgres: bool,
    copies: Mutex<HashMap<String, (Stamp, SessionContext)>>,
    /// Raised whenever any copied read is forgotten: a read begun before is not kept.
    reads_generation: AtomicU64,
    reads: Mutex<Reads>,
}

impl Sessions {
    pub(crate) fn sqlite(database_file: Option<PathBuf>) -> Sessions {
        let wal_index = database_file.map(|f| {
            let mut s = f.into_os_string();
            s.push("-shm");
            PathBuf::from(s)
        });
        Sessions::new(wal_index, false)
    }

    pub(crate) fn postgres() -> Sessions {
        Sessions::new(None, true)
    }

    fn new(wal_index: Option<PathBuf>, postgres: bool) -> Sessions {
        Sessions {
            generation: AtomicU64::new(0),
            live: AtomicBool::new(false),
            heard: Mutex::new(None),
            started: Instant::now(),
            wal_index,
            postgres,
            copies: Mutex::new(HashMap::new()),
            reads_generation: AtomicU64::new(0),
            reads: Mutex::new(Reads::default()),
        }
    }

    /// What a copy read now would be stamped with, or `None` when copies must not be used.
    pub(crate) fn stamp(&self) -> Option<Stamp> {
        let generation = self.generation.load(Ordering::SeqCst);
        if self.postgres {
            let heard = *self.heard.lock().unwrap_or_else(PoisonError::into_inner);
            let hearing = self.live.load(Ordering::SeqCst)
                && heard.is_some_and(|t| t.elapsed() < HEARD_WITHIN);
            return hearing.then_some(Stamp {
                generation,
                wal: [0; 48],
            });
        }
        let wal = wal_header(self.wal_index.as_ref()?)?;
        Some(Stamp { generation, wal })
    }

    /// The copy of a session read under `stamp`, if there is one.
    pub(crate) fn get(&self, token_hash: &str, stamp: &Stamp) -> Option<SessionContext> {
        let copies = self.copies.lock().unwrap_or_else(PoisonError::into_inner);
        // Under the lock `forget_all` bumps under: a stamp taken just before a change is not
        // current once the change has been forgotten.
        if stamp.generation != self.generation.load(Ordering::SeqCst) {
            return None;
        }
        copies
            .get(token_hash)
            .filter(|(s, _)| s == stamp)
            .map(|(_, c)| c.clone())
    }

    /// Keeps a copy read after `stamp` was taken.
    pub(crate) fn keep(&self, token_hash: &str, stamp: Stamp, context: SessionContext) {
        let mut copies = self.copies.lock().unwrap_or_else(PoisonError::into_inner);
        if copies.len() >= MAX_COPIES {
            copies.clear();
        }
        copies.insert(token_hash.to_owned(), (stamp, context));
    }

    /// The session was marked as used at `at`: its copy says so too.
    pub(crate) fn touched(&self, token_hash: &str, at: &str) {
        let mut copies = self.copies.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, c)) = copies.get_mut(token_hash) {
            c.session_last_seen_at = at.to_owned();
        }
    }

    /// Something a copy may hold changed (or may have): no copy read before now is used again.
    pub(crate) fn forget_all(&self) {
        {
            let mut copies = self.copies.lock().unwrap_or_else(PoisonError::into_inner);
            self.generation.fetch_add(1, Ordering::SeqCst);
            copies.clear();
        }
        let mut reads = self.reads.lock().unwrap_or_else(PoisonError::into_inner);
        self.reads_generation.fetch_add(1, Ordering::SeqCst);
        reads.copies.clear();
        reads.rows = 0;
    }

    /// What a read begun now is kept under, or `None` when reads must not be copied (or used).
    pub(crate) fn read_stamp(&self) -> Option<Stamp> {
        let generation = self.reads_generation.load(Ordering::SeqCst);
        self.stamp().map(|s| Stamp { generation, ..s })
    }

    /// The copy of a statement's answer, if one is kept and still stands under `stamp` (taken
    /// now) and was of this type.
    pub(crate) fn read<V: Clone + 'static>(
        &self,
        key: &crate::db::ReadKey,
        stamp: &Stamp,
    ) -> Option<V> {
        let reads = self.reads.lock().unwrap_or_else(PoisonError::into_inner);
        let read = reads.copies.get(key)?;
        // PostgreSQL: a change forgets the copies it touches. SQLite: any commit changes the
        // header, and a copy kept under another is never used.
        if !self.postgres && read.wal != stamp.wal {
            return None;
        }
        read.value.downcast_ref::<V>().cloned()
    }

    /// Keeps a statement's answer, read after `stamp` was taken, unless a copy was forgotten
    /// since (the change that made it go may be newer than what was read).
    pub(crate) fn keep_read<V: Send + Sync + 'static>(
        &self,
        key: crate::db::ReadKey,
        stamp: Stamp,
        value: V,
        rows: usize,
    ) {
        if rows > MAX_ROWS_ONE {
            return;
        }
        let words = words(key.sql());
        let mut reads = self.reads.lock().unwrap_or_else(PoisonError::into_inner);
        if stamp.generation != self.reads_generation.load(Ordering::SeqCst) {
            return;
        }
        if reads.copies.len() >= MAX_READS || reads.rows + rows > MAX_ROWS {
            reads.copies.clear();
            reads.rows = 0;
        }
        let read = Read {
            wal: stamp.wal,
            words,
            rows,
            value: Arc::new(value),
        };
        reads.rows += rows;
        if let Some(old) = reads.copies.insert(key, read) {
            reads.rows -= old.rows;
        }
    }

    /// A table changed: every copied read whose statement names it is forgotten.
    pub(crate) fn forget_reads_of(&self, table: &str) {
        let table = table.to_ascii_lowercase();
        let mut reads = self.reads.lock().unwrap_or_else(PoisonError::into_inner);
        self.reads_generation.fetch_add(1, Ordering::SeqCst);
        let mut gone = 0;
        reads.copies.retain(|_, r| {
            let keep = !r.words.iter().any(|w| **w == *table);
            if !keep {
                gone += r.rows;
            }
            keep
        });
        reads.rows -= gone;
    }

    fn listening(&self, live: bool) {
        if live {
            // Nothing heard yet: copies wait for the first beat sent after this.
            *self.heard.lock().unwrap_or_else(PoisonError::into_inner) = None;
            self.forget_all();
            self.live.store(true, Ordering::SeqCst);
        } else {
            self.live.store(false, Ordering::SeqCst);
            self.forget_all();
        }
    }

    /// The beat to send now: this listener's mark and when it was sent.
    fn beat(&self, mark: &str) -> String {
        format!("beat {mark} {}", self.started.elapsed().as_millis())
    }

    /// A beat came back: if it is this listener's own, when it was sent.
    fn heard_beat(&self, mark: &str, payload: &str) {
        let sent = payload
            .strip_prefix("beat ")
            .and_then(|rest| rest.strip_prefix(mark))
            .and_then(|rest| rest.strip_prefix(' '))
            .and_then(|ms| ms.parse::<u64>().ok())
            .and_then(|ms| self.started.checked_add(Duration::from_millis(ms)));
        if let Some(sent) = sent {
            let mut heard = self.heard.lock().unwrap_or_else(PoisonError::into_inner);
            if heard.is_none_or(|h| h < sent) {
                *heard = Some(sent);
            }
        }
    }

    fn beat_overdue(&self) -> bool {
        let heard = *self.heard.lock().unwrap_or_else(PoisonError::into_inner);
        heard.is_none_or(|t| t.elapsed() >= RESTART_AFTER)
    }
}

/// The names a statement uses (tables, columns, words of SQL), lower-cased, each once.
fn words(sql: &str) -> Box<[Box<str>]> {
    let mut words: Vec<Box<str>> = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase().into_boxed_str())
        .collect();
    words.sort_unstable();
    words.dedup();
    words.into_boxed_slice()
}

/// The first copy of the write-ahead-log index's header, when both copies agree (a commit
/// writes the second, then the first).
fn wal_header(path: &PathBuf) -> Option<[u8; 48]> {
    use std::os::unix::fs::FileExt;
    let mut both = [0u8; 96];
    index_file(path)?.read_exact_at(&mut both, 0).ok()?;
    let (first, second) = both.split_at(48);
    if first != second {
        return None;
    }
    // Set up, and a transaction committed since the index was last rebuilt: a header rebuilt
    // from an empty log is the same each time, and could stand for two states of the database.
    let header: [u8; 48] = first.try_into().ok()?;
    let changes = u32::from_ne_bytes(header[8..12].try_into().ok()?);
    (header[12] == 1 && changes != 0).then_some(header)
}

/// The write-ahead-log index at `path`, opened once and kept open. SQLite coordinates its
/// connections with POSIX locks on this file, and closing any descriptor of a file drops every
/// lock the process holds on it: opening and closing it on each read let another process (a
/// `learnloop` command beside the server) take the index for its own and rebuild it under this
/// process's connections, which then crashed reading their mapping of it (SIGBUS). A file
/// SQLite removed and made again (every connection closed) is known by its device and inode,
/// checked without opening it, and opened afresh; the removed one, which no connection can
/// hold any more, is closed then.
fn index_file(path: &PathBuf) -> Option<Arc<std::fs::File>> {
    use std::os::unix::fs::MetadataExt;
    type Opened = Vec<(PathBuf, (u64, u64), Arc<std::fs::File>)>;
    static OPENED: Mutex<Opened> = Mutex::new(Vec::new());
    let meta = std::fs::metadata(path).ok()?;
    let id = (meta.dev(), meta.ino());
    let mut opened = OPENED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, _, f)) = opened.iter().find(|(p, i, _)| p == path && *i == id) {
        return Some(f.clone());
    }
    opened.retain(|(p, _, f)| p != path || f.metadata().is_ok_and(|m| m.nlink() > 0));
    let file = Arc::new(std::fs::File::open(path).ok()?);
    let meta = file.metadata().ok()?;
    let current = (meta.dev(), meta.ino()) == id;
    // Replaced between the two looks: kept open all the same, not used now.
    opened.push((path.clone(), (meta.dev(), meta.ino()), file.clone()));
    current.then_some(file)
}

/// PostgreSQL: listens for changes from every instance until the process ends, starting again
/// whenever the listener stops hearing its own beat.
pub(crate) async fn listen(
    sessions: Arc<Sessions>,
    listen_pool: sqlx::PgPool,
    beat_pool: sqlx::PgPool,
) {
    let mark = crate::new_id();
    loop {
        let heard = tokio::spawn(hear(sessions.clone(), listen_pool.clone(), mark.clone()));
        let began = Instant::now();
        loop {
            tokio::time::sleep(BEAT).await;
            if heard.is_finished() {
                break;
            }
            let sent = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(sessions.beat(&mark))
                .execute(&beat_pool)
                .await;
            if let Err(e) = sent {
                tracing::info!(error = %e, "could not send the session listener its beat");
            }
            // Not hearing, or not yet listening well after starting: start again.
            if began.elapsed() >= RESTART_AFTER && sessions.beat_overdue() {
                tracing::warn!("the session listener does not hear its beat; starting it again");
                break;
            }
        }
        heard.abort();
        sessions.listening(false);
    }
}

async fn hear(sessions: Arc<Sessions>, pool: sqlx::PgPool, mark: String) {
    sessions.listening(false);
    let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
        Ok(l) => l,
        Err(e) => {
            tracing::info!(error = %e, "the session listener cannot connect yet");
            return;
        }
    };
    listener.eager_reconnect(false);
    if let Err(e) = listener.listen(CHANNEL).await {
        tracing::info!(error = %e, "the session listener cannot listen yet");
        return;
    }
    // Every commit from now on reaches this listener; anything copied before may be older.
    sessions.listening(true);
    loop {
        match listener.try_recv().await {
            // Beats, this instance's or another's, change nothing.
            Ok(Some(n)) if n.payload().starts_with("beat ") => {
                sessions.heard_beat(&mark, n.payload());
            }
            // A table changed (migration 0043): the reads that name it.
            Ok(Some(n)) if n.payload().starts_with("t:") => {
                sessions.forget_reads_of(&n.payload()[2..]);
            }
            Ok(Some(_)) => sessions.forget_all(),
            Ok(None) | Err(_) => {
                sessions.listening(false);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn context(last_seen: &str) -> SessionContext {
        SessionContext {
            session_partnership_id: None,
            session_created_at: "2026-12-07T09:00:00Z".into(),
            session_last_seen_at: last_seen.into(),
            person: crate::accounts::Person {
                id: "p".into(),
                email: "a@b.example".into(),
                name: "A".into(),
                job_title: String::new(),
                password_hash: None,
                password_changed_at: None,
                active: true,
                created_at: String::new(),
                updated_at: String::new(),
            },
            memberships: vec![],
            partnerships: vec![],
        }
    }

    #[test]
    fn a_copy_is_used_only_under_the_stamp_it_was_read_with() {
        let s = Sessions::postgres();
        assert!(s.stamp().is_none(), "no copies before the listener hears");
        s.listening(true);
        assert!(s.stamp().is_none(), "nor before its first beat comes back");
        s.heard_beat("me", &s.beat("other"));
        assert!(
            s.stamp().is_none(),
            "another instance's beat proves nothing"
        );
        s.heard_beat("me", &s.beat("me"));
        let stamp = s.stamp().unwrap();
        s.keep("h", stamp.clone(), context("t0"));
        assert!(s.get("h", &stamp).is_some());
        assert!(s.get("other", &stamp).is_none());
        s.touched("h", "t1");
        assert_eq!(s.get("h", &stamp).unwrap().session_last_seen_at, "t1");
        s.forget_all();
        let now = s.stamp().unwrap();
        assert_ne!(now, stamp);
        assert!(s.get("h", &now).is_none(), "forgotten after a change");
        // A copy read before a change but kept after it is never used.
        s.keep("h", stamp.clone(), context("t0"));
        assert!(s.get("h", &now).is_none());
        s.listening(false);
        assert!(s.stamp().is_none(), "no copies while the listener is down");
    }

    fn key(sql: &'static str, arg: &str) -> crate::db::ReadKey {
        crate::db::ReadKey::of(&crate::db::query(sql).bind(arg))
    }

    fn hearing() -> Sessions {
        let s = Sessions::postgres();
        s.listening(true);
        s.heard_beat("me", &s.beat("me"));
        s
    }

    #[test]
    fn a_read_is_used_until_a_table_its_statement_names_changes() {
        let s = hearing();
        let groups = key(
            "SELECT name FROM partnership_group WHERE partnership_id = ?",
            "p",
        );
        let other = key(
            "SELECT name FROM partnership_group WHERE partnership_id = ?",
            "q",
        );
        let stamp = s.read_stamp().unwrap();
        s.keep_read(groups.clone(), stamp.clone(), vec!["Board".to_owned()], 1);
        let now = s.read_stamp().unwrap();
        assert_eq!(s.read::<Vec<String>>(&groups, &now).unwrap(), ["Board"]);
        assert!(
            s.read::<Vec<String>>(&other, &now).is_none(),
            "another value bound"
        );
        assert!(
            s.read::<Vec<i64>>(&groups, &now).is_none(),
            "another row type"
        );
        // Another table's change keeps it; its own table's forgets it.
        s.forget_reads_of("agency");
        let now = s.read_stamp().unwrap();
        assert!(s.read::<Vec<String>>(&groups, &now).is_some());
        s.forget_reads_of("PARTNERSHIP_GROUP");
        assert!(s.read::<Vec<String>>(&groups, &now).is_none());
        // A read begun before a change and kept after it is never kept.
        let before = s.read_stamp().unwrap();
        s.forget_reads_of("agency");
        s.keep_read(groups.clone(), before, vec!["Old".to_owned()], 1);
        assert!(
            s.read::<Vec<String>>(&groups, &s.read_stamp().unwrap())
                .is_none()
        );
        // Everything goes when the listener stops hearing.
        s.keep_read(
            groups.clone(),
            s.read_stamp().unwrap(),
            vec!["Board".to_owned()],
            1,
        );
        s.listening(false);
        assert!(s.read_stamp().is_none());
        s.listening(true);
        s.heard_beat("me", &s.beat("me"));
        assert!(
            s.read::<Vec<String>>(&groups, &s.read_stamp().unwrap())
                .is_none()
        );
    }

    #[test]
    fn too_many_rows_are_not_copied_and_the_copies_stay_bounded() {
        let s = hearing();
        let big = key("SELECT id FROM action WHERE partnership_id = ?", "p");
        s.keep_read(big.clone(), s.read_stamp().unwrap(), 0_u8, MAX_ROWS_ONE + 1);
        assert!(s.read::<u8>(&big, &s.read_stamp().unwrap()).is_none());
        for i in 0..(MAX_ROWS / MAX_ROWS_ONE + 2) {
            let k = key(
                "SELECT id FROM action WHERE partnership_id = ?",
                &i.to_string(),
            );
            s.keep_read(k, s.read_stamp().unwrap(), 0_u8, MAX_ROWS_ONE);
        }
        let reads = s.reads.lock().unwrap();
        assert!(reads.rows <= MAX_ROWS && reads.copies.len() <= MAX_READS);
    }

    #[test]
    fn without_a_readable_index_nothing_is_copied() {
        assert!(Sessions::sqlite(None).stamp().is_none());
        let gone = Sessions::sqlite(Some(PathBuf::from("/nonexistent/learnloop.db")));
        assert!(gone.stamp().is_none());
    }
}
