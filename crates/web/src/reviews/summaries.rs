//! Agency summaries for a rapid review: the business team asks the agencies involved, and
//! each agency's safeguarding lead writes their own.

#[allow(unused_imports)]
use super::case_page::again;
#[allow(unused_imports)]
use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/reviews/{id}/summaries", post(request_summaries))
        .route(
            "/reviews/{id}/summaries/{agency}",
            get(summary_page).post(submit_summary),
        )
}

async fn request_summaries(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    request_returns(&st, &s, &id, &f, AgencyReturn::Summary).await
}

/// Asks each agency involved for its summary (rapid review) or report (commissioned review)
/// by a date, and mails its safeguarding leads.
pub(crate) async fn request_returns(
    st: &AppState,
    s: &Signed,
    id: &str,
    f: &FormPairs,
    kind: AgencyReturn,
) -> AppResult<Response> {
    let c = managed_case(st, s, id).await?;
    let mut errors = Errors::default();
    let what = match kind {
        AgencyReturn::Summary => "the date summaries are due",
        AgencyReturn::Report => "the date reports are due",
    };
    let Some(due) = f.date("due", what, &mut errors) else {
        return match kind {
            AgencyReturn::Summary => again(st, s, id, f, &errors).await,
            AgencyReturn::Report => lifecycle::again(st, s, id, f, &errors).await,
        };
    };
    let leads = reviews::agency_leads(&st.db, s.pid(), id).await?;
    let (noun, path, why) = match kind {
        AgencyReturn::Summary => (
            "summary",
            "summaries",
            "The partnership's rapid review of case {ref} needs your agency's summary of its involvement (a chronology and an analysis)",
        ),
        AgencyReturn::Report => (
            "report",
            "reports",
            "The review of case {ref} needs your agency's report and chronology of its involvement",
        ),
    };
    // The mail names the case by reference only: no child's details leave the restricted record.
    let mails = leads
        .iter()
        .map(|(agency, email, name)| NewMail {
            kind: "agency-summary",
            partnership_id: Some(s.pid().to_owned()),
            natural_key: Some(format!("{path}:{id}:{agency}:{email}")),
            to: email.clone(),
            subject: format!(
                "Agency {noun} needed for case {} by {}",
                c.reference,
                long(due)
            ),
            body: format!(
                "Hello {name},\n\n{} by {}.\n\nWrite it here: {}/reviews/{id}/{path}/{agency}\n",
                why.replace("{ref}", &c.reference),
                long(due),
                st.config.public_url
            ),
        })
        .collect();
    reviews::request_summaries(
        &st.db,
        &s.who(),
        s.pid(),
        id,
        kind.slug(),
        &due.format("%Y-%m-%d").to_string(),
        mails,
    )
    .await?;
    Ok(redirect_with(
        &match kind {
            AgencyReturn::Summary => format!("/reviews/{id}#summaries"),
            AgencyReturn::Report => format!("/reviews/{id}/review#agency-reports"),
        },
        match kind {
            AgencyReturn::Summary => Flash::SummariesRequested,
            AgencyReturn::Report => Flash::ReportsRequested,
        },
        st.config.secure_cookies(),
    ))
}

#[derive(Template)]
#[template(path = "reviews/summary.html")]
struct SummaryPage {
    chrome: Chrome,
    errors: learnloop_govuk::ErrorSummary,
    kind: AgencyReturn,
    back: String,
    reference: String,
    agency: String,
    due: String,
    submitted: Option<String>,
    can_write: bool,
    chronology: Textarea,
    analysis: Textarea,
    text_chronology: String,
    text_analysis: String,
}

async fn summary_view(
    st: &AppState,
    s: &Signed,
    (id, kind, agency): (&str, AgencyReturn, &str),
    f: Option<&FormPairs>,
    errors: &Errors,
) -> AppResult<SummaryPage> {
    if !is_id(id) || !is_id(agency) {
        return Err(AppError::NotFound);
    }
    let c = reviews::get(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let sm = reviews::summary(&st.db, s.pid(), id, kind.slug(), agency)
        .await?
        .ok_or(AppError::NotFound)?;
    let panel = reviews::panel(&st.db, s.pid(), id).await?;
    let can_write = can_write_summary(&s.actor, agency);
    if !can_write && !can_read_in_full(&s.actor, &panel) {
        return Err(AppError::Forbidden);
    }
    let agency_name = gov::agency(&st.db, s.pid(), agency)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let value = |k: &str, stored: &str| f.map(|f| f.get(k)).unwrap_or_else(|| stored.to_owned());
    Ok(SummaryPage {
        chrome: s.chrome("/reviews"),
        errors: errors.summary(),
        kind,
        back: match kind {
            AgencyReturn::Summary => format!("/reviews/{id}#summaries"),
            AgencyReturn::Report => format!("/reviews/{id}/review#agency-reports"),
        },
        reference: c.reference,
        agency: agency_name,
        due: sm.due_on.long(),
        submitted: sm
            .submitted_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.format("%-d %B %Y").to_string()),
        can_write,
        chronology: Textarea::new("chronology", "Chronology of your agency's involvement")
            .hint("Dates and what your agency knew and did. Refer to children by their pseudonyms")
            .rows(10)
            .value(value("chronology", &sm.chronology))
            .error(errors.get("chronology")),
        analysis: Textarea::new("analysis", "Analysis")
            .hint("What went well, what could have been done differently, and any learning")
            .rows(8)
            .value(value("analysis", &sm.analysis))
            .error(errors.get("analysis")),
        text_chronology: sm.chronology,
        text_analysis: sm.analysis,
    })
}

async fn summary_page(
    State(st): State<AppState>,
    s: Signed,
    Path((id, agency)): Path<(String, String)>,
) -> AppResult<Response> {
    return_page(&st, &s, (&id, AgencyReturn::Summary, &agency)).await
}

async fn submit_summary(
    State(st): State<AppState>,
    s: Signed,
    Path((id, agency)): Path<(String, String)>,
    f: FormPairs,
) -> AppResult<Response> {
    submit_return(&st, &s, (&id, AgencyReturn::Summary, &agency), &f).await
}

/// An agency's summary or report: its lead writes it, the panel reads it (audited).
pub(crate) async fn return_page(
    st: &AppState,
    s: &Signed,
    key: (&str, AgencyReturn, &str),
) -> AppResult<Response> {
    let page = summary_view(st, s, key, None, &Errors::default()).await?;
    audit::record(
        &st.db,
        &s.who(),
        Event::new(
            "case.summary.read",
            learnloop_domain::sources::SourceKind::CaseReview.slug(),
            Some(key.0),
        )
        .summary(format!(
            "Read the {} {} of case {}",
            page.agency,
            key.1.noun(),
            page.reference
        )),
    )
    .await?;
    render(&page)
}

pub(crate) async fn submit_return(
    st: &AppState,
    s: &Signed,
    key: (&str, AgencyReturn, &str),
    f: &FormPairs,
) -> AppResult<Response> {
    let page = summary_view(st, s, key, Some(f), &Errors::default()).await?;
    if !page.can_write {
        return Err(AppError::Forbidden);
    }
    let (id, kind, agency) = key;
    let mut errors = Errors::default();
    let chronology = errors.check(
        "chronology",
        check_text_block(&f.get("chronology"), "chronology", 50_000),
    );
    let analysis = errors.check(
        "analysis",
        check_text_block(&f.get("analysis"), "analysis", 50_000),
    );
    let (Some(chronology), Some(analysis)) = (chronology, analysis) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &summary_view(st, s, key, Some(f), &errors).await?,
        );
    };
    reviews::submit_summary(
        &st.db,
        &s.who(),
        s.pid(),
        id,
        (kind.slug(), agency),
        &chronology,
        &analysis,
    )
    .await?;
    Ok(redirect_with(
        &format!("/reviews/{id}/{}/{agency}", kind.path()),
        Flash::SummarySubmitted,
        st.config.secure_cookies(),
    ))
}
