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
use crate::forms::{Errors, Field, FormPairs};
use crate::page::Pager;
use crate::page::{Chrome, Flash, render, render_status};
use crate::session::Signed;
use crate::web::redirect_with;

mod page;
mod settings;
mod terms_pages;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups", get(structure))
        .merge(settings::routes())
        .merge(page::routes())
        .merge(terms_pages::routes())
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
    // From the partnership's reference copy, which holds every group with its terms in force
    // (as new as the partnership this request read).
    let refd = s.reference(&st.db).await?;
    let group = refd
        .groups
        .iter()
        .find(|g| g.id == id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let terms = refd.terms.iter().find(|t| t.group_id == id).cloned();
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
    let due = t.review_due.date();
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
        detail: format!("{}: review due {}", status.label(), t.review_due.long()),
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
    format!("{} at {}", m.date().format("%A %-d %B %Y"), m.time())
}
