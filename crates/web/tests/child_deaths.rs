//! Learning from child deaths through real HTTP on every engine: the panel's annual report
//! recorded by the business team (refused with what to fix), received at the board's meeting as
//! an agenda item, read before publication only by who reads the partnership's plans, its
//! document kept, its recommendations becoming actions; a case referred with the panel as
//! referrer; campaigns with their reach.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, Duration, Utc};
use common::{as_role, date_fields, each_app, one, post_pairs};
use learnloop_domain::accounts::Role;
use learnloop_domain::child_deaths::year_of;
use learnloop_store::query;

#[tokio::test]
async fn the_panels_report_is_received_by_the_board_and_its_recommendations_become_actions() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let lead = as_role(&app, Role::AgencyLead).await;
        let practitioner = as_role(&app, Role::Practitioner).await;
        let today = Utc::now().date_naive();
        let last = (year_of(today) - 1).to_string();

        // The pages say where child-death case records belong.
        let list = practitioner.get("/child-deaths").await;
        assert_eq!(list.status, 200);
        assert!(list.contains("national child death systems"));
        assert!(list.contains("No annual report published yet"));
        assert_eq!(
            practitioner.get("/child-deaths/reports/new").await.status,
            403
        );
        assert_eq!(lead.get("/child-deaths/reports/new").await.status, 403);

        // The board's next meeting, where the report is received.
        let exec = one(
            &app,
            "SELECT id FROM partnership_group WHERE name = ?",
            "Safeguarding Children Partnership Executive",
        )
        .await;
        let next_year = (today.year() + 1).to_string();
        let r = bt
            .post(
                &format!("/groups/{exec}/meetings/new"),
                &[
                    ("first-day", "12"),
                    ("first-month", "1"),
                    ("first-year", &next_year),
                    ("time", "10:00"),
                    ("length", "120"),
                    ("place", "Civic Centre"),
                    ("link", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
        let meeting = one(
            &app,
            "SELECT id FROM meeting WHERE group_id = ? ORDER BY starts_at LIMIT 1",
            &exec,
        )
        .await;

        // Bad input is named field by field and nothing is written.
        let bad = bt
            .post(
                "/child-deaths/reports/new",
                &[
                    ("year", "next year"),
                    ("deaths", "10"),
                    ("modifiable", "12"),
                    ("summary", ""),
                ],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("Enter the year the report covers as four numbers"));
        assert!(bad.contains("cannot be more than the 10 reviewed"));
        assert!(
            bad.contains("Enter the summary of the report"),
            "{}",
            bad.body
        );
        let (n,): (i64,) = app
            .db
            .fetch_one(query("SELECT COUNT(*) FROM cdop_report"))
            .await
            .unwrap();
        assert_eq!(n, 0);

        let form = vec![
            ("year".to_owned(), last.clone()),
            ("deaths".to_owned(), "41".to_owned()),
            ("modifiable".to_owned(), "13".to_owned()),
            ("themes".to_owned(), "Safe sleep\nWater safety".to_owned()),
            (
                "summary".to_owned(),
                "Unsafe sleep was a modifiable factor in four infant deaths.".to_owned(),
            ),
            ("meeting".to_owned(), meeting.clone()),
        ];
        let r = post_pairs(&bt, "/child-deaths/reports/new", &form).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let url = r.location.unwrap();
        // A year's report is recorded once.
        let again = post_pairs(&bt, "/child-deaths/reports/new", &form).await;
        assert_eq!(again.status, 422);
        assert!(again.contains("is already recorded"));

        // Unpublished: the board, chairs and leads read it; practitioners do not.
        let page = lead.get(&url).await;
        assert_eq!(page.status, 200);
        assert!(page.contains("Unsafe sleep was a modifiable factor"));
        assert_eq!(practitioner.get(&url).await.status, 403);
        assert!(
            !practitioner
                .get("/child-deaths")
                .await
                .contains("Unsafe sleep")
        );

        // On the board meeting's agenda, by name only.
        let agenda = bt.get(&format!("/meetings/{meeting}")).await;
        assert!(
            agenda.contains("To receive: Child death overview panel annual report"),
            "{}",
            agenda.body
        );
        assert!(!agenda.contains("Unsafe sleep"));

        // The document, kept and downloaded.
        let up = bt
            .upload(
                &format!("{url}/files"),
                &[],
                "cdop-annual-report.pdf",
                b"%PDF-1.4 report".to_vec(),
            )
            .await;
        assert_eq!(up.status, 303, "{}", up.body);
        assert_eq!(
            lead.upload(&format!("{url}/files"), &[], "x.pdf", b"%PDF-1.4".to_vec())
                .await
                .status,
            403
        );
        let page = lead.get(&url).await;
        let file = page
            .body
            .split(&format!("{url}/files/"))
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        assert_eq!(lead.get(&format!("{url}/files/{file}")).await.status, 200);
        assert_eq!(
            practitioner
                .get(&format!("{url}/files/{file}"))
                .await
                .status,
            403
        );

        // Recommendations to agencies become actions like any other.
        let health = one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook General Hospital NHS Foundation Trust",
        )
        .await;
        let r = bt
            .post(
                &format!("{url}/recommendations"),
                &[
                    (
                        "recommendation",
                        "Give safe sleep advice at every contact in the first year",
                    ),
                    ("addressed_to", "agencies"),
                    ("rec_agency", health.as_str()),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let refused = lead
            .post(
                &format!("{url}/recommendations"),
                &[("recommendation", "x"), ("addressed_to", "partnership")],
            )
            .await;
        assert_eq!(refused.status, 403);
        let rec = one(
            &app,
            "SELECT id FROM recommendation WHERE source_kind = ?",
            "cdop_report",
        )
        .await;
        let plan = bt.get(&format!("/recommendations/{rec}/actions")).await;
        assert!(
            plan.contains("Child death overview panel annual report"),
            "{}",
            plan.body
        );
        let owner = one(
            &app,
            "SELECT id FROM person WHERE email = ?",
            "practitioner@northbrook.example",
        )
        .await;
        let mut f: Vec<(String, String)> = vec![
            (
                "description".into(),
                "Add safe sleep to the health visitors' checklist".into(),
            ),
            ("lead_agency".into(), health.clone()),
            ("owner".into(), owner),
            (
                "measure".into(),
                "Checklist audit shows advice given".into(),
            ),
        ];
        f.extend(date_fields("due", today + Duration::days(90)));
        let r = post_pairs(&bt, &format!("/recommendations/{rec}/actions"), &f).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let board = one(
            &app,
            "SELECT COALESCE(group_id, '') FROM action WHERE source_kind = ?",
            "cdop_report",
        )
        .await;
        assert_eq!(board, exec, "the board oversees the panel's plan");
        assert!(bt.get(&url).await.contains("1 action open"));

        // Published: practitioners read it from then.
        let mut edit = form.clone();
        edit.extend(date_fields("published", today));
        let r = post_pairs(&bt, &format!("{url}/edit"), &edit).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = practitioner.get(&url).await;
        assert_eq!(page.status, 200);
        // The board's meeting that received it is named; it is a link only for who may open
        // that meeting (a trainer, of no agency, is in no group).
        let link = format!("href=\"/meetings/{meeting}\"");
        assert!(bt.get(&url).await.contains(&link));
        let trainer = as_role(&app, Role::Trainer).await;
        assert_eq!(
            trainer.get(&format!("/meetings/{meeting}")).await.status,
            403
        );
        let seen = trainer.get(&url).await;
        assert_eq!(seen.status, 200);
        assert!(
            seen.contains("Received at") && !seen.contains(&link),
            "{}",
            seen.body
        );
        assert!(
            practitioner
                .get("/child-deaths")
                .await
                .contains("Child death overview panel annual report")
        );
        // The audit trail keeps each step.
        let (n,): (i64,) = app
            .db
            .fetch_one(query(
                "SELECT COUNT(*) FROM audit_event WHERE action LIKE 'cdop_report.%'",
            ))
            .await
            .unwrap();
        assert!(n >= 4, "{n}");
    })
    .await;
}

#[tokio::test]
async fn the_panel_refers_a_case_through_the_referral_and_campaigns_keep_their_reach() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let lead = as_role(&app, Role::AgencyLead).await;
        let form = bt.get("/reviews/refer?source=cdop").await;
        assert_eq!(form.status, 200);
        assert!(form.contains("value=\"cdop\" checked"), "{}", form.body);
        assert!(form.contains("national child death systems"));
        let agency = one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook General Hospital NHS Foundation Trust",
        )
        .await;
        let r = bt
            .post(
                "/reviews/refer",
                &[
                    ("source", "cdop"),
                    ("referrer", "Dr Ade Okoro, panel chair"),
                    ("reason", "Infant E died; two missed health visits"),
                    ("question", "Should this be a local learning review?"),
                    ("agency", agency.as_str()),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let list = bt.get("/child-deaths").await;
        assert!(list.contains("<strong>1</strong>"), "{}", list.body);
        // Only the business team sees the count: with few referrals it could say which one was
        // about a child's death.
        assert!(
            !lead
                .get("/child-deaths")
                .await
                .contains("Referrals from the panel in")
        );
        // The count never names the case, and the lead (not on its panel) cannot read it.
        assert!(!list.contains("Infant E"));
        let case = r.location.unwrap();
        assert_eq!(lead.get(&format!("{case}/review")).await.status, 403);

        // Campaigns.
        let bad = bt
            .post(
                "/child-deaths/campaigns/new",
                &[("title", "Safe sleep"), ("reach", "lots")],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("Enter the audience"));
        assert!(bad.contains("Enter the date the campaign started"));
        assert!(bad.contains("Enter the number reached as a whole number"));
        let today = Utc::now().date_naive();
        let mut f: Vec<(String, String)> = vec![
            ("title".into(), "Safe sleep".into()),
            ("audience".into(), "Parents of babies under one".into()),
            ("channels".into(), "Health visitors, local radio".into()),
            ("reach".into(), "1,250".into()),
            ("reach_note".into(), "Leaflets given out".into()),
        ];
        f.extend(date_fields("started", today - Duration::days(30)));
        assert_eq!(
            post_pairs(&lead, "/child-deaths/campaigns/new", &f)
                .await
                .status,
            403
        );
        let r = post_pairs(&bt, "/child-deaths/campaigns/new", &f).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let list = lead.get("/child-deaths").await;
        assert!(list.contains("Parents of babies under one"));
        assert!(list.contains("1250"));
        let id = one(
            &app,
            "SELECT id FROM campaign WHERE title = ?",
            "Safe sleep",
        )
        .await;
        f.extend(date_fields("ended", today - Duration::days(40)));
        let r = post_pairs(&bt, &format!("/child-deaths/campaigns/{id}/edit"), &f).await;
        assert_eq!(r.status, 422);
        assert!(r.contains("cannot end before it started"));
    })
    .await;
}
