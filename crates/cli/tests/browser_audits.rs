//! The audit journey in a real browser (e2e/audits.mjs), axe-core on each page: an audit
//! planned with three lines of enquiry and four cases, an auditor with a conflict refused,
//! two agencies' returns (one sent back and resubmitted), a grade moderated at the workshop,
//! and the report's recommendations, the first becoming an action.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::Server;
use learnloop_store::testing::engines;

#[tokio::test]
async fn an_audit_runs_from_plan_to_a_recommendation_that_becomes_an_action() {
    let e2e = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    for t in engines().await.unwrap() {
        let server = Server::start(&t.url, &[]).await;
        let shots = e2e
            .join("screenshots")
            .join(format!("audits-{:?}", t.engine).to_lowercase());
        let out = Command::new("node")
            .arg(e2e.join("audits.mjs"))
            .env("BASE_URL", &server.base)
            .env("SHOTS_DIR", &shots)
            .output()
            .expect("run node e2e/audits.mjs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "audit journey failed on {:?} (screenshots in {}):\n{stdout}\n{stderr}",
            t.engine,
            shots.display()
        );
        drop(server);
    }
}
