//! Groups and their terms of reference: the structure of the partnership as a tree by
//! reporting line, each group's page, its settings, and its versioned terms (with a printable
//! view and every earlier version readable).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{NaiveDate, Utc};
use learnloop_domain::clocks::{ClockStatus, seeded_rules};
use learnloop_domain::dates::{long, parse_iso};
use learnloop_domain::governance::access::{GroupPermission, GroupScope};
use learnloop_domain::governance::meetings::{Frequency, QuorumRule};
use learnloop_domain::governance::{GROUP_KINDS, check_reporting_line};
use learnloop_domain::policy::{Actor, Permission};
use learnloop_domain::text::check_name;
use learnloop_govuk::{
    Checkboxes, ChoiceItem, DateInput, ErrorSummary, Input, Radios, Select, SelectItem, Textarea,
};
use learnloop_store::governance::Agency;
use learnloop_store::governance::escalations::{self, Escalation};
use learnloop_store::governance::meetings::{self, Meeting};
use learnloop_store::governance::terms::{self, GroupDetail, GroupInput, Terms, TermsInput};
use learnloop_store::{Page, StoreError, accounts, is_id};

use crate::AppState;
use crate::attention::{Attention, Audience};
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, FormPairs};
use crate::page::Pager;
use crate::page::{Chrome, Flash, render, render_status};
use crate::session::Signed;
use crate::web::redirect_with;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups", get(structure))
        .route("/groups/new", get(new_group_page).post(create_group))
        .route("/groups/{id}", get(group_page))
        .route(
            "/groups/{id}/settings",
            get(settings_page).post(save_settings),
        )
        .route("/groups/{id}/terms", get(terms_page).post(save_terms))
        .route("/groups/{id}/terms/print", get(print_terms))
        .route("/groups/{id}/terms/{version}", get(old_terms))
}

/// A group with its terms in force, as the policy and pages need it.
pub struct Loaded {
    pub group: GroupDetail,
    pub terms: Option<Terms>,
    pub agencies: Vec<String>,
}

impl Loaded {
    pub fn scope(&self) -> GroupScope<'_> {
        GroupScope {
            group_id: &self.group.id,
            agency_ids: &self.agencies,
        }
    }
}

/// Loads a group of the signed-in person's partnership and checks the permission on it.
pub async fn load(st: &AppState, s: &Signed, id: &str, p: GroupPermission) -> AppResult<Loaded> {
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let group = terms::group(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let terms = terms::current(&st.db, s.pid(), id).await?;
    let mut agencies = terms.as_ref().map(Terms::core).unwrap_or_default();
    agencies.extend(terms.as_ref().map(Terms::invited).unwrap_or_default());
    let l = Loaded {
        group,
        terms,
        agencies,
    };
    if !s.actor.can_in_group(p, &l.scope()) {
        return Err(AppError::Forbidden);
    }
    Ok(l)
}

/// The groups an actor may see, by the policy, given every group's terms in force.
pub fn visible<'a>(
    actor: &Actor,
    groups: &'a [GroupDetail],
    terms: &[Terms],
) -> Vec<&'a GroupDetail> {
    groups
        .iter()
        .filter(|g| {
            let t = terms.iter().find(|t| t.group_id == g.id);
            let mut agencies = t.map(Terms::core).unwrap_or_default();
            agencies.extend(t.map(Terms::invited).unwrap_or_default());
            actor.can_in_group(
                GroupPermission::View,
                &GroupScope {
                    group_id: &g.id,
                    agency_ids: &agencies,
                },
            )
        })
        .collect()
}

/// Whether the terms' review is due soon or overdue (the `tor-review` clock's threshold).
pub fn review_status(t: &Terms, today: NaiveDate) -> Option<ClockStatus> {
    let due = parse_iso(&t.review_due)?;
    let rule = seeded_rules()
        .into_iter()
        .find(|r| r.slug == "tor-review")?;
    let days = (due - today).num_days();
    let status = if days < 0 {
        ClockStatus::Overdue
    } else if days == 0 {
        ClockStatus::DueToday
    } else if days <= i64::from(rule.due_soon) {
        ClockStatus::DueSoon
    } else {
        ClockStatus::OnTrack
    };
    Some(status)
}

/// Terms of reference whose review is due or overdue: every group's, on the business team's
/// home page; the group's own, on its agenda (as at the meeting's day).
pub async fn attention(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let item = |name: &str, t: &Terms, status: ClockStatus, kind_text: bool| Attention {
        kind: "terms",
        text: if kind_text {
            "Review of the group's terms of reference".to_owned()
        } else {
            format!("Review the terms of reference of the {name}")
        },
        detail: format!(
            "{}: review due {}",
            status.label(),
            parse_iso(&t.review_due).map(long).unwrap_or_default()
        ),
        href: format!("/groups/{}", t.group_id),
        tag: Some((status.label().to_owned(), status.tag_colour())),
    };
    match a {
        Audience::Person(s) => {
            if !s.actor.can(Permission::ManageAgencies) {
                return Ok(Vec::new());
            }
            let today = Utc::now().date_naive();
            let due: Vec<(Terms, ClockStatus)> = terms::all_current(&st.db, s.pid())
                .await?
                .into_iter()
                .filter_map(|t| {
                    review_status(&t, today)
                        .filter(|st| st.needs_attention())
                        .map(|st| (t, st))
                })
                .collect();
            if due.is_empty() {
                return Ok(Vec::new());
            }
            let groups = terms::groups(&st.db, s.pid()).await?;
            Ok(due
                .iter()
                .map(|(t, status)| {
                    let name = groups
                        .iter()
                        .find(|g| g.id == t.group_id)
                        .map(|g| g.name.as_str())
                        .unwrap_or_default();
                    item(name, t, *status, false)
                })
                .collect())
        }
        Audience::Group { group, day, .. } => Ok(group
            .terms
            .as_ref()
            .and_then(|t| {
                review_status(t, *day)
                    .filter(|st| st.needs_attention())
                    .map(|st| item(&group.group.name, t, st, true))
            })
            .into_iter()
            .collect()),
    }
}

// ---- structure ----

struct Node {
    depth: usize,
    id: String,
    name: String,
    kind: String,
    chair: String,
    frequency: String,
    next: String,
}

#[derive(Template)]
#[template(path = "governance/structure.html")]
struct StructurePage {
    chrome: Chrome,
    nodes: Vec<Node>,
    can_add: bool,
}

fn kind_label(k: &str) -> &'static str {
    GROUP_KINDS
        .iter()
        .find(|(s, _)| *s == k)
        .map(|(_, l)| *l)
        .unwrap_or("Group")
}

async fn structure(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    let all_terms = terms::all_current(&st.db, s.pid()).await?;
    // Only the groups this person may see: the others are not even named.
    let all_groups = terms::groups(&st.db, s.pid()).await?;
    let groups: Vec<GroupDetail> = visible(&s.actor, &all_groups, &all_terms)
        .into_iter()
        .cloned()
        .collect();
    let chairs: Vec<&str> = all_terms
        .iter()
        .filter_map(|t| t.chair_person_id.as_deref())
        .collect();
    let people = accounts::names_of(&st.db, s.pid(), &chairs).await?;
    let now = Utc::now().format("%Y-%m-%dT%H:%M").to_string();
    let mut nodes = Vec::new();
    // Depth-first from the top (groups that report to no one, or to a group that is gone).
    let mut stack: Vec<(usize, &GroupDetail)> = groups
        .iter()
        .filter(|g| {
            g.reports_to_id
                .as_ref()
                .is_none_or(|p| !groups.iter().any(|x| &x.id == p))
        })
        .rev()
        .map(|g| (0, g))
        .collect();
    let mut guard = 0;
    while let Some((depth, g)) = stack.pop() {
        guard += 1;
        if guard > 1000 {
            break;
        }
        let t = all_terms.iter().find(|t| t.group_id == g.id);
        let chair = t
            .and_then(|t| t.chair_person_id.as_ref())
            .and_then(|id| people.iter().find(|p| &p.id == id))
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "Not recorded".to_owned());
        let next = meetings::next_of_group(&st.db, s.pid(), &g.id, &now).await?;
        nodes.push(Node {
            depth,
            id: g.id.clone(),
            name: g.name.clone(),
            kind: kind_label(&g.kind).to_owned(),
            chair,
            frequency: t
                .and_then(|t| Frequency::parse(&t.frequency))
                .map(|f| f.label().to_owned())
                .unwrap_or_else(|| "Not recorded".to_owned()),
            next: next
                .map(|m| meeting_when(&m))
                .unwrap_or_else(|| "None scheduled".to_owned()),
        });
        for child in groups
            .iter()
            .rev()
            .filter(|c| c.reports_to_id.as_deref() == Some(&g.id))
        {
            stack.push((depth + 1, child));
        }
    }
    render(&StructurePage {
        chrome: s.chrome("/groups"),
        nodes,
        can_add: s.actor.can(Permission::ManageAgencies),
    })
}

/// "Tuesday 12 January 2027 at 10:00".
pub fn meeting_when(m: &Meeting) -> String {
    match parse_iso(m.date()) {
        Some(d) => format!("{} at {}", d.format("%A %-d %B %Y"), m.time()),
        None => m.starts_at.clone(),
    }
}

// ---- group settings ----

#[derive(Template)]
#[template(path = "governance/group_form.html")]
struct GroupFormPage {
    chrome: Chrome,
    errors: ErrorSummary,
    heading: String,
    action: String,
    name: Input,
    kind: Radios,
    reports_to: Select,
    papers_days: Input,
    quorum: Radios,
    quorum_count: Input,
    standing: Textarea,
}

async fn group_form(
    st: &AppState,
    s: &Signed,
    heading: &str,
    action: &str,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<GroupFormPage> {
    let groups = terms::groups(&st.db, s.pid()).await?;
    Ok(GroupFormPage {
        chrome: s.chrome("/groups"),
        errors: errors.summary(),
        heading: heading.to_owned(),
        action: action.to_owned(),
        name: Input::new("name", "Name")
            .value(f.get("name"))
            .error(errors.get("name")),
        kind: Radios::new(
            "kind",
            "Kind of group",
            GROUP_KINDS.iter().map(|(v, t)| ChoiceItem::new(*v, *t)),
        )
        .value(f.get("kind"))
        .error(errors.get("kind")),
        reports_to: Select::new(
            "reports_to",
            "Reports to",
            std::iter::once(SelectItem::new(
                "",
                "No one: it is the top of the structure",
            ))
            .chain(
                groups
                    .iter()
                    .map(|g| SelectItem::new(g.id.clone(), g.name.clone())),
            ),
        )
        .value(f.get("reports_to"))
        .error(errors.get("reports_to")),
        papers_days: Input::new(
            "papers_days",
            "Papers are due this many days before each meeting",
        )
        .inputmode("numeric")
        .width_class("govuk-input--width-3")
        .value(f.get("papers_days"))
        .error(errors.get("papers_days")),
        quorum: Radios::new(
            "quorum",
            "The meeting is quorate when",
            [
                ChoiceItem::new("statutory", QuorumRule::EachStatutoryPartner.describe()),
                ChoiceItem::new("core", "A number of core member agencies are represented"),
            ],
        )
        .value(f.get("quorum"))
        .error(errors.get("quorum")),
        quorum_count: Input::new(
            "quorum_count",
            "Number of core member agencies needed (if chosen above)",
        )
        .inputmode("numeric")
        .width_class("govuk-input--width-3")
        .value(f.get("quorum_count"))
        .error(errors.get("quorum_count")),
        standing: Textarea::new("standing_items", "Standing agenda items")
            .hint("One per line. They open every agenda, before the items assembled from live data")
            .value(f.get("standing_items"))
            .error(errors.get("standing_items")),
    })
}

async fn parse_group(
    st: &AppState,
    s: &Signed,
    id: Option<&str>,
    f: &FormPairs,
    errors: &mut Errors,
) -> AppResult<Option<GroupInput>> {
    let name = errors.check("name", check_name(&f.get("name"), "group name", 200));
    let kind = f.get("kind");
    if !GROUP_KINDS.iter().any(|(k, _)| *k == kind) {
        errors.add("kind", "Choose the kind of group");
    }
    let groups = terms::groups(&st.db, s.pid()).await?;
    let reports_to = Some(f.get("reports_to")).filter(|r| !r.is_empty());
    if let Some(r) = &reports_to {
        if !groups.iter().any(|g| &g.id == r) {
            errors.add("reports_to", "Choose a group of this partnership");
        } else if let Some(me) = id {
            let parent = |g: &str| {
                groups
                    .iter()
                    .find(|x| x.id == g)
                    .and_then(|x| x.reports_to_id.clone())
            };
            if let Err(m) = check_reporting_line(me, Some(r), &parent) {
                errors.add("reports_to", m);
            }
        }
    }
    let papers_days = match f.get("papers_days").trim().parse::<i64>() {
        Ok(n) if (0..=90).contains(&n) => Some(n),
        _ => {
            errors.add(
                "papers_days",
                "Enter the number of days as a whole number from 0 to 90",
            );
            None
        }
    };
    let quorum = match f.get("quorum").as_str() {
        "statutory" => Some(QuorumRule::EachStatutoryPartner.slug()),
        "core" => match f.get("quorum_count").trim().parse::<u32>() {
            Ok(n) if (1..=50).contains(&n) => Some(QuorumRule::CoreAgencies(n).slug()),
            _ => {
                errors.add(
                    "quorum_count",
                    "Enter how many core member agencies are needed, from 1 to 50",
                );
                None
            }
        },
        _ => {
            errors.add("quorum", "Choose when the meeting is quorate");
            None
        }
    };
    let standing = f
        .get("standing_items")
        .chars()
        .take(4000)
        .collect::<String>();
    Ok(match (name, papers_days, quorum) {
        (Some(name), Some(papers_days), Some(quorum_rule)) if errors.is_empty() => {
            Some(GroupInput {
                name,
                kind,
                reports_to_id: reports_to,
                papers_days,
                quorum_rule,
                standing_items: standing,
            })
        }
        _ => None,
    })
}

const DEFAULT_STANDING: &str = "Welcome, introductions and apologies\nMinutes of the last meeting and matters arising\nAny other business";

async fn new_group_page(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ManageAgencies)?;
    let f = FormPairs(vec![
        ("kind".into(), "subgroup".into()),
        ("papers_days".into(), "14".into()),
        ("quorum".into(), "statutory".into()),
        ("standing_items".into(), DEFAULT_STANDING.into()),
    ]);
    render(
        &group_form(
            &st,
            &s,
            "Add a group",
            "/groups/new",
            &f,
            &Errors::default(),
        )
        .await?,
    )
}

async fn create_group(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ManageAgencies)?;
    let mut errors = Errors::default();
    if let Some(g) = parse_group(&st, &s, None, &f, &mut errors).await? {
        match terms::create_group(&st.db, &s.who(), s.pid(), &g).await {
            Ok(id) => {
                return Ok(redirect_with(
                    &format!("/groups/{id}/terms"),
                    Flash::GroupSaved,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("name", m),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &group_form(&st, &s, "Add a group", "/groups/new", &f, &errors).await?,
    )
}

async fn settings_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::ManageTerms).await?;
    let g = &l.group;
    let rule = QuorumRule::parse(&g.quorum_rule).unwrap_or(QuorumRule::EachStatutoryPartner);
    let f = FormPairs(vec![
        ("name".into(), g.name.clone()),
        ("kind".into(), g.kind.clone()),
        (
            "reports_to".into(),
            g.reports_to_id.clone().unwrap_or_default(),
        ),
        ("papers_days".into(), g.papers_days.to_string()),
        (
            "quorum".into(),
            if rule == QuorumRule::EachStatutoryPartner {
                "statutory"
            } else {
                "core"
            }
            .into(),
        ),
        (
            "quorum_count".into(),
            match rule {
                QuorumRule::CoreAgencies(n) => n.to_string(),
                QuorumRule::EachStatutoryPartner => String::new(),
            },
        ),
        ("standing_items".into(), g.standing_items.clone()),
    ]);
    let action = format!("/groups/{id}/settings");
    render(
        &group_form(
            &st,
            &s,
            &format!("Settings of the {}", g.name),
            &action,
            &f,
            &Errors::default(),
        )
        .await?,
    )
}

async fn save_settings(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::ManageTerms).await?;
    let mut errors = Errors::default();
    if let Some(g) = parse_group(&st, &s, Some(&id), &f, &mut errors).await? {
        match terms::update_group(&st.db, &s.who(), s.pid(), &id, &g).await {
            Ok(()) => {
                return Ok(redirect_with(
                    &format!("/groups/{id}"),
                    Flash::GroupSaved,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("name", m),
            Err(e) => return Err(e.into()),
        }
    }
    let action = format!("/groups/{id}/settings");
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &group_form(
            &st,
            &s,
            &format!("Settings of the {}", l.group.name),
            &action,
            &f,
            &errors,
        )
        .await?,
    )
}

// ---- the group's page ----

/// Terms as people read them: names instead of ids.
pub struct TermsView {
    pub version: i64,
    pub purpose: String,
    pub aims: String,
    pub functions: Vec<String>,
    pub core: Vec<String>,
    pub invited: Vec<String>,
    pub chair: String,
    pub chair_appointed_by: String,
    pub deputy: String,
    pub deputy_appointed_by: String,
    pub frequency: String,
    pub length: String,
    pub outputs: String,
    pub admin_support: String,
    pub agreed_on: String,
    pub review_due: String,
    pub review: Option<ClockStatus>,
    pub changed_by: String,
    pub changed_at: String,
}

pub async fn terms_view(st: &AppState, s: &Signed, t: &Terms) -> AppResult<TermsView> {
    let agencies = s.reference(&st.db).await?.agencies.clone();
    let names = |ids: Vec<String>| -> Vec<String> {
        ids.iter()
            .filter_map(|id| {
                agencies
                    .iter()
                    .find(|a| &a.id == id)
                    .map(|a| a.name.clone())
            })
            .collect()
    };
    let wanted: Vec<&str> = [&t.chair_person_id, &t.deputy_person_id]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let people = accounts::names_of(&st.db, s.pid(), &wanted).await?;
    let person = |id: &Option<String>| match id {
        Some(id) => people
            .iter()
            .find(|p| &p.id == id)
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        None => "Not recorded".to_owned(),
    };
    let date = |d: &str| parse_iso(d).map(long).unwrap_or_else(|| d.to_owned());
    Ok(TermsView {
        version: t.version,
        purpose: t.purpose.clone(),
        aims: t.aims.clone(),
        functions: t.function_list(),
        core: names(t.core()),
        invited: names(t.invited()),
        chair: person(&t.chair_person_id),
        chair_appointed_by: t.chair_appointed_by.clone(),
        deputy: person(&t.deputy_person_id),
        deputy_appointed_by: t.deputy_appointed_by.clone(),
        frequency: Frequency::parse(&t.frequency)
            .map(|f| f.label().to_owned())
            .unwrap_or_default(),
        length: format!(
            "{} hours {} minutes",
            t.meeting_minutes / 60,
            t.meeting_minutes % 60
        )
        .replace(" 0 minutes", "")
        .replace("1 hours", "1 hour"),
        outputs: t.outputs.clone(),
        admin_support: t.admin_support.clone(),
        agreed_on: date(&t.agreed_on),
        review_due: date(&t.review_due),
        review: review_status(t, Utc::now().date_naive()),
        changed_by: t.changed_by.clone(),
        changed_at: chrono::DateTime::parse_from_rfc3339(&t.changed_at)
            .map(|d| d.format("%-d %B %Y at %H:%M").to_string())
            .unwrap_or_default(),
    })
}

#[derive(Template)]
#[template(path = "governance/group.html")]
struct GroupPage {
    chrome: Chrome,
    id: String,
    name: String,
    kind: String,
    reports_to: Option<(String, String)>,
    quorum: String,
    papers_days: i64,
    terms: Option<TermsView>,
    versions: Vec<(i64, String)>,
    meetings: Vec<(String, String, bool)>,
    pager: Pager,
    escalations: Vec<Escalation>,
    can_manage: bool,
    can_escalate: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PageQ {
    page: i64,
}

async fn group_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::View).await?;
    let q: PageQ = crate::web::query_params(q.as_deref());
    let list = meetings::for_group(&st.db, s.pid(), &id, Page::new(q.page, 20)).await?;
    let parent = match &l.group.reports_to_id {
        Some(p) => s
            .reference(&st.db)
            .await?
            .groups
            .iter()
            .find(|g| &g.id == p)
            .map(|g| (g.id.clone(), g.name.clone())),
        None => None,
    };
    let terms = match &l.terms {
        Some(t) => Some(terms_view(&st, &s, t).await?),
        None => None,
    };
    // Versions are numbered from 1: with the first in force there are no older ones to read.
    let older = if l.terms.as_ref().is_some_and(|t| t.version > 1) {
        terms::versions(&st.db, s.pid(), &id).await?
    } else {
        Vec::new()
    };
    let versions = older
        .into_iter()
        .skip(1)
        .map(|t| {
            (
                t.version,
                parse_iso(&t.agreed_on).map(long).unwrap_or(t.agreed_on),
            )
        })
        .collect();
    render(&GroupPage {
        chrome: s.chrome("/groups"),
        id: id.clone(),
        name: l.group.name.clone(),
        kind: kind_label(&l.group.kind).to_owned(),
        reports_to: parent,
        quorum: QuorumRule::parse(&l.group.quorum_rule)
            .unwrap_or(QuorumRule::EachStatutoryPartner)
            .describe(),
        papers_days: l.group.papers_days,
        terms,
        versions,
        pager: Pager::of(&format!("/groups/{id}"), &list),
        meetings: list
            .items
            .iter()
            .map(|m| (m.id.clone(), meeting_when(m), m.cancelled()))
            .collect(),
        escalations: escalations::for_group(&st.db, s.pid(), &id).await?,
        can_manage: s
            .actor
            .can_in_group(GroupPermission::ManageTerms, &l.scope()),
        can_escalate: s.actor.can_in_group(GroupPermission::Escalate, &l.scope()),
    })
}

// ---- terms of reference ----

#[derive(Template)]
#[template(path = "governance/terms_form.html")]
struct TermsFormPage {
    chrome: Chrome,
    errors: ErrorSummary,
    id: String,
    name: String,
    purpose: Textarea,
    aims: Textarea,
    functions: Textarea,
    core: Checkboxes,
    invited: Checkboxes,
    chair: Select,
    chair_appointed_by: Input,
    deputy: Select,
    deputy_appointed_by: Input,
    frequency: Radios,
    meeting_minutes: Input,
    outputs: Textarea,
    admin_support: Input,
    agreed_on: DateInput,
    review_due: DateInput,
}

async fn terms_form(
    st: &AppState,
    s: &Signed,
    l: &Loaded,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<TermsFormPage> {
    let agencies: Vec<Agency> = s.reference(&st.db).await?.active_agencies();
    let people = accounts::names(&st.db, s.pid()).await?;
    let person_items = || {
        std::iter::once(SelectItem::new("", "Not recorded"))
            .chain(
                people
                    .iter()
                    .map(|p| SelectItem::new(p.id.clone(), p.name.clone())),
            )
            .collect::<Vec<_>>()
    };
    let agency_items = || {
        agencies
            .iter()
            .map(|a| ChoiceItem::new(a.id.clone(), a.name.clone()))
            .collect::<Vec<_>>()
    };
    let id = l.group.id.clone();
    Ok(TermsFormPage {
        chrome: s.chrome("/groups"),
        errors: errors.summary(),
        name: l.group.name.clone(),
        purpose: Textarea::new("purpose", "Purpose")
            .value(f.get("purpose"))
            .error(errors.get("purpose")),
        aims: Textarea::new("aims", "Aims")
            .hint("Optional")
            .value(f.get("aims")),
        functions: Textarea::new("functions", "Functions or responsibilities")
            .hint("One per line, in order: they are numbered as written")
            .rows(8)
            .value(f.get("functions"))
            .error(errors.get("functions")),
        core: Checkboxes::new("core", "Core member agencies", agency_items())
            .values(f.all("core"))
            .error(errors.get("core")),
        invited: Checkboxes::new("invited", "Agencies invited when needed", agency_items())
            .values(f.all("invited")),
        chair: Select::new("chair", "Chair", person_items())
            .value(f.get("chair"))
            .error(errors.get("chair")),
        chair_appointed_by: Input::new("chair_appointed_by", "Who appoints the chair")
            .hint("For example, the lead safeguarding partners")
            .value(f.get("chair_appointed_by")),
        deputy: Select::new("deputy", "Deputy chair", person_items())
            .value(f.get("deputy"))
            .error(errors.get("deputy")),
        deputy_appointed_by: Input::new("deputy_appointed_by", "Who appoints the deputy")
            .value(f.get("deputy_appointed_by")),
        frequency: Radios::new(
            "frequency",
            "How often it meets",
            Frequency::ALL.map(|fr| ChoiceItem::new(fr.slug(), fr.label())),
        )
        .value(f.get("frequency"))
        .error(errors.get("frequency")),
        meeting_minutes: Input::new("meeting_minutes", "Length of each meeting, in minutes")
            .inputmode("numeric")
            .width_class("govuk-input--width-3")
            .value(f.get("meeting_minutes"))
            .error(errors.get("meeting_minutes")),
        outputs: Textarea::new("outputs", "Outputs")
            .hint(
                "For example, a quarterly executive circular; a contribution to the annual report",
            )
            .value(f.get("outputs")),
        admin_support: Input::new("admin_support", "Administrative support")
            .value(f.get("admin_support")),
        agreed_on: DateInput::new("agreed", "Date agreed")
            .date_values(
                f.get("agreed-day"),
                f.get("agreed-month"),
                f.get("agreed-year"),
            )
            .error(errors.get("agreed-day")),
        review_due: DateInput::new("review", "Review the terms by")
            .date_values(
                f.get("review-day"),
                f.get("review-month"),
                f.get("review-year"),
            )
            .error(errors.get("review-day")),
        id,
    })
}

fn form_of_terms(t: &Terms) -> FormPairs {
    let mut v: Vec<(String, String)> = vec![
        ("purpose".into(), t.purpose.clone()),
        ("aims".into(), t.aims.clone()),
        ("functions".into(), t.functions.clone()),
        (
            "chair".into(),
            t.chair_person_id.clone().unwrap_or_default(),
        ),
        ("chair_appointed_by".into(), t.chair_appointed_by.clone()),
        (
            "deputy".into(),
            t.deputy_person_id.clone().unwrap_or_default(),
        ),
        ("deputy_appointed_by".into(), t.deputy_appointed_by.clone()),
        ("frequency".into(), t.frequency.clone()),
        ("meeting_minutes".into(), t.meeting_minutes.to_string()),
        ("outputs".into(), t.outputs.clone()),
        ("admin_support".into(), t.admin_support.clone()),
    ];
    for (prefix, d) in [("agreed", &t.agreed_on), ("review", &t.review_due)] {
        if let Some(d) = parse_iso(d) {
            use chrono::Datelike;
            v.push((format!("{prefix}-day"), d.day().to_string()));
            v.push((format!("{prefix}-month"), d.month().to_string()));
            v.push((format!("{prefix}-year"), d.year().to_string()));
        }
    }
    v.extend(t.core().into_iter().map(|a| ("core".to_owned(), a)));
    v.extend(t.invited().into_iter().map(|a| ("invited".to_owned(), a)));
    FormPairs(v)
}

async fn terms_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::ManageTerms).await?;
    let f = match &l.terms {
        Some(t) => form_of_terms(t),
        None => FormPairs(vec![
            ("frequency".into(), "monthly".into()),
            ("meeting_minutes".into(), "120".into()),
        ]),
    };
    render(&terms_form(&st, &s, &l, &f, &Errors::default()).await?)
}

async fn save_terms(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::ManageTerms).await?;
    let mut errors = Errors::default();
    let purpose = errors.check(
        "purpose",
        learnloop_domain::text::check_text_block(&f.get("purpose"), "purpose of the group", 4000),
    );
    let functions = f.get("functions");
    if functions.trim().is_empty() {
        errors.add(
            "functions",
            "Enter the group's functions or responsibilities, one per line",
        );
    }
    let agencies = s.reference(&st.db).await?.active_agencies();
    let known = |ids: &[String]| ids.iter().all(|a| agencies.iter().any(|x| &x.id == a));
    let (core, invited) = (f.all("core"), f.all("invited"));
    if core.is_empty() {
        errors.add("core", "Choose at least one core member agency");
    } else if !known(&core) || !known(&invited) {
        errors.add("core", "Choose agencies from the list");
    }
    let people = accounts::names(&st.db, s.pid()).await?;
    let person = |field: &str, errors: &mut Errors| -> Option<String> {
        let v = f.get(field);
        if v.is_empty() {
            return None;
        }
        if !people.iter().any(|p| p.id == v) {
            errors.add(field, "Choose a person from the list");
        }
        Some(v)
    };
    let chair = person("chair", &mut errors);
    let deputy = person("deputy", &mut errors);
    if chair.is_some() && chair == deputy {
        errors.add(
            "deputy",
            "The deputy cannot be the chair. Choose someone else as deputy",
        );
    }
    let frequency = f.get("frequency");
    if Frequency::parse(&frequency).is_none() {
        errors.add("frequency", "Choose how often the group meets");
    }
    let minutes = match f.get("meeting_minutes").trim().parse::<i64>() {
        Ok(n) if (15..=480).contains(&n) => Some(n),
        _ => {
            errors.add(
                "meeting_minutes",
                "Enter the length in minutes, from 15 to 480",
            );
            None
        }
    };
    let agreed = f.date("agreed", "the date agreed", &mut errors);
    let review = f.date("review", "the review date", &mut errors);
    if let (Some(a), Some(r)) = (agreed, review)
        && r <= a
    {
        errors.add(
            "review-day",
            "The review date must be after the date agreed",
        );
    }
    if let (Some(purpose), Some(meeting_minutes), Some(agreed), Some(review)) =
        (purpose, minutes, agreed, review)
        && errors.is_empty()
    {
        let input = TermsInput {
            purpose,
            aims: f.get("aims"),
            functions,
            core_agencies: core,
            invited_agencies: invited,
            chair_person_id: chair,
            chair_appointed_by: f.get("chair_appointed_by"),
            deputy_person_id: deputy,
            deputy_appointed_by: f.get("deputy_appointed_by"),
            frequency,
            meeting_minutes,
            outputs: f.get("outputs"),
            admin_support: f.get("admin_support"),
            agreed_on: agreed.format("%Y-%m-%d").to_string(),
            review_due: review.format("%Y-%m-%d").to_string(),
        };
        terms::revise(&st.db, &s.who(), s.pid(), &id, &input).await?;
        return Ok(redirect_with(
            &format!("/groups/{id}"),
            Flash::TermsSaved,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &terms_form(&st, &s, &l, &f, &errors).await?,
    )
}

#[derive(Template)]
#[template(path = "governance/terms_print.html")]
struct TermsPrintPage {
    chrome: Chrome,
    id: String,
    name: String,
    partnership: String,
    reports_to: String,
    terms: TermsView,
    current: bool,
}

async fn show_terms(
    st: &AppState,
    s: &Signed,
    l: &Loaded,
    t: &Terms,
    current: bool,
) -> AppResult<Response> {
    let reports_to = match &l.group.reports_to_id {
        Some(p) => terms::group(&st.db, s.pid(), p)
            .await?
            .map(|g| g.name)
            .unwrap_or_default(),
        None => "None: it is the top of the partnership's structure".to_owned(),
    };
    render(&TermsPrintPage {
        chrome: s.chrome("/groups"),
        id: l.group.id.clone(),
        name: l.group.name.clone(),
        partnership: s.partnership.name.clone(),
        reports_to,
        terms: terms_view(st, s, t).await?,
        current,
    })
}

async fn print_terms(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::View).await?;
    let t = l.terms.clone().ok_or(AppError::NotFound)?;
    show_terms(&st, &s, &l, &t, true).await
}

async fn old_terms(
    State(st): State<AppState>,
    s: Signed,
    Path((id, version)): Path<(String, String)>,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::View).await?;
    let v: i64 = version.parse().map_err(|_| AppError::NotFound)?;
    let t = terms::version(&st.db, s.pid(), &id, v)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = l.terms.as_ref().is_some_and(|c| c.version == v);
    show_terms(&st, &s, &l, &t, current).await
}
