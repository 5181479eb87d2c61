//! Agency links: one organisation (a police force, an NHS trust) that serves several
//! partnerships of one installation is an agency in each. One business team proposes that its
//! agency and another partnership's are the same; the other business team agrees. A link is two
//! rows, one on each side, so each partnership reads only its own rows; the audit trail of each
//! partnership records what its side saw happen.
//!
//! An agency is linked to at most one agency of each other partnership: proposing a second is
//! a [`StoreError::Conflict`] naming the link already there, and nothing is written.

use chrono::Utc;
use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::{Db, StoreError, Tx, new_id, query, ts};

/// One link as one partnership sees it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Link {
    /// This side's row.
    pub id: String,
    pub agency_id: String,
    pub agency: String,
    pub other_partnership_id: String,
    pub other_partnership: String,
    pub other_agency_id: String,
    pub other_agency: String,
    /// Whether this partnership proposed it.
    pub proposer: bool,
    pub proposed_at: String,
    pub agreed_at: Option<String>,
}

const LINK_SELECT: &str = "SELECT l.id, l.agency_id, a.name AS agency, l.other_partnership_id, \
     p.name AS other_partnership, l.other_agency_id, o.name AS other_agency, l.proposer, \
     l.proposed_at, l.agreed_at FROM agency_link l \
     JOIN agency a ON a.id = l.agency_id \
     JOIN agency o ON o.id = l.other_agency_id \
     JOIN partnership p ON p.id = l.other_partnership_id ";

/// The partnership's links, agreed or waiting, by agency.
pub async fn links(db: &Db, pid: &str) -> Result<Vec<Link>, StoreError> {
    db.fetch_all(
        crate::db::query_from(&[
            LINK_SELECT,
            "WHERE l.partnership_id = ? ORDER BY lower(a.name), lower(p.name) LIMIT 1000",
        ])
        .bind(pid),
    )
    .await
}

/// The other partnerships of the installation, by name: (id, name).
pub async fn other_partnerships(db: &Db, pid: &str) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all(
        query("SELECT id, name FROM partnership WHERE id <> ? ORDER BY lower(name) LIMIT 1000")
            .bind(pid),
    )
    .await
}

/// A row's partnership and agency names, for the messages and the trail.
async fn names(tx: &mut Tx, pid: &str, agency_id: &str) -> Result<(String, String), StoreError> {
    tx.fetch_optional(
        query(
            "SELECT p.name, a.name FROM agency a JOIN partnership p ON p.id = a.partnership_id \
             WHERE a.partnership_id = ? AND a.id = ? AND a.active = TRUE",
        )
        .bind(pid)
        .bind(agency_id),
    )
    .await?
    .ok_or(StoreError::NotFound)
}

/// What a proposal links: this partnership's agency to another partnership's.
pub struct Proposal<'a> {
    pub agency_id: &'a str,
    pub other_pid: &'a str,
    pub other_agency_id: &'a str,
}

/// Proposes that one of the partnership's agencies and another partnership's are the same
/// organisation. NotFound if either agency is not an active agency of its partnership.
pub async fn propose(db: &Db, who: &Who, pid: &str, p: &Proposal<'_>) -> Result<(), StoreError> {
    if p.other_pid == pid {
        return Err(StoreError::Conflict(
            "Choose an agency of another partnership: agencies of this partnership are not linked to each other"
                .to_owned(),
        ));
    }
    let mut tx = db.begin().await?;
    let (ours, agency) = names(&mut tx, pid, p.agency_id).await?;
    let (theirs, other_agency) = names(&mut tx, p.other_pid, p.other_agency_id).await?;
    // Either agency already linked (or proposed) to the other's partnership.
    for (side, other_side, name, other_name) in [
        (pid, p.other_pid, &agency, &theirs),
        (p.other_pid, pid, &other_agency, &ours),
    ] {
        let agency_id = if side == pid {
            p.agency_id
        } else {
            p.other_agency_id
        };
        let found: Option<(String, Option<String>)> = tx
            .fetch_optional(
                query(
                    "SELECT o.name, l.agreed_at FROM agency_link l JOIN agency o ON o.id = l.other_agency_id \
                     WHERE l.partnership_id = ? AND l.agency_id = ? AND l.other_partnership_id = ?",
                )
                .bind(side)
                .bind(agency_id)
                .bind(other_side),
            )
            .await?;
        if let Some((linked, agreed)) = found {
            let how = if agreed.is_some() {
                "is already linked to"
            } else {
                "already has a link waiting to be agreed with"
            };
            return Err(StoreError::Conflict(format!(
                "{name} {how} {linked} of {other_name}: an agency is linked to one agency of each other partnership, so remove that link first"
            )));
        }
    }
    let link_id = new_id();
    let now = ts(Utc::now());
    for (side, agency_id, other_side, other_agency_id, proposer) in [
        (pid, p.agency_id, p.other_pid, p.other_agency_id, true),
        (p.other_pid, p.other_agency_id, pid, p.agency_id, false),
    ] {
        let r = tx
            .execute(
                query(
                    "INSERT INTO agency_link (id, link_id, partnership_id, agency_id, other_partnership_id, \
                     other_agency_id, proposer, proposed_by, proposed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(new_id())
                .bind(&link_id)
                .bind(side)
                .bind(agency_id)
                .bind(other_side)
                .bind(other_agency_id)
                .bind(proposer)
                .bind(who.person_id.clone().unwrap_or_default())
                .bind(&now),
            )
            .await;
        match r {
            Err(e) if e.is_unique_violation() => {
                return Err(StoreError::Conflict(format!(
                    "{agency} or {other_agency} has just been linked by someone else: look at the links again"
                )));
            }
            r => r?,
        };
    }
    let what = serde_json::json!({
        "agency": p.agency_id, "other_partnership": p.other_pid, "other_agency": p.other_agency_id,
    });
    audit::append(
        &mut tx,
        who,
        Event::new("agency.link.propose", "agency", Some(p.agency_id))
            .summary(format!(
                "Proposed that {agency} is the same organisation as {other_agency} of {theirs}"
            ))
            .after(&what),
    )
    .await?;
    audit::append(
        &mut tx,
        &team(who, p.other_pid, &ours),
        Event::new("agency.link.proposed", "agency", Some(p.other_agency_id))
            .summary(format!(
                "{ours} proposed that one of its agencies is the same organisation as {other_agency}"
            ))
            .after(&what),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Who acted, as the other partnership's trail names them: `label`, a person or team of
/// another partnership.
pub(crate) fn elsewhere(who: &Who, other_pid: &str, label: String) -> Who {
    Who {
        person_id: who.person_id.clone(),
        label,
        partnership_id: Some(other_pid.to_owned()),
        request_id: who.request_id.clone(),
    }
}

/// A business team's act as the other partnership's trail shows it: the team, not the person,
/// and only the other partnership's own agency (the link page shows both while it stands).
fn team(who: &Who, other_pid: &str, ours: &str) -> Who {
    Who {
        person_id: None,
        ..elsewhere(who, other_pid, format!("The business team of {ours}"))
    }
}

/// The link one of the partnership's rows belongs to, locked for the rest of the transaction.
async fn side(tx: &mut Tx, pid: &str, id: &str) -> Result<(Link, String), StoreError> {
    // Both sides' rows, in one statement, so that each side acting at once waits its turn.
    tx.execute(
        query(
            "UPDATE agency_link SET proposed_at = proposed_at WHERE link_id = \
             (SELECT link_id FROM agency_link WHERE partnership_id = ? AND id = ?)",
        )
        .bind(pid)
        .bind(id),
    )
    .await?;
    let l: Link = tx
        .fetch_optional(
            crate::db::query_from(&[LINK_SELECT, "WHERE l.partnership_id = ? AND l.id = ?"])
                .bind(pid)
                .bind(id),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let (link_id,): (String,) = tx
        .fetch_one(
            query("SELECT link_id FROM agency_link WHERE partnership_id = ? AND id = ?")
                .bind(pid)
                .bind(id),
        )
        .await?;
    Ok((l, link_id))
}

/// The other side agrees to a proposed link. Conflict if this side proposed it (the other
/// partnership agrees) or it is agreed already.
pub async fn agree(db: &Db, who: &Who, pid: &str, id: &str) -> Result<Link, StoreError> {
    let mut tx = db.begin().await?;
    let (l, link_id) = side(&mut tx, pid, id).await?;
    if l.agreed_at.is_some() {
        return Err(StoreError::Conflict(format!(
            "{} and {} of {} are linked already",
            l.agency, l.other_agency, l.other_partnership
        )));
    }
    if l.proposer {
        return Err(StoreError::Conflict(format!(
            "This partnership proposed the link: the business team of {} agrees to it",
            l.other_partnership
        )));
    }
    tx.execute(
        query("UPDATE agency_link SET agreed_by = ?, agreed_at = ? WHERE link_id = ?")
            .bind(who.person_id.clone().unwrap_or_default())
            .bind(ts(Utc::now()))
            .bind(&link_id),
    )
    .await?;
    let ours = partnership_name(&mut tx, pid).await?;
    audit::append(
        &mut tx,
        who,
        Event::new("agency.link.agree", "agency", Some(&l.agency_id)).summary(format!(
            "Agreed that {} is the same organisation as {} of {}",
            l.agency, l.other_agency, l.other_partnership
        )),
    )
    .await?;
    audit::append(
        &mut tx,
        &team(who, &l.other_partnership_id, &ours),
        Event::new("agency.link.agreed", "agency", Some(&l.other_agency_id)).summary(format!(
            "{ours} agreed that one of its agencies is the same organisation as {}",
            l.other_agency
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(l)
}

/// Either side removes a link, agreed or not (declining a proposal is removing it). What was
/// offered through it stays where it was offered.
pub async fn remove(db: &Db, who: &Who, pid: &str, id: &str) -> Result<Link, StoreError> {
    let mut tx = db.begin().await?;
    let (l, link_id) = side(&mut tx, pid, id).await?;
    tx.execute(query("DELETE FROM agency_link WHERE link_id = ?").bind(&link_id))
        .await?;
    let ours = partnership_name(&mut tx, pid).await?;
    let verb = if l.agreed_at.is_some() {
        "Removed the link between"
    } else {
        "Withdrew or declined the proposed link between"
    };
    audit::append(
        &mut tx,
        who,
        Event::new("agency.link.remove", "agency", Some(&l.agency_id)).summary(format!(
            "{verb} {} and {} of {}",
            l.agency, l.other_agency, l.other_partnership
        )),
    )
    .await?;
    audit::append(
        &mut tx,
        &team(who, &l.other_partnership_id, &ours),
        Event::new("agency.link.removed", "agency", Some(&l.other_agency_id)).summary(format!(
            "{ours}: {} {} and its agency",
            verb.to_lowercase(),
            l.other_agency
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(l)
}

async fn partnership_name(tx: &mut Tx, pid: &str) -> Result<String, StoreError> {
    let (name,): (String,) = tx
        .fetch_one(query("SELECT name FROM partnership WHERE id = ?").bind(pid))
        .await?;
    Ok(name)
}
