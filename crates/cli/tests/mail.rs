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

/// Three months after a session, the line manager named at booking is asked by a mail that
/// arrives over real SMTP; its link, opened with no account, records their answer once.
#[tokio::test]
async fn a_line_manager_answers_the_three_month_follow_up_through_the_mailed_link_once() {
    use chrono::{Duration, Utc};
    use learnloop_store::query;
    for t in engines().await.unwrap() {
        let smtp = Smtp::start().await;
        let server = Server::start(
            &t.url,
            &["--smtp-url", &smtp.url(), "--mail-poll-ms", "100"],
        )
        .await;
        let db = learnloop_store::Db::connect(&t.url).await.unwrap();
        let one = |sql: &'static str| {
            let db = db.clone();
            async move {
                let (v,): (String,) = db.fetch_one(query(sql)).await.unwrap();
                v
            }
        };
        let pid = one("SELECT id FROM partnership WHERE slug = 'northbrook'").await;
        let person =
            one("SELECT id FROM person WHERE email = 'practitioner@northbrook.example'").await;
        let agency = one(
            "SELECT agency_id FROM membership m JOIN person p ON p.id = m.person_id \
             WHERE p.email = 'practitioner@northbrook.example' AND m.agency_id IS NOT NULL",
        )
        .await;
        let who = learnloop_store::audit::Who::system("test");
        let course = learnloop_store::training::add_course(
            &db,
            &who,
            &pid,
            &learnloop_store::training::CourseInput {
                title: "Domestic abuse and its effect on children".into(),
                kind: learnloop_domain::training::CourseKind::Workshop,
                level: learnloop_domain::training::Level::Two,
                outcomes: vec!["Ask about domestic abuse safely".into()],
                audience: "Staff who work with families".into(),
                description: String::new(),
                answers: Vec::new(),
                themes: Vec::new(),
            },
        )
        .await
        .unwrap();
        let today = Utc::now().date_naive();
        let held = today.checked_sub_months(chrono::Months::new(3)).unwrap() - Duration::days(1);
        let session = learnloop_store::training::add_session(
            &db,
            &who,
            &pid,
            &course,
            &learnloop_store::training::SessionInput {
                starts_at: learnloop_store::WallTime(held.and_hms_opt(13, 30, 0).unwrap()),
                length_minutes: 120,
                venue: "Children's Centre".into(),
                online_link: String::new(),
                trainer_id: None,
                trainer_name: "Helen Prentice".into(),
                capacity: 12,
            },
        )
        .await
        .unwrap();
        db.execute(
            query(
                "INSERT INTO booking (id, partnership_id, session_id, person_id, agency_id, manager_email, state, \
                 booked_by, booked_at, changed_at) VALUES (?, ?, ?, ?, ?, 'ward.sister@northbrook-hospital.example', \
                 'attended', 'test', ?, ?)",
            )
            .bind(learnloop_store::new_id())
            .bind(&pid)
            .bind(&session)
            .bind(&person)
            .bind(&agency)
            .bind(learnloop_store::ts(Utc::now()))
            .bind(learnloop_store::ts(Utc::now())),
        )
        .await
        .unwrap();
        let key = learnloop_web::testing::test_key();
        let mailer = learnloop_store::training::Mailer {
            key: &key,
            public_url: &server.base,
        };
        assert_eq!(
            learnloop_store::training::queue_follow_ups(&db, &mailer, today)
                .await
                .unwrap(),
            1
        );

        let mail = smtp
            .wait_for_mail_to("ward.sister@northbrook-hospital.example")
            .await;
        assert!(mail.contains("Three months on"), "{mail}");
        let link = link_in(&mail, &format!("{}/respond/", server.base)).expect("a link");
        let path = link.trim_start_matches(&server.base).to_owned();
        let manager = Client::new(&server.base);
        let page = manager.get(&path).await;
        assert_eq!(page.status, 200);
        assert!(page.contains("Domestic abuse and its effect on children"));
        let answer = [
            (
                "answer-1",
                "He now asks about abuse at every new birth visit.",
            ),
            ("answer-2", "A referral last month came from that question."),
        ];
        let r = manager.post(&path, &answer).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(manager.post(&path, &answer).await.status, 404);
        let (state, versions): (String, i64) = db
            .fetch_one(query(
                "SELECT r.state, (SELECT COUNT(*) FROM return_version v WHERE v.return_id = r.id) \
                 FROM return_request r WHERE r.respondent_email = 'ward.sister@northbrook-hospital.example'",
            ))
            .await
            .unwrap();
        assert_eq!(
            (state.as_str(), versions),
            ("submitted", 1),
            "recorded once"
        );
        drop(server);
    }
}
