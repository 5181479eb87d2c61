//! Test harness: the real application on a random port over a fresh database with the demo
//! partnership, and a browser-like client (cookies, CSRF tokens, no automatic redirects).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use learnloop_store::testing::{TestDb, engines};
use learnloop_store::{Db, Engine, demo};
use learnloop_web::{AppState, Config, app};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::redirect::Policy;

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
    let state = AppState {
        db: db.clone(),
        config: Arc::new(config),
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

pub struct Page {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
}

impl Page {
    pub fn contains(&self, s: &str) -> bool {
        self.body.contains(s)
    }
}

pub struct Client {
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
    pub base: String,
}

impl Client {
    pub fn new(app: &TestApp) -> Client {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .build()
            .unwrap();
        Client {
            http,
            jar,
            base: app.base.clone(),
        }
    }

    async fn page(resp: reqwest::Response) -> Page {
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Page {
            status,
            body: resp.text().await.unwrap_or_default(),
            location,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::page(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Follows redirects by hand (so tests can also see each hop).
    pub async fn get_following(&self, path: &str) -> Page {
        let mut p = self.get(path).await;
        let mut hops = 0;
        while let (Some(loc), true) = (p.location.clone(), hops < 5) {
            p = self.get(&loc).await;
            hops += 1;
        }
        p
    }

    /// The CSRF token the server gave this client (visiting a page first if needed).
    pub async fn csrf(&self) -> String {
        let url: reqwest::Url = self.base.parse().unwrap();
        let find = |jar: &Jar| {
            jar.cookies(&url).and_then(|h| {
                h.to_str().ok().and_then(|s| {
                    s.split(';')
                        .filter_map(|kv| kv.trim().split_once('='))
                        .find(|(k, _)| *k == "ll_csrf")
                        .map(|(_, v)| v.to_owned())
                })
            })
        };
        if let Some(t) = find(&self.jar) {
            return t;
        }
        self.get("/sign-in").await;
        find(&self.jar).expect("the server sets a CSRF cookie")
    }

    /// Posts a form as a browser would, with the CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf().await;
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(fields);
        Self::page(
            self.http
                .post(format!("{}{path}", self.base))
                .form(&form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        self.post(
            "/sign-in",
            &[("email", email), ("password", password), ("next", "")],
        )
        .await
    }

    /// Signs in as the demo person with this role.
    pub async fn sign_in_as(&self, role: learnloop_domain::accounts::Role) {
        let p = demo::PEOPLE.iter().find(|p| p.role == role).unwrap();
        let r = self.sign_in(p.email, demo::PASSWORD).await;
        assert_eq!(r.status, 303, "sign-in as {role:?} failed: {}", r.body);
    }
}

/// The demo e-mail address of a role.
pub fn email_of(role: learnloop_domain::accounts::Role) -> &'static str {
    demo::PEOPLE
        .iter()
        .find(|p| p.role == role)
        .map(|p| p.email)
        .unwrap()
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

/// The first link in a text that starts with `prefix`.
pub fn link_in(text: &str, prefix: &str) -> Option<String> {
    text.split_whitespace()
        .find(|w| w.starts_with(prefix))
        .map(str::to_owned)
}
