//! The voice of children and young people through real HTTP on every engine: events recorded
//! by the business team (young people by first name or group only), counted against the yearly
//! target (a setting); priorities; what young people said becoming a recommendation with an
//! action, and "you said, we did" following the action to done; the audits' children's views
//! and the reviews' family involvement only for who may read their sources.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, Duration, Utc};
use common::{as_role, date_fields, each_app, one, post_pairs};
use learnloop_domain::accounts::Role;

#[tokio::test]
async fn what_young_people_said_becomes_an_action_and_shows_as_we_did_when_done() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let lead = as_role(&app, Role::AgencyLead).await;
        let practitioner = as_role(&app, Role::Practitioner).await;
        let today = Utc::now().date_naive();

        // Only the business team records; a full name or a future date is refused.
        assert_eq!(lead.get("/voice/events/new").await.status, 403);
        let mut f: Vec<(String, String)> = vec![
            ("kind".into(), "consultation".into()),
            ("topic".into(), "Feeling safe online".into()),
            ("took_part".into(), "Year 10 pupils, Sam Jones".into()),
            (
                "heard".into(),
                "They do not know who to tell when something online worries them.".into(),
            ),
        ];
        f.extend(date_fields("held", today + Duration::days(3)));
        let bad = post_pairs(&bt, "/voice/events/new", &f).await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("cannot be in the future"));
        assert!(bad.contains("looks like a full name"), "{}", bad.body);
        f.retain(|(k, _)| !k.starts_with("held") && k != "took_part");
        f.push(("took_part".into(), "Year 10 pupils, Sam and Amy".into()));
        f.extend(date_fields("held", today));
        let r = post_pairs(&bt, "/voice/events/new", &f).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let url = r.location.unwrap();

        // The event names young people: the partnership's plan readers only.
        assert_eq!(lead.get(&url).await.status, 200);
        assert_eq!(practitioner.get(&url).await.status, 403);
        let voice = bt.get("/voice").await;
        assert!(voice.contains("1 of 3 held"), "{}", voice.body);
        assert!(!practitioner.get("/voice").await.contains("Sam and Amy"));

        // The target is a setting.
        let settings = bt.get("/settings").await;
        assert!(settings.contains("name=\"voice_target\""));

        // A priority for the year, read by everyone.
        let r = bt
            .post("/voice/priorities", &[("priority", ""), ("year", "")])
            .await;
        assert_eq!(r.status, 422);
        let r = bt
            .post(
                "/voice/priorities",
                &[
                    ("priority", "Feeling safe on the way to school"),
                    ("year", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(
            practitioner
                .get("/voice")
                .await
                .contains("Feeling safe on the way to school")
        );
        assert_eq!(
            lead.post("/voice/priorities", &[("priority", "x")])
                .await
                .status,
            403
        );
        // A priority typed wrongly is taken off, audited; only by the business team.
        let r = bt
            .post(
                "/voice/priorities",
                &[("priority", "Typed wrongly"), ("year", "")],
            )
            .await;
        assert_eq!(r.status, 303);
        let wrong = one(
            &app,
            "SELECT id FROM voice_priority WHERE body = ?",
            "Typed wrongly",
        )
        .await;
        assert_eq!(
            lead.post(&format!("/voice/priorities/{wrong}/remove"), &[])
                .await
                .status,
            403
        );
        let r = bt
            .post(&format!("/voice/priorities/{wrong}/remove"), &[])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = bt.get("/voice").await;
        assert!(!page.contains("Typed wrongly"));
        assert!(page.contains("Feeling safe on the way to school"));

        // "You said" becomes a recommendation to the partnership, and an action.
        let r = bt
            .post(
                &format!("{url}/recommendations"),
                &[
                    (
                        "recommendation",
                        "Tell us who we can talk to when something online worries us",
                    ),
                    ("addressed_to", "partnership"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let rec = one(
            &app,
            "SELECT id FROM recommendation WHERE source_kind = ?",
            "voice_event",
        )
        .await;
        let yswd = practitioner.get("/voice/you-said-we-did").await;
        assert_eq!(yswd.status, 200);
        assert!(yswd.contains("Tell us who we can talk to"));
        assert!(yswd.contains("We are deciding what to do"));

        let police = one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook Constabulary",
        )
        .await;
        let owner = one(
            &app,
            "SELECT id FROM person WHERE email = ?",
            "agency.lead@northbrook.example",
        )
        .await;
        let mut a: Vec<(String, String)> = vec![
            (
                "description".into(),
                "Put a who-to-tell page on every school's website".into(),
            ),
            ("lead_agency".into(), police.clone()),
            ("owner".into(), owner),
            ("measure".into(), "Pupils can name someone to tell".into()),
        ];
        a.extend(date_fields("due", today + Duration::days(60)));
        let r = post_pairs(&bt, &format!("/recommendations/{rec}/actions"), &a).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let yswd = practitioner.get("/voice/you-said-we-did").await;
        assert!(yswd.contains("We are doing"), "{}", yswd.body);
        assert!(yswd.contains("Put a who-to-tell page on every school"));

        // The lead completes the action: it shows as "we did", in the lead's words.
        let action = one(
            &app,
            "SELECT id FROM action WHERE source_kind = ?",
            "voice_event",
        )
        .await;
        let updates = format!("/actions/{action}/updates");
        let r = lead
            .upload(
                &updates,
                &[("body", "Drafting with pupils"), ("status", "in-progress")],
                "",
                Vec::new(),
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = lead
            .upload(
                &updates,
                &[
                    (
                        "body",
                        "Every secondary school now has a who-to-tell page, written with pupils",
                    ),
                    ("status", "completed"),
                ],
                "pages.pdf",
                b"%PDF-1.4 evidence".to_vec(),
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let yswd = practitioner.get("/voice/you-said-we-did").await;
        assert!(yswd.contains("We did"), "{}", yswd.body);
        assert!(yswd.contains("Put a who-to-tell page on every school"));
        // Progress notes are written for staff: never shown to young people.
        assert!(!yswd.contains("Every secondary school now has a who-to-tell page"));
        assert!(!yswd.contains("Drafting with pupils"));

        // The business team writes the answer for young people, in plain words.
        let answers = format!("{url}/answers/{rec}");
        assert_eq!(
            lead.post(&answers, &[("answer", "We did it")]).await.status,
            403
        );
        let empty = bt.post(&answers, &[("answer", "")]).await;
        assert_eq!(empty.status, 422);
        assert!(
            empty.contains("Enter the answer for young people"),
            "{}",
            empty.body
        );
        let r = bt
            .post(
                &answers,
                &[(
                    "answer",
                    "Every secondary school now has a page that tells you who you can talk to.",
                )],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let yswd = practitioner.get("/voice/you-said-we-did").await;
        assert!(yswd.contains("Our answer"));
        assert!(yswd.contains("Every secondary school now has a page that tells you"));
        // An answer for something said at another event is refused.
        let other = bt
            .post(
                &format!("/voice/events/{}/answers/{rec}", "0".repeat(36)),
                &[("answer", "x")],
            )
            .await;
        assert_eq!(other.status, 404);
    })
    .await;
}

#[tokio::test]
async fn audit_views_and_family_involvement_show_only_to_who_reads_their_source() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let lead = as_role(&app, Role::AgencyLead).await;
        // An audit with children's views, and a review with its family involvement.
        let today = Utc::now().date_naive();
        let silg = one(
            &app,
            "SELECT id FROM partnership_group WHERE name LIKE ?",
            "Learning and Improvement%",
        )
        .await;
        let police = one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook Constabulary",
        )
        .await;
        let mut fields: Vec<(String, String)> = vec![
            ("title".into(), "Neglect and home conditions".into()),
            ("year".into(), today.year().to_string()),
            (
                "reason".into(),
                "Neglect recognised late in rapid reviews.".into(),
            ),
            ("group".into(), silg),
            (
                "lines".into(),
                "Quality of practice\nOutcomes for children".into(),
            ),
            (
                "scale".into(),
                "Outstanding\nGood\nRequires improvement\nInadequate".into(),
            ),
            ("agency".into(), police),
        ];
        fields.extend(date_fields("fieldwork", today));
        fields.extend(date_fields("due", today + Duration::days(28)));
        let p = post_pairs(&bt, "/audits/new", &fields).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let audit = p.location.unwrap();
        let p = bt
            .post(
                &format!("{audit}/voice"),
                &[
                    ("how", "Two group sessions at the youth centre"),
                    ("whom", "12 young people aged 13 to 17"),
                    ("said", "They want one worker who stays."),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let id = common::notify(
            &app,
            &bt,
            "death-or-serious-harm",
            (2, 11, 2026),
            Some((4, 11, 2026)),
        )
        .await;
        common::decide_lcspr(&app, &bt, &id).await;
        let mut terms: Vec<(String, String)> = [
            ("scope-from-day", "1"),
            ("scope-from-month", "1"),
            ("scope-from-year", "2025"),
            ("scope-to-day", "1"),
            ("scope-to-month", "11"),
            ("scope-to-year", "2026"),
            ("lines", "How agencies shared information"),
            ("methodology", "systems"),
            ("proportionality", "A systems review suits the questions"),
            ("reviewer", "Dr Jane Reviewer"),
            ("independence", "No connection to any agency involved"),
            ("reviewer_reason", "Led three published reviews"),
            ("family", "Mother met the reviewer twice"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        terms.extend(date_fields("agreed", today));
        let p = post_pairs(&bt, &format!("/reviews/{id}/terms"), &terms).await;
        assert_eq!(p.status, 303, "{}", p.body);

        let page = bt.get("/voice").await;
        assert!(
            page.contains("They want one worker who stays"),
            "{}",
            page.body
        );
        // Listed, but read only on request, and the read is recorded.
        assert!(!page.contains("Mother met the reviewer twice"));
        let page = bt.get("/voice?family=show").await;
        assert!(page.contains("Mother met the reviewer twice"));
        // The lead reads neither the audit's report nor the case.
        let page = lead.get("/voice?family=show").await;
        assert!(!page.contains("They want one worker who stays"));
        assert!(!page.contains("Mother met the reviewer twice"));
        // The business team's read of the case is in the audit trail.
        let (n,): (i64,) = app
            .db
            .fetch_one(
                learnloop_store::query(
                    "SELECT COUNT(*) FROM audit_event WHERE action = 'case.read' AND target_id = ?",
                )
                .bind(id.as_str()),
            )
            .await
            .unwrap();
        assert!(n >= 1);
    })
    .await;
}
