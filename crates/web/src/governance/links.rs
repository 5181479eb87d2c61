//! Agency links: the business team says one of its agencies is the same organisation as an
//! agency of another partnership on this installation (a police force, an NHS trust serving
//! both); the other partnership's business team agrees, or declines. Either side can remove a
//! link. A linked agency's lead can then offer a submitted Section 11 self-assessment to the
//! other partnership's open cycle.

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use learnloop_domain::policy::Permission;
use learnloop_govuk::{ErrorSummary, Select, SelectItem};
use learnloop_store::links::{self, Link, Proposal};
use learnloop_store::{StoreError, governance, is_id};
use serde::Deserialize;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, render, render_status};
use crate::session::Signed;
use crate::web::{query_params, redirect_with};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/agencies/links", get(list).post(propose))
        .route("/agencies/links/{id}/agree", post(agree))
        .route("/agencies/links/{id}/remove", post(remove))
}

#[derive(Template)]
#[template(path = "governance/links.html")]
struct LinksPage {
    chrome: Chrome,
    errors: ErrorSummary,
    links: Vec<Link>,
    /// The other partnership chosen, whose agencies the form offers.
    chosen: Option<(String, String)>,
    partnership: Select,
    agency: Select,
    other_agency: Select,
}

#[derive(Deserialize, Default)]
struct Chosen {
    #[serde(default)]
    partnership: String,
}

async fn page(
    st: &AppState,
    s: &Signed,
    other: &str,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<LinksPage> {
    let partnerships = links::other_partnerships(&st.db, s.pid()).await?;
    let chosen = partnerships.iter().find(|(id, _)| id == other).cloned();
    let ours = governance::all_agencies(&st.db, s.pid()).await?;
    let theirs = match &chosen {
        Some((id, _)) => governance::all_agencies(&st.db, id).await?,
        None => Vec::new(),
    };
    let choose = |label: &str| std::iter::once(SelectItem::new("", label));
    Ok(LinksPage {
        chrome: s.chrome("/agencies"),
        errors: errors.summary(),
        links: links::links(&st.db, s.pid()).await?,
        partnership: Select::new(
            "partnership",
            "Partnership",
            choose("Choose a partnership").chain(
                partnerships
                    .iter()
                    .map(|(id, name)| SelectItem::new(id.clone(), name.clone())),
            ),
        )
        .value(other),
        agency: Select::new(
            "agency",
            "This partnership's agency",
            choose("Choose an agency").chain(
                ours.iter()
                    .filter(|a| a.active)
                    .map(|a| SelectItem::new(a.id.clone(), a.name.clone())),
            ),
        )
        .filled(f, errors),
        other_agency: Select::new(
            "other_agency",
            "Their agency, the same organisation",
            choose("Choose an agency").chain(
                theirs
                    .iter()
                    .filter(|a| a.active)
                    .map(|a| SelectItem::new(a.id.clone(), a.name.clone())),
            ),
        )
        .filled(f, errors),
        chosen,
    })
}

async fn list(State(st): State<AppState>, s: Signed, RawQuery(q): RawQuery) -> AppResult<Response> {
    s.require(Permission::ManageAgencies)?;
    let q: Chosen = query_params(q.as_deref());
    render(
        &page(
            &st,
            &s,
            &q.partnership,
            &FormPairs::default(),
            &Errors::default(),
        )
        .await?,
    )
}

async fn propose(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ManageAgencies)?;
    let other = f.get("partnership");
    let (agency, other_agency) = (f.get("agency"), f.get("other_agency"));
    let mut errors = Errors::default();
    if !is_id(&agency) {
        errors.add("agency", "Choose this partnership's agency");
    }
    if !is_id(&other_agency) {
        errors.add(
            "other_agency",
            "Choose their agency that is the same organisation",
        );
    }
    if errors.is_empty() && is_id(&other) {
        let p = Proposal {
            agency_id: &agency,
            other_pid: &other,
            other_agency_id: &other_agency,
        };
        match links::propose(&st.db, &s.who(), s.pid(), &p).await {
            Ok(()) => {
                return Ok(redirect_with(
                    "/agencies/links",
                    Flash::LinkProposed,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("agency", m),
            Err(StoreError::NotFound) => errors.add(
                "other_agency",
                "Choose an active agency of each partnership from the lists",
            ),
            Err(e) => return Err(e.into()),
        }
    } else if errors.is_empty() {
        errors.add("partnership", "Choose the other partnership first");
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page(&st, &s, &other, &f, &errors).await?,
    )
}

async fn decide(st: AppState, s: Signed, id: String, agreeing: bool) -> AppResult<Response> {
    s.require(Permission::ManageAgencies)?;
    if !is_id(&id) {
        return Err(AppError::NotFound);
    }
    let done = if agreeing {
        links::agree(&st.db, &s.who(), s.pid(), &id).await
    } else {
        links::remove(&st.db, &s.who(), s.pid(), &id).await
    };
    match done {
        Ok(_) => Ok(redirect_with(
            "/agencies/links",
            if agreeing {
                Flash::LinkAgreed
            } else {
                Flash::LinkRemoved
            },
            st.config.secure_cookies(),
        )),
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(StoreError::Conflict(m)) => {
            let mut errors = Errors::default();
            errors.add("partnership", m);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&st, &s, "", &FormPairs::default(), &errors).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

async fn agree(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    decide(st, s, id, true).await
}

async fn remove(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    decide(st, s, id, false).await
}
