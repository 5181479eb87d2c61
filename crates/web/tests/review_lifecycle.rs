//! Case reviews, second part: from a signed-off decision to a published review — terms of
//! reference and reviewer, agency reports, events, report versions, the publication decision
//! and its notice to the Panel, findings and recommendations — plus referrals, directly
//! recorded reviews, the tracker's filters and exports, and the restriction of all of it to the
//! business team and the case's panel. On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use calamine::{Reader, Xlsx};
use common::{Client, decide_lcspr, each_app, ids, notify};
use learnloop_domain::accounts::Role;
use learnloop_store::query;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

fn terms_form(reviewer: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("scope-from-day", "1"),
        ("scope-from-month", "1"),
        ("scope-from-year", "2025"),
        ("scope-to-day", "1"),
        ("scope-to-month", "11"),
        ("scope-to-year", "2026"),
        (
            "lines",
            "How agencies shared information\nHow the voice of the baby was heard",
        ),
        ("methodology", "systems"),
        (
            "proportionality",
            "A systems review suits the multi-agency questions",
        ),
        ("reviewer", reviewer),
        ("independence", "No connection to any agency involved"),
        ("reviewer_reason", "Led three published reviews"),
        ("family", "Mother and grandparents met the reviewer"),
        ("agreed-day", "25"),
        ("agreed-month", "11"),
        ("agreed-year", "2026"),
    ]
}

fn refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

#[tokio::test]
async fn a_decided_practice_review_runs_through_terms_reports_and_publication() {
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
        let review = format!("/reviews/{id}/review");
        // Before the decision nothing can be commissioned.
        let early = bt
            .post(
                &format!("/reviews/{id}/terms"),
                &terms_form("Dr Jane Reviewer"),
            )
            .await;
        assert_eq!(early.status, 422);
        assert!(early.contains("No review has been decided"));
        decide_lcspr(&app, &bt, &id).await;
        // The agencies involved are told the outcome, by reference only.
        let told: Vec<(String, String)> = app
            .db
            .fetch_all(query(
                "SELECT subject, body FROM outbox WHERE kind = 'case-outcome'",
            ))
            .await
            .unwrap();
        assert!(!told.is_empty());
        assert!(told.iter().all(
            |(s, b)| s.contains("Local child safeguarding practice review")
                && !b.contains("Amelia")
                && !b.contains("skull")
        ));
        let page = bt.get(&review).await;
        assert_eq!(page.status, 200);
        assert!(page.contains("Local child safeguarding practice review"));
        assert!(page.contains("Complete and publish a local child safeguarding practice review"));
        // The six-month clock runs from the decision: 18 May 2027.
        assert!(page.contains("18 May 2027"), "{}", page.body);
        // A draft cannot come before the terms of reference.
        let draft_first = bt
            .upload(
                &format!("/reviews/{id}/documents"),
                &[("final", "no")],
                "draft.pdf",
                PDF.to_vec(),
            )
            .await;
        assert_eq!(draft_first.status, 422);
        assert!(draft_first.contains("Agree the terms of reference and appoint the reviewer"));
        // Terms: every question answered, dates real, the scope in order.
        let mut bad = terms_form("");
        bad.retain(|(k, _)| *k != "methodology");
        bad.push(("scope-to-year", "2024"));
        bad.retain(|(k, v)| !(*k == "scope-to-year" && *v == "2026"));
        let refused = bt.post(&format!("/reviews/{id}/terms"), &bad).await;
        assert_eq!(refused.status, 422);
        assert!(refused.contains("Enter the name of the reviewer"));
        assert!(refused.contains("Choose the methodology"));
        assert!(refused.contains("The end of the scope must be on or after its start"));
        let saved = bt
            .post(
                &format!("/reviews/{id}/terms"),
                &terms_form("Dr Jane Reviewer"),
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let page = bt.get(&review).await;
        assert!(page.contains("Review under way"));
        assert!(page.contains("How the voice of the baby was heard"));
        assert!(page.contains("Systems approach"));
        // Agency reports are asked of each agency involved.
        let asked = bt
            .post(
                &format!("/reviews/{id}/reports"),
                &[("due-day", "15"), ("due-month", "1"), ("due-year", "2027")],
            )
            .await;
        assert_eq!(asked.status, 303, "{}", asked.body);
        let (n,): (i64,) = app
            .db
            .fetch_one(
                query(
                    "SELECT COUNT(*) FROM return_request WHERE source_kind = 'case_review' AND subject_id = 'review' AND source_id = ?",
                )
                .bind(id.as_str()),
            )
            .await
            .unwrap();
        assert_eq!(n, 2);
        // A practitioner event.
        let ev = bt
            .post(
                &format!("/reviews/{id}/events"),
                &[
                    ("held-day", "10"),
                    ("held-month", "2"),
                    ("held-year", "2027"),
                    ("event_title", "Practitioner learning event"),
                    ("attendees", "many"),
                ],
            )
            .await;
        assert_eq!(ev.status, 422);
        assert!(ev.contains("Enter the number who took part as a whole number"));
        let ev = bt
            .post(
                &format!("/reviews/{id}/events"),
                &[
                    ("held-day", "10"),
                    ("held-month", "2"),
                    ("held-year", "2027"),
                    ("event_title", "Practitioner learning event"),
                    ("attendees", "14"),
                ],
            )
            .await;
        assert_eq!(ev.status, 303);
        // The final report needs a draft first; a non-document is refused.
        let fin = bt
            .upload(
                &format!("/reviews/{id}/documents"),
                &[("final", "yes")],
                "final.pdf",
                PDF.to_vec(),
            )
            .await;
        assert_eq!(fin.status, 422);
        assert!(fin.contains("Add at least one draft report before the final report"));
        let exe = bt
            .upload(
                &format!("/reviews/{id}/documents"),
                &[("final", "no")],
                "draft.exe",
                b"MZ\x90\x00".to_vec(),
            )
            .await;
        assert_eq!(exe.status, 422);
        for (kind, name) in [
            ("no", "draft-1.pdf"),
            ("no", "draft-2.pdf"),
            ("yes", "final.pdf"),
        ] {
            let up = bt
                .upload(
                    &format!("/reviews/{id}/documents"),
                    &[("final", kind), ("note", "For the group")],
                    name,
                    PDF.to_vec(),
                )
                .await;
            assert_eq!(up.status, 303, "{}", up.body);
        }
        let page = bt.get(&review).await;
        assert!(page.contains("Version 3") && page.contains("Final report"));
        let no_more = bt
            .upload(
                &format!("/reviews/{id}/documents"),
                &[("final", "no")],
                "late.pdf",
                PDF.to_vec(),
            )
            .await;
        assert_eq!(no_more.status, 422);
        // The report downloads for the panel, as an attachment.
        let report: Vec<(String,)> = app
            .db
            .fetch_all(query("SELECT id FROM review_report WHERE version = 3"))
            .await
            .unwrap();
        let got = bt
            .http
            .get(format!("{}/reviews/documents/{}", app.base, report[0].0))
            .send()
            .await
            .unwrap();
        assert_eq!(got.status().as_u16(), 200);
        assert!(
            got.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert_eq!(got.bytes().await.unwrap().as_ref(), PDF);
        // Publication: sent to the Panel only 3 working days before the planned date is flagged.
        let publication = |sent: (&'static str, &'static str), published: Option<&'static str>| {
            let mut v = vec![
                ("decision", "publish"),
                ("public_interest", "Learning for all agencies"),
                ("child_welfare", "Sibling B's views were sought"),
                ("legal", "None"),
                ("criminal", "Trial concluded"),
                ("decided-day", "1"),
                ("decided-month", "4"),
                ("decided-year", "2027"),
                ("sent-day", sent.0),
                ("sent-month", sent.1),
                ("sent-year", "2027"),
                ("planned-day", "14"),
                ("planned-month", "5"),
                ("planned-year", "2027"),
            ];
            if let Some(p) = published {
                v.extend([
                    ("published-day", p),
                    ("published-month", "5"),
                    ("published-year", "2027"),
                    ("link", "https://northbrook.example/reviews/child-a"),
                ]);
            }
            v
        };
        let late = bt
            .post(
                &format!("/reviews/{id}/publication"),
                &publication(("11", "5"), None),
            )
            .await;
        assert_eq!(late.status, 303, "{}", late.body);
        let page = bt.get(&review).await;
        assert!(page.contains("Publication decided"));
        assert!(
            page.contains("less than 7 working days before publication"),
            "{}",
            page.body
        );
        assert!(page.contains("It was due by 5 May 2027"));
        // Sent in time and then published: the warning goes and the case closes.
        let ok = bt
            .post(
                &format!("/reviews/{id}/publication"),
                &publication(("5", "5"), Some("14")),
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let page = bt.get(&review).await;
        assert!(!page.contains("less than 7 working days"));
        assert!(page.contains("Published 14 May 2027"));
        assert!(page.contains("Closed"));
        let after = bt
            .post(
                &format!("/reviews/{id}/publication"),
                &publication(("5", "5"), Some("14")),
            )
            .await;
        assert_eq!(after.status, 422);
        assert!(after.contains("The review is closed"));
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
            "case.terms",
            "case.summaries.request",
            "case.event",
            "case.report",
            "case.report.download",
            "case.publication",
        ] {
            assert!(actions.contains(&a), "{a} missing from {actions:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn findings_and_recommendations_carry_themes_that_the_tracker_filters_by() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let id = notify(&app, &bt, "death-or-serious-harm", (2, 11, 2026), Some((4, 11, 2026))).await;
        let other = notify(&app, &bt, "death-or-serious-harm", (3, 11, 2026), Some((5, 11, 2026))).await;
        decide_lcspr(&app, &bt, &id).await;
        let theme = ids(&app, "SELECT id FROM theme WHERE name = 'Multi-agency information sharing'").await;
        let agencies = ids(&app, "SELECT id FROM agency WHERE statutory_partner = TRUE ORDER BY name").await;
        let empty = bt
            .post(&format!("/reviews/{id}/recommendations"), &[("recommendation", ""), ("addressed_to", "agencies")])
            .await;
        assert_eq!(empty.status, 422);
        assert!(empty.contains("Enter the recommendation"));
        assert!(empty.contains("Choose at least one agency the recommendation is addressed to"));
        let f = bt
            .post(
                &format!("/reviews/{id}/findings"),
                &[("finding", "Health and police did not share the bruising history"), ("finding_theme", &theme[0])],
            )
            .await;
        assert_eq!(f.status, 303, "{}", f.body);
        for _ in 0..2 {
            let r = bt
                .post(
                    &format!("/reviews/{id}/recommendations"),
                    &[
                        ("recommendation", "Agree a shared protocol for bruising in non-mobile babies"),
                        ("addressed_to", "agencies"),
                        ("rec_agency", &agencies[0]),
                        ("rec_agency", &agencies[1]),
                        ("rec_theme", &theme[0]),
                    ],
                )
                .await;
            assert_eq!(r.status, 303, "{}", r.body);
        }
        let page = bt.get(&format!("/reviews/{id}/review")).await;
        assert!(page.contains("Agree a shared protocol"));
        // The finding shows with its theme.
        assert!(page.contains(
            "did not share the bruising history</span> <strong class=\"govuk-tag govuk-tag--blue\">Multi-agency information sharing</strong>"
        ), "{}", page.body);
        let numbers: Vec<(i64, String)> = app
            .db
            .fetch_all(query("SELECT number, addressed_to FROM recommendation WHERE source_kind = 'case_review' AND source_id = ? ORDER BY number").bind(id.as_str()))
            .await
            .unwrap();
        assert_eq!(numbers, vec![(1, "agencies".to_owned()), (2, "agencies".to_owned())]);
        // The tracker's theme filter finds the case through its recommendations' themes.
        let by_theme = bt.get(&format!("/reviews?theme={}", theme[0])).await;
        assert!(by_theme.contains(&format!("/reviews/{id}\"")));
        assert!(!by_theme.contains(&format!("/reviews/{other}\"")));
        // And by type.
        let by_type = bt.get("/reviews?type=lcspr").await;
        assert!(by_type.contains(&format!("/reviews/{id}\"")));
        assert!(!by_type.contains(&format!("/reviews/{other}\"")));
        // The anonymised summary shows the themes, to anyone in the partnership.
        let p = Client::new(&app.base);
        p.sign_in_as(Role::Practitioner).await;
        let summary = p.get(&format!("/reviews/{id}")).await;
        assert!(summary.contains("Multi-agency information sharing"));
        assert!(!summary.contains("bruising"));
    })
    .await;
}

#[tokio::test]
async fn nobody_off_the_panel_reaches_restricted_content_by_any_url_export_or_search() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let id = notify(&app, &bt, "death-or-serious-harm", (2, 11, 2026), Some((4, 11, 2026))).await;
        decide_lcspr(&app, &bt, &id).await;
        bt.post(&format!("/reviews/{id}/terms"), &terms_form("Dr Jane Reviewer")).await;
        let up = bt
            .upload(&format!("/reviews/{id}/documents"), &[("final", "no")], "draft.pdf", PDF.to_vec())
            .await;
        assert_eq!(up.status, 303);
        bt.post(
            &format!("/reviews/{id}/reports"),
            &[("due-day", "15"), ("due-month", "1"), ("due-year", "2027")],
        )
        .await;
        let report: Vec<(String,)> = app.db.fetch_all(query("SELECT id FROM review_report")).await.unwrap();
        let other_agency = ids(&app, "SELECT agency_id FROM case_agency ORDER BY agency_id").await;
        for role in [Role::AgencyLead, Role::GroupChair, Role::Practitioner, Role::Trainer, Role::Auditor] {
            let c = Client::new(&app.base);
            c.sign_in_as(role).await;
            for path in [
                format!("/reviews/{id}/review"),
                format!("/reviews/documents/{}", report[0].0),
            ] {
                let got = c.get(&path).await;
                assert_eq!(got.status, 403, "{role:?} {path}");
                assert!(!got.contains("Amelia") && !got.contains("Dr Jane") || path.contains("documents"));
            }
            for (path, fields) in [
                (format!("/reviews/{id}/terms"), terms_form("Someone")),
                (format!("/reviews/{id}/findings"), vec![("finding", "x")]),
                (format!("/reviews/{id}/publication"), vec![("decision", "publish")]),
            ] {
                assert_eq!(c.post(&path, &fields).await.status, 403, "{role:?} {path}");
            }
            // Search and exports never carry the child's name, the account or the findings.
            for q in ["Amelia", "Child A", "skull"] {
                let found = c.get(&format!("/reviews?q={q}")).await;
                assert_eq!(found.status, 200);
                assert!(found.contains("No cases match"), "{role:?} searching {q}");
            }
            let csv = c.http.get(format!("{}/reviews/export.csv", app.base)).send().await.unwrap().text().await.unwrap();
            assert!(csv.contains("Dr Jane Reviewer"));
            assert!(!csv.contains("Amelia") && !csv.contains("Child A") && !csv.contains("skull"));
            let xlsx = c.http.get(format!("{}/reviews/export.xlsx", app.base)).send().await.unwrap();
            assert_eq!(xlsx.status().as_u16(), 200);
            let bytes = xlsx.bytes().await.unwrap();
            let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
            let cells: Vec<String> = book
                .worksheet_range("Case reviews")
                .unwrap()
                .cells()
                .map(|(_, _, v)| v.to_string())
                .collect();
            assert!(cells.contains(&"Dr Jane Reviewer".to_owned()));
            assert!(cells.contains(&"Local child safeguarding practice review".to_owned()));
            assert!(!cells.iter().any(|v| v.contains("Amelia") || v.contains("skull")));
        }
        // The agency lead writes only their own agency's report.
        let lead = Client::new(&app.base);
        lead.sign_in_as(Role::AgencyLead).await;
        let lead_agency = ids(&app, "SELECT m.agency_id FROM membership m JOIN person p ON p.id = m.person_id WHERE p.email = 'agency.lead@northbrook.example' AND m.role = 'agency-lead'").await;
        for a in &other_agency {
            let got = lead.get(&format!("/reviews/{id}/reports/{a}")).await;
            if lead_agency.contains(a) {
                // The address in the mail leads to the agency's return on the case.
                assert_eq!(got.status, 303);
                let to = got.location.clone().unwrap_or_default();
                assert!(to.starts_with("/returns/"), "{to}");
                let page = lead.get(&to).await;
                assert_eq!(page.status, 200);
                assert!(page.contains("agency report and chronology for a review"));
                // Not on the panel, the lead does not read the review's page: the way back
                // leads to the case, not to a refusal.
                assert_eq!(lead.get(&format!("/reviews/{id}/review")).await.status, 403);
                assert!(!page.contains(&format!("/reviews/{id}/review")), "{}", page.body);
                assert!(page.contains(&format!("href=\"/reviews/{id}\"")), "{}", page.body);
            } else {
                assert_eq!(got.status, 403);
            }
        }
        // The business team finds the case by reference and by reviewer.
        assert!(bt.get("/reviews?q=2026-001").await.contains(&format!("/reviews/{id}\"")));
        assert!(bt.get("/reviews?reviewer=jane").await.contains(&format!("/reviews/{id}\"")));
        assert!(bt.get("/reviews?reviewer=nobody").await.contains("No cases match"));
    })
    .await;
}

#[tokio::test]
async fn a_referral_is_considered_and_its_referrer_told_the_outcome() {
    each_app(|app| async move {
        let lead = Client::new(&app.base);
        lead.sign_in_as(Role::AgencyLead).await;
        let agencies = ids(
            &app,
            "SELECT id FROM agency WHERE statutory_partner = TRUE ORDER BY name",
        )
        .await;
        let bad = lead
            .post("/reviews/refer", &[("source", ""), ("reason", "")])
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("Choose who is referring the case"));
        assert!(bad.contains("Choose the agencies involved"));
        let sent = lead
            .post(
                "/reviews/refer",
                &[
                    ("source", "agency"),
                    ("referrer", "Pat Lead, designated nurse"),
                    (
                        "reason",
                        "Child C was seen four times with bruising before a fracture",
                    ),
                    (
                        "question",
                        "Does this meet the criteria for a practice review?",
                    ),
                    ("agency", &agencies[0]),
                ],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        let id = sent
            .location
            .unwrap()
            .trim_start_matches("/reviews/")
            .to_owned();
        // The referrer can read their referral; others off the panel cannot.
        let own = lead.get(&format!("/reviews/{id}/review")).await;
        assert_eq!(own.status, 200);
        assert!(own.contains("Does this meet the criteria"));
        let p = Client::new(&app.base);
        p.sign_in_as(Role::Practitioner).await;
        assert_eq!(p.get("/reviews/refer").await.status, 403);
        assert_eq!(p.get(&format!("/reviews/{id}/review")).await.status, 403);
        let case = p.get(&format!("/reviews/{id}")).await;
        assert!(case.contains("Referred for consideration"));
        assert!(!case.contains("bruising"));
        // No statutory clock runs on a referral.
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let page = bt.get(&format!("/reviews/{id}")).await;
        assert!(!page.contains("Notify the national Panel"));
        // It waits on the business team's home page until considered.
        assert!(bt.get("/home").await.contains("referral, to consider"));
        // The partnership considers it and decides on a local learning review.
        let rr = bt
            .post(
                &format!("/reviews/{id}/rapid-review"),
                &[
                    ("facts", "Four contacts with bruising"),
                    ("safety_assurance", "Child C is in foster care"),
                    ("safety_by", "Children's social care"),
                    ("recommendation", "local-learning-review"),
                ],
            )
            .await;
        assert_eq!(rr.status, 303, "{}", rr.body);
        let chair = ids(
            &app,
            "SELECT id FROM person WHERE email = 'independent.chair@northbrook.example'",
        )
        .await;
        bt.post(&format!("/reviews/{id}/panel"), &[("person", &chair[0])])
            .await;
        let ic = Client::new(&app.base);
        ic.sign_in_as(Role::IndependentChair).await;
        let signed = ic
            .post(
                &format!("/reviews/{id}/sign-off"),
                &[
                    ("signed-day", "20"),
                    ("signed-month", "11"),
                    ("signed-year", "2026"),
                ],
            )
            .await;
        assert_eq!(signed.status, 303);
        let mail = common::last_mail_to(&app.db, "agency.lead@northbrook.example")
            .await
            .unwrap();
        assert!(mail.contains("Local learning review"), "{mail}");
        assert!(!mail.contains("bruising"));
        let (t,): (Option<String>,) = app
            .db
            .fetch_one(query("SELECT review_type FROM case_review WHERE id = ?").bind(id.as_str()))
            .await
            .unwrap();
        assert_eq!(t.as_deref(), Some("local-learning-review"));
    })
    .await;
}

#[tokio::test]
async fn a_domestic_homicide_review_is_recorded_and_linked_to_a_practice_review() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let lcspr = notify(
            &app,
            &bt,
            "death-or-serious-harm",
            (2, 11, 2026),
            Some((4, 11, 2026)),
        )
        .await;
        let plain = notify(
            &app,
            &bt,
            "death-or-serious-harm",
            (3, 11, 2026),
            Some((5, 11, 2026)),
        )
        .await;
        decide_lcspr(&app, &bt, &lcspr).await;
        let group = ids(
            &app,
            "SELECT id FROM partnership_group WHERE name = 'Serious Incident and Learning Group'",
        )
        .await;
        let form = |linked: &str, kind: &str| {
            vec![
                ("type".to_owned(), "dhr".to_owned()),
                (
                    "summary".to_owned(),
                    "Domestic homicide; Child A's mother".to_owned(),
                ),
                ("decided-day".to_owned(), "10".to_owned()),
                ("decided-month".to_owned(), "11".to_owned()),
                ("decided-year".to_owned(), "2026".to_owned()),
                ("group".to_owned(), group[0].clone()),
                ("linked".to_owned(), linked.to_owned()),
                ("link_kind".to_owned(), kind.to_owned()),
            ]
        };

        let wrong = form(&plain, "joint");
        let r = bt.post("/reviews/record", &refs(&wrong)).await;
        assert_eq!(r.status, 422);
        assert!(r.contains("Choose a local child safeguarding practice review"));
        let no_kind = form(&lcspr, "");
        let r = bt.post("/reviews/record", &refs(&no_kind)).await;
        assert_eq!(r.status, 422);
        assert!(r.contains("Choose whether it is a joint review or separate linked reports"));
        let ok = form(&lcspr, "joint");
        let r = bt.post("/reviews/record", &refs(&ok)).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let dhr = r
            .location
            .unwrap()
            .trim_start_matches("/reviews/")
            .trim_end_matches("/review")
            .to_owned();
        let page = bt.get(&format!("/reviews/{dhr}/review")).await;
        assert!(page.contains("Domestic homicide review"));
        assert!(
            page.contains("Joint review: one panel, one set of recommendations, one action plan")
        );
        assert!(!page.contains("Complete and publish a local child safeguarding practice review"));
        // A joint review keeps one set of recommendations: added on either, seen on both.
        let rec = bt
            .post(
                &format!("/reviews/{dhr}/recommendations"),
                &[
                    (
                        "recommendation",
                        "Ask about domestic abuse at every antenatal contact",
                    ),
                    ("addressed_to", "partnership"),
                ],
            )
            .await;
        assert_eq!(rec.status, 303, "{}", rec.body);
        let practice = bt.get(&format!("/reviews/{lcspr}/review")).await;
        assert!(practice.contains("Ask about domestic abuse at every antenatal contact"));
        assert!(
            practice.contains("Domestic homicide")
                || practice.contains(&format!("/reviews/{dhr}/review"))
        );
        assert!(
            bt.get(&format!("/reviews/{dhr}/review"))
                .await
                .contains("This is a joint review")
        );
        // Its terms of reference can be agreed straight away.
        let t = bt
            .post(&format!("/reviews/{dhr}/terms"), &terms_form("A. Chair"))
            .await;
        assert_eq!(t.status, 303, "{}", t.body);
        // Another partnership's review is recorded for its learning only.
        let mut other = form("", "");
        other[0].1 = "other-partnership".to_owned();
        let r = bt.post("/reviews/record", &refs(&other)).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let ext = r
            .location
            .unwrap()
            .trim_start_matches("/reviews/")
            .trim_end_matches("/review")
            .to_owned();
        let t = bt
            .post(&format!("/reviews/{ext}/terms"), &terms_form("X"))
            .await;
        assert_eq!(t.status, 422);
        assert!(t.contains("another body"));
        let tracker = bt.get("/reviews?type=dhr").await;
        assert!(tracker.contains(&format!("/reviews/{dhr}\"")));
        assert!(tracker.contains("A. Chair"));
    })
    .await;
}
