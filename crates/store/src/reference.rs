//! A partnership's reference data: its agencies, groups and their terms of reference in force,
//! active themes and clock rules, and the bank holidays. Most pages need some of it, it changes a few times a year, and reading
//! it took up to four statements a page. Each instance keeps one copy per partnership, tagged with the
//! partnership's `reference_version`. Triggers in the database raise that number in the same
//! transaction as any change to the data (whoever makes it: a page, the command line, another
//! instance), and every request reads it with its session, so a copy is used only while it is
//! still the database's own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use learnloop_domain::clocks::{Calendar, ClockRule};

use crate::governance::terms::{GroupDetail, Terms};
use crate::governance::{self, Agency, Partnership};
use crate::{Db, StoreError, clocks, themes};

/// One partnership's reference data as of one version.
pub struct Reference {
    /// Every agency, active or not, by name.
    pub agencies: Vec<Agency>,
    /// Every group with its settings, by name.
    pub groups: Vec<GroupDetail>,
    /// The terms of reference in force, a group each (groups without any have none).
    pub terms: Vec<Terms>,
    /// The themes records can be tagged with now, by name.
    pub themes: Vec<themes::Theme>,
    /// The national clocks with the partnership's local ones.
    pub rules: Vec<ClockRule>,
    /// Working days and bank holidays, with the recorded changes applied.
    pub calendar: Calendar,
}

impl Reference {
    /// The agencies that can be chosen in a form now, by name.
    pub fn active_agencies(&self) -> Vec<Agency> {
        self.agencies.iter().filter(|a| a.active).cloned().collect()
    }

    /// The agencies a group's terms in force name, core then invited (none without terms):
    /// with the group, what decides who may see it.
    pub fn group_agencies(&self, group_id: &str) -> Vec<String> {
        self.terms
            .iter()
            .find(|t| t.group_id == group_id)
            .map(|t| {
                let mut agencies = t.core();
                agencies.extend(t.invited());
                agencies
            })
            .unwrap_or_default()
    }

    /// An agency's name, or nothing for an id that is not the partnership's.
    pub fn agency_name(&self, id: &str) -> Option<&str> {
        self.agencies
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.name.as_str())
    }
}

/// The copies one instance holds, a partnership each.
#[derive(Default)]
pub struct Cache {
    copies: Mutex<HashMap<String, (i64, Arc<Reference>)>>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("reference::Cache")
    }
}

impl Cache {
    fn current(&self, partnership_id: &str, version: i64) -> Option<Arc<Reference>> {
        let copies = self.copies.lock().unwrap_or_else(|e| e.into_inner());
        copies
            .get(partnership_id)
            .filter(|(v, _)| *v >= version)
            .map(|(_, r)| r.clone())
    }

    fn keep(&self, partnership_id: &str, version: i64, r: Arc<Reference>) {
        let mut copies = self.copies.lock().unwrap_or_else(|e| e.into_inner());
        let newer = copies
            .get(partnership_id)
            .is_some_and(|(v, _)| *v > version);
        if !newer {
            copies.insert(partnership_id.to_owned(), (version, r));
        }
    }
}

/// The partnership's reference data, as new as the `reference_version` the caller read with
/// the partnership (or newer). Read from the database only when this instance's copy is older.
pub async fn of(db: &Db, partnership: &Partnership) -> Result<Arc<Reference>, StoreError> {
    let cache = db.reference_cache();
    if let Some(r) = cache.current(&partnership.id, partnership.reference_version) {
        return Ok(r);
    }
    // Read after the version was: what is read here is at least that version, so keeping it
    // under that number can only make a later request re-read, never use an older copy.
    let r = Arc::new(load(db, &partnership.id).await?);
    cache.keep(&partnership.id, partnership.reference_version, r.clone());
    Ok(r)
}

/// The reference data straight from the database, bypassing every copy.
pub async fn load(db: &Db, partnership_id: &str) -> Result<Reference, StoreError> {
    Ok(Reference {
        agencies: governance::all_agencies(db, partnership_id).await?,
        groups: governance::terms::groups(db, partnership_id).await?,
        terms: governance::terms::all_current(db, partnership_id).await?,
        themes: themes::active(db, partnership_id).await?,
        rules: clocks::rules(db, partnership_id).await?,
        calendar: clocks::calendar(db).await?,
    })
}
