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
    let first_name = first_name(&s.person.name);
    render(&HomePage {
        chrome: s.chrome("/home"),
        first_name,
        partnership: s.partnership.name.clone(),
        roles: s.actor.roles().into_iter().map(Role::label).collect(),
        attention: gather(&st, &Audience::Person(&s)).await?,
        links,
    })
}

/// The name a person is greeted by: their first name, past any titles ("Detective Inspector
/// Sam Carter" is greeted as Sam).
fn first_name(full: &str) -> String {
    const TITLES: [&str; 22] = [
        "dr",
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "prof",
        "professor",
        "detective",
        "inspector",
        "sergeant",
        "constable",
        "superintendent",
        "chief",
        "reverend",
        "rev",
        "sir",
        "dame",
        "di",
        "ds",
        "dc",
        "cllr",
    ];
    full.split_whitespace()
        .find(|w| !TITLES.contains(&w.trim_end_matches('.').to_lowercase().as_str()))
        .or_else(|| full.split_whitespace().next())
        .unwrap_or(full)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::first_name;

    #[test]
    fn people_are_greeted_by_their_first_name_past_any_title() {
        assert_eq!(first_name("Detective Inspector Sam Carter"), "Sam");
        assert_eq!(first_name("Dr. Jane Reviewer"), "Jane");
        assert_eq!(first_name("Priya Shah"), "Priya");
        assert_eq!(first_name("Dr"), "Dr");
        assert_eq!(first_name(""), "");
    }
}
