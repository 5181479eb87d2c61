//! The youth voice journey in a real browser (e2e/voice.mjs), axe-core on each page: a
//! consultation recorded (a full name refused first), what young people said becoming an action,
//! and "you said, we did" showing it done once the police lead completes it, read and printed by
//! a practitioner.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::Server;
use learnloop_store::testing::engines;

#[tokio::test]
async fn what_young_people_said_becomes_an_action_and_then_what_we_did() {
    let e2e = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    for t in engines().await.unwrap() {
        let engine = format!("{:?}", t.engine).to_lowercase();
        let server = Server::start(&t.url, &[]).await;
        let shots = e2e.join("screenshots").join(format!("voice-{engine}"));
        let out = Command::new("node")
            .arg(e2e.join("voice.mjs"))
            .env("BASE_URL", &server.base)
            .env("SHOTS_DIR", &shots)
            .output()
            .expect("run node e2e/voice.mjs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "voice journey failed on {engine} (screenshots in {}):\n{stdout}\n{stderr}",
            shots.display()
        );
        drop(server);
    }
}
