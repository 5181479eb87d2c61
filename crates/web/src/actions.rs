//! Actions: the one action record of every source (meetings, case review recommendations and
//! the modules to come). The partnership-wide tracker (with "my actions", "my agency's
//! actions", a group's plan and a source's plan as its filters), exports, the action page with
//! progress updates, evidence, due-date revisions, sign-off and impact review, and what needs
//! attention on home pages.

use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{Duration, NaiveDate, Utc};
use learnloop_domain::accounts::Role;
use learnloop_domain::actions::{ActionStatus, Rag, rag_with_updates};
use learnloop_domain::policy::Permission;
use learnloop_domain::sources::SourceKind;
use learnloop_govuk::{Checkboxes, ChoiceItem, Select, SelectItem};
use learnloop_store::actions::{self, ActionLine, Filter, RagDays};
use learnloop_store::audit::{self, Event};
use learnloop_store::{Day, Page, Paged, is_id};

use crate::AppState;
use crate::attention::{Attention, Audience};
use crate::error::{AppError, AppResult};
use crate::page::Pager;
use crate::page::{Chrome, render};
use crate::session::Signed;
use crate::web::query_params;

mod page;
pub(crate) use page::scope;
mod plan;

/// Days before the due date an action shows amber.
pub const DUE_SOON_DAYS: i64 = 14;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/actions", get(list))
        .route("/actions/mine", get(mine))
        .route("/actions/agency", get(agency))
        .route("/actions/export.csv", get(export::<false>))
        .route("/actions/export.xlsx", get(export::<true>))
        .route("/actions/plan", axum::routing::post(plan_settings))
        .merge(page::routes())
        .merge(plan::routes())
}

/// The dates RAG is judged by today, for this partnership.
pub(crate) fn rag_days(s: &Signed, today: NaiveDate) -> RagDays {
    let iso = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    RagDays {
        today: iso(today),
        soon: iso(today + Duration::days(DUE_SOON_DAYS)),
        stale_before: iso(today - Duration::days(s.partnership.stale_after_weeks.max(1) * 7)),
    }
}

/// An action's RAG today, from its dates and its last update.
pub(crate) fn rag_of(s: &Signed, a: &actions::Action, today: NaiveDate) -> Option<Rag> {
    let status = a.status;
    let due = a.due_on.date();
    let last = a.last_touched();
    rag_with_updates(
        status,
        due,
        today,
        DUE_SOON_DAYS,
        last.map(|l| (l, s.partnership.stale_after_weeks.max(1))),
    )
}

pub(crate) struct Row {
    pub line: ActionLine,
    pub status: &'static str,
    pub rag: Option<Rag>,
    pub due: String,
    pub source_href: String,
}

pub(crate) fn rows(
    s: &Signed,
    refd: &learnloop_store::reference::Reference,
    lines: Vec<ActionLine>,
    today: NaiveDate,
) -> Vec<Row> {
    lines
        .into_iter()
        .map(|line| Row {
            status: line.action.status.label(),
            rag: rag_of(s, &line.action, today),
            due: line.action.due_on.long(),
            source_href: source_href(s, refd, &line.action),
            line,
        })
        .collect()
}

/// The address of an action's source, or nothing where that page would refuse the reader: a
/// meeting's page is for who may open its group (a meeting action belongs to its meeting's
/// group).
fn source_href(
    s: &Signed,
    refd: &learnloop_store::reference::Reference,
    a: &actions::Action,
) -> String {
    let opens = match a.source_kind {
        SourceKind::Meeting => a
            .group_id
            .as_deref()
            .is_some_and(|g| crate::governance::may_view_group(&s.actor, refd, g)),
        _ => true,
    };
    if opens {
        a.source_kind.path(&a.source_id)
    } else {
        String::new()
    }
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct ListQ {
    page: i64,
    /// A source kind's slug, or `kind:id` for one source's plan (see `sources::parse_ref`).
    source: String,
    agency: String,
    theme: String,
    status: String,
    rag: String,
    /// "overdue", or a number of days ahead.
    due: String,
    group: String,
    owner: String,
}

impl ListQ {
    /// The filter, scoped to what the person may see: without the right to see the
    /// partnership's plans, only their own actions.
    fn filter(&self, s: &Signed, today: NaiveDate) -> Filter {
        let id = |v: &str| Some(v.to_owned()).filter(|v| is_id(v));
        let (kind, source_id) = crate::sources::parse_ref(&self.source);
        let iso = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        let (due_from, due_to) = match self.due.as_str() {
            "overdue" => (None, Some(iso(today - Duration::days(1)))),
            n => match n.parse::<i64>() {
                Ok(days) if (1..=3650).contains(&days) => {
                    (Some(iso(today)), Some(iso(today + Duration::days(days))))
                }
                _ => (None, None),
            },
        };
        let mine = self.owner == "me" || !s.actor.can(Permission::ViewActions);
        Filter {
            source_kind: kind,
            source_id,
            group_id: id(&self.group),
            agency_id: id(&self.agency),
            owner_person_id: mine.then(|| s.person.id.clone()),
            theme_id: id(&self.theme),
            status: match self.status.as_str() {
                "open" => Some("open".to_owned()),
                "impact-due" => Some("impact-due".to_owned()),
                st => ActionStatus::parse(st).map(|x| x.slug().to_owned()),
            },
            rag: Rag::parse(&self.rag).map(|r| r.slug().to_owned()),
            due_from,
            due_to,
        }
    }

    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("source", &self.source),
            ("agency", &self.agency),
            ("theme", &self.theme),
            ("status", &self.status),
            ("rag", &self.rag),
            ("due", &self.due),
            ("group", &self.group),
            ("owner", &self.owner),
        ])
        .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "actions/list.html")]
struct ListPage {
    chrome: Chrome,
    heading: String,
    /// For one source's plan: (link back, its title, the import page if allowed).
    plan_of: Option<(String, String, Option<String>)>,
    /// For one source's plan the business team manages: its source and impact interval.
    plan_settings: Option<(String, i64)>,
    rows: Vec<Row>,
    pager: Pager,
    export_csv: String,
    export_xlsx: String,
    see_all: bool,
    stale_weeks: i64,
    agency_lead: bool,
    source: Select,
    agency: Select,
    theme: Select,
    status: Select,
    rag: Select,
    due: Select,
    owner: Checkboxes,
    hidden: Vec<(&'static str, String)>,
}

async fn list(State(st): State<AppState>, s: Signed, RawQuery(q): RawQuery) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    let q: ListQ = query_params(q.as_deref());
    let today = Utc::now().date_naive();
    let filter = q.filter(&s, today);
    let page = actions::tracker(
        &st.db,
        s.pid(),
        &filter,
        &rag_days(&s, today),
        Page::new(q.page, 50),
    )
    .await?;
    let refd = s.reference(&st.db).await?;
    let (agencies, all_themes, groups) = (&refd.agencies, &refd.themes, &refd.groups);
    let mut plan_settings = None;
    if let (Some(kind), Some(id), true) = (
        filter.source_kind,
        &filter.source_id,
        s.actor.can(Permission::ManageActions),
    ) && kind.raises_recommendations()
        && let Some(p) = actions::plan(&st.db, s.pid(), kind, id).await?
    {
        plan_settings = Some((crate::sources::ref_text(kind, id), p.impact_months));
    }
    // A source's plan names its source and links back to it (and, for the business team, to
    // importing more of the plan).
    let mut plan_of = None;
    if let (Some(SourceKind::CaseReview), Some(id)) = (filter.source_kind, &filter.source_id)
        && let Some(c) = learnloop_store::reviews::get(&st.db, s.pid(), id).await?
    {
        plan_of = Some((
            format!("/reviews/{}/review#plan", c.id),
            format!("case {}", c.reference),
            s.actor.can(Permission::ManageActions).then(|| {
                format!(
                    "/actions/import?source={}",
                    crate::sources::ref_text(SourceKind::CaseReview, &c.id)
                )
            }),
        ));
    }
    let heading = if let Some(g) = groups
        .iter()
        .find(|g| Some(&g.id) == filter.group_id.as_ref())
    {
        format!("Action plan of the {}", g.name)
    } else if let Some((_, title, _)) = &plan_of {
        format!("Action plan of {title}")
    } else if filter.source_id.is_some() {
        "Action plan".to_owned()
    } else if filter.owner_person_id.is_some() {
        "Your actions".to_owned()
    } else if let Some(a) = agencies
        .iter()
        .find(|a| Some(&a.id) == filter.agency_id.as_ref())
    {
        format!("Actions of {}", a.name)
    } else {
        "Actions".to_owned()
    };
    let qs = q.query_string();
    let any = || std::iter::once(SelectItem::new("", "Any"));
    let mut hidden = Vec::new();
    if q.source.contains(':') {
        hidden.push(("source", q.source.clone()));
    }
    if !q.group.is_empty() {
        hidden.push(("group", q.group.clone()));
    }
    render(&ListPage {
        chrome: s.chrome("/actions"),
        heading,
        plan_of,
        plan_settings,
        pager: Pager::of(
            &format!("/actions?{qs}"),
            &Paged {
                items: Vec::<()>::new(),
                total: page.total,
                page: page.page,
            },
        ),
        rows: rows(&s, &*s.reference(&st.db).await?, page.items, today),
        export_csv: format!("/actions/export.csv?{qs}"),
        export_xlsx: format!("/actions/export.xlsx?{qs}"),
        see_all: s.actor.can(Permission::ViewActions),
        stale_weeks: s.partnership.stale_after_weeks,
        agency_lead: s.actor.has(Role::AgencyLead),
        source: Select::new(
            "source",
            "Source",
            any().chain(
                SourceKind::ALL
                    .into_iter()
                    .map(|k| SelectItem::new(k.slug(), k.plural_label())),
            ),
        )
        .value(if q.source.contains(':') {
            ""
        } else {
            q.source.as_str()
        }),
        agency: Select::new(
            "agency",
            "Agency (lead or supporting)",
            any().chain(
                agencies
                    .iter()
                    .map(|a| SelectItem::new(a.id.clone(), a.name.clone())),
            ),
        )
        .value(&q.agency),
        theme: Select::new(
            "theme",
            "Theme",
            any().chain(
                all_themes
                    .iter()
                    .map(|t| SelectItem::new(t.id.clone(), t.name.clone())),
            ),
        )
        .value(&q.theme),
        status: Select::new(
            "status",
            "Status",
            any()
                .chain(std::iter::once(SelectItem::new(
                    "open",
                    "Open (not closed)",
                )))
                .chain(ActionStatus::ALL.map(|x| SelectItem::new(x.slug(), x.label())))
                .chain(std::iter::once(SelectItem::new(
                    "impact-due",
                    "Closed, impact review due",
                ))),
        )
        .value(&q.status),
        rag: Select::new(
            "rag",
            "RAG",
            any().chain(Rag::ALL.map(|r| {
                SelectItem::new(r.slug(), format!("{} ({})", capital(r.slug()), r.label()))
            })),
        )
        .value(&q.rag),
        due: Select::new(
            "due",
            "Due",
            any().chain([
                SelectItem::new("overdue", "Overdue"),
                SelectItem::new("14", "In the next 14 days"),
                SelectItem::new("30", "In the next 30 days"),
                SelectItem::new("90", "In the next 90 days"),
            ]),
        )
        .value(&q.due),
        owner: Checkboxes::new(
            "owner",
            "Owner",
            [ChoiceItem::new("me", "Only actions I own")],
        )
        .values(vec![q.owner.clone()]),
        hidden,
    })
}

/// The business team sets when a plan's impact reviews fall (months after each action closes).
async fn plan_settings(
    State(st): State<AppState>,
    s: Signed,
    f: crate::forms::FormPairs,
) -> AppResult<Response> {
    s.require(Permission::ManageActions)?;
    let (Some(kind), Some(id)) = crate::sources::parse_ref(&f.get("source")) else {
        return Err(AppError::NotFound);
    };
    if !kind.raises_recommendations() {
        return Err(AppError::NotFound);
    }
    let back = format!("/actions?source={}", crate::sources::ref_text(kind, &id));
    match f.get("months").trim().parse::<i64>() {
        Ok(m) if (1..=36).contains(&m) => {
            if !actions::set_plan_impact(&st.db, &s.who(), s.pid(), (kind, &id), m).await? {
                return Err(AppError::NotFound);
            }
            Ok(crate::web::redirect_with(
                &back,
                crate::page::Flash::PlanSaved,
                st.config.secure_cookies(),
            ))
        }
        _ => Err(AppError::BadRequest(
            "enter the months as a whole number from 1 to 36".into(),
        )),
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

async fn mine(s: Signed) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    Ok(Redirect::to("/actions?owner=me&status=open").into_response())
}

/// An agency lead's own agency's actions.
async fn agency(s: Signed) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    let mine = s.actor.agencies_led().next().map(str::to_owned);
    match mine {
        Some(a) => Ok(Redirect::to(&format!("/actions?agency={a}&status=open")).into_response()),
        None => Err(AppError::NotFound),
    }
}

/// The columns of an exported plan: those a partnership's own Excel tracker has, starting
/// with the columns an import reads back.
const EXPORT_HEADERS: [&str; 17] = [
    "ID",
    "Recommendation",
    "Action",
    "Lead agency",
    "Owner",
    "Supporting agencies",
    "Due date",
    "Success measure",
    "Source",
    "Status",
    "RAG",
    "Last update",
    "Closed",
    "Signed off by",
    "Impact review due",
    "Reason",
    "Added",
];

async fn export_rows(
    st: &AppState,
    s: &Signed,
    raw: Option<&str>,
    format: &str,
) -> AppResult<Vec<Vec<String>>> {
    s.require(Permission::ViewPartnership)?;
    let q: ListQ = query_params(raw);
    let today = Utc::now().date_naive();
    let filter = q.filter(s, today);
    let lines = actions::export(&st.db, s.pid(), &filter, &rag_days(s, today), 100_000).await?;
    let supporting = actions::supporting_all(&st.db, s.pid()).await?;
    let owners = learnloop_store::accounts::contacts(&st.db, s.pid()).await?;
    let numbers = learnloop_store::recommendations::numbers(&st.db, s.pid()).await?;
    let mut out = Vec::with_capacity(lines.len());
    for l in lines {
        let a = &l.action;
        let rag = rag_of(s, a, today)
            .map(|r| capital(r.slug()))
            .unwrap_or_default();
        out.push(vec![
            a.id.clone(),
            a.recommendation_id
                .as_ref()
                .and_then(|r| numbers.get(r))
                .map(ToString::to_string)
                .unwrap_or_default(),
            a.description.clone(),
            l.agency_name.clone().unwrap_or_default(),
            a.owner_person_id
                .as_ref()
                .and_then(|o| owners.iter().find(|p| &p.0 == o))
                .map(|p| p.2.clone())
                .unwrap_or_default(),
            supporting
                .iter()
                .filter(|(id, _)| id == &a.id)
                .map(|(_, n)| n.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            a.due_on.to_string(),
            a.success_measure.clone(),
            l.source_title.clone().unwrap_or_default(),
            a.status.label().to_owned(),
            rag,
            Day::or_blank(a.last_update_on),
            Day::or_blank(a.closed_on),
            a.signed_off_by.clone().unwrap_or_default(),
            Day::or_blank(a.impact_due_on),
            a.status_reason.clone(),
            a.created_at.get(..10).unwrap_or_default().to_owned(),
        ]);
    }
    audit::record(
        &st.db,
        &s.who(),
        Event::new("action.export", "action", None)
            .summary(format!("Exported {} actions as {format}", out.len())),
    )
    .await?;
    Ok(out)
}

/// The tracker's list, with the same filters, as CSV or as an Excel workbook.
async fn export<const XLSX: bool>(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    let rows = export_rows(&st, &s, q.as_deref(), if XLSX { "XLSX" } else { "CSV" }).await?;
    crate::uploads::spreadsheet(XLSX, ("action-plan", "Action plan"), &EXPORT_HEADERS, &rows)
}

/// Overdue and due-soon actions: each of a person's own (up to ten, then a link); the count of
/// their agency's overdue actions for an agency lead; the partnership's overdue actions and
/// impact reviews due for the business team.
pub async fn attention(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let Audience::Person(s) = a else {
        return Ok(Vec::new());
    };
    let today = Utc::now().date_naive();
    let days = rag_days(s, today);
    let mut out = Vec::new();
    let own = actions::tracker(
        &st.db,
        s.pid(),
        &Filter {
            owner_person_id: Some(s.person.id.clone()),
            status: Some("open".into()),
            due_to: Some(days.soon.clone()),
            ..Filter::default()
        },
        &days,
        Page::new(1, 10),
    )
    .await?;
    for l in &own.items {
        let rag = rag_of(s, &l.action, today);
        out.push(Attention {
            kind: "action",
            text: format!("Your action: {}", l.action.description),
            detail: format!("Due {}", l.action.due_on.long()),
            href: format!("/actions/{}", l.action.id),
            tag: rag.map(|r| (r.label().to_owned(), r.colour())),
        });
    }
    if own.total > 10 {
        out.push(Attention {
            kind: "action",
            text: format!(
                "{} more of your actions are due soon or overdue",
                own.total - 10
            ),
            detail: String::new(),
            href: "/actions?owner=me&due=14".into(),
            tag: None,
        });
    }
    let overdue = |f: Filter| Filter {
        rag: Some("red".into()),
        ..f
    };
    for agency in s.actor.agencies_led() {
        let n = actions::count(
            &st.db,
            s.pid(),
            &overdue(Filter {
                agency_id: Some(agency.to_owned()),
                ..Filter::default()
            }),
            &days,
        )
        .await?;
        if n > 0 {
            out.push(Attention {
                kind: "action",
                text: format!(
                    "{n} of your agency's actions {} overdue",
                    if n == 1 { "is" } else { "are" }
                ),
                detail: String::new(),
                href: format!("/actions?agency={agency}&rag=red"),
                tag: Some(("Overdue".into(), "red")),
            });
        }
    }
    if s.actor.can(Permission::ManageActions) {
        let n = actions::count(&st.db, s.pid(), &overdue(Filter::default()), &days).await?;
        if n > 0 {
            out.push(Attention {
                kind: "action",
                text: format!(
                    "{n} action{} across the partnership {} overdue",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "is" } else { "are" }
                ),
                detail: String::new(),
                href: "/actions?rag=red".into(),
                tag: Some(("Overdue".into(), "red")),
            });
        }
        let impact = actions::impact_due_by(&st.db, s.pid(), &days.today, 10).await?;
        if impact.len() == 10 {
            let due = Filter {
                status: Some("impact-due".into()),
                ..Filter::default()
            };
            let n = actions::count(&st.db, s.pid(), &due, &days).await?;
            out.push(Attention {
                kind: "impact",
                text: format!("{n} impact reviews are due; the ten due longest are below"),
                detail: String::new(),
                href: "/actions?status=impact-due".into(),
                tag: Some(("Impact review due".into(), "yellow")),
            });
        }
        for a in &impact {
            out.push(Attention {
                kind: "impact",
                text: format!("Impact review due: {}", a.description),
                detail: String::new(),
                href: format!("/actions/{}#impact", a.id),
                tag: Some(("Impact review due".into(), "yellow")),
            });
        }
    }
    Ok(out)
}
