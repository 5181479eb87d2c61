//! The inspections journey in a real browser (e2e/inspections.mjs), axe-core on each page: an
//! inspection recorded (a judgement off the inspectorate's scale refused first), its report,
//! two recommendations becoming actions on the board's plan, read by a practitioner, and the
//! plan's progress reported to the board.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::Server;
use learnloop_store::testing::engines;

#[tokio::test]
async fn an_inspection_with_two_recommendations_becomes_the_boards_action_plan() {
    let e2e = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    for t in engines().await.unwrap() {
        let engine = format!("{:?}", t.engine).to_lowercase();
        let server = Server::start(&t.url, &[]).await;
        let shots = e2e
            .join("screenshots")
            .join(format!("inspections-{engine}"));
        let out = Command::new("node")
            .arg(e2e.join("inspections.mjs"))
            .env("BASE_URL", &server.base)
            .env("SHOTS_DIR", &shots)
            .output()
            .expect("run node e2e/inspections.mjs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "inspections journey failed on {engine} (screenshots in {}):\n{stdout}\n{stderr}",
            shots.display()
        );
        drop(server);
    }
}
