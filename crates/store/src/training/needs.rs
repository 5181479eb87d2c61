//! The yearly training needs assessment: each need the partnership has found, where it came
//! from (a record of the partnership, an agency's request, or words), how pressing it is and
//! its themes. A course planned to meet a need answers it (`course_answers`, kind "need"), so
//! the programme shows which needs it meets and which are still open.

use chrono::Utc;
use learnloop_domain::sources::SourceKind;
use learnloop_domain::stored::Slug;
use learnloop_domain::training::{Origin, Priority};
use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::{Db, StoreError, new_id, query, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Need {
    pub id: String,
    pub partnership_id: String,
    pub year: i64,
    pub need: String,
    pub detail: String,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub origin: Origin,
    pub source_kind: Option<String>,
    pub source_id: Option<String>,
    pub agency_id: Option<String>,
    pub origin_note: String,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub priority: Priority,
    pub created_by: String,
    pub created_at: String,
}

impl Need {
    /// The record it came from, if it names one.
    pub fn source(&self) -> Option<(SourceKind, &str)> {
        let kind = SourceKind::parse(self.source_kind.as_deref()?)?;
        Some((kind, self.source_id.as_deref()?))
    }
}

/// What is typed about a need.
#[derive(Debug, Clone, Serialize)]
pub struct NeedInput {
    pub year: i64,
    pub need: String,
    pub detail: String,
    #[serde(serialize_with = "crate::slug")]
    pub origin: Origin,
    #[serde(serialize_with = "source_ref")]
    pub source: Option<(SourceKind, String)>,
    pub agency_id: Option<String>,
    pub origin_note: String,
    #[serde(serialize_with = "crate::slug")]
    pub priority: Priority,
    /// Active themes it is tagged with.
    pub themes: Vec<String>,
}

/// A named record as "kind:id" in the audit trail.
fn source_ref<S: serde::Serializer>(
    v: &Option<(SourceKind, String)>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some((k, id)) => s.serialize_some(&format!("{}:{id}", k.slug())),
        None => s.serialize_none(),
    }
}

/// The statement counting a record of the kinds a need can name.
fn source_check(kind: SourceKind) -> Option<&'static str> {
    match kind {
        SourceKind::CaseReview => {
            Some("SELECT COUNT(*) FROM case_review WHERE partnership_id = ? AND id = ?")
        }
        SourceKind::Audit => Some("SELECT COUNT(*) FROM audit WHERE partnership_id = ? AND id = ?"),
        SourceKind::Section11 => {
            Some("SELECT COUNT(*) FROM section11_cycle WHERE partnership_id = ? AND id = ?")
        }
        SourceKind::Assurance => Some(
            "SELECT COUNT(*) FROM assurance_round WHERE partnership_id = ? AND id = ? AND kind = 'assurance'",
        ),
        SourceKind::Meeting
        | SourceKind::Training
        | SourceKind::DeepDive
        | SourceKind::Inspection
        | SourceKind::ChildDeathReport
        | SourceKind::VoiceEvent => None,
    }
}

/// Adds a need to a year's assessment. NotFound when the record, agency or a theme it names is
/// not the partnership's; nothing is written then.
pub async fn add(db: &Db, who: &Who, pid: &str, n: &NeedInput) -> Result<String, StoreError> {
    let mut tx = db.begin().await?;
    if let Some((kind, id)) = &n.source {
        let sql = source_check(*kind).ok_or(StoreError::NotFound)?;
        let (k,): (i64,) = tx.fetch_one(query(sql).bind(pid).bind(id)).await?;
        if k == 0 {
            return Err(StoreError::NotFound);
        }
    }
    if let Some(a) = &n.agency_id {
        let (k,): (i64,) = tx
            .fetch_one(
                query("SELECT COUNT(*) FROM agency WHERE partnership_id = ? AND id = ?")
                    .bind(pid)
                    .bind(a),
            )
            .await?;
        if k == 0 {
            return Err(StoreError::NotFound);
        }
    }
    let id = new_id();
    tx.execute(
        query(
            "INSERT INTO training_need (id, partnership_id, year, need, detail, origin, source_kind, source_id, \
             agency_id, origin_note, priority, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(n.year)
        .bind(&n.need)
        .bind(&n.detail)
        .bind(n.origin.slug())
        .bind(n.source.as_ref().map(|(k, _)| k.slug()))
        .bind(n.source.as_ref().map(|(_, i)| i.as_str()))
        .bind(n.agency_id.as_deref())
        .bind(&n.origin_note)
        .bind(n.priority.slug())
        .bind(&who.label)
        .bind(ts(Utc::now())),
    )
    .await?;
    for t in &n.themes {
        crate::themes::tag(&mut tx, pid, t, "training_need", &id).await?;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("training.need", "training_need", Some(&id))
            .summary(format!(
                "Added a {} priority training need to {}: {}",
                n.priority.label().to_lowercase(),
                n.year,
                n.need
            ))
            .after(n),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn get(db: &Db, pid: &str, id: &str) -> Result<Option<Need>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM training_need WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// A year's needs, most pressing first, each with the courses planned to meet it (id, title).
pub async fn of_year(
    db: &Db,
    pid: &str,
    year: i64,
) -> Result<Vec<(Need, Vec<(String, String)>)>, StoreError> {
    let needs: Vec<Need> = db
        .fetch_all(
            query(
                "SELECT * FROM training_need WHERE partnership_id = ? AND year = ? \
                 ORDER BY CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, created_at, id \
                 LIMIT 500",
            )
            .bind(pid)
            .bind(year),
        )
        .await?;
    let met: Vec<(String, String, String)> = db
        .fetch_all(
            query(
                "SELECT a.target_id, c.id, c.title FROM course_answers a JOIN course c ON c.id = a.course_id \
                 AND c.partnership_id = a.partnership_id JOIN training_need n ON n.id = a.target_id \
                 AND n.partnership_id = a.partnership_id WHERE a.partnership_id = ? AND a.target_kind = 'need' \
                 AND n.year = ? ORDER BY lower(c.title) LIMIT 2000",
            )
            .bind(pid)
            .bind(year),
        )
        .await?;
    Ok(needs
        .into_iter()
        .map(|n| {
            let courses = met
                .iter()
                .filter(|(need, _, _)| *need == n.id)
                .map(|(_, id, title)| (id.clone(), title.clone()))
                .collect();
            (n, courses)
        })
        .collect())
}

/// The years with needs, newest first.
pub async fn years(db: &Db, pid: &str) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = db
        .fetch_all(
            query(
                "SELECT DISTINCT year FROM training_need WHERE partnership_id = ? ORDER BY year DESC LIMIT 50",
            )
            .bind(pid),
        )
        .await?;
    Ok(rows.into_iter().map(|(y,)| y).collect())
}

/// The records a need can name, newest first: (kind, id, title). Titles never carry a
/// restricted case's content: a case is named by its reference.
pub async fn sources(db: &Db, pid: &str) -> Result<Vec<(SourceKind, String, String)>, StoreError> {
    let mut out = Vec::new();
    let reviews: Vec<(String, String)> = db
        .fetch_all(
            query(
                "SELECT id, reference FROM case_review WHERE partnership_id = ? ORDER BY created_at DESC LIMIT 40",
            )
            .bind(pid),
        )
        .await?;
    out.extend(
        reviews
            .into_iter()
            .map(|(id, r)| (SourceKind::CaseReview, id, format!("Case {r}"))),
    );
    let audits: Vec<(String, String, i64)> = db
        .fetch_all(
            query(
                "SELECT id, title, year FROM audit WHERE partnership_id = ? ORDER BY year DESC, created_at DESC LIMIT 40",
            )
            .bind(pid),
        )
        .await?;
    out.extend(
        audits
            .into_iter()
            .map(|(id, t, y)| (SourceKind::Audit, id, format!("{t} ({y} audit)"))),
    );
    let cycles: Vec<(String, String)> = db
        .fetch_all(
            query(
                "SELECT id, title FROM section11_cycle WHERE partnership_id = ? ORDER BY created_at DESC LIMIT 20",
            )
            .bind(pid),
        )
        .await?;
    out.extend(
        cycles
            .into_iter()
            .map(|(id, t)| (SourceKind::Section11, id, format!("Section 11 cycle “{t}”"))),
    );
    let rounds: Vec<(String, i64)> = db
        .fetch_all(
            query(
                "SELECT id, year FROM assurance_round WHERE partnership_id = ? AND kind = 'assurance' \
                 ORDER BY year DESC LIMIT 20",
            )
            .bind(pid),
        )
        .await?;
    out.extend(rounds.into_iter().map(|(id, y)| {
        (
            SourceKind::Assurance,
            id,
            format!("Single-agency assurance {y}"),
        )
    }));
    Ok(out)
}
