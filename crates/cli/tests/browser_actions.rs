//! The action plan journey in a real browser (e2e/actions.mjs), axe-core on each page: a
//! decided practice review gets a recommendation and three actions; the agency lead updates
//! theirs to completed with a PDF as evidence; the group's chair signs it off and the business
//! team records its impact review; the plan's workbook is exported, edited and imported back,
//! first with a row the preview refuses, then fixed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::Server;
use learnloop_store::testing::engines;

#[tokio::test]
async fn a_recommendation_becomes_actions_evidenced_signed_off_reviewed_and_imported() {
    let e2e = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    for t in engines().await.unwrap() {
        let server = Server::start(&t.url, &[]).await;
        let shots = e2e
            .join("screenshots")
            .join(format!("actions-{:?}", t.engine).to_lowercase());
        let out = Command::new("node")
            .arg(e2e.join("actions.mjs"))
            .env("BASE_URL", &server.base)
            .env("SHOTS_DIR", &shots)
            .output()
            .expect("run node e2e/actions.mjs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "action plan journey failed on {:?} (screenshots in {}):\n{stdout}\n{stderr}",
            t.engine,
            shots.display()
        );
        drop(server);
    }
}
