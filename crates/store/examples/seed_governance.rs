//! Fills the demo partnership with ten years of governance records for the agenda benchmark
//! (bench/agenda.sh): monthly meetings of every group, ten meeting actions per meeting (most
//! closed, some open and overdue), escalations, decisions and attendance. A stand-in until the
//! national-scale generator (`learnloop generate`) arrives; it writes through the same store.
//!
//! `cargo run --release --example seed_governance -p learnloop-store -- DATABASE_URL`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Duration, NaiveDate, Utc};
use learnloop_store::{Db, demo, new_id, query, ts};

#[tokio::main]
async fn main() {
    let url = std::env::args().nth(1).expect("give the database URL");
    let db = Db::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    demo::load(&db).await.expect("demo");
    let (pid,): (String,) = db
        .fetch_one(query(
            "SELECT id FROM partnership WHERE slug = 'northbrook'",
        ))
        .await
        .unwrap();
    let groups: Vec<(String,)> = db
        .fetch_all(query("SELECT id FROM partnership_group WHERE partnership_id = ?").bind(&pid))
        .await
        .unwrap();
    let (owner,): (String,) = db
        .fetch_one(query("SELECT id FROM person LIMIT 1"))
        .await
        .unwrap();
    let (agency,): (String,) = db
        .fetch_one(query("SELECT id FROM agency LIMIT 1"))
        .await
        .unwrap();
    let today = Utc::now().date_naive();
    let now = ts(Utc::now());
    let start = NaiveDate::from_ymd_opt(today.year() - 10, today.month(), 1).unwrap();
    let (mut meetings, mut actions) = (0, 0);
    for (gid,) in &groups {
        let mut tx = db.begin().await.unwrap();
        for k in 0..132 {
            let day = start + Duration::days(30 * k);
            let mid = new_id();
            let issued = if day < today { Some(now.clone()) } else { None };
            tx.execute(
                query(
                    "INSERT INTO meeting (id, partnership_id, group_id, starts_at, length_minutes, place, online_link, status, \
                     agenda_issued_at, sequence, created_at, updated_at) VALUES (?, ?, ?, ?, 120, 'Civic Centre', '', 'scheduled', ?, 0, ?, ?)",
                )
                .bind(&mid)
                .bind(&pid)
                .bind(gid)
                .bind(format!("{}T10:00", day.format("%Y-%m-%d")))
                .bind(issued)
                .bind(&now)
                .bind(&now),
            )
            .await
            .unwrap();
            meetings += 1;
            for a in 0..10 {
                let due = day + Duration::days(30 + 7 * a);
                let status = if due < today - Duration::days(60) || a % 3 != 0 {
                    "closed-evidenced"
                } else {
                    "in-progress"
                };
                tx.execute(
                    query(
                        "INSERT INTO action (id, partnership_id, source_kind, source_id, group_id, description, lead_agency_id, \
                         owner_person_id, due_on, status, status_reason, created_by, created_at, updated_at) \
                         VALUES (?, ?, 'meeting', ?, ?, ?, ?, ?, ?, ?, '', 'seed', ?, ?)",
                    )
                    .bind(new_id())
                    .bind(&pid)
                    .bind(&mid)
                    .bind(gid)
                    .bind(format!("Action {a} from the meeting of {day}"))
                    .bind(&agency)
                    .bind(&owner)
                    .bind(due.format("%Y-%m-%d").to_string())
                    .bind(status)
                    .bind(&now)
                    .bind(&now),
                )
                .await
                .unwrap();
                actions += 1;
            }
            if k % 12 == 0 {
                tx.execute(
                    query(
                        "INSERT INTO escalation (id, partnership_id, group_id, meeting_id, title, detail, stage, raised_on, raised_by, \
                         created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'Seeded', ?, ?, 'seed', ?, ?)",
                    )
                    .bind(new_id())
                    .bind(&pid)
                    .bind(gid)
                    .bind(&mid)
                    .bind(format!("Escalation of {day}"))
                    .bind(if k > 110 { "chair" } else { "resolved" })
                    .bind(day.format("%Y-%m-%d").to_string())
                    .bind(&now)
                    .bind(&now),
                )
                .await
                .unwrap();
            }
        }
        tx.commit().await.unwrap();
    }
    println!(
        "{meetings} meetings, {actions} actions over ten years for {} groups",
        groups.len()
    );
}
