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
use learnloop_domain::dates::{long, parse_iso};
use learnloop_domain::policy::Permission;
use learnloop_domain::reviews::lifecycle::{AgencyReturn, Publication, ReviewType, clock_applies};
use learnloop_domain::reviews::{
    CaseEvents, Category, Decision, PanelResponse, Stage, can_read_in_full, can_sign_off,
    can_write_summary, check_pseudonym, check_recommendation,
};
use learnloop_domain::text::{check_name, check_text_block};
use learnloop_govuk::{
    Checkboxes, ChoiceItem, DateInput, Input, Radios, Select, SelectItem, Textarea,
};
use learnloop_store::audit::{self, Event};
use learnloop_store::outbox::NewMail;
use learnloop_store::reviews::{
    self, AgencySummary, CaseReview, NewNotification, RapidReview, RapidReviewInput, Subject,
};
use learnloop_store::{Page, accounts, governance as gov, is_id};

use crate::AppState;
use crate::attention::{Attention, Audience};
use crate::clocks::Timeline;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, FormPairs};
use crate::page::Pager;
use crate::page::{Chrome, Flash, render, render_status};
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

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(lifecycle::routes())
        .route("/reviews", get(list))
        .route("/reviews/export.csv", get(export::<false>))
        .route("/reviews/export.xlsx", get(export::<true>))
        .route("/reviews/new", get(new_page).post(create))
        .route("/reviews/{id}", get(show))
        .route("/reviews/{id}/panel", get(panel_page).post(add_panel))
        .route("/reviews/{id}/summaries", post(request_summaries))
        .route("/reviews/{id}/rapid-review", post(record_rapid_review))
        .route("/reviews/{id}/sign-off", post(sign_off))
        .route("/reviews/{id}/panel-outcome", post(panel_outcome))
        .route(
            "/reviews/{id}/summaries/{agency}",
            get(summary_page).post(submit_summary),
        )
}

/// The clocks a case has now: its intake rules by category, the publication clocks of a
/// practice review, and any local rule counted from one of the case's events.
fn case_clocks<'r>(c: &CaseReview, rules: &'r [ClockRule]) -> Vec<&'r ClockRule> {
    let category = Category::parse(&c.category).unwrap_or(Category::DeathOrSeriousHarm);
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
    let day = |d: &Option<String>| d.as_deref().and_then(parse_iso);
    CaseEvents {
        aware: parse_iso(&c.aware_on),
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
    let mut out = summaries_due(st, a).await?;
    out.extend(clocks_at_risk(st, a).await?);
    Ok(out)
}

/// An agency lead's summaries still to return.
async fn summaries_due(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let Audience::Person(s) = a else {
        return Ok(Vec::new());
    };
    let mine: Vec<String> = s.actor.agencies_led().map(str::to_owned).collect();
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    let today = Utc::now().date_naive();
    Ok(reviews::pending_for_agencies(&st.db, s.pid(), &mine)
        .await?
        .into_iter()
        .map(|(sm, reference)| {
            let due = parse_iso(&sm.due_on);
            let late = due.is_some_and(|d| d < today);
            let due_text = due.map(long).unwrap_or_default();
            let kind = AgencyReturn::parse(&sm.kind).unwrap_or(AgencyReturn::Summary);
            Attention {
                kind: "case-summary",
                text: format!("Your agency's {} for case {reference}", kind.noun()),
                detail: format!("Due {due_text}"),
                href: format!("/reviews/{}/{}/{}", sm.review_id, kind.path(), sm.agency_id),
                tag: Some(if late {
                    ("Overdue".to_owned(), "red")
                } else {
                    (format!("Due {due_text}"), "yellow")
                }),
            }
        })
        .collect())
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
                    .or_else(|| Category::parse(&c.category).map(Category::label))
                    .unwrap_or("Unknown"),
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
                Category::parse(&r.case.category)
                    .map(Category::label)
                    .unwrap_or("")
                    .to_owned(),
                r.stage.to_owned(),
                r.case.aware_on,
                r.case.notified_on.unwrap_or_default(),
                r.case.panel_reference,
                r.case.decided_on.unwrap_or_default(),
                r.case.reviewer_name.unwrap_or_default(),
                r.publication.to_owned(),
                r.case.published_on.unwrap_or_default(),
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

// ---- recording a notification ----

const CHILD_ROWS: usize = 3;

#[derive(Template)]
#[template(path = "reviews/new.html")]
struct NewPage {
    chrome: Chrome,
    errors: learnloop_govuk::ErrorSummary,
    category: Radios,
    aware: DateInput,
    notified: DateInput,
    panel_reference: Input,
    summary: Textarea,
    children: Vec<(Input, Input)>,
    agencies: Checkboxes,
    group: Select,
}

async fn new_form(st: &AppState, s: &Signed, f: &FormPairs, errors: &Errors) -> AppResult<NewPage> {
    let refd = s.reference(&st.db).await?;
    let agencies = refd.active_agencies();
    let groups = &refd.groups;
    Ok(NewPage {
        chrome: s.chrome("/reviews"),
        errors: errors.summary(),
        category: Radios::new(
            "category",
            "What was notified",
            Category::ALL.map(|c| {
                let item = ChoiceItem::new(c.slug(), c.label());
                if c.needs_rapid_review() {
                    item
                } else {
                    item.hint("No rapid review is needed")
                }
            }),
        )
        .value(f.get("category"))
        .error(errors.get("category")),
        aware: DateInput::new("aware", "Date the local authority became aware")
            .date_values(
                f.get("aware-day"),
                f.get("aware-month"),
                f.get("aware-year"),
            )
            .error(errors.get("aware-day")),
        notified: DateInput::new("notified", "Date notified to the national Panel")
            .hint("Leave empty if it has not been notified yet: the 5-working-day clock is running")
            .date_values(
                f.get("notified-day"),
                f.get("notified-month"),
                f.get("notified-year"),
            )
            .error(errors.get("notified-day")),
        panel_reference: Input::new(
            "panel_reference",
            "National notification reference (optional)",
        )
        .width_class("govuk-input--width-20")
        .value(f.get("panel_reference")),
        summary: Textarea::new("summary", "What happened, in brief")
            .hint("Use the children's pseudonyms, never their names")
            .rows(4)
            .value(f.get("summary"))
            .error(errors.get("summary")),
        children: (1..=CHILD_ROWS)
            .map(|i| {
                let p = format!("child-{i}-pseudonym");
                let n = format!("child-{i}-name");
                (
                    Input::new(p.clone(), format!("Child {i}: pseudonym"))
                        .hint(if i == 1 {
                            "For example, Child A. Lists, mails and reports show only this"
                        } else {
                            ""
                        })
                        .width_class("govuk-input--width-10")
                        .value(f.get(&p))
                        .error(errors.get(&p)),
                    Input::new(n.clone(), format!("Child {i}: full name (optional)"))
                        .hint(if i == 1 {
                            "Shown only inside this restricted record, to its panel"
                        } else {
                            ""
                        })
                        .autocomplete("off")
                        .value(f.get(&n)),
                )
            })
            .collect(),
        agencies: Checkboxes::new(
            "agency",
            "Agencies involved",
            agencies
                .iter()
                .map(|a| ChoiceItem::new(a.id.clone(), a.name.clone())),
        )
        .values(f.all("agency"))
        .error(errors.get("agency")),
        group: Select::new(
            "group",
            "Group that oversees it",
            std::iter::once(SelectItem::new("", "Choose a group")).chain(
                groups
                    .iter()
                    .map(|g| SelectItem::new(g.id.clone(), g.name.clone())),
            ),
        )
        .hint("Its agendas will show this case's deadlines")
        .value(f.get("group"))
        .error(errors.get("group")),
    })
}

async fn new_page(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ManageReviews)?;
    render(&new_form(&st, &s, &FormPairs(Vec::new()), &Errors::default()).await?)
}

async fn create(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ManageReviews)?;
    let mut errors = Errors::default();
    let category = Category::parse(&f.get("category"));
    if category.is_none() {
        errors.add("category", "Choose what was notified");
    }
    let today = Utc::now().date_naive();
    let aware = f.date(
        "aware",
        "the date the local authority became aware",
        &mut errors,
    );
    if aware.is_some_and(|d| d > today) {
        errors.add(
            "aware-day",
            "The date the local authority became aware must be today or in the past",
        );
    }
    let typed_notified = !(f.get("notified-day").is_empty()
        && f.get("notified-month").is_empty()
        && f.get("notified-year").is_empty());
    let notified = if typed_notified {
        f.date("notified", "the date notified", &mut errors)
    } else {
        None
    };
    if let (Some(a), Some(n)) = (aware, notified)
        && n < a
    {
        errors.add(
            "notified-day",
            "The date notified must be on or after the date the local authority became aware",
        );
    }
    let summary = errors.check(
        "summary",
        check_text_block(&f.get("summary"), "brief account of what happened", 4000),
    );
    let mut children = Vec::new();
    for i in 1..=CHILD_ROWS {
        let (p, n) = (
            f.get(&format!("child-{i}-pseudonym")),
            f.get(&format!("child-{i}-name")),
        );
        if p.trim().is_empty() && n.trim().is_empty() {
            continue;
        }
        if let Some(p) = errors.check(&format!("child-{i}-pseudonym"), check_pseudonym(&p)) {
            children.push((p, n.trim().chars().take(200).collect::<String>()));
        }
    }
    if children.is_empty() && errors.get("child-1-pseudonym").is_none() {
        errors.add(
            "child-1-pseudonym",
            "Enter the pseudonym of at least one child, for example Child A",
        );
    }
    let refd = s.reference(&st.db).await?;
    let agencies = refd.active_agencies();
    let chosen = f.all("agency");
    if !agencies_valid(&chosen, &agencies, true) {
        errors.add("agency", "Choose the agencies involved");
    }
    let group = f.get("group");
    if !refd.groups.iter().any(|g| g.id == group) {
        errors.add("group", "Choose the group that oversees the case");
    }
    if let (Some(category), Some(aware), Some(summary)) = (category, aware, summary)
        && errors.is_empty()
    {
        let n = NewNotification {
            category: category.slug().to_owned(),
            stage: Stage::first(category).slug().to_owned(),
            aware_on: aware.format("%Y-%m-%d").to_string(),
            notified_on: notified.map(|d| d.format("%Y-%m-%d").to_string()),
            panel_reference: f.get("panel_reference").trim().chars().take(100).collect(),
            summary,
            oversight_group_id: Some(group),
            children,
            agency_ids: chosen,
            origin: "notification",
            review_type: None,
            decided_on: None,
            link: None,
            referral: None,
        };
        let id = reviews::notify(&st.db, &s.who(), s.pid(), &n).await?;
        return Ok(redirect_with(
            &format!("/reviews/{id}"),
            Flash::CaseRecorded,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &new_form(&st, &s, &f, &errors).await?,
    )
}

// ---- the case page ----

#[derive(Template)]
#[template(path = "reviews/show.html")]
struct ShowPage {
    chrome: Chrome,
    case: CaseReview,
    review_type: Option<&'static str>,
    themes: Vec<String>,
    category: &'static str,
    stage: &'static str,
    aware_on: String,
    notified_on: Option<String>,
    full: bool,
    children: Vec<Subject>,
    agencies: Vec<String>,
    panel: Vec<String>,
    group: String,
    timeline: Timeline,
    can_manage: bool,
    summaries: Vec<(AgencySummary, String)>,
    summaries_due: DateInput,
    errors: learnloop_govuk::ErrorSummary,
    rapid: Option<RapidReview>,
    recommendation: &'static str,
    panel_response: &'static str,
    can_sign: bool,
    can_record_rapid: bool,
    rr_facts: Textarea,
    rr_safety: Textarea,
    rr_safety_by: Input,
    rr_learning: Textarea,
    rr_recommendation: Radios,
    rr_reasons: Textarea,
    sign_on: DateInput,
    sent_on: DateInput,
    response: Radios,
    response_on: DateInput,
}

async fn show(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    render(&show_view(&st, &s, &id, &FormPairs(Vec::new()), &Errors::default()).await?)
}

async fn show_view(
    st: &AppState,
    s: &Signed,
    id: &str,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<ShowPage> {
    let id = id.to_owned();
    s.require(Permission::ViewPartnership)?;
    if !is_id(&id) {
        return Err(AppError::NotFound);
    }
    let c = reviews::get(&st.db, s.pid(), &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let panel_people = reviews::panel_people(&st.db, s.pid(), &id).await?;
    let panel_ids: Vec<String> = panel_people.iter().map(|p| p.id.clone()).collect();
    let full = can_read_in_full(&s.actor, &panel_ids);
    if full && c.restricted {
        audit::record(
            &st.db,
            &s.who(),
            Event::new(
                "case.read",
                learnloop_domain::sources::SourceKind::CaseReview.slug(),
                Some(&id),
            )
            .summary(format!("Read case {} in full", c.reference)),
        )
        .await?;
    }
    let refd = s.reference(&st.db).await?;
    let cal = &refd.calendar;
    let rules = &refd.rules;
    let from_aware = s.partnership.rapid_review_from == "aware";
    let summaries = if full {
        let all = &refd.agencies;
        reviews::summaries(&st.db, s.pid(), &id, AgencyReturn::Summary.slug())
            .await?
            .into_iter()
            .map(|sm| {
                let name = all
                    .iter()
                    .find(|a| a.id == sm.agency_id)
                    .map(|a| a.name.clone())
                    .unwrap_or_default();
                (sm, name)
            })
            .collect()
    } else {
        Vec::new()
    };
    let (children, agencies, panel) = if full {
        let all = &refd.agencies;
        let ids = reviews::agency_ids(&st.db, s.pid(), &id).await?;
        (
            reviews::subjects(&st.db, s.pid(), &id).await?,
            all.iter()
                .filter(|a| ids.contains(&a.id))
                .map(|a| a.name.clone())
                .collect(),
            panel_people.into_iter().map(|p| p.name).collect(),
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let group = match &c.oversight_group_id {
        Some(g) => refd
            .groups
            .iter()
            .find(|x| &x.id == g)
            .map(|x| x.name.clone())
            .unwrap_or_default(),
        None => String::new(),
    };
    let rapid = if full {
        reviews::rapid_review(&st.db, s.pid(), &id).await?
    } else {
        None
    };
    let val = |k: &str, stored: Option<&str>| {
        if f.0.is_empty() {
            stored.unwrap_or_default().to_owned()
        } else {
            f.get(k)
        }
    };
    let themes = learnloop_store::themes::themes_of(
        &st.db,
        s.pid(),
        learnloop_domain::sources::SourceKind::CaseReview.slug(),
        &id,
    )
    .await?
    .into_iter()
    .map(|t| t.name)
    .collect();
    Ok(ShowPage {
        review_type: c
            .review_type
            .as_deref()
            .and_then(ReviewType::parse)
            .map(ReviewType::label),
        themes,
        errors: errors.summary(),
        recommendation: rapid
            .as_ref()
            .and_then(|r| Decision::parse(&r.recommendation))
            .map(Decision::label)
            .unwrap_or(""),
        panel_response: rapid
            .as_ref()
            .and_then(|r| r.panel_response.as_deref())
            .and_then(PanelResponse::parse)
            .map(PanelResponse::label)
            .unwrap_or(""),
        can_sign: full && can_sign_off(&s.actor),
        can_record_rapid: s.actor.can(Permission::ManageReviews)
            && c.category != Category::Recorded.slug()
            && rapid.as_ref().is_none_or(|r| r.signed_off_on.is_none()),
        rr_facts: Textarea::new("facts", "Facts established")
            .rows(5)
            .value(val("facts", rapid.as_ref().map(|r| r.facts.as_str())))
            .error(errors.get("facts")),
        rr_safety: Textarea::new(
            "safety_assurance",
            "Assurance that immediate safety action was taken",
        )
        .rows(3)
        .value(val(
            "safety_assurance",
            rapid.as_ref().map(|r| r.safety_assurance.as_str()),
        ))
        .error(errors.get("safety_assurance")),
        rr_safety_by: Input::new("safety_by", "By whom")
            .value(val(
                "safety_by",
                rapid.as_ref().map(|r| r.safety_by.as_str()),
            ))
            .error(errors.get("safety_by")),
        rr_learning: Textarea::new("learning", "Potential learning")
            .rows(4)
            .value(val("learning", rapid.as_ref().map(|r| r.learning.as_str()))),
        rr_recommendation: Radios::new(
            "recommendation",
            "Recommendation on next steps",
            Decision::ALL.map(|d| ChoiceItem::new(d.slug(), d.label())),
        )
        .value(val(
            "recommendation",
            rapid.as_ref().map(|r| r.recommendation.as_str()),
        ))
        .error(errors.get("recommendation")),
        rr_reasons: Textarea::new("reasons", "Reasons")
            .hint("Needed when recommending no further review: they are kept with the case")
            .rows(3)
            .value(val("reasons", rapid.as_ref().map(|r| r.reasons.as_str())))
            .error(errors.get("reasons")),
        sign_on: DateInput::new("signed", "Date signed off")
            .date_values(
                f.get("signed-day"),
                f.get("signed-month"),
                f.get("signed-year"),
            )
            .error(errors.get("signed-day")),
        sent_on: DateInput::new("sent", "Date sent to the national Panel")
            .date_values(f.get("sent-day"), f.get("sent-month"), f.get("sent-year"))
            .error(errors.get("sent-day")),
        response: Radios::new(
            "response",
            "The Panel's response (if known)",
            std::iter::once(ChoiceItem::new("", "Not known yet"))
                .chain(PanelResponse::ALL.map(|r| ChoiceItem::new(r.slug(), r.label()))),
        )
        .value(f.get("response"))
        .error(errors.get("response")),
        response_on: DateInput::new("response-on", "Date of the Panel's response")
            .date_values(
                f.get("response-on-day"),
                f.get("response-on-month"),
                f.get("response-on-year"),
            )
            .error(errors.get("response-on-day")),
        rapid,
        chrome: s.chrome("/reviews"),
        category: Category::parse(&c.category)
            .map(Category::label)
            .unwrap_or("Unknown"),
        stage: c.stage.label(),
        aware_on: parse_iso(&c.aware_on).map(long).unwrap_or_default(),
        notified_on: c.notified_on.as_deref().and_then(parse_iso).map(long),
        full,
        children,
        agencies,
        panel,
        group,
        timeline: timeline(&c, cal, rules, from_aware, Utc::now().date_naive()),
        can_manage: s.actor.can(Permission::ManageReviews),
        summaries,
        summaries_due: DateInput::new("due", "Summaries due by")
            .hint("For example, 16 11 2026")
            .date_values(f.get("due-day"), f.get("due-month"), f.get("due-year"))
            .error(errors.get("due-day")),
        case: c,
    })
}

async fn again(
    st: &AppState,
    s: &Signed,
    id: &str,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<Response> {
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &show_view(st, s, id, f, errors).await?,
    )
}

async fn record_rapid_review(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    managed_case(&st, &s, &id).await?;
    let mut errors = Errors::default();
    let facts = errors.check(
        "facts",
        check_text_block(&f.get("facts"), "facts established", 20_000),
    );
    let safety = errors.check(
        "safety_assurance",
        check_text_block(
            &f.get("safety_assurance"),
            "assurance that immediate safety action was taken",
            8000,
        ),
    );
    let safety_by = errors.check(
        "safety_by",
        check_name(
            &f.get("safety_by"),
            "person or agency who took the safety action",
            300,
        ),
    );
    let recommendation = Decision::parse(&f.get("recommendation"));
    match recommendation {
        None => errors.add("recommendation", "Choose the recommendation on next steps"),
        Some(d) => {
            if let Err(m) = check_recommendation(d, &f.get("reasons")) {
                errors.add("reasons", m);
            }
        }
    }
    if let (Some(facts), Some(safety_assurance), Some(safety_by), Some(d)) =
        (facts, safety, safety_by, recommendation)
        && errors.is_empty()
    {
        let input = RapidReviewInput {
            facts,
            safety_assurance,
            safety_by,
            learning: f.get("learning").chars().take(20_000).collect(),
            recommendation: d.slug().to_owned(),
            reasons: f.get("reasons").chars().take(8000).collect(),
        };
        if !reviews::record_rapid_review(&st.db, &s.who(), s.pid(), &id, &input).await? {
            errors.add(
                "facts",
                "The decision has been signed off: the rapid review can no longer be changed",
            );
            return again(&st, &s, &id, &f, &errors).await;
        }
        return Ok(redirect_with(
            &format!("/reviews/{id}#rapid-review"),
            Flash::RapidReviewSaved,
            st.config.secure_cookies(),
        ));
    }
    again(&st, &s, &id, &f, &errors).await
}

async fn sign_off(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    // Load the case and its panel, ask the domain, then act: nothing else is read (and no read
    // of the case is recorded) to learn whether the person may sign.
    s.require(Permission::ViewPartnership)?;
    if !is_id(&id) {
        return Err(AppError::NotFound);
    }
    let case = reviews::get(&st.db, s.pid(), &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let panel = reviews::panel(&st.db, s.pid(), &id).await?;
    if !(can_read_in_full(&s.actor, &panel) && can_sign_off(&s.actor)) {
        return Err(AppError::Forbidden);
    }
    let rapid = reviews::rapid_review(&st.db, s.pid(), &id).await?;
    let mut errors = Errors::default();
    let Some(on) = f.date("signed", "the date signed off", &mut errors) else {
        return again(&st, &s, &id, &f, &errors).await;
    };
    // The agencies involved and whoever referred the case are told the outcome, by reference
    // only; the mails go in the same transaction as the sign-off.
    let decided = rapid
        .as_ref()
        .and_then(|r| Decision::parse(&r.recommendation))
        .map(Decision::label)
        .unwrap_or_default();
    let mails = reviews::outcome_recipients(&st.db, s.pid(), &id)
        .await?
        .into_iter()
        .map(|(email, name)| NewMail {
            kind: "case-outcome",
            partnership_id: Some(s.pid().to_owned()),
            natural_key: Some(format!("outcome:{id}:{email}")),
            subject: format!("Decision on case {}: {decided}", case.reference),
            body: format!(
                "Hello {name},\n\nThe independent chair signed off the partnership's decision on case {} on {}: {decided}.\n\n\
                 More: {}/reviews/{id}\n",
                case.reference,
                long(on),
                st.config.public_url
            ),
            to: email,
        })
        .collect();
    if rapid.is_none()
        || !reviews::sign_off(
            &st.db,
            &s.who(),
            s.pid(),
            &id,
            &on.format("%Y-%m-%d").to_string(),
            mails,
        )
        .await?
    {
        errors.add(
            "signed-day",
            "There is no recommendation waiting to be signed off",
        );
        return again(&st, &s, &id, &f, &errors).await;
    }
    Ok(redirect_with(
        &format!("/reviews/{id}#rapid-review"),
        Flash::DecisionSignedOff,
        st.config.secure_cookies(),
    ))
}

async fn panel_outcome(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    managed_case(&st, &s, &id).await?;
    let mut errors = Errors::default();
    let sent = f.date("sent", "the date sent to the national Panel", &mut errors);
    let response = match f.get("response").as_str() {
        "" => None,
        r => match PanelResponse::parse(r) {
            Some(p) => f
                .date(
                    "response-on",
                    "the date of the Panel's response",
                    &mut errors,
                )
                .map(|d| (p, d)),
            None => {
                errors.add("response", "Choose the Panel's response");
                None
            }
        },
    };
    if let Some(sent) = sent
        && errors.is_empty()
    {
        let sent = sent.format("%Y-%m-%d").to_string();
        let resp = response.map(|(p, d)| (p.slug(), d.format("%Y-%m-%d").to_string()));
        let ok = reviews::panel_outcome(
            &st.db,
            &s.who(),
            s.pid(),
            &id,
            &sent,
            resp.as_ref().map(|(p, d)| (*p, d.as_str())),
        )
        .await?;
        if !ok {
            errors.add(
                "sent-day",
                "The decision must be signed off before it goes to the Panel",
            );
            return again(&st, &s, &id, &f, &errors).await;
        }
        return Ok(redirect_with(
            &format!("/reviews/{id}#rapid-review"),
            Flash::PanelOutcomeSaved,
            st.config.secure_cookies(),
        ));
    }
    again(&st, &s, &id, &f, &errors).await
}

async fn request_summaries(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    request_returns(&st, &s, &id, &f, AgencyReturn::Summary).await
}

/// Asks each agency involved for its summary (rapid review) or report (commissioned review)
/// by a date, and mails its safeguarding leads.
pub(crate) async fn request_returns(
    st: &AppState,
    s: &Signed,
    id: &str,
    f: &FormPairs,
    kind: AgencyReturn,
) -> AppResult<Response> {
    let c = managed_case(st, s, id).await?;
    let mut errors = Errors::default();
    let what = match kind {
        AgencyReturn::Summary => "the date summaries are due",
        AgencyReturn::Report => "the date reports are due",
    };
    let Some(due) = f.date("due", what, &mut errors) else {
        return match kind {
            AgencyReturn::Summary => again(st, s, id, f, &errors).await,
            AgencyReturn::Report => lifecycle::again(st, s, id, f, &errors).await,
        };
    };
    let leads = reviews::agency_leads(&st.db, s.pid(), id).await?;
    let (noun, path, why) = match kind {
        AgencyReturn::Summary => (
            "summary",
            "summaries",
            "The partnership's rapid review of case {ref} needs your agency's summary of its involvement (a chronology and an analysis)",
        ),
        AgencyReturn::Report => (
            "report",
            "reports",
            "The review of case {ref} needs your agency's report and chronology of its involvement",
        ),
    };
    // The mail names the case by reference only: no child's details leave the restricted record.
    let mails = leads
        .iter()
        .map(|(agency, email, name)| NewMail {
            kind: "agency-summary",
            partnership_id: Some(s.pid().to_owned()),
            natural_key: Some(format!("{path}:{id}:{agency}:{email}")),
            to: email.clone(),
            subject: format!(
                "Agency {noun} needed for case {} by {}",
                c.reference,
                long(due)
            ),
            body: format!(
                "Hello {name},\n\n{} by {}.\n\nWrite it here: {}/reviews/{id}/{path}/{agency}\n",
                why.replace("{ref}", &c.reference),
                long(due),
                st.config.public_url
            ),
        })
        .collect();
    reviews::request_summaries(
        &st.db,
        &s.who(),
        s.pid(),
        id,
        kind.slug(),
        &due.format("%Y-%m-%d").to_string(),
        mails,
    )
    .await?;
    Ok(redirect_with(
        &match kind {
            AgencyReturn::Summary => format!("/reviews/{id}#summaries"),
            AgencyReturn::Report => format!("/reviews/{id}/review#agency-reports"),
        },
        match kind {
            AgencyReturn::Summary => Flash::SummariesRequested,
            AgencyReturn::Report => Flash::ReportsRequested,
        },
        st.config.secure_cookies(),
    ))
}

#[derive(Template)]
#[template(path = "reviews/summary.html")]
struct SummaryPage {
    chrome: Chrome,
    errors: learnloop_govuk::ErrorSummary,
    kind: AgencyReturn,
    back: String,
    reference: String,
    agency: String,
    due: String,
    submitted: Option<String>,
    can_write: bool,
    chronology: Textarea,
    analysis: Textarea,
    text_chronology: String,
    text_analysis: String,
}

async fn summary_view(
    st: &AppState,
    s: &Signed,
    (id, kind, agency): (&str, AgencyReturn, &str),
    f: Option<&FormPairs>,
    errors: &Errors,
) -> AppResult<SummaryPage> {
    if !is_id(id) || !is_id(agency) {
        return Err(AppError::NotFound);
    }
    let c = reviews::get(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let sm = reviews::summary(&st.db, s.pid(), id, kind.slug(), agency)
        .await?
        .ok_or(AppError::NotFound)?;
    let panel = reviews::panel(&st.db, s.pid(), id).await?;
    let can_write = can_write_summary(&s.actor, agency);
    if !can_write && !can_read_in_full(&s.actor, &panel) {
        return Err(AppError::Forbidden);
    }
    let agency_name = gov::agency(&st.db, s.pid(), agency)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let value = |k: &str, stored: &str| f.map(|f| f.get(k)).unwrap_or_else(|| stored.to_owned());
    Ok(SummaryPage {
        chrome: s.chrome("/reviews"),
        errors: errors.summary(),
        kind,
        back: match kind {
            AgencyReturn::Summary => format!("/reviews/{id}#summaries"),
            AgencyReturn::Report => format!("/reviews/{id}/review#agency-reports"),
        },
        reference: c.reference,
        agency: agency_name,
        due: parse_iso(&sm.due_on).map(long).unwrap_or_default(),
        submitted: sm
            .submitted_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.format("%-d %B %Y").to_string()),
        can_write,
        chronology: Textarea::new("chronology", "Chronology of your agency's involvement")
            .hint("Dates and what your agency knew and did. Refer to children by their pseudonyms")
            .rows(10)
            .value(value("chronology", &sm.chronology))
            .error(errors.get("chronology")),
        analysis: Textarea::new("analysis", "Analysis")
            .hint("What went well, what could have been done differently, and any learning")
            .rows(8)
            .value(value("analysis", &sm.analysis))
            .error(errors.get("analysis")),
        text_chronology: sm.chronology,
        text_analysis: sm.analysis,
    })
}

async fn summary_page(
    State(st): State<AppState>,
    s: Signed,
    Path((id, agency)): Path<(String, String)>,
) -> AppResult<Response> {
    return_page(&st, &s, (&id, AgencyReturn::Summary, &agency)).await
}

async fn submit_summary(
    State(st): State<AppState>,
    s: Signed,
    Path((id, agency)): Path<(String, String)>,
    f: FormPairs,
) -> AppResult<Response> {
    submit_return(&st, &s, (&id, AgencyReturn::Summary, &agency), &f).await
}

/// An agency's summary or report: its lead writes it, the panel reads it (audited).
pub(crate) async fn return_page(
    st: &AppState,
    s: &Signed,
    key: (&str, AgencyReturn, &str),
) -> AppResult<Response> {
    let page = summary_view(st, s, key, None, &Errors::default()).await?;
    audit::record(
        &st.db,
        &s.who(),
        Event::new(
            "case.summary.read",
            learnloop_domain::sources::SourceKind::CaseReview.slug(),
            Some(key.0),
        )
        .summary(format!(
            "Read the {} {} of case {}",
            page.agency,
            key.1.noun(),
            page.reference
        )),
    )
    .await?;
    render(&page)
}

pub(crate) async fn submit_return(
    st: &AppState,
    s: &Signed,
    key: (&str, AgencyReturn, &str),
    f: &FormPairs,
) -> AppResult<Response> {
    let page = summary_view(st, s, key, Some(f), &Errors::default()).await?;
    if !page.can_write {
        return Err(AppError::Forbidden);
    }
    let (id, kind, agency) = key;
    let mut errors = Errors::default();
    let chronology = errors.check(
        "chronology",
        check_text_block(&f.get("chronology"), "chronology", 50_000),
    );
    let analysis = errors.check(
        "analysis",
        check_text_block(&f.get("analysis"), "analysis", 50_000),
    );
    let (Some(chronology), Some(analysis)) = (chronology, analysis) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &summary_view(st, s, key, Some(f), &errors).await?,
        );
    };
    reviews::submit_summary(
        &st.db,
        &s.who(),
        s.pid(),
        id,
        (kind.slug(), agency),
        &chronology,
        &analysis,
    )
    .await?;
    Ok(redirect_with(
        &format!("/reviews/{id}/{}/{agency}", kind.path()),
        Flash::SummarySubmitted,
        st.config.secure_cookies(),
    ))
}

#[derive(Template)]
#[template(path = "reviews/panel.html")]
struct PanelPage {
    chrome: Chrome,
    errors: learnloop_govuk::ErrorSummary,
    id: String,
    reference: String,
    panel: Vec<String>,
    person: Select,
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

/// The form that adds someone to a review's panel: a page of its own, so the case page does
/// not carry a list of everyone in the partnership.
async fn panel_view(st: &AppState, s: &Signed, id: &str, errors: &Errors) -> AppResult<PanelPage> {
    let c = managed_case(st, s, id).await?;
    let on = reviews::panel_people(&st.db, s.pid(), id).await?;
    let people = accounts::names(&st.db, s.pid()).await?;
    Ok(PanelPage {
        chrome: s.chrome("/reviews"),
        errors: errors.summary(),
        id: id.to_owned(),
        reference: c.reference,
        person: Select::new(
            "person",
            "Who should join the panel?",
            std::iter::once(SelectItem::new("", "Choose a person")).chain(
                people
                    .iter()
                    .filter(|p| !on.iter().any(|o| o.id == p.id))
                    .map(|p| SelectItem::new(p.id.clone(), p.name.clone())),
            ),
        )
        .error(errors.get("person")),
        panel: on.into_iter().map(|p| p.name).collect(),
    })
}

async fn panel_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    render(&panel_view(&st, &s, &id, &Errors::default()).await?)
}

async fn add_panel(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    managed_case(&st, &s, &id).await?;
    let person = f.get("person");
    if !is_id(&person)
        || accounts::person_in(&st.db, s.pid(), &person)
            .await?
            .is_none()
    {
        let mut errors = Errors::default();
        errors.add("person", "Choose the person to add to the panel");
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &panel_view(&st, &s, &id, &errors).await?,
        );
    }
    reviews::add_to_panel(&st.db, &s.who(), s.pid(), &id, &person).await?;
    Ok(redirect_with(
        &format!("/reviews/{id}"),
        Flash::PanelUpdated,
        st.config.secure_cookies(),
    ))
}
