//! The daily reminder digest: for each partnership, the open actions and the returns not yet
//! in that have a reminder on a day (by the partnership's settings: days before due to the
//! owner or the return's writer, on the day, when overdue, then to the agency lead, then to the
//! group chair), gathered into one mail per person per day. Each digest has the natural key (partnership, person, day), unique in the outbox, so
//! a restart or a second server instance never queues it twice.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use learnloop_domain::actions::{Reminder, ReminderSettings, reminders_on};

use crate::Day;
use crate::outbox::{self, NewMail};
use crate::{Db, StoreError, query};

#[derive(Debug, Clone, sqlx::FromRow)]
struct Due {
    id: String,
    description: String,
    due_on: Day,
    owner_person_id: Option<String>,
    lead_agency_id: Option<String>,
    group_id: Option<String>,
}

/// Queues the digests of `day` for every partnership. Returns how many mails were queued now
/// (digests already queued for the day are left alone).
pub async fn queue_digests(db: &Db, public_url: &str, day: NaiveDate) -> Result<usize, StoreError> {
    let partnerships: Vec<(String, String, String, i64, i64)> = db
        .fetch_all(query(
            "SELECT id, name, remind_before, escalate_lead_after, escalate_chair_after FROM partnership ORDER BY id",
        ))
        .await?;
    let mut queued = 0;
    for (pid, name, before, lead, chair) in partnerships {
        let settings = ReminderSettings::parse(&before, &lead.to_string(), &chair.to_string())
            .unwrap_or_default();
        queued += queue_for(db, public_url, day, (&pid, &name), &settings).await?;
    }
    Ok(queued)
}

async fn queue_for(
    db: &Db,
    public_url: &str,
    day: NaiveDate,
    (pid, partnership): (&str, &str),
    s: &ReminderSettings,
) -> Result<usize, StoreError> {
    let latest = s.before.iter().copied().max().unwrap_or(0);
    let from = day - chrono::Duration::days(i64::from(s.chair_after.max(s.lead_after)));
    let to = day + chrono::Duration::days(i64::from(latest));
    let due: Vec<Due> = db
        .fetch_all(
            query(
                "SELECT id, description, due_on, owner_person_id, lead_agency_id, group_id FROM action \
                 WHERE partnership_id = ? AND status IN ('not-started', 'in-progress', 'completed') \
                 AND due_on >= ? AND due_on <= ? ORDER BY due_on",
            )
            .bind(pid)
            .bind(from.format("%Y-%m-%d").to_string())
            .bind(to.format("%Y-%m-%d").to_string()),
        )
        .await?;
    // (e-mail) -> (name, lines)
    let mut digests: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for a in &due {
        let due_on = a.due_on.date();
        for r in reminders_on(due_on, day, s) {
            let (people, line) = match r {
                Reminder::Before(n) => (
                    owner(db, pid, a).await?,
                    format!("Due in {n} days ({}): {}", a.due_on, a.description),
                ),
                Reminder::DueToday => (
                    owner(db, pid, a).await?,
                    format!("Due today: {}", a.description),
                ),
                Reminder::Overdue => (
                    owner(db, pid, a).await?,
                    format!("Overdue since {}: {}", a.due_on, a.description),
                ),
                Reminder::EscalateToLead => (
                    leads(db, pid, a).await?,
                    format!(
                        "Your agency's action is {} days overdue (due {}): {}",
                        s.lead_after, a.due_on, a.description
                    ),
                ),
                Reminder::EscalateToChair => (
                    chairs(db, pid, a).await?,
                    format!(
                        "An action of your group's plan is {} days overdue (due {}): {}",
                        s.chair_after, a.due_on, a.description
                    ),
                ),
            };
            for (email, name) in people {
                let entry = digests.entry(email).or_insert_with(|| (name, Vec::new()));
                entry
                    .1
                    .push(format!("- {line}\n  {public_url}/actions/{}", a.id));
            }
        }
    }
    let mut returns_named = false;
    for r in crate::returns::open_due_between(db, pid, from, to).await? {
        for rem in reminders_on(r.due_on.date(), day, s) {
            // A training follow-up or evaluation is the participant's own: nobody else is
            // told it is overdue.
            if r.source_kind == "training"
                && matches!(rem, Reminder::EscalateToLead | Reminder::EscalateToChair)
            {
                continue;
            }
            let what = format!("your agency's return for {}", r.title);
            let (people, line) = match rem {
                Reminder::Before(n) => (
                    writers(db, pid, &r).await?,
                    format!("Due in {n} days ({}): {what}", r.due_on),
                ),
                Reminder::DueToday => (writers(db, pid, &r).await?, format!("Due today: {what}")),
                Reminder::Overdue => (
                    writers(db, pid, &r).await?,
                    format!("Overdue since {}: {what}", r.due_on),
                ),
                Reminder::EscalateToLead => (
                    agency_leads(db, pid, &r.agency_id).await?,
                    format!(
                        "Your agency's return is {} days overdue (due {}) for {}",
                        s.lead_after, r.due_on, r.title
                    ),
                ),
                Reminder::EscalateToChair => (
                    group_chairs(db, pid, r.group_id.as_deref()).await?,
                    format!(
                        "A return for your group's work ({}) is {} days overdue (due {})",
                        r.title, s.chair_after, r.due_on
                    ),
                ),
            };
            for (email, name) in people {
                returns_named = true;
                let entry = digests.entry(email).or_insert_with(|| (name, Vec::new()));
                entry
                    .1
                    .push(format!("- {line}\n  {public_url}/returns/{}", r.id));
            }
        }
    }
    // Performance data: each agency's values for the last period ended, due by the end of the
    // month after it, to the agency's leads.
    for (agency, due, count) in values_owed(db, pid, day).await? {
        for rem in reminders_on(due, day, s) {
            let what = format!(
                "your agency's performance data ({count} indicator{})",
                if count == 1 { "" } else { "s" }
            );
            let line = match rem {
                Reminder::Before(n) => format!("Due in {n} days ({}): {what}", Day(due)),
                Reminder::DueToday => format!("Due today: {what}"),
                Reminder::Overdue => format!("Overdue since {}: {what}", Day(due)),
                Reminder::EscalateToLead | Reminder::EscalateToChair => continue,
            };
            for (email, name) in agency_leads(db, pid, &agency).await? {
                returns_named = true;
                let entry = digests.entry(email).or_insert_with(|| (name, Vec::new()));
                entry.1.push(format!(
                    "- {line}\n  {public_url}/performance/return?agency={agency}"
                ));
            }
        }
    }
    if digests.is_empty() {
        return Ok(0);
    }
    let day_text = day.format("%Y-%m-%d").to_string();
    let mut tx = db.begin().await?;
    let mut queued = 0;
    for (email, (name, lines)) in digests {
        let n = lines.len();
        let fresh = outbox::enqueue(
            &mut tx,
            NewMail {
                kind: "action-digest",
                partnership_id: Some(pid.to_owned()),
                natural_key: Some(format!("digest:{pid}:{email}:{day_text}")),
                subject: format!(
                    "{partnership}: {n} {} your attention",
                    match (n, returns_named) {
                        (1, false) => "action needs",
                        (_, false) => "actions need",
                        (1, true) => "item needs",
                        (_, true) => "items need",
                    }
                ),
                body: format!(
                    "Hello {name},\n\nThese {} your attention today:\n\n{}\n\nAll your actions: {public_url}/actions?owner=me\n",
                    if returns_named {
                        "actions and returns need"
                    } else {
                        "actions need"
                    },
                    lines.join("\n")
                ),
                to: email,
            },
        )
        .await?;
        queued += usize::from(fresh);
    }
    tx.commit().await?;
    Ok(queued)
}

/// The agencies whose values for the last period ended are not all in on `day`: (agency, when
/// they are due, how many indicators).
async fn values_owed(
    db: &Db,
    pid: &str,
    day: NaiveDate,
) -> Result<Vec<(String, NaiveDate, usize)>, StoreError> {
    use learnloop_domain::performance::{Frequency, Period};
    let live: Vec<(String, String, String)> = db
        .fetch_all(
            query(
                "SELECT id, agency_id, frequency FROM indicator WHERE partnership_id = ? AND added_on <= ? \
                 AND (retired_on IS NULL OR retired_on > ?) LIMIT 1000",
            )
            .bind(pid)
            .bind(Day(day))
            .bind(Day(day)),
        )
        .await?;
    if live.is_empty() {
        return Ok(Vec::new());
    }
    let since = Period::of(Frequency::Yearly, day).prev().key();
    let have: std::collections::HashSet<(String, String)> = db
        .fetch_all::<(String, String)>(
            query(
                "SELECT indicator_id, period FROM indicator_value WHERE partnership_id = ? AND period >= ? LIMIT 100000",
            )
            .bind(pid)
            .bind(since),
        )
        .await?
        .into_iter()
        .collect();
    let mut owed: BTreeMap<String, (NaiveDate, usize)> = BTreeMap::new();
    for (id, agency, frequency) in live {
        let Some(f) = learnloop_domain::performance::parse(&Frequency::ALL, &frequency) else {
            continue;
        };
        let last = Period::of(f, day).prev();
        if have.contains(&(id, last.key())) {
            continue;
        }
        let due = last.returns_due();
        let e = owed.entry(agency).or_insert((due, 0));
        e.0 = e.0.min(due);
        e.1 += 1;
    }
    Ok(owed.into_iter().map(|(a, (d, n))| (a, d, n)).collect())
}

/// The action's owner while they are active and still have a role in the partnership: a
/// former member is told nothing more about its work.
async fn owner(db: &Db, pid: &str, a: &Due) -> Result<Vec<(String, String)>, StoreError> {
    let Some(p) = &a.owner_person_id else {
        return Ok(Vec::new());
    };
    db.fetch_all(
        query(
            "SELECT email, name FROM person WHERE id = ? AND active = ? AND EXISTS \
             (SELECT 1 FROM membership m WHERE m.person_id = person.id AND m.partnership_id = ?)",
        )
        .bind(p)
        .bind(true)
        .bind(pid),
    )
    .await
}

async fn leads(db: &Db, pid: &str, a: &Due) -> Result<Vec<(String, String)>, StoreError> {
    match &a.lead_agency_id {
        Some(agency) => agency_leads(db, pid, agency).await,
        None => Ok(Vec::new()),
    }
}

/// The active safeguarding leads of an agency.
async fn agency_leads(
    db: &Db,
    pid: &str,
    agency: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT p.email, p.name FROM membership m JOIN person p ON p.id = m.person_id \
             WHERE m.partnership_id = ? AND m.role = 'agency-lead' AND m.agency_id = ? AND p.active = ? LIMIT 50",
        )
        .bind(pid)
        .bind(agency)
        .bind(true),
    )
    .await
}

async fn chairs(db: &Db, pid: &str, a: &Due) -> Result<Vec<(String, String)>, StoreError> {
    group_chairs(db, pid, a.group_id.as_deref()).await
}

/// The active chairs of a group.
async fn group_chairs(
    db: &Db,
    pid: &str,
    group: Option<&str>,
) -> Result<Vec<(String, String)>, StoreError> {
    let Some(group) = group else {
        return Ok(Vec::new());
    };
    db.fetch_all(
        query(
            "SELECT p.email, p.name FROM membership m JOIN person p ON p.id = m.person_id \
             WHERE m.partnership_id = ? AND m.role = 'group-chair' AND m.group_id = ? AND p.active = ? LIMIT 50",
        )
        .bind(pid)
        .bind(group)
        .bind(true),
    )
    .await
}

/// Who writes a return: its auditor while they are active and still in the partnership, or,
/// until one is chosen, its agency's leads.
async fn writers(
    db: &Db,
    pid: &str,
    r: &crate::returns::DueReturn,
) -> Result<Vec<(String, String)>, StoreError> {
    match &r.assignee_id {
        Some(p) => {
            db.fetch_all(
                query(
                    "SELECT email, name FROM person WHERE id = ? AND active = ? AND EXISTS \
                     (SELECT 1 FROM membership m WHERE m.person_id = person.id AND m.partnership_id = ?)",
                )
                .bind(p)
                .bind(true)
                .bind(pid),
            )
            .await
        }
        None => agency_leads(db, pid, &r.agency_id).await,
    }
}
