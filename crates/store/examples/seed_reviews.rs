//! Fills a database with ten years of case reviews for 150 partnerships (the demo partnership
//! and 149 others) for the tracker benchmark (bench/tracker.sh): per partnership-year 12
//! notifications and 4 recorded reviews across every stage, type and publication decision, with
//! reviewers and themes. A stand-in until the national-scale generator (`learnloop generate`)
//! arrives. Deterministic.
//!
//! `cargo run --release --example seed_reviews -p learnloop-store -- DATABASE_URL`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Duration, NaiveDate, Utc};
use learnloop_store::{Db, demo, new_id, query, ts};

const PARTNERSHIPS: usize = 150;
const YEARS: i64 = 10;
const STAGES: [&str; 9] = [
    "closed",
    "closed",
    "publication-decided",
    "final-report",
    "draft-report",
    "in-review",
    "decided",
    "rapid-review",
    "notified",
];
const TYPES: [&str; 5] = [
    "lcspr",
    "local-learning-review",
    "single-agency-review",
    "dhr",
    "management-review",
];

#[tokio::main]
async fn main() {
    let url = std::env::args().nth(1).expect("give the database URL");
    let db = Db::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    demo::load(&db).await.expect("demo");
    let (demo_id,): (String,) = db
        .fetch_one(query(
            "SELECT id FROM partnership WHERE slug = 'northbrook'",
        ))
        .await
        .unwrap();
    let now = ts(Utc::now());
    let mut pids = vec![demo_id];
    {
        let mut tx = db.begin().await.unwrap();
        for n in 1..PARTNERSHIPS {
            let id = new_id();
            tx.execute(
                query("INSERT INTO partnership (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
                    .bind(&id)
                    .bind(format!("bench-{n:03}"))
                    .bind(format!("Bench partnership {n:03}"))
                    .bind(&now)
                    .bind(&now),
            )
            .await
            .unwrap();
            pids.push(id);
        }
        tx.commit().await.unwrap();
    }
    let today = Utc::now().date_naive();
    let start =
        NaiveDate::from_ymd_opt(today.year() - i32::try_from(YEARS).unwrap(), 1, 1).unwrap();
    let mut cases = 0u64;
    for (p, pid) in pids.iter().enumerate() {
        // Each partnership's own themes, for the theme filter.
        let mut theme_ids = Vec::new();
        let mut tx = db.begin().await.unwrap();
        let existing: Vec<(String,)> = tx
            .fetch_all(
                query("SELECT id FROM theme WHERE partnership_id = ? ORDER BY name LIMIT 8")
                    .bind(pid),
            )
            .await
            .unwrap();
        theme_ids.extend(existing.into_iter().map(|t| t.0));
        for k in theme_ids.len()..8 {
            let id = new_id();
            tx.execute(
                query("INSERT INTO theme (id, partnership_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
                    .bind(&id)
                    .bind(pid)
                    .bind(format!("Theme {k}"))
                    .bind(&now)
                    .bind(&now),
            )
            .await
            .unwrap();
            theme_ids.push(id);
        }
        for year in 0..YEARS {
            for k in 0..16i64 {
                let year_start =
                    NaiveDate::from_ymd_opt(start.year() + i32::try_from(year).unwrap(), 1, 1)
                        .unwrap();
                let aware = year_start + Duration::days(k * 22 + i64::try_from(p % 7).unwrap());
                if aware > today {
                    continue;
                }
                let recorded = k >= 12;
                let age = (today - aware).num_days();
                // Older cases are further along; the newest are still at intake.
                let stage = if age > 400 {
                    STAGES[usize::try_from(k).unwrap() % 2]
                } else {
                    STAGES[usize::try_from((k + year) % 9).unwrap()]
                };
                let review_type = if recorded || !matches!(stage, "rapid-review" | "notified") {
                    Some(TYPES[usize::try_from(k).unwrap() % TYPES.len()])
                } else {
                    None
                };
                let decided = review_type
                    .map(|_| (aware + Duration::days(30)).format("%Y-%m-%d").to_string());
                let publication = match stage {
                    "closed" | "publication-decided" => Some(
                        ["publish", "publish-redacted", "do-not-publish"]
                            [usize::try_from(k).unwrap() % 3],
                    ),
                    _ => None,
                };
                let published = (stage == "closed" && publication != Some("do-not-publish"))
                    .then(|| (aware + Duration::days(200)).format("%Y-%m-%d").to_string());
                let id = new_id();
                tx.execute(
                    query(
                        "INSERT INTO case_review (id, partnership_id, reference, origin, category, stage, aware_on, notified_on, \
                         panel_reference, summary, oversight_group_id, restricted, created_by, created_at, updated_at, \
                         review_type, decided_on, reviewer_name, publication, published_on, report_sent_on) \
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, TRUE, 'seed', ?, ?, ?, ?, ?, ?, ?, ?)",
                    )
                    .bind(&id)
                    .bind(pid)
                    .bind(format!("{}-{:03}", aware.year(), k + 1))
                    .bind(if recorded { "recorded" } else { "notification" })
                    .bind(if recorded { "recorded" } else { ["death-or-serious-harm", "looked-after-child-death", "care-leaver-death"][usize::try_from(k).unwrap() % 3] })
                    .bind(stage)
                    .bind(aware.format("%Y-%m-%d").to_string())
                    .bind((!recorded).then(|| (aware + Duration::days(3)).format("%Y-%m-%d").to_string()))
                    .bind(format!("CSPRP-{}-{:04}", aware.year(), p * 16 + usize::try_from(k).unwrap()))
                    .bind("Restricted account of what happened")
                    .bind(&now)
                    .bind(&now)
                    .bind(review_type)
                    .bind(decided.clone())
                    .bind(review_type.map(|_| format!("Reviewer {}", k % 5)))
                    .bind(publication)
                    .bind(published.clone())
                    .bind(published.clone()),
                )
                .await
                .unwrap();
                for t in [k % 8, (k + 3) % 8] {
                    tx.execute(
                        query("INSERT INTO tagging (partnership_id, theme_id, target_kind, target_id, created_at) VALUES (?, ?, 'case_review', ?, ?) ON CONFLICT DO NOTHING")
                            .bind(pid)
                            .bind(&theme_ids[usize::try_from(t).unwrap()])
                            .bind(&id)
                            .bind(&now),
                    )
                    .await
                    .unwrap();
                }
                cases += 1;
            }
        }
        tx.commit().await.unwrap();
    }
    println!("{cases} cases over {PARTNERSHIPS} partnerships");
}
