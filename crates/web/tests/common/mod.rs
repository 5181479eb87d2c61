//! Test harness: the real application on a random port over a fresh database with the demo
//! partnership, and a browser-like client (cookies, CSRF tokens, no automatic redirects).
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use learnloop_domain::accounts::Role;
use learnloop_store::query;
use learnloop_store::testing::{TestDb, engines};
use learnloop_store::{Db, Engine, demo};
pub use learnloop_web::testing::{Client, email_of, link_in};
use learnloop_web::{AppState, Config, app};

pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub engine: Engine,
}

pub async fn spawn(t: &TestDb, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let db = t.open().await.expect("open test database");
    demo::load(&db).await.expect("load demo");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = Config::new(&format!("http://{addr}"));
    config.key = learnloop_web::testing::test_key();
    tweak(&mut config);
    let files_dir = std::env::temp_dir()
        .join("learnloop-test-files")
        .join(uuid_like());
    let files = learnloop_store::files::FileStore::local(&files_dir).expect("file store");
    let state = AppState {
        db: db.clone(),
        config: Arc::new(config),
        files,
    };
    db.watch_sessions();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    TestApp {
        base: format!("http://{addr}"),
        db,
        engine: t.engine,
    }
}

/// Runs a test body on every engine, each with its own fresh app.
pub async fn each_app<F, Fut>(f: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    each_app_with(|_| {}, f).await
}

pub async fn each_app_with<F, Fut>(tweak: impl Fn(&mut Config), f: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for t in engines().await.expect("test databases") {
        let app = spawn(&t, &tweak).await;
        f(app).await;
    }
}

/// The body of the newest mail queued to an address (read from the outbox table), with its
/// links' secrets filled in as the mail worker would.
pub async fn last_mail_to(db: &Db, to: &str) -> Option<String> {
    let row: Option<(String,)> = db
        .fetch_optional(
            learnloop_store::query(
                "SELECT body FROM outbox WHERE to_addr = ? ORDER BY created_at DESC LIMIT 1",
            )
            .bind(to),
        )
        .await
        .unwrap();
    row.map(|r| learnloop_store::keys::fill_secrets(&r.0, &learnloop_web::testing::test_key()))
}

pub async fn ids(app: &TestApp, sql: &'static str) -> Vec<String> {
    let rows: Vec<(String,)> = app.db.fetch_all(query(sql)).await.unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

/// Records a notification as the business team would (two statutory agencies, the serious
/// incident group overseeing, Child A with a real name); returns the case's id.
pub async fn notify(
    app: &TestApp,
    bt: &Client,
    category: &str,
    aware: (u32, u32, i32),
    notified: Option<(u32, u32, i32)>,
) -> String {
    let agencies = ids(
        app,
        "SELECT id FROM agency WHERE statutory_partner = TRUE ORDER BY name",
    )
    .await;
    let silg = ids(
        app,
        "SELECT id FROM partnership_group WHERE name = 'Serious Incident and Learning Group'",
    )
    .await;
    let (ad, am, ay) = (
        aware.0.to_string(),
        aware.1.to_string(),
        aware.2.to_string(),
    );
    let (nd, nm, ny) = notified
        .map(|n| (n.0.to_string(), n.1.to_string(), n.2.to_string()))
        .unwrap_or_default();
    let r = bt
        .post(
            "/reviews/new",
            &[
                ("category", category),
                ("aware-day", &ad),
                ("aware-month", &am),
                ("aware-year", &ay),
                ("notified-day", &nd),
                ("notified-month", &nm),
                ("notified-year", &ny),
                ("panel_reference", "CSPRP-2026-0042"),
                (
                    "summary",
                    "Child A, aged 7 weeks, was admitted with a skull fracture.",
                ),
                ("child-1-pseudonym", "Child A"),
                ("child-1-name", "Amelia Testcase"),
                ("child-2-pseudonym", "Sibling B"),
                ("child-2-name", ""),
                ("agency", &agencies[0]),
                ("agency", &agencies[1]),
                ("group", &silg[0]),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    r.location
        .unwrap()
        .trim_start_matches("/reviews/")
        .to_owned()
}

/// Records the rapid review recommending a practice review, names the independent chair on
/// the panel, and has the chair sign it off on 18 November 2026.
pub async fn decide_lcspr(app: &TestApp, bt: &Client, id: &str) {
    let ok = bt
        .post(
            &format!("/reviews/{id}/rapid-review"),
            &[
                ("facts", "Child A was admitted with a fracture."),
                ("safety_assurance", "Sibling B is safe with grandparents"),
                ("safety_by", "Children's social care"),
                ("learning", "Information sharing"),
                ("recommendation", "lcspr"),
                ("reasons", ""),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let chair = ids(
        app,
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
                ("signed-day", "18"),
                ("signed-month", "11"),
                ("signed-year", "2026"),
            ],
        )
        .await;
    assert_eq!(signed.status, 303, "{}", signed.body);
}

fn uuid_like() -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{}-{n}", std::process::id())
}

/// The one text value a query with one argument finds.
pub async fn one(app: &TestApp, sql: &'static str, arg: &str) -> String {
    let (v,): (String,) = app.db.fetch_one(query(sql).bind(arg)).await.unwrap();
    v
}

/// A client signed in with a demo account's role.
pub async fn as_role(app: &TestApp, role: Role) -> Client {
    let c = Client::new(&app.base);
    c.sign_in_as(role).await;
    c
}

/// A date field's three boxes.
pub fn date_fields(prefix: &str, d: chrono::NaiveDate) -> Vec<(String, String)> {
    use chrono::Datelike;
    vec![
        (format!("{prefix}-day"), d.day().to_string()),
        (format!("{prefix}-month"), d.month().to_string()),
        (format!("{prefix}-year"), d.year().to_string()),
    ]
}

/// Posts owned pairs.
pub async fn post_pairs(
    c: &Client,
    path: &str,
    f: &[(String, String)],
) -> learnloop_web::testing::Page {
    let p: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.post(path, &p).await
}

/// An audit the business team planned, with the two agencies it asks.
pub struct PlannedAudit {
    pub audit: String,
    pub police: String,
    pub hospital: String,
}

/// The business team plans an audit with three lines of enquiry and two agencies.
pub async fn plan_audit(app: &TestApp, bt: &Client) -> PlannedAudit {
    let group = one(
        app,
        "SELECT id FROM partnership_group WHERE name = ?",
        "Learning and Improvement Subgroup",
    )
    .await;
    let police = one(
        app,
        "SELECT id FROM agency WHERE name = ?",
        "Northbrook Constabulary",
    )
    .await;
    let hospital = one(
        app,
        "SELECT id FROM agency WHERE name = ?",
        "Northbrook General Hospital NHS Foundation Trust",
    )
    .await;
    let today = chrono::Utc::now().date_naive();
    let mut fields: Vec<(String, String)> = vec![
        ("title".into(), "Neglect and home conditions".into()),
        ("year".into(), chrono::Datelike::year(&today).to_string()),
        (
            "reason".into(),
            "The rapid reviews of the last year found neglect recognised late.".into(),
        ),
        ("group".into(), group),
        (
            "lines".into(),
            "Quality of practice\nMulti-agency working\nOutcomes for children".into(),
        ),
        (
            "scale".into(),
            "Outstanding\nGood\nRequires improvement\nInadequate".into(),
        ),
        ("agency".into(), police.clone()),
        ("agency".into(), hospital.clone()),
    ];
    fields.extend(date_fields("fieldwork", today));
    fields.extend(date_fields("due", today + chrono::Duration::days(28)));
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let p = bt.post("/audits/new", &refs).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let audit = p
        .location
        .unwrap()
        .trim_start_matches("/audits/")
        .to_owned();
    PlannedAudit {
        audit,
        police,
        hospital,
    }
}
