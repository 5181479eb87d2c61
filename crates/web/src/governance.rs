//! The partnership's own set-up, managed by its business team: settings, agencies, and people
//! with their roles (invited by e-mail).

use axum::Router;
use learnloop_domain::policy::Permission;
use learnloop_store::accounts::{self};

use crate::AppState;
use crate::attention::{Attention, Audience};
use crate::error::AppResult;

mod agencies;
mod calendar;
mod escalations;
mod export;
mod groups;
mod links;
mod meetings;
pub(crate) use meetings::parse_when;
mod papers;
mod people;
mod providers;
mod settings;

pub use groups::Loaded;

/// Whether the reader may open a group's pages (its meetings' among them), as they decide
/// (`groups::load`): from the partnership's reference copy, which holds every group with its
/// terms in force, so a page may ask it for each link it shows without a statement.
pub(crate) fn may_view_group(
    actor: &learnloop_domain::policy::Actor,
    refd: &learnloop_store::reference::Reference,
    group_id: &str,
) -> bool {
    use learnloop_domain::governance::access::{GroupPermission, GroupScope};
    refd.groups.iter().any(|g| g.id == group_id)
        && actor.can_in_group(
            GroupPermission::View,
            &GroupScope {
                group_id,
                agency_ids: &refd.group_agencies(group_id),
            },
        )
}

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
    // Counted once a minute per partnership: on every view of the business team's home page
    // it was the costliest statement (a walk of the partnership's memberships).
    static PENDING: crate::cache::Minute<String, i64> = crate::cache::Minute::new(1000);
    let n = PENDING
        .get_or_load(
            s.pid().to_owned(),
            accounts::pending_invitations(&st.db, s.pid()),
        )
        .await?;
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
        .merge(settings::routes())
        .merge(export::routes())
        .merge(providers::routes())
        .merge(agencies::routes())
        .merge(links::routes())
        .merge(people::routes())
}
