//! The holes a security review found, each closed at its rule, with the test that proves it:
//! restricted content in the audit trail, roles changed by their holder, oversized
//! spreadsheets, lock-outs, link secrets, unbounded anonymous writes, deactivation and
//! headers. On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, each_app, ids, notify};
use learnloop_domain::accounts::Role;

/// Words of a restricted case that only its panel and the business team may read.
const SECRET_WORDS: [&str; 5] = ["Amelia", "skull", "grandparents", "Sibling B", "bruised"];

#[tokio::test]
async fn the_audit_trail_shows_a_restricted_cases_content_only_to_who_may_read_the_case() {
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
        let ok = bt
            .post(
                &format!("/reviews/{id}/rapid-review"),
                &[
                    ("facts", "Child A was bruised and admitted with a fracture."),
                    ("safety_assurance", "Sibling B is safe with grandparents"),
                    ("safety_by", "Children's social care"),
                    ("learning", "Information sharing"),
                    ("recommendation", "lcspr"),
                    ("reasons", ""),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let bt_id = ids(
            &app,
            "SELECT id FROM person WHERE email = 'business.manager@northbrook.example'",
        )
        .await;
        let filters = [
            "/audit".to_owned(),
            "/audit?action=case.rapid-review".to_owned(),
            "/audit?action=case.notify".to_owned(),
            format!("/audit?person={}", bt_id[0]),
            "/audit?from=2000-01-01&to=2100-01-01".to_owned(),
            "/audit?page=2".to_owned(),
        ];
        // The business team reads it all: the test can see the words it looks for.
        let all = bt.get("/audit?action=case.rapid-review").await;
        assert!(all.contains("grandparents"), "{}", all.body);

        // The independent chair, not on the panel, sees who did what and when, the case by its
        // reference, marked restricted, and none of its content.
        let chair = Client::new(&app.base);
        chair.sign_in_as(Role::IndependentChair).await;
        assert_eq!(
            chair.get(&format!("/reviews/{id}/review")).await.status,
            403
        );
        for path in &filters {
            let page = chair.get(path).await;
            assert_eq!(page.status, 200, "{path}");
            for w in SECRET_WORDS {
                assert!(
                    !page.contains(w),
                    "the chair off the panel read {w:?} at {path}"
                );
            }
        }
        let trail = chair.get("/audit?action=case.rapid-review").await;
        assert!(trail.contains("Restricted"));
        assert!(
            trail.contains("Case 2026-001 (restricted)"),
            "{}",
            trail.body
        );

        // Every other role is refused the trail outright.
        for role in [
            Role::GroupChair,
            Role::AgencyLead,
            Role::Practitioner,
            Role::Trainer,
            Role::Auditor,
            Role::SystemAdmin,
        ] {
            let c = Client::new(&app.base);
            c.sign_in_as(role).await;
            for path in &filters {
                let page = c.get(path).await;
                assert_eq!(page.status, 403, "{role:?} {path}");
                for w in SECRET_WORDS {
                    assert!(!page.contains(w), "{role:?} read {w:?} at {path}");
                }
            }
        }

        // Put on the panel, the chair reads the entries in full, at once.
        let chair_id = ids(
            &app,
            "SELECT id FROM person WHERE email = 'independent.chair@northbrook.example'",
        )
        .await;
        bt.post(&format!("/reviews/{id}/panel"), &[("person", &chair_id[0])])
            .await;
        assert!(
            chair
                .get("/audit?action=case.rapid-review")
                .await
                .contains("grandparents")
        );
    })
    .await;
}

async fn person_id(app: &common::TestApp, role: Role) -> String {
    let (id,): (String,) = app
        .db
        .fetch_one(
            learnloop_store::query("SELECT id FROM person WHERE email = ?")
                .bind(common::email_of(role)),
        )
        .await
        .unwrap();
    id
}

async fn roles_of(app: &common::TestApp, person: &str) -> Vec<String> {
    let rows: Vec<(String,)> = app
        .db
        .fetch_all(
            learnloop_store::query("SELECT role FROM membership WHERE person_id = ? ORDER BY role")
                .bind(person),
        )
        .await
        .unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

#[tokio::test]
async fn a_system_administrator_cannot_give_themselves_or_anyone_a_partnership_role() {
    each_app(|app| async move {
        let admin = Client::new(&app.base);
        admin.sign_in_as(Role::SystemAdmin).await;
        let me = person_id(&app, Role::SystemAdmin).await;
        let other = person_id(&app, Role::Trainer).await;
        let before = roles_of(&app, &me).await;
        for role in ["business-team", "independent-chair", "system-admin"] {
            let r = admin
                .post(
                    &format!("/people/{me}/roles"),
                    &[("role", role), ("agency", ""), ("group", "")],
                )
                .await;
            assert_eq!(r.status, 422, "{role}");
        }
        let r = admin
            .post(&format!("/people/{me}/roles"), &[("role", "system-admin")])
            .await;
        assert!(r.contains("You cannot change your own roles"), "{}", r.body);
        assert_eq!(roles_of(&app, &me).await, before);
        assert_eq!(admin.get("/reviews").await.status, 403);
        // Nor to someone else: the business team gives the partnership's roles.
        let r = admin
            .post(
                &format!("/people/{other}/roles"),
                &[("role", "business-team")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert_eq!(roles_of(&app, &other).await, vec!["trainer".to_owned()]);
        // Nor by inviting their own address.
        let r = admin
            .post(
                "/people/invite",
                &[
                    ("name", "Me"),
                    ("email", common::email_of(Role::SystemAdmin)),
                    ("role", "system-admin"),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert_eq!(roles_of(&app, &me).await, before);
        // The administrator still makes another administrator.
        let r = admin
            .post(
                &format!("/people/{other}/roles"),
                &[("role", "system-admin")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    })
    .await;
}

#[tokio::test]
async fn nobody_takes_away_their_own_roles_and_the_last_business_team_member_keeps_the_role() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let me = person_id(&app, Role::BusinessTeam).await;
        let (mid,): (String,) = app
            .db
            .fetch_one(
                learnloop_store::query(
                    "SELECT id FROM membership WHERE person_id = ? AND role = 'business-team'",
                )
                .bind(&me),
            )
            .await
            .unwrap();
        // The step goes through a confirmation page, which refuses one's own role at once.
        let confirm = bt.get(&format!("/people/{me}/roles/{mid}/remove")).await;
        assert_eq!(confirm.status, 403);
        assert!(confirm.contains("You cannot change your own roles"));
        let r = bt
            .post(&format!("/people/{me}/roles/{mid}/remove"), &[])
            .await;
        assert_eq!(r.status, 403);
        assert!(
            roles_of(&app, &me)
                .await
                .contains(&"business-team".to_owned())
        );

        // A hostile crawl of the people pages, taking away every role it is offered, leaves the
        // partnership manageable.
        let people = bt.get("/people").await;
        let ids: Vec<String> = people
            .body
            .match_indices("href=\"/people/")
            .filter_map(|(i, _)| people.body[i + 14..].split('"').next().map(str::to_owned))
            .filter(|p| p.len() == 36)
            .collect();
        assert!(ids.len() >= 7, "{}", people.body);
        for p in &ids {
            let page = bt.get(&format!("/people/{p}")).await;
            let links: Vec<String> = page
                .body
                .match_indices("/remove\"")
                .filter_map(|(i, _)| {
                    page.body[..i]
                        .rsplit('"')
                        .next()
                        .map(|h| format!("{h}/remove"))
                })
                .collect();
            for link in links {
                let c = bt.get(&link).await;
                if c.status == 200 {
                    assert!(c.contains("Take the role away"), "{}", c.body);
                }
                bt.post(&link, &[]).await;
            }
        }
        assert_eq!(bt.get("/people").await.status, 200);
        assert!(
            roles_of(&app, &me)
                .await
                .contains(&"business-team".to_owned())
        );
    })
    .await;
}

#[tokio::test]
async fn two_business_team_members_taking_each_others_role_at_once_leave_one() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let a = person_id(&app, Role::BusinessTeam).await;
        let b = person_id(&app, Role::IndependentChair).await;
        let r = bt.post(&format!("/people/{b}/roles"), &[("role", "business-team")]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let other = Client::new(&app.base);
        other.sign_in_as(Role::IndependentChair).await;
        let mid = |p: String| {
            let db = app.db.clone();
            async move {
                let (m,): (String,) = db
                    .fetch_one(learnloop_store::query("SELECT id FROM membership WHERE person_id = ? AND role = 'business-team'").bind(p))
                    .await
                    .unwrap();
                m
            }
        };
        let (ma, mb) = (mid(a.clone()).await, mid(b.clone()).await);
        let (pb, pa) = (format!("/people/{b}/roles/{mb}/remove"), format!("/people/{a}/roles/{ma}/remove"));
        let (x, y) = tokio::join!(bt.post(&pb, &[]), other.post(&pa, &[]));
        assert!(x.status < 500 && y.status < 500);
        let (n,): (i64,) = app
            .db
            .fetch_one(learnloop_store::query("SELECT COUNT(*) FROM membership WHERE role = 'business-team'"))
            .await
            .unwrap();
        assert_eq!(n, 1, "{} {}", x.status, y.status);
    })
    .await;
}

#[tokio::test]
async fn a_tiny_spreadsheet_claiming_every_cell_excel_allows_is_refused_and_the_server_stays_up() {
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
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        ws.write_string(0, 0, "Action").unwrap();
        ws.write_string(1_048_575, 16_383, "far away").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert!(bytes.len() < 10_000);
        let import = format!("/actions/import?source=case_review:{id}");
        let r = bt.upload(&import, &[], "plan.xlsx", bytes).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.contains("more than 20000 rows"), "{}", r.body);
        let health = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
        assert_eq!(health.status().as_u16(), 200);
        // A CSV with a thousand columns is refused by its limit too.
        let wide = format!("{}\n", vec!["x"; 1000].join(","));
        let r = bt.upload(&import, &[], "plan.csv", wide.into_bytes()).await;
        assert_eq!(r.status, 422);
        assert!(r.contains("more than 50 columns"), "{}", r.body);
    })
    .await;
}

#[tokio::test]
async fn pages_are_never_cached_and_carry_a_permissions_policy() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        c.sign_in_as(Role::BusinessTeam).await;
        for path in [
            "/sign-in",
            "/home",
            "/audit",
            "/actions/export.csv",
            "/no-such-page",
        ] {
            let r = c
                .http
                .get(format!("{}{path}", app.base))
                .send()
                .await
                .unwrap();
            let h = r.headers();
            assert_eq!(h.get("cache-control").unwrap(), "no-store", "{path}");
            assert!(
                h.get("permissions-policy")
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .contains("camera=()")
            );
            // Served over plain http, no promise of https is made.
            assert!(h.get("strict-transport-security").is_none());
        }
        let css = c
            .http
            .get(format!("{}/assets/app.css", app.base))
            .send()
            .await
            .unwrap();
        assert_ne!(css.headers().get("cache-control").unwrap(), "no-store");
    })
    .await;
}

#[tokio::test]
async fn over_https_cookies_take_the_host_prefix_and_browsers_are_told_to_stay_on_https() {
    common::each_app_with(
        |c| c.public_url = "https://learnloop.example.org".to_owned(),
        |app| async move {
            let c = Client::new(&app.base);
            let r = c
                .http
                .get(format!("{}/sign-in", app.base))
                .send()
                .await
                .unwrap();
            let h = r.headers();
            assert!(
                h.get("strict-transport-security")
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .contains("max-age=")
            );
            let cookies: Vec<&str> = h
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap())
                .collect();
            assert!(!cookies.is_empty());
            for cookie in cookies {
                assert!(cookie.starts_with("__Host-"), "{cookie}");
                assert!(
                    cookie.contains("; Secure")
                        && cookie.contains("Path=/")
                        && !cookie.contains("Domain")
                );
            }
        },
    )
    .await;
}

#[tokio::test]
async fn the_form_token_is_bound_to_the_session_and_renewed_at_sign_in_and_sign_out() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        let before = c.csrf().await;
        c.sign_in_as(Role::BusinessTeam).await;
        let during = c.csrf().await;
        assert_ne!(before, during, "a new token at sign-in");
        // The token from before sign-in no longer works in the session.
        let url = format!("{}/settings", app.base);
        let stale = c
            .http
            .post(&url)
            .form(&[("csrf_token", before.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status().as_u16(), 403);
        // Another visitor's token is no use in this session either.
        let other = Client::new(&app.base);
        let theirs = other.csrf().await;
        let planted = c
            .http
            .post(&url)
            .form(&[("csrf_token", theirs.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(planted.status().as_u16(), 403);
        // Signing out renews it again.
        assert_eq!(c.post("/sign-out", &[]).await.status, 303);
        let after = c.csrf().await;
        assert_ne!(after, during);
        assert_eq!(
            c.sign_in(
                common::email_of(Role::BusinessTeam),
                learnloop_store::demo::PASSWORD
            )
            .await
            .status,
            303
        );
    })
    .await;
}

#[tokio::test]
async fn a_form_posted_from_no_origin_is_refused() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        c.sign_in_as(Role::BusinessTeam).await;
        let token = c.csrf().await;
        let r = c
            .http
            .post(format!("{}/sign-out", app.base))
            .header("origin", "null")
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
        assert_eq!(c.get("/home").await.status, 200, "still signed in");
    })
    .await;
}

async fn raw_mail_to(app: &common::TestApp, to: &str) -> String {
    let (body,): (String,) = app
        .db
        .fetch_one(
            learnloop_store::query(
                "SELECT body FROM outbox WHERE to_addr = ? ORDER BY created_at DESC LIMIT 1",
            )
            .bind(to),
        )
        .await
        .unwrap();
    body
}

#[tokio::test]
async fn the_database_holds_no_usable_link_and_one_used_link_voids_the_others() {
    each_app(|app| async move {
        let email = common::email_of(Role::Auditor);
        let c = Client::new(&app.base);
        // Two reset links, five minutes' worth of mails apart being one mail: ask, then age
        // the first mail's key so a second is queued.
        assert_eq!(
            c.post("/forgot-password", &[("email", email)]).await.status,
            303
        );
        let first = common::last_mail_to(&app.db, email).await.unwrap();
        app.db
            .execute(
                learnloop_store::query("UPDATE outbox SET natural_key = 'aged' WHERE to_addr = ?")
                    .bind(email),
            )
            .await
            .unwrap();
        assert_eq!(
            c.post("/forgot-password", &[("email", email)]).await.status,
            303
        );
        let second = common::last_mail_to(&app.db, email).await.unwrap();
        let link = |m: &str| common::link_in(m, &format!("{}/set-password/", app.base)).unwrap();
        let (l1, l2) = (link(&first), link(&second));
        assert_ne!(l1, l2);

        // What the database holds: the mail with a nonce, the link's hash. Neither opens it.
        let raw = raw_mail_to(&app, email).await;
        assert!(raw.contains("/set-password/{{secret:"), "{raw}");
        let nonce = raw
            .split("{{secret:")
            .nth(1)
            .unwrap()
            .split("}}")
            .next()
            .unwrap()
            .to_owned();
        assert_eq!(c.get(&format!("/set-password/{nonce}")).await.status, 404);
        let hashes: Vec<(String,)> = app
            .db
            .fetch_all(learnloop_store::query(
                "SELECT token_hash FROM one_time_token",
            ))
            .await
            .unwrap();
        for (h,) in &hashes {
            assert!(!raw.contains(h.as_str()));
            assert_eq!(c.get(&format!("/set-password/{h}")).await.status, 404);
        }
        let secret = l2.rsplit('/').next().unwrap();
        assert!(!hashes.iter().any(|(h,)| h == secret));

        // The second link works; using it voids the first.
        let path2 = l2.trim_start_matches(&app.base).to_owned();
        assert_eq!(c.get(&path2).await.status, 200);
        let pw = "a brand new passphrase";
        assert_eq!(
            c.post(&path2, &[("password", pw), ("confirm", pw)])
                .await
                .status,
            303
        );
        let path1 = l1.trim_start_matches(&app.base).to_owned();
        assert_eq!(
            c.get(&path1).await.status,
            404,
            "the other link died with the first use"
        );
        assert_eq!(
            c.post(
                &path1,
                &[
                    ("password", "another passphrase!"),
                    ("confirm", "another passphrase!")
                ]
            )
            .await
            .status,
            404
        );
        assert_eq!(c.sign_in(email, pw).await.status, 303);
    })
    .await;
}

#[tokio::test]
async fn changing_the_password_voids_every_outstanding_reset_link() {
    each_app(|app| async move {
        let email = common::email_of(Role::Trainer);
        let anon = Client::new(&app.base);
        assert_eq!(
            anon.post("/forgot-password", &[("email", email)])
                .await
                .status,
            303
        );
        let mail = common::last_mail_to(&app.db, email).await.unwrap();
        let path = common::link_in(&mail, &format!("{}/set-password/", app.base))
            .unwrap()
            .trim_start_matches(&app.base)
            .to_owned();
        assert_eq!(anon.get(&path).await.status, 200);
        let me = Client::new(&app.base);
        me.sign_in_as(Role::Trainer).await;
        let pw = "a brand new passphrase";
        let r = me
            .post(
                "/account/password",
                &[
                    ("current", learnloop_store::demo::PASSWORD),
                    ("password", pw),
                    ("confirm", pw),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(anon.get(&path).await.status, 404);
    })
    .await;
}

#[tokio::test]
async fn an_anonymous_sign_in_writes_nothing_for_an_address_that_cannot_be_one() {
    each_app(|app| async move {
        let count = |sql: &'static str| {
            let db = app.db.clone();
            async move {
                let (n,): (i64,) = db.fetch_one(learnloop_store::query(sql)).await.unwrap();
                n
            }
        };
        let (audit0, throttle0) = (
            count("SELECT COUNT(*) FROM audit_event").await,
            count("SELECT COUNT(*) FROM login_throttle").await,
        );
        let c = Client::new(&app.base);
        let huge = format!("{}@example.org", "a".repeat(100_000));
        for email in [huge.as_str(), "not an address", "<script>alert(1)</script>"] {
            let r = c.sign_in(email, "whatever password").await;
            assert_eq!(r.status, 422);
            assert!(!r.contains("<script>alert(1)</script>"));
        }
        assert_eq!(count("SELECT COUNT(*) FROM audit_event").await, audit0);
        assert_eq!(
            count("SELECT COUNT(*) FROM login_throttle").await,
            throttle0
        );
        let (longest,): (Option<i64>,) = app
            .db
            .fetch_one(learnloop_store::query(
                "SELECT CAST(MAX(LENGTH(actor_label)) AS BIGINT) FROM audit_event",
            ))
            .await
            .unwrap();
        assert!(longest.unwrap_or(0) < 400);
        // Old failure counts are swept away, so nobody stays counted for ever.
        c.sign_in("someone@northbrook.example", "wrong password!")
            .await;
        app.db
            .execute(learnloop_store::query(
                "UPDATE login_throttle SET first_failure_at = '2020-01-01T00:00:00.000000Z'",
            ))
            .await
            .unwrap();
        let now = chrono::Utc::now();
        learnloop_store::accounts::sweep(
            &app.db,
            now,
            chrono::Duration::minutes(30),
            chrono::Duration::hours(12),
        )
        .await
        .unwrap();
        assert_eq!(count("SELECT COUNT(*) FROM login_throttle").await, 0);
    })
    .await;
}

#[tokio::test]
async fn a_deactivated_account_is_signed_out_refused_sign_in_and_its_feeds_stop() {
    each_app(|app| async move {
        let trainer = Client::new(&app.base);
        trainer.sign_in_as(Role::Trainer).await;
        let page = trainer.post("/calendar", &[]).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let start = page.body.find("/feeds/").expect("a feed address");
        let feed = page.body[start..]
            .split(['"', '<', ' '])
            .next()
            .unwrap()
            .to_owned();
        let anyone = Client::new(&app.base);
        assert_eq!(anyone.get(&feed).await.status, 200);
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let id = person_id(&app, Role::Trainer).await;
        let confirm = bt.get(&format!("/people/{id}/deactivate")).await;
        assert_eq!(confirm.status, 200);
        assert!(confirm.contains("Deactivate the account of Gareth Lewis?"));
        assert_eq!(
            bt.post(&format!("/people/{id}/deactivate"), &[])
                .await
                .status,
            303
        );
        assert!(
            bt.get(&format!("/people/{id}"))
                .await
                .contains("Deactivated")
        );
        // The feed stops; the person is signed out at once, and refused with the same words
        // as a wrong password.
        assert_eq!(anyone.get(&feed).await.status, 404);
        assert_eq!(trainer.get("/home").await.status, 303);
        let r = trainer
            .sign_in(
                common::email_of(Role::Trainer),
                learnloop_store::demo::PASSWORD,
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.contains("Enter a correct email address and password"));
        // No reset link goes to it either.
        let anon = Client::new(&app.base);
        anon.post(
            "/forgot-password",
            &[("email", common::email_of(Role::Trainer))],
        )
        .await;
        assert!(
            common::last_mail_to(&app.db, common::email_of(Role::Trainer))
                .await
                .is_none()
        );
        // Nobody deactivates themselves; only the business team and administrators may.
        let me = person_id(&app, Role::BusinessTeam).await;
        assert_eq!(
            bt.post(&format!("/people/{me}/deactivate"), &[])
                .await
                .status,
            403
        );
        let chair = Client::new(&app.base);
        chair.sign_in_as(Role::IndependentChair).await;
        assert_eq!(
            chair
                .post(&format!("/people/{me}/deactivate"), &[])
                .await
                .status,
            403
        );
        // Reactivated, the person signs in again.
        assert_eq!(
            bt.post(&format!("/people/{id}/reactivate"), &[])
                .await
                .status,
            303
        );
        assert_eq!(
            trainer
                .sign_in(
                    common::email_of(Role::Trainer),
                    learnloop_store::demo::PASSWORD
                )
                .await
                .status,
            303
        );
    })
    .await;
}

/// A person with an account in another partnership, signed in there with the demo password.
async fn someone_elsewhere(app: &common::TestApp) -> String {
    use learnloop_store::{accounts, audit::Who, governance};
    let who = Who::system("test");
    let hash = learnloop_domain::accounts::hash_password(learnloop_store::demo::PASSWORD).unwrap();
    let mut tx = app.db.begin().await.unwrap();
    let other = governance::create_partnership(
        &mut tx,
        &who,
        "southvale",
        "Southvale Safeguarding Partnership",
    )
    .await
    .unwrap();
    let p = accounts::insert_person(
        &mut tx,
        &who,
        "dana.moss@southvale.example",
        "Dana Moss-Real",
        "Head of the Southvale MASH",
        Some(&hash),
    )
    .await
    .unwrap();
    accounts::grant(
        &mut tx,
        &who,
        &p.id,
        &other.id,
        Role::Practitioner,
        None,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    p.id
}

#[tokio::test]
async fn inviting_someone_with_an_account_elsewhere_waits_for_them_and_shows_only_what_was_typed() {
    each_app(|app| async move {
        let dana = someone_elsewhere(&app).await;
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let r = bt
            .post(
                "/people/invite",
                &[
                    ("name", "D. Moss"),
                    ("email", "Dana.Moss@southvale.example"),
                    ("job_title", ""),
                    ("role", "trainer"),
                    ("agency", ""),
                    ("group", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location.as_deref(), Some("/people"));
        // No role yet, and nothing of the other partnership's record shows.
        assert!(roles_of(&app, &dana).await == vec!["practitioner".to_owned()]);
        let people = bt.get("/people").await;
        assert!(people.contains("Invitations waiting for an answer"));
        assert!(people.contains("D. Moss"));
        assert!(!people.contains("Dana Moss-Real") && !people.contains("Southvale MASH"));
        assert_eq!(bt.get(&format!("/people/{dana}")).await.status, 404);

        // The mail's link asks them; accepting gives the role.
        let mail = common::last_mail_to(&app.db, "dana.moss@southvale.example")
            .await
            .unwrap();
        let link = common::link_in(&mail, &format!("{}/join/", app.base)).expect("a join link");
        let path = link.trim_start_matches(&app.base).to_owned();
        let dana_c = Client::new(&app.base);
        let page = dana_c.get(&path).await;
        assert_eq!(page.status, 200);
        assert!(page.contains("Join Northbrook Safeguarding Children Partnership?"));
        let r = dana_c.post(&path, &[("answer", "accept")]).await;
        assert_eq!(r.status, 303);
        assert!(roles_of(&app, &dana).await.contains(&"trainer".to_owned()));
        // The link works once.
        assert_eq!(dana_c.get(&path).await.status, 404);
        assert!(
            !bt.get("/people")
                .await
                .contains("Invitations waiting for an answer")
        );
        assert_eq!(bt.get(&format!("/people/{dana}")).await.status, 200);
    })
    .await;
}

#[tokio::test]
async fn a_declined_invitation_gives_nothing() {
    each_app(|app| async move {
        let dana = someone_elsewhere(&app).await;
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        bt.post(
            "/people/invite",
            &[
                ("name", "Dana"),
                ("email", "dana.moss@southvale.example"),
                ("role", "business-team"),
            ],
        )
        .await;
        let mail = common::last_mail_to(&app.db, "dana.moss@southvale.example")
            .await
            .unwrap();
        let path = common::link_in(&mail, &format!("{}/join/", app.base))
            .unwrap()
            .trim_start_matches(&app.base)
            .to_owned();
        let c = Client::new(&app.base);
        assert_eq!(c.post(&path, &[("answer", "decline")]).await.status, 303);
        assert_eq!(roles_of(&app, &dana).await, vec!["practitioner".to_owned()]);
        assert_eq!(c.post(&path, &[("answer", "accept")]).await.status, 404);
        assert_eq!(roles_of(&app, &dana).await, vec!["practitioner".to_owned()]);
    })
    .await;
}

/// The code an authenticator app shows for a base-32 secret at a moment (RFC 6238).
fn code_at(secret_text: &str, at: u64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret_text.replace(' ', "")).unwrap();
    let t = totp_rs::Builder::new().with_secret(secret).build().unwrap();
    t.generate(at).to_string()
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The secret a set-up page shows for typing into an app.
fn secret_on(page: &str) -> String {
    page.split("<code class=\"app-code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn two_step_sign_in_is_set_up_with_a_code_each_code_works_once_and_recovery_codes_work_once()
{
    each_app(|app| async move {
        let me = Client::new(&app.base);
        me.sign_in_as(Role::Practitioner).await;
        let account = me.get("/account").await;
        assert!(account.contains("Set up two-step sign-in"));
        let page = me.get("/account/two-factor").await;
        assert_eq!(page.status, 200);
        assert!(
            page.contains("<svg role=\"img\""),
            "a QR code drawn on the server"
        );
        let secret = secret_on(&page.body);
        // The secret is kept sealed, never as the app shows it.
        let (sealed,): (Option<String>,) = app
            .db
            .fetch_one(
                learnloop_store::query("SELECT totp_sealed FROM person WHERE email = ?")
                    .bind(common::email_of(Role::Practitioner)),
            )
            .await
            .unwrap();
        assert!(
            !sealed
                .unwrap()
                .to_uppercase()
                .contains(&secret.replace(' ', ""))
        );
        // A wrong code is explained; the right one switches it on and shows ten recovery codes.
        let wrong = me.post("/account/two-factor", &[("code", "000000")]).await;
        assert_eq!(wrong.status, 422);
        assert!(wrong.contains("The code is not right"));
        let step = now_secs();
        let on = me
            .post("/account/two-factor", &[("code", &code_at(&secret, step))])
            .await;
        assert_eq!(on.status, 200, "{}", on.body);
        let recovery: Vec<String> = on
            .body
            .split("<li><code class=\"app-code\">")
            .skip(1)
            .map(|s| s.split('<').next().unwrap().to_owned())
            .collect();
        assert_eq!(recovery.len(), 10);
        assert!(
            me.get("/account")
                .await
                .contains("You have 10 recovery codes left")
        );

        // Signing in now needs a code after the password; the password alone opens nothing.
        let c = Client::new(&app.base);
        let r = c
            .sign_in(
                common::email_of(Role::Practitioner),
                learnloop_store::demo::PASSWORD,
            )
            .await;
        assert_eq!(r.status, 303);
        assert!(r.location.as_deref().unwrap().starts_with("/sign-in/code"));
        assert_eq!(
            c.get("/home").await.status,
            303,
            "no session before the code"
        );
        // The code used to switch it on is spent; so is any code of the same moment.
        let same = c
            .post("/sign-in/code", &[("code", &code_at(&secret, step))])
            .await;
        assert_eq!(same.status, 422, "a code is accepted once");
        let next = code_at(&secret, step + 30);
        let ok = c
            .post("/sign-in/code", &[("code", &next), ("next", "/actions")])
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        assert_eq!(ok.location.as_deref(), Some("/actions"));
        assert_eq!(c.get("/home").await.status, 200);
        // Replayed inside its window, the same code is refused.
        let c2 = Client::new(&app.base);
        c2.sign_in(
            common::email_of(Role::Practitioner),
            learnloop_store::demo::PASSWORD,
        )
        .await;
        assert_eq!(
            c2.post("/sign-in/code", &[("code", &next)]).await.status,
            422
        );
        // A recovery code works once, typed with or without its dash and spaces.
        let code = recovery[0].replace('-', " ");
        assert_eq!(
            c2.post("/sign-in/code", &[("code", &code)]).await.status,
            303
        );
        let c3 = Client::new(&app.base);
        c3.sign_in(
            common::email_of(Role::Practitioner),
            learnloop_store::demo::PASSWORD,
        )
        .await;
        assert_eq!(
            c3.post("/sign-in/code", &[("code", &recovery[0])])
                .await
                .status,
            422
        );
        // The code page without a right password first sends the visitor to sign in.
        let stranger = Client::new(&app.base);
        let r = stranger
            .post("/sign-in/code", &[("code", &recovery[1])])
            .await;
        assert_eq!(r.location.as_deref(), Some("/sign-in"));
        // Wrong codes are limited: after five, even a right one waits.
        let c4 = Client::new(&app.base);
        c4.sign_in(
            common::email_of(Role::Practitioner),
            learnloop_store::demo::PASSWORD,
        )
        .await;
        for _ in 0..5 {
            c4.post("/sign-in/code", &[("code", "123456")]).await;
        }
        let locked = c4.post("/sign-in/code", &[("code", &recovery[1])]).await;
        assert_eq!(locked.status, 429);
        assert!(locked.contains("Wait 15 minutes"));
    })
    .await;
}

#[tokio::test]
async fn a_partnership_that_requires_two_step_sign_in_has_it_set_up_at_the_next_sign_in() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let settings = bt.get("/settings").await;
        assert!(settings.contains("Required for the roles that read case content"));
        app.db
            .execute(learnloop_store::query(
                "UPDATE partnership SET second_factor = 'case-roles'",
            ))
            .await
            .unwrap();
        // A practitioner reads no case content: signed in as before.
        let p = Client::new(&app.base);
        p.sign_in_as(Role::Practitioner).await;
        // The independent chair sets it up before anything else.
        let chair = Client::new(&app.base);
        let r = chair
            .sign_in(
                common::email_of(Role::IndependentChair),
                learnloop_store::demo::PASSWORD,
            )
            .await;
        assert!(
            r.location
                .as_deref()
                .unwrap()
                .starts_with("/sign-in/set-up"),
            "{:?}",
            r.location
        );
        assert_eq!(chair.get("/home").await.status, 303);
        let page = chair.get("/sign-in/set-up").await;
        assert_eq!(page.status, 200);
        let secret = secret_on(&page.body);
        let on = chair
            .post(
                "/sign-in/set-up",
                &[("code", &code_at(&secret, now_secs()))],
            )
            .await;
        assert_eq!(on.status, 200, "{}", on.body);
        assert!(on.contains("Save your recovery codes"));
        assert_eq!(
            chair.get("/home").await.status,
            200,
            "signed in once it is on"
        );

        // The administrator resets it (audited, and the chair is told by mail); the chair is
        // signed out and sets it up again.
        let admin = Client::new(&app.base);
        admin.sign_in_as(Role::SystemAdmin).await;
        let id = person_id(&app, Role::IndependentChair).await;
        assert_eq!(
            admin
                .get(&format!("/people/{id}/two-factor/reset"))
                .await
                .status,
            200
        );
        assert_eq!(
            admin
                .post(&format!("/people/{id}/two-factor/reset"), &[])
                .await
                .status,
            303
        );
        assert_eq!(chair.get("/home").await.status, 303);
        assert!(
            common::last_mail_to(&app.db, common::email_of(Role::IndependentChair))
                .await
                .unwrap()
                .contains("reset your two-step sign-in")
        );
        let (n,): (i64,) = app
            .db
            .fetch_one(learnloop_store::query(
                "SELECT COUNT(*) FROM audit_event WHERE action = 'second-factor.reset'",
            ))
            .await
            .unwrap();
        assert_eq!(n, 1);
        let again = Client::new(&app.base);
        let r = again
            .sign_in(
                common::email_of(Role::IndependentChair),
                learnloop_store::demo::PASSWORD,
            )
            .await;
        assert!(
            r.location
                .as_deref()
                .unwrap()
                .starts_with("/sign-in/set-up")
        );
        // Nobody else resets it.
        assert_eq!(
            bt.post(&format!("/people/{id}/two-factor/reset"), &[])
                .await
                .status,
            403
        );
    })
    .await;
}

#[tokio::test]
async fn the_account_page_lists_the_persons_sessions_and_ends_any_of_them() {
    each_app(|app| async move {
        let laptop = Client::new(&app.base);
        laptop.sign_in_as(Role::AgencyLead).await;
        let phone = Client::new(&app.base);
        phone.sign_in_as(Role::AgencyLead).await;
        let account = laptop.get("/account").await;
        assert!(account.contains("Where you are signed in"));
        assert!(account.contains("This browser"));
        let ends: Vec<String> = account
            .body
            .match_indices("action=\"/account/sessions/")
            .map(|(i, _)| account.body[i + 8..].split('"').next().unwrap().to_owned())
            .collect();
        assert_eq!(ends.len(), 2);
        // End the other one (the one not marked "This browser").
        let this_row = account.body.find("This browser").unwrap();
        let other = ends
            .iter()
            .find(|e| {
                account.body.find(e.as_str()).unwrap() < this_row
                    || account.body.find(e.as_str()).unwrap() > this_row + 800
            })
            .unwrap()
            .clone();
        assert_eq!(laptop.post(&other, &[]).await.status, 303);
        let still: Vec<u16> = vec![
            laptop.get("/home").await.status,
            phone.get("/home").await.status,
        ];
        assert!(still.contains(&200) && still.contains(&303), "{still:?}");
        // Someone else's session cannot be ended by guessing: not found.
        let stranger = Client::new(&app.base);
        stranger.sign_in_as(Role::Auditor).await;
        assert_eq!(
            stranger
                .post("/account/sessions/0123456789abcdef/end", &[])
                .await
                .status,
            404
        );
    })
    .await;
}

/// Posts a form with the CSRF token, as if from the client address `from` (the proxy in front
/// appends it to X-Forwarded-For).
async fn post_from(
    c: &Client,
    from: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let token = c.csrf().await;
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
    form.extend_from_slice(fields);
    c.http
        .post(format!("{}{path}", c.base))
        .header("x-forwarded-for", format!("10.9.9.9, {from}"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn nobody_can_lock_another_person_out_from_their_own_address() {
    common::each_app_with(
        |c| c.behind_proxy = true,
        |app| async move {
            let victim = common::email_of(Role::Trainer);
            let attacker = Client::new(&app.base);
            for _ in 0..6 {
                post_from(
                    &attacker,
                    "203.0.113.9",
                    "/sign-in",
                    &[("email", victim), ("password", "guessing wrong")],
                )
                .await;
            }
            let r = post_from(
                &attacker,
                "203.0.113.9",
                "/sign-in",
                &[
                    ("email", victim),
                    ("password", learnloop_store::demo::PASSWORD),
                ],
            )
            .await;
            assert_eq!(
                r.status().as_u16(),
                429,
                "the attacker's address is locked out of the account"
            );
            // The trainer, from their own office, signs in as usual.
            let me = Client::new(&app.base);
            let r = post_from(
                &me,
                "198.51.100.7",
                "/sign-in",
                &[
                    ("email", victim),
                    ("password", learnloop_store::demo::PASSWORD),
                    ("next", ""),
                ],
            )
            .await;
            assert_eq!(r.status().as_u16(), 303);
        },
    )
    .await;
}

#[tokio::test]
async fn one_address_knocking_too_often_is_told_when_to_try_again() {
    common::each_app_with(
        |c| c.behind_proxy = true,
        |app| async move {
            let c = Client::new(&app.base);
            let mut last = None;
            for i in 0..70 {
                let r = post_from(
                    &c,
                    "203.0.113.50",
                    "/forgot-password",
                    &[("email", &format!("nobody{i}@example.org"))],
                )
                .await;
                if r.status().as_u16() == 429 {
                    last = Some(r);
                    break;
                }
            }
            let r = last.expect("the address is limited before 70 requests");
            let wait: u64 = r
                .headers()
                .get("retry-after")
                .unwrap()
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&wait));
            let body = r.text().await.unwrap();
            assert!(
                body.contains("too many attempts from your network"),
                "{body}"
            );
            assert!(body.contains("then try again"));
            // Guessing links is limited the same way; another address is not affected.
            let link = c
                .http
                .get(format!("{}/set-password/0000", app.base))
                .header("x-forwarded-for", "203.0.113.50")
                .send()
                .await
                .unwrap();
            assert_eq!(link.status().as_u16(), 429);
            let other = post_from(
                &c,
                "198.51.100.8",
                "/forgot-password",
                &[("email", "someone@example.org")],
            )
            .await;
            assert_eq!(other.status().as_u16(), 303);
        },
    )
    .await;
}

#[tokio::test]
async fn a_nul_character_anywhere_in_a_request_is_never_a_server_error() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let r = bt
            .post(
                "/agencies/new",
                &[
                    ("name", "Nul\0 Agency"),
                    ("sector", "other"),
                    ("statutory_partner", "no"),
                    ("active", "yes"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let (n,): (i64,) = app
            .db
            .fetch_one(learnloop_store::query(
                "SELECT COUNT(*) FROM agency WHERE name = 'Nul Agency'",
            ))
            .await
            .unwrap();
        assert_eq!(n, 1, "saved without the NUL");
        for path in [
            "/reviews?q=a%00b&reviewer=%00",
            "/actions?theme=%00",
            "/audit?person=%00&action=%00",
        ] {
            assert_eq!(bt.get(path).await.status, 200, "{path}");
        }
        for path in [
            "/clocks/rules/%00/edit",
            "/reviews/%00",
            "/set-password/%00",
        ] {
            assert_eq!(bt.get(path).await.status, 404, "{path}");
        }
        let r = bt
            .post(
                "/sign-in",
                &[("email", "a\0@b.example"), ("password", "x\0y")],
            )
            .await;
        assert!(r.status < 500);
    })
    .await;
}

/// Found by the hostile crawl: someone invited to the business team who has never set a
/// password cannot manage anything, so they do not count as the one who keeps the role.
#[tokio::test]
async fn the_last_business_team_member_who_can_sign_in_cannot_be_deactivated() {
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let r = bt
            .post(
                "/people/invite",
                &[
                    ("name", "New Starter"),
                    ("email", "new.starter@northbrook.example"),
                    ("role", "business-team"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let admin = Client::new(&app.base);
        admin.sign_in_as(Role::SystemAdmin).await;
        let manager = person_id(&app, Role::BusinessTeam).await;
        let r = admin
            .post(&format!("/people/{manager}/deactivate"), &[])
            .await;
        assert_eq!(r.status, 403);
        assert!(
            r.contains("last active member of the business team"),
            "{}",
            r.body
        );
        assert_eq!(bt.get("/people").await.status, 200);
    })
    .await;
}
