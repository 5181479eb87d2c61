//! Signing in and out, passwords (change, forgotten, set from an invitation), and the
//! person's own account page.

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use learnloop_domain::accounts::{
    DUMMY_HASH, Email, Role, Throttle, TokenPurpose, check_new_password, hash_password,
    token_lifetime, verify_password,
};
use learnloop_govuk::{ErrorSummary, Input};
use learnloop_store::accounts::{self, new_secret, secret_hash};
use learnloop_store::audit::{self, Event, Who};
use learnloop_store::keys::secret_marker;
use learnloop_store::outbox::{self, NewMail};
use serde::Deserialize;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, FormPairs};
use crate::page::{Chrome, Flash, InfoPage, render, render_status};
use crate::session::{Signed, Visitor};
use crate::web::{
    query_params, redirect_with, renewed_csrf_cookie, session_cookie, session_csrf_cookie,
    set_cookie,
};

mod second_factor;
mod sso;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(second_factor::routes())
        .merge(sso::routes())
        .route("/", get(start))
        .route("/sign-in", get(sign_in_page).post(sign_in))
        .route("/sign-out", post(sign_out))
        .route("/forgot-password", get(forgot_page).post(forgot))
        .route(
            "/set-password/{token}",
            get(set_password_page).post(set_password),
        )
        .route("/join/{token}", get(join_page).post(join))
        .route("/account", get(account))
        .route(
            "/account/password",
            get(change_password_page).post(change_password),
        )
        .route("/account/partnership", post(switch_partnership))
        .route("/accessibility", get(accessibility))
        .route("/privacy", get(privacy))
}

async fn start(v: Visitor) -> Redirect {
    if v.signed.is_some() {
        Redirect::to("/home")
    } else {
        Redirect::to("/sign-in")
    }
}

/// Only a path on this site may be a destination after sign-in.
pub(crate) fn safe_next(next: &str) -> &str {
    // Browsers drop tabs and newlines from addresses and read "\\" as "/", so "/\t/evil" would
    // become "//evil": only a plain path on this site passes.
    let plain = !next
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if plain && next.starts_with('/') && !next.starts_with("//") {
        next
    } else {
        "/home"
    }
}

#[derive(Template)]
#[template(path = "accounts/sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    errors: ErrorSummary,
    email: Input,
    password: Input,
    next: String,
    /// The partnership's short name when the address names one (its staff's sign-in address).
    partnership: String,
    /// "Sign in with …": (provider id, its name, its partnership's name).
    providers: Vec<(String, String, String)>,
}

/// Without a partnership in the address, the buttons show only while the whole installation
/// has this few (a partnership's own address shows all of its own).
const BUTTONS_UNSCOPED: i64 = 6;

/// The identity providers' buttons for the sign-in page.
async fn provider_buttons(
    st: &AppState,
    partnership: &str,
) -> AppResult<Vec<(String, String, String)>> {
    if partnership.is_empty() {
        let all = learnloop_store::sso::buttons(&st.db, None, BUTTONS_UNSCOPED + 1).await?;
        Ok(if all.len() as i64 > BUTTONS_UNSCOPED {
            Vec::new()
        } else {
            all
        })
    } else {
        Ok(learnloop_store::sso::buttons(&st.db, Some(partnership), 50).await?)
    }
}

fn sign_in_form(v: &Visitor, email: &str, next: &str, errors: &Errors) -> SignInPage {
    SignInPage {
        partnership: String::new(),
        providers: Vec::new(),
        chrome: v.chrome("/sign-in"),
        errors: errors.summary(),
        email: Input::new("email", "Email address")
            .input_type("email")
            .autocomplete("email")
            .spellcheck(false)
            .value(email)
            .error(errors.get("email")),
        password: Input::new("password", "Password")
            .input_type("password")
            .autocomplete("current-password")
            .error(errors.get("password")),
        next: next.to_owned(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SignInQuery {
    next: String,
    partnership: String,
}

async fn sign_in_page(
    State(st): State<AppState>,
    v: Visitor,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    let q: SignInQuery = query_params(q.as_deref());
    if v.signed.is_some() {
        return Ok(Redirect::to(safe_next(&q.next)).into_response());
    }
    let mut page = sign_in_form(&v, "", &q.next, &Errors::default());
    page.providers = provider_buttons(&st, &q.partnership).await?;
    page.partnership = q.partnership;
    render(&page)
}

/// The browser a session starts in, as it names itself (for the person's list of sessions).
fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(200)
        .collect()
}

/// How a session began: the partnership to open first (the one whose identity provider
/// vouched for the person) and what the audit trail says.
pub(crate) struct Through<'a> {
    pub partnership: Option<&'a str>,
    pub summary: &'a str,
}

/// A sign-in with a password (and any second factor).
pub(crate) const WITH_PASSWORD: Through<'static> = Through {
    partnership: None,
    summary: "Signed in",
};

/// Starts a session for a person who has proved who they are: the session and its form token
/// (new ones: nothing read before sign-in is any use after it), the audit entry, and the way
/// on to where they were going.
pub(crate) async fn start_session(
    st: &AppState,
    v: &Visitor,
    p: &accounts::Person,
    user_agent: &str,
    next: &str,
    through: &Through<'_>,
) -> AppResult<Response> {
    let partnerships = accounts::partnerships_of(&st.db, &p.id).await?;
    let first_partnership = through
        .partnership
        .filter(|pid| partnerships.iter().any(|(id, _)| id == pid))
        .map(str::to_owned)
        .or_else(|| partnerships.first().map(|(id, _)| id.clone()));
    let secret = new_secret();
    let mut tx = st.db.begin().await?;
    accounts::create_session(
        &mut tx,
        &secret_hash(&secret),
        &p.id,
        first_partnership.as_deref(),
        Utc::now() + st.config.sessions.absolute,
        user_agent,
    )
    .await?;
    let who = Who {
        person_id: Some(p.id.clone()),
        label: format!("{} <{}>", p.name, p.email),
        partnership_id: first_partnership,
        request_id: v.request_id.clone(),
    };
    audit::append(
        &mut tx,
        &who,
        Event::new("sign-in", "person", Some(&p.id)).summary(through.summary),
    )
    .await?;
    tx.commit().await?;
    let mut resp = Redirect::to(safe_next(next)).into_response();
    let secure = st.config.secure_cookies();
    let h = resp.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(session_cookie(secure), &secret, "Lax", secure, None),
    );
    h.append(header::SET_COOKIE, session_csrf_cookie(&secret, secure));
    h.append(header::SET_COOKIE, second_factor::clear_pending(secure));
    Ok(resp)
}

async fn sign_in(
    State(st): State<AppState>,
    v: Visitor,
    headers: HeaderMap,
    axum::Extension(addr): axum::Extension<crate::limits::ClientAddr>,
    f: FormPairs,
) -> AppResult<Response> {
    let (typed, password, next) = (f.get("email"), f.get("password"), f.get("next"));
    let mut errors = Errors::default();
    // The address is checked before anything is written: only a well-formed address (254
    // characters at most) becomes a throttle key or an audit label.
    let email = if typed.trim().is_empty() {
        errors.add("email", "Enter your email address");
        None
    } else {
        errors.check("email", Email::parse(&typed))
    };
    if password.is_empty() {
        errors.add("password", "Enter your password");
    }
    let (Some(email), true) = (email, errors.is_empty()) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &sign_in_form(&v, &typed, &next, &errors),
        );
    };
    let key = email.as_str().to_owned();
    // Five wrong passwords lock the account for the address they came from (so nobody can
    // lock another person out from theirs); fifty from anywhere lock it for everyone.
    let pair = format!("{key}|{}", addr.0);
    let now = Utc::now();
    let (pair_before, pair_after) = accounts::count_attempt(&st.db, &pair, now).await?;
    let (acct_before, acct_after) =
        accounts::count_attempt_of(&st.db, &key, now, Throttle::MAX_ACCOUNT_FAILURES).await?;
    let locked_msg = "There have been too many attempts to sign in with this email address. Wait 15 minutes, then try again";
    if [pair_before, acct_before]
        .iter()
        .flatten()
        .any(|t| t.is_locked(now))
    {
        audit::record(
            &st.db,
            &Who {
                label: key.clone(),
                request_id: v.request_id.clone(),
                ..Who::default()
            },
            Event::new("sign-in.locked", "person", None)
                .summary("Sign-in refused: too many attempts"),
        )
        .await?;
        errors.add("email", locked_msg);
        return render_status(
            StatusCode::TOO_MANY_REQUESTS,
            &sign_in_form(&v, &typed, &next, &errors),
        );
    }
    let person = accounts::person_by_email(&st.db, email.as_str()).await?;
    let partnerships = match &person {
        Some(p) => accounts::partnerships_of(&st.db, &p.id).await?,
        None => Vec::new(),
    };
    let hash = person
        .as_ref()
        .and_then(|p| p.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_owned());
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let ok = matches && !partnerships.is_empty() && person.as_ref().is_some_and(|p| p.active);
    let first_partnership = partnerships.first().map(|(id, _)| id.clone());

    match (&person, ok) {
        (Some(p), true) => {
            let mut tx = st.db.begin().await?;
            accounts::clear_throttle(&mut tx, &pair).await?;
            accounts::clear_throttle(&mut tx, &key).await?;
            tx.commit().await?;
            // With a second factor on (or required of their roles), the password is only the
            // first step: the session starts once the code is checked.
            let factor = accounts::second_factor(&st.db, &p.id).await?;
            if factor.as_ref().is_some_and(accounts::SecondFactor::is_on) {
                return Ok(second_factor::pending(&st, &p.id, "/sign-in/code", &next));
            }
            if accounts::second_factor_required(&st.db, &p.id).await? {
                return Ok(second_factor::pending(&st, &p.id, "/sign-in/set-up", &next));
            }
            start_session(&st, &v, p, &user_agent(&headers), &next, &WITH_PASSWORD).await
        }
        _ => {
            let mut tx = st.db.begin().await?;
            let who = Who {
                person_id: None,
                label: key.clone(),
                partnership_id: first_partnership,
                request_id: v.request_id.clone(),
            };
            audit::append(
                &mut tx,
                &who,
                Event::new(
                    "sign-in.failure",
                    "person",
                    person.as_ref().map(|p| p.id.as_str()),
                )
                .summary("Sign-in failed"),
            )
            .await?;
            tx.commit().await?;
            if pair_after.is_locked(now) || acct_after.is_locked(now) {
                errors.add("email", locked_msg);
            } else {
                errors.add("email", "Enter a correct email address and password");
            }
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &sign_in_form(&v, &typed, &next, &errors),
            )
        }
    }
}

async fn sign_out(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    let mut tx = st.db.begin().await?;
    audit::append(
        &mut tx,
        &s.who(),
        Event::new("sign-out", "person", Some(&s.person.id)).summary("Signed out"),
    )
    .await?;
    tx.commit().await?;
    accounts::delete_session(&st.db, &s.token_hash).await?;
    let mut resp = redirect_with("/sign-in", Flash::SignedOut, st.config.secure_cookies());
    let secure = st.config.secure_cookies();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(session_cookie(secure), "", "Lax", secure, Some(0)),
    );
    // The token of the ended session dies with it.
    resp.headers_mut()
        .append(header::SET_COOKIE, renewed_csrf_cookie(secure));
    Ok(resp)
}

#[derive(Template)]
#[template(path = "accounts/forgot.html")]
struct ForgotPage {
    chrome: Chrome,
    errors: ErrorSummary,
    email: Input,
}

fn forgot_form(v: &Visitor, email: &str, errors: &Errors) -> ForgotPage {
    ForgotPage {
        chrome: v.chrome("/forgot-password"),
        errors: errors.summary(),
        email: Input::new("email", "Email address")
            .input_type("email")
            .autocomplete("email")
            .spellcheck(false)
            .hint("We will send a link to reset your password if this address has an account")
            .value(email)
            .error(errors.get("email")),
    }
}

async fn forgot_page(v: Visitor) -> AppResult<Response> {
    render(&forgot_form(&v, "", &Errors::default()))
}

async fn forgot(State(st): State<AppState>, v: Visitor, f: FormPairs) -> AppResult<Response> {
    let typed = f.get("email");
    let email = match Email::parse(&typed) {
        Ok(e) => e,
        Err(msg) => {
            let mut errors = Errors::default();
            errors.add("email", msg);
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &forgot_form(&v, &typed, &errors),
            );
        }
    };
    if let Some(p) = accounts::person_by_email(&st.db, email.as_str()).await?
        && p.active
    {
        // The outbox keeps only a nonce; the link's secret is made from it with the
        // installation's key as the mail goes, and the database keeps only its hash.
        let nonce = new_secret();
        let now = Utc::now();
        let mut tx = st.db.begin().await?;
        accounts::create_token(
            &mut tx,
            &p.id,
            TokenPurpose::Reset,
            &st.config.key.link_secret(&nonce),
            now + token_lifetime(TokenPurpose::Reset),
        )
        .await?;
        let link = format!(
            "{}/set-password/{}",
            st.config.public_url,
            secret_marker(&nonce)
        );
        // At most one reset mail per person every five minutes, however often the form is sent.
        let window = now.timestamp() / 300;
        outbox::enqueue(
            &mut tx,
            NewMail {
                kind: "password-reset",
                partnership_id: None,
                natural_key: Some(format!("reset:{}:{window}", p.id)),
                to: p.email.clone(),
                subject: "Reset your Learnloop password".to_owned(),
                body: format!(
                    "Hello {},\n\nSomeone asked to reset the password of your Learnloop account. \
                     If it was you, use this link within 2 hours to choose a new password:\n\n{link}\n\n\
                     If it was not you, you can ignore this email: your password has not changed.\n",
                    p.name
                ),
            },
        )
        .await?;
        audit::append(
            &mut tx,
            &Who {
                person_id: Some(p.id.clone()),
                label: p.email.clone(),
                request_id: v.request_id.clone(),
                ..Who::default()
            },
            Event::new("password.reset-requested", "person", Some(&p.id))
                .summary("Asked for a password reset link"),
        )
        .await?;
        tx.commit().await?;
    } else {
        // The same kind of write for an address with no account, so that the time the answer
        // takes does not tell which addresses have accounts.
        audit::record(
            &st.db,
            &Who {
                label: email.to_string(),
                request_id: v.request_id.clone(),
                ..Who::default()
            },
            Event::new("password.reset-requested", "person", None)
                .summary("Asked for a password reset link (no account)"),
        )
        .await?;
    }
    Ok(redirect_with(
        "/sign-in",
        Flash::ResetSent,
        st.config.secure_cookies(),
    ))
}

#[derive(Template)]
#[template(path = "accounts/set_password.html")]
struct SetPasswordPage {
    chrome: Chrome,
    errors: ErrorSummary,
    name: String,
    email: String,
    invite: bool,
    password: Input,
    confirm: Input,
}

fn set_password_form(
    v: &Visitor,
    name: &str,
    email: &str,
    invite: bool,
    errors: &Errors,
) -> SetPasswordPage {
    SetPasswordPage {
        chrome: v.chrome("/set-password"),
        errors: errors.summary(),
        name: name.to_owned(),
        email: email.to_owned(),
        invite,
        password: Input::new("password", "New password")
            .input_type("password")
            .autocomplete("new-password")
            .hint("Use 12 characters or more. A few unrelated words make a strong password you can remember")
            .error(errors.get("password")),
        confirm: Input::new("confirm", "Confirm new password")
            .input_type("password")
            .autocomplete("new-password")
            .error(errors.get("confirm")),
    }
}

fn expired_link(v: &Visitor) -> AppResult<Response> {
    let page = InfoPage {
        chrome: v.chrome("/set-password"),
        title: "This link has expired or has already been used".to_owned(),
        paragraphs: vec![
            "Links to set a password work once, for a limited time.".to_owned(),
            "Ask for a new link, or ask your partnership's business team to invite you again."
                .to_owned(),
        ],
        link: Some(("/forgot-password".to_owned(), "Get a new link".to_owned())),
    };
    render_status(StatusCode::NOT_FOUND, &page)
}

async fn set_password_page(
    State(st): State<AppState>,
    v: Visitor,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let Some(t) = accounts::live_token(&st.db, &token, Utc::now()).await? else {
        return expired_link(&v);
    };
    let Some(p) = accounts::person(&st.db, &t.person_id).await? else {
        return expired_link(&v);
    };
    render(&set_password_form(
        &v,
        &p.name,
        &p.email,
        t.purpose == "invite",
        &Errors::default(),
    ))
}

fn check_pair(f: &FormPairs, errors: &mut Errors) {
    let password = f.get("password");
    if let Err(m) = check_new_password(&password) {
        errors.add("password", m);
    } else if f.get("confirm") != password {
        errors.add(
            "confirm",
            "The passwords do not match. Type the same password twice",
        );
    }
}

async fn hash_off_thread(pw: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::Internal)
}

async fn set_password(
    State(st): State<AppState>,
    v: Visitor,
    Path(token): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let Some(t) = accounts::live_token(&st.db, &token, Utc::now()).await? else {
        return expired_link(&v);
    };
    let Some(p) = accounts::person(&st.db, &t.person_id).await? else {
        return expired_link(&v);
    };
    let mut errors = Errors::default();
    check_pair(&f, &mut errors);
    if !errors.is_empty() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &set_password_form(&v, &p.name, &p.email, t.purpose == "invite", &errors),
        );
    }
    let hash = hash_off_thread(f.get("password")).await?;
    let mut tx = st.db.begin().await?;
    if !accounts::use_token(&mut tx, &t.token_hash).await? {
        return expired_link(&v);
    }
    let who = Who {
        person_id: Some(p.id.clone()),
        label: format!("{} <{}>", p.name, p.email),
        request_id: v.request_id.clone(),
        ..Who::default()
    };
    accounts::set_password(&mut tx, &who, &p.id, &hash, None).await?;
    tx.commit().await?;
    Ok(redirect_with(
        "/sign-in",
        Flash::PasswordSet,
        st.config.secure_cookies(),
    ))
}

#[derive(Template)]
#[template(path = "accounts/join.html")]
struct JoinPage {
    chrome: Chrome,
    partnership: String,
    invited_by: String,
    email: String,
    role: &'static str,
    token: String,
}

/// An invitation for someone who already has an account: what joining means, and the answer.
async fn join_page(
    State(st): State<AppState>,
    v: Visitor,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let Some(inv) = accounts::invitation_by_secret(&st.db, &token, Utc::now()).await? else {
        return expired_link(&v);
    };
    let partnership = learnloop_store::governance::partnership(&st.db, &inv.partnership_id)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    render(&JoinPage {
        chrome: v.chrome("/join"),
        partnership,
        invited_by: inv.invited_by,
        email: inv.email,
        role: Role::from_slug(&inv.role)
            .map(Role::label)
            .unwrap_or("Unknown role"),
        token,
    })
}

async fn join(
    State(st): State<AppState>,
    v: Visitor,
    Path(token): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let Some(inv) = accounts::invitation_by_secret(&st.db, &token, Utc::now()).await? else {
        return expired_link(&v);
    };
    let accept = match f.get("answer").as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::BadRequest("answer: accept or decline".into())),
    };
    let who = Who {
        person_id: Some(inv.person_id.clone()),
        label: inv.email.clone(),
        partnership_id: Some(inv.partnership_id.clone()),
        request_id: v.request_id.clone(),
    };
    if !accounts::answer_invitation(&st.db, &who, &inv, accept).await? {
        return expired_link(&v);
    }
    Ok(redirect_with(
        "/sign-in",
        if accept {
            Flash::InvitationAccepted
        } else {
            Flash::InvitationDeclined
        },
        st.config.secure_cookies(),
    ))
}

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    chrome: Chrome,
    name: String,
    email: String,
    job_title: String,
    partnership: String,
    roles: Vec<&'static str>,
    partnerships: Vec<(String, String)>,
    current_partnership: String,
    csrf: String,
    second_factor_on: bool,
    recovery_left: i64,
    sessions: Vec<SessionView>,
}

/// One of the person's sessions, as the account page lists it.
struct SessionView {
    handle: String,
    started: String,
    last_used: String,
    browser: String,
    this_one: bool,
}

/// A browser's own long name, cut to the words people know.
fn browser_name(agent: &str) -> String {
    let known = ["Edg/", "Firefox/", "Chrome/", "Safari/"];
    let name = known.iter().find(|k| agent.contains(*k)).map(|k| match *k {
        "Edg/" => "Microsoft Edge",
        "Firefox/" => "Firefox",
        "Chrome/" => "Chrome",
        _ => "Safari",
    });
    let os = [
        ("Windows", "Windows"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Mac OS X", "Mac"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(k, _)| agent.contains(k))
    .map(|(_, v)| *v);
    match (name, os) {
        (Some(n), Some(o)) => format!("{n} on {o}"),
        (Some(n), None) => n.to_owned(),
        _ if agent.is_empty() => "Unknown browser".to_owned(),
        _ => agent.chars().take(60).collect(),
    }
}

async fn account(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    let factor = accounts::second_factor(&st.db, &s.person.id).await?;
    let second_factor_on = factor.as_ref().is_some_and(accounts::SecondFactor::is_on);
    let recovery_left = if second_factor_on {
        accounts::recovery_codes_left(&st.db, &s.person.id).await?
    } else {
        0
    };
    let sessions = accounts::sessions_of(&st.db, &s.person.id)
        .await?
        .into_iter()
        .map(|x| SessionView {
            handle: second_factor::handle(&x.token_hash),
            started: when(&x.created_at),
            last_used: when(&x.last_seen_at),
            browser: browser_name(&x.user_agent),
            this_one: x.token_hash == s.token_hash,
        })
        .collect();
    render(&AccountPage {
        second_factor_on,
        recovery_left,
        sessions,
        chrome: s.chrome("/account"),
        name: s.person.name.clone(),
        email: s.person.email.clone(),
        job_title: s.person.job_title.clone(),
        partnership: s.partnership.name.clone(),
        roles: s.actor.roles().into_iter().map(Role::label).collect(),
        partnerships: s.partnerships.clone(),
        current_partnership: s.partnership.id.clone(),
        csrf: s.csrf.clone(),
    })
}

#[derive(Template)]
#[template(path = "accounts/change_password.html")]
struct ChangePasswordPage {
    chrome: Chrome,
    errors: ErrorSummary,
    current: Input,
    password: Input,
    confirm: Input,
}

fn change_form(s: &Signed, errors: &Errors) -> ChangePasswordPage {
    ChangePasswordPage {
        chrome: s.chrome("/account"),
        errors: errors.summary(),
        current: Input::new("current", "Current password")
            .input_type("password")
            .autocomplete("current-password")
            .error(errors.get("current")),
        password: Input::new("password", "New password")
            .input_type("password")
            .autocomplete("new-password")
            .hint("Use 12 characters or more")
            .error(errors.get("password")),
        confirm: Input::new("confirm", "Confirm new password")
            .input_type("password")
            .autocomplete("new-password")
            .error(errors.get("confirm")),
    }
}

async fn change_password_page(s: Signed) -> AppResult<Response> {
    render(&change_form(&s, &Errors::default()))
}

async fn change_password(
    State(st): State<AppState>,
    s: Signed,
    f: FormPairs,
) -> AppResult<Response> {
    let mut errors = Errors::default();
    let current = f.get("current");
    let hash = s
        .person
        .password_hash
        .clone()
        .unwrap_or_else(|| DUMMY_HASH.to_owned());
    let ok = tokio::task::spawn_blocking(move || verify_password(&current, &hash))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if f.get("current").is_empty() {
        errors.add("current", "Enter your current password");
    } else if !ok {
        errors.add("current", "Your current password is not correct");
    }
    check_pair(&f, &mut errors);
    if !errors.is_empty() {
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &change_form(&s, &errors));
    }
    let hash = hash_off_thread(f.get("password")).await?;
    let mut tx = st.db.begin().await?;
    accounts::set_password(&mut tx, &s.who(), &s.person.id, &hash, Some(&s.token_hash)).await?;
    tx.commit().await?;
    Ok(redirect_with(
        "/account",
        Flash::PasswordChanged,
        st.config.secure_cookies(),
    ))
}

async fn switch_partnership(
    State(st): State<AppState>,
    s: Signed,
    f: FormPairs,
) -> AppResult<Response> {
    let partnership = f.get("partnership");
    if !s.partnerships.iter().any(|(id, _)| *id == partnership) {
        return Err(AppError::NotFound);
    }
    learnloop_store::accounts::switch_partnership(&st.db, &s.token_hash, &partnership).await?;
    Ok(Redirect::to("/home").into_response())
}

/// A stored time as people read it (UTC).
fn when(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| t.format("%-d %B %Y %H:%M").to_string())
        .unwrap_or_else(|_| at.to_owned())
}

async fn accessibility(v: Visitor) -> AppResult<Response> {
    render(&InfoPage {
        chrome: v.chrome("/accessibility"),
        title: "Accessibility statement".to_owned(),
        paragraphs: vec![
            "Learnloop is built to meet the Web Content Accessibility Guidelines version 2.2 at level AA.".to_owned(),
            "Every page works without JavaScript, can be used with a keyboard alone, and is checked automatically with accessibility rules each time the service changes.".to_owned(),
            "If you find a part of the service hard to use, tell your partnership's business team so that it can be fixed.".to_owned(),
        ],
        link: Some(("/".to_owned(), "Back to the service".to_owned())),
    })
}

async fn privacy(v: Visitor) -> AppResult<Response> {
    render(&InfoPage {
        chrome: v.chrome("/privacy"),
        title: "Privacy".to_owned(),
        paragraphs: vec![
            "Learnloop holds information about safeguarding work, including special-category information about children and families. Only people with a role in a partnership can see that partnership's work, and only as far as their role allows.".to_owned(),
            "Children are never named outside restricted records. Every change, every sign-in and every view of restricted information is written to an audit trail that cannot be altered.".to_owned(),
            "Learnloop uses two cookies, both essential: one keeps you signed in, one protects forms from being sent by other websites.".to_owned(),
        ],
        link: Some(("/".to_owned(), "Back to the service".to_owned())),
    })
}
