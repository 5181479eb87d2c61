//! The connections single statements run on, handed out without sqlx's round trips.
//!
//! sqlx's pool sends the database a message and waits for its answer each time it hands a
//! connection out and again when it takes it back, to make sure the connection is alive and
//! that a statement cancelled half-way left nothing behind. Pages run one statement per
//! connection they take, so each statement cost three round trips: on PostgreSQL three wakes
//! of a server process, on SQLite of a worker thread. Here a connection that finished its
//! statement goes straight back. The round trip is made only where it is needed:
//! - a statement that was cancelled (the browser went away) or stopped reading its rows
//!   part-way: a task of its own reads what is left before the connection goes back, still
//!   counting against the pool's size, so abandoned work cannot pile up on the server;
//! - a connection that sat unused for a while is tested before it is used again, since the
//!   server or a firewall may have dropped it.
//!
//! A connection that broke is closed, and one open for half an hour or unused for ten
//! minutes is replaced. Opening one is retried while the server is starting or full, within
//! the same wait as for a free connection.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::{ConnectOptions, Connection};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a connection may sit unused before it is tested on its way out.
const IDLE_TEST: Duration = Duration::from_secs(10);
/// How long a connection may sit unused before it is closed.
const IDLE_CLOSE: Duration = Duration::from_secs(10 * 60);
/// How long a connection is reused before a fresh one replaces it: a PostgreSQL server
/// process keeps what it cached for its session (plans, catalogue entries) until it ends.
const LIFETIME: Duration = Duration::from_secs(30 * 60);

/// A connection waiting for its next statement.
struct Idle<C> {
    conn: C,
    opened: Instant,
    since: Instant,
}

/// At most `size` open connections of one kind, reused while they work.
pub(crate) struct Readers<C: Connection> {
    options: C::Options,
    idle: Mutex<Vec<Idle<C>>>,
    permits: Arc<Semaphore>,
    size: usize,
    wait: Duration,
}

/// One connection, the caller's until [`Lease::finish`] gives it back.
pub(crate) struct Lease<C: Connection + 'static> {
    readers: Arc<Readers<C>>,
    conn: Option<C>,
    opened: Instant,
    permit: Option<OwnedSemaphorePermit>,
}

impl<C: Connection + 'static> Readers<C> {
    /// Opens the first connection now, so a wrong address or password shows at start-up.
    pub async fn open(options: C::Options, size: u32, wait: Duration) -> Result<Self, sqlx::Error> {
        let size = usize::try_from(size.max(1)).unwrap_or(usize::MAX);
        let first = options.connect().await?;
        let now = Instant::now();
        Ok(Readers {
            options,
            idle: Mutex::new(vec![Idle {
                conn: first,
                opened: now,
                since: now,
            }]),
            permits: Arc::new(Semaphore::new(size)),
            size,
            wait,
        })
    }

    /// A connection: the one used last if there is one (its pages are in the caches), else a
    /// new one. Gives up after the pool's wait, whether waiting for a free connection or for
    /// the server.
    pub async fn lease(self: &Arc<Self>) -> Result<Lease<C>, sqlx::Error> {
        match tokio::time::timeout(self.wait, self.lease_now()).await {
            Ok(lease) => lease,
            Err(_) => Err(sqlx::Error::PoolTimedOut),
        }
    }

    async fn lease_now(self: &Arc<Self>) -> Result<Lease<C>, sqlx::Error> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = {
            let mut idle = self.lock();
            // The least recently used connection is at the bottom: close it once it has
            // gone unused long enough.
            if idle
                .first()
                .is_some_and(|i| i.since.elapsed() >= IDLE_CLOSE)
            {
                let old = idle.remove(0);
                tokio::spawn(old.conn.close());
            }
            idle.pop()
        };
        let (conn, opened) = match idle {
            Some(i) if i.opened.elapsed() >= LIFETIME => {
                tokio::spawn(i.conn.close());
                self.connect().await?
            }
            Some(i) if i.since.elapsed() < IDLE_TEST => (i.conn, i.opened),
            Some(mut i) => match i.conn.ping().await {
                Ok(()) => (i.conn, i.opened),
                Err(e) => {
                    tracing::info!(error = %e, "an idle database connection had gone; opening another");
                    self.connect().await?
                }
            },
            None => self.connect().await?,
        };
        Ok(Lease {
            readers: self.clone(),
            conn: Some(conn),
            opened,
            permit: Some(permit),
        })
    }

    /// A new connection, tried again while the server is starting, shutting down or has no
    /// connection to spare (the caller's wait bounds the tries).
    async fn connect(&self) -> Result<(C, Instant), sqlx::Error> {
        let mut pause = Duration::from_millis(20);
        loop {
            match self.options.connect().await {
                Ok(conn) => return Ok((conn, Instant::now())),
                Err(e) if passing(&e) => {
                    tracing::info!(error = %e, "the database refused a connection; trying again");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Closes every connection; later leases fail.
    pub async fn close(&self) {
        self.permits.close();
        let idle = std::mem::take(&mut *self.lock());
        for i in idle {
            let _ = i.conn.close().await;
        }
    }

    /// Connections open and unused now.
    #[cfg(test)]
    fn idle_count(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Idle<C>>> {
        // The list is only pushed to and popped from; a panic elsewhere cannot leave it torn.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn put_back(&self, conn: C, opened: Instant) {
        if self.permits.is_closed() {
            tokio::spawn(conn.close());
            return;
        }
        self.lock().push(Idle {
            conn,
            opened,
            since: Instant::now(),
        });
    }
}

/// A refusal that passes: the server is starting up or shutting down, has no connection to
/// spare, or is not listening yet.
fn passing(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::ConnectionRefused
                | std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
        ),
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| matches!(&*c, "57P03" | "53300" | "57P01")),
        _ => false,
    }
}

impl<C: Connection + 'static> Lease<C> {
    /// The connection, for one statement.
    pub fn conn(&mut self) -> Result<&mut C, sqlx::Error> {
        self.conn.as_mut().ok_or(sqlx::Error::PoolClosed)
    }

    /// Gives the connection back after its statement ran. It goes straight back when the
    /// statement read all it returned, or failed with an answer from the database (a
    /// constraint, no row). A connection the server ended (PostgreSQL says FATAL as it does)
    /// or that broke is closed. Any other error may have left rows unread: those are read
    /// out first, as after a cancelled statement.
    pub fn finish<T>(mut self, out: &Result<T, sqlx::Error>) {
        use sqlx::Error as E;
        let Some(conn) = self.conn.take() else { return };
        match out {
            Err(E::Database(e))
                if e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .is_some_and(|e| {
                        matches!(
                            e.severity(),
                            sqlx::postgres::PgSeverity::Fatal | sqlx::postgres::PgSeverity::Panic
                        )
                    }) => {}
            Ok(_) | Err(E::Database(_) | E::RowNotFound) => {
                self.readers.put_back(conn, self.opened);
            }
            Err(E::Io(_) | E::Protocol(_) | E::Tls(_) | E::WorkerCrashed) => {}
            Err(_) => self.conn = Some(conn),
        }
        // Drop: a connection still held is read out and given back by a task of its own.
    }
}

impl<C: Connection + 'static> Drop for Lease<C> {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        let readers = self.readers.clone();
        let opened = self.opened;
        // The permit goes with the task: until the connection is read out, it still counts.
        let permit = self.permit.take();
        // The statement was cancelled or stopped part-way. A round trip reads whatever it
        // had left to send; only a connection that answers goes back. Outside a runtime (a
        // process shutting down) the connection is just closed.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                if tokio::time::timeout(readers.wait, conn.ping())
                    .await
                    .is_ok_and(|r| r.is_ok())
                {
                    readers.put_back(conn, opened);
                }
                drop(permit);
            });
        }
    }
}

impl<C: Connection> std::fmt::Debug for Readers<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers")
            .field("size", &self.size)
            .field("free", &self.permits.available_permits())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqliteConnection;
    use sqlx::sqlite::SqliteConnectOptions;
    use std::str::FromStr;

    async fn readers(size: u32) -> Arc<Readers<SqliteConnection>> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:").unwrap_or_default();
        match Readers::open(options, size, Duration::from_millis(200)).await {
            Ok(r) => Arc::new(r),
            Err(e) => panic!("open: {e}"),
        }
    }

    /// Leaves a temporary table on the connection the pool hands out next, to tell it apart
    /// from a new one.
    async fn mark(r: &Arc<Readers<SqliteConnection>>) {
        let mut lease = r.lease().await.unwrap_or_else(|e| panic!("{e}"));
        let made = sqlx::query("CREATE TEMP TABLE marker (x INTEGER)")
            .execute(lease.conn().unwrap_or_else(|e| panic!("{e}")))
            .await;
        lease.finish(&made);
    }

    async fn marker(lease: &mut Lease<SqliteConnection>) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM marker")
            .fetch_one(lease.conn()?)
            .await
    }

    #[tokio::test]
    async fn a_finished_connection_is_reused_and_a_broken_one_closed() {
        let r = readers(2).await;
        mark(&r).await;
        assert_eq!(r.idle_count(), 1);
        // The same connection: its temporary table is there.
        let mut lease = r.lease().await.unwrap_or_else(|e| panic!("{e}"));
        let n = marker(&mut lease).await;
        assert_eq!(n.as_ref().ok(), Some(&0));
        // A statement that broke the connection: closed, not reused.
        lease.finish(&Err::<(), _>(sqlx::Error::Protocol("broken".into())));
        assert_eq!(r.idle_count(), 0);
        let mut lease = r.lease().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(marker(&mut lease).await.is_err(), "a new connection");
    }

    #[tokio::test]
    async fn a_cancelled_statement_gives_its_connection_back_once_read_out() {
        let r = readers(1).await;
        mark(&r).await;
        let lease = r.lease().await.unwrap_or_else(|e| panic!("{e}"));
        drop(lease);
        // The one connection is back after the task's round trip, and is the same one.
        let mut lease = r.lease().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(marker(&mut lease).await.ok(), Some(0));
    }

    #[tokio::test]
    async fn no_more_than_the_size_at_once_and_a_wait_that_ends() {
        let r = readers(1).await;
        let held = r.lease().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(r.lease().await, Err(sqlx::Error::PoolTimedOut)));
        held.finish(&Ok::<(), sqlx::Error>(()));
        assert!(r.lease().await.is_ok());
        r.close().await;
        assert!(matches!(r.lease().await, Err(sqlx::Error::PoolClosed)));
    }
}
