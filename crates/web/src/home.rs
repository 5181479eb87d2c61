//! Each role's home page: what needs the person's attention, then where to go next.
//!
//! "What needs attention" is one interface: every product area contributes items through its
//! own `attention` function, and the home page, a group's agenda and the daily reminder
//! digest all read from it, so a new module adds items in one place.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use learnloop_domain::accounts::Role;
use learnloop_domain::policy::Permission;
use learnloop_store::accounts;

use crate::AppState;
use crate::error::AppResult;
use crate::page::{Chrome, render};
use crate::session::Signed;

pub fn routes() -> Router<AppState> {
    Router::new().route("/home", get(home))
}

/// One thing that needs someone's attention.
#[derive(Clone, Debug)]
pub struct Attention {
    pub text: String,
    pub href: String,
    /// A GOV.UK tag: (text, colour).
    pub tag: Option<(String, &'static str)>,
}

/// The items of every area for this person, most urgent areas first.
pub async fn attention(st: &AppState, s: &Signed) -> AppResult<Vec<Attention>> {
    let mut items = Vec::new();
    items.extend(governance_attention(st, s).await?);
    items.extend(crate::governance::attention(st, s).await?);
    items.extend(crate::clocks::attention(st, s).await?);
    Ok(items)
}

async fn governance_attention(st: &AppState, s: &Signed) -> AppResult<Vec<Attention>> {
    let mut items = Vec::new();
    if s.actor.can(Permission::ManagePeople) {
        let n = accounts::pending_invitations(&st.db, s.pid()).await?;
        if n > 0 {
            items.push(Attention {
                text: if n == 1 {
                    "1 person you invited has not yet created a password".to_owned()
                } else {
                    format!("{n} people you invited have not yet created a password")
                },
                href: "/people".to_owned(),
                tag: Some(("Waiting".to_owned(), "yellow")),
            });
        }
    }
    Ok(items)
}

struct Link {
    href: &'static str,
    text: &'static str,
    hint: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    first_name: String,
    partnership: String,
    roles: Vec<&'static str>,
    attention: Vec<Attention>,
    links: Vec<Link>,
}

async fn home(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    let mut links = Vec::new();
    let can = |p| s.actor.can(p);
    if can(Permission::ManagePeople) {
        links.push(Link {
            href: "/people",
            text: "People and roles",
            hint: "Invite people and give them roles",
        });
    }
    if can(Permission::ManageAgencies) {
        links.push(Link {
            href: "/agencies",
            text: "Agencies",
            hint: "The statutory partners and partner agencies",
        });
    }
    if can(Permission::ViewClocks) {
        links.push(Link {
            href: "/clocks",
            text: "Deadlines and holidays",
            hint: "Statutory and local clocks, working days and bank holidays",
        });
    }
    if can(Permission::ViewAuditTrail) {
        links.push(Link {
            href: "/audit",
            text: "Audit trail",
            hint: "Who did what, and when",
        });
    }
    links.push(Link {
        href: "/account",
        text: "Your account",
        hint: "Your details, roles and password",
    });
    let first_name = s
        .person
        .name
        .split_whitespace()
        .next()
        .unwrap_or(&s.person.name)
        .to_owned();
    render(&HomePage {
        chrome: s.chrome("/home"),
        first_name,
        partnership: s.partnership.name.clone(),
        roles: s.actor.roles().into_iter().map(Role::label).collect(),
        attention: attention(&st, &s).await?,
        links,
    })
}
