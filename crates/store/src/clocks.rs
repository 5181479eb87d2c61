//! The installation's holiday changes and each partnership's local clock rules.
//!
//! The calendar itself is computed in the domain; what is stored here is only what people
//! changed on top of it. Applied holiday changes are read on each request through
//! [`calendar`] (cheap: a handful of rows).

use chrono::{NaiveDate, Utc};
use learnloop_domain::clocks::{
    self, Calendar, ClockRule, Direction, HolidayEdit, HolidayEditKind, Unit,
};
use serde::Serialize;

use crate::Day;
use crate::audit::{self, Event, Who};
use crate::{Db, StoreError, new_id, query, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct HolidayChange {
    pub id: String,
    pub day: Day,
    pub name: String,
    pub change: String,
    pub reason: String,
    pub status: String,
    pub proposed_by: String,
    pub proposed_in: Option<String>,
    pub proposed_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

/// The installation's calendar: the rules plus every applied change, in the order applied.
pub async fn calendar(db: &Db) -> Result<Calendar, StoreError> {
    let rows: Vec<HolidayChange> = db
        .fetch_all(query(
            "SELECT * FROM holiday_change WHERE status = 'applied' ORDER BY decided_at, id LIMIT 10000",
        ))
        .await?;
    let edits: Vec<HolidayEdit> = rows
        .iter()
        .map(|r| HolidayEdit {
            date: r.day.date(),
            name: r.name.clone(),
            kind: if r.change == "remove" {
                HolidayEditKind::Remove
            } else {
                HolidayEditKind::Add
            },
        })
        .collect();
    Ok(Calendar::england_and_wales().with_edits(&edits))
}

/// Every change proposed or decided, newest first (a few per year at most).
pub async fn holiday_changes(db: &Db) -> Result<Vec<HolidayChange>, StoreError> {
    db.fetch_all(query(
        "SELECT * FROM holiday_change ORDER BY proposed_at DESC LIMIT 500",
    ))
    .await
}

/// Proposes adding or removing a holiday. A system administrator applies it.
pub async fn propose_holiday(
    db: &Db,
    who: &Who,
    day: NaiveDate,
    name: &str,
    change: HolidayEditKind,
    reason: &str,
) -> Result<HolidayChange, StoreError> {
    let now = ts(Utc::now());
    let h = HolidayChange {
        id: new_id(),
        day: Day(day),
        name: name.to_owned(),
        change: match change {
            HolidayEditKind::Add => "add",
            HolidayEditKind::Remove => "remove",
        }
        .to_owned(),
        reason: reason.to_owned(),
        status: "proposed".to_owned(),
        proposed_by: who.person_id.clone().unwrap_or_default(),
        proposed_in: who.partnership_id.clone(),
        proposed_at: now,
        decided_by: None,
        decided_at: None,
    };
    let mut tx = db.begin().await?;
    tx.execute(
        query(
            "INSERT INTO holiday_change (id, day, name, change, reason, status, proposed_by, \
             proposed_in, proposed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&h.id)
        .bind(h.day)
        .bind(&h.name)
        .bind(&h.change)
        .bind(&h.reason)
        .bind(&h.status)
        .bind(&h.proposed_by)
        .bind(h.proposed_in.clone())
        .bind(&h.proposed_at),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("holiday.propose", "holiday_change", Some(&h.id))
            .summary(format!("Proposed to {} {} ({})", h.change, h.day, h.name))
            .after(&h),
    )
    .await?;
    tx.commit().await?;
    Ok(h)
}

/// Applies or rejects a proposed change. False if it was not awaiting a decision.
pub async fn decide_holiday(db: &Db, who: &Who, id: &str, apply: bool) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let before: Option<HolidayChange> = tx
        .fetch_optional(
            query("SELECT * FROM holiday_change WHERE id = ? AND status = 'proposed'").bind(id),
        )
        .await?;
    let Some(before) = before else {
        return Ok(false);
    };
    let status = if apply { "applied" } else { "rejected" };
    tx.execute(
        query("UPDATE holiday_change SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?")
            .bind(status)
            .bind(who.person_id.clone())
            .bind(ts(Utc::now()))
            .bind(id),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new(
            if apply {
                "holiday.apply"
            } else {
                "holiday.reject"
            },
            "holiday_change",
            Some(id),
        )
        .summary(format!(
            "{} the change to {} {} ({})",
            if apply { "Applied" } else { "Rejected" },
            before.change,
            before.day,
            before.name
        ))
        .before(&before),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LocalRule {
    pub id: String,
    pub partnership_id: String,
    pub slug: String,
    pub name: String,
    pub starts_on: String,
    pub length: i64,
    pub unit: String,
    pub direction: String,
    pub source: String,
    pub due_soon: i64,
    pub based_on: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl LocalRule {
    pub fn to_rule(&self) -> Option<ClockRule> {
        Some(ClockRule {
            slug: self.slug.clone(),
            name: self.name.clone(),
            starts_on: self.starts_on.clone(),
            length: u32::try_from(self.length).ok()?,
            unit: Unit::parse(&self.unit)?,
            direction: Direction::parse(&self.direction)?,
            source: self.source.clone(),
            statutory: false,
            due_soon: u32::try_from(self.due_soon).ok()?,
        })
    }
}

/// The rules in force for a partnership: the seeded ones, with each local rule replacing a
/// seeded local rule of the same id or standing beside them. Statutory rules are never replaced.
pub async fn rules(db: &Db, partnership_id: &str) -> Result<Vec<ClockRule>, StoreError> {
    let local: Vec<LocalRule> = db
        .fetch_all(
            query("SELECT * FROM clock_rule WHERE partnership_id = ? ORDER BY slug LIMIT 500")
                .bind(partnership_id),
        )
        .await?;
    Ok(merge_rules(
        clocks::seeded_rules(),
        local.iter().filter_map(LocalRule::to_rule).collect(),
    ))
}

fn merge_rules(seeded: Vec<ClockRule>, local: Vec<ClockRule>) -> Vec<ClockRule> {
    let mut out: Vec<ClockRule> = seeded
        .into_iter()
        .filter(|s| s.statutory || !local.iter().any(|l| l.slug == s.slug))
        .collect();
    for l in local {
        if !out.iter().any(|s| s.slug == l.slug) {
            out.push(l);
        }
    }
    out
}

pub async fn local_rules(db: &Db, partnership_id: &str) -> Result<Vec<LocalRule>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM clock_rule WHERE partnership_id = ? ORDER BY slug LIMIT 500")
            .bind(partnership_id),
    )
    .await
}

/// Adds or replaces a partnership's local rule with this slug.
pub async fn save_local_rule(
    db: &Db,
    who: &Who,
    partnership_id: &str,
    rule: &ClockRule,
    based_on: Option<&str>,
) -> Result<(), StoreError> {
    let now = ts(Utc::now());
    let mut tx = db.begin().await?;
    let before: Option<LocalRule> = tx
        .fetch_optional(
            query("SELECT * FROM clock_rule WHERE partnership_id = ? AND slug = ?")
                .bind(partnership_id)
                .bind(&rule.slug),
        )
        .await?;
    let row = LocalRule {
        id: before.as_ref().map(|b| b.id.clone()).unwrap_or_else(new_id),
        partnership_id: partnership_id.to_owned(),
        slug: rule.slug.clone(),
        name: rule.name.clone(),
        starts_on: rule.starts_on.clone(),
        length: i64::from(rule.length),
        unit: rule.unit.as_str().to_owned(),
        direction: rule.direction.as_str().to_owned(),
        source: rule.source.clone(),
        due_soon: i64::from(rule.due_soon),
        based_on: based_on.map(str::to_owned),
        created_at: before
            .as_ref()
            .map(|b| b.created_at.clone())
            .unwrap_or_else(|| now.clone()),
        updated_at: now,
    };
    tx.execute(
        query("DELETE FROM clock_rule WHERE partnership_id = ? AND slug = ?")
            .bind(partnership_id)
            .bind(&rule.slug),
    )
    .await?;
    tx.execute(
        query(
            "INSERT INTO clock_rule (id, partnership_id, slug, name, starts_on, length, unit, direction, \
             source, due_soon, based_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&row.id)
        .bind(&row.partnership_id)
        .bind(&row.slug)
        .bind(&row.name)
        .bind(&row.starts_on)
        .bind(row.length)
        .bind(&row.unit)
        .bind(&row.direction)
        .bind(&row.source)
        .bind(row.due_soon)
        .bind(row.based_on.clone())
        .bind(&row.created_at)
        .bind(&row.updated_at),
    )
    .await?;
    let mut e = Event::new("clock_rule.save", "clock_rule", Some(&row.id))
        .summary(format!("Saved local clock rule {}", row.name))
        .after(&row);
    if let Some(b) = &before {
        e = e.before(b);
    }
    audit::append(&mut tx, who, e).await?;
    tx.commit().await
}
