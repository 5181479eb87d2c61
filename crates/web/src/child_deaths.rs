//! Learning from child deaths (`/child-deaths`): the business team records the child death
//! overview panel's annual report (the deaths reviewed, how many had modifiable factors, its
//! themes and summary, its document) and the board meeting that receives it, where it is an
//! agenda item; its recommendations to agencies become actions through the one action form; the
//! panel's referrals of cases go through the case review's referral, with the panel as
//! referrer; and the campaigns that follow are recorded with their reach. Child-death case
//! records are not kept here (they belong in the national child death systems), and the pages
//! say so where someone might look for them.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use learnloop_domain::child_deaths::{
    self as rules, CampaignTyped, ReportTyped, can_manage, reads_all, year_label, year_of,
};
use learnloop_domain::files::MAX_UPLOAD_BYTES;
use learnloop_domain::policy::Permission;
use learnloop_domain::sources::SourceKind;
use learnloop_govuk::{DateInput, ErrorSummary, Input, Select, SelectItem, Textarea};
use learnloop_store::child_deaths::{self as store, Campaign, Report, ReportLine, ReportRecord};
use learnloop_store::files::Owned;
use learnloop_store::performance::deep_dives;
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
        .route("/child-deaths", get(list))
        .route(
            "/child-deaths/reports/new",
            get(new_report).post(add_report),
        )
        .route("/child-deaths/reports/{id}", get(show))
        .route(
            "/child-deaths/reports/{id}/edit",
            get(edit_report_page).post(edit_report),
        )
        .route(
            "/child-deaths/reports/{id}/files",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 1024 * 1024)),
        )
        .route("/child-deaths/reports/{id}/files/{file}", get(download))
        .route(
            "/child-deaths/reports/{id}/recommendations",
            post(recommend),
        )
        .route(
            "/child-deaths/campaigns/new",
            get(new_campaign).post(add_campaign),
        )
        .route(
            "/child-deaths/campaigns/{id}/edit",
            get(edit_campaign_page).post(edit_campaign),
        )
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

// ---- the list ----

#[derive(Template)]
#[template(path = "child_deaths/list.html")]
struct ListPage {
    chrome: Chrome,
    reports: Vec<ReportLine>,
    campaigns: Vec<Campaign>,
    can_manage: bool,
    reads_all: bool,
    can_refer: bool,
    year: String,
    referrals: i64,
}

async fn list(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    let all = reads_all(&s.actor);
    let year = year_of(today());
    // How many referrals came from the panel is the business team's: with small numbers the
    // count could tell others which referral was about a child's death.
    let referrals = if can_manage(&s.actor) {
        store::panel_referrals(&st.db, s.pid(), rules::year_bounds(year)).await?
    } else {
        0
    };
    render(&ListPage {
        chrome: s.chrome("/child-deaths"),
        reports: store::reports(&st.db, s.pid(), !all).await?,
        campaigns: store::campaigns(&st.db, s.pid()).await?,
        can_manage: can_manage(&s.actor),
        reads_all: all,
        can_refer: s.actor.can(Permission::ReferCase),
        year: year_label(year),
        referrals,
    })
}

// ---- recording a report ----

#[derive(Template)]
#[template(path = "child_deaths/report_form.html")]
struct ReportForm {
    chrome: Chrome,
    errors: ErrorSummary,
    editing: Option<String>,
    year: Input,
    deaths: Input,
    modifiable: Input,
    themes: Textarea,
    summary: Textarea,
    meeting: Select,
    published: DateInput,
}

async fn report_form(
    st: &AppState,
    s: &Signed,
    editing: Option<String>,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<ReportForm> {
    let meetings = meeting_choices(st, s, &f.get("meeting")).await?;
    Ok(ReportForm {
        chrome: s.chrome("/child-deaths"),
        errors: errors.summary(),
        editing,
        year: Input::new("year", "The year it covers")
            .hint("The year from April it starts in: 2025 for April 2025 to March 2026")
            .inputmode("numeric")
            .width_class("govuk-input--width-4")
            .filled(f, errors),
        deaths: Input::new("deaths", "Deaths reviewed")
            .inputmode("numeric")
            .width_class("govuk-input--width-4")
            .filled(f, errors),
        modifiable: Input::new("modifiable", "Of these, deaths with modifiable factors")
            .inputmode("numeric")
            .width_class("govuk-input--width-4")
            .filled(f, errors),
        themes: Textarea::new("themes", "Themes")
            .hint("One a line, for example: safe sleep")
            .rows(4)
            .filled(f, errors),
        summary: Textarea::new("summary", "Summary of the report")
            .hint("What the panel found and asks of agencies, as the board should hear it. Never name a child")
            .rows(6)
            .filled(f, errors),
        meeting: Select::new(
            "meeting",
            "The meeting that receives it",
            std::iter::once(SelectItem::new("", "Not chosen yet")).chain(
                meetings
                    .into_iter()
                    .map(|(id, label)| SelectItem::new(id, label)),
            ),
        )
        .hint("It goes on that meeting's agenda")
        .filled(f, errors),
        published: crate::audits::date_field(f, errors, "published", "Published on")
            .hint("Leave empty until it is published: practitioners read it from then"),
    })
}

/// The meetings a report can go to: from two months ago, and the one already chosen.
async fn meeting_choices(
    st: &AppState,
    s: &Signed,
    chosen: &str,
) -> AppResult<Vec<(String, String)>> {
    let from = today() - chrono::Duration::days(62);
    let mut out: Vec<(String, String)> = deep_dives::meetings_from(&st.db, s.pid(), from)
        .await?
        .into_iter()
        .map(|(id, group, at)| (id, format!("{group}: {}", Day(at.date()).long())))
        .collect();
    if !chosen.is_empty()
        && !out.iter().any(|(id, _)| id == chosen)
        && is_id(chosen)
        && let Some(m) = learnloop_store::governance::meetings::get(&st.db, s.pid(), chosen).await?
    {
        let refd = s.reference(&st.db).await?;
        let group = refd
            .groups
            .iter()
            .find(|g| g.id == m.group_id)
            .map(|g| g.name.clone())
            .unwrap_or_default();
        out.insert(0, (m.id.clone(), format!("{group}: {}", m.date())));
    }
    Ok(out)
}

fn read_report(f: &FormPairs, errors: &mut Errors) -> Option<ReportRecord> {
    let published = f.optional_date("published", "the date it was published", errors);
    if published.flatten().is_some_and(|d| d > today()) {
        errors.add(
            "published-day",
            "The date it was published cannot be in the future",
        );
    }
    let meeting = Some(f.get("meeting")).filter(|m| !m.is_empty());
    let checked = rules::check_report(
        &ReportTyped {
            year: &f.get("year"),
            deaths: &f.get("deaths"),
            modifiable: &f.get("modifiable"),
            themes: &f.get("themes"),
            summary: &f.get("summary"),
        },
        today(),
    );
    match (checked, published) {
        (Ok(report), Some(published)) if errors.is_empty() => Some(ReportRecord {
            report,
            meeting_id: meeting,
            published_on: published.map(Day),
        }),
        (Err(list), _) => {
            errors.add_all(list, &[]);
            None
        }
        _ => None,
    }
}

/// What a store refusal means on the report's form.
fn report_refused(e: StoreError, errors: &mut Errors) -> AppResult<()> {
    match e {
        StoreError::NotFound => errors.add("meeting", "Choose one of the partnership's meetings"),
        StoreError::Conflict(m) => errors.add("year", m),
        e => return Err(e.into()),
    }
    Ok(())
}

async fn new_report(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    runs(&s)?;
    let year = (year_of(today()) - 1).to_string();
    let f = FormPairs::from_values(&[("year", &year)]);
    render(&report_form(&st, &s, None, &f, &Errors::default()).await?)
}

async fn add_report(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    runs(&s)?;
    let mut errors = Errors::default();
    if let Some(r) = read_report(&f, &mut errors) {
        match store::add_report(&st.db, &s.who(), s.pid(), &r).await {
            Ok(id) => {
                return Ok(redirect_with(
                    &SourceKind::ChildDeathReport.path(&id),
                    Flash::ChildDeathReportRecorded,
                    st.config.secure_cookies(),
                ));
            }
            Err(e) => report_refused(e, &mut errors)?,
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &report_form(&st, &s, None, &f, &errors).await?,
    )
}

/// The report, for whoever may read it: all of them for who reads the partnership's plans, the
/// published ones for everyone else in the partnership.
async fn load(st: &AppState, s: &Signed, id: &str) -> AppResult<Report> {
    s.require(Permission::ViewPartnership)?;
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let r = store::get_report(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if r.published_on.is_none() && !reads_all(&s.actor) {
        return Err(AppError::Forbidden);
    }
    Ok(r)
}

fn as_form(r: &Report) -> FormPairs {
    let mut f = FormPairs::from_values(&[
        ("year", &r.year.to_string()),
        ("deaths", &r.deaths_reviewed.to_string()),
        ("modifiable", &r.modifiable.to_string()),
        ("themes", &r.themes),
        ("summary", &r.summary),
        ("meeting", r.meeting_id.as_deref().unwrap_or("")),
    ]);
    f.push_date("published", r.published_on.map(|d| d.0));
    f
}

async fn edit_report_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let r = load(&st, &s, &id).await?;
    runs(&s)?;
    render(
        &report_form(
            &st,
            &s,
            Some(r.id.clone()),
            &as_form(&r),
            &Errors::default(),
        )
        .await?,
    )
}

async fn edit_report(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let r = load(&st, &s, &id).await?;
    runs(&s)?;
    let mut errors = Errors::default();
    if let Some(input) = read_report(&f, &mut errors) {
        match store::update_report(&st.db, &s.who(), &r, &input).await {
            Ok(()) => return Ok(done(&st, &id, "details", Flash::ChildDeathReportChanged)),
            Err(e) => report_refused(e, &mut errors)?,
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &report_form(&st, &s, Some(r.id), &f, &errors).await?,
    )
}

// ---- one report ----

#[derive(Template)]
#[template(path = "child_deaths/report.html")]
struct ReportPage {
    chrome: Chrome,
    errors: ErrorSummary,
    r: Report,
    title: String,
    themes: Vec<String>,
    meeting: Option<crate::sources::SourceRef>,
    files: Vec<Owned>,
    recommendations: Vec<RecommendationLine>,
    open_actions: usize,
    can_manage: bool,
    can_plan_actions: bool,
    can_refer: bool,
    file_error: Option<String>,
    rec: crate::sources::RecFields,
}

async fn report_view(
    st: &AppState,
    s: &Signed,
    r: Report,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<ReportPage> {
    let refd = s.reference(&st.db).await?;
    let open_actions =
        crate::sources::open_actions(st, s, SourceKind::ChildDeathReport, &r.id).await?;
    let meeting = match &r.meeting_id {
        Some(m) => crate::sources::resolve(st, s, SourceKind::Meeting, m).await?,
        None => None,
    };
    Ok(ReportPage {
        chrome: s.chrome("/child-deaths"),
        errors: errors.summary(),
        title: r.title(),
        themes: r.theme_list().into_iter().map(ToOwned::to_owned).collect(),
        meeting,
        files: store::files(&st.db, s.pid(), &r.id).await?,
        recommendations: recommendations::for_source(
            &st.db,
            s.pid(),
            SourceKind::ChildDeathReport,
            &r.id,
        )
        .await?,
        open_actions,
        can_manage: can_manage(&s.actor),
        can_plan_actions: s.actor.can(Permission::ManageActions),
        can_refer: s.actor.can(Permission::ReferCase),
        file_error: errors.get("file").map(ToOwned::to_owned),
        rec: crate::sources::recommendation_fields(
            f,
            errors,
            refd.active_agencies()
                .into_iter()
                .map(|a| (a.id.clone(), a.name.clone())),
        ),
        r,
    })
}

async fn show(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let r = load(&st, &s, &id).await?;
    render(&report_view(&st, &s, r, &FormPairs::default(), &Errors::default()).await?)
}

fn done(st: &AppState, id: &str, anchor: &str, flash: Flash) -> Response {
    redirect_with(
        &format!("{}#{anchor}", SourceKind::ChildDeathReport.path(id)),
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
    let r = load(&st, &s, &id).await?;
    runs(&s)?;
    let allowed: Vec<String> = s
        .reference(&st.db)
        .await?
        .active_agencies()
        .into_iter()
        .map(|a| a.id.clone())
        .collect();
    match crate::sources::add_recommendation(
        &st,
        &s,
        (SourceKind::ChildDeathReport, &r.id),
        &f,
        (&allowed, "Choose agencies of the partnership"),
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
            &report_view(&st, &s, r, &f, &errors).await?,
        ),
    }
}

async fn upload(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    form: Multipart,
) -> AppResult<Response> {
    let r = load(&st, &s, &id).await?;
    runs(&s)?;
    let up = match crate::uploads::one_file(form).await {
        Ok(u) => u,
        Err(resp) => return Ok(resp),
    };
    match up {
        Ok(up) => {
            store::add_file(&st.db, &st.files, &s.who(), &r, up).await?;
            Ok(done(&st, &id, "files", Flash::ReportAdded))
        }
        Err(m) => {
            let mut errors = Errors::default();
            errors.add("file", m);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &report_view(&st, &s, r, &FormPairs::default(), &errors).await?,
            )
        }
    }
}

/// The report's document, after checking again that the person may read the report; audited.
async fn download(
    State(st): State<AppState>,
    s: Signed,
    Path((id, file)): Path<(String, String)>,
) -> AppResult<Response> {
    let r = load(&st, &s, &id).await?;
    crate::uploads::owned_download(
        &st,
        &s,
        (store::REPORT_FILE, &r.id, &file),
        (
            "cdop_report.download",
            SourceKind::ChildDeathReport.slug(),
            "report",
        ),
    )
    .await
}

// ---- campaigns ----

#[derive(Template)]
#[template(path = "child_deaths/campaign_form.html")]
struct CampaignForm {
    chrome: Chrome,
    errors: ErrorSummary,
    editing: Option<String>,
    title: Input,
    audience: Input,
    channels: Input,
    started: DateInput,
    ended: DateInput,
    reach: Input,
    reach_note: Input,
}

fn campaign_form(
    s: &Signed,
    editing: Option<String>,
    f: &FormPairs,
    errors: &Errors,
) -> CampaignForm {
    CampaignForm {
        chrome: s.chrome("/child-deaths"),
        errors: errors.summary(),
        editing,
        title: Input::new("title", "Campaign")
            .hint("For example: safe sleep")
            .filled(f, errors),
        audience: Input::new("audience", "Audience")
            .hint("For example: parents of babies under one, and the practitioners who visit them")
            .filled(f, errors),
        channels: Input::new("channels", "Channels")
            .hint("For example: health visitors, GP surgeries, local radio, social media")
            .filled(f, errors),
        started: crate::audits::date_field(f, errors, "started", "Started on"),
        ended: crate::audits::date_field(f, errors, "ended", "Ended on")
            .hint("Leave empty while it runs"),
        reach: Input::new("reach", "People reached")
            .hint("A number, when it is known; leave empty otherwise")
            .inputmode("numeric")
            .width_class("govuk-input--width-10")
            .filled(f, errors),
        reach_note: Input::new("reach_note", "How the reach was counted (optional)")
            .hint("For example: leaflets given out, views of the video")
            .filled(f, errors),
    }
}

fn read_campaign(f: &FormPairs, errors: &mut Errors) -> Option<rules::Campaign> {
    // A date typed wrongly keeps its own message (a field keeps its first), and every other
    // problem shows with it.
    let started = f.optional_date("started", "the date it started", errors);
    let ended = f.optional_date("ended", "the date it ended", errors);
    match rules::check_campaign(&CampaignTyped {
        title: &f.get("title"),
        audience: &f.get("audience"),
        channels: &f.get("channels"),
        started_on: started.flatten(),
        ended_on: ended.flatten(),
        reach: &f.get("reach"),
        reach_note: &f.get("reach_note"),
    }) {
        Ok(c) if errors.is_empty() => Some(c),
        Ok(_) => None,
        Err(list) => {
            errors.add_all(list, &["started", "ended"]);
            None
        }
    }
}

async fn new_campaign(s: Signed) -> AppResult<Response> {
    runs(&s)?;
    render(&campaign_form(
        &s,
        None,
        &FormPairs::default(),
        &Errors::default(),
    ))
}

async fn add_campaign(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    runs(&s)?;
    let mut errors = Errors::default();
    if let Some(c) = read_campaign(&f, &mut errors) {
        store::add_campaign(&st.db, &s.who(), s.pid(), &c).await?;
        return Ok(redirect_with(
            "/child-deaths#campaigns",
            Flash::CampaignSaved,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &campaign_form(&s, None, &f, &errors),
    )
}

async fn load_campaign(st: &AppState, s: &Signed, id: &str) -> AppResult<Campaign> {
    runs(s)?;
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    store::get_campaign(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn edit_campaign_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let c = load_campaign(&st, &s, &id).await?;
    let mut f = FormPairs::from_values(&[
        ("title", &c.title),
        ("audience", &c.audience),
        ("channels", &c.channels),
        ("reach", &c.reach.map(|n| n.to_string()).unwrap_or_default()),
        ("reach_note", &c.reach_note),
    ]);
    f.push_date("started", Some(c.started_on.0));
    f.push_date("ended", c.ended_on.map(|d| d.0));
    render(&campaign_form(&s, Some(c.id), &f, &Errors::default()))
}

async fn edit_campaign(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let before = load_campaign(&st, &s, &id).await?;
    let mut errors = Errors::default();
    if let Some(c) = read_campaign(&f, &mut errors) {
        store::update_campaign(&st.db, &s.who(), &before, &c).await?;
        return Ok(redirect_with(
            "/child-deaths#campaigns",
            Flash::CampaignSaved,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &campaign_form(&s, Some(before.id), &f, &errors),
    )
}

/// The annual reports a group receives at its meeting: on that meeting's agenda. The agenda
/// names the report only, never its figures (an issued agenda is kept as it was).
pub async fn attention(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let Audience::Group { signed, group, day } = a else {
        return Ok(Vec::new());
    };
    if signed.require(Permission::ViewPartnership).is_err() {
        return Ok(Vec::new());
    }
    Ok(
        store::at_group_on(&st.db, signed.pid(), &group.group.id, *day)
            .await?
            .into_iter()
            .map(|r| Attention {
                kind: "cdop-report",
                text: format!("To receive: {}", r.title()),
                detail: "The child death overview panel's findings and recommendations to agencies"
                    .to_owned(),
                href: SourceKind::ChildDeathReport.path(&r.id),
                tag: None,
            })
            .collect(),
    )
}
