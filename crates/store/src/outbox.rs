//! The mail outbox: a mail is written in the same transaction as the change that causes it,
//! then a worker claims it, sends it and marks it sent. Claiming is the one place the engines
//! differ: PostgreSQL skips rows another instance holds (`FOR UPDATE SKIP LOCKED`); SQLite has
//! one writer, so its claim is already exclusive.

use chrono::{DateTime, Duration, Utc};

use crate::{Db, Engine, StoreError, Tx, new_id, query, ts};

/// A mail to send.
#[derive(Clone, Debug)]
pub struct NewMail {
    pub kind: &'static str,
    pub partnership_id: Option<String>,
    /// When set, a second mail with the same key is never queued (e.g. one reminder per day).
    pub natural_key: Option<String>,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Queues a mail inside the caller's transaction. False when its natural key was queued before.
pub async fn enqueue(tx: &mut Tx, m: NewMail) -> Result<bool, StoreError> {
    let now = ts(Utc::now());
    let n = tx
        .execute(
            query(
                "INSERT INTO outbox (id, kind, partnership_id, natural_key, to_addr, subject, body, \
                 not_before, created_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0) \
                 ON CONFLICT (natural_key) DO NOTHING",
            )
            .bind(new_id())
            .bind(m.kind)
            .bind(m.partnership_id)
            .bind(m.natural_key)
            .bind(m.to)
            .bind(m.subject)
            .bind(m.body)
            .bind(&now)
            .bind(&now),
        )
        .await?;
    Ok(n == 1)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Claimed {
    pub id: String,
    pub kind: String,
    pub partnership_id: Option<String>,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

/// How long a claim holds before another worker may take the mail over (the first crashed).
const CLAIM_TIMEOUT_MINUTES: i64 = 5;

/// Claims up to `limit` mails that are due, for this worker alone.
pub async fn claim(
    db: &Db,
    worker: &str,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Claimed>, StoreError> {
    let sql = match db.engine() {
        Engine::Postgres => {
            "UPDATE outbox SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1 WHERE id IN \
             (SELECT id FROM outbox WHERE sent_at IS NULL AND not_before <= ? \
              AND (claimed_at IS NULL OR claimed_at < ?) ORDER BY not_before LIMIT ? \
              FOR UPDATE SKIP LOCKED) RETURNING id, kind, partnership_id, to_addr, subject, body, attempts"
        }
        Engine::Sqlite => {
            "UPDATE outbox SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1 WHERE id IN \
             (SELECT id FROM outbox WHERE sent_at IS NULL AND not_before <= ? \
              AND (claimed_at IS NULL OR claimed_at < ?) ORDER BY not_before LIMIT ?) \
             RETURNING id, kind, partnership_id, to_addr, subject, body, attempts"
        }
    };
    let mut tx = db.begin_keeping_sessions().await?;
    let rows = tx
        .fetch_all(
            query(sql)
                .bind(worker)
                .bind(ts(now))
                .bind(ts(now))
                .bind(ts(now - Duration::minutes(CLAIM_TIMEOUT_MINUTES)))
                .bind(limit),
        )
        .await?;
    tx.commit().await?;
    Ok(rows)
}

pub async fn mark_sent(db: &Db, id: &str) -> Result<(), StoreError> {
    db.execute(
        query("UPDATE outbox SET sent_at = ?, last_error = NULL WHERE id = ?")
            .bind(ts(Utc::now()))
            .bind(id),
    )
    .await?;
    Ok(())
}

/// Mails that invite someone in may go to a person with no role yet; every other mail of a
/// partnership describes its work.
pub fn describes_work(kind: &str) -> bool {
    // A line manager named at a training booking is asked about their member of staff by a
    // link: they often have no account, and the mail holds only the course and the link.
    !matches!(kind, "invitation" | "training-follow-up-manager")
}

/// Whether an address may still receive a mail about a partnership's work now: an active
/// person with a role there.
pub async fn may_receive(db: &Db, to: &str, partnership_id: &str) -> Result<bool, StoreError> {
    let found: Option<(String,)> = db
        .fetch_optional(
            query(
                "SELECT p.id FROM person p WHERE p.email = ? AND p.active = ? AND EXISTS \
                 (SELECT 1 FROM membership m WHERE m.person_id = p.id AND m.partnership_id = ?)",
            )
            .bind(to)
            .bind(true)
            .bind(partnership_id),
        )
        .await?;
    Ok(found.is_some())
}

/// Closes a mail without sending it: its recipient may no longer see what it describes.
pub async fn withhold(db: &Db, id: &str, why: &str) -> Result<(), StoreError> {
    db.execute(
        query("UPDATE outbox SET sent_at = ?, last_error = ? WHERE id = ?")
            .bind(ts(Utc::now()))
            .bind(format!("not sent: {why}"))
            .bind(id),
    )
    .await?;
    Ok(())
}

/// Records a failed attempt and releases the mail to be tried again later (backing off).
pub async fn mark_failed(db: &Db, id: &str, attempts: i64, error: &str) -> Result<(), StoreError> {
    let wait = Duration::seconds(30 * (1i64 << attempts.clamp(0, 8)));
    db.execute(
        query("UPDATE outbox SET claimed_by = NULL, claimed_at = NULL, not_before = ?, last_error = ? WHERE id = ?")
            .bind(ts(Utc::now() + wait))
            .bind(error.chars().take(500).collect::<String>())
            .bind(id),
    )
    .await?;
    Ok(())
}

/// Mails not yet sent (for the operator and for tests).
pub async fn pending(db: &Db) -> Result<i64, StoreError> {
    let (n,): (i64,) = db
        .fetch_one(query("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"))
        .await?;
    Ok(n)
}
