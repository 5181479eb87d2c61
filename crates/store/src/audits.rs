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

/// A case in the sample, with the agencies involved.
#[derive(Debug, Clone)]
pub struct SampleCase {
    pub id: String,
    pub label: String,
    pub case_review_id: Option<String>,
    pub agencies: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Refusal {
    pub case_label: String,
    pub person: String,
    pub reason: String,
    pub refused_by: String,
    pub refused_at: String,
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

/// The case sample, by label, each with its agencies.
pub async fn sample(db: &Db, pid: &str, id: &str) -> Result<Vec<SampleCase>, StoreError> {
    let cases: Vec<(String, String, Option<String>)> = db
        .fetch_all(
            query(
                "SELECT id, label, case_review_id FROM audit_case WHERE partnership_id = ? AND audit_id = ? \
                 ORDER BY label LIMIT 500",
            )
            .bind(pid)
            .bind(id),
        )
        .await?;
    let links: Vec<(String, String, String)> = db
        .fetch_all(
            query(
                "SELECT x.case_id, g.id, g.name FROM audit_case_agency x \
                 JOIN audit_case c ON c.id = x.case_id JOIN agency g ON g.id = x.agency_id \
                 WHERE c.partnership_id = ? AND c.audit_id = ? ORDER BY g.name LIMIT 5000",
            )
            .bind(pid)
            .bind(id),
        )
        .await?;
    Ok(cases
        .into_iter()
        .map(|(cid, label, case_review_id)| SampleCase {
            agencies: links
                .iter()
                .filter(|(c, _, _)| *c == cid)
                .map(|(_, a, n)| (a.clone(), n.clone()))
                .collect(),
            id: cid,
            label,
            case_review_id,
        })
        .collect())
}

/// Adds a case to the sample with the agencies involved. If fieldwork has started, each of
/// them is asked for its return at once.
pub async fn add_case(
    db: &Db,
    who: &Who,
    a: &Audit,
    label: &str,
    agencies: &[String],
    case_review_id: Option<&str>,
) -> Result<String, StoreError> {
    let mut tx = db.begin().await?;
    // Take the audit's row, so that a stage move at the same moment waits, and read the stage
    // it has now: a case added as fieldwork starts is asked for its returns either way.
    tx.execute(
        query("UPDATE audit SET updated_at = updated_at WHERE partnership_id = ? AND id = ?")
            .bind(&a.partnership_id)
            .bind(&a.id),
    )
    .await?;
    let (stage,): (String,) = tx
        .fetch_one(
            query("SELECT stage FROM audit WHERE partnership_id = ? AND id = ?")
                .bind(&a.partnership_id)
                .bind(&a.id),
        )
        .await?;
    let stage = Stage::try_from(stage).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if stage == Stage::Reported {
        return Err(StoreError::Conflict(
            "This audit has been reported: its sample can no longer change".to_owned(),
        ));
    }
    let id = new_id();
    let r = tx
        .execute(
            query(
                "INSERT INTO audit_case (id, partnership_id, audit_id, label, case_review_id, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(&id)
            .bind(&a.partnership_id)
            .bind(&a.id)
            .bind(label)
            .bind(case_review_id)
            .bind(ts(Utc::now())),
        )
        .await;
    match r {
        Err(e) if e.is_unique_violation() => {
            return Err(StoreError::Conflict(format!(
                "{label} is already in the sample: give each case its own label"
            )));
        }
        r => {
            r?;
        }
    }
    for ag in agencies {
        tx.execute(
            query("INSERT INTO audit_case_agency (case_id, agency_id, partnership_id) VALUES (?, ?, ?)")
                .bind(&id)
                .bind(ag)
                .bind(&a.partnership_id),
        )
        .await?;
    }
    if stage != Stage::Planned {
        let pairs: Vec<(String, String)> =
            agencies.iter().map(|g| (id.clone(), g.clone())).collect();
        ask(&mut tx, a, &pairs).await?;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("audit.case.add", "audit", Some(&a.id))
            .summary(format!("Added a case to the sample of “{}”", a.title))
            .after(&serde_json::json!({ "label": label, "agencies": agencies })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn ask(tx: &mut Tx, a: &Audit, pairs: &[(String, String)]) -> Result<u64, StoreError> {
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

/// A practitioner's declared involvement in a sample case (replacing any earlier declaration).
pub async fn declare(
    db: &Db,
    who: &Who,
    a: &Audit,
    case_id: &str,
    person_id: &str,
    note: &str,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    tx.execute(
        query("DELETE FROM audit_involvement WHERE partnership_id = ? AND case_id = ? AND person_id = ?")
            .bind(&a.partnership_id)
            .bind(case_id)
            .bind(person_id),
    )
    .await?;
    tx.execute(
        query(
            "INSERT INTO audit_involvement (case_id, person_id, partnership_id, note, declared_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(case_id)
        .bind(person_id)
        .bind(&a.partnership_id)
        .bind(note)
        .bind(ts(Utc::now())),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("audit.involvement", "audit", Some(&a.id))
            .summary(format!("Declared involvement in a case of “{}”", a.title))
            .after(
                &serde_json::json!({ "case_id": case_id, "person_id": person_id, "note": note }),
            ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a person declared of their involvement in a case, if anything.
pub async fn involvement(
    db: &Db,
    pid: &str,
    case_id: &str,
    person_id: &str,
) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> = db
        .fetch_optional(
            query(
                "SELECT note FROM audit_involvement WHERE partnership_id = ? AND case_id = ? AND person_id = ?",
            )
            .bind(pid)
            .bind(case_id)
            .bind(person_id),
        )
        .await?;
    Ok(row.map(|(n,)| n))
}

/// Whether a person wrote an earlier return on the same child's case: an agency summary or
/// report for the linked case review, or a return on an earlier audit's case linked to it.
pub async fn wrote_earlier_return(
    db: &Db,
    pid: &str,
    case_id: &str,
    person_id: &str,
) -> Result<bool, StoreError> {
    let (n,): (i64,) = db
        .fetch_one(
            query(
                "SELECT (SELECT COUNT(*) FROM audit_case c JOIN audit_event e \
                   ON e.target_kind = 'case_review' AND e.target_id = c.case_review_id \
                   AND e.action = 'case.summary.submit' AND e.actor_id = ? \
                   WHERE c.partnership_id = ? AND c.id = ?) + \
                 (SELECT COUNT(*) FROM audit_case c JOIN audit_case o \
                   ON o.case_review_id = c.case_review_id AND o.id <> c.id AND o.partnership_id = c.partnership_id \
                   JOIN return_version v ON v.return_id IN \
                     (SELECT r.id FROM return_request r WHERE r.subject_id = o.id) AND v.submitted_by = ? \
                   WHERE c.partnership_id = ? AND c.id = ?)",
            )
            .bind(person_id)
            .bind(pid)
            .bind(case_id)
            .bind(person_id)
            .bind(pid)
            .bind(case_id),
        )
        .await?;
    Ok(n > 0)
}

/// Keeps a refused assignment with its reason.
pub async fn refuse(
    db: &Db,
    who: &Who,
    a: &Audit,
    case_id: &str,
    person_id: &str,
    reason: &str,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    tx.execute(
        query(
            "INSERT INTO audit_refusal (id, partnership_id, case_id, person_id, reason, refused_by, refused_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(new_id())
        .bind(&a.partnership_id)
        .bind(case_id)
        .bind(person_id)
        .bind(reason)
        .bind(&who.label)
        .bind(ts(Utc::now())),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("audit.auditor.refused", "audit", Some(&a.id))
            .summary(format!("An auditor was refused for a case of “{}”", a.title))
            .after(&serde_json::json!({ "case_id": case_id, "person_id": person_id, "reason": reason })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every refused assignment in an audit, newest first.
pub async fn refusals(db: &Db, pid: &str, id: &str) -> Result<Vec<Refusal>, StoreError> {
    db.fetch_all(
        query(
            "SELECT c.label AS case_label, p.name AS person, f.reason, f.refused_by, f.refused_at \
             FROM audit_refusal f JOIN audit_case c ON c.id = f.case_id JOIN person p ON p.id = f.person_id \
             WHERE f.partnership_id = ? AND c.audit_id = ? ORDER BY f.refused_at DESC LIMIT 200",
        )
        .bind(pid)
        .bind(id),
    )
    .await
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
    let ids: Vec<&str> = ids.iter().copied().take(500).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql: Vec<&'static str> = vec![
        "SELECT id, group_id, lead_person_id FROM audit WHERE partnership_id = ? AND id IN (?",
    ];
    sql.extend(std::iter::repeat_n(", ?", ids.len() - 1));
    sql.push(")");
    let q = ids
        .iter()
        .fold(crate::db::query_from(&sql).bind(pid), |q, id| q.bind(*id));
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

/// The case review of the partnership with this reference ("2026-003"), if there is one: a
/// sample case names it so that whoever wrote an agency's return on it cannot audit it.
pub async fn case_review_by_reference(
    db: &Db,
    pid: &str,
    reference: &str,
) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> = db
        .fetch_optional(
            query("SELECT id FROM case_review WHERE partnership_id = ? AND reference = ?")
                .bind(pid)
                .bind(reference.trim()),
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

/// The workshop: its date and which participating agencies came.
pub async fn record_workshop(
    db: &Db,
    who: &Who,
    a: &Audit,
    on: Day,
    attended: &[String],
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    tx.execute(
        query(
            "UPDATE audit SET workshop_on = ?, updated_at = ? WHERE partnership_id = ? AND id = ?",
        )
        .bind(on)
        .bind(ts(Utc::now()))
        .bind(&a.partnership_id)
        .bind(&a.id),
    )
    .await?;
    tx.execute(
        query("DELETE FROM audit_attendance WHERE partnership_id = ? AND audit_id = ?")
            .bind(&a.partnership_id)
            .bind(&a.id),
    )
    .await?;
    for ag in attended {
        tx.execute(
            query(
                "INSERT INTO audit_attendance (audit_id, agency_id, partnership_id) \
                 SELECT ?, x.agency_id, ? FROM audit_agency x WHERE x.partnership_id = ? AND x.audit_id = ? AND x.agency_id = ?",
            )
            .bind(&a.id)
            .bind(&a.partnership_id)
            .bind(&a.partnership_id)
            .bind(&a.id)
            .bind(ag),
        )
        .await?;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("audit.workshop", "audit", Some(&a.id))
            .summary(format!("Recorded the workshop of “{}”", a.title))
            .after(&serde_json::json!({ "on": on, "attended": attended })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The agencies that came to the workshop.
pub async fn attendance(db: &Db, pid: &str, id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = db
        .fetch_all(
            query("SELECT agency_id FROM audit_attendance WHERE partnership_id = ? AND audit_id = ? LIMIT 200")
                .bind(pid)
                .bind(id),
        )
        .await?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}

/// The overview report's words.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub summary: String,
    pub strengths: String,
    pub improvements: String,
}

pub async fn save_report(db: &Db, who: &Who, a: &Audit, r: &Report) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    tx.execute(
        query(
            "UPDATE audit SET report_summary = ?, report_strengths = ?, report_improvements = ?, updated_at = ? \
             WHERE partnership_id = ? AND id = ?",
        )
        .bind(&r.summary)
        .bind(&r.strengths)
        .bind(&r.improvements)
        .bind(ts(Utc::now()))
        .bind(&a.partnership_id)
        .bind(&a.id),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("audit.report", "audit", Some(&a.id))
            .summary(format!("Saved the overview report of “{}”", a.title))
            .before(&Report {
                summary: a.report_summary.clone(),
                strengths: a.report_strengths.clone(),
                improvements: a.report_improvements.clone(),
            })
            .after(r),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Children's views gathered for the audit.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Voice {
    pub id: String,
    pub gathered_how: String,
    pub from_whom: String,
    pub said: String,
    pub created_at: String,
}

pub async fn voices(db: &Db, pid: &str, id: &str) -> Result<Vec<Voice>, StoreError> {
    db.fetch_all(
        query(
            "SELECT id, gathered_how, from_whom, said, created_at FROM audit_voice \
             WHERE partnership_id = ? AND audit_id = ? ORDER BY created_at, id LIMIT 200",
        )
        .bind(pid)
        .bind(id),
    )
    .await
}

pub async fn add_voice(
    db: &Db,
    who: &Who,
    a: &Audit,
    (how, whom, said): (&str, &str, &str),
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let id = new_id();
    tx.execute(
        query(
            "INSERT INTO audit_voice (id, partnership_id, audit_id, gathered_how, from_whom, said, recorded_by, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&a.partnership_id)
        .bind(&a.id)
        .bind(how)
        .bind(whom)
        .bind(said)
        .bind(&who.label)
        .bind(ts(Utc::now())),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("audit.voice", "audit", Some(&a.id))
            .summary(format!("Recorded children's views for “{}”", a.title))
            .after(&serde_json::json!({ "how": how, "from": whom, "said": said })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Schedules a re-audit: the same question set (so the same lines of enquiry and scale), group,
/// lead and agencies, a sample of its own, and a link back so the two audits' grades can be
/// compared.
pub async fn schedule_reaudit(
    db: &Db,
    who: &Who,
    a: &Audit,
    fieldwork_on: Day,
    returns_due_on: Day,
) -> Result<String, StoreError> {
    use chrono::Datelike;
    let mut tx = db.begin().await?;
    let id = new_id();
    let now = ts(Utc::now());
    let title = format!("Re-audit: {}", a.title.trim_start_matches("Re-audit: "));
    tx.execute(
        query(
            "INSERT INTO audit (id, partnership_id, year, title, reason, prompted_by, group_id, lead_person_id, \
             question_set_id, stage, fieldwork_on, returns_due_on, workshop_on, report_due_on, reported_on, \
             reaudit_of, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&a.partnership_id)
        .bind(i64::from(fieldwork_on.year()))
        .bind(&title)
        .bind(format!("To test whether practice changed after “{}”.", a.title))
        .bind(format!("audit:{}", a.id))
        .bind(&a.group_id)
        .bind(&a.lead_person_id)
        .bind(&a.question_set_id)
        .bind(Stage::Planned.slug())
        .bind(fieldwork_on)
        .bind(returns_due_on)
        .bind(&a.id)
        .bind(&now)
        .bind(&now),
    )
    .await?;
    tx.execute(
        query(
            "INSERT INTO audit_agency (audit_id, agency_id, partnership_id) \
             SELECT ?, agency_id, partnership_id FROM audit_agency WHERE partnership_id = ? AND audit_id = ?",
        )
        .bind(&id)
        .bind(&a.partnership_id)
        .bind(&a.id),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("audit.reaudit", "audit", Some(&id))
            .summary(format!("Scheduled a re-audit of “{}”", a.title))
            .after(&serde_json::json!({ "of": a.id, "fieldwork_on": fieldwork_on, "returns_due_on": returns_due_on })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes an audit's lines of enquiry or grading scale (see
/// [`returns::revise_question_set`]); returns whether it made a new version.
pub async fn revise_questions(
    db: &Db,
    who: &Who,
    a: &Audit,
    lines: &[String],
    scale: &[String],
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    tx.execute(
        query("UPDATE audit SET updated_at = updated_at WHERE partnership_id = ? AND id = ?")
            .bind(&a.partnership_id)
            .bind(&a.id),
    )
    .await?;
    let (id, major) =
        returns::revise_question_set(&mut tx, &a.partnership_id, &a.question_set_id, lines, scale)
            .await?;
    tx.execute(
        query("UPDATE audit SET question_set_id = ?, updated_at = ? WHERE partnership_id = ? AND id = ?")
            .bind(&id)
            .bind(ts(Utc::now()))
            .bind(&a.partnership_id)
            .bind(&a.id),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("audit.questions", "audit", Some(&a.id))
            .summary(if major {
                format!("Made a new version of the questions of “{}”", a.title)
            } else {
                format!("Changed the wording of the questions of “{}”", a.title)
            })
            .after(&serde_json::json!({ "lines": lines, "scale": scale, "new_version": major })),
    )
    .await?;
    tx.commit().await?;
    Ok(major)
}
