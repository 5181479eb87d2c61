//! Deep dives (`/performance/deep-dives`): the business team chooses a focus area for a
//! meeting (often an indicator that is flagged), commissions analysis from named agencies
//! (returns with a due date, written on the returns pages by each agency's lead), keeps the
//! presentations, records the discussion and makes recommendations, which become actions like
//! every source's. The meeting's agenda carries it. Whoever reads the whole dataset reads it.

use askama::Template;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use learnloop_domain::performance::{DEEP_DIVE_QUESTIONS, can_manage, reads_all};
use learnloop_domain::policy::Permission;
use learnloop_domain::sources::SourceKind;
use learnloop_domain::text::{check_name, check_text_block};
use learnloop_govuk::{
    Checkboxes, ChoiceItem, DateInput, ErrorSummary, Input, Select, SelectItem, Textarea,
};
use learnloop_store::performance::deep_dives::{self, DeepDive, DeepDiveInput, DeepDiveLine};
use learnloop_store::recommendations::{self, RecommendationLine};
use learnloop_store::returns::{self, ReturnLine};
use learnloop_store::{Day, StoreError, is_id};

use super::{Cited, citable, cited, today};
use crate::AppState;
use crate::attention::{Attention, Audience};
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, render, render_status};
use crate::session::Signed;
use crate::web::{query_params, redirect_with};

/// Whoever reads the whole dataset reads deep dives; the business team runs them.
fn reads(s: &Signed) -> AppResult<()> {
    s.require(Permission::ViewPartnership)?;
    if reads_all(&s.actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn runs(s: &Signed) -> AppResult<()> {
    reads(s)?;
    if can_manage(&s.actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Template)]
#[template(path = "performance/deep_dives.html")]
struct ListPage {
    chrome: Chrome,
    dives: Vec<DeepDiveLine>,
    can_run: bool,
}

pub(super) async fn list(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    reads(&s)?;
    render(&ListPage {
        chrome: s.chrome("/performance"),
        dives: deep_dives::list(&st.db, s.pid()).await?,
        can_run: can_manage(&s.actor),
    })
}

// ---- commissioning one ----

#[derive(Template)]
#[template(path = "performance/deep_dive_new.html")]
struct NewPage {
    chrome: Chrome,
    errors: ErrorSummary,
    title: Input,
    question: Textarea,
    indicator: Select,
    meeting: Select,
    agencies: Checkboxes,
    due: DateInput,
    no_meetings: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct NewQ {
    indicator: String,
}

async fn new_view(st: &AppState, s: &Signed, f: &FormPairs, errors: &Errors) -> AppResult<NewPage> {
    let refd = s.reference(&st.db).await?;
    let meetings = deep_dives::meetings_from(&st.db, s.pid(), today()).await?;
    Ok(NewPage {
        chrome: s.chrome("/performance"),
        errors: errors.summary(),
        title: Input::new("title", "Focus area")
            .hint("For example: children waiting for an initial health assessment")
            .filled(f, errors),
        question: Textarea::new("question", "What the partnership wants to understand")
            .rows(3)
            .filled(f, errors),
        indicator: Select::new(
            "indicator",
            "The indicator that prompted it (optional)",
            std::iter::once(SelectItem::new("", "None")).chain(
                citable(st, s)
                    .await?
                    .into_iter()
                    .map(|(id, name)| SelectItem::new(id, name)),
            ),
        )
        .filled(f, errors),
        meeting: Select::new(
            "meeting",
            "The meeting it is presented at",
            std::iter::once(SelectItem::new("", "Choose a meeting")).chain(meetings.iter().map(
                |(id, group, at)| {
                    SelectItem::new(
                        id.clone(),
                        format!("{group}: {} at {}", Day(at.date()).long(), at.time()),
                    )
                },
            )),
        )
        .filled(f, errors),
        agencies: Checkboxes::new(
            "agency",
            "Agencies asked for their analysis",
            refd.agencies
                .iter()
                .filter(|a| a.active)
                .map(|a| ChoiceItem::new(a.id.clone(), a.name.clone())),
        )
        .hint("Each agency's lead is asked what its data shows, what lies behind it, what it is doing and what it asks of the partnership")
        .values(f.all("agency"))
        .error(errors.get("agency")),
        due: crate::audits::date_field(f, errors, "due", "Analyses due"),
        no_meetings: meetings.is_empty(),
    })
}

pub(super) async fn new_page(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    runs(&s)?;
    let q: NewQ = query_params(q.as_deref());
    let f = FormPairs(vec![("indicator".to_owned(), q.indicator)]);
    render(&new_view(&st, &s, &f, &Errors::default()).await?)
}

pub(super) async fn add(
    State(st): State<AppState>,
    s: Signed,
    f: FormPairs,
) -> AppResult<Response> {
    runs(&s)?;
    let mut errors = Errors::default();
    let title = errors.check("title", check_name(&f.get("title"), "focus area", 300));
    let question = errors.check(
        "question",
        check_text_block(
            &f.get("question"),
            "what the partnership wants to understand",
            4000,
        ),
    );
    let meetings = deep_dives::meetings_from(&st.db, s.pid(), today()).await?;
    let meeting = f.get("meeting");
    let at = meetings
        .iter()
        .find(|(id, _, _)| *id == meeting)
        .map(|m| m.2);
    if at.is_none() {
        errors.add("meeting", "Choose the meeting it is presented at");
    }
    let indicator = Some(f.get("indicator")).filter(|i| !i.is_empty());
    if let Some(i) = &indicator
        && !citable(&st, &s).await?.iter().any(|(id, _)| id == i)
    {
        errors.add(
            "indicator",
            "Choose one of the partnership's indicators, or none",
        );
    }
    let agencies = f.all("agency");
    let refd = s.reference(&st.db).await?;
    if agencies.is_empty() {
        errors.add(
            "agency",
            "Choose at least one agency to ask for its analysis",
        );
    } else if agencies
        .iter()
        .any(|a| !refd.agencies.iter().any(|x| x.active && &x.id == a))
    {
        errors.add("agency", "Choose agencies of the partnership");
    }
    let due = f.date("due", "the date the analyses are due", &mut errors);
    if let (Some(d), Some(at)) = (due, at) {
        if d < today() {
            errors.add("due-day", "The analyses cannot be due before today");
        } else if d > at.date() {
            errors.add(
                "due-day",
                "The analyses must be due on or before the meeting",
            );
        }
    }
    if let (true, Some(title), Some(question), Some(due)) =
        (errors.is_empty(), title, question, due)
    {
        let input = DeepDiveInput {
            title,
            question,
            indicator_id: indicator,
            meeting_id: meeting,
            agency_ids: agencies,
            due_on: Day(due),
        };
        match deep_dives::add(&st.db, &s.who(), s.pid(), &input).await {
            Ok(id) => {
                return Ok(redirect_with(
                    &format!("/performance/deep-dives/{id}"),
                    Flash::DeepDiveCommissioned,
                    st.config.secure_cookies(),
                ));
            }
            // The meeting cancelled or an agency retired meanwhile: shown again.
            Err(StoreError::NotFound) => errors.add(
                "meeting",
                "Choose the meeting it is presented at, and agencies of the partnership",
            ),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &new_view(&st, &s, &f, &errors).await?,
    )
}

// ---- one deep dive ----

struct Analysis {
    id: String,
    agency: String,
    state: &'static str,
    state_tag: &'static str,
    due: String,
    /// Once it is in: (question, answer).
    answers: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "performance/deep_dive.html")]
struct ShowPage {
    chrome: Chrome,
    errors: ErrorSummary,
    dive: DeepDive,
    meeting: String,
    chart: Option<Cited>,
    analyses: Vec<Analysis>,
    answered: usize,
    presentations: Vec<learnloop_store::files::Owned>,
    recommendations: Vec<RecommendationLine>,
    open_actions: usize,
    can_run: bool,
    can_plan_actions: bool,
    file_error: Option<String>,
    discussion: Textarea,
    /// The discussion's form open: nothing recorded yet, or an error to fix.
    discussion_open: bool,
    rec: crate::sources::RecFields,
}

async fn load(st: &AppState, s: &Signed, id: &str) -> AppResult<DeepDive> {
    reads(s)?;
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    deep_dives::get(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn show_view(
    st: &AppState,
    s: &Signed,
    d: DeepDive,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<ShowPage> {
    let lines: Vec<ReturnLine> =
        returns::for_source(&st.db, s.pid(), SourceKind::DeepDive, &d.id).await?;
    let m = learnloop_store::governance::meetings::get(&st.db, s.pid(), &d.meeting_id).await?;
    let refd = s.reference(&st.db).await?;
    let meeting = m.map_or_else(String::new, |m| {
        let group = refd
            .groups
            .iter()
            .find(|g| g.id == m.group_id)
            .map(|g| g.name.clone())
            .unwrap_or_default();
        format!("{group}, {}", Day(m.date()).long())
    });
    let chart = match &d.indicator_id {
        Some(i) => cited(st, s, i, None).await?,
        None => None,
    };
    let analyses: Vec<Analysis> = lines
        .iter()
        .map(|l| Analysis {
            id: l.ret.id.clone(),
            agency: l.agency.clone(),
            state: l.ret.state.label(),
            state_tag: l.ret.state.tag_class(),
            due: l.ret.due_on.long(),
            answers: if l.ret.state.is_in() {
                DEEP_DIVE_QUESTIONS
                    .iter()
                    .zip(l.ret.answers.0.iter())
                    .map(|(q, a)| ((*q).to_owned(), a.clone()))
                    .collect()
            } else {
                Vec::new()
            },
        })
        .collect();
    let agencies: Vec<(String, String)> = lines
        .iter()
        .map(|l| (l.ret.agency_id.clone(), l.agency.clone()))
        .collect();
    let defaults = FormPairs(vec![("discussion".to_owned(), d.discussion.clone())]);
    let df = if f.0.is_empty() { &defaults } else { f };
    Ok(ShowPage {
        chrome: s.chrome("/performance"),
        errors: errors.summary(),
        meeting,
        chart,
        answered: analyses.iter().filter(|a| !a.answers.is_empty()).count(),
        analyses,
        presentations: deep_dives::presentations(&st.db, s.pid(), &d.id).await?,
        open_actions: crate::sources::open_actions(st, s, SourceKind::DeepDive, &d.id).await?,
        recommendations: recommendations::for_source(&st.db, s.pid(), SourceKind::DeepDive, &d.id)
            .await?,
        can_run: can_manage(&s.actor),
        can_plan_actions: s.actor.can(Permission::ManageActions),
        file_error: errors.get("file").map(ToOwned::to_owned),
        discussion_open: d.discussion.is_empty() || errors.get("discussion").is_some(),
        discussion: Textarea::new("discussion", "The discussion")
            .hint("What the meeting heard, challenged and agreed")
            .rows(6)
            .filled(df, errors),
        rec: crate::sources::recommendation_fields(f, errors, agencies),
        dive: d,
    })
}

pub(super) async fn show(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let d = load(&st, &s, &id).await?;
    render(&show_view(&st, &s, d, &FormPairs::default(), &Errors::default()).await?)
}

fn done(st: &AppState, id: &str, anchor: &str, flash: Flash) -> Response {
    redirect_with(
        &format!("/performance/deep-dives/{id}#{anchor}"),
        flash,
        st.config.secure_cookies(),
    )
}

pub(super) async fn discussion(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let d = load(&st, &s, &id).await?;
    runs(&s)?;
    let mut errors = Errors::default();
    if let Some(text) = errors.check(
        "discussion",
        check_text_block(&f.get("discussion"), "discussion", 20000),
    ) {
        deep_dives::save_discussion(&st.db, &s.who(), &d, &text).await?;
        return Ok(done(&st, &id, "the-discussion", Flash::DiscussionSaved));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &show_view(&st, &s, d, &f, &errors).await?,
    )
}

pub(super) async fn recommend(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let d = load(&st, &s, &id).await?;
    runs(&s)?;
    let allowed: Vec<String> = returns::for_source(&st.db, s.pid(), SourceKind::DeepDive, &d.id)
        .await?
        .into_iter()
        .map(|l| l.ret.agency_id)
        .collect();
    match crate::sources::add_recommendation(
        &st,
        &s,
        (SourceKind::DeepDive, &d.id),
        &f,
        (&allowed, "Choose agencies asked for their analysis"),
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
            &show_view(&st, &s, d, &f, &errors).await?,
        ),
    }
}

pub(super) async fn upload(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    form: Multipart,
) -> AppResult<Response> {
    let d = load(&st, &s, &id).await?;
    runs(&s)?;
    let up = match crate::uploads::one_file(form).await {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    match up {
        Ok(up) => {
            deep_dives::add_presentation(&st.db, &st.files, &s.who(), &d, up).await?;
            Ok(done(&st, &id, "presentations", Flash::PresentationAdded))
        }
        Err(m) => {
            let mut errors = Errors::default();
            errors.add("file", m);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &show_view(&st, &s, d, &FormPairs::default(), &errors).await?,
            )
        }
    }
}

/// A presentation, after checking again that the person reads deep dives; audited.
pub(super) async fn download(
    State(st): State<AppState>,
    s: Signed,
    Path((id, file)): Path<(String, String)>,
) -> AppResult<Response> {
    let d = load(&st, &s, &id).await?;
    crate::uploads::owned_download(
        &st,
        &s,
        (deep_dives::OWNER, &d.id, &file),
        (
            "deep_dive.download",
            SourceKind::DeepDive.slug(),
            "presentation",
        ),
    )
    .await
}

/// Reminds every agency whose analysis is not in, at once.
pub(super) async fn chase(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let d = load(&st, &s, &id).await?;
    runs(&s)?;
    returns::chase(
        &st.db,
        &s.who(),
        s.pid(),
        (
            SourceKind::DeepDive,
            &d.id,
            &format!("the deep dive “{}”", d.title),
        ),
        &st.config.public_url,
        today(),
    )
    .await?;
    Ok(done(&st, &id, "analyses", Flash::ReturnsChased))
}

/// On the agenda of the meeting a deep dive is presented at: the deep dive, with how many
/// analyses are in.
pub async fn attention(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let Audience::Group { signed, group, day } = a else {
        return Ok(Vec::new());
    };
    if signed.require(Permission::ViewPartnership).is_err() {
        return Ok(Vec::new());
    }
    Ok(
        deep_dives::at_group_on(&st.db, signed.pid(), &group.group.id, *day)
            .await?
            .into_iter()
            .map(|l| Attention {
                kind: "deep-dive",
                text: format!("Deep dive: {}", l.dive.title),
                detail: format!("Analyses from {} of {} agencies in", l.answered, l.asked),
                href: SourceKind::DeepDive.path(&l.dive.id),
                tag: None,
            })
            .collect(),
    )
}
