//! Performance data through real HTTP on every engine: an indicator added (and refused with
//! what to fix), values entered by the owning agency's lead and corrected with a reason kept,
//! a benchmark, the chart with its title, description and data table, the exceptions flagged
//! on the dataset, who sees an unpublished indicator, and retiring it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Utc;
use common::{Client, TestApp, each_app};
use learnloop_domain::accounts::Role;
use learnloop_domain::performance::{Frequency, Period};
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

#[tokio::test]
async fn an_indicator_is_added_fed_corrected_charted_flagged_and_retired() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let lead = as_role(&app, Role::AgencyLead).await;
        let chair = as_role(&app, Role::GroupChair).await;
        let practitioner = as_role(&app, Role::Practitioner).await;
        let police = one(&app, "SELECT id FROM agency WHERE name = ?", "Northbrook Constabulary").await;
        let hospital = one(&app, "SELECT id FROM agency WHERE name = ?", "Northbrook General Hospital NHS Foundation Trust").await;

        // Added by the business team; a target that is not a number is refused.
        let mut form = vec![
            ("name", "Domestic abuse incidents shared with health within a day"),
            ("definition", "Incidents with a child under 2 in the household, shared with the health visitor within 24 hours."),
            ("agency", police.as_str()),
            ("unit", "percentage"),
            ("polarity", "higher"),
            ("frequency", "quarterly"),
            ("target", "ninety"),
            ("tolerance", "5"),
            ("published", "no"),
        ];
        assert_eq!(lead.post("/performance/indicators/new", &form).await.status, 403);
        let p = bt.post("/performance/indicators/new", &form).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Enter the value as a number"), "{}", p.body);
        form[6].1 = "90";
        let p = bt.post("/performance/indicators/new", &form).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let url = p.location.unwrap();
        let values = format!("{url}/values");

        // Four quarters entered by the police lead; bad periods and values explained.
        let now = Period::of(Frequency::Quarterly, Utc::now().date_naive());
        let q: Vec<Period> = (1..=4).rev().map(|n| (0..n).fold(now, |p, _| p.prev())).collect();
        let p = lead.post(&values, &[("period", "2026-03"), ("value", "80")]).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Enter the period as 2026-Q1"), "{}", p.body);
        let p = lead.post(&values, &[("period", &q[0].key()), ("value", "104")]).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("A percentage cannot be more than 100"));
        let p = lead.post(&values, &[("period", &now.next().key()), ("value", "80")]).await;
        assert!(p.contains("That period has not begun yet"));
        for (period, v) in q.iter().zip(["88", "84", "79", "71"]) {
            let p = lead.post(&values, &[("period", &period.key()), ("value", v)]).await;
            assert_eq!(p.status, 303, "{}", p.body);
        }
        // Another agency's lead, and a group chair, cannot enter them.
        assert_eq!(chair.post(&values, &[("period", &q[0].key()), ("value", "1")]).await.status, 403);
        app.db
            .execute(query("UPDATE indicator SET agency_id = ? WHERE name LIKE 'Domestic abuse%'").bind(&hospital))
            .await
            .unwrap();
        assert_eq!(lead.post(&values, &[("period", &q[0].key()), ("value", "1")]).await.status, 403);
        app.db
            .execute(query("UPDATE indicator SET agency_id = ? WHERE name LIKE 'Domestic abuse%'").bind(&police))
            .await
            .unwrap();
        // A correction needs its reason, which is kept.
        let p = lead.post(&values, &[("period", &q[3].key()), ("value", "73")]).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("say why it is being corrected"), "{}", p.body);
        let p = lead
            .post(&values, &[("period", &q[3].key()), ("value", "73"), ("reason", "Two late-recorded referrals were found")])
            .await;
        assert_eq!(p.status, 303);
        // A benchmark from the business team only.
        let bench = format!("{url}/benchmarks");
        let b = [("b_period", q[3].key()), ("b_name", "England".to_owned()), ("b_value", "82".to_owned())];
        let b: Vec<(&str, &str)> = b.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(lead.post(&bench, &b).await.status, 403);
        assert_eq!(bt.post(&bench, &b).await.status, 303);

        // The page: the chart named for screen readers, the trend in words, the table, the flags.
        let page = chair.get(&url).await;
        assert_eq!(page.status, 200);
        assert!(page.contains("<svg role=\"img\" aria-labelledby="), "{}", page.body);
        assert!(page.contains("-title\">Domestic abuse incidents shared with health within a day</title>"));
        assert!(
            page.contains(&format!("{}: 73%. Worse than {} (88%). Short of its target of 90%.", q[3].label(), q[0].label())),
            "{}",
            page.body
        );
        assert!(page.contains("<th scope=\"row\" class=\"govuk-table__header\">") && page.contains("88%"));
        assert!(page.contains("Two late-recorded referrals were found"));
        assert!(page.contains("Off target"));
        assert!(page.contains("Worse than England"));
        assert!(page.contains("Worse 3 periods running"));
        // The picture itself (not only its words) is drawn again after a correction: drawings
        // are kept for a minute under the figures they were drawn from.
        let picture = |body: &str| {
            let svg = &body[body.find("<svg role=\"img\"").unwrap()..];
            let svg = &svg[..svg.find("</svg>").unwrap()];
            let (a, b) = (svg.find("<desc").unwrap(), svg.find("</desc>").unwrap());
            format!("{}{}", &svg[..a], &svg[b..])
        };
        let drawn = picture(&page.body);
        assert_eq!(picture(&chair.get(&url).await.body), drawn, "the same figures draw the same picture");
        let fixed = [("period", q[3].key()), ("value", "60".to_owned()), ("reason", "Re-counted by the audit team".to_owned())];
        let fixed: Vec<(&str, &str)> = fixed.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(lead.post(&values, &fixed).await.status, 303);
        let redrawn = chair.get(&url).await;
        assert!(redrawn.contains(&format!("{}: 60%.", q[3].label())), "{}", redrawn.body);
        assert_ne!(picture(&redrawn.body), drawn, "a corrected value is drawn, not the picture kept before it");
        let back = [("period", q[3].key()), ("value", "73".to_owned()), ("reason", "The re-count was of the wrong quarter".to_owned())];
        let back: Vec<(&str, &str)> = back.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(lead.post(&values, &back).await.status, 303);
        assert_eq!(picture(&chair.get(&url).await.body), drawn, "the same figures again: the same picture");
        let dash = chair.get("/performance").await;
        assert!(dash.contains("1 indicator, 1 flagged"), "{}", dash.body);
        // How many periods of worsening flag it is the partnership's setting.
        let settings = |n: &'static str| {
            vec![
                ("name", "Northbrook Safeguarding Children Partnership"),
                ("area", "Borough of Northbrook"),
                ("contact_email", "team@northbrook.example"),
                ("rapid_review_from", "aware"),
                ("remind_before", "14, 3"),
                ("escalate_lead_after", "14"),
                ("escalate_chair_after", "28"),
                ("stale_after_weeks", "6"),
                ("impact_months", "6"),
                ("worsening_after", n),
            ]
        };
        let r = bt.post("/settings", &settings("40")).await;
        assert_eq!(r.status, 422);
        assert!(r.contains("Enter the number of periods as a whole number from 2 to 12"), "{}", r.body);
        assert_eq!(bt.post("/settings", &settings("4")).await.status, 303);
        bt.post(&values, &[("period", &q[3].key()), ("value", "73")]).await; // a write: the page is drawn again
        let page = chair.get(&url).await;
        assert!(!page.contains("Worse 3 periods running"), "{}", page.body);
        assert_eq!(bt.post("/settings", &settings("3")).await.status, 303);
        // Unpublished: the practitioner neither lists nor opens it.
        let dash = practitioner.get("/performance").await;
        assert!(!dash.contains("Domestic abuse incidents"), "{}", dash.body);
        assert_eq!(practitioner.get(&url).await.status, 404);
        // The dataset as it stood before the indicator was added.
        let yesterday = Utc::now().date_naive().pred_opt().unwrap();
        let past = bt.get(&format!("/performance?on={}", yesterday.format("%Y-%m-%d"))).await;
        assert!(!past.contains("Domestic abuse incidents"));
        assert!(past.contains(&format!("as it stood on {}", yesterday.format("%Y-%m-%d"))));

        // Retired: it leaves today's dataset and takes no more values.
        assert_eq!(lead.post(&format!("{url}/retire"), &[]).await.status, 403);
        assert_eq!(bt.post(&format!("{url}/retire"), &[]).await.status, 303);
        let page = bt.get(&url).await;
        assert!(page.contains("Retired from the dataset"));
        let p = lead.post(&values, &[("period", &q[0].key()), ("value", "50")]).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("has been retired: it takes no more values"));
        assert!(!bt.get("/performance").await.contains("Domestic abuse incidents"));
    })
    .await;
}

#[tokio::test]
async fn values_import_from_a_sheet_only_when_every_row_is_valid() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let lead = as_role(&app, Role::AgencyLead).await;
        let practitioner = as_role(&app, Role::Practitioner).await;
        let police = one(&app, "SELECT id FROM agency WHERE name = ?", "Northbrook Constabulary").await;
        let hospital = one(&app, "SELECT id FROM agency WHERE name = ?", "Northbrook General Hospital NHS Foundation Trust").await;
        let theme = one(&app, "SELECT id FROM theme WHERE name = ?", "Multi-agency information sharing").await;
        for (name, agency) in [("Sexual offences charged", &police), ("Births visited within 14 days", &hospital)] {
            let tagged = if name.starts_with("Sexual") { theme.as_str() } else { "" };
            let form = [
                ("theme", tagged),
                ("name", name),
                ("definition", "Counted each quarter."),
                ("agency", agency.as_str()),
                ("unit", "percentage"),
                ("polarity", "higher"),
                ("frequency", "quarterly"),
                ("target", "90"),
                ("tolerance", "5"),
                ("published", "no"),
            ];
            assert_eq!(bt.post("/performance/indicators/new", &form).await.status, 303);
        }
        let now = Period::of(Frequency::Quarterly, Utc::now().date_naive());
        let q: Vec<Period> = (1..=4).rev().map(|n| (0..n).fold(now, |p, _| p.prev())).collect();
        let count = || async {
            let (n,): (i64,) = app.db.fetch_one(query("SELECT COUNT(*) FROM indicator_value")).await.unwrap();
            n
        };

        // The dashboard by theme shows the indicators tagged with it.
        let by_theme = bt.get(&format!("/performance?theme={theme}")).await;
        assert!(by_theme.contains("Sexual offences charged") && !by_theme.contains("Births visited within 14 days"), "{}", by_theme.body);
        assert!(bt.get("/performance?theme=nonsense").await.contains("Births visited within 14 days"));
        // The police lead's sheet: four quarters, one value over 100%, one of another agency's.
        assert_eq!(practitioner.get("/performance/import").await.status, 403);
        assert_eq!(lead.get("/performance/import").await.status, 200);
        let sheet = lead.get("/performance/import/sheet.xlsx").await;
        assert_eq!(sheet.status, 200);
        let mut csv = String::from("Indicator,Period,Value,Reason\n");
        for (p, v) in q.iter().zip(["81", "84", "140", "79"]) {
            csv.push_str(&format!("Sexual offences charged,{},{v},\n", p.key()));
        }
        let bad = format!("{csv}Births visited within 14 days,{},90,\n", q[0].key());
        let preview = lead.upload("/performance/import", &[], "values.csv", bad.into_bytes()).await;
        assert_eq!(preview.status, 422, "{}", preview.body);
        assert!(preview.contains("A percentage cannot be more than 100"), "{}", preview.body);
        assert!(preview.contains("belongs to another agency"));
        assert!(preview.contains("Nothing has been entered"));
        assert_eq!(count().await, 0, "nothing is written from a file with problems");

        // Fixed: the preview says what each row does; confirming enters all four.
        let fixed = csv.replace(",140,", ",74,");
        let preview = lead.upload("/performance/import", &[], "values.csv", fixed.into_bytes()).await;
        assert_eq!(preview.status, 200, "{}", preview.body);
        assert!(preview.contains("4 values ready to enter"), "{}", preview.body);
        let file_id = preview.body.split("name=\"file_id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        // Nobody else confirms another person's upload.
        assert_eq!(bt.post("/performance/import/confirm", &[("file_id", &file_id)]).await.status, 404);
        let done = lead.post("/performance/import/confirm", &[("file_id", &file_id)]).await;
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(count().await, 4);

        // A correction in a later sheet needs its reason, and is kept with it.
        let again = format!("Indicator,Period,Value,Reason\nSexual offences charged,{},77,\n", q[3].key());
        let preview = lead.upload("/performance/import", &[], "values.csv", again.into_bytes()).await;
        assert_eq!(preview.status, 422);
        assert!(preview.contains("Say in the Reason column why"), "{}", preview.body);
        let again = format!("Indicator,Period,Value,Reason\nSexual offences charged,{},77,Recount after audit\n", q[3].key());
        let preview = lead.upload("/performance/import", &[], "values.xlsx.csv", again.into_bytes()).await;
        assert!(preview.contains("Corrects 79%"), "{}", preview.body);
        let file_id = preview.body.split("name=\"file_id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        assert_eq!(lead.post("/performance/import/confirm", &[("file_id", &file_id)]).await.status, 303);
        let reason = one(&app, "SELECT reason FROM indicator_value_change WHERE after_value = 77 AND changed_by LIKE ?", "%").await;
        assert_eq!(reason, "Recount after audit");
        // Files that are not spreadsheets get a message, never a 500.
        for (name, bytes) in [("empty.csv", Vec::new()), ("photo.xlsx", b"PK\x03\x04junk".to_vec()), ("x.csv", b"Name,When\nx,y\n".to_vec())] {
            assert_eq!(lead.upload("/performance/import", &[], name, bytes).await.status, 422, "{name}");
        }
    })
    .await;
}

#[tokio::test]
async fn agencies_send_their_quarter_the_business_team_chases_and_exceptions_reach_homes_and_the_board()
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
        let hospital = one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook General Hospital NHS Foundation Trust",
        )
        .await;
        let form = [
            ("name", "Sexual offences charged"),
            (
                "definition",
                "Offences against children charged within the quarter",
            ),
            ("agency", police.as_str()),
            ("unit", "percentage"),
            ("polarity", "higher"),
            ("frequency", "quarterly"),
            ("target", "60"),
            ("tolerance", "5"),
            ("published", "no"),
        ];
        let p = bt.post("/performance/indicators/new", &form).await;
        assert_eq!(p.status, 303);
        let url = p.location.unwrap();
        let last = Period::of(Frequency::Quarterly, Utc::now().date_naive()).prev();

        // Nothing sent yet: the police lead's home page asks for it, the business team's counts it.
        let home = lead.get("/home").await;
        assert!(
            home.contains("Northbrook Constabulary: values to send for 1 indicator"),
            "{}",
            home.body
        );
        let status = bt.get("/performance/returns").await;
        assert!(
            status.contains("0 of 1 agencies have sent every value"),
            "{}",
            status.body
        );
        assert!(status.contains(&format!("Sexual offences charged ({})", last.label())));
        assert_eq!(lead.get("/performance/returns").await.status, 403);
        // The chase mails the lead, once a day.
        assert_eq!(
            lead.post("/performance/returns/chase", &[]).await.status,
            403
        );
        assert_eq!(bt.post("/performance/returns/chase", &[]).await.status, 303);
        assert_eq!(bt.post("/performance/returns/chase", &[]).await.status, 303);
        let (mails,): (i64,) = app
            .db
            .fetch_one(query(
                "SELECT COUNT(*) FROM outbox WHERE kind = 'indicator-chase'",
            ))
            .await
            .unwrap();
        assert_eq!(mails, 1);
        let mail = common::last_mail_to(&app.db, "agency.lead@northbrook.example")
            .await
            .unwrap_or_default();
        assert!(mail.contains("/performance/return?agency="), "{mail}");

        // On the day they are due, the lead's daily digest names them.
        app.db
            .execute(query("UPDATE indicator SET added_on = '2020-01-01'"))
            .await
            .unwrap();
        learnloop_store::reminders::queue_digests(
            &app.db,
            "https://learnloop.example",
            last.returns_due(),
        )
        .await
        .unwrap();
        let (digest,): (String,) = app
            .db
            .fetch_one(
                query("SELECT body FROM outbox WHERE kind = 'action-digest' AND to_addr = ?")
                    .bind("agency.lead@northbrook.example"),
            )
            .await
            .unwrap();
        assert!(
            digest.contains("Due today: your agency's performance data (1 indicator)"),
            "{digest}"
        );
        assert!(digest.contains("/performance/return?agency="));
        // The form: another agency's refused, a bad value explained, then sent.
        let form_url = format!("/performance/return?agency={police}");
        assert_eq!(
            lead.get(&format!("/performance/return?agency={hospital}"))
                .await
                .status,
            403
        );
        assert_eq!(practitioner.get("/performance/return").await.status, 403);
        let page = lead.get("/performance/return").await;
        assert!(
            page.contains(&format!("Sexual offences charged ({})", last.label())),
            "{}",
            page.body
        );
        let id = url.rsplit('/').next().unwrap().to_owned();
        let field = format!("v-{id}");
        let p = lead.post(&form_url, &[(field.as_str(), "")]).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Enter at least one value to send"));
        let p = lead.post(&form_url, &[(field.as_str(), "many")]).await;
        assert!(p.contains("Enter the value as a number"));
        let p = lead.post(&form_url, &[(field.as_str(), "41")]).await;
        assert_eq!(p.status, 303, "{}", p.body);
        // Changing it needs a reason.
        let p = lead.post(&form_url, &[(field.as_str(), "43")]).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("say why it is being corrected"), "{}", p.body);
        let reason = format!("r-{id}");
        let p = lead
            .post(
                &form_url,
                &[
                    (field.as_str(), "43"),
                    (reason.as_str(), "A late charge was recorded"),
                ],
            )
            .await;
        assert_eq!(p.status, 303);

        // Sent: the request leaves the home page; 43% against a target of 60% is an exception,
        // on the lead's home page and the board's next agenda.
        let home = lead.get("/home").await;
        assert!(!home.contains("values to send"), "{}", home.body);
        assert!(
            home.contains("Sexual offences charged: Off target"),
            "{}",
            home.body
        );
        assert!(
            bt.get("/performance/returns")
                .await
                .contains("1 of 1 agencies have sent every value")
        );
        let exec = one(
            &app,
            "SELECT id FROM partnership_group WHERE name = ?",
            "Safeguarding Children Partnership Executive",
        )
        .await;
        let next_year = (Utc::now()
            .date_naive()
            .format("%Y")
            .to_string()
            .parse::<i32>()
            .unwrap()
            + 1)
        .to_string();
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
        assert_eq!(r.status, 303, "{}", r.body);
        let meeting = one(
            &app,
            "SELECT id FROM meeting WHERE group_id = ? ORDER BY starts_at LIMIT 1",
            &exec,
        )
        .await;
        let agenda = bt.get(&format!("/meetings/{meeting}")).await;
        // The agenda is read by everyone who may see the board's meetings (and frozen when
        // issued): an unpublished indicator is counted there, never named.
        assert!(
            agenda.contains("Performance exceptions: 1 more indicator of the dataset flagged"),
            "{}",
            agenda.body
        );
        assert!(!agenda.contains("Sexual offences charged"));
        app.db
            .execute(
                query("UPDATE indicator SET published = ? WHERE name = 'Sexual offences charged'")
                    .bind(true),
            )
            .await
            .unwrap();
        // A value corrected is a write to the dataset: what was counted is forgotten.
        let p = lead
            .post(
                &form_url,
                &[(field.as_str(), "44"), (reason.as_str(), "Recount")],
            )
            .await;
        assert_eq!(p.status, 303);
        let agenda = bt.get(&format!("/meetings/{meeting}")).await;
        assert!(
            agenda.contains("Performance exception: Sexual offences charged"),
            "{}",
            agenda.body
        );
    })
    .await;
}

#[tokio::test]
async fn a_flagged_indicator_becomes_a_deep_dive_whose_analyses_presentation_and_recommendation_lead_to_an_action()
 {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let lead = as_role(&app, Role::AgencyLead).await;
        let chair = as_role(&app, Role::IndependentChair).await;
        let practitioner = as_role(&app, Role::Practitioner).await;
        let police = one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook Constabulary",
        )
        .await;
        let hospital = one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook General Hospital NHS Foundation Trust",
        )
        .await;
        let form = [
            ("name", "Missing children offered a return interview"),
            (
                "definition",
                "Episodes of a child missing followed by an interview within 72 hours",
            ),
            ("agency", police.as_str()),
            ("unit", "percentage"),
            ("polarity", "higher"),
            ("frequency", "quarterly"),
            ("target", "80"),
            ("tolerance", "5"),
            ("published", "no"),
        ];
        let p = bt.post("/performance/indicators/new", &form).await;
        let ind = p.location.unwrap().rsplit('/').next().unwrap().to_owned();
        let exec = one(
            &app,
            "SELECT id FROM partnership_group WHERE name = ?",
            "Safeguarding Children Partnership Executive",
        )
        .await;
        let year = Utc::now()
            .date_naive()
            .format("%Y")
            .to_string()
            .parse::<i32>()
            .unwrap()
            + 1;
        let r = bt
            .post(
                &format!("/groups/{exec}/meetings/new"),
                &[
                    ("first-day", "12"),
                    ("first-month", "1"),
                    ("first-year", &year.to_string()),
                    ("time", "10:00"),
                    ("length", "120"),
                    ("place", "Civic Centre"),
                    ("link", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let meeting = one(
            &app,
            "SELECT id FROM meeting WHERE group_id = ? ORDER BY starts_at LIMIT 1",
            &exec,
        )
        .await;

        // Chosen from the indicator's page; only the business team commissions it.
        let page = bt.get(&format!("/performance/indicators/{ind}")).await;
        assert!(page.contains(&format!("/performance/deep-dives/new?indicator={ind}")));
        let new = format!("/performance/deep-dives/new?indicator={ind}");
        assert_eq!(lead.get(&new).await.status, 403);
        let form = bt.get(&new).await;
        assert_eq!(form.status, 200);
        assert!(
            form.contains(&format!("<option value=\"{ind}\" selected")),
            "{}",
            form.body
        );
        let mut dive = vec![
            ("title", "Return interviews for missing children".to_owned()),
            (
                "question",
                "Why fewer children are offered an interview after going missing".to_owned(),
            ),
            ("indicator", ind.clone()),
            ("meeting", meeting.clone()),
            ("due-day", "20".to_owned()),
            ("due-month", "1".to_owned()),
            ("due-year", year.to_string()),
        ];
        let as_pairs = |v: &Vec<(&'static str, String)>| {
            v.iter().map(|(k, x)| (*k, x.clone())).collect::<Vec<_>>()
        };
        let p = bt
            .post(
                "/performance/deep-dives/new",
                &as_pairs(&dive)
                    .iter()
                    .map(|(k, v)| (*k, v.as_str()))
                    .collect::<Vec<_>>(),
            )
            .await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Choose at least one agency to ask for its analysis"));
        assert!(
            p.contains("must be due on or before the meeting"),
            "{}",
            p.body
        );
        dive[4].1 = "5".to_owned();
        dive.push(("agency", police.clone()));
        dive.push(("agency", hospital.clone()));
        let pairs = as_pairs(&dive);
        let p = bt
            .post(
                "/performance/deep-dives/new",
                &pairs
                    .iter()
                    .map(|(k, v)| (*k, v.as_str()))
                    .collect::<Vec<_>>(),
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let url = p.location.unwrap();

        // On the meeting's agenda; read by the chair, not by a practitioner.
        let agenda = bt.get(&format!("/meetings/{meeting}")).await;
        assert!(
            agenda.contains("Deep dive: Return interviews for missing children"),
            "{}",
            agenda.body
        );
        assert!(agenda.contains("Analyses from 0 of 2 agencies in"));
        assert_eq!(practitioner.get(&url).await.status, 403);
        assert_eq!(
            practitioner.get("/performance/deep-dives").await.status,
            403
        );
        let page = chair.get(&url).await;
        assert_eq!(page.status, 200);
        assert!(page.contains("0 of 2 in"));
        assert!(page.contains("<svg role=\"img\""), "the indicator's chart");
        assert!(
            !page.contains("Add a recommendation"),
            "the chair reads, the business team runs it"
        );

        // The police lead sees the request on their home page and sends the analysis.
        let home = lead.get("/home").await;
        assert!(
            home.contains("Return interviews for missing children"),
            "{}",
            home.body
        );
        let ret = one(
            &app,
            "SELECT id FROM return_request WHERE source_kind = 'deep_dive' AND agency_id = ?",
            &police,
        )
        .await;
        let other = one(
            &app,
            "SELECT id FROM return_request WHERE source_kind = 'deep_dive' AND agency_id = ?",
            &hospital,
        )
        .await;
        // Another agency's analysis is read by every reader of the dataset, written by its own lead.
        assert_eq!(lead.get(&format!("/returns/{other}")).await.status, 200);
        assert_eq!(
            lead.post(&format!("/returns/{other}"), &[("answer-1", "x")])
                .await
                .status,
            403
        );
        assert_eq!(
            practitioner.get(&format!("/returns/{other}")).await.status,
            403
        );
        let answers = [
            (
                "answer-1",
                "Interviews offered fell from 82% to 64% over a year",
            ),
            ("answer-2", "Two interviewers left and were not replaced"),
            ("answer-3", "A commissioned service starts in March"),
            (
                "answer-4",
                "Ask children's social care to share missing episodes the same day",
            ),
            ("action", "submit"),
        ];
        let p = lead.post(&format!("/returns/{ret}"), &answers).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let page = bt.get(&url).await;
        assert!(page.contains("1 of 2 in"));
        assert!(page.contains("Two interviewers left and were not replaced"));
        // The hospital is reminded at once.
        assert_eq!(lead.post(&format!("{url}/chase"), &[]).await.status, 403);
        assert_eq!(bt.post(&format!("{url}/chase"), &[]).await.status, 303);

        // The presentation, the discussion, a recommendation, an action from it.
        let up = bt
            .upload(
                &format!("{url}/presentations"),
                &[],
                "missing-children.pdf",
                b"%PDF-1.4 slides".to_vec(),
            )
            .await;
        assert_eq!(up.status, 303, "{}", up.body);
        let bad = bt
            .upload(&format!("{url}/presentations"), &[], "", Vec::new())
            .await;
        assert_eq!(bad.status, 422);
        let page = chair.get(&url).await;
        let file = page
            .body
            .split(&format!("{url}/presentations/"))
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let dl = chair.get(&format!("{url}/presentations/{file}")).await;
        assert_eq!(dl.status, 200);
        assert_eq!(
            practitioner
                .get(&format!("{url}/presentations/{file}"))
                .await
                .status,
            403
        );
        let p = bt
            .post(&format!("{url}/discussion"), &[("discussion", "")])
            .await;
        assert_eq!(p.status, 422);
        let p = bt
            .post(
                &format!("{url}/discussion"),
                &[(
                    "discussion",
                    "The board asked the police to report monthly until the new service starts.",
                )],
            )
            .await;
        assert_eq!(p.status, 303);
        let p = bt
            .post(
                &format!("{url}/recommendations"),
                &[
                    (
                        "recommendation",
                        "Share every missing episode with children's social care the same day",
                    ),
                    ("addressed_to", "agencies"),
                    ("rec_agency", police.as_str()),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let page = bt.get(&url).await;
        assert!(page.contains("The board asked the police to report monthly"));
        assert!(page.contains("Share every missing episode"));
        let rec = one(
            &app,
            "SELECT id FROM recommendation WHERE source_kind = 'deep_dive' AND body LIKE ?",
            "Share every%",
        )
        .await;
        let plan = bt.get(&format!("/recommendations/{rec}/actions")).await;
        assert_eq!(plan.status, 200);
        assert!(
            plan.contains("Deep dive “Return interviews for missing children”"),
            "{}",
            plan.body
        );
        let list = chair.get("/performance/deep-dives").await;
        assert!(list.contains("Return interviews for missing children"));
        assert!(list.contains("1 of 2"));
    })
    .await;
}
