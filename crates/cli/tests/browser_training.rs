//! The training journey in a real browser (e2e/training.mjs), axe-core on each page, with the
//! real SMTP server on loopback: a course and a session of two places, both booked, a third
//! person on the waiting list, a cancellation whose freed place is offered by mail, and the
//! link in that mail taking the place once, without signing in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{Server, Smtp};
use learnloop_store::testing::engines;

#[tokio::test]
async fn a_freed_place_is_offered_by_mail_and_taken_through_its_link() {
    let e2e = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    for t in engines().await.unwrap() {
        let smtp = Smtp::start().await;
        let server = Server::start(
            &t.url,
            &["--smtp-url", &smtp.url(), "--mail-poll-ms", "100"],
        )
        .await;
        let shots = e2e
            .join("screenshots")
            .join(format!("training-{:?}", t.engine).to_lowercase());
        let out = Command::new("node")
            .arg(e2e.join("training.mjs"))
            .env("BASE_URL", &server.base)
            .env("MAILDIR", &smtp.maildir)
            .env("SHOTS_DIR", &shots)
            .output()
            .expect("run node e2e/training.mjs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "training journey failed on {:?} (screenshots in {}):\n{stdout}\n{stderr}",
            t.engine,
            shots.display()
        );
        drop(server);
    }
}
