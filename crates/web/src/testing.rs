//! A browser-like HTTP client for tests of every crate: keeps cookies, sends the CSRF token
//! with every form, never follows redirects by itself (so tests see each hop).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use learnloop_store::demo;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::redirect::Policy;

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

#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
    pub base: String,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .build()
            .unwrap();
        Client {
            http,
            jar,
            base: base.to_owned(),
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

    /// Gets a full address, of this or another server (an identity provider's).
    pub async fn get_url(&self, url: &str) -> Page {
        Self::page(self.http.get(url).send().await.unwrap()).await
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

    /// Posts a form (with the CSRF token) whose answer is a file: its status, type and bytes.
    pub async fn post_for_file(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String, Vec<u8>) {
        let token = self.csrf().await;
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(fields);
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let kind = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (
            status,
            kind,
            resp.bytes().await.unwrap_or_default().to_vec(),
        )
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

/// The secret key of test servers, so that tests can fill in the links of queued mails as
/// the mail worker would.
pub const TEST_KEY: &str = "learnloop-test-key-not-secret-0123456789abcdef";

pub fn test_key() -> learnloop_store::keys::SecretKey {
    learnloop_store::keys::SecretKey::from_text(TEST_KEY).expect("a long enough test key")
}

/// The demo e-mail address of a role.
pub fn email_of(role: learnloop_domain::accounts::Role) -> &'static str {
    demo::PEOPLE
        .iter()
        .find(|p| p.role == role)
        .map(|p| p.email)
        .unwrap()
}

/// The first link in a text that starts with `prefix`.
pub fn link_in(text: &str, prefix: &str) -> Option<String> {
    text.split_whitespace()
        .find(|w| w.starts_with(prefix))
        .map(str::to_owned)
}

/// Decodes a mail body sent as quoted-printable (long lines are), leaving plain text as it is.
pub fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Client {
    /// Uploads a file as a browser's multipart form would, with the CSRF token in the address.
    pub async fn upload(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Page {
        let token = self.csrf().await;
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
        );
        let sep = if path.contains('?') { '&' } else { '?' };
        Self::page(
            self.http
                .post(format!("{}{path}{sep}csrf_token={token}", self.base))
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }
}
