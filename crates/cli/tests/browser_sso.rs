//! Single sign-on in a real browser (e2e/sso.mjs, with a real OpenID Connect provider on
//! loopback), axe-core on each page: the business team sets a provider up, a person invited
//! first signs in through it, a person never invited is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::Server;
use learnloop_store::testing::engines;

#[tokio::test]
async fn an_invited_person_signs_in_with_their_councils_account() {
    let e2e = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    for t in engines().await.unwrap() {
        let engine = format!("{:?}", t.engine).to_lowercase();
        let server = Server::start(&t.url, &[]).await;
        let shots = e2e.join("screenshots").join(format!("sso-{engine}"));
        let out = Command::new("node")
            .arg(e2e.join("sso.mjs"))
            .env("BASE_URL", &server.base)
            .env("SHOTS_DIR", &shots)
            .output()
            .expect("run node e2e/sso.mjs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "single sign-on journey failed on {engine} (screenshots in {}):\n{stdout}\n{stderr}",
            shots.display()
        );
        drop(server);
    }
}
