//! Case reviews, second part: referrals, reviews recorded directly (domestic homicide reviews,
//! management reviews, legacy serious case reviews, others' reviews), and the review page of a
//! commissioned review — terms of reference and reviewer, agency reports, practitioner events,
//! report versions, the publication decision, findings and recommendations. The review page is
//! restricted like the case: only the business team and the case's panel, each read audited.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use learnloop_domain::dates::long;
use learnloop_domain::files::{MAX_UPLOAD_BYTES, check_upload, safe_name};
use learnloop_domain::policy::Permission;
use learnloop_domain::recommendations::{SourceKind, check_text};
use learnloop_domain::reviews::lifecycle::{
    AgencyReturn, Link, Methodology, Publication, ReferralSource, ReviewType, Step, advance,
    enough_notice, lines_of_enquiry, notice_due,
};
use learnloop_domain::reviews::{Category, Stage, can_read_in_full};
use learnloop_domain::text::check_name;
use learnloop_govuk::{
    Checkboxes, ChoiceItem, DateInput, ErrorSummary, Input, Radios, Select, SelectItem, Textarea,
};
use learnloop_store::audit::{self, Event};
use learnloop_store::files::{self, Upload};
use learnloop_store::recommendations::{self, RecommendationLine};
use learnloop_store::returns::ReturnLine;
use learnloop_store::reviews::lifecycle::{
    self as store, Finding, PublicationInput, PublicationRecord, Referral, Report, ReviewEvent,
    Terms, TermsInput,
};
use learnloop_store::reviews::{self, CaseReview, NewNotification, NewReferral};
use learnloop_store::{StoreError, is_id, themes};

use super::summaries::{request_returns, return_page};
use super::timeline;
use crate::AppState;
use crate::clocks::Timeline;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, filters, render, render_status};
use crate::session::Signed;
use crate::web::redirect_with;
use learnloop_domain::text::check_text_block;

mod outcomes;
mod page;
mod record;
mod referrals;
mod steps;

use page::MOVED;
pub(super) use page::again;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(referrals::routes())
        .merge(record::routes())
        .merge(page::routes())
        .merge(steps::routes())
        .merge(outcomes::routes())
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A date input filled from what was typed, or else from a stored `YYYY-MM-DD`.
fn date_input(
    f: &FormPairs,
    errors: &Errors,
    key: &str,
    legend: &str,
    stored: Option<NaiveDate>,
) -> DateInput {
    let typed = !f.0.is_empty();
    let part = |i: usize, suffix: &str| {
        if typed {
            f.get(&format!("{key}-{suffix}"))
        } else {
            stored
                .map(|d| match i {
                    0 => d.format("%-d").to_string(),
                    1 => d.format("%-m").to_string(),
                    _ => d.format("%Y").to_string(),
                })
                .unwrap_or_default()
        }
    };
    DateInput::new(key, legend)
        .date_values(part(0, "day"), part(1, "month"), part(2, "year"))
        .error(errors.get(&format!("{key}-day")))
}

/// The case, for the business team and its panel only; the read is audited.
async fn load_full(st: &AppState, s: &Signed, id: &str) -> AppResult<CaseReview> {
    s.require(Permission::ViewPartnership)?;
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let c = reviews::get(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let panel = reviews::panel(&st.db, s.pid(), id).await?;
    if !can_read_in_full(&s.actor, &panel) {
        return Err(AppError::Forbidden);
    }
    Ok(c)
}

/// The case for a change by the business team.
async fn load_managed(st: &AppState, s: &Signed, id: &str) -> AppResult<CaseReview> {
    s.require(Permission::ManageReviews)?;
    load_full(st, s, id).await
}

/// The case whose recommendations and action plan a review uses: a joint review shares the
/// practice review's one set of recommendations and one plan; every other review has its own.
fn plan_source(c: &CaseReview) -> String {
    match (c.link_kind.as_deref(), &c.linked_review_id) {
        (Some("joint"), Some(l)) => l.clone(),
        _ => c.id.clone(),
    }
}

fn type_of(c: &CaseReview) -> Option<ReviewType> {
    c.review_type.as_deref().and_then(ReviewType::parse)
}
