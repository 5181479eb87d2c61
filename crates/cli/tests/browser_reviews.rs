//! The case review journey in a real browser (e2e/reviews.mjs), axe-core on each page: a
//! notification, the rapid review and its sign-off, then the practice review through terms of
//! reference, draft and final reports, a finding, a recommendation and the publication
//! decision; the tracker and its export; an agency lead refused the restricted record.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::Server;
use learnloop_store::testing::engines;

#[tokio::test]
async fn a_serious_incident_becomes_a_practice_review_decided_for_publication() {
    let e2e = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    for t in engines().await.unwrap() {
        let server = Server::start(&t.url, &[]).await;
        let shots = e2e
            .join("screenshots")
            .join(format!("reviews-{:?}", t.engine).to_lowercase());
        let out = Command::new("node")
            .arg(e2e.join("reviews.mjs"))
            .env("BASE_URL", &server.base)
            .env("SHOTS_DIR", &shots)
            .output()
            .expect("run node e2e/reviews.mjs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "case review journey failed on {:?} (screenshots in {}):\n{stdout}\n{stderr}",
            t.engine,
            shots.display()
        );
        drop(server);
    }
}
