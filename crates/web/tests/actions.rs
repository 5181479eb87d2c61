//! Recommendations, action plans, evidence and impact: a review's recommendation becomes
//! actions; owners and agency leads post updates with evidence; due dates move only with a
//! reason; the chair of the group that owns the plan signs off; the impact review follows. The
//! tracker's filters and exports, the import with its preview, the theme page, and the daily
//! reminder digests. On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use calamine::{Reader, Xlsx};
use chrono::{Duration, Utc};
use common::{Client, TestApp, decide_lcspr, each_app, ids, notify};
use learnloop_domain::accounts::Role;
use learnloop_store::query;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

struct Plan {
    case: String,
    rec: String,
    lead_agency: String,
    other_agency: String,
    practitioner: String,
}

/// A decided practice review overseen by the Learning and Improvement Subgroup (whose chair is
/// the demo group chair), with one recommendation addressed to the agency lead's agency.
async fn plan(app: &TestApp, bt: &Client) -> Plan {
    let case = notify(
        app,
        bt,
        "death-or-serious-harm",
        (2, 11, 2026),
        Some((4, 11, 2026)),
    )
    .await;
    decide_lcspr(app, bt, &case).await;
    let li = ids(
        app,
        "SELECT id FROM partnership_group WHERE name = 'Learning and Improvement Subgroup'",
    )
    .await;
    app.db
        .execute(
            query("UPDATE case_review SET oversight_group_id = ? WHERE id = ?")
                .bind(li[0].as_str())
                .bind(case.as_str()),
        )
        .await
        .unwrap();
    let lead_agency = ids(
        app,
        "SELECT m.agency_id FROM membership m JOIN person p ON p.id = m.person_id \
         WHERE p.email = 'agency.lead@northbrook.example' AND m.role = 'agency-lead'",
    )
    .await;
    let other = ids(app, "SELECT id FROM agency ORDER BY name").await;
    let other_agency = other.into_iter().find(|a| a != &lead_agency[0]).unwrap();
    let theme = ids(
        app,
        "SELECT id FROM theme WHERE name = 'Multi-agency information sharing'",
    )
    .await;
    let r = bt
        .post(
            &format!("/reviews/{case}/recommendations"),
            &[
                (
                    "recommendation",
                    "Agencies share concerns about bruising the same day",
                ),
                ("addressed_to", "agencies"),
                ("rec_agency", &lead_agency[0]),
                ("rec_theme", &theme[0]),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let rec = ids(app, "SELECT id FROM recommendation").await;
    let practitioner = ids(
        app,
        "SELECT id FROM person WHERE email = 'practitioner@northbrook.example'",
    )
    .await;
    Plan {
        case,
        rec: rec[0].clone(),
        lead_agency: lead_agency[0].clone(),
        other_agency,
        practitioner: practitioner[0].clone(),
    }
}

async fn add_action(
    bt: &Client,
    p: &Plan,
    description: &str,
    owner: &str,
    due: chrono::NaiveDate,
) -> String {
    let (d, m, y) = (
        due.format("%-d").to_string(),
        due.format("%-m").to_string(),
        due.format("%Y").to_string(),
    );
    let r = bt
        .post(
            &format!("/recommendations/{}/actions", p.rec),
            &[
                ("description", description),
                ("lead_agency", &p.lead_agency),
                ("supporting", &p.other_agency),
                ("owner", owner),
                ("due-day", &d),
                ("due-month", &m),
                ("due-year", &y),
                ("measure", "A re-audit in six months finds same-day sharing"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    r.location
        .unwrap()
        .trim_start_matches("/actions/")
        .to_owned()
}

#[tokio::test]
async fn a_recommendation_becomes_an_action_that_is_evidenced_signed_off_and_reviewed_for_impact() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let p = plan(&app, &bt).await;
        // Every field is needed; the form says which.
        let bad = bt
            .post(
                &format!("/recommendations/{}/actions", p.rec),
                &[("description", "")],
            )
            .await;
        assert_eq!(bad.status, 422);
        for m in [
            "Enter the description of what will be done",
            "Choose the person who owns the action",
            "Enter the due date",
            "Enter the success measure",
        ] {
            assert!(bad.contains(m), "{m}");
        }
        let due = Utc::now().date_naive() + Duration::days(60);
        let id = add_action(
            &bt,
            &p,
            "Write a joint bruising protocol",
            &p.practitioner,
            due,
        )
        .await;
        let page = bt.get(&format!("/actions/{id}")).await;
        assert!(page.contains("Agencies share concerns about bruising the same day"));
        assert!(page.contains("A re-audit in six months"));
        assert!(page.contains("Not started"));
        // Beside it: its owner and the case it came from (a reference, never a child).
        assert!(page.contains("Aisha Khan"));
        assert!(page.contains("Case 20"));
        // The review's own plan lists it.
        assert!(
            bt.get(&format!("/reviews/{}/review", p.case))
                .await
                .contains("Write a joint bruising protocol")
        );

        // The owner (a practitioner) sees and updates their own action; a trainer cannot see it.
        let owner = Client::new(&app.base);
        owner.sign_in_as(Role::Practitioner).await;
        assert!(
            owner
                .get("/actions")
                .await
                .contains("Write a joint bruising protocol")
        );
        let trainer = Client::new(&app.base);
        trainer.sign_in_as(Role::Trainer).await;
        assert_eq!(trainer.get(&format!("/actions/{id}")).await.status, 403);
        assert!(
            !trainer
                .get("/actions")
                .await
                .contains("Write a joint bruising protocol")
        );
        let updates = format!("/actions/{id}/updates");
        let skip = owner
            .upload(
                &updates,
                &[("body", "Done"), ("status", "completed")],
                "",
                Vec::new(),
            )
            .await;
        assert_eq!(skip.status, 422);
        assert!(skip.contains("An action moves from not started to in progress"));
        let start = owner
            .upload(
                &updates,
                &[
                    ("body", "Drafting with health\r\nand police"),
                    ("status", "in-progress"),
                ],
                "",
                Vec::new(),
            )
            .await;
        assert_eq!(start.status, 303, "{}", start.body);
        // Only the lead agency's lead (not another agency's) may update it.
        let lead = Client::new(&app.base);
        lead.sign_in_as(Role::AgencyLead).await;
        let by_lead = lead
            .upload(
                &updates,
                &[
                    ("body", "Lead agency checked progress"),
                    ("status", "in-progress"),
                ],
                "",
                Vec::new(),
            )
            .await;
        assert_eq!(by_lead.status, 303, "{}", by_lead.body);
        app.db
            .execute(
                query("UPDATE action SET lead_agency_id = ? WHERE id = ?")
                    .bind(p.other_agency.as_str())
                    .bind(id.as_str()),
            )
            .await
            .unwrap();
        assert_eq!(
            lead.upload(
                &updates,
                &[("body", "x"), ("status", "in-progress")],
                "",
                Vec::new()
            )
            .await
            .status,
            403
        );
        app.db
            .execute(
                query("UPDATE action SET lead_agency_id = ? WHERE id = ?")
                    .bind(p.lead_agency.as_str())
                    .bind(id.as_str()),
            )
            .await
            .unwrap();
        // A due date moves only with a reason, and the revision is kept.
        let (d, m, y) = (
            (due + Duration::days(30)).format("%-d").to_string(),
            (due + Duration::days(30)).format("%-m").to_string(),
            (due + Duration::days(30)).format("%Y").to_string(),
        );
        let no_reason = owner
            .post(
                &format!("/actions/{id}/due"),
                &[
                    ("due-day", &d),
                    ("due-month", &m),
                    ("due-year", &y),
                    ("due_reason", ""),
                ],
            )
            .await;
        assert_eq!(no_reason.status, 422);
        assert!(no_reason.contains("Give the reason the due date is changing"));
        let moved = owner
            .post(
                &format!("/actions/{id}/due"),
                &[
                    ("due-day", &d),
                    ("due-month", &m),
                    ("due-year", &y),
                    ("due_reason", "Waiting for the health trust board"),
                ],
            )
            .await;
        assert_eq!(moved.status, 303, "{}", moved.body);
        assert!(
            bt.get(&format!("/actions/{id}"))
                .await
                .contains("Waiting for the health trust board")
        );
        // Completed with a PDF as evidence; the business team cannot sign off, the chair can.
        let notpdf = owner
            .upload(
                &updates,
                &[("body", "Protocol agreed"), ("status", "completed")],
                "protocol.exe",
                b"MZ\x90\x00".to_vec(),
            )
            .await;
        assert_eq!(notpdf.status, 422);
        let done = owner
            .upload(
                &updates,
                &[
                    ("body", "Protocol agreed by all three partners"),
                    ("status", "completed"),
                ],
                "protocol.pdf",
                PDF.to_vec(),
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
        let closed_by_update = owner
            .upload(
                &updates,
                &[("body", "x"), ("status", "closed-evidenced")],
                "",
                Vec::new(),
            )
            .await;
        assert_eq!(closed_by_update.status, 422);
        assert!(closed_by_update.contains("closed as evidenced by the chair"));
        assert_eq!(
            bt.post(&format!("/actions/{id}/sign-off"), &[])
                .await
                .status,
            403
        );
        let chair = Client::new(&app.base);
        chair.sign_in_as(Role::GroupChair).await;
        assert!(
            chair
                .get(&format!("/actions/{id}"))
                .await
                .contains("Sign off and close the action")
        );
        let signed = chair.post(&format!("/actions/{id}/sign-off"), &[]).await;
        assert_eq!(signed.status, 303, "{}", signed.body);
        let (status, impact_due, by): (String, Option<String>, Option<String>) = app
            .db
            .fetch_one(
                query("SELECT status, impact_due_on, signed_off_by FROM action WHERE id = ?")
                    .bind(id.as_str()),
            )
            .await
            .unwrap();
        assert_eq!(status, "closed-evidenced");
        let six = learnloop_domain::clocks::add_months(Utc::now().date_naive(), 6)
            .format("%Y-%m-%d")
            .to_string();
        assert_eq!(impact_due.as_deref(), Some(six.as_str()));
        assert!(by.unwrap().contains("group.chair@northbrook.example"));
        // Closed means closed.
        let reopened = owner
            .upload(
                &updates,
                &[("body", "x"), ("status", "in-progress")],
                "",
                Vec::new(),
            )
            .await;
        assert_eq!(reopened.status, 422);
        assert!(reopened.contains("The action is closed"));
        // The evidence downloads for the owner, audited; not for the trainer.
        let ev = ids(&app, "SELECT id FROM action_evidence").await;
        let got = owner
            .http
            .get(format!("{}/evidence/{}", app.base, ev[0]))
            .send()
            .await
            .unwrap();
        assert_eq!(got.status().as_u16(), 200);
        assert_eq!(got.bytes().await.unwrap().as_ref(), PDF);
        assert_eq!(
            trainer.get(&format!("/evidence/{}", ev[0])).await.status,
            403
        );
        // Once its day has come, the impact review is due: on the business team's home page
        // and in the tracker's "impact review due" view, until it is recorded.
        app.db
            .execute(
                query("UPDATE action SET impact_due_on = '2020-01-06' WHERE id = ?")
                    .bind(id.as_str()),
            )
            .await
            .unwrap();
        let home = bt.get("/home").await;
        assert!(home.contains("Impact review due: Write a joint bruising protocol"));
        let due_view = bt.get("/actions?status=impact-due").await;
        assert!(due_view.contains("Write a joint bruising protocol"));
        // The impact review.
        let missing = bt
            .post(&format!("/actions/{id}/impact"), &[("measure", "")])
            .await;
        assert_eq!(missing.status, 422);
        assert!(missing.contains("Choose whether the change has been sustained"));
        let impact = bt
            .post(
                &format!("/actions/{id}/impact"),
                &[
                    ("reviewed-day", "1"),
                    ("reviewed-month", "6"),
                    ("reviewed-year", "2027"),
                    ("sustained", "yes"),
                    ("difference", "yes"),
                    ("measure", "Re-audit of 20 cases: all shared the same day"),
                ],
            )
            .await;
        assert_eq!(impact.status, 303, "{}", impact.body);
        let page = bt.get(&format!("/actions/{id}")).await;
        assert!(page.contains("Re-audit of 20 cases"));
        // Corrected to cite a course: the action shows what its evaluations and follow-up found.
        let pid = ids(&app, "SELECT id FROM partnership WHERE slug = 'northbrook'").await;
        let course = learnloop_store::training::add_course(
            &app.db,
            &learnloop_store::audit::Who::system("actions test"),
            &pid[0],
            &learnloop_store::training::CourseInput {
                title: "Bruising in non-mobile babies".to_owned(),
                kind: learnloop_domain::training::CourseKind::Briefing,
                level: learnloop_domain::training::Level::Two,
                outcomes: vec!["Follow the bruising protocol".to_owned()],
                audience: "Health and social care staff".to_owned(),
                description: String::new(),
                answers: vec![("action".to_owned(), id.clone())],
                themes: Vec::new(),
            },
        )
        .await
        .unwrap();
        let cite = |course: &str| {
            vec![
                ("reviewed-day", "1"),
                ("reviewed-month", "6"),
                ("reviewed-year", "2027"),
                ("sustained", "yes"),
                ("difference", "yes"),
                ("measure", "Re-audit of 20 cases: all shared the same day"),
                ("course", course),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect::<Vec<_>>()
        };
        let form = bt.get(&format!("/actions/{id}")).await;
        assert!(
            form.contains("Bruising in non-mobile babies (planned for this)"),
            "{}",
            form.body
        );
        let bad = cite("00000000000000000000000000");
        let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let p = bt.post(&format!("/actions/{id}/impact"), &bad).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Choose one of the partnership"));
        let good = cite(&course);
        let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            bt.post(&format!("/actions/{id}/impact"), &good)
                .await
                .status,
            303
        );
        let page = bt.get(&format!("/actions/{id}")).await;
        assert!(page.contains("Training cited"), "{}", page.body);
        assert!(page.contains("Bruising in non-mobile babies"));
        assert!(page.contains("No evaluations asked for yet"));
        // Corrected again to cite an indicator: its chart, the closure marked, before and after.
        let police = ids(&app, "SELECT id FROM agency WHERE name = 'Northbrook Constabulary'").await;
        let who = learnloop_store::audit::Who::system("actions test");
        let ind = learnloop_store::performance::add(
            &app.db,
            &who,
            &pid[0],
            &learnloop_store::performance::IndicatorInput {
                name: "Bruising referrals seen the same day".to_owned(),
                definition: "Referrals of bruised babies seen within a day".to_owned(),
                agency_id: police[0].clone(),
                unit: learnloop_domain::performance::Unit::Percentage,
                polarity: learnloop_domain::performance::Polarity::HigherIsBetter,
                frequency: learnloop_domain::performance::Frequency::Quarterly,
                target: Some(90.0),
                tolerance: 5.0,
                published: true,
                themes: Vec::new(),
            },
            learnloop_store::Day(chrono::Utc::now().date_naive()),
        )
        .await
        .unwrap();
        use learnloop_domain::performance::{Frequency, Period};
        let closed = Period::parse(Frequency::Quarterly, "2025-Q2").unwrap();
        let mut p = Period::parse(Frequency::Quarterly, "2024-Q4").unwrap();
        for v in [60.0, 62.0, 99.0, 80.0, 84.0] {
            learnloop_store::performance::enter(&app.db, &who, &pid[0], &ind, (p, v), "").await.unwrap();
            p = p.next();
        }
        app.db
            .execute(query("UPDATE action SET closed_on = '2025-05-20' WHERE id = ?").bind(&id))
            .await
            .unwrap();
        let mut with = cite(&course);
        with.push(("indicator".to_owned(), "00000000000000000000000000".to_owned()));
        let bad: Vec<(&str, &str)> = with.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let p = bt.post(&format!("/actions/{id}/impact"), &bad).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Choose one of the partnership&#39;s indicators, or none") || p.contains("Choose one of the partnership’s indicators"), "{}", p.body);
        with.last_mut().unwrap().1 = ind.clone();
        let good: Vec<(&str, &str)> = with.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(bt.post(&format!("/actions/{id}/impact"), &good).await.status, 303);
        let page = bt.get(&format!("/actions/{id}")).await;
        assert!(page.contains("Indicator cited"), "{}", page.body);
        assert!(
            page.contains(&format!(
                "Before the action closed in {} (2 periods): 61% on average. Since (2 periods): 82% on average, better.",
                closed.label()
            )),
            "{}",
            page.body
        );
        assert!(page.contains("<svg role=\"img\""));
        assert!(page.contains("Training cited"), "both stay cited");
        let due_view = bt.get("/actions?status=impact-due").await;
        assert!(!due_view.contains("Write a joint bruising protocol"));
        assert!(!bt.get("/home").await.contains("Impact review due:"));
        // The theme page answers "did it work?".
        let theme = ids(
            &app,
            "SELECT id FROM theme WHERE name = 'Multi-agency information sharing'",
        )
        .await;
        let learning = bt.get(&format!("/themes/{}/learning", theme[0])).await;
        assert_eq!(learning.status, 200);
        assert!(
            learning.contains("1 worked, 0 did not"),
            "{}",
            learning.body
        );
        // Every step is in the audit trail.
        let actions: Vec<(String,)> = app
            .db
            .fetch_all(
                query("SELECT action FROM audit_event WHERE target_id = ? ORDER BY seq")
                    .bind(id.as_str()),
            )
            .await
            .unwrap();
        let actions: Vec<&str> = actions.iter().map(|a| a.0.as_str()).collect();
        for a in [
            "action.create",
            "action.update",
            "action.revise",
            "action.sign-off",
            "action.evidence.download",
            "action.impact",
        ] {
            assert!(actions.contains(&a), "{a} missing from {actions:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_tracker_filters_and_exports_and_an_import_writes_nothing_until_every_row_is_valid() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let p = plan(&app, &bt).await;
        let today = Utc::now().date_naive();
        let late = add_action(&bt, &p, "Overdue audit of referrals", &p.practitioner, today - Duration::days(3)).await;
        let soon = add_action(&bt, &p, "Brief front-line staff", &p.practitioner, today + Duration::days(5)).await;
        let later = add_action(&bt, &p, "Revise the threshold document", &p.practitioner, today + Duration::days(200)).await;
        let has = |page: &learnloop_web::testing::Page, id: &str| page.contains(&format!("/actions/{id}\""));
        let red = bt.get("/actions?rag=red").await;
        assert!(has(&red, &late) && !has(&red, &soon) && !has(&red, &later));
        let amber = bt.get("/actions?rag=amber").await;
        assert!(has(&amber, &soon) && !has(&amber, &late) && !has(&amber, &later));
        let window = bt.get("/actions?due=14").await;
        assert!(has(&window, &soon) && !has(&window, &later));
        let by_agency = bt.get(&format!("/actions?agency={}", p.other_agency)).await;
        assert!(has(&by_agency, &later), "supporting agencies count");
        let theme = ids(&app, "SELECT id FROM theme WHERE name = 'Multi-agency information sharing'").await;
        assert!(has(&bt.get(&format!("/actions?theme={}", theme[0])).await, &later));
        let source = bt.get(&format!("/actions?source=case_review:{}", p.case)).await;
        assert!(source.contains("3 actions"));
        // The overdue action is on the business team's and the owner's home pages.
        assert!(bt.get("/home").await.contains("1 action across the partnership is overdue"));
        let owner = Client::new(&app.base);
        owner.sign_in_as(Role::Practitioner).await;
        assert!(owner.get("/home").await.contains("Your action: Overdue audit of referrals"));

        // Export as XLSX: the columns an import reads, then more.
        let x = bt.http.get(format!("{}/actions/export.xlsx?source=case_review:{}", app.base, p.case)).send().await.unwrap();
        assert_eq!(x.status().as_u16(), 200);
        let bytes = x.bytes().await.unwrap().to_vec();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
        let rows: Vec<Vec<String>> = book
            .worksheet_range("Action plan")
            .unwrap()
            .rows()
            .map(|r| r.iter().map(ToString::to_string).collect())
            .collect();
        assert_eq!(&rows[0][..8], &["ID", "Recommendation", "Action", "Lead agency", "Owner", "Supporting agencies", "Due date", "Success measure"]);
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().any(|r| r[2] == "Brief front-line staff" && r[4] == "practitioner@northbrook.example" && r[1] == "1"));

        // Import: the exported rows plus two new ones, one with an unknown agency and a bad date.
        let lead_name = rows[1][3].clone();
        let mut csv = String::from("ID,Recommendation,Action,Lead agency,Owner,Supporting agencies,Due date,Success measure\n");
        for r in &rows[1..] {
            csv.push_str(&format!("{},{},\"{}\",{},{},,{},\n", r[0], r[1], r[2], r[3], r[4], r[6]));
        }
        csv.push_str(&format!(",1,Run a multi-agency workshop,{lead_name},practitioner@northbrook.example,,31/03/2027,Attendance\n"));
        let good_row = format!(",,Publish a 7-minute briefing,{lead_name},practitioner@northbrook.example,,2027-04-30,Downloads\n");
        let bad = format!("{csv},,Train designated leads,Northbrook Fire Service,practitioner@northbrook.example,,30/02/2027,\n");
        let import = format!("/actions/import?source=case_review:{}", p.case);
        assert_eq!(bt.get(&import).await.status, 200);
        let before: (i64,) = app.db.fetch_one(query("SELECT COUNT(*) FROM action")).await.unwrap();
        let preview = bt.upload(&import, &[], "plan.csv", bad.into_bytes()).await;
        assert_eq!(preview.status, 422, "{}", preview.body);
        assert!(preview.contains("Northbrook Fire Service is not an agency of the partnership"));
        assert!(preview.contains("30/02/2027 is not a date"));
        assert!(preview.contains("Nothing has been added"));
        let after: (i64,) = app.db.fetch_one(query("SELECT COUNT(*) FROM action")).await.unwrap();
        assert_eq!(before, after, "nothing is written from a file with problems");
        let fixed = format!("{csv}{good_row}");
        let preview = bt.upload(&import, &[], "plan.csv", fixed.into_bytes()).await;
        assert_eq!(preview.status, 200, "{}", preview.body);
        assert!(preview.contains("2 new actions ready to add"));
        assert!(preview.contains("3 already in the plan will be left as they are"));
        let file_id = preview.body.split("name=\"file_id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let confirm = bt
            .post("/actions/import/confirm", &[("source", &format!("case_review:{}", p.case)), ("file_id", &file_id)])
            .await;
        assert_eq!(confirm.status, 303, "{}", confirm.body);
        let now: (i64,) = app.db.fetch_one(query("SELECT COUNT(*) FROM action")).await.unwrap();
        assert_eq!(now.0, before.0 + 2);
        let workshop: (Option<String>, String) = app
            .db
            .fetch_one(query("SELECT recommendation_id, due_on FROM action WHERE description = 'Run a multi-agency workshop'"))
            .await
            .unwrap();
        assert_eq!(workshop.0.as_deref(), Some(p.rec.as_str()));
        assert_eq!(workshop.1, "2027-03-31");
        // Files that are not spreadsheets get a message, never a 500.
        for (name, bytes) in [
            ("empty.csv", Vec::new()),
            ("photo.xlsx", b"PK\x03\x04not really a workbook".to_vec()),
            ("binary.csv", vec![0, 159, 146, 150, 0, 1]),
            ("plan.csv", b"Name,When\nx,y\n".to_vec()),
        ] {
            let r = bt.upload(&import, &[], name, bytes).await;
            assert_eq!(r.status, 422, "{name}: {}", r.body);
        }
        // The exported workbook itself imports with nothing new to add.
        let again = bt.upload(&import, &[], "plan.xlsx", bytes).await;
        assert_eq!(again.status, 200, "{}", again.body);
        assert!(again.contains("there is nothing to add"));
        // Only the business team imports.
        assert_eq!(owner.get(&import).await.status, 403);
    })
    .await;
}

#[tokio::test]
async fn reminders_go_out_as_one_digest_per_person_per_day_and_never_twice() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let p = plan(&app, &bt).await;
        let day = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        // Due in 14 days and in 3 days (owner), 14 days overdue (agency lead), 28 overdue (chair).
        for (text, due) in [
            ("Fourteen days left", day + Duration::days(14)),
            ("Three days left", day + Duration::days(3)),
            ("Two weeks late", day - Duration::days(14)),
            ("Four weeks late", day - Duration::days(28)),
            ("Nothing today", day + Duration::days(40)),
        ] {
            add_action(&bt, &p, text, &p.practitioner, due).await;
        }
        let url = "https://learnloop.example";
        // Two instances at once, then a restart: the digests are queued once.
        let (a, b) = tokio::join!(
            learnloop_store::reminders::queue_digests(&app.db, url, day),
            learnloop_store::reminders::queue_digests(&app.db, url, day)
        );
        let first = a.unwrap() + b.unwrap();
        let again = learnloop_store::reminders::queue_digests(&app.db, url, day)
            .await
            .unwrap();
        assert_eq!(again, 0);
        let mails: Vec<(String, String)> = app
            .db
            .fetch_all(query(
                "SELECT to_addr, body FROM outbox WHERE kind = 'action-digest' ORDER BY to_addr",
            ))
            .await
            .unwrap();
        assert_eq!(mails.len(), first);
        let to = |who: &str| {
            mails
                .iter()
                .filter(|m| m.0 == who)
                .map(|m| m.1.clone())
                .collect::<Vec<_>>()
        };
        let owner = to("practitioner@northbrook.example");
        assert_eq!(owner.len(), 1, "one digest for the owner");
        assert!(owner[0].contains("Due in 14 days") && owner[0].contains("Fourteen days left"));
        assert!(owner[0].contains("Due in 3 days") && owner[0].contains("Three days left"));
        assert!(!owner[0].contains("Nothing today"));
        let lead = to("agency.lead@northbrook.example");
        assert_eq!(lead.len(), 1);
        assert!(lead[0].contains("Two weeks late") && !lead[0].contains("Four weeks late"));
        let chair = to("group.chair@northbrook.example");
        assert_eq!(chair.len(), 1);
        assert!(chair[0].contains("Four weeks late"));
        // The next day brings only what is due that day.
        let next = learnloop_store::reminders::queue_digests(&app.db, url, day + Duration::days(1))
            .await
            .unwrap();
        assert_eq!(next, 0);
    })
    .await;
}
