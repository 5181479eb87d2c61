//! Multi-agency audits: the programme, each audit's design (its question set, agencies and
//! case sample), the independence of auditors, and the stage moves that ask for returns.
//!
//! The sample's labels are pseudonyms and restricted like a case review: audit-trail entries
//! name the audit, never a case label, in their summary; their before and after are shown only
//! to who may read the whole audit (web `audit::disclose`).

use chrono::Utc;
use learnloop_domain::audits::Stage;
use learnloop_domain::sources::SourceKind;
use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::{Day, Db, Page, Paged, StoreError, Tx, new_id, query, returns, ts};

mod report;
mod sample;

pub use report::*;
pub use sample::*;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Audit {
    pub id: String,
    pub partnership_id: String,
    pub year: i64,
    pub title: String,
    pub reason: String,
    pub prompted_by: Option<String>,
    pub group_id: Option<String>,
    pub lead_person_id: Option<String>,
    pub question_set_id: String,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub stage: Stage,
    pub fieldwork_on: Day,
    pub returns_due_on: Day,
    pub workshop_on: Option<Day>,
    pub report_due_on: Option<Day>,
    pub reported_on: Option<Day>,
    pub reaudit_of: Option<String>,
    pub report_summary: String,
    pub report_strengths: String,
    pub report_improvements: String,
    pub created_at: String,
    pub updated_at: String,
}

/// An audit as the programme lists it, with how its returns stand.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditLine {
    #[sqlx(flatten)]
    pub audit: Audit,
    pub lead: Option<String>,
    pub cases: i64,
    pub asked: i64,
    pub answered: i64,
}

/// What a user types to plan an audit.
#[derive(Debug, Clone, Serialize)]
pub struct NewAudit {
    pub year: i64,
    pub title: String,
    pub reason: String,
    pub prompted_by: Option<String>,
    pub group_id: Option<String>,
    pub lead_person_id: Option<String>,
    pub lines: Vec<String>,
    pub scale: Vec<String>,
    pub agencies: Vec<String>,
    pub fieldwork_on: Day,
    pub returns_due_on: Day,
    pub workshop_on: Option<Day>,
    pub report_due_on: Option<Day>,
    pub reaudit_of: Option<String>,
}

pub async fn create(db: &Db, who: &Who, pid: &str, a: &NewAudit) -> Result<String, StoreError> {
    let mut tx = db.begin().await?;
    let qs = returns::add_question_set(&mut tx, pid, "audit", &a.title, &a.lines, &a.scale).await?;
    let id = new_id();
    let now = ts(Utc::now());
    tx.execute(
        query(
            "INSERT INTO audit (id, partnership_id, year, title, reason, prompted_by, group_id, lead_person_id, \
             question_set_id, stage, fieldwork_on, returns_due_on, workshop_on, report_due_on, reported_on, \
             reaudit_of, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(a.year)
        .bind(&a.title)
        .bind(&a.reason)
        .bind(&a.prompted_by)
        .bind(&a.group_id)
        .bind(&a.lead_person_id)
        .bind(&qs)
        .bind(Stage::Planned.slug())
        .bind(a.fieldwork_on)
        .bind(a.returns_due_on)
        .bind(a.workshop_on)
        .bind(a.report_due_on)
        .bind(&a.reaudit_of)
        .bind(&now)
        .bind(&now),
    )
    .await?;
    for ag in &a.agencies {
        tx.execute(
            query(
                "INSERT INTO audit_agency (audit_id, agency_id, partnership_id) VALUES (?, ?, ?)",
            )
            .bind(&id)
            .bind(ag)
            .bind(pid),
        )
        .await?;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("audit.create", "audit", Some(&id))
            .summary(format!("Planned the audit “{}”", a.title))
            .after(a),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn get(db: &Db, pid: &str, id: &str) -> Result<Option<Audit>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM audit WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// One page of the programme: a year's audits (or every year's), by fieldwork date.
pub async fn programme(
    db: &Db,
    pid: &str,
    year: Option<i64>,
    page: Page,
) -> Result<Paged<AuditLine>, StoreError> {
    const HEAD: &str = "SELECT a.*, p.name AS lead, \
         (SELECT COUNT(*) FROM audit_case c WHERE c.audit_id = a.id) AS cases, \
         (SELECT COUNT(*) FROM return_request r WHERE r.source_kind = 'audit' AND r.source_id = a.id) AS asked, \
         (SELECT COUNT(*) FROM return_request r WHERE r.source_kind = 'audit' AND r.source_id = a.id \
            AND r.state IN ('submitted', 'locked')) AS answered \
         FROM audit a LEFT JOIN person p ON p.id = a.lead_person_id ";
    let (total,): (i64,) = match year {
        Some(y) => {
            db.fetch_one(
                query("SELECT COUNT(*) FROM audit WHERE partnership_id = ? AND year = ?")
                    .bind(pid)
                    .bind(y),
            )
            .await?
        }
        None => {
            db.fetch_one(query("SELECT COUNT(*) FROM audit WHERE partnership_id = ?").bind(pid))
                .await?
        }
    };
    let items = match year {
        Some(y) => {
            db.fetch_all(
                crate::db::query_from(&[
                    HEAD,
                    "WHERE a.partnership_id = ? AND a.year = ? ORDER BY a.fieldwork_on, a.id LIMIT ? OFFSET ?",
                ])
                .bind(pid)
                .bind(y)
                .bind(page.size)
                .bind(page.offset()),
            )
            .await?
        }
        None => {
            db.fetch_all(
                crate::db::query_from(&[
                    HEAD,
                    "WHERE a.partnership_id = ? ORDER BY a.year DESC, a.fieldwork_on, a.id LIMIT ? OFFSET ?",
                ])
                .bind(pid)
                .bind(page.size)
                .bind(page.offset()),
            )
            .await?
        }
    };
    Ok(Paged { items, total, page })
}

/// The years with audits, newest first, for the programme's year filter.
pub async fn years(db: &Db, pid: &str) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = db
        .fetch_all(
            query("SELECT DISTINCT year FROM audit WHERE partnership_id = ? ORDER BY year DESC LIMIT 100")
                .bind(pid),
        )
        .await?;
    Ok(rows.into_iter().map(|(y,)| y).collect())
}

/// The participating agencies, by name.
pub async fn agencies(db: &Db, pid: &str, id: &str) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT g.id, g.name FROM audit_agency x JOIN agency g ON g.id = x.agency_id \
             WHERE x.partnership_id = ? AND x.audit_id = ? ORDER BY g.name LIMIT 200",
        )
        .bind(pid)
        .bind(id),
    )
    .await
}

pub(crate) async fn ask(
    tx: &mut Tx,
    a: &Audit,
    pairs: &[(String, String)],
) -> Result<u64, StoreError> {
    returns::request(
        tx,
        &a.partnership_id,
        (SourceKind::Audit, &a.id, &a.question_set_id),
        pairs,
        a.returns_due_on,
    )
    .await
}

/// Moves the audit to its next stage (the caller has asked the domain). Starting fieldwork
/// asks every agency involved in each sample case for its return.
pub async fn move_stage(db: &Db, who: &Who, a: &Audit, to: Stage) -> Result<u64, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query(
                "UPDATE audit SET stage = ?, reported_on = ?, updated_at = ? \
                 WHERE partnership_id = ? AND id = ? AND stage = ?",
            )
            .bind(to.slug())
            .bind((to == Stage::Reported).then(|| Day(Utc::now().date_naive())))
            .bind(ts(Utc::now()))
            .bind(&a.partnership_id)
            .bind(&a.id)
            .bind(a.stage.slug()),
        )
        .await?;
    if n != 1 {
        return Err(StoreError::Conflict(
            "Someone else moved this audit on meanwhile: look at it again".to_owned(),
        ));
    }
    let mut asked = 0;
    if to == Stage::Fieldwork {
        let pairs: Vec<(String, String)> = tx
            .fetch_all(
                query(
                    "SELECT x.case_id, x.agency_id FROM audit_case_agency x JOIN audit_case c ON c.id = x.case_id \
                     WHERE c.partnership_id = ? AND c.audit_id = ? LIMIT 10000",
                )
                .bind(&a.partnership_id)
                .bind(&a.id),
            )
            .await?;
        asked = ask(&mut tx, a, &pairs).await?;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("audit.stage", "audit", Some(&a.id))
            .summary(format!("Moved “{}” to {}", a.title, to.label()))
            .before(&serde_json::json!({ "stage": a.stage.slug() }))
            .after(&serde_json::json!({ "stage": to.slug(), "returns_requested": asked })),
    )
    .await?;
    tx.commit().await?;
    Ok(asked)
}

/// The people who hold the auditor's role in the partnership (and can still sign in), by name:
/// those a return's auditor is chosen from.
pub async fn auditors(db: &Db, pid: &str) -> Result<Vec<crate::accounts::Named>, StoreError> {
    db.fetch_all(
        query(
            "SELECT p.id, p.name FROM person p WHERE p.active = ? AND EXISTS \
             (SELECT 1 FROM membership m WHERE m.person_id = p.id AND m.partnership_id = ? AND m.role = 'auditor') \
             ORDER BY lower(p.name), p.id LIMIT 1000",
        )
        .bind(true)
        .bind(pid),
    )
    .await
}

/// What the access rules need of some audits (group, lead), by id, for the audit trail.
pub async fn scopes_of(
    db: &Db,
    pid: &str,
    ids: &[&str],
) -> Result<Vec<(String, Option<String>, Option<String>)>, StoreError> {
    let Some(q) = crate::db::query_list(
        "SELECT id, group_id, lead_person_id FROM audit WHERE partnership_id = ? AND id IN (",
        &[pid],
        ids,
        ")",
    ) else {
        return Ok(Vec::new());
    };
    db.fetch_all(q).await
}

/// An audit under way, with how its returns stand on a day: for home pages and agendas.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnderWay {
    #[sqlx(flatten)]
    pub audit: Audit,
    pub asked: i64,
    pub answered: i64,
    pub overdue: i64,
}

/// The audits not yet reported (planned, in fieldwork or at the workshop), oldest fieldwork
/// first, with their returns counted as they stand on `today`.
pub async fn under_way(
    db: &Db,
    pid: &str,
    today: chrono::NaiveDate,
) -> Result<Vec<UnderWay>, StoreError> {
    db.fetch_all(
        query(
            "SELECT a.*, \
             (SELECT COUNT(*) FROM return_request r WHERE r.partnership_id = a.partnership_id \
                AND r.source_kind = 'audit' AND r.source_id = a.id) AS asked, \
             (SELECT COUNT(*) FROM return_request r WHERE r.partnership_id = a.partnership_id \
                AND r.source_kind = 'audit' AND r.source_id = a.id AND r.state IN ('submitted', 'locked')) AS answered, \
             (SELECT COUNT(*) FROM return_request r WHERE r.partnership_id = a.partnership_id \
                AND r.source_kind = 'audit' AND r.source_id = a.id \
                AND r.state IN ('requested', 'draft', 'returned') AND r.due_on < ?) AS overdue \
             FROM audit a WHERE a.partnership_id = ? AND a.stage <> 'reported' \
             ORDER BY a.fieldwork_on, a.id LIMIT 200",
        )
        .bind(Day(today))
        .bind(pid),
    )
    .await
}
