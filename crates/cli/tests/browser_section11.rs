//! The Section 11 journey in a real browser (e2e/section11.mjs), axe-core on each page: a
//! cycle opened for three agencies, the police lead's self-assessment carried forward from the
//! last cycle (a submission before reviewing it refused first), two standards changed, an
//! improvement action, the panel's challenge and moderated rating, the lead's response, and
//! the overview read by a practitioner once it has gone to the board.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::Server;
use learnloop_store::testing::engines;

#[tokio::test]
async fn a_section11_cycle_runs_from_opening_to_the_board() {
    let e2e = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    for t in engines().await.unwrap() {
        let server = Server::start(&t.url, &[]).await;
        let shots = e2e
            .join("screenshots")
            .join(format!("section11-{:?}", t.engine).to_lowercase());
        let out = Command::new("node")
            .arg(e2e.join("section11.mjs"))
            .env("BASE_URL", &server.base)
            .env("SHOTS_DIR", &shots)
            .output()
            .expect("run node e2e/section11.mjs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "Section 11 journey failed on {:?} (screenshots in {}):\n{stdout}\n{stderr}",
            t.engine,
            shots.display()
        );
        drop(server);
    }
}
