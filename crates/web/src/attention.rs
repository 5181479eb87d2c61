//! What needs attention, for whom, by when — one interface for the whole product.
//!
//! Every product area answers [`gather`]'s question through its own `attention` function, for
//! either audience: a person (their home page, later their daily reminder digest) or a group
//! meeting on a day (its agenda, assembled from live data until issued). A new module adds its
//! items by adding one line to [`gather`], not by editing the pages that show them.

use chrono::NaiveDate;

use crate::AppState;
use crate::error::AppResult;
use crate::governance::Loaded;
use crate::session::Signed;

/// One thing that needs someone's attention.
#[derive(Clone, Debug)]
pub struct Attention {
    /// What it is, e.g. "agenda" kinds: `terms`, `action`, `escalation`.
    pub kind: &'static str,
    pub text: String,
    /// A second line (on agendas): the status or the date.
    pub detail: String,
    pub href: String,
    /// A GOV.UK tag: (text, colour).
    pub tag: Option<(String, &'static str)>,
}

/// Whose attention.
pub enum Audience<'a> {
    /// The signed-in person, for their home page.
    Person(&'a Signed),
    /// A group, for the agenda of its meeting on a day.
    Group {
        signed: &'a Signed,
        group: &'a Loaded,
        day: NaiveDate,
    },
}

impl Audience<'_> {
    pub fn signed(&self) -> &Signed {
        match self {
            Audience::Person(s) => s,
            Audience::Group { signed, .. } => signed,
        }
    }
}

/// Every area's items for the audience, most urgent areas first.
pub async fn gather(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let mut items = Vec::new();
    items.extend(crate::reviews::attention(st, a).await?);
    items.extend(crate::actions::attention(st, a).await?);
    items.extend(crate::governance::attention(st, a).await?);
    items.extend(crate::returns::attention(st, a).await?);
    items.extend(crate::audits::attention(st, a).await?);
    items.extend(crate::section11::attention(st, a).await?);
    items.extend(crate::performance::attention(st, a).await?);
    items.extend(crate::performance::deep_dive_attention(st, a).await?);
    items.extend(crate::inspections::attention(st, a).await?);
    items.extend(crate::child_deaths::attention(st, a).await?);
    items.extend(crate::voice::attention(st, a).await?);
    items.extend(crate::retention::attention(st, a).await?);
    items.extend(crate::clocks::attention(st, a).await?);
    Ok(items)
}
