//! Multi-agency audits: the year's programme, planning an audit (its lines of enquiry, grading
//! scale and agencies), the case sample, declared involvement, and the stages that ask each
//! agency for its returns. The returns themselves are `web/src/returns.rs`.
//!
//! Who runs an audit, who reads its sample and who reads which return are the domain's rules
//! (`domain::audits`); a handler loads the audit and its scope, asks, then acts.

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{Datelike, Utc};
use learnloop_domain::audits::{
    AuditScope, Stage, can_read_all, can_read_return, can_run, check_case_agencies,
    check_case_label,
};
use learnloop_domain::policy::Permission;
use learnloop_domain::returns::{
    DEFAULT_SCALE, check_grade, check_lines, check_scale, response_rate,
};
use learnloop_domain::sources::SourceKind;
use learnloop_domain::text::{check_name, check_text_block};
use learnloop_govuk::{
    Checkboxes, ChoiceItem, DateInput, ErrorSummary, Input, Select, SelectItem, Textarea,
};
use learnloop_store::audits::{self, Audit, NewAudit, Refusal};
use learnloop_store::returns::{self, ReturnLine};
use learnloop_store::{Day, Page, StoreError, accounts, is_id};

use crate::AppState;
use crate::attention::{Attention, Audience};
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, Pager, filters, render, render_status};
use crate::session::Signed;
use crate::web::{query_params, redirect_with};

mod attention;
mod export;
mod page;
mod plan;
pub(crate) use plan::date_field;
mod report;
mod workshop;

pub use attention::attention;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/audits", get(programme))
        .merge(plan::routes())
        .merge(page::routes())
        .merge(workshop::routes())
        .merge(report::routes())
        .merge(export::routes())
}

/// The audit and what its access rules need, or 404 (another partnership's, or none).
pub(crate) async fn load(st: &AppState, s: &Signed, id: &str) -> AppResult<(Audit, AuditScope)> {
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let a = audits::get(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = scope_of(&a);
    Ok((a, scope))
}

/// The audit, for who reads the whole of it (who runs it and the independent chair); 403 for
/// anyone else who sees audits.
async fn readable(st: &AppState, s: &Signed, id: &str) -> AppResult<(Audit, AuditScope)> {
    s.require(Permission::ViewAudits)?;
    let (a, scope) = load(st, s, id).await?;
    if !can_read_all(&s.actor, &scope) {
        return Err(AppError::Forbidden);
    }
    Ok((a, scope))
}

/// The audit, for who runs it (the business team, the chair of its group, its lead).
async fn runnable(st: &AppState, s: &Signed, id: &str) -> AppResult<(Audit, AuditScope)> {
    s.require(Permission::ViewAudits)?;
    let (a, scope) = load(st, s, id).await?;
    if !can_run(&s.actor, &scope) {
        return Err(AppError::Forbidden);
    }
    Ok((a, scope))
}

pub(crate) fn scope_of(a: &Audit) -> AuditScope {
    AuditScope {
        group_id: a.group_id.clone(),
        lead_person_id: a.lead_person_id.clone(),
    }
}

// ---- the programme ----

struct ProgrammeRow {
    id: String,
    title: String,
    stage: &'static str,
    stage_tag: &'static str,
    fieldwork: String,
    lead: String,
    returns: String,
}

#[derive(Template)]
#[template(path = "audits/programme.html")]
struct ProgrammePage {
    chrome: Chrome,
    year: i64,
    years: Vec<(i64, bool)>,
    rows: Vec<ProgrammeRow>,
    pager: Pager,
    can_plan: bool,
    reads_assurance: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ProgrammeQuery {
    year: Option<i64>,
    page: i64,
}

async fn programme(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    s.require(Permission::ViewAudits)?;
    let q: ProgrammeQuery = query_params(q.as_deref());
    let this_year = i64::from(Utc::now().year());
    let year = q
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(this_year);
    let page = audits::programme(&st.db, s.pid(), Some(year), Page::new(q.page, 50)).await?;
    let mut years = audits::years(&st.db, s.pid()).await?;
    if !years.contains(&this_year) {
        years.push(this_year);
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    render(&ProgrammePage {
        chrome: s.chrome("/audits"),
        year,
        years: years.into_iter().map(|y| (y, y == year)).collect(),
        pager: Pager::of(&format!("/audits?year={year}"), &page),
        rows: page
            .items
            .into_iter()
            .map(|l| ProgrammeRow {
                stage: l.audit.stage.label(),
                stage_tag: l.audit.stage.tag_class(),
                fieldwork: l.audit.fieldwork_on.long(),
                lead: l.lead.unwrap_or_else(|| "Not named".to_owned()),
                returns: if l.asked == 0 {
                    format!("{} cases; none asked for yet", l.cases)
                } else {
                    format!("{} of {} in", l.answered, l.asked)
                },
                id: l.audit.id,
                title: l.audit.title,
            })
            .collect(),
        can_plan: s.actor.can(Permission::ManageAudits),
        reads_assurance: can_read_all(&s.actor, &AuditScope::default()),
    })
}

/// The title and page of an audit, for the source resolver.
pub(crate) fn title_of(a: &Audit) -> String {
    format!("{} ({} audit)", a.title, a.year)
}
