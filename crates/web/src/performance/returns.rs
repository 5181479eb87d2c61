//! The quarterly return of performance data: each agency's lead sends the values of their
//! agency's indicators for the last period ended, all on one form, by the end of the month
//! after it; the business team sees which agencies have sent theirs and chases the rest by
//! mail at once. Corrections on the form need their reason, as everywhere.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use learnloop_domain::performance::{Exception, Period, can_enter, can_manage};
use learnloop_domain::policy::Permission;
use learnloop_govuk::{ErrorSummary, Input};
use learnloop_store::{Day, StoreError, is_id, performance};

use super::{forget, readings, today};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, FormPairs};
use crate::page::{Chrome, Flash, render, render_status};
use crate::session::Signed;
use crate::web::{query_params, redirect_with};

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct AgencyQ {
    agency: String,
}

/// One indicator on the form.
struct Line {
    was: Option<String>,
    value: Input,
    reason: Input,
}

#[derive(Template)]
#[template(path = "performance/return.html")]
struct ReturnPage {
    chrome: Chrome,
    errors: ErrorSummary,
    agency_id: String,
    agency: String,
    due: String,
    lines: Vec<Line>,
}

/// The agency the form is for: the one asked for, or the first the person leads; refused
/// unless they may enter its values.
async fn agency_of(st: &AppState, s: &Signed, q: &AgencyQ) -> AppResult<(String, String)> {
    s.require(Permission::ViewPartnership)?;
    let id = if q.agency.is_empty() {
        s.actor
            .agencies_led()
            .next()
            .map(str::to_owned)
            .ok_or(AppError::Forbidden)?
    } else {
        q.agency.clone()
    };
    if !is_id(&id) {
        return Err(AppError::NotFound);
    }
    if !can_enter(&s.actor, &id) {
        return Err(AppError::Forbidden);
    }
    let refd = s.reference(&st.db).await?;
    let name = refd
        .agencies
        .iter()
        .find(|a| a.id == id)
        .map(|a| a.name.clone())
        .ok_or(AppError::NotFound)?;
    Ok((id, name))
}

/// The agency's indicators today, each with the last period ended and its value, if any.
async fn due_lines(
    st: &AppState,
    s: &Signed,
    agency: &str,
) -> AppResult<Vec<(performance::Indicator, Period, Option<f64>)>> {
    let list: Vec<performance::Indicator> =
        performance::dataset(&st.db, s.pid(), Day(today()), true)
            .await?
            .into_iter()
            .filter(|i| i.agency_id == agency)
            .collect();
    // Each indicator's last period ended: only those values are read.
    let periods: Vec<Period> = list
        .iter()
        .map(|i| Period::of(i.frequency, today()).prev())
        .collect();
    let wanted: Vec<(String, String)> = list
        .iter()
        .zip(&periods)
        .map(|(i, p)| (i.id.clone(), p.key()))
        .collect();
    let values: HashMap<(String, String), f64> = performance::values_at(&st.db, s.pid(), &wanted)
        .await?
        .into_iter()
        .map(|(i, p, v)| ((i, p), v))
        .collect();
    Ok(list
        .into_iter()
        .zip(periods)
        .map(|(i, p)| {
            let v = values.get(&(i.id.clone(), p.key())).copied();
            (i, p, v)
        })
        .collect())
}

async fn form_view(
    st: &AppState,
    s: &Signed,
    (agency_id, agency): (String, String),
    f: Option<&FormPairs>,
    errors: &Errors,
) -> AppResult<ReturnPage> {
    let due = due_lines(st, s, &agency_id).await?;
    let next_due = due.iter().map(|(_, p, _)| p.returns_due()).min();
    let lines = due
        .into_iter()
        .map(|(i, p, v)| {
            let key = format!("v-{}", i.id);
            let rkey = format!("r-{}", i.id);
            let shown = v.map(|v| format!("{v}")).unwrap_or_default();
            Line {
                value: Input::new(key.clone(), format!("{} ({})", i.name, p.label()))
                    .hint(format!(
                        "{}. {}.",
                        i.definition.trim_end_matches('.'),
                        i.unit.label()
                    ))
                    .inputmode("decimal")
                    .width_class("govuk-input--width-10")
                    .value(f.map_or(shown, |f| f.get(&key)))
                    .error(errors.get(&key)),
                reason: Input::new(rkey.clone(), format!("Why {} is being corrected", i.name))
                    .hint("Only when changing a value sent before")
                    .value(f.map(|f| f.get(&rkey)).unwrap_or_default())
                    .error(errors.get(&rkey)),
                was: v.map(|v| i.unit.show(v)),
            }
        })
        .collect();
    Ok(ReturnPage {
        chrome: s.chrome("/performance"),
        errors: errors.summary(),
        agency_id,
        agency,
        due: next_due.map(|d| Day(d).long()).unwrap_or_default(),
        lines,
    })
}

pub(super) async fn page(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    let q: AgencyQ = query_params(q.as_deref());
    let agency = agency_of(&st, &s, &q).await?;
    render(&form_view(&st, &s, agency, None, &Errors::default()).await?)
}

pub(super) async fn send(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
    f: FormPairs,
) -> AppResult<Response> {
    let q: AgencyQ = query_params(q.as_deref());
    let agency = agency_of(&st, &s, &q).await?;
    let due = due_lines(&st, &s, &agency.0).await?;
    let mut errors = Errors::default();
    let mut entries: Vec<performance::Entry> = Vec::new();
    for (i, p, was) in &due {
        let key = format!("v-{}", i.id);
        let text = f.get(&key);
        if text.trim().is_empty() {
            continue;
        }
        let Some(v) = errors.check(&key, i.unit.check(&text)) else {
            continue;
        };
        let reason: String = f
            .get(&format!("r-{}", i.id))
            .trim()
            .chars()
            .take(1000)
            .collect();
        match was {
            Some(w) if (w - v).abs() < 1e-12 => continue,
            Some(w) if reason.is_empty() => errors.add(
                &format!("r-{}", i.id),
                format!(
                    "{} already has {} for {}: say why it is being corrected",
                    i.name,
                    i.unit.show(*w),
                    p.label()
                ),
            ),
            _ => entries.push((i.id.clone(), *p, v, reason)),
        }
    }
    if errors.is_empty()
        && entries.is_empty()
        && let Some((i, _, _)) = due.iter().find(|(_, _, v)| v.is_none()).or(due.first())
    {
        errors.add(&format!("v-{}", i.id), "Enter at least one value to send");
    }
    // With nothing to write (no indicators at all), the page is shown again and says so.
    if errors.is_empty() && !entries.is_empty() {
        match performance::enter_all(&st.db, &s.who(), s.pid(), &entries).await {
            Ok(_) => {
                forget(s.pid());
                return Ok(redirect_with(
                    &format!("/performance/return?agency={}", agency.0),
                    Flash::ValuesSent,
                    st.config.secure_cookies(),
                ));
            }
            // Retired or corrected by someone else a moment ago: shown again to look at.
            Err(StoreError::Conflict(m)) => {
                if let Some((id, _, _, _)) = entries.first() {
                    errors.add(&format!("v-{id}"), m);
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &form_view(&st, &s, agency, Some(&f), &errors).await?,
    )
}

// ---- who has sent theirs ----

#[derive(Clone)]
pub(super) struct AgencyRow {
    id: String,
    name: String,
    indicators: usize,
    missing: Vec<String>,
    due: String,
    due_on: Option<chrono::NaiveDate>,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "performance/returns.html")]
struct StatusPage {
    chrome: Chrome,
    rows: Vec<AgencyRow>,
    complete: usize,
}

/// Who has sent their values, as last read, by partnership and day.
pub(super) static STATUS: crate::cache::Minute<(String, chrono::NaiveDate), Vec<AgencyRow>> =
    crate::cache::Minute::new(2000);

async fn status(st: &AppState, s: &Signed) -> AppResult<Vec<AgencyRow>> {
    let refd = s.reference(&st.db).await?;
    let read = readings(st, s, (today(), true, "")).await?;
    let mut rows: Vec<AgencyRow> = Vec::new();
    for a in refd.agencies.iter().filter(|a| a.active) {
        let mine: Vec<_> = read.iter().filter(|(i, _)| i.agency_id == a.id).collect();
        if mine.is_empty() {
            continue;
        }
        let mut due = None;
        let missing: Vec<String> = mine
            .iter()
            .filter_map(|(i, r)| {
                r.flags.iter().find_map(|f| match f {
                    Exception::Missing(p) => {
                        let d = p.returns_due();
                        due = Some(due.map_or(d, |x: chrono::NaiveDate| x.min(d)));
                        Some(format!("{} ({})", i.name, p.label()))
                    }
                    _ => None,
                })
            })
            .collect();
        rows.push(AgencyRow {
            id: a.id.clone(),
            name: a.name.clone(),
            indicators: mine.len(),
            overdue: due.is_some_and(|d| d < today()),
            due: due.map(|d| Day(d).long()).unwrap_or_default(),
            due_on: due,
            missing,
        });
    }
    Ok(rows)
}

pub(super) async fn status_page(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    if !can_manage(&s.actor) {
        return Err(AppError::Forbidden);
    }
    // Read once a minute per partnership on each server, and forgotten with the dataset's
    // tiles whenever this server writes to the dataset (as the dashboard is): it weighs two
    // years of every indicator's values, the same for everyone who may open it. Chasing
    // reads afresh.
    let key = (s.pid().to_owned(), today());
    let rows = STATUS.get_or_load(key, status(&st, &s)).await?;
    render(&StatusPage {
        chrome: s.chrome("/performance"),
        complete: rows.iter().filter(|r| r.missing.is_empty()).count(),
        rows,
    })
}

pub(super) async fn chase(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    if !can_manage(&s.actor) {
        return Err(AppError::Forbidden);
    }
    let owed: Vec<performance::Owed> = status(&st, &s)
        .await?
        .into_iter()
        .filter(|r| !r.missing.is_empty())
        .map(|r| (r.id, r.name, r.missing, Day(r.due_on.unwrap_or_else(today))))
        .collect();
    performance::chase(
        &st.db,
        &s.who(),
        s.pid(),
        &owed,
        (&st.config.public_url, today()),
    )
    .await?;
    Ok(redirect_with(
        "/performance/returns",
        Flash::AgenciesChased,
        st.config.secure_cookies(),
    ))
}
