//! Fills a database with ten years of action plans for 150 partnerships for the action
//! tracker benchmark (bench/actions.sh): per partnership-year 4 reviews, 60 recommendations
//! tagged with one or two themes, and 500 actions (750,000 in all) in every status, with
//! updates dates; the demo partnership gets twice as many (10,000 actions), owned by its own
//! people and agencies, so its exports have 10,000 rows. A stand-in until the national-scale
//! generator (`learnloop generate`) arrives. Deterministic.
//!
//! `cargo run --release --example seed_actions -p learnloop-store -- DATABASE_URL`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Duration, NaiveDate, Utc};
use learnloop_store::{Db, demo, new_id, query, ts};

const PARTNERSHIPS: usize = 150;
const YEARS: i64 = 10;
const STATUSES: [&str; 5] = [
    "closed-evidenced",
    "closed-evidenced",
    "closed-not-achieved",
    "completed",
    "in-progress",
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
    let today = Utc::now().date_naive();
    let start = NaiveDate::from_ymd_opt(today.year() - 9, 1, 1).unwrap();
    let iso = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let started = std::time::Instant::now();
    let mut total = 0u64;
    for p in 0..PARTNERSHIPS {
        let mut tx = db.begin().await.unwrap();
        let pid = if p == 0 {
            demo_id.clone()
        } else {
            let id = new_id();
            tx.execute(
                query("INSERT INTO partnership (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
                    .bind(&id)
                    .bind(format!("actions-{p:03}"))
                    .bind(format!("Partnership {p:03}"))
                    .bind(&now)
                    .bind(&now),
            )
            .await
            .unwrap();
            for k in 0..10 {
                tx.execute(
                    query("INSERT INTO agency (id, partnership_id, name, sector, created_at, updated_at) VALUES (?, ?, ?, 'Other', ?, ?)")
                        .bind(new_id())
                        .bind(&id)
                        .bind(format!("Agency {k}"))
                        .bind(&now)
                        .bind(&now),
                )
                .await
                .unwrap();
            }
            for k in 0..8 {
                tx.execute(
                    query("INSERT INTO theme (id, partnership_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
                        .bind(new_id())
                        .bind(&id)
                        .bind(format!("Theme {k}"))
                        .bind(&now)
                        .bind(&now),
                )
                .await
                .unwrap();
            }
            id
        };
        let agencies: Vec<(String,)> = tx
            .fetch_all(
                query("SELECT id FROM agency WHERE partnership_id = ? ORDER BY name").bind(&pid),
            )
            .await
            .unwrap();
        let themes: Vec<(String,)> = tx
            .fetch_all(
                query("SELECT id FROM theme WHERE partnership_id = ? ORDER BY name LIMIT 8")
                    .bind(&pid),
            )
            .await
            .unwrap();
        let people: Vec<(String,)> = tx
            .fetch_all(
                query("SELECT DISTINCT person_id FROM membership WHERE partnership_id = ? ORDER BY person_id")
                    .bind(&pid),
            )
            .await
            .unwrap();
        let per_year: i64 = if p == 0 { 1000 } else { 500 };
        for year in 0..YEARS {
            let year_start =
                NaiveDate::from_ymd_opt(start.year() + i32::try_from(year).unwrap(), 1, 1).unwrap();
            let mut recs = Vec::new();
            for r in 0..4 {
                let case = new_id();
                let aware = year_start + Duration::days(r * 80);
                tx.execute(
                    query(
                        "INSERT INTO case_review (id, partnership_id, reference, origin, category, stage, aware_on, \
                         panel_reference, summary, restricted, created_by, created_at, updated_at, review_type, decided_on) \
                         VALUES (?, ?, ?, 'recorded', 'recorded', 'closed', ?, '', 'Restricted', TRUE, 'seed', ?, ?, 'lcspr', ?)",
                    )
                    .bind(&case)
                    .bind(&pid)
                    .bind(format!("{}-A{r:02}", aware.year()))
                    .bind(iso(aware))
                    .bind(&now)
                    .bind(&now)
                    .bind(iso(aware)),
                )
                .await
                .unwrap();
                for n in 0..15 {
                    let rec = new_id();
                    tx.execute(
                        query(
                            "INSERT INTO recommendation (id, partnership_id, source_kind, source_id, number, body, addressed_to, \
                             created_by, created_at, updated_at) VALUES (?, ?, 'case_review', ?, ?, ?, 'partnership', 'seed', ?, ?)",
                        )
                        .bind(&rec)
                        .bind(&pid)
                        .bind(&case)
                        .bind(n + 1)
                        .bind(format!("Recommendation {} of case {r}", n + 1))
                        .bind(format!("{}T09:00:00.000000Z", iso(aware + Duration::days(60))))
                        .bind(&now),
                    )
                    .await
                    .unwrap();
                    let t = usize::try_from(n).unwrap();
                    for k in [t % themes.len(), (t * 3 + 1) % themes.len()] {
                        tx.execute(
                            query("INSERT INTO tagging (partnership_id, theme_id, target_kind, target_id, created_at) VALUES (?, ?, 'recommendation', ?, ?) ON CONFLICT DO NOTHING")
                                .bind(&pid)
                                .bind(&themes[k].0)
                                .bind(&rec)
                                .bind(&now),
                        )
                        .await
                        .unwrap();
                    }
                    recs.push((rec, case.clone()));
                }
            }
            for k in 0..per_year {
                let i = usize::try_from(k).unwrap();
                let (rec, case) = &recs[i % recs.len()];
                let due = year_start + Duration::days(30 + (k * 7) % 450);
                let status = if due < today - Duration::days(90) {
                    // Most old actions closed; one in ten still open and long overdue.
                    if i % 10 == 0 {
                        "in-progress"
                    } else {
                        STATUSES[i % 3]
                    }
                } else {
                    ["not-started", "in-progress", "completed", "in-progress"][i % 4]
                };
                let closed = status.starts_with("closed").then(|| iso(due));
                tx.execute(
                    query(
                        "INSERT INTO action (id, partnership_id, source_kind, source_id, group_id, description, lead_agency_id, \
                         owner_person_id, due_on, status, status_reason, created_by, created_at, updated_at, recommendation_id, \
                         success_measure, last_update_on, closed_on) \
                         VALUES (?, ?, 'case_review', ?, NULL, ?, ?, ?, ?, ?, '', 'seed', ?, ?, ?, 'Re-audit', ?, ?)",
                    )
                    .bind(new_id())
                    .bind(&pid)
                    .bind(case)
                    .bind(format!("Action {k} of year {year}: brief staff and re-audit practice"))
                    .bind(agencies.get(i % agencies.len().max(1)).map(|a| a.0.clone()))
                    .bind(people.get(i % people.len().max(1)).map(|a| a.0.clone()))
                    .bind(iso(due))
                    .bind(status)
                    .bind(format!("{}T09:00:00.000000Z", iso(year_start)))
                    .bind(&now)
                    .bind(rec)
                    .bind(iso((due - Duration::days(20)).min(today)))
                    .bind(closed),
                )
                .await
                .unwrap();
                total += 1;
            }
        }
        tx.commit().await.unwrap();
        if p % 10 == 9 {
            println!(
                "{} partnerships, {total} actions, {:.0} s",
                p + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "{total} actions over {PARTNERSHIPS} partnerships in {:.0} s",
        started.elapsed().as_secs_f64()
    );
}
