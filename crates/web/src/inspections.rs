//! Learning from inspections (`/inspections`): the business team records each inspection of
//! the partnership's agencies (who inspected, which agencies, the dates, the judgement on the
//! inspectorate's own scale), keeps its report, makes recommendations that become actions, and
//! records the action plan's progress as it is reported to the board, which the clock rule
//! `inspection-progress` asks for at an interval. A joint targeted area inspection has a notice
//! date and a theme, which can prompt an audit. Everyone in the partnership reads inspections:
//! their reports are public.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use learnloop_domain::files::MAX_UPLOAD_BYTES;
use learnloop_domain::inspections::{self as rules, Inspectorate, Typed, can_manage};
use learnloop_domain::policy::Permission;
use learnloop_domain::sources::SourceKind;
use learnloop_domain::stored::Slug;
use learnloop_domain::text::check_text_block;
use learnloop_govuk::{
    Checkboxes, ChoiceItem, DateInput, ErrorSummary, Input, Radios, Select, SelectItem, Textarea,
};
use learnloop_store::files::Owned;
use learnloop_store::inspections::{self, Inspection, InspectionInput, InspectionLine, Progress};
use learnloop_store::recommendations::{self, RecommendationLine};
use learnloop_store::{Day, StoreError, is_id};

use crate::AppState;
use crate::attention::{Attention, Audience};
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, render, render_status};
use crate::session::Signed;
use crate::web::redirect_with;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/inspections", get(list))
        .route("/inspections/new", get(new_page).post(add))
        .route("/inspections/{id}", get(show))
        .route("/inspections/{id}/edit", get(edit_page).post(edit))
        .route(
            "/inspections/{id}/reports",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 1024 * 1024)),
        )
        .route("/inspections/{id}/reports/{file}", get(download))
        .route("/inspections/{id}/recommendations", post(recommend))
        .route("/inspections/{id}/progress", post(progress))
}

fn today() -> NaiveDate {
    learnloop_domain::dates::london_date(Utc::now())
}

fn runs(s: &Signed) -> AppResult<()> {
    s.require(Permission::ViewPartnership)?;
    if can_manage(&s.actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// When the inspection's action plan progress is next due at the board, by the partnership's
/// rule; None before the report is out.
async fn next_due(
    st: &AppState,
    s: &Signed,
    i: &Inspection,
    last: Option<Day>,
) -> AppResult<Option<NaiveDate>> {
    let refd = s.reference(&st.db).await?;
    Ok(refd
        .rules
        .iter()
        .find(|r| r.slug == "inspection-progress")
        .and_then(|r| {
            rules::progress_due(
                r,
                &refd.calendar,
                i.published_on.map(|d| d.0),
                last.map(|d| d.0),
            )
        }))
}

// ---- the list ----

struct Row {
    line: InspectionLine,
    title: String,
    due: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "inspections/list.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    can_manage: bool,
}

async fn list(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    let mut rows = Vec::new();
    for line in inspections::list(&st.db, s.pid()).await? {
        let due = next_due(&st, &s, &line.inspection, line.last_reported).await?;
        rows.push(Row {
            title: line.inspection.title(),
            due: due.map(|d| Day(d).long()).unwrap_or_default(),
            overdue: due.is_some_and(|d| d < today()) && line.open_actions > 0,
            line,
        });
    }
    render(&ListPage {
        chrome: s.chrome("/inspections"),
        rows,
        can_manage: can_manage(&s.actor),
    })
}

// ---- recording one ----

#[derive(Template)]
#[template(path = "inspections/form.html")]
struct FormPage {
    chrome: Chrome,
    errors: ErrorSummary,
    /// Changing an inspection (its id), or recording a new one.
    editing: Option<String>,
    inspectorate: Radios,
    other_name: Input,
    theme: Input,
    notice: DateInput,
    started: DateInput,
    ended: DateInput,
    published: DateInput,
    judgement: Select,
    agencies: Checkboxes,
    summary: Textarea,
}

fn date_field(f: &FormPairs, errors: &Errors, key: &str, legend: &str, hint: &str) -> DateInput {
    let d = crate::audits::date_field(f, errors, key, legend);
    if hint.is_empty() { d } else { d.hint(hint) }
}

async fn form_view(
    st: &AppState,
    s: &Signed,
    editing: Option<String>,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<FormPage> {
    let refd = s.reference(&st.db).await?;
    let mut grades: Vec<&str> = Vec::new();
    for i in Inspectorate::ALL {
        for g in i.scale() {
            if !grades.contains(g) {
                grades.push(g);
            }
        }
    }
    Ok(FormPage {
        chrome: s.chrome("/inspections"),
        errors: errors.summary(),
        editing,
        inspectorate: Radios::new(
            "inspectorate",
            "Who inspected",
            Inspectorate::ALL.map(|i| ChoiceItem::new(i.slug(), i.label())),
        )
        .value(f.get("inspectorate"))
        .error(errors.get("inspectorate")),
        other_name: Input::new("other_name", "The inspectorate's name")
            .hint("Only for another inspectorate")
            .filled(f, errors),
        theme: Input::new("theme", "Theme")
            .hint("A joint targeted area inspection's theme, for example: children at risk of exploitation")
            .filled(f, errors),
        notice: date_field(f, errors, "notice", "Notice given", "A joint targeted area inspection's notice date; leave empty otherwise"),
        started: date_field(f, errors, "started", "Fieldwork started", ""),
        ended: date_field(f, errors, "ended", "Fieldwork ended", ""),
        published: date_field(f, errors, "published", "Report published", "Leave empty until the report is out"),
        judgement: Select::new(
            "judgement",
            "Judgement",
            std::iter::once(SelectItem::new("", "None or not yet known"))
                .chain(grades.into_iter().map(|g| SelectItem::new(g, g))),
        )
        .hint("On the inspectorate's own scale; a joint targeted area inspection gives none")
        .filled(f, errors),
        agencies: Checkboxes::new(
            "agency",
            "Agencies inspected",
            refd.agencies
                .iter()
                .filter(|a| a.active || f.all("agency").contains(&a.id))
                .map(|a| ChoiceItem::new(a.id.clone(), a.name.clone())),
        )
        .values(f.all("agency"))
        .error(errors.get("agency")),
        summary: Textarea::new("summary", "What the inspection found")
            .hint("The main findings in a few sentences; the report itself is added on the inspection's page")
            .rows(5)
            .filled(f, errors),
    })
}

/// The form read and checked: the input to record, or the errors against their fields.
fn read_form(f: &FormPairs, errors: &mut Errors) -> Option<InspectionInput> {
    let notice = f.optional_date("notice", "the date notice was given", errors);
    let started = f.optional_date("started", "the date the fieldwork started", errors);
    let ended = f.optional_date("ended", "the date the fieldwork ended", errors);
    let published = f.optional_date("published", "the date the report was published", errors);
    // Typed words are checked as every form's are (no control characters, a length).
    let summary = if f.get("summary").trim().is_empty() {
        String::new()
    } else {
        errors
            .check(
                "summary",
                check_text_block(&f.get("summary"), "summary of what it found", 20000),
            )
            .unwrap_or_default()
    };
    for (key, what, max) in [
        ("other_name", "inspectorate's name", 200),
        ("theme", "theme", 300),
        ("judgement", "judgement", 200),
    ] {
        if !f.get(key).trim().is_empty()
            && let Err(m) = learnloop_domain::text::check_name(&f.get(key), what, max)
        {
            errors.add(key, m);
        }
    }
    let mut agencies = f.all("agency");
    agencies.sort();
    agencies.dedup();
    if agencies.is_empty() {
        errors.add("agency", "Choose the agencies inspected");
    }
    let (Some(notice), Some(started), Some(ended), Some(published)) =
        (notice, started, ended, published)
    else {
        return None;
    };
    let typed = Typed {
        inspectorate: &f.get("inspectorate"),
        other_name: &f.get("other_name"),
        theme: &f.get("theme"),
        notice_on: notice,
        started_on: started,
        ended_on: ended,
        published_on: published,
        judgement: &f.get("judgement"),
    };
    match rules::check(&typed) {
        Ok(checked) if errors.is_empty() => Some(InspectionInput {
            checked,
            summary,
            agency_ids: agencies,
        }),
        Ok(_) => None,
        Err(list) => {
            errors.add_all(list, &["notice", "started", "ended", "published"]);
            None
        }
    }
}

async fn new_page(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    runs(&s)?;
    render(&form_view(&st, &s, None, &FormPairs::default(), &Errors::default()).await?)
}

async fn add(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    runs(&s)?;
    let mut errors = Errors::default();
    if let Some(input) = read_form(&f, &mut errors) {
        match inspections::add(&st.db, &s.who(), s.pid(), &input).await {
            Ok(id) => {
                return Ok(redirect_with(
                    &format!("/inspections/{id}"),
                    Flash::InspectionRecorded,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::NotFound) => errors.add("agency", "Choose agencies of the partnership"),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &form_view(&st, &s, None, &f, &errors).await?,
    )
}

async fn load(st: &AppState, s: &Signed, id: &str) -> AppResult<Inspection> {
    s.require(Permission::ViewPartnership)?;
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    inspections::get(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The inspection as its form shows it.
async fn as_form(st: &AppState, s: &Signed, i: &Inspection) -> AppResult<FormPairs> {
    let mut pairs: Vec<(String, String)> = vec![
        ("inspectorate".into(), i.inspectorate.slug().into()),
        ("other_name".into(), i.other_name.clone()),
        ("theme".into(), i.theme.clone()),
        ("judgement".into(), i.judgement.clone()),
        ("summary".into(), i.summary.clone()),
    ];
    for (a, _) in inspections::agencies(&st.db, s.pid(), &i.id).await? {
        pairs.push(("agency".into(), a));
    }
    let mut f = FormPairs(pairs);
    for (key, d) in [
        ("notice", i.notice_on),
        ("started", Some(i.started_on)),
        ("ended", Some(i.ended_on)),
        ("published", i.published_on),
    ] {
        f.push_date(key, d.map(|d| d.0));
    }
    Ok(f)
}

async fn edit_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let i = load(&st, &s, &id).await?;
    runs(&s)?;
    let f = as_form(&st, &s, &i).await?;
    render(&form_view(&st, &s, Some(i.id), &f, &Errors::default()).await?)
}

async fn edit(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let i = load(&st, &s, &id).await?;
    runs(&s)?;
    let mut errors = Errors::default();
    if let Some(input) = read_form(&f, &mut errors) {
        match inspections::update(&st.db, &s.who(), &i, &input).await {
            Ok(()) => return Ok(done(&st, &id, "details", Flash::InspectionChanged)),
            Err(StoreError::NotFound) => errors.add("agency", "Choose agencies of the partnership"),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &form_view(&st, &s, Some(i.id), &f, &errors).await?,
    )
}

// ---- one inspection ----

#[derive(Template)]
#[template(path = "inspections/show.html")]
struct ShowPage {
    chrome: Chrome,
    errors: ErrorSummary,
    i: Inspection,
    title: String,
    agencies: Vec<String>,
    reports: Vec<Owned>,
    recommendations: Vec<RecommendationLine>,
    progress: Vec<Progress>,
    open_actions: usize,
    next_due: String,
    overdue: bool,
    can_manage: bool,
    can_plan_actions: bool,
    file_error: Option<String>,
    rec: crate::sources::RecFields,
    reported: DateInput,
    progress_summary: Textarea,
}

async fn show_view(
    st: &AppState,
    s: &Signed,
    i: Inspection,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<ShowPage> {
    let agencies = inspections::agencies(&st.db, s.pid(), &i.id).await?;
    let progress = inspections::progress(&st.db, s.pid(), &i.id).await?;
    let open_actions = crate::sources::open_actions(st, s, SourceKind::Inspection, &i.id).await?;
    let due = next_due(st, s, &i, progress.first().map(|p| p.reported_on)).await?;
    Ok(ShowPage {
        chrome: s.chrome("/inspections"),
        errors: errors.summary(),
        title: i.title(),
        reports: inspections::reports(&st.db, s.pid(), &i.id).await?,
        recommendations: recommendations::for_source(
            &st.db,
            s.pid(),
            SourceKind::Inspection,
            &i.id,
        )
        .await?,
        open_actions,
        next_due: due.map(|d| Day(d).long()).unwrap_or_default(),
        overdue: due.is_some_and(|d| d < today()) && open_actions > 0,
        progress,
        can_manage: can_manage(&s.actor),
        can_plan_actions: s.actor.can(Permission::ManageActions),
        file_error: errors.get("file").map(ToOwned::to_owned),
        rec: crate::sources::recommendation_fields(f, errors, agencies.iter().cloned()),
        agencies: agencies.into_iter().map(|(_, n)| n).collect(),
        reported: crate::audits::date_field(f, errors, "reported", "Reported to the board on"),
        progress_summary: Textarea::new("progress", "What the board heard")
            .hint("How far the action plan has come, and what is late")
            .rows(4)
            .filled(f, errors),
        i,
    })
}

async fn show(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let i = load(&st, &s, &id).await?;
    render(&show_view(&st, &s, i, &FormPairs::default(), &Errors::default()).await?)
}

fn done(st: &AppState, id: &str, anchor: &str, flash: Flash) -> Response {
    redirect_with(
        &format!("/inspections/{id}#{anchor}"),
        flash,
        st.config.secure_cookies(),
    )
}

async fn recommend(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let i = load(&st, &s, &id).await?;
    runs(&s)?;
    let allowed: Vec<String> = inspections::agencies(&st.db, s.pid(), &i.id)
        .await?
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    match crate::sources::add_recommendation(
        &st,
        &s,
        (SourceKind::Inspection, &i.id),
        &f,
        (&allowed, "Choose agencies that were inspected"),
    )
    .await?
    {
        Ok(()) => Ok(done(
            &st,
            &id,
            "recommendations",
            Flash::RecommendationAdded,
        )),
        Err(errors) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &show_view(&st, &s, i, &f, &errors).await?,
        ),
    }
}

async fn progress(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let i = load(&st, &s, &id).await?;
    runs(&s)?;
    let mut errors = Errors::default();
    let on = f.date(
        "reported",
        "the date it was reported to the board",
        &mut errors,
    );
    if on.is_some_and(|d| d > today()) {
        errors.add(
            "reported-day",
            "The date it was reported cannot be in the future",
        );
    }
    let summary = errors.check(
        "progress",
        check_text_block(&f.get("progress"), "summary of what the board heard", 8000),
    );
    if let (true, Some(on), Some(summary)) = (errors.is_empty(), on, summary) {
        inspections::add_progress(&st.db, &s.who(), &i, (Day(on), &summary)).await?;
        return Ok(done(&st, &id, "progress-heading", Flash::ProgressRecorded));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &show_view(&st, &s, i, &f, &errors).await?,
    )
}

async fn upload(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    form: Multipart,
) -> AppResult<Response> {
    let i = load(&st, &s, &id).await?;
    runs(&s)?;
    let up = match crate::uploads::one_file(form).await {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    match up {
        Ok(up) => {
            inspections::add_report(&st.db, &st.files, &s.who(), &i, up).await?;
            Ok(done(&st, &id, "reports", Flash::ReportAdded))
        }
        Err(m) => {
            let mut errors = Errors::default();
            errors.add("file", m);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &show_view(&st, &s, i, &FormPairs::default(), &errors).await?,
            )
        }
    }
}

/// A report, after checking again that the person reads the partnership's inspections; audited.
async fn download(
    State(st): State<AppState>,
    s: Signed,
    Path((id, file)): Path<(String, String)>,
) -> AppResult<Response> {
    let i = load(&st, &s, &id).await?;
    crate::uploads::owned_download(
        &st,
        &s,
        (inspections::REPORT, &i.id, &file),
        (
            "inspection.download",
            SourceKind::Inspection.slug(),
            "report",
        ),
    )
    .await
}

/// The action plans whose progress the board is owed: on the business team's home page when
/// due within the rule's notice or overdue, and on the board's agenda when due by its meeting.
pub async fn attention(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let s = a.signed();
    let (by, board) = match a {
        Audience::Group { group, day, .. } if group.group.kind == "board" => (*day, true),
        Audience::Group { .. } => return Ok(Vec::new()),
        Audience::Person(_) if can_manage(&s.actor) => {
            let refd = s.reference(&st.db).await?;
            let notice = refd
                .rules
                .iter()
                .find(|r| r.slug == "inspection-progress")
                .map_or(30, |r| r.due_soon);
            (today() + chrono::Duration::days(i64::from(notice)), false)
        }
        Audience::Person(_) => return Ok(Vec::new()),
    };
    if s.require(Permission::ViewPartnership).is_err() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for line in inspections::list(&st.db, s.pid()).await? {
        if line.open_actions == 0 {
            continue;
        }
        let Some(due) = next_due(st, s, &line.inspection, line.last_reported).await? else {
            continue;
        };
        if due > by {
            continue;
        }
        let title = line.inspection.title();
        out.push(Attention {
            kind: "inspection",
            text: if board {
                format!("Inspection action plan progress: {title}")
            } else {
                format!("Report the action plan's progress to the board: {title}")
            },
            detail: format!(
                "{} action{} open; progress due {}",
                line.open_actions,
                if line.open_actions == 1 { "" } else { "s" },
                Day(due).long()
            ),
            href: format!("/inspections/{}#progress-heading", line.inspection.id),
            tag: (due < today()).then(|| ("Overdue".to_owned(), "red")),
        });
    }
    Ok(out)
}
