//! Agency summaries for a rapid review: the business team asks the agencies involved, and
//! each agency's safeguarding lead writes their own.

#[allow(unused_imports)]
use super::case_page::again;
#[allow(unused_imports)]
use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/reviews/{id}/summaries", post(request_summaries))
        .route("/reviews/{id}/summaries/{agency}", get(summary_page))
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
    reviews::request_summaries(&st.db, &s.who(), s.pid(), id, kind, Day(due), mails).await?;
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

async fn summary_page(
    State(st): State<AppState>,
    s: Signed,
    Path((id, agency)): Path<(String, String)>,
) -> AppResult<Response> {
    return_page(&st, &s, (&id, AgencyReturn::Summary, &agency)).await
}

/// The address the mails asking for a summary or report give: the agency's return on the
/// case (`/returns/{id}`), for whoever may read it there.
pub(crate) async fn return_page(
    st: &AppState,
    s: &Signed,
    (id, kind, agency): (&str, AgencyReturn, &str),
) -> AppResult<Response> {
    if !is_id(id) || !is_id(agency) {
        return Err(AppError::NotFound);
    }
    reviews::get(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let panel = reviews::panel(&st.db, s.pid(), id).await?;
    if !can_write_summary(&s.actor, agency) && !can_read_in_full(&s.actor, &panel) {
        return Err(AppError::Forbidden);
    }
    let found = learnloop_store::returns::find(
        &st.db,
        s.pid(),
        (SourceKind::CaseReview, id, kind.slug()),
        agency,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(axum::response::IntoResponse::into_response(
        axum::response::Redirect::to(&format!("/returns/{found}")),
    ))
}
