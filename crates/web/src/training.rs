//! Training: the programme (`/training`), courses and their sessions, bookings with a waiting
//! list, offers of freed places by a link in a mail, attendance and the certificate of
//! attendance. The rules are `domain::training`'s; the locking and the mails `store::training`'s.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{Datelike, Duration, NaiveDateTime, Utc};
use learnloop_domain::accounts::{Email, Role};
use learnloop_domain::policy::Permission;
use learnloop_domain::text::{check_name, check_text_block};
use learnloop_domain::training::{
    BookingState, CourseKind, Level, can_book_for, can_book_self, can_manage, can_run_session,
    check_session, parse,
};
use learnloop_govuk::{
    Checkboxes, ChoiceItem, DateInput, ErrorSummary, Input, Radios, Select, SelectItem, Textarea,
};
use learnloop_store::training::{
    self, Booker, BookingLine, Course, CourseInput, Mailer, SessionInput, SessionLine,
};
use learnloop_store::{StoreError, WallTime, is_id};

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, render, render_status};
use crate::session::{Signed, Visitor};
use crate::web::redirect_with;

mod needs;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/training", get(programme))
        .route("/training/report", get(report))
        .route("/training/report.csv", get(report_export::<false>))
        .route("/training/report.xlsx", get(report_export::<true>))
        .route("/training/courses/new", get(new_course).post(add_course))
        .route("/training/courses/{id}", get(course_page))
        .route("/training/courses/{id}/sessions", post(add_session))
        .route("/training/sessions/{id}", get(session_page))
        .route("/training/sessions/{id}/book", post(book))
        .route("/training/sessions/{id}/attendance", post(attendance))
        .route("/training/bookings/{id}/cancel", post(cancel))
        .route("/training/bookings/{id}/certificate", get(certificate))
        .route(
            "/training/evaluations/{id}",
            get(evaluation_page).post(evaluate),
        )
        .route(
            "/training/offers/{secret}",
            get(offer_page::<false>).post(answer_offer),
        )
        .route(
            "/training/approvals/{secret}",
            get(offer_page::<true>).post(answer_approval),
        )
        .route("/training/agency", get(agency_page))
        .merge(needs::routes())
}

fn mailer(st: &AppState) -> Mailer<'_> {
    Mailer {
        key: &st.config.key,
        public_url: &st.config.public_url,
    }
}

fn to(st: &AppState, path: &str, flash: Flash) -> Response {
    redirect_with(path, flash, st.config.secure_cookies())
}

/// When a session runs, as people read it: "Tuesday 12 January 2027, 10:00 to 12:00".
fn when(s: &SessionLine) -> String {
    let start = s.session.starts_at.0;
    let end = start + Duration::minutes(s.session.length_minutes);
    format!(
        "{}, {} to {}",
        start.format("%A %-d %B %Y"),
        start.format("%H:%M"),
        end.format("%H:%M")
    )
}

fn now_wall() -> WallTime {
    // London's wall clock now: an hour ahead of UTC in summer.
    let utc = Utc::now();
    let plus = utc.naive_utc() + Duration::hours(1);
    WallTime(if learnloop_domain::dates::london_to_utc(plus) == utc {
        plus
    } else {
        utc.naive_utc()
    })
}

// ---- the programme ----

struct SessionRow {
    id: String,
    course: String,
    when: String,
    left: i64,
    waiting: i64,
}

fn session_row(s: &SessionLine) -> SessionRow {
    SessionRow {
        id: s.session.id.clone(),
        course: s.course.clone(),
        when: when(s),
        left: (s.session.capacity - s.holding).max(0),
        waiting: s.waiting,
    }
}

struct CourseRow {
    id: String,
    title: String,
    kind: &'static str,
    level: &'static str,
    upcoming: i64,
}

struct MineRow {
    id: String,
    session_id: String,
    course: String,
    when: String,
    state: &'static str,
    tag: &'static str,
    attended: bool,
}

#[derive(Template)]
#[template(path = "training/programme.html")]
struct ProgrammePage {
    chrome: Chrome,
    can_manage: bool,
    /// The year's report: who runs the programme, and the independent chair.
    can_report: bool,
    /// The single-agency training register: the business team and the independent chair.
    can_register: bool,
    /// An agency lead: their staff's bookings.
    leads: bool,
    upcoming: Vec<SessionRow>,
    courses: Vec<CourseRow>,
    mine: Vec<MineRow>,
}

async fn programme(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    let now = now_wall();
    let upcoming = training::upcoming(&st.db, s.pid(), now, 50).await?;
    let courses = training::courses(&st.db, s.pid(), now).await?;
    let mine = training::my_bookings(&st.db, s.pid(), &s.person.id).await?;
    render(&ProgrammePage {
        chrome: s.chrome("/training"),
        can_manage: can_manage(&s.actor),
        can_report: can_manage(&s.actor) || s.actor.has(Role::IndependentChair),
        can_register: s.actor.has(Role::BusinessTeam) || s.actor.has(Role::IndependentChair),
        leads: s.actor.agencies_led().next().is_some(),
        upcoming: upcoming.iter().map(session_row).collect(),
        courses: courses
            .into_iter()
            .map(|c| CourseRow {
                id: c.course.id,
                title: c.course.title,
                kind: c.course.kind.label(),
                level: c.course.level.label(),
                upcoming: c.upcoming,
            })
            .collect(),
        mine: mine
            .into_iter()
            .map(|b| MineRow {
                when: format!(
                    "{} at {}",
                    learnloop_domain::dates::long(b.starts_at.0.date()),
                    b.starts_at.time()
                ),
                id: b.id,
                session_id: b.session_id,
                course: b.course,
                state: b.state.label(),
                tag: b.state.tag_class(),
                attended: b.state == BookingState::Attended,
            })
            .collect(),
    })
}

// ---- courses ----

#[derive(Template)]
#[template(path = "training/course_form.html")]
struct CourseFormPage {
    chrome: Chrome,
    errors: ErrorSummary,
    /// What the course will answer, carried in the form: (kind:id, description).
    answers: Vec<(String, Answer)>,
    themes: Checkboxes,
    title: Input,
    kind: Select,
    level: Radios,
    outcomes: Textarea,
    audience: Input,
    description: Textarea,
}

/// A recommendation or action a course answers, as the signed-in person may see it.
struct Answer {
    text: String,
    href: Option<String>,
}

/// Describes what a course answers without showing anything the person may not read: an
/// action's words only to who may read the action, a recommendation by its number and its
/// source's title (which never carries restricted content), linked to the source's own page.
async fn describe(st: &AppState, s: &Signed, kind: &str, id: &str) -> AppResult<Option<Answer>> {
    if !is_id(id) {
        return Ok(None);
    }
    match kind {
        "action" => {
            let Some(line) = learnloop_store::actions::line(&st.db, s.pid(), id).await? else {
                return Ok(None);
            };
            let readable =
                learnloop_domain::actions::can_read(&s.actor, &crate::actions::scope(&line.action));
            Ok(Some(if readable {
                Answer {
                    text: format!("Action: {}", line.action.description),
                    href: Some(format!("/actions/{id}")),
                }
            } else {
                Answer {
                    text: "An action you do not have access to".to_owned(),
                    href: None,
                }
            }))
        }
        "recommendation" => {
            let Some(r) = learnloop_store::recommendations::get(&st.db, s.pid(), id).await? else {
                return Ok(None);
            };
            let source = crate::sources::resolve(st, s, r.source_kind, &r.source_id).await?;
            Ok(Some(Answer {
                text: format!(
                    "Recommendation {} of {}",
                    r.number,
                    source.as_ref().map_or("its source", |x| x.title.as_str())
                ),
                href: source.and_then(|x| x.href),
            }))
        }
        "need" => {
            let Some(n) = training::needs::get(&st.db, s.pid(), id).await? else {
                return Ok(None);
            };
            // The needs assessment is for who runs the programme and the chair: others read
            // the need without the way to the assessment.
            let reads = can_manage(&s.actor) || s.actor.has(Role::IndependentChair);
            Ok(Some(Answer {
                text: format!("Training need ({}): {}", n.year, n.need),
                href: reads.then(|| format!("/training/needs?year={}#need-{id}", n.year)),
            }))
        }
        _ => Ok(None),
    }
}

/// The (kind, id) pairs a form carries in `answers` as `kind:id`.
fn carried(f: &FormPairs) -> Vec<(String, String)> {
    f.all("answers")
        .iter()
        .filter_map(|a| a.split_once(':'))
        .filter(|(k, id)| training::ANSWERABLE.contains(k) && is_id(id))
        .map(|(k, id)| (k.to_owned(), id.to_owned()))
        .take(20)
        .collect()
}

async fn course_form(
    st: &AppState,
    s: &Signed,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<CourseFormPage> {
    use learnloop_domain::stored::Slug;
    let mut answers = Vec::new();
    for (kind, id) in carried(f) {
        if let Some(a) = describe(st, s, &kind, &id).await? {
            answers.push((format!("{kind}:{id}"), a));
        }
    }
    let refd = s.reference(&st.db).await?;
    Ok(CourseFormPage {
        chrome: s.chrome("/training"),
        errors: errors.summary(),
        answers,
        themes: Checkboxes::new(
            "theme",
            "Themes",
            refd.themes
                .iter()
                .map(|t| ChoiceItem::new(t.id.clone(), t.name.clone())),
        )
        .hint("Optional")
        .values(f.all("theme"))
        .error(errors.get("theme")),

        title: Input::new("title", "Title").filled(f, errors),
        kind: Select::new(
            "kind",
            "Kind of learning",
            std::iter::once(SelectItem::new("", "Choose a kind")).chain(
                CourseKind::ALL
                    .iter()
                    .map(|k| SelectItem::new(k.slug(), k.label())),
            ),
        )
        .filled(f, errors),
        level: Radios::new(
            "level",
            "Level of responsibility",
            Level::ALL
                .iter()
                .map(|l| ChoiceItem::new(l.slug(), l.label()).hint(l.provided_by())),
        )
        .value(f.get("level"))
        .error(errors.get("level")),
        outcomes: Textarea::new("outcomes", "Learning outcomes")
            .hint("What participants will be able to do afterwards, one a line. Participants rate their confidence against each.")
            .rows(5)
            .filled(f, errors),
        audience: Input::new("audience", "Who it is for")
            .hint("For example, front-line staff of every agency who work with families")
            .filled(f, errors),
        description: Textarea::new("description", "Description")
            .hint("Optional")
            .rows(4)
            .filled(f, errors),
    })
}

#[derive(serde::Deserialize, Default)]
struct Asked {
    #[serde(default)]
    recommendation: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    need: String,
}

/// The course form; from a recommendation or an action (`?recommendation=` or `?action=`),
/// it answers that one.
async fn new_course(
    State(st): State<AppState>,
    s: Signed,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> AppResult<Response> {
    if !can_manage(&s.actor) {
        return Err(AppError::Forbidden);
    }
    let q: Asked = crate::web::query_params(q.as_deref());
    let mut f = FormPairs::default();
    if !q.recommendation.is_empty() {
        f.0.push((
            "answers".into(),
            format!("recommendation:{}", q.recommendation),
        ));
    }
    if !q.action.is_empty() {
        f.0.push(("answers".into(), format!("action:{}", q.action)));
    }
    if !q.need.is_empty() {
        f.0.push(("answers".into(), format!("need:{}", q.need)));
    }
    render(&course_form(&st, &s, &f, &Errors::default()).await?)
}

fn parse_course(f: &FormPairs, errors: &mut Errors) -> Option<CourseInput> {
    let title = errors.check("title", check_name(&f.get("title"), "course title", 200));
    let kind = parse(&CourseKind::ALL, &f.get("kind"));
    if kind.is_none() {
        errors.add("kind", "Choose the kind of learning");
    }
    let level = parse(&Level::ALL, &f.get("level"));
    if level.is_none() {
        errors.add("level", "Choose the level of responsibility");
    }
    let outcomes: Vec<String> = f
        .get("outcomes")
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    if outcomes.is_empty() {
        errors.add("outcomes", "Enter at least one learning outcome");
    } else if outcomes.len() > 12 {
        errors.add("outcomes", "Enter no more than 12 learning outcomes");
    } else if outcomes.iter().any(|o| o.chars().count() > 300) {
        errors.add("outcomes", "Keep each learning outcome to 300 characters");
    } else if outcomes
        .iter()
        .any(|o| o.chars().any(|c| c.is_control() && c != '\t'))
    {
        errors.add(
            "outcomes",
            "The learning outcomes must not contain control characters",
        );
    }
    let audience = errors.check("audience", check_name(&f.get("audience"), "audience", 300));
    let description = if f.get("description").trim().is_empty() {
        Some(String::new())
    } else {
        errors.check(
            "description",
            check_text_block(&f.get("description"), "description", 4000),
        )
    };
    Some(CourseInput {
        title: title?,
        kind: kind?,
        level: level?,
        outcomes,
        audience: audience?,
        description: description?,
        answers: carried(f),
        themes: f
            .all("theme")
            .into_iter()
            .filter(|t| is_id(t))
            .take(20)
            .collect(),
    })
    .filter(|_| errors.is_empty())
}

async fn add_course(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    if !can_manage(&s.actor) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Errors::default();
    if let Some(c) = parse_course(&f, &mut errors) {
        match training::add_course(&st.db, &s.who(), s.pid(), &c).await {
            Ok(id) => {
                return Ok(to(
                    &st,
                    &format!("/training/courses/{id}"),
                    Flash::CourseAdded,
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("theme", m),
            Err(StoreError::NotFound) => errors.add(
                "theme",
                "Choose themes from the list; a recommendation or action it answers is no longer there",
            ),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &course_form(&st, &s, &f, &errors).await?,
    )
}

#[derive(Template)]
#[template(path = "training/course.html")]
struct CoursePage {
    chrome: Chrome,
    errors: ErrorSummary,
    course: Course,
    answers: Vec<Answer>,
    themes: Vec<String>,
    /// The three-month follow-up: (participants asked, answered; managers asked, answered).
    follow_up: (i64, i64, i64, i64),
    /// Its answers, for who runs the programme: (from a line manager, answers, session day).
    follow_up_answers: Vec<(bool, Vec<String>, String)>,
    /// The end-of-session evaluations: asked, sent in, and the mean ratings people read:
    /// usefulness, then each outcome's confidence before and after.
    evaluated: (i64, i64),
    usefulness: String,
    confidence: Vec<(String, String, String)>,
    sessions: Vec<SessionRow>,
    can_manage: bool,
    on: DateInput,
    time: Input,
    length: Input,
    venue: Input,
    link: Input,
    trainer: Select,
    trainer_name: Input,
    capacity: Input,
}

async fn load_course(st: &AppState, s: &Signed, id: &str) -> AppResult<Course> {
    s.require(Permission::ViewPartnership)?;
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    training::course(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn course_view(
    st: &AppState,
    s: &Signed,
    course: Course,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<CoursePage> {
    let sessions = training::sessions(&st.db, s.pid(), &course.id, now_wall()).await?;
    let trainers = training::trainers(&st.db, s.pid()).await?;
    let mut answers = Vec::new();
    for (kind, id) in training::answers_of(&st.db, s.pid(), &course.id).await? {
        if let Some(a) = describe(st, s, &kind, &id).await? {
            answers.push(a);
        }
    }
    let themes = learnloop_store::themes::themes_of(&st.db, s.pid(), "course", &course.id)
        .await?
        .into_iter()
        .map(|t| t.name)
        .collect();
    let ((asked, sent, means), follow_up) = course_results(st, s.pid(), &course.id).await?;
    let mean = |i: usize| {
        means
            .get(i)
            .copied()
            .flatten()
            .map_or_else(|| "-".to_owned(), |m| format!("{m:.1}"))
    };
    let confidence = course
        .outcomes
        .0
        .iter()
        .enumerate()
        .map(|(k, o)| (o.clone(), mean(1 + 2 * k), mean(2 + 2 * k)))
        .collect();
    let usefulness = mean(0);
    // The answers: the business team, and trainers who delivered a session of the course.
    let delivered = s.actor.has(Role::Trainer)
        && training::delivers(&st.db, s.pid(), &course.id, &s.person.id).await?;
    let follow_up_answers =
        if s.actor.has(Role::BusinessTeam) || (s.actor.has(Role::Trainer) && delivered) {
            training::follow_up_answers(&st.db, s.pid(), &course.id)
                .await?
                .into_iter()
                .map(|(manager, a, at)| (manager, a.0, learnloop_domain::dates::long(at.date())))
                .collect()
        } else {
            Vec::new()
        };
    Ok(CoursePage {
        chrome: s.chrome("/training"),
        errors: errors.summary(),
        answers,
        themes,
        follow_up,
        follow_up_answers,
        evaluated: (asked, sent),
        usefulness,
        confidence,
        sessions: sessions.iter().map(session_row).collect(),
        can_manage: can_manage(&s.actor),
        on: crate::audits::date_field(f, errors, "on", "Date"),
        time: Input::new("time", "Start time")
            .hint("24-hour clock, for example 09:30")
            .width_class("govuk-input--width-5")
            .filled(f, errors),
        length: Input::new("length", "Length in minutes")
            .inputmode("numeric")
            .width_class("govuk-input--width-3")
            .filled(f, errors),
        venue: Input::new("venue", "Venue")
            .hint("Leave empty if the session is online only")
            .filled(f, errors),
        link: Input::new("link", "Online link")
            .hint("Optional")
            .spellcheck(false)
            .filled(f, errors),
        trainer: Select::new(
            "trainer",
            "Trainer",
            std::iter::once(SelectItem::new("", "A commissioned trainer (name below)")).chain(
                trainers
                    .iter()
                    .map(|(id, name)| SelectItem::new(id.clone(), name.clone())),
            ),
        )
        .filled(f, errors),
        trainer_name: Input::new("trainer_name", "Commissioned trainer's name")
            .hint("Only for a trainer from outside the partnership")
            .filled(f, errors),
        capacity: Input::new("capacity", "Places")
            .inputmode("numeric")
            .width_class("govuk-input--width-3")
            .filled(f, errors),
        course,
    })
}

/// What a course's evaluations and three-month follow-up show, in a sentence, for an impact
/// review that cites it.
pub(crate) async fn results(st: &AppState, pid: &str, course_id: &str) -> AppResult<String> {
    let ((asked, sent, means), (p_asked, p_answered, m_asked, m_answered)) =
        course_results(st, pid, course_id).await?;
    let pct = |a: i64, b: i64| if b > 0 { a * 100 / b } else { 0 };
    let mut out = if asked == 0 {
        "No evaluations asked for yet.".to_owned()
    } else {
        format!(
            "{sent} of {asked} evaluations sent in ({}%){}.",
            pct(sent, asked),
            means
                .first()
                .copied()
                .flatten()
                .map_or_else(String::new, |m| format!(", usefulness {m:.1} of 5"))
        )
    };
    if p_asked + m_asked == 0 {
        out.push_str(" Nobody has been followed up three months on yet.");
    } else {
        out.push_str(&format!(
            " Three months on, {p_answered} of {p_asked} participants ({}%) and {m_answered} of {m_asked} line managers ({}%) said how practice changed.",
            pct(p_answered, p_asked),
            pct(m_answered, m_asked)
        ));
    }
    Ok(out)
}

/// A course's evaluations (asked, sent in, the means of each rating) and follow-up rates
/// (participants asked and answered, managers asked and answered).
type Results = ((i64, i64, Vec<Option<f64>>), (i64, i64, i64, i64));
static RESULTS: crate::cache::Minute<(String, String), Results> = crate::cache::Minute::new(5000);

/// A course's results, counted at most once a minute per course on each server, and counted
/// again here as soon as an evaluation or a follow-up of the partnership is sent in to it.
async fn course_results(st: &AppState, pid: &str, course_id: &str) -> AppResult<Results> {
    let key = (pid.to_owned(), course_id.to_owned());
    Ok(RESULTS
        .get_or_load(key, async {
            Ok::<_, StoreError>((
                training::evaluation_summary(&st.db, pid, course_id).await?,
                training::follow_up_rates(&st.db, pid, course_id).await?,
            ))
        })
        .await?)
}

/// Forgets a partnership's course results after a training return is sent in or asked for, or
/// erased. (The answers themselves are read afresh on every view: an erased answer must not be
/// shown again by any server, and a minute's copy on another server would be.)
pub(crate) fn forget_results(pid: &str) {
    RESULTS.forget(|k| k.0 == pid);
}

async fn course_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let c = load_course(&st, &s, &id).await?;
    let f = FormPairs(vec![
        ("time".into(), "09:30".into()),
        ("length".into(), "180".into()),
        ("capacity".into(), "20".into()),
    ]);
    render(&course_view(&st, &s, c, &f, &Errors::default()).await?)
}

async fn add_session(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let c = load_course(&st, &s, &id).await?;
    if !can_manage(&s.actor) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Errors::default();
    let on = f.date("on", "the date of the session", &mut errors);
    if on.is_some_and(|d| d < Utc::now().date_naive()) {
        errors.add("on-day", "The session must be today or later");
    }
    let (time, length, _, link) = crate::governance::parse_when(&f, &mut errors);
    let venue: String = f
        .get("venue")
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect();
    let trainer = f.get("trainer");
    let trainers = training::trainers(&st.db, s.pid()).await?;
    let trainer_id = if trainer.is_empty() {
        None
    } else if trainers.iter().any(|(t, _)| *t == trainer) {
        Some(trainer)
    } else {
        errors.add("trainer", "Choose a trainer from the list");
        None
    };
    let trainer_name = f
        .get("trainer_name")
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect::<String>();
    if trainer_id.is_none() && trainer_name.is_empty() && errors.get("trainer").is_none() {
        errors.add(
            "trainer_name",
            "Enter the commissioned trainer's name, or choose a trainer of the partnership",
        );
    }
    let capacity = match check_session(&f.get("capacity"), &venue, &link) {
        Ok(n) => Some(n),
        Err((field, m)) => {
            errors.add(field, m);
            None
        }
    };
    if let (true, Some(on), Some(time), Some(length), Some(capacity)) =
        (errors.is_empty(), on, time, length, capacity)
    {
        let input = SessionInput {
            starts_at: WallTime(NaiveDateTime::new(on, time)),
            length_minutes: length,
            venue,
            online_link: link,
            trainer_id,
            trainer_name,
            capacity,
        };
        let sid = training::add_session(&st.db, &s.who(), s.pid(), &c.id, &input).await?;
        return Ok(to(
            &st,
            &format!("/training/sessions/{sid}"),
            Flash::SessionAdded,
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &course_view(&st, &s, c, &f, &errors).await?,
    )
}

// ---- a session and its bookings ----

struct BookingRow {
    id: String,
    person: String,
    agency: String,
    state: &'static str,
    tag: &'static str,
    booked_at: String,
    can_cancel: bool,
    /// Held a place: the trainer marks whether they came.
    markable: bool,
    attended: bool,
    no_show: bool,
    /// The signed-in person's own (cancelled with the button above the list).
    is_mine: bool,
}

#[derive(Template)]
#[template(path = "training/session.html")]
struct SessionPage {
    chrome: Chrome,
    errors: ErrorSummary,
    s: SessionLine,
    when: String,
    left: i64,
    started: bool,
    /// The signed-in person's own live booking, if any.
    mine: Option<(String, &'static str)>,
    /// Whether they hold a place (the online link is for them).
    has_place: bool,
    can_book_self: bool,
    manager: Input,
    /// The agency lead's staff, to book one of them.
    staff: Option<Select>,
    staff_manager: Input,
    rows: Vec<BookingRow>,
    /// Whether the person sees every booking (business team, the session's trainer).
    runs: bool,
}

struct LoadedSession {
    s: SessionLine,
    bookings: Vec<BookingLine>,
}

async fn load_session(st: &AppState, s: &Signed, id: &str) -> AppResult<LoadedSession> {
    s.require(Permission::ViewPartnership)?;
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let session = training::session(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bookings = training::bookings(&st.db, s.pid(), id).await?;
    Ok(LoadedSession {
        s: session,
        bookings,
    })
}

/// Whether the signed-in person may see (and cancel) a booking: their own, their agency's
/// (as its lead), or any for who runs the session.
fn sees(s: &Signed, runs: bool, b: &BookingLine) -> bool {
    runs || b.booking.person_id == s.person.id || can_book_for(&s.actor, &b.booking.agency_id)
}

async fn session_view(
    st: &AppState,
    s: &Signed,
    l: LoadedSession,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<SessionPage> {
    let runs = can_run_session(&s.actor, l.s.session.trainer_id.as_deref());
    let started = Utc::now() >= l.s.session.starts();
    let mine = l
        .bookings
        .iter()
        .find(|b| b.booking.person_id == s.person.id && b.booking.state.is_live())
        .map(|b| (b.booking.id.clone(), b.booking.state.label()));
    let led: Vec<&str> = s.actor.agencies_led().collect();
    let staff = match led.first() {
        Some(a) if !started => {
            let people = training::staff(&st.db, s.pid(), a).await?;
            Some(
                Select::new(
                    "person",
                    "Member of staff",
                    std::iter::once(SelectItem::new("", "Choose a person")).chain(
                        people
                            .into_iter()
                            .filter(|(id, _)| *id != s.person.id)
                            .map(|(id, name)| SelectItem::new(id, name)),
                    ),
                )
                .filled(f, errors),
            )
        }
        _ => None,
    };
    let rows = l
        .bookings
        .iter()
        .filter(|b| sees(s, runs, b))
        .map(|b| BookingRow {
            id: b.booking.id.clone(),
            person: b.person.clone(),
            agency: b.agency.clone(),
            state: b.booking.state.label(),
            tag: b.booking.state.tag_class(),
            booked_at: b
                .booking
                .booked_at
                .get(..10)
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .map(learnloop_domain::dates::long)
                .unwrap_or_default(),
            can_cancel: b.booking.state.is_live() && !started,
            markable: matches!(
                b.booking.state,
                BookingState::Confirmed | BookingState::Attended | BookingState::NoShow
            ),
            attended: b.booking.state == BookingState::Attended,
            no_show: b.booking.state == BookingState::NoShow,
            is_mine: b.booking.person_id == s.person.id,
        })
        .collect();
    Ok(SessionPage {
        chrome: s.chrome("/training"),
        errors: errors.summary(),
        when: when(&l.s),
        left: (l.s.session.capacity - l.s.holding).max(0),
        started,
        can_book_self: can_book_self(&s.actor) && mine.is_none() && !started,
        has_place: l.bookings.iter().any(|b| {
            b.booking.person_id == s.person.id
                && matches!(
                    b.booking.state,
                    BookingState::Confirmed
                        | BookingState::Offered
                        | BookingState::Approval
                        | BookingState::Attended
                )
        }),
        mine,
        manager: Input::new("manager", "Your line manager's email address")
            .hint(if s.partnership.training_approval {
                "They are sent a link to approve your place before it is confirmed, and asked three months after the session how your practice changed"
            } else {
                "They are asked, three months after the session, how your practice changed"
            })
            .input_type("email")
            .spellcheck(false)
            .filled(f, errors),
        staff,
        staff_manager: Input::new("staff_manager", "Their line manager's email address")
            .hint(if s.partnership.training_approval {
                "Not their own: the manager approves the place by a link, and is asked three months on how practice changed"
            } else {
                "Not their own: the manager is asked three months after the session how practice changed"
            })
            .input_type("email")
            .spellcheck(false)
            .filled(f, errors),
        rows,
        runs,
        s: l.s,
    })
}

async fn session_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = load_session(&st, &s, &id).await?;
    render(&session_view(&st, &s, l, &FormPairs::default(), &Errors::default()).await?)
}

async fn book(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load_session(&st, &s, &id).await?;
    let mut errors = Errors::default();
    let for_staff = !f.get("person").is_empty() || f.get("for") == "staff";
    let (person, agency, field) = if for_staff {
        let person = f.get("person");
        let led: Vec<String> = s.actor.agencies_led().map(str::to_owned).collect();
        if led.is_empty() {
            return Err(AppError::Forbidden);
        }
        let mut found = None;
        for a in &led {
            if training::staff(&st.db, s.pid(), a)
                .await?
                .iter()
                .any(|(p, _)| *p == person)
            {
                found = Some(a.clone());
                break;
            }
        }
        if found.is_none() {
            errors.add("person", "Choose a member of your agency's staff");
        }
        (person, found, "staff_manager")
    } else {
        if !can_book_self(&s.actor) {
            return Err(AppError::Forbidden);
        }
        let agency = s.actor.memberships.iter().find_map(|m| m.agency_id.clone());
        (s.person.id.clone(), agency, "manager")
    };
    let manager = errors.check(field, Email::parse(&f.get(field)));
    if let (true, Some(agency), Some(manager)) = (errors.is_empty(), agency, manager) {
        let b = Booker {
            person_id: &person,
            agency_id: &agency,
            manager_email: manager.as_str(),
        };
        match training::book(&st.db, &s.who(), s.pid(), &id, &b, Utc::now(), &mailer(&st)).await {
            Ok(state) => {
                return Ok(to(
                    &st,
                    &format!("/training/sessions/{id}"),
                    match state {
                        BookingState::Confirmed => Flash::PlaceBooked,
                        BookingState::Approval => Flash::PlaceAwaitsApproval,
                        _ => Flash::Waitlisted,
                    },
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add(field, m),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &session_view(&st, &s, l, &f, &errors).await?,
    )
}

/// A booking and its session, if the signed-in person may see it: their own, their agency's
/// (as its lead), or any for who runs the session.
async fn visible_booking(
    st: &AppState,
    s: &Signed,
    id: &str,
) -> AppResult<(BookingLine, SessionLine)> {
    s.require(Permission::ViewPartnership)?;
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let b = training::booking(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let session = training::session(&st.db, s.pid(), &b.booking.session_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let runs = can_run_session(&s.actor, session.session.trainer_id.as_deref());
    if !sees(s, runs, &b) {
        return Err(AppError::Forbidden);
    }
    Ok((b, session))
}

async fn cancel(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (b, _) = visible_booking(&st, &s, &id).await?;
    let back = format!("/training/sessions/{}", b.booking.session_id);
    match training::cancel(&st.db, &s.who(), s.pid(), &id, Utc::now(), &mailer(&st)).await {
        Ok(_) => Ok(to(&st, &back, Flash::BookingCancelled)),
        Err(StoreError::Conflict(m)) => {
            let l = load_session(&st, &s, &b.booking.session_id).await?;
            let mut errors = Errors::default();
            errors.add("bookings", m);
            render_status(
                StatusCode::CONFLICT,
                &session_view(&st, &s, l, &FormPairs::default(), &errors).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

async fn attendance(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load_session(&st, &s, &id).await?;
    if !can_run_session(&s.actor, l.s.session.trainer_id.as_deref()) {
        return Err(AppError::Forbidden);
    }
    let mut marks = Vec::new();
    for b in &l.bookings {
        let m = match f.get(&format!("mark-{}", b.booking.id)).as_str() {
            "attended" => BookingState::Attended,
            "no-show" => BookingState::NoShow,
            _ => continue,
        };
        marks.push((b.booking.id.clone(), m));
    }
    let mut errors = Errors::default();
    if marks.is_empty() {
        errors.add(
            "bookings",
            "Mark at least one person as attended or did not attend",
        );
    } else {
        match training::mark(
            &st.db,
            &s.who(),
            s.pid(),
            &id,
            &marks,
            Utc::now(),
            &mailer(&st),
        )
        .await
        {
            Ok(_) => {
                // Attending asks for an evaluation: the course's counts change.
                forget_results(s.pid());
                return Ok(to(
                    &st,
                    &format!("/training/sessions/{id}"),
                    Flash::AttendanceSaved,
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("bookings", m),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &session_view(&st, &s, l, &f, &errors).await?,
    )
}

// ---- the certificate ----

#[derive(Template)]
#[template(path = "training/certificate.html")]
struct CertificatePage {
    chrome: Chrome,
    person: String,
    agency: String,
    course: String,
    level: &'static str,
    outcomes: Vec<String>,
    when: String,
    partnership: String,
}

async fn certificate(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (b, session) = visible_booking(&st, &s, &id).await?;
    if b.booking.state != BookingState::Attended {
        return Err(AppError::NotFound);
    }
    let course = training::course(&st.db, s.pid(), &session.session.course_id)
        .await?
        .ok_or(AppError::NotFound)?;
    render(&CertificatePage {
        chrome: s.chrome("/training"),
        person: b.person,
        agency: b.agency,
        level: course.level.label(),
        outcomes: course.outcomes.0,
        course: course.title,
        when: when(&session),
        partnership: s.partnership.name.clone(),
    })
}

// ---- an agency's bookings, for its lead ----

struct AgencyRow {
    id: String,
    session_id: String,
    person: String,
    course: String,
    when: String,
    state: &'static str,
    tag: &'static str,
    attended: bool,
}

struct AgencyBlock {
    name: String,
    /// How the last year's bookings stand: (state, count).
    counts: Vec<(&'static str, i64)>,
    no_shows: i64,
    rows: Vec<AgencyRow>,
}

#[derive(Template)]
#[template(path = "training/agency.html")]
struct AgencyPage {
    chrome: Chrome,
    agencies: Vec<AgencyBlock>,
}

/// An agency lead's view of their staff's bookings and attendance: the latest bookings, and
/// how the last year's stand (attended, no-shows and late cancellations, which some
/// partnerships charge for).
async fn agency_page(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    let led: Vec<String> = s.actor.agencies_led().map(str::to_owned).collect();
    if led.is_empty() {
        return Err(AppError::Forbidden);
    }
    let refd = s.reference(&st.db).await?;
    let mut agencies = Vec::new();
    for a in led.iter().take(10) {
        let (rows, counts) =
            training::agency_bookings(&st.db, s.pid(), a, Utc::now() - Duration::days(365), 50)
                .await?;
        agencies.push(AgencyBlock {
            name: refd
                .agencies
                .iter()
                .find(|x| &x.id == a)
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            no_shows: counts
                .iter()
                .filter(|(st, _)| st.is_no_show())
                .map(|(_, n)| n)
                .sum(),
            counts: counts.iter().map(|(st, n)| (st.label(), *n)).collect(),
            rows: rows
                .into_iter()
                .map(|b| AgencyRow {
                    when: format!(
                        "{} at {}",
                        learnloop_domain::dates::long(b.booking.starts_at.0.date()),
                        b.booking.starts_at.time()
                    ),
                    attended: b.booking.state == BookingState::Attended,
                    state: b.booking.state.label(),
                    tag: b.booking.state.tag_class(),
                    id: b.booking.id,
                    session_id: b.booking.session_id,
                    person: b.person,
                    course: b.booking.course,
                })
                .collect(),
        });
    }
    render(&AgencyPage {
        chrome: s.chrome("/training"),
        agencies,
    })
}

// ---- an offered place, through the mail's link ----

#[derive(Template)]
#[template(path = "training/offer.html")]
struct OfferPage {
    chrome: Chrome,
    /// A line manager's approval of a place, rather than an offer of one.
    approval: bool,
    person: String,
    secret: String,
    course: String,
    when: String,
    until: String,
    /// What happened, once answered (or why the link no longer works).
    outcome: Option<String>,
}

fn offer_outcome(
    v: &Visitor,
    approval: bool,
    status: StatusCode,
    outcome: &str,
) -> AppResult<Response> {
    render_status(
        status,
        &OfferPage {
            chrome: v.chrome("/training"),
            approval,
            person: String::new(),
            secret: String::new(),
            course: String::new(),
            when: String::new(),
            until: String::new(),
            outcome: Some(outcome.to_owned()),
        },
    )
}

const USED: &str = "This link has been used already, or is not a whole link: each offer's link works once. Look at your bookings in Learnloop.";
const APPROVAL_USED: &str =
    "This link has been used already, or is not a whole link: each approval link works once.";
const APPROVAL_RAN_OUT: &str =
    "This link has run out and the place has gone to the next person waiting.";

/// The page an offer's link (APPROVAL false) or a line manager's approval link opens.
async fn offer_page<const APPROVAL: bool>(
    State(st): State<AppState>,
    v: Visitor,
    Path(secret): Path<String>,
) -> AppResult<Response> {
    let used = if APPROVAL { APPROVAL_USED } else { USED };
    let o = match training::offer(&st.db, &secret).await {
        Ok(o) => o,
        Err(StoreError::NotFound) => {
            return offer_outcome(&v, APPROVAL, StatusCode::NOT_FOUND, used);
        }
        Err(e) => return Err(e.into()),
    };
    let wanted = if APPROVAL {
        BookingState::Approval
    } else {
        BookingState::Offered
    };
    if o.booking.state != wanted {
        return offer_outcome(&v, APPROVAL, StatusCode::NOT_FOUND, used);
    }
    let until = o
        .booking
        .offered_until
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| {
            let t = t.with_timezone(&Utc);
            let plus = t.naive_utc() + Duration::hours(1);
            let wall = if learnloop_domain::dates::london_to_utc(plus) == t {
                plus
            } else {
                t.naive_utc()
            };
            wall.format("%-d %B %Y at %H:%M").to_string()
        })
        .unwrap_or_default();
    if o.booking
        .offered_until
        .as_deref()
        .is_some_and(|u| u <= learnloop_store::ts(Utc::now()).as_str())
    {
        return offer_outcome(
            &v,
            APPROVAL,
            StatusCode::GONE,
            if APPROVAL {
                APPROVAL_RAN_OUT
            } else {
                "This offer has run out and the place has gone to the next person on the waiting list."
            },
        );
    }
    render(&OfferPage {
        chrome: v.chrome("/training"),
        approval: APPROVAL,
        person: o.person.clone(),
        secret,
        course: o.session.course.clone(),
        when: when(&o.session),
        until,
        outcome: None,
    })
}

async fn answer_offer(
    State(st): State<AppState>,
    v: Visitor,
    Path(secret): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let take = match f.get("answer").as_str() {
        "take" => true,
        "decline" => false,
        _ => return Err(AppError::BadRequest("answer: take or decline".into())),
    };
    match training::answer_offer(&st.db, &secret, take, Utc::now(), &mailer(&st)).await {
        Ok(o) => offer_outcome(
            &v,
            false,
            StatusCode::OK,
            &if take {
                format!(
                    "The place is yours: {} on {}. It is in your bookings in Learnloop.",
                    o.session.course,
                    when(&o.session)
                )
            } else {
                "You have turned the place down; it is offered to the next person on the waiting list.".to_owned()
            },
        ),
        Err(StoreError::NotFound) => offer_outcome(&v, false, StatusCode::NOT_FOUND, USED),
        Err(StoreError::Conflict(m)) => {
            offer_outcome(&v, false, StatusCode::GONE, &format!("{m}."))
        }
        Err(e) => Err(e.into()),
    }
}

/// A line manager approves a place, or turns it down, through the link mailed to them; they
/// need no account.
async fn answer_approval(
    State(st): State<AppState>,
    v: Visitor,
    Path(secret): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let approve = match f.get("answer").as_str() {
        "approve" => true,
        "decline" => false,
        _ => return Err(AppError::BadRequest("answer: approve or decline".into())),
    };
    match training::answer_approval(&st.db, &secret, approve, Utc::now(), &mailer(&st)).await {
        Ok(o) => offer_outcome(
            &v,
            true,
            StatusCode::OK,
            &if approve {
                format!(
                    "Thank you: {}'s place on {}, {}, is confirmed, and they have been told.",
                    o.person,
                    o.session.course,
                    when(&o.session)
                )
            } else {
                format!(
                    "Thank you: {}'s place has been released for someone else, and they have been told.",
                    o.person
                )
            },
        ),
        Err(StoreError::NotFound) => offer_outcome(&v, true, StatusCode::NOT_FOUND, APPROVAL_USED),
        Err(StoreError::Conflict(m)) => offer_outcome(&v, true, StatusCode::GONE, &m),
        Err(e) => Err(e.into()),
    }
}

// ---- the evaluation at the end of a session ----

#[derive(Template)]
#[template(path = "training/evaluation.html")]
struct EvaluationPage {
    chrome: Chrome,
    errors: ErrorSummary,
    booking: String,
    course: String,
    when: String,
    /// One set of radios for each rated line, then the closing question.
    ratings: Vec<Radios>,
    text: Textarea,
    /// Why there is nothing to fill in (not attended, sent already).
    outcome: Option<String>,
}

struct LoadedEvaluation {
    booking: BookingLine,
    session: SessionLine,
    ret: Option<(
        learnloop_store::returns::Return,
        learnloop_store::returns::QuestionSet,
    )>,
}

async fn load_evaluation(st: &AppState, s: &Signed, id: &str) -> AppResult<LoadedEvaluation> {
    s.require(Permission::ViewPartnership)?;
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let booking = training::booking(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Only the participant evaluates, their own.
    if booking.booking.person_id != s.person.id {
        return Err(AppError::Forbidden);
    }
    let session = training::session(&st.db, s.pid(), &booking.booking.session_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ret = training::evaluation(&st.db, s.pid(), id).await?;
    Ok(LoadedEvaluation {
        booking,
        session,
        ret,
    })
}

fn evaluation_view(
    s: &Signed,
    l: &LoadedEvaluation,
    f: &FormPairs,
    errors: &Errors,
) -> EvaluationPage {
    let outcome = match &l.ret {
        _ if l.booking.booking.state != BookingState::Attended => Some(
            "Only a session you attended can be evaluated: the trainer marks who came.".to_owned(),
        ),
        None => Some("No evaluation has been asked of this session.".to_owned()),
        Some((r, _)) if !r.state.is_open() => {
            Some("You have sent this evaluation already: thank you.".to_owned())
        }
        Some(_) => None,
    };
    let lines: Vec<String> = l
        .ret
        .as_ref()
        .map(|(_, q)| q.lines.0.clone())
        .unwrap_or_default();
    let rated = lines.len().saturating_sub(1);
    EvaluationPage {
        chrome: s.chrome("/training"),
        errors: errors.summary(),
        booking: l.booking.booking.id.clone(),
        course: l.session.course.clone(),
        when: when(&l.session),
        ratings: lines
            .iter()
            .take(rated)
            .enumerate()
            .map(|(i, q)| {
                let name = format!("rating-{}", i + 1);
                Radios::new(
                    name.clone(),
                    q.clone(),
                    training::SCALE.iter().map(|g| ChoiceItem::new(*g, *g)),
                )
                .inline()
                .hint("1 is not at all, 5 is very")
                .value(f.get(&name))
                .error(errors.get(&name))
            })
            .collect(),
        text: Textarea::new("text", lines.last().cloned().unwrap_or_default())
            .hint("Optional")
            .rows(4)
            .filled(f, errors),
        outcome,
    }
}

async fn evaluation_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = load_evaluation(&st, &s, &id).await?;
    render(&evaluation_view(
        &s,
        &l,
        &FormPairs::default(),
        &Errors::default(),
    ))
}

async fn evaluate(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load_evaluation(&st, &s, &id).await?;
    let page = evaluation_view(&s, &l, &f, &Errors::default());
    let Some((r, qs)) = l.ret.as_ref().filter(|_| page.outcome.is_none()) else {
        return render_status(StatusCode::CONFLICT, &page);
    };
    let mut errors = Errors::default();
    let rated = qs.lines.0.len().saturating_sub(1);
    let mut ratings = Vec::new();
    for (i, q) in qs.lines.0.iter().take(rated).enumerate() {
        let name = format!("rating-{}", i + 1);
        let v = f.get(&name);
        if training::SCALE.contains(&v.as_str()) {
            ratings.push(v);
        } else {
            errors.add(&name, format!("Rate “{q}” from 1 to 5"));
        }
    }
    let text = f.get("text");
    let text = if text.trim().is_empty() {
        Some(String::new())
    } else {
        errors.check("text", check_text_block(&text, "comment", 4000))
    };
    if let (true, Some(text)) = (errors.is_empty(), text) {
        ratings.push(String::new());
        let sent = training::evaluate(&st.db, &s.who(), s.pid(), &r.id, (&ratings, &text)).await;
        forget_results(s.pid());
        match sent {
            Ok(()) => return Ok(to(&st, "/training", Flash::EvaluationSent)),
            Err(StoreError::Conflict(m)) => errors.add("rating-1", m),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &evaluation_view(&s, &l, &f, &errors),
    )
}

// ---- the year's report ----

#[derive(Template)]
#[template(path = "training/report.html")]
struct ReportPage {
    chrome: Chrome,
    year: i32,
    years: Select,
    courses: Vec<Vec<String>>,
    agencies: Vec<Vec<String>>,
    /// Over the whole year: attended, follow-ups (participants, managers) asked and answered.
    totals: (i64, (i64, i64), (i64, i64)),
    /// When the figures were counted (London time).
    at: String,
    /// The year's needs: how many, how many met by a course; and those not yet met, most
    /// pressing first (what the report recommends the programme takes on): (need, priority).
    needs: (usize, usize),
    unmet: Vec<(String, &'static str)>,
    /// The year's single-agency training register: (round, asked, answered).
    register: Option<(String, i64, i64)>,
    /// Whether the register's round may be opened (the business team and the chair).
    opens_register: bool,
}

#[derive(serde::Deserialize, Default)]
struct YearQuery {
    #[serde(default)]
    year: String,
}

/// "3 of 4 (75%)", or a dash where nobody was asked.
fn rate((asked, answered): (i64, i64)) -> String {
    if asked == 0 {
        "-".to_owned()
    } else {
        format!("{answered} of {asked} ({}%)", answered * 100 / asked)
    }
}

/// The year's report as rows: by course, then by agency. Who may read it: the business team,
/// the independent chair and trainers.
async fn report_rows(
    st: &AppState,
    s: &Signed,
    q: Option<&str>,
) -> AppResult<(
    i32,
    Vec<Vec<String>>,
    Vec<Vec<String>>,
    ReportTotals,
    String,
)> {
    if !(can_manage(&s.actor) || s.actor.has(Role::IndependentChair)) {
        return Err(AppError::Forbidden);
    }
    let q: YearQuery = crate::web::query_params(q);
    let this = now_wall().0.date().year();
    let year = q
        .year
        .parse::<i32>()
        .ok()
        .filter(|y| (this - 20..=this + 1).contains(y))
        .unwrap_or(this);
    let start = |y: i32| {
        WallTime(
            chrono::NaiveDate::from_ymd_opt(y, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .unwrap_or_default(),
        )
    };
    let (courses, agencies, at) =
        cached_report(st, s.pid(), year, (start(year), start(year + 1))).await?;
    let mut totals = ReportTotals::default();
    let courses = courses
        .into_iter()
        .map(|c| {
            totals.0 += c.attended;
            totals.1.0 += c.participants.0;
            totals.1.1 += c.participants.1;
            totals.2.0 += c.managers.0;
            totals.2.1 += c.managers.1;
            vec![
                c.title,
                parse(&Level::ALL, &c.level)
                    .map_or("", Level::label)
                    .to_owned(),
                c.sessions.to_string(),
                c.attended.to_string(),
                c.no_shows.to_string(),
                rate(c.evaluations),
                c.usefulness
                    .map_or_else(|| "-".to_owned(), |u| format!("{u:.1}")),
                rate(c.participants),
                rate(c.managers),
            ]
        })
        .collect();
    let agencies = agencies
        .into_iter()
        .map(|a| {
            vec![
                a.agency,
                a.attended[0].to_string(),
                a.attended[1].to_string(),
                a.attended[2].to_string(),
                a.no_shows.to_string(),
                rate(a.participants),
                rate(a.managers),
            ]
        })
        .collect();
    Ok((year, courses, agencies, totals, at))
}

type ReportTotals = (i64, (i64, i64), (i64, i64));

type Report = (Vec<training::CourseYear>, Vec<training::AgencyYear>, String);

/// A year's report is counted from thousands of bookings and returns: it is counted at most
/// once a minute for each partnership and year on each server, and says when.
async fn cached_report(
    st: &AppState,
    pid: &str,
    year: i32,
    period: (WallTime, WallTime),
) -> AppResult<Report> {
    static REPORTS: crate::cache::Minute<(String, i32), Report> = crate::cache::Minute::new(2000);
    Ok(REPORTS
        .get_or_load((pid.to_owned(), year), async {
            let (courses, agencies) = training::report(&st.db, pid, period).await?;
            Ok::<Report, StoreError>((courses, agencies, now_wall().time()))
        })
        .await?)
}

const COURSE_COLUMNS: [&str; 9] = [
    "Course",
    "Level",
    "Sessions",
    "Attended",
    "Did not attend or cancelled late",
    "Evaluations sent in",
    "Usefulness (1 to 5)",
    "Participants answering the follow-up",
    "Line managers answering the follow-up",
];

async fn report(
    State(st): State<AppState>,
    s: Signed,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> AppResult<Response> {
    let (year, courses, agencies, totals, at) = report_rows(&st, &s, q.as_deref()).await?;
    let this = now_wall().0.date().year();
    let needs = training::needs::of_year(&st.db, s.pid(), i64::from(year)).await?;
    let met = needs.iter().filter(|(_, c)| !c.is_empty()).count();
    let unmet = needs
        .iter()
        .filter(|(_, c)| c.is_empty())
        .map(|(n, _)| (n.need.clone(), n.priority.label()))
        .collect();
    let register = learnloop_store::assurance::rounds(
        &st.db,
        s.pid(),
        learnloop_domain::assurance::RoundKind::TrainingRegister,
    )
    .await?
    .into_iter()
    .find(|r| r.round.year == i64::from(year))
    .map(|r| (r.round.id, r.asked, r.answered));
    render(&ReportPage {
        needs: (needs.len(), met),
        unmet,
        register,
        opens_register: s.actor.has(Role::BusinessTeam) || s.actor.has(Role::IndependentChair),
        chrome: s.chrome("/training"),
        years: Select::new(
            "year",
            "Year",
            (this - 9..=this)
                .rev()
                .map(|y| SelectItem::new(y.to_string(), y.to_string())),
        )
        .value(year.to_string()),
        year,
        courses,
        agencies,
        totals,
        at,
    })
}

/// The report's tables as one spreadsheet: the courses, then the agencies.
async fn report_export<const XLSX: bool>(
    State(st): State<AppState>,
    s: Signed,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> AppResult<Response> {
    let (year, courses, agencies, _, _) = report_rows(&st, &s, q.as_deref()).await?;
    let mut rows: Vec<Vec<String>> = courses
        .into_iter()
        .map(|mut r| {
            r.insert(0, "Course".to_owned());
            r
        })
        .collect();
    for a in agencies {
        // Agencies share the columns: name, then attendance by level, the rest as they are.
        rows.push(vec![
            "Agency".to_owned(),
            a[0].clone(),
            String::new(),
            String::new(),
            format!("{} / {} / {}", a[1], a[2], a[3]),
            a[4].clone(),
            String::new(),
            String::new(),
            a[5].clone(),
            a[6].clone(),
        ]);
    }
    learnloop_store::audit::record(
        &st.db,
        &s.who(),
        learnloop_store::audit::Event::new("training.export", "course", None)
            .summary(format!("Exported the training report for {year}")),
    )
    .await?;
    let mut header = vec!["Table"];
    header.extend(COURSE_COLUMNS);
    header[5] = "Attended (by agency: levels 1 / 2 / 3)";
    crate::uploads::spreadsheet(XLSX, ("training-report", "Training report"), &header, &rows)
}
