//! Deadlines and the working-day calendar: the clock rules in force, a deadline calculator
//! with the timeline component that record pages show, bank holidays by year, and changes to
//! the holiday list (proposed by a business team, applied installation-wide by a system
//! administrator).

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate, Utc};
use learnloop_domain::clocks::{
    Calendar, ClockRule, ClockStatus, Direction, HolidayEditKind, Unit, evaluate,
};
use learnloop_domain::dates::{long, parse_parts};
use learnloop_domain::policy::Permission;
use learnloop_domain::text::check_name;
use learnloop_govuk::{ChoiceItem, DateInput, ErrorSummary, Input, Radios, Select, SelectItem};
use learnloop_store::clocks::{self as store, HolidayChange};
use learnloop_store::is_id;
use serde::Deserialize;

use crate::AppState;
use crate::attention::{Attention, Audience};
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, render, render_status};
use crate::session::Signed;
use crate::web::{query_params, redirect_with};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/clocks", get(overview))
        .route("/clocks/holidays", get(holidays).post(propose))
        .route("/clocks/holidays/{id}/apply", post(apply))
        .route("/clocks/holidays/{id}/reject", post(reject))
        .route("/clocks/rules/new", get(new_rule_page).post(save_rule))
        .route("/clocks/rules/{slug}/edit", get(edit_rule_page))
}

/// Items for home pages: holiday changes waiting for a system administrator.
pub async fn attention(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let Audience::Person(s) = a else {
        return Ok(Vec::new());
    };
    if !s.actor.can(Permission::ApplyHoliday) {
        return Ok(Vec::new());
    }
    let waiting = store::holiday_changes(&st.db)
        .await?
        .iter()
        .filter(|h| h.status == "proposed")
        .count();
    Ok(if waiting == 0 {
        Vec::new()
    } else {
        vec![Attention {
            kind: "holiday",
            detail: String::new(),
            text: format!(
                "{waiting} proposed bank holiday change{} to apply or reject",
                if waiting == 1 { "" } else { "s" }
            ),
            href: "/clocks/holidays".to_owned(),
            tag: Some(("To decide".to_owned(), "yellow")),
        }]
    })
}

/// One line of a record's timeline.
#[derive(Clone, Debug)]
pub struct ClockLine {
    pub name: String,
    pub timing: String,
    pub started: Option<String>,
    pub due: Option<String>,
    pub remaining: String,
    pub status: ClockStatus,
}

/// The timeline component: every clock on a record with its due date and status. Any record
/// page renders it with `{{ timeline }}`; it is a table, readable without JavaScript or colour.
#[derive(Template, Clone, Debug)]
#[template(path = "clocks/timeline.html")]
pub struct Timeline {
    pub caption: String,
    pub lines: Vec<ClockLine>,
}

impl askama::filters::HtmlSafe for Timeline {}

impl Timeline {
    /// Builds a line per rule from the record's events (`event` names a rule's `starts_on`).
    pub fn of(
        caption: &str,
        cal: &Calendar,
        rules: &[&ClockRule],
        events: &dyn Fn(&str) -> Option<NaiveDate>,
        met: &dyn Fn(&str) -> Option<NaiveDate>,
        today: NaiveDate,
    ) -> Timeline {
        let lines = rules
            .iter()
            .map(|r| {
                let event = events(&r.starts_on);
                let state = evaluate(r, cal, event, met(&r.slug), today);
                let unit = if r.counts_working_days() {
                    "working day"
                } else {
                    "day"
                };
                let remaining = match (state.status, state.remaining) {
                    (ClockStatus::NotStarted, _) => "Not started".to_owned(),
                    (ClockStatus::MetOnTime | ClockStatus::MetLate, _) => state
                        .met_on
                        .map(|d| format!("Met on {}", long(d)))
                        .unwrap_or_default(),
                    (_, Some(0)) => "Due today".to_owned(),
                    (_, Some(n)) if n > 0 => {
                        format!("{n} {unit}{} left", if n == 1 { "" } else { "s" })
                    }
                    (_, Some(n)) => {
                        format!("{} {unit}{} overdue", -n, if n == -1 { "" } else { "s" })
                    }
                    (_, None) => String::new(),
                };
                ClockLine {
                    name: r.name.clone(),
                    timing: timing(r),
                    started: event.map(long),
                    due: state.due.map(long),
                    remaining,
                    status: state.status,
                }
            })
            .collect();
        Timeline {
            caption: caption.to_owned(),
            lines,
        }
    }
}

/// Plain words for the event that starts a clock.
fn event_label(e: &str) -> &str {
    match e {
        "aware" => "the local authority became aware of the incident",
        "notified" => "the incident was notified to the Panel",
        "decision" => "the decision to review",
        "publication" => "publication",
        "meeting" => "the meeting",
        "session" => "the training session",
        "overview-report" => "the overview report went to the board",
        "previous-cycle" => "the previous cycle",
        "agreed" => "the terms were agreed",
        "year-end" => "the end of the reporting year",
        other => other,
    }
}

/// A rule's timing in plain words: "15 working days after the incident was notified to the Panel".
fn timing(r: &ClockRule) -> String {
    let length = r.unit.describe(r.length);
    match r.direction {
        Direction::After => format!("{length} after {}", event_label(&r.starts_on)),
        Direction::Before => format!("at least {length} before {}", event_label(&r.starts_on)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CalcQuery {
    rule: String,
    #[serde(rename = "start-day")]
    day: String,
    #[serde(rename = "start-month")]
    month: String,
    #[serde(rename = "start-year")]
    year: String,
}

struct RuleRow {
    rule: ClockRule,
    timing: String,
    local_override: bool,
}

#[derive(Template)]
#[template(path = "clocks/overview.html")]
struct OverviewPage {
    chrome: Chrome,
    errors: ErrorSummary,
    rule: Select,
    start: DateInput,
    timeline: Option<Timeline>,
    rules: Vec<RuleRow>,
    upcoming: Vec<(String, String)>,
    can_edit_rules: bool,
}

async fn overview(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    s.require(Permission::ViewClocks)?;
    let q: CalcQuery = query_params(q.as_deref());
    let cal = store::calendar(&st.db).await?;
    let rules = store::rules(&st.db, s.pid()).await?;
    let local = store::local_rules(&st.db, s.pid()).await?;
    let today = Utc::now().date_naive();
    let mut errors = Errors::default();
    let mut timeline = None;
    let asked = !(q.rule.is_empty() && q.day.is_empty() && q.month.is_empty() && q.year.is_empty());
    if asked {
        let rule = rules.iter().find(|r| r.slug == q.rule);
        if rule.is_none() {
            errors.add("rule", "Choose a deadline");
        }
        let start = errors.check(
            "start-day",
            parse_parts(&q.day, &q.month, &q.year, "the start date"),
        );
        if let (Some(rule), Some(start)) = (rule, start) {
            // Every clock started by the same event, so that one date shows the whole picture.
            let same: Vec<&ClockRule> = rules
                .iter()
                .filter(|r| r.starts_on == rule.starts_on)
                .collect();
            let ev = rule.starts_on.clone();
            timeline = Some(Timeline::of(
                &format!(
                    "Deadlines counted from {}: {}",
                    long(start),
                    event_label(&ev)
                ),
                &cal,
                &same,
                &|e| (e == ev).then_some(start),
                &|_| None,
                today,
            ));
        }
    }
    let upcoming = (today.year()..=today.year() + 1)
        .flat_map(|y| cal.holidays_in_year(y))
        .filter(|h| h.date >= today)
        .take(8)
        .map(|h| (long(h.date), h.name))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = OverviewPage {
        chrome: s.chrome("/clocks"),
        errors: errors.summary(),
        rule: Select::new(
            "rule",
            "Deadline",
            std::iter::once(SelectItem::new("", "Choose a deadline")).chain(
                rules
                    .iter()
                    .map(|r| SelectItem::new(r.slug.clone(), r.name.clone())),
            ),
        )
        .value(&q.rule)
        .error(errors.get("rule")),
        start: DateInput::new("start", "Start date")
            .hint("The date of the event that starts the clock, for example 18 12 2026")
            .date_values(&q.day, &q.month, &q.year)
            .error(errors.get("start-day")),
        timeline,
        rules: rules
            .into_iter()
            .map(|r| RuleRow {
                timing: timing(&r),
                local_override: local.iter().any(|l| l.slug == r.slug),
                rule: r,
            })
            .collect(),
        upcoming,
        can_edit_rules: s.actor.can(Permission::ManageClockRules),
    };
    render_status(status, &page)
}

// ---- holidays ----

#[derive(Deserialize, Default)]
#[serde(default)]
struct YearQuery {
    year: String,
}

struct ChangeRow {
    change: HolidayChange,
    day: String,
}

#[derive(Template)]
#[template(path = "clocks/holidays.html")]
struct HolidaysPage {
    chrome: Chrome,
    errors: ErrorSummary,
    year: i32,
    holidays: Vec<(String, String, String)>,
    changes: Vec<ChangeRow>,
    can_propose: bool,
    can_apply: bool,
    name: Input,
    reason: Input,
    change: Radios,
    date: DateInput,
}

async fn holidays_page(
    st: &AppState,
    s: &Signed,
    year: i32,
    form: &FormPairs,
    errors: &Errors,
) -> AppResult<HolidaysPage> {
    let cal = store::calendar(&st.db).await?;
    let changes = store::holiday_changes(&st.db).await?;
    Ok(HolidaysPage {
        chrome: s.chrome("/clocks"),
        errors: errors.summary(),
        year,
        holidays: cal
            .holidays_in_year(year)
            .into_iter()
            .map(|h| (long(h.date), h.date.format("%A").to_string(), h.name))
            .collect(),
        changes: changes
            .into_iter()
            .map(|c| ChangeRow {
                day: c.day.long(),
                change: c,
            })
            .collect(),
        can_propose: s.actor.can(Permission::ProposeHoliday),
        can_apply: s.actor.can(Permission::ApplyHoliday),
        name: Input::new("name", "Name of the holiday")
            .hint("As announced, for example \"Bank holiday for the coronation\"")
            .filled(form, errors),
        reason: Input::new("reason", "Reason")
            .hint("Where it was announced, or why the change is needed")
            .filled(form, errors),
        change: Radios::new(
            "change",
            "Change",
            [
                ChoiceItem::new("add", "Add a bank holiday"),
                ChoiceItem::new("remove", "Remove a bank holiday"),
            ],
        )
        .inline()
        .value(form.get("change"))
        .error(errors.get("change")),
        date: DateInput::new("date", "Date")
            .hint("For example, 4 1 2027")
            .date_values(
                form.get("date-day"),
                form.get("date-month"),
                form.get("date-year"),
            )
            .error(errors.get("date-day")),
    })
}

async fn holidays(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    s.require(Permission::ViewClocks)?;
    let q: YearQuery = query_params(q.as_deref());
    let year = q
        .year
        .parse::<i32>()
        .ok()
        .filter(|y| (1990..=2100).contains(y))
        .unwrap_or_else(|| Utc::now().year());
    let form = FormPairs::from_values(&[("change", "add")]);
    render(&holidays_page(&st, &s, year, &form, &Errors::default()).await?)
}

async fn propose(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ProposeHoliday)?;
    let mut errors = Errors::default();
    let day = f.date("date", "the date", &mut errors).filter(|d| {
        let ok = (1990..=2100).contains(&d.year());
        if !ok {
            errors.add("date-day", "The date must be between 1990 and 2100");
        }
        ok
    });
    let name = errors.check(
        "name",
        check_name(&f.get("name"), "name of the holiday", 120),
    );
    let reason = errors.check("reason", check_name(&f.get("reason"), "reason", 500));
    let change = match f.get("change").as_str() {
        "add" => Some(HolidayEditKind::Add),
        "remove" => Some(HolidayEditKind::Remove),
        _ => {
            errors.add("change", "Choose whether to add or remove the holiday");
            None
        }
    };
    if let (Some(day), Some(change)) = (day, change) {
        let cal = store::calendar(&st.db).await?;
        match change {
            HolidayEditKind::Add if cal.holiday_on(day).is_some() => {
                errors.add(
                    "date-day",
                    format!("{} is already a bank holiday", long(day)),
                );
            }
            HolidayEditKind::Remove if cal.holiday_on(day).is_none() => {
                errors.add(
                    "date-day",
                    format!(
                        "{} is not a bank holiday, so it cannot be removed",
                        long(day)
                    ),
                );
            }
            _ => {}
        }
    }
    match (day, name, reason, change) {
        (Some(day), Some(name), Some(reason), Some(change)) if errors.is_empty() => {
            store::propose_holiday(&st.db, &s.who(), day, &name, change, &reason).await?;
            Ok(redirect_with(
                &format!("/clocks/holidays?year={}", day.year()),
                Flash::HolidayProposed,
                st.config.secure_cookies(),
            ))
        }
        _ => {
            let year = day.map(|d| d.year()).unwrap_or_else(|| Utc::now().year());
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &holidays_page(&st, &s, year, &f, &errors).await?,
            )
        }
    }
}

async fn decide(st: AppState, s: Signed, id: String, apply: bool) -> AppResult<Response> {
    s.require(Permission::ApplyHoliday)?;
    if !is_id(&id) || !store::decide_holiday(&st.db, &s.who(), &id, apply).await? {
        return Err(AppError::NotFound);
    }
    let flash = if apply {
        Flash::HolidayApplied
    } else {
        Flash::HolidayRejected
    };
    Ok(redirect_with(
        "/clocks/holidays",
        flash,
        st.config.secure_cookies(),
    ))
}

async fn apply(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    decide(st, s, id, true).await
}

async fn reject(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    decide(st, s, id, false).await
}

// ---- local rules ----

#[derive(Template)]
#[template(path = "clocks/rule_form.html")]
struct RulePage {
    chrome: Chrome,
    errors: ErrorSummary,
    heading: String,
    based_on: Option<String>,
    from: String,
    slug: Input,
    name: Input,
    starts_on: Select,
    length: Input,
    unit: Select,
    direction: Radios,
    source: Input,
    due_soon: Input,
}

const EVENTS: [&str; 10] = [
    "aware",
    "notified",
    "decision",
    "publication",
    "meeting",
    "session",
    "overview-report",
    "previous-cycle",
    "agreed",
    "year-end",
];

fn rule_page(
    s: &Signed,
    heading: &str,
    based_on: Option<String>,
    f: &FormPairs,
    errors: &Errors,
) -> RulePage {
    RulePage {
        chrome: s.chrome("/clocks"),
        errors: errors.summary(),
        heading: heading.to_owned(),
        based_on,
        from: f.get("from"),
        slug: Input::new("slug", "Short id")
            .hint("Lower-case letters, numbers and hyphens, for example rapid-review-local. Used by reports and the command line")
            .spellcheck(false)
            .filled(f, errors),
        name: Input::new("name", "Name").filled(f, errors),
        starts_on: Select::new(
            "starts_on",
            "Starts from",
            EVENTS.iter().map(|e| SelectItem::new(*e, event_label(e))),
        )
        .filled(f, errors),
        length: Input::new("length", "Length")
            .inputmode("numeric")
            .width_class("govuk-input--width-4")
            .filled(f, errors),
        unit: Select::new(
            "unit",
            "Counted in",
            [Unit::WorkingDays, Unit::CalendarDays, Unit::Weeks, Unit::Months]
                .map(|u| SelectItem::new(u.as_str(), u.describe(2).trim_start_matches("2 ").to_owned())),
        )
        .filled(f, errors),
        direction: Radios::new(
            "direction",
            "Due",
            [ChoiceItem::new("after", "After the event"), ChoiceItem::new("before", "At least this long before the event")],
        )
        .value(f.get("direction"))
        .error(errors.get("direction")),
        source: Input::new("source", "Source")
            .hint("Where the rule comes from, for example your terms of reference")
            .filled(f, errors),
        due_soon: Input::new("due_soon", "Show as due soon this many days before")
            .hint("Working days for a rule counted in working days, calendar days otherwise")
            .inputmode("numeric")
            .width_class("govuk-input--width-4")
            .filled(f, errors),
    }
}

/// The rule form filled with a stored rule; `from`, `slug` and `name` say whether it is being
/// changed or copied.
fn form_of(r: &ClockRule, from: &str, slug: &str, name: &str) -> FormPairs {
    FormPairs::from_values(&[
        ("from", from),
        ("slug", slug),
        ("name", name),
        ("starts_on", &r.starts_on),
        ("length", &r.length.to_string()),
        ("unit", r.unit.as_str()),
        ("direction", r.direction.as_str()),
        ("source", &r.source),
        ("due_soon", &r.due_soon.to_string()),
    ])
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FromQuery {
    from: String,
}

async fn new_rule_page(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    s.require(Permission::ManageClockRules)?;
    let q: FromQuery = query_params(q.as_deref());
    let rules = store::rules(&st.db, s.pid()).await?;
    match rules.iter().find(|r| r.slug == q.from) {
        Some(r) => {
            let f = form_of(
                r,
                &r.slug,
                &format!("{}-local", r.slug),
                &format!("{} (local)", r.name),
            );
            render(&rule_page(
                &s,
                "Copy and vary a deadline",
                Some(r.name.clone()),
                &f,
                &Errors::default(),
            ))
        }
        None => {
            let f = FormPairs::from_values(&[
                ("unit", "working-days"),
                ("direction", "after"),
                ("due_soon", "2"),
            ]);
            render(&rule_page(
                &s,
                "Add a local deadline",
                None,
                &f,
                &Errors::default(),
            ))
        }
    }
}

async fn edit_rule_page(
    State(st): State<AppState>,
    s: Signed,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    s.require(Permission::ManageClockRules)?;
    let rules = store::rules(&st.db, s.pid()).await?;
    let r = rules
        .iter()
        .find(|r| r.slug == slug && !r.statutory)
        .ok_or(AppError::NotFound)?;
    let f = form_of(r, "", &r.slug, &r.name);
    render(&rule_page(
        &s,
        &format!("Change {}", r.name),
        None,
        &f,
        &Errors::default(),
    ))
}

async fn save_rule(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ManageClockRules)?;
    let rules = store::rules(&st.db, s.pid()).await?;
    let based_on = rules.iter().find(|r| r.slug == f.get("from")).cloned();
    let mut errors = Errors::default();
    let slug = f.get("slug").trim().to_owned();
    if slug.is_empty()
        || slug.len() > 60
        || !slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        errors.add(
            "slug",
            "Enter a short id of lower-case letters, numbers and hyphens, up to 60 characters",
        );
    } else if rules.iter().any(|r| r.slug == slug && r.statutory) {
        errors.add("slug", "A statutory deadline has this id. Statutory deadlines cannot be changed: choose another id for your local version");
    }
    let name = errors.check("name", check_name(&f.get("name"), "name", 200));
    let starts_on = f.get("starts_on");
    if !EVENTS.contains(&starts_on.as_str()) {
        errors.add("starts_on", "Choose what starts the clock");
    }
    let length = match f.get("length").trim().parse::<u32>() {
        Ok(n) if (1..=1000).contains(&n) => Some(n),
        _ => {
            errors.add(
                "length",
                "Enter the length as a whole number from 1 to 1000",
            );
            None
        }
    };
    let unit = Unit::parse(&f.get("unit"));
    if unit.is_none() {
        errors.add("unit", "Choose what the length is counted in");
    }
    let direction = Direction::parse(&f.get("direction"));
    if direction.is_none() {
        errors.add(
            "direction",
            "Choose whether it is due after or before the event",
        );
    }
    let source = errors.check("source", check_name(&f.get("source"), "source", 300));
    let due_soon = match f.get("due_soon").trim().parse::<u32>() {
        Ok(n) if n <= 1000 => Some(n),
        _ => {
            errors.add(
                "due_soon",
                "Enter the number of days as a whole number, 0 or more",
            );
            None
        }
    };
    if let (Some(name), Some(length), Some(unit), Some(direction), Some(source), Some(due_soon)) =
        (name, length, unit, direction, source, due_soon)
        && errors.is_empty()
    {
        let rule = ClockRule {
            slug,
            name,
            starts_on,
            length,
            unit,
            direction,
            source,
            statutory: false,
            due_soon,
        };
        store::save_local_rule(
            &st.db,
            &s.who(),
            s.pid(),
            &rule,
            based_on.as_ref().map(|r| r.slug.as_str()),
        )
        .await?;
        return Ok(redirect_with(
            "/clocks",
            Flash::RuleSaved,
            st.config.secure_cookies(),
        ));
    }
    let heading = if based_on.is_some() {
        "Copy and vary a deadline"
    } else {
        "Add a local deadline"
    };
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &rule_page(&s, heading, based_on.map(|r| r.name), &f, &errors),
    )
}
