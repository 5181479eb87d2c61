//! User journeys in a real browser (headless Chromium driven by e2e/journey.mjs), with
//! axe-core checking every page visited against WCAG 2.2 A and AA.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{Server, Smtp};
use learnloop_store::testing::engines;

fn e2e_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e")
}

#[tokio::test]
async fn business_team_invites_an_agency_lead_who_is_refused_business_pages() {
    for t in engines().await.unwrap() {
        let smtp = Smtp::start().await;
        let server = Server::start(
            &t.url,
            &["--smtp-url", &smtp.url(), "--mail-poll-ms", "100"],
        )
        .await;
        let shots = e2e_dir()
            .join("screenshots")
            .join(format!("{:?}", t.engine).to_lowercase());
        let out = Command::new("node")
            .arg(e2e_dir().join("journey.mjs"))
            .env("BASE_URL", &server.base)
            .env("MAILDIR", &smtp.maildir)
            .env("SHOTS_DIR", &shots)
            .output()
            .expect("run node e2e/journey.mjs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        println!("{stdout}");
        assert!(
            out.status.success(),
            "browser journey failed on {:?} (screenshots in {}):\n{stdout}\n{stderr}",
            t.engine,
            shots.display()
        );
        drop(server);
    }
}
