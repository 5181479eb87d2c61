//! Two-step sign-in (RFC 6238 TOTP): setting it up by scanning a QR code drawn on the server
//! (or typing the secret), confirming it with a code, ten single-use recovery codes shown once;
//! the code step after the password; a system administrator's reset; and the person's list of
//! their own sessions.
//!
//! Between the password and the code the person holds no session, only a short-lived
//! "pending" cookie signed with the installation's key: it opens these pages and nothing else.

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use learnloop_domain::policy::{Permission, may_reset_second_factor};
use learnloop_govuk::{ErrorSummary, Input};
use learnloop_store::accounts::{self, Person, new_secret, secret_hash};
use learnloop_store::audit::Who;
use learnloop_store::is_id;
use learnloop_store::outbox::{self, NewMail};
use serde::Deserialize;

use super::{WITH_PASSWORD, safe_next, start_session, user_agent};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, FormPairs};
use crate::page::{Chrome, ConfirmPage, Flash, render, render_status};
use crate::session::{Signed, Visitor};
use crate::web::{cookie, query_params, redirect_with, set_cookie};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sign-in/code", get(code_page).post(code))
        .route("/sign-in/set-up", get(set_up_page).post(set_up))
        .route(
            "/account/two-factor",
            get(account_set_up_page).post(account_set_up),
        )
        .route("/account/sessions/{handle}/end", post(end_session))
        .route("/people/{id}/two-factor/reset", get(reset_page).post(reset))
}

const PENDING_COOKIE: &str = "ll_pending";
const PENDING_SECURE: &str = "__Host-ll_pending";
/// How long the step between the password and the code may take.
const PENDING_SECONDS: i64 = 600;
const RECOVERY_CODES: usize = 10;

fn pending_name(secure: bool) -> &'static str {
    if secure {
        PENDING_SECURE
    } else {
        PENDING_COOKIE
    }
}

/// The answer to a right password when a code is still needed: the pending cookie, and the
/// way to the code (or set-up) page.
pub(super) fn pending(st: &AppState, person_id: &str, to: &str, next: &str) -> Response {
    let expires = Utc::now().timestamp() + PENDING_SECONDS;
    let body = format!("{person_id}.{expires}");
    let mac = st.config.key.mac("pending-sign-in", &body);
    let next: String = url::form_urlencoded::byte_serialize(safe_next(next).as_bytes()).collect();
    let mut resp = Redirect::to(&format!("{to}?next={next}")).into_response();
    let secure = st.config.secure_cookies();
    resp.headers_mut().append(
        header::SET_COOKIE,
        // Lax, not Strict: after single sign-on the way here begins at the provider's site,
        // and a Strict cookie would not come back with it. It opens only these pages.
        set_cookie(
            pending_name(secure),
            &format!("{body}.{mac}"),
            "Lax",
            secure,
            Some(PENDING_SECONDS),
        ),
    );
    resp
}

/// Ends the pending step (once the session starts).
pub(super) fn clear_pending(secure: bool) -> HeaderValue {
    set_cookie(pending_name(secure), "", "Lax", secure, Some(0))
}

/// The person whose password was right a moment ago, while the pending cookie holds.
async fn pending_person(st: &AppState, headers: &HeaderMap) -> AppResult<Option<Person>> {
    let Some(value) = cookie(headers, pending_name(st.config.secure_cookies())) else {
        return Ok(None);
    };
    let mut parts = value.rsplitn(2, '.');
    let (Some(mac), Some(body)) = (parts.next(), parts.next()) else {
        return Ok(None);
    };
    if !st.config.key.verify("pending-sign-in", body, mac) {
        return Ok(None);
    }
    let Some((person_id, expires)) = body.split_once('.') else {
        return Ok(None);
    };
    if expires
        .parse::<i64>()
        .map_or(true, |e| e < Utc::now().timestamp())
    {
        return Ok(None);
    }
    Ok(accounts::person(&st.db, person_id)
        .await?
        .filter(|p| p.active))
}

fn back_to_sign_in() -> Response {
    Redirect::to("/sign-in").into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: String,
}

// ---- the code after the password ----

#[derive(Template)]
#[template(path = "accounts/code.html")]
struct CodePage {
    chrome: Chrome,
    errors: ErrorSummary,
    code: Input,
    next: String,
}

fn code_form(v: &Visitor, next: &str, errors: &Errors) -> CodePage {
    CodePage {
        chrome: v.chrome("/sign-in"),
        errors: errors.summary(),
        code: Input::new("code", "Code")
            .hint(
                "The 6-digit code your authenticator app shows now, or one of your recovery codes",
            )
            .autocomplete("one-time-code")
            .inputmode("numeric")
            .spellcheck(false)
            .width_class("govuk-input--width-10")
            .error(errors.get("code")),
        next: next.to_owned(),
    }
}

async fn code_page(
    State(st): State<AppState>,
    v: Visitor,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    let q: NextQuery = query_params(q.as_deref());
    if pending_person(&st, &headers).await?.is_none() {
        return Ok(back_to_sign_in());
    }
    render(&code_form(&v, &q.next, &Errors::default()))
}

const TOO_MANY: &str =
    "There have been too many codes that were not right. Wait 15 minutes, then sign in again";

async fn code(
    State(st): State<AppState>,
    v: Visitor,
    headers: HeaderMap,
    f: FormPairs,
) -> AppResult<Response> {
    let Some(p) = pending_person(&st, &headers).await? else {
        return Ok(back_to_sign_in());
    };
    let next = f.get("next");
    let mut errors = Errors::default();
    let typed = normalise(&f.get("code"));
    if typed.is_empty() {
        errors.add("code", "Enter the code from your authenticator app");
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &code_form(&v, &next, &errors),
        );
    }
    let key = format!("2fa:{}", p.id);
    let now = Utc::now();
    let (before, after) = accounts::count_attempt(&st.db, &key, now).await?;
    if before.as_ref().is_some_and(|t| t.is_locked(now)) {
        errors.add("code", TOO_MANY);
        return render_status(
            StatusCode::TOO_MANY_REQUESTS,
            &code_form(&v, &next, &errors),
        );
    }
    if check_code(&st, &p, &typed).await? {
        let mut tx = st.db.begin().await?;
        accounts::clear_throttle(&mut tx, &key).await?;
        tx.commit().await?;
        return start_session(&st, &v, &p, &user_agent(&headers), &next, &WITH_PASSWORD).await;
    }
    if after.is_locked(now) {
        errors.add("code", TOO_MANY);
        return render_status(
            StatusCode::TOO_MANY_REQUESTS,
            &code_form(&v, &next, &errors),
        );
    }
    errors.add(
        "code",
        "The code is not right, or it has been used already. Enter the code your app shows now",
    );
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &code_form(&v, &next, &errors),
    )
}

/// What was typed, without the spaces and dashes people add.
fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .take(40)
        .collect::<String>()
        .to_lowercase()
}

/// A code from the app (each time step accepted once) or an unused recovery code.
async fn check_code(st: &AppState, p: &Person, typed: &str) -> AppResult<bool> {
    let Some(f) = accounts::second_factor(&st.db, &p.id).await? else {
        return Ok(false);
    };
    if !f.is_on() {
        return Ok(false);
    }
    if typed.len() == 6 && typed.bytes().all(|b| b.is_ascii_digit()) {
        let Some(totp) = f
            .totp_sealed
            .as_deref()
            .and_then(|s| st.config.key.open(&p.id, s))
            .and_then(|secret| totp(secret, &p.email))
        else {
            return Ok(false);
        };
        return match totp.check(typed, now_secs()) {
            Some(step) => Ok(accounts::accept_step(&st.db, &p.id, step_i64(step)).await?),
            None => Ok(false),
        };
    }
    Ok(accounts::use_recovery_code(&st.db, &p.id, typed).await?)
}

fn now_secs() -> u64 {
    u64::try_from(Utc::now().timestamp()).unwrap_or(0)
}

fn step_i64(step: u64) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}

fn totp(secret: Vec<u8>, email: &str) -> Option<totp_rs::Totp> {
    totp_rs::Builder::new()
        .with_secret(secret)
        .with_account_name(email.replace(':', ""))
        .with_issuer(Some("Learnloop"))
        .build()
        .ok()
}

// ---- setting it up ----

#[derive(Template)]
#[template(path = "accounts/set_up_code.html")]
struct SetUpPage {
    chrome: Chrome,
    errors: ErrorSummary,
    /// The QR code, drawn here as SVG (no JavaScript, no outside service).
    qr_svg: String,
    /// The secret in the form apps accept when typed (base 32, in groups of four).
    secret_text: String,
    code: Input,
    action: String,
    next: String,
    /// Set up because the partnership requires it, at sign-in.
    required: bool,
}

#[derive(Template)]
#[template(path = "accounts/recovery_codes.html")]
struct RecoveryPage {
    chrome: Chrome,
    codes: Vec<String>,
    next: String,
}

/// The secret being set up (kept sealed between the page and the code that confirms it).
async fn secret_in_setup(st: &AppState, p: &Person) -> AppResult<Option<Vec<u8>>> {
    let f = accounts::second_factor(&st.db, &p.id).await?;
    if f.as_ref().is_some_and(accounts::SecondFactor::is_on) {
        return Ok(None);
    }
    if let Some(secret) = f
        .and_then(|f| f.totp_sealed)
        .and_then(|s| st.config.key.open(&p.id, &s))
        .filter(|s| s.len() == 20)
    {
        return Ok(Some(secret));
    }
    let mut secret = vec![0u8; 20];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut secret);
    let sealed = st.config.key.seal(&p.id, &secret);
    if !accounts::begin_totp(&st.db, &p.id, &sealed).await? {
        return Ok(None);
    }
    Ok(Some(secret))
}

fn set_up_view(
    chrome: Chrome,
    p: &Person,
    secret: Vec<u8>,
    action: &str,
    next: &str,
    required: bool,
    errors: &Errors,
) -> AppResult<SetUpPage> {
    let t = totp(secret, &p.email).ok_or_else(|| AppError::Internal("totp".into()))?;
    let url = t.to_url().map_err(|e| AppError::Internal(e.to_string()))?;
    let svg = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| AppError::Internal(e.to_string()))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .build();
    let svg = svg
        .get(svg.find("<svg").unwrap_or(0)..)
        .unwrap_or_default()
        .replacen(
            "<svg ",
            "<svg role=\"img\" aria-label=\"QR code to scan with your authenticator app\" ",
            1,
        );
    let base32 = t.secret().to_base32();
    let secret_text = base32
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(SetUpPage {
        chrome,
        errors: errors.summary(),
        qr_svg: svg,
        secret_text,
        code: Input::new("code", "Code from the app")
            .hint("Enter the 6-digit code the app shows, to check it is set up")
            .autocomplete("one-time-code")
            .inputmode("numeric")
            .spellcheck(false)
            .width_class("govuk-input--width-10")
            .error(errors.get("code")),
        action: action.to_owned(),
        next: next.to_owned(),
        required,
    })
}

/// Checks the first code and switches the second factor on; the recovery codes come back to
/// be shown once.
async fn confirm(
    st: &AppState,
    who: &Who,
    p: &Person,
    typed: &str,
) -> AppResult<Option<Vec<String>>> {
    let Some(secret) = secret_in_setup(st, p).await? else {
        return Ok(None);
    };
    let Some(t) = totp(secret, &p.email) else {
        return Ok(None);
    };
    let Some(step) = t.check(typed, now_secs()) else {
        return Ok(None);
    };
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| new_secret()[..10].to_owned())
        .collect();
    let hashes: Vec<String> = codes.iter().map(|c| secret_hash(c)).collect();
    if !accounts::enable_totp(&st.db, who, &p.id, step_i64(step), &hashes).await? {
        return Ok(None);
    }
    Ok(Some(
        codes
            .into_iter()
            .map(|c| format!("{}-{}", &c[..5], &c[5..]))
            .collect(),
    ))
}

/// A set-up code, counted against the person's wrong-code limit: the recovery codes when it
/// switched the second factor on, or the message to show by the field.
async fn confirm_counted(
    st: &AppState,
    who: &Who,
    p: &Person,
    typed: &str,
) -> AppResult<Result<Vec<String>, &'static str>> {
    let key = format!("2fa:{}", p.id);
    let now = Utc::now();
    let (before, _) = accounts::count_attempt(&st.db, &key, now).await?;
    if before.as_ref().is_some_and(|t| t.is_locked(now)) {
        return Ok(Err(TOO_MANY));
    }
    let Some(codes) = confirm(st, who, p, &normalise(typed)).await? else {
        return Ok(Err(
            "The code is not right. Enter the 6-digit code the app shows now",
        ));
    };
    let mut tx = st.db.begin().await?;
    accounts::clear_throttle(&mut tx, &key).await?;
    tx.commit().await?;
    Ok(Ok(codes))
}

fn who_of(p: &Person, v: &Visitor) -> Who {
    Who {
        person_id: Some(p.id.clone()),
        label: format!("{} <{}>", p.name, p.email),
        partnership_id: None,
        request_id: v.request_id.clone(),
    }
}

async fn set_up_page(
    State(st): State<AppState>,
    v: Visitor,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    let q: NextQuery = query_params(q.as_deref());
    let Some(p) = pending_person(&st, &headers).await? else {
        return Ok(back_to_sign_in());
    };
    let Some(secret) = secret_in_setup(&st, &p).await? else {
        return Ok(back_to_sign_in());
    };
    render(&set_up_view(
        v.chrome("/sign-in"),
        &p,
        secret,
        "/sign-in/set-up",
        &q.next,
        true,
        &Errors::default(),
    )?)
}

async fn set_up(
    State(st): State<AppState>,
    v: Visitor,
    headers: HeaderMap,
    f: FormPairs,
) -> AppResult<Response> {
    let Some(p) = pending_person(&st, &headers).await? else {
        return Ok(back_to_sign_in());
    };
    let next = f.get("next");
    let mut errors = Errors::default();
    match confirm_counted(&st, &who_of(&p, &v), &p, &f.get("code")).await? {
        Ok(codes) => {
            // The session starts now; the recovery codes are shown before going on.
            let started =
                start_session(&st, &v, &p, &user_agent(&headers), &next, &WITH_PASSWORD).await?;
            let mut page = render(&RecoveryPage {
                chrome: v.chrome("/sign-in"),
                codes,
                next: safe_next(&next).to_owned(),
            })?;
            for c in started.headers().get_all(header::SET_COOKIE) {
                page.headers_mut().append(header::SET_COOKIE, c.clone());
            }
            return Ok(page);
        }
        Err(m) => errors.add("code", m),
    }
    let Some(secret) = secret_in_setup(&st, &p).await? else {
        return Ok(back_to_sign_in());
    };
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &set_up_view(
            v.chrome("/sign-in"),
            &p,
            secret,
            "/sign-in/set-up",
            &next,
            true,
            &errors,
        )?,
    )
}

async fn account_set_up_page(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    let Some(secret) = secret_in_setup(&st, &s.person).await? else {
        return Ok(Redirect::to("/account").into_response());
    };
    render(&set_up_view(
        s.chrome("/account"),
        &s.person,
        secret,
        "/account/two-factor",
        "/account",
        false,
        &Errors::default(),
    )?)
}

async fn account_set_up(
    State(st): State<AppState>,
    s: Signed,
    f: FormPairs,
) -> AppResult<Response> {
    let mut errors = Errors::default();
    match confirm_counted(&st, &s.who(), &s.person, &f.get("code")).await? {
        Ok(codes) => {
            return render(&RecoveryPage {
                chrome: s.chrome("/account"),
                codes,
                next: "/account".to_owned(),
            });
        }
        Err(m) => errors.add("code", m),
    }
    let Some(secret) = secret_in_setup(&st, &s.person).await? else {
        return Ok(Redirect::to("/account").into_response());
    };
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &set_up_view(
            s.chrome("/account"),
            &s.person,
            secret,
            "/account/two-factor",
            "/account",
            false,
            &errors,
        )?,
    )
}

// ---- the person's own sessions ----

/// A short handle for one of a person's sessions, for the button that ends it: never the
/// session's own hash.
pub(super) fn handle(token_hash: &str) -> String {
    secret_hash(&format!("handle:{token_hash}"))[..16].to_owned()
}

async fn end_session(
    State(st): State<AppState>,
    s: Signed,
    Path(h): Path<String>,
) -> AppResult<Response> {
    let sessions = accounts::sessions_of(&st.db, &s.person.id).await?;
    let Some(found) = sessions.iter().find(|x| handle(&x.token_hash) == h) else {
        return Err(AppError::NotFound);
    };
    accounts::end_session(&st.db, &s.who(), &s.person.id, &found.token_hash).await?;
    Ok(redirect_with(
        "/account",
        Flash::SessionEnded,
        st.config.secure_cookies(),
    ))
}

// ---- a system administrator's reset ----

async fn resettable(st: &AppState, s: &Signed, id: &str) -> AppResult<Person> {
    s.require(Permission::ManagePeople)?;
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let p = accounts::person_in(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_reset_second_factor(&s.actor, id) {
        return Err(AppError::Forbidden);
    }
    Ok(p)
}

async fn reset_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let p = resettable(&st, &s, &id).await?;
    render(&ConfirmPage {
        chrome: s.chrome("/people"),
        title: format!("Reset the two-step sign-in of {}?", p.name),
        paragraphs: vec![
            format!("Do this only when {} has lost the phone or app that makes their codes, and you have checked it is them who asked.", p.name),
            "They are signed out everywhere, and set up two-step sign-in again the next time they sign in. We tell them by email.".to_owned(),
        ],
        action: format!("/people/{id}/two-factor/reset"),
        button: "Reset two-step sign-in".to_owned(),
        back: format!("/people/{id}"),
        fields: Vec::new(),
    })
}

async fn reset(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let p = resettable(&st, &s, &id).await?;
    let mut tx = st.db.begin().await?;
    accounts::reset_second_factor(&mut tx, &s.who(), &p.id).await?;
    outbox::enqueue(
        &mut tx,
        NewMail {
            kind: "second-factor-reset",
            partnership_id: None,
            natural_key: None,
            to: p.email.clone(),
            subject: "Your Learnloop two-step sign-in was reset".to_owned(),
            body: format!(
                "Hello {},\n\n{} reset your two-step sign-in to Learnloop. The next time you sign in you will set it up again with your authenticator app.\n\nIf you did not ask for this, tell your partnership's business team at once.\n",
                p.name, s.person.name
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        &format!("/people/{id}"),
        Flash::SecondFactorReset,
        st.config.secure_cookies(),
    ))
}
