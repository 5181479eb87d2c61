//! Multi-agency audits and their returns through real HTTP on every engine: planning an audit,
//! its sample, the independence of auditors, and a return saved, submitted, sent back,
//! resubmitted and accepted; and who is refused at each step.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, Utc};
use common::{PlannedAudit, TestApp, as_role, date_fields, each_app, one, plan_audit};
use learnloop_domain::accounts::Role;
use learnloop_store::{demo, query};

async fn return_of(app: &TestApp, audit: &str, label: &str, agency: &str) -> String {
    let (id,): (String,) = app
        .db
        .fetch_one(
            query(
                "SELECT r.id FROM return_request r JOIN audit_case c ON c.id = r.subject_id \
                 WHERE r.source_id = ? AND c.label = ? AND r.agency_id = ?",
            )
            .bind(audit)
            .bind(label)
            .bind(agency),
        )
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn planning_an_audit_explains_what_to_fix_and_keeps_what_was_typed() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        assert_eq!(bt.get("/audits").await.status, 200);
        let form = bt.get("/audits/new").await;
        assert_eq!(form.status, 200);
        assert!(
            form.contains("Requires improvement"),
            "the default scale is offered"
        );
        let p = bt
            .post(
                "/audits/new",
                &[
                    ("title", "Domestic abuse and the unborn child"),
                    ("scale", "Met"),
                    ("lines", "Same\nsame"),
                ],
            )
            .await;
        assert_eq!(p.status, 422);
        for m in [
            "Choose the group that runs the audit",
            "A grading scale needs at least two grades",
            "is listed twice",
            "Choose the agencies taking part",
            "Enter the date fieldwork starts",
        ] {
            assert!(p.contains(m), "{m}: {}", p.body);
        }
        assert!(
            p.contains("Domestic abuse and the unborn child"),
            "what was typed is kept"
        );
        let (n,): (i64,) = app
            .db
            .fetch_one(query("SELECT COUNT(*) FROM audit"))
            .await
            .unwrap();
        assert_eq!(n, 0, "nothing is half-written");
    })
    .await;
}

#[tokio::test]
async fn an_audit_runs_from_plan_to_accepted_returns_with_independent_auditors() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let PlannedAudit {
            audit,
            police,
            hospital,
        } = plan_audit(&app, &bt).await;
        let page = bt.get(&format!("/audits/{audit}")).await;
        assert!(page.contains("Neglect and home conditions"));
        assert!(page.contains("Multi-agency working"));

        // Fieldwork needs a sample.
        let p = bt
            .post(&format!("/audits/{audit}/stage"), &[("to", "fieldwork")])
            .await;
        assert_eq!(p.status, 409);
        assert!(p.contains("Add at least one case to the sample"));

        // The sample: pseudonyms, once each, with participating agencies.
        let add = |label: &'static str, agencies: Vec<&str>| {
            let mut f: Vec<(String, String)> = vec![("label".into(), label.into())];
            f.extend(
                agencies
                    .into_iter()
                    .map(|a| ("agency".to_owned(), a.to_owned())),
            );
            let bt = &bt;
            let path = format!("/audits/{audit}/cases");
            async move {
                let refs: Vec<(&str, &str)> =
                    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                bt.post(&path, &refs).await
            }
        };
        assert_eq!(
            add("Child A", vec![police.as_str(), hospital.as_str()])
                .await
                .status,
            303
        );
        let dup = add("child a", vec![police.as_str()]).await;
        assert_eq!(dup.status, 422);
        assert!(
            dup.contains("Child A is already in the sample")
                || dup.contains("child a is already in the sample")
        );
        let none = add("Child C", vec![]).await;
        assert!(none.contains("Choose the agencies involved with this case"));
        let council = one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook Borough Council Children's Services",
        )
        .await;
        let outsider = add("Child C", vec![council.as_str()]).await;
        assert!(outsider.contains("Choose only agencies taking part in this audit"));
        assert_eq!(add("Child B", vec![police.as_str()]).await.status, 303);

        // The auditor was the family's health visitor for Child A.
        let auditor = one(
            &app,
            "SELECT id FROM person WHERE email = ?",
            "auditor@northbrook.example",
        )
        .await;
        let child_a = one(&app, "SELECT id FROM audit_case WHERE label = ?", "Child A").await;
        let p = bt
            .post(
                &format!("/audits/{audit}/involvement"),
                &[
                    ("case", &child_a),
                    ("person", &auditor),
                    ("note", "health visitor to the family in 2025"),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);

        // Fieldwork asks each agency for a return on each of its cases.
        let p = bt
            .post(&format!("/audits/{audit}/stage"), &[("to", "fieldwork")])
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let page = bt.get(&format!("/audits/{audit}")).await;
        assert!(page.contains("0 of 3 returns in (0%)"), "{}", page.body);

        // The police lead sees their agency's two returns, not the hospital's, and no sample.
        let lead = as_role(&app, Role::AgencyLead).await;
        let seen = lead.get(&format!("/audits/{audit}")).await;
        assert_eq!(seen.status, 200);
        assert!(seen.contains("Your returns"));
        assert_eq!(seen.body.matches("href=\"/returns/").count(), 2);
        assert!(!seen.contains("Case sample"));
        assert!(!seen.contains("health visitor to the family"));

        // Choosing the auditor for Child A is refused, with the reason, and the refusal kept.
        let a_police = return_of(&app, &audit, "Child A", &police).await;
        let a_hospital = return_of(&app, &audit, "Child A", &hospital).await;
        let b_police = return_of(&app, &audit, "Child B", &police).await;
        let p = lead
            .post(
                &format!("/returns/{a_police}/assign"),
                &[("person", &auditor)],
            )
            .await;
        assert_eq!(p.status, 409);
        // The lead is told the person had a part in the case, not what they declared.
        assert!(p.contains("Helen Brooks cannot audit Child A: they had a part in the case"));
        assert!(!p.contains("health visitor to the family"));
        let runner = bt.get(&format!("/audits/{audit}")).await;
        assert!(runner.contains("Auditors refused"));
        assert!(runner.contains("Helen Brooks has declared involvement in Child A"));
        assert!(runner.contains("health visitor to the family in 2025"));
        let p = lead
            .post(
                &format!("/returns/{b_police}/assign"),
                &[("person", &auditor)],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);

        // Each writer finds their return on their home page; the lead only the unassigned one.
        let aud_home = as_role(&app, Role::Auditor).await.get("/home").await;
        assert!(aud_home.contains(
            "Return for the audit “Neglect and home conditions”: Northbrook Constabulary, Child B"
        ));
        let lead_home = lead.get("/home").await;
        assert!(lead_home.contains("Northbrook Constabulary, Child A"));
        assert!(!lead_home.contains("Northbrook Constabulary, Child B"));

        // Chasing reminds everyone not yet in, once a day: the police lead for Child A, the
        // auditor for Child B (the hospital has no lead in the demo partnership).
        let p = bt.post(&format!("/audits/{audit}/chase"), &[]).await;
        assert_eq!(p.status, 303);
        let chased: Vec<(String, String)> = app
            .db
            .fetch_all(query(
                "SELECT to_addr, body FROM outbox WHERE kind = 'return-chase' ORDER BY to_addr",
            ))
            .await
            .unwrap();
        let to: Vec<&str> = chased.iter().map(|m| m.0.as_str()).collect();
        assert_eq!(to, ["agency.lead@northbrook.example", "auditor@northbrook.example"]);
        assert!(chased[1].1.contains(&format!("/returns/{b_police}")));
        assert!(!chased[0].1.contains("Child"), "mails name no case of the sample");
        bt.post(&format!("/audits/{audit}/chase"), &[]).await;
        let (n,): (i64,) = app
            .db
            .fetch_one(query("SELECT COUNT(*) FROM outbox WHERE kind = 'return-chase'"))
            .await
            .unwrap();
        assert_eq!(n, 2, "a second chase the same day sends nothing more");

        // The daily digest reminds the writer on the due day.
        let due = Utc::now().date_naive() + Duration::days(28);
        learnloop_store::reminders::queue_digests(&app.db, "https://learnloop.example", due)
            .await
            .unwrap();
        let (body,): (String,) = app
            .db
            .fetch_one(query(
                "SELECT body FROM outbox WHERE kind = 'action-digest' AND to_addr = 'auditor@northbrook.example'",
            ))
            .await
            .unwrap();
        assert!(body.contains(
            "Due today: your agency's return for the audit “Neglect and home conditions”"
        ));

        // The auditor reads and writes only the return given to them.
        let aud = as_role(&app, Role::Auditor).await;
        assert_eq!(aud.get(&format!("/returns/{b_police}")).await.status, 200);
        assert_eq!(aud.get(&format!("/returns/{a_hospital}")).await.status, 403);
        assert_eq!(
            aud.post(&format!("/returns/{a_hospital}"), &[("action", "save")])
                .await
                .status,
            403
        );
        // The police lead cannot write the hospital's return.
        assert_eq!(
            lead.post(&format!("/returns/{a_hospital}"), &[("action", "save")])
                .await
                .status,
            403
        );

        let full = |grade: &'static str| {
            vec![
                (
                    "answer-1",
                    "Visits were regular and the home was seen each time.",
                ),
                (
                    "answer-2",
                    "Health and police shared what they knew within a day.",
                ),
                ("answer-3", "Child B's attendance at nursery improved."),
                ("grade", grade),
                ("strengths", "Persistent, curious practice."),
                ("improvements", "Record the child's own words."),
                ("action", "submit"),
            ]
        };
        let path = format!("/returns/{b_police}");
        let bad = aud.post(&path, &full("Excellent")).await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("Choose one of the grades on the scale"));
        let draft = aud
            .post(
                &path,
                &[("answer-1", "Visits were regular."), ("action", "save")],
            )
            .await;
        assert_eq!(draft.status, 303, "{}", draft.body);
        assert!(aud.get(&path).await.contains("Draft"));
        assert_eq!(aud.post(&path, &full("Good")).await.status, 303);
        let again = aud.post(&path, &full("Good")).await;
        assert_eq!(again.status, 409);
        assert!(again.contains("can be changed only if it is sent back"));

        // Sent back with a note, resubmitted, accepted and locked; both versions kept.
        let decide = format!("/returns/{b_police}/decide");
        let p = bt.post(&decide, &[("decision", "send-back")]).await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Enter the note saying what needs more work"));
        let p = bt
            .post(
                &decide,
                &[
                    ("decision", "send-back"),
                    ("note", "Say how the child's views were sought."),
                ],
            )
            .await;
        assert_eq!(p.status, 303);
        let shown = aud.get(&path).await;
        assert!(shown.contains("Sent back for more work"));
        assert!(
            shown.contains("Say how the child&#39;s views were sought.")
                || shown.contains("Say how the child's views were sought.")
        );
        assert_eq!(
            aud.post(&path, &full("Requires improvement")).await.status,
            303
        );
        assert_eq!(
            bt.post(&decide, &[("decision", "accept")]).await.status,
            303
        );
        let shown = bt.get(&path).await;
        assert!(shown.contains("Accepted"));
        assert!(shown.contains("Version 2"));
        assert!(shown.contains("Version 1"));
        let locked = aud.post(&path, &full("Good")).await;
        assert_eq!(locked.status, 409);
        assert!(locked.contains("locked"));
        assert!(
            bt.get(&format!("/audits/{audit}"))
                .await
                .contains("1 of 3 returns in (33%)")
        );

        // Nobody else runs the audit.
        let ic = as_role(&app, Role::IndependentChair).await;
        assert_eq!(ic.get(&format!("/audits/{audit}")).await.status, 200);
        assert_eq!(ic.get(&format!("/returns/{a_hospital}")).await.status, 200);
        assert_eq!(
            ic.post(&format!("/audits/{audit}/cases"), &[("label", "Child D")])
                .await
                .status,
            403
        );
        assert_eq!(
            lead.post(&decide, &[("decision", "accept")]).await.status,
            403
        );
        let pr = as_role(&app, Role::Practitioner).await;
        assert_eq!(pr.get("/audits").await.status, 403);
        assert_eq!(pr.get(&format!("/audits/{audit}")).await.status, 403);
        assert_eq!(pr.get(&path).await.status, 403);
        let _ = demo::SLUG;
    })
    .await;
}

#[tokio::test]
async fn someone_who_wrote_an_agency_summary_on_the_childs_case_review_cannot_audit_it() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let case = common::notify(&app, &bt, "death-or-serious-harm", (2, 11, 2026), None).await;
        let reference = one(
            &app,
            "SELECT reference FROM case_review WHERE id = ?",
            &case,
        )
        .await;
        let PlannedAudit { audit, police, .. } = plan_audit(&app, &bt).await;
        let path = format!("/audits/{audit}/cases");
        let p = bt
            .post(
                &path,
                &[
                    ("label", "Child A"),
                    ("review_reference", "1999-999"),
                    ("agency", &police),
                ],
            )
            .await;
        assert_eq!(p.status, 422);
        assert!(p.contains("No case review has that reference"));
        let p = bt
            .post(
                &path,
                &[
                    ("label", "Child A"),
                    ("review_reference", &reference),
                    ("agency", &police),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        bt.post(&format!("/audits/{audit}/stage"), &[("to", "fieldwork")])
            .await;
        // The auditor submitted an agency's summary on that case review.
        let auditor = one(
            &app,
            "SELECT id FROM person WHERE email = ?",
            "auditor@northbrook.example",
        )
        .await;
        let pid = one(
            &app,
            "SELECT partnership_id FROM case_review WHERE id = ?",
            &case,
        )
        .await;
        // The case review asked its agencies for summaries; the auditor wrote one.
        let asked = bt
            .post(
                &format!("/reviews/{case}/summaries"),
                &[("due-day", "15"), ("due-month", "1"), ("due-year", "2027")],
            )
            .await;
        assert_eq!(asked.status, 303, "{}", asked.body);
        let summary = one(
            &app,
            "SELECT id FROM return_request WHERE source_id = ? ORDER BY agency_id LIMIT 1",
            &case,
        )
        .await;
        learnloop_store::returns::write(
            &app.db,
            &learnloop_store::audit::Who {
                person_id: Some(auditor.clone()),
                label: "Helen Brooks <auditor@northbrook.example>".to_owned(),
                partnership_id: Some(pid.clone()),
                request_id: None,
            },
            &pid,
            &summary,
            &learnloop_store::returns::Answers {
                answers: vec!["Chronology".to_owned(), "Analysis".to_owned()],
                grade: String::new(),
                strengths: String::new(),
                improvements: String::new(),
                ..Default::default()
            },
            learnloop_domain::returns::ReturnMove::Submit,
        )
        .await
        .unwrap();
        let ret = return_of(&app, &audit, "Child A", &police).await;
        let p = bt
            .post(&format!("/returns/{ret}/assign"), &[("person", &auditor)])
            .await;
        assert_eq!(p.status, 409);
        assert!(
            p.contains("Helen Brooks wrote their agency&#39;s earlier return on Child A")
                || p.contains("Helen Brooks wrote their agency's earlier return on Child A"),
            "{}",
            p.body
        );
        let (assigned,): (Option<String>,) = app
            .db
            .fetch_one(query("SELECT assignee_id FROM return_request WHERE id = ?").bind(&ret))
            .await
            .unwrap();
        assert_eq!(assigned, None);
    })
    .await;
}

#[tokio::test]
async fn the_workshop_moderates_a_grade_and_the_report_turns_recommendations_into_actions() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let PlannedAudit { audit, police, .. } = plan_audit(&app, &bt).await;
        let p = bt
            .post(
                &format!("/audits/{audit}/cases"),
                &[("label", "Family B"), ("agency", &police)],
            )
            .await;
        assert_eq!(p.status, 303);
        bt.post(&format!("/audits/{audit}/stage"), &[("to", "fieldwork")])
            .await;
        let ret = return_of(&app, &audit, "Family B", &police).await;
        // Rewording applies to the open return; a new line is a new version, which the open
        // return does not take but a case added afterwards does.
        let questions = format!("/audits/{audit}/questions");
        let scale = "Outstanding\nGood\nRequires improvement\nInadequate";
        let p = bt
            .post(
                &questions,
                &[
                    ("lines", "Quality of practice with the child\nMulti-agency working\nOutcomes for children"),
                    ("scale", scale),
                ],
            )
            .await;
        assert_eq!(p.status, 303);
        assert!(
            bt.get(&format!("/returns/{ret}"))
                .await
                .contains("Quality of practice with the child")
        );
        let p = bt
            .post(
                &questions,
                &[
                    (
                        "lines",
                        "Quality of practice with the child\nMulti-agency working\nOutcomes for children\nThe child's voice",
                    ),
                    ("scale", scale),
                ],
            )
            .await;
        assert_eq!(p.status, 303);
        assert!(!bt.get(&format!("/returns/{ret}")).await.contains("The child&#39;s voice"));
        bt.post(
            &format!("/audits/{audit}/cases"),
            &[("label", "Family C"), ("agency", &police)],
        )
        .await;
        let later = return_of(&app, &audit, "Family C", &police).await;
        let form = bt.get(&format!("/returns/{later}")).await;
        assert!(form.contains("The child&#39;s voice") || form.contains("The child's voice"));
        let (versions,): (i64,) = app
            .db
            .fetch_one(query("SELECT COUNT(*) FROM question_set WHERE name = ?").bind("Neglect and home conditions"))
            .await
            .unwrap();
        assert_eq!(versions, 2);
        // The police lead writes their agency's return; the business team accepts it.
        let lead = as_role(&app, Role::AgencyLead).await;
        let p = lead
            .post(
                &format!("/returns/{ret}"),
                &[
                    (
                        "answer-1",
                        "Home visits were announced, so conditions were not seen as they were.",
                    ),
                    (
                        "answer-2",
                        "The school's concerns reached children's services late.",
                    ),
                    ("answer-3", "Conditions improved for a while, then slipped."),
                    ("grade", "Requires improvement"),
                    ("strengths", "Officers recorded what they saw in detail."),
                    (
                        "improvements",
                        "Unannounced visits when neglect is suspected.",
                    ),
                    ("action", "submit"),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        bt.post(&format!("/returns/{ret}/decide"), &[("decision", "accept")])
            .await;
        // The later case's return answers the new version's fourth line too.
        let p = lead
            .post(
                &format!("/returns/{later}"),
                &[
                    ("answer-1", "Visits were unannounced."),
                    ("answer-2", "Information was shared at once."),
                    ("answer-3", "Conditions improved and held."),
                    ("answer-4", "The children said the visits felt like checks."),
                    ("grade", "Good"),
                    ("strengths", "Quick sharing."),
                    ("improvements", "Explain visits to children."),
                    ("action", "submit"),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        // A third version rewords the first line: the returns in keep the question they
        // answered.
        let p = bt
            .post(
                &questions,
                &[
                    (
                        "lines",
                        "Practice as the child lived it\nMulti-agency working\nOutcomes for children\nThe child's voice\nEarly help offered",
                    ),
                    ("scale", scale),
                ],
            )
            .await;
        assert_eq!(p.status, 303);
        let p = bt
            .post(&format!("/audits/{audit}/stage"), &[("to", "workshop")])
            .await;
        assert_eq!(p.status, 303);

        // The workshop: the grid, attendance, and a moderated grade beside the original.
        let workshop = format!("/audits/{audit}/workshop");
        let grid = bt.get(&workshop).await;
        assert_eq!(grid.status, 200);
        assert!(grid.contains("Family B") && grid.contains("Requires improvement"));
        assert!(grid.contains("Unannounced visits") || grid.contains("announced, so conditions"));
        // Each answer sits under the question its version asked: the first return's three
        // and the later one's four, the new line with only the later answer.
        assert!(grid.contains("The child&#39;s voice") || grid.contains("The child's voice"));
        assert!(grid.contains("visits felt like checks"));
        assert!(grid.contains("Practice as the child lived it"));
        assert!(grid.contains("Quality of practice with the child"));
        assert_eq!(
            lead.get(&workshop).await.status,
            403,
            "the sample is for who runs it"
        );
        // The returns grid downloads for who reads the whole audit, not for an agency lead.
        let csv = bt.get(&format!("/audits/{audit}/returns.csv")).await;
        assert_eq!(csv.status, 200);
        assert!(csv.contains("Family B") && csv.contains("Multi-agency working"));
        assert!(csv.contains("Requires improvement"));
        assert!(csv.contains("The child's voice") && csv.contains("visits felt like checks"));
        assert!(csv.contains("Quality of practice with the child"));
        assert_eq!(
            lead.get(&format!("/audits/{audit}/returns.csv"))
                .await
                .status,
            403
        );
        let programme = lead.get("/audits/export.csv").await;
        assert_eq!(programme.status, 200);
        assert!(programme.contains("Neglect and home conditions"));
        assert!(
            !programme.contains("Family B"),
            "the programme names no case"
        );
        let today = Utc::now().date_naive();
        let mut f: Vec<(String, String)> = date_fields("on", today);
        f.push(("attended".into(), police.clone()));
        let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(bt.post(&workshop, &refs).await.status, 303);
        let bad = bt
            .post(
                &format!("/audits/{audit}/moderate"),
                &[("return", &ret), ("grade", "Brilliant")],
            )
            .await;
        assert_eq!(bad.status, 422);
        let p = bt
            .post(
                &format!("/audits/{audit}/moderate"),
                &[("return", &ret), ("grade", "Inadequate")],
            )
            .await;
        assert_eq!(p.status, 303);
        let grid = bt.get(&workshop).await;
        assert!(grid.contains("Moderated: Inadequate"));
        let (grade, moderated): (String, Option<String>) = app
            .db
            .fetch_one(
                query("SELECT grade, moderated_grade FROM return_request WHERE id = ?").bind(&ret),
            )
            .await
            .unwrap();
        assert_eq!(
            (grade.as_str(), moderated.as_deref()),
            ("Requires improvement", Some("Inadequate"))
        );

        // The overview report, children's views and two recommendations.
        let report = format!("/audits/{audit}/report");
        let p = bt
            .post(
                &report,
                &[
                    (
                        "summary",
                        "Neglect was recognised late where visits were announced.",
                    ),
                    ("strengths", "Detailed recording."),
                    (
                        "improvements",
                        "Unannounced visits; sharing school concerns.",
                    ),
                ],
            )
            .await;
        assert_eq!(p.status, 303);
        let p = bt
            .post(
                &format!("/audits/{audit}/voice"),
                &[
                    ("how", "Two group sessions at the youth centre"),
                    ("whom", "12 young people aged 13 to 17"),
                    (
                        "said",
                        "They want workers to see their home as it really is.",
                    ),
                ],
            )
            .await;
        assert_eq!(p.status, 303);
        for body in [
            "Agencies visit unannounced when neglect is suspected.",
            "Schools share neglect concerns with children's services within a day.",
        ] {
            let p = bt
                .post(
                    &format!("/audits/{audit}/recommendations"),
                    &[("recommendation", body), ("addressed_to", "partnership")],
                )
                .await;
            assert_eq!(p.status, 303, "{}", p.body);
        }
        let page = bt.get(&report).await;
        assert!(page.contains("12 young people aged 13 to 17"));
        assert!(page.contains("Schools share neglect concerns"));
        let rec = one(
            &app,
            "SELECT id FROM recommendation WHERE source_id = ? AND number = 1",
            &audit,
        )
        .await;
        // The recommendation becomes an action through the one interface.
        let form = bt.get(&format!("/recommendations/{rec}/actions")).await;
        assert_eq!(form.status, 200);
        assert!(form.contains("Audit “Neglect and home conditions”, recommendation 1"));
        let owner = one(
            &app,
            "SELECT id FROM person WHERE email = ?",
            "agency.lead@northbrook.example",
        )
        .await;
        let mut f: Vec<(String, String)> = vec![
            (
                "description".into(),
                "Make unannounced visits policy for neglect cases.".into(),
            ),
            ("lead_agency".into(), police.clone()),
            ("owner".into(), owner),
            (
                "measure".into(),
                "A re-audit finds unannounced visits in most neglect cases.".into(),
            ),
        ];
        f.extend(date_fields("due", today + Duration::days(90)));
        let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let p = bt
            .post(&format!("/recommendations/{rec}/actions"), &refs)
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let action = p.location.unwrap();
        let shown = bt.get(&action).await;
        assert!(shown.contains("Make unannounced visits policy"));
        let (kind,): (String,) = app
            .db
            .fetch_one(query("SELECT source_kind FROM action WHERE source_id = ?").bind(&audit))
            .await
            .unwrap();
        assert_eq!(kind, "audit");

        let p = bt
            .post(&format!("/audits/{audit}/stage"), &[("to", "reported")])
            .await;
        assert_eq!(p.status, 303);
        assert!(
            bt.get(&format!("/audits/{audit}"))
                .await
                .contains("Reported")
        );

        // A re-audit asks the same lines of a later sample; its report compares the grades.
        let mut f = date_fields("fieldwork", today + Duration::days(180));
        f.extend(date_fields("due", today + Duration::days(210)));
        let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let p = bt.post(&format!("/audits/{audit}/reaudit"), &refs).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let again = p.location.unwrap();
        let shown = bt.get(&again).await;
        assert!(shown.contains("Re-audit: Neglect and home conditions"));
        assert!(
            shown.contains("Outcomes for children"),
            "the same lines of enquiry"
        );
        let report = bt.get(&format!("{again}/report")).await;
        assert!(
            report.contains("Neglect and home conditions ("),
            "the earlier audit's grades beside"
        );
    })
    .await;
}

#[tokio::test]
async fn each_agency_reports_its_own_assurance_and_the_partnership_records_what_it_takes() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        assert_eq!(bt.get("/assurance").await.status, 200);
        let due = Utc::now().date_naive() + Duration::days(30);
        let mut f = vec![("year".to_owned(), "2026".to_owned())];
        f.extend(date_fields("due", due));
        let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let p = bt.post("/assurance", &refs).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let round = p.location.unwrap();
        let again = bt.post("/assurance", &refs).await;
        assert_eq!(again.status, 422);
        assert!(again.contains("already been asked for their 2026 assurance"));
        let page = bt.get(&round).await;
        assert!(page.contains("Northbrook Constabulary") && page.contains("Not started"));

        // The police lead finds the return on their home page and writes it.
        let lead = as_role(&app, Role::AgencyLead).await;
        let home = lead.get("/home").await;
        assert!(home.contains("Single-agency assurance 2026: Northbrook Constabulary"));
        let police = one(&app, "SELECT id FROM agency WHERE name = ?", "Northbrook Constabulary").await;
        let (ret,): (String,) = app
            .db
            .fetch_one(
                query("SELECT id FROM return_request WHERE source_kind = 'assurance' AND agency_id = ?")
                    .bind(&police),
            )
            .await
            .unwrap();
        let p = lead
            .post(
                &format!("/returns/{ret}"),
                &[
                    ("answer-1", "The force's quarterly audit of child protection referrals, April to September."),
                    ("answer-2", "48 cases"),
                    ("answer-3", "6 good, 30 requires improvement, 12 inadequate"),
                    ("answer-4", "Referrals lacked the child's voice; a new template is in use."),
                    ("grade", "Requires improvement"),
                    ("strengths", "Timely referrals."),
                    ("improvements", "The child's voice."),
                    ("action", "submit"),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        // The group chair and the lead cannot read the round; only the business team runs it.
        assert_eq!(
            as_role(&app, Role::GroupChair).await.get(&round).await.status,
            403
        );
        assert_eq!(lead.get("/assurance").await.status, 403);

        // The business team records partial assurance, with the reason.
        let judge = format!("{round}/judge");
        let p = bt
            .post(&judge, &[("return", &ret), ("level", "partial"), ("reason", "")])
            .await;
        assert_eq!(p.status, 422);
        assert!(p.contains("Enter the reason for the assurance taken"));
        let p = bt
            .post(
                &judge,
                &[
                    ("return", &ret),
                    ("level", "partial"),
                    ("reason", "A large sample, but no re-audit yet of the new template."),
                ],
            )
            .await;
        assert_eq!(p.status, 303);
        let ic = as_role(&app, Role::IndependentChair).await;
        let page = ic.get(&round).await;
        assert!(page.contains("Partial assurance"));
        assert!(page.contains("no re-audit yet of the new template"));
    })
    .await;
}
