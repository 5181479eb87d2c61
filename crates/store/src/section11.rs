//! Section 11 cycles on returns: the business team opens a cycle for chosen agencies with a
//! due date; each agency's self-assessment is a return on the cycle (the agency its subject),
//! on the partnership's standards framework (a question set rating each line). A new cycle
//! starts each agency from its previous self-assessment, every answer marked "to review".
//! Peer challenge records challenges per standard, the agency's responses and moderated
//! ratings, kept beside the agency's own.

pub mod offers;

use chrono::Utc;
use learnloop_domain::section11::{FRAMEWORK, SCALE, STANDARDS, carry};
use learnloop_domain::sources::SourceKind;
use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::returns::{self, Return, ReturnLine};
use crate::{Day, Db, Lines, StoreError, Tx, new_id, query, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Cycle {
    pub id: String,
    pub partnership_id: String,
    pub title: String,
    pub question_set_id: String,
    pub opened_on: Day,
    pub due_on: Day,
    pub board_on: Option<Day>,
    pub challenge_on: Option<Day>,
    pub created_at: String,
}

/// A cycle with how its self-assessments stand.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CycleLine {
    #[sqlx(flatten)]
    pub cycle: Cycle,
    pub asked: i64,
    pub answered: i64,
}

/// The partnership's standards framework in use (its latest version), made from the default
/// standards the first time it is needed.
pub(crate) async fn framework(tx: &mut Tx, pid: &str) -> Result<String, StoreError> {
    let latest = query(
        "SELECT id FROM question_set WHERE partnership_id = ? AND kind = 'section11' \
         AND name = ? ORDER BY version DESC LIMIT 1",
    );
    let found: Option<(String,)> = tx.fetch_optional(latest.bind(pid).bind(FRAMEWORK)).await?;
    if let Some((id,)) = found {
        return Ok(id);
    }
    let lines: Vec<String> = STANDARDS.iter().map(|s| s.title.to_owned()).collect();
    let prompts: Vec<String> = STANDARDS.iter().map(|s| s.prompts.to_owned()).collect();
    let scale: Vec<String> = SCALE.iter().map(|s| (*s).to_owned()).collect();
    // Whoever makes it first, everyone then uses the one version 1.
    tx.execute(
        query(
            "INSERT INTO question_set (id, partnership_id, kind, name, version, lines, scale, created_at, \
             prompts, rates_lines) VALUES (?, ?, 'section11', ?, 1, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(new_id())
        .bind(pid)
        .bind(FRAMEWORK)
        .bind(&Lines(lines))
        .bind(&Lines(scale))
        .bind(ts(Utc::now()))
        .bind(&Lines(prompts))
        .bind(true),
    )
    .await?;
    let (id,): (String,) = tx
        .fetch_one(
            query(
                "SELECT id FROM question_set WHERE partnership_id = ? AND kind = 'section11' \
                 AND name = ? ORDER BY version DESC LIMIT 1",
            )
            .bind(pid)
            .bind(FRAMEWORK),
        )
        .await?;
    Ok(id)
}

/// The partnership's framework in use (made from the default the first time).
pub async fn current_framework(db: &Db, pid: &str) -> Result<returns::QuestionSet, StoreError> {
    let mut tx = db.begin().await?;
    let id = framework(&mut tx, pid).await?;
    let qs = tx
        .fetch_one(query("SELECT * FROM question_set WHERE id = ?").bind(&id))
        .await?;
    tx.commit().await?;
    Ok(qs)
}

/// Changes the framework: wording only (as many standards, the same scale) in place, for the
/// self-assessments already open too; anything more a new version, which cycles opened from
/// now on use while open self-assessments keep the one they began. Whether it was a new
/// version.
pub async fn revise_framework(
    db: &Db,
    who: &Who,
    pid: &str,
    (lines, prompts): (&[String], &[String]),
    scale: &[String],
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let id = framework(&mut tx, pid).await?;
    let (_, major) =
        returns::revise_question_set(&mut tx, pid, &id, (lines, Some(prompts)), scale).await?;
    audit::append(
        &mut tx,
        who,
        Event::new("section11.framework", SourceKind::Section11.slug(), None)
            .summary(if major {
                "Made a new version of the Section 11 standards".to_owned()
            } else {
                "Changed the wording of the Section 11 standards".to_owned()
            })
            .after(&serde_json::json!({ "standards": lines, "prompts": prompts, "scale": scale, "new_version": major })),
    )
    .await?;
    tx.commit().await?;
    Ok(major)
}

/// Opens a cycle: each chosen agency is asked for its self-assessment by `due_on`, starting
/// from its previous one (the latest submitted), each answer marked "to review".
pub async fn open(
    db: &Db,
    who: &Who,
    pid: &str,
    (title, agencies): (&str, &[String]),
    (opened_on, due_on): (Day, Day),
) -> Result<String, StoreError> {
    let mut tx = db.begin().await?;
    let qs_id = framework(&mut tx, pid).await?;
    let qs: returns::QuestionSet = tx
        .fetch_one(query("SELECT * FROM question_set WHERE id = ?").bind(&qs_id))
        .await?;
    let id = new_id();
    tx.execute(
        query(
            "INSERT INTO section11_cycle (id, partnership_id, title, question_set_id, opened_on, due_on, \
             board_on, created_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(title)
        .bind(&qs_id)
        .bind(opened_on)
        .bind(due_on)
        .bind(ts(Utc::now())),
    )
    .await?;
    // Only the partnership's own active agencies can be asked.
    let mut pairs = Vec::new();
    for a in agencies {
        let known: Option<(String,)> = tx
            .fetch_optional(
                query("SELECT id FROM agency WHERE partnership_id = ? AND id = ? AND active = ?")
                    .bind(pid)
                    .bind(a)
                    .bind(true),
            )
            .await?;
        match known {
            Some(_) => pairs.push((a.clone(), a.clone())),
            None => {
                return Err(StoreError::Conflict(
                    "Choose agencies from the list".to_owned(),
                ));
            }
        }
    }
    let asked = returns::request(
        &mut tx,
        pid,
        (SourceKind::Section11, &id, &qs_id),
        &pairs,
        due_on,
    )
    .await?;
    for (agency, _) in &pairs {
        carry_forward(&mut tx, pid, (&id, agency), &qs).await?;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("section11.open", SourceKind::Section11.slug(), Some(&id)).summary(format!(
            "Opened the Section 11 cycle “{title}” for {asked} agencies"
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Starts an agency's new self-assessment from its latest submitted one in an earlier cycle.
async fn carry_forward(
    tx: &mut Tx,
    pid: &str,
    (cycle, agency): (&str, &str),
    qs: &returns::QuestionSet,
) -> Result<(), StoreError> {
    let previous: Option<Return> = tx
        .fetch_optional(
            query(
                "SELECT r.* FROM return_request r JOIN section11_cycle c ON c.id = r.source_id \
                 WHERE r.partnership_id = ? AND r.source_kind = 'section11' AND r.agency_id = ? \
                 AND r.source_id <> ? AND r.state IN ('submitted', 'locked') \
                 ORDER BY c.opened_on DESC, r.updated_at DESC LIMIT 1",
            )
            .bind(pid)
            .bind(agency)
            .bind(cycle),
        )
        .await?;
    let Some(prev) = previous else {
        return Ok(());
    };
    let prev_qs: returns::QuestionSet = tx
        .fetch_one(query("SELECT * FROM question_set WHERE id = ?").bind(&prev.question_set_id))
        .await?;
    let (answers, ratings, marks) = carry(
        (&prev_qs.lines.0, &prev.answers.0, &prev.ratings.0),
        &qs.lines.0,
    );
    let marks: Vec<String> = marks.iter().map(|m| m.slug().to_owned()).collect();
    tx.execute(
        query(
            "UPDATE return_request SET answers = ?, ratings = ?, marks = ?, carried_from = ?, \
             carried_answers = ?, carried_ratings = ? \
             WHERE partnership_id = ? AND source_kind = 'section11' AND source_id = ? AND agency_id = ?",
        )
        .bind(&Lines(answers.clone()))
        .bind(&Lines(ratings.clone()))
        .bind(&Lines(marks))
        .bind(&prev.id)
        .bind(&Lines(answers))
        .bind(&Lines(ratings))
        .bind(pid)
        .bind(cycle)
        .bind(agency),
    )
    .await?;
    Ok(())
}

pub async fn cycles(db: &Db, pid: &str) -> Result<Vec<CycleLine>, StoreError> {
    db.fetch_all(
        query(
            "SELECT c.*, \
             (SELECT COUNT(*) FROM return_request r WHERE r.partnership_id = c.partnership_id \
                AND r.source_kind = 'section11' AND r.source_id = c.id) AS asked, \
             (SELECT COUNT(*) FROM return_request r WHERE r.partnership_id = c.partnership_id \
                AND r.source_kind = 'section11' AND r.source_id = c.id AND r.state IN ('submitted', 'locked')) AS answered \
             FROM section11_cycle c WHERE c.partnership_id = ? ORDER BY c.opened_on DESC LIMIT 100",
        )
        .bind(pid),
    )
    .await
}

pub async fn get(db: &Db, pid: &str, id: &str) -> Result<Option<Cycle>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM section11_cycle WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// The cycle before this one (by when it opened) whose overview has gone to the board, for
/// the change since: a cycle still before the board shows nobody its ratings through another.
pub async fn previous(db: &Db, pid: &str, c: &Cycle) -> Result<Option<Cycle>, StoreError> {
    db.fetch_optional(
        query(
            "SELECT * FROM section11_cycle WHERE partnership_id = ? AND opened_on < ? \
             AND board_on IS NOT NULL ORDER BY opened_on DESC LIMIT 1",
        )
        .bind(pid)
        .bind(c.opened_on),
    )
    .await
}

/// The self-assessments of a cycle, by agency.
pub async fn assessments(db: &Db, pid: &str, cycle: &str) -> Result<Vec<ReturnLine>, StoreError> {
    returns::for_source(db, pid, SourceKind::Section11, cycle).await
}

/// A day recorded on a cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CycleDay {
    /// The overview went to the board: it opens the overview to the partnership and starts
    /// the six-month follow-up.
    Board,
    /// The challenge event, where the panel scrutinises the self-assessments.
    ChallengeEvent,
}

impl CycleDay {
    fn column(self) -> &'static str {
        match self {
            CycleDay::Board => "board_on",
            CycleDay::ChallengeEvent => "challenge_on",
        }
    }
}

/// Records one of a cycle's days.
pub async fn record_day(
    db: &Db,
    who: &Who,
    pid: &str,
    cycle: &str,
    (which, on): (CycleDay, Day),
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    tx.execute(
        crate::db::query_from(&[
            "UPDATE section11_cycle SET ",
            which.column(),
            " = ? WHERE partnership_id = ? AND id = ?",
        ])
        .bind(on)
        .bind(pid)
        .bind(cycle),
    )
    .await?;
    let (action, summary) = match which {
        CycleDay::Board => (
            "section11.board",
            format!("Recorded that the overview went to the board on {on}"),
        ),
        CycleDay::ChallengeEvent => (
            "section11.event",
            format!("Set the challenge event for {on}"),
        ),
    };
    audit::append(
        &mut tx,
        who,
        Event::new(action, SourceKind::Section11.slug(), Some(cycle)).summary(summary),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A challenge to one standard of a self-assessment, and the agency's response.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Challenge {
    pub id: String,
    pub return_id: String,
    pub line: i64,
    pub challenge: String,
    pub moderated_rating: Option<String>,
    pub raised_by: String,
    pub raised_at: String,
    pub response: String,
    pub responded_by: Option<String>,
    pub responded_at: Option<String>,
}

/// Every challenge of a cycle's self-assessments, by return, standard and when raised.
pub async fn challenges(db: &Db, pid: &str, cycle: &str) -> Result<Vec<Challenge>, StoreError> {
    db.fetch_all(
        query(
            "SELECT c.id, c.return_id, c.line, c.challenge, c.moderated_rating, c.raised_by, c.raised_at, \
             c.response, c.responded_by, c.responded_at FROM return_challenge c \
             JOIN return_request r ON r.id = c.return_id AND r.partnership_id = c.partnership_id \
             WHERE c.partnership_id = ? AND r.source_kind = 'section11' AND r.source_id = ? \
             ORDER BY c.return_id, c.line, c.raised_at LIMIT 5000",
        )
        .bind(pid)
        .bind(cycle),
    )
    .await
}

/// Records the panel's challenge to a standard of a submitted self-assessment, and the rating it
/// moderates it to, if any: the return's moderated ratings change, its own ratings never.
pub async fn challenge(
    db: &Db,
    who: &Who,
    pid: &str,
    return_id: &str,
    (line, text, moderated): (usize, &str, Option<&str>),
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let r = returns::locked(&mut tx, pid, return_id).await?;
    if !r.state.is_in() {
        return Err(StoreError::Conflict(
            "Only a submitted self-assessment can be challenged".to_owned(),
        ));
    }
    let now = ts(Utc::now());
    tx.execute(
        query(
            "INSERT INTO return_challenge (id, partnership_id, return_id, line, challenge, moderated_rating, \
             raised_by, raised_at, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '')",
        )
        .bind(new_id())
        .bind(pid)
        .bind(return_id)
        .bind(i64::try_from(line).unwrap_or(i64::MAX))
        .bind(text)
        .bind(moderated)
        .bind(&who.label)
        .bind(&now),
    )
    .await?;
    if let Some(m) = moderated {
        let mut mr = r.moderated_ratings.0.clone();
        if mr.len() <= line {
            mr.resize(line + 1, String::new());
        }
        mr[line] = m.to_owned();
        tx.execute(
            query(
                "UPDATE return_request SET moderated_ratings = ?, updated_at = ? WHERE partnership_id = ? AND id = ?",
            )
            .bind(&Lines(mr))
            .bind(&now)
            .bind(pid)
            .bind(return_id),
        )
        .await?;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("section11.challenge", "return", Some(return_id))
            .summary(format!(
                "Challenged standard {} of a self-assessment",
                line + 1
            ))
            .after(&serde_json::json!({ "line": line, "challenge": text, "moderated": moderated })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The agency's response to a challenge (one, kept as given). False if there is no such
/// challenge on the return, or it has been answered already.
pub async fn respond(
    db: &Db,
    who: &Who,
    pid: &str,
    (return_id, challenge_id): (&str, &str),
    response: &str,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query(
                "UPDATE return_challenge SET response = ?, responded_by = ?, responded_at = ? \
                 WHERE partnership_id = ? AND return_id = ? AND id = ? AND response = ''",
            )
            .bind(response)
            .bind(&who.label)
            .bind(ts(Utc::now()))
            .bind(pid)
            .bind(return_id)
            .bind(challenge_id),
        )
        .await?;
    if n == 1 {
        audit::append(
            &mut tx,
            who,
            Event::new("section11.respond", "return", Some(return_id))
                .summary("Responded to a challenge"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

/// A member of a cycle's challenge panel.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PanelMember {
    pub person_id: String,
    pub name: String,
    /// Their agency's name; none for a lay member.
    pub agency: Option<String>,
}

pub async fn panel(db: &Db, pid: &str, cycle: &str) -> Result<Vec<PanelMember>, StoreError> {
    db.fetch_all(
        query(
            "SELECT p.id AS person_id, p.name, \
             (SELECT MIN(g.name) FROM membership m JOIN agency g ON g.id = m.agency_id \
                WHERE m.person_id = p.id AND m.partnership_id = sp.partnership_id) AS agency \
             FROM section11_panel sp JOIN person p ON p.id = sp.person_id \
             WHERE sp.partnership_id = ? AND sp.cycle_id = ? ORDER BY p.name LIMIT 200",
        )
        .bind(pid)
        .bind(cycle),
    )
    .await
}

/// Whether a person sits on a cycle's challenge panel.
/// The cycles a person sits on the challenge panel of, or whose self-assessments one of their
/// agencies (at most 50) writes: with who reads every overview, who may open each cycle.
pub async fn cycles_of(
    db: &Db,
    pid: &str,
    person: &str,
    agencies: &[&str],
) -> Result<Vec<String>, StoreError> {
    let agencies = &agencies[..agencies.len().min(50)];
    let q = crate::db::query_list(
        "SELECT cycle_id FROM section11_panel WHERE partnership_id = ? AND person_id = ? \
         UNION SELECT source_id FROM return_request WHERE partnership_id = ? \
         AND source_kind = 'section11' AND agency_id IN (",
        &[pid, person, pid],
        agencies,
        ")",
    )
    .unwrap_or_else(|| {
        crate::db::query(
            "SELECT cycle_id FROM section11_panel WHERE partnership_id = ? AND person_id = ?",
        )
        .bind(pid)
        .bind(person)
    });
    let rows: Vec<(String,)> = db.fetch_all(q).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

pub async fn on_panel(db: &Db, pid: &str, cycle: &str, person: &str) -> Result<bool, StoreError> {
    let found: Option<(String,)> = db
        .fetch_optional(
            query(
                "SELECT person_id FROM section11_panel WHERE partnership_id = ? AND cycle_id = ? \
                 AND person_id = ?",
            )
            .bind(pid)
            .bind(cycle)
            .bind(person),
        )
        .await?;
    Ok(found.is_some())
}

/// Puts a person of the partnership on the panel (the caller checks they are one); false if
/// they were already on it.
pub async fn add_to_panel(
    db: &Db,
    who: &Who,
    pid: &str,
    cycle: &str,
    (person, name): (&str, &str),
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query(
                "INSERT INTO section11_panel (cycle_id, partnership_id, person_id, added_at) \
                 VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(cycle)
            .bind(pid)
            .bind(person)
            .bind(ts(Utc::now())),
        )
        .await?;
    if n == 1 {
        audit::append(
            &mut tx,
            who,
            Event::new("section11.panel", SourceKind::Section11.slug(), Some(cycle))
                .summary(format!("Put {name} on the challenge panel"))
                .after(&serde_json::json!({ "person": person })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

pub async fn remove_from_panel(
    db: &Db,
    who: &Who,
    pid: &str,
    cycle: &str,
    (person, name): (&str, &str),
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query(
                "DELETE FROM section11_panel WHERE partnership_id = ? AND cycle_id = ? AND person_id = ?",
            )
            .bind(pid)
            .bind(cycle)
            .bind(person),
        )
        .await?;
    if n == 1 {
        audit::append(
            &mut tx,
            who,
            Event::new("section11.panel", SourceKind::Section11.slug(), Some(cycle))
                .summary(format!("Took {name} off the challenge panel"))
                .before(&serde_json::json!({ "person": person })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}
