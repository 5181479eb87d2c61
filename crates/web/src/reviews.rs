//! Case reviews, first part: recording a serious incident notification (children known by
//! pseudonyms, agencies involved, the group that oversees it) which starts its statutory clocks
//! at once; the case list; and the case page — in full for the business team and the people on
//! its panel (each such read audited), an anonymised summary for everyone else.

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use learnloop_domain::clocks::{Calendar, ClockRule, ClockState, ClockStatus, evaluate};
use learnloop_domain::dates::long;
use learnloop_domain::policy::Permission;
use learnloop_domain::reviews::lifecycle::{AgencyReturn, Publication, ReviewType, clock_applies};
use learnloop_domain::reviews::{
    CaseEvents, Category, Decision, PanelResponse, Stage, can_read_in_full, can_sign_off,
    can_write_summary, check_pseudonym, check_recommendation,
};
use learnloop_domain::sources::SourceKind;
use learnloop_domain::text::{check_name, check_text_block};
use learnloop_govuk::{
    Checkboxes, ChoiceItem, DateInput, Input, Radios, Select, SelectItem, Textarea,
};
use learnloop_store::audit::{self, Event};
use learnloop_store::outbox::NewMail;
use learnloop_store::returns::ReturnLine;
use learnloop_store::reviews::{
    self, CaseReview, NewNotification, RapidReview, RapidReviewInput, Subject,
};
use learnloop_store::{Day, Page, accounts, is_id};

use crate::AppState;
use crate::attention::{Attention, Audience};
use crate::clocks::Timeline;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::Pager;
use crate::page::{Chrome, Flash, filters, render, render_status};
use crate::session::Signed;
use crate::web::{query_params, redirect_with};

mod lifecycle;

/// Whether every chosen id is one of the partnership's agencies (and, if `required`, at least
/// one was chosen): the one check of every agency checkbox list on the case review forms.
pub(crate) fn agencies_valid(
    chosen: &[String],
    agencies: &[learnloop_store::governance::Agency],
    required: bool,
) -> bool {
    !(required && chosen.is_empty()) && chosen.iter().all(|a| agencies.iter().any(|x| &x.id == a))
}

mod case_page;
mod notify;
mod panel;
mod summaries;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(lifecycle::routes())
        .route("/reviews", get(list))
        .route("/reviews/export.csv", get(export::<false>))
        .route("/reviews/export.xlsx", get(export::<true>))
        .merge(notify::routes())
        .merge(case_page::routes())
        .merge(summaries::routes())
        .merge(panel::routes())
}

/// The clocks a case has now: its intake rules by category, the publication clocks of a
/// practice review, and any local rule counted from one of the case's events.
fn case_clocks<'r>(c: &CaseReview, rules: &'r [ClockRule]) -> Vec<&'r ClockRule> {
    let category = c.category;
    let review = c.review_type.as_deref().and_then(ReviewType::parse);
    rules
        .iter()
        .filter(|r| clock_applies(r, category, review))
        .collect()
}

/// Each of the case's clocks with where it stands today: what lists and agendas need, without
/// the words of a whole timeline.
fn case_states<'r>(
    c: &CaseReview,
    cal: &Calendar,
    rules: &'r [ClockRule],
    from_aware: bool,
    today: NaiveDate,
) -> Vec<(&'r ClockRule, ClockState)> {
    let e = case_events(c, from_aware);
    let events = |x: &str| e.start(x);
    let met = |x: &str| e.met(x);
    case_clocks(c, rules)
        .into_iter()
        .map(|r| {
            (
                r,
                evaluate(r, cal, events(&r.starts_on), met(&r.slug), today),
            )
        })
        .collect()
}

/// The case's dated events, as the domain's clock rules read them.
fn case_events(c: &CaseReview, rapid_from_aware: bool) -> CaseEvents {
    let day = |d: &Option<Day>| d.map(Day::date);
    CaseEvents {
        aware: Some(c.aware_on.date()),
        notified: day(&c.notified_on),
        decided: day(&c.decided_on),
        publication_planned: day(&c.publication_planned_on),
        published: day(&c.published_on),
        rapid_review_sent: day(&c.rapid_review_sent_on),
        report_sent: day(&c.report_sent_on),
        not_to_be_published: c.publication.as_deref() == Some(Publication::DoNotPublish.slug()),
        rapid_from_aware,
    }
}

fn timeline(
    c: &CaseReview,
    cal: &Calendar,
    rules: &[ClockRule],
    rapid_from_aware: bool,
    today: NaiveDate,
) -> Timeline {
    let own = case_clocks(c, rules);
    let e = case_events(c, rapid_from_aware);
    Timeline::of(
        &format!("Deadlines of case {}", c.reference),
        cal,
        &own,
        &|x: &str| e.start(x),
        &|x: &str| e.met(x),
        today,
    )
}

/// Clocks at risk or missed, on the business team's home page and on the agenda of the group
/// that oversees the case. Only the reference and the deadline show: no children's details.
pub async fn attention(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    clocks_at_risk(st, a).await
}

async fn clocks_at_risk(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let s = a.signed();
    let cases = match a {
        Audience::Person(s) if s.actor.can(Permission::ManageReviews) => {
            reviews::open(&st.db, s.pid()).await?
        }
        Audience::Person(_) => return Ok(Vec::new()),
        Audience::Group { group, .. } => reviews::open(&st.db, s.pid())
            .await?
            .into_iter()
            .filter(|c| c.oversight_group_id.as_deref() == Some(group.group.id.as_str()))
            .collect(),
    };
    if cases.is_empty() {
        return Ok(Vec::new());
    }
    let today = match a {
        Audience::Group { day, .. } => *day,
        Audience::Person(_) => Utc::now().date_naive(),
    };
    let refd = s.reference(&st.db).await?;
    let cal = &refd.calendar;
    let rules = &refd.rules;
    let from_aware = s.partnership.rapid_review_from == "aware";
    let mut out = Vec::new();
    for c in &cases {
        // What the group (or the business team) must do next, beside the clocks: give its
        // recommendation at a rapid review, consider a draft report, or consider a referral.
        let business = match (a, Some(c.stage)) {
            (Audience::Group { .. }, Some(Stage::RapidReview)) => {
                Some("rapid review, for the group's recommendation")
            }
            (Audience::Group { .. }, Some(Stage::DraftReport)) => {
                Some("draft report, for the group's consideration")
            }
            (_, Some(Stage::Referred)) => Some("referral, to consider"),
            _ => None,
        };
        if let Some(what) = business {
            out.push(Attention {
                kind: "case-business",
                text: format!("Case {}: {what}", c.reference),
                detail: c.stage.label().to_owned(),
                href: format!("/reviews/{}", c.id),
                tag: None,
            });
        }
        for (r, state) in case_states(c, cal, rules, from_aware, today) {
            if matches!(
                state.status,
                ClockStatus::DueSoon | ClockStatus::DueToday | ClockStatus::Overdue
            ) {
                out.push(Attention {
                    kind: "case-clock",
                    text: format!("Case {}: {}", c.reference, r.name),
                    detail: format!(
                        "{}: due {}",
                        state.status.label(),
                        state.due.map(long).unwrap_or_default()
                    ),
                    href: format!("/reviews/{}", c.id),
                    tag: Some((state.status.label().to_owned(), state.status.tag_colour())),
                });
            }
        }
    }
    Ok(out)
}

struct Row {
    case: CaseReview,
    /// The review's type, or what was notified while no review has been decided.
    kind: &'static str,
    stage: &'static str,
    publication: &'static str,
    next: Option<(String, String, &'static str, &'static str)>,
    at_risk: bool,
}

#[derive(Template)]
#[template(path = "reviews/list.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    pager: Pager,
    can_add: bool,
    can_refer: bool,
    export: String,
    export_xlsx: String,
    category: Select,
    stage: Select,
    year: Input,
    review_type: Select,
    publication: Select,
    theme: Select,
    reviewer: Input,
    text: Input,
    at_risk: Checkboxes,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ListQ {
    page: i64,
    category: String,
    stage: String,
    year: String,
    #[serde(rename = "type")]
    review_type: String,
    publication: String,
    theme: String,
    reviewer: String,
    q: String,
    #[serde(rename = "at-risk")]
    at_risk: String,
}

impl ListQ {
    fn filter(&self) -> reviews::Filter {
        let words = |s: &str| {
            Some(s.trim().chars().take(100).collect::<String>()).filter(|s| !s.is_empty())
        };
        reviews::Filter {
            category: Category::parse(&self.category).map(|c| c.slug().to_owned()),
            stage: Stage::parse(&self.stage).map(|c| c.slug().to_owned()),
            year: self
                .year
                .trim()
                .parse()
                .ok()
                .filter(|y| (1990..=2100).contains(y)),
            review_type: ReviewType::parse(&self.review_type).map(|t| t.slug().to_owned()),
            publication: match self.publication.as_str() {
                "undecided" => Some("undecided".to_owned()),
                p => Publication::parse(p).map(|p| p.slug().to_owned()),
            },
            theme_id: Some(self.theme.clone()).filter(|t| is_id(t)),
            reviewer: words(&self.reviewer),
            text: words(&self.q),
            // A closed case's clocks are no longer at risk.
            open_only: self.at_risk(),
        }
    }

    fn at_risk(&self) -> bool {
        self.at_risk == "yes"
    }

    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("category", &self.category),
            ("stage", &self.stage),
            ("year", &self.year),
            ("type", &self.review_type),
            ("publication", &self.publication),
            ("theme", &self.theme),
            ("reviewer", &self.reviewer),
            ("q", &self.q),
            ("at-risk", &self.at_risk),
        ])
        .unwrap_or_default()
    }
}

/// A case with its next open deadline, as the list and the export show it.
fn rows_of(
    st_cal: &Calendar,
    rules: &[ClockRule],
    from_aware: bool,
    cases: Vec<CaseReview>,
) -> Vec<Row> {
    let today = Utc::now().date_naive();
    cases
        .into_iter()
        .map(|c| {
            let states = case_states(&c, st_cal, rules, from_aware, today);
            let open = states.iter().find(|(_, s)| {
                !matches!(
                    s.status,
                    ClockStatus::MetOnTime | ClockStatus::MetLate | ClockStatus::NotStarted
                )
            });
            let at_risk = states.iter().any(|(_, s)| s.status.needs_attention());
            let next = open.map(|(r, s)| {
                (
                    r.name.clone(),
                    s.due.map(long).unwrap_or_default(),
                    s.status.tag_colour(),
                    s.status.label(),
                )
            });
            Row {
                kind: c
                    .review_type
                    .as_deref()
                    .and_then(ReviewType::parse)
                    .map(ReviewType::label)
                    .unwrap_or(c.category.label()),
                stage: c.stage.label(),
                publication: c
                    .publication
                    .as_deref()
                    .and_then(Publication::parse)
                    .map(Publication::label)
                    .unwrap_or("Not decided"),
                next,
                at_risk,
                case: c,
            }
        })
        .collect()
}

/// The tracker's rows for one page (or all, for an export). The at-risk filter depends on
/// today's clocks, so it is applied to the partnership's filtered cases in memory.
async fn tracker_rows(
    st: &AppState,
    s: &Signed,
    q: &ListQ,
    page: Option<Page>,
) -> AppResult<(Vec<Row>, i64, Page)> {
    let refd = s.reference(&st.db).await?;
    let cal = &refd.calendar;
    let rules = &refd.rules;
    let from_aware = s.partnership.rapid_review_from == "aware";
    let filter = q.filter();
    if let Some(p) = page
        && !q.at_risk()
    {
        let got = reviews::list(&st.db, s.pid(), &filter, p).await?;
        return Ok((rows_of(cal, rules, from_aware, got.items), got.total, p));
    }
    let mut all = Vec::new();
    let mut n = 1;
    loop {
        let got = reviews::list(&st.db, s.pid(), &filter, Page::new(n, 200)).await?;
        let done = got.items.len() < 200;
        all.extend(got.items);
        if done || n >= 100 {
            break;
        }
        n += 1;
    }
    let mut rows = rows_of(cal, rules, from_aware, all);
    if q.at_risk() {
        rows.retain(|r| r.at_risk);
    }
    let total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    match page {
        Some(p) => {
            let skip = usize::try_from(p.offset()).unwrap_or(0);
            let take = usize::try_from(p.size).unwrap_or(50);
            Ok((rows.into_iter().skip(skip).take(take).collect(), total, p))
        }
        None => Ok((rows, total, Page::new(1, total.max(1)))),
    }
}

async fn list(State(st): State<AppState>, s: Signed, RawQuery(q): RawQuery) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    let q: ListQ = query_params(q.as_deref());
    let (rows, total, page) = tracker_rows(&st, &s, &q, Some(Page::new(q.page, 50))).await?;
    let themes = s.reference(&st.db).await?.themes.clone();
    let qs = q.query_string();
    let any = || std::iter::once(SelectItem::new("", "Any"));
    render(&ListPage {
        chrome: s.chrome("/reviews"),
        pager: Pager::of(
            &format!("/reviews?{qs}"),
            &learnloop_store::Paged {
                items: Vec::<()>::new(),
                total,
                page,
            },
        ),
        rows,
        can_add: s.actor.can(Permission::ManageReviews),
        can_refer: s.actor.can(Permission::ReferCase),
        export: format!("/reviews/export.csv?{qs}"),
        export_xlsx: format!("/reviews/export.xlsx?{qs}"),
        category: Select::new(
            "category",
            "What was notified",
            any().chain(
                Category::ALL
                    .into_iter()
                    .chain([Category::Referral, Category::Recorded])
                    .map(|c| SelectItem::new(c.slug(), c.label())),
            ),
        )
        .value(&q.category),
        stage: Select::new(
            "stage",
            "Stage",
            any().chain(Stage::ALL.map(|x| SelectItem::new(x.slug(), x.label()))),
        )
        .value(&q.stage),
        year: Input::new("year", "Year")
            .inputmode("numeric")
            .width_class("govuk-input--width-4")
            .value(&q.year),
        review_type: Select::new(
            "type",
            "Type of review",
            any().chain(ReviewType::ALL.map(|t| SelectItem::new(t.slug(), t.label()))),
        )
        .value(&q.review_type),
        publication: Select::new(
            "publication",
            "Publication",
            any()
                .chain(std::iter::once(SelectItem::new("undecided", "Not decided")))
                .chain(Publication::ALL.map(|p| SelectItem::new(p.slug(), p.label()))),
        )
        .value(&q.publication),
        theme: Select::new(
            "theme",
            "Theme",
            any().chain(
                themes
                    .iter()
                    .map(|t| SelectItem::new(t.id.clone(), t.name.clone())),
            ),
        )
        .value(&q.theme),
        reviewer: Input::new("reviewer", "Reviewer").value(&q.reviewer),
        text: Input::new("q", "Case or Panel reference")
            .hint("Or the reviewer's name")
            .value(&q.q),
        at_risk: Checkboxes::new(
            "at-risk",
            "Deadlines",
            [ChoiceItem::new(
                "yes",
                "Only cases with a deadline at risk or missed",
            )],
        )
        .values(vec![q.at_risk.clone()]),
    })
}

const EXPORT_HEADERS: [&str; 14] = [
    "Case",
    "Type",
    "What was notified",
    "Stage",
    "Aware",
    "Notified",
    "Panel reference",
    "Decided",
    "Reviewer",
    "Publication",
    "Published",
    "Next deadline",
    "Due",
    "Status",
];

/// The tracker's filtered cases for a spreadsheet: no children's details, and nothing of the
/// restricted record.
async fn export_rows(
    st: &AppState,
    s: &Signed,
    raw: Option<&str>,
    format: &str,
) -> AppResult<Vec<Vec<String>>> {
    s.require(Permission::ViewPartnership)?;
    let q: ListQ = query_params(raw);
    let (rows, _, _) = tracker_rows(st, s, &q, None).await?;
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            let (next, due, status) = r
                .next
                .map(|(n, d, _, st)| (n, d, st.to_owned()))
                .unwrap_or_default();
            vec![
                r.case.reference,
                r.case
                    .review_type
                    .as_deref()
                    .and_then(ReviewType::parse)
                    .map(ReviewType::label)
                    .unwrap_or("")
                    .to_owned(),
                r.case.category.label().to_owned(),
                r.stage.to_owned(),
                r.case.aware_on.to_string(),
                Day::or_blank(r.case.notified_on),
                r.case.panel_reference,
                Day::or_blank(r.case.decided_on),
                r.case.reviewer_name.unwrap_or_default(),
                r.publication.to_owned(),
                Day::or_blank(r.case.published_on),
                next,
                due,
                status,
            ]
        })
        .collect();
    audit::record(
        &st.db,
        &s.who(),
        Event::new(
            "case.export",
            learnloop_domain::sources::SourceKind::CaseReview.slug(),
            None,
        )
        .summary(format!("Exported {} cases as {format}", rows.len())),
    )
    .await?;
    Ok(rows)
}

/// The case list, with the same filters, as CSV or as an Excel workbook; cells made safe.
async fn export<const XLSX: bool>(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    let rows = export_rows(&st, &s, q.as_deref(), if XLSX { "XLSX" } else { "CSV" }).await?;
    crate::uploads::spreadsheet(
        XLSX,
        ("case-reviews", "Case reviews"),
        &EXPORT_HEADERS,
        &rows,
    )
}

/// A case of the partnership that the person manages reviews for; not found otherwise.
async fn managed_case(st: &AppState, s: &Signed, id: &str) -> AppResult<reviews::CaseReview> {
    s.require(Permission::ManageReviews)?;
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    reviews::get(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)
}
