//! An audit's case sample (pseudonymised, restricted like a case review), the involvement
//! practitioners declare in its cases, the independence rule's earlier-return check, and the
//! refusals it makes.

#[allow(unused_imports)]
use super::*;

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
                "SELECT (SELECT COUNT(*) FROM audit_case c JOIN return_request r \
                   ON r.source_kind = 'case_review' AND r.source_id = c.case_review_id \
                   AND r.partnership_id = c.partnership_id \
                   JOIN return_version v ON v.return_id = r.id AND v.submitted_by = ? \
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
