//! Learnloop's database layer.
//!
//! Owns the schema (`migrations/sqlite`, `migrations/postgres`, kept in step), every query,
//! transactions, the mail outbox and the hash-chained audit trail. One code path serves both
//! engines through [`Db`]; each product area has its module here with the same name it has in
//! the domain and web crates.

pub mod accounts;
pub mod actions;
pub mod assurance;
pub mod audit;
pub mod audits;
pub mod backup;
pub mod child_deaths;
pub mod clocks;
mod columns;
mod db;
pub mod demo;
pub mod export;
pub mod files;
pub mod generate;
pub mod governance;
pub mod inspections;
pub mod keys;
pub mod links;
pub mod outbox;
pub mod performance;
mod readers;
pub mod recommendations;
pub mod reference;
pub mod reminders;
pub mod retention;
pub mod returns;
pub mod reviews;
pub mod section11;
mod sessions;
pub mod sso;
#[cfg(feature = "testing")]
pub mod testing;
pub mod themes;
pub mod timing;
pub mod training;
pub mod voice;

pub use columns::{Day, Lines, WallTime};
pub use db::{Db, Engine, Query, Record, Tx, Value, query};

/// Writes a domain state (status, stage, kind) in a row's JSON (the audit trail's before and
/// after) as its stored slug.
pub(crate) fn slug<T: learnloop_domain::stored::Slug, S: serde::Serializer>(
    v: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.slug())
}

use chrono::{DateTime, SecondsFormat, Utc};

/// What can go wrong in the store. Web maps these to pages; none carries user data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("configuration: {0}")]
    Config(String),
    #[error("the record is not there")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// A write done on the caller's behalf by another task failed (the audit trail's group
    /// commit); the text says why.
    #[error("{0}")]
    Failed(String),
}

impl StoreError {
    /// True when the database refused a write because a unique index already has the value.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}

/// A new id: UUIDv7, time-ordered and unguessable, as text.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// True when `s` is a well-formed id; anything else is "not found", never an error page.
pub fn is_id(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

/// The one stored form of a moment: fixed width, so text order is time order on SQLite.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Reads a stored moment back.
pub fn parse_ts(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::Corrupt(format!("time {s:?}")))
}

/// A page of a list: every list in the product is paginated through this.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    pub number: i64,
    pub size: i64,
}

impl Page {
    pub fn new(number: i64, size: i64) -> Page {
        Page {
            number: number.clamp(1, 1_000_000),
            size: size.clamp(1, 200),
        }
    }
    pub fn offset(&self) -> i64 {
        (self.number - 1) * self.size
    }

    /// The total a list must have when this page of it came back with `rows` rows, without
    /// counting: a page short of full is the last one. `None` when only a count can tell (a
    /// full page, or an empty page past the first).
    pub fn total_from(&self, rows: usize) -> Option<i64> {
        let rows = i64::try_from(rows).ok()?;
        match rows {
            0 if self.number == 1 => Some(0),
            r if r > 0 && r < self.size => Some(self.offset() + r),
            _ => None,
        }
    }
}

/// One page of rows and the total, for pagination links.
#[derive(Clone, Debug)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: Page,
}

impl<T> Paged<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.page.size - 1) / self.page.size).max(1)
    }
}

/// A row of a list read with its list's total: the statement selects
/// `COUNT(*) OVER () AS total_rows` beside the row's own columns (see [`paged`]).
#[derive(Clone)]
struct Counted<T>(T, i64);

impl<'r, R, T> sqlx::FromRow<'r, R> for Counted<T>
where
    R: sqlx::Row,
    T: sqlx::FromRow<'r, R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    &'static str: sqlx::ColumnIndex<R>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        Ok(Counted(T::from_row(row)?, row.try_get("total_rows")?))
    }
}

/// One page of a list and the list's total in one statement: `rows` selects
/// `COUNT(*) OVER () AS total_rows` beside its columns (the window counts before `LIMIT`).
/// Each statement a page runs costs about as much as a short one's work again in round trip
/// and wake-ups on both sides, so a separate count was a fifth of a short list page. Only a
/// page past the end, which has no row to carry the total, runs `count`.
pub async fn paged<T: Record + Clone + Sync + 'static>(
    db: &Db,
    rows: Query,
    count: Query,
    page: Page,
) -> Result<Paged<T>, StoreError> {
    let got: Vec<Counted<T>> = db.fetch_all(rows).await?;
    let total = match got.first() {
        Some(Counted(_, n)) => *n,
        None if page.number == 1 => 0,
        None => {
            let (n,): (i64,) = db.fetch_one(count).await?;
            n
        }
    };
    Ok(Paged {
        items: got.into_iter().map(|Counted(t, _)| t).collect(),
        total,
        page,
    })
}

#[cfg(test)]
mod page_tests {
    use super::Page;

    #[test]
    fn a_short_page_tells_the_total_and_a_full_or_empty_later_one_does_not() {
        assert_eq!(Page::new(1, 50).total_from(0), Some(0));
        assert_eq!(Page::new(1, 50).total_from(12), Some(12));
        assert_eq!(Page::new(3, 50).total_from(7), Some(107));
        assert_eq!(Page::new(1, 50).total_from(50), None);
        assert_eq!(Page::new(2, 50).total_from(0), None);
    }
}
