//! Mail goes through the outbox and a worker over real SMTP: the test runs a real SMTP server
//! on loopback and reads the message it received.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, Server, Smtp, link_in};
use learnloop_domain::accounts::Role;
use learnloop_store::testing::engines;

#[tokio::test]
async fn an_invitation_arrives_by_smtp_and_its_link_lets_the_person_in() {
    for t in engines().await.unwrap() {
        let smtp = Smtp::start().await;
        let server = Server::start(
            &t.url,
            &["--smtp-url", &smtp.url(), "--mail-poll-ms", "100"],
        )
        .await;
        let bt = Client::new(&server.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let r = bt
            .post(
                "/people/invite",
                &[
                    ("name", "Robin Ellis"),
                    ("email", "robin.ellis@northbrook.example"),
                    ("role", "trainer"),
                    ("agency", ""),
                    ("group", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);

        let mail = smtp
            .wait_for_mail_to("robin.ellis@northbrook.example")
            .await;
        assert!(
            mail.contains("Subject: You have been invited to Learnloop"),
            "{mail}"
        );
        let link = link_in(&mail, &server.base).expect("a set-password link");
        let path = link.trim_start_matches(&server.base).to_owned();
        let robin = Client::new(&server.base);
        let r = robin
            .post(
                &path,
                &[
                    ("password", "robin's long passphrase"),
                    ("confirm", "robin's long passphrase"),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(
            robin
                .sign_in("robin.ellis@northbrook.example", "robin's long passphrase")
                .await
                .status,
            303
        );
        assert_eq!(robin.get("/home").await.status, 200);
        drop(server);
    }
}
