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

/// An action due in three days puts it in its owner's daily digest, which arrives over real
/// SMTP; queuing the day's reminders again (a restart, or a second instance) sends nothing more.
#[tokio::test]
async fn an_action_reminder_digest_arrives_by_smtp_once() {
    for t in engines().await.unwrap() {
        let smtp = Smtp::start().await;
        let server = Server::start(
            &t.url,
            &["--smtp-url", &smtp.url(), "--mail-poll-ms", "100"],
        )
        .await;
        let db = learnloop_store::Db::connect(&t.url).await.unwrap();
        let (pid,): (String,) = db
            .fetch_one(learnloop_store::query(
                "SELECT id FROM partnership WHERE slug = 'northbrook'",
            ))
            .await
            .unwrap();
        let (owner,): (String,) = db
            .fetch_one(learnloop_store::query(
                "SELECT id FROM person WHERE email = 'practitioner@northbrook.example'",
            ))
            .await
            .unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2027, 5, 3).unwrap();
        learnloop_store::actions::create(
            &db,
            &learnloop_store::audit::Who::system("test"),
            &pid,
            &learnloop_store::actions::NewAction {
                source_kind: learnloop_domain::sources::SourceKind::Meeting,
                source_id: "none".into(),
                group_id: None,
                description: "Circulate the seven-minute briefing".into(),
                lead_agency_id: None,
                owner_person_id: Some(owner),
                due_on: "2027-05-06".into(),
                recommendation_id: None,
                success_measure: String::new(),
                supporting_agency_ids: Vec::new(),
            },
        )
        .await
        .unwrap();
        let remind = || {
            std::process::Command::new(env!("CARGO_BIN_EXE_learnloop"))
                .args([
                    "remind",
                    "--on",
                    &day.format("%Y-%m-%d").to_string(),
                    "--database-url",
                    &t.url,
                    "--public-url",
                    &server.base,
                ])
                .output()
                .unwrap()
        };
        let first = remind();
        assert!(first.status.success());
        assert_eq!(
            String::from_utf8_lossy(&first.stdout).trim(),
            "Queued 1 reminder digests for 2027-05-03."
        );
        let mail = smtp
            .wait_for_mail_to("practitioner@northbrook.example")
            .await;
        assert!(
            mail.contains("Subject: Northbrook Safeguarding Children Partnership: 1 action needs"),
            "{mail}"
        );
        assert!(mail.contains("Due in 3 days (2027-05-06): Circulate the seven-minute briefing"));
        assert!(mail.contains(&format!("{}/actions/", server.base)));
        let again = remind();
        assert!(String::from_utf8_lossy(&again.stdout).contains("Queued 0"));
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        let to_owner = smtp
            .messages()
            .into_iter()
            .filter(|m| m.contains("practitioner@northbrook.example"))
            .count();
        assert_eq!(to_owner, 1);
        drop(server);
    }
}

/// A digest queued while its recipient had a role, then sent after the role was taken away,
/// is not sent: mail goes only to people who may still see what it describes when it goes.
/// A former member is not put in the next day's digest either.
#[tokio::test]
async fn a_former_member_receives_no_reminder_digest() {
    for t in engines().await.unwrap() {
        // The server loads the demo partnership, then stops before anything is queued.
        drop(Server::start(&t.url, &[]).await);
        let db = learnloop_store::Db::connect(&t.url).await.unwrap();
        let (pid,): (String,) = db
            .fetch_one(learnloop_store::query(
                "SELECT id FROM partnership WHERE slug = 'northbrook'",
            ))
            .await
            .unwrap();
        let (owner,): (String,) = db
            .fetch_one(learnloop_store::query(
                "SELECT id FROM person WHERE email = 'trainer@northbrook.example'",
            ))
            .await
            .unwrap();
        learnloop_store::actions::create(
            &db,
            &learnloop_store::audit::Who::system("test"),
            &pid,
            &learnloop_store::actions::NewAction {
                source_kind: learnloop_domain::sources::SourceKind::Meeting,
                source_id: "none".into(),
                group_id: None,
                description: "Refresh the neglect toolkit course".into(),
                lead_agency_id: None,
                owner_person_id: Some(owner.clone()),
                due_on: "2027-05-06".into(),
                recommendation_id: None,
                success_measure: String::new(),
                supporting_agency_ids: Vec::new(),
            },
        )
        .await
        .unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2027, 5, 3).unwrap();
        let queued = learnloop_store::reminders::queue_digests(&db, "http://x", day)
            .await
            .unwrap();
        assert_eq!(queued, 1);
        db.execute(
            learnloop_store::query("DELETE FROM membership WHERE person_id = ?").bind(&owner),
        )
        .await
        .unwrap();
        let next = day.succ_opt().unwrap();
        assert_eq!(
            learnloop_store::reminders::queue_digests(&db, "http://x", next)
                .await
                .unwrap(),
            0
        );

        let smtp = Smtp::start().await;
        let server = Server::start(
            &t.url,
            &["--smtp-url", &smtp.url(), "--mail-poll-ms", "100"],
        )
        .await;
        let mut closed = None;
        for _ in 0..100 {
            let row: Option<(Option<String>, Option<String>)> = db
                .fetch_optional(learnloop_store::query(
                    "SELECT sent_at, last_error FROM outbox WHERE to_addr = 'trainer@northbrook.example'",
                ))
                .await
                .unwrap();
            if let Some((Some(_), err)) = row {
                closed = err;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(closed.unwrap_or_default().contains("no longer has a role"));
        assert!(
            !smtp
                .messages()
                .iter()
                .any(|m| m.contains("trainer@northbrook.example"))
        );
        drop(server);
    }
}
