//! Building plans: turning a recommendation into actions, importing a plan from a spreadsheet
//! (checked row by row, written only when every row is valid and the person confirms), and
//! "which sources raised this theme, and did their actions work?".

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{Datelike, Utc};
use learnloop_domain::actions::import::{self, Checked, Lookups};
use learnloop_domain::files::MAX_UPLOAD_BYTES;
use learnloop_domain::policy::Permission;
use learnloop_domain::recommendations::SourceKind;
use learnloop_govuk::{
    Checkboxes, ChoiceItem, DateInput, ErrorSummary, Select, SelectItem, Textarea,
};
use learnloop_store::actions::SourceOutcome;
use learnloop_store::actions::{self, NewAction};
use learnloop_store::reviews::{self, CaseReview};
use learnloop_store::{accounts, is_id, recommendations, themes};

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, render, render_status};
use crate::session::Signed;
use crate::web::{query_params, redirect_with};
use learnloop_domain::text::check_text_block;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/recommendations/{id}/actions", get(new_page).post(create))
        .route(
            "/actions/import",
            get(import_page)
                .post(import_upload)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 1024 * 1024)),
        )
        .route("/actions/import/confirm", post(import_confirm))
        .route("/themes/{id}/learning", get(learning))
}

/// A case review as a source of actions: the business team plans; the group that oversees
/// the case owns the plan.
async fn case_source(st: &AppState, s: &Signed, id: &str) -> AppResult<CaseReview> {
    s.require(Permission::ManageActions)?;
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    reviews::get(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)
}

// ---- an action from a recommendation ----

/// The source a recommendation belongs to, as the action form needs it: what to call it,
/// where to go back to, and the group whose plan its actions join.
struct RecSource {
    kind: SourceKind,
    id: String,
    title: String,
    back: String,
    group_id: Option<String>,
}

/// The partnership's board, which oversees the plans of sources no group owns.
async fn board_of(st: &AppState, s: &Signed) -> AppResult<Option<String>> {
    Ok(s.reference(&st.db)
        .await?
        .groups
        .iter()
        .find(|g| g.kind == "board")
        .map(|g| g.id.clone()))
}

async fn rec_source(st: &AppState, s: &Signed, kind: SourceKind, id: &str) -> AppResult<RecSource> {
    match kind {
        SourceKind::CaseReview => {
            let case = case_source(st, s, id).await?;
            Ok(RecSource {
                kind,
                title: format!("Case {}", case.reference),
                back: format!("/reviews/{}/review#recommendations", case.id),
                group_id: case.oversight_group_id,
                id: case.id,
            })
        }
        SourceKind::Audit => {
            s.require(Permission::ManageActions)?;
            let a = learnloop_store::audits::get(&st.db, s.pid(), id)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(RecSource {
                kind,
                title: format!("Audit “{}”", a.title),
                back: format!("/audits/{}/report#recommendations", a.id),
                group_id: a.group_id,
                id: a.id,
            })
        }
        SourceKind::DeepDive => {
            s.require(Permission::ManageActions)?;
            let d = learnloop_store::performance::deep_dives::get(&st.db, s.pid(), id)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(RecSource {
                kind,
                title: format!("Deep dive “{}”", d.title),
                back: format!("/performance/deep-dives/{}#recommendations", d.id),
                group_id: Some(d.group_id),
                id: d.id,
            })
        }
        SourceKind::Inspection => {
            s.require(Permission::ManageActions)?;
            let i = learnloop_store::inspections::get(&st.db, s.pid(), id)
                .await?
                .ok_or(AppError::NotFound)?;
            // The board oversees an inspection's action plan.
            Ok(RecSource {
                kind,
                title: format!("Inspection: {}", i.title()),
                back: format!("/inspections/{}#recommendations", i.id),
                group_id: board_of(st, s).await?,
                id: i.id,
            })
        }
        SourceKind::ChildDeathReport => {
            s.require(Permission::ManageActions)?;
            let r = learnloop_store::child_deaths::get_report(&st.db, s.pid(), id)
                .await?
                .ok_or(AppError::NotFound)?;
            // The board receives the panel's report and oversees its recommendations.
            Ok(RecSource {
                kind,
                title: r.title(),
                back: format!("/child-deaths/reports/{}#recommendations", r.id),
                group_id: board_of(st, s).await?,
                id: r.id,
            })
        }
        SourceKind::VoiceEvent => {
            s.require(Permission::ManageActions)?;
            let e = learnloop_store::voice::get_event(&st.db, s.pid(), id)
                .await?
                .ok_or(AppError::NotFound)?;
            // What young people said is answered by the partnership, so the board oversees it.
            Ok(RecSource {
                kind,
                title: format!("Youth voice: {}", e.topic),
                back: format!("/voice/events/{}#recommendations", e.id),
                group_id: board_of(st, s).await?,
                id: e.id,
            })
        }
        // A meeting makes actions directly, never recommendations.
        SourceKind::Meeting
        | SourceKind::Assurance
        | SourceKind::Section11
        | SourceKind::Training => Err(AppError::NotFound),
    }
}

#[derive(Template)]
#[template(path = "actions/new.html")]
struct NewPage {
    chrome: Chrome,
    errors: ErrorSummary,
    source: RecSource,
    number: i64,
    recommendation: String,
    description: Textarea,
    lead: Select,
    supporting: Checkboxes,
    owner: Select,
    due: DateInput,
    measure: Textarea,
}

async fn new_view(
    st: &AppState,
    s: &Signed,
    rec_id: &str,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<(NewPage, String)> {
    s.require(Permission::ManageActions)?;
    if !is_id(rec_id) {
        return Err(AppError::NotFound);
    }
    let rec = recommendations::get(&st.db, s.pid(), rec_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let source = rec_source(st, s, rec.source_kind, &rec.source_id).await?;
    let agencies = s.reference(&st.db).await?.active_agencies();
    let addressed = recommendations::agency_ids(&st.db, s.pid(), rec_id).await?;
    let people = accounts::names(&st.db, s.pid()).await?;
    let typed = !f.0.is_empty();
    let lead_default = if typed {
        f.get("lead_agency")
    } else {
        addressed.first().cloned().unwrap_or_default()
    };
    Ok((
        NewPage {
            chrome: s.chrome("/actions"),
            errors: errors.summary(),
            number: rec.number,
            recommendation: rec.body.clone(),
            description: Textarea::new("description", "What will be done")
                .rows(3)
                .filled(f, errors),
            lead: Select::new(
                "lead_agency",
                "Lead agency",
                std::iter::once(SelectItem::new("", "Choose an agency"))
                    .chain(agencies.iter().map(|a| SelectItem::new(a.id.clone(), a.name.clone()))),
            )
            .value(lead_default)
            .error(errors.get("lead_agency")),
            supporting: Checkboxes::new(
                "supporting",
                "Supporting agencies (optional)",
                agencies
                    .iter()
                    .map(|a| ChoiceItem::new(a.id.clone(), a.name.clone())),
            )
            .values(if typed { f.all("supporting") } else { addressed.iter().skip(1).cloned().collect() })
            .error(errors.get("supporting")),
            owner: Select::new(
                "owner",
                "Owner",
                std::iter::once(SelectItem::new("", "Choose a person"))
                    .chain(people.iter().map(|p| SelectItem::new(p.id.clone(), p.name.clone()))),
            )
            .hint("The named person who will see it through")
            .filled(f, errors),
            due: DateInput::new("due", "Due date")
                .date_values(f.get("due-day"), f.get("due-month"), f.get("due-year"))
                .error(errors.get("due-day")),
            measure: Textarea::new("measure", "Success measure")
                .hint("How the partnership will know it worked, for example a re-audit finding or a change in an indicator")
                .rows(2)
                .filled(f, errors),
            source,
        },
        rec.id,
    ))
}

async fn new_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    render(
        &new_view(&st, &s, &id, &FormPairs(Vec::new()), &Errors::default())
            .await?
            .0,
    )
}

async fn create(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let (page, rec_id) = new_view(&st, &s, &id, &FormPairs(Vec::new()), &Errors::default()).await?;
    let mut errors = Errors::default();
    let description = errors.check(
        "description",
        check_text_block(
            &f.get("description"),
            "description of what will be done",
            2000,
        ),
    );
    let agencies = s.reference(&st.db).await?.active_agencies();
    let lead = f.get("lead_agency");
    if !agencies.iter().any(|a| a.id == lead) {
        errors.add("lead_agency", "Choose the lead agency");
    }
    let supporting = f.all("supporting");
    if !supporting
        .iter()
        .all(|x| agencies.iter().any(|a| &a.id == x))
    {
        errors.add("supporting", "Choose supporting agencies from the list");
    }
    let owner = f.get("owner");
    if !is_id(&owner)
        || accounts::person_in(&st.db, s.pid(), &owner)
            .await?
            .is_none()
    {
        errors.add("owner", "Choose the person who owns the action");
    }
    let due = f.date("due", "the due date", &mut errors);
    let measure = errors.check(
        "measure",
        check_text_block(
            &f.get("measure"),
            "success measure: how you will know it worked",
            2000,
        ),
    );
    if let (Some(description), Some(due), Some(measure)) = (description, due, measure)
        && errors.is_empty()
    {
        let source = &page.source;
        let id = actions::create(
            &st.db,
            &s.who(),
            s.pid(),
            &NewAction {
                source_kind: source.kind,
                source_id: source.id.clone(),
                group_id: source.group_id.clone(),
                description,
                lead_agency_id: Some(lead),
                owner_person_id: Some(owner),
                due_on: due.format("%Y-%m-%d").to_string(),
                recommendation_id: Some(rec_id),
                success_measure: measure,
                supporting_agency_ids: supporting,
            },
        )
        .await?;
        return Ok(redirect_with(
            &format!("/actions/{id}"),
            Flash::ActionAdded,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &new_view(&st, &s, &id, &f, &errors).await?.0,
    )
}

// ---- importing a plan ----

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct SourceQ {
    source: String,
}

/// The case review a plan is imported into, from "case_review:<id>".
async fn import_source(st: &AppState, s: &Signed, source: &str) -> AppResult<CaseReview> {
    match crate::sources::parse_ref(source) {
        (Some(SourceKind::CaseReview), Some(id)) => case_source(st, s, &id).await,
        _ => {
            s.require(Permission::ManageActions)?;
            Err(AppError::NotFound)
        }
    }
}

#[derive(Template)]
#[template(path = "actions/import.html")]
struct ImportPage {
    chrome: Chrome,
    errors: ErrorSummary,
    case: CaseReview,
    source: String,
    columns: String,
    file_error: Option<String>,
    /// After an upload: the check.
    checked: Option<Checked>,
    rows_total: usize,
    file_id: String,
    file_name: String,
}

async fn import_view(
    st: &AppState,
    s: &Signed,
    source: &str,
    file_error: Option<String>,
    checked: Option<(Checked, usize, String, String)>,
) -> AppResult<ImportPage> {
    let case = import_source(st, s, source).await?;
    let mut errors = Errors::default();
    if let Some(m) = &file_error {
        errors.add("file", m);
    }
    let (checked, rows_total, file_id, file_name) = match checked {
        Some((c, n, id, name)) => (Some(c), n, id, name),
        None => (None, 0, String::new(), String::new()),
    };
    Ok(ImportPage {
        chrome: s.chrome("/actions"),
        errors: errors.summary(),
        case,
        source: source.to_owned(),
        columns: import::COLUMNS.join(", "),
        file_error,
        checked,
        rows_total,
        file_id,
        file_name,
    })
}

async fn import_page(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    let q: SourceQ = query_params(q.as_deref());
    render(&import_view(&st, &s, &q.source, None, None).await?)
}

/// Reads and checks a plan against the partnership's agencies, people and the source's
/// recommendations and existing actions.
async fn check_plan(
    st: &AppState,
    s: &Signed,
    case: &CaseReview,
    bytes: &[u8],
) -> AppResult<Result<(Checked, usize), String>> {
    // The reader has limits on rows, columns, cells and unpacked size, and is CPU-bound: it
    // runs on a blocking thread so a hostile file never stalls other requests.
    let owned = bytes.to_vec();
    let read = tokio::task::spawn_blocking(move || learnloop_docs::table::read(&owned))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let rows = match read {
        Ok(r) => r,
        Err(m) => return Ok(Err(m)),
    };
    let agencies: Vec<(String, String)> = s
        .reference(&st.db)
        .await?
        .active_agencies()
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let people = accounts::contacts(&st.db, s.pid()).await?;
    let recs: Vec<(i64, String)> =
        recommendations::for_source(&st.db, s.pid(), SourceKind::CaseReview, &case.id)
            .await?
            .into_iter()
            .map(|r| (r.rec.number, r.rec.id))
            .collect();
    let existing: Vec<String> =
        actions::for_source(&st.db, s.pid(), SourceKind::CaseReview, &case.id)
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect();
    let n = rows.len().saturating_sub(1);
    Ok(Ok((
        import::check(
            &rows,
            &Lookups {
                agencies: &agencies,
                people: &people,
                recommendations: &recs,
                existing: &existing,
            },
        ),
        n,
    )))
}

async fn import_upload(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
    form: Multipart,
) -> AppResult<Response> {
    let q: SourceQ = query_params(q.as_deref());
    let case = import_source(&st, &s, &q.source).await?;
    let up = match crate::uploads::read(form).await {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let (file_name, bytes) = up.file();
    let again = |m: String| async {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &import_view(&st, &s, &q.source, Some(m), None).await?,
        )
    };
    if file_name.trim().is_empty() || bytes.is_empty() {
        return again("Choose the spreadsheet with the action plan (XLSX or CSV)".into()).await;
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return again("The file must be smaller than 20 MB".into()).await;
    }
    let (checked, n) = match check_plan(&st, &s, &case, &bytes).await? {
        Ok(c) => c,
        Err(m) => return again(m).await,
    };
    // The file is kept so that confirming imports exactly what was checked.
    let kept =
        crate::uploads::keep_sheet(&st, &s, ("action_import", &case.id), (&file_name, bytes))
            .await?;
    let status = if checked.is_valid() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &import_view(
            &st,
            &s,
            &q.source,
            None,
            Some((checked, n, kept.id, kept.name)),
        )
        .await?,
    )
}

async fn import_confirm(
    State(st): State<AppState>,
    s: Signed,
    f: FormPairs,
) -> AppResult<Response> {
    let source = f.get("source");
    let case = import_source(&st, &s, &source).await?;
    let file_id = f.get("file_id");
    if !is_id(&file_id) {
        return Err(AppError::BadRequest("the file to import is missing".into()));
    }
    let file = learnloop_store::files::get(&st.db, s.pid(), &file_id)
        .await?
        .filter(|x| x.owner_kind == "action_import" && x.owner_id == case.id)
        .ok_or(AppError::NotFound)?;
    let bytes = st.files.get(&file.storage_key).await?;
    let (checked, _) = match check_plan(&st, &s, &case, &bytes).await? {
        Ok(c) => c,
        Err(m) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &import_view(&st, &s, &source, Some(m), None).await?,
            );
        }
    };
    if !checked.is_valid() {
        // Something changed since the preview (an agency retired, a person left): show it.
        let n = checked.new.len() + checked.existing.len() + checked.problems.len();
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &import_view(
                &st,
                &s,
                &source,
                None,
                Some((checked, n, file.id, file.name)),
            )
            .await?,
        );
    }
    let all: Vec<NewAction> = checked
        .new
        .iter()
        .map(|r| NewAction {
            source_kind: SourceKind::CaseReview,
            source_id: case.id.clone(),
            group_id: case.oversight_group_id.clone(),
            description: r.description.clone(),
            lead_agency_id: Some(r.lead_agency_id.clone()),
            owner_person_id: Some(r.owner_person_id.clone()),
            due_on: r.due_on.format("%Y-%m-%d").to_string(),
            recommendation_id: r.recommendation_id.clone(),
            success_measure: r.success_measure.clone(),
            supporting_agency_ids: r.supporting_agency_ids.clone(),
        })
        .collect();
    actions::create_all(
        &st.db,
        &s.who(),
        s.pid(),
        (SourceKind::CaseReview, &case.id),
        &all,
    )
    .await?;
    Ok(redirect_with(
        &format!("/actions?source=case_review:{}", case.id),
        Flash::PlanImported,
        st.config.secure_cookies(),
    ))
}

// ---- which sources raised a theme, and did their actions work? ----

#[derive(Template)]
#[template(path = "actions/learning.html")]
struct LearningPage {
    chrome: Chrome,
    theme: String,
    years: Select,
    since: String,
    sources: Vec<SourceOutcome>,
    totals: (i64, i64, i64, i64, i64, i64),
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct LearningQ {
    years: String,
}

async fn learning(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    s.require(Permission::ViewThemes)?;
    s.require(Permission::ViewActions)?;
    if !is_id(&id) {
        return Err(AppError::NotFound);
    }
    let theme = themes::get(&st.db, s.pid(), &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let q: LearningQ = query_params(q.as_deref());
    let years: i32 = q
        .years
        .parse()
        .ok()
        .filter(|y| (1..=30).contains(y))
        .unwrap_or(5);
    let today = Utc::now().date_naive();
    let since = chrono::NaiveDate::from_ymd_opt(
        today.year() - years,
        today.month(),
        1.max(today.day().min(28)),
    )
    .unwrap_or(today)
    .format("%Y-%m-%d")
    .to_string();
    let today_s = today.format("%Y-%m-%d").to_string();
    let sources = actions::theme_outcomes(&st.db, s.pid(), &theme.id, &since, &today_s).await?;
    let sum = |f: fn(&SourceOutcome) -> i64| sources.iter().map(f).sum::<i64>();
    let totals = (
        sum(|x| x.actions),
        sum(|x| x.open),
        sum(|x| x.overdue),
        sum(|x| x.evidenced),
        sum(|x| x.not_achieved),
        sum(|x| x.sustained),
    );
    render(&LearningPage {
        chrome: s.chrome("/themes"),
        theme: theme.name,
        years: Select::new(
            "years",
            "Over the last",
            [1, 2, 3, 5, 10].map(|y| {
                SelectItem::new(
                    y.to_string(),
                    format!("{y} year{}", if y == 1 { "" } else { "s" }),
                )
            }),
        )
        .value(years.to_string()),
        since,
        sources,
        totals,
    })
}
