//! Groups' settings and their terms of reference. Every revision of the terms is kept as a
//! numbered version; the newest is in force and older ones stay readable, with who changed
//! them and when.

use chrono::Utc;
use serde::Serialize;

use crate::Day;
use crate::audit::{self, Event, Who};
use crate::{Db, StoreError, new_id, query, ts};

/// A group with the settings that shape its meetings.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct GroupDetail {
    pub id: String,
    pub partnership_id: String,
    pub name: String,
    pub kind: String,
    pub reports_to_id: Option<String>,
    pub papers_days: i64,
    pub quorum_rule: String,
    pub standing_items: String,
    pub created_at: String,
    pub updated_at: String,
}

impl GroupDetail {
    /// Standing agenda items, one per line.
    pub fn standing(&self) -> Vec<String> {
        self.standing_items
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// What a user sets about a group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupInput {
    pub name: String,
    pub kind: String,
    pub reports_to_id: Option<String>,
    pub papers_days: i64,
    pub quorum_rule: String,
    pub standing_items: String,
}

pub async fn group(db: &Db, pid: &str, id: &str) -> Result<Option<GroupDetail>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM partnership_group WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

pub async fn groups(db: &Db, pid: &str) -> Result<Vec<GroupDetail>, StoreError> {
    db.fetch_all(query("SELECT * FROM partnership_group WHERE partnership_id = ? ORDER BY lower(name) LIMIT 500").bind(pid))
        .await
}

fn conflict(e: StoreError, name: &str) -> StoreError {
    if e.is_unique_violation() {
        StoreError::Conflict(format!("There is already a group called {name}"))
    } else {
        e
    }
}

pub async fn create_group(
    db: &Db,
    who: &Who,
    pid: &str,
    g: &GroupInput,
) -> Result<String, StoreError> {
    let id = new_id();
    let now = ts(Utc::now());
    let mut tx = db.begin().await?;
    tx.execute(
        query(
            "INSERT INTO partnership_group (id, partnership_id, name, kind, reports_to_id, papers_days, quorum_rule, \
             standing_items, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(&g.name)
        .bind(&g.kind)
        .bind(g.reports_to_id.clone())
        .bind(g.papers_days)
        .bind(&g.quorum_rule)
        .bind(&g.standing_items)
        .bind(&now)
        .bind(&now),
    )
    .await
    .map_err(|e| conflict(e, &g.name))?;
    audit::append(
        &mut tx,
        who,
        Event::new("group.create", "group", Some(&id))
            .summary(format!("Added group {}", g.name))
            .after(g),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_group(
    db: &Db,
    who: &Who,
    pid: &str,
    id: &str,
    g: &GroupInput,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let before: GroupDetail = tx
        .fetch_optional(
            query("SELECT * FROM partnership_group WHERE partnership_id = ? AND id = ?")
                .bind(pid)
                .bind(id),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.execute(
        query(
            "UPDATE partnership_group SET name = ?, kind = ?, reports_to_id = ?, papers_days = ?, quorum_rule = ?, \
             standing_items = ?, updated_at = ? WHERE partnership_id = ? AND id = ?",
        )
        .bind(&g.name)
        .bind(&g.kind)
        .bind(g.reports_to_id.clone())
        .bind(g.papers_days)
        .bind(&g.quorum_rule)
        .bind(&g.standing_items)
        .bind(ts(Utc::now()))
        .bind(pid)
        .bind(id),
    )
    .await
    .map_err(|e| conflict(e, &g.name))?;
    audit::append(
        &mut tx,
        who,
        Event::new("group.update", "group", Some(id))
            .summary(format!("Changed group {}", g.name))
            .before(&before)
            .after(g),
    )
    .await?;
    tx.commit().await
}

/// One version of a group's terms of reference.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Terms {
    pub id: String,
    pub partnership_id: String,
    pub group_id: String,
    pub version: i64,
    pub purpose: String,
    pub aims: String,
    pub functions: String,
    pub core_agencies: String,
    pub invited_agencies: String,
    pub chair_person_id: Option<String>,
    pub chair_appointed_by: String,
    pub deputy_person_id: Option<String>,
    pub deputy_appointed_by: String,
    pub frequency: String,
    pub meeting_minutes: i64,
    pub outputs: String,
    pub admin_support: String,
    pub agreed_on: Day,
    pub review_due: Day,
    pub changed_by: String,
    pub changed_at: String,
}

impl Terms {
    /// Agency ids, stored as a JSON list.
    pub fn core(&self) -> Vec<String> {
        serde_json::from_str(&self.core_agencies).unwrap_or_default()
    }
    pub fn invited(&self) -> Vec<String> {
        serde_json::from_str(&self.invited_agencies).unwrap_or_default()
    }
    /// Numbered functions, one per line.
    pub fn function_list(&self) -> Vec<String> {
        self.functions
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// What a user writes in a revision of the terms.
#[derive(Debug, Clone, Serialize, Default)]
pub struct TermsInput {
    pub purpose: String,
    pub aims: String,
    pub functions: String,
    pub core_agencies: Vec<String>,
    pub invited_agencies: Vec<String>,
    pub chair_person_id: Option<String>,
    pub chair_appointed_by: String,
    pub deputy_person_id: Option<String>,
    pub deputy_appointed_by: String,
    pub frequency: String,
    pub meeting_minutes: i64,
    pub outputs: String,
    pub admin_support: String,
    pub agreed_on: String,
    pub review_due: String,
}

pub async fn current(db: &Db, pid: &str, group_id: &str) -> Result<Option<Terms>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM group_terms WHERE partnership_id = ? AND group_id = ? ORDER BY version DESC LIMIT 1")
            .bind(pid)
            .bind(group_id),
    )
    .await
}

pub async fn version(
    db: &Db,
    pid: &str,
    group_id: &str,
    v: i64,
) -> Result<Option<Terms>, StoreError> {
    db.fetch_optional(
        query(
            "SELECT * FROM group_terms WHERE partnership_id = ? AND group_id = ? AND version = ?",
        )
        .bind(pid)
        .bind(group_id)
        .bind(v),
    )
    .await
}

/// Every version, newest first (a group revises its terms a few times a decade).
pub async fn versions(db: &Db, pid: &str, group_id: &str) -> Result<Vec<Terms>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM group_terms WHERE partnership_id = ? AND group_id = ? ORDER BY version DESC LIMIT 200")
            .bind(pid)
            .bind(group_id),
    )
    .await
}

/// The terms in force of every group of a partnership.
pub async fn all_current(db: &Db, pid: &str) -> Result<Vec<Terms>, StoreError> {
    db.fetch_all(
        query(
            "SELECT t.* FROM group_terms t WHERE t.partnership_id = ? AND t.version = \
             (SELECT MAX(t2.version) FROM group_terms t2 WHERE t2.group_id = t.group_id) LIMIT 500",
        )
        .bind(pid),
    )
    .await
}

/// Saves a new version of the terms; the previous one is kept.
pub async fn revise(
    db: &Db,
    who: &Who,
    pid: &str,
    group_id: &str,
    t: &TermsInput,
) -> Result<i64, StoreError> {
    let mut tx = db.begin().await?;
    tx.serialise_on(group_id).await?;
    let before: Option<Terms> = tx
        .fetch_optional(
            query("SELECT * FROM group_terms WHERE partnership_id = ? AND group_id = ? ORDER BY version DESC LIMIT 1")
                .bind(pid)
                .bind(group_id),
        )
        .await?;
    let v = before.as_ref().map(|b| b.version + 1).unwrap_or(1);
    let json = |l: &Vec<String>| serde_json::to_string(l).unwrap_or_else(|_| "[]".to_owned());
    tx.execute(
        query(
            "INSERT INTO group_terms (id, partnership_id, group_id, version, purpose, aims, functions, core_agencies, \
             invited_agencies, chair_person_id, chair_appointed_by, deputy_person_id, deputy_appointed_by, frequency, \
             meeting_minutes, outputs, admin_support, agreed_on, review_due, changed_by, changed_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(new_id())
        .bind(pid)
        .bind(group_id)
        .bind(v)
        .bind(&t.purpose)
        .bind(&t.aims)
        .bind(&t.functions)
        .bind(json(&t.core_agencies))
        .bind(json(&t.invited_agencies))
        .bind(t.chair_person_id.clone())
        .bind(&t.chair_appointed_by)
        .bind(t.deputy_person_id.clone())
        .bind(&t.deputy_appointed_by)
        .bind(&t.frequency)
        .bind(t.meeting_minutes)
        .bind(&t.outputs)
        .bind(&t.admin_support)
        .bind(&t.agreed_on)
        .bind(&t.review_due)
        .bind(&who.label)
        .bind(ts(Utc::now())),
    )
    .await?;
    let mut e = Event::new("terms.revise", "group", Some(group_id))
        .summary(format!("Saved version {v} of the terms of reference"))
        .after(t);
    if let Some(b) = &before {
        e = e.before(b);
    }
    audit::append(&mut tx, who, e).await?;
    tx.commit().await?;
    Ok(v)
}
