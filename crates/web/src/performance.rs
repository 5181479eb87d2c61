//! Performance data (`/performance`): the partnership's multi-agency dataset as small charts
//! with their exception flags, each indicator's page with its chart, the trend in words and
//! the data table, values entered and corrected by the owning agency's lead (corrections keep
//! their reason), and benchmarks set by the business team. The rules are
//! `domain::performance`'s; the charts `docs::chart`'s.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use learnloop_docs::chart::{self, Chart};
use learnloop_domain::performance::{
    Exception, Frequency, Period, Polarity, Reading, Unit, before_after_summary, can_enter,
    can_manage, exceptions, parse, reads_all, trend_summary,
};
use learnloop_domain::policy::Permission;
use learnloop_domain::stored::Slug;
use learnloop_domain::text::{check_name, check_text_block};
use learnloop_govuk::{
    Checkboxes, ChoiceItem, ErrorSummary, Input, Radios, Select, SelectItem, Textarea,
};
use learnloop_store::performance::{self, BENCHMARKS, Indicator, IndicatorInput};
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
        .route("/performance", get(dashboard))
        .route("/performance/indicators/new", get(new_page).post(add))
        .route("/performance/indicators/{id}", get(indicator_page))
        .route("/performance/indicators/{id}/values", post(enter))
        .route("/performance/indicators/{id}/benchmarks", post(benchmark))
        .route("/performance/indicators/{id}/retire", post(retire))
        .route(
            "/performance/import",
            get(import::page)
                .post(import::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    learnloop_domain::files::MAX_UPLOAD_BYTES + 1024 * 1024,
                )),
        )
        .route("/performance/import/confirm", post(import::confirm))
        .route("/performance/import/sheet.xlsx", get(import::sheet))
        .route(
            "/performance/return",
            get(returns::page).post(returns::send),
        )
        .route("/performance/returns", get(returns::status_page))
        .route("/performance/returns/chase", post(returns::chase))
        .route("/performance/deep-dives", get(deep_dives::list))
        .route(
            "/performance/deep-dives/new",
            get(deep_dives::new_page).post(deep_dives::add),
        )
        .route("/performance/deep-dives/{id}", get(deep_dives::show))
        .route(
            "/performance/deep-dives/{id}/discussion",
            post(deep_dives::discussion),
        )
        .route(
            "/performance/deep-dives/{id}/recommendations",
            post(deep_dives::recommend),
        )
        .route(
            "/performance/deep-dives/{id}/presentations",
            post(deep_dives::upload).layer(axum::extract::DefaultBodyLimit::max(
                learnloop_domain::files::MAX_UPLOAD_BYTES + 1024 * 1024,
            )),
        )
        .route(
            "/performance/deep-dives/{id}/presentations/{file}",
            get(deep_dives::download),
        )
        .route(
            "/performance/deep-dives/{id}/chase",
            post(deep_dives::chase),
        )
}

mod deep_dives;
pub use deep_dives::attention as deep_dive_attention;

mod import;
mod returns;

fn today() -> chrono::NaiveDate {
    learnloop_domain::dates::london_date(Utc::now())
}

/// An indicator's numbers read for its chart and flags: values and benchmarks by period.
struct Read {
    values: Vec<(Period, f64)>,
    /// Benchmarks by name: (period, value).
    benchmarks: Vec<(String, Vec<(Period, f64)>)>,
    flags: Vec<Exception>,
}

fn read(
    i: &Indicator,
    values: &[(&str, f64)],
    benchmarks: &[(&str, &str, f64)],
    worsening_after: i64,
) -> Read {
    let f = i.frequency;
    let values: Vec<(Period, f64)> = values
        .iter()
        .filter_map(|(period, v)| Period::parse(f, period).ok().map(|p| (p, *v)))
        .collect();
    let mut by_name: Vec<(String, Vec<(Period, f64)>)> = Vec::new();
    for (period, name, value) in benchmarks {
        let Ok(p) = Period::parse(f, period) else {
            continue;
        };
        match by_name.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => v.push((p, *value)),
            None => by_name.push(((*name).to_owned(), vec![(p, *value)])),
        }
    }
    let latest = values.last().map(|(p, _)| *p);
    let at_latest: Vec<(&str, f64)> = by_name
        .iter()
        .filter_map(|(n, v)| {
            v.iter()
                .find(|(p, _)| Some(*p) == latest)
                .map(|(_, x)| (n.as_str(), *x))
        })
        .collect();
    let flags = exceptions(&Reading {
        polarity: i.polarity,
        target: i.target,
        tolerance: i.tolerance,
        values: &values,
        benchmarks: &at_latest,
        last_ended: Period::of(f, today()).prev(),
        worsening_after: usize::try_from(worsening_after).unwrap_or(3),
    });
    Read {
        values,
        benchmarks: by_name,
        flags,
    }
}

/// The periods a chart shows: the last `n` up to the last one ended (or the latest value).
fn window(f: Frequency, values: &[(Period, f64)], n: usize) -> Vec<Period> {
    let last = Period::of(f, today()).prev();
    let end = values.last().map_or(last, |(p, _)| (*p).max(last));
    let mut start = end;
    for _ in 1..n {
        start = start.prev();
    }
    start.until(end)
}

/// The chart of an indicator over `periods`; `marker` marks a period (an action closed).
fn chart_of(
    i: &Indicator,
    r: &Read,
    periods: &[Period],
    (small, marker): (bool, Option<Period>),
) -> String {
    let labels: Vec<String> = periods.iter().map(|p| p.short()).collect();
    let at = |series: &[(Period, f64)]| -> Vec<Option<f64>> {
        periods
            .iter()
            .map(|p| series.iter().find(|(q, _)| q == p).map(|(_, v)| *v))
            .collect()
    };
    let values = at(&r.values);
    let benchmarks: Vec<(String, Vec<Option<f64>>)> = if small {
        Vec::new()
    } else {
        r.benchmarks
            .iter()
            .map(|(n, v)| (n.clone(), at(v)))
            .collect()
    };
    let description = trend_summary(i.unit, i.polarity, &r.values, i.target);
    let chart = Chart {
        id: &format!("chart-{}", i.id),
        title: &i.name,
        description: &description,
        labels: &labels,
        values: &values,
        target: i.target,
        benchmarks: &benchmarks,
        marker: marker.and_then(|m| periods.iter().position(|p| *p == m)),
        small,
    };
    // Drawing is most of an indicator's page; the same figures draw the same picture, so a
    // drawing is kept for a minute under everything it is drawn from.
    DRAWN.get_or_make(drawn_from(&chart), || chart::svg(&chart))
}

/// Charts drawn in the last minute, by everything they were drawn from.
static DRAWN: crate::cache::Minute<(String, u64), String> = crate::cache::Minute::new(1000);

/// A chart's id with a digest of the rest of what it is drawn from.
fn drawn_from(c: &Chart) -> (String, u64) {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let figures = |v: &[Option<f64>], h: &mut std::collections::hash_map::DefaultHasher| {
        v.len().hash(h);
        for x in v {
            x.map(f64::to_bits).hash(h);
        }
    };
    (c.title, c.description, c.labels, c.marker, c.small).hash(&mut h);
    c.target.map(f64::to_bits).hash(&mut h);
    figures(c.values, &mut h);
    c.benchmarks.len().hash(&mut h);
    for (name, v) in c.benchmarks {
        name.hash(&mut h);
        figures(v, &mut h);
    }
    (c.id.to_owned(), h.finish())
}

// ---- the dataset ----

#[derive(Clone)]
struct Tile {
    id: String,
    name: String,
    agency: String,
    latest: String,
    svg: String,
    flags: Vec<String>,
}

#[derive(Template)]
#[template(path = "performance/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    tiles: Vec<Tile>,
    flagged: usize,
    can_manage: bool,
    /// The business team or an agency lead: they import values.
    can_import: bool,
    all: bool,
    on: String,
    /// Looking at the dataset as it stood on an earlier day.
    past: bool,
    agencies: Select,
    themes: Select,
}

#[derive(serde::Deserialize, Default)]
struct DashboardQuery {
    #[serde(default)]
    on: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    theme: String,
}

async fn dashboard(
    State(st): State<AppState>,
    s: Signed,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    let q: DashboardQuery = crate::web::query_params(q.as_deref());
    let now = today();
    let on = chrono::NaiveDate::parse_from_str(q.on.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d <= now)
        .unwrap_or(now);
    let all = reads_all(&s.actor);
    let refd = s.reference(&st.db).await?;
    // Only today's dataset, whole or of one of the partnership's agencies, is kept: an
    // address made up to fill the cache draws its page and keeps nothing.
    let agency = if refd.agencies.iter().any(|a| a.id == q.agency) {
        q.agency.clone()
    } else {
        String::new()
    };
    let theme = if refd.themes.iter().any(|t| t.id == q.theme) {
        q.theme.clone()
    } else {
        String::new()
    };
    let key = (s.pid().to_owned(), all, format!("{agency}|{theme}"), on);
    let tiles = match TILES.get(&key) {
        Some(t) => t,
        None => {
            let mut t = tiles_of(&st, &s, (on, all, &agency)).await?;
            if !theme.is_empty() {
                let ids = performance::with_theme(&st.db, s.pid(), &theme).await?;
                t.retain(|x| ids.contains(&x.id));
            }
            if on == now {
                TILES.put(key, t.clone());
            }
            t
        }
    };
    let flagged = tiles.iter().filter(|t| !t.flags.is_empty()).count();
    render(&DashboardPage {
        chrome: s.chrome("/performance"),
        flagged,
        tiles,
        can_import: can_manage(&s.actor) || s.actor.agencies_led().next().is_some(),
        can_manage: can_manage(&s.actor),
        all,
        on: on.format("%Y-%m-%d").to_string(),
        past: on < now,
        agencies: Select::new(
            "agency",
            "Agency",
            std::iter::once(SelectItem::new("", "Every agency")).chain(
                refd.agencies
                    .iter()
                    .map(|a| SelectItem::new(a.id.clone(), a.name.clone())),
            ),
        )
        .value(agency),
        themes: Select::new(
            "theme",
            "Theme",
            std::iter::once(SelectItem::new("", "Every theme")).chain(
                refd.themes
                    .iter()
                    .map(|t| SelectItem::new(t.id.clone(), t.name.clone())),
            ),
        )
        .value(theme),
    })
}

/// The dataset's tiles, kept for a minute per partnership, reader and view on each server, and
/// forgotten here whenever this server writes to the partnership's dataset: a page of sixty
/// charts is drawn once a minute, not on every request. Values change quarterly.
type TileKey = (String, bool, String, chrono::NaiveDate);

static TILES: crate::cache::Minute<TileKey, Vec<Tile>> = crate::cache::Minute::new(2000);

/// Forgets a partnership's tiles after a write to its dataset.
fn forget(pid: &str) {
    TILES.forget(|k| k.0 == pid);
    FLAGGED.forget(|k| k == pid);
    returns::STATUS.forget(|k| k.0 == pid);
}

/// Each indicator of the dataset as it stood on `on` (of one agency, or all), with its values
/// up to then, benchmarks and exceptions. Two years of values and benchmarks (the charts' eight
/// quarters, or the last three years) are read once for every indicator.
async fn readings(
    st: &AppState,
    s: &Signed,
    (on, all, agency): (chrono::NaiveDate, bool, &str),
) -> AppResult<Vec<(Indicator, Read)>> {
    let mut list = performance::dataset(&st.db, s.pid(), Day(on), all).await?;
    if is_id(agency) {
        list.retain(|i| i.agency_id == agency);
    }
    let since = (on.year() - 2).to_string();
    let values = performance::values_since(&st.db, s.pid(), &since).await?;
    let benchmarks = performance::benchmarks_since(&st.db, s.pid(), &since).await?;
    let mut v_of: HashMap<&str, Vec<(&str, f64)>> = HashMap::new();
    for (i, p, v) in &values {
        v_of.entry(i.as_str()).or_default().push((p.as_str(), *v));
    }
    let mut b_of: HashMap<&str, Vec<(&str, &str, f64)>> = HashMap::new();
    for (i, p, n, x) in &benchmarks {
        b_of.entry(i.as_str())
            .or_default()
            .push((p.as_str(), n.as_str(), *x));
    }
    let worsening = s.partnership.worsening_after;
    Ok(list
        .into_iter()
        .map(|i| {
            let until = on_key(i.frequency, on);
            let vals: Vec<(&str, f64)> = v_of
                .get(i.id.as_str())
                .map(|v| {
                    v.iter()
                        .copied()
                        .filter(|(p, _)| *p <= until.as_str())
                        .collect()
                })
                .unwrap_or_default();
            let r = read(
                &i,
                &vals,
                b_of.get(i.id.as_str()).map_or(&[][..], Vec::as_slice),
                worsening,
            );
            (i, r)
        })
        .collect())
}

fn latest_of(i: &Indicator, r: &Read) -> String {
    r.values.last().map_or_else(
        || "No values yet".to_owned(),
        |(p, v)| format!("{}: {}", p.label(), i.unit.show(*v)),
    )
}

async fn tiles_of(
    st: &AppState,
    s: &Signed,
    view: (chrono::NaiveDate, bool, &str),
) -> AppResult<Vec<Tile>> {
    let refd = s.reference(&st.db).await?;
    Ok(readings(st, s, view)
        .await?
        .into_iter()
        .map(|(i, r)| {
            let periods = window(i.frequency, &r.values, 8);
            Tile {
                agency: refd
                    .agencies
                    .iter()
                    .find(|a| a.id == i.agency_id)
                    .map(|a| a.name.clone())
                    .unwrap_or_default(),
                latest: latest_of(&i, &r),
                svg: chart_of(&i, &r, &periods, (true, None)),
                flags: r.flags.iter().map(Exception::label).collect(),
                id: i.id,
                name: i.name,
            }
        })
        .collect())
}

// ---- impact measured from data ----

/// An indicator an impact review cites, as the action's page shows it.
pub(crate) struct Cited {
    pub id: String,
    pub name: String,
    pub svg: String,
    /// The values before and after the action closed, in words.
    pub summary: String,
}

/// An indicator's chart as another page shows it: around the day an action closed, marked,
/// with the values before and after; or (with no day) its last three years and its trend.
/// None if it is not the partnership's or not one the reader may see.
pub(crate) async fn cited(
    st: &AppState,
    s: &Signed,
    id: &str,
    closed: Option<chrono::NaiveDate>,
) -> AppResult<Option<Cited>> {
    if !is_id(id) {
        return Ok(None);
    }
    let Some(i) = performance::get(&st.db, s.pid(), id).await? else {
        return Ok(None);
    };
    if !i.published && !reads_all(&s.actor) {
        return Ok(None);
    }
    let values = performance::values(&st.db, s.pid(), &i.id).await?;
    let benchmarks = performance::benchmarks(&st.db, s.pid(), &i.id).await?;
    let worsening = s.partnership.worsening_after;
    let v: Vec<(&str, f64)> = values
        .iter()
        .map(|x| (x.period.as_str(), x.value))
        .collect();
    let b: Vec<(&str, &str, f64)> = benchmarks
        .iter()
        .map(|(p, n, x)| (p.as_str(), n.as_str(), *x))
        .collect();
    let r = read(&i, &v, &b, worsening);
    let at = closed.map(|c| Period::of(i.frequency, c));
    // Six periods before the closure (or twelve before the last ended), up to the latest
    // value (two years at most).
    let anchor = at.unwrap_or_else(|| Period::of(i.frequency, today()).prev());
    let start = (0..if at.is_some() { 6 } else { 11 }).fold(anchor, |p, _| p.prev());
    let end = r.values.last().map_or(anchor, |(p, _)| (*p).max(anchor));
    let mut periods = start.until(end);
    if periods.len() > 24 {
        periods = periods.split_off(periods.len() - 24);
    }
    Ok(Some(Cited {
        svg: chart_of(&i, &r, &periods, (false, at)),
        summary: match at {
            Some(at) => before_after_summary(i.unit, i.polarity, &r.values, at),
            None => trend_summary(i.unit, i.polarity, &r.values, i.target),
        },
        id: i.id,
        name: i.name,
    }))
}

/// The indicators an impact review can cite: today's dataset, by name.
pub(crate) async fn citable(st: &AppState, s: &Signed) -> AppResult<Vec<(String, String)>> {
    Ok(
        performance::dataset(&st.db, s.pid(), Day(today()), reads_all(&s.actor))
            .await?
            .into_iter()
            .map(|i| (i.id, i.name))
            .collect(),
    )
}

// ---- what needs attention: exceptions on agency leads' home pages and the board's agenda ----

/// A flagged indicator of today's dataset.
#[derive(Clone)]
struct Flagged {
    id: String,
    name: String,
    agency_id: String,
    published: bool,
    latest: String,
    /// Every flag but a missing value, in words.
    flags: Vec<String>,
    /// The period whose value is missing, if one is.
    missing: Option<Period>,
}

static FLAGGED: crate::cache::Minute<String, Vec<Flagged>> = crate::cache::Minute::new(2000);

/// Today's flagged indicators of the whole dataset, counted at most once a minute per
/// partnership on each server, and forgotten with the tiles on every write.
async fn flagged(st: &AppState, s: &Signed) -> AppResult<Vec<Flagged>> {
    let read = async {
        let out: Vec<Flagged> = readings(st, s, (today(), true, ""))
            .await?
            .into_iter()
            .filter(|(_, r)| !r.flags.is_empty())
            .map(|(i, r)| Flagged {
                latest: latest_of(&i, &r),
                flags: r
                    .flags
                    .iter()
                    .filter(|f| !matches!(f, Exception::Missing(_)))
                    .map(Exception::label)
                    .collect(),
                missing: r.flags.iter().find_map(|f| match f {
                    Exception::Missing(p) => Some(*p),
                    _ => None,
                }),
                id: i.id,
                name: i.name,
                agency_id: i.agency_id,
                published: i.published,
            })
            .collect();
        Ok::<_, AppError>(out)
    };
    FLAGGED.get_or_load(s.pid().to_owned(), read).await
}

/// Values are due by the end of the month after their period ends.
fn due_of(p: Period) -> chrono::NaiveDate {
    p.returns_due()
}

/// The exceptions of the dataset: for an agency's lead, their agency's flagged indicators and
/// the values it has still to return; for the business team, how many are flagged and
/// missing; on the board's agenda, each flagged indicator (what the reader may see of it).
pub async fn attention(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let s = a.signed();
    let (board, led): (bool, Vec<String>) = match a {
        Audience::Group { group, .. } => (group.group.kind == "board", Vec::new()),
        Audience::Person(s) => (false, s.actor.agencies_led().map(str::to_owned).collect()),
    };
    let bt = matches!(a, Audience::Person(_)) && can_manage(&s.actor);
    if !board && led.is_empty() && !bt {
        return Ok(Vec::new());
    }
    if s.require(Permission::ViewPartnership).is_err() {
        return Ok(Vec::new());
    }
    let flagged = flagged(st, s).await?;
    let mut out = Vec::new();
    let now = today();
    if board {
        // An agenda is read by everyone who may see the board's meetings, and frozen as the
        // person issuing it sees it: it names published indicators only, and counts the rest.
        let hidden = flagged
            .iter()
            .filter(|f| !f.flags.is_empty() && !f.published)
            .count();
        if hidden > 0 {
            out.push(Attention {
                kind: "indicator",
                text: format!(
                    "Performance exceptions: {hidden} more indicator{} of the dataset flagged",
                    if hidden == 1 { "" } else { "s" }
                ),
                detail: "Read them on the performance data page".to_owned(),
                href: "/performance".to_owned(),
                tag: Some(("Exception".to_owned(), "red")),
            });
        }
        for f in flagged
            .iter()
            .filter(|f| !f.flags.is_empty() && f.published)
        {
            out.push(Attention {
                kind: "indicator",
                text: format!("Performance exception: {}", f.name),
                detail: format!("{}. {}", f.latest, f.flags.join("; ")),
                href: format!("/performance/indicators/{}", f.id),
                tag: Some(("Exception".to_owned(), "red")),
            });
        }
        return Ok(out);
    }
    let refd = s.reference(&st.db).await?;
    for agency in &led {
        let name = refd
            .agencies
            .iter()
            .find(|x| &x.id == agency)
            .map(|x| x.name.clone())
            .unwrap_or_default();
        let mine: Vec<&Flagged> = flagged.iter().filter(|f| &f.agency_id == agency).collect();
        let missing: Vec<Period> = mine.iter().filter_map(|f| f.missing).collect();
        if let Some(due) = missing.iter().map(|p| due_of(*p)).min() {
            out.push(Attention {
                kind: "indicator",
                text: format!(
                    "{name}: values to send for {} indicator{}",
                    missing.len(),
                    if missing.len() == 1 { "" } else { "s" }
                ),
                detail: format!("Due {}", Day(due).long()),
                href: format!("/performance/return?agency={agency}"),
                tag: Some(if due < now {
                    ("Overdue".to_owned(), "red")
                } else {
                    ("To send".to_owned(), "blue")
                }),
            });
        }
        for f in mine.iter().filter(|f| !f.flags.is_empty()) {
            out.push(Attention {
                kind: "indicator",
                text: format!("{}: {}", f.name, f.flags.join("; ")),
                detail: f.latest.clone(),
                href: format!("/performance/indicators/{}", f.id),
                tag: Some(("Exception".to_owned(), "red")),
            });
        }
    }
    if bt {
        let exceptions = flagged.iter().filter(|f| !f.flags.is_empty()).count();
        let overdue = flagged
            .iter()
            .filter(|f| f.missing.is_some_and(|p| due_of(p) < now))
            .count();
        if exceptions + overdue > 0 {
            out.push(Attention {
                kind: "indicator",
                text: format!(
                    "Performance data: {exceptions} indicator{} flagged",
                    if exceptions == 1 { "" } else { "s" }
                ),
                detail: format!("{overdue} with values overdue from their agencies"),
                href: "/performance/returns".to_owned(),
                tag: None,
            });
        }
    }
    Ok(out)
}

/// The key of the period a day falls in, to keep later values out of a past view.
fn on_key(f: Frequency, on: chrono::NaiveDate) -> String {
    Period::of(f, on).key()
}

use chrono::Datelike;

// ---- adding an indicator ----

#[derive(Template)]
#[template(path = "performance/new.html")]
struct NewPage {
    chrome: Chrome,
    errors: ErrorSummary,
    name: Input,
    definition: Textarea,
    agency: Select,
    unit: Radios,
    polarity: Radios,
    frequency: Radios,
    target: Input,
    tolerance: Input,
    published: Radios,
    themes: Checkboxes,
}

async fn new_form(st: &AppState, s: &Signed, f: &FormPairs, errors: &Errors) -> AppResult<NewPage> {
    let refd = s.reference(&st.db).await?;
    Ok(NewPage {
        chrome: s.chrome("/performance"),
        errors: errors.summary(),
        name: Input::new("name", "Name")
            .hint("For example: new births visited by a health visitor within 14 days")
            .filled(f, errors),
        definition: Textarea::new("definition", "Definition")
            .hint("What is counted, from which system, and how")
            .rows(3)
            .filled(f, errors),
        agency: Select::new(
            "agency",
            "Owning agency",
            std::iter::once(SelectItem::new("", "Choose the agency whose lead enters its values")).chain(
                refd.agencies
                    .iter()
                    .filter(|a| a.active)
                    .map(|a| SelectItem::new(a.id.clone(), a.name.clone())),
            ),
        )
        .filled(f, errors),
        unit: Radios::new("unit", "Unit", Unit::ALL.map(|u| ChoiceItem::new(u.slug(), u.label())))
            .value(f.get("unit"))
            .error(errors.get("unit")),
        polarity: Radios::new(
            "polarity",
            "Which way is better",
            Polarity::ALL.map(|p| ChoiceItem::new(p.slug(), p.label())),
        )
        .value(f.get("polarity"))
        .error(errors.get("polarity")),
        frequency: Radios::new(
            "frequency",
            "How often it has a value",
            Frequency::ALL.map(|x| ChoiceItem::new(x.slug(), x.label())),
        )
        .value(f.get("frequency"))
        .error(errors.get("frequency")),
        target: Input::new("target", "Target")
            .hint("Optional, in the indicator's unit")
            .inputmode("decimal")
            .width_class("govuk-input--width-5")
            .filled(f, errors),
        tolerance: Input::new("tolerance", "Tolerance")
            .hint("How far short of the target before it is flagged, in the same unit; 0 flags any shortfall")
            .inputmode("decimal")
            .width_class("govuk-input--width-5")
            .filled(f, errors),
        published: Radios::new(
            "published",
            "Who sees it",
            [
                ChoiceItem::new("no", "The board, the groups and agency leads"),
                ChoiceItem::new("yes", "Everyone in the partnership, practitioners too"),
            ],
        )
        .value(f.get("published"))
        .error(errors.get("published")),
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
    })
}

async fn new_page(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    if !can_manage(&s.actor) {
        return Err(AppError::Forbidden);
    }
    let f = FormPairs::from_values(&[("tolerance", "0"), ("published", "no")]);
    render(&new_form(&st, &s, &f, &Errors::default()).await?)
}

fn number(text: &str, unit: Option<Unit>, errors: &mut Errors, key: &str) -> Option<f64> {
    let u = unit.unwrap_or(Unit::Count);
    errors.check(key, u.check(text))
}

async fn add(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    if !can_manage(&s.actor) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Errors::default();
    let name = errors.check("name", check_name(&f.get("name"), "indicator's name", 200));
    let definition = errors.check(
        "definition",
        check_text_block(&f.get("definition"), "definition", 2000),
    );
    let refd = s.reference(&st.db).await?;
    let agency = f.get("agency");
    if !refd.agencies.iter().any(|a| a.id == agency && a.active) {
        errors.add("agency", "Choose the agency whose lead enters its values");
    }
    let unit = parse(&Unit::ALL, &f.get("unit"));
    if unit.is_none() {
        errors.add("unit", "Choose what the indicator counts");
    }
    let polarity = parse(&Polarity::ALL, &f.get("polarity"));
    if polarity.is_none() {
        errors.add("polarity", "Choose whether higher or lower is better");
    }
    let frequency = parse(&Frequency::ALL, &f.get("frequency"));
    if frequency.is_none() {
        errors.add("frequency", "Choose how often it has a value");
    }
    let target = if f.get("target").trim().is_empty() {
        Some(None)
    } else {
        number(&f.get("target"), unit, &mut errors, "target").map(Some)
    };
    let tolerance = if f.get("tolerance").trim().is_empty() {
        Some(0.0)
    } else {
        number(
            &f.get("tolerance"),
            Some(Unit::Count),
            &mut errors,
            "tolerance",
        )
    };
    let published = match f.get("published").as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.add("published", "Choose who sees it");
            None
        }
    };
    let themes: Vec<String> = f
        .all("theme")
        .into_iter()
        .filter(|t| refd.themes.iter().any(|x| &x.id == t))
        .collect();
    if let (
        true,
        Some(name),
        Some(definition),
        Some(unit),
        Some(polarity),
        Some(frequency),
        Some(target),
        Some(tolerance),
        Some(published),
    ) = (
        errors.is_empty(),
        name,
        definition,
        unit,
        polarity,
        frequency,
        target,
        tolerance,
        published,
    ) {
        let input = IndicatorInput {
            name,
            definition,
            agency_id: agency,
            unit,
            polarity,
            frequency,
            target,
            tolerance,
            published,
            themes,
        };
        match performance::add(&st.db, &s.who(), s.pid(), &input, Day(today())).await {
            Ok(id) => {
                forget(s.pid());
                return Ok(redirect_with(
                    &format!("/performance/indicators/{id}"),
                    Flash::IndicatorAdded,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::NotFound) => {
                errors.add("agency", "Choose one of the partnership's agencies")
            }
            Err(StoreError::Conflict(m)) => errors.add("theme", m),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &new_form(&st, &s, &f, &errors).await?,
    )
}

// ---- one indicator ----

struct Row {
    period: String,
    value: String,
    benchmarks: Vec<String>,
    entered_by: String,
}

#[derive(Template)]
#[template(path = "performance/indicator.html")]
struct IndicatorPage {
    chrome: Chrome,
    errors: ErrorSummary,
    ind: Indicator,
    agency: String,
    unit: &'static str,
    polarity: &'static str,
    frequency: &'static str,
    target: String,
    svg: String,
    summary: String,
    flags: Vec<String>,
    benchmark_names: Vec<String>,
    rows: Vec<Row>,
    changes: Vec<(String, String, String, String, String)>,
    can_enter: bool,
    can_manage: bool,
    period: Input,
    value: Input,
    reason: Textarea,
    b_period: Input,
    b_name: Select,
    b_value: Input,
}

async fn load(st: &AppState, s: &Signed, id: &str) -> AppResult<Indicator> {
    s.require(Permission::ViewPartnership)?;
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let i = performance::get(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !i.published && !reads_all(&s.actor) {
        return Err(AppError::NotFound);
    }
    Ok(i)
}

async fn view(
    st: &AppState,
    s: &Signed,
    ind: Indicator,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<IndicatorPage> {
    let values = performance::values(&st.db, s.pid(), &ind.id).await?;
    let benchmarks = performance::benchmarks(&st.db, s.pid(), &ind.id).await?;
    let worsening = s.partnership.worsening_after;
    let refs: Vec<(&str, f64)> = values
        .iter()
        .map(|v| (v.period.as_str(), v.value))
        .collect();
    let b: Vec<(&str, &str, f64)> = benchmarks
        .iter()
        .map(|(p, n, v)| (p.as_str(), n.as_str(), *v))
        .collect();
    let r = read(&ind, &refs, &b, worsening);
    let periods = window(
        ind.frequency,
        &r.values,
        match ind.frequency {
            Frequency::Monthly => 24,
            Frequency::Quarterly => 12,
            Frequency::Yearly => 10,
        },
    );
    let svg = chart_of(&ind, &r, &periods, (false, None));
    let names: Vec<String> = r.benchmarks.iter().map(|(n, _)| n.clone()).collect();
    let entered_by: std::collections::HashMap<&str, &str> = values
        .iter()
        .map(|x| (x.period.as_str(), x.entered_by.as_str()))
        .collect();
    let rows = r
        .values
        .iter()
        .rev()
        .map(|(p, v)| Row {
            period: p.label(),
            value: ind.unit.show(*v),
            benchmarks: r
                .benchmarks
                .iter()
                .map(|(_, bv)| {
                    bv.iter()
                        .find(|(q, _)| q == p)
                        .map_or_else(|| "-".to_owned(), |(_, x)| ind.unit.show(*x))
                })
                .collect(),
            entered_by: entered_by
                .get(p.key().as_str())
                .map(|x| (*x).to_owned())
                .unwrap_or_default(),
        })
        .collect();
    let changes = performance::changes(&st.db, s.pid(), &ind.id)
        .await?
        .into_iter()
        .map(|c| {
            (
                Period::parse(ind.frequency, &c.period).map_or(c.period.clone(), |p| p.label()),
                ind.unit.show(c.before_value),
                ind.unit.show(c.after_value),
                c.reason,
                format!(
                    "{} on {}",
                    c.changed_by,
                    c.changed_at.get(..10).unwrap_or_default()
                ),
            )
        })
        .collect();
    let refd = s.reference(&st.db).await?;
    let hint = format!("For example {}", ind.frequency.example());
    Ok(IndicatorPage {
        chrome: s.chrome("/performance"),
        errors: errors.summary(),
        agency: refd
            .agencies
            .iter()
            .find(|a| a.id == ind.agency_id)
            .map(|a| a.name.clone())
            .unwrap_or_default(),
        unit: ind.unit.label(),
        polarity: ind.polarity.label(),
        frequency: ind.frequency.label(),
        target: ind.target.map_or_else(
            || "None set".to_owned(),
            |t| {
                if ind.tolerance > 0.0 {
                    format!(
                        "{} (flagged beyond {} short)",
                        ind.unit.show(t),
                        ind.unit.show(ind.tolerance)
                    )
                } else {
                    ind.unit.show(t)
                }
            },
        ),
        summary: trend_summary(ind.unit, ind.polarity, &r.values, ind.target),
        flags: r.flags.iter().map(Exception::label).collect(),
        svg,
        benchmark_names: names,
        rows,
        changes,
        can_enter: can_enter(&s.actor, &ind.agency_id) && ind.retired_on.is_none(),
        can_manage: can_manage(&s.actor),
        period: Input::new("period", "Period")
            .hint(hint.clone())
            .width_class("govuk-input--width-10")
            .filled(f, errors),
        value: Input::new("value", "Value")
            .inputmode("decimal")
            .width_class("govuk-input--width-10")
            .filled(f, errors),
        reason: Textarea::new("reason", "Why it is being corrected")
            .hint("Only when correcting a value entered before: the change and its reason are kept")
            .rows(2)
            .filled(f, errors),
        b_period: Input::new("b_period", "Period")
            .hint(hint)
            .width_class("govuk-input--width-10")
            .filled(f, errors),
        b_name: Select::new(
            "b_name",
            "Benchmark",
            BENCHMARKS.map(|b| SelectItem::new(b, b)),
        )
        .filled(f, errors),
        b_value: Input::new("b_value", "Value")
            .inputmode("decimal")
            .width_class("govuk-input--width-10")
            .filled(f, errors),
        ind,
    })
}

async fn indicator_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ind = load(&st, &s, &id).await?;
    render(&view(&st, &s, ind, &FormPairs::default(), &Errors::default()).await?)
}

async fn enter(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let ind = load(&st, &s, &id).await?;
    if !can_enter(&s.actor, &ind.agency_id) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Errors::default();
    let period = errors.check("period", Period::parse(ind.frequency, &f.get("period")));
    if period.is_some_and(|p| p > Period::of(ind.frequency, today())) {
        errors.add("period", "That period has not begun yet");
    }
    let value = errors.check("value", ind.unit.check(&f.get("value")));
    let reason: String = f.get("reason").trim().chars().take(1000).collect();
    if let (true, Some(p), Some(v)) = (errors.is_empty(), period, value) {
        match performance::enter(&st.db, &s.who(), s.pid(), &id, (p, v), &reason).await {
            Ok(corrected) => {
                forget(s.pid());
                return Ok(redirect_with(
                    &format!("/performance/indicators/{id}"),
                    if corrected {
                        Flash::ValueCorrected
                    } else {
                        Flash::ValueEntered
                    },
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => {
                let key = if m.contains("say why") {
                    "reason"
                } else {
                    "value"
                };
                errors.add(key, m);
            }
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &view(&st, &s, ind, &f, &errors).await?,
    )
}

async fn benchmark(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let ind = load(&st, &s, &id).await?;
    if !can_manage(&s.actor) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Errors::default();
    let period = errors.check("b_period", Period::parse(ind.frequency, &f.get("b_period")));
    let name = f.get("b_name");
    if !BENCHMARKS.contains(&name.as_str()) {
        errors.add("b_name", "Choose a benchmark from the list");
    }
    let value = errors.check("b_value", ind.unit.check(&f.get("b_value")));
    if let (true, Some(p), Some(v)) = (errors.is_empty(), period, value) {
        performance::set_benchmark(&st.db, &s.who(), s.pid(), &id, (p, &name, v)).await?;
        forget(s.pid());
        return Ok(redirect_with(
            &format!("/performance/indicators/{id}"),
            Flash::BenchmarkSaved,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &view(&st, &s, ind, &f, &errors).await?,
    )
}

async fn retire(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ind = load(&st, &s, &id).await?;
    if !can_manage(&s.actor) {
        return Err(AppError::Forbidden);
    }
    let r = performance::retire(&st.db, &s.who(), s.pid(), &ind.id, Day(today())).await;
    forget(s.pid());
    match r {
        Ok(()) | Err(StoreError::Conflict(_)) => Ok(redirect_with(
            &format!("/performance/indicators/{id}"),
            Flash::IndicatorRetired,
            st.config.secure_cookies(),
        )),
        Err(e) => Err(e.into()),
    }
}
