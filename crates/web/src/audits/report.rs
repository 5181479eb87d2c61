//! The overview report: what the audit found (summary, strengths, areas for improvement),
//! children's views on its theme, and its recommendations — which become actions through the
//! one interface every source uses (`/recommendations/{id}/actions`).

#[allow(unused_imports)]
use super::*;

use learnloop_store::recommendations::{self, RecommendationLine};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/audits/{id}/report", get(show).post(save))
        .route("/audits/{id}/recommendations", post(add_recommendation))
        .route("/audits/{id}/voice", post(add_voice))
        .route("/audits/{id}/reaudit", post(reaudit))
}

/// The audit a re-audit repeats: its name and how many returns carried each grade.
struct Earlier {
    name: String,
    grades: Vec<(String, usize)>,
}

#[derive(Template)]
#[template(path = "audits/report.html")]
struct ReportPage {
    chrome: Chrome,
    errors: ErrorSummary,
    id: String,
    title: String,
    summary_text: String,
    strengths_text: String,
    improvements_text: String,
    voices: Vec<audits::Voice>,
    recommendations: Vec<RecommendationLine>,
    open_actions: usize,
    distribution: Vec<(String, usize)>,
    /// The re-audit this one repeats, with its grades, to compare.
    earlier: Option<Earlier>,
    can_run: bool,
    can_plan_actions: bool,
    summary: Textarea,
    strengths: Textarea,
    improvements: Textarea,
    rec: crate::sources::RecFields,
    voice_how: Input,
    voice_whom: Input,
    voice_said: Textarea,
    reaudit_fieldwork: DateInput,
    reaudit_due: DateInput,
}

async fn page(
    st: &AppState,
    s: &Signed,
    a: &Audit,
    scope: &AuditScope,
    f: Option<&FormPairs>,
    errors: &Errors,
) -> AppResult<ReportPage> {
    let stored = FormPairs::from_values(&[
        ("summary", &a.report_summary),
        ("strengths", &a.report_strengths),
        ("improvements", &a.report_improvements),
    ]);
    let f = f.unwrap_or(&stored);
    let agencies = audits::agencies(&st.db, s.pid(), &a.id).await?;
    let qs = returns::question_set(&st.db, s.pid(), &a.question_set_id).await?;
    let all = returns::for_source(&st.db, s.pid(), SourceKind::Audit, &a.id).await?;
    let earlier = match &a.reaudit_of {
        Some(e) => match audits::get(&st.db, s.pid(), e).await? {
            Some(prev) => {
                let pqs = returns::question_set(&st.db, s.pid(), &prev.question_set_id).await?;
                let prev_returns =
                    returns::for_source(&st.db, s.pid(), SourceKind::Audit, &prev.id).await?;
                Some(Earlier {
                    name: title_of(&prev),
                    grades: workshop::distribution(&pqs.scale.0, &prev_returns),
                })
            }
            None => None,
        },
        None => None,
    };
    Ok(ReportPage {
        chrome: s.chrome("/audits"),
        errors: errors.summary(),
        id: a.id.clone(),
        title: a.title.clone(),
        summary_text: a.report_summary.clone(),
        strengths_text: a.report_strengths.clone(),
        improvements_text: a.report_improvements.clone(),
        voices: audits::voices(&st.db, s.pid(), &a.id).await?,
        open_actions: crate::sources::open_actions(st, s, SourceKind::Audit, &a.id).await?,
        recommendations: recommendations::for_source(&st.db, s.pid(), SourceKind::Audit, &a.id)
            .await?,
        distribution: workshop::distribution(&qs.scale.0, &all),
        earlier,
        can_run: can_run(&s.actor, scope),
        can_plan_actions: s.actor.can(Permission::ManageActions),
        summary: Textarea::new("summary", "What the audit found")
            .rows(5)
            .filled(f, errors),
        strengths: Textarea::new("strengths", "Strengths")
            .rows(4)
            .filled(f, errors),
        improvements: Textarea::new("improvements", "Areas for improvement")
            .rows(4)
            .filled(f, errors),
        rec: crate::sources::recommendation_fields(f, errors, agencies.iter().cloned()),
        voice_how: Input::new("how", "How the views were gathered")
            .hint("For example: a survey in three secondary schools")
            .filled(f, errors),
        voice_whom: Input::new("whom", "From whom")
            .hint("Groups only, never names: for example, 40 young people aged 12 to 16")
            .filled(f, errors),
        voice_said: Textarea::new("said", "What they said")
            .rows(4)
            .filled(f, errors),
        reaudit_fieldwork: plan::date_field(f, errors, "fieldwork", "Re-audit fieldwork starts"),
        reaudit_due: plan::date_field(f, errors, "due", "Re-audit returns due"),
    })
}

async fn show(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (a, scope) = readable(&st, &s, &id).await?;
    render(&page(&st, &s, &a, &scope, None, &Errors::default()).await?)
}

async fn again(
    st: &AppState,
    s: &Signed,
    (a, scope): (&Audit, &AuditScope),
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<Response> {
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page(st, s, a, scope, Some(f), errors).await?,
    )
}

fn done(st: &AppState, id: &str, flash: Flash) -> Response {
    redirect_with(
        &format!("/audits/{id}/report"),
        flash,
        st.config.secure_cookies(),
    )
}

async fn save(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let (a, scope) = runnable(&st, &s, &id).await?;
    let mut errors = Errors::default();
    let summary = errors.check(
        "summary",
        check_text_block(&f.get("summary"), "summary of what the audit found", 20000),
    );
    let strengths = errors.check(
        "strengths",
        check_text_block(&f.get("strengths"), "strengths", 20000),
    );
    let improvements = errors.check(
        "improvements",
        check_text_block(&f.get("improvements"), "areas for improvement", 20000),
    );
    if let (Some(summary), Some(strengths), Some(improvements)) = (summary, strengths, improvements)
    {
        let r = audits::Report {
            summary,
            strengths,
            improvements,
        };
        audits::save_report(&st.db, &s.who(), &a, &r).await?;
        return Ok(done(&st, &id, Flash::ReportSaved));
    }
    again(&st, &s, (&a, &scope), &f, &errors).await
}

async fn add_recommendation(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let (a, scope) = runnable(&st, &s, &id).await?;
    let participating: Vec<String> = audits::agencies(&st.db, s.pid(), &a.id)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    match crate::sources::add_recommendation(
        &st,
        &s,
        (SourceKind::Audit, &a.id),
        &f,
        (&participating, "Choose agencies taking part in this audit"),
    )
    .await?
    {
        Ok(()) => Ok(done(&st, &id, Flash::RecommendationAdded)),
        Err(errors) => again(&st, &s, (&a, &scope), &f, &errors).await,
    }
}

async fn add_voice(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let (a, scope) = runnable(&st, &s, &id).await?;
    let mut errors = Errors::default();
    let how = errors.check(
        "how",
        check_name(&f.get("how"), "way the views were gathered", 300),
    );
    let whom = errors.check(
        "whom",
        check_name(&f.get("whom"), "group the views came from", 300),
    );
    let said = errors.check(
        "said",
        check_text_block(&f.get("said"), "summary of what they said", 8000),
    );
    if let (Some(how), Some(whom), Some(said)) = (how, whom, said) {
        audits::add_voice(&st.db, &s.who(), &a, (&how, &whom, &said)).await?;
        return Ok(done(&st, &id, Flash::VoiceRecorded));
    }
    again(&st, &s, (&a, &scope), &f, &errors).await
}

/// Schedules a re-audit with the same lines of enquiry and a later sample.
async fn reaudit(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let (a, scope) = runnable(&st, &s, &id).await?;
    let mut errors = Errors::default();
    let fieldwork = f.date(
        "fieldwork",
        "the date the re-audit's fieldwork starts",
        &mut errors,
    );
    let due = f.date(
        "due",
        "the date the re-audit's returns are due",
        &mut errors,
    );
    if let (Some(fw), Some(d)) = (fieldwork, due) {
        if fw <= a.fieldwork_on.date() {
            errors.add(
                "fieldwork-day",
                "A re-audit's fieldwork starts after this audit's",
            );
        } else if d < fw {
            errors.add(
                "due-day",
                "Returns must be due on or after the day fieldwork starts",
            );
        }
    }
    if let (true, Some(fw), Some(d)) = (errors.is_empty(), fieldwork, due) {
        let new = audits::schedule_reaudit(&st.db, &s.who(), &a, Day(fw), Day(d)).await?;
        return Ok(redirect_with(
            &format!("/audits/{new}"),
            Flash::ReauditScheduled,
            st.config.secure_cookies(),
        ));
    }
    again(&st, &s, (&a, &scope), &f, &errors).await
}
