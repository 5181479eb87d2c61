//! Case reviews, first part: notifications of serious incidents, their children (pseudonyms
//! in every list; real names only for the restricted view), the agencies involved and the
//! panel. Every read of a restricted case in full is recorded by the web layer.

use chrono::Utc;
use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::{Db, Page, Paged, StoreError, new_id, query, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CaseReview {
    pub id: String,
    pub partnership_id: String,
    pub reference: String,
    pub origin: String,
    pub category: String,
    pub stage: String,
    pub aware_on: String,
    pub notified_on: Option<String>,
    pub panel_reference: String,
    pub summary: String,
    pub oversight_group_id: Option<String>,
    pub restricted: bool,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub rapid_review_sent_on: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Subject {
    pub id: String,
    pub partnership_id: String,
    pub review_id: String,
    pub pseudonym: String,
    pub real_name: String,
    pub created_at: String,
}

/// A notification as recorded.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub category: String,
    pub stage: String,
    pub aware_on: String,
    pub notified_on: Option<String>,
    pub panel_reference: String,
    pub summary: String,
    pub oversight_group_id: Option<String>,
    /// (pseudonym, real name)
    pub children: Vec<(String, String)>,
    pub agency_ids: Vec<String>,
}

/// Records a notification, its children and agencies in one transaction; the person who
/// records it is on its panel. Returns the new case's id.
pub async fn notify(
    db: &Db,
    who: &Who,
    pid: &str,
    n: &NewNotification,
) -> Result<String, StoreError> {
    let id = new_id();
    let now = ts(Utc::now());
    let mut tx = db.begin().await?;
    tx.serialise_on(&format!("case-reference:{pid}")).await?;
    let year = n.aware_on.get(..4).unwrap_or("0000").to_owned();
    let (count,): (i64,) = tx
        .fetch_one(
            query("SELECT COUNT(*) FROM case_review WHERE partnership_id = ? AND reference LIKE ?")
                .bind(pid)
                .bind(format!("{year}-%")),
        )
        .await?;
    let reference = format!("{year}-{:03}", count + 1);
    tx.execute(
        query(
            "INSERT INTO case_review (id, partnership_id, reference, origin, category, stage, aware_on, notified_on, \
             panel_reference, summary, oversight_group_id, restricted, created_by, created_at, updated_at) \
             VALUES (?, ?, ?, 'notification', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(&reference)
        .bind(&n.category)
        .bind(&n.stage)
        .bind(&n.aware_on)
        .bind(n.notified_on.clone())
        .bind(&n.panel_reference)
        .bind(&n.summary)
        .bind(n.oversight_group_id.clone())
        .bind(true)
        .bind(&who.label)
        .bind(&now)
        .bind(&now),
    )
    .await?;
    for (pseudonym, real_name) in &n.children {
        tx.execute(
            query("INSERT INTO case_subject (id, partnership_id, review_id, pseudonym, real_name, created_at) VALUES (?, ?, ?, ?, ?, ?)")
                .bind(new_id())
                .bind(pid)
                .bind(&id)
                .bind(pseudonym)
                .bind(real_name)
                .bind(&now),
        )
        .await?;
    }
    for a in &n.agency_ids {
        tx.execute(
            query("INSERT INTO case_agency (partnership_id, review_id, agency_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
                .bind(pid)
                .bind(&id)
                .bind(a),
        )
        .await?;
    }
    if let Some(person) = &who.person_id {
        tx.execute(
            query("INSERT INTO case_panel (partnership_id, review_id, person_id, added_at) VALUES (?, ?, ?, ?)")
                .bind(pid)
                .bind(&id)
                .bind(person)
                .bind(&now),
        )
        .await?;
    }
    // The trail names the children only by pseudonym.
    let pseudonyms: Vec<&str> = n.children.iter().map(|(p, _)| p.as_str()).collect();
    audit::append(
        &mut tx,
        who,
        Event::new("case.notify", "case_review", Some(&id))
            .summary(format!("Recorded notification {reference}"))
            .after(&serde_json::json!({"category": n.category, "aware_on": n.aware_on, "notified_on": n.notified_on, "children": pseudonyms})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn get(db: &Db, pid: &str, id: &str) -> Result<Option<CaseReview>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM case_review WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// Filters of the case list; empty means any.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub category: Option<String>,
    pub stage: Option<String>,
    pub year: Option<i32>,
}

/// The partnership's cases, newest first, filtered.
pub async fn list(
    db: &Db,
    pid: &str,
    f: &Filter,
    page: Page,
) -> Result<Paged<CaseReview>, StoreError> {
    let year = f.year.map(|y| format!("{y:04}-%"));
    let filtered = |q: crate::Query| {
        q.bind(pid)
            .bind(f.category.clone())
            .bind(f.category.clone())
            .bind(f.stage.clone())
            .bind(f.stage.clone())
            .bind(year.clone())
            .bind(year.clone())
    };
    let (total,): (i64,) = db
        .fetch_one(filtered(query(
            "SELECT COUNT(*) FROM case_review WHERE partnership_id = ? AND (? IS NULL OR category = ?) \
             AND (? IS NULL OR stage = ?) AND (? IS NULL OR aware_on LIKE ?)",
        )))
        .await?;
    let items = db
        .fetch_all(
            filtered(query(
                "SELECT * FROM case_review WHERE partnership_id = ? AND (? IS NULL OR category = ?) \
                 AND (? IS NULL OR stage = ?) AND (? IS NULL OR aware_on LIKE ?) \
                 ORDER BY aware_on DESC, reference DESC LIMIT ? OFFSET ?",
            ))
            .bind(page.size)
            .bind(page.offset()),
        )
        .await?;
    Ok(Paged { items, total, page })
}

/// Open cases (not closed), for clocks on home pages and agendas.
pub async fn open(db: &Db, pid: &str) -> Result<Vec<CaseReview>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM case_review WHERE partnership_id = ? AND stage <> 'closed' ORDER BY aware_on LIMIT 500").bind(pid),
    )
    .await
}

pub async fn subjects(db: &Db, pid: &str, review_id: &str) -> Result<Vec<Subject>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM case_subject WHERE partnership_id = ? AND review_id = ? ORDER BY pseudonym LIMIT 100")
            .bind(pid)
            .bind(review_id),
    )
    .await
}

pub async fn agency_ids(db: &Db, pid: &str, review_id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = db
        .fetch_all(query("SELECT agency_id FROM case_agency WHERE partnership_id = ? AND review_id = ? LIMIT 200").bind(pid).bind(review_id))
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

pub async fn panel(db: &Db, pid: &str, review_id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = db
        .fetch_all(query("SELECT person_id FROM case_panel WHERE partnership_id = ? AND review_id = ? LIMIT 200").bind(pid).bind(review_id))
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Names a person on the panel. False if they were already on it.
pub async fn add_to_panel(
    db: &Db,
    who: &Who,
    pid: &str,
    review_id: &str,
    person_id: &str,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query("INSERT INTO case_panel (partnership_id, review_id, person_id, added_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
                .bind(pid)
                .bind(review_id)
                .bind(person_id)
                .bind(ts(Utc::now())),
        )
        .await?;
    if n == 1 {
        audit::append(
            &mut tx,
            who,
            Event::new("case.panel.add", "case_review", Some(review_id))
                .summary("Named a person on the panel")
                .after(&person_id),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

/// An agency's summary of its involvement, asked for in a rapid review.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AgencySummary {
    pub id: String,
    pub partnership_id: String,
    pub review_id: String,
    pub agency_id: String,
    pub due_on: String,
    pub requested_at: String,
    pub chronology: String,
    pub analysis: String,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<String>,
}

/// Asks every agency involved for its summary by a date, and mails their safeguarding leads,
/// in one transaction. Agencies already asked keep their request. Returns how many were asked.
pub async fn request_summaries(
    db: &Db,
    who: &Who,
    pid: &str,
    review_id: &str,
    due_on: &str,
    mails: Vec<crate::outbox::NewMail>,
) -> Result<u64, StoreError> {
    let now = ts(Utc::now());
    let mut tx = db.begin().await?;
    let agencies: Vec<(String,)> = tx
        .fetch_all(query("SELECT agency_id FROM case_agency WHERE partnership_id = ? AND review_id = ? LIMIT 200").bind(pid).bind(review_id))
        .await?;
    let mut asked = 0;
    for (agency,) in agencies {
        asked += tx
            .execute(
                query(
                    "INSERT INTO agency_summary (id, partnership_id, review_id, agency_id, due_on, requested_at, chronology, analysis) \
                     VALUES (?, ?, ?, ?, ?, ?, '', '') ON CONFLICT DO NOTHING",
                )
                .bind(new_id())
                .bind(pid)
                .bind(review_id)
                .bind(&agency)
                .bind(due_on)
                .bind(&now),
            )
            .await?;
    }
    for m in mails {
        crate::outbox::enqueue(&mut tx, m).await?;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("case.summaries.request", "case_review", Some(review_id)).summary(format!(
            "Asked {asked} agencies for their summaries by {due_on}"
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(asked)
}

pub async fn summaries(
    db: &Db,
    pid: &str,
    review_id: &str,
) -> Result<Vec<AgencySummary>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM agency_summary WHERE partnership_id = ? AND review_id = ? ORDER BY agency_id LIMIT 200").bind(pid).bind(review_id),
    )
    .await
}

pub async fn summary(
    db: &Db,
    pid: &str,
    review_id: &str,
    agency_id: &str,
) -> Result<Option<AgencySummary>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM agency_summary WHERE partnership_id = ? AND review_id = ? AND agency_id = ?")
            .bind(pid)
            .bind(review_id)
            .bind(agency_id),
    )
    .await
}

/// Summaries not yet returned by these agencies (an agency lead's to-do).
pub async fn pending_for_agencies(
    db: &Db,
    pid: &str,
    agency_ids: &[String],
) -> Result<Vec<(AgencySummary, String)>, StoreError> {
    let rows: Vec<AgencySummaryWithRef> = db
        .fetch_all(
            query(
                "SELECT s.*, c.reference FROM agency_summary s JOIN case_review c ON c.id = s.review_id \
                 WHERE s.partnership_id = ? AND s.submitted_at IS NULL ORDER BY s.due_on LIMIT 500",
            )
            .bind(pid),
        )
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r| agency_ids.contains(&r.summary.agency_id))
        .map(|r| (r.summary, r.reference))
        .collect())
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct AgencySummaryWithRef {
    #[sqlx(flatten)]
    summary: AgencySummary,
    reference: String,
}

/// Records an agency's summary. False if it was not asked for.
pub async fn submit_summary(
    db: &Db,
    who: &Who,
    pid: &str,
    review_id: &str,
    agency_id: &str,
    chronology: &str,
    analysis: &str,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query(
                "UPDATE agency_summary SET chronology = ?, analysis = ?, submitted_by = ?, submitted_at = ? \
                 WHERE partnership_id = ? AND review_id = ? AND agency_id = ?",
            )
            .bind(chronology)
            .bind(analysis)
            .bind(&who.label)
            .bind(ts(Utc::now()))
            .bind(pid)
            .bind(review_id)
            .bind(agency_id),
        )
        .await?;
    if n == 1 {
        audit::append(
            &mut tx,
            who,
            Event::new("case.summary.submit", "case_review", Some(review_id))
                .summary("Submitted an agency summary"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

/// The agency leads of some agencies (id, e-mail, name), to ask for their summaries.
pub async fn agency_leads(
    db: &Db,
    pid: &str,
    review_id: &str,
) -> Result<Vec<(String, String, String)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT m.agency_id, p.email, p.name FROM membership m JOIN person p ON p.id = m.person_id \
             JOIN case_agency a ON a.agency_id = m.agency_id AND a.review_id = ? \
             WHERE m.partnership_id = ? AND m.role = 'agency-lead' AND p.active = ? LIMIT 500",
        )
        .bind(review_id)
        .bind(pid)
        .bind(true),
    )
    .await
}

/// The rapid review's record and the decision on the case.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RapidReview {
    pub review_id: String,
    pub partnership_id: String,
    pub facts: String,
    pub safety_assurance: String,
    pub safety_by: String,
    pub learning: String,
    pub recommendation: String,
    pub reasons: String,
    pub recorded_by: String,
    pub recorded_at: String,
    pub signed_off_by: Option<String>,
    pub signed_off_on: Option<String>,
    pub sent_to_panel_on: Option<String>,
    pub panel_response: Option<String>,
    pub panel_response_on: Option<String>,
}

/// What the group records.
#[derive(Debug, Clone, Serialize)]
pub struct RapidReviewInput {
    pub facts: String,
    pub safety_assurance: String,
    pub safety_by: String,
    pub learning: String,
    pub recommendation: String,
    pub reasons: String,
}

pub async fn rapid_review(
    db: &Db,
    pid: &str,
    review_id: &str,
) -> Result<Option<RapidReview>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM rapid_review WHERE partnership_id = ? AND review_id = ?")
            .bind(pid)
            .bind(review_id),
    )
    .await
}

/// Records (or revises, before sign-off) the rapid review. False once signed off.
pub async fn record_rapid_review(
    db: &Db,
    who: &Who,
    pid: &str,
    review_id: &str,
    r: &RapidReviewInput,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    tx.serialise_on(review_id).await?;
    let before: Option<RapidReview> = tx
        .fetch_optional(
            query("SELECT * FROM rapid_review WHERE partnership_id = ? AND review_id = ?")
                .bind(pid)
                .bind(review_id),
        )
        .await?;
    if before.as_ref().is_some_and(|b| b.signed_off_on.is_some()) {
        return Ok(false);
    }
    tx.execute(
        query("DELETE FROM rapid_review WHERE partnership_id = ? AND review_id = ?")
            .bind(pid)
            .bind(review_id),
    )
    .await?;
    tx.execute(
        query(
            "INSERT INTO rapid_review (review_id, partnership_id, facts, safety_assurance, safety_by, learning, recommendation, \
             reasons, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(review_id)
        .bind(pid)
        .bind(&r.facts)
        .bind(&r.safety_assurance)
        .bind(&r.safety_by)
        .bind(&r.learning)
        .bind(&r.recommendation)
        .bind(&r.reasons)
        .bind(&who.label)
        .bind(ts(Utc::now())),
    )
    .await?;
    let mut e = Event::new("case.rapid-review", "case_review", Some(review_id))
        .summary(format!(
            "Recorded the rapid review, recommending {}",
            r.recommendation
        ))
        .after(r);
    if let Some(b) = &before {
        e = e.before(b);
    }
    audit::append(&mut tx, who, e).await?;
    tx.commit().await?;
    Ok(true)
}

/// The independent chair signs the recommendation off: the case moves to "decided".
pub async fn sign_off(
    db: &Db,
    who: &Who,
    pid: &str,
    review_id: &str,
    on: &str,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query(
                "UPDATE rapid_review SET signed_off_by = ?, signed_off_on = ? \
                 WHERE partnership_id = ? AND review_id = ? AND signed_off_on IS NULL",
            )
            .bind(&who.label)
            .bind(on)
            .bind(pid)
            .bind(review_id),
        )
        .await?;
    if n == 1 {
        tx.execute(
            query("UPDATE case_review SET stage = 'decided', updated_at = ? WHERE partnership_id = ? AND id = ?")
                .bind(ts(Utc::now()))
                .bind(pid)
                .bind(review_id),
        )
        .await?;
        audit::append(
            &mut tx,
            who,
            Event::new("case.sign-off", "case_review", Some(review_id))
                .summary(format!("Signed off the decision on {on}")),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

/// Records when the rapid review went to the national Panel and, once known, its response.
pub async fn panel_outcome(
    db: &Db,
    who: &Who,
    pid: &str,
    review_id: &str,
    sent_on: &str,
    response: Option<(&str, &str)>,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query(
                "UPDATE rapid_review SET sent_to_panel_on = ?, panel_response = ?, panel_response_on = ? \
                 WHERE partnership_id = ? AND review_id = ? AND signed_off_on IS NOT NULL",
            )
            .bind(sent_on)
            .bind(response.map(|r| r.0))
            .bind(response.map(|r| r.1))
            .bind(pid)
            .bind(review_id),
        )
        .await?;
    if n == 1 {
        tx.execute(
            query("UPDATE case_review SET rapid_review_sent_on = ?, updated_at = ? WHERE partnership_id = ? AND id = ?")
                .bind(sent_on)
                .bind(ts(Utc::now()))
                .bind(pid)
                .bind(review_id),
        )
        .await?;
        audit::append(
            &mut tx,
            who,
            Event::new("case.panel-outcome", "case_review", Some(review_id))
                .summary(format!("Sent to the national Panel on {sent_on}"))
                .after(&serde_json::json!({"sent": sent_on, "response": response.map(|r| r.0), "response_on": response.map(|r| r.1)})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}
