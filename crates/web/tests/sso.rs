//! Single sign-on against a real OpenID Connect provider (npm `oidc-provider`, run by
//! `e2e/oidc-provider.mjs` on loopback): the business team sets the provider up; a person
//! invited first signs in through it; and each way a sign-in can go wrong is refused with a
//! page that says what to do and an audit entry. On both engines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use learnloop_domain::accounts::Role;
use learnloop_store::query;
use tokio::io::AsyncBufReadExt;

const CLIENT_ID: &str = "learnloop-test";
const CLIENT_SECRET: &str = "test-client-secret-not-a-real-one";

/// The provider's process (stopped when dropped) and its issuer.
struct Idp {
    _child: tokio::process::Child,
    issuer: String,
}

async fn idp(app: &TestApp) -> Idp {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut child = tokio::process::Command::new("node")
        .arg(root.join("e2e/oidc-provider.mjs"))
        .arg(CLIENT_ID)
        .arg(CLIENT_SECRET)
        .arg(format!("{}/sign-in/sso/callback", app.base))
        .current_dir(&root)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("run node e2e/oidc-provider.mjs (npm ci installs oidc-provider)");
    let out = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(out).lines();
    let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
        .await
        .expect("the provider starts")
        .unwrap()
        .expect("the provider prints its issuer");
    // The rest of what it prints is read and dropped, so that it never writes to a closed pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    Idp {
        _child: child,
        issuer: v["issuer"].as_str().unwrap().to_owned(),
    }
}

/// Names who the provider signs in next.
async fn next_at_idp(idp: &Idp, email: &str, verified: bool, amr: &[&str]) {
    let r = reqwest::Client::new()
        .post(format!("{}/_test/next", idp.issuer))
        .header("content-type", "application/json")
        .body(
            serde_json::json!({ "email": email, "email_verified": verified, "amr": amr })
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

/// The business team sets a provider up through the settings form; its id.
async fn set_up(app: &TestApp, bt: &Client, name: &str, issuer: &str, trust: bool) -> String {
    let mut form = vec![
        ("name", name),
        ("issuer", issuer),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("email_domains", "northbrook.example"),
    ];
    if trust {
        form.push(("trust_second_factor", "yes"));
    }
    let r = bt.post("/settings/sign-in/new", &form).await;
    assert_eq!(r.status, 303, "{}", r.body);
    one(app, "SELECT id FROM identity_provider WHERE name = ?", name).await
}

/// Presses "Sign in with …" and follows the provider's redirects until it sends the browser
/// back to Learnloop: the callback's path, not yet visited.
async fn to_callback(app: &TestApp, c: &Client, provider: &str) -> String {
    let r = c
        .post(&format!("/sign-in/sso/{provider}"), &[("next", "/home")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let mut url: reqwest::Url = r.location.unwrap().parse().unwrap();
    for _ in 0..10 {
        let p = c.get_url(url.as_str()).await;
        let loc = p
            .location
            .unwrap_or_else(|| panic!("{}: {}", p.status, p.body));
        url = url.join(&loc).unwrap();
        if url
            .as_str()
            .starts_with(&format!("{}/sign-in/sso/callback", app.base))
        {
            return format!("{}?{}", url.path(), url.query().unwrap_or(""));
        }
    }
    panic!("the provider never sent the browser back");
}

async fn refusals(app: &TestApp) -> Vec<String> {
    let rows: Vec<(String,)> = app
        .db
        .fetch_all(query(
            "SELECT summary FROM audit_event WHERE action = 'sign-in.sso.refused' ORDER BY seq",
        ))
        .await
        .unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

/// Asserts a refusal page and that the newest refusal entry says `why`.
async fn refused(app: &TestApp, p: &learnloop_web::testing::Page, says: &str, why: &str) {
    assert_eq!(p.status, 403, "{}", p.body);
    assert!(p.contains("You have not been signed in"), "{}", p.body);
    assert!(p.contains(says), "{}", p.body);
    let all = refusals(app).await;
    assert!(
        all.last().is_some_and(|s| s.contains(why)),
        "the audit trail says {all:?}, not {why:?}"
    );
}

#[tokio::test]
async fn people_invited_first_sign_in_through_their_provider_and_every_bad_sign_in_is_refused() {
    each_app(|app| async move {
        let idp = idp(&app).await;
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        // The form names each problem.
        let bad = bt
            .post(
                "/settings/sign-in/new",
                &[("name", ""), ("issuer", "ftp://x"), ("email_domains", "not a domain")],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("as it shows on its button"), "{}", bad.body);
        assert!(bad.contains("Enter the client secret"));
        let provider = set_up(&app, &bt, "Northbrook Council", &idp.issuer, false).await;
        // The secret is sealed, never kept as typed; the settings page never shows it.
        let sealed = one(
            &app,
            "SELECT client_secret_sealed FROM identity_provider WHERE id = ?",
            &provider,
        )
        .await;
        assert!(!sealed.contains(CLIENT_SECRET));
        let settings = bt.get("/settings/sign-in").await;
        assert!(settings.contains("Northbrook Council") && !settings.contains(CLIENT_SECRET));
        assert!(settings.contains("/sign-in/sso/callback"));

        // The partnership's sign-in page has the button.
        let anon = Client::new(&app.base);
        let page = anon.get("/sign-in?partnership=northbrook").await;
        assert!(page.contains("Sign in with Northbrook Council"), "{}", page.body);

        // Success: the police lead, invited first, signs in without a Learnloop password.
        let lead = email_of(Role::AgencyLead);
        next_at_idp(&idp, lead, true, &["pwd"]).await;
        let c = Client::new(&app.base);
        let back = to_callback(&app, &c, &provider).await;
        let done = c.get(&back).await;
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(done.location.as_deref(), Some("/home"));
        let home = c.get("/home").await;
        assert_eq!(home.status, 200);
        assert!(home.contains("Sign out"));
        let (summary,): (String,) = app
            .db
            .fetch_one(query(
                "SELECT summary FROM audit_event WHERE action = 'sign-in' ORDER BY seq DESC LIMIT 1",
            ))
            .await
            .unwrap();
        assert_eq!(summary, "Signed in through Northbrook Council");

        // A replayed callback: the sign-in under way was used once.
        let again = Client::new(&app.base);
        let replay = again.get(&back).await;
        refused(&app, &replay, "expired or was already used", "expired").await;
        // The same code with a sign-in of its own: the provider refuses a code used before.
        next_at_idp(&idp, lead, true, &["pwd"]).await;
        let fresh = to_callback(&app, &again, &provider).await;
        let state = fresh.split("state=").nth(1).unwrap().split('&').next().unwrap();
        let code = back.split("code=").nth(1).unwrap().split('&').next().unwrap();
        let swapped = again
            .get(&format!("/sign-in/sso/callback?code={code}&state={state}"))
            .await;
        refused(&app, &swapped, "already been used", "did not accept the code").await;

        // An expired sign-in: back more than ten minutes after leaving.
        next_at_idp(&idp, lead, true, &["pwd"]).await;
        let slow = Client::new(&app.base);
        let late = to_callback(&app, &slow, &provider).await;
        let old = learnloop_store::ts(chrono::Utc::now() - chrono::Duration::minutes(11));
        app.db
            .execute(query("UPDATE sso_sign_in SET created_at = ?").bind(&old))
            .await
            .unwrap();
        let p = slow.get(&late).await;
        refused(&app, &p, "within 10 minutes", "expired").await;

        // A callback in another browser than the one that left (a login forced on someone).
        next_at_idp(&idp, lead, true, &["pwd"]).await;
        let victim = Client::new(&app.base);
        let forced = to_callback(&app, &Client::new(&app.base), &provider).await;
        let p = victim.get(&forced).await;
        refused(&app, &p, "in the browser it was started in", "expired").await;

        // An email address the provider has not verified.
        next_at_idp(&idp, lead, false, &["pwd"]).await;
        let u = Client::new(&app.base);
        let back = to_callback(&app, &u, &provider).await;
        let p = u.get(&back).await;
        refused(&app, &p, "has not confirmed that your email address", "not verified").await;
        assert!(u.get("/home").await.status != 200);

        // An address of a domain the provider does not vouch for.
        next_at_idp(&idp, "sam.carter@elsewhere.example", true, &["pwd"]).await;
        let o = Client::new(&app.base);
        let back = to_callback(&app, &o, &provider).await;
        let p = o.get(&back).await;
        refused(&app, &p, "does not sign in people with an email address like yours", "does not vouch").await;

        // A person with no role: the provider never creates one.
        next_at_idp(&idp, "new.starter@northbrook.example", true, &["mfa"]).await;
        let n = Client::new(&app.base);
        let back = to_callback(&app, &n, &provider).await;
        let p = n.get(&back).await;
        refused(&app, &p, "You need an invitation", "no account").await;
        let (made,): (i64,) = app
            .db
            .fetch_one(query("SELECT COUNT(*) FROM person WHERE email = 'new.starter@northbrook.example'"))
            .await
            .unwrap();
        assert_eq!(made, 0);

        // An account that administers the installation (or works in another partnership) is
        // signed in only with its password.
        next_at_idp(&idp, email_of(Role::SystemAdmin), true, &["mfa"]).await;
        let a = Client::new(&app.base);
        let back = to_callback(&app, &a, &provider).await;
        let p = a.get(&back).await;
        refused(&app, &p, "more than one partnership", "beyond this partnership").await;

        // A provider whose discovery document names another issuer than the one set up.
        let wrong = set_up(
            &app,
            &bt,
            "Northbrook Police",
            &idp.issuer.replace("127.0.0.1", "localhost"),
            false,
        )
        .await;
        let w = Client::new(&app.base);
        let p = w
            .post(&format!("/sign-in/sso/{wrong}"), &[("next", "")])
            .await;
        refused(&app, &p, "did not identify itself", "another issuer").await;

        // Every refusal is in the audit trail, for the provider's partnership.
        let (unscoped,): (i64,) = app
            .db
            .fetch_one(query(
                "SELECT COUNT(*) FROM audit_event WHERE action = 'sign-in.sso.refused' AND partnership_id IS NULL",
            ))
            .await
            .unwrap();
        assert_eq!(unscoped, 1, "only the replayed callback has no provider to name");
        assert_eq!(refusals(&app).await.len(), 9);
    })
    .await;
}

#[tokio::test]
async fn a_providers_second_factor_counts_only_where_the_partnership_accepts_it() {
    each_app(|app| async move {
        let idp = idp(&app).await;
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        // Everyone must use a second factor.
        app.db
            .execute(query("UPDATE partnership SET second_factor = 'everyone'"))
            .await
            .unwrap();
        let provider = set_up(&app, &bt, "Northbrook Council", &idp.issuer, false).await;
        let lead = email_of(Role::AgencyLead);

        // Not accepted: Learnloop's own second factor is still asked for.
        next_at_idp(&idp, lead, true, &["pwd", "mfa"]).await;
        let c = Client::new(&app.base);
        let back = to_callback(&app, &c, &provider).await;
        let p = c.get(&back).await;
        assert_eq!(p.status, 303);
        assert!(p.location.as_deref().unwrap().starts_with("/sign-in/set-up"), "{:?}", p.location);
        assert_ne!(c.get("/home").await.status, 200);

        // Accepted, and asserted: signed in.
        let edit = bt
            .post(
                &format!("/settings/sign-in/{provider}"),
                &[
                    ("name", "Northbrook Council"),
                    ("issuer", &idp.issuer),
                    ("client_id", CLIENT_ID),
                    ("client_secret", ""),
                    ("email_domains", "northbrook.example"),
                    ("trust_second_factor", "yes"),
                ],
            )
            .await;
        assert_eq!(edit.status, 303, "{}", edit.body);
        next_at_idp(&idp, lead, true, &["pwd", "mfa"]).await;
        let c = Client::new(&app.base);
        let back = to_callback(&app, &c, &provider).await;
        let p = c.get(&back).await;
        assert_eq!(p.location.as_deref(), Some("/home"), "{}", p.body);
        assert_eq!(c.get("/home").await.status, 200);

        // Accepted, but only a password used at the provider: the code is still asked for.
        next_at_idp(&idp, lead, true, &["pwd"]).await;
        let c = Client::new(&app.base);
        let back = to_callback(&app, &c, &provider).await;
        let p = c.get(&back).await;
        assert!(p.location.as_deref().unwrap().starts_with("/sign-in/set-up"));

        // A second factor the person set up themselves is asked for whatever the provider says.
        app.db
            .execute(
                query(
                    "UPDATE person SET totp_sealed = 'x', totp_enabled_at = '2026-01-01T00:00:00.000000Z' WHERE email = ?",
                )
                .bind(lead),
            )
            .await
            .unwrap();
        next_at_idp(&idp, lead, true, &["pwd", "mfa"]).await;
        let c = Client::new(&app.base);
        let back = to_callback(&app, &c, &provider).await;
        let p = c.get(&back).await;
        assert!(p.location.as_deref().unwrap().starts_with("/sign-in/code"), "{:?}", p.location);

        // A new issuer needs its secret typed again; an agency not the partnership's is refused.
        let moved = bt
            .post(
                &format!("/settings/sign-in/{provider}"),
                &[
                    ("name", "Northbrook Council"),
                    ("issuer", "https://login.example.org/other/v2.0"),
                    ("client_id", CLIENT_ID),
                    ("client_secret", ""),
                    ("email_domains", "northbrook.example"),
                    ("agency", "01900000-0000-7000-8000-000000000000"),
                ],
            )
            .await;
        assert_eq!(moved.status, 422);
        assert!(moved.contains("Enter the client secret"), "{}", moved.body);
        assert!(moved.contains("Choose the agencies from the list"));
        assert_eq!(
            one(&app, "SELECT issuer FROM identity_provider WHERE id = ?", &provider).await,
            idp.issuer
        );

        // Removing the provider takes its button away; the change is audited.
        let r = bt
            .post(&format!("/settings/sign-in/{provider}/remove"), &[])
            .await;
        assert_eq!(r.status, 303);
        let page = Client::new(&app.base)
            .get("/sign-in?partnership=northbrook")
            .await;
        assert!(!page.contains("Sign in with"));
        let actions: Vec<(String,)> = app
            .db
            .fetch_all(query(
                "SELECT action FROM audit_event WHERE target_kind = 'identity_provider' AND action LIKE 'identity-provider.%' ORDER BY seq",
            ))
            .await
            .unwrap();
        let actions: Vec<&str> = actions.iter().map(|a| a.0.as_str()).collect();
        assert_eq!(
            actions,
            ["identity-provider.add", "identity-provider.update", "identity-provider.remove"]
        );
    })
    .await;
}
