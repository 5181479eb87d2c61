//! The partnership's own set-up, managed by its business team: settings, agencies, and people
//! with their roles (invited by e-mail).

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use learnloop_domain::accounts::{Email, Role, TokenPurpose, token_lifetime};
use learnloop_domain::governance::SECTORS;
use learnloop_domain::policy::{
    Permission, SecondFactorRule, grantable, may_change_role, may_deactivate,
};
use learnloop_domain::text::check_name;
use learnloop_govuk::{ChoiceItem, ErrorSummary, Input, Radios, Select, SelectItem};
use learnloop_store::accounts::{self, PersonWithRoles, new_secret};
use learnloop_store::governance::{self, Agency, AgencyInput, Settings};
use learnloop_store::outbox::{self, NewMail};
use learnloop_store::{Page, StoreError, is_id};
use serde::Deserialize;

use crate::AppState;
use crate::attention::{Attention, Audience};
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, FormData};
use crate::page::{Chrome, ConfirmPage, Flash, PageQuery, Pager, filters, render, render_status};
use crate::session::Signed;
use crate::web::{query_params, redirect_with};

mod calendar;
mod escalations;
mod groups;
mod meetings;
mod papers;

pub use groups::Loaded;

/// The governance area's items: invitations not taken up, terms of reference due for review,
/// the group's overdue and due-soon meeting actions, and open escalations.
pub async fn attention(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let mut v = invitations(st, a).await?;
    v.extend(groups::attention(st, a).await?);
    v.extend(meetings::attention(st, a).await?);
    v.extend(escalations::attention(st, a).await?);
    Ok(v)
}

async fn invitations(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let Audience::Person(s) = a else {
        return Ok(Vec::new());
    };
    if !s.actor.can(Permission::ManagePeople) {
        return Ok(Vec::new());
    }
    let n = accounts::pending_invitations(&st.db, s.pid()).await?;
    Ok(if n == 0 {
        Vec::new()
    } else {
        vec![Attention {
            kind: "invitation",
            text: if n == 1 {
                "1 person you invited has not yet created a password".to_owned()
            } else {
                format!("{n} people you invited have not yet created a password")
            },
            detail: String::new(),
            href: "/people".to_owned(),
            tag: Some(("Waiting".to_owned(), "yellow")),
        }]
    })
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(groups::routes())
        .merge(meetings::routes())
        .merge(escalations::routes())
        .merge(calendar::routes())
        .merge(papers::routes())
        .route("/settings", get(settings_page).post(save_settings))
        .route("/agencies", get(agencies))
        .route("/agencies/new", get(new_agency_page).post(create_agency))
        .route(
            "/agencies/{id}/edit",
            get(edit_agency_page).post(update_agency),
        )
        .route("/people", get(people))
        .route("/people/invite", get(invite_page).post(invite))
        .route("/people/{id}", get(person_page))
        .route("/people/{id}/roles", post(give_role))
        .route(
            "/people/{id}/roles/{mid}/remove",
            get(remove_role_page).post(remove_role),
        )
        .route(
            "/people/{id}/deactivate",
            get(deactivate_page).post(deactivate),
        )
        .route("/people/{id}/reactivate", post(reactivate))
}

// ---- settings ----

#[derive(Template)]
#[template(path = "governance/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    errors: ErrorSummary,
    name: Input,
    area: Input,
    contact_email: Input,
    rapid_review_from: Radios,
    remind_before: Input,
    escalate_lead_after: Input,
    escalate_chair_after: Input,
    stale_after_weeks: Input,
    impact_months: Input,
    second_factor: Radios,
}

fn settings_form(s: &Signed, v: &SettingsForm, errors: &Errors) -> SettingsPage {
    SettingsPage {
        chrome: s.chrome("/settings"),
        errors: errors.summary(),
        name: Input::new("name", "Partnership name")
            .value(&v.name)
            .error(errors.get("name")),
        area: Input::new("area", "Local authority area")
            .hint("For example, the borough or county the partnership covers")
            .value(&v.area)
            .error(errors.get("area")),
        contact_email: Input::new("contact_email", "Business team email address")
            .input_type("email")
            .spellcheck(false)
            .hint("Shown to people who need help, and used as the reply address of mails")
            .value(&v.contact_email)
            .error(errors.get("contact_email")),
        rapid_review_from: Radios::new(
            "rapid_review_from",
            "Count the 15 working days of a rapid review from",
            [
                ChoiceItem::new(
                    "notified",
                    "The date the serious incident was notified to the Panel",
                ),
                ChoiceItem::new(
                    "aware",
                    "The date the local authority became aware of the incident",
                ),
            ],
        )
        .value(&v.rapid_review_from)
        .error(errors.get("rapid_review_from")),
        remind_before: Input::new("remind_before", "Remind an action's owner this many days before it is due")
            .hint("Separate the numbers with commas, for example 14, 3. Owners are also reminded on the day and the day after")
            .width_class("govuk-input--width-10")
            .value(&v.remind_before)
            .error(errors.get("remind_before")),
        escalate_lead_after: Input::new("escalate_lead_after", "Tell the agency's safeguarding lead when an action is this many days overdue")
            .inputmode("numeric")
            .width_class("govuk-input--width-4")
            .value(&v.escalate_lead_after)
            .error(errors.get("escalate_lead_after")),
        escalate_chair_after: Input::new("escalate_chair_after", "Tell the chair of the group that owns the plan when an action is this many days overdue")
            .inputmode("numeric")
            .width_class("govuk-input--width-4")
            .value(&v.escalate_chair_after)
            .error(errors.get("escalate_chair_after")),
        stale_after_weeks: Input::new("stale_after_weeks", "Show an action amber when it has had no update for this many weeks")
            .inputmode("numeric")
            .width_class("govuk-input--width-4")
            .value(&v.stale_after_weeks)
            .error(errors.get("stale_after_weeks")),
        impact_months: Input::new("impact_months", "Review an action's impact this many months after it closes")
            .hint("For new action plans")
            .inputmode("numeric")
            .width_class("govuk-input--width-4")
            .value(&v.impact_months)
            .error(errors.get("impact_months")),
        second_factor: Radios::new(
            "second_factor",
            "Two-step sign-in (a code from an authenticator app as well as the password)",
            SecondFactorRule::ALL
                .into_iter()
                .map(|r| ChoiceItem::new(r.slug(), r.label())),
        )
        .hint("People who must use it and have not set it up do so at their next sign-in")
        .value(&v.second_factor)
        .error(errors.get("second_factor")),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SettingsForm {
    name: String,
    area: String,
    contact_email: String,
    rapid_review_from: String,
    remind_before: String,
    escalate_lead_after: String,
    escalate_chair_after: String,
    stale_after_weeks: String,
    impact_months: String,
    second_factor: String,
}

async fn settings_page(s: Signed) -> AppResult<Response> {
    s.require(Permission::ManageSettings)?;
    let p = &s.partnership;
    let v = SettingsForm {
        name: p.name.clone(),
        area: p.area.clone(),
        contact_email: p.contact_email.clone(),
        rapid_review_from: p.rapid_review_from.clone(),
        remind_before: p.remind_before.clone(),
        escalate_lead_after: p.escalate_lead_after.to_string(),
        escalate_chair_after: p.escalate_chair_after.to_string(),
        stale_after_weeks: p.stale_after_weeks.to_string(),
        impact_months: p.impact_months.to_string(),
        second_factor: p.second_factor.clone(),
    };
    render(&settings_form(&s, &v, &Errors::default()))
}

async fn save_settings(
    State(st): State<AppState>,
    s: Signed,
    FormData(f): FormData<SettingsForm>,
) -> AppResult<Response> {
    s.require(Permission::ManageSettings)?;
    let mut errors = Errors::default();
    let name = errors.check("name", check_name(&f.name, "partnership name", 200));
    let area = f.area.trim().chars().take(200).collect::<String>();
    let contact = if f.contact_email.trim().is_empty() {
        Some(String::new())
    } else {
        errors.check(
            "contact_email",
            Email::parse(&f.contact_email).map(|e| e.to_string()),
        )
    };
    if !matches!(f.rapid_review_from.as_str(), "notified" | "aware") {
        errors.add(
            "rapid_review_from",
            "Select when the rapid review clock starts",
        );
    }
    let reminders = match learnloop_domain::actions::ReminderSettings::parse(
        &f.remind_before,
        &f.escalate_lead_after,
        &f.escalate_chair_after,
    ) {
        Ok(r) => Some(r),
        Err(m) => {
            let key = if m.contains("days before") {
                "remind_before"
            } else if m.contains("larger") {
                "escalate_chair_after"
            } else {
                "escalate_lead_after"
            };
            errors.add(key, m);
            None
        }
    };
    let mut whole = |key: &str, v: &str, range: std::ops::RangeInclusive<i64>, what: &str| match v
        .trim()
        .parse::<i64>()
    {
        Ok(n) if range.contains(&n) => Some(n),
        _ => {
            errors.add(
                key,
                format!(
                    "Enter {what} as a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            );
            None
        }
    };
    let stale = whole(
        "stale_after_weeks",
        &f.stale_after_weeks,
        1..=52,
        "the weeks",
    );
    let impact = whole("impact_months", &f.impact_months, 1..=36, "the months");
    // Left out of the form (an older page), the rule stays as it is.
    let second_factor = if f.second_factor.is_empty() {
        s.partnership.second_factor.clone()
    } else {
        match SecondFactorRule::from_slug(&f.second_factor) {
            Some(r) => r.slug().to_owned(),
            None => {
                errors.add("second_factor", "Select when two-step sign-in is required");
                String::new()
            }
        }
    };
    match (name, contact, reminders, stale, impact) {
        (
            Some(name),
            Some(contact_email),
            Some(r),
            Some(stale_after_weeks),
            Some(impact_months),
        ) if errors.is_empty() => {
            governance::update_settings(
                &st.db,
                &s.who(),
                s.pid(),
                &Settings {
                    second_factor,
                    name,
                    area,
                    contact_email,
                    rapid_review_from: f.rapid_review_from.clone(),
                    remind_before: r.before_text(),
                    escalate_lead_after: i64::from(r.lead_after),
                    escalate_chair_after: i64::from(r.chair_after),
                    stale_after_weeks,
                    impact_months,
                },
            )
            .await?;
            Ok(redirect_with(
                "/settings",
                Flash::SettingsSaved,
                st.config.secure_cookies(),
            ))
        }
        _ => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &settings_form(&s, &f, &errors),
        ),
    }
}

// ---- agencies ----

#[derive(Template)]
#[template(path = "governance/agencies.html")]
struct AgenciesPage {
    chrome: Chrome,
    agencies: Vec<Agency>,
    pager: Pager,
}

impl AgenciesPage {
    fn sector(&self, slug: &str) -> &'static str {
        SECTORS
            .iter()
            .find(|(s, _)| *s == slug)
            .map(|(_, l)| *l)
            .unwrap_or("Other")
    }
}

async fn agencies(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    s.require(Permission::ManageAgencies)?;
    let q: PageQuery = query_params(q.as_deref());
    let list = governance::agencies(&st.db, s.pid(), Page::new(q.page, 50)).await?;
    render(&AgenciesPage {
        chrome: s.chrome("/agencies"),
        pager: Pager::of("/agencies", &list),
        agencies: list.items,
    })
}

#[derive(Template)]
#[template(path = "governance/agency_form.html")]
struct AgencyFormPage {
    chrome: Chrome,
    errors: ErrorSummary,
    heading: String,
    action: String,
    name: Input,
    sector: Select,
    statutory: Radios,
    active: Radios,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AgencyForm {
    name: String,
    sector: String,
    statutory_partner: String,
    active: String,
}

fn agency_form(
    s: &Signed,
    heading: &str,
    action: &str,
    f: &AgencyForm,
    errors: &Errors,
) -> AgencyFormPage {
    AgencyFormPage {
        chrome: s.chrome("/agencies"),
        errors: errors.summary(),
        heading: heading.to_owned(),
        action: action.to_owned(),
        name: Input::new("name", "Agency name").value(&f.name).error(errors.get("name")),
        sector: Select::new(
            "sector",
            "Type of agency",
            std::iter::once(SelectItem::new("", "Choose a type"))
                .chain(SECTORS.iter().map(|(v, t)| SelectItem::new(*v, *t))),
        )
        .value(&f.sector)
        .error(errors.get("sector")),
        statutory: Radios::new(
            "statutory_partner",
            "Is it one of the three statutory safeguarding partners?",
            [ChoiceItem::new("yes", "Yes"), ChoiceItem::new("no", "No")],
        )
        .inline()
        .hint("The local authority, the police and the integrated care board are the statutory partners")
        .value(&f.statutory_partner)
        .error(errors.get("statutory_partner")),
        active: Radios::new(
            "active",
            "Is the agency active in the partnership?",
            [ChoiceItem::new("yes", "Yes"), ChoiceItem::new("no", "No")],
        )
        .inline()
        .hint("Inactive agencies keep their history but cannot be given new work")
        .value(&f.active)
        .error(errors.get("active")),
    }
}

fn parse_agency(f: &AgencyForm, errors: &mut Errors) -> Option<AgencyInput> {
    let name = errors.check("name", check_name(&f.name, "agency name", 200));
    if !SECTORS.iter().any(|(s, _)| *s == f.sector) {
        errors.add("sector", "Choose the type of agency");
    }
    let yes_no = |v: &str| match v {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let statutory = yes_no(&f.statutory_partner);
    if statutory.is_none() {
        errors.add(
            "statutory_partner",
            "Select whether the agency is a statutory safeguarding partner",
        );
    }
    let active = yes_no(&f.active);
    if active.is_none() {
        errors.add("active", "Select whether the agency is active");
    }
    Some(AgencyInput {
        name: name?,
        sector: f.sector.clone(),
        statutory_partner: statutory?,
        active: active?,
    })
    .filter(|_| errors.is_empty())
}

async fn new_agency_page(s: Signed) -> AppResult<Response> {
    s.require(Permission::ManageAgencies)?;
    let f = AgencyForm {
        statutory_partner: "no".into(),
        active: "yes".into(),
        ..AgencyForm::default()
    };
    render(&agency_form(
        &s,
        "Add an agency",
        "/agencies/new",
        &f,
        &Errors::default(),
    ))
}

async fn create_agency(
    State(st): State<AppState>,
    s: Signed,
    FormData(f): FormData<AgencyForm>,
) -> AppResult<Response> {
    s.require(Permission::ManageAgencies)?;
    let mut errors = Errors::default();
    if let Some(input) = parse_agency(&f, &mut errors) {
        match governance::create_agency(&st.db, &s.who(), s.pid(), &input).await {
            Ok(_) => {
                return Ok(redirect_with(
                    "/agencies",
                    Flash::AgencyAdded,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("name", m),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &agency_form(&s, "Add an agency", "/agencies/new", &f, &errors),
    )
}

async fn edit_agency_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    s.require(Permission::ManageAgencies)?;
    let a = find_agency(&st, &s, &id).await?;
    let yn = |b: bool| if b { "yes" } else { "no" }.to_owned();
    let f = AgencyForm {
        name: a.name.clone(),
        sector: a.sector.clone(),
        statutory_partner: yn(a.statutory_partner),
        active: yn(a.active),
    };
    let action = format!("/agencies/{id}/edit");
    render(&agency_form(
        &s,
        &format!("Change {}", a.name),
        &action,
        &f,
        &Errors::default(),
    ))
}

async fn find_agency(st: &AppState, s: &Signed, id: &str) -> AppResult<Agency> {
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    governance::agency(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn update_agency(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    FormData(f): FormData<AgencyForm>,
) -> AppResult<Response> {
    s.require(Permission::ManageAgencies)?;
    let a = find_agency(&st, &s, &id).await?;
    let mut errors = Errors::default();
    if let Some(input) = parse_agency(&f, &mut errors) {
        match governance::update_agency(&st.db, &s.who(), s.pid(), &id, &input).await {
            Ok(()) => {
                return Ok(redirect_with(
                    "/agencies",
                    Flash::AgencyChanged,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("name", m),
            Err(e) => return Err(e.into()),
        }
    }
    let action = format!("/agencies/{id}/edit");
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &agency_form(&s, &format!("Change {}", a.name), &action, &f, &errors),
    )
}

// ---- people ----

/// A role as shown beside a person: "Agency safeguarding lead, Northbrook Constabulary".
#[derive(Clone, Debug)]
struct RoleLine {
    membership_id: String,
    text: String,
}

/// The names a person's roles refer to, read once per page (not once per person).
async fn role_names(st: &AppState, s: &Signed) -> AppResult<(Vec<Agency>, Vec<governance::Group>)> {
    let refd = s.reference(&st.db).await?;
    Ok((refd.agencies.clone(), refd.groups.clone()))
}

fn role_lines(
    p: &PersonWithRoles,
    (agencies, groups): &(Vec<Agency>, Vec<governance::Group>),
) -> Vec<RoleLine> {
    p.roles
        .iter()
        .map(|m| {
            let role = Role::from_slug(&m.role)
                .map(Role::label)
                .unwrap_or("Unknown role");
            let of = m
                .agency_id
                .as_ref()
                .and_then(|id| {
                    agencies
                        .iter()
                        .find(|a| &a.id == id)
                        .map(|a| a.name.clone())
                })
                .or_else(|| {
                    m.group_id
                        .as_ref()
                        .and_then(|id| groups.iter().find(|g| &g.id == id).map(|g| g.name.clone()))
                });
            RoleLine {
                membership_id: m.id.clone(),
                text: match of {
                    Some(o) => format!("{role}, {o}"),
                    None => role.to_owned(),
                },
            }
        })
        .collect()
}

struct PersonLine {
    id: String,
    name: String,
    email: String,
    roles: Vec<RoleLine>,
    invited: bool,
}

#[derive(Template)]
#[template(path = "governance/people.html")]
struct PeoplePage {
    chrome: Chrome,
    people: Vec<PersonLine>,
    pager: Pager,
    /// Invitations to existing accounts not yet answered: only what this partnership typed.
    waiting: Vec<accounts::Invitation>,
}

impl PeoplePage {
    fn role_label(&self, slug: &str) -> &'static str {
        Role::from_slug(slug)
            .map(Role::label)
            .unwrap_or("Unknown role")
    }
}

async fn people(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    s.require(Permission::ManagePeople)?;
    let q: PageQuery = query_params(q.as_deref());
    let list = accounts::people(&st.db, s.pid(), Page::new(q.page, 50)).await?;
    let names = role_names(&st, &s).await?;
    let mut lines = Vec::new();
    for p in &list.items {
        lines.push(PersonLine {
            id: p.person.id.clone(),
            name: p.person.name.clone(),
            email: p.person.email.clone(),
            roles: role_lines(p, &names),
            invited: p.person.password_hash.is_none(),
        });
    }
    let waiting = accounts::open_invitations(&st.db, s.pid()).await?;
    render(&PeoplePage {
        chrome: s.chrome("/people"),
        pager: Pager::of("/people", &list),
        people: lines,
        waiting,
    })
}

/// The role, agency and group choices of the invite and give-a-role forms.
struct RoleChoice {
    role: Radios,
    agency: Select,
    group: Select,
}

async fn role_choice(
    st: &AppState,
    s: &Signed,
    f: &RoleForm,
    errors: &Errors,
) -> AppResult<RoleChoice> {
    let refd = s.reference(&st.db).await?;
    let agencies = refd.active_agencies();
    let groups = &refd.groups;
    let grantable = grantable(&s.actor);
    Ok(RoleChoice {
        role: Radios::new(
            "role",
            "Role",
            grantable
                .iter()
                .map(|r| ChoiceItem::new(r.slug(), r.label()).hint(r.hint())),
        )
        .value(&f.role)
        .error(errors.get("role")),
        agency: Select::new(
            "agency",
            "Agency",
            std::iter::once(SelectItem::new("", "Not for one agency")).chain(
                agencies
                    .iter()
                    .map(|a| SelectItem::new(a.id.clone(), a.name.clone())),
            ),
        )
        .hint("Needed for agency safeguarding leads, practitioners and auditors")
        .value(&f.agency)
        .error(errors.get("agency")),
        group: Select::new(
            "group",
            "Group",
            std::iter::once(SelectItem::new("", "Not for one group")).chain(
                groups
                    .iter()
                    .map(|g| SelectItem::new(g.id.clone(), g.name.clone())),
            ),
        )
        .hint("Needed for group chairs and deputies")
        .value(&f.group)
        .error(errors.get("group")),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RoleForm {
    name: String,
    email: String,
    job_title: String,
    role: String,
    agency: String,
    group: String,
}

struct CheckedRole {
    role: Role,
    agency: Option<String>,
    group: Option<String>,
}

async fn check_role(
    st: &AppState,
    s: &Signed,
    f: &RoleForm,
    errors: &mut Errors,
) -> AppResult<Option<CheckedRole>> {
    let Some(role) = Role::from_slug(&f.role).filter(|r| grantable(&s.actor).contains(r)) else {
        errors.add("role", "Choose a role");
        return Ok(None);
    };
    let agency = if role.needs_agency() {
        let found = is_id(&f.agency)
            && governance::agency(&st.db, s.pid(), &f.agency)
                .await?
                .is_some_and(|a| a.active);
        if !found {
            errors.add(
                "agency",
                format!(
                    "Choose the agency this {} works for",
                    role.label().to_lowercase()
                ),
            );
        }
        Some(f.agency.clone())
    } else {
        None
    };
    let group = if role.needs_group() {
        let found = s
            .reference(&st.db)
            .await?
            .groups
            .clone()
            .iter()
            .any(|g| g.id == f.group);
        if !found {
            errors.add("group", "Choose the group this person chairs");
        }
        Some(f.group.clone())
    } else {
        None
    };
    Ok(Some(CheckedRole {
        role,
        agency,
        group,
    })
    .filter(|_| errors.is_empty()))
}

#[derive(Template)]
#[template(path = "governance/invite.html")]
struct InvitePage {
    chrome: Chrome,
    errors: ErrorSummary,
    name: Input,
    email: Input,
    job_title: Input,
    choice: RoleChoice,
}

async fn invite_form(
    st: &AppState,
    s: &Signed,
    f: &RoleForm,
    errors: &Errors,
) -> AppResult<InvitePage> {
    Ok(InvitePage {
        chrome: s.chrome("/people"),
        errors: errors.summary(),
        name: Input::new("name", "Full name")
            .autocomplete("off")
            .value(&f.name)
            .error(errors.get("name")),
        email: Input::new("email", "Email address")
            .input_type("email")
            .spellcheck(false)
            .autocomplete("off")
            .hint("Use their work address. We will send them a link to create a password")
            .value(&f.email)
            .error(errors.get("email")),
        job_title: Input::new("job_title", "Job title (optional)")
            .value(&f.job_title)
            .error(errors.get("job_title")),
        choice: role_choice(st, s, f, errors).await?,
    })
}

async fn invite_page(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ManagePeople)?;
    render(&invite_form(&st, &s, &RoleForm::default(), &Errors::default()).await?)
}

async fn invite(
    State(st): State<AppState>,
    s: Signed,
    FormData(f): FormData<RoleForm>,
) -> AppResult<Response> {
    s.require(Permission::ManagePeople)?;
    let mut errors = Errors::default();
    let name = errors.check("name", check_name(&f.name, "full name", 200));
    let email = errors.check("email", Email::parse(&f.email));
    let job_title = f.job_title.trim().chars().take(200).collect::<String>();
    let role = check_role(&st, &s, &f, &mut errors).await?;
    let (Some(name), Some(email), Some(role)) = (name, email, role) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &invite_form(&st, &s, &f, &errors).await?,
        );
    };
    if !errors.is_empty() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &invite_form(&st, &s, &f, &errors).await?,
        );
    }
    let who = s.who();
    let existing = accounts::person_by_email(&st.db, email.as_str()).await?;
    if let Some(p) = &existing
        && let Err(m) = may_change_role(&s.actor, &p.id, role.role)
    {
        errors.add("email", m);
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &invite_form(&st, &s, &f, &errors).await?,
        );
    }
    // Someone with an account but no role here (they work in another partnership, or did)
    // is asked first: nothing is granted, and this partnership sees only what it typed, until
    // they accept through the link in their mail.
    if let Some(p) = &existing
        && accounts::memberships(&st.db, &p.id, s.pid())
            .await?
            .is_empty()
    {
        return invite_existing(&st, &s, p, &name, &job_title, &role).await;
    }
    let mut tx = st.db.begin().await?;
    let (person, secret) = match existing {
        Some(p) => (p, None),
        None => {
            let p = accounts::insert_person(&mut tx, &who, email.as_str(), &name, &job_title, None)
                .await?;
            // Only a nonce goes in the outbox; the link's secret is made as the mail goes.
            let nonce = new_secret();
            accounts::create_token(
                &mut tx,
                &p.id,
                TokenPurpose::Invite,
                &st.config.key.link_secret(&nonce),
                Utc::now() + token_lifetime(TokenPurpose::Invite),
            )
            .await?;
            (p, Some(learnloop_store::keys::secret_marker(&nonce)))
        }
    };
    let granted = accounts::grant(
        &mut tx,
        &who,
        &person.id,
        s.pid(),
        role.role,
        role.agency.as_deref(),
        role.group.as_deref(),
    )
    .await?;
    if !granted {
        // Nothing changed, so nothing is written and no mail goes.
        drop(tx);
        errors.add("email", format!("{} already has this role", person.email));
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &invite_form(&st, &s, &f, &errors).await?,
        );
    }
    let partnership = &s.partnership.name;
    let (subject, body) = match secret {
        Some(secret) => (
            format!("You have been invited to Learnloop by {partnership}"),
            format!(
                "Hello {},\n\n{} has invited you to use Learnloop, the learning and improvement system of {partnership}, \
                 as {}.\n\nCreate your password with this link within 7 days:\n\n{}/set-password/{secret}\n\n\
                 Then sign in at {}/sign-in with this email address.\n",
                person.name,
                s.person.name,
                role.role.label().to_lowercase(),
                st.config.public_url,
                st.config.public_url
            ),
        ),
        None => (
            format!("You have a new role in Learnloop at {partnership}"),
            format!(
                "Hello {},\n\n{} has given you the role of {} at {partnership} in Learnloop.\n\n\
                 Sign in as usual at {}/sign-in\n",
                person.name,
                s.person.name,
                role.role.label().to_lowercase(),
                st.config.public_url
            ),
        ),
    };
    outbox::enqueue(
        &mut tx,
        NewMail {
            kind: "invitation",
            partnership_id: Some(s.pid().to_owned()),
            natural_key: None,
            to: person.email.clone(),
            subject,
            body,
        },
    )
    .await?;
    tx.commit().await?;
    // The same answer as for an address that already has an account: where the browser goes
    // next must not tell another partnership whether an address is known here.
    Ok(redirect_with(
        "/people",
        Flash::PersonInvited,
        st.config.secure_cookies(),
    ))
}

/// Invites someone who has an account but no role in this partnership: a mail with a
/// single-use link to accept or decline; the role is theirs only once they accept.
async fn invite_existing(
    st: &AppState,
    s: &Signed,
    p: &accounts::Person,
    name: &str,
    job_title: &str,
    role: &CheckedRole,
) -> AppResult<Response> {
    let nonce = new_secret();
    let mut tx = st.db.begin().await?;
    accounts::invite_existing(
        &mut tx,
        &s.who(),
        &accounts::NewInvitation {
            partnership_id: s.pid(),
            person_id: &p.id,
            name,
            email: &p.email,
            job_title,
            role: role.role,
            agency_id: role.agency.as_deref(),
            group_id: role.group.as_deref(),
            invited_by: &s.person.name,
        },
        &st.config.key.link_secret(&nonce),
        Utc::now() + token_lifetime(TokenPurpose::Invite),
    )
    .await?;
    let partnership = &s.partnership.name;
    outbox::enqueue(
        &mut tx,
        NewMail {
            kind: "invitation",
            partnership_id: Some(s.pid().to_owned()),
            natural_key: None,
            to: p.email.clone(),
            subject: format!("{partnership} invites you to join it in Learnloop"),
            body: format!(
                "Hello,\n\n{} has invited you to join {partnership} in Learnloop as {}.\n\n\
                 Nothing changes until you answer. To accept or decline, use this link within 7 days:\n\n\
                 {}/join/{}\n\nIf you were not expecting this, you can ignore this email.\n",
                s.person.name,
                role.role.label().to_lowercase(),
                st.config.public_url,
                learnloop_store::keys::secret_marker(&nonce)
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        "/people",
        Flash::PersonInvited,
        st.config.secure_cookies(),
    ))
}

#[derive(Template)]
#[template(path = "governance/person.html")]
struct PersonPage {
    chrome: Chrome,
    errors: ErrorSummary,
    id: String,
    name: String,
    email: String,
    job_title: String,
    invited: bool,
    active: bool,
    /// The account may be deactivated (or reactivated) by this person.
    can_deactivate: bool,
    /// This person (a system administrator) may reset the account's two-step sign-in.
    can_reset_second_factor: bool,
    roles: Vec<RoleLine>,
    choice: RoleChoice,
}

async fn person_view(
    st: &AppState,
    s: &Signed,
    id: &str,
    f: &RoleForm,
    errors: &Errors,
) -> AppResult<PersonPage> {
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let person = accounts::person_in(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let roles = accounts::memberships(&st.db, id, s.pid()).await?;
    let p = PersonWithRoles { person, roles };
    let partnerships = accounts::partnerships_of(&st.db, id).await?.len();
    Ok(PersonPage {
        active: p.person.active,
        can_deactivate: may_deactivate(&s.actor, id, partnerships).is_ok(),
        can_reset_second_factor: learnloop_domain::policy::may_reset_second_factor(&s.actor, id),
        chrome: s.chrome("/people"),
        errors: errors.summary(),
        id: id.to_owned(),
        roles: role_lines(&p, &role_names(st, s).await?),
        name: p.person.name,
        email: p.person.email,
        job_title: p.person.job_title,
        invited: p.person.password_hash.is_none(),
        choice: role_choice(st, s, f, errors).await?,
    })
}

async fn person_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    s.require(Permission::ManagePeople)?;
    render(&person_view(&st, &s, &id, &RoleForm::default(), &Errors::default()).await?)
}

async fn give_role(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    FormData(f): FormData<RoleForm>,
) -> AppResult<Response> {
    s.require(Permission::ManagePeople)?;
    let page = person_view(&st, &s, &id, &f, &Errors::default()).await?;
    let mut errors = Errors::default();
    let role = check_role(&st, &s, &f, &mut errors).await?;
    if let Some(r) = &role
        && let Err(m) = may_change_role(&s.actor, &page.id, r.role)
    {
        errors.add("role", m);
    }
    let (Some(role), true) = (role, errors.is_empty()) else {
        let page = person_view(&st, &s, &id, &f, &errors).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let mut tx = st.db.begin().await?;
    accounts::grant(
        &mut tx,
        &s.who(),
        &page.id,
        s.pid(),
        role.role,
        role.agency.as_deref(),
        role.group.as_deref(),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        &format!("/people/{id}"),
        Flash::RoleGiven,
        st.config.secure_cookies(),
    ))
}

/// The role about to be taken away, if this person may take it away; else why not.
async fn removable(
    st: &AppState,
    s: &Signed,
    id: &str,
    mid: &str,
) -> AppResult<Result<(PersonWithRoles, String), &'static str>> {
    s.require(Permission::ManagePeople)?;
    if !is_id(id) || !is_id(mid) {
        return Err(AppError::NotFound);
    }
    let person = accounts::person_in(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let roles = accounts::memberships(&st.db, id, s.pid()).await?;
    let p = PersonWithRoles { person, roles };
    let Some(line) = role_lines(&p, &role_names(st, s).await?)
        .into_iter()
        .find(|l| l.membership_id == mid)
    else {
        return Err(AppError::NotFound);
    };
    let role = p
        .roles
        .iter()
        .find(|m| m.id == mid)
        .and_then(|m| Role::from_slug(&m.role));
    Ok(match role {
        Some(r) => may_change_role(&s.actor, id, r).map(|()| (p, line.text)),
        None => Err("This role cannot be changed here"),
    })
}

/// A refusal the person should read on the person's page.
async fn refuse_on_person(st: &AppState, s: &Signed, id: &str, m: &str) -> AppResult<Response> {
    let mut errors = Errors::default();
    errors.add("role", m);
    let page = person_view(st, s, id, &RoleForm::default(), &errors).await?;
    render_status(StatusCode::FORBIDDEN, &page)
}

async fn remove_role_page(
    State(st): State<AppState>,
    s: Signed,
    Path((id, mid)): Path<(String, String)>,
) -> AppResult<Response> {
    let (p, role) = match removable(&st, &s, &id, &mid).await? {
        Ok(found) => found,
        Err(m) => return refuse_on_person(&st, &s, &id, m).await,
    };
    render(&ConfirmPage {
        chrome: s.chrome("/people"),
        title: format!("Take away the role {role} from {}?", p.person.name),
        paragraphs: vec![format!(
            "{} will no longer be able to do what this role allows. With no role left in the partnership they are signed out of it at once.",
            p.person.name
        )],
        action: format!("/people/{id}/roles/{mid}/remove"),
        button: "Take the role away".to_owned(),
        back: format!("/people/{id}"),
        fields: Vec::new(),
    })
}

async fn remove_role(
    State(st): State<AppState>,
    s: Signed,
    Path((id, mid)): Path<(String, String)>,
) -> AppResult<Response> {
    if let Err(m) = removable(&st, &s, &id, &mid).await? {
        return refuse_on_person(&st, &s, &id, m).await;
    }
    match accounts::revoke(&st.db, &s.who(), s.pid(), &mid).await? {
        accounts::Revoked::Done => Ok(redirect_with(
            &format!("/people/{id}"),
            Flash::RoleRemoved,
            st.config.secure_cookies(),
        )),
        accounts::Revoked::NotFound => Err(AppError::NotFound),
        accounts::Revoked::LastOfBusinessTeam => {
            let m = learnloop_domain::policy::check_business_team_left(Role::BusinessTeam, 0)
                .err()
                .unwrap_or_default();
            refuse_on_person(&st, &s, &id, m).await
        }
    }
}

/// The person whose account is about to be deactivated or reactivated, if this person may.
async fn deactivatable(
    st: &AppState,
    s: &Signed,
    id: &str,
) -> AppResult<Result<accounts::Person, &'static str>> {
    s.require(Permission::ManagePeople)?;
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let person = accounts::person_in(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let partnerships = accounts::partnerships_of(&st.db, id).await?.len();
    Ok(may_deactivate(&s.actor, id, partnerships).map(|()| person))
}

async fn deactivate_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let p = match deactivatable(&st, &s, &id).await? {
        Ok(p) => p,
        Err(m) => return refuse_on_person(&st, &s, &id, m).await,
    };
    render(&ConfirmPage {
        chrome: s.chrome("/people"),
        title: format!("Deactivate the account of {}?", p.name),
        paragraphs: vec![
            format!("{} will be signed out at once and will not be able to sign in. Their calendar feeds stop, and no more mail goes to them.", p.name),
            "Their roles and everything they did stay as they are, so the account can be reactivated later.".to_owned(),
        ],
        action: format!("/people/{id}/deactivate"),
        button: "Deactivate the account".to_owned(),
        back: format!("/people/{id}"),
        fields: Vec::new(),
    })
}

async fn deactivate(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    set_active(st, s, id, false).await
}

async fn reactivate(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    set_active(st, s, id, true).await
}

async fn set_active(st: AppState, s: Signed, id: String, active: bool) -> AppResult<Response> {
    if let Err(m) = deactivatable(&st, &s, &id).await? {
        return refuse_on_person(&st, &s, &id, m).await;
    }
    match accounts::set_active(&st.db, &s.who(), &id, active).await? {
        accounts::Revoked::Done => Ok(redirect_with(
            &format!("/people/{id}"),
            if active {
                Flash::AccountReactivated
            } else {
                Flash::AccountDeactivated
            },
            st.config.secure_cookies(),
        )),
        accounts::Revoked::NotFound => Err(AppError::NotFound),
        accounts::Revoked::LastOfBusinessTeam => {
            refuse_on_person(
                &st,
                &s,
                &id,
                "This is the last active member of the business team: give the role to someone else first",
            )
            .await
        }
    }
}
