//! Cross-cutting request plumbing: cookies, the CSRF check on every form post, and one-time
//! "flash" confirmations shown after a redirect.
//!
//! CSRF: a random token lives in an HttpOnly, SameSite=Strict cookie and is echoed in a hidden
//! field of every form (the double-submit pattern); every POST must carry it, and browsers'
//! `Origin` and `Sec-Fetch-Site` headers must not name another site.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use learnloop_store::accounts::new_secret;

use crate::AppState;
use crate::error::{AppError, too_large};
use crate::page::Flash;

pub const CSRF_COOKIE: &str = "ll_csrf";
pub const SESSION_COOKIE: &str = "ll_session";
pub const FLASH_COOKIE: &str = "ll_flash";
pub const CSRF_FIELD: &str = "csrf_token";
const FORM_LIMIT: usize = 1024 * 1024;

/// The CSRF token of this visitor, for forms.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// Reads one cookie from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A Set-Cookie header value; HttpOnly always, Secure when served over https.
pub fn set_cookie(
    name: &str,
    value: &str,
    same_site: &str,
    secure: bool,
    max_age: Option<i64>,
) -> HeaderValue {
    let mut s = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}");
    if secure {
        s.push_str("; Secure");
    }
    if let Some(age) = max_age {
        s.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

fn is_token(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn same_origin(headers: &HeaderMap) -> bool {
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site")
    {
        return false;
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None | Some("null") => true,
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            let origin_host = url::Url::parse(origin).ok().and_then(|u| {
                u.host_str().map(|h| match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_owned(),
                })
            });
            match (host, origin_host) {
                (Some(h), Some(o)) => h.eq_ignore_ascii_case(&o),
                _ => false,
            }
        }
    }
}

/// Middleware: hands every request its CSRF token and flash message, and refuses any state
/// changing request without a matching token.
pub async fn csrf_and_flash(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let secure = state.config.secure_cookies();
    let existing = cookie(req.headers(), CSRF_COOKIE)
        .filter(|t| is_token(t))
        .map(str::to_owned);
    let is_new = existing.is_none();
    let token = existing.unwrap_or_else(new_secret);
    let flash = cookie(req.headers(), FLASH_COOKIE).and_then(Flash::from_key);

    let mut req = req;
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        if !same_origin(req.headers()) {
            return AppError::BadToken.into_response();
        }
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        let sent = if is_form {
            let (parts, body) = req.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
                return too_large();
            };
            let sent = url::form_urlencoded::parse(&bytes)
                .find(|(k, _)| k == CSRF_FIELD)
                .map(|(_, v)| v.into_owned());
            req = Request::from_parts(parts, Body::from(bytes));
            sent
        } else {
            req.uri().query().and_then(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == CSRF_FIELD)
                    .map(|(_, v)| v.into_owned())
            })
        };
        let ok = !is_new
            && sent.is_some_and(|s| {
                subtle::ConstantTimeEq::ct_eq(s.as_bytes(), token.as_bytes()).into()
            });
        if !ok {
            return AppError::BadToken.into_response();
        }
    }
    req.extensions_mut().insert(CsrfToken(token.clone()));
    req.extensions_mut().insert(flash);
    let mut resp = next.run(req).await;
    if is_new {
        resp.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(CSRF_COOKIE, &token, "Strict", secure, None),
        );
    }
    if flash.is_some() {
        resp.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(FLASH_COOKIE, "", "Lax", secure, Some(0)),
        );
    }
    resp
}

/// A redirect after a successful change, with a confirmation to show on the next page.
pub fn redirect_with(to: &str, flash: Flash, secure: bool) -> Response {
    let mut resp = Redirect::to(to).into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(FLASH_COOKIE, flash.key(), "Lax", secure, Some(60)),
    );
    resp
}

/// Reads the query string into a struct whose fields all have defaults; never fails.
pub fn query_params<T: serde::de::DeserializeOwned + Default>(q: Option<&str>) -> T {
    q.and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default()
}

/// Tells, in a `Server-Timing` header, how long the request took in all and how much of it was
/// spent in the database (and in how many statements): the application's own share is the
/// difference. Browsers show it in their developer tools; the benchmarks read it.
pub async fn server_timing(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let started = std::time::Instant::now();
    let (mut resp, n, db) = learnloop_store::timing::measure(next.run(req)).await;
    let total = started.elapsed();
    let value = format!(
        "db;dur={:.2};desc=\"{n} statements\", total;dur={:.2}",
        db.as_secs_f64() * 1000.0,
        total.as_secs_f64() * 1000.0
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&value) {
        resp.headers_mut().insert("server-timing", v);
    }
    resp
}
