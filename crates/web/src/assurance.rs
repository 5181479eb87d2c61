//! Single-agency assurance: the business team asks every agency, once a year, for a return on
//! its own quality-assurance activity; each agency's lead writes it on the return page; the
//! business team records the assurance the partnership takes from it (full, partial, limited)
//! and why. The independent chair reads it all. Built on returns (`web/src/returns.rs`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{Datelike, Utc};
use learnloop_domain::assurance::{Level, RoundKind, check_judgement};
use learnloop_domain::audits::{AuditScope, can_read_all, can_run};
use learnloop_domain::policy::Permission;
use learnloop_domain::sources::SourceKind;
use learnloop_govuk::{
    ChoiceItem, DateInput, ErrorSummary, Input, Radios, Select, SelectItem, Textarea,
};
use learnloop_store::assurance::{self, Round, RoundLine};
use learnloop_store::returns::{self, ReturnLine};
use learnloop_store::{Day, StoreError, is_id};

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, render, render_status};
use crate::session::Signed;
use crate::web::redirect_with;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assurance", get(list::<false>).post(start::<false>))
        .route("/training/register", get(list::<true>).post(start::<true>))
        .route("/assurance/{id}", get(show))
        .route("/assurance/{id}/judge", post(judge))
}

/// The business team runs it; the independent chair reads it too.
fn reads(s: &Signed) -> AppResult<()> {
    s.require(Permission::ViewAudits)?;
    if can_read_all(&s.actor, &AuditScope::default()) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn runs(s: &Signed) -> AppResult<()> {
    reads(s)?;
    if can_run(&s.actor, &AuditScope::default()) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The kind of round a page is about: the training register (REGISTER) or assurance.
fn kind_of(register: bool) -> RoundKind {
    if register {
        RoundKind::TrainingRegister
    } else {
        RoundKind::Assurance
    }
}

/// Where the kind's pages sit in the navigation, and its list's address.
fn home_of(kind: RoundKind) -> (&'static str, &'static str) {
    match kind {
        RoundKind::Assurance => ("/audits", "/assurance"),
        RoundKind::TrainingRegister => ("/training", "/training/register"),
    }
}

#[derive(Template)]
#[template(path = "assurance/list.html")]
struct ListPage {
    chrome: Chrome,
    register: bool,
    errors: ErrorSummary,
    rounds: Vec<RoundLine>,
    can_start: bool,
    year: Input,
    due: DateInput,
}

async fn list_page(
    st: &AppState,
    s: &Signed,
    kind: RoundKind,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<ListPage> {
    let defaults = FormPairs::from_values(&[("year", &Utc::now().year().to_string())]);
    let f = if f.0.is_empty() { &defaults } else { f };
    Ok(ListPage {
        chrome: s.chrome(home_of(kind).0),
        register: kind == RoundKind::TrainingRegister,
        errors: errors.summary(),
        rounds: assurance::rounds(&st.db, s.pid(), kind).await?,
        can_start: can_run(&s.actor, &AuditScope::default()),
        year: Input::new("year", "Year")
            .width_class("govuk-input--width-4")
            .inputmode("numeric")
            .filled(f, errors),
        due: crate::audits::date_field(f, errors, "due", "Returns due"),
    })
}

async fn list<const REGISTER: bool>(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    reads(&s)?;
    render(
        &list_page(
            &st,
            &s,
            kind_of(REGISTER),
            &FormPairs::default(),
            &Errors::default(),
        )
        .await?,
    )
}

async fn start<const REGISTER: bool>(
    State(st): State<AppState>,
    s: Signed,
    f: FormPairs,
) -> AppResult<Response> {
    runs(&s)?;
    let kind = kind_of(REGISTER);
    let mut errors = Errors::default();
    let year = errors.check(
        "year",
        f.get("year")
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or("Enter the year as four digits, for example 2026"),
    );
    let due = f.date("due", "the date returns are due", &mut errors);
    if let (Some(year), Some(due)) = (year, due) {
        match assurance::start(&st.db, &s.who(), s.pid(), (kind, year), Day(due)).await {
            Ok(id) => {
                return Ok(redirect_with(
                    &format!("/assurance/{id}"),
                    Flash::AssuranceRequested,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("year", m),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &list_page(&st, &s, kind, &f, &errors).await?,
    )
}

struct Row {
    id: String,
    agency: String,
    state: &'static str,
    state_tag: &'static str,
    grade: String,
    assurance: String,
    reason: String,
    /// The answers, once the return is in: (question, answer).
    answers: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "assurance/show.html")]
struct ShowPage {
    chrome: Chrome,
    errors: ErrorSummary,
    id: String,
    title: String,
    /// The list it belongs to: (address, name).
    back: (&'static str, &'static str),
    judged: bool,
    due: String,
    rows: Vec<Row>,
    can_judge: bool,
    judged_return: Select,
    level: Radios,
    reason: Textarea,
}

async fn load(st: &AppState, s: &Signed, id: &str) -> AppResult<(Round, Vec<ReturnLine>)> {
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let r = assurance::get(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let lines = returns::for_source(&st.db, s.pid(), SourceKind::Assurance, &r.id).await?;
    Ok((r, lines))
}

fn show_page(
    s: &Signed,
    (r, lines): (&Round, &[ReturnLine]),
    f: &FormPairs,
    errors: &Errors,
) -> ShowPage {
    let label = |j: &Option<String>| {
        j.as_deref()
            .and_then(Level::parse)
            .map(Level::label)
            .unwrap_or("Not recorded")
            .to_owned()
    };
    let (nav, back) = home_of(r.kind);
    ShowPage {
        chrome: s.chrome(nav),
        errors: errors.summary(),
        id: r.id.clone(),
        title: r.title(),
        back: (back, r.kind.title()),
        judged: r.kind.judged(),
        due: r.due_on.long(),
        can_judge: r.kind.judged() && can_run(&s.actor, &AuditScope::default()),
        judged_return: Select::new(
            "return",
            "Agency",
            std::iter::once(SelectItem::new("", "Choose an agency whose return is in")).chain(
                lines
                    .iter()
                    .filter(|l| l.ret.state.is_in())
                    .map(|l| SelectItem::new(l.ret.id.clone(), l.agency.clone())),
            ),
        )
        .filled(f, errors),
        level: Radios::new(
            "level",
            "Assurance the partnership takes",
            Level::ALL.map(|l| ChoiceItem::new(l.slug(), l.label())),
        )
        .value(f.get("level"))
        .error(errors.get("level")),
        reason: Textarea::new("reason", "Why")
            .hint("What the return showed, and what would give more assurance")
            .rows(3)
            .filled(f, errors),
        rows: lines
            .iter()
            .map(|l| Row {
                id: l.ret.id.clone(),
                agency: l.agency.clone(),
                state: l.ret.state.label(),
                state_tag: l.ret.state.tag_class(),
                grade: l.ret.grade.clone(),
                assurance: label(&l.ret.judgement),
                reason: l.ret.judgement_reason.clone(),
                answers: if l.ret.state.is_in() {
                    r.kind
                        .questions()
                        .iter()
                        .zip(l.ret.answers.0.iter())
                        .map(|(q, a)| ((*q).to_owned(), a.clone()))
                        .collect()
                } else {
                    Vec::new()
                },
            })
            .collect(),
    }
}

async fn show(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    reads(&s)?;
    let (r, lines) = load(&st, &s, &id).await?;
    render(&show_page(
        &s,
        (&r, &lines),
        &FormPairs::default(),
        &Errors::default(),
    ))
}

async fn judge(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    runs(&s)?;
    let (r, lines) = load(&st, &s, &id).await?;
    if !r.kind.judged() {
        return Err(AppError::NotFound);
    }
    let mut errors = Errors::default();
    let ret = f.get("return");
    if !lines.iter().any(|l| l.ret.id == ret && l.ret.state.is_in()) {
        errors.add("return", "Choose an agency whose return is in");
    }
    let judged = match check_judgement(&f.get("level"), &f.get("reason")) {
        Ok(j) => Some(j),
        Err((field, m)) => {
            errors.add(field, m);
            None
        }
    };
    if let (true, Some((level, reason))) = (errors.is_empty(), judged) {
        match assurance::judge(&st.db, &s.who(), s.pid(), &ret, (level, &reason)).await {
            Ok(()) => {
                return Ok(redirect_with(
                    &format!("/assurance/{id}"),
                    Flash::AssuranceRecorded,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("return", m),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &show_page(&s, (&r, &lines), &f, &errors),
    )
}
