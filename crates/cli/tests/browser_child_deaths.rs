//! The child deaths journey in a real browser (e2e/child_deaths.mjs), axe-core on each page: the
//! panel's annual report recorded (a figure that cannot be right refused first), its document,
//! a recommendation becoming an action on the board's plan, unpublished and so unread by a
//! practitioner, and a case referred with the panel as referrer that the independent chair
//! signs off as a local learning review.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::Server;
use learnloop_store::testing::engines;

#[tokio::test]
async fn the_panels_report_becomes_actions_and_its_referral_opens_a_learning_review() {
    let e2e = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    for t in engines().await.unwrap() {
        let engine = format!("{:?}", t.engine).to_lowercase();
        let server = Server::start(&t.url, &[]).await;
        let shots = e2e
            .join("screenshots")
            .join(format!("child-deaths-{engine}"));
        let out = Command::new("node")
            .arg(e2e.join("child_deaths.mjs"))
            .env("BASE_URL", &server.base)
            .env("SHOTS_DIR", &shots)
            .output()
            .expect("run node e2e/child_deaths.mjs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "child_deaths journey failed on {engine} (screenshots in {}):\n{stdout}\n{stderr}",
            shots.display()
        );
        drop(server);
    }
}
