//! Section 11 self-assessments through real HTTP on every engine: a cycle opened for chosen
//! agencies, each agency's lead rating its standards on the return page, the panel's challenge
//! and moderated rating beside the agency's own, the agency's response, the overview going to
//! the board and then to everyone, its export, and a second cycle starting from the first
//! one's answers, each "to review" until the agency confirms or changes it; and who is refused
//! at each step.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, Duration, Utc};
use common::{Client, TestApp, each_app};
use learnloop_domain::accounts::Role;
use learnloop_domain::section11::{SCALE, STANDARDS};
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

fn date_fields(prefix: &str, d: chrono::NaiveDate) -> Vec<(String, String)> {
    vec![
        (format!("{prefix}-day"), d.day().to_string()),
        (format!("{prefix}-month"), d.month().to_string()),
        (format!("{prefix}-year"), d.year().to_string()),
    ]
}

fn refs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The business team opens a cycle for the given agencies; returns the cycle's address.
async fn open_cycle(bt: &Client, title: &str, agencies: &[&str]) -> String {
    let mut f = vec![("title".to_owned(), title.to_owned())];
    f.extend(date_fields(
        "due",
        Utc::now().date_naive() + Duration::days(60),
    ));
    for a in agencies {
        f.push(("agency".to_owned(), (*a).to_owned()));
    }
    let p = bt.post("/section11", &refs(&f)).await;
    assert_eq!(p.status, 303, "{}", p.body);
    p.location.unwrap()
}

async fn return_of(app: &TestApp, cycle: &str, agency: &str) -> String {
    let (id,): (String,) = app
        .db
        .fetch_one(
            query(
                "SELECT id FROM return_request WHERE source_kind = 'section11' AND source_id = ? \
                 AND agency_id = ?",
            )
            .bind(cycle.trim_start_matches("/section11/"))
            .bind(agency),
        )
        .await
        .unwrap();
    id
}

/// Every standard answered and rated `rating`, as the return form sends it.
fn answers(rating: &str, action: &str) -> Vec<(String, String)> {
    let mut f = Vec::new();
    for i in 1..=STANDARDS.len() {
        f.push((
            format!("answer-{i}"),
            format!("Evidence for standard {i}: policy, training records and audit."),
        ));
        f.push((format!("rating-{i}"), rating.to_owned()));
    }
    f.push(("action".to_owned(), action.to_owned()));
    f
}

#[tokio::test]
async fn a_cycle_runs_from_self_assessment_through_challenge_to_the_board() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
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

        // A cycle with no agencies is refused with what to do.
        let list = bt.get("/section11").await;
        assert_eq!(list.status, 200);
        assert!(list.contains("No cycle has been opened yet"));
        let mut f = vec![("title".to_owned(), "Section 11 2026".to_owned())];
        f.extend(date_fields(
            "due",
            Utc::now().date_naive() + Duration::days(60),
        ));
        let p = bt.post("/section11", &refs(&f)).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Choose at least one agency to assess itself in this cycle"));
        let mut today = vec![("title".to_owned(), "Section 11 2026".to_owned())];
        today.extend(date_fields("due", Utc::now().date_naive()));
        today.push(("agency".to_owned(), police.clone()));
        let p = bt.post("/section11", &refs(&today)).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("The due date must be after today"));
        let cycle = open_cycle(&bt, "Section 11 2026", &[&police, &hospital]).await;
        let page = bt.get(&cycle).await;
        assert!(page.contains("Northbrook Constabulary") && page.contains("Not started"));
        assert!(page.contains("0 of 2"));

        // The police lead finds it on their home page; they read their own row only.
        let lead = as_role(&app, Role::AgencyLead).await;
        let home = lead.get("/home").await;
        assert!(home.contains("Section 11"), "{}", home.body);
        // Its name is a link on the list for who may open it: the lead of an agency it asked.
        let href = format!("href=\"{cycle}\"");
        assert!(lead.get("/section11").await.contains(&href));
        assert!(bt.get("/section11").await.contains(&href));
        let mine = lead.get(&cycle).await;
        assert_eq!(mine.status, 200);
        assert!(mine.contains("Your agency"));
        assert!(!mine.contains("Northbrook General Hospital"));
        let theirs = return_of(&app, &cycle, &hospital).await;
        assert_eq!(lead.get(&format!("/returns/{theirs}")).await.status, 403);
        assert_eq!(
            lead.post(
                &format!("/returns/{theirs}"),
                &refs(&answers("Fully met", "submit"))
            )
            .await
            .status,
            403,
            "a lead cannot write another agency's self-assessment"
        );
        assert_eq!(lead.get(&format!("{cycle}/overview.csv")).await.status, 403);

        // A rating outside the scale is explained; nothing is saved.
        let ret = return_of(&app, &cycle, &police).await;
        let form = lead.get(&format!("/returns/{ret}")).await;
        assert!(form.contains(STANDARDS[0].prompts.split(';').next().unwrap()));
        let mut bad = answers("Largely met", "submit");
        bad[1].1 = "Excellent".to_owned();
        let p = lead.post(&format!("/returns/{ret}"), &refs(&bad)).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("from the framework"), "{}", p.body);
        let (state,): (String,) = app
            .db
            .fetch_one(query("SELECT state FROM return_request WHERE id = ?").bind(&ret))
            .await
            .unwrap();
        assert_eq!(state, "requested");
        let p = lead
            .post(
                &format!("/returns/{ret}"),
                &refs(&answers("Largely met", "submit")),
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        // Submitted: no longer editable.
        let p = lead
            .post(
                &format!("/returns/{ret}"),
                &refs(&answers("Fully met", "save")),
            )
            .await;
        assert_eq!(p.status, 409, "{}", p.body);

        // Before the board, the practitioner and the group chair are refused the cycle, and
        // the list names it without a link to a refusal.
        let practitioner = as_role(&app, Role::Practitioner).await;
        assert_eq!(practitioner.get(&cycle).await.status, 403);
        let list = practitioner.get("/section11").await;
        assert!(
            list.contains("Section 11 2026") && !list.contains(&href),
            "{}",
            list.body
        );
        assert_eq!(
            as_role(&app, Role::GroupChair)
                .await
                .get(&cycle)
                .await
                .status,
            403
        );

        // The panel challenges standard 3 and moderates it; a rating off the scale is refused.
        let challenge = format!("{cycle}/challenge");
        let p = bt
            .post(
                &challenge,
                &[
                    ("return", &ret),
                    ("line", "3"),
                    ("challenge", "Show the deputy lead's cover."),
                    ("rating", "Superb"),
                ],
            )
            .await;
        assert_eq!(p.status, 422);
        let p = bt
            .post(
                &challenge,
                &[
                    ("return", &theirs),
                    ("line", "3"),
                    ("challenge", "Not yet in."),
                    ("rating", ""),
                ],
            )
            .await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Choose an agency whose self-assessment is in"));
        let p = bt
            .post(
                &challenge,
                &[
                    ("return", &ret),
                    ("line", "3"),
                    (
                        "challenge",
                        "Show how concerns reach the named lead out of hours.",
                    ),
                    ("rating", "Partly met"),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        assert_eq!(
            lead.post(
                &challenge,
                &[
                    ("return", &ret),
                    ("line", "1"),
                    ("challenge", "Self-challenge"),
                    ("rating", "")
                ],
            )
            .await
            .status,
            403
        );

        // Both ratings are kept and shown; the lead responds.
        let page = lead.get(&cycle).await;
        assert!(page.contains("Moderated:</strong> Partly met"));
        assert!(page.contains("Show how concerns reach the named lead out of hours."));
        let (cid,): (String,) = app
            .db
            .fetch_one(query("SELECT id FROM return_challenge WHERE return_id = ?").bind(&ret))
            .await
            .unwrap();
        let respond = format!("{cycle}/respond");
        let key = format!("response-{cid}");
        let p = lead
            .post(
                &respond,
                &[("return", &ret), ("challenge", &cid), (&key, "")],
            )
            .await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Enter the agency"), "{}", p.body);
        let p = bt
            .post(
                &respond,
                &[
                    ("return", &ret),
                    ("challenge", &cid),
                    (&key, "Not ours to say"),
                ],
            )
            .await;
        assert_eq!(p.status, 403, "only the agency responds");
        let p = lead
            .post(
                &respond,
                &[
                    ("return", &ret),
                    ("challenge", &cid),
                    (
                        &key,
                        "The force control room rota names the on-call deputy.",
                    ),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let p = lead
            .post(
                &respond,
                &[
                    ("return", &ret),
                    ("challenge", &cid),
                    (&key, "A second thought"),
                ],
            )
            .await;
        assert_eq!(p.status, 409, "a response is kept as given");
        assert!(p.contains("answered already"));
        // The lead sets an improvement action for standard 3; it joins the actions.
        let actions = format!("{cycle}/actions");
        let p = lead.post(&actions, &[("action_return", &ret)]).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Choose the standard the action improves"));
        assert!(p.contains("Choose the person who owns the action"));
        let owner = one(
            &app,
            "SELECT id FROM person WHERE email = ?",
            "agency.lead@northbrook.example",
        )
        .await;
        let mut f = vec![
            ("action_return".to_owned(), ret.clone()),
            ("action_line".to_owned(), "3".to_owned()),
            (
                "action_text".to_owned(),
                "Publish the out-of-hours route to the named lead".to_owned(),
            ),
            ("action_owner".to_owned(), owner.clone()),
        ];
        f.extend(date_fields(
            "action_due",
            Utc::now().date_naive() + Duration::days(90),
        ));
        assert_eq!(
            lead.post(&actions, &refs(&f)).await.status,
            303,
            "the police lead sets their agency's action"
        );
        f[0].1 = theirs.clone();
        assert_eq!(
            lead.post(&actions, &refs(&f)).await.status,
            403,
            "but not the hospital's"
        );
        let page = lead.get(&cycle).await;
        assert!(page.contains("Standard 3: Publish the out-of-hours route to the named lead"));
        assert!(page.contains("Northbrook Constabulary: 1 still open"));
        let tracker = bt.get("/actions?source=section11").await;
        assert!(
            tracker.contains("Publish the out-of-hours route"),
            "{}",
            tracker.body
        );

        let read = bt.get(&format!("/returns/{ret}")).await;
        assert!(read.contains("Largely met") && read.contains("moderated: <strong>Partly met"));

        // The overview and its export: the standard rated short is named.
        let page = bt.get(&cycle).await;
        assert!(page.contains("The force control room rota names the on-call deputy."));
        assert!(page.contains("Where agencies fall short"));
        assert!(
            page.contains(&format!("{}: 1 agency", STANDARDS[2].title)),
            "{}",
            page.body
        );
        let csv = bt.get(&format!("{cycle}/overview.csv")).await;
        assert_eq!(csv.status, 200);
        assert!(csv.contains("Moderated rating"));
        assert!(csv.contains("Partly met"));
        assert!(
            !csv.contains("Show how concerns"),
            "the export carries ratings, not challenges"
        );
        let xlsx = bt.get(&format!("{cycle}/overview.xlsx")).await;
        assert_eq!(xlsx.status, 200);

        // Once it has gone to the board, everyone in the partnership reads the overview, but
        // not the self-assessments themselves nor the challenges.
        let f = date_fields("on", Utc::now().date_naive() + Duration::days(3));
        let p = bt.post(&format!("{cycle}/board"), &refs(&f)).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("it cannot be in the future"));
        let f = date_fields("on", Utc::now().date_naive());
        let p = bt.post(&format!("{cycle}/board"), &refs(&f)).await;
        assert_eq!(p.status, 303, "{}", p.body);
        assert!(
            practitioner.get("/section11").await.contains(&href),
            "a link once it is open"
        );
        let seen = practitioner.get(&cycle).await;
        assert_eq!(seen.status, 200);
        assert!(seen.contains("Overview") && seen.contains("Moderated:</strong> Partly met"));
        assert!(!seen.contains("Show how concerns reach"));
        assert!(!seen.contains(&format!("/returns/{ret}")));
        assert_eq!(
            practitioner.get(&format!("/returns/{ret}")).await.status,
            403
        );
        assert_eq!(
            practitioner
                .get(&format!("{cycle}/overview.csv"))
                .await
                .status,
            200
        );
        assert!(!seen.contains("Publish the out-of-hours route"));

        // The six-month follow-up date is set from the board's; until it comes, nothing is
        // escalated.
        let page = bt.get(&cycle).await;
        assert!(page.contains("The six-month follow-up of outstanding actions falls on"));
        let ic = as_role(&app, Role::IndependentChair).await;
        let escalate = format!("{cycle}/escalate");
        let p = ic.post(&escalate, &[("agency", police.as_str())]).await;
        assert_eq!(p.status, 409);
        assert!(p.contains("once the six-month follow-up has come"));

        // Seven months on, the action still open: listed for the business team, and the
        // independent chair escalates it to the board, once.
        app.db
            .execute(
                query("UPDATE section11_cycle SET board_on = ? WHERE id = ?")
                    .bind(learnloop_store::Day(
                        Utc::now().date_naive() - Duration::days(210),
                    ))
                    .bind(cycle.trim_start_matches("/section11/")),
            )
            .await
            .unwrap();
        let home = bt.get("/home").await;
        assert!(home.contains("Section 11 follow-up of"), "{}", home.body);
        assert!(home.contains("1 improvement actions still open"));
        let page = ic.get(&cycle).await;
        assert!(page.contains("The six-month follow-up fell on"));
        assert!(page.contains("Escalate Northbrook Constabulary"));
        assert_eq!(
            bt.post(&escalate, &[("agency", police.as_str())])
                .await
                .status,
            403
        );
        let p = ic.post(&escalate, &[("agency", police.as_str())]).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let again = ic.post(&escalate, &[("agency", police.as_str())]).await;
        assert_eq!(again.location, p.location, "escalated once, not twice");
        let e = ic.get(p.location.as_deref().unwrap()).await;
        assert!(
            e.contains("improvement actions outstanding at six months"),
            "{}",
            e.body
        );
        assert!(e.contains("Publish the out-of-hours route"));

        let trail = bt.get("/audit").await;
        assert!(trail.contains("Opened the Section 11 cycle"));
    })
    .await;
}

#[tokio::test]
async fn a_new_cycle_carries_answers_forward_to_review_never_as_current() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let lead = as_role(&app, Role::AgencyLead).await;
        let police = one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook Constabulary",
        )
        .await;
        let first = open_cycle(&bt, "Section 11 2024", &[&police]).await;
        let ret = return_of(&app, &first, &police).await;
        let p = lead
            .post(
                &format!("/returns/{ret}"),
                &refs(&answers(SCALE[1], "submit")),
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        // The first cycle opened two years ago.
        app.db
            .execute(
                query("UPDATE section11_cycle SET opened_on = ? WHERE id = ?")
                    .bind(learnloop_store::Day(
                        Utc::now().date_naive() - Duration::days(730),
                    ))
                    .bind(first.trim_start_matches("/section11/")),
            )
            .await
            .unwrap();
        // Its overview is compared with only once it has gone to the board.
        let second = open_cycle(&bt, "Section 11 2026", &[&police]).await;
        assert!(!bt.get(&second).await.contains("Compared with"));
        let f = date_fields("on", Utc::now().date_naive() - Duration::days(600));
        assert_eq!(
            bt.post(&format!("{first}/board"), &refs(&f)).await.status,
            303
        );
        let again = return_of(&app, &second, &police).await;
        let form = lead.get(&format!("/returns/{again}")).await;
        assert!(form.contains("Carried forward from the last cycle: Largely met"));
        assert!(form.contains("To review"));

        // Submitting with every standard still to review is refused, naming the first.
        let p = lead
            .post(
                &format!("/returns/{again}"),
                &refs(&answers(SCALE[1], "submit")),
            )
            .await;
        assert_eq!(p.status, 422);
        assert!(
            p.contains(&format!("Review “{}”", STANDARDS[0].title))
                || p.contains(&format!("Review &#8220;{}", STANDARDS[0].title)),
            "{}",
            p.body
        );
        // Confirm seven, change the eighth's rating: it submits, and the change shows.
        let mut f = answers(SCALE[1], "submit");
        for i in 1..STANDARDS.len() {
            f.push((format!("confirm-{i}"), "yes".to_owned()));
        }
        let n = STANDARDS.len();
        let at = f
            .iter()
            .position(|(k, _)| *k == format!("rating-{n}"))
            .unwrap();
        f[at].1 = SCALE[3].to_owned();
        let p = lead.post(&format!("/returns/{again}"), &refs(&f)).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let read = lead.get(&format!("/returns/{again}")).await;
        assert!(read.contains("Confirmed as current"));
        assert!(read.contains("Changed since last cycle"));
        let page = bt.get(&second).await;
        assert!(page.contains("Compared with"));
        assert!(page.contains(&format!("Last cycle: {}", SCALE[1])));
        assert!(page.contains(&format!("{}: 1 agency", STANDARDS[n - 1].title)));
    })
    .await;
}

#[tokio::test]
async fn rewording_a_standard_reaches_open_self_assessments_and_adding_one_makes_a_new_version() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let lead = as_role(&app, Role::AgencyLead).await;
        let police = one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook Constabulary",
        )
        .await;
        let page = lead.get("/section11/framework").await;
        assert_eq!(page.status, 200);
        assert!(page.contains("Version 1") && !page.contains("Save the standards"));
        let cycle = open_cycle(&bt, "Section 11 2026", &[&police]).await;
        let ret = return_of(&app, &cycle, &police).await;

        let mut standards: Vec<String> = STANDARDS.iter().map(|s| s.title.to_owned()).collect();
        let prompts: Vec<String> = STANDARDS.iter().map(|s| s.prompts.to_owned()).collect();
        let scale = SCALE.join("\n");
        let send = |standards: &[String], prompts: &[String], scale: &str| {
            vec![
                ("standards".to_owned(), standards.join("\n")),
                ("prompts".to_owned(), prompts.join("\n")),
                ("scale".to_owned(), scale.to_owned()),
            ]
        };
        // Bad input is explained and changes nothing.
        let mut too_many = prompts.clone();
        too_many.push("A ninth prompt without a standard".to_owned());
        let p = bt
            .post(
                "/section11/framework",
                &refs(&send(&standards, &too_many, &scale)),
            )
            .await;
        assert_eq!(p.status, 422);
        assert!(
            p.contains("9 lines of prompts for 8 standards"),
            "{}",
            p.body
        );
        assert_eq!(
            lead.post(
                "/section11/framework",
                &refs(&send(&standards, &prompts, &scale))
            )
            .await
            .status,
            403
        );

        // Wording: the open self-assessment shows it at once.
        standards[0] = "1. Senior leaders are accountable for safeguarding children".to_owned();
        let p = bt
            .post(
                "/section11/framework",
                &refs(&send(&standards, &prompts, &scale)),
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let form = lead.get(&format!("/returns/{ret}")).await;
        assert!(form.contains("Senior leaders are accountable for safeguarding children"));

        // A ninth standard: a new version; the open one keeps eight, a new cycle asks nine.
        let mut nine = standards.clone();
        nine.push("9. Volunteers are vetted and trained as staff are".to_owned());
        let p = bt
            .post(
                "/section11/framework",
                &refs(&send(&nine, &prompts, &scale)),
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        assert!(bt.get("/section11/framework").await.contains("Version 2"));
        let form = lead.get(&format!("/returns/{ret}")).await;
        assert!(!form.contains("Volunteers are vetted"));
        let p = lead
            .post(
                &format!("/returns/{ret}"),
                &refs(&answers(SCALE[0], "submit")),
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        app.db
            .execute(
                query("UPDATE section11_cycle SET opened_on = ? WHERE id = ?")
                    .bind(learnloop_store::Day(
                        Utc::now().date_naive() - Duration::days(730),
                    ))
                    .bind(cycle.trim_start_matches("/section11/")),
            )
            .await
            .unwrap();
        let next = open_cycle(&bt, "Section 11 2028", &[&police]).await;
        let again = return_of(&app, &next, &police).await;
        let form = lead.get(&format!("/returns/{again}")).await;
        assert!(form.contains("Volunteers are vetted"));
        assert!(form.contains("Carried forward from the last cycle: Fully met"));
    })
    .await;
}

#[tokio::test]
async fn the_challenge_panel_reads_and_challenges_the_cycle_and_nothing_once_taken_off() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let lead = as_role(&app, Role::AgencyLead).await;
        let auditor = as_role(&app, Role::Auditor).await;
        let police = one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook Constabulary",
        )
        .await;
        let cycle = open_cycle(&bt, "Section 11 2026", &[&police]).await;
        let ret = return_of(&app, &cycle, &police).await;
        let p = lead
            .post(
                &format!("/returns/{ret}"),
                &refs(&answers(SCALE[0], "submit")),
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        assert_eq!(auditor.get(&cycle).await.status, 403);
        assert_eq!(auditor.get(&format!("/returns/{ret}")).await.status, 403);

        // Bad input first: no person, no date.
        let p = bt.post(&format!("{cycle}/panel"), &[("person", "")]).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Choose the person to put on the panel"));
        let p = bt.post(&format!("{cycle}/event"), &[]).await;
        assert_eq!(p.status, 422);
        let helen = one(
            &app,
            "SELECT id FROM person WHERE email = ?",
            "auditor@northbrook.example",
        )
        .await;
        let chair = one(
            &app,
            "SELECT id FROM person WHERE email = ?",
            "independent.chair@northbrook.example",
        )
        .await;
        for who in [&helen, &chair] {
            let p = bt
                .post(&format!("{cycle}/panel"), &[("person", who.as_str())])
                .await;
            assert_eq!(p.status, 303, "{}", p.body);
        }
        let f = date_fields("event", Utc::now().date_naive() + Duration::days(14));
        assert_eq!(
            bt.post(&format!("{cycle}/event"), &refs(&f)).await.status,
            303
        );
        let page = bt.get(&format!("{cycle}/panel")).await;
        assert!(page.contains("Helen Brooks") && page.contains("Lay member"));
        assert!(page.contains("Set for"));
        let page = bt.get(&cycle).await;
        assert!(
            page.contains("Helen Brooks (Quality") || page.contains("Helen Brooks ("),
            "{}",
            page.body
        );
        assert!(page.contains("Challenge event:"));
        assert_eq!(lead.get(&format!("{cycle}/panel")).await.status, 403);
        assert_eq!(
            lead.post(&format!("{cycle}/panel"), &[("person", helen.as_str())])
                .await
                .status,
            403
        );

        // On the panel: the auditor reads the cycle and the self-assessment, and challenges.
        let page = auditor.get(&cycle).await;
        assert_eq!(page.status, 200);
        assert!(page.contains("Record a challenge"));
        assert_eq!(auditor.get(&format!("/returns/{ret}")).await.status, 200);
        let p = auditor
            .post(
                &format!("{cycle}/challenge"),
                &[
                    ("return", ret.as_str()),
                    ("line", "2"),
                    ("challenge", "Where is the statement published?"),
                    ("rating", ""),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        assert!(
            lead.get(&cycle)
                .await
                .contains("Where is the statement published?")
        );
        // The panel does not decide the return: that stays with the business team.
        assert_eq!(
            auditor
                .post(&format!("/returns/{ret}/decide"), &[("decision", "accept")])
                .await
                .status,
            403
        );

        // Taken off, they read nothing of it again.
        let p = bt
            .post(
                &format!("{cycle}/panel/remove"),
                &[("person", helen.as_str())],
            )
            .await;
        assert_eq!(p.status, 303);
        assert_eq!(auditor.get(&cycle).await.status, 403);
        assert_eq!(auditor.get(&format!("/returns/{ret}")).await.status, 403);
        let trail = bt.get("/audit").await;
        assert!(trail.contains("Put Helen Brooks on the challenge panel"));
        assert!(trail.contains("Took Helen Brooks off the challenge panel"));
    })
    .await;
}

#[tokio::test]
async fn evidence_files_are_added_while_a_self_assessment_is_written_and_read_by_who_reads_it() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let lead = as_role(&app, Role::AgencyLead).await;
        let police = one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook Constabulary",
        )
        .await;
        let cycle = open_cycle(&bt, "Section 11 2026", &[&police]).await;
        let ret = return_of(&app, &cycle, &police).await;
        let files = format!("/returns/{ret}/files");

        // What is wrong is said, and nothing is kept.
        let p = lead
            .upload(&files, &[("line", "2")], "tool.exe", b"MZ".to_vec())
            .await;
        assert_eq!(p.status, 422);
        let p = lead
            .upload(
                &files,
                &[("line", "99")],
                "statement.txt",
                b"Our statement".to_vec(),
            )
            .await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Choose what the file is evidence for from the list"));
        assert!(
            !lead
                .get(&format!("/returns/{ret}"))
                .await
                .contains("statement.txt")
        );
        assert_eq!(
            bt.upload(&files, &[("line", "2")], "statement.txt", b"x".to_vec())
                .await
                .status,
            403,
            "only the agency's lead adds its evidence"
        );

        let p = lead
            .upload(
                &files,
                &[("line", "1")],
                "statement.txt",
                b"The force's statement of its duties to children".to_vec(),
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let page = lead.get(&format!("/returns/{ret}")).await;
        assert!(page.contains("statement.txt"));
        assert!(page.contains(&format!("For: {}", STANDARDS[0].title)));
        let (fid,): (String,) = app
            .db
            .fetch_one(query("SELECT id FROM return_file WHERE return_id = ?").bind(&ret))
            .await
            .unwrap();
        let download = format!("/returns/{ret}/files/{fid}");
        let got = bt.get(&download).await;
        assert_eq!(got.status, 200);
        assert!(got.contains("duties to children"));
        assert_eq!(
            as_role(&app, Role::Practitioner)
                .await
                .get(&download)
                .await
                .status,
            403
        );
        assert_eq!(
            bt.get(&format!("/returns/{ret}/files/{}", uuid_like()))
                .await
                .status,
            404
        );

        // A second file, taken off again while drafting.
        let p = lead
            .upload(
                &files,
                &[("line", "")],
                "wrong.txt",
                b"Not this one".to_vec(),
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let (wrong,): (String,) = app
            .db
            .fetch_one(
                query(
                    "SELECT rf.id FROM return_file rf JOIN file_object f ON f.id = rf.file_id \
                     WHERE rf.return_id = ? AND f.name = 'wrong.txt'",
                )
                .bind(&ret),
            )
            .await
            .unwrap();
        assert_eq!(
            bt.post(&format!("{files}/{wrong}/remove"), &[])
                .await
                .status,
            403
        );
        let p = lead.post(&format!("{files}/{wrong}/remove"), &[]).await;
        assert_eq!(p.status, 303);
        assert!(
            !lead
                .get(&format!("/returns/{ret}"))
                .await
                .contains("wrong.txt")
        );
        assert_eq!(lead.get(&format!("{files}/{wrong}")).await.status, 404);

        // Submitted: no more evidence.
        let p = lead
            .post(
                &format!("/returns/{ret}"),
                &refs(&answers(SCALE[0], "submit")),
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let p = lead
            .upload(&files, &[("line", "")], "late.txt", b"Late".to_vec())
            .await;
        assert_eq!(p.status, 409, "{}", p.body);
        assert!(p.contains("evidence can be added only while it is being written"));
        assert!(
            bt.get("/audit")
                .await
                .contains("Downloaded the evidence file statement.txt")
        );
    })
    .await;
}

fn uuid_like() -> String {
    "01900000-0000-7000-8000-000000000000".to_owned()
}

/// Southvale, a second partnership on the installation, served by the same police force: its
/// business team and its agencies (the force under the same name, and its council).
async fn southvale(app: &TestApp) -> (String, String, String) {
    use learnloop_store::audit::Who;
    use learnloop_store::governance::{self, AgencyInput};
    let who = Who::system("section11 test");
    let mut tx = app.db.begin().await.unwrap();
    let p = governance::create_partnership(
        &mut tx,
        &who,
        "southvale",
        "Southvale Safeguarding Partnership",
    )
    .await
    .unwrap();
    let agency = |name: &str, sector: &str| AgencyInput {
        name: name.to_owned(),
        sector: sector.to_owned(),
        statutory_partner: true,
        active: true,
    };
    let police = governance::insert_agency(
        &mut tx,
        &who,
        &p.id,
        &agency("Northbrook Constabulary", "police"),
    )
    .await
    .unwrap();
    let council = governance::insert_agency(
        &mut tx,
        &who,
        &p.id,
        &agency("Southvale Council", "local-authority"),
    )
    .await
    .unwrap();
    let hash = learnloop_domain::accounts::hash_password(learnloop_store::demo::PASSWORD).unwrap();
    let person = learnloop_store::accounts::insert_person(
        &mut tx,
        &who,
        "manager@southvale.example",
        "Sam Vale",
        "Southvale business manager",
        Some(&hash),
    )
    .await
    .unwrap();
    learnloop_store::accounts::grant(
        &mut tx,
        &who,
        &person.id,
        &p.id,
        Role::BusinessTeam,
        None,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (p.id, police.id, council.id)
}

async fn link_row(app: &TestApp, pid: &str) -> String {
    one(
        app,
        "SELECT id FROM agency_link WHERE partnership_id = ?",
        pid,
    )
    .await
}

#[tokio::test]
async fn a_self_assessment_offered_to_a_linked_partnership_is_moderated_there_on_its_own() {
    each_app(|app| async move {
        let (sv, sv_police, sv_council) = southvale(&app).await;
        let nb = one(&app, "SELECT id FROM partnership WHERE slug = ?", "northbrook").await;
        let police = one(
            &app,
            "SELECT id FROM agency WHERE partnership_id = ? AND name = 'Northbrook Constabulary'",
            &nb,
        )
        .await;
        let hospital = one(
            &app,
            "SELECT id FROM agency WHERE partnership_id = ? AND name = 'Northbrook General Hospital NHS Foundation Trust'",
            &nb,
        )
        .await;
        let bt = as_role(&app, Role::BusinessTeam).await;
        let theirs = Client::new(&app.base);
        assert_eq!(
            theirs
                .sign_in("manager@southvale.example", learnloop_store::demo::PASSWORD)
                .await
                .status,
            303
        );

        // Northbrook's business team proposes that its police and Southvale's are one force.
        let page = bt.get("/agencies/links").await;
        assert_eq!(page.status, 200);
        assert!(page.contains("No agency is linked to another partnership yet"));
        let page = bt.get(&format!("/agencies/links?partnership={sv}")).await;
        assert!(page.contains("Southvale Council"), "{}", page.body);
        let propose = |agency: String, other: String| {
            let sv = sv.clone();
            let bt = &bt;
            async move {
                bt.post(
                    "/agencies/links",
                    &[
                        ("partnership", sv.as_str()),
                        ("agency", agency.as_str()),
                        ("other_agency", other.as_str()),
                    ],
                )
                .await
            }
        };
        let p = propose(police.clone(), sv_police.clone()).await;
        assert_eq!(p.status, 303, "{}", p.body);
        // Linking an agency already linked (or waiting) is refused, from either side.
        let p = propose(police.clone(), sv_council.clone()).await;
        assert_eq!(p.status, 422);
        assert!(
            p.contains("Northbrook Constabulary already has a link waiting to be agreed with Northbrook Constabulary of Southvale Safeguarding Partnership"),
            "{}",
            p.body
        );
        let p = propose(hospital.clone(), sv_police.clone()).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("an agency is linked to one agency of each other partnership"));
        let (n,): (i64,) = app
            .db
            .fetch_one(query("SELECT COUNT(*) FROM agency_link"))
            .await
            .unwrap();
        assert_eq!(n, 2, "one link, a row on each side, nothing half-written");
        // Northbrook cannot agree to its own proposal; Southvale does.
        let ours = link_row(&app, &nb).await;
        let p = bt.post(&format!("/agencies/links/{ours}/agree"), &[]).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("the business team of Southvale Safeguarding Partnership agrees to it"));
        let page = theirs.get("/agencies/links").await;
        assert!(page.contains("Waiting for you to agree"));
        let their_row = link_row(&app, &sv).await;
        assert_eq!(
            theirs
                .post(&format!("/agencies/links/{ours}/agree"), &[])
                .await
                .status,
            404,
            "each side acts on its own row only"
        );
        let p = theirs
            .post(&format!("/agencies/links/{their_row}/agree"), &[])
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        assert!(bt.get("/agencies/links").await.contains("Linked"));
        // Each partnership's trail says what happened on its side.
        let (n,): (i64,) = app
            .db
            .fetch_one(
                query(
                    "SELECT COUNT(*) FROM audit_event WHERE partnership_id = ? AND action LIKE 'agency.link.%'",
                )
                .bind(&sv),
            )
            .await
            .unwrap();
        assert_eq!(n, 2, "proposed to Southvale, agreed by Southvale");

        // Each partnership opens its cycle; Southvale asks the force and its council.
        let cycle = open_cycle(&bt, "Section 11 2026", &[&police]).await;
        let their_cycle = open_cycle(&theirs, "Southvale Section 11 2026", &[&sv_police, &sv_council]).await;
        let mine = return_of(&app, &cycle, &police).await;
        let offered = return_of(&app, &their_cycle, &sv_police).await;
        let council = return_of(&app, &their_cycle, &sv_council).await;

        // The lead writes and submits Northbrook's, with an evidence file.
        let lead = as_role(&app, Role::AgencyLead).await;
        assert!(!lead.get(&cycle).await.contains("Offer it to another partnership"));
        let p = lead
            .upload(
                &format!("/returns/{mine}/files"),
                &[("line", "5")],
                "training-figures.txt",
                b"Take-up of safeguarding training by role".to_vec(),
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let p = lead
            .post(&format!("/returns/{mine}"), &refs(&answers("Largely met", "submit")))
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let page = lead.get(&cycle).await;
        assert!(page.contains("Offer it to Southvale Safeguarding Partnership"), "{}", page.body);
        assert!(!page.contains("Southvale Council"), "only the linked agency's cycle");

        // Offering it to a self-assessment the link does not reach is refused; the business
        // team, who does not write it, is refused too.
        let offer = |to: String| [("return", mine.clone()), ("to", to)];
        let f = offer(council.clone());
        let p = lead.post(&format!("{cycle}/offer"), &refs_of(&f)).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("not one the agency&#39;s links reach") || p.contains("not one the agency's links reach"), "{}", p.body);
        let f = offer(offered.clone());
        assert_eq!(bt.post(&format!("{cycle}/offer"), &refs_of(&f)).await.status, 403);
        // Never over work of theirs: a draft they began is not overwritten.
        let state = |to: &'static str| {
            let db = app.db.clone();
            let id = offered.clone();
            async move {
                db.execute(
                    query("UPDATE return_request SET state = ? WHERE id = ?")
                        .bind(to)
                        .bind(&id),
                )
                .await
                .unwrap();
            }
        };
        state("draft").await;
        let p = lead.post(&format!("{cycle}/offer"), &refs_of(&f)).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("begun its own self-assessment there"), "{}", p.body);
        state("requested").await;
        let p = lead.post(&format!("{cycle}/offer"), &refs_of(&f)).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let p = lead.post(&format!("{cycle}/offer"), &refs_of(&f)).await;
        assert_eq!(p.status, 422, "offered once");
        assert!(p.contains("submitted already"));
        assert!(
            lead.get(&cycle)
                .await
                .contains("offered to Southvale Safeguarding Partnership for “Southvale Section 11 2026”: Submitted there")
        );

        // Southvale has its own copy, submitted, with the file on the same standard.
        let read = theirs.get(&format!("/returns/{offered}")).await;
        assert_eq!(read.status, 200);
        assert!(read.contains("From another partnership"));
        assert!(read.contains("of Northbrook Safeguarding Children Partnership on"), "{}", read.body);
        assert!(read.contains("training-figures.txt"));
        assert!(read.contains("Evidence for standard 5"));
        let (state, ratings): (String, String) = app
            .db
            .fetch_one(query("SELECT state, ratings FROM return_request WHERE id = ?").bind(&offered))
            .await
            .unwrap();
        assert_eq!(state, "submitted");
        assert!(ratings.contains("Largely met"));
        // ...but never Northbrook's own.
        assert_eq!(theirs.get(&format!("/returns/{mine}")).await.status, 404);
        assert_eq!(theirs.get(&cycle).await.status, 404);

        // Each partnership challenges and moderates its copy on its own.
        let challenge = |ret: &str, rating: &str| {
            vec![
                ("return".to_owned(), ret.to_owned()),
                ("line".to_owned(), "1".to_owned()),
                ("challenge".to_owned(), "Show the board minutes".to_owned()),
                ("rating".to_owned(), rating.to_owned()),
            ]
        };
        let p = theirs
            .post(&format!("{their_cycle}/challenge"), &refs(&challenge(&offered, "Not met")))
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let p = bt
            .post(&format!("{cycle}/challenge"), &refs(&challenge(&mine, "Partly met")))
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let moderated = |id: String| {
            let db = app.db.clone();
            async move {
                let (m,): (String,) = db
                    .fetch_one(query("SELECT moderated_ratings FROM return_request WHERE id = ?").bind(&id))
                    .await
                    .unwrap();
                m
            }
        };
        assert!(moderated(offered.clone()).await.contains("Not met"));
        assert!(moderated(mine.clone()).await.contains("Partly met"));
        let page = theirs.get(&their_cycle).await;
        assert!(page.contains("Moderated:</strong> Not met"));
        assert!(!page.contains("Moderated:</strong> Partly met"));
        let page = bt.get(&cycle).await;
        assert!(page.contains("Moderated:</strong> Partly met"));
        assert!(!page.contains("Moderated:</strong> Not met"));

        // Either side removes the link; the copy stays with Southvale.
        let p = theirs
            .post(&format!("/agencies/links/{their_row}/remove"), &[])
            .await;
        assert_eq!(p.status, 303);
        assert!(bt.get("/agencies/links").await.contains("No agency is linked"));
        assert_eq!(theirs.get(&format!("/returns/{offered}")).await.status, 200);
    })
    .await;
}

fn refs_of<'a>(f: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}
