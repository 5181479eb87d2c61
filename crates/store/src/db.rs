//! One database handle for SQLite and PostgreSQL.
//!
//! Every query is written once, in SQL with `?` markers, and run on whichever engine the URL
//! chose: for PostgreSQL the markers are renumbered to `$1…$n`. Values travel as [`Value`],
//! rows come back through `sqlx::FromRow`, which both engines implement for the same Rust
//! types (ids and times are TEXT on both, counts are BIGINT). SQLite gets one writer
//! connection (its single-writer rule made explicit, so writers queue instead of failing
//! with "database is locked") and a pool of readers in WAL mode with `synchronous=FULL`.
//! Single reading statements run on [`Readers`], which skip the round trips sqlx's pool makes
//! around each use of a connection.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, FromRow, PgPool, SqlitePool};

use crate::StoreError;
use crate::readers::Readers;

/// Which engine a [`Db`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A bound value. Typed nulls, because PostgreSQL wants to know what a NULL is.
#[derive(Clone, Debug)]
pub enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
    /// A measurement (performance data's values, targets and benchmarks).
    Float(Option<f64>),
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(Some(v.to_owned()))
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(Some(v))
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::Text(v)
    }
}
impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        Value::Text(v.map(str::to_owned))
    }
}
impl From<&Option<String>> for Value {
    fn from(v: &Option<String>) -> Self {
        Value::Text(v.clone())
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(Some(v))
    }
}
impl From<Option<f64>> for Value {
    fn from(v: Option<f64>) -> Self {
        Value::Float(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(Some(v))
    }
}

/// A statement and its arguments, built once for both engines.
#[derive(Clone, Debug)]
pub struct Query {
    sql: std::borrow::Cow<'static, str>,
    args: Vec<Value>,
}

/// Starts a statement written with `?` markers.
pub fn query(sql: &'static str) -> Query {
    Query {
        sql: std::borrow::Cow::Borrowed(sql),
        args: Vec::new(),
    }
}

/// Starts a statement naming tables and columns read from the database's own schema (an
/// export of every table): only names the schema listed, each checked to be a plain
/// identifier, go into the text; every value is bound.
pub(crate) fn query_schema(sql: String) -> Query {
    Query {
        sql: std::borrow::Cow::Owned(sql),
        args: Vec::new(),
    }
}

/// Starts a statement assembled at run time from fixed fragments, so that a filter adds only
/// the conditions it uses and the database can pick the index that fits. Only fragments
/// written in the code go into the text; every value is bound.
pub fn query_from(fragments: &[&'static str]) -> Query {
    Query {
        sql: std::borrow::Cow::Owned(fragments.concat()),
        args: Vec::new(),
    }
}

/// The most values one list in a statement holds (`id IN (?, ?, …)`): callers ask for what
/// one page shows.
pub const LIST_MAX: usize = 500;

/// A statement with one list of values: `head` (ending in `IN (`), a marker for each of the
/// first [`LIST_MAX`] values, then `tail`. The `before` values are bound for the markers in
/// `head`, then the list's; the caller binds any markers in `tail`. Nothing for an empty list,
/// whose statement would match no row.
pub fn query_list(
    head: &'static str,
    before: &[&str],
    list: &[&str],
    tail: &'static str,
) -> Option<Query> {
    let list = &list[..list.len().min(LIST_MAX)];
    let (_, rest) = list.split_first()?;
    let mut sql = vec![head, "?"];
    sql.extend(std::iter::repeat_n(", ?", rest.len()));
    sql.push(tail);
    let q = before.iter().fold(query_from(&sql), |q, v| q.bind(*v));
    Some(list.iter().fold(q, |q, v| q.bind(*v)))
}

/// A filtered statement built from fixed fragments: the conditions a filter uses are added
/// with their values, the others left out, so each filter gets the plan and index that fit it.
pub(crate) struct Conditions {
    sql: Vec<&'static str>,
    args: Vec<Value>,
}

impl Conditions {
    /// `head` (the select list), `from` (ending in one `?`) and the value for it.
    pub(crate) fn new(head: &'static str, from: &'static str, first: &str) -> Conditions {
        Conditions {
            sql: vec![head, from],
            args: vec![first.into()],
        }
    }

    /// Adds a condition with the values of its `?` markers, in order.
    pub(crate) fn when(&mut self, cond: &'static str, values: &[&str]) {
        self.sql.push(cond);
        self.args.extend(values.iter().map(|v| Value::from(*v)));
    }

    /// The statement, with `tail` (order, limit) last; bind the tail's values after.
    pub(crate) fn finish(mut self, tail: &'static str) -> Query {
        self.sql.push(tail);
        self.args
            .into_iter()
            .fold(query_from(&self.sql), Query::bind)
    }
}

impl Query {
    pub fn bind(mut self, v: impl Into<Value>) -> Self {
        self.args.push(v.into());
        self
    }

    /// Adds fixed fragments to a statement begun with [`query_from`] (a batch of rows whose
    /// length is known only at run time): only text written in the code goes in.
    pub(crate) fn push_sql(mut self, fragments: &[&'static str]) -> Self {
        self.sql.to_mut().push_str(&fragments.concat());
        self
    }
}

/// Renumbers `?` markers to `$n` for PostgreSQL. Our SQL never has `?` inside literals.
pub(crate) fn pg_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

/// Which of the reading calls a copy was read by (the same statement read by another keeps
/// another answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ReadKind {
    All,
    Optional,
}

/// What finds a copied read: the call, the statement and every value bound to it.
#[derive(Clone, Debug)]
pub(crate) struct ReadKey {
    kind: ReadKind,
    sql: std::borrow::Cow<'static, str>,
    args: Vec<Value>,
}

impl ReadKey {
    #[cfg(test)]
    pub(crate) fn of(q: &Query) -> ReadKey {
        ReadKey {
            kind: ReadKind::All,
            sql: q.sql.clone(),
            args: q.args.clone(),
        }
    }

    pub(crate) fn sql(&self) -> &str {
        &self.sql
    }
}

impl PartialEq for ReadKey {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.sql == other.sql
            && self.args.len() == other.args.len()
            && self
                .args
                .iter()
                .zip(&other.args)
                .all(|(a, b)| match (a, b) {
                    (Value::Text(a), Value::Text(b)) => a == b,
                    (Value::Int(a), Value::Int(b)) => a == b,
                    (Value::Bool(a), Value::Bool(b)) => a == b,
                    (Value::Float(a), Value::Float(b)) => {
                        a.map(f64::to_bits) == b.map(f64::to_bits)
                    }
                    _ => false,
                })
    }
}

impl Eq for ReadKey {}

impl std::hash::Hash for ReadKey {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.kind.hash(h);
        self.sql.hash(h);
        for a in &self.args {
            match a {
                Value::Text(v) => (0u8, v).hash(h),
                Value::Int(v) => (1u8, v).hash(h),
                Value::Bool(v) => (2u8, v).hash(h),
                Value::Float(v) => (3u8, v.map(f64::to_bits)).hash(h),
            }
        }
    }
}

/// A read's copy: found, or missing with what to keep it under, or not to be copied.
enum Copied<V> {
    Found(V),
    Missing(ReadKey, crate::sessions::Stamp),
    Not,
}

/// Whether a statement's answer may be copied: one that only reads (a `SELECT`, or a `WITH`
/// that reads) and asks neither the clock, chance, the connection nor the server's own
/// catalogue, so the same statement with the same values answers the same until a table it
/// names changes; and names none of the tables written all the time and told of by no trigger
/// (the audit trail, sessions, the mail queue: see migration 0043).
fn copyable(sql: &str) -> bool {
    let head = sql.trim_start();
    let reads = head
        .get(..6)
        .is_some_and(|h| h.eq_ignore_ascii_case("select"))
        || head
            .get(..4)
            .is_some_and(|h| h.eq_ignore_ascii_case("with"));
    if !reads {
        return false;
    }
    const VOLATILE: [&str; 33] = [
        "now",
        "today",
        "current_date",
        "current_time",
        "current_timestamp",
        "current_schema",
        "current_setting",
        "current_user",
        "session_user",
        "localtime",
        "localtimestamp",
        "transaction_timestamp",
        "timeofday",
        "random",
        "randomblob",
        "gen_random_uuid",
        "clock_timestamp",
        "statement_timestamp",
        "nextval",
        "changes",
        "last_insert_rowid",
        "information_schema",
        "insert",
        "update",
        "delete",
        "pragma",
        "returning",
        // Written on every request or step, and told of by no trigger.
        "audit_event",
        "audit_content",
        "session",
        "outbox",
        "txid_current",
        "pg_catalog",
    ];
    !sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|w| {
            VOLATILE.iter().any(|v| w.eq_ignore_ascii_case(v))
                || w.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("pg_"))
                || w.get(..7)
                    .is_some_and(|p| p.eq_ignore_ascii_case("sqlite_"))
        })
}

/// A row type both engines can decode.
pub trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

#[derive(Clone, Debug)]
enum Pools {
    Sqlite {
        read: Arc<Readers<SqliteConnection>>,
        write: SqlitePool,
    },
    Postgres {
        read: Arc<Readers<PgConnection>>,
        write: PgPool,
    },
}

/// The database of an installation.
#[derive(Clone, Debug)]
pub struct Db {
    pools: Pools,
    audit: std::sync::Arc<crate::audit::Queue>,
    /// PostgreSQL: the audit trail's batches are written on a connection of their own, so a
    /// batch waiting on its commit never holds one the pages read through.
    audit_writer: Option<PgPool>,
    reference: std::sync::Arc<crate::reference::Cache>,
    /// This instance's copies of the sessions it has seen (see [`crate::sessions`]).
    sessions: Arc<crate::sessions::Sessions>,
    /// PostgreSQL: the pool the session listener takes its connection from.
    listen: Option<PgPool>,
}

macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Value::Text(v) => q.bind(v),
                Value::Int(v) => q.bind(v),
                Value::Bool(v) => q.bind(v),
                Value::Float(v) => q.bind(v),
            };
        }
        q
    }};
}

/// Runs a statement's future, adding its time to the request's database time.
macro_rules! timed {
    ($fut:expr) => {{
        let started = std::time::Instant::now();
        let out = $fut;
        crate::timing::add(started.elapsed());
        out
    }};
}

macro_rules! on_sqlite {
    ($exec:expr, $q:expr, $method:ident, as $t:ty) => {{
        let q = match $q.sql {
            std::borrow::Cow::Borrowed(sql) => {
                bind_all!(sqlx::query_as::<_, $t>(sql), $q.args)
            }
            std::borrow::Cow::Owned(sql) => {
                bind_all!(sqlx::query_as::<_, $t>(AssertSqlSafe(sql)), $q.args)
            }
        };
        timed!(q.$method($exec).await)
    }};
    ($exec:expr, $q:expr, execute) => {{
        let q = match $q.sql {
            std::borrow::Cow::Borrowed(sql) => bind_all!(sqlx::query(sql), $q.args),
            std::borrow::Cow::Owned(sql) => bind_all!(sqlx::query(AssertSqlSafe(sql)), $q.args),
        };
        timed!(q.execute($exec).await.map(|r| r.rows_affected()))
    }};
}

macro_rules! on_pg {
    ($exec:expr, $q:expr, $method:ident, as $t:ty) => {{
        let sql = pg_sql(&$q.sql);
        let q = bind_all!(sqlx::query_as::<_, $t>(AssertSqlSafe(sql)), $q.args);
        timed!(q.$method($exec).await)
    }};
    ($exec:expr, $q:expr, execute) => {{
        let sql = pg_sql(&$q.sql);
        let q = bind_all!(sqlx::query(AssertSqlSafe(sql)), $q.args);
        timed!(q.execute($exec).await.map(|r| r.rows_affected()))
    }};
}

/// Runs one statement on a connection leased from [`Readers`] and gives the connection back
/// (see [`Lease::finish`](crate::readers::Lease::finish)).
macro_rules! leased {
    ($readers:expr, $on:ident, $q:expr, $($how:tt)*) => {{
        let mut lease = $readers.lease().await?;
        let out = match lease.conn() {
            Ok(conn) => $on!(conn, $q, $($how)*),
            Err(e) => Err(e),
        };
        lease.finish(&out);
        out?
    }};
}

impl Db {
    /// Opens (creating a SQLite file if needed) the database named by a URL:
    /// `sqlite://path.db`, `sqlite::memory:` or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        Db::connect_with(url, None).await
    }

    /// As [`Db::connect`], with `connections` connections for reading (at least 2), leased
    /// one statement at a time (see [`Readers`]). On PostgreSQL writes and transactions have
    /// a pool of the same size beside them, opened as writes come; on SQLite one writer.
    ///
    /// Unless told, PostgreSQL gets twice this machine's processors, at least 4. More only
    /// queue on the processors: on two cores with 32 requests at a time, 16 connections
    /// served 1,800-1,900 group pages a second and 4 served 2,200-2,500, because every
    /// statement woke one of 16 server processes. With the database on a machine of its
    /// own, give about twice that machine's processors, shared among the instances. SQLite's
    /// readers are threads of this process, cheaper to switch between: four per processor,
    /// at least 8 (4 were 5% slower than 8 on two cores).
    pub async fn connect_with(url: &str, connections: Option<u32>) -> Result<Db, StoreError> {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let per_core = |n: usize, least: u32| u32::try_from(cores * n).unwrap_or(64).max(least);
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Random reads cost little more than sequential ones on the SSDs databases run on
            // now; with PostgreSQL's default (4) the planner scans whole tables (60,000
            // people) where a few hundred index lookups are four times faster.
            let opts = PgConnectOptions::from_str(url)
                .map_err(|e| StoreError::Config(format!("--database-url: {e}")))?
                .options([("random_page_cost", "1.1")]);
            let size = connections.unwrap_or_else(|| per_core(2, 4)).max(2);
            let read = Readers::open(opts.clone(), size, Duration::from_secs(10)).await?;
            // Writes and transactions go through sqlx's pool, opened as they come; it tests
            // each connection before a write, so a save after the server restarted does not
            // fail on a connection that was dropped.
            let write = PgPoolOptions::new()
                .max_connections(size)
                .min_connections(0)
                .acquire_timeout(Duration::from_secs(10))
                .connect_lazy_with(opts.clone());
            // One batch at a time per instance (see `audit::record`): one connection.
            let audit_writer = PgPoolOptions::new()
                .max_connections(1)
                .min_connections(0)
                .acquire_timeout(Duration::from_secs(30))
                .connect_lazy_with(opts.clone());
            // The session listener's one connection, opened when `watch_sessions` starts it.
            let listen = PgPoolOptions::new()
                .max_connections(1)
                .min_connections(0)
                .acquire_timeout(Duration::from_secs(10))
                .connect_lazy_with(opts);
            Ok(Db {
                pools: Pools::Postgres {
                    read: Arc::new(read),
                    write,
                },
                audit: Default::default(),
                audit_writer: Some(audit_writer),
                reference: Default::default(),
                sessions: Arc::new(crate::sessions::Sessions::postgres()),
                listen: Some(listen),
            })
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::Config(format!("--database-url: {e}")))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("temp_store", "memory")
                .pragma("cache_size", "-4000");
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts.clone())
                .await?;
            // A database in memory has no file, and then no session is copied.
            let file = std::fs::canonicalize(opts.get_filename()).ok();
            let read = Readers::open(
                opts.read_only(true),
                connections.unwrap_or_else(|| per_core(4, 8)).max(2),
                Duration::from_secs(10),
            )
            .await?;
            Ok(Db {
                pools: Pools::Sqlite {
                    read: Arc::new(read),
                    write,
                },
                audit: Default::default(),
                audit_writer: None,
                reference: Default::default(),
                sessions: Arc::new(crate::sessions::Sessions::sqlite(file)),
                listen: None,
            })
        } else {
            Err(StoreError::Config(format!(
                "--database-url must start with sqlite:// or postgres://, not {:?}",
                url.split(':').next().unwrap_or_default()
            )))
        }
    }

    /// The events waiting for this instance's next audit-trail write.
    pub(crate) fn audit_queue(&self) -> &crate::audit::Queue {
        &self.audit
    }

    /// This instance's copies of the sessions it has seen.
    pub(crate) fn sessions(&self) -> &crate::sessions::Sessions {
        &self.sessions
    }

    /// Lets this instance copy the sessions it has seen. PostgreSQL: starts listening for
    /// changes from every instance (one connection of its own; copies are used only while it
    /// hears). SQLite reads its changes from the database's file and needs nothing started.
    /// Call once, from within the runtime, in a process that serves pages.
    pub fn watch_sessions(&self) {
        if let (Some(listen), Pools::Postgres { write, .. }) = (&self.listen, &self.pools) {
            tokio::spawn(crate::sessions::listen(
                self.sessions.clone(),
                listen.clone(),
                write.clone(),
            ));
        }
    }

    /// This instance's copies of each partnership's reference data.
    pub(crate) fn reference_cache(&self) -> &crate::reference::Cache {
        &self.reference
    }

    pub fn engine(&self) -> Engine {
        match self.pools {
            Pools::Sqlite { .. } => Engine::Sqlite,
            Pools::Postgres { .. } => Engine::Postgres,
        }
    }

    /// Applies every migration not yet applied. Safe to run from several instances at once.
    ///
    /// On PostgreSQL a schema already up to date is left untouched without asking for any
    /// right to change it, so `serve` can connect as a least-privilege role that owns nothing
    /// (`postgres-app-role.sql`) while the owner runs `learnloop migrate`.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pools {
            Pools::Sqlite { write, .. } => sqlx::migrate!("./migrations/sqlite").run(write).await?,
            Pools::Postgres { write, .. } => {
                let m = sqlx::migrate!("./migrations/postgres");
                let applied: Vec<(i64,)> =
                    sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success")
                        .fetch_all(write)
                        .await
                        .unwrap_or_default();
                let up_to_date = m.iter().all(|x| applied.iter().any(|(v,)| *v == x.version));
                if !up_to_date {
                    m.run(write).await?;
                }
            }
        }
        // A trail of the first version moves to the second once (a no-op after that).
        let moved = crate::audit::upgrade(self).await?;
        if moved > 0 {
            tracing::info!(entries = moved, "moved the audit trail to version 2");
        }
        Ok(())
    }

    pub async fn fetch_all<T: Record + Clone + Sync + 'static>(
        &self,
        q: Query,
    ) -> Result<Vec<T>, StoreError> {
        let copy = self.copied::<Vec<T>>(ReadKind::All, &q);
        if let Copied::Found(rows) = copy {
            return Ok(rows);
        }
        let rows: Vec<T> = self.fetch_all_fresh(q).await?;
        if let Copied::Missing(key, stamp) = copy
            && rows.len() <= crate::sessions::MAX_ROWS_ONE
        {
            self.sessions
                .keep_read(key, stamp, rows.clone(), rows.len().max(1));
        }
        Ok(rows)
    }

    pub async fn fetch_optional<T: Record + Clone + Sync + 'static>(
        &self,
        q: Query,
    ) -> Result<Option<T>, StoreError> {
        let copy = self.copied::<Option<T>>(ReadKind::Optional, &q);
        if let Copied::Found(row) = copy {
            return Ok(row);
        }
        let row: Option<T> = self.fetch_optional_fresh(q).await?;
        if let Copied::Missing(key, stamp) = copy {
            self.sessions.keep_read(key, stamp, row.clone(), 1);
        }
        Ok(row)
    }

    pub async fn fetch_one<T: Record + Clone + Sync + 'static>(
        &self,
        q: Query,
    ) -> Result<T, StoreError> {
        self.fetch_optional(q)
            .await?
            .ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }

    /// As [`Db::fetch_all`], always from the database (what decides a copy of its own).
    pub(crate) async fn fetch_all_fresh<T: Record>(&self, q: Query) -> Result<Vec<T>, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite { read, .. } => leased!(read, on_sqlite, q, fetch_all, as T),
            Pools::Postgres { read, .. } => leased!(read, on_pg, q, fetch_all, as T),
        })
    }

    /// As [`Db::fetch_optional`], always from the database.
    async fn fetch_optional_fresh<T: Record>(&self, q: Query) -> Result<Option<T>, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite { read, .. } => leased!(read, on_sqlite, q, fetch_optional, as T),
            Pools::Postgres { read, .. } => leased!(read, on_pg, q, fetch_optional, as T),
        })
    }

    /// This instance's copy of a reading statement's answer, or what to keep the answer under
    /// once read (see [`crate::sessions`]).
    fn copied<V: Clone + 'static>(&self, kind: ReadKind, q: &Query) -> Copied<V> {
        if !copyable(&q.sql) {
            return Copied::Not;
        }
        let Some(stamp) = self.sessions.read_stamp() else {
            return Copied::Not;
        };
        let key = ReadKey {
            kind,
            sql: q.sql.clone(),
            args: q.args.clone(),
        };
        match self.sessions.read::<V>(&key, &stamp) {
            Some(v) => Copied::Found(v),
            None => Copied::Missing(key, stamp),
        }
    }

    /// Checks the database answers, never from a copy.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let answered: Option<(i64,)> = self
            .fetch_optional_fresh(query("SELECT CAST(1 AS BIGINT)"))
            .await?;
        answered
            .map(|_| ())
            .ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }

    /// Runs one writing statement in its own transaction.
    pub async fn execute(&self, q: Query) -> Result<u64, StoreError> {
        let forgets = forgotten_by(&q.sql);
        let out = match &self.pools {
            Pools::Sqlite { write, .. } => on_sqlite!(write, q, execute),
            Pools::Postgres { write, .. } => on_pg!(write, q, execute),
        };
        // After the commit (or a failure that may have committed), never before: a copy read
        // in between would be kept under the new stamp.
        forgets.forget(&self.sessions);
        Ok(out?)
    }

    /// Begins a transaction on the writer. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so a second process writing the same file (a command run beside
    /// the server) waits its turn under the busy timeout instead of failing with "database is
    /// locked" when a transaction that began by reading tries to write.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let inner = match &self.pools {
            Pools::Sqlite { write, .. } => TxOn::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?),
            Pools::Postgres { write, .. } => TxOn::Postgres(write.begin().await?),
        };
        Ok(Tx {
            on: inner,
            sessions: self.sessions.clone(),
            forgets: Forgets::Reads(Vec::new()),
            fixed: false,
        })
    }

    /// As [`Db::begin`], for a transaction that writes only what no session's copy holds (the
    /// mail queue, claimed every few seconds): its commit forgets none, and only the copied
    /// reads of the mail queue. (A transaction's commit forgets only what its statements can
    /// have changed in any case; this says so of one whose statements are not listed.)
    pub async fn begin_keeping_sessions(&self) -> Result<Tx, StoreError> {
        let mut tx = self.begin().await?;
        tx.forgets = Forgets::Reads(vec!["outbox"]);
        tx.fixed = true;
        Ok(tx)
    }

    /// Begins the transaction of one audit-trail batch: on PostgreSQL on the audit writer's
    /// own connection, on SQLite on the one writer like every other write.
    pub(crate) async fn begin_audit(&self) -> Result<Tx, StoreError> {
        // The trail holds nothing a session's copy does: its commits forget none, and only the
        // copied reads of the trail.
        let on = match (&self.audit_writer, &self.pools) {
            (Some(pool), _) => TxOn::Postgres(pool.begin().await?),
            (None, Pools::Sqlite { write, .. }) => {
                TxOn::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?)
            }
            (None, Pools::Postgres { write, .. }) => TxOn::Postgres(write.begin().await?),
        };
        Ok(Tx {
            on,
            sessions: self.sessions.clone(),
            forgets: Forgets::Reads(vec!["audit_event", "audit_content"]),
            fixed: true,
        })
    }

    /// Runs a statement built at run time (tests and administration only; never user input).
    /// Keeps the query planner's statistics fresh so each filter gets the index that fits it:
    /// on SQLite, `PRAGMA optimize` analyses the tables that have changed (or were never
    /// analysed); PostgreSQL's autovacuum does this by itself. The analysis reads whole
    /// indexes: sampled statistics (`analysis_limit`) told SQLite that one partnership's
    /// actions were a fifth of themselves, and it then walked every action in due-date order
    /// for one owner's (1.5 ms instead of 0.02 ms). A SQLite installation holds one
    /// partnership, so a full analysis takes milliseconds.
    pub async fn optimize(&self) -> Result<(), StoreError> {
        if self.engine() == Engine::Sqlite {
            self.raw("PRAGMA analysis_limit = 0; PRAGMA optimize = 0x10002;")
                .await?;
        }
        Ok(())
    }

    /// Analyses every table now (after a bulk load), in full. On PostgreSQL the tables are
    /// vacuumed too, so a loaded database reads as one that grew under autovacuum does (its
    /// rows marked visible to all, the indexes answering alone) from the first request, not
    /// only once autovacuum has passed over millions of new rows.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        match self.engine() {
            Engine::Sqlite => self.raw("PRAGMA analysis_limit = 0; ANALYZE").await,
            Engine::Postgres => self.raw("VACUUM (ANALYZE)").await,
        }
    }

    pub async fn raw(&self, sql: &str) -> Result<(), StoreError> {
        let out = self.raw_once(sql).await;
        // Anything may have changed.
        self.sessions.forget_all();
        out
    }

    async fn raw_once(&self, sql: &str) -> Result<(), StoreError> {
        match &self.pools {
            Pools::Sqlite { write, .. } => {
                sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                    .execute(write)
                    .await?;
            }
            Pools::Postgres { write, .. } => {
                sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                    .execute(write)
                    .await?;
            }
        }
        Ok(())
    }

    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Pools::Postgres { read, write } => {
                read.close().await;
                write.close().await;
            }
        }
        if let Some(pool) = &self.audit_writer {
            pool.close().await;
        }
    }
}

/// What a write forgets of this instance's copies once it commits.
#[derive(Clone, Debug)]
enum Forgets {
    /// Every copy, sessions and reads.
    All,
    /// Only the copied reads that name these tables.
    Reads(Vec<&'static str>),
}

impl Forgets {
    /// What this and a statement run after it forget together.
    fn and(self, sql: &str) -> Forgets {
        match (self, forgotten_by(sql)) {
            (Forgets::Reads(mut a), Forgets::Reads(b)) => {
                a.extend(b.into_iter().filter(|t| !a.contains(t)).collect::<Vec<_>>());
                Forgets::Reads(a)
            }
            _ => Forgets::All,
        }
    }

    fn forget(&self, sessions: &crate::sessions::Sessions) {
        match self {
            Forgets::All => sessions.forget_all(),
            Forgets::Reads(tables) => tables.iter().for_each(|t| sessions.forget_reads_of(t)),
        }
    }
}

/// What a statement forgets once committed: nothing for one that only reads; for marking a
/// session as used, beginning one (a new session is in no copy) and the mail queue, which
/// change nothing a session's copy holds, the reads of their own table; everything for any
/// other. A statement missing here only makes the copies be read again.
fn forgotten_by(sql: &str) -> Forgets {
    const CHANGE_NOTHING_COPIED: [(&str, &str); 5] = [
        (
            "UPDATE session SET last_seen_at = ? WHERE token_hash = ?",
            "session",
        ),
        ("INSERT INTO session ", "session"),
        ("INSERT INTO outbox ", "outbox"),
        ("UPDATE outbox ", "outbox"),
        ("DELETE FROM outbox ", "outbox"),
    ];
    if only_reads(sql) {
        return Forgets::Reads(Vec::new());
    }
    CHANGE_NOTHING_COPIED
        .iter()
        .find(|(p, _)| sql.starts_with(p))
        .map_or(Forgets::All, |(_, table)| Forgets::Reads(vec![table]))
}

/// A statement that writes nothing: a `SELECT` (or `WITH`) without a word that writes or locks.
fn only_reads(sql: &str) -> bool {
    let head = sql.trim_start();
    (head
        .get(..6)
        .is_some_and(|h| h.eq_ignore_ascii_case("select"))
        || head
            .get(..4)
            .is_some_and(|h| h.eq_ignore_ascii_case("with")))
        && !sql
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|w| {
                ["insert", "update", "delete", "returning", "nextval"]
                    .iter()
                    .any(|v| w.eq_ignore_ascii_case(v))
            })
}

/// A transaction: everything a user step writes commits together or not at all.
pub struct Tx {
    on: TxOn,
    sessions: Arc<crate::sessions::Sessions>,
    /// Forgotten when it commits: what its statements wrote may be in them.
    forgets: Forgets,
    /// `forgets` was set when it began, whatever its statements.
    fixed: bool,
}

enum TxOn {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    /// Notes what a statement run in the transaction will make its commit forget.
    fn wrote(&mut self, sql: &str) {
        if !self.fixed {
            self.forgets = std::mem::replace(&mut self.forgets, Forgets::All).and(sql);
        }
    }

    pub fn engine(&self) -> Engine {
        match self.on {
            TxOn::Sqlite(_) => Engine::Sqlite,
            TxOn::Postgres(_) => Engine::Postgres,
        }
    }

    pub async fn fetch_all<T: Record>(&mut self, q: Query) -> Result<Vec<T>, StoreError> {
        self.wrote(&q.sql);
        Ok(match &mut self.on {
            TxOn::Sqlite(tx) => on_sqlite!(&mut **tx, q, fetch_all, as T)?,
            TxOn::Postgres(tx) => on_pg!(&mut **tx, q, fetch_all, as T)?,
        })
    }

    pub async fn fetch_optional<T: Record>(&mut self, q: Query) -> Result<Option<T>, StoreError> {
        self.wrote(&q.sql);
        Ok(match &mut self.on {
            TxOn::Sqlite(tx) => on_sqlite!(&mut **tx, q, fetch_optional, as T)?,
            TxOn::Postgres(tx) => on_pg!(&mut **tx, q, fetch_optional, as T)?,
        })
    }

    pub async fn fetch_one<T: Record>(&mut self, q: Query) -> Result<T, StoreError> {
        self.wrote(&q.sql);
        Ok(match &mut self.on {
            TxOn::Sqlite(tx) => on_sqlite!(&mut **tx, q, fetch_one, as T)?,
            TxOn::Postgres(tx) => on_pg!(&mut **tx, q, fetch_one, as T)?,
        })
    }

    pub async fn execute(&mut self, q: Query) -> Result<u64, StoreError> {
        self.wrote(&q.sql);
        Ok(match &mut self.on {
            TxOn::Sqlite(tx) => on_sqlite!(&mut **tx, q, execute)?,
            TxOn::Postgres(tx) => on_pg!(&mut **tx, q, execute)?,
        })
    }

    /// Makes transactions that touch the same thing (e.g. numbering a meeting's decisions) wait
    /// for each other. SQLite has one writer already; PostgreSQL takes a transaction-scoped
    /// advisory lock on the key.
    pub async fn serialise_on(&mut self, key: &str) -> Result<(), StoreError> {
        if self.engine() == Engine::Postgres {
            let _: (i64,) = self
                .fetch_one(
                    query("SELECT 1::BIGINT FROM pg_advisory_xact_lock(hashtext(?))").bind(key),
                )
                .await?;
        }
        Ok(())
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        let out = match self.on {
            TxOn::Sqlite(tx) => tx.commit().await,
            TxOn::Postgres(tx) => tx.commit().await,
        };
        self.forgets.forget(&self.sessions);
        out?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{Forgets, LIST_MAX, copyable, forgotten_by, pg_sql, query_list};

    #[test]
    fn only_reads_that_answer_the_same_each_time_are_copied() {
        assert!(copyable("SELECT * FROM action_update WHERE action_id = ?"));
        assert!(copyable("  with t AS (SELECT 1) SELECT * FROM t"));
        for volatile in [
            "SELECT * FROM outbox WHERE not_before <= datetime('now')",
            "SELECT now()",
            "SELECT * FROM action WHERE id = ? FOR UPDATE",
            "SELECT 1 FROM pg_advisory_xact_lock(?)",
            "SELECT name FROM sqlite_master",
            "UPDATE outbox SET claimed_by = ? RETURNING id",
            "INSERT INTO agency (id) VALUES (?)",
            "SELECT random()",
        ] {
            assert!(!copyable(volatile), "{volatile}");
        }
    }

    #[test]
    fn a_transaction_forgets_what_its_statements_can_have_changed() {
        let reads = |f: Forgets| match f {
            Forgets::Reads(t) => Some(t),
            Forgets::All => None,
        };
        assert_eq!(reads(forgotten_by("SELECT 1")), Some(vec![]));
        let f = Forgets::Reads(vec![])
            .and("SELECT * FROM outbox")
            .and("INSERT INTO outbox (id) VALUES (?)")
            .and("UPDATE outbox SET sent_at = ?")
            .and("UPDATE session SET last_seen_at = ? WHERE token_hash = ?");
        assert_eq!(reads(f.clone()), Some(vec!["outbox", "session"]));
        assert!(reads(f.and("UPDATE action SET status = ?")).is_none());
        assert!(reads(forgotten_by("DELETE FROM session WHERE token_hash = ?")).is_none());
    }

    #[test]
    fn a_list_has_a_marker_per_value_bound_after_those_before_it() {
        assert!(query_list("SELECT a FROM t WHERE p = ? AND id IN (", &["p"], &[], ")").is_none());
        let q = query_list(
            "SELECT a FROM t WHERE p = ? AND id IN (",
            &["p"],
            &["x", "y", "z"],
            ") AND q = ?",
        )
        .unwrap()
        .bind("q");
        assert_eq!(
            q.sql,
            "SELECT a FROM t WHERE p = ? AND id IN (?, ?, ?) AND q = ?"
        );
        let args: Vec<String> = q.args.iter().map(|v| format!("{v:?}")).collect();
        assert_eq!(args.len(), 5);
        assert!(
            args[0].contains("\"p\"") && args[1].contains("\"x\"") && args[4].contains("\"q\"")
        );
        // A longer list is cut to what a statement takes.
        let many: Vec<String> = (0..LIST_MAX + 100).map(|i| i.to_string()).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let q = query_list("SELECT a FROM t WHERE id IN (", &[], &many, ")").unwrap();
        assert_eq!(q.args.len(), LIST_MAX);
        assert_eq!(q.sql.matches('?').count(), LIST_MAX);
    }

    #[test]
    fn markers_are_numbered_for_postgres() {
        assert_eq!(
            pg_sql("SELECT a FROM t WHERE b = ? AND c = ?"),
            "SELECT a FROM t WHERE b = $1 AND c = $2"
        );
    }
}
