//! Every route and role through real HTTP against a real database (SQLite, and PostgreSQL
//! when LEARNLOOP_TEST_PG is set), asserting what a user would notice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, each_app, each_app_with, email_of, last_mail_to, link_in};
use learnloop_domain::accounts::Role;
use learnloop_store::{demo, query};

#[tokio::test]
async fn health_and_readiness_answer() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        assert_eq!(c.get("/healthz").await.status, 200);
        let r = c.get("/readyz").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body, "ready");
    })
    .await;
}

#[tokio::test]
async fn signed_out_visitor_is_sent_to_sign_in_and_back_afterwards() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        let r = c.get("/agencies").await;
        assert_eq!(r.status, 303);
        assert_eq!(r.location.as_deref(), Some("/sign-in?next=%2Fagencies"));
        let r = c
            .post(
                "/sign-in",
                &[
                    ("email", email_of(Role::BusinessTeam)),
                    ("password", demo::PASSWORD),
                    ("next", "/agencies"),
                ],
            )
            .await;
        assert_eq!(r.location.as_deref(), Some("/agencies"));
        let page = c.get("/agencies").await;
        assert_eq!(page.status, 200);
        assert!(page.contains("Northbrook Constabulary"));
    })
    .await;
}

#[tokio::test]
async fn sign_in_never_redirects_to_another_site() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        let r = c
            .post(
                "/sign-in",
                &[
                    ("email", email_of(Role::BusinessTeam)),
                    ("password", demo::PASSWORD),
                    ("next", "//evil.example/"),
                ],
            )
            .await;
        assert_eq!(r.location.as_deref(), Some("/home"));
    })
    .await;
}

#[tokio::test]
async fn wrong_password_and_unknown_account_get_the_same_message() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        let wrong = c
            .sign_in(email_of(Role::BusinessTeam), "not the password")
            .await;
        let unknown = c
            .sign_in("nobody@northbrook.example", "not the password")
            .await;
        assert_eq!(wrong.status, 422);
        assert_eq!(unknown.status, 422);
        let msg = "Enter a correct email address and password";
        assert!(wrong.contains(msg) && unknown.contains(msg));
        // The address typed is kept, the password is not.
        assert!(wrong.contains(&format!("value=\"{}\"", email_of(Role::BusinessTeam))));
        assert!(!wrong.contains("not the password"));
        // Both failures are in the audit trail.
        let (n,): (i64,) = app
            .db
            .fetch_one(query(
                "SELECT COUNT(*) FROM audit_event WHERE action = 'sign-in.failure'",
            ))
            .await
            .unwrap();
        assert_eq!(n, 2);
    })
    .await;
}

#[tokio::test]
async fn five_failures_lock_an_address_whether_or_not_it_has_an_account() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        for email in [email_of(Role::Trainer), "nobody@northbrook.example"] {
            for _ in 0..5 {
                c.sign_in(email, "wrong password!").await;
            }
            let r = c.sign_in(email, "wrong password!").await;
            assert_eq!(r.status, 429);
            assert!(r.contains("too many attempts"), "{}", r.body);
        }
        // Even the right password is refused while locked.
        let r = c.sign_in(email_of(Role::Trainer), demo::PASSWORD).await;
        assert_eq!(r.status, 429);
        // Another address is unaffected.
        c.sign_in_as(Role::Auditor).await;
    })
    .await;
}

#[tokio::test]
async fn empty_sign_in_form_says_what_to_fill_in() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        let r = c.sign_in("", "").await;
        assert_eq!(r.status, 422);
        assert!(r.contains("There is a problem"));
        assert!(r.contains("href=\"#email\""));
        assert!(r.contains("Enter your email address"));
        assert!(r.contains("Enter your password"));
        assert!(r.contains("<title>Error: Sign in"));
    })
    .await;
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        c.sign_in_as(Role::BusinessTeam).await;
        assert_eq!(c.get("/home").await.status, 200);
        let r = c.post("/sign-out", &[]).await;
        assert_eq!(r.location.as_deref(), Some("/sign-in"));
        assert!(c.get("/sign-in").await.contains("You have signed out"));
        assert_eq!(c.get("/home").await.status, 303);
    })
    .await;
}

#[tokio::test]
async fn an_idle_session_expires() {
    each_app_with(
        |c| c.sessions.idle = chrono::Duration::milliseconds(300),
        |app| async move {
            let c = Client::new(&app.base);
            c.sign_in_as(Role::BusinessTeam).await;
            assert_eq!(c.get("/home").await.status, 200);
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            assert_eq!(c.get("/home").await.status, 303);
        },
    )
    .await;
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_limit_even_when_busy() {
    each_app_with(
        |c| c.sessions.absolute = chrono::Duration::milliseconds(400),
        |app| async move {
            let c = Client::new(&app.base);
            c.sign_in_as(Role::BusinessTeam).await;
            for _ in 0..3 {
                assert_eq!(c.get("/home").await.status, 200);
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            assert_eq!(c.get("/home").await.status, 303);
        },
    )
    .await;
}

/// What each role may open (200) and is refused (403), page by page.
const MATRIX: [(&str, [bool; 8]); 12] = [
    // BusinessTeam, IndependentChair, GroupChair, AgencyLead, Practitioner, Trainer, Auditor, SystemAdmin
    ("/home", [true, true, true, true, true, true, true, true]),
    ("/account", [true, true, true, true, true, true, true, true]),
    (
        "/agencies",
        [true, false, false, false, false, false, false, false],
    ),
    (
        "/agencies/new",
        [true, false, false, false, false, false, false, false],
    ),
    (
        "/people",
        [true, false, false, false, false, false, false, true],
    ),
    (
        "/audit",
        [true, true, false, false, false, false, false, false],
    ),
    (
        "/settings",
        [true, false, false, false, false, false, false, false],
    ),
    (
        "/clocks",
        [true, true, true, true, false, false, false, true],
    ),
    (
        "/reviews",
        [true, true, true, true, true, true, true, false],
    ),
    (
        "/reviews/refer",
        [true, true, true, true, false, false, true, false],
    ),
    (
        "/reviews/record",
        [true, false, false, false, false, false, false, false],
    ),
    (
        "/actions",
        [true, true, true, true, true, true, true, false],
    ),
];

#[tokio::test]
async fn each_role_opens_only_the_pages_its_role_allows() {
    each_app(|app| async move {
        for (i, role) in Role::ALL.into_iter().enumerate() {
            let c = Client::new(&app.base);
            c.sign_in_as(role).await;
            for (path, allowed) in MATRIX {
                let r = c.get(path).await;
                let want = if allowed[i] { 200 } else { 403 };
                assert_eq!(r.status, want, "{role:?} on {path}");
                if want == 403 {
                    assert!(r.contains("You do not have permission to see this page"));
                }
            }
        }
    })
    .await;
}

#[tokio::test]
async fn navigation_shows_only_what_the_role_may_open() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        c.sign_in_as(Role::Practitioner).await;
        let home = c.get("/home").await;
        assert!(!home.contains("href=\"/agencies\""));
        assert!(!home.contains("href=\"/audit\""));
        let c = Client::new(&app.base);
        c.sign_in_as(Role::BusinessTeam).await;
        let home = c.get("/home").await;
        assert!(home.contains("href=\"/agencies\""));
        assert!(home.contains("Northbrook Safeguarding Children Partnership"));
    })
    .await;
}

#[tokio::test]
async fn agency_lead_cannot_add_an_agency_even_by_posting_the_form() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        c.sign_in_as(Role::AgencyLead).await;
        let r = c
            .post(
                "/agencies/new",
                &[
                    ("name", "Sneaky agency"),
                    ("sector", "other"),
                    ("statutory_partner", "no"),
                    ("active", "yes"),
                ],
            )
            .await;
        assert_eq!(r.status, 403);
        let (n,): (i64,) = app
            .db
            .fetch_one(query(
                "SELECT COUNT(*) FROM agency WHERE name = 'Sneaky agency'",
            ))
            .await
            .unwrap();
        assert_eq!(n, 0);
    })
    .await;
}

#[tokio::test]
async fn system_administrator_cannot_read_the_audit_trail_or_change_agencies() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        c.sign_in_as(Role::SystemAdmin).await;
        assert_eq!(c.get("/audit").await.status, 403);
        assert_eq!(c.get("/agencies").await.status, 403);
        assert_eq!(c.get("/settings").await.status, 403);
        // It may manage accounts.
        assert_eq!(c.get("/people").await.status, 200);
    })
    .await;
}

#[tokio::test]
async fn business_team_adds_an_agency_and_the_change_is_audited() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        c.sign_in_as(Role::BusinessTeam).await;
        let r = c
            .post(
                "/agencies/new",
                &[
                    ("name", "Northbrook Dental Service"),
                    ("sector", "community-health"),
                    ("statutory_partner", "no"),
                    ("active", "yes"),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
        let list = c.get_following("/agencies").await;
        assert!(list.contains("Northbrook Dental Service"));
        let audit = c.get("/audit").await;
        assert!(audit.contains("Added agency Northbrook Dental Service"));
        // What was recorded reads in words, not as the stored data.
        assert!(audit.contains("What was recorded"), "{}", audit.body);
        assert!(audit.contains("Statutory partner</dt>"));
        assert!(!audit.contains("{&quot;") && !audit.contains("\"statutory_partner\""));
        // A change shows what changed, before and after, and counts what stayed.
        let id = common::one(
            &app,
            "SELECT id FROM agency WHERE name = ?",
            "Northbrook Dental Service",
        )
        .await;
        let r = c
            .post(
                &format!("/agencies/{id}/edit"),
                &[
                    ("name", "Northbrook Dental Practice"),
                    ("sector", "community-health"),
                    ("statutory_partner", "no"),
                    ("active", "yes"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let audit = c.get("/audit").await;
        assert!(audit.contains("What changed"), "{}", audit.body);
        assert!(audit.contains("<del>Northbrook Dental Service</del>"));
        assert!(audit.contains("3 other fields stayed as they were."));
    })
    .await;
}

#[tokio::test]
async fn a_bad_agency_form_says_how_to_fix_it_and_keeps_what_was_typed() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        c.sign_in_as(Role::BusinessTeam).await;
        let r = c
            .post(
                "/agencies/new",
                &[
                    ("name", "  "),
                    ("sector", "spaceships"),
                    ("statutory_partner", "maybe"),
                    ("active", "yes"),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.contains("Enter the agency name"));
        assert!(r.contains("Choose the type of agency"));
        assert!(r.contains("Select whether the agency is a statutory safeguarding partner"));
        // A duplicate name is refused with a message, not an error page.
        let r = c
            .post(
                "/agencies/new",
                &[
                    ("name", "northbrook constabulary"),
                    ("sector", "police"),
                    ("statutory_partner", "no"),
                    ("active", "yes"),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.contains("There is already an agency called northbrook constabulary"));
        assert!(r.contains("value=\"northbrook constabulary\""));
    })
    .await;
}

#[tokio::test]
async fn every_form_post_needs_the_csrf_token() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        c.sign_in_as(Role::BusinessTeam).await;
        let without = c
            .http
            .post(format!("{}/agencies/new", c.base))
            .form(&[
                ("name", "No token agency"),
                ("sector", "other"),
                ("statutory_partner", "no"),
                ("active", "yes"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(without.status().as_u16(), 403);
        let token = c.csrf().await;
        let cross_site = c
            .http
            .post(format!("{}/agencies/new", c.base))
            .header("Origin", "https://evil.example")
            .form(&[
                ("csrf_token", token.as_str()),
                ("name", "Cross-site agency"),
                ("sector", "other"),
                ("statutory_partner", "no"),
                ("active", "yes"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(cross_site.status().as_u16(), 403);
        let (n,): (i64,) = app
            .db
            .fetch_one(query(
                "SELECT COUNT(*) FROM agency WHERE name LIKE '%agency'",
            ))
            .await
            .unwrap();
        assert_eq!(n, 0);
    })
    .await;
}

#[tokio::test]
async fn unknown_and_other_partnership_ids_are_not_found() {
    each_app(|app| async move {
        // A second partnership with its own agency.
        let who = learnloop_store::audit::Who::system("test");
        let mut tx = app.db.begin().await.unwrap();
        let other = learnloop_store::governance::create_partnership(
            &mut tx,
            &who,
            "elsewhere",
            "Elsewhere Partnership",
        )
        .await
        .unwrap();
        let agency = learnloop_store::governance::insert_agency(
            &mut tx,
            &who,
            &other.id,
            &learnloop_store::governance::AgencyInput {
                name: "Elsewhere Police".into(),
                sector: "police".into(),
                statutory_partner: true,
                active: true,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let c = Client::new(&app.base);
        c.sign_in_as(Role::BusinessTeam).await;
        let r = c.get(&format!("/agencies/{}/edit", agency.id)).await;
        assert_eq!(r.status, 404);
        assert!(r.contains("Page not found"));
        assert!(!r.contains("Elsewhere Police"));
        assert_eq!(c.get("/agencies/not-an-id/edit").await.status, 404);
        assert_eq!(
            c.get("/people/0190c1f0-0000-7000-8000-000000000000")
                .await
                .status,
            404
        );
        assert_eq!(c.get("/no/such/page").await.status, 404);
    })
    .await;
}

#[tokio::test]
async fn an_oversized_form_is_refused_with_413() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        c.sign_in_as(Role::BusinessTeam).await;
        let big = "x".repeat(2 * 1024 * 1024);
        let r = c.post("/agencies/new", &[("name", big.as_str())]).await;
        assert_eq!(r.status, 413);
    })
    .await;
}

#[tokio::test]
async fn pages_carry_security_headers_and_no_inline_script() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        let r = c
            .http
            .get(format!("{}/sign-in", c.base))
            .send()
            .await
            .unwrap();
        let h = r.headers().clone();
        let csp = h
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
        assert_eq!(h.get("x-frame-options").unwrap(), "DENY");
        assert!(h.get("x-request-id").is_some());
        let cookies: Vec<String> = h
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        assert!(
            cookies
                .iter()
                .all(|c| c.contains("HttpOnly") && c.contains("SameSite"))
        );
        let body = r.text().await.unwrap();
        assert!(!body.contains("<script>"), "inline script on the page");
    })
    .await;
}

#[tokio::test]
async fn invited_agency_lead_sets_a_password_signs_in_and_is_refused_business_pages() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let police: (String,) = app
            .db
            .fetch_one(query(
                "SELECT id FROM agency WHERE name = 'Northbrook Constabulary'",
            ))
            .await
            .unwrap();
        let r = bt
            .post(
                "/people/invite",
                &[
                    ("name", "Jordan Patel"),
                    ("email", "Jordan.Patel@Northbrook.example"),
                    ("job_title", "Detective Sergeant"),
                    ("role", "agency-lead"),
                    ("agency", police.0.as_str()),
                    ("group", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let person = bt.get_following(r.location.as_deref().unwrap()).await;
        assert!(person.contains("Invitation sent"));
        assert!(person.contains("Agency safeguarding lead, Northbrook Constabulary"));

        let mail = last_mail_to(&app.db, "jordan.patel@northbrook.example")
            .await
            .expect("an invitation mail");
        let link = link_in(&mail, &app.base).expect("a link in the mail");
        let path = link.trim_start_matches(&app.base).to_owned();

        let lead = Client::new(&app.base);
        let form = lead.get(&path).await;
        assert!(form.contains("Create your password"));
        let short = lead
            .post(&path, &[("password", "short"), ("confirm", "short")])
            .await;
        assert!(short.contains("Password must be 12 characters or more"));
        let r = lead
            .post(
                &path,
                &[
                    ("password", "a long enough passphrase"),
                    ("confirm", "a long enough passphrase"),
                ],
            )
            .await;
        assert_eq!(r.location.as_deref(), Some("/sign-in"));
        // The link works once.
        assert_eq!(lead.get(&path).await.status, 404);

        let r = lead
            .sign_in(
                "jordan.patel@northbrook.example",
                "a long enough passphrase",
            )
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(lead.get("/home").await.status, 200);
        assert_eq!(lead.get("/people").await.status, 403);
        assert_eq!(lead.get("/agencies").await.status, 403);
    })
    .await;
}

#[tokio::test]
async fn an_agency_role_needs_its_agency() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let r = bt
            .post(
                "/people/invite",
                &[
                    ("name", "Sam"),
                    ("email", "sam@northbrook.example"),
                    ("role", "practitioner"),
                    ("agency", ""),
                    ("group", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.contains("Choose the agency this practitioner works for"));
        // The business team cannot make a system administrator.
        let r = bt
            .post(
                "/people/invite",
                &[
                    ("name", "Sam"),
                    ("email", "sam@northbrook.example"),
                    ("role", "system-admin"),
                    ("agency", ""),
                    ("group", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        let (n,): (i64,) = app
            .db
            .fetch_one(query(
                "SELECT COUNT(*) FROM person WHERE email = 'sam@northbrook.example'",
            ))
            .await
            .unwrap();
        assert_eq!(n, 0);
    })
    .await;
}

#[tokio::test]
async fn taking_away_the_last_role_ends_the_persons_access() {
    each_app(|app| async move {
        let trainer = Client::new(&app.base);
        trainer.sign_in_as(Role::Trainer).await;
        assert_eq!(trainer.get("/home").await.status, 200);
        let (pid, mid): (String, String) = app
            .db
            .fetch_one(query("SELECT p.id, m.id FROM person p JOIN membership m ON m.person_id = p.id WHERE p.email = ?").bind(email_of(Role::Trainer)))
            .await
            .unwrap();
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let r = bt.post(&format!("/people/{pid}/roles/{mid}/remove"), &[]).await;
        assert_eq!(r.status, 303);
        assert_eq!(trainer.get("/home").await.status, 303);
    })
    .await;
}

#[tokio::test]
async fn forgotten_password_gives_the_same_answer_for_any_address_and_mails_a_working_link() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        for email in [email_of(Role::Auditor), "nobody@northbrook.example"] {
            let r = c.post("/forgot-password", &[("email", email)]).await;
            assert_eq!(r.location.as_deref(), Some("/sign-in"));
        }
        assert!(
            last_mail_to(&app.db, "nobody@northbrook.example")
                .await
                .is_none()
        );
        let mail = last_mail_to(&app.db, email_of(Role::Auditor))
            .await
            .unwrap();
        let path = link_in(&mail, &app.base)
            .unwrap()
            .trim_start_matches(&app.base)
            .to_owned();
        let r = c
            .post(
                &path,
                &[
                    ("password", "brand new passphrase"),
                    ("confirm", "brand new passphrase"),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(
            c.sign_in(email_of(Role::Auditor), demo::PASSWORD)
                .await
                .status,
            422
        );
        assert_eq!(
            c.sign_in(email_of(Role::Auditor), "brand new passphrase")
                .await
                .status,
            303
        );
    })
    .await;
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_signs_out_other_sessions() {
    each_app(|app| async move {
        let here = Client::new(&app.base);
        let elsewhere = Client::new(&app.base);
        here.sign_in_as(Role::GroupChair).await;
        elsewhere.sign_in_as(Role::GroupChair).await;
        let r = here
            .post(
                "/account/password",
                &[
                    ("current", "wrong one"),
                    ("password", "another long passphrase"),
                    ("confirm", "another long passphrase"),
                ],
            )
            .await;
        assert!(r.contains("Your current password is not correct"));
        let r = here
            .post(
                "/account/password",
                &[
                    ("current", demo::PASSWORD),
                    ("password", "another long passphrase"),
                    ("confirm", "another long passphrase"),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(here.get("/home").await.status, 200);
        assert_eq!(elsewhere.get("/home").await.status, 303);
    })
    .await;
}

#[tokio::test]
async fn settings_are_saved_and_bad_values_explained() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        c.sign_in_as(Role::BusinessTeam).await;
        let r = c
            .post(
                "/settings",
                &[
                    ("name", ""),
                    ("area", "Northbrook"),
                    ("contact_email", "not an email"),
                    ("rapid_review_from", "aware"),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.contains("Enter the partnership name"));
        assert!(r.contains("Enter an email address in the correct format"));
        let r = c
            .post(
                "/settings",
                &[
                    ("name", "Northbrook Safeguarding Children Partnership"),
                    ("area", "Borough of Northbrook"),
                    ("contact_email", "team@northbrook.example"),
                    ("rapid_review_from", "aware"),
                    ("remind_before", "14, 3"),
                    ("escalate_lead_after", "28"),
                    ("escalate_chair_after", "14"),
                    ("stale_after_weeks", "6"),
                    ("impact_months", "6"),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.contains("The group chair is told after the agency lead"));
        let r = c
            .post(
                "/settings",
                &[
                    ("name", "Northbrook Safeguarding Children Partnership"),
                    ("area", "Borough of Northbrook"),
                    ("contact_email", "team@northbrook.example"),
                    ("rapid_review_from", "aware"),
                    ("remind_before", "3, 21"),
                    ("escalate_lead_after", "10"),
                    ("escalate_chair_after", "20"),
                    ("stale_after_weeks", "4"),
                    ("impact_months", "12"),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
        let (before, months): (String, i64) = app
            .db
            .fetch_one(learnloop_store::query(
                "SELECT remind_before, impact_months FROM partnership WHERE slug = 'northbrook'",
            ))
            .await
            .unwrap();
        assert_eq!((before.as_str(), months), ("21, 3", 12));
        let page = c.get("/settings").await;
        assert!(page.contains("Borough of Northbrook"));
        assert!(page.contains("Partnership settings saved"));
    })
    .await;
}

#[tokio::test]
async fn audit_trail_filters_by_what_happened() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        c.sign_in_as(Role::BusinessTeam).await;
        let agencies = c.get("/audit?action=agency.create").await;
        assert!(agencies.contains("Added agency Northbrook Constabulary"));
        assert!(!agencies.contains("sign-in · entry"));
        let signins = c.get("/audit?action=sign-in").await;
        assert!(signins.contains("Signed in"));
        assert!(!signins.contains("Added agency"));
    })
    .await;
}

#[tokio::test]
async fn a_holiday_added_by_the_business_team_and_applied_by_the_administrator_moves_a_deadline() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let calc = "/clocks?rule=rapid-review&start-day=18&start-month=12&start-year=2026";
        let before = bt.get(calc).await;
        // 15 working days after Fri 18 Dec 2026, skipping Christmas, Boxing Day (substitute Mon 28) and New Year's Day.
        assert!(before.contains("13 January 2027"), "{}", before.body);

        let r = bt
            .post(
                "/clocks/holidays",
                &[
                    ("change", "add"),
                    ("date-day", "4"),
                    ("date-month", "1"),
                    ("date-year", "2027"),
                    ("name", "Extra New Year holiday"),
                    ("reason", "Announced by royal proclamation"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        // Proposed is not applied: the deadline has not moved yet, and the team cannot apply it.
        assert!(bt.get(calc).await.contains("13 January 2027"));
        let (id,): (String,) = app
            .db
            .fetch_one(query("SELECT id FROM holiday_change"))
            .await
            .unwrap();
        assert_eq!(
            bt.post(&format!("/clocks/holidays/{id}/apply"), &[])
                .await
                .status,
            403
        );

        let admin = Client::new(&app.base);
        admin.sign_in_as(Role::SystemAdmin).await;
        assert!(
            admin
                .get("/home")
                .await
                .contains("1 proposed bank holiday change to apply or reject")
        );
        assert_eq!(
            admin
                .post(&format!("/clocks/holidays/{id}/apply"), &[])
                .await
                .status,
            303
        );

        let after = bt.get(calc).await;
        assert!(after.contains("14 January 2027"), "{}", after.body);
        assert!(
            bt.get("/clocks/holidays?year=2027")
                .await
                .contains("Extra New Year holiday")
        );
    })
    .await;
}

#[tokio::test]
async fn a_holiday_proposal_with_a_bad_date_is_explained() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let r = bt
            .post(
                "/clocks/holidays",
                &[
                    ("change", "add"),
                    ("date-day", "31"),
                    ("date-month", "2"),
                    ("date-year", "2027"),
                    ("name", "x"),
                    ("reason", "y"),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.contains("The date must be a real date"));
        let r = bt
            .post(
                "/clocks/holidays",
                &[
                    ("change", "add"),
                    ("date-day", "25"),
                    ("date-month", "12"),
                    ("date-year", "2026"),
                    ("name", "x"),
                    ("reason", "y"),
                ],
            )
            .await;
        assert!(r.contains("25 December 2026 is already a bank holiday"));
    })
    .await;
}

#[tokio::test]
async fn a_statutory_deadline_is_copied_and_varied_locally_never_edited() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let form = [
            ("from", "rapid-review"),
            ("slug", "rapid-review"),
            ("name", "Our rapid review"),
            ("starts_on", "aware"),
            ("length", "10"),
            ("unit", "working-days"),
            ("direction", "after"),
            ("source", "Local terms"),
            ("due_soon", "3"),
        ];
        let r = bt.post("/clocks/rules/new", &form).await;
        assert_eq!(r.status, 422);
        assert!(r.contains("Statutory deadlines cannot be changed"));
        let mut form = form;
        form[1].1 = "rapid-review-local";
        assert_eq!(bt.post("/clocks/rules/new", &form).await.status, 303);
        let page = bt.get("/clocks").await;
        assert!(page.contains("Our rapid review"));
        assert!(page.contains("Complete the rapid review and send it to the Panel"));
        // Other roles may not.
        let chair = Client::new(&app.base);
        chair.sign_in_as(Role::IndependentChair).await;
        assert_eq!(chair.post("/clocks/rules/new", &form).await.status, 403);
    })
    .await;
}

#[tokio::test]
async fn sign_in_never_follows_a_disguised_address_to_another_site() {
    each_app(|app| async move {
        for next in [
            "/\t/evil.example",
            "/\\evil.example",
            "/ /evil.example",
            "https://evil.example",
        ] {
            let c = Client::new(&app.base);
            let r = c
                .post(
                    "/sign-in",
                    &[
                        ("email", email_of(Role::BusinessTeam)),
                        ("password", demo::PASSWORD),
                        ("next", next),
                    ],
                )
                .await;
            assert_eq!(r.location.as_deref(), Some("/home"), "{next:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn inviting_someone_to_a_role_they_already_hold_says_so_and_sends_nothing() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let before: (i64,) = app
            .db
            .fetch_one(query("SELECT COUNT(*) FROM outbox"))
            .await
            .unwrap();
        let r = bt
            .post(
                "/people/invite",
                &[
                    ("name", "Gareth Lewis"),
                    ("email", email_of(Role::Trainer)),
                    ("role", "trainer"),
                    ("agency", ""),
                    ("group", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.contains("already has this role"));
        let after: (i64,) = app
            .db
            .fetch_one(query("SELECT COUNT(*) FROM outbox"))
            .await
            .unwrap();
        assert_eq!(before, after);
    })
    .await;
}

#[tokio::test]
async fn an_absurd_page_number_shows_the_last_page_not_an_error() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        for path in [
            "/agencies?page=9223372036854775807",
            "/people?page=-5",
            "/audit?page=99999999999",
        ] {
            assert_eq!(bt.get(path).await.status, 200, "{path}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_server_makes_its_own_request_id() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        let r = c
            .http
            .get(format!("{}/healthz", c.base))
            .header("x-request-id", "forged")
            .send()
            .await
            .unwrap();
        let id = r
            .headers()
            .get("x-request-id")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert_ne!(id, "forged");
    })
    .await;
}

#[tokio::test]
async fn every_page_tells_its_time_and_its_database_time() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        c.sign_in_as(Role::BusinessTeam).await;
        let r = c
            .http
            .get(format!("{}/reviews", app.base))
            .send()
            .await
            .unwrap();
        let timing = r.headers()["server-timing"].to_str().unwrap().to_owned();
        // e.g. db;dur=1.23;desc="6 statements", total;dur=2.34
        let statements: u32 = timing
            .split("desc=\"")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(statements >= 3, "{timing}");
        let dur = |name: &str| -> f64 {
            timing
                .split(&format!("{name};dur="))
                .nth(1)
                .and_then(|s| s.split([';', ',']).next())
                .and_then(|n| n.parse().ok())
                .unwrap()
        };
        assert!(dur("db") > 0.0 && dur("db") <= dur("total"), "{timing}");
    })
    .await;
}

/// `serve --demo` opens on a partnership that has been at work for two years, dated from
/// today: every demo sign-in finds something of its own on its first page.
#[tokio::test]
async fn the_demo_partnership_has_two_years_of_work_and_every_role_finds_some_on_its_home_page() {
    for t in learnloop_store::testing::engines().await.unwrap() {
        let db = t.open().await.unwrap();
        let today = learnloop_domain::dates::london_date(chrono::Utc::now());
        let started = std::time::Instant::now();
        assert!(demo::load_with_history(&db, 2, today, None).await.unwrap());
        assert!(started.elapsed().as_secs() < 10);
        assert!(
            !demo::load_with_history(&db, 2, today, None).await.unwrap(),
            "loaded once"
        );
        let app = common::spawn(&t, |_| {}).await;
        for role in Role::ALL {
            let c = Client::new(&app.base);
            c.sign_in_as(role).await;
            let home = c.get("/home").await;
            assert_eq!(home.status, 200);
            assert!(
                !home.contains("Nothing needs your attention"),
                "{role:?} has nothing to do:\n{}",
                home.body
            );
        }
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let cases = bt.get("/reviews").await;
        for stage in ["Rapid review", "Published"] {
            assert!(cases.contains(stage), "no case at {stage}");
        }
        let actions = bt.get("/actions").await;
        assert!(actions.contains("Overdue") || actions.contains("overdue"));
        // An audit in fieldwork with returns missing, and reported audits last year.
        let programme = bt.get("/audits").await;
        assert!(programme.contains("Fieldwork"), "{}", programme.body);
        let last_year = chrono::Datelike::year(&today) - 1;
        assert!(
            bt.get(&format!("/audits?year={last_year}"))
                .await
                .contains("Reported")
        );
        // An inspection with its plan under way, the panel's annual report received by the
        // board, and the youth forum's year with "you said, we did".
        let inspections = bt.get("/inspections").await;
        assert!(inspections.contains("Due "), "{}", inspections.body);
        let deaths = bt.get("/child-deaths").await;
        assert!(
            deaths.contains("Child death overview panel annual report"),
            "{}",
            deaths.body
        );
        assert!(deaths.contains("Safe sleep") || deaths.contains("Water safety"));
        let voice = bt.get("/voice").await;
        assert!(
            voice.contains("Youth forum with the partnership"),
            "{}",
            voice.body
        );
        let yswd = bt.get("/voice/you-said-we-did").await;
        assert!(
            yswd.contains("You said") && yswd.contains("Our answer"),
            "{}",
            yswd.body
        );
        for role in [Role::Auditor, Role::AgencyLead] {
            let c = Client::new(&app.base);
            c.sign_in_as(role).await;
            assert!(
                c.get("/home").await.contains("Return for the audit"),
                "{role:?} has no return to write"
            );
        }
    }
}
