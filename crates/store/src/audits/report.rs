//! The workshop (date, attendance), the overview report and children's views, re-audits, and
//! changes to an audit's questions.

#[allow(unused_imports)]
use super::*;

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
    let (id, major) = returns::revise_question_set(
        &mut tx,
        &a.partnership_id,
        &a.question_set_id,
        (lines, None),
        scale,
    )
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
