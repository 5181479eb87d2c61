//! The yearly training needs assessment (`/training/needs`): the needs found from reviews,
//! audits, Section 11, single-agency assurance, inspections and agencies' requests, each with
//! where it came from, its priority and themes, and the courses planned to meet it. Who runs
//! the programme adds needs and plans courses from them; the independent chair reads them.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{Datelike, Utc};
use learnloop_domain::accounts::Role;
use learnloop_domain::policy::Permission;
use learnloop_domain::stored::Slug;
use learnloop_domain::text::{check_name, check_text_block};
use learnloop_domain::training::{Origin, Priority, can_manage, check_origin, parse};
use learnloop_govuk::{
    Checkboxes, ChoiceItem, ErrorSummary, Input, Radios, Select, SelectItem, Textarea,
};
use learnloop_store::StoreError;
use learnloop_store::training::needs::{self, NeedInput};

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, render, render_status};
use crate::session::Signed;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/training/needs", get(page).post(add))
}

/// Who reads the assessment: who runs the programme, and the independent chair.
fn reads(s: &Signed) -> AppResult<()> {
    s.require(Permission::ViewPartnership)?;
    if can_manage(&s.actor) || s.actor.has(Role::IndependentChair) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

struct Row {
    id: String,
    need: String,
    detail: String,
    priority: &'static str,
    priority_tag: &'static str,
    /// Where it came from: (text, link to the record if it names one).
    from: (String, Option<String>),
    themes: Vec<String>,
    courses: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "training/needs.html")]
struct NeedsPage {
    chrome: Chrome,
    errors: ErrorSummary,
    year: i64,
    years: Vec<i64>,
    rows: Vec<Row>,
    high: usize,
    met: usize,
    can_manage: bool,
    need: Input,
    detail: Textarea,
    priority: Radios,
    origin: Radios,
    source: Select,
    agency: Select,
    note: Input,
    themes: Checkboxes,
}

#[derive(serde::Deserialize, Default)]
struct YearQuery {
    #[serde(default)]
    year: String,
}

fn year_of(v: &str) -> i64 {
    v.trim()
        .parse::<i64>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| i64::from(Utc::now().year()))
}

async fn view(
    st: &AppState,
    s: &Signed,
    year: i64,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<NeedsPage> {
    let list = needs::of_year(&st.db, s.pid(), year).await?;
    let ids: Vec<&str> = list.iter().map(|(n, _)| n.id.as_str()).collect();
    let mut themes =
        learnloop_store::themes::names_of_many(&st.db, s.pid(), "training_need", &ids).await?;
    let refd = s.reference(&st.db).await?;
    let mut rows = Vec::new();
    for (n, courses) in list {
        let from = match (n.origin, n.source()) {
            (_, Some((kind, id))) => match crate::sources::resolve(st, s, kind, id).await? {
                Some(r) => (r.title, r.href),
                None => (n.origin.label().to_owned(), None),
            },
            (Origin::AgencyRequest, _) => (
                format!(
                    "Asked for by {}",
                    n.agency_id
                        .as_ref()
                        .and_then(|a| refd.agencies.iter().find(|x| &x.id == a))
                        .map_or("an agency", |a| a.name.as_str())
                ),
                None,
            ),
            _ => (format!("{}: {}", n.origin.label(), n.origin_note), None),
        };
        rows.push(Row {
            themes: themes.remove(&n.id).unwrap_or_default(),
            priority: n.priority.label(),
            priority_tag: n.priority.tag_class(),
            from,
            courses,
            id: n.id,
            need: n.need,
            detail: n.detail,
        });
    }
    let mut years = needs::years(&st.db, s.pid()).await?;
    let this = i64::from(Utc::now().year());
    for y in [this + 1, this] {
        if !years.contains(&y) {
            years.push(y);
        }
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    let sources = needs::sources(&st.db, s.pid()).await?;
    Ok(NeedsPage {
        chrome: s.chrome("/training"),
        errors: errors.summary(),
        high: rows
            .iter()
            .filter(|r| r.priority == Priority::High.label())
            .count(),
        met: rows.iter().filter(|r| !r.courses.is_empty()).count(),
        rows,
        year,
        years,
        can_manage: can_manage(&s.actor),
        need: Input::new("need", "The need")
            .hint("What people need to learn, in a line. For example: recognising neglect in adolescents")
            .filled(f, errors),
        detail: Textarea::new("detail", "What showed the need")
            .hint("Optional: the finding, and who needs the training")
            .rows(3)
            .filled(f, errors),
        priority: Radios::new(
            "priority",
            "Priority",
            Priority::ALL.map(|p| ChoiceItem::new(p.slug(), p.label())),
        )
        .value(f.get("priority"))
        .error(errors.get("priority")),
        origin: Radios::new(
            "origin",
            "Where the need came from",
            Origin::ALL.map(|o| ChoiceItem::new(o.slug(), o.label())),
        )
        .value(f.get("origin"))
        .error(errors.get("origin")),
        source: Select::new(
            "source",
            "The review, audit, Section 11 cycle or assurance it came from",
            std::iter::once(SelectItem::new("", "Choose one, for those")).chain(
                sources
                    .into_iter()
                    .map(|(k, id, title)| SelectItem::new(format!("{}:{id}", k.slug()), title)),
            ),
        )
        .filled(f, errors),
        agency: Select::new(
            "agency",
            "The agency that asked, for an agency's request",
            std::iter::once(SelectItem::new("", "Choose an agency")).chain(
                refd.agencies
                    .iter()
                    .filter(|a| a.active)
                    .map(|a| SelectItem::new(a.id.clone(), a.name.clone())),
            ),
        )
        .filled(f, errors),
        note: Input::new("note", "For an inspection or something else, say what")
            .hint("For example: joint targeted area inspection, March 2026")
            .filled(f, errors),
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

async fn page(
    State(st): State<AppState>,
    s: Signed,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> AppResult<Response> {
    reads(&s)?;
    let q: YearQuery = crate::web::query_params(q.as_deref());
    render(
        &view(
            &st,
            &s,
            year_of(&q.year),
            &FormPairs::default(),
            &Errors::default(),
        )
        .await?,
    )
}

async fn add(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    reads(&s)?;
    if !can_manage(&s.actor) {
        return Err(AppError::Forbidden);
    }
    let year = year_of(&f.get("year"));
    let mut errors = Errors::default();
    let need = errors.check("need", check_name(&f.get("need"), "need", 300));
    let detail = if f.get("detail").trim().is_empty() {
        Some(String::new())
    } else {
        errors.check(
            "detail",
            check_text_block(&f.get("detail"), "what showed the need", 4000),
        )
    };
    let priority = parse(&Priority::ALL, &f.get("priority"));
    if priority.is_none() {
        errors.add("priority", "Choose how pressing the need is");
    }
    let origin = match check_origin(
        &f.get("origin"),
        &f.get("source"),
        &f.get("agency"),
        &f.get("note"),
    ) {
        Ok(o) => Some(o),
        Err((field, m)) => {
            errors.add(field, m);
            None
        }
    };
    let refd = s.reference(&st.db).await?;
    let themes: Vec<String> = f
        .all("theme")
        .into_iter()
        .filter(|t| refd.themes.iter().any(|x| &x.id == t))
        .collect();
    if let (true, Some(need), Some(detail), Some(priority), Some((origin, source))) =
        (errors.is_empty(), need, detail, priority, origin)
    {
        let input = NeedInput {
            year,
            need,
            detail,
            origin,
            source,
            agency_id: (origin == Origin::AgencyRequest).then(|| f.get("agency")),
            origin_note: if origin.source_kind().is_none() && origin != Origin::AgencyRequest {
                f.get("note").trim().chars().take(300).collect()
            } else {
                String::new()
            },
            priority,
            themes,
        };
        match needs::add(&st.db, &s.who(), s.pid(), &input).await {
            Ok(_) => {
                return Ok(crate::web::redirect_with(
                    &format!("/training/needs?year={year}"),
                    Flash::NeedAdded,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::NotFound) => errors.add(
                "source",
                "That record or agency is not one of this partnership's: choose again",
            ),
            Err(StoreError::Conflict(m)) => errors.add("theme", m),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &view(&st, &s, year, &f, &errors).await?,
    )
}
