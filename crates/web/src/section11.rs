//! Section 11 self-assessments (SPEC §3.5). The business team opens a cycle for chosen agencies
//! with a due date; each agency's lead completes its self-assessment on the return page (a
//! rating and evidence per standard, carried forward from the last cycle "to review"); the
//! panel challenges standards and moderates ratings, and the agency responds; the overview —
//! agencies × standards, the agency's and the moderated rating, the change since the last
//! cycle, the standards most often short — goes to the board, after which everyone in the
//! partnership can read it. Rules: `domain::section11`.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{Datelike, Utc};
use learnloop_domain::policy::Permission;
use learnloop_domain::returns::check_grade;
use learnloop_domain::section11::{
    can_read, can_read_overview, can_run, can_write, check_agencies, check_framework,
};
use learnloop_domain::sources::SourceKind;
use learnloop_domain::text::{check_name, check_text_block};
use learnloop_govuk::{
    Checkboxes, ChoiceItem, DateInput, ErrorSummary, Input, Select, SelectItem, Textarea,
};
use learnloop_store::audit::{self as trail, Event};
use learnloop_store::returns::{self, QuestionSet, ReturnLine};
use learnloop_store::section11::{self, Challenge, Cycle, CycleDay, CycleLine, PanelMember};
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
        .route("/section11", get(list).post(open))
        .route(
            "/section11/framework",
            get(framework).post(revise_framework),
        )
        .route("/section11/{id}", get(show))
        .route("/section11/{id}/board", post(board))
        .route("/section11/{id}/challenge", post(challenge))
        .route("/section11/{id}/respond", post(respond))
        .route("/section11/{id}/actions", get(action_form).post(add_action))
        .route("/section11/{id}/panel", get(panel_form).post(add_member))
        .route("/section11/{id}/panel/remove", post(remove_member))
        .route("/section11/{id}/event", post(event))
        .route("/section11/{id}/escalate", post(escalate))
        .route("/section11/{id}/offer", post(offer))
        .route("/section11/{id}/overview.csv", get(export::<false>))
        .route("/section11/{id}/overview.xlsx", get(export::<true>))
}

// ---- the cycles ----

#[derive(Template)]
#[template(path = "section11/list.html")]
struct ListPage {
    chrome: Chrome,
    errors: ErrorSummary,
    /// Each cycle, and whether the person may open its page (only those are links).
    cycles: Vec<(CycleLine, bool)>,
    /// Whether the person sees how many self-assessments are in (before the board, only who
    /// reads them all does).
    counts: bool,
    can_open: bool,
    title: Input,
    due: DateInput,
    agencies: Checkboxes,
}

async fn list_page(
    st: &AppState,
    s: &Signed,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<ListPage> {
    let year = Utc::now().year();
    let defaults = FormPairs::from_values(&[(
        "title",
        &format!("Section 11 self-assessment {year} to {}", year + 1),
    )]);
    let f = if f.0.is_empty() { &defaults } else { f };
    let refd = s.reference(&st.db).await?;
    let open = Openable::of(st, s).await?;
    let cycles = section11::cycles(&st.db, s.pid())
        .await?
        .into_iter()
        .map(|c| {
            let may = open.may(s, &c.cycle.id, c.cycle.board_on.is_some());
            (c, may)
        })
        .collect();
    Ok(ListPage {
        chrome: s.chrome("/section11"),
        errors: errors.summary(),
        cycles,
        counts: learnloop_domain::section11::can_read_all(&s.actor),
        can_open: can_run(&s.actor),
        title: Input::new("title", "Name of the cycle").filled(f, errors),
        due: crate::audits::date_field(f, errors, "due", "Self-assessments due"),
        agencies: Checkboxes::new(
            "agency",
            "Agencies that assess themselves in this cycle",
            refd.agencies
                .iter()
                .filter(|a| a.active)
                .map(|a| ChoiceItem::new(a.id.clone(), a.name.clone())),
        )
        .values(f.all("agency"))
        .error(errors.get("agency")),
    })
}

async fn list(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    render(&list_page(&st, &s, &FormPairs::default(), &Errors::default()).await?)
}

async fn open(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    if !can_run(&s.actor) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Errors::default();
    let title = errors.check(
        "title",
        check_name(&f.get("title"), "name of the cycle", 200),
    );
    let due = f.date("due", "the date self-assessments are due", &mut errors);
    let today = Day(Utc::now().date_naive());
    if let Some(d) = due
        && let Err(m) = learnloop_domain::section11::check_due(today.date(), d)
    {
        errors.add("due-day", m);
    }
    let agencies: Vec<String> = f.all("agency").into_iter().filter(|a| is_id(a)).collect();
    if let Err(m) = check_agencies(&agencies) {
        errors.add("agency", m);
    }
    if let (true, Some(title), Some(due)) = (errors.is_empty(), title, due) {
        match section11::open(
            &st.db,
            &s.who(),
            s.pid(),
            (&title, &agencies),
            (today, Day(due)),
        )
        .await
        {
            Ok(id) => {
                return Ok(to(&st, &format!("/section11/{id}"), Flash::CycleOpened));
            }
            Err(StoreError::Conflict(m)) => errors.add("agency", m),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &list_page(&st, &s, &f, &errors).await?,
    )
}

// ---- the framework ----

#[derive(Template)]
#[template(path = "section11/framework.html")]
struct FrameworkPage {
    chrome: Chrome,
    errors: ErrorSummary,
    version: i64,
    /// (standard, prompts)
    standards: Vec<(String, String)>,
    scale: Vec<String>,
    can_edit: bool,
    standards_field: Textarea,
    prompts_field: Textarea,
    scale_field: Textarea,
}

async fn framework_page(
    st: &AppState,
    s: &Signed,
    f: Option<&FormPairs>,
    errors: &Errors,
) -> AppResult<FrameworkPage> {
    let qs = section11::current_framework(&st.db, s.pid()).await?;
    let stored = FormPairs::from_values(&[
        ("standards", &qs.lines.0.join("\n")),
        ("prompts", &qs.prompts.0.join("\n")),
        ("scale", &qs.scale.0.join("\n")),
    ]);
    let f = f.unwrap_or(&stored);
    Ok(FrameworkPage {
        chrome: s.chrome("/section11"),
        errors: errors.summary(),
        version: qs.version,
        standards: qs
            .lines
            .0
            .iter()
            .enumerate()
            .map(|(i, l)| (l.clone(), at(&qs.prompts.0, i)))
            .collect(),
        scale: qs.scale.0.clone(),
        can_edit: can_run(&s.actor),
        standards_field: Textarea::new("standards", "Standards")
            .hint("One a line")
            .rows(10)
            .filled(f, errors),
        prompts_field: Textarea::new("prompts", "What to consider for each standard")
            .hint("One line a standard, in the same order; leave a line blank for none")
            .rows(10)
            .filled(f, errors),
        scale_field: Textarea::new("scale", "Rating scale")
            .hint("One rating a line, best first")
            .rows(4)
            .filled(f, errors),
    })
}

async fn framework(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    render(&framework_page(&st, &s, None, &Errors::default()).await?)
}

/// Rewording applies to the self-assessments already open; adding, removing or reordering
/// standards, or changing the scale, makes a new version for cycles opened from now on.
async fn revise_framework(
    State(st): State<AppState>,
    s: Signed,
    f: FormPairs,
) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    if !can_run(&s.actor) {
        return Err(AppError::Forbidden);
    }
    let split = |k: &str| -> Vec<String> { f.get(k).lines().map(str::to_owned).collect() };
    match check_framework(&split("standards"), &split("prompts"), &split("scale")) {
        Ok((lines, prompts, scale)) => {
            let major =
                section11::revise_framework(&st.db, &s.who(), s.pid(), (&lines, &prompts), &scale)
                    .await?;
            Ok(to(
                &st,
                "/section11/framework",
                if major {
                    Flash::QuestionsVersioned
                } else {
                    Flash::QuestionsReworded
                },
            ))
        }
        Err((field, m)) => {
            let mut errors = Errors::default();
            errors.add(field, m);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &framework_page(&st, &s, Some(&f), &errors).await?,
            )
        }
    }
}

// ---- one cycle: the self-assessments, the overview, the challenges ----

/// A cell of the overview: the agency's own rating, the moderated one, and last cycle's.
struct Cell {
    rating: String,
    moderated: String,
    before: String,
}

struct Row {
    id: String,
    agency: String,
    state: &'static str,
    state_tag: &'static str,
    cells: Vec<Cell>,
    challenges: Vec<ChallengeView>,
    /// The agency's lead may respond to its challenges.
    can_respond: bool,
    /// Whether the signed-in person reads the self-assessment itself (and its challenges),
    /// not only its ratings in the overview.
    readable: bool,
    /// The agency's improvement actions from this cycle (for who reads the self-assessment).
    improvements: Vec<Improvement>,
    /// How many of them are still open.
    outstanding: usize,
    /// The agency's id (for the escalation form).
    agency_id: String,
    /// Whether another partnership's linked agency offered it.
    offered: bool,
}

/// Where the signed-in agency lead can offer their agency's submitted self-assessment (other
/// partnerships' open cycles, through agreed links), and where it has gone already.
struct Offer {
    return_id: String,
    agency: String,
    targets: Vec<section11::offers::Target>,
    offered_to: Vec<(String, String, String)>,
}

/// An improvement action an agency set itself in the cycle (an action whose source is the
/// cycle and whose lead is the agency).
struct Improvement {
    id: String,
    description: String,
    due: String,
    status: &'static str,
    open: bool,
}

struct ChallengeView {
    id: String,
    standard: String,
    challenge: String,
    moderated: String,
    response: String,
    response_field: Textarea,
}

#[derive(Template)]
#[template(path = "section11/show.html")]
struct ShowPage {
    chrome: Chrome,
    errors: ErrorSummary,
    cycle: Cycle,
    standards: Vec<String>,
    /// The standards with their numbers, for the key to the matrix's numbered columns.
    numbered: Vec<String>,
    rows: Vec<Row>,
    answered: usize,
    /// The standards most often rated below the top half of the scale, with how many agencies.
    short: Vec<(String, usize)>,
    previous: Option<String>,
    /// The whole overview (who reads all, or everyone once it went to the board).
    overview: bool,
    /// The business team and the panel record challenges.
    can_challenge: bool,
    panel: Vec<PanelMember>,
    /// Whether any challenge is shown to the signed-in person.
    any_challenge: bool,
    /// Whether any improvement action is shown to the signed-in person.
    any_improvement: bool,
    can_run: bool,
    board: DateInput,
    /// When the six-month follow-up of outstanding actions falls (once the overview has gone
    /// to the board), and whether it has come.
    follow_up: Option<(String, bool)>,
    /// The independent chair escalates an agency's outstanding actions once the follow-up has
    /// come.
    can_escalate: bool,
    /// Agency leads (their agencies) and the business team add improvement actions.
    can_add_action: bool,
    challenge_return: Select,
    challenge_line: Select,
    challenge_text: Textarea,
    challenge_rating: Select,
    offers: Vec<Offer>,
}

struct Loaded {
    cycle: Cycle,
    qs: QuestionSet,
    all: Vec<ReturnLine>,
    /// Whether the signed-in person reads the whole overview.
    overview: bool,
    /// Whether the signed-in person sits on the cycle's challenge panel.
    on_panel: bool,
}

/// Which cycles a person may open, as `load` decides: who reads every overview (each once it
/// has gone to the board, for everyone), its panel, and the leads of the agencies it asked.
/// Lists, agendas and the source resolver link a cycle only where its page would open.
pub(crate) struct Openable {
    /// The cycles the person sits on the panel of or whose agencies they lead; `None` for who
    /// reads every overview.
    mine: Option<BTreeSet<String>>,
}

impl Openable {
    pub(crate) async fn of(st: &AppState, s: &Signed) -> AppResult<Openable> {
        if learnloop_domain::section11::can_read_all(&s.actor) {
            return Ok(Openable { mine: None });
        }
        let led: Vec<&str> = s.actor.agencies_led().collect();
        let mine = section11::cycles_of(&st.db, s.pid(), &s.person.id, &led)
            .await?
            .into_iter()
            .collect();
        Ok(Openable { mine: Some(mine) })
    }

    /// Whether the person may open the cycle `id`, gone to the board or not.
    pub(crate) fn may(&self, s: &Signed, id: &str, gone_to_board: bool) -> bool {
        s.actor.can(Permission::ViewPartnership)
            && (can_read_overview(&s.actor, gone_to_board)
                || self.mine.as_ref().is_none_or(|m| m.contains(id)))
    }
}

/// Whether the person may open one cycle's page.
pub(crate) async fn may_open(st: &AppState, s: &Signed, c: &section11::Cycle) -> AppResult<bool> {
    Ok(Openable::of(st, s)
        .await?
        .may(s, &c.id, c.board_on.is_some()))
}

async fn load(st: &AppState, s: &Signed, id: &str) -> AppResult<Loaded> {
    s.require(Permission::ViewPartnership)?;
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let cycle = section11::get(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let all = section11::assessments(&st.db, s.pid(), id).await?;
    let on_panel = section11::on_panel(&st.db, s.pid(), id, &s.person.id).await?;
    let overview = can_read_overview(&s.actor, cycle.board_on.is_some()) || on_panel;
    let own = all.iter().any(|r| can_write(&s.actor, &r.ret.agency_id));
    if !overview && !own {
        return Err(AppError::Forbidden);
    }
    let qs = returns::question_set(&st.db, s.pid(), &cycle.question_set_id).await?;
    Ok(Loaded {
        cycle,
        qs,
        all,
        overview,
        on_panel,
    })
}

fn at(v: &[String], i: usize) -> String {
    v.get(i).cloned().unwrap_or_default()
}

/// Each agency's ratings in a cycle, by agency id, against a question set's lines.
async fn ratings_by_agency(
    st: &AppState,
    s: &Signed,
    all: &[ReturnLine],
    (lines, known): (&[String], &QuestionSet),
) -> AppResult<BTreeMap<String, Vec<(String, String)>>> {
    // The cycle's own set is read already; a return answered on an earlier version reads its own.
    let mut sets: BTreeMap<String, QuestionSet> =
        BTreeMap::from([(known.id.clone(), known.clone())]);
    let mut out = BTreeMap::new();
    for r in all.iter().filter(|r| r.ret.state.is_in()) {
        let id = &r.ret.question_set_id;
        if !sets.contains_key(id) {
            sets.insert(
                id.clone(),
                returns::question_set(&st.db, s.pid(), id).await?,
            );
        }
        let theirs = sets.get(id).map(|q| q.lines.0.clone()).unwrap_or_default();
        let cells = lines
            .iter()
            .map(|l| match theirs.iter().position(|t| t == l) {
                Some(i) => (at(&r.ret.ratings.0, i), at(&r.ret.moderated_ratings.0, i)),
                None => (String::new(), String::new()),
            })
            .collect();
        out.insert(r.ret.agency_id.clone(), cells);
    }
    Ok(out)
}

async fn page(
    st: &AppState,
    s: &Signed,
    l: &Loaded,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<ShowPage> {
    let standards = l.qs.lines.0.clone();
    let now = ratings_by_agency(st, s, &l.all, (&standards, &l.qs)).await?;
    let previous = section11::previous(&st.db, s.pid(), &l.cycle).await?;
    let before = match &previous {
        Some(p) => {
            let all = section11::assessments(&st.db, s.pid(), &p.id).await?;
            ratings_by_agency(st, s, &all, (&standards, &l.qs)).await?
        }
        None => BTreeMap::new(),
    };
    let scale = &l.qs.scale.0;
    let low = |g: &str| {
        scale
            .iter()
            .position(|x| x == g)
            .is_some_and(|i| i >= scale.len().div_ceil(2))
    };
    let mut short: Vec<(String, usize)> = standards
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let n = now
                .values()
                .filter(|c| {
                    c.get(i)
                        .is_some_and(|(own, m)| low(if m.is_empty() { own } else { m }))
                })
                .count();
            (st.clone(), n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    short.sort_by_key(|b| std::cmp::Reverse(b.1));
    let mut all_challenges = section11::challenges(&st.db, s.pid(), &l.cycle.id).await?;
    let actions =
        learnloop_store::actions::for_source(&st.db, s.pid(), SourceKind::Section11, &l.cycle.id)
            .await?;
    let mut rows = Vec::new();
    let mut offers = Vec::new();
    for r in &l.all {
        let mine = can_write(&s.actor, &r.ret.agency_id);
        if !l.overview && !mine {
            continue;
        }
        let cells = now.get(&r.ret.agency_id);
        let was = before.get(&r.ret.agency_id);
        let readable = can_read(&s.actor, &r.ret.agency_id, l.on_panel);
        let challenges: Vec<Challenge> = if readable {
            all_challenges
                .extract_if(.., |c| c.return_id == r.ret.id)
                .collect()
        } else {
            Vec::new()
        };
        rows.push(Row {
            id: r.ret.id.clone(),
            agency: r.agency.clone(),
            state: r.ret.state.label(),
            state_tag: r.ret.state.tag_class(),
            cells: (0..standards.len())
                .map(|i| {
                    let (rating, moderated) =
                        cells.and_then(|c| c.get(i).cloned()).unwrap_or_default();
                    let before = was
                        .and_then(|c| c.get(i))
                        .map(|(own, m)| if m.is_empty() { own.clone() } else { m.clone() })
                        .unwrap_or_default();
                    Cell {
                        rating,
                        moderated,
                        before,
                    }
                })
                .collect(),
            challenges: challenges
                .into_iter()
                .map(|c| {
                    let name = format!("response-{}", c.id);
                    ChallengeView {
                        standard: at(&standards, usize::try_from(c.line).unwrap_or(usize::MAX)),
                        response_field: Textarea::new(name.clone(), "The agency's response")
                            .rows(3)
                            .value(f.get(&name))
                            .error(errors.get(&name)),
                        id: c.id,
                        challenge: c.challenge,
                        moderated: c.moderated_rating.unwrap_or_default(),
                        response: c.response,
                    }
                })
                .collect(),
            can_respond: mine,
            readable,
            improvements: if readable {
                actions
                    .iter()
                    .filter(|a| a.lead_agency_id.as_deref() == Some(r.ret.agency_id.as_str()))
                    .map(|a| Improvement {
                        id: a.id.clone(),
                        description: a.description.clone(),
                        due: a.due_on.long(),
                        status: a.status.label(),
                        open: a.status.is_open(),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            outstanding: 0,
            agency_id: r.ret.agency_id.clone(),
            offered: !r.ret.offered_note.is_empty(),
        });
        if mine && r.ret.state.is_in() {
            let targets = section11::offers::targets(&st.db, s.pid(), &r.ret.agency_id).await?;
            let offered_to = section11::offers::offered_to(&st.db, s.pid(), &r.ret.id).await?;
            if !targets.is_empty() || !offered_to.is_empty() {
                offers.push(Offer {
                    return_id: r.ret.id.clone(),
                    agency: r.agency.clone(),
                    targets,
                    offered_to,
                });
            }
        }
    }
    for r in &mut rows {
        r.outstanding = r.improvements.iter().filter(|i| i.open).count();
    }
    let answered = l.all.iter().filter(|r| r.ret.state.is_in()).count();
    let refd = s.reference(&st.db).await?;
    let today = Utc::now().date_naive();
    let follow_up = l.cycle.board_on.and_then(|on| {
        refd.rules
            .iter()
            .find(|r| r.slug == "section11-follow-up")
            .map(|r| r.due_date(&refd.calendar, on.date()))
            .map(|d| (Day(d).long(), d <= today))
    });
    let panel = section11::panel(&st.db, s.pid(), &l.cycle.id).await?;
    let in_returns: Vec<&ReturnLine> = l.all.iter().filter(|r| r.ret.state.is_in()).collect();
    Ok(ShowPage {
        chrome: s.chrome("/section11"),
        errors: errors.summary(),
        numbered: standards
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let n = (i + 1).to_string();
                if t.starts_with(&format!("{n}.")) {
                    t.clone()
                } else {
                    format!("{n}. {t}")
                }
            })
            .collect(),
        standards: standards.clone(),
        answered,
        short,
        previous: previous.map(|p| p.title),
        overview: l.overview,
        can_challenge: can_run(&s.actor) || l.on_panel,
        panel,
        any_challenge: rows.iter().any(|r| !r.challenges.is_empty()),
        any_improvement: rows.iter().any(|r| !r.improvements.is_empty()),
        can_run: can_run(&s.actor),
        board: crate::audits::date_field(f, errors, "on", "Date the overview went to the board"),
        can_escalate: follow_up.as_ref().is_some_and(|(_, come)| *come)
            && s.actor
                .has(learnloop_domain::accounts::Role::IndependentChair),
        follow_up,
        can_add_action: !writable(s, l).is_empty(),
        challenge_return: Select::new(
            "return",
            "Agency",
            std::iter::once(SelectItem::new("", "Choose an agency")).chain(
                in_returns
                    .iter()
                    .map(|r| SelectItem::new(r.ret.id.clone(), r.agency.clone())),
            ),
        )
        .filled(f, errors),
        challenge_line: Select::new(
            "line",
            "Standard",
            std::iter::once(SelectItem::new("", "Choose a standard")).chain(
                standards
                    .iter()
                    .enumerate()
                    .map(|(i, t)| SelectItem::new((i + 1).to_string(), t.clone())),
            ),
        )
        .filled(f, errors),
        challenge_text: Textarea::new("challenge", "The panel's challenge")
            .hint("What the panel asks the agency to show or explain")
            .rows(4)
            .filled(f, errors),
        challenge_rating: Select::new(
            "rating",
            "Moderated rating",
            std::iter::once(SelectItem::new("", "Leave the agency's rating"))
                .chain(scale.iter().map(|g| SelectItem::new(g.clone(), g.clone()))),
        )
        .hint("Kept beside the agency's own rating, which does not change")
        .filled(f, errors),
        cycle: l.cycle.clone(),
        rows,
        offers,
    })
}

async fn show(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    render(&page(&st, &s, &l, &FormPairs::default(), &Errors::default()).await?)
}

async fn again(
    st: &AppState,
    s: &Signed,
    l: &Loaded,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<Response> {
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page(st, s, l, f, errors).await?,
    )
}

/// Records the day the overview went to the board, or the day of the challenge event.
async fn record_day(
    (st, s, id, f): (AppState, Signed, String, FormPairs),
    which: CycleDay,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    if !can_run(&s.actor) {
        return Err(AppError::Forbidden);
    }
    let (field, what, back, flash) = match which {
        CycleDay::Board => (
            "on",
            "the date the overview went to the board",
            "#overview",
            Flash::BoardRecorded,
        ),
        CycleDay::ChallengeEvent => (
            "event",
            "the date of the challenge event",
            "/panel",
            Flash::PanelSaved,
        ),
    };
    let mut errors = Errors::default();
    let on =
        f.date(field, what, &mut errors)
            .filter(|on| {
                match learnloop_domain::section11::check_day(
                    which == CycleDay::Board,
                    l.cycle.opened_on.date(),
                    *on,
                    Utc::now().date_naive(),
                ) {
                    Ok(()) => true,
                    Err(m) => {
                        errors.add(&format!("{field}-day"), m);
                        false
                    }
                }
            });
    let Some(on) = on else {
        return match which {
            CycleDay::Board => again(&st, &s, &l, &f, &errors).await,
            CycleDay::ChallengeEvent => render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &panel_page(&st, &s, &l, &f, &errors).await?,
            ),
        };
    };
    section11::record_day(&st.db, &s.who(), s.pid(), &id, (which, Day(on))).await?;
    Ok(to(&st, &format!("/section11/{id}{back}"), flash))
}

async fn board(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    record_day((st, s, id, f), CycleDay::Board).await
}

async fn event(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    record_day((st, s, id, f), CycleDay::ChallengeEvent).await
}

async fn challenge(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    if !can_run(&s.actor) && !l.on_panel {
        return Err(AppError::Forbidden);
    }
    let mut errors = Errors::default();
    let ret = f.get("return");
    let target = l
        .all
        .iter()
        .find(|r| r.ret.id == ret && r.ret.state.is_in());
    if target.is_none() {
        errors.add("return", "Choose an agency whose self-assessment is in");
    }
    let n = l.qs.lines.0.len();
    let line = f
        .get("line")
        .parse::<usize>()
        .ok()
        .filter(|i| (1..=n).contains(i));
    if line.is_none() {
        errors.add("line", "Choose the standard the challenge is about");
    }
    let text = errors.check(
        "challenge",
        check_text_block(&f.get("challenge"), "panel's challenge", 4000),
    );
    let rating = f.get("rating");
    let moderated = if rating.is_empty() {
        Some(None)
    } else {
        errors
            .check("rating", check_grade(&l.qs.scale.0, &rating))
            .map(|g| Some(g.to_owned()))
    };
    if let (true, Some(t), Some(line), Some(text), Some(moderated)) =
        (errors.is_empty(), target, line, text, moderated)
    {
        match section11::challenge(
            &st.db,
            &s.who(),
            s.pid(),
            &t.ret.id,
            (line - 1, &text, moderated.as_deref()),
        )
        .await
        {
            Ok(()) => {
                return Ok(to(
                    &st,
                    &format!("/section11/{id}#challenges"),
                    Flash::ChallengeRecorded,
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("return", m),
            Err(e) => return Err(e.into()),
        }
    }
    again(&st, &s, &l, &f, &errors).await
}

async fn respond(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    let challenge_id = f.get("challenge");
    let ret = f.get("return");
    let Some(r) = l.all.iter().find(|r| r.ret.id == ret) else {
        return Err(AppError::NotFound);
    };
    if !can_write(&s.actor, &r.ret.agency_id) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Errors::default();
    let key = format!("response-{challenge_id}");
    let text = errors.check(
        &key,
        check_text_block(&f.get(&key), "agency's response", 4000),
    );
    let Some(text) = text else {
        return again(&st, &s, &l, &f, &errors).await;
    };
    if !is_id(&challenge_id) {
        return Err(AppError::NotFound);
    }
    if !section11::respond(&st.db, &s.who(), s.pid(), (&r.ret.id, &challenge_id), &text).await? {
        errors.add(
            &key,
            "This challenge has been answered already, or is not one of this self-assessment's",
        );
        return render_status(StatusCode::CONFLICT, &page(&st, &s, &l, &f, &errors).await?);
    }
    Ok(to(
        &st,
        &format!("/section11/{id}#challenges"),
        Flash::ResponseRecorded,
    ))
}

/// Back to a page of the cycle after a change, with its confirmation.
/// An agency lead offers their agency's submitted self-assessment to another partnership's
/// open cycle, through an agreed link.
async fn offer(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    let (from, to_id) = (f.get("return"), f.get("to"));
    let Some(ours) = l
        .all
        .iter()
        .find(|r| r.ret.id == from && can_write(&s.actor, &r.ret.agency_id))
    else {
        return Err(AppError::Forbidden);
    };
    let mut errors = Errors::default();
    if !is_id(&to_id) {
        errors.add("offer", "Choose the partnership's cycle to offer it to");
    } else {
        match section11::offers::offer(&st.db, &st.files, &s.who(), s.pid(), (&ours.ret.id, &to_id))
            .await
        {
            Ok(_) => {
                return Ok(to(
                    &st,
                    &format!("/section11/{id}#offer"),
                    Flash::SelfAssessmentOffered,
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("offer", m),
            Err(StoreError::NotFound) => errors.add(
                "offer",
                "That cycle is not open to this agency's self-assessment: choose one from the list",
            ),
            Err(e) => return Err(e.into()),
        }
    }
    again(&st, &s, &l, &f, &errors).await
}

fn to(st: &AppState, path: &str, flash: Flash) -> Response {
    redirect_with(path, flash, st.config.secure_cookies())
}

/// The self-assessments a person may add improvement actions to: each lead their own
/// agency's, the business team any in the cycle.
fn writable<'a>(s: &Signed, l: &'a Loaded) -> Vec<&'a ReturnLine> {
    l.all
        .iter()
        .filter(|r| can_write(&s.actor, &r.ret.agency_id) || can_run(&s.actor))
        .collect()
}

#[derive(Template)]
#[template(path = "section11/action.html")]
struct ActionPage {
    chrome: Chrome,
    errors: ErrorSummary,
    cycle: Cycle,
    agency: Select,
    line: Select,
    text: Textarea,
    owner: Select,
    due: DateInput,
}

async fn action_page(
    st: &AppState,
    s: &Signed,
    l: &Loaded,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<ActionPage> {
    let mine = writable(s, l);
    if mine.is_empty() {
        return Err(AppError::Forbidden);
    }
    let people = learnloop_store::accounts::names(&st.db, s.pid()).await?;
    Ok(ActionPage {
        chrome: s.chrome("/section11"),
        errors: errors.summary(),
        cycle: l.cycle.clone(),
        agency: Select::new(
            "action_return",
            "Agency",
            mine.iter()
                .map(|r| SelectItem::new(r.ret.id.clone(), r.agency.clone())),
        )
        .filled(f, errors),
        line: Select::new(
            "action_line",
            "Standard it improves",
            std::iter::once(SelectItem::new("", "Choose a standard")).chain(
                l.qs.lines
                    .0
                    .iter()
                    .enumerate()
                    .map(|(i, t)| SelectItem::new((i + 1).to_string(), t.clone())),
            ),
        )
        .filled(f, errors),
        text: Textarea::new("action_text", "What will be done")
            .rows(3)
            .filled(f, errors),
        owner: Select::new(
            "action_owner",
            "Owner",
            std::iter::once(SelectItem::new("", "Choose a person")).chain(
                people
                    .iter()
                    .map(|p| SelectItem::new(p.id.clone(), p.name.clone())),
            ),
        )
        .hint("The named person who will see it through")
        .filled(f, errors),
        due: crate::audits::date_field(f, errors, "action_due", "Timescale: done by"),
    })
}

async fn action_form(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    render(&action_page(&st, &s, &l, &FormPairs::default(), &Errors::default()).await?)
}

#[derive(Template)]
#[template(path = "section11/panel.html")]
struct PanelPage {
    chrome: Chrome,
    errors: ErrorSummary,
    cycle: Cycle,
    panel: Vec<PanelMember>,
    person: Select,
    event: DateInput,
}

async fn panel_page(
    st: &AppState,
    s: &Signed,
    l: &Loaded,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<PanelPage> {
    if !can_run(&s.actor) {
        return Err(AppError::Forbidden);
    }
    let people = learnloop_store::accounts::names(&st.db, s.pid()).await?;
    let panel = section11::panel(&st.db, s.pid(), &l.cycle.id).await?;
    Ok(PanelPage {
        chrome: s.chrome("/section11"),
        errors: errors.summary(),
        cycle: l.cycle.clone(),
        person: Select::new(
            "person",
            "Person",
            std::iter::once(SelectItem::new("", "Choose a person")).chain(
                people
                    .iter()
                    .filter(|p| !panel.iter().any(|m| m.person_id == p.id))
                    .map(|p| SelectItem::new(p.id.clone(), p.name.clone())),
            ),
        )
        .hint("Someone from another agency, or a lay member: a person of the partnership without an agency")
        .filled(f, errors),
        panel,
        event: crate::audits::date_field(f, errors, "event", "Date of the challenge event"),
    })
}

async fn panel_form(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    render(&panel_page(&st, &s, &l, &FormPairs::default(), &Errors::default()).await?)
}

/// The business team puts a person of the partnership on the challenge panel.
async fn add_member(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    if !can_run(&s.actor) {
        return Err(AppError::Forbidden);
    }
    let person = f.get("person");
    let found = if is_id(&person) {
        learnloop_store::accounts::person_in(&st.db, s.pid(), &person).await?
    } else {
        None
    };
    let Some(p) = found else {
        let mut errors = Errors::default();
        errors.add("person", "Choose the person to put on the panel");
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &panel_page(&st, &s, &l, &f, &errors).await?,
        );
    };
    section11::add_to_panel(&st.db, &s.who(), s.pid(), &id, (&p.id, &p.name)).await?;
    Ok(to(
        &st,
        &format!("/section11/{id}/panel"),
        Flash::PanelSaved,
    ))
}

/// Takes someone off the panel; taking off someone no longer on it changes nothing.
async fn remove_member(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    load(&st, &s, &id).await?;
    if !can_run(&s.actor) {
        return Err(AppError::Forbidden);
    }
    let person = f.get("person");
    let members = section11::panel(&st.db, s.pid(), &id).await?;
    if let Some(m) = members.iter().find(|m| m.person_id == person) {
        section11::remove_from_panel(&st.db, &s.who(), s.pid(), &id, (&m.person_id, &m.name))
            .await?;
    }
    Ok(to(
        &st,
        &format!("/section11/{id}/panel"),
        Flash::PanelSaved,
    ))
}

/// Six months after the board: the independent chair escalates an agency's outstanding
/// improvement actions to its senior management, as an escalation the board can follow.
async fn escalate(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    if !s
        .actor
        .has(learnloop_domain::accounts::Role::IndependentChair)
    {
        return Err(AppError::Forbidden);
    }
    let p = page(&st, &s, &l, &FormPairs::default(), &Errors::default()).await?;
    let refuse = |m: &str| {
        let mut errors = Errors::default();
        errors.add("improvements", m);
        errors
    };
    if !p.can_escalate {
        let errors =
            refuse("Outstanding actions can be escalated once the six-month follow-up has come");
        return render_status(
            StatusCode::CONFLICT,
            &page(&st, &s, &l, &FormPairs::default(), &errors).await?,
        );
    }
    let agency = f.get("agency");
    let Some(row) = p
        .rows
        .iter()
        .find(|r| r.agency_id == agency && r.outstanding > 0)
    else {
        return Err(AppError::NotFound);
    };
    let refd = s.reference(&st.db).await?;
    let Some(board) = refd.groups.iter().find(|g| g.kind == "board") else {
        let errors = refuse(
            "There is no board or executive group to escalate to: add one on the groups page",
        );
        return render_status(
            StatusCode::CONFLICT,
            &page(&st, &s, &l, &FormPairs::default(), &errors).await?,
        );
    };
    let detail = std::iter::once(format!(
        "Six months after the Section 11 overview of “{}” went to the board, these improvement actions of {} are still open:",
        l.cycle.title, row.agency
    ))
    .chain(
        row.improvements
            .iter()
            .filter(|i| i.open)
            .map(|i| format!("- {} (due {}, {})", i.description, i.due, i.status)),
    )
    .collect::<Vec<_>>()
    .join("\n");
    let n = learnloop_store::governance::escalations::NewEscalation {
        group_id: board.id.clone(),
        meeting_id: None,
        title: format!(
            "Section 11: {}'s improvement actions outstanding at six months",
            row.agency
        ),
        detail,
        raised_on: Utc::now().date_naive().format("%Y-%m-%d").to_string(),
    };
    // Once is enough: an open escalation of the same actions is not raised again.
    let open =
        learnloop_store::governance::escalations::for_group(&st.db, s.pid(), &board.id).await?;
    if let Some(e) = open
        .iter()
        .find(|e| e.stage.is_open() && e.title == n.title)
    {
        return Ok(to(&st, &format!("/escalations/{}", e.id), Flash::Escalated));
    }
    let eid =
        learnloop_store::governance::escalations::raise(&st.db, &s.who(), s.pid(), &n).await?;
    Ok(to(&st, &format!("/escalations/{eid}"), Flash::Escalated))
}

/// An improvement action for a standard: an action whose source is the cycle and whose lead
/// is the agency, tracked, updated and signed off like every other action.
async fn add_action(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    let ret = f.get("action_return");
    let Some(r) = l.all.iter().find(|r| r.ret.id == ret) else {
        return Err(AppError::NotFound);
    };
    if !can_write(&s.actor, &r.ret.agency_id) && !can_run(&s.actor) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Errors::default();
    let n = l.qs.lines.0.len();
    let line = f
        .get("action_line")
        .parse::<usize>()
        .ok()
        .filter(|i| (1..=n).contains(i));
    if line.is_none() {
        errors.add("action_line", "Choose the standard the action improves");
    }
    let text = errors.check(
        "action_text",
        check_text_block(&f.get("action_text"), "action", 2000),
    );
    let owner = f.get("action_owner");
    if !is_id(&owner)
        || learnloop_store::accounts::person_in(&st.db, s.pid(), &owner)
            .await?
            .is_none()
    {
        errors.add("action_owner", "Choose the person who owns the action");
    }
    let due = f.date("action_due", "the date it will be done by", &mut errors);
    let (true, Some(line), Some(text), Some(due)) = (errors.is_empty(), line, text, due) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &action_page(&st, &s, &l, &f, &errors).await?,
        );
    };
    let a = learnloop_store::actions::NewAction {
        source_kind: SourceKind::Section11,
        source_id: l.cycle.id.clone(),
        group_id: None,
        description: format!("Standard {line}: {text}"),
        lead_agency_id: Some(r.ret.agency_id.clone()),
        owner_person_id: Some(owner),
        due_on: due.format("%Y-%m-%d").to_string(),
        recommendation_id: None,
        success_measure: String::new(),
        supporting_agency_ids: Vec::new(),
    };
    learnloop_store::actions::create(&st.db, &s.who(), s.pid(), &a).await?;
    Ok(to(
        &st,
        &format!("/section11/{id}#improvements"),
        Flash::ActionAdded,
    ))
}

/// The overview as CSV or Excel: one row per agency and standard, with the agency's rating,
/// the moderated one and last cycle's. For who reads the overview; each download is audited.
async fn export<const XLSX: bool>(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    if !l.overview {
        return Err(AppError::Forbidden);
    }
    let p = page(&st, &s, &l, &FormPairs::default(), &Errors::default()).await?;
    let mut rows = Vec::new();
    for r in &p.rows {
        for (i, c) in r.cells.iter().enumerate() {
            rows.push(vec![
                r.agency.clone(),
                at(&p.standards, i),
                c.rating.clone(),
                c.moderated.clone(),
                c.before.clone(),
                r.state.to_owned(),
            ]);
        }
    }
    trail::record(
        &st.db,
        &s.who(),
        Event::new("section11.export", SourceKind::Section11.slug(), Some(&id))
            .summary(format!("Exported the overview of “{}”", l.cycle.title)),
    )
    .await?;
    crate::uploads::spreadsheet(
        XLSX,
        ("section11-overview", "Overview"),
        &[
            "Agency",
            "Standard",
            "Agency's rating",
            "Moderated rating",
            "Last cycle",
            "Self-assessment",
        ],
        &rows,
    )
}

/// Section 11 on home pages and agendas: for the business team, cycles past their due date
/// with self-assessments missing, and follow-ups come with actions still open; on the board's
/// agenda, an overview ready to go to it and a follow-up due. (Each agency's own
/// self-assessment is on its lead's home page through `crate::returns::attention`.)
pub async fn attention(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let s = a.signed();
    let (today, board) = match a {
        Audience::Group { group, day, .. } => (*day, group.group.kind == "board"),
        Audience::Person(_) => (Utc::now().date_naive(), false),
    };
    let concerned = match a {
        Audience::Group { .. } => board,
        Audience::Person(_) => can_run(&s.actor),
    };
    if !concerned {
        return Ok(Vec::new());
    }
    let refd = s.reference(&st.db).await?;
    let rule = refd.rules.iter().find(|r| r.slug == "section11-follow-up");
    let mut out = Vec::new();
    for c in section11::cycles(&st.db, s.pid()).await? {
        let href = format!("/section11/{}", c.cycle.id);
        let title = &c.cycle.title;
        match c.cycle.board_on {
            None if c.answered == c.asked || c.cycle.due_on.date() <= today => {
                let missing = c.asked - c.answered;
                out.push(Attention {
                    kind: "section11",
                    text: if board {
                        format!("Section 11 overview: “{title}”")
                    } else {
                        format!(
                            "Section 11 “{title}”: {} of {} self-assessments in",
                            c.answered, c.asked
                        )
                    },
                    detail: format!("Self-assessments were due {}", c.cycle.due_on.long()),
                    href,
                    tag: (missing > 0).then(|| (format!("{missing} missing"), "red")),
                });
            }
            Some(on) => {
                let Some(due) = rule.map(|r| r.due_date(&refd.calendar, on.date())) else {
                    continue;
                };
                // A follow-up within the month ahead, or come and not yet a year old.
                if due > today + chrono::Duration::days(31)
                    || due < today - chrono::Duration::days(365)
                {
                    continue;
                }
                let open = learnloop_store::actions::for_source(
                    &st.db,
                    s.pid(),
                    SourceKind::Section11,
                    &c.cycle.id,
                )
                .await?
                .iter()
                .filter(|a| a.status.is_open())
                .count();
                if open == 0 {
                    continue;
                }
                out.push(Attention {
                    kind: "section11",
                    text: format!(
                        "Section 11 follow-up of “{title}”: {open} improvement actions still open"
                    ),
                    detail: format!(
                        "Six months after the board: {}",
                        learnloop_store::Day(due).long()
                    ),
                    href: format!("{href}#improvements"),
                    tag: (due <= today).then(|| ("Follow-up due".to_owned(), "orange")),
                });
            }
            None => {}
        }
    }
    Ok(out)
}
