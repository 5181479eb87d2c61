//! Cross-cutting request plumbing: cookies, the CSRF check on every form post, and one-time
//! "flash" confirmations shown after a redirect.
//!
//! CSRF: every form carries a token in a hidden field and every POST must send it back. For a
//! signed-in person the token is derived from their session's secret, so it is bound to the
//! session and renewed with it at sign-in and sign-out; before sign-in it is a random token in
//! an HttpOnly, SameSite=Strict cookie (the double-submit pattern). Browsers' `Origin` and
//! `Sec-Fetch-Site` headers must not name another site, and `Origin: null` (a sandboxed frame,
//! a `data:` page) is refused.
//!
//! Under https every cookie's name takes the `__Host-` prefix, which browsers accept only from
//! this host, over https, for the whole site: no other host can plant or shadow them.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use learnloop_store::accounts::new_secret;

use crate::AppState;
use crate::error::{AppError, too_large};
use crate::page::Flash;

const CSRF_COOKIE: &str = "ll_csrf";
const SESSION_COOKIE: &str = "ll_session";
const FLASH_COOKIE: &str = "ll_flash";

/// The name of a cookie: with the `__Host-` prefix when served over https.
fn named(base: &'static str, secure: bool) -> &'static str {
    match (base, secure) {
        (SESSION_COOKIE, true) => "__Host-ll_session",
        (CSRF_COOKIE, true) => "__Host-ll_csrf",
        (FLASH_COOKIE, true) => "__Host-ll_flash",
        (b, _) => b,
    }
}

/// The session cookie's name.
pub fn session_cookie(secure: bool) -> &'static str {
    named(SESSION_COOKIE, secure)
}

/// The CSRF token of a signed-in visitor: derived from the session's secret, so it changes
/// with the session and cannot be planted without it.
fn session_csrf(session_secret: &str) -> String {
    learnloop_store::accounts::secret_hash(&format!("csrf:{session_secret}"))
}

/// The CSRF cookie of a session that starts now (set at sign-in with the session's cookie).
pub fn session_csrf_cookie(session_secret: &str, secure: bool) -> HeaderValue {
    set_cookie(
        named(CSRF_COOKIE, secure),
        &session_csrf(session_secret),
        "Strict",
        secure,
        None,
    )
}

/// A fresh pre-sign-in CSRF cookie, set at sign-in and sign-out so that no token outlives
/// the change.
pub fn renewed_csrf_cookie(secure: bool) -> HeaderValue {
    set_cookie(
        named(CSRF_COOKIE, secure),
        &new_secret(),
        "Strict",
        secure,
        None,
    )
}
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
        None => true,
        // Sent by sandboxed frames and pages of no origin: never this site's own forms.
        Some("null") => false,
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
    let (csrf_name, flash_name) = (named(CSRF_COOKIE, secure), named(FLASH_COOKIE, secure));
    let cookie_token = cookie(req.headers(), csrf_name)
        .filter(|t| is_token(t))
        .map(str::to_owned);
    let session_token = cookie(req.headers(), session_cookie(secure))
        .filter(|s| !s.is_empty())
        .map(session_csrf);
    // Nothing to compare with: a first visit, whose post cannot be genuine.
    let is_new = cookie_token.is_none() && session_token.is_none();
    let token = session_token
        .clone()
        .or_else(|| cookie_token.clone())
        .unwrap_or_else(new_secret);
    let flash = cookie(req.headers(), flash_name).and_then(Flash::from_key);

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
    // The cookie carries the token in use, unless the handler has just renewed it (sign-in,
    // sign-out): scripts and tests read it; the check above never trusts it for a session.
    let renewed = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(csrf_name.as_bytes()));
    if !renewed && cookie_token.as_deref() != Some(token.as_str()) {
        resp.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(csrf_name, &token, "Strict", secure, None),
        );
    }
    if flash.is_some() {
        resp.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(flash_name, "", "Lax", secure, Some(0)),
        );
    }
    resp
}

/// An address with a NUL in its path names nothing here (and PostgreSQL could not look it
/// up): not found, before any handler reads it.
pub async fn no_nul_in_path(req: Request, next: Next) -> Response {
    if req.uri().path().contains("%00") {
        return crate::error::not_found().await;
    }
    next.run(req).await
}

/// Every response: kept out of browser and proxy caches (restricted pages must not stay on a
/// shared computer after sign-out), the GOV.UK Frontend assets excepted; no powerful browser
/// features; and, over https, a promise to browsers to use nothing else.
pub async fn cache_and_transport(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let asset = req.uri().path().starts_with("/assets/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if !asset {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(
            "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()",
        ),
    );
    if state.config.secure_cookies() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    resp
}

/// A redirect after a successful change, with a confirmation to show on the next page.
pub fn redirect_with(to: &str, flash: Flash, secure: bool) -> Response {
    let mut resp = Redirect::to(to).into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            named(FLASH_COOKIE, secure),
            flash.key(),
            "Lax",
            secure,
            Some(60),
        ),
    );
    resp
}

/// Reads the query string into a struct whose fields all have defaults; never fails.
pub fn query_params<T: serde::de::DeserializeOwned + Default>(q: Option<&str>) -> T {
    q.and_then(|q| {
        serde_urlencoded::from_bytes(&crate::forms::urlencoded_without_nul(q.as_bytes())).ok()
    })
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
