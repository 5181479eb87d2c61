//! Inspections through real HTTP on every engine: one recorded by the business team (and
//! refused with what to fix), read by everyone in the partnership, its report kept and
//! downloaded, two recommendations becoming actions, and the action plan's progress due at the
//! board by the clock rule, on the business team's home page and the board's agenda until it
//! is reported; a joint targeted area inspection with its notice and theme.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, Duration, Utc};
use common::{Client, TestApp, each_app};
use learnloop_domain::accounts::Role;
use learnloop_store::query;

async fn one(app: &TestApp, sql: &'static str, arg: &str) -> String {
    let (v,): (String,) = app.db.fetch_one(query(sql).bind(arg)).await.unwrap();
    v
}

async fn as_role(app: &TestApp, role: Role) -> Client {
    let c = Client::new(&app.base);
    c.sign_in_as(role).await;
    c
}

fn date(prefix: &str, d: chrono::NaiveDate) -> Vec<(String, String)> {
    vec![
        (format!("{prefix}-day"), d.day().to_string()),
        (format!("{prefix}-month"), d.month().to_string()),
        (format!("{prefix}-year"), d.year().to_string()),
    ]
}

#[tokio::test]
async fn an_inspection_is_recorded_its_recommendations_become_actions_and_the_board_hears_progress()
{
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let lead = as_role(&app, Role::AgencyLead).await;
        let practitioner = as_role(&app, Role::Practitioner).await;
        let police = one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook Constabulary",
        )
        .await;
        let today = Utc::now().date_naive();
        let mut form: Vec<(String, String)> = vec![
            ("inspectorate".into(), "hmicfrs".into()),
            ("agency".into(), police.clone()),
            ("judgement".into(), "Requires improvement to be good".into()),
            (
                "summary".into(),
                "Child protection enquiries are too slow to start at weekends.".into(),
            ),
        ];
        form.extend(date("started", today - Duration::days(300)));
        form.extend(date("ended", today - Duration::days(290)));
        form.extend(date("published", today - Duration::days(200)));
        let pairs = |f: &Vec<(String, String)>| {
            f.iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<Vec<_>>()
        };
        let send = |f: Vec<(String, String)>| {
            let bt = &bt;
            async move {
                let p: Vec<(&str, &str)> =
                    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                bt.post("/inspections/new", &p).await
            }
        };
        // Only the business team records one; a judgement off the inspectorate's scale is refused.
        assert_eq!(lead.get("/inspections/new").await.status, 403);
        let p = send(pairs(&form)).await;
        assert_eq!(p.status, 422);
        assert!(
            p.contains("Choose a judgement on HM Inspectorate of Constabulary"),
            "{}",
            p.body
        );
        form[2].1 = "Adequate".into();
        let p = send(pairs(&form)).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let url = p.location.unwrap();

        // Everyone in the partnership reads it.
        let page = practitioner.get(&url).await;
        assert_eq!(page.status, 200);
        assert!(page.contains("Adequate") && page.contains("Northbrook Constabulary"));
        assert!(!page.contains("Add a recommendation"));
        assert!(
            practitioner
                .get("/inspections")
                .await
                .contains("HM Inspectorate of Constabulary")
        );

        // The report, kept and downloaded (audited).
        let up = bt
            .upload(
                &format!("{url}/reports"),
                &[],
                "hmicfrs-report.pdf",
                b"%PDF-1.4 report".to_vec(),
            )
            .await;
        assert_eq!(up.status, 303, "{}", up.body);
        assert_eq!(
            practitioner
                .upload(
                    &format!("{url}/reports"),
                    &[],
                    "x.pdf",
                    b"%PDF-1.4".to_vec()
                )
                .await
                .status,
            403
        );
        let page = lead.get(&url).await;
        let file = page
            .body
            .split(&format!("{url}/reports/"))
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        assert_eq!(lead.get(&format!("{url}/reports/{file}")).await.status, 200);

        // Two recommendations, each becoming an action.
        for body in [
            "Start every strategy discussion within a day, weekends included",
            "Audit weekend enquiries every quarter",
        ] {
            let p = bt
                .post(
                    &format!("{url}/recommendations"),
                    &[
                        ("recommendation", body),
                        ("addressed_to", "agencies"),
                        ("rec_agency", police.as_str()),
                    ],
                )
                .await;
            assert_eq!(p.status, 303, "{}", p.body);
        }
        let other = one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook General Hospital NHS Foundation Trust",
        )
        .await;
        let p = bt
            .post(
                &format!("{url}/recommendations"),
                &[
                    ("recommendation", "Anything"),
                    ("addressed_to", "agencies"),
                    ("rec_agency", other.as_str()),
                ],
            )
            .await;
        assert!(p.contains("Choose agencies that were inspected"));
        let owner = one(
            &app,
            "SELECT id FROM person WHERE email = ?",
            "agency.lead@northbrook.example",
        )
        .await;
        let due = today + Duration::days(90);
        let recs: Vec<(String,)> = app
            .db
            .fetch_all(query(
                "SELECT id FROM recommendation WHERE source_kind = 'inspection' ORDER BY number",
            ))
            .await
            .unwrap();
        assert_eq!(recs.len(), 2);
        for (n, (rec,)) in recs.iter().enumerate() {
            let plan = bt.get(&format!("/recommendations/{rec}/actions")).await;
            assert!(
                plan.contains("Inspection: HM Inspectorate of Constabulary"),
                "{}",
                plan.body
            );
            let mut f: Vec<(String, String)> = vec![
                ("description".into(), format!("Inspection action {}", n + 1)),
                ("lead_agency".into(), police.clone()),
                ("owner".into(), owner.clone()),
                (
                    "measure".into(),
                    "Weekend enquiries started within a day".into(),
                ),
            ];
            f.extend(date("due", due));
            let p: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let r = bt
                .post(&format!("/recommendations/{rec}/actions"), &p)
                .await;
            assert_eq!(r.status, 303, "{}", r.body);
        }
        let page = bt.get(&url).await;
        assert!(page.contains("2 actions open"), "{}", page.body);

        // Published 200 days ago: progress was due 6 months after, so it is overdue, on the
        // business team's home page and the board's agenda until it is reported.
        let home = bt.get("/home").await;
        assert!(
            home.contains("Report the action plan&#39;s progress to the board")
                || home.contains("Report the action plan’s progress to the board")
                || home.contains("Report the action plan's progress to the board"),
            "{}",
            home.body
        );
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
        assert!(
            bt.get(&format!("/meetings/{meeting}"))
                .await
                .contains("Inspection action plan progress: HM Inspectorate of Constabulary")
        );
        let mut f = vec![(
            "progress".to_owned(),
            "One action done; weekend cover starts next month.".to_owned(),
        )];
        f.extend(date("reported", today + Duration::days(1)));
        let p: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert!(
            bt.post(&format!("{url}/progress"), &p)
                .await
                .contains("cannot be in the future")
        );
        let mut f = vec![(
            "progress".to_owned(),
            "One action done; weekend cover starts next month.".to_owned(),
        )];
        f.extend(date("reported", today));
        let p: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(lead.post(&format!("{url}/progress"), &p).await.status, 403);
        assert_eq!(bt.post(&format!("{url}/progress"), &p).await.status, 303);
        let page = bt.get(&url).await;
        assert!(page.contains("weekend cover starts next month"));
        assert!(
            page.contains(&format!(
                "Next report due {}",
                learnloop_store::Day(learnloop_domain::clocks::add_months(today, 6)).long()
            )),
            "{}",
            page.body
        );
        assert!(!bt.get("/home").await.contains("progress to the board"));
    })
    .await;
}

#[tokio::test]
async fn a_joint_targeted_area_inspection_needs_its_notice_and_theme_and_gives_no_grade() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let police = one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook Constabulary",
        )
        .await;
        let council = one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook Borough Council Children's Services",
        )
        .await;
        let today = Utc::now().date_naive();
        let mut form: Vec<(String, String)> = vec![
            ("inspectorate".into(), "jtai".into()),
            ("agency".into(), police.clone()),
            ("agency".into(), council.clone()),
            ("judgement".into(), "Good".into()),
        ];
        form.extend(date("started", today + Duration::days(14)));
        form.extend(date("ended", today + Duration::days(19)));
        let p: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = bt.post("/inspections/new", &p).await;
        assert_eq!(r.status, 422);
        assert!(r.contains("Enter the theme of the joint targeted area inspection"));
        assert!(r.contains("Enter the date the partnership was given notice"));
        assert!(r.contains("gives no graded judgement"));
        form[3].1 = String::new();
        form.push((
            "theme".into(),
            "Children at risk of criminal exploitation".into(),
        ));
        form.extend(date("notice", today));
        let p: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = bt.post("/inspections/new", &p).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let url = r.location.unwrap();
        let page = bt.get(&url).await;
        assert!(
            page.contains(
                "Joint targeted area inspection: Children at risk of criminal exploitation"
            )
        );
        assert!(page.contains("Plan an audit on its theme"));
        // Its theme prompts an audit, which names the inspection as what prompted it.
        let id = url.rsplit('/').next().unwrap().to_owned();
        let plan = bt.get(&format!("/audits/new?prompted_by=inspection:{id}&title=Children%20at%20risk%20of%20criminal%20exploitation")).await;
        assert_eq!(plan.status, 200);
        assert!(plan.contains("Prompted by") && plan.contains(&format!("value=\"inspection:{id}\"")), "{}", plan.body);
        let group = one(&app, "SELECT id FROM partnership_group WHERE name = ?", "Learning and Improvement Subgroup").await;
        let mut a: Vec<(String, String)> = vec![
            ("prompted_by".into(), format!("inspection:{id}")),
            ("title".into(), "Children at risk of criminal exploitation".into()),
            ("year".into(), today.year().to_string()),
            ("reason".into(), "The joint targeted area inspection's theme.".into()),
            ("group".into(), group),
            ("lines".into(), "Quality of practice\nMulti-agency working".into()),
            ("scale".into(), "Good\nRequires improvement".into()),
            ("agency".into(), police.clone()),
        ];
        a.extend(date("fieldwork", today));
        a.extend(date("due", today + Duration::days(28)));
        let p: Vec<(&str, &str)> = a.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = bt.post("/audits/new", &p).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let audit = bt.get(&r.location.unwrap()).await;
        assert!(audit.contains("Prompted by") && audit.contains(&format!("href=\"/inspections/{id}\"")), "{}", audit.body);
        // Its details change as the report comes out; the form comes back filled in.
        let edit = bt.get(&format!("{url}/edit")).await;
        assert!(edit.contains("Children at risk of criminal exploitation"));
        form.extend(date("published", today + Duration::days(60)));
        let p: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(bt.post(&format!("{url}/edit"), &p).await.status, 303);
        assert!(bt.get(&url).await.contains("Report published"));
    })
    .await;
}
