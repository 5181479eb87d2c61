//! Inspections: who inspected which of the partnership's agencies, when, with what judgement;
//! the report, kept as a file owned by the inspection; recommendations (through
//! `recommendations::add` with the inspection as their source) and the action plan's progress
//! reported to the board.

use chrono::Utc;
use learnloop_domain::inspections::{Checked, Inspectorate};
use learnloop_domain::sources::SourceKind;
use learnloop_domain::stored::Slug;
use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::{Day, Db, StoreError, new_id, query, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Inspection {
    pub id: String,
    pub partnership_id: String,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub inspectorate: Inspectorate,
    pub other_name: String,
    pub theme: String,
    pub notice_on: Option<Day>,
    pub started_on: Day,
    pub ended_on: Day,
    pub published_on: Option<Day>,
    pub judgement: String,
    pub summary: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

impl Inspection {
    /// "Ofsted, March 2026", "Joint targeted area inspection: children at risk of exploitation".
    pub fn title(&self) -> String {
        let who = if self.inspectorate == Inspectorate::Other {
            self.other_name.clone()
        } else {
            self.inspectorate.label().to_owned()
        };
        if self.theme.is_empty() {
            format!("{who}, {}", self.started_on.0.format("%B %Y"))
        } else {
            format!("{who}: {}", self.theme)
        }
    }
}

/// What is recorded: the checked details, a summary, and the agencies inspected.
#[derive(Debug, Clone)]
pub struct InspectionInput {
    pub checked: Checked,
    pub summary: String,
    pub agency_ids: Vec<String>,
}

fn audit_view(i: &InspectionInput) -> serde_json::Value {
    let c = &i.checked;
    serde_json::json!({
        "inspectorate": c.inspectorate.slug(),
        "other_name": c.other_name,
        "theme": c.theme,
        "notice_on": c.notice_on.map(|d| d.to_string()),
        "started_on": c.started_on.to_string(),
        "ended_on": c.ended_on.to_string(),
        "published_on": c.published_on.map(|d| d.to_string()),
        "judgement": c.judgement,
        "agencies": i.agency_ids,
    })
}

async fn check_agencies(tx: &mut crate::Tx, pid: &str, ids: &[String]) -> Result<(), StoreError> {
    for a in ids {
        let (n,): (i64,) = tx
            .fetch_one(
                query("SELECT COUNT(*) FROM agency WHERE partnership_id = ? AND id = ?")
                    .bind(pid)
                    .bind(a),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
    }
    Ok(())
}

async fn put_agencies(
    tx: &mut crate::Tx,
    pid: &str,
    id: &str,
    ids: &[String],
) -> Result<(), StoreError> {
    tx.execute(
        query("DELETE FROM inspection_agency WHERE partnership_id = ? AND inspection_id = ?")
            .bind(pid)
            .bind(id),
    )
    .await?;
    for a in ids {
        tx.execute(
            query("INSERT INTO inspection_agency (inspection_id, partnership_id, agency_id) VALUES (?, ?, ?)")
                .bind(id)
                .bind(pid)
                .bind(a),
        )
        .await?;
    }
    Ok(())
}

/// Records an inspection. NotFound when an agency is not the partnership's.
pub async fn add(db: &Db, who: &Who, pid: &str, i: &InspectionInput) -> Result<String, StoreError> {
    let mut tx = db.begin().await?;
    check_agencies(&mut tx, pid, &i.agency_ids).await?;
    let id = new_id();
    let now = ts(Utc::now());
    let c = &i.checked;
    tx.execute(
        query(
            "INSERT INTO inspection (id, partnership_id, inspectorate, other_name, theme, notice_on, started_on, \
             ended_on, published_on, judgement, summary, created_by, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(c.inspectorate.slug())
        .bind(&c.other_name)
        .bind(&c.theme)
        .bind(c.notice_on.map(Day))
        .bind(Day(c.started_on))
        .bind(Day(c.ended_on))
        .bind(c.published_on.map(Day))
        .bind(&c.judgement)
        .bind(&i.summary)
        .bind(&who.label)
        .bind(&now)
        .bind(&now),
    )
    .await?;
    put_agencies(&mut tx, pid, &id, &i.agency_ids).await?;
    audit::append(
        &mut tx,
        who,
        Event::new("inspection.add", SourceKind::Inspection.slug(), Some(&id))
            .summary(format!(
                "Recorded the inspection by {}",
                c.inspectorate.label()
            ))
            .after(&audit_view(i)),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes an inspection's details (the report published, the judgement known).
pub async fn update(
    db: &Db,
    who: &Who,
    before: &Inspection,
    i: &InspectionInput,
) -> Result<(), StoreError> {
    let pid = &before.partnership_id;
    let mut tx = db.begin().await?;
    check_agencies(&mut tx, pid, &i.agency_ids).await?;
    let c = &i.checked;
    tx.execute(
        query(
            "UPDATE inspection SET inspectorate = ?, other_name = ?, theme = ?, notice_on = ?, started_on = ?, \
             ended_on = ?, published_on = ?, judgement = ?, summary = ?, updated_at = ? \
             WHERE partnership_id = ? AND id = ?",
        )
        .bind(c.inspectorate.slug())
        .bind(&c.other_name)
        .bind(&c.theme)
        .bind(c.notice_on.map(Day))
        .bind(Day(c.started_on))
        .bind(Day(c.ended_on))
        .bind(c.published_on.map(Day))
        .bind(&c.judgement)
        .bind(&i.summary)
        .bind(ts(Utc::now()))
        .bind(pid)
        .bind(&before.id),
    )
    .await?;
    put_agencies(&mut tx, pid, &before.id, &i.agency_ids).await?;
    audit::append(
        &mut tx,
        who,
        Event::new(
            "inspection.update",
            SourceKind::Inspection.slug(),
            Some(&before.id),
        )
        .summary("Changed the inspection's details")
        .before(before)
        .after(&audit_view(i)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn get(db: &Db, pid: &str, id: &str) -> Result<Option<Inspection>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM inspection WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// An inspection with what the list shows: its last progress report and open actions.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InspectionLine {
    #[sqlx(flatten)]
    pub inspection: Inspection,
    pub last_reported: Option<Day>,
    pub open_actions: i64,
}

/// The partnership's inspections, latest first.
pub async fn list(db: &Db, pid: &str) -> Result<Vec<InspectionLine>, StoreError> {
    db.fetch_all(
        query(
            "SELECT i.*, \
             (SELECT MAX(p.reported_on) FROM inspection_progress p WHERE p.partnership_id = i.partnership_id \
                AND p.inspection_id = i.id) AS last_reported, \
             (SELECT COUNT(*) FROM action a WHERE a.partnership_id = i.partnership_id AND a.source_kind = 'inspection' \
                AND a.source_id = i.id AND a.status IN ('not-started', 'in-progress', 'completed')) AS open_actions \
             FROM inspection i WHERE i.partnership_id = ? ORDER BY i.started_on DESC, i.id LIMIT 200",
        )
        .bind(pid),
    )
    .await
}

/// The agencies inspected: (id, name).
pub async fn agencies(db: &Db, pid: &str, id: &str) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT g.id, g.name FROM inspection_agency x \
             JOIN agency g ON g.id = x.agency_id AND g.partnership_id = x.partnership_id \
             WHERE x.partnership_id = ? AND x.inspection_id = ? ORDER BY g.name LIMIT 100",
        )
        .bind(pid)
        .bind(id),
    )
    .await
}

/// A report of the action plan's progress to the board.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Progress {
    pub id: String,
    pub reported_on: Day,
    pub summary: String,
    pub created_by: String,
}

pub async fn progress(db: &Db, pid: &str, id: &str) -> Result<Vec<Progress>, StoreError> {
    db.fetch_all(
        query(
            "SELECT id, reported_on, summary, created_by FROM inspection_progress \
             WHERE partnership_id = ? AND inspection_id = ? ORDER BY reported_on DESC, id LIMIT 200",
        )
        .bind(pid)
        .bind(id),
    )
    .await
}

/// Records the progress reported to the board on a day.
pub async fn add_progress(
    db: &Db,
    who: &Who,
    i: &Inspection,
    (on, summary): (Day, &str),
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    tx.execute(
        query(
            "INSERT INTO inspection_progress (id, inspection_id, partnership_id, reported_on, summary, created_by, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(new_id())
        .bind(&i.id)
        .bind(&i.partnership_id)
        .bind(on)
        .bind(summary)
        .bind(&who.label)
        .bind(ts(Utc::now())),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new(
            "inspection.progress",
            SourceKind::Inspection.slug(),
            Some(&i.id),
        )
        .summary(format!(
            "Recorded the action plan's progress reported on {}",
            on.long()
        ))
        .after(&serde_json::json!({ "reported_on": on.to_string(), "summary": summary })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The file kind of an inspection's report.
pub const REPORT: &str = "inspection";

/// The reports kept with the inspection.
pub async fn reports(db: &Db, pid: &str, id: &str) -> Result<Vec<crate::files::Owned>, StoreError> {
    crate::files::owned(db, pid, (REPORT, id)).await
}

/// Keeps the inspection's report (another upload is kept beside it: a letter, then the full
/// report), audited.
pub async fn add_report(
    db: &Db,
    files: &crate::files::FileStore,
    who: &Who,
    i: &Inspection,
    up: crate::files::Upload,
) -> Result<String, StoreError> {
    crate::files::keep_for(
        db,
        files,
        who,
        (&i.partnership_id, REPORT, &i.id),
        ("inspection.report", "report"),
        up,
    )
    .await
}
