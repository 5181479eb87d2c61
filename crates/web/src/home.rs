//! Each role's home page: what needs the person's attention, then where to go next.
//!
//! "What needs attention" comes from the one interface in `attention`, which the group
//! agendas share.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use learnloop_domain::accounts::Role;
use learnloop_domain::policy::Permission;

use crate::AppState;
use crate::attention::{Attention, Audience, gather};
use crate::error::AppResult;
use crate::page::{Chrome, render};
use crate::session::Signed;

pub fn routes() -> Router<AppState> {
    Router::new().route("/home", get(home))
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
    if can(Permission::ViewPartnership) {
        links.push(Link {
            href: "/reviews",
            text: "Case reviews",
            hint: "Serious incidents, rapid reviews and their deadlines",
        });
        links.push(Link {
            href: "/groups",
            text: "Groups",
            hint: "Terms of reference, meetings, agendas and minutes",
        });
    }
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
        attention: gather(&st, &Audience::Person(&s)).await?,
        links,
    })
}
