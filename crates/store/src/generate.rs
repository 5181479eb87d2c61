//! Synthetic data at national volume: `learnloop generate` fills a database with partnerships,
//! their agencies, people, groups, meetings, case reviews, recommendations, actions and
//! progress updates, realistic in shape and deterministic from a seed.
//!
//! Each partnership has its own small PRNG (splitmix64) seeded from the seed and its number,
//! so partnerships can be written in parallel and still come out the same. Ids are UUID-shaped
//! strings from that PRNG. Rows are built in memory per partnership and written with
//! multi-row `INSERT … VALUES (…), (…)` statements in one transaction per partnership; the
//! partnership itself is created first through
//! [`governance::create_partnership`](crate::governance::create_partnership) (which
//! seeds its themes and writes the audit trail), and one audit event per partnership records
//! what was generated. Files (review reports, meeting papers, action evidence) are not
//! generated: a file row without its bytes would be a broken download.
//!
//! The parts: `partnership` builds one partnership (agencies, groups, people) and runs the
//! others in order: `meetings` (terms of reference and meetings), `escalations`, `cases`
//! (case reviews) and `actions` (recommendations, actions, evidence). `history` then writes the
//! rows, buffered in `tables` (built on `bulk`), and the audit trail they would have left.
//! `rng` and `words` supply the randomness and the text.

mod actions;
mod audits;
mod bulk;
mod cases;
mod child_deaths;
mod escalations;
mod history;
mod inspections;
mod meetings;
mod partnership;
mod performance;
mod rng;
mod section11;
mod tables;
mod training;
mod voice;
mod words;

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::files::FileStore;
use crate::{Db, Engine, StoreError, demo, query};

use partnership::partnership;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    pub partnerships: u32,
    pub years: u32,
    pub seed: u64,
    /// The first partnership is the demo partnership (loaded if missing) rather than gen-001.
    pub demo: bool,
    /// The day the history ends (today, normally); everything is dated relative to it.
    pub today: NaiveDate,
    /// Where evidence files go. Without it, no evidence is generated (a file record without
    /// its bytes would be a broken download).
    pub files: Option<FileStore>,
}

/// Rows written, by table.
pub type Counts = BTreeMap<&'static str, u64>;

/// The label generated records carry as their author.
pub const LABEL: &str = "Learnloop generator";

/// True when generated partnerships are already there (a second run would double them).
pub async fn already_generated(db: &Db, demo_too: bool) -> Result<bool, StoreError> {
    let (n,): (i64,) = db
        .fetch_one(query(
            "SELECT COUNT(*) FROM partnership WHERE slug LIKE 'gen-%'",
        ))
        .await?;
    if n > 0 {
        return Ok(true);
    }
    if demo_too {
        let (m,): (i64,) = db
            .fetch_one(query(
                "SELECT COUNT(*) FROM person WHERE email LIKE '%@northbrook.gen.example'",
            ))
            .await?;
        return Ok(m > 0);
    }
    Ok(false)
}

/// Generates everything; `progress` gets one line per partnership written.
pub async fn run(
    db: &Db,
    o: &Options,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<Counts, StoreError> {
    let started = std::time::Instant::now();
    let jobs = if db.engine() == Engine::Postgres {
        2
    } else {
        1
    };
    let mut total = Counts::new();
    let mut set = tokio::task::JoinSet::new();
    let mut next = 0u32;
    let mut done = 0u32;
    if o.demo && o.partnerships > 0 {
        // The demo loader creates the partnership; it runs alone, before the others.
        demo::load(db).await?;
    }
    // Most people have set their password; one hash of a random password nobody knows stands
    // for theirs (argon2id takes real time per hash).
    let secret = format!("{:032x}", rand::random::<u128>());
    let hash: std::sync::Arc<str> =
        tokio::task::spawn_blocking(move || learnloop_domain::accounts::hash_password(&secret))
            .await
            .map_err(|e| StoreError::Config(e.to_string()))?
            .map_err(StoreError::Config)?
            .into();
    loop {
        while next < o.partnerships && set.len() < jobs {
            let (db, o2, hash) = (db.clone(), o.clone(), hash.clone());
            let i = next;
            set.spawn(async move { partnership(&db, &o2, i, &hash).await });
            next += 1;
        }
        let Some(r) = set.join_next().await else {
            break;
        };
        let (slug, counts) = r.map_err(|e| StoreError::Config(e.to_string()))??;
        done += 1;
        let rows: u64 = counts.values().sum();
        for (k, v) in counts {
            *total.entry(k).or_default() += v;
        }
        progress(&format!(
            "{slug}: {rows} rows ({done}/{} partnerships, {:.0}s)",
            o.partnerships,
            started.elapsed().as_secs_f64()
        ));
    }
    // A bulk load leaves the planner without statistics and no row marked visible to all:
    // gather and mark them once, now.
    progress("Vacuuming and analysing the tables for the query planner…");
    db.analyze().await?;
    Ok(total)
}
