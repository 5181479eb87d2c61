//! Test harness: the real application on a random port over a fresh database with the demo
//! partnership, and a browser-like client (cookies, CSRF tokens, no automatic redirects).
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

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
    tokio::spawn(async move {
        axum::serve(listener, app(state)).await.unwrap();
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

/// The body of the newest mail queued to an address (read from the outbox table).
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
    row.map(|r| r.0)
}

fn uuid_like() -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{}-{n}", std::process::id())
}
