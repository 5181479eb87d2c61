//! Retention and erasure in a real browser (e2e/retention.mjs), axe-core on each page: the
//! business team sets a rule (a wrong period refused first), confirms an erasure due this
//! month, and finds its tombstone and the audit trail's note of it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::Server;
use learnloop_store::testing::engines;

#[tokio::test]
async fn the_business_team_confirms_an_erasure_due_under_its_rule() {
    let e2e = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    for t in engines().await.unwrap() {
        let engine = format!("{:?}", t.engine).to_lowercase();
        // A year of the demo's work, so that a reported audit is there to be due.
        let server = Server::start(&t.url, &["--demo-history-years", "1"]).await;
        let shots = e2e.join("screenshots").join(format!("retention-{engine}"));
        let out = Command::new("node")
            .arg(e2e.join("retention.mjs"))
            .env("BASE_URL", &server.base)
            .env("SHOTS_DIR", &shots)
            .output()
            .expect("run node e2e/retention.mjs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "retention journey failed on {engine} (screenshots in {}):\n{stdout}\n{stderr}",
            shots.display()
        );
        drop(server);
    }
}
