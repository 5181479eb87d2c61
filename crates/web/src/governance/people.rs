//! People and their roles: inviting (and asking those with an account elsewhere), giving
//! and taking away roles, deactivating accounts and resetting two-step sign-in, each refused
//! where the domain policy says so.

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use learnloop_domain::accounts::{Email, Role, TokenPurpose, token_lifetime};
use learnloop_domain::policy::{Permission, grantable, may_change_role, may_deactivate};
use learnloop_domain::text::check_name;
use learnloop_govuk::{ChoiceItem, ErrorSummary, Input, Radios, Select, SelectItem};
use learnloop_store::accounts::{self, PersonWithRoles, new_secret};
use learnloop_store::governance::{self, Agency};
use learnloop_store::outbox::{self, NewMail};
use learnloop_store::{Page, is_id};

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, ConfirmPage, Flash, PageQuery, Pager, filters, render, render_status};
use crate::session::Signed;
use crate::web::{query_params, redirect_with};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
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

/// A role as shown beside a person: "Agency safeguarding lead, Northbrook Constabulary".
#[derive(Clone, Debug)]
struct RoleLine {
    membership_id: String,
    text: String,
}

/// The names a person's roles refer to, read once per page (not once per person).
async fn role_names(
    st: &AppState,
    s: &Signed,
) -> AppResult<(
    Vec<Agency>,
    Vec<learnloop_store::governance::terms::GroupDetail>,
)> {
    let refd = s.reference(&st.db).await?;
    Ok((refd.agencies.clone(), refd.groups.clone()))
}

fn role_lines(
    p: &PersonWithRoles,
    (agencies, groups): &(
        Vec<Agency>,
        Vec<learnloop_store::governance::terms::GroupDetail>,
    ),
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
    f: &FormPairs,
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
        .value(f.get("role"))
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
        .filled(f, errors),
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
        .filled(f, errors),
    })
}

struct CheckedRole {
    role: Role,
    agency: Option<String>,
    group: Option<String>,
}

async fn check_role(
    st: &AppState,
    s: &Signed,
    f: &FormPairs,
    errors: &mut Errors,
) -> AppResult<Option<CheckedRole>> {
    let Some(role) = Role::from_slug(&f.get("role")).filter(|r| grantable(&s.actor).contains(r))
    else {
        errors.add("role", "Choose a role");
        return Ok(None);
    };
    let agency = if role.needs_agency() {
        let agency = f.get("agency");
        let found = is_id(&agency)
            && governance::agency(&st.db, s.pid(), &agency)
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
        Some(agency)
    } else {
        None
    };
    let group = if role.needs_group() {
        let group = f.get("group");
        let found = s
            .reference(&st.db)
            .await?
            .groups
            .clone()
            .iter()
            .any(|g| g.id == group);
        if !found {
            errors.add("group", "Choose the group this person chairs");
        }
        Some(group)
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
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<InvitePage> {
    Ok(InvitePage {
        chrome: s.chrome("/people"),
        errors: errors.summary(),
        name: Input::new("name", "Full name")
            .autocomplete("off")
            .filled(f, errors),
        email: Input::new("email", "Email address")
            .input_type("email")
            .spellcheck(false)
            .autocomplete("off")
            .hint("Use their work address. We will send them a link to create a password")
            .filled(f, errors),
        job_title: Input::new("job_title", "Job title (optional)").filled(f, errors),
        choice: role_choice(st, s, f, errors).await?,
    })
}

async fn invite_page(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ManagePeople)?;
    render(&invite_form(&st, &s, &FormPairs::default(), &Errors::default()).await?)
}

async fn invite(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ManagePeople)?;
    let mut errors = Errors::default();
    let name = errors.check("name", check_name(&f.get("name"), "full name", 200));
    let email = errors.check("email", Email::parse(&f.get("email")));
    let job_title = f
        .get("job_title")
        .trim()
        .chars()
        .take(200)
        .collect::<String>();
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
    /// Each role, with why this person may not take it away (none where they may).
    roles: Vec<(RoleLine, Option<&'static str>)>,
    choice: RoleChoice,
}

async fn person_view(
    st: &AppState,
    s: &Signed,
    id: &str,
    f: &FormPairs,
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
        // Each role with why this person may not take it away (nothing where they may): the
        // page offers only what its form would do.
        roles: role_lines(&p, &role_names(st, s).await?)
            .into_iter()
            .zip(&p.roles)
            .map(|(line, m)| {
                let why = match Role::from_slug(&m.role) {
                    Some(r) => may_change_role(&s.actor, id, r).err(),
                    None => Some("This role cannot be changed here"),
                };
                (line, why)
            })
            .collect(),
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
    render(&person_view(&st, &s, &id, &FormPairs::default(), &Errors::default()).await?)
}

async fn give_role(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
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
    let page = person_view(st, s, id, &FormPairs::default(), &errors).await?;
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
