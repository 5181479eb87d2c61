//! The training journey in a real browser (e2e/training.mjs), axe-core on each page, with the
//! real SMTP server on loopback, in three phases with time moved on between them: a course
//! planned from a review's recommendation, two sessions, bookings filling one and a waiting
//! list, a cancellation whose freed place is offered by mail and taken through its link; then,
//! the other session held (moved to yesterday), attendance and the evaluation; then, three
//! months on (`learnloop remind --on`), the follow-up answered by the line manager without an
//! account and by the participant, and the course page showing the results and the
//! recommendation that asked for it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Server, Smtp};
use learnloop_store::testing::engines;

fn phase(e2e: &Path, phase: &str, server: &Server, smtp: &Smtp, shots: &Path, engine: &str) {
    let out = Command::new("node")
        .arg(e2e.join("training.mjs"))
        .env("BASE_URL", &server.base)
        .env("MAILDIR", &smtp.maildir)
        .env("SHOTS_DIR", shots)
        .env("PHASE", phase)
        .output()
        .expect("run node e2e/training.mjs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "training journey ({phase}) failed on {engine} (screenshots in {}):\n{stdout}\n{stderr}",
        shots.display()
    );
}

#[tokio::test]
async fn a_course_from_a_recommendation_is_booked_held_evaluated_and_followed_up_three_months_on() {
    let e2e = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    for t in engines().await.unwrap() {
        let engine = format!("{:?}", t.engine).to_lowercase();
        let smtp = Smtp::start().await;
        let server = Server::start(
            &t.url,
            &["--smtp-url", &smtp.url(), "--mail-poll-ms", "100"],
        )
        .await;
        let shots = e2e.join("screenshots").join(format!("training-{engine}"));
        phase(&e2e, "book", &server, &smtp, &shots, &engine);

        // The next day's session is held: it started yesterday morning.
        let db = learnloop_store::Db::connect(&t.url).await.unwrap();
        let yesterday = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
        let n = db
            .execute(
                learnloop_store::query(
                    "UPDATE course_session SET starts_at = ? WHERE capacity = 12 AND course_id IN \
                     (SELECT id FROM course WHERE title LIKE '%(browser journey)')",
                )
                .bind(format!("{}T09:30", yesterday.format("%Y-%m-%d"))),
            )
            .await
            .unwrap();
        assert_eq!(n, 1);
        phase(&e2e, "held", &server, &smtp, &shots, &engine);

        // Three months on, the follow-up goes out.
        let on = learnloop_domain::clocks::add_months(yesterday, 3) + chrono::Duration::days(1);
        let out = Command::new(env!("CARGO_BIN_EXE_learnloop"))
            .args([
                "remind",
                "--on",
                &on.format("%Y-%m-%d").to_string(),
                "--database-url",
                &t.url,
                "--public-url",
                &server.base,
            ])
            .env("LEARNLOOP_SECRET_KEY", learnloop_web::testing::TEST_KEY)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        // The held session, and the demo's sessions of the days after (none of them attended).
        assert!(
            stdout.contains("Sent the three-month follow-up of ")
                && !stdout.contains("follow-up of 0 "),
            "{stdout}"
        );
        phase(&e2e, "followup", &server, &smtp, &shots, &engine);
        db.close().await;
        drop(server);
    }
}
