//! The connections single statements run on, handed out without sqlx's round trips.
//!
//! sqlx's pool sends the database a message and waits for its answer each time it hands a
//! connection out and again when it takes it back, to make sure the connection is alive and
//! that a statement cancelled half-way left nothing behind. Pages run one statement per
//! connection they take, so each statement cost three round trips: on PostgreSQL three wakes
//! of a server process, on SQLite of a worker thread. Here a connection goes back only when
//! its statement finished; one whose statement failed or was cancelled (the browser went
//! away) is closed instead, which also ends anything it had begun. A connection that sat
//! unused for a while is tested before it is used again, since the server or a firewall may
//! have dropped it, and one open for half an hour is replaced.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::{ConnectOptions, Connection};
use tokio::sync::{Semaphore, SemaphorePermit};

/// How long a connection may sit unused before it is tested on its way out.
const IDLE_TEST: Duration = Duration::from_secs(10);

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
    permits: Semaphore,
    size: usize,
    wait: Duration,
}

/// One connection, the caller's until [`Lease::release`] gives it back or dropping the
/// lease closes it.
pub(crate) struct Lease<'a, C: Connection> {
    readers: &'a Readers<C>,
    pub conn: C,
    opened: Instant,
    _permit: SemaphorePermit<'a>,
}

impl<C: Connection> Readers<C> {
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
            permits: Semaphore::new(size),
            size,
            wait,
        })
    }

    /// A connection: the one used last if there is one (its pages are in the caches), else a
    /// new one. Waits at most the pool's wait for one to be free.
    pub async fn lease(&self) -> Result<Lease<'_, C>, sqlx::Error> {
        let permit = match tokio::time::timeout(self.wait, self.permits.acquire()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_)) => return Err(sqlx::Error::PoolClosed),
            Err(_) => return Err(sqlx::Error::PoolTimedOut),
        };
        let idle = self.lock().pop();
        let fresh =
            || async { Ok::<_, sqlx::Error>((self.options.connect().await?, Instant::now())) };
        let (conn, opened) = match idle {
            Some(i) if i.opened.elapsed() >= LIFETIME => {
                let _ = i.conn.close().await;
                fresh().await?
            }
            Some(i) if i.since.elapsed() < IDLE_TEST => (i.conn, i.opened),
            Some(mut i) => match i.conn.ping().await {
                Ok(()) => (i.conn, i.opened),
                Err(e) => {
                    tracing::info!(error = %e, "an idle database connection had gone; opening another");
                    fresh().await?
                }
            },
            None => fresh().await?,
        };
        Ok(Lease {
            readers: self,
            conn,
            opened,
            _permit: permit,
        })
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
}

impl<C: Connection> Lease<'_, C> {
    /// Gives the connection back after its statement ran, unless the statement failed in a
    /// way that can leave the connection half-way through a message (a broken connection, a
    /// protocol error): that one is closed. An error the database answered (a constraint, no
    /// row) or a value that did not decode leaves it ready for the next statement.
    pub fn finish<T>(self, out: &Result<T, sqlx::Error>) {
        use sqlx::Error as E;
        match out {
            // PostgreSQL says FATAL (or PANIC) as it ends the session, e.g. when an
            // administrator terminates it or the server shuts down.
            Err(E::Database(e))
                if e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .is_some_and(|e| {
                        matches!(
                            e.severity(),
                            sqlx::postgres::PgSeverity::Fatal | sqlx::postgres::PgSeverity::Panic
                        )
                    }) => {}
            Ok(_)
            | Err(
                E::Database(_)
                | E::RowNotFound
                | E::ColumnNotFound(_)
                | E::ColumnIndexOutOfBounds { .. }
                | E::ColumnDecode { .. }
                | E::Decode(_)
                | E::TypeNotFound { .. },
            ) => self.release(),
            Err(_) => {}
        }
    }

    /// The statement finished: the connection is ready for the next one.
    pub fn release(self) {
        let Lease {
            readers,
            conn,
            opened,
            _permit,
        } = self;
        readers.lock().push(Idle {
            conn,
            opened,
            since: Instant::now(),
        });
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

    async fn readers(size: u32) -> Readers<SqliteConnection> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:").unwrap_or_default();
        match Readers::open(options, size, Duration::from_millis(200)).await {
            Ok(r) => r,
            Err(e) => panic!("open: {e}"),
        }
    }

    #[tokio::test]
    async fn a_released_connection_is_reused_and_a_dropped_one_closed() {
        let r = readers(2).await;
        let mut lease = r.lease().await.unwrap_or_else(|e| panic!("{e}"));
        sqlx::query("CREATE TEMP TABLE marker (x INTEGER)")
            .execute(&mut lease.conn)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        lease.release();
        assert_eq!(r.idle_count(), 1);
        // The same connection: its temporary table is there.
        let mut lease = r.lease().await.unwrap_or_else(|e| panic!("{e}"));
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM marker")
            .fetch_one(&mut lease.conn)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n, 0);
        // Dropped without release (a failed or cancelled statement): closed, not reused.
        drop(lease);
        assert_eq!(r.idle_count(), 0);
        let mut lease = r.lease().await.unwrap_or_else(|e| panic!("{e}"));
        let gone = sqlx::query("SELECT COUNT(*) FROM marker")
            .fetch_one(&mut lease.conn)
            .await;
        assert!(gone.is_err(), "a fresh connection has no temporary table");
    }

    #[tokio::test]
    async fn no_more_than_the_size_at_once_and_a_wait_that_ends() {
        let r = readers(1).await;
        let held = r.lease().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(r.lease().await, Err(sqlx::Error::PoolTimedOut)));
        held.release();
        assert!(r.lease().await.is_ok());
        r.close().await;
        assert!(matches!(r.lease().await, Err(sqlx::Error::PoolClosed)));
    }
}
