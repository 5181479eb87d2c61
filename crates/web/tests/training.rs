//! Training through real HTTP on every engine: a course and a session added, places booked to
//! capacity and then the waiting list, a cancellation offering the freed place by mail with a
//! link that takes it once, an offer running out, attendance marked by the session's trainer
//! and the certificate of attendance; and who is refused at each step.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, Duration, Utc};
use common::{Client, TestApp, each_app, last_mail_to, link_in};
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

fn refs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn owned(f: &[(&str, &str)]) -> Vec<(String, String)> {
    f.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A police officer of the demo partnership, whom the police lead can book.
async fn officer(app: &TestApp) -> String {
    use learnloop_store::audit::Who;
    let who = Who::system("training test");
    let pid = one(
        app,
        "SELECT id FROM partnership WHERE slug = ?",
        "northbrook",
    )
    .await;
    let police = one(
        app,
        "SELECT id FROM agency WHERE name = ?",
        "Northbrook Constabulary",
    )
    .await;
    let mut tx = app.db.begin().await.unwrap();
    let p = learnloop_store::accounts::insert_person(
        &mut tx,
        &who,
        "pc.jones@northbrook.example",
        "PC Dana Jones",
        "Response officer",
        None,
    )
    .await
    .unwrap();
    learnloop_store::accounts::grant(
        &mut tx,
        &who,
        &p.id,
        &pid,
        Role::Practitioner,
        Some(&police),
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    p.id
}

async fn booking_of(app: &TestApp, session: &str, email: &str) -> (String, String) {
    let (id, state): (String, String) = app
        .db
        .fetch_one(
            query(
                "SELECT b.id, b.state FROM booking b JOIN person p ON p.id = b.person_id \
                 WHERE b.session_id = ? AND p.email = ? ORDER BY b.booked_at DESC LIMIT 1",
            )
            .bind(session)
            .bind(email),
        )
        .await
        .unwrap();
    (id, state)
}

#[tokio::test]
async fn places_fill_then_the_waiting_list_and_a_freed_place_is_offered_by_a_link_that_works_once()
{
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let practitioner = as_role(&app, Role::Practitioner).await;
        let lead = as_role(&app, Role::AgencyLead).await;
        let auditor = as_role(&app, Role::Auditor).await;
        let trainer = as_role(&app, Role::Trainer).await;
        let officer = officer(&app).await;

        // A course: without learning outcomes it is refused with what to do.
        let mut course = owned(&[
            ("title", "Working with parents who do not engage"),
            ("kind", "workshop"),
            ("level", "2"),
            ("outcomes", ""),
            ("audience", "Front-line staff of every agency"),
            ("description", ""),
        ]);
        assert_eq!(practitioner.post("/training/courses/new", &refs(&course)).await.status, 403);
        let p = bt.post("/training/courses/new", &refs(&course)).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Enter at least one learning outcome"));
        course[3].1 = "Recognise disguised compliance\nPlan a joint visit with another agency".to_owned();
        let p = bt.post("/training/courses/new", &refs(&course)).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let course_url = p.location.unwrap();

        // A session of two places, delivered by the demo trainer.
        let trainer_id = one(&app, "SELECT id FROM person WHERE email = ?", "trainer@northbrook.example").await;
        let day = Utc::now().date_naive() + Duration::days(10);
        let mut session = owned(&[
            ("time", "09:30"),
            ("length", "180"),
            ("venue", ""),
            ("link", ""),
            ("trainer", trainer_id.as_str()),
            ("trainer_name", ""),
            ("capacity", "2"),
        ]);
        session.push(("on-day".to_owned(), day.day().to_string()));
        session.push(("on-month".to_owned(), day.month().to_string()));
        session.push(("on-year".to_owned(), day.year().to_string()));
        let add = format!("{course_url}/sessions");
        let p = bt.post(&add, &refs(&session)).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Enter the venue, or an online link"));
        session[2].1 = "Northbrook Civic Centre, Room 2".to_owned();
        let p = bt.post(&add, &refs(&session)).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let url = p.location.unwrap();
        let sid = url.trim_start_matches("/training/sessions/").to_owned();
        let book = format!("{url}/book");

        // The practitioner books, naming their manager (an address, checked).
        let p = practitioner.post(&book, &[("manager", "my manager")]).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Enter an email address in the correct format"));
        let p = practitioner
            .post(&book, &[("manager", "ward.manager@northbrook-hospital.example")])
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let p = practitioner
            .post(&book, &[("manager", "ward.manager@northbrook-hospital.example")])
            .await;
        assert_eq!(p.status, 422, "booking twice");
        // The booked session is in the practitioner's calendar feed.
        let pid = one(&app, "SELECT id FROM partnership WHERE slug = ?", "northbrook").await;
        let me = one(&app, "SELECT id FROM person WHERE email = ?", "practitioner@northbrook.example").await;
        let secret = learnloop_store::governance::feeds::create(
            &app.db,
            &learnloop_store::audit::Who::system("training test"),
            &pid,
            &me,
            None,
        )
        .await
        .unwrap();
        let feed = format!("/feeds/{secret}.ics");
        let ics = Client::new(&app.base).get(&feed).await;
        assert_eq!(ics.status, 200);
        assert!(ics.contains("Training: Working with parents who do not engage"), "{}", ics.body);
        assert!(p.contains("already booked on this session"));
        // The police lead books their officer, not someone of another agency.
        let staff = |person: &str| {
            vec![
                ("for".to_owned(), "staff".to_owned()),
                ("person".to_owned(), person.to_owned()),
                ("staff_manager".to_owned(), "sergeant.khan@northbrook-police.example".to_owned()),
            ]
        };
        let someone = one(&app, "SELECT id FROM person WHERE email = ?", "practitioner@northbrook.example").await;
        let p = lead.post(&book, &refs(&staff(&someone))).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Choose a member of your agency"));
        assert_eq!(practitioner.post(&book, &refs(&staff(&officer))).await.status, 403);
        let p = lead.post(&book, &refs(&staff(&officer))).await;
        assert_eq!(p.status, 303, "{}", p.body);
        // Full: the auditor, then the lead, join the waiting list in that order.
        let p = auditor
            .post(&book, &[("manager", "head.of.quality@northbrook.example")])
            .await;
        assert_eq!(p.status, 303);
        let page = auditor.get(&url).await;
        assert!(page.contains("On the waiting list"), "{}", page.body);
        assert!(!page.contains("PC Dana Jones"), "the auditor sees their own booking only");
        let p = lead.post(&book, &[("manager", "superintendent@northbrook-police.example")]).await;
        assert_eq!(p.status, 303);
        let page = bt.get(&url).await;
        assert!(page.contains("full, 2 on the waiting list"), "{}", page.body);
        let page = lead.get(&url).await;
        assert!(page.contains("PC Dana Jones"), "the lead sees their agency's bookings");
        let name = one(&app, "SELECT name FROM person WHERE email = ?", "practitioner@northbrook.example").await;
        assert!(!page.contains(&name), "but not the hospital's");

        // The practitioner cancels: the first on the list, the auditor, is offered the place.
        let (mine, _) = booking_of(&app, &sid, "practitioner@northbrook.example").await;
        assert_eq!(auditor.post(&format!("/training/bookings/{mine}/cancel"), &[]).await.status, 403);
        let p = practitioner.post(&format!("/training/bookings/{mine}/cancel"), &[]).await;
        assert_eq!(p.status, 303);
        assert_eq!(booking_of(&app, &sid, "auditor@northbrook.example").await.1, "offered");
        assert!(
            !Client::new(&app.base).get(&feed).await.contains("Training:"),
            "a cancelled booking leaves the calendar"
        );
        assert_eq!(booking_of(&app, &sid, "agency.lead@northbrook.example").await.1, "waiting");
        let mail = last_mail_to(&app.db, "auditor@northbrook.example").await.unwrap();
        assert!(mail.contains("Working with parents who do not engage"));
        let link = link_in(&mail, &format!("{}/training/offers/", app.base)).unwrap();
        let path = link.trim_start_matches(&app.base).to_owned();
        // The link needs no sign-in: it is the key, once.
        let anyone = Client::new(&app.base);
        let page = anyone.get(&path).await;
        assert_eq!(page.status, 200);
        assert!(page.contains("A place is free for you"));
        let p = anyone.post(&path, &[("answer", "take")]).await;
        assert_eq!(p.status, 200);
        assert!(p.contains("The place is yours"));
        let p = anyone.post(&path, &[("answer", "take")]).await;
        assert_eq!(p.status, 404, "a link used twice");
        assert!(p.contains("has been used already"));
        assert_eq!(booking_of(&app, &sid, "auditor@northbrook.example").await.1, "confirmed");

        // The officer's place is freed by their lead; the lead's own offer runs out unanswered.
        let (theirs, _) = booking_of(&app, &sid, "pc.jones@northbrook.example").await;
        let p = lead.post(&format!("/training/bookings/{theirs}/cancel"), &[]).await;
        assert_eq!(p.status, 303);
        assert_eq!(booking_of(&app, &sid, "agency.lead@northbrook.example").await.1, "offered");
        let mail = last_mail_to(&app.db, "agency.lead@northbrook.example").await.unwrap();
        let link = link_in(&mail, &format!("{}/training/offers/", app.base)).unwrap();
        let path = link.trim_start_matches(&app.base).to_owned();
        app.db
            .execute(
                query("UPDATE booking SET offered_until = ? WHERE session_id = ? AND state = 'offered'")
                    .bind(learnloop_store::ts(Utc::now() - Duration::minutes(1)))
                    .bind(&sid),
            )
            .await
            .unwrap();
        let p = anyone.post(&path, &[("answer", "take")]).await;
        assert_eq!(p.status, 410, "an offer that ran out");
        assert!(p.contains("has run out"), "{}", p.body);
        assert_eq!(booking_of(&app, &sid, "agency.lead@northbrook.example").await.1, "lapsed");
        assert_eq!(anyone.post(&path, &[("answer", "take")]).await.status, 404);

        // Once the session has started: no more bookings; its trainer marks attendance.
        app.db
            .execute(
                query("UPDATE course_session SET starts_at = ? WHERE id = ?")
                    .bind(
                        (Utc::now() - Duration::days(1))
                            .naive_utc()
                            .format("%Y-%m-%dT09:30")
                            .to_string(),
                    )
                    .bind(&sid),
            )
            .await
            .unwrap();
        let p = practitioner
            .post(&book, &[("manager", "ward.manager@northbrook-hospital.example")])
            .await;
        assert_eq!(p.status, 422);
        assert!(p.contains("has started"));
        let (aud, _) = booking_of(&app, &sid, "auditor@northbrook.example").await;
        let p = auditor
            .post(&format!("/training/bookings/{aud}/cancel"), &[])
            .await;
        assert_eq!(p.status, 409, "no cancelling once it has started");
        assert!(p.contains("has started"));
        let att = format!("{url}/attendance");
        let field = format!("mark-{aud}");
        assert_eq!(lead.post(&att, &[(field.as_str(), "attended")]).await.status, 403);
        let wrong = format!("mark-{mine}");
        let p = trainer.post(&att, &[(wrong.as_str(), "attended")]).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Only people who had a place are marked"), "{}", p.body);
        let p = trainer.post(&att, &[(field.as_str(), "attended")]).await;
        assert_eq!(p.status, 303, "{}", p.body);
        assert_eq!(booking_of(&app, &sid, "auditor@northbrook.example").await.1, "attended");

        // Marked as attending, the auditor is asked to evaluate the session, once.
        let mail = last_mail_to(&app.db, "auditor@northbrook.example").await.unwrap();
        assert!(mail.contains("/training/evaluations/"), "{mail}");
        let eval = format!("/training/evaluations/{aud}");
        let page = auditor.get(&eval).await;
        assert_eq!(page.status, 200);
        assert!(page.contains("How useful was the session for your work?"));
        assert!(page.contains("Your confidence before the session: Recognise disguised compliance"));
        let p = auditor.post(&eval, &[("rating-1", "4")]).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Rate “Your confidence before the session: Recognise disguised compliance” from 1 to 5"));
        let ratings = [
            ("rating-1", "4"),
            ("rating-2", "2"),
            ("rating-3", "4"),
            ("rating-4", "1"),
            ("rating-5", "3"),
            ("text", "More time on joint visits, please."),
        ];
        let p = auditor.post(&eval, &ratings).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let p = auditor.post(&eval, &ratings).await;
        assert_eq!(p.status, 409, "sent once");
        assert!(p.contains("sent this evaluation already"));
        assert_eq!(practitioner.get(&eval).await.status, 403, "only their own");
        let not_attended = practitioner.get(&format!("/training/evaluations/{mine}")).await;
        assert!(not_attended.contains("Only a session you attended can be evaluated"));
        assert_eq!(
            practitioner
                .post(&format!("/training/evaluations/{mine}"), &ratings)
                .await
                .status,
            409
        );
        let page = bt.get(&course_url).await;
        assert!(page.contains("1 of 1 evaluations sent in (100%)"), "{}", page.body);
        assert!(page.contains("Usefulness 4.0"));

        // The certificate, for the person, their lead and who runs it; nobody else.
        let cert = format!("/training/bookings/{aud}/certificate");
        let page = auditor.get(&cert).await;
        assert_eq!(page.status, 200);
        assert!(page.contains("Certificate of attendance"));
        assert!(page.contains("Recognise disguised compliance"));
        assert_eq!(bt.get(&cert).await.status, 200);
        assert_eq!(practitioner.get(&cert).await.status, 403);
        assert_eq!(
            practitioner.get(&format!("/training/bookings/{mine}/certificate")).await.status,
            404,
            "no certificate without attendance"
        );
        // The programme lists the person's bookings and, for the business team, late
        // cancellations and no-shows by agency.
        let page = auditor.get("/training").await;
        assert!(page.contains("Your bookings"));
        assert!(page.contains("Attended"));
    })
    .await;
}

#[tokio::test]
async fn a_course_planned_from_a_recommendation_shows_what_asked_for_it_to_who_may_read_it() {
    each_app(|app| async move {
        use learnloop_domain::recommendations::{Addressee, SourceKind};
        let bt = as_role(&app, Role::BusinessTeam).await;
        let pid = one(
            &app,
            "SELECT id FROM partnership WHERE slug = ?",
            "northbrook",
        )
        .await;
        let (meeting,): (String,) = app
            .db
            .fetch_one(query("SELECT id FROM meeting WHERE partnership_id = ? LIMIT 1").bind(&pid))
            .await
            .unwrap();
        let who = learnloop_store::audit::Who::system("training test");
        learnloop_store::recommendations::add(
            &app.db,
            &who,
            &pid,
            (SourceKind::Meeting, &meeting),
            "Train front-line staff to include fathers in assessments",
            &Addressee::Partnership,
            &[],
        )
        .await
        .unwrap();
        let rec = one(
            &app,
            "SELECT id FROM recommendation WHERE partnership_id = ?",
            &pid,
        )
        .await;
        let theme = one(
            &app,
            "SELECT id FROM theme WHERE partnership_id = ? ORDER BY name LIMIT 1",
            &pid,
        )
        .await;

        // The form, opened from the recommendation, carries it.
        let form = bt
            .get(&format!("/training/courses/new?recommendation={rec}"))
            .await;
        assert_eq!(form.status, 200);
        assert!(form.contains("This course answers"));
        assert!(
            form.contains("Recommendation 1 of Meeting of"),
            "{}",
            form.body
        );
        let p = bt
            .post(
                "/training/courses/new",
                &[
                    ("answers", &format!("recommendation:{rec}")),
                    ("title", "Including fathers and male carers"),
                    ("kind", "briefing"),
                    ("level", "2"),
                    ("outcomes", "Include fathers in every assessment"),
                    ("audience", "Front-line staff"),
                    ("theme", &theme),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let course = p.location.unwrap();
        // Everyone reads the course, and what asked for it by its source's title only.
        let page = as_role(&app, Role::Practitioner).await.get(&course).await;
        assert_eq!(page.status, 200);
        assert!(page.contains("Asked for by"));
        assert!(page.contains("Recommendation 1 of Meeting of"));
        assert!(!page.contains("Train front-line staff to include fathers"));
        // A recommendation of another partnership, or made up, is refused and nothing written.
        let p = bt
            .post(
                "/training/courses/new",
                &[
                    (
                        "answers",
                        "recommendation:0190a000-0000-7000-8000-000000000000",
                    ),
                    ("title", "Made up"),
                    ("kind", "briefing"),
                    ("level", "2"),
                    ("outcomes", "Nothing"),
                    ("audience", "Nobody"),
                ],
            )
            .await;
        assert_eq!(p.status, 422);
        let (n,): (i64,) = app
            .db
            .fetch_one(query("SELECT COUNT(*) FROM course WHERE title = 'Made up'"))
            .await
            .unwrap();
        assert_eq!(n, 0);
    })
    .await;
}

#[tokio::test]
async fn three_months_on_participants_and_their_line_managers_are_asked_and_a_manager_answers_once_by_link()
 {
    each_app(|app| async move {
        use learnloop_domain::training::{CourseKind, Level};
        use learnloop_store::training::{self, CourseInput, Mailer, SessionInput};
        let who = learnloop_store::audit::Who::system("training test");
        let pid = one(&app, "SELECT id FROM partnership WHERE slug = ?", "northbrook").await;
        let course = training::add_course(
            &app.db,
            &who,
            &pid,
            &CourseInput {
                title: "Recognising and responding to neglect".to_owned(),
                kind: CourseKind::Course,
                level: Level::Two,
                outcomes: vec!["Use the neglect tool with a family".to_owned()],
                audience: "Front-line staff".to_owned(),
                description: String::new(),
                answers: Vec::new(),
                themes: Vec::new(),
            },
        )
        .await
        .unwrap();
        let today = Utc::now().date_naive();
        let held = today.checked_sub_months(chrono::Months::new(3)).unwrap() - Duration::days(2);
        let session = training::add_session(
            &app.db,
            &who,
            &pid,
            &course,
            &SessionInput {
                starts_at: learnloop_store::WallTime(held.and_hms_opt(9, 30, 0).unwrap()),
                length_minutes: 180,
                venue: "Civic Centre".to_owned(),
                online_link: String::new(),
                trainer_id: None,
                trainer_name: "Dr Amara Okafor".to_owned(),
                capacity: 20,
            },
        )
        .await
        .unwrap();
        let hospital = one(&app, "SELECT id FROM agency WHERE name = ?", "Northbrook General Hospital NHS Foundation Trust").await;
        for (email, manager) in [
            ("practitioner@northbrook.example", "ward.manager@northbrook-hospital.example"),
            ("auditor@northbrook.example", "head.of.quality@northbrook.example"),
        ] {
            let person = one(&app, "SELECT id FROM person WHERE email = ?", email).await;
            app.db
                .execute(
                    query(
                        "INSERT INTO booking (id, partnership_id, session_id, person_id, agency_id, manager_email, state, \
                         booked_by, booked_at, changed_at) VALUES (?, ?, ?, ?, ?, ?, 'attended', 'test', ?, ?)",
                    )
                    .bind(learnloop_store::new_id())
                    .bind(&pid)
                    .bind(&session)
                    .bind(&person)
                    .bind(&hospital)
                    .bind(manager)
                    .bind(learnloop_store::ts(Utc::now()))
                    .bind(learnloop_store::ts(Utc::now())),
                )
                .await
                .unwrap();
        }
        let key = learnloop_web::testing::test_key();
        let mailer = Mailer { key: &key, public_url: &app.base };

        // The clock has come: each participant and each line manager is asked, once.
        assert_eq!(training::queue_follow_ups(&app.db, &mailer, today).await.unwrap(), 1);
        assert_eq!(training::queue_follow_ups(&app.db, &mailer, today).await.unwrap(), 0);
        let (n,): (i64,) = app
            .db
            .fetch_one(query("SELECT COUNT(*) FROM return_request WHERE source_kind = 'training'"))
            .await
            .unwrap();
        assert_eq!(n, 4);

        // The participant answers on the return page the mail links to, from their home page.
        let practitioner = as_role(&app, Role::Practitioner).await;
        let mail = last_mail_to(&app.db, "practitioner@northbrook.example").await.unwrap();
        let link = link_in(&mail, &format!("{}/returns/", app.base)).unwrap();
        let ret = link.trim_start_matches(&app.base).to_owned();
        assert!(practitioner.get("/home").await.contains("Training “Recognising and responding to neglect”"));
        let p = practitioner
            .post(
                &ret,
                &[
                    ("answer-1", "I now use the neglect tool at every second visit."),
                    ("answer-2", "A family whose home conditions I scored, and the plan we made."),
                    ("action", "submit"),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        // Read by the business team; not by the agency's lead, nor another participant.
        assert_eq!(as_role(&app, Role::BusinessTeam).await.get(&ret).await.status, 200);
        assert_eq!(as_role(&app, Role::AgencyLead).await.get(&ret).await.status, 403);
        assert_eq!(as_role(&app, Role::Auditor).await.get(&ret).await.status, 403);
        // The managers' returns are nobody's work in Learnloop: not on the agency lead's home.
        assert!(!as_role(&app, Role::AgencyLead).await.get("/home").await.contains("Training “"));

        // The line manager, without an account, answers through the link in their mail, once.
        let mail = last_mail_to(&app.db, "ward.manager@northbrook-hospital.example").await.unwrap();
        let link = link_in(&mail, &format!("{}/respond/", app.base)).unwrap();
        let path = link.trim_start_matches(&app.base).to_owned();
        let anyone = Client::new(&app.base);
        let page = anyone.get(&path).await;
        assert_eq!(page.status, 200);
        let name = one(&app, "SELECT name FROM person WHERE email = ?", "practitioner@northbrook.example").await;
        assert!(page.contains(&name), "{}", page.body);
        assert!(page.contains("How has their practice changed since the session?"));
        let p = anyone.post(&path, &[("answer-1", ""), ("answer-2", "")]).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Enter the answer to"));
        let p = anyone
            .post(
                &path,
                &[
                    ("answer-1", "She now brings neglect concerns to supervision with the tool filled in."),
                    ("answer-2", "Last month's strategy discussion started from her scoring."),
                ],
            )
            .await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(p.contains("Thank you"));
        let p = anyone.post(&path, &[("answer-1", "again"), ("answer-2", "again")]).await;
        assert_eq!(p.status, 404, "a link used twice");
        assert!(p.contains("used already"));

        // The auditor also sent in an end-of-session evaluation with a comment (a return of the
        // same session, not an answer three months on).
        let booking = one(
            &app,
            "SELECT b.id FROM booking b JOIN person p ON p.id = b.person_id WHERE p.email = ?",
            "auditor@northbrook.example",
        )
        .await;
        app.db
            .execute(
                query(
                    "INSERT INTO return_request (id, partnership_id, source_kind, source_id, subject_id, agency_id, \
                     assignee_id, question_set_id, due_on, state, answers, grade, strengths, improvements, \
                     moderated_grade, sent_back_note, requested_at, updated_at) \
                     SELECT ?, partnership_id, source_kind, source_id, ?, agency_id, assignee_id, question_set_id, \
                     due_on, 'submitted', ?, '', '', '', NULL, '', requested_at, updated_at FROM return_request \
                     WHERE source_kind = 'training' AND respondent_email = '' AND state = 'submitted'",
                )
                .bind(learnloop_store::new_id())
                .bind(format!("evaluation:{booking}"))
                .bind(r#"["","","Evaluated on the day."]"#),
            )
            .await
            .unwrap();

        // The course shows the response rates to everyone, the answers to who runs it: the
        // participant's and the manager's, not the evaluation.
        let page = as_role(&app, Role::BusinessTeam).await.get(&format!("/training/courses/{course}")).await;
        assert!(page.contains("1 of 2 answered (50%)"), "{}", page.body);
        assert!(page.contains("supervision with the tool filled in"));
        assert!(page.contains("neglect tool at every second visit"));
        assert_eq!(page.body.matches(", session of ").count(), 2, "{}", page.body);
        assert!(!page.contains("Evaluated on the day."));
        let page = practitioner.get(&format!("/training/courses/{course}")).await;
        assert!(page.contains("1 of 2 answered"));
        assert!(!page.contains("supervision with the tool filled in"));
        // The year's report: provided, attended, evaluated and followed up, by course and
        // agency, with its export; not for practitioners.
        let report = format!("/training/report?year={}", held.year());
        let page = as_role(&app, Role::IndependentChair).await.get(&report).await;
        assert_eq!(page.status, 200);
        assert!(page.contains("Recognising and responding to neglect"));
        assert!(page.contains("1 of 2 (50%)"), "{}", page.body);
        assert!(page.contains("Northbrook General Hospital NHS Foundation Trust"));
        let csv = as_role(&app, Role::BusinessTeam)
            .await
            .get(&format!("/training/report.csv?year={}", held.year()))
            .await;
        assert_eq!(csv.status, 200);
        assert!(csv.contains("Course,Recognising and responding to neglect,Level 2"), "{}", csv.body);
        assert_eq!(practitioner.get(&report).await.status, 403);
        // Nor through the audit trail, to the independent chair who may not read the return.
        let trail = as_role(&app, Role::IndependentChair).await.get("/audit").await;
        assert_eq!(trail.status, 200);
        assert!(!trail.contains("supervision with the tool filled in"));
        assert!(!trail.contains("neglect tool at every second visit"));

        // A week on, the manager who has not answered is reminded once; a run-out link says so.
        app.db
            .execute(
                query("UPDATE return_request SET requested_at = ? WHERE respondent_email = ?")
                    .bind(learnloop_store::ts(Utc::now() - Duration::days(8)))
                    .bind("head.of.quality@northbrook.example"),
            )
            .await
            .unwrap();
        training::queue_follow_ups(&app.db, &mailer, today).await.unwrap();
        training::queue_follow_ups(&app.db, &mailer, today).await.unwrap();
        let (reminders,): (i64,) = app
            .db
            .fetch_one(
                query("SELECT COUNT(*) FROM outbox WHERE to_addr = ? AND subject LIKE 'Reminder:%'")
                    .bind("head.of.quality@northbrook.example"),
            )
            .await
            .unwrap();
        assert_eq!(reminders, 1);
        let mail = last_mail_to(&app.db, "head.of.quality@northbrook.example").await.unwrap();
        let link = link_in(&mail, &format!("{}/respond/", app.base)).unwrap();
        let path = link.trim_start_matches(&app.base).to_owned();
        assert_eq!(anyone.get(&path).await.status, 200, "the reminder carries the same link");
        app.db
            .execute(
                query("UPDATE return_request SET link_expires_at = ? WHERE respondent_email = ?")
                    .bind(learnloop_store::ts(Utc::now() - Duration::minutes(1)))
                    .bind("head.of.quality@northbrook.example"),
            )
            .await
            .unwrap();
        let p = anyone.get(&path).await;
        assert_eq!(p.status, 410);
        assert!(p.contains("run out"));
    })
    .await;
}

#[tokio::test]
async fn a_place_freed_by_an_offer_nobody_took_goes_to_the_next_to_book() {
    each_app(|app| async move {
        use learnloop_domain::training::{CourseKind, Level};
        use learnloop_store::training::{self, CourseInput, SessionInput};
        let who = learnloop_store::audit::Who::system("training test");
        let pid = one(&app, "SELECT id FROM partnership WHERE slug = ?", "northbrook").await;
        let course = training::add_course(
            &app.db,
            &who,
            &pid,
            &CourseInput {
                title: "Safeguarding babies".to_owned(),
                kind: CourseKind::Briefing,
                level: Level::Two,
                outcomes: vec!["Follow the bruising protocol".to_owned()],
                audience: "Health staff".to_owned(),
                description: String::new(),
                answers: Vec::new(),
                themes: Vec::new(),
            },
        )
        .await
        .unwrap();
        let sid = training::add_session(
            &app.db,
            &who,
            &pid,
            &course,
            &SessionInput {
                starts_at: learnloop_store::WallTime(
                    (Utc::now() + Duration::days(20)).naive_utc(),
                ),
                length_minutes: 60,
                venue: "Town hall".to_owned(),
                online_link: String::new(),
                trainer_id: None,
                trainer_name: "Helen Prentice".to_owned(),
                capacity: 1,
            },
        )
        .await
        .unwrap();
        let book = format!("/training/sessions/{sid}/book");
        let manager = [("manager", "manager@northbrook.example")];
        let practitioner = as_role(&app, Role::Practitioner).await;
        let auditor = as_role(&app, Role::Auditor).await;
        let lead = as_role(&app, Role::AgencyLead).await;
        assert_eq!(practitioner.post(&book, &manager).await.status, 303);
        assert_eq!(auditor.post(&book, &manager).await.status, 303);
        let (mine, _) = booking_of(&app, &sid, "practitioner@northbrook.example").await;
        practitioner
            .post(&format!("/training/bookings/{mine}/cancel"), &[])
            .await;
        assert_eq!(booking_of(&app, &sid, "auditor@northbrook.example").await.1, "offered");
        app.db
            .execute(
                query("UPDATE booking SET offered_until = ? WHERE session_id = ? AND state = 'offered'")
                    .bind(learnloop_store::ts(Utc::now() - Duration::minutes(1)))
                    .bind(&sid),
            )
            .await
            .unwrap();
        // The offer ran out with nobody behind it: the lead booking now gets the free place.
        let p = lead.post(&book, &manager).await;
        assert_eq!(p.status, 303);
        assert_eq!(booking_of(&app, &sid, "auditor@northbrook.example").await.1, "lapsed");
        assert_eq!(booking_of(&app, &sid, "agency.lead@northbrook.example").await.1, "confirmed");
    })
    .await;
}

#[tokio::test]
async fn where_the_partnership_asks_a_place_waits_for_the_line_managers_approval_by_link() {
    each_app(|app| async move {
        use learnloop_domain::training::{CourseKind, Level};
        use learnloop_store::training::{self, CourseInput, SessionInput};
        let who = learnloop_store::audit::Who::system("training test");
        let pid = one(
            &app,
            "SELECT id FROM partnership WHERE slug = ?",
            "northbrook",
        )
        .await;
        let bt = as_role(&app, Role::BusinessTeam).await;
        let settings = |approval: &'static str, sample: &'static str| {
            vec![
                ("name", "Northbrook Safeguarding Children Partnership"),
                ("area", "Borough of Northbrook"),
                ("contact_email", "team@northbrook.example"),
                ("rapid_review_from", "notified"),
                ("remind_before", "14, 3"),
                ("escalate_lead_after", "14"),
                ("escalate_chair_after", "28"),
                ("stale_after_weeks", "6"),
                ("impact_months", "6"),
                ("training_approval", approval),
                ("follow_up_sample", sample),
            ]
        };
        let p = bt.post("/settings", &settings("yes", "half")).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Enter the percentage as a whole number from 0 to 100"));
        assert_eq!(
            bt.post("/settings", &settings("yes", "50%")).await.status,
            303
        );
        let page = bt.get("/settings").await;
        assert!(page.contains("value=\"50\""), "the share is kept");
        let course = training::add_course(
            &app.db,
            &who,
            &pid,
            &CourseInput {
                title: "Neglect and the Graded Care Profile".to_owned(),
                kind: CourseKind::Course,
                level: Level::Two,
                outcomes: vec!["Use the Graded Care Profile with a family".to_owned()],
                audience: "Front-line staff".to_owned(),
                description: String::new(),
                answers: Vec::new(),
                themes: Vec::new(),
            },
        )
        .await
        .unwrap();
        let sid = training::add_session(
            &app.db,
            &who,
            &pid,
            &course,
            &SessionInput {
                starts_at: learnloop_store::WallTime((Utc::now() + Duration::days(20)).naive_utc()),
                length_minutes: 120,
                venue: "Town hall".to_owned(),
                online_link: String::new(),
                trainer_id: None,
                trainer_name: "Helen Prentice".to_owned(),
                capacity: 1,
            },
        )
        .await
        .unwrap();
        let url = format!("/training/sessions/{sid}");
        let book = format!("{url}/book");
        let practitioner = as_role(&app, Role::Practitioner).await;
        let auditor = as_role(&app, Role::Auditor).await;

        // Not their own address: the manager approves.
        let p = practitioner
            .post(&book, &[("manager", "PRACTITIONER@northbrook.example")])
            .await;
        assert_eq!(p.status, 422);
        assert!(
            p.contains("not the address of the person booked"),
            "{}",
            p.body
        );
        // The place is held, not confirmed, and the manager named is mailed a link.
        let p = practitioner
            .post(
                &book,
                &[("manager", "ward.manager@northbrook-hospital.example")],
            )
            .await;
        assert_eq!(p.status, 303);
        assert_eq!(
            booking_of(&app, &sid, "practitioner@northbrook.example")
                .await
                .1,
            "approval"
        );
        let page = practitioner.get(&url).await;
        assert!(
            page.contains("Waiting for the manager&#39;s approval"),
            "{}",
            page.body
        );
        // It holds the only place: the next to book waits.
        assert_eq!(
            auditor
                .post(&book, &[("manager", "head.of.quality@northbrook.example")])
                .await
                .status,
            303
        );
        assert_eq!(
            booking_of(&app, &sid, "auditor@northbrook.example").await.1,
            "waiting"
        );
        let mail = last_mail_to(&app.db, "ward.manager@northbrook-hospital.example")
            .await
            .unwrap();
        assert!(
            mail.contains("Neglect and the Graded Care Profile"),
            "{mail}"
        );
        let link = link_in(&mail, &format!("{}/training/approvals/", app.base)).unwrap();
        let path = link.trim_start_matches(&app.base).to_owned();
        // The manager, without an account, turns it down: the place goes to the auditor.
        let anyone = Client::new(&app.base);
        let page = anyone.get(&path).await;
        assert_eq!(page.status, 200);
        assert!(page.contains("Approve the place"));
        assert_eq!(
            anyone
                .get(&format!(
                    "/training/offers/{}",
                    path.rsplit('/').next().unwrap()
                ))
                .await
                .status,
            404,
            "an approval link is not an offer"
        );
        let p = anyone.post(&path, &[("answer", "decline")]).await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(p.contains("has been released for someone else"));
        assert_eq!(
            anyone.post(&path, &[("answer", "approve")]).await.status,
            404,
            "once"
        );
        assert_eq!(
            booking_of(&app, &sid, "practitioner@northbrook.example")
                .await
                .1,
            "not-approved"
        );
        let told = last_mail_to(&app.db, "practitioner@northbrook.example")
            .await
            .unwrap();
        assert!(told.contains("has not approved your place"), "{told}");
        assert_eq!(
            booking_of(&app, &sid, "auditor@northbrook.example").await.1,
            "offered"
        );
        // The auditor takes the offered place: it too waits for their manager, who approves.
        let mail = last_mail_to(&app.db, "auditor@northbrook.example")
            .await
            .unwrap();
        let offer = link_in(&mail, &format!("{}/training/offers/", app.base)).unwrap();
        let p = anyone
            .post(offer.trim_start_matches(&app.base), &[("answer", "take")])
            .await;
        assert_eq!(p.status, 200);
        assert_eq!(
            booking_of(&app, &sid, "auditor@northbrook.example").await.1,
            "approval"
        );
        let mail = last_mail_to(&app.db, "head.of.quality@northbrook.example")
            .await
            .unwrap();
        let link = link_in(&mail, &format!("{}/training/approvals/", app.base)).unwrap();
        let p = anyone
            .post(link.trim_start_matches(&app.base), &[("answer", "approve")])
            .await;
        assert_eq!(p.status, 200);
        assert!(p.contains("is confirmed"));
        assert_eq!(
            booking_of(&app, &sid, "auditor@northbrook.example").await.1,
            "confirmed"
        );
        let told = last_mail_to(&app.db, "auditor@northbrook.example")
            .await
            .unwrap();
        assert!(told.contains("has approved your place"), "{told}");

        // A link that ran out: the place goes on, and the link says so.
        let lead = as_role(&app, Role::AgencyLead).await;
        let sid2 = training::add_session(
            &app.db,
            &who,
            &pid,
            &course,
            &SessionInput {
                starts_at: learnloop_store::WallTime((Utc::now() + Duration::days(30)).naive_utc()),
                length_minutes: 120,
                venue: "Town hall".to_owned(),
                online_link: String::new(),
                trainer_id: None,
                trainer_name: "Helen Prentice".to_owned(),
                capacity: 5,
            },
        )
        .await
        .unwrap();
        let p = lead
            .post(
                &format!("/training/sessions/{sid2}/book"),
                &[("manager", "superintendent@northbrook-police.example")],
            )
            .await;
        assert_eq!(p.status, 303);
        let mail = last_mail_to(&app.db, "superintendent@northbrook-police.example")
            .await
            .unwrap();
        let link = link_in(&mail, &format!("{}/training/approvals/", app.base)).unwrap();
        app.db
            .execute(
                query("UPDATE booking SET offered_until = ? WHERE session_id = ?")
                    .bind(learnloop_store::ts(Utc::now() - Duration::minutes(1)))
                    .bind(&sid2),
            )
            .await
            .unwrap();
        let p = anyone
            .post(link.trim_start_matches(&app.base), &[("answer", "approve")])
            .await;
        assert_eq!(p.status, 410);
        assert!(p.contains("has run out"));
        assert_eq!(
            booking_of(&app, &sid2, "agency.lead@northbrook.example")
                .await
                .1,
            "not-approved"
        );
        let told = last_mail_to(&app.db, "agency.lead@northbrook.example")
            .await
            .unwrap();
        assert!(
            told.contains("did not approve your place in time"),
            "{told}"
        );
    })
    .await;
}

#[tokio::test]
async fn needs_feed_the_programme_agencies_report_their_own_training_and_an_impact_review_cites_a_course()
 {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let chair = as_role(&app, Role::IndependentChair).await;
        let trainer = as_role(&app, Role::Trainer).await;
        let lead = as_role(&app, Role::AgencyLead).await;
        let practitioner = as_role(&app, Role::Practitioner).await;
        let year = Utc::now().year().to_string();

        // A need from single-agency assurance: the record must be chosen, and be this
        // partnership's.
        let pid = one(
            &app,
            "SELECT id FROM partnership WHERE slug = ?",
            "northbrook",
        )
        .await;
        let assurance = learnloop_store::assurance::start(
            &app.db,
            &learnloop_store::audit::Who::system("training test"),
            &pid,
            (learnloop_domain::assurance::RoundKind::Assurance, 2025),
            learnloop_store::Day(Utc::now().date_naive()),
        )
        .await
        .unwrap();
        let mut need = owned(&[
            ("year", year.as_str()),
            ("need", "Recognising neglect in adolescents"),
            (
                "detail",
                "Agencies' own audits found neglect of older children was seen as their choice.",
            ),
            ("priority", "high"),
            ("origin", "assurance"),
            ("source", ""),
            ("agency", ""),
            ("note", ""),
        ]);
        assert_eq!(
            practitioner
                .post("/training/needs", &refs(&need))
                .await
                .status,
            403
        );
        assert_eq!(
            chair.post("/training/needs", &refs(&need)).await.status,
            403,
            "the chair reads"
        );
        let p = bt.post("/training/needs", &refs(&need)).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Choose the record the need came from"));
        need[5].1 = "assurance:00000000000000000000000000".to_owned();
        let p = bt.post("/training/needs", &refs(&need)).await;
        assert_eq!(p.status, 422, "{}", p.body);
        assert!(p.contains("not one of this partnership"));
        need[5].1 = format!("assurance:{assurance}");
        let p = bt.post("/training/needs", &refs(&need)).await;
        assert_eq!(p.status, 303, "{}", p.body);
        // An agency's request, by the trainer; an inspection needs words.
        let police = one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook Constabulary",
        )
        .await;
        let request = owned(&[
            ("year", year.as_str()),
            ("need", "Voice of the child in police reports"),
            ("priority", "medium"),
            ("origin", "agency-request"),
            ("agency", police.as_str()),
        ]);
        assert_eq!(
            trainer
                .post("/training/needs", &refs(&request))
                .await
                .status,
            303
        );
        let p = bt
            .post(
                "/training/needs",
                &[
                    ("year", year.as_str()),
                    ("need", "Contextual safeguarding"),
                    ("priority", "low"),
                    ("origin", "inspection"),
                ],
            )
            .await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Say where the need came from"));
        let page = chair.get(&format!("/training/needs?year={year}")).await;
        assert_eq!(page.status, 200);
        assert!(
            page.contains("2 needs, 1 of high priority; 0 met by a course"),
            "{}",
            page.body
        );
        assert!(page.contains("Single-agency assurance 2025"));
        assert!(page.contains("Asked for by Northbrook Constabulary"));
        assert!(!page.contains("Plan a course"), "the chair reads only");
        assert_eq!(practitioner.get("/training/needs").await.status, 403);
        // A need an audit found names the audit; only who may open the audit's page (who runs
        // it, the independent chair) has a link to it, not the trainer.
        let title = "Neglect and home conditions";
        let audit = common::plan_audit(&app, &bt).await.audit;
        // (Next year's, so that this year's counts below stay as they are.)
        let next = (year.parse::<i32>().unwrap() + 1).to_string();
        let from_audit = owned(&[
            ("year", next.as_str()),
            ("need", "Chronologies that agencies share"),
            ("priority", "medium"),
            ("origin", "audit"),
            ("source", format!("audit:{audit}").as_str()),
        ]);
        let p = bt.post("/training/needs", &refs(&from_audit)).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let link = format!("href=\"/audits/{audit}\"");
        let needs = format!("/training/needs?year={next}");
        assert!(bt.get(&needs).await.contains(&link));
        assert_eq!(trainer.get(&format!("/audits/{audit}")).await.status, 403);
        let page = trainer.get(&needs).await;
        assert!(
            page.contains(title) && !page.contains(&link),
            "{}",
            page.body
        );

        // A course planned from the high-priority need meets it, and says so.
        let need_id = one(
            &app,
            "SELECT id FROM training_need WHERE need = ?",
            "Recognising neglect in adolescents",
        )
        .await;
        let form = bt
            .get(&format!("/training/courses/new?need={need_id}"))
            .await;
        assert!(
            form.contains("Recognising neglect in adolescents"),
            "{}",
            form.body
        );
        let course = owned(&[
            ("title", "Adolescent neglect"),
            ("kind", "course"),
            ("level", "2"),
            ("outcomes", "Recognise neglect of older children"),
            ("audience", "Everyone"),
            ("description", ""),
            ("answers", &format!("need:{need_id}")),
        ]);
        let p = bt.post("/training/courses/new", &refs(&course)).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let course_url = p.location.unwrap();
        let course_id = course_url
            .trim_start_matches("/training/courses/")
            .to_owned();
        let page = bt.get(&format!("/training/needs?year={year}")).await;
        assert!(page.contains("1 met by a course"));
        assert!(page.contains("Adolescent neglect"));
        let page = practitioner.get(&course_url).await;
        assert!(
            page.contains("Recognising neglect in adolescents"),
            "the course shows the need it meets"
        );

        // The single-agency training register: every agency asked; the police lead answers.
        assert_eq!(lead.get("/training/register").await.status, 403);
        let due = Utc::now().date_naive() + Duration::days(30);
        let (d, m, y) = (
            due.day().to_string(),
            due.month().to_string(),
            due.year().to_string(),
        );
        let start = [
            ("year", year.as_str()),
            ("due-day", d.as_str()),
            ("due-month", m.as_str()),
            ("due-year", y.as_str()),
        ];
        let p = bt.post("/training/register", &start).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let round = p.location.unwrap();
        let p = bt.post("/training/register", &start).await;
        assert_eq!(p.status, 422);
        assert!(p.contains(&format!(
            "already been asked for their {year} training register"
        )));
        let ret = one(
            &app,
            "SELECT r.id FROM return_request r JOIN assurance_round a ON a.id = r.source_id \
             WHERE a.kind = 'training-register' AND r.agency_id = ?",
            &police,
        )
        .await;
        let page = lead.get(&format!("/returns/{ret}")).await;
        assert_eq!(page.status, 200);
        assert!(
            page.contains("Level 1 safeguarding training"),
            "{}",
            page.body
        );
        let p = lead
            .post(
                &format!("/returns/{ret}"),
                &[
                    (
                        "answer-1",
                        "Safeguarding induction e-learning: 212 officers and staff",
                    ),
                    (
                        "answer-2",
                        "Child exploitation briefing: 48 response officers",
                    ),
                    ("answer-3", "None this year"),
                    ("answer-4", "1,140 need it; 1,062 are up to date"),
                    ("action", "submit"),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let page = chair.get(&round).await;
        assert_eq!(page.status, 200);
        assert!(page.contains(&format!("Single-agency training register {year}")));
        assert!(page.contains("212 officers and staff"));
        assert!(!page.contains("Record the assurance taken"));
        assert_eq!(
            bt.post(
                &format!("{round}/judge"),
                &[("return", ret.as_str()), ("level", "full"), ("reason", "x")]
            )
            .await
            .status,
            404,
            "a register is not judged"
        );

        // The year's report recommends the need no course meets, and counts the registers in.
        let page = bt.get(&format!("/training/report?year={year}")).await;
        assert!(
            page.contains("found 2 needs; 1 met by a course"),
            "{}",
            page.body
        );
        assert!(page.contains("Voice of the child in police reports (medium priority)"));
        assert!(page.contains("1 of "), "{}", page.body);
        assert!(page.contains("agencies have sent their"));
        let page = trainer.get(&format!("/training/report?year={year}")).await;
        assert!(
            !page.contains(&round),
            "the trainer is not led to the register they cannot open"
        );

        // The police lead sees their staff's bookings; a practitioner has no agency view.
        let sid = learnloop_store::training::add_session(
            &app.db,
            &learnloop_store::audit::Who::system("training test"),
            &pid,
            &course_id,
            &learnloop_store::training::SessionInput {
                starts_at: learnloop_store::WallTime((Utc::now() + Duration::days(12)).naive_utc()),
                length_minutes: 90,
                venue: "Town hall".to_owned(),
                online_link: String::new(),
                trainer_id: None,
                trainer_name: "Helen Prentice".to_owned(),
                capacity: 10,
            },
        )
        .await
        .unwrap();
        let officer = officer(&app).await;
        let p = lead
            .post(
                &format!("/training/sessions/{sid}/book"),
                &[
                    ("for", "staff"),
                    ("person", officer.as_str()),
                    ("staff_manager", "sergeant.khan@northbrook-police.example"),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let page = lead.get("/training/agency").await;
        assert_eq!(page.status, 200);
        assert!(page.contains("PC Dana Jones"), "{}", page.body);
        assert!(!page.contains("Priya Shah"), "not another agency's staff");
        assert_eq!(practitioner.get("/training/agency").await.status, 403);
    })
    .await;
}
