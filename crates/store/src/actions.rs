//! The action record: one table for every kind of action (meeting actions now; the actions of
//! recommendations extend it with evidence, sign-off and impact).

use chrono::Utc;
use learnloop_domain::actions::ActionStatus;
use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::{Db, StoreError, new_id, query, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Action {
    pub id: String,
    pub partnership_id: String,
    pub source_kind: String,
    pub source_id: String,
    pub group_id: Option<String>,
    pub description: String,
    pub lead_agency_id: Option<String>,
    pub owner_person_id: Option<String>,
    pub due_on: String,
    pub status: String,
    pub status_reason: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewAction {
    pub source_kind: &'static str,
    pub source_id: String,
    pub group_id: Option<String>,
    pub description: String,
    pub lead_agency_id: Option<String>,
    pub owner_person_id: Option<String>,
    pub due_on: String,
}

pub async fn create(db: &Db, who: &Who, pid: &str, a: &NewAction) -> Result<String, StoreError> {
    let id = new_id();
    let now = ts(Utc::now());
    let mut tx = db.begin().await?;
    tx.execute(
        query(
            "INSERT INTO action (id, partnership_id, source_kind, source_id, group_id, description, lead_agency_id, \
             owner_person_id, due_on, status, status_reason, created_by, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(a.source_kind)
        .bind(&a.source_id)
        .bind(a.group_id.clone())
        .bind(&a.description)
        .bind(a.lead_agency_id.clone())
        .bind(a.owner_person_id.clone())
        .bind(&a.due_on)
        .bind(ActionStatus::NotStarted.slug())
        .bind(&who.label)
        .bind(&now)
        .bind(&now),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("action.create", "action", Some(&id))
            .summary(format!("Added an action: {}", a.description))
            .after(a),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The actions that came from one source (e.g. one meeting).
pub async fn for_source(
    db: &Db,
    pid: &str,
    kind: &str,
    id: &str,
) -> Result<Vec<Action>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM action WHERE partnership_id = ? AND source_kind = ? AND source_id = ? ORDER BY due_on, created_at LIMIT 500")
            .bind(pid)
            .bind(kind)
            .bind(id),
    )
    .await
}

/// A group's open actions due on or before a date (overdue and due-soon items for agendas).
pub async fn open_for_group_due_by(
    db: &Db,
    pid: &str,
    group_id: &str,
    by: &str,
) -> Result<Vec<Action>, StoreError> {
    db.fetch_all(
        query(
            "SELECT * FROM action WHERE partnership_id = ? AND group_id = ? AND status IN ('not-started', 'in-progress', 'completed') \
             AND due_on <= ? ORDER BY due_on LIMIT 200",
        )
        .bind(pid)
        .bind(group_id)
        .bind(by),
    )
    .await
}
