//! Governance: groups and their terms of reference, meetings with live agendas, attendance and
//! quoracy, decisions, meeting actions and escalations — each rule and role over real HTTP, on
//! SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, Duration, Utc};
use common::{Client, TestApp, each_app};
use learnloop_domain::accounts::Role;
use learnloop_store::query;

async fn id_of(app: &TestApp, sql: &'static str, name: &str) -> String {
    let (id,): (String,) = app.db.fetch_one(query(sql).bind(name)).await.unwrap();
    id
}

async fn group(app: &TestApp, name: &str) -> String {
    id_of(app, "SELECT id FROM partnership_group WHERE name = ?", name).await
}

async fn agency(app: &TestApp, name: &str) -> String {
    id_of(app, "SELECT id FROM agency WHERE name = ?", name).await
}

async fn person(app: &TestApp, email: &str) -> String {
    id_of(app, "SELECT id FROM person WHERE email = ?", email).await
}

const COUNCIL: &str = "Northbrook Borough Council Children's Services";
const POLICE: &str = "Northbrook Constabulary";
const ICB: &str = "Northbrook and Wyvern Integrated Care Board";

/// Records terms of reference for a group as the business team.
async fn record_terms(
    app: &TestApp,
    bt: &Client,
    gid: &str,
    chair_email: &str,
    review: (&str, &str, &str),
) -> u16 {
    let (c, p, i) = (
        agency(app, COUNCIL).await,
        agency(app, POLICE).await,
        agency(app, ICB).await,
    );
    let chair = person(app, chair_email).await;
    let r = bt
        .post(
            &format!("/groups/{gid}/terms"),
            &[
                ("purpose", "To make sure serious incidents are reviewed and their learning is acted on."),
                ("aims", ""),
                ("functions", "Consider referrals for rapid review\nOversee local child safeguarding practice reviews\nMonitor action plans"),
                ("core", &c),
                ("core", &p),
                ("core", &i),
                ("chair", &chair),
                ("chair_appointed_by", "The lead safeguarding partners"),
                ("deputy", ""),
                ("deputy_appointed_by", ""),
                ("frequency", "monthly"),
                ("meeting_minutes", "120"),
                ("outputs", "Quarterly report to the executive"),
                ("admin_support", "Partnership business team"),
                ("agreed-day", "1"),
                ("agreed-month", "9"),
                ("agreed-year", "2025"),
                ("review-day", review.0),
                ("review-month", review.1),
                ("review-year", review.2),
            ],
        )
        .await;
    r.status
}

fn next_year() -> String {
    (Utc::now().year() + 1).to_string()
}

#[tokio::test]
async fn terms_of_reference_are_versioned_and_old_versions_stay_readable() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let silg = group(&app, "Serious Incident and Learning Group").await;
        assert_eq!(
            record_terms(
                &app,
                &bt,
                &silg,
                "group.chair@northbrook.example",
                ("1", "9", &next_year())
            )
            .await,
            303
        );
        let page = bt.get(&format!("/groups/{silg}")).await;
        assert!(page.contains("Oversee local child safeguarding practice reviews"));
        assert!(page.contains("reports to <a class=\"govuk-link\" href=\"/groups/"));
        assert!(page.contains(">Safeguarding Children Partnership Executive</a>"));
        assert!(page.contains("Tom Hughes"));
        assert!(page.contains("Version</dt>"));
        assert!(
            !page.contains("Version 1, agreed"),
            "the version in force is not listed among the earlier ones"
        );
        // A revision keeps the first version.
        assert_eq!(
            record_terms(
                &app,
                &bt,
                &silg,
                "independent.chair@northbrook.example",
                ("1", "3", &next_year())
            )
            .await,
            303
        );
        let now = bt.get(&format!("/groups/{silg}")).await;
        assert!(now.contains("Margaret Osei"));
        assert!(now.contains("Version 1, agreed"));
        let v1 = bt.get(&format!("/groups/{silg}/terms/1")).await;
        assert_eq!(v1.status, 200);
        assert!(v1.contains("Tom Hughes"));
        assert!(v1.contains("It has been replaced by a later version"));
        assert_eq!(bt.get(&format!("/groups/{silg}/terms/9")).await.status, 404);
        let print = bt.get(&format!("/groups/{silg}/terms/print")).await;
        assert!(print.contains("Serious Incident and Learning Group: terms of reference"));
    })
    .await;
}

#[tokio::test]
async fn bad_terms_are_explained_and_nothing_is_saved() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let lig = group(&app, "Learning and Improvement Subgroup").await;
        let chair = person(&app, "group.chair@northbrook.example").await;
        let r = bt
            .post(
                &format!("/groups/{lig}/terms"),
                &[
                    ("purpose", ""),
                    ("functions", ""),
                    ("chair", &chair),
                    ("deputy", &chair),
                    ("frequency", "weekly"),
                    ("meeting_minutes", "5"),
                    ("agreed-day", "1"),
                    ("agreed-month", "9"),
                    ("agreed-year", "2025"),
                    ("review-day", "1"),
                    ("review-month", "1"),
                    ("review-year", "2025"),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        for msg in [
            "Enter the purpose of the group",
            "Enter the group&#39;s functions or responsibilities, one per line",
            "Choose at least one core member agency",
            "The deputy cannot be the chair",
            "Choose how often the group meets",
            "Enter the length in minutes, from 15 to 480",
            "The review date must be after the date agreed",
        ] {
            assert!(r.contains(msg), "missing message: {msg}");
        }
        let (n,): (i64,) = app
            .db
            .fetch_one(query("SELECT COUNT(*) FROM group_terms WHERE group_id = ?").bind(&lig))
            .await
            .unwrap();
        assert_eq!(n, 0);
    })
    .await;
}

#[tokio::test]
async fn a_group_cannot_report_to_itself_or_form_a_loop() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let exec = group(&app, "Safeguarding Children Partnership Executive").await;
        let lig = group(&app, "Learning and Improvement Subgroup").await;
        let form = |reports_to: String| {
            vec![
                (
                    "name".to_owned(),
                    "Safeguarding Children Partnership Executive".to_owned(),
                ),
                ("kind".to_owned(), "board".to_owned()),
                ("reports_to".to_owned(), reports_to),
                ("papers_days".to_owned(), "14".to_owned()),
                ("quorum".to_owned(), "statutory".to_owned()),
                ("standing_items".to_owned(), "Welcome".to_owned()),
            ]
        };
        for target in [exec.clone(), lig.clone()] {
            let f = form(target);
            let fields: Vec<(&str, &str)> =
                f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let r = bt.post(&format!("/groups/{exec}/settings"), &fields).await;
            assert_eq!(r.status, 422);
            assert!(
                r.contains("A group cannot report to itself, or to a group that reports to it")
            );
        }
        // The structure page shows the tree.
        let s = bt.get("/groups").await;
        assert!(s.contains("app-tree__item--1"));
        assert!(s.contains("Child Death Overview Panel"));
    })
    .await;
}

#[tokio::test]
async fn a_year_of_monthly_meetings_is_generated_but_never_in_the_past() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let silg = group(&app, "Serious Incident and Learning Group").await;
        record_terms(
            &app,
            &bt,
            &silg,
            "group.chair@northbrook.example",
            ("1", "9", &next_year()),
        )
        .await;
        let past = Utc::now().date_naive() - Duration::days(3);
        let r = bt
            .post(
                &format!("/groups/{silg}/meetings/new"),
                &[
                    ("first-day", &past.day().to_string()),
                    ("first-month", &past.month().to_string()),
                    ("first-year", &past.year().to_string()),
                    ("time", "10:00"),
                    ("length", "120"),
                    ("place", "Civic Centre"),
                    ("link", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.contains("meetings in the past cannot be generated"));
        let r = bt
            .post(
                &format!("/groups/{silg}/meetings/new"),
                &[
                    ("first-day", "12"),
                    ("first-month", "1"),
                    ("first-year", &next_year()),
                    ("time", "25:00"),
                    ("length", "120"),
                    ("place", ""),
                    ("link", "not a link"),
                ],
            )
            .await;
        assert!(r.contains("Enter the start time as hours and minutes"));
        assert!(r.contains("starting with https://"));
        let r = bt
            .post(
                &format!("/groups/{silg}/meetings/new"),
                &[
                    ("first-day", "12"),
                    ("first-month", "1"),
                    ("first-year", &next_year()),
                    ("time", "10:00"),
                    ("length", "120"),
                    ("place", "Civic Centre"),
                    ("link", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let (n,): (i64,) = app
            .db
            .fetch_one(query("SELECT COUNT(*) FROM meeting WHERE group_id = ?").bind(&silg))
            .await
            .unwrap();
        assert_eq!(n, 12);
        let page = bt.get(&format!("/groups/{silg}")).await;
        assert!(page.contains(&format!("Tuesday 12 January {} at 10:00", next_year())));
    })
    .await;
}

async fn one_meeting(app: &TestApp, bt: &Client, gid: &str) -> String {
    let r = bt
        .post(
            &format!("/groups/{gid}/meetings/new"),
            &[
                ("first-day", "12"),
                ("first-month", "1"),
                ("first-year", &next_year()),
                ("time", "10:00"),
                ("length", "120"),
                ("place", "Civic Centre"),
                ("link", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    id_of(
        app,
        "SELECT id FROM meeting WHERE group_id = ? ORDER BY starts_at LIMIT 1",
        gid,
    )
    .await
}

#[tokio::test]
async fn the_agenda_is_assembled_live_then_frozen_when_issued() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let lig = group(&app, "Learning and Improvement Subgroup").await;
        // Terms whose review falls before the meeting: the agenda must carry the review.
        record_terms(
            &app,
            &bt,
            &lig,
            "group.chair@northbrook.example",
            ("1", "12", &next_year()),
        )
        .await;
        let mid = one_meeting(&app, &bt, &lig).await;
        let chair = Client::new(&app.base);
        chair.sign_in_as(Role::GroupChair).await;
        // A meeting action due before the meeting appears on the agenda as due.
        let owner = person(&app, "agency.lead@northbrook.example").await;
        let police = agency(&app, POLICE).await;
        let r = chair
            .post(
                &format!("/meetings/{mid}/actions"),
                &[
                    (
                        "description",
                        "Share the new neglect toolkit with every school",
                    ),
                    ("lead_agency", &police),
                    ("owner", &owner),
                    ("due-day", "5"),
                    ("due-month", "1"),
                    ("due-year", &next_year()),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = chair.get(&format!("/meetings/{mid}")).await;
        assert!(page.contains("Not issued yet"));
        assert!(
            page.contains("Minutes of the last meeting and matters arising")
                || page.contains("Welcome")
        );
        assert!(page.contains("Overdue action: Share the new neglect toolkit with every school"));
        assert!(
            page.contains("/actions/"),
            "an agenda's action opens the action"
        );
        // A practitioner of an agency of the group, who does not open the partnership's
        // actions, reads the item without a link that would be refused.
        app.db
            .execute(
                query(
                    "UPDATE membership SET agency_id = ? WHERE role = 'practitioner' \
                     AND person_id = (SELECT id FROM person WHERE email = ?)",
                )
                .bind(&police)
                .bind("practitioner@northbrook.example"),
            )
            .await
            .unwrap();
        let practitioner = Client::new(&app.base);
        practitioner.sign_in_as(Role::Practitioner).await;
        let seen = practitioner.get(&format!("/meetings/{mid}")).await;
        assert_eq!(seen.status, 200);
        assert!(seen.contains("Overdue action: Share the new neglect toolkit with every school"));
        assert!(!seen.contains("href=\"/actions/"), "{}", seen.body);
        // Actions are added on a page of their own, which says what to fix.
        assert!(page.contains(&format!("/meetings/{mid}/actions/new")));
        let form = chair.get(&format!("/meetings/{mid}/actions/new")).await;
        assert_eq!(form.status, 200);
        assert!(form.contains("Add a meeting action") && form.contains("Choose a person"));
        let bad = chair
            .post(
                &format!("/meetings/{mid}/actions"),
                &[("description", "Check the referral pathway")],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("Choose the person who owns the action"));
        assert!(
            bad.contains("Check the referral pathway"),
            "what was typed is kept"
        );
        // Past fifteen, the agenda lists the longest overdue and counts the rest, which open
        // in the group's plan.
        for i in 0..15 {
            let r = chair
                .post(
                    &format!("/meetings/{mid}/actions"),
                    &[
                        ("description", format!("Later action {i}").as_str()),
                        ("lead_agency", &police),
                        ("owner", &owner),
                        ("due-day", "6"),
                        ("due-month", "1"),
                        ("due-year", &next_year()),
                    ],
                )
                .await;
            assert_eq!(r.status, 303, "{}", r.body);
        }
        let page = chair.get(&format!("/meetings/{mid}")).await;
        assert!(page.contains("Overdue action: Share the new neglect toolkit with every school"));
        assert!(page.contains("Overdue action: Later action"));
        assert!(
            page.contains("1 more of the group&#39;s actions is overdue or due soon")
                || page.contains("1 more of the group&#x27;s actions is overdue or due soon"),
            "{}",
            page.body
        );
        assert!(
            page.contains(&format!("/actions?group={lig}")),
            "{}",
            page.body
        );
        // An escalation raised now shows on the live agenda.
        let r = chair
            .post(
                &format!("/groups/{lig}/escalations/new"),
                &[
                    ("title", "No health lead for audits"),
                    ("detail", "The health trusts have not named auditors."),
                    ("on-day", "1"),
                    ("on-month", "11"),
                    ("on-year", "2026"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(
            chair
                .get(&format!("/meetings/{mid}"))
                .await
                .contains("Escalation: No health lead for audits")
        );
        // Issue: frozen.
        assert_eq!(
            chair
                .post(&format!("/meetings/{mid}/agenda/issue"), &[])
                .await
                .status,
            303
        );
        let issued = chair.get(&format!("/meetings/{mid}")).await;
        assert!(issued.contains("Agenda issued"));
        assert!(issued.contains("Escalation: No health lead for audits"));
        chair
            .post(
                &format!("/groups/{lig}/escalations/new"),
                &[
                    ("title", "A later issue"),
                    ("detail", "Raised after the agenda was issued."),
                    ("on-day", "2"),
                    ("on-month", "11"),
                    ("on-year", "2026"),
                ],
            )
            .await;
        assert!(
            !chair
                .get(&format!("/meetings/{mid}"))
                .await
                .contains("A later issue")
        );
        // Issuing twice changes nothing.
        chair
            .post(&format!("/meetings/{mid}/agenda/issue"), &[])
            .await;
        let (n,): (i64,) = app
            .db
            .fetch_one(
                query(
                    "SELECT COUNT(*) FROM agenda_item WHERE meeting_id = ? AND kind = 'escalation'",
                )
                .bind(&mid),
            )
            .await
            .unwrap();
        assert_eq!(n, 1);
    })
    .await;
}

#[tokio::test]
async fn quoracy_needs_every_statutory_partner_and_decisions_are_numbered() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let silg = group(&app, "Serious Incident and Learning Group").await;
        record_terms(
            &app,
            &bt,
            &silg,
            "group.chair@northbrook.example",
            ("1", "9", &next_year()),
        )
        .await;
        let mid = one_meeting(&app, &bt, &silg).await;
        let (c, p, i) = (
            agency(&app, COUNCIL).await,
            agency(&app, POLICE).await,
            agency(&app, ICB).await,
        );
        for (name, ag, status, dep) in [
            ("Ann Lee", &c, "present", ""),
            ("DI Sam Carter", &p, "present", ""),
            ("Dr Ravi Nair", &i, "apologies", ""),
        ] {
            let r = bt
                .post(
                    &format!("/meetings/{mid}/attendance"),
                    &[
                        ("name", name),
                        ("agency", ag),
                        ("status", status),
                        ("deputising_for", dep),
                    ],
                )
                .await;
            assert_eq!(r.status, 303, "{}", r.body);
        }
        let page = bt.get(&format!("/meetings/{mid}")).await;
        assert!(
            page.contains("Not quorate: no one from Northbrook and Wyvern Integrated Care Board")
        );
        let r = bt
            .post(
                &format!("/meetings/{mid}/attendance"),
                &[
                    ("name", "Jo Hart"),
                    ("agency", &i),
                    ("status", "deputy"),
                    ("deputising_for", ""),
                ],
            )
            .await;
        assert!(r.contains("Enter the name of the member this person deputised for"));
        bt.post(
            &format!("/meetings/{mid}/attendance"),
            &[
                ("name", "Jo Hart"),
                ("agency", &i),
                ("status", "deputy"),
                ("deputising_for", "Dr Ravi Nair"),
            ],
        )
        .await;
        let page = bt.get(&format!("/meetings/{mid}")).await;
        assert!(page.contains("Quorate: every statutory partner was represented"));
        for text in [
            "Commission a local child safeguarding practice review for Child F",
            "No further review for Child G; learning to the library",
        ] {
            assert_eq!(
                bt.post(&format!("/meetings/{mid}/decisions"), &[("decision", text)])
                    .await
                    .status,
                303
            );
        }
        let page = bt.get(&format!("/meetings/{mid}")).await;
        assert!(page.contains(
            "<strong>Decision 1.</strong> <span class=\"app-pre-line\">Commission a local"
        ));
        assert!(page.contains("<strong>Decision 2.</strong>"));
    })
    .await;
}

#[tokio::test]
async fn an_escalation_goes_to_the_chair_then_the_board_and_is_resolved() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let lig = group(&app, "Learning and Improvement Subgroup").await;
        let exec = group(&app, "Safeguarding Children Partnership Executive").await;
        let board_meeting = one_meeting(&app, &bt, &exec).await;
        let chair = Client::new(&app.base);
        chair.sign_in_as(Role::GroupChair).await;
        let r = chair
            .post(
                &format!("/groups/{lig}/escalations/new"),
                &[
                    ("title", "Agencies not returning audit data"),
                    ("detail", "Three agencies missed two deadlines."),
                    ("on-day", "3"),
                    ("on-month", "11"),
                    ("on-year", "2026"),
                ],
            )
            .await;
        let eid = r
            .location
            .unwrap()
            .trim_start_matches("/escalations/")
            .to_owned();
        // The independent chair sees it on their home page, and may move it on; the group chair may not.
        let ic = Client::new(&app.base);
        ic.sign_in_as(Role::IndependentChair).await;
        assert!(
            ic.get("/home")
                .await
                .contains("Escalation: Agencies not returning audit data")
        );
        assert_eq!(
            chair
                .post(
                    &format!("/escalations/{eid}"),
                    &[
                        ("next", "resolved"),
                        ("note", "x"),
                        ("on-day", "4"),
                        ("on-month", "11"),
                        ("on-year", "2026")
                    ]
                )
                .await
                .status,
            403
        );
        let r = ic
            .post(
                &format!("/escalations/{eid}"),
                &[
                    ("next", "to-board"),
                    ("note", "Needs the partners to intervene."),
                    ("on-day", "4"),
                    ("on-month", "11"),
                    ("on-year", "2026"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        // It is on the board's next agenda.
        assert!(
            bt.get(&format!("/meetings/{board_meeting}"))
                .await
                .contains("Escalation: Agencies not returning audit data")
        );
        let r = ic
            .post(
                &format!("/escalations/{eid}"),
                &[
                    ("next", "resolved"),
                    (
                        "note",
                        "Chief officers wrote to the three agencies; data now returned.",
                    ),
                    ("on-day", "20"),
                    ("on-month", "11"),
                    ("on-year", "2026"),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
        let page = ic.get(&format!("/escalations/{eid}")).await;
        assert!(page.contains("Resolved"));
        assert!(page.contains("Escalated to the board"));
        assert!(page.contains("Chief officers wrote to the three agencies"));
        assert!(
            !ic.get("/home")
                .await
                .contains("Agencies not returning audit data")
        );
    })
    .await;
}

#[tokio::test]
async fn each_role_runs_only_the_groups_it_may() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let lig = group(&app, "Learning and Improvement Subgroup").await;
        let silg = group(&app, "Serious Incident and Learning Group").await;
        record_terms(
            &app,
            &bt,
            &lig,
            "group.chair@northbrook.example",
            ("1", "9", &next_year()),
        )
        .await;
        let lig_meeting = one_meeting(&app, &bt, &lig).await;
        let silg_meeting = one_meeting(&app, &bt, &silg).await;
        let decision = [("decision", "Agreed")];

        // The L&I chair runs L&I, not SILG, and cannot change terms.
        let chair = Client::new(&app.base);
        chair.sign_in_as(Role::GroupChair).await;
        assert_eq!(
            chair
                .post(&format!("/meetings/{lig_meeting}/decisions"), &decision)
                .await
                .status,
            303
        );
        assert_eq!(
            chair
                .post(&format!("/meetings/{silg_meeting}/decisions"), &decision)
                .await
                .status,
            403
        );
        assert_eq!(chair.get(&format!("/groups/{lig}/terms")).await.status, 403);

        // The police lead (a core member agency of L&I) reads it but cannot record in it.
        let lead = Client::new(&app.base);
        lead.sign_in_as(Role::AgencyLead).await;
        assert_eq!(
            lead.get(&format!("/meetings/{lig_meeting}")).await.status,
            200
        );
        assert_eq!(
            lead.post(&format!("/meetings/{lig_meeting}/decisions"), &decision)
                .await
                .status,
            403
        );
        assert_eq!(
            lead.get(&format!("/meetings/{silg_meeting}")).await.status,
            403
        );

        // A practitioner of a hospital trust (not a member) and the administrator see nothing.
        for role in [Role::Practitioner, Role::SystemAdmin] {
            let c = Client::new(&app.base);
            c.sign_in_as(role).await;
            assert_eq!(
                c.get(&format!("/groups/{lig}")).await.status,
                403,
                "{role:?}"
            );
            assert_eq!(
                c.get(&format!("/meetings/{lig_meeting}")).await.status,
                403,
                "{role:?}"
            );
        }
        // Unknown ids are not found.
        assert_eq!(
            bt.get("/meetings/0190c1f0-0000-7000-8000-000000000000")
                .await
                .status,
            404
        );
        assert_eq!(bt.get("/groups/nope").await.status, 404);
    })
    .await;
}

#[tokio::test]
async fn a_terms_review_that_is_due_is_flagged_on_the_business_team_home_page() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let cdop = group(&app, "Child Death Overview Panel").await;
        let soon = Utc::now().date_naive() + Duration::days(10);
        let (d, m, y) = (
            soon.day().to_string(),
            soon.month().to_string(),
            soon.year().to_string(),
        );
        assert_eq!(
            record_terms(
                &app,
                &bt,
                &cdop,
                "group.chair@northbrook.example",
                (&d, &m, &y)
            )
            .await,
            303
        );
        let home = bt.get("/home").await;
        assert!(
            home.contains("Review the terms of reference of the Child Death Overview Panel"),
            "{}",
            home.body
        );
        assert!(
            bt.get(&format!("/groups/{cdop}"))
                .await
                .contains("The review of these terms is due soon")
        );
    })
    .await;
}

fn feed_url(page: &str) -> String {
    let start = page.find("/feeds/").expect("a feed address on the page");
    let end = page[start..].find(".ics").expect("an .ics address") + start + 4;
    page[start..end].to_owned()
}

#[tokio::test]
async fn a_calendar_feed_follows_moves_and_cancellations_and_can_be_revoked() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let lig = group(&app, "Learning and Improvement Subgroup").await;
        let silg = group(&app, "Serious Incident and Learning Group").await;
        record_terms(
            &app,
            &bt,
            &lig,
            "group.chair@northbrook.example",
            ("1", "9", &next_year()),
        )
        .await;
        let mid = one_meeting(&app, &bt, &lig).await;
        one_meeting(&app, &bt, &silg).await;

        // The police lead (a member agency of L&I only) makes a feed of all their groups.
        let lead = Client::new(&app.base);
        lead.sign_in_as(Role::AgencyLead).await;
        let made = lead.post("/calendar", &[("group", "")]).await;
        assert_eq!(made.status, 200);
        assert!(made.contains("it is shown only once"));
        let path = feed_url(&made.body);
        let anyone = Client::new(&app.base);
        let ics = anyone.get(&path).await;
        assert_eq!(ics.status, 200);
        assert!(ics.body.starts_with("BEGIN:VCALENDAR"));
        assert!(ics.contains("SUMMARY:Learning and Improvement Subgroup"));
        assert!(
            !ics.contains("Serious Incident and Learning Group"),
            "a group the lead may not see is in the feed"
        );
        assert!(ics.contains(&format!("UID:{mid}@learnloop")));
        assert!(ics.contains("SEQUENCE:0"));

        // Moves and cancellations flow through with a higher sequence.
        bt.post(&format!("/meetings/{mid}/cancel"), &[]).await;
        let ics = anyone.get(&path).await;
        assert!(ics.contains("STATUS:CANCELLED"));
        assert!(ics.contains("SEQUENCE:1"));

        // A group the lead cannot see cannot be subscribed to.
        assert_eq!(
            lead.post("/calendar", &[("group", &silg)]).await.status,
            404
        );
        // Revoked: the address stops working.
        assert_eq!(
            lead.post("/calendar/revoke", &[("group", "")]).await.status,
            303
        );
        assert_eq!(anyone.get(&path).await.status, 404);
        assert_eq!(anyone.get("/feeds/0000.ics").await.status, 404);
    })
    .await;
}

#[tokio::test]
async fn members_submit_papers_that_are_checked_flagged_late_and_served_only_to_members() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let lig = group(&app, "Learning and Improvement Subgroup").await;
        record_terms(
            &app,
            &bt,
            &lig,
            "group.chair@northbrook.example",
            ("1", "9", &next_year()),
        )
        .await;
        // A meeting in five days: its 14-day papers deadline has passed, so papers are late.
        let soon = Utc::now().date_naive() + Duration::days(5);
        let r = bt
            .post(
                &format!("/groups/{lig}/meetings/new"),
                &[
                    ("first-day", &soon.day().to_string()),
                    ("first-month", &soon.month().to_string()),
                    ("first-year", &soon.year().to_string()),
                    ("time", "10:00"),
                    ("length", "90"),
                    ("place", "Online"),
                    ("link", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
        let mid = id_of(
            &app,
            "SELECT id FROM meeting WHERE group_id = ? ORDER BY starts_at LIMIT 1",
            &lig,
        )
        .await;

        let lead = Client::new(&app.base);
        lead.sign_in_as(Role::AgencyLead).await;
        let pdf = b"%PDF-1.7\nA paper about neglect\n%%EOF".to_vec();
        let bad = lead
            .upload(
                &format!("/meetings/{mid}/papers"),
                &[
                    ("paper-title", "Neglect audit findings"),
                    ("paper-item", ""),
                ],
                "tool.exe",
                b"MZ\x90".to_vec(),
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains(
            "The file must be a PDF, Word, Excel, PowerPoint, OpenDocument, text or CSV file"
        ));
        assert!(bad.contains("value=\"Neglect audit findings\""));
        let fake = lead
            .upload(
                &format!("/meetings/{mid}/papers"),
                &[("paper-title", "x"), ("paper-item", "")],
                "fake.pdf",
                b"not a pdf".to_vec(),
            )
            .await;
        assert!(fake.contains("The file is not a real .pdf file"));
        let untitled = lead
            .upload(
                &format!("/meetings/{mid}/papers"),
                &[("paper-title", ""), ("paper-item", "")],
                "paper.pdf",
                pdf.clone(),
            )
            .await;
        assert!(untitled.contains("Enter the title of the paper"));
        let ok = lead
            .upload(
                &format!("/meetings/{mid}/papers"),
                &[
                    ("paper-title", "Neglect audit findings"),
                    ("paper-item", ""),
                ],
                "C:\\docs\\audit.pdf",
                pdf.clone(),
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let page = bt.get(&format!("/meetings/{mid}")).await;
        assert!(page.contains("Neglect audit findings"));
        assert!(page.contains(">Late</strong>"));
        let (pid,): (String,) = app
            .db
            .fetch_one(query("SELECT id FROM paper"))
            .await
            .unwrap();

        // Members download it as an attachment, byte for byte; others may not.
        let resp = bt
            .http
            .get(format!("{}/papers/{pid}", bt.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(
            resp.headers().get("content-disposition").unwrap(),
            "attachment; filename=\"audit.pdf\""
        );
        assert_eq!(resp.bytes().await.unwrap().to_vec(), pdf);
        let outsider = Client::new(&app.base);
        outsider.sign_in_as(Role::Practitioner).await;
        assert_eq!(outsider.get(&format!("/papers/{pid}")).await.status, 403);
        assert_eq!(
            outsider
                .upload(
                    &format!("/meetings/{mid}/papers"),
                    &[("paper-title", "x")],
                    "a.pdf",
                    pdf.clone()
                )
                .await
                .status,
            403
        );
        // Without the form's token the upload is refused.
        let no_token = bt
            .http
            .post(format!("{}/meetings/{mid}/papers", bt.base))
            .multipart(reqwest::multipart::Form::new().text("paper-title", "x"))
            .send()
            .await
            .unwrap();
        assert_eq!(no_token.status().as_u16(), 403);
    })
    .await;
}

#[tokio::test]
async fn the_structure_names_only_groups_the_person_may_open() {
    each_app(|app| async move {
        let trainer = Client::new(&app.base);
        trainer.sign_in_as(Role::Trainer).await;
        let page = trainer.get("/groups").await;
        assert_eq!(page.status, 200);
        assert!(!page.contains("Child Death Overview Panel"));
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        assert!(
            bt.get("/groups")
                .await
                .contains("Child Death Overview Panel")
        );
    })
    .await;
}
