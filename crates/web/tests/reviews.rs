//! Case reviews, first part: recording a notification starts its clocks; restricted cases are
//! read in full only by the business team and the panel, and every such read is audited;
//! children's names never leave the restricted view. On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, Duration, Utc};
use common::{Client, each_app, ids, notify};
use learnloop_domain::accounts::Role;
use learnloop_store::query;

#[tokio::test]
async fn a_notification_starts_its_clocks_in_working_days() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        // Aware Monday 2 November 2026, notified Wednesday 4 November.
        let id = notify(
            &app,
            &bt,
            "death-or-serious-harm",
            (2, 11, 2026),
            Some((4, 11, 2026)),
        )
        .await;
        let page = bt.get(&format!("/reviews/{id}")).await;
        assert!(page.contains("Notification recorded: its deadlines have started"));
        assert!(page.contains("Notify the national Panel"));
        assert!(
            page.contains("9 November 2026"),
            "notify the Panel: 5 working days after 2 November"
        );
        assert!(page.contains("Met on 4 November 2026"));
        assert!(
            page.contains("25 November 2026"),
            "rapid review: 15 working days after 4 November"
        );
        assert!(page.contains("Rapid review"));
    })
    .await;
}

#[tokio::test]
async fn a_care_leavers_death_has_no_rapid_review_clock() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let id = notify(&app, &bt, "care-leaver-death", (2, 11, 2026), None).await;
        let page = bt.get(&format!("/reviews/{id}")).await;
        assert!(page.contains("Notify the national Panel"));
        assert!(!page.contains("Complete the rapid review"));
    })
    .await;
}

#[tokio::test]
async fn a_bad_notification_says_what_to_fix_and_saves_nothing() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let next_year = (Utc::now().year() + 1).to_string();
        let r = bt
            .post(
                "/reviews/new",
                &[
                    ("aware-day", "1"),
                    ("aware-month", "1"),
                    ("aware-year", &next_year),
                    ("summary", ""),
                    ("child-1-name", "Someone"),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        for msg in [
            "Choose what was notified",
            "must be today or in the past",
            "Enter the brief account of what happened",
            "Enter the pseudonym the child will be known by",
            "Choose the agencies involved",
            "Choose the group that oversees the case",
        ] {
            assert!(r.contains(msg), "missing: {msg}");
        }
        let (n,): (i64,) = app
            .db
            .fetch_one(query("SELECT COUNT(*) FROM case_review"))
            .await
            .unwrap();
        assert_eq!(n, 0);
    })
    .await;
}

#[tokio::test]
async fn only_the_panel_and_the_business_team_read_a_case_in_full_and_every_read_is_audited() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let id = notify(&app, &bt, "death-or-serious-harm", (2, 11, 2026), Some((4, 11, 2026))).await;
        let full = bt.get(&format!("/reviews/{id}")).await;
        assert!(full.contains("Amelia Testcase"));
        assert!(full.contains("Sibling B"));

        // The independent chair is not on the panel: summary only, no children at all.
        let ic = Client::new(&app.base);
        ic.sign_in_as(Role::IndependentChair).await;
        let summary = ic.get(&format!("/reviews/{id}")).await;
        assert_eq!(summary.status, 200);
        assert!(summary.contains("restricted to the people on its panel"));
        assert!(!summary.contains("Amelia") && !summary.contains("Child A") && !summary.contains("skull"));
        // Named on the panel, they read it in full.
        let chair_id = ids(&app, "SELECT id FROM person WHERE email = 'independent.chair@northbrook.example'").await;
        // The business team adds people on a page of its own, linked from the case.
        assert!(bt.get(&format!("/reviews/{id}")).await.contains(&format!("/reviews/{id}/panel")));
        let form = bt.get(&format!("/reviews/{id}/panel")).await;
        assert_eq!(form.status, 200);
        assert!(form.contains("Add someone to the panel") && form.contains("Choose a person"));
        let none = bt.post(&format!("/reviews/{id}/panel"), &[("person", "")]).await;
        assert_eq!(none.status, 422);
        assert!(none.contains("Choose the person to add to the panel"));
        assert_eq!(ic.get(&format!("/reviews/{id}/panel")).await.status, 403);
        assert_eq!(bt.post(&format!("/reviews/{id}/panel"), &[("person", &chair_id[0])]).await.status, 303);
        assert!(ic.get(&format!("/reviews/{id}")).await.contains("Amelia Testcase"));
        let form = bt.get(&format!("/reviews/{id}/panel")).await;
        assert!(form.contains("On the panel now"));
        let reads: (i64,) = app.db.fetch_one(query("SELECT COUNT(*) FROM audit_event WHERE action = 'case.read'")).await.unwrap();
        assert_eq!(reads.0, 3, "two reads in full by the business team, one by the chair once on the panel");

        // Names never reach lists or the audit trail; practitioners and administrators see less.
        assert!(!bt.get("/reviews").await.contains("Amelia"));
        let (leaks,): (i64,) = app
            .db
            .fetch_one(query("SELECT COUNT(*) FROM audit_event e LEFT JOIN audit_content c ON c.seq = e.seq \
                WHERE c.after_json LIKE '%Amelia%' OR c.before_json LIKE '%Amelia%' OR e.summary LIKE '%Amelia%'"))
            .await
            .unwrap();
        assert_eq!(leaks, 0);
        let practitioner = Client::new(&app.base);
        practitioner.sign_in_as(Role::Practitioner).await;
        assert!(!practitioner.get(&format!("/reviews/{id}")).await.contains("Amelia"));
        assert_eq!(practitioner.post(&format!("/reviews/{id}/panel"), &[("person", &chair_id[0])]).await.status, 403);
        assert_eq!(practitioner.get("/reviews/new").await.status, 403);
        let admin = Client::new(&app.base);
        admin.sign_in_as(Role::SystemAdmin).await;
        assert_eq!(admin.get(&format!("/reviews/{id}")).await.status, 403);
        assert_eq!(admin.get("/reviews").await.status, 403);
    })
    .await;
}

#[tokio::test]
async fn a_missed_notification_deadline_shows_on_the_home_page_and_the_overseeing_groups_agenda() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let aware = Utc::now().date_naive() - Duration::days(14);
        notify(
            &app,
            &bt,
            "death-or-serious-harm",
            (aware.day(), aware.month(), aware.year()),
            None,
        )
        .await;
        let home = bt.get("/home").await;
        assert!(
            home.contains("Notify the national Panel of a serious incident"),
            "{}",
            home.body
        );
        assert!(home.contains(">Overdue</strong>"));
        // A meeting of the group that oversees it carries the deadline on its live agenda.
        let silg = ids(
            &app,
            "SELECT id FROM partnership_group WHERE name = 'Serious Incident and Learning Group'",
        )
        .await;
        let soon = Utc::now().date_naive() + Duration::days(20);
        let r = bt
            .post(
                &format!("/groups/{}/meetings/new", silg[0]),
                &[
                    ("first-day", &soon.day().to_string()),
                    ("first-month", &soon.month().to_string()),
                    ("first-year", &soon.year().to_string()),
                    ("time", "10:00"),
                    ("length", "90"),
                    ("place", ""),
                    ("link", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
        let (mid,): (String,) = app
            .db
            .fetch_one(
                query("SELECT id FROM meeting WHERE group_id = ? ORDER BY starts_at LIMIT 1")
                    .bind(&silg[0]),
            )
            .await
            .unwrap();
        let agenda = bt.get(&format!("/meetings/{mid}")).await;
        assert!(
            agenda.contains("Notify the national Panel of a serious incident"),
            "{}",
            agenda.body
        );
        // And the case itself, for the group's recommendation at the rapid review.
        assert!(
            agenda.contains("rapid review, for the group&#39;s recommendation")
                || agenda.contains("rapid review, for the group's recommendation")
        );
    })
    .await;
}

#[tokio::test]
async fn agencies_involved_are_asked_for_summaries_and_the_business_team_sees_who_returned() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let id = notify(
            &app,
            &bt,
            "death-or-serious-harm",
            (2, 11, 2026),
            Some((4, 11, 2026)),
        )
        .await;
        let missing = bt
            .post(
                &format!("/reviews/{id}/summaries"),
                &[("due-day", ""), ("due-month", ""), ("due-year", "")],
            )
            .await;
        assert_eq!(missing.status, 422);
        assert!(missing.contains("Enter the date summaries are due"));
        let r = bt
            .post(
                &format!("/reviews/{id}/summaries"),
                &[("due-day", "16"), ("due-month", "11"), ("due-year", "2026")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = bt.get(&format!("/reviews/{id}")).await;
        assert!(page.contains("Northbrook Constabulary"));
        assert!(page.contains(">Not started</strong>"));
        // The police lead is told by mail (no child's details) and sees it on their home page.
        let mail = common::last_mail_to(&app.db, "agency.lead@northbrook.example")
            .await
            .expect("a mail to the police lead");
        assert!(
            mail.contains("case 2026-001") && !mail.contains("Amelia") && !mail.contains("Child A")
        );
        let lead = Client::new(&app.base);
        lead.sign_in_as(Role::AgencyLead).await;
        let home = lead.get("/home").await;
        assert!(
            home.contains("Your agency&#39;s summary for case 2026-001"),
            "{}",
            home.body
        );
        let police: (String,) = app
            .db
            .fetch_one(query(
                "SELECT id FROM agency WHERE name = 'Northbrook Constabulary'",
            ))
            .await
            .unwrap();
        // The mail's address leads to the agency's return on the case: a return (MODEL.md).
        let path = format!("/reviews/{id}/summaries/{}", police.0);
        let to = lead.get(&path).await;
        assert_eq!(to.status, 303);
        let ret = to.location.clone().unwrap_or_default();
        assert!(ret.starts_with("/returns/"), "{ret}");
        assert_eq!(lead.get(&ret).await.status, 200);
        let empty = lead
            .post(
                &ret,
                &[("answer-1", ""), ("answer-2", ""), ("action", "submit")],
            )
            .await;
        assert_eq!(empty.status, 422);
        assert!(empty.contains("Enter the answer to “Chronology"), "{}", empty.body);
        // A draft is kept without being submitted.
        let draft = lead
            .post(
                &ret,
                &[("answer-1", "3 Oct: officers attended"), ("answer-2", ""), ("action", "save")],
            )
            .await;
        assert_eq!(draft.status, 303);
        assert!(bt.get(&format!("/reviews/{id}")).await.contains(">Draft</strong>"));
        let sent = lead
            .post(
                &ret,
                &[
                    (
                        "answer-1",
                        "3 Oct: officers attended a call about Child A's home.",
                    ),
                    ("answer-2", "The call was not linked to earlier referrals."),
                    ("action", "submit"),
                ],
            )
            .await;
        assert_eq!(sent.status, 303);
        assert!(
            bt.get(&format!("/reviews/{id}"))
                .await
                .contains(">Submitted</strong>")
        );
        assert!(
            !lead
                .get("/home")
                .await
                .contains("summary for case 2026-001")
        );
        // Submitted, it is changed only if the business team sends it back.
        let again = lead
            .post(&ret, &[("answer-1", "x"), ("answer-2", "y"), ("action", "submit")])
            .await;
        assert_eq!(again.status, 409);
        let back = bt
            .post(
                &format!("{ret}/decide"),
                &[("decision", "send-back"), ("note", "Add the November contacts")],
            )
            .await;
        assert_eq!(back.status, 303);
        let home = lead.get("/home").await;
        assert!(home.contains("summary for case 2026-001"), "{}", home.body);
        assert!(lead.get(&ret).await.contains("Add the November contacts"));
        // The lead cannot accept their own summary.
        assert_eq!(
            lead.post(&format!("{ret}/decide"), &[("decision", "accept")])
                .await
                .status,
            403
        );
        // Nobody else reads or writes it.
        let practitioner = Client::new(&app.base);
        practitioner.sign_in_as(Role::Practitioner).await;
        assert_eq!(practitioner.get(&path).await.status, 403);
        assert_eq!(practitioner.get(&ret).await.status, 403);
        assert_eq!(
            practitioner
                .post(&ret, &[("answer-1", "x"), ("answer-2", "y"), ("action", "save")])
                .await
                .status,
            403
        );
        // Nor the independent chair, who is not on the case's panel.
        let ic = Client::new(&app.base);
        ic.sign_in_as(Role::IndependentChair).await;
        assert_eq!(ic.get(&ret).await.status, 403);
        // Each read by the panel is on the case's trail, which only they see.
        let reads: (i64,) = app
            .db
            .fetch_one(
                query("SELECT COUNT(*) FROM audit_event WHERE action = 'case.summary.read' AND target_id = ?")
                    .bind(&id),
            )
            .await
            .unwrap();
        assert!(reads.0 >= 2, "{}", reads.0);
    })
    .await;
}

#[tokio::test]
async fn the_rapid_review_is_recorded_signed_off_by_the_chair_and_sent_to_the_panel() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let id = notify(
            &app,
            &bt,
            "death-or-serious-harm",
            (2, 11, 2026),
            Some((4, 11, 2026)),
        )
        .await;
        let rr = format!("/reviews/{id}/rapid-review");
        let bad = bt
            .post(
                &rr,
                &[
                    ("facts", ""),
                    ("safety_assurance", "Children safe with family"),
                    ("safety_by", "Children's social care"),
                    ("recommendation", "no-further-review"),
                    ("reasons", ""),
                ],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("Enter the facts established"));
        assert!(bad.contains("Give the reasons for recommending no further review"));
        let ok = bt
            .post(
                &rr,
                &[
                    (
                        "facts",
                        "Child A was admitted on 1 November with a fracture.",
                    ),
                    (
                        "safety_assurance",
                        "Sibling B placed with grandparents under a safety plan",
                    ),
                    ("safety_by", "Children's social care"),
                    ("learning", "Information sharing between health and police"),
                    ("recommendation", "lcspr"),
                    ("reasons", ""),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        // Only the independent chair signs off, and only once named on the panel.
        let sign = format!("/reviews/{id}/sign-off");
        let form = [
            ("signed-day", "18"),
            ("signed-month", "11"),
            ("signed-year", "2026"),
        ];
        assert_eq!(bt.post(&sign, &form).await.status, 403);
        let ic = Client::new(&app.base);
        ic.sign_in_as(Role::IndependentChair).await;
        assert_eq!(ic.post(&sign, &form).await.status, 403);
        let chair_id = ids(
            &app,
            "SELECT id FROM person WHERE email = 'independent.chair@northbrook.example'",
        )
        .await;
        bt.post(&format!("/reviews/{id}/panel"), &[("person", &chair_id[0])])
            .await;
        assert_eq!(ic.post(&sign, &form).await.status, 303);
        let page = bt.get(&format!("/reviews/{id}")).await;
        assert!(page.contains("Decision made"));
        assert!(page.contains("Local child safeguarding practice review"));
        // Once signed off the rapid review is fixed; then it goes to the Panel, meeting its clock.
        assert!(
            bt.post(
                &rr,
                &[
                    ("facts", "x"),
                    ("safety_assurance", "y"),
                    ("safety_by", "z"),
                    ("recommendation", "lcspr")
                ]
            )
            .await
            .contains("can no longer be changed")
        );
        let sent = bt
            .post(
                &format!("/reviews/{id}/panel-outcome"),
                &[
                    ("sent-day", "20"),
                    ("sent-month", "11"),
                    ("sent-year", "2026"),
                    ("response", "agree"),
                    ("response-on-day", "27"),
                    ("response-on-month", "11"),
                    ("response-on-year", "2026"),
                ],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        let page = bt.get(&format!("/reviews/{id}")).await;
        assert!(
            page.contains("Met on 20 November 2026"),
            "the rapid review clock is met when it reaches the Panel"
        );
        assert!(page.contains("agrees with the decision"));
    })
    .await;
}

#[tokio::test]
async fn the_case_list_filters_and_exports_without_childrens_details() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        notify(&app, &bt, "death-or-serious-harm", (2, 11, 2026), Some((4, 11, 2026))).await;
        notify(&app, &bt, "care-leaver-death", (9, 11, 2026), None).await;
        let all = bt.get("/reviews").await;
        assert!(all.contains("2 cases"));
        let leavers = bt.get("/reviews?category=care-leaver-death&stage=&year=2026").await;
        assert!(leavers.contains("1 case</caption>") && leavers.contains(">2026-002<"));
        assert!(!leavers.contains(">2026-001<"));
        let in_rapid_review = bt.get("/reviews?stage=rapid-review").await;
        assert!(in_rapid_review.contains(">2026-001<"));
        assert!(!in_rapid_review.contains(">2026-002<"));
        let undecided = bt.get("/reviews?publication=undecided&q=2026-00").await;
        assert!(undecided.contains("2 cases"));
        let published = bt.get("/reviews?publication=publish&at-risk=yes").await;
        assert!(!published.contains(">2026-001<") && !published.contains(">2026-002<"));
        let resp = bt.http.get(format!("{}/reviews/export.csv?category=&stage=&year=2026", bt.base)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.headers().get("content-disposition").unwrap(), "attachment; filename=\"case-reviews.csv\"");
        let csv = resp.text().await.unwrap();
        assert!(csv.starts_with(
            "Case,Type,What was notified,Stage,Aware,Notified,Panel reference,Decided,Reviewer,Publication,Published,Next deadline,Due,Status\n"
        ));
        assert!(csv.contains("2026-001,,\"Death or serious harm, abuse or neglect known or suspected\",Rapid review,2026-11-02,2026-11-04,CSPRP-2026-0042"));
        assert!(!csv.contains("Amelia") && !csv.contains("Child A"));
        let (n,): (i64,) = app.db.fetch_one(query("SELECT COUNT(*) FROM audit_event WHERE action = 'case.export'")).await.unwrap();
        assert_eq!(n, 1);
    })
    .await;
}
