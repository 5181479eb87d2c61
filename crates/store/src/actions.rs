//! The action record: one table for every kind of action (meeting actions, and the actions
//! that answer recommendations of any source), with progress updates, evidence files, due-date
//! revisions, sign-off and impact review. A plan is the actions of one source.

use chrono::{NaiveDate, Utc};
use learnloop_domain::actions::ActionStatus;
use learnloop_domain::sources::SourceKind;
use serde::Serialize;

use crate::Day;
use crate::audit::{self, Event, Who};
use crate::files::{FileStore, Upload};
use crate::{Db, Page, Paged, StoreError, Tx, new_id, query, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Action {
    pub id: String,
    pub partnership_id: String,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub source_kind: SourceKind,
    pub source_id: String,
    pub group_id: Option<String>,
    pub description: String,
    pub lead_agency_id: Option<String>,
    pub owner_person_id: Option<String>,
    pub due_on: Day,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub status: ActionStatus,
    pub status_reason: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub recommendation_id: Option<String>,
    pub success_measure: String,
    pub last_update_on: Option<Day>,
    pub closed_on: Option<Day>,
    pub signed_off_by: Option<String>,
    pub signed_off_at: Option<String>,
    pub impact_due_on: Option<Day>,
    /// The day its impact review was recorded, if it has been (the review is `impact`).
    pub impact_reviewed_on: Option<Day>,
}

impl Action {
    /// The day of the last progress update, or of creation when there has been none.
    pub fn last_touched(&self) -> Option<NaiveDate> {
        self.last_update_on.map(Day::date).or_else(|| {
            self.created_at
                .get(..10)
                .and_then(learnloop_domain::dates::parse_iso)
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NewAction {
    #[serde(serialize_with = "crate::slug")]
    pub source_kind: SourceKind,
    pub source_id: String,
    pub group_id: Option<String>,
    pub description: String,
    pub lead_agency_id: Option<String>,
    pub owner_person_id: Option<String>,
    pub due_on: String,
    pub recommendation_id: Option<String>,
    pub success_measure: String,
    pub supporting_agency_ids: Vec<String>,
}

impl NewAction {
    /// A meeting action: no recommendation, no success measure, no supporting agencies.
    pub fn meeting(
        meeting_id: String,
        group_id: String,
        description: String,
        lead_agency_id: String,
        owner_person_id: String,
        due_on: String,
    ) -> NewAction {
        NewAction {
            source_kind: SourceKind::Meeting,
            source_id: meeting_id,
            group_id: Some(group_id),
            description,
            lead_agency_id: Some(lead_agency_id),
            owner_person_id: Some(owner_person_id),
            due_on,
            recommendation_id: None,
            success_measure: String::new(),
            supporting_agency_ids: Vec::new(),
        }
    }
}

/// Inserts one action (and its plan, the first time) inside the caller's transaction.
async fn insert(tx: &mut Tx, who: &Who, pid: &str, a: &NewAction) -> Result<String, StoreError> {
    let id = new_id();
    let now = ts(Utc::now());
    tx.execute(
        query(
            "INSERT INTO action_plan (partnership_id, source_kind, source_id, group_id, impact_months, created_at) \
             SELECT id, ?, ?, ?, impact_months, ? FROM partnership WHERE id = ? ON CONFLICT DO NOTHING",
        )
        .bind(a.source_kind.slug())
        .bind(&a.source_id)
        .bind(a.group_id.clone())
        .bind(&now)
        .bind(pid),
    )
    .await?;
    tx.execute(
        query(
            "INSERT INTO action (id, partnership_id, source_kind, source_id, group_id, description, lead_agency_id, \
             owner_person_id, due_on, status, status_reason, created_by, created_at, updated_at, recommendation_id, \
             success_measure) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(a.source_kind.slug())
        .bind(&a.source_id)
        .bind(a.group_id.clone())
        .bind(&a.description)
        .bind(a.lead_agency_id.clone())
        .bind(a.owner_person_id.clone())
        .bind(&a.due_on)
        .bind(ActionStatus::NotStarted.slug())
        .bind(&who.label)
        .bind(&now)
        .bind(&now)
        .bind(a.recommendation_id.clone())
        .bind(&a.success_measure),
    )
    .await?;
    for ag in &a.supporting_agency_ids {
        if Some(ag) == a.lead_agency_id.as_ref() {
            continue;
        }
        tx.execute(
            query("INSERT INTO action_agency (action_id, partnership_id, agency_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
                .bind(&id)
                .bind(pid)
                .bind(ag),
        )
        .await?;
    }
    Ok(id)
}

pub async fn create(db: &Db, who: &Who, pid: &str, a: &NewAction) -> Result<String, StoreError> {
    let mut tx = db.begin().await?;
    let id = insert(&mut tx, who, pid, a).await?;
    audit::append(
        &mut tx,
        who,
        Event::new("action.create", "action", Some(&id))
            .summary(format!("Added an action: {}", a.description))
            .after(a),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds many actions (an imported plan) all or nothing, with one audit entry.
pub async fn create_all(
    db: &Db,
    who: &Who,
    pid: &str,
    (kind, source_id): (SourceKind, &str),
    all: &[NewAction],
) -> Result<usize, StoreError> {
    let mut tx = db.begin().await?;
    for a in all {
        insert(&mut tx, who, pid, a).await?;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("action.import", kind.slug(), Some(source_id))
            .summary(format!("Imported {} actions", all.len())),
    )
    .await?;
    tx.commit().await?;
    Ok(all.len())
}

pub async fn get(db: &Db, pid: &str, id: &str) -> Result<Option<Action>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM action WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// The actions that came from one source (e.g. one meeting).
pub async fn for_source(
    db: &Db,
    pid: &str,
    kind: SourceKind,
    id: &str,
) -> Result<Vec<Action>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM action WHERE partnership_id = ? AND source_kind = ? AND source_id = ? ORDER BY due_on, created_at LIMIT 2000")
            .bind(pid)
            .bind(kind.slug())
            .bind(id),
    )
    .await
}

/// A group's open actions due on or before a date, longest overdue first, at most `limit`
/// (overdue and due-soon items for agendas), and how many there are in all.
pub async fn open_for_group_due_by(
    db: &Db,
    pid: &str,
    group_id: &str,
    by: &str,
    limit: i64,
) -> Result<(Vec<Action>, i64), StoreError> {
    let first: Vec<Action> = db
        .fetch_all(
            query(
                "SELECT * FROM action WHERE partnership_id = ? AND group_id = ? AND status IN ('not-started', 'in-progress', 'completed') \
                 AND due_on <= ? ORDER BY due_on, id LIMIT ?",
            )
            .bind(pid)
            .bind(group_id)
            .bind(by)
            .bind(limit),
        )
        .await?;
    if (first.len() as i64) < limit {
        let n = first.len() as i64;
        return Ok((first, n));
    }
    let (n,): (i64,) = db
        .fetch_one(
            query(
                "SELECT COUNT(*) FROM action WHERE partnership_id = ? AND group_id = ? AND status IN ('not-started', 'in-progress', 'completed') \
                 AND due_on <= ?",
            )
            .bind(pid)
            .bind(group_id)
            .bind(by),
        )
        .await?;
    Ok((first, n))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ActionPlan {
    pub partnership_id: String,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub source_kind: SourceKind,
    pub source_id: String,
    pub group_id: Option<String>,
    pub impact_months: i64,
    pub created_at: String,
}

pub async fn plan(
    db: &Db,
    pid: &str,
    kind: SourceKind,
    source_id: &str,
) -> Result<Option<ActionPlan>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM action_plan WHERE partnership_id = ? AND source_kind = ? AND source_id = ?")
            .bind(pid)
            .bind(kind.slug())
            .bind(source_id),
    )
    .await
}

/// An action with the names a list shows.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ActionLine {
    #[sqlx(flatten)]
    pub action: Action,
    pub agency_name: Option<String>,
    pub owner_name: Option<String>,
    /// "Case 2026-001", "Meeting on 2026-12-03": no restricted content.
    pub source_title: Option<String>,
}

/// Filters of the tracker; None means any.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub source_kind: Option<SourceKind>,
    pub source_id: Option<String>,
    pub group_id: Option<String>,
    /// Lead or supporting agency.
    pub agency_id: Option<String>,
    pub owner_person_id: Option<String>,
    /// Through the themes of the recommendation the action answers.
    pub theme_id: Option<String>,
    /// A status slug, "open", or "impact-due" (closed, impact review due and not recorded).
    pub status: Option<String>,
    /// "red", "amber" or "green", with the day and thresholds to judge by.
    pub rag: Option<String>,
    pub due_from: Option<String>,
    pub due_to: Option<String>,
}

/// The dates a RAG filter compares with: today, the last due-soon day, and the day before
/// which an action without an update is stale.
#[derive(Debug, Clone)]
pub struct RagDays {
    pub today: String,
    pub soon: String,
    pub stale_before: String,
}

/// The columns of an [`ActionLine`]: the action, its lead agency's and owner's names, and its
/// source's title.
macro_rules! line_columns {
    () => {
        "SELECT a.*, (SELECT name FROM agency WHERE id = a.lead_agency_id) AS agency_name, \
         (SELECT name FROM person WHERE id = a.owner_person_id) AS owner_name, \
         CASE a.source_kind WHEN 'case_review' THEN (SELECT 'Case ' || reference FROM case_review WHERE id = a.source_id) \
         WHEN 'meeting' THEN (SELECT 'Meeting on ' || substr(starts_at, 1, 10) FROM meeting WHERE id = a.source_id) \
         END AS source_title "
    };
}

/// One action with the names a page shows beside it (lead agency, owner, source), in one
/// statement.
pub async fn line(db: &Db, pid: &str, id: &str) -> Result<Option<ActionLine>, StoreError> {
    db.fetch_optional(
        query(concat!(
            line_columns!(),
            "FROM action a WHERE a.partnership_id = ? AND a.id = ?"
        ))
        .bind(pid)
        .bind(id),
    )
    .await
}

const OPEN: &str = " AND a.status IN ('not-started', 'in-progress', 'completed')";
const TOUCHED: &str = "COALESCE(a.last_update_on, substr(a.created_at, 1, 10))";

/// A statement over the partnership's actions with only the conditions the filter uses, so
/// each filter can use the index that fits it.
fn filtered(
    head: &'static str,
    pid: &str,
    f: &Filter,
    d: &RagDays,
    tail: &'static str,
) -> crate::Query {
    let mut c = crate::db::Conditions::new(head, "FROM action a WHERE a.partnership_id = ?", pid);
    let mut when = |cond: &'static str, values: &[&str]| c.when(cond, values);
    if let Some(k) = f.source_kind {
        when(" AND a.source_kind = ?", &[k.slug()]);
    }
    if let Some(i) = &f.source_id {
        when(" AND a.source_id = ?", &[i]);
    }
    if let Some(g) = &f.group_id {
        when(" AND a.group_id = ?", &[g]);
    }
    if let Some(ag) = &f.agency_id {
        when(
            " AND (a.lead_agency_id = ? OR a.id IN (SELECT x.action_id FROM action_agency x WHERE x.partnership_id = ? AND x.agency_id = ?))",
            &[ag, pid, ag],
        );
    }
    if let Some(o) = &f.owner_person_id {
        when(" AND a.owner_person_id = ?", &[o]);
    }
    if let Some(t) = &f.theme_id {
        when(
            " AND a.recommendation_id IN (SELECT g.target_id FROM tagging g WHERE g.theme_id = ? \
             AND g.target_kind = 'recommendation' AND g.partnership_id = ?)",
            &[t, pid],
        );
    }
    match f.status.as_deref() {
        None => {}
        Some("open") => when(OPEN, &[]),
        Some("impact-due") => when(
            // Only a signed-off action has an impact review day, so no status test is needed
            // and the count is read from the index of pending reviews alone.
            " AND a.impact_due_on IS NOT NULL AND a.impact_due_on <= ? AND a.impact_reviewed_on IS NULL",
            &[&d.today],
        ),
        Some(st) => when(" AND a.status = ?", &[st]),
    }
    match f.rag.as_deref() {
        Some("red") => {
            when(OPEN, &[]);
            when(" AND a.due_on < ?", &[&d.today]);
        }
        Some("amber") => {
            when(OPEN, &[]);
            when(
                " AND a.due_on >= ? AND (a.due_on <= ? OR ",
                &[&d.today, &d.soon],
            );
            when(TOUCHED, &[]);
            when(" < ?)", &[&d.stale_before]);
        }
        Some("green") => {
            when(OPEN, &[]);
            when(" AND a.due_on > ? AND ", &[&d.soon]);
            when(TOUCHED, &[]);
            when(" >= ?", &[&d.stale_before]);
        }
        _ => {}
    }
    if let Some(from) = &f.due_from {
        when(" AND a.due_on >= ?", &[from]);
    }
    if let Some(to) = &f.due_to {
        when(" AND a.due_on <= ?", &[to]);
    }
    c.finish(tail)
}

/// The partnership's actions, filtered, by due date, with agency and owner names.
pub async fn tracker(
    db: &Db,
    pid: &str,
    f: &Filter,
    d: &RagDays,
    page: Page,
) -> Result<Paged<ActionLine>, StoreError> {
    let items: Vec<ActionLine> = db
        .fetch_all(
            filtered(
                line_columns!(),
                pid,
                f,
                d,
                " ORDER BY a.due_on, a.id LIMIT ? OFFSET ?",
            )
            .bind(page.size)
            .bind(page.offset()),
        )
        .await?;
    let total = match page.total_from(items.len()) {
        Some(n) => n,
        None => count(db, pid, f, d).await?,
    };
    Ok(Paged { items, total, page })
}

/// How many actions a filter matches.
pub async fn count(db: &Db, pid: &str, f: &Filter, d: &RagDays) -> Result<i64, StoreError> {
    let (n,): (i64,) = db
        .fetch_one(filtered("SELECT COUNT(*) ", pid, f, d, ""))
        .await?;
    Ok(n)
}

/// Every action a filter matches, for an export (at most `limit`).
pub async fn export(
    db: &Db,
    pid: &str,
    f: &Filter,
    d: &RagDays,
    limit: i64,
) -> Result<Vec<ActionLine>, StoreError> {
    db.fetch_all(
        filtered(
            line_columns!(),
            pid,
            f,
            d,
            " ORDER BY a.due_on, a.id LIMIT ?",
        )
        .bind(limit),
    )
    .await
}

/// The supporting agencies of every action of the partnership, as (action id, agency name),
/// for exports.
pub async fn supporting_all(db: &Db, pid: &str) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT x.action_id, g.name FROM action_agency x JOIN agency g ON g.id = x.agency_id \
             WHERE x.partnership_id = ? ORDER BY g.name",
        )
        .bind(pid),
    )
    .await
}

/// One action's supporting agencies, as (agency id, name).
pub async fn supporting(
    db: &Db,
    pid: &str,
    action_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT g.id, g.name FROM action_agency x JOIN agency g ON g.id = x.agency_id \
             WHERE x.partnership_id = ? AND x.action_id = ? ORDER BY g.name LIMIT 200",
        )
        .bind(pid)
        .bind(action_id),
    )
    .await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Update {
    pub id: String,
    pub partnership_id: String,
    pub action_id: String,
    pub body: String,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub status_from: ActionStatus,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub status_to: ActionStatus,
    pub by_label: String,
    pub by_person_id: Option<String>,
    pub created_at: String,
}

pub async fn updates(db: &Db, pid: &str, action_id: &str) -> Result<Vec<Update>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM action_update WHERE partnership_id = ? AND action_id = ? ORDER BY created_at DESC LIMIT 500")
            .bind(pid)
            .bind(action_id),
    )
    .await
}

/// An evidence file of an action: (evidence id, update id, file id, file name, size).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Evidence {
    pub id: String,
    pub update_id: String,
    pub file_id: String,
    pub name: String,
    pub size: i64,
    pub created_at: String,
}

pub async fn evidence(db: &Db, pid: &str, action_id: &str) -> Result<Vec<Evidence>, StoreError> {
    db.fetch_all(
        query(
            "SELECT e.id, e.update_id, e.file_id, f.name, f.size, e.created_at FROM action_evidence e \
             JOIN file_object f ON f.id = e.file_id WHERE e.partnership_id = ? AND e.action_id = ? \
             ORDER BY e.created_at LIMIT 500",
        )
        .bind(pid)
        .bind(action_id),
    )
    .await
}

pub async fn evidence_item(
    db: &Db,
    pid: &str,
    evidence_id: &str,
) -> Result<Option<(String, String)>, StoreError> {
    db.fetch_optional(
        query("SELECT action_id, file_id FROM action_evidence WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(evidence_id),
    )
    .await
}

/// A progress update: text, a status move (or none) and evidence files, all or nothing. The
/// move happens only from the status the person saw; false if it had changed.
#[allow(clippy::too_many_arguments)]
pub async fn post_update(
    db: &Db,
    files: &FileStore,
    who: &Who,
    pid: &str,
    action_id: &str,
    body: &str,
    (from, to, reason): (&str, &str, &str),
    uploads: Vec<Upload>,
) -> Result<bool, StoreError> {
    let today = Utc::now().date_naive().format("%Y-%m-%d").to_string();
    let now = ts(Utc::now());
    let mut tx = db.begin().await?;
    let closes = to == ActionStatus::ClosedNotAchieved.slug();
    let n = tx
        .execute(
            query(
                "UPDATE action SET status = ?, status_reason = CASE WHEN ? = '' THEN status_reason ELSE ? END, \
                 last_update_on = ?, closed_on = CASE WHEN ? THEN ? ELSE closed_on END, updated_at = ? \
                 WHERE partnership_id = ? AND id = ? AND status = ?",
            )
            .bind(to)
            .bind(reason)
            .bind(reason)
            .bind(&today)
            .bind(closes)
            .bind(&today)
            .bind(&now)
            .bind(pid)
            .bind(action_id)
            .bind(from),
        )
        .await?;
    if n == 0 {
        return Ok(false);
    }
    let update_id = new_id();
    tx.execute(
        query(
            "INSERT INTO action_update (id, partnership_id, action_id, body, status_from, status_to, by_label, by_person_id, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&update_id)
        .bind(pid)
        .bind(action_id)
        .bind(body)
        .bind(from)
        .bind(to)
        .bind(&who.label)
        .bind(who.person_id.clone())
        .bind(&now),
    )
    .await?;
    let mut names = Vec::new();
    for up in uploads {
        names.push(up.name.clone());
        let f = crate::files::save(
            files,
            &mut tx,
            pid,
            ("action_update", &update_id),
            &who.label,
            up,
        )
        .await?;
        tx.execute(
            query(
                "INSERT INTO action_evidence (id, partnership_id, action_id, update_id, file_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(new_id())
            .bind(pid)
            .bind(action_id)
            .bind(&update_id)
            .bind(&f.id)
            .bind(&now),
        )
        .await?;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("action.update", "action", Some(action_id))
            .summary(if from == to {
                "Posted a progress update".to_owned()
            } else {
                format!("Posted an update and moved the action from {from} to {to}")
            })
            .after(&serde_json::json!({"body": body, "from": from, "to": to, "reason": reason, "evidence": names})),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Revision {
    pub id: String,
    pub partnership_id: String,
    pub action_id: String,
    pub from_on: Day,
    pub to_on: Day,
    pub reason: String,
    pub revised_by: String,
    pub revised_at: String,
}

pub async fn revisions(db: &Db, pid: &str, action_id: &str) -> Result<Vec<Revision>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM action_revision WHERE partnership_id = ? AND action_id = ? ORDER BY revised_at LIMIT 500")
            .bind(pid)
            .bind(action_id),
    )
    .await
}

/// Moves the due date from what the person saw, keeping the revision and its reason.
pub async fn revise_due(
    db: &Db,
    who: &Who,
    pid: &str,
    action_id: &str,
    (from, to): (&str, &str),
    reason: &str,
) -> Result<bool, StoreError> {
    let now = ts(Utc::now());
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query("UPDATE action SET due_on = ?, updated_at = ? WHERE partnership_id = ? AND id = ? AND due_on = ?")
                .bind(to)
                .bind(&now)
                .bind(pid)
                .bind(action_id)
                .bind(from),
        )
        .await?;
    if n == 0 {
        return Ok(false);
    }
    tx.execute(
        query(
            "INSERT INTO action_revision (id, partnership_id, action_id, from_on, to_on, reason, revised_by, revised_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(new_id())
        .bind(pid)
        .bind(action_id)
        .bind(from)
        .bind(to)
        .bind(reason)
        .bind(&who.label)
        .bind(&now),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("action.revise", "action", Some(action_id))
            .summary(format!("Moved the due date from {from} to {to}: {reason}")),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The chair signs a completed, evidenced action off: it closes and its impact review is
/// scheduled. False if it was not completed or has no evidence.
pub async fn sign_off(
    db: &Db,
    who: &Who,
    pid: &str,
    action_id: &str,
    (closed_on, impact_due_on): (&str, &str),
) -> Result<bool, StoreError> {
    let now = ts(Utc::now());
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query(
                "UPDATE action SET status = 'closed-evidenced', closed_on = ?, signed_off_by = ?, signed_off_at = ?, \
                 impact_due_on = ?, updated_at = ? WHERE partnership_id = ? AND id = ? AND status = 'completed' \
                 AND EXISTS (SELECT 1 FROM action_evidence e WHERE e.action_id = action.id)",
            )
            .bind(closed_on)
            .bind(&who.label)
            .bind(&now)
            .bind(impact_due_on)
            .bind(&now)
            .bind(pid)
            .bind(action_id),
        )
        .await?;
    if n == 1 {
        audit::append(
            &mut tx,
            who,
            Event::new("action.sign-off", "action", Some(action_id)).summary(format!(
                "Signed the action off as closed; impact review due {impact_due_on}"
            )),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ImpactReview {
    pub action_id: String,
    pub partnership_id: String,
    pub reviewed_on: Day,
    pub sustained: bool,
    pub made_difference: bool,
    pub measure: String,
    pub notes: String,
    pub recorded_by: String,
    pub recorded_at: String,
    /// A course whose evaluation and three-month follow-up the review cites.
    pub course_id: Option<String>,
    /// An indicator whose values before and after the action closed the review cites.
    pub indicator_id: Option<String>,
}

pub async fn impact(
    db: &Db,
    pid: &str,
    action_id: &str,
) -> Result<Option<ImpactReview>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM impact_review WHERE partnership_id = ? AND action_id = ?")
            .bind(pid)
            .bind(action_id),
    )
    .await
}

/// What an impact review found.
#[derive(Debug, Clone, Serialize)]
pub struct ImpactInput {
    pub reviewed_on: String,
    pub sustained: bool,
    pub made_difference: bool,
    pub measure: String,
    pub notes: String,
    /// A course of the partnership whose results it cites.
    pub course_id: Option<String>,
    /// An indicator of the partnership's dataset whose values it cites.
    pub indicator_id: Option<String>,
}

/// Records (or corrects) an action's impact review. False if the action is not closed.
pub async fn record_impact(
    db: &Db,
    who: &Who,
    pid: &str,
    action_id: &str,
    i: &ImpactInput,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let closed: Option<(String,)> = tx
        .fetch_optional(
            query("SELECT id FROM action WHERE partnership_id = ? AND id = ? AND status = 'closed-evidenced'")
                .bind(pid)
                .bind(action_id),
        )
        .await?;
    if closed.is_none() {
        return Ok(false);
    }
    if let Some(c) = &i.course_id {
        let (n,): (i64,) = tx
            .fetch_one(
                query("SELECT COUNT(*) FROM course WHERE partnership_id = ? AND id = ?")
                    .bind(pid)
                    .bind(c),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
    }
    if let Some(c) = &i.indicator_id {
        let (n,): (i64,) = tx
            .fetch_one(
                query("SELECT COUNT(*) FROM indicator WHERE partnership_id = ? AND id = ?")
                    .bind(pid)
                    .bind(c),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
    }
    tx.execute(
        query("DELETE FROM impact_review WHERE partnership_id = ? AND action_id = ?")
            .bind(pid)
            .bind(action_id),
    )
    .await?;
    tx.execute(
        query(
            "INSERT INTO impact_review (action_id, partnership_id, reviewed_on, sustained, made_difference, measure, notes, \
             recorded_by, recorded_at, course_id, indicator_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(action_id)
        .bind(pid)
        .bind(&i.reviewed_on)
        .bind(i.sustained)
        .bind(i.made_difference)
        .bind(&i.measure)
        .bind(&i.notes)
        .bind(&who.label)
        .bind(ts(Utc::now()))
        .bind(i.course_id.as_deref())
        .bind(i.indicator_id.as_deref()),
    )
    .await?;
    tx.execute(
        query("UPDATE action SET impact_reviewed_on = ? WHERE partnership_id = ? AND id = ?")
            .bind(&i.reviewed_on)
            .bind(pid)
            .bind(action_id),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("action.impact", "action", Some(action_id))
            .summary("Recorded the impact review")
            .after(i),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Closed actions whose impact review is due by a day and not yet recorded.
pub async fn impact_due_by(
    db: &Db,
    pid: &str,
    by: &str,
    limit: i64,
) -> Result<Vec<Action>, StoreError> {
    db.fetch_all(
        query(
            "SELECT a.* FROM action a WHERE a.partnership_id = ? AND a.impact_due_on IS NOT NULL AND a.impact_due_on <= ? \
             AND a.impact_reviewed_on IS NULL ORDER BY a.impact_due_on LIMIT ?",
        )
        .bind(pid)
        .bind(by)
        .bind(limit),
    )
    .await
}

/// Open actions due by a day, with names (for reminders and home pages), across the
/// partnership; at most `limit`.
pub async fn open_due_by(
    db: &Db,
    pid: &str,
    by: &str,
    limit: i64,
) -> Result<Vec<ActionLine>, StoreError> {
    db.fetch_all(
        query(
            concat!(
                line_columns!(),
                "FROM action a WHERE a.partnership_id = ? AND a.status IN ('not-started', 'in-progress', 'completed') \
                 AND a.due_on <= ? ORDER BY a.due_on LIMIT ?"
            ),
        )
        .bind(pid)
        .bind(by)
        .bind(limit),
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
/// A source that raised a theme, with what became of its actions.
pub struct SourceOutcome {
    #[sqlx(try_from = "String")]
    pub source_kind: SourceKind,
    pub source_id: String,
    pub title: Option<String>,
    pub raised_on: Day,
    pub recommendations: i64,
    pub actions: i64,
    pub open: i64,
    pub overdue: i64,
    pub evidenced: i64,
    pub not_achieved: i64,
    pub sustained: i64,
    pub no_difference: i64,
}

/// The sources whose recommendations raised a theme since a day, with their actions' outcome.
pub async fn theme_outcomes(
    db: &Db,
    pid: &str,
    theme_id: &str,
    since: &str,
    today: &str,
) -> Result<Vec<SourceOutcome>, StoreError> {
    db.fetch_all(
            query(
                "SELECT r.source_kind, r.source_id, \
                 CASE r.source_kind WHEN 'case_review' THEN (SELECT 'Case ' || reference FROM case_review WHERE id = r.source_id) END AS title, \
                 MIN(substr(r.created_at, 1, 10)) AS raised_on, \
                 COUNT(DISTINCT r.id) AS recommendations, COUNT(a.id) AS actions, \
                 SUM(CASE WHEN a.status IN ('not-started', 'in-progress', 'completed') THEN 1 ELSE 0 END) AS open, \
                 SUM(CASE WHEN a.status IN ('not-started', 'in-progress', 'completed') AND a.due_on < ? THEN 1 ELSE 0 END) AS overdue, \
                 SUM(CASE WHEN a.status = 'closed-evidenced' THEN 1 ELSE 0 END) AS evidenced, \
                 SUM(CASE WHEN a.status = 'closed-not-achieved' THEN 1 ELSE 0 END) AS not_achieved, \
                 SUM(CASE WHEN i.sustained AND i.made_difference THEN 1 ELSE 0 END) AS sustained, \
                 SUM(CASE WHEN i.action_id IS NOT NULL AND NOT (i.sustained AND i.made_difference) THEN 1 ELSE 0 END) AS no_difference \
                 FROM tagging g JOIN recommendation r ON r.id = g.target_id \
                 LEFT JOIN action a ON a.recommendation_id = r.id \
                 LEFT JOIN impact_review i ON i.action_id = a.id \
                 WHERE g.partnership_id = ? AND g.target_kind = 'recommendation' AND g.theme_id = ? AND r.created_at >= ? \
                 GROUP BY r.source_kind, r.source_id ORDER BY MIN(r.created_at) DESC LIMIT 500",
            )
            .bind(today)
            .bind(pid)
            .bind(theme_id)
            .bind(since),
        )
        .await
}

/// Sets when the impact of a plan's actions is reviewed (months after each closes), for the
/// actions that close from now on.
pub async fn set_plan_impact(
    db: &Db,
    who: &Who,
    pid: &str,
    (kind, source_id): (SourceKind, &str),
    months: i64,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query(
                "UPDATE action_plan SET impact_months = ? WHERE partnership_id = ? AND source_kind = ? AND source_id = ?",
            )
            .bind(months)
            .bind(pid)
            .bind(kind.slug())
            .bind(source_id),
        )
        .await?;
    if n == 1 {
        audit::append(
            &mut tx,
            who,
            Event::new("action.plan", kind.slug(), Some(source_id)).summary(format!(
                "Set the plan's impact reviews to {months} months after closure"
            )),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

/// Who may read each of some of the partnership's actions: its owner, lead agency and group.
pub async fn scopes_of(
    db: &Db,
    pid: &str,
    ids: &[&str],
) -> Result<Vec<(String, Option<String>, Option<String>, Option<String>)>, StoreError> {
    let Some(q) = crate::db::query_list(
        "SELECT id, owner_person_id, lead_agency_id, group_id FROM action \
         WHERE partnership_id = ? AND id IN (",
        &[pid],
        ids,
        ")",
    ) else {
        return Ok(Vec::new());
    };
    db.fetch_all(q).await
}
