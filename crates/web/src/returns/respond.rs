//! Returns answered by someone without an account (a line manager asked about a member of
//! their staff) through the link in their mail: the link is the key, works once, and runs out.
//! The page shows only what the return asks and whom it is about.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::Utc;
use learnloop_domain::sources::SourceKind;
use learnloop_domain::text::check_text_block;
use learnloop_govuk::{ErrorSummary, Textarea};
use learnloop_store::StoreError;
use learnloop_store::returns::{self, Return};

use crate::AppState;
use crate::error::AppResult;
use crate::forms::{Errors, FormPairs};
use crate::page::{Chrome, render_status};
use crate::session::Visitor;

pub fn routes() -> Router<AppState> {
    Router::new().route("/respond/{secret}", get(page).post(answer))
}

#[derive(Template)]
#[template(path = "returns/respond.html")]
struct RespondPage {
    chrome: Chrome,
    errors: ErrorSummary,
    secret: String,
    /// What it is about, in a sentence.
    about: String,
    fields: Vec<Textarea>,
    /// What happened, once answered (or why the link no longer works).
    outcome: Option<String>,
}

const USED: &str = "This link has been used already, or is not a whole link: each link works once. Thank you if you have answered.";

fn outcome(v: &Visitor, status: StatusCode, text: &str) -> AppResult<Response> {
    render_status(
        status,
        &RespondPage {
            chrome: v.chrome("/respond"),
            errors: ErrorSummary::default(),
            secret: String::new(),
            about: String::new(),
            fields: Vec::new(),
            outcome: Some(text.to_owned()),
        },
    )
}

/// The return the link answers, if it still may be answered.
async fn found(st: &AppState, secret: &str) -> AppResult<Option<Return>> {
    if secret.len() > 128 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    Ok(returns::by_link(&st.db, secret)
        .await?
        .filter(|r| r.state.is_open()))
}

fn expired(r: &Return) -> bool {
    r.link_expires_at
        .as_deref()
        .is_some_and(|e| e <= learnloop_store::ts(Utc::now()).as_str())
}

async fn form(
    st: &AppState,
    v: &Visitor,
    r: &Return,
    secret: &str,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<RespondPage> {
    let qs = returns::question_set(&st.db, &r.partnership_id, &r.question_set_id).await?;
    let about = match r.source_kind {
        SourceKind::Training => {
            match learnloop_store::training::follow_up_about(
                &st.db,
                &r.partnership_id,
                (&r.source_id, &r.subject_id),
            )
            .await?
            {
                Some((name, course, at)) => format!(
                    "{name} attended “{course}” on {}. Three months on, the safeguarding partnership asks you, as their line manager, how their practice has changed.",
                    learnloop_domain::dates::long(at.date())
                ),
                None => String::new(),
            }
        }
        _ => String::new(),
    };
    Ok(RespondPage {
        chrome: v.chrome("/respond"),
        errors: errors.summary(),
        secret: secret.to_owned(),
        about,
        fields: qs
            .lines
            .0
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let name = format!("answer-{}", i + 1);
                Textarea::new(name.clone(), q.clone())
                    .rows(5)
                    .value(f.get(&name))
                    .error(errors.get(&name))
            })
            .collect(),
        outcome: None,
    })
}

async fn page(
    State(st): State<AppState>,
    v: Visitor,
    Path(secret): Path<String>,
) -> AppResult<Response> {
    let Some(r) = found(&st, &secret).await? else {
        return outcome(&v, StatusCode::NOT_FOUND, USED);
    };
    if expired(&r) {
        return outcome(
            &v,
            StatusCode::GONE,
            "This link has run out: the partnership can no longer take an answer through it.",
        );
    }
    let p = form(
        &st,
        &v,
        &r,
        &secret,
        &FormPairs::default(),
        &Errors::default(),
    )
    .await?;
    render_status(StatusCode::OK, &p)
}

async fn answer(
    State(st): State<AppState>,
    v: Visitor,
    Path(secret): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let Some(r) = found(&st, &secret).await? else {
        return outcome(&v, StatusCode::NOT_FOUND, USED);
    };
    let qs = returns::question_set(&st.db, &r.partnership_id, &r.question_set_id).await?;
    let mut errors = Errors::default();
    let mut answers = Vec::new();
    for (i, q) in qs.lines.0.iter().enumerate() {
        let key = format!("answer-{}", i + 1);
        if let Some(a) = errors.check(
            &key,
            check_text_block(&f.get(&key), &format!("answer to “{q}”"), 8000),
        ) {
            answers.push(a);
        }
    }
    if errors.is_empty() {
        match returns::answer_by_link(&st.db, &secret, &answers, Utc::now()).await {
            Ok(_) => {
                // Line managers answer training follow-ups: the course's rates change.
                crate::training::forget_results(&r.partnership_id);
                return outcome(
                    &v,
                    StatusCode::OK,
                    "Thank you: your answer has been sent to the safeguarding partnership.",
                );
            }
            Err(StoreError::NotFound) => return outcome(&v, StatusCode::NOT_FOUND, USED),
            Err(StoreError::Conflict(m)) => return outcome(&v, StatusCode::GONE, &format!("{m}.")),
            Err(e) => return Err(e.into()),
        }
    }
    let p = form(&st, &v, &r, &secret, &f, &errors).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
}
