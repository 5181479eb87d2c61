//! The voice of children and young people: youth-voice events (the youth forum's meetings with
//! the partnership's chair, engagement events and consultations), the priorities young people
//! set each year, "you said, we did" (recommendations whose source is an event, and their
//! actions' progress), and what the rest of the partnership's work heard from children: the
//! views gathered in audits and the family's involvement in reviews.

use chrono::{NaiveDate, Utc};
use learnloop_domain::sources::SourceKind;
use learnloop_domain::stored::Slug;
use learnloop_domain::voice::{Event as EventInput, EventKind};
use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::{Day, Db, StoreError, new_id, query, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct VoiceEvent {
    pub id: String,
    pub partnership_id: String,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub kind: EventKind,
    pub held_on: Day,
    pub topic: String,
    pub took_part: String,
    pub heard: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

fn event_view(e: &EventInput) -> serde_json::Value {
    serde_json::json!({
        "kind": e.kind.slug(),
        "held_on": e.held_on.to_string(),
        "topic": e.topic,
        "took_part": e.took_part,
        "heard": e.heard,
    })
}

pub async fn add_event(
    db: &Db,
    who: &Who,
    pid: &str,
    e: &EventInput,
) -> Result<String, StoreError> {
    let mut tx = db.begin().await?;
    let id = new_id();
    let now = ts(Utc::now());
    tx.execute(
        query(
            "INSERT INTO voice_event (id, partnership_id, kind, held_on, topic, took_part, heard, created_by, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(e.kind.slug())
        .bind(Day(e.held_on))
        .bind(&e.topic)
        .bind(&e.took_part)
        .bind(&e.heard)
        .bind(&who.label)
        .bind(&now)
        .bind(&now),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("voice_event.add", SourceKind::VoiceEvent.slug(), Some(&id))
            .summary(format!("Recorded the youth-voice event “{}”", e.topic))
            .after(&event_view(e)),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_event(
    db: &Db,
    who: &Who,
    before: &VoiceEvent,
    e: &EventInput,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    tx.execute(
        query(
            "UPDATE voice_event SET kind = ?, held_on = ?, topic = ?, took_part = ?, heard = ?, updated_at = ? \
             WHERE partnership_id = ? AND id = ?",
        )
        .bind(e.kind.slug())
        .bind(Day(e.held_on))
        .bind(&e.topic)
        .bind(&e.took_part)
        .bind(&e.heard)
        .bind(ts(Utc::now()))
        .bind(&before.partnership_id)
        .bind(&before.id),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new(
            "voice_event.update",
            SourceKind::VoiceEvent.slug(),
            Some(&before.id),
        )
        .summary(format!("Changed the youth-voice event “{}”", e.topic))
        .before(before)
        .after(&event_view(e)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn get_event(db: &Db, pid: &str, id: &str) -> Result<Option<VoiceEvent>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM voice_event WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

fn next_day(d: NaiveDate) -> String {
    Day(d.succ_opt().unwrap_or(d)).to_string()
}

/// The events held between two days (inclusive), latest first.
pub async fn events(
    db: &Db,
    pid: &str,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Vec<VoiceEvent>, StoreError> {
    db.fetch_all(
        query(
            "SELECT * FROM voice_event WHERE partnership_id = ? AND held_on >= ? AND held_on < ? \
             ORDER BY held_on DESC, id LIMIT 500",
        )
        .bind(pid)
        .bind(Day(from).to_string())
        .bind(next_day(to)),
    )
    .await
}

/// The partnership's yearly target of engagement and consultation events.
pub async fn target(db: &Db, pid: &str) -> Result<i64, StoreError> {
    let (n,): (i64,) = db
        .fetch_one(query("SELECT voice_target FROM partnership WHERE id = ?").bind(pid))
        .await?;
    Ok(n)
}

// ---- priorities ----

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Priority {
    pub id: String,
    pub position: i64,
    pub body: String,
}

/// The most priorities a year keeps.
pub const MAX_PRIORITIES: i64 = 10;

pub async fn priorities(db: &Db, pid: &str, year: i32) -> Result<Vec<Priority>, StoreError> {
    db.fetch_all(
        query(
            "SELECT id, position, body FROM voice_priority WHERE partnership_id = ? AND year = ? \
             ORDER BY position LIMIT 20",
        )
        .bind(pid)
        .bind(i64::from(year)),
    )
    .await
}

/// Adds a priority young people set for a year, after the others. Conflict when the year has
/// as many as it keeps.
pub async fn add_priority(
    db: &Db,
    who: &Who,
    pid: &str,
    (year, body): (i32, &str),
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    // Two priorities added at once are numbered one after the other.
    tx.serialise_on(&format!("voice_priority:{pid}:{year}"))
        .await?;
    let (n, last): (i64, Option<i64>) = tx
        .fetch_one(
            query("SELECT COUNT(*), MAX(position) FROM voice_priority WHERE partnership_id = ? AND year = ?")
                .bind(pid)
                .bind(i64::from(year)),
        )
        .await?;
    if n >= MAX_PRIORITIES {
        return Err(StoreError::Conflict(format!(
            "A year keeps at most {MAX_PRIORITIES} priorities"
        )));
    }
    let id = new_id();
    tx.execute(
        query(
            "INSERT INTO voice_priority (id, partnership_id, year, position, body, created_by, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(i64::from(year))
        .bind(last.unwrap_or(0) + 1)
        .bind(body)
        .bind(&who.label)
        .bind(ts(Utc::now())),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("voice_priority.add", "voice_priority", Some(&id))
            .summary(format!(
                "Recorded a priority young people set for {}",
                learnloop_domain::child_deaths::year_label(year)
            ))
            .after(&serde_json::json!({ "year": year, "body": body })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a priority off its year (typed wrongly, or naming a child), audited.
pub async fn remove_priority(db: &Db, who: &Who, pid: &str, id: &str) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let before: Option<(i64, String)> = tx
        .fetch_optional(
            query("SELECT year, body FROM voice_priority WHERE partnership_id = ? AND id = ?")
                .bind(pid)
                .bind(id),
        )
        .await?;
    let (year, body) = before.ok_or(StoreError::NotFound)?;
    tx.execute(
        query("DELETE FROM voice_priority WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("voice_priority.remove", "voice_priority", Some(id))
            .summary("Took a priority off its year")
            .before(&serde_json::json!({ "year": year, "body": body })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- you said, we did ----

/// One action answering what young people said: what it does and how far it has come (never
/// its progress notes, which are written for staff).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct WeDid {
    pub recommendation_id: String,
    pub description: String,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub status: learnloop_domain::actions::ActionStatus,
    pub due_on: Day,
    pub closed_on: Option<Day>,
}

/// What young people said that needs an answer: a recommendation whose source is an event.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct YouSaid {
    pub id: String,
    pub body: String,
    pub event_id: String,
    pub topic: String,
    pub held_on: Day,
    /// The business team's answer for young people, once written.
    pub answer: Option<String>,
}

/// What young people said at the events held between two days, in the order they said it, and
/// the actions answering each.
pub async fn you_said(
    db: &Db,
    pid: &str,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<(Vec<YouSaid>, Vec<WeDid>), StoreError> {
    let said: Vec<YouSaid> = db
        .fetch_all(
            query(
                "SELECT r.id, r.body, e.id AS event_id, e.topic, e.held_on, w.answer FROM recommendation r \
                 JOIN voice_event e ON e.id = r.source_id AND e.partnership_id = r.partnership_id \
                 LEFT JOIN voice_answer w ON w.recommendation_id = r.id AND w.partnership_id = r.partnership_id \
                 WHERE r.partnership_id = ? AND r.source_kind = 'voice_event' AND e.held_on >= ? AND e.held_on < ? \
                 ORDER BY e.held_on, r.number LIMIT 500",
            )
            .bind(pid)
            .bind(Day(from).to_string())
            .bind(next_day(to)),
        )
        .await?;
    let did: Vec<WeDid> = db
        .fetch_all(
            query(
                "SELECT a.recommendation_id, a.description, a.status, a.due_on, a.closed_on \
                 FROM action a JOIN voice_event e ON e.id = a.source_id AND e.partnership_id = a.partnership_id \
                 WHERE a.partnership_id = ? AND a.source_kind = 'voice_event' AND e.held_on >= ? AND e.held_on < ? \
                 ORDER BY a.due_on, a.id LIMIT 2000",
            )
            .bind(pid)
            .bind(Day(from).to_string())
            .bind(next_day(to)),
        )
        .await?;
    Ok((said, did))
}

/// The answers written so far to what was said at an event: (recommendation id, answer).
pub async fn answers(
    db: &Db,
    pid: &str,
    event_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT w.recommendation_id, w.answer FROM voice_answer w JOIN recommendation r \
             ON r.id = w.recommendation_id AND r.partnership_id = w.partnership_id \
             WHERE w.partnership_id = ? AND r.source_kind = 'voice_event' AND r.source_id = ? LIMIT 500",
        )
        .bind(pid)
        .bind(event_id),
    )
    .await
}

/// Writes (or rewrites) the answer for young people to one thing said at the event. NotFound
/// when the recommendation is not one of the event's.
pub async fn set_answer(
    db: &Db,
    who: &Who,
    e: &VoiceEvent,
    (recommendation_id, answer): (&str, &str),
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let (n,): (i64,) = tx
        .fetch_one(
            query(
                "SELECT COUNT(*) FROM recommendation WHERE partnership_id = ? AND id = ? \
                 AND source_kind = 'voice_event' AND source_id = ?",
            )
            .bind(&e.partnership_id)
            .bind(recommendation_id)
            .bind(&e.id),
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let before: Option<(String,)> = tx
        .fetch_optional(
            query("SELECT answer FROM voice_answer WHERE partnership_id = ? AND recommendation_id = ?")
                .bind(&e.partnership_id)
                .bind(recommendation_id),
        )
        .await?;
    let now = ts(Utc::now());
    tx.execute(
        query(
            "INSERT INTO voice_answer (recommendation_id, partnership_id, answer, updated_by, updated_at) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (recommendation_id) DO UPDATE SET answer = excluded.answer, \
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(recommendation_id)
        .bind(&e.partnership_id)
        .bind(answer)
        .bind(&who.label)
        .bind(&now),
    )
    .await?;
    let mut ev = Event::new(
        "voice_answer.save",
        "recommendation",
        Some(recommendation_id),
    )
    .summary(format!(
        "Wrote the answer for young people about “{}”",
        e.topic
    ))
    .after(&serde_json::json!({ "answer": answer }));
    if let Some((b,)) = before {
        ev = ev.before(&serde_json::json!({ "answer": b }));
    }
    audit::append(&mut tx, who, ev).await?;
    tx.commit().await?;
    Ok(())
}

// ---- what the rest of the work heard ----

/// Children's views gathered in an audit, with what its access rule needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditVoice {
    pub audit_id: String,
    pub title: String,
    pub group_id: Option<String>,
    pub lead_person_id: Option<String>,
    pub gathered_how: String,
    pub from_whom: String,
    pub said: String,
}

/// The views recorded in audits between two days.
pub async fn audit_voices(
    db: &Db,
    pid: &str,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Vec<AuditVoice>, StoreError> {
    db.fetch_all(
        query(
            "SELECT a.id AS audit_id, a.title, a.group_id, a.lead_person_id, v.gathered_how, v.from_whom, v.said \
             FROM audit_voice v JOIN audit a ON a.id = v.audit_id AND a.partnership_id = v.partnership_id \
             WHERE v.partnership_id = ? AND v.created_at >= ? AND v.created_at < ? \
             ORDER BY v.created_at, v.id LIMIT 200",
        )
        .bind(pid)
        .bind(Day(from).to_string())
        .bind(next_day(to)),
    )
    .await
}

/// A review's account of how the child and family were involved.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FamilyInvolvement {
    pub review_id: String,
    pub reference: String,
    pub family_involvement: String,
}

/// The family involvement in reviews whose terms were agreed between two days, of the cases the
/// person may read in full: every case for the business team (`all`), else the cases on whose
/// panel they sit. The caller records the reads.
pub async fn family_involvement(
    db: &Db,
    pid: &str,
    (person_id, all): (&str, bool),
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Vec<FamilyInvolvement>, StoreError> {
    db.fetch_all(
        query(
            "SELECT t.review_id, c.reference, t.family_involvement FROM review_terms t \
             JOIN case_review c ON c.id = t.review_id AND c.partnership_id = t.partnership_id \
             WHERE t.partnership_id = ? AND t.agreed_on >= ? AND t.agreed_on < ? \
             AND (? OR EXISTS (SELECT 1 FROM case_panel p WHERE p.partnership_id = c.partnership_id \
                AND p.review_id = c.id AND p.person_id = ?)) \
             ORDER BY t.agreed_on, c.reference LIMIT 100",
        )
        .bind(pid)
        .bind(Day(from).to_string())
        .bind(next_day(to))
        .bind(all)
        .bind(person_id),
    )
    .await
}
