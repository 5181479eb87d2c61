//! Deep dives: a focus area of the performance data chosen for a meeting, analysis commissioned
//! from named agencies (one return each, source kind `deep_dive`, on the deep dive's questions),
//! presentations kept as files owned by the deep dive, the discussion, and recommendations
//! (made through `recommendations::add` with the deep dive as their source).

use chrono::Utc;
use learnloop_domain::performance::DEEP_DIVE_QUESTIONS;
use learnloop_domain::sources::SourceKind;
use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::{Day, Db, StoreError, WallTime, new_id, query, returns, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DeepDive {
    pub id: String,
    pub partnership_id: String,
    pub title: String,
    pub question: String,
    pub indicator_id: Option<String>,
    pub meeting_id: String,
    pub group_id: String,
    pub due_on: Day,
    pub question_set_id: String,
    pub discussion: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A deep dive with its meeting's day and how its analyses stand.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeepDiveLine {
    #[sqlx(flatten)]
    pub dive: DeepDive,
    pub starts_at: WallTime,
    pub asked: i64,
    pub answered: i64,
}

/// What the business team types to commission a deep dive.
#[derive(Debug, Clone, Serialize)]
pub struct DeepDiveInput {
    pub title: String,
    pub question: String,
    pub indicator_id: Option<String>,
    pub meeting_id: String,
    pub agency_ids: Vec<String>,
    pub due_on: Day,
}

/// Commissions a deep dive: asks each named agency for its analysis by the due day. NotFound
/// when the meeting, the indicator or an agency is not the partnership's; nothing is written.
pub async fn add(db: &Db, who: &Who, pid: &str, i: &DeepDiveInput) -> Result<String, StoreError> {
    let mut tx = db.begin().await?;
    let meeting: Option<(String,)> = tx
        .fetch_optional(
            query("SELECT group_id FROM meeting WHERE partnership_id = ? AND id = ? AND status <> 'cancelled'")
                .bind(pid)
                .bind(&i.meeting_id),
        )
        .await?;
    let (group_id,) = meeting.ok_or(StoreError::NotFound)?;
    if let Some(ind) = &i.indicator_id {
        let (n,): (i64,) = tx
            .fetch_one(
                query("SELECT COUNT(*) FROM indicator WHERE partnership_id = ? AND id = ?")
                    .bind(pid)
                    .bind(ind),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
    }
    for a in &i.agency_ids {
        let (n,): (i64,) = tx
            .fetch_one(
                query("SELECT COUNT(*) FROM agency WHERE partnership_id = ? AND id = ? AND active = ?")
                    .bind(pid)
                    .bind(a)
                    .bind(true),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
    }
    let lines: Vec<String> = DEEP_DIVE_QUESTIONS
        .iter()
        .map(|q| (*q).to_owned())
        .collect();
    let qs =
        returns::add_question_set(&mut tx, pid, "deep-dive", "Deep dive analysis", &lines, &[])
            .await?;
    let id = new_id();
    let now = ts(Utc::now());
    tx.execute(
        query(
            "INSERT INTO deep_dive (id, partnership_id, title, question, indicator_id, meeting_id, group_id, \
             due_on, question_set_id, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(&i.title)
        .bind(&i.question)
        .bind(i.indicator_id.as_deref())
        .bind(&i.meeting_id)
        .bind(&group_id)
        .bind(i.due_on)
        .bind(&qs)
        .bind(&who.label)
        .bind(&now)
        .bind(&now),
    )
    .await?;
    let pairs: Vec<(String, String)> = i
        .agency_ids
        .iter()
        .map(|a| (a.clone(), a.clone()))
        .collect();
    let asked = returns::request(
        &mut tx,
        pid,
        (SourceKind::DeepDive, &id, &qs),
        &pairs,
        i.due_on,
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("deep_dive.add", SourceKind::DeepDive.slug(), Some(&id))
            .summary(format!(
                "Commissioned the deep dive “{}” from {asked} agencies",
                i.title
            ))
            .after(i),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn get(db: &Db, pid: &str, id: &str) -> Result<Option<DeepDive>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM deep_dive WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

const LINES: &str = "SELECT d.*, m.starts_at, \
     (SELECT COUNT(*) FROM return_request r WHERE r.partnership_id = d.partnership_id \
        AND r.source_kind = 'deep_dive' AND r.source_id = d.id) AS asked, \
     (SELECT COUNT(*) FROM return_request r WHERE r.partnership_id = d.partnership_id \
        AND r.source_kind = 'deep_dive' AND r.source_id = d.id AND r.state IN ('submitted', 'locked')) AS answered \
     FROM deep_dive d JOIN meeting m ON m.id = d.meeting_id AND m.partnership_id = d.partnership_id ";

/// The partnership's deep dives, latest meeting first.
pub async fn list(db: &Db, pid: &str) -> Result<Vec<DeepDiveLine>, StoreError> {
    db.fetch_all(
        crate::db::query_from(&[
            LINES,
            "WHERE d.partnership_id = ? ORDER BY m.starts_at DESC, d.id LIMIT 200",
        ])
        .bind(pid),
    )
    .await
}

/// The deep dives presented at a meeting.
pub async fn at_meeting(
    db: &Db,
    pid: &str,
    meeting_id: &str,
) -> Result<Vec<DeepDiveLine>, StoreError> {
    db.fetch_all(
        crate::db::query_from(&[
            LINES,
            "WHERE d.partnership_id = ? AND d.meeting_id = ? ORDER BY d.created_at, d.id LIMIT 50",
        ])
        .bind(pid)
        .bind(meeting_id),
    )
    .await
}

/// The deep dives presented at a group's meetings on a day (its agenda).
pub async fn at_group_on(
    db: &Db,
    pid: &str,
    group_id: &str,
    day: chrono::NaiveDate,
) -> Result<Vec<DeepDiveLine>, StoreError> {
    let next = day.succ_opt().unwrap_or(day);
    db.fetch_all(
        crate::db::query_from(&[
            LINES,
            "WHERE d.partnership_id = ? AND d.group_id = ? AND m.starts_at >= ? AND m.starts_at < ? \
             AND m.status <> 'cancelled' ORDER BY m.starts_at, d.created_at, d.id LIMIT 50",
        ])
        .bind(pid)
        .bind(group_id)
        .bind(Day(day).to_string())
        .bind(Day(next).to_string()),
    )
    .await
}

/// Records the meeting's discussion of the deep dive.
pub async fn save_discussion(
    db: &Db,
    who: &Who,
    d: &DeepDive,
    discussion: &str,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    tx.execute(
        query("UPDATE deep_dive SET discussion = ?, updated_at = ? WHERE partnership_id = ? AND id = ?")
            .bind(discussion)
            .bind(ts(Utc::now()))
            .bind(&d.partnership_id)
            .bind(&d.id),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new(
            "deep_dive.discussion",
            SourceKind::DeepDive.slug(),
            Some(&d.id),
        )
        .summary(format!(
            "Recorded the discussion of the deep dive “{}”",
            d.title
        ))
        .before(&serde_json::json!({ "discussion": d.discussion }))
        .after(&serde_json::json!({ "discussion": discussion })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub const OWNER: &str = "deep_dive";

/// The presentations kept with the deep dive.
pub async fn presentations(
    db: &Db,
    pid: &str,
    id: &str,
) -> Result<Vec<crate::files::Owned>, StoreError> {
    crate::files::owned(db, pid, (OWNER, id)).await
}

/// Keeps a presentation with the deep dive, audited.
pub async fn add_presentation(
    db: &Db,
    files: &crate::files::FileStore,
    who: &Who,
    d: &DeepDive,
    up: crate::files::Upload,
) -> Result<String, StoreError> {
    crate::files::keep_for(
        db,
        files,
        who,
        (&d.partnership_id, OWNER, &d.id),
        ("deep_dive.file", "presentation"),
        up,
    )
    .await
}

/// The meetings a deep dive can be chosen for: every group's meetings from a day on, not
/// cancelled, soonest first: (id, group name, starts at).
pub async fn meetings_from(
    db: &Db,
    pid: &str,
    day: chrono::NaiveDate,
) -> Result<Vec<(String, String, WallTime)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT m.id, g.name, m.starts_at FROM meeting m \
             JOIN partnership_group g ON g.id = m.group_id AND g.partnership_id = m.partnership_id \
             WHERE m.partnership_id = ? AND m.starts_at >= ? AND m.status <> 'cancelled' \
             ORDER BY m.starts_at, m.id LIMIT 100",
        )
        .bind(pid)
        .bind(Day(day).to_string()),
    )
    .await
}
