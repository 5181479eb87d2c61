//! Calendar feeds at secret, revocable addresses. The secret is shown once when made; the
//! database keeps only its hash, and every read of a feed re-checks the person's access.

use chrono::Utc;

use crate::accounts::{new_secret, secret_hash};
use crate::audit::{self, Event, Who};
use crate::governance::meetings::Meeting;
use crate::{Db, StoreError, query, ts};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Feed {
    pub token_hash: String,
    pub partnership_id: String,
    pub person_id: String,
    pub group_id: Option<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// Makes a new feed address (revoking the person's previous one of the same kind) and returns
/// its secret, to show once.
pub async fn create(
    db: &Db,
    who: &Who,
    pid: &str,
    person_id: &str,
    group_id: Option<&str>,
) -> Result<String, StoreError> {
    let secret = new_secret();
    let now = ts(Utc::now());
    let mut tx = db.begin().await?;
    tx.execute(
        query(
            "UPDATE calendar_feed SET revoked_at = ? WHERE partnership_id = ? AND person_id = ? \
             AND COALESCE(group_id, '') = ? AND revoked_at IS NULL",
        )
        .bind(&now)
        .bind(pid)
        .bind(person_id)
        .bind(group_id.unwrap_or("")),
    )
    .await?;
    tx.execute(
        query("INSERT INTO calendar_feed (token_hash, partnership_id, person_id, group_id, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(secret_hash(&secret))
            .bind(pid)
            .bind(person_id)
            .bind(group_id)
            .bind(&now),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("calendar.create", "calendar_feed", group_id)
            .summary("Made a calendar feed address"),
    )
    .await?;
    tx.commit().await?;
    Ok(secret)
}

/// Revokes the person's live feed of this kind. False if there was none.
pub async fn revoke(
    db: &Db,
    who: &Who,
    pid: &str,
    person_id: &str,
    group_id: Option<&str>,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query(
                "UPDATE calendar_feed SET revoked_at = ? WHERE partnership_id = ? AND person_id = ? \
                 AND COALESCE(group_id, '') = ? AND revoked_at IS NULL",
            )
            .bind(ts(Utc::now()))
            .bind(pid)
            .bind(person_id)
            .bind(group_id.unwrap_or("")),
        )
        .await?;
    if n > 0 {
        audit::append(
            &mut tx,
            who,
            Event::new("calendar.revoke", "calendar_feed", group_id)
                .summary("Revoked a calendar feed address"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n > 0)
}

/// The person's live feeds in a partnership.
pub async fn live_for(db: &Db, pid: &str, person_id: &str) -> Result<Vec<Feed>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM calendar_feed WHERE partnership_id = ? AND person_id = ? AND revoked_at IS NULL LIMIT 200")
            .bind(pid)
            .bind(person_id),
    )
    .await
}

/// The live feed a secret opens, if any.
pub async fn find(db: &Db, secret: &str) -> Result<Option<Feed>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM calendar_feed WHERE token_hash = ? AND revoked_at IS NULL")
            .bind(secret_hash(secret)),
    )
    .await
}

/// Meetings of a partnership between two local times (`YYYY-MM-DDTHH:MM`), cancelled ones too.
pub async fn meetings_between(
    db: &Db,
    pid: &str,
    from: &str,
    to: &str,
) -> Result<Vec<Meeting>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM meeting WHERE partnership_id = ? AND starts_at >= ? AND starts_at < ? ORDER BY starts_at LIMIT 5000")
            .bind(pid)
            .bind(from)
            .bind(to),
    )
    .await
}
