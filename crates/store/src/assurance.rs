//! Single-agency assurance on returns: a year's round asks every active agency for its own
//! quality-assurance return (the agency is the return's subject), and the partnership records
//! the assurance it takes from each.

use chrono::Utc;
use learnloop_domain::assurance::{Level, RoundKind};
use learnloop_domain::returns::DEFAULT_SCALE;
use learnloop_domain::sources::SourceKind;
use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::{Day, Db, StoreError, new_id, query, returns, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Round {
    pub id: String,
    pub partnership_id: String,
    pub year: i64,
    pub due_on: Day,
    pub question_set_id: String,
    pub created_at: String,
    #[sqlx(try_from = "String")]
    #[serde(skip)]
    pub kind: RoundKind,
}

impl Round {
    /// "Single-agency assurance 2026".
    pub fn title(&self) -> String {
        format!("{} {}", self.kind.title(), self.year)
    }
}

/// A round with how its returns stand.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoundLine {
    #[sqlx(flatten)]
    pub round: Round,
    pub asked: i64,
    pub answered: i64,
}

/// Starts a year's round: every active agency is asked for its return by `due_on`. A year
/// already started is a [`StoreError::Conflict`].
pub async fn start(
    db: &Db,
    who: &Who,
    pid: &str,
    (kind, year): (RoundKind, i64),
    due_on: Day,
) -> Result<String, StoreError> {
    let mut tx = db.begin().await?;
    let lines: Vec<String> = kind.questions().iter().map(|q| (*q).to_owned()).collect();
    // Assurance returns carry a grade of the practice they found; the register does not.
    let scale: Vec<String> = if kind.judged() {
        DEFAULT_SCALE.iter().map(|q| (*q).to_owned()).collect()
    } else {
        Vec::new()
    };
    let qs =
        returns::add_question_set(&mut tx, pid, kind.slug(), kind.title(), &lines, &scale).await?;
    let id = new_id();
    let r = tx
        .execute(
            query(
                "INSERT INTO assurance_round (id, partnership_id, year, due_on, question_set_id, created_at, kind) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&id)
            .bind(pid)
            .bind(year)
            .bind(due_on)
            .bind(&qs)
            .bind(ts(Utc::now()))
            .bind(kind.slug()),
        )
        .await;
    match r {
        Err(e) if e.is_unique_violation() => {
            return Err(StoreError::Conflict(format!(
                "The agencies have already been asked for their {year} {}",
                match kind {
                    RoundKind::Assurance => "assurance",
                    RoundKind::TrainingRegister => "training register",
                }
            )));
        }
        r => {
            r?;
        }
    }
    let agencies: Vec<(String,)> = tx
        .fetch_all(
            query("SELECT id FROM agency WHERE partnership_id = ? AND active = ? ORDER BY name LIMIT 500")
                .bind(pid)
                .bind(true),
        )
        .await?;
    let pairs: Vec<(String, String)> = agencies.into_iter().map(|(a,)| (a.clone(), a)).collect();
    let asked = returns::request(
        &mut tx,
        pid,
        (SourceKind::Assurance, &id, &qs),
        &pairs,
        due_on,
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("assurance.start", SourceKind::Assurance.slug(), Some(&id)).summary(format!(
            "Asked {asked} agencies for their {}: {year}",
            kind.title().to_lowercase()
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn rounds(db: &Db, pid: &str, kind: RoundKind) -> Result<Vec<RoundLine>, StoreError> {
    db.fetch_all(
        query(
            "SELECT a.*, \
             (SELECT COUNT(*) FROM return_request r WHERE r.partnership_id = a.partnership_id \
                AND r.source_kind = 'assurance' AND r.source_id = a.id) AS asked, \
             (SELECT COUNT(*) FROM return_request r WHERE r.partnership_id = a.partnership_id \
                AND r.source_kind = 'assurance' AND r.source_id = a.id AND r.state IN ('submitted', 'locked')) AS answered \
             FROM assurance_round a WHERE a.partnership_id = ? AND a.kind = ? ORDER BY a.year DESC LIMIT 100",
        )
        .bind(pid)
        .bind(kind.slug()),
    )
    .await
}

pub async fn get(db: &Db, pid: &str, id: &str) -> Result<Option<Round>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM assurance_round WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// Records the assurance the partnership takes from a return that is in.
pub async fn judge(
    db: &Db,
    who: &Who,
    pid: &str,
    return_id: &str,
    (level, reason): (Level, &str),
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query(
                "UPDATE return_request SET judgement = ?, judgement_reason = ?, updated_at = ? \
                 WHERE partnership_id = ? AND id = ? AND source_kind = 'assurance' \
                 AND state IN ('submitted', 'locked') AND source_id IN \
                 (SELECT id FROM assurance_round WHERE partnership_id = ? AND kind = 'assurance')",
            )
            .bind(level.slug())
            .bind(reason)
            .bind(ts(Utc::now()))
            .bind(pid)
            .bind(return_id)
            .bind(pid),
        )
        .await?;
    if n != 1 {
        return Err(StoreError::Conflict(
            "Only a return that is in can be given an assurance level".to_owned(),
        ));
    }
    audit::append(
        &mut tx,
        who,
        Event::new("return.judge", "return", Some(return_id))
            .summary(format!("Recorded {}", level.label().to_lowercase()))
            .after(&serde_json::json!({ "level": level.slug(), "reason": reason })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
