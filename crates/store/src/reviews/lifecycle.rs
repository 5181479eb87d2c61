//! A commissioned review's records: who referred it, its terms of reference and reviewer,
//! practitioner events, report versions, the publication decision and its findings. Every
//! step that moves the case's stage does so only from the stage the caller saw (`from`), so two
//! people acting at once cannot skip a step; the caller gets `false` and shows the page again.

use chrono::Utc;
use serde::Serialize;

use crate::Day;
use crate::audit::{self, Event, Who};
use crate::files::{FileStore, Upload};
use crate::{Db, StoreError, Tx, new_id, query, themes, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Referral {
    pub review_id: String,
    pub partnership_id: String,
    pub source: String,
    pub referrer: String,
    pub reason: String,
    pub question: String,
    pub referred_by: String,
    pub referred_at: String,
}

pub async fn referral(db: &Db, pid: &str, id: &str) -> Result<Option<Referral>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM case_referral WHERE partnership_id = ? AND review_id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// Moves the stage from what the caller saw to the next; false if someone moved it first.
async fn move_stage(
    tx: &mut Tx,
    pid: &str,
    id: &str,
    from: &str,
    to: &str,
) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            query(
                "UPDATE case_review SET stage = ?, updated_at = ?, \
                 closed_on = CASE WHEN ? = 'closed' THEN ? ELSE closed_on END \
                 WHERE partnership_id = ? AND id = ? AND stage = ?",
            )
            .bind(to)
            .bind(ts(Utc::now()))
            .bind(to)
            .bind(Utc::now().date_naive().format("%Y-%m-%d").to_string())
            .bind(pid)
            .bind(id)
            .bind(from),
        )
        .await?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Terms {
    pub review_id: String,
    pub partnership_id: String,
    pub scope_from: Day,
    pub scope_to: Day,
    pub lines_of_enquiry: String,
    pub methodology: String,
    pub proportionality: String,
    pub reviewer_name: String,
    pub reviewer_independence: String,
    pub reviewer_reason: String,
    pub family_involvement: String,
    pub agreed_on: Day,
    pub recorded_by: String,
    pub recorded_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TermsInput {
    pub scope_from: String,
    pub scope_to: String,
    pub lines_of_enquiry: String,
    pub methodology: String,
    pub proportionality: String,
    pub reviewer_name: String,
    pub reviewer_independence: String,
    pub reviewer_reason: String,
    pub family_involvement: String,
    pub agreed_on: String,
}

pub async fn terms(db: &Db, pid: &str, id: &str) -> Result<Option<Terms>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM review_terms WHERE partnership_id = ? AND review_id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// Records (or revises) the terms of reference and the reviewer; the case moves `from` → `to`.
pub async fn save_terms(
    db: &Db,
    who: &Who,
    pid: &str,
    id: &str,
    t: &TermsInput,
    (from, to): (&str, &str),
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    if !move_stage(&mut tx, pid, id, from, to).await? {
        return Ok(false);
    }
    let before: Option<Terms> = tx
        .fetch_optional(
            query("SELECT * FROM review_terms WHERE partnership_id = ? AND review_id = ?")
                .bind(pid)
                .bind(id),
        )
        .await?;
    let now = ts(Utc::now());
    tx.execute(
        query("DELETE FROM review_terms WHERE partnership_id = ? AND review_id = ?")
            .bind(pid)
            .bind(id),
    )
    .await?;
    tx.execute(
        query(
            "INSERT INTO review_terms (review_id, partnership_id, scope_from, scope_to, lines_of_enquiry, methodology, \
             proportionality, reviewer_name, reviewer_independence, reviewer_reason, family_involvement, agreed_on, \
             recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(pid)
        .bind(&t.scope_from)
        .bind(&t.scope_to)
        .bind(&t.lines_of_enquiry)
        .bind(&t.methodology)
        .bind(&t.proportionality)
        .bind(&t.reviewer_name)
        .bind(&t.reviewer_independence)
        .bind(&t.reviewer_reason)
        .bind(&t.family_involvement)
        .bind(&t.agreed_on)
        .bind(&who.label)
        .bind(&now),
    )
    .await?;
    tx.execute(
        query("UPDATE case_review SET reviewer_name = ? WHERE partnership_id = ? AND id = ?")
            .bind(&t.reviewer_name)
            .bind(pid)
            .bind(id),
    )
    .await?;
    let mut e = Event::new("case.terms", "case_review", Some(id))
        .summary(format!(
            "{} the terms of reference; reviewer {}",
            if before.is_some() {
                "Revised"
            } else {
                "Agreed"
            },
            t.reviewer_name
        ))
        .after(t);
    if let Some(b) = &before {
        e = e.before(b);
    }
    audit::append(&mut tx, who, e).await?;
    tx.commit().await?;
    Ok(true)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ReviewEvent {
    pub id: String,
    pub partnership_id: String,
    pub review_id: String,
    pub held_on: Day,
    pub title: String,
    pub attendees: i64,
    pub notes: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

pub async fn events(db: &Db, pid: &str, id: &str) -> Result<Vec<ReviewEvent>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM review_event WHERE partnership_id = ? AND review_id = ? ORDER BY held_on, recorded_at LIMIT 200")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// A practitioner event (or another meeting of the review) to record.
pub struct NewEvent<'a> {
    pub held_on: &'a str,
    pub title: &'a str,
    pub attendees: i64,
    pub notes: &'a str,
}

/// Records a practitioner event.
pub async fn add_event(
    db: &Db,
    who: &Who,
    pid: &str,
    id: &str,
    e: NewEvent<'_>,
) -> Result<(), StoreError> {
    let NewEvent {
        held_on,
        title,
        attendees,
        notes,
    } = e;
    let mut tx = db.begin().await?;
    tx.execute(
        query(
            "INSERT INTO review_event (id, partnership_id, review_id, held_on, title, attendees, notes, recorded_by, recorded_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(new_id())
        .bind(pid)
        .bind(id)
        .bind(held_on)
        .bind(title)
        .bind(attendees)
        .bind(notes)
        .bind(&who.label)
        .bind(ts(Utc::now())),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("case.event", "case_review", Some(id))
            .summary(format!("Recorded the event {title} on {held_on}")),
    )
    .await?;
    tx.commit().await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Report {
    pub id: String,
    pub partnership_id: String,
    pub review_id: String,
    pub version: i64,
    pub is_final: bool,
    pub file_id: String,
    pub note: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

pub async fn reports(db: &Db, pid: &str, id: &str) -> Result<Vec<Report>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM review_report WHERE partnership_id = ? AND review_id = ? ORDER BY version DESC LIMIT 200")
            .bind(pid)
            .bind(id),
    )
    .await
}

pub async fn report(db: &Db, pid: &str, report_id: &str) -> Result<Option<Report>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM review_report WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(report_id),
    )
    .await
}

/// Stores a report version (a draft, or the final report) and moves the stage, all or nothing.
/// Returns the version number, or None if the stage had moved.
#[allow(clippy::too_many_arguments)]
pub async fn add_report(
    db: &Db,
    files: &FileStore,
    who: &Who,
    pid: &str,
    id: &str,
    is_final: bool,
    note: &str,
    (from, to): (&str, &str),
    up: Upload,
) -> Result<Option<i64>, StoreError> {
    let mut tx = db.begin().await?;
    if !move_stage(&mut tx, pid, id, from, to).await? {
        return Ok(None);
    }
    let (last,): (Option<i64>,) = tx
        .fetch_one(
            query(
                "SELECT MAX(version) FROM review_report WHERE partnership_id = ? AND review_id = ?",
            )
            .bind(pid)
            .bind(id),
        )
        .await?;
    let version = last.unwrap_or(0) + 1;
    let report_id = new_id();
    let f = crate::files::save(
        files,
        &mut tx,
        pid,
        ("review_report", &report_id),
        &who.label,
        up,
    )
    .await?;
    tx.execute(
        query(
            "INSERT INTO review_report (id, partnership_id, review_id, version, is_final, file_id, note, uploaded_by, uploaded_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&report_id)
        .bind(pid)
        .bind(id)
        .bind(version)
        .bind(is_final)
        .bind(&f.id)
        .bind(note)
        .bind(&who.label)
        .bind(ts(Utc::now())),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("case.report", "case_review", Some(id))
            .summary(format!(
                "Added {} report, version {version}",
                if is_final { "the final" } else { "a draft" }
            ))
            .after(&f),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(version))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PublicationRecord {
    pub review_id: String,
    pub partnership_id: String,
    pub decision: String,
    pub public_interest: String,
    pub child_welfare: String,
    pub legal_restrictions: String,
    pub criminal_proceedings: String,
    pub decided_on: Day,
    pub sent_to_panel_on: Option<Day>,
    pub planned_on: Option<Day>,
    pub published_on: Option<Day>,
    pub link: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicationInput {
    pub decision: String,
    pub public_interest: String,
    pub child_welfare: String,
    pub legal_restrictions: String,
    pub criminal_proceedings: String,
    pub decided_on: String,
    pub sent_to_panel_on: Option<String>,
    pub planned_on: Option<String>,
    pub published_on: Option<String>,
    pub link: String,
}

pub async fn publication(
    db: &Db,
    pid: &str,
    id: &str,
) -> Result<Option<PublicationRecord>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM review_publication WHERE partnership_id = ? AND review_id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// Records (or updates) the publication decision; the case moves `from` → `to`.
pub async fn save_publication(
    db: &Db,
    who: &Who,
    pid: &str,
    id: &str,
    p: &PublicationInput,
    (from, to): (&str, &str),
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    if !move_stage(&mut tx, pid, id, from, to).await? {
        return Ok(false);
    }
    let before: Option<PublicationRecord> = tx
        .fetch_optional(
            query("SELECT * FROM review_publication WHERE partnership_id = ? AND review_id = ?")
                .bind(pid)
                .bind(id),
        )
        .await?;
    tx.execute(
        query("DELETE FROM review_publication WHERE partnership_id = ? AND review_id = ?")
            .bind(pid)
            .bind(id),
    )
    .await?;
    tx.execute(
        query(
            "INSERT INTO review_publication (review_id, partnership_id, decision, public_interest, child_welfare, \
             legal_restrictions, criminal_proceedings, decided_on, sent_to_panel_on, planned_on, published_on, link, \
             recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(pid)
        .bind(&p.decision)
        .bind(&p.public_interest)
        .bind(&p.child_welfare)
        .bind(&p.legal_restrictions)
        .bind(&p.criminal_proceedings)
        .bind(&p.decided_on)
        .bind(p.sent_to_panel_on.clone())
        .bind(p.planned_on.clone())
        .bind(p.published_on.clone())
        .bind(&p.link)
        .bind(&who.label)
        .bind(ts(Utc::now())),
    )
    .await?;
    tx.execute(
        query(
            "UPDATE case_review SET publication = ?, published_on = ?, publication_planned_on = ?, report_sent_on = ? \
             WHERE partnership_id = ? AND id = ?",
        )
        .bind(&p.decision)
        .bind(p.published_on.clone())
        .bind(p.planned_on.clone())
        .bind(p.sent_to_panel_on.clone())
            .bind(pid)
            .bind(id),
    )
    .await?;
    let mut e = Event::new("case.publication", "case_review", Some(id))
        .summary(format!("Recorded the publication decision: {}", p.decision))
        .after(p);
    if let Some(b) = &before {
        e = e.before(b);
    }
    audit::append(&mut tx, who, e).await?;
    tx.commit().await?;
    Ok(true)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Finding {
    pub id: String,
    pub partnership_id: String,
    pub review_id: String,
    pub number: i64,
    pub body: String,
    pub created_by: String,
    pub created_at: String,
}

pub async fn findings(db: &Db, pid: &str, id: &str) -> Result<Vec<Finding>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM finding WHERE partnership_id = ? AND review_id = ? ORDER BY number LIMIT 500")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// Tags a record and the case it belongs to, so the case list can filter by theme.
pub(crate) async fn tag_with_case(
    tx: &mut Tx,
    pid: &str,
    theme_ids: &[String],
    (kind, target): (&str, &str),
    case_id: Option<&str>,
) -> Result<(), StoreError> {
    for t in theme_ids {
        themes::tag(tx, pid, t, kind, target).await?;
        if let Some(c) = case_id {
            themes::tag(tx, pid, t, "case_review", c).await?;
        }
    }
    Ok(())
}

/// Adds a numbered finding with its themes. A theme that cannot be used is a
/// [`StoreError::Conflict`] or [`StoreError::NotFound`], and nothing is written.
pub async fn add_finding(
    db: &Db,
    who: &Who,
    pid: &str,
    id: &str,
    body: &str,
    theme_ids: &[String],
) -> Result<i64, StoreError> {
    let mut tx = db.begin().await?;
    tx.serialise_on(&format!("finding:{id}")).await?;
    let (last,): (Option<i64>,) = tx
        .fetch_one(
            query("SELECT MAX(number) FROM finding WHERE partnership_id = ? AND review_id = ?")
                .bind(pid)
                .bind(id),
        )
        .await?;
    let number = last.unwrap_or(0) + 1;
    let fid = new_id();
    tx.execute(
        query(
            "INSERT INTO finding (id, partnership_id, review_id, number, body, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&fid)
        .bind(pid)
        .bind(id)
        .bind(number)
        .bind(body)
        .bind(&who.label)
        .bind(ts(Utc::now())),
    )
    .await?;
    tag_with_case(&mut tx, pid, theme_ids, ("finding", &fid), Some(id)).await?;
    audit::append(
        &mut tx,
        who,
        Event::new("case.finding", "case_review", Some(id))
            .summary(format!("Added finding {number}"))
            .after(&serde_json::json!({"body": body, "themes": theme_ids})),
    )
    .await?;
    tx.commit().await?;
    Ok(number)
}
