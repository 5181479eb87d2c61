//! The performance data journey in a real browser (e2e/performance.mjs), axe-core on each
//! page, in two phases with time moved on between them: an indicator with a target and a
//! benchmark, four quarters imported (one bad row fixed after the preview), the exception
//! flagged, a deep dive commissioned for a meeting, an agency's analysis, a presentation, the
//! discussion and a recommendation made an action, completed and signed off; then, the action's
//! closure moved back to the quarter before last, its impact review citing the indicator and
//! showing its values before and after.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::Server;
use learnloop_domain::performance::{Frequency, Period};
use learnloop_store::testing::engines;

fn phase(e2e: &Path, phase: &str, server: &Server, shots: &Path, engine: &str) {
    let out = Command::new("node")
        .arg(e2e.join("performance.mjs"))
        .env("BASE_URL", &server.base)
        .env("SHOTS_DIR", shots)
        .env("PHASE", phase)
        .output()
        .expect("run node e2e/performance.mjs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "performance journey ({phase}) failed on {engine} (screenshots in {}):\n{stdout}\n{stderr}",
        shots.display()
    );
}

#[tokio::test]
async fn an_imported_indicator_is_flagged_dived_into_acted_on_and_shows_the_actions_impact() {
    let e2e = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    for t in engines().await.unwrap() {
        let engine = format!("{:?}", t.engine).to_lowercase();
        let server = Server::start(&t.url, &[]).await;
        let shots = e2e
            .join("screenshots")
            .join(format!("performance-{engine}"));
        phase(&e2e, "dataset", &server, &shots, &engine);

        // Time passes: the action closed in the quarter before last.
        let db = learnloop_store::Db::connect(&t.url).await.unwrap();
        let closed = Period::of(Frequency::Quarterly, chrono::Utc::now().date_naive())
            .prev()
            .prev()
            .first_day()
            + chrono::Duration::days(10);
        let n = db
            .execute(
                learnloop_store::query(
                    "UPDATE action SET closed_on = ? WHERE description = 'Agree and launch the joint return-interview pathway'",
                )
                .bind(closed.format("%Y-%m-%d").to_string()),
            )
            .await
            .unwrap();
        assert_eq!(n, 1);
        phase(&e2e, "impact", &server, &shots, &engine);
        db.close().await;
        drop(server);
    }
}
