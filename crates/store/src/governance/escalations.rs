//! Escalations: an issue a group cannot resolve goes to the independent chair, then if needed
//! to the board; each step is dated and the outcome recorded.

use chrono::Utc;
use serde::Serialize;

use learnloop_domain::governance::escalations::{Move, Stage};

use crate::Day;
use crate::audit::{self, Event, Who};
use crate::{Db, StoreError, new_id, query, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Escalation {
    pub id: String,
    pub partnership_id: String,
    pub group_id: String,
    pub meeting_id: Option<String>,
    pub title: String,
    pub detail: String,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub stage: Stage,
    pub raised_on: Day,
    pub raised_by: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Step {
    pub id: String,
    pub partnership_id: String,
    pub escalation_id: String,
    pub step: String,
    pub on_date: Day,
    pub note: String,
    pub by_person: String,
    pub created_at: String,
}

/// An issue a group raises.
#[derive(Debug, Clone, Serialize)]
pub struct NewEscalation {
    pub group_id: String,
    pub meeting_id: Option<String>,
    pub title: String,
    pub detail: String,
    pub raised_on: String,
}

/// Raises an issue to the independent chair (the first step).
pub async fn raise(db: &Db, who: &Who, pid: &str, n: &NewEscalation) -> Result<String, StoreError> {
    let id = new_id();
    let now = ts(Utc::now());
    let mut tx = db.begin().await?;
    tx.execute(
        query(
            "INSERT INTO escalation (id, partnership_id, group_id, meeting_id, title, detail, stage, raised_on, raised_by, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'chair', ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(&n.group_id)
        .bind(n.meeting_id.clone())
        .bind(&n.title)
        .bind(&n.detail)
        .bind(&n.raised_on)
        .bind(&who.label)
        .bind(&now)
        .bind(&now),
    )
    .await?;
    add_step_tx(
        &mut tx,
        pid,
        &id,
        "to-chair",
        &n.raised_on,
        &n.detail,
        &who.label,
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("escalation.raise", "escalation", Some(&id))
            .summary(format!("Escalated to the independent chair: {}", n.title))
            .after(n),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn add_step_tx(
    tx: &mut crate::Tx,
    pid: &str,
    id: &str,
    step: &str,
    on: &str,
    note: &str,
    by: &str,
) -> Result<(), StoreError> {
    tx.execute(
        query(
            "INSERT INTO escalation_step (id, partnership_id, escalation_id, step, on_date, note, by_person, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(new_id())
        .bind(pid)
        .bind(id)
        .bind(step)
        .bind(on)
        .bind(note)
        .bind(by)
        .bind(ts(Utc::now())),
    )
    .await?;
    Ok(())
}

/// Moves an escalation on from the stage it was read at (the domain said the move is allowed
/// from there). False when it had moved on meanwhile.
pub async fn step(
    db: &Db,
    who: &Who,
    pid: &str,
    (id, from): (&str, Stage),
    m: Move,
    on: &str,
    note: &str,
) -> Result<bool, StoreError> {
    let Ok(stage) = from.after(m) else {
        return Ok(false);
    };
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query("UPDATE escalation SET stage = ?, updated_at = ? WHERE partnership_id = ? AND id = ? AND stage = ?")
                .bind(stage.slug())
                .bind(ts(Utc::now()))
                .bind(pid)
                .bind(id)
                .bind(from.slug()),
        )
        .await?;
    if n != 1 {
        return Ok(false);
    }
    add_step_tx(&mut tx, pid, id, m.slug(), on, note, &who.label).await?;
    let summary = if stage == Stage::WithBoard {
        "Escalated to the board"
    } else {
        "Recorded the outcome of an escalation"
    };
    audit::append(
        &mut tx,
        who,
        Event::new("escalation.step", "escalation", Some(id))
            .summary(summary)
            .after(&note),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn get(db: &Db, pid: &str, id: &str) -> Result<Option<Escalation>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM escalation WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

pub async fn steps(db: &Db, pid: &str, id: &str) -> Result<Vec<Step>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM escalation_step WHERE partnership_id = ? AND escalation_id = ? ORDER BY created_at LIMIT 100")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// Open escalations of the partnership at a stage, oldest first.
pub async fn open_at(db: &Db, pid: &str, stage: Stage) -> Result<Vec<Escalation>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM escalation WHERE partnership_id = ? AND stage = ? ORDER BY raised_on, created_at LIMIT 200")
            .bind(pid)
            .bind(stage.slug()),
    )
    .await
}

/// Every open escalation of the partnership (with the chair or the board), oldest first.
pub async fn open(db: &Db, pid: &str) -> Result<Vec<Escalation>, StoreError> {
    db.fetch_all(
        query(
            "SELECT * FROM escalation WHERE partnership_id = ? AND stage IN ('chair', 'board') \
             ORDER BY raised_on, created_at LIMIT 200",
        )
        .bind(pid),
    )
    .await
}

/// A group's escalations, open first.
pub async fn for_group(db: &Db, pid: &str, group_id: &str) -> Result<Vec<Escalation>, StoreError> {
    db.fetch_all(
        query(
            "SELECT * FROM escalation WHERE partnership_id = ? AND group_id = ? \
             ORDER BY CASE WHEN stage = 'resolved' THEN 1 ELSE 0 END, raised_on DESC LIMIT 200",
        )
        .bind(pid)
        .bind(group_id),
    )
    .await
}
