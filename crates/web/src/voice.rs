//! The voice of children and young people (`/voice`): the business team records the youth
//! forum's meetings with the partnership's chair, the engagement and consultation events (a
//! yearly target, a setting, counts them), and the priorities young people set each year. What
//! young people said that needs an answer is a recommendation whose source is the event, with
//! actions through the one action form; "you said, we did" (`/voice/you-said-we-did`) tells
//! young people, in plain words and on paper, what came of it. The voice page also gathers the
//! children's views recorded in audits and the family's involvement in reviews, each for whoever
//! may read its source.
//!
//! Events name young people by first name or group, so they are read by whoever reads the
//! partnership's action plans; everyone in the partnership reads the priorities and "you said,
//! we did", which are written to be shared with young people.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use learnloop_domain::audits::{AuditScope, can_read_all};
use learnloop_domain::child_deaths::{parse_year, year_bounds, year_label, year_of};
use learnloop_domain::policy::Permission;
use learnloop_domain::sources::SourceKind;
use learnloop_domain::stored::Slug;
use learnloop_domain::voice::{
    self as rules, EventKind, EventTyped, against_target, can_manage, reads_all,
};
use learnloop_govuk::{ChoiceItem, DateInput, ErrorSummary, Input, Radios, Textarea};
use learnloop_store::audit::{self, Event};
use learnloop_store::recommendations::{self, RecommendationLine};
use learnloop_store::voice::{self as store, Priority, VoiceEvent};
use learnloop_store::{StoreError, is_id};

use crate::AppState;
use crate::attention::{Attention, Audience};
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, render, render_status};
use crate::session::Signed;
use crate::web::redirect_with;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/voice", get(page))
        .route("/voice/you-said-we-did", get(you_said_we_did))
        .route("/voice/priorities", post(add_priority))
        .route("/voice/priorities/{id}/remove", post(remove_priority))
        .route("/voice/events/new", get(new_event).post(add_event))
        .route("/voice/events/{id}", get(show))
        .route("/voice/events/{id}/edit", get(edit_page).post(edit))
        .route("/voice/events/{id}/recommendations", post(recommend))
        .route("/voice/events/{id}/answers/{rec}", post(answer))
}

fn today() -> NaiveDate {
    learnloop_domain::dates::london_date(Utc::now())
}

/// The year (April to March) today is in.
pub(crate) fn this_year() -> i32 {
    year_of(today())
}

fn runs(s: &Signed) -> AppResult<()> {
    s.require(Permission::ViewPartnership)?;
    if can_manage(&s.actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(serde::Deserialize, Default)]
struct YearQuery {
    year: Option<String>,
    /// `show`: the family's involvement in the reviews, read (and recorded as read) on request.
    family: Option<String>,
}

/// The year asked for (April to March), or this one.
fn year_asked(q: &YearQuery) -> i32 {
    q.year
        .as_deref()
        .and_then(parse_year)
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| year_of(today()))
}

// ---- the voice page ----

struct AuditView {
    href: String,
    title: String,
    how: String,
    whom: String,
    said: String,
}

struct FamilyView {
    href: String,
    reference: String,
    text: String,
}

#[derive(Template)]
#[template(path = "voice/page.html")]
struct Page {
    chrome: Chrome,
    errors: ErrorSummary,
    year: i32,
    year_label: String,
    reads_all: bool,
    can_manage: bool,
    priorities: Vec<Priority>,
    events: Vec<VoiceEvent>,
    forum_count: usize,
    target_text: String,
    target_met: bool,
    audit_views: Vec<AuditView>,
    family: Vec<FamilyView>,
    family_shown: bool,
    priority: Input,
}

async fn page_view(
    st: &AppState,
    s: &Signed,
    (year, show_family): (i32, bool),
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<Page> {
    s.require(Permission::ViewPartnership)?;
    let all = reads_all(&s.actor);
    let bounds = year_bounds(year);
    let events = if all {
        store::events(&st.db, s.pid(), bounds).await?
    } else {
        Vec::new()
    };
    let counted = events.iter().filter(|e| e.kind.counts_to_target()).count();
    let target = store::target(&st.db, s.pid()).await?;
    let (target_text, target_met) =
        against_target(i64::try_from(counted).unwrap_or(i64::MAX), target);
    // Children's views in audits, for who reads the audit's report.
    let audit_views = if s.actor.can(Permission::ViewAudits) {
        store::audit_voices(&st.db, s.pid(), bounds)
            .await?
            .into_iter()
            .filter(|v| {
                can_read_all(
                    &s.actor,
                    &AuditScope {
                        group_id: v.group_id.clone(),
                        lead_person_id: v.lead_person_id.clone(),
                    },
                )
            })
            .map(|v| AuditView {
                href: format!("/audits/{}/report", v.audit_id),
                title: v.title,
                how: v.gathered_how,
                whom: v.from_whom,
                said: v.said,
            })
            .collect()
    } else {
        Vec::new()
    };
    // The family's involvement in reviews, for who reads the case in full: the cases are
    // listed, and what they say is shown only when asked for, each read recorded as reading
    // the case is (so opening the page reads no restricted case).
    let mut family = Vec::new();
    let is_bt = s.actor.has(learnloop_domain::accounts::Role::BusinessTeam);
    for r in store::family_involvement(&st.db, s.pid(), (&s.actor.person_id, is_bt), bounds).await?
    {
        if show_family {
            audit::record(
                &st.db,
                &s.who(),
                Event::new(
                    "case.read",
                    SourceKind::CaseReview.slug(),
                    Some(&r.review_id),
                )
                .summary(format!(
                    "Read the family's involvement in case {} on the voice page",
                    r.reference
                )),
            )
            .await?;
        }
        family.push(FamilyView {
            href: format!("/reviews/{}/review#terms", r.review_id),
            reference: r.reference,
            text: if show_family {
                r.family_involvement
            } else {
                String::new()
            },
        });
    }
    Ok(Page {
        chrome: s.chrome("/voice"),
        errors: errors.summary(),
        year,
        year_label: year_label(year),
        reads_all: all,
        can_manage: can_manage(&s.actor),
        priorities: store::priorities(&st.db, s.pid(), year).await?,
        forum_count: events.iter().filter(|e| e.kind == EventKind::Forum).count(),
        events,
        target_text,
        target_met,
        audit_views,
        family,
        family_shown: show_family,
        priority: Input::new("priority", "Add a priority young people set for this year")
            .hint("In their words, for example: feeling safe on the way to school")
            .filled(f, errors),
    })
}

async fn page(
    State(st): State<AppState>,
    s: Signed,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let year = year_asked(&q);
    let show = q.family.as_deref() == Some("show");
    render(
        &page_view(
            &st,
            &s,
            (year, show),
            &FormPairs::default(),
            &Errors::default(),
        )
        .await?,
    )
}

async fn add_priority(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    runs(&s)?;
    let year = parse_year(&f.get("year"))
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| year_of(today()));
    let mut errors = Errors::default();
    if let Some(body) = errors.check(
        "priority",
        learnloop_domain::text::check_name(&f.get("priority"), "priority", 300),
    ) {
        match store::add_priority(&st.db, &s.who(), s.pid(), (year, &body)).await {
            Ok(()) => {
                return Ok(redirect_with(
                    &format!("/voice?year={year}#priorities"),
                    Flash::PriorityAdded,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("priority", m),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page_view(&st, &s, (year, false), &f, &errors).await?,
    )
}

async fn remove_priority(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    runs(&s)?;
    if !is_id(&id) {
        return Err(AppError::NotFound);
    }
    match store::remove_priority(&st.db, &s.who(), s.pid(), &id).await {
        Ok(()) => Ok(redirect_with(
            &format!(
                "/voice?year={}#priorities",
                year_asked(&YearQuery {
                    year: Some(f.get("year")),
                    family: None,
                })
            ),
            Flash::PriorityRemoved,
            st.config.secure_cookies(),
        )),
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

// ---- you said, we did ----

struct Answer {
    heading: &'static str,
    text: String,
}

struct Said {
    body: String,
    topic: String,
    when: String,
    /// The business team's answer for young people, once written.
    answer: Option<String>,
    answers: Vec<Answer>,
}

#[derive(Template)]
#[template(path = "voice/you_said.html")]
struct YouSaidPage {
    chrome: Chrome,
    year: i32,
    year_label: String,
    items: Vec<Said>,
    priorities: Vec<Priority>,
}

async fn you_said_we_did(
    State(st): State<AppState>,
    s: Signed,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    let year = year_asked(&q);
    let (said, did) = store::you_said(&st.db, s.pid(), year_bounds(year)).await?;
    let items = said
        .into_iter()
        .map(|y| Said {
            answers: did
                .iter()
                .filter(|d| d.recommendation_id == y.id)
                .map(|d| {
                    let (heading, text) = rules::we_did(d.status, &d.description, d.due_on.0);
                    Answer { heading, text }
                })
                .collect(),
            answer: y.answer,
            body: y.body,
            topic: y.topic,
            when: y.held_on.0.format("%B %Y").to_string(),
        })
        .collect();
    render(&YouSaidPage {
        chrome: s.chrome("/voice"),
        year,
        year_label: year_label(year),
        items,
        priorities: store::priorities(&st.db, s.pid(), year).await?,
    })
}

// ---- events ----

#[derive(Template)]
#[template(path = "voice/event_form.html")]
struct EventForm {
    chrome: Chrome,
    errors: ErrorSummary,
    editing: Option<String>,
    kind: Radios,
    held: DateInput,
    topic: Input,
    took_part: Textarea,
    heard: Textarea,
}

fn event_form(s: &Signed, editing: Option<String>, f: &FormPairs, errors: &Errors) -> EventForm {
    EventForm {
        chrome: s.chrome("/voice"),
        errors: errors.summary(),
        editing,
        kind: Radios::new(
            "kind",
            "What kind of event was it?",
            EventKind::ALL.map(|k| ChoiceItem::new(k.slug(), k.label())),
        )
        .value(f.get("kind"))
        .error(errors.get("kind")),
        held: crate::audits::date_field(f, errors, "held", "Held on"),
        topic: Input::new("topic", "Topic")
            .hint("For example: feeling safe online")
            .filled(f, errors),
        took_part: Textarea::new("took_part", "Who took part")
            .hint("First names or groups only, never full names: for example, Year 9 pupils at two schools, or Amy, Jo and Sam from the Children in Care Council")
            .rows(2)
            .filled(f, errors),
        heard: Textarea::new("heard", "What was heard")
            .hint("What the young people said, in their words where you can")
            .rows(6)
            .filled(f, errors),
    }
}

fn read_event(f: &FormPairs, errors: &mut Errors) -> Option<rules::Event> {
    let held = f.optional_date("held", "the date it was held", errors);
    match rules::check_event(
        &EventTyped {
            kind: &f.get("kind"),
            held_on: held.flatten(),
            topic: &f.get("topic"),
            took_part: &f.get("took_part"),
            heard: &f.get("heard"),
        },
        today(),
    ) {
        Ok(e) if errors.is_empty() => Some(e),
        Ok(_) => None,
        Err(list) => {
            errors.add_all(list, &["held"]);
            None
        }
    }
}

async fn new_event(s: Signed) -> AppResult<Response> {
    runs(&s)?;
    render(&event_form(
        &s,
        None,
        &FormPairs::default(),
        &Errors::default(),
    ))
}

async fn add_event(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    runs(&s)?;
    let mut errors = Errors::default();
    if let Some(e) = read_event(&f, &mut errors) {
        let id = store::add_event(&st.db, &s.who(), s.pid(), &e).await?;
        return Ok(redirect_with(
            &SourceKind::VoiceEvent.path(&id),
            Flash::VoiceEventRecorded,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &event_form(&s, None, &f, &errors),
    )
}

async fn load(st: &AppState, s: &Signed, id: &str) -> AppResult<VoiceEvent> {
    s.require(Permission::ViewPartnership)?;
    if !reads_all(&s.actor) {
        return Err(AppError::Forbidden);
    }
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    store::get_event(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn edit_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let e = load(&st, &s, &id).await?;
    runs(&s)?;
    let mut f = FormPairs::from_values(&[
        ("kind", e.kind.slug()),
        ("topic", &e.topic),
        ("took_part", &e.took_part),
        ("heard", &e.heard),
    ]);
    f.push_date("held", Some(e.held_on.0));
    render(&event_form(&s, Some(e.id), &f, &Errors::default()))
}

async fn edit(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let before = load(&st, &s, &id).await?;
    runs(&s)?;
    let mut errors = Errors::default();
    if let Some(e) = read_event(&f, &mut errors) {
        store::update_event(&st.db, &s.who(), &before, &e).await?;
        return Ok(redirect_with(
            &SourceKind::VoiceEvent.path(&id),
            Flash::VoiceEventChanged,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &event_form(&s, Some(before.id), &f, &errors),
    )
}

/// One thing said at the event, with the answer for young people written (or being typed) and
/// what is wrong with it.
struct AnswerRow {
    id: String,
    number: i64,
    body: String,
    text: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "voice/event.html")]
struct EventPage {
    chrome: Chrome,
    errors: ErrorSummary,
    e: VoiceEvent,
    year: i32,
    recommendations: Vec<RecommendationLine>,
    /// Each thing said with the answer written so far.
    answers: Vec<AnswerRow>,
    open_actions: usize,
    can_manage: bool,
    can_plan_actions: bool,
    rec: crate::sources::RecFields,
}

async fn event_view(
    st: &AppState,
    s: &Signed,
    e: VoiceEvent,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<EventPage> {
    let refd = s.reference(&st.db).await?;
    let open_actions = crate::sources::open_actions(st, s, SourceKind::VoiceEvent, &e.id).await?;
    let mut rec = crate::sources::recommendation_fields(
        f,
        errors,
        refd.active_agencies()
            .into_iter()
            .map(|a| (a.id.clone(), a.name.clone())),
    );
    rec.body = learnloop_govuk::Textarea::new("recommendation", "You said")
        .hint("One thing the young people said that needs an answer, in their words. It becomes a recommendation to the partnership; its actions are the answer")
        .rows(3)
        .filled(f, errors);
    let recs = recommendations::for_source(&st.db, s.pid(), SourceKind::VoiceEvent, &e.id).await?;
    let written = store::answers(&st.db, s.pid(), &e.id).await?;
    let answers: Vec<AnswerRow> = recs
        .iter()
        .map(|r| {
            let typed = f.get("answer_for") == r.rec.id;
            let text = if typed {
                f.get("answer")
            } else {
                written
                    .iter()
                    .find(|(id, _)| *id == r.rec.id)
                    .map(|(_, a)| a.clone())
                    .unwrap_or_default()
            };
            AnswerRow {
                id: r.rec.id.clone(),
                number: r.rec.number,
                body: r.rec.body.clone(),
                text,
                error: typed
                    .then(|| errors.get("answer").map(ToOwned::to_owned))
                    .flatten(),
            }
        })
        .collect();
    // An answer's problem is linked from the summary to that answer's own box.
    let summary = match answers
        .iter()
        .find_map(|a| a.error.as_ref().map(|m| (a.number, m)))
    {
        Some((n, m)) => {
            let mut shown = Errors::default();
            shown.add(&format!("answer-{n}"), m.clone());
            shown.summary()
        }
        None => errors.summary(),
    };
    Ok(EventPage {
        chrome: s.chrome("/voice"),
        errors: summary,
        year: year_of(e.held_on.0),
        answers,
        recommendations: recs,
        open_actions,
        can_manage: can_manage(&s.actor),
        can_plan_actions: s.actor.can(Permission::ManageActions),
        rec,
        e,
    })
}

async fn show(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let e = load(&st, &s, &id).await?;
    render(&event_view(&st, &s, e, &FormPairs::default(), &Errors::default()).await?)
}

async fn recommend(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let e = load(&st, &s, &id).await?;
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
        (SourceKind::VoiceEvent, &e.id),
        &f,
        (&allowed, "Choose agencies of the partnership"),
    )
    .await?
    {
        Ok(()) => Ok(redirect_with(
            &format!("{}#recommendations", SourceKind::VoiceEvent.path(&id)),
            Flash::RecommendationAdded,
            st.config.secure_cookies(),
        )),
        Err(errors) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &event_view(&st, &s, e, &f, &errors).await?,
        ),
    }
}

/// The business team writes (or rewrites) the answer for young people to one thing they said.
async fn answer(
    State(st): State<AppState>,
    s: Signed,
    Path((id, rec)): Path<(String, String)>,
    f: FormPairs,
) -> AppResult<Response> {
    let e = load(&st, &s, &id).await?;
    runs(&s)?;
    if !is_id(&rec) {
        return Err(AppError::NotFound);
    }
    let mut errors = Errors::default();
    if let Some(text) = errors.check(
        "answer",
        learnloop_domain::text::check_text_block(&f.get("answer"), "answer for young people", 2000),
    ) {
        match store::set_answer(&st.db, &s.who(), &e, (&rec, &text)).await {
            Ok(()) => {
                return Ok(redirect_with(
                    &format!("{}#answers", SourceKind::VoiceEvent.path(&id)),
                    Flash::AnswerSaved,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(err) => return Err(err.into()),
        }
    }
    let f = FormPairs(vec![
        ("answer_for".to_owned(), rec),
        ("answer".to_owned(), f.get("answer")),
    ]);
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &event_view(&st, &s, e, &f, &errors).await?,
    )
}

/// On the business team's home page in the last quarter of the year (from January), while the
/// year's engagement and consultation events are short of the target.
pub async fn attention(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let Audience::Person(s) = a else {
        return Ok(Vec::new());
    };
    if !can_manage(&s.actor) {
        return Ok(Vec::new());
    }
    let day = today();
    let year = year_of(day);
    if day < year_bounds(year).0 + chrono::Duration::days(275) {
        return Ok(Vec::new());
    }
    let held = store::events(&st.db, s.pid(), year_bounds(year))
        .await?
        .iter()
        .filter(|e| e.kind.counts_to_target())
        .count();
    let target = store::target(&st.db, s.pid()).await?;
    let (text, met) = against_target(i64::try_from(held).unwrap_or(i64::MAX), target);
    if met {
        return Ok(Vec::new());
    }
    Ok(vec![Attention {
        kind: "voice",
        text: format!(
            "Engagement with young people in {}: {text}",
            year_label(year)
        ),
        detail: "The year ends on 31 March".to_owned(),
        href: "/voice".to_owned(),
        tag: None,
    }])
}
