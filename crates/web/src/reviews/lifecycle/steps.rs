//! The steps of running a review: terms of reference and reviewer, agency reports,
//! practitioner events and other dated events, and the report's versions.

#[allow(unused_imports)]
use super::page::{again, done};
#[allow(unused_imports)]
use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/reviews/{id}/terms", post(save_terms))
        .route("/reviews/{id}/reports", post(request_reports))
        .route("/reviews/{id}/reports/{agency}", get(report_page))
        .route("/reviews/{id}/events", post(add_event))
        .route(
            "/reviews/{id}/documents",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 1024 * 1024)),
        )
        .route("/reviews/documents/{report}", get(download))
}

async fn save_terms(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let c = load_managed(&st, &s, &id).await?;
    let mut errors = Errors::default();
    let next = match type_of(&c) {
        None => {
            errors.add("reviewer", "No review has been decided for this case");
            None
        }
        Some(t) if !t.is_run_here() => {
            errors.add(
                "reviewer",
                "This review is another body's: record its findings and recommendations only",
            );
            None
        }
        Some(_) => match advance(c.stage, Step::Terms) {
            Ok(next) => Some(next),
            Err(m) => {
                errors.add("reviewer", m);
                None
            }
        },
    };
    let from = f.date(
        "scope-from",
        "the start of the period in scope",
        &mut errors,
    );
    let to = f.date("scope-to", "the end of the period in scope", &mut errors);
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        errors.add(
            "scope-to-day",
            "The end of the scope must be on or after its start",
        );
    }
    let lines = errors.check(
        "lines",
        check_text_block(&f.get("lines"), "key lines of enquiry", 8000),
    );
    let methodology = Methodology::parse(&f.get("methodology"));
    if methodology.is_none() {
        errors.add("methodology", "Choose the methodology");
    }
    let proportionality = errors.check(
        "proportionality",
        check_text_block(
            &f.get("proportionality"),
            "reason the methodology is proportionate",
            4000,
        ),
    );
    let reviewer = errors.check(
        "reviewer",
        check_name(&f.get("reviewer"), "name of the reviewer", 200),
    );
    let independence = errors.check(
        "independence",
        check_text_block(
            &f.get("independence"),
            "reviewer's independence from the agencies involved",
            2000,
        ),
    );
    let reason = errors.check(
        "reviewer_reason",
        check_text_block(
            &f.get("reviewer_reason"),
            "reason the reviewer was chosen",
            2000,
        ),
    );
    let family = errors.check(
        "family",
        check_text_block(
            &f.get("family"),
            "involvement of the family and the child (or why not)",
            4000,
        ),
    );
    let agreed = f.date("agreed", "the date the terms were agreed", &mut errors);
    if let (
        Some(next),
        Some(from),
        Some(to),
        Some(lines),
        Some(m),
        Some(proportionality),
        Some(reviewer),
        Some(independence),
        Some(reason),
        Some(family),
        Some(agreed),
    ) = (
        next,
        from,
        to,
        lines,
        methodology,
        proportionality,
        reviewer,
        independence,
        reason,
        family,
        agreed,
    ) && errors.is_empty()
    {
        let input = TermsInput {
            scope_from: iso(from),
            scope_to: iso(to),
            lines_of_enquiry: lines,
            methodology: m.slug().to_owned(),
            proportionality,
            reviewer_name: reviewer,
            reviewer_independence: independence,
            reviewer_reason: reason,
            family_involvement: family,
            agreed_on: iso(agreed),
        };
        if store::save_terms(
            &st.db,
            &s.who(),
            s.pid(),
            &id,
            &input,
            (c.stage.slug(), next.slug()),
        )
        .await?
        {
            return Ok(done(&st, &id, "terms", Flash::ReviewTermsSaved));
        }
        errors.add("reviewer", MOVED);
    }
    again(&st, &s, &id, &f, &errors).await
}

async fn request_reports(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let c = load_managed(&st, &s, &id).await?;
    if !type_of(&c).is_some_and(ReviewType::is_run_here) || c.stage < Stage::Decided {
        let mut errors = Errors::default();
        errors.add(
            "due-day",
            "Agency reports are asked for once a review has been decided",
        );
        return again(&st, &s, &id, &f, &errors).await;
    }
    request_returns(&st, &s, &id, &f, AgencyReturn::Report).await
}

async fn report_page(
    State(st): State<AppState>,
    s: Signed,
    Path((id, agency)): Path<(String, String)>,
) -> AppResult<Response> {
    return_page(&st, &s, (&id, AgencyReturn::Report, &agency)).await
}

async fn add_event(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    load_managed(&st, &s, &id).await?;
    let mut errors = Errors::default();
    let held = f.date("held", "the date the event was held", &mut errors);
    let title = errors.check(
        "event_title",
        check_name(&f.get("event_title"), "what the event was", 300),
    );
    let attendees = match f.get("attendees").trim().parse::<i64>() {
        Ok(n) if (0..=10_000).contains(&n) => Some(n),
        _ => {
            errors.add(
                "attendees",
                "Enter the number who took part as a whole number, for example 12",
            );
            None
        }
    };
    if let (Some(held), Some(title), Some(attendees)) = (held, title, attendees)
        && errors.is_empty()
    {
        let notes: String = f.get("event_notes").trim().chars().take(8000).collect();
        store::add_event(
            &st.db,
            &s.who(),
            s.pid(),
            &id,
            store::NewEvent {
                held_on: &iso(held),
                title: &title,
                attendees,
                notes: &notes,
            },
        )
        .await?;
        return Ok(done(&st, &id, "events", Flash::EventRecorded));
    }
    again(&st, &s, &id, &f, &errors).await
}

async fn upload(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    form: Multipart,
) -> AppResult<Response> {
    let c = load_managed(&st, &s, &id).await?;
    let up = match crate::uploads::read(form).await {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let (kind, note) = (up.fields.get("final"), up.fields.get("note"));
    let (file_name, bytes) = up.file();
    let f = FormPairs(vec![
        ("final".into(), kind.clone()),
        ("note".into(), note.clone()),
    ]);
    let mut errors = Errors::default();
    let is_final = match kind.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.add(
                "final",
                "Choose whether this is a draft or the final report",
            );
            None
        }
    };
    let content_type = errors.check("file", check_upload(&file_name, &bytes));
    let next = is_final.and_then(|fin| {
        let step = if fin { Step::Final } else { Step::Draft };
        match advance(c.stage, step) {
            Ok(n) if type_of(&c).is_some_and(ReviewType::is_run_here) => Some(n),
            Ok(_) => {
                errors.add(
                    "final",
                    "Reports are kept only for reviews the partnership runs",
                );
                None
            }
            Err(m) => {
                errors.add("final", m);
                None
            }
        }
    });
    let (Some(is_final), Some(content_type), Some(next)) = (is_final, content_type, next) else {
        return again(&st, &s, &id, &f, &errors).await;
    };
    if !errors.is_empty() {
        return again(&st, &s, &id, &f, &errors).await;
    }
    let note: String = note.trim().chars().take(500).collect();
    let added = store::add_report(
        &st.db,
        &st.files,
        &s.who(),
        s.pid(),
        &id,
        is_final,
        &note,
        (c.stage.slug(), next.slug()),
        Upload {
            name: safe_name(&file_name),
            content_type: content_type.to_owned(),
            bytes,
        },
    )
    .await?;
    if added.is_none() {
        errors.add("final", MOVED);
        return again(&st, &s, &id, &f, &errors).await;
    }
    Ok(done(&st, &id, "reports", Flash::ReportAdded))
}

/// Sends a report version as an attachment, after checking again that the person may read the
/// case in full; audited.
async fn download(
    State(st): State<AppState>,
    s: Signed,
    Path(report): Path<String>,
) -> AppResult<Response> {
    if !is_id(&report) {
        return Err(AppError::NotFound);
    }
    let r = store::report(&st.db, s.pid(), &report)
        .await?
        .ok_or(AppError::NotFound)?;
    let c = load_full(&st, &s, &r.review_id).await?;
    let f = files::get(&st.db, s.pid(), &r.file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = st.files.get(&f.storage_key).await?;
    audit::record(
        &st.db,
        &s.who(),
        Event::new(
            "case.report.download",
            learnloop_domain::sources::SourceKind::CaseReview.slug(),
            Some(&c.id),
        )
        .summary(format!(
            "Downloaded version {} of the report of case {}",
            r.version, c.reference
        )),
    )
    .await?;
    Ok(crate::uploads::attachment(&f, bytes))
}
