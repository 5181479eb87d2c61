//! Recommendations of any source (see `learnloop_domain::recommendations`): numbered within
//! their source, addressed to the partnership or to named agencies, tagged with themes.

use chrono::Utc;
use learnloop_domain::recommendations::{Addressee, SourceKind};
use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::reviews::lifecycle::tag_with_case;
use crate::{Db, StoreError, new_id, query, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Recommendation {
    pub id: String,
    pub partnership_id: String,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub source_kind: SourceKind,
    pub source_id: String,
    pub number: i64,
    pub body: String,
    pub addressed_to: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A recommendation with the names of the agencies it is addressed to and of its themes.
#[derive(Debug, Clone, Serialize)]
pub struct RecommendationLine {
    pub rec: Recommendation,
    pub agencies: Vec<String>,
    pub themes: Vec<String>,
}

/// Adds a recommendation to a source, numbered next within it. Themes that cannot be used
/// leave nothing written.
pub async fn add(
    db: &Db,
    who: &Who,
    pid: &str,
    (kind, source_id): (SourceKind, &str),
    body: &str,
    to: &Addressee,
    theme_ids: &[String],
) -> Result<i64, StoreError> {
    let mut tx = db.begin().await?;
    tx.serialise_on(&format!("recommendation:{}:{source_id}", kind.slug()))
        .await?;
    let (last,): (Option<i64>,) = tx
        .fetch_one(
            query("SELECT MAX(number) FROM recommendation WHERE partnership_id = ? AND source_kind = ? AND source_id = ?")
                .bind(pid)
                .bind(kind.slug())
                .bind(source_id),
        )
        .await?;
    let number = last.unwrap_or(0) + 1;
    let id = new_id();
    let now = ts(Utc::now());
    tx.execute(
        query(
            "INSERT INTO recommendation (id, partnership_id, source_kind, source_id, number, body, addressed_to, \
             created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(kind.slug())
        .bind(source_id)
        .bind(number)
        .bind(body)
        .bind(to.slug())
        .bind(&who.label)
        .bind(&now)
        .bind(&now),
    )
    .await?;
    if let Addressee::Agencies(ids) = to {
        for a in ids {
            let n = tx
                .execute(
                    query(
                        "INSERT INTO recommendation_agency (recommendation_id, partnership_id, agency_id) \
                         SELECT ?, ?, id FROM agency WHERE partnership_id = ? AND id = ? ON CONFLICT DO NOTHING",
                    )
                    .bind(&id)
                    .bind(pid)
                    .bind(pid)
                    .bind(a),
                )
                .await?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
        }
    }
    let case = (kind == SourceKind::CaseReview).then_some(source_id);
    tag_with_case(&mut tx, pid, theme_ids, ("recommendation", &id), case).await?;
    audit::append(
        &mut tx,
        who,
        Event::new("recommendation.add", kind.slug(), Some(source_id))
            .summary(format!("Added recommendation {number}"))
            .after(&serde_json::json!({"body": body, "to": to.slug(), "themes": theme_ids})),
    )
    .await?;
    tx.commit().await?;
    Ok(number)
}

/// A recommendation with its agencies' and themes' names, each list in one text.
#[derive(Clone, sqlx::FromRow)]
struct Named {
    #[sqlx(flatten)]
    rec: Recommendation,
    agency_names: Option<String>,
    theme_names: Option<String>,
}

/// Between names in one text: no name can hold it (typed text keeps no control character).
const BETWEEN: &str = "\u{1f}";

/// A source's recommendations in order, with agency and theme names, in one statement: pages
/// that show recommendations (a review, an inspection, an audit's report, a deep dive...)
/// read them with one round trip to the database instead of three.
pub async fn for_source(
    db: &Db,
    pid: &str,
    kind: SourceKind,
    source_id: &str,
) -> Result<Vec<RecommendationLine>, StoreError> {
    let rows: Vec<Named> = db
        .fetch_all(
            // From each recommendation to its taggings, so that the tagging index is looked
            // up for each recommendation rather than the partnership's taggings scanned.
            query(
                "SELECT r.*, \
                 (SELECT string_agg(a.name, ? ORDER BY a.name) FROM recommendation_agency ra \
                    JOIN agency a ON a.id = ra.agency_id WHERE ra.recommendation_id = r.id) AS agency_names, \
                 (SELECT string_agg(t.name, ? ORDER BY t.name) FROM tagging g \
                    JOIN theme t ON t.id = g.theme_id \
                    WHERE g.partnership_id = r.partnership_id AND g.target_kind = 'recommendation' \
                    AND g.target_id = r.id) AS theme_names \
                 FROM recommendation r WHERE r.partnership_id = ? AND r.source_kind = ? AND r.source_id = ? \
                 ORDER BY r.number LIMIT 500",
            )
            .bind(BETWEEN)
            .bind(BETWEEN)
            .bind(pid)
            .bind(kind.slug())
            .bind(source_id),
        )
        .await?;
    let split = |names: Option<String>| -> Vec<String> {
        names
            .map(|n| n.split(BETWEEN).map(str::to_owned).collect())
            .unwrap_or_default()
    };
    Ok(rows
        .into_iter()
        .map(|r| RecommendationLine {
            agencies: split(r.agency_names),
            themes: split(r.theme_names),
            rec: r.rec,
        })
        .collect())
}

/// The number of every recommendation of the partnership, by id (for exports).
pub async fn numbers(
    db: &Db,
    pid: &str,
) -> Result<std::collections::HashMap<String, i64>, StoreError> {
    let rows: Vec<(String, i64)> = db
        .fetch_all(
            query("SELECT id, number FROM recommendation WHERE partnership_id = ?").bind(pid),
        )
        .await?;
    Ok(rows.into_iter().collect())
}

pub async fn get(db: &Db, pid: &str, id: &str) -> Result<Option<Recommendation>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM recommendation WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// The agency ids a recommendation is addressed to.
pub async fn agency_ids(db: &Db, pid: &str, id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = db
        .fetch_all(
            query("SELECT agency_id FROM recommendation_agency WHERE partnership_id = ? AND recommendation_id = ? LIMIT 200")
                .bind(pid)
                .bind(id),
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
