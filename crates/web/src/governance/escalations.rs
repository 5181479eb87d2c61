//! Escalations: a group raises an issue it cannot resolve to the independent chair; the chair
//! records the outcome or sends it on to the board, whose outcome closes it. Each step is dated.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::Utc;
use learnloop_domain::governance::access::GroupPermission;
use learnloop_domain::governance::escalations::{Move, Stage};
use learnloop_domain::policy::Permission;
use learnloop_domain::text::check_name;
use learnloop_govuk::{ChoiceItem, DateInput, ErrorSummary, Input, Radios, Textarea};
use learnloop_store::governance::escalations::{self, Escalation, Step};
use learnloop_store::governance::terms;
use learnloop_store::is_id;

use super::groups::load;
use crate::AppState;
use crate::attention::{Attention, Audience};
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, render, render_status};
use crate::session::Signed;
use crate::web::redirect_with;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/escalations", get(list))
        .route("/groups/{id}/escalations/new", get(new_page).post(raise))
        .route("/escalations/{id}", get(show).post(step))
}

fn today_parts() -> Vec<(String, String)> {
    use chrono::Datelike;
    let d = Utc::now().date_naive();
    vec![
        ("on-day".into(), d.day().to_string()),
        ("on-month".into(), d.month().to_string()),
        ("on-year".into(), d.year().to_string()),
    ]
}

/// Open escalations: all of them for the independent chair and the business team; on a
/// group's agenda its own, and on the board's everything escalated to the board.
pub async fn attention(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let s = a.signed();
    let open = match a {
        Audience::Person(s) if s.actor.can(Permission::ViewAuditTrail) => {
            escalations::open(&st.db, s.pid()).await?
        }
        Audience::Person(_) => return Ok(Vec::new()),
        Audience::Group { group, .. } => {
            let is_board = group.group.kind == "board";
            escalations::open(&st.db, s.pid())
                .await?
                .into_iter()
                .filter(|e| {
                    e.group_id == group.group.id || (is_board && e.stage == Stage::WithBoard)
                })
                .collect()
        }
    };
    Ok(open
        .into_iter()
        .map(|e| Attention {
            kind: "escalation",
            text: format!("Escalation: {}", e.title),
            detail: e.stage.label().to_owned(),
            href: format!("/escalations/{}", e.id),
            tag: Some((e.stage.label().to_owned(), "orange")),
        })
        .collect())
}

#[derive(Template)]
#[template(path = "governance/escalations.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<(Escalation, String, String)>,
}

async fn list(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ViewAuditTrail)?;
    let groups = terms::groups(&st.db, s.pid()).await?;
    let mut rows = Vec::new();
    for stage in [Stage::WithChair, Stage::WithBoard] {
        for e in escalations::open_at(&st.db, s.pid(), stage).await? {
            let g = groups
                .iter()
                .find(|g| g.id == e.group_id)
                .map(|g| g.name.clone())
                .unwrap_or_default();
            rows.push((e, g, stage.label().to_owned()));
        }
    }
    render(&ListPage {
        chrome: s.chrome("/groups"),
        rows,
    })
}

#[derive(Template)]
#[template(path = "governance/escalation_form.html")]
struct NewPage {
    chrome: Chrome,
    errors: ErrorSummary,
    id: String,
    name: String,
    title: Input,
    detail: Textarea,
    on: DateInput,
}

fn new_form(s: &Signed, id: &str, name: &str, f: &FormPairs, errors: &Errors) -> NewPage {
    NewPage {
        chrome: s.chrome("/groups"),
        errors: errors.summary(),
        id: id.to_owned(),
        name: name.to_owned(),
        title: Input::new("title", "What is the issue?").filled(f, errors),
        detail: Textarea::new("detail", "What has the group tried, and what does it need?")
            .rows(5)
            .filled(f, errors),
        on: DateInput::new("on", "Date escalated")
            .date_values(f.get("on-day"), f.get("on-month"), f.get("on-year"))
            .error(errors.get("on-day")),
    }
}

async fn new_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::Escalate).await?;
    render(&new_form(
        &s,
        &id,
        &l.group.name,
        &FormPairs(today_parts()),
        &Errors::default(),
    ))
}

async fn raise(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::Escalate).await?;
    let mut errors = Errors::default();
    let title = errors.check("title", check_name(&f.get("title"), "issue", 300));
    let detail = errors.check(
        "detail",
        learnloop_domain::text::check_text_block(&f.get("detail"), "detail of the issue", 8000),
    );
    let on = f.date("on", "the date escalated", &mut errors);
    if let (Some(title), Some(detail), Some(on)) = (title, detail, on)
        && errors.is_empty()
    {
        let n = escalations::NewEscalation {
            group_id: id.clone(),
            meeting_id: None,
            title,
            detail,
            raised_on: on.format("%Y-%m-%d").to_string(),
        };
        let eid = escalations::raise(&st.db, &s.who(), s.pid(), &n).await?;
        return Ok(redirect_with(
            &format!("/escalations/{eid}"),
            Flash::Escalated,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &new_form(&s, &id, &l.group.name, &f, &errors),
    )
}

#[derive(Template)]
#[template(path = "governance/escalation.html")]
struct ShowPage {
    chrome: Chrome,
    errors: ErrorSummary,
    e: Escalation,
    group: String,
    stage: &'static str,
    raised_on: String,
    steps: Vec<(Step, String, &'static str)>,
    can_decide: bool,
    next: Radios,
    note: Textarea,
    on: DateInput,
}

async fn view(
    st: &AppState,
    s: &Signed,
    id: &str,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<ShowPage> {
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let e = escalations::get(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let l = load(st, s, &e.group_id, GroupPermission::View).await?;
    let steps = escalations::steps(&st.db, s.pid(), id)
        .await?
        .into_iter()
        .map(|st| {
            let on = st.on_date.long();
            let label = match st.step.as_str() {
                "to-chair" => "Escalated to the independent chair",
                "to-board" => "Escalated to the board",
                _ => "Outcome recorded",
            };
            (st, on, label)
        })
        .collect();
    let choices: Vec<ChoiceItem> = e
        .stage
        .moves()
        .into_iter()
        .map(|m| ChoiceItem::new(m.slug(), m.label()))
        .collect();
    Ok(ShowPage {
        chrome: s.chrome("/groups"),
        errors: errors.summary(),
        group: l.group.name.clone(),
        stage: e.stage.label(),
        raised_on: e.raised_on.long(),
        steps,
        can_decide: e.stage.is_open()
            && s.actor
                .can_in_group(GroupPermission::DecideEscalation, &l.scope()),
        next: Radios::new("next", "What happens now", choices)
            .value(f.get("next"))
            .error(errors.get("next")),
        note: Textarea::new("note", "Outcome or reason")
            .rows(4)
            .filled(f, errors),
        on: DateInput::new("on", "Date")
            .date_values(f.get("on-day"), f.get("on-month"), f.get("on-year"))
            .error(errors.get("on-day")),
        e,
    })
}

async fn show(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    render(&view(&st, &s, &id, &FormPairs(today_parts()), &Errors::default()).await?)
}

async fn step(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    // Load the escalation and its group, ask the domain, then act: the page is built only to
    // show the form again.
    if !is_id(&id) {
        return Err(AppError::NotFound);
    }
    let e = escalations::get(&st.db, s.pid(), &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let l = load(&st, &s, &e.group_id, GroupPermission::View).await?;
    if !e.stage.is_open()
        || !s
            .actor
            .can_in_group(GroupPermission::DecideEscalation, &l.scope())
    {
        return Err(AppError::Forbidden);
    }
    let mut errors = Errors::default();
    let m = match Move::parse(&f.get("next")).map(|m| e.stage.after(m).map(|_| m)) {
        Some(Ok(m)) => Some(m),
        Some(Err(why)) => {
            errors.add("next", why);
            None
        }
        None => {
            errors.add("next", "Choose what happens now");
            None
        }
    };
    let note = errors.check(
        "note",
        check_name(&f.get("note"), "outcome or reason", 8000),
    );
    let on = f.date("on", "the date", &mut errors);
    if let (Some(m), Some(note), Some(on)) = (m, note, on)
        && errors.is_empty()
    {
        escalations::step(
            &st.db,
            &s.who(),
            s.pid(),
            (&id, e.stage),
            m,
            &on.format("%Y-%m-%d").to_string(),
            &note,
        )
        .await?;
        return Ok(redirect_with(
            &format!("/escalations/{id}"),
            Flash::EscalationUpdated,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &view(&st, &s, &id, &f, &errors).await?,
    )
}
