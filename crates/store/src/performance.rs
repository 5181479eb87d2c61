//! Performance data: the partnership's indicators, their values per period with every
//! correction kept, and their benchmarks. The dataset is "live": an indicator is added on a day
//! and may be retired on a later one, and the dataset as it stood on any day is those added by
//! then and not retired by then.

use chrono::Utc;
use learnloop_domain::performance::{Frequency, Period, Polarity, Unit};
use learnloop_domain::stored::Slug;
use serde::Serialize;

use crate::audit::{self, Event, Who};
pub mod deep_dives;

use crate::db::Tx;
use crate::{Day, Db, StoreError, new_id, query, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Indicator {
    pub id: String,
    pub partnership_id: String,
    pub name: String,
    pub definition: String,
    pub agency_id: String,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub unit: Unit,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub polarity: Polarity,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub frequency: Frequency,
    pub target: Option<f64>,
    pub tolerance: f64,
    pub published: bool,
    pub created_by: String,
    pub created_at: String,
    pub added_on: Day,
    pub retired_on: Option<Day>,
}

/// What the business team types about an indicator.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorInput {
    pub name: String,
    pub definition: String,
    pub agency_id: String,
    #[serde(serialize_with = "crate::slug")]
    pub unit: Unit,
    #[serde(serialize_with = "crate::slug")]
    pub polarity: Polarity,
    #[serde(serialize_with = "crate::slug")]
    pub frequency: Frequency,
    pub target: Option<f64>,
    pub tolerance: f64,
    pub published: bool,
    pub themes: Vec<String>,
}

/// Adds an indicator to the dataset from `on`. NotFound when its agency or a theme is not the
/// partnership's.
pub async fn add(
    db: &Db,
    who: &Who,
    pid: &str,
    i: &IndicatorInput,
    on: Day,
) -> Result<String, StoreError> {
    let mut tx = db.begin().await?;
    let (n,): (i64,) = tx
        .fetch_one(
            query("SELECT COUNT(*) FROM agency WHERE partnership_id = ? AND id = ?")
                .bind(pid)
                .bind(&i.agency_id),
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let id = new_id();
    tx.execute(
        query(
            "INSERT INTO indicator (id, partnership_id, name, definition, agency_id, unit, polarity, frequency, \
             target, tolerance, published, created_by, created_at, added_on) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(&i.name)
        .bind(&i.definition)
        .bind(&i.agency_id)
        .bind(i.unit.slug())
        .bind(i.polarity.slug())
        .bind(i.frequency.slug())
        .bind(i.target)
        .bind(i.tolerance)
        .bind(i.published)
        .bind(&who.label)
        .bind(ts(Utc::now()))
        .bind(on),
    )
    .await?;
    for t in &i.themes {
        crate::themes::tag(&mut tx, pid, t, "indicator", &id).await?;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("indicator.add", "indicator", Some(&id))
            .summary(format!("Added the indicator “{}” to the dataset", i.name))
            .after(i),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Takes an indicator out of the dataset from `on`; its values stay, and the dataset as it
/// stood before then still shows it. Conflict if it is retired already.
pub async fn retire(db: &Db, who: &Who, pid: &str, id: &str, on: Day) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query(
                "UPDATE indicator SET retired_on = ? WHERE partnership_id = ? AND id = ? AND retired_on IS NULL",
            )
            .bind(on)
            .bind(pid)
            .bind(id),
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Conflict(
            "This indicator has been retired already".to_owned(),
        ));
    }
    audit::append(
        &mut tx,
        who,
        Event::new("indicator.retire", "indicator", Some(id))
            .summary(format!("Retired the indicator from {}", on.long())),
    )
    .await?;
    tx.commit().await
}

pub async fn get(db: &Db, pid: &str, id: &str) -> Result<Option<Indicator>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM indicator WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// The dataset as it stood on a day: the indicators added by then and not retired by then, by
/// name; only the published ones unless `all`.
pub async fn dataset(db: &Db, pid: &str, on: Day, all: bool) -> Result<Vec<Indicator>, StoreError> {
    db.fetch_all(
        query(
            "SELECT * FROM indicator WHERE partnership_id = ? AND added_on <= ? \
             AND (retired_on IS NULL OR retired_on > ?) AND (published = ? OR ?) \
             ORDER BY lower(name), id LIMIT 500",
        )
        .bind(pid)
        .bind(on)
        .bind(on)
        .bind(true)
        .bind(all),
    )
    .await
}

/// The ids of the indicators tagged with a theme.
pub async fn with_theme(db: &Db, pid: &str, theme_id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = db
        .fetch_all(
            query(
                "SELECT target_id FROM tagging WHERE partnership_id = ? AND theme_id = ? \
                 AND target_kind = 'indicator' LIMIT 1000",
            )
            .bind(pid)
            .bind(theme_id),
        )
        .await?;
    Ok(rows.into_iter().map(|(i,)| i).collect())
}

/// The indicators retired from the dataset, by name.
pub async fn retired(db: &Db, pid: &str) -> Result<Vec<Indicator>, StoreError> {
    db.fetch_all(
        query(
            "SELECT * FROM indicator WHERE partnership_id = ? AND retired_on IS NOT NULL \
             ORDER BY lower(name), id LIMIT 500",
        )
        .bind(pid),
    )
    .await
}

/// A value as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Value {
    pub indicator_id: String,
    pub period: String,
    pub value: f64,
    pub entered_by: String,
    pub entered_at: String,
}

/// The values of every indicator from a period key on ("2024" takes every period of 2024 and
/// after): (indicator, period, value), in period order.
pub async fn values_since(
    db: &Db,
    pid: &str,
    since: &str,
) -> Result<Vec<(String, String, f64)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT indicator_id, period, value FROM indicator_value \
             WHERE partnership_id = ? AND period >= ? ORDER BY indicator_id, period LIMIT 50000",
        )
        .bind(pid)
        .bind(since),
    )
    .await
}

/// The values of a few indicators at one period each: (indicator, period, value) for those
/// entered. Reads only those (at most 500), not every value of the partnership.
pub async fn values_at(
    db: &Db,
    pid: &str,
    wanted: &[(String, String)],
) -> Result<Vec<(String, String, f64)>, StoreError> {
    let wanted = &wanted[..wanted.len().min(500)];
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql: Vec<&'static str> = vec![
        "SELECT indicator_id, period, value FROM indicator_value WHERE partnership_id = ? \
         AND ((indicator_id = ? AND period = ?)",
    ];
    sql.extend(std::iter::repeat_n(
        " OR (indicator_id = ? AND period = ?)",
        wanted.len() - 1,
    ));
    sql.push(")");
    let q = wanted.iter().fold(
        crate::db::query_from(&sql).bind(pid),
        |q, (indicator, period)| q.bind(indicator.as_str()).bind(period.as_str()),
    );
    db.fetch_all(q).await
}

/// One indicator's values, in period order.
pub async fn values(db: &Db, pid: &str, id: &str) -> Result<Vec<Value>, StoreError> {
    db.fetch_all(
        query(
            "SELECT indicator_id, period, value, entered_by, entered_at FROM indicator_value \
             WHERE partnership_id = ? AND indicator_id = ? ORDER BY period LIMIT 2000",
        )
        .bind(pid)
        .bind(id),
    )
    .await
}

/// A correction of a value: what it was, what it became, who changed it and why.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Change {
    pub period: String,
    pub before_value: f64,
    pub after_value: f64,
    pub reason: String,
    pub changed_by: String,
    pub changed_at: String,
}

pub async fn changes(db: &Db, pid: &str, id: &str) -> Result<Vec<Change>, StoreError> {
    db.fetch_all(
        query(
            "SELECT period, before_value, after_value, reason, changed_by, changed_at FROM indicator_value_change \
             WHERE partnership_id = ? AND indicator_id = ? ORDER BY changed_at DESC, id LIMIT 200",
        )
        .bind(pid)
        .bind(id),
    )
    .await
}

/// Enters a period's value, or corrects one entered before (a correction needs its reason,
/// and is kept). Conflict, with the sentence to show, when the indicator is retired or a
/// correction has no reason. Returns whether it was a correction.
pub async fn enter(
    db: &Db,
    who: &Who,
    pid: &str,
    id: &str,
    (period, value): (Period, f64),
    reason: &str,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let corrected = put(&mut tx, who, pid, id, (period, value), reason).await?;
    tx.commit().await?;
    Ok(corrected == Some(true))
}

/// One value of an import: (indicator, period, value, reason).
pub type Entry = (String, Period, f64, String);

/// Enters many values at once (an imported sheet): all of them, or none when any fails.
/// Returns how many were written (new or corrected; unchanged ones are left).
pub async fn enter_all(
    db: &Db,
    who: &Who,
    pid: &str,
    entries: &[Entry],
) -> Result<usize, StoreError> {
    let mut tx = db.begin().await?;
    let mut written = 0;
    for (id, period, value, reason) in entries {
        if put(&mut tx, who, pid, id, (*period, *value), reason)
            .await?
            .is_some()
        {
            written += 1;
        }
    }
    tx.commit().await?;
    Ok(written)
}

/// Writes one value in the transaction: None when it was already that, else whether it
/// corrected an earlier value.
async fn put(
    tx: &mut Tx,
    who: &Who,
    pid: &str,
    id: &str,
    (period, value): (Period, f64),
    reason: &str,
) -> Result<Option<bool>, StoreError> {
    let ind: Indicator = tx
        .fetch_optional(
            query("SELECT * FROM indicator WHERE partnership_id = ? AND id = ?")
                .bind(pid)
                .bind(id),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    if ind.retired_on.is_some() {
        return Err(StoreError::Conflict(
            "This indicator has been retired: it takes no more values".to_owned(),
        ));
    }
    let key = period.key();
    let now = ts(Utc::now());
    let before: Option<(f64,)> = tx
        .fetch_optional(
            query("SELECT value FROM indicator_value WHERE partnership_id = ? AND indicator_id = ? AND period = ?")
                .bind(pid)
                .bind(id)
                .bind(&key),
        )
        .await?;
    let corrected = match before {
        None => {
            let r = tx
                .execute(
                    query(
                        "INSERT INTO indicator_value (indicator_id, partnership_id, period, value, entered_by, entered_at) \
                         VALUES (?, ?, ?, ?, ?, ?)",
                    )
                    .bind(id)
                    .bind(pid)
                    .bind(&key)
                    .bind(value)
                    .bind(&who.label)
                    .bind(&now),
                )
                .await;
            match r {
                Err(e) if e.is_unique_violation() => {
                    return Err(StoreError::Conflict(format!(
                        "A value for {} was entered a moment ago: look at it, and correct it if it is wrong",
                        period.label()
                    )));
                }
                r => {
                    r?;
                }
            }
            false
        }
        Some((old,)) if (old - value).abs() < 1e-12 => return Ok(None),
        Some((old,)) => {
            if reason.trim().is_empty() {
                return Err(StoreError::Conflict(format!(
                    "{} already has a value ({}): say why it is being corrected",
                    period.label(),
                    ind.unit.show(old)
                )));
            }
            tx.execute(
                query(
                    "UPDATE indicator_value SET value = ?, entered_by = ?, entered_at = ? \
                     WHERE partnership_id = ? AND indicator_id = ? AND period = ?",
                )
                .bind(value)
                .bind(&who.label)
                .bind(&now)
                .bind(pid)
                .bind(id)
                .bind(&key),
            )
            .await?;
            tx.execute(
                query(
                    "INSERT INTO indicator_value_change (id, indicator_id, partnership_id, period, before_value, \
                     after_value, reason, changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(new_id())
                .bind(id)
                .bind(pid)
                .bind(&key)
                .bind(old)
                .bind(value)
                .bind(reason.trim())
                .bind(&who.label)
                .bind(&now),
            )
            .await?;
            true
        }
    };
    audit::append(
        tx,
        who,
        Event::new("indicator.value", "indicator", Some(id))
            .summary(format!(
                "{} the value of “{}” for {}: {}",
                if corrected { "Corrected" } else { "Entered" },
                ind.name,
                period.label(),
                ind.unit.show(value)
            ))
            .after(&serde_json::json!({ "period": key, "value": value, "reason": reason.trim() })),
    )
    .await?;
    Ok(Some(corrected))
}

/// A benchmark as stored: (period, name, value).
pub async fn benchmarks(
    db: &Db,
    pid: &str,
    id: &str,
) -> Result<Vec<(String, String, f64)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT period, name, value FROM indicator_benchmark WHERE partnership_id = ? AND indicator_id = ? \
             ORDER BY period, name LIMIT 5000",
        )
        .bind(pid)
        .bind(id),
    )
    .await
}

/// Benchmarks of several indicators from a period key on: (indicator, period, name, value).
pub async fn benchmarks_since(
    db: &Db,
    pid: &str,
    since: &str,
) -> Result<Vec<(String, String, String, f64)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT indicator_id, period, name, value FROM indicator_benchmark WHERE partnership_id = ? \
             AND period >= ? ORDER BY indicator_id, period LIMIT 50000",
        )
        .bind(pid)
        .bind(since),
    )
    .await
}

/// The benchmarks a partnership compares itself with.
pub const BENCHMARKS: [&str; 3] = ["England", "Statistical neighbours", "Region"];

/// Sets (or replaces) a period's benchmark.
pub async fn set_benchmark(
    db: &Db,
    who: &Who,
    pid: &str,
    id: &str,
    (period, name, value): (Period, &str, f64),
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    tx.execute(
        query("DELETE FROM indicator_benchmark WHERE partnership_id = ? AND indicator_id = ? AND period = ? AND name = ?")
            .bind(pid)
            .bind(id)
            .bind(period.key())
            .bind(name),
    )
    .await?;
    tx.execute(
        query(
            "INSERT INTO indicator_benchmark (indicator_id, partnership_id, period, name, value) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(pid)
        .bind(period.key())
        .bind(name)
        .bind(value),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("indicator.benchmark", "indicator", Some(id)).summary(format!(
            "Set the {name} benchmark for {} to {value}",
            period.label()
        )),
    )
    .await?;
    tx.commit().await
}

/// What one agency has still to send: (agency id, agency name, the indicators, due).
pub type Owed = (String, String, Vec<String>, Day);

/// Mails every active lead of each agency with values still to send, once a day at most, and
/// audits the chase. Returns the mails queued.
pub async fn chase(
    db: &Db,
    who: &Who,
    pid: &str,
    owed: &[Owed],
    (public_url, day): (&str, chrono::NaiveDate),
) -> Result<usize, StoreError> {
    let leads: Vec<(String, String, String)> = db
        .fetch_all(
            query(
                "SELECT m.agency_id, p.email, p.name FROM membership m JOIN person p ON p.id = m.person_id \
                 WHERE m.partnership_id = ? AND m.role = 'agency-lead' AND p.active = ? \
                 ORDER BY p.email LIMIT 2000",
            )
            .bind(pid)
            .bind(true),
        )
        .await?;
    let mut tx = db.begin().await?;
    let mut queued = 0;
    let day_text = Day(day).to_string();
    for (agency, name, indicators, due) in owed {
        for (_, email, person) in leads.iter().filter(|(a, _, _)| a == agency) {
            let fresh = crate::outbox::enqueue(
                &mut tx,
                crate::outbox::NewMail {
                    kind: "indicator-chase",
                    partnership_id: Some(pid.to_owned()),
                    natural_key: Some(format!("indicator-chase:{agency}:{email}:{day_text}")),
                    to: email.clone(),
                    subject: format!("Reminder: performance data needed from {name}"),
                    body: format!(
                        "Hello {person},\n\nThe partnership's dataset is waiting for {name}'s values of these indicators, due {}:\n\n{}\n\nEnter them here: {public_url}/performance/return?agency={agency}\n",
                        due.long(),
                        indicators
                            .iter()
                            .map(|i| format!("- {i}"))
                            .collect::<Vec<_>>()
                            .join("\n")
                    ),
                },
            )
            .await?;
            queued += usize::from(fresh);
        }
    }
    audit::append(
        &mut tx,
        who,
        Event::new("indicator.chase", "partnership", Some(pid))
            .summary(format!(
                "Chased {} agencies for their performance data",
                owed.len()
            ))
            .after(&serde_json::json!({ "agencies": owed.len(), "mails": queued })),
    )
    .await?;
    tx.commit().await?;
    Ok(queued)
}
