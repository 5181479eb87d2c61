//! Returns (MODEL.md): one agency's answer, about one subject, to a question set, by a date.
//! Audits ask for one per agency per sample case; Section 11, training and performance data
//! will ask for theirs through the same rows.
//!
//! Every change is one transaction with its audit entry. A move is checked against the state
//! read inside the transaction (`ReturnState::after`), so two people acting at once cannot
//! submit a locked return; every submission is kept in `return_version`.

use chrono::Utc;
use learnloop_domain::returns::{ReturnMove, ReturnState};
use learnloop_domain::sources::SourceKind;
use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::{Day, Db, Lines, StoreError, Tx, new_id, query, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Return {
    pub id: String,
    pub partnership_id: String,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub source_kind: SourceKind,
    pub source_id: String,
    pub subject_id: String,
    pub agency_id: String,
    pub assignee_id: Option<String>,
    pub question_set_id: String,
    pub due_on: Day,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub state: ReturnState,
    pub answers: Lines,
    pub grade: String,
    pub strengths: String,
    pub improvements: String,
    pub moderated_grade: Option<String>,
    pub sent_back_note: String,
    /// The assurance the partnership takes from it (single-agency assurance), and why.
    pub judgement: Option<String>,
    pub judgement_reason: String,
    pub requested_at: String,
    pub updated_at: String,
    /// A rating per line, where the question set rates lines (Section 11 standards).
    pub ratings: Lines,
    /// Where each line stands when answers were carried forward from an earlier return:
    /// empty (new), "to-review", "confirmed" or "changed" (`domain::section11::Mark`).
    pub marks: Lines,
    /// The rating per line a challenge panel moderated it to (empty where none).
    pub moderated_ratings: Lines,
    /// The earlier return its answers were carried forward from.
    pub carried_from: Option<String>,
    /// What was carried forward, line by line, as it stood when the return was asked for.
    pub carried_answers: Lines,
    pub carried_ratings: Lines,
    /// Who answers through a link, having no account (a line manager): their address.
    pub respondent_email: String,
    pub link_expires_at: Option<String>,
    /// Where it came from when another partnership's agency offered its own (Section 11),
    /// as a sentence; empty when written here.
    pub offered_note: String,
}

/// A return with the names a list shows: the subject's label, the agency, the auditor.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReturnLine {
    #[sqlx(flatten)]
    pub ret: Return,
    /// The title of the source that asked for it (the audit's theme).
    pub source_title: String,
    pub subject: String,
    pub agency: String,
    pub assignee: Option<String>,
}

/// A question set: its lines and grading scale, at one version.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct QuestionSet {
    pub id: String,
    pub partnership_id: String,
    pub kind: String,
    pub name: String,
    pub version: i64,
    pub lines: Lines,
    pub scale: Lines,
    pub created_at: String,
    /// What each line should consider (a hint), where given.
    pub prompts: Lines,
    /// Whether each line is rated on the scale (else the return has one grade, if a scale).
    pub rates_lines: bool,
}

/// What the writer of a return types.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Answers {
    pub answers: Vec<String>,
    pub grade: String,
    pub strengths: String,
    pub improvements: String,
    /// A rating per line (where the question set rates lines), and each line's mark.
    pub ratings: Vec<String>,
    pub marks: Vec<String>,
}

/// Adds version 1 of a question set.
pub(crate) async fn add_question_set(
    tx: &mut Tx,
    pid: &str,
    kind: &str,
    name: &str,
    lines: &[String],
    scale: &[String],
) -> Result<String, StoreError> {
    let id = new_id();
    tx.execute(
        query(
            "INSERT INTO question_set (id, partnership_id, kind, name, version, lines, scale, created_at) \
             VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(kind)
        .bind(name)
        .bind(&Lines(lines.to_vec()))
        .bind(&Lines(scale.to_vec()))
        .bind(ts(Utc::now())),
    )
    .await?;
    Ok(id)
}

/// The latest version of a partnership's question set of this kind and name, made (ungraded,
/// with these lines) the first time it is needed.
pub(crate) async fn current_question_set(
    tx: &mut Tx,
    pid: &str,
    (kind, name): (&str, &str),
    lines: &[String],
) -> Result<String, StoreError> {
    let found: Option<(String,)> = tx
        .fetch_optional(
            query(
                "SELECT id FROM question_set WHERE partnership_id = ? AND kind = ? AND name = ? \
                 ORDER BY version DESC LIMIT 1",
            )
            .bind(pid)
            .bind(kind)
            .bind(name),
        )
        .await?;
    match found {
        Some((id,)) => Ok(id),
        None => add_question_set(tx, pid, kind, name, lines, &[]).await,
    }
}

/// The return a source asked of an agency about a subject, if it asked.
pub async fn find(
    db: &Db,
    pid: &str,
    (kind, source_id, subject_id): (SourceKind, &str, &str),
    agency_id: &str,
) -> Result<Option<String>, StoreError> {
    let found: Option<(String,)> = db
        .fetch_optional(
            query(
                "SELECT id FROM return_request WHERE partnership_id = ? AND source_kind = ? \
                 AND source_id = ? AND subject_id = ? AND agency_id = ?",
            )
            .bind(pid)
            .bind(kind.slug())
            .bind(source_id)
            .bind(subject_id)
            .bind(agency_id),
        )
        .await?;
    Ok(found.map(|r| r.0))
}

/// What a return's audit entries are about: the return itself, but a case review's returns
/// are entries on the case, so the trail shows them only to who may read the case.
pub fn target(r: &Return) -> (&'static str, String) {
    match r.source_kind {
        SourceKind::CaseReview => (SourceKind::CaseReview.slug(), r.source_id.clone()),
        _ => ("return", r.id.clone()),
    }
}

pub async fn question_set(db: &Db, pid: &str, id: &str) -> Result<QuestionSet, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM question_set WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await?
    .ok_or(StoreError::NotFound)
}

/// Asks each agency for a return on each subject, by `due_on`; a return already asked for is
/// left as it is. Returns how many were added.
pub(crate) async fn request(
    tx: &mut Tx,
    pid: &str,
    (kind, source_id, question_set_id): (SourceKind, &str, &str),
    pairs: &[(String, String)],
    due_on: Day,
) -> Result<u64, StoreError> {
    let now = ts(Utc::now());
    let mut added = 0;
    for (subject_id, agency_id) in pairs {
        let (n,): (i64,) = tx
            .fetch_one(
                query(
                    "SELECT COUNT(*) FROM return_request WHERE source_kind = ? AND source_id = ? \
                     AND subject_id = ? AND agency_id = ?",
                )
                .bind(kind.slug())
                .bind(source_id)
                .bind(subject_id)
                .bind(agency_id),
            )
            .await?;
        if n > 0 {
            continue;
        }
        tx.execute(
            query(
                "INSERT INTO return_request (id, partnership_id, source_kind, source_id, subject_id, agency_id, \
                 assignee_id, question_set_id, due_on, state, answers, grade, strengths, improvements, \
                 moderated_grade, sent_back_note, requested_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, '[]', '', '', '', NULL, '', ?, ?)",
            )
            .bind(new_id())
            .bind(pid)
            .bind(kind.slug())
            .bind(source_id)
            .bind(subject_id)
            .bind(agency_id)
            .bind(question_set_id)
            .bind(due_on)
            .bind(ReturnState::Requested.slug())
            .bind(&now)
            .bind(&now),
        )
        .await?;
        added += 1;
    }
    Ok(added)
}

// The subject's label comes from the table of the source kind's subjects (audit sample cases),
// or for a case review's returns the name of what was asked (its question set).
const LINE_SELECT: &str = "SELECT r.*, \
     COALESCE(au.title, CASE WHEN ar.kind = 'training-register' THEN 'Single-agency training register ' \
       ELSE 'Single-agency assurance ' END || CAST(ar.year AS TEXT), 'Case ' || cr.reference, sc.title, \
       'Training “' || tc.title || '”', 'Deep dive “' || dd.title || '”', '') AS source_title, \
     COALESCE(s.label, q.name, '') AS subject, g.name AS agency, p.name AS assignee \
     FROM return_request r \
     LEFT JOIN case_review cr ON r.source_kind = 'case_review' AND cr.id = r.source_id AND cr.partnership_id = r.partnership_id \
     LEFT JOIN section11_cycle sc ON r.source_kind = 'section11' AND sc.id = r.source_id AND sc.partnership_id = r.partnership_id \
     LEFT JOIN question_set q ON r.source_kind IN ('case_review', 'section11', 'training') AND q.id = r.question_set_id \
     LEFT JOIN course_session ts ON r.source_kind = 'training' AND ts.id = r.source_id AND ts.partnership_id = r.partnership_id \
     LEFT JOIN course tc ON tc.id = ts.course_id AND tc.partnership_id = ts.partnership_id \
     LEFT JOIN assurance_round ar ON r.source_kind = 'assurance' AND ar.id = r.source_id AND ar.partnership_id = r.partnership_id \
     LEFT JOIN audit au ON r.source_kind = 'audit' AND au.id = r.source_id AND au.partnership_id = r.partnership_id \
     LEFT JOIN audit_case s ON r.source_kind = 'audit' AND s.id = r.subject_id AND s.partnership_id = r.partnership_id \
     LEFT JOIN deep_dive dd ON r.source_kind = 'deep_dive' AND dd.id = r.source_id AND dd.partnership_id = r.partnership_id \
     JOIN agency g ON g.id = r.agency_id \
     LEFT JOIN person p ON p.id = r.assignee_id ";

/// A line's title, subject, order and the tables they come from, for one kind of source: the
/// same as [`LINE_SELECT`] gives a line of that kind, reading only that kind's tables. (An
/// audit's hundreds of returns each joined every kind's tables: most of the audit, workshop
/// and Section 11 pages' reading.) `None` for kinds that ask for no returns, read as any.
fn lines_of(kind: SourceKind) -> Option<[&'static str; 4]> {
    Some(match kind {
        SourceKind::CaseReview => [
            "COALESCE('Case ' || cr.reference, '')",
            "COALESCE(q.name, '')",
            concat!(
                "LEFT JOIN case_review cr ON cr.id = r.source_id AND cr.partnership_id = r.partnership_id ",
                "LEFT JOIN question_set q ON q.id = r.question_set_id "
            ),
            "g.name, r.id",
        ],
        SourceKind::Section11 => [
            "COALESCE(sc.title, '')",
            "COALESCE(q.name, '')",
            concat!(
                "LEFT JOIN section11_cycle sc ON sc.id = r.source_id AND sc.partnership_id = r.partnership_id ",
                "LEFT JOIN question_set q ON q.id = r.question_set_id "
            ),
            "g.name, r.id",
        ],
        SourceKind::Training => [
            "COALESCE('Training “' || tc.title || '”', '')",
            "COALESCE(q.name, '')",
            concat!(
                "LEFT JOIN question_set q ON q.id = r.question_set_id ",
                "LEFT JOIN course_session ts ON ts.id = r.source_id AND ts.partnership_id = r.partnership_id ",
                "LEFT JOIN course tc ON tc.id = ts.course_id AND tc.partnership_id = ts.partnership_id "
            ),
            "g.name, r.id",
        ],
        SourceKind::Assurance => [
            "COALESCE(CASE WHEN ar.kind = 'training-register' THEN 'Single-agency training register ' \
             ELSE 'Single-agency assurance ' END || CAST(ar.year AS TEXT), '')",
            "''",
            "LEFT JOIN assurance_round ar ON ar.id = r.source_id AND ar.partnership_id = r.partnership_id ",
            "g.name, r.id",
        ],
        SourceKind::Audit => [
            "COALESCE(au.title, '')",
            "COALESCE(s.label, '')",
            concat!(
                "LEFT JOIN audit au ON au.id = r.source_id AND au.partnership_id = r.partnership_id ",
                "LEFT JOIN audit_case s ON s.id = r.subject_id AND s.partnership_id = r.partnership_id "
            ),
            "s.label, g.name, r.id",
        ],
        SourceKind::DeepDive => [
            "COALESCE('Deep dive “' || dd.title || '”', '')",
            "''",
            "LEFT JOIN deep_dive dd ON dd.id = r.source_id AND dd.partnership_id = r.partnership_id ",
            "g.name, r.id",
        ],
        SourceKind::Meeting
        | SourceKind::Inspection
        | SourceKind::ChildDeathReport
        | SourceKind::VoiceEvent => return None,
    })
}

/// Every return a source asked for, by subject then agency.
pub async fn for_source(
    db: &Db,
    pid: &str,
    kind: SourceKind,
    source_id: &str,
) -> Result<Vec<ReturnLine>, StoreError> {
    let q = match lines_of(kind) {
        Some([title, subject, joins, order]) => crate::db::query_from(&[
            "SELECT r.*, ",
            title,
            " AS source_title, ",
            subject,
            " AS subject, g.name AS agency, p.name AS assignee FROM return_request r ",
            joins,
            "JOIN agency g ON g.id = r.agency_id LEFT JOIN person p ON p.id = r.assignee_id \
             WHERE r.partnership_id = ? AND r.source_kind = ? AND r.source_id = ? ORDER BY ",
            order,
            " LIMIT 5000",
        ]),
        None => query_lines(
            "WHERE r.partnership_id = ? AND r.source_kind = ? AND r.source_id = ? \
             ORDER BY s.label, g.name, r.id LIMIT 5000",
        ),
    };
    db.fetch_all(q.bind(pid).bind(kind.slug()).bind(source_id))
        .await
}

fn query_lines(tail: &'static str) -> crate::Query {
    crate::db::query_from(&[LINE_SELECT, tail])
}

pub async fn line(db: &Db, pid: &str, id: &str) -> Result<Option<ReturnLine>, StoreError> {
    db.fetch_optional(
        query_lines("WHERE r.partnership_id = ? AND r.id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// The open returns a person writes (assigned to them) or answers for (their agencies'), due
/// first: for their home page.
pub async fn open_for(
    db: &Db,
    pid: &str,
    person_id: &str,
    agencies: &[String],
) -> Result<Vec<ReturnLine>, StoreError> {
    let mut out: Vec<ReturnLine> = db
        .fetch_all(
            query_lines(
                "WHERE r.partnership_id = ? AND r.assignee_id = ? \
                 AND r.state IN ('requested', 'draft', 'returned') ORDER BY r.due_on, r.id LIMIT 200",
            )
            .bind(pid)
            .bind(person_id),
        )
        .await?;
    for a in agencies {
        let more: Vec<ReturnLine> = db
            .fetch_all(
                query_lines(
                    "WHERE r.partnership_id = ? AND r.agency_id = ? AND r.source_kind <> 'training' \
                     AND r.state IN ('requested', 'draft', 'returned') ORDER BY r.due_on, r.id LIMIT 200",
                )
                .bind(pid)
                .bind(a),
            )
            .await?;
        out.extend(
            more.into_iter()
                .filter(|m| m.ret.assignee_id.as_deref() != Some(person_id)),
        );
    }
    out.sort_by(|a, b| (a.ret.due_on, &a.ret.id).cmp(&(b.ret.due_on, &b.ret.id)));
    Ok(out)
}

/// Reads a return inside a transaction, holding it until commit: a no-op write takes the row
/// on PostgreSQL (SQLite's single writer already serialises the transaction), so two moves at
/// once are checked one after the other against the state the first left.
pub(crate) async fn locked(tx: &mut Tx, pid: &str, id: &str) -> Result<Return, StoreError> {
    tx.execute(
        query(
            "UPDATE return_request SET updated_at = updated_at WHERE partnership_id = ? AND id = ?",
        )
        .bind(pid)
        .bind(id),
    )
    .await?;
    tx.fetch_optional(
        query("SELECT * FROM return_request WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await?
    .ok_or(StoreError::NotFound)
}

fn refused(m: &str) -> StoreError {
    StoreError::Conflict(m.to_owned())
}

/// Saves or submits the answers. A submission is kept as a new version. A return whose state
/// no longer allows the move (submitted or locked meanwhile) is a [`StoreError::Conflict`]
/// with the sentence to show, and nothing is written.
pub async fn write(
    db: &Db,
    who: &Who,
    pid: &str,
    id: &str,
    a: &Answers,
    mv: ReturnMove,
) -> Result<ReturnState, StoreError> {
    let mut tx = db.begin().await?;
    let before = locked(&mut tx, pid, id).await?;
    let next = before.state.after(mv).map_err(refused)?;
    let now = ts(Utc::now());
    tx.execute(
        query(
            "UPDATE return_request SET answers = ?, grade = ?, strengths = ?, improvements = ?, state = ?, \
             ratings = ?, marks = ?, offered_from = NULL, offered_note = '', updated_at = ? \
             WHERE partnership_id = ? AND id = ?",
        )
        .bind(&Lines(a.answers.clone()))
        .bind(&a.grade)
        .bind(&a.strengths)
        .bind(&a.improvements)
        .bind(next.slug())
        .bind(&Lines(a.ratings.clone()))
        .bind(&Lines(a.marks.clone()))
        .bind(&now)
        .bind(pid)
        .bind(id),
    )
    .await?;
    if mv == ReturnMove::Submit {
        let (n,): (i64,) = tx
            .fetch_one(query("SELECT COUNT(*) FROM return_version WHERE return_id = ?").bind(id))
            .await?;
        tx.execute(
            query(
                "INSERT INTO return_version (return_id, partnership_id, number, answers, grade, strengths, \
                 improvements, submitted_by, submitted_at, ratings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(pid)
            .bind(n + 1)
            .bind(&Lines(a.answers.clone()))
            .bind(&a.grade)
            .bind(&a.strengths)
            .bind(&a.improvements)
            .bind(who.person_id.clone())
            .bind(&now)
            .bind(&Lines(a.ratings.clone())),
        )
        .await?;
    }
    let verb = if mv == ReturnMove::Submit {
        "Submitted"
    } else {
        "Saved"
    };
    let (tk, tid) = target(&before);
    audit::append(
        &mut tx,
        who,
        Event::new(
            if mv == ReturnMove::Submit {
                "return.submit"
            } else {
                "return.save"
            },
            tk,
            Some(&tid),
        )
        .summary(format!("{verb} a return"))
        .before(&before)
        .after(a),
    )
    .await?;
    tx.commit().await?;
    Ok(next)
}

/// Sends a submitted return back with a note, or accepts (locks) it.
pub async fn decide(
    db: &Db,
    who: &Who,
    pid: &str,
    id: &str,
    mv: ReturnMove,
    note: &str,
) -> Result<ReturnState, StoreError> {
    let mut tx = db.begin().await?;
    let before = locked(&mut tx, pid, id).await?;
    let next = before.state.after(mv).map_err(refused)?;
    tx.execute(
        query(
            "UPDATE return_request SET state = ?, sent_back_note = ?, updated_at = ? \
             WHERE partnership_id = ? AND id = ?",
        )
        .bind(next.slug())
        .bind(if mv == ReturnMove::SendBack { note } else { "" })
        .bind(ts(Utc::now()))
        .bind(pid)
        .bind(id),
    )
    .await?;
    let (tk, tid) = target(&before);
    audit::append(
        &mut tx,
        who,
        Event::new(
            if mv == ReturnMove::SendBack {
                "return.send_back"
            } else {
                "return.lock"
            },
            tk,
            Some(&tid),
        )
        .summary(if mv == ReturnMove::SendBack {
            "Sent a return back for more work"
        } else {
            "Accepted a return"
        })
        .after(&serde_json::json!({ "state": next.slug(), "note": note })),
    )
    .await?;
    tx.commit().await?;
    Ok(next)
}

/// Gives a return to an auditor (or takes it back, with `None`).
pub async fn assign(
    db: &Db,
    who: &Who,
    pid: &str,
    id: &str,
    person_id: Option<&str>,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let before = locked(&mut tx, pid, id).await?;
    if before.state == ReturnState::Locked {
        return Err(refused(
            "This return has been accepted and is locked: its auditor cannot change",
        ));
    }
    tx.execute(
        query(
            "UPDATE return_request SET assignee_id = ?, updated_at = ? WHERE partnership_id = ? AND id = ?",
        )
        .bind(person_id)
        .bind(ts(Utc::now()))
        .bind(pid)
        .bind(id),
    )
    .await?;
    let (tk, tid) = target(&before);
    audit::append(
        &mut tx,
        who,
        Event::new("return.assign", tk, Some(&tid))
            .summary("Chose the auditor of a return")
            .before(&serde_json::json!({ "assignee_id": before.assignee_id }))
            .after(&serde_json::json!({ "assignee_id": person_id })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every submission of a return, newest first.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Version {
    pub number: i64,
    pub answers: Lines,
    pub grade: String,
    pub strengths: String,
    pub improvements: String,
    pub submitted_by: String,
    pub submitted_at: String,
    pub ratings: Lines,
}

pub async fn versions(db: &Db, pid: &str, id: &str) -> Result<Vec<Version>, StoreError> {
    db.fetch_all(
        query(
            "SELECT number, answers, grade, strengths, improvements, submitted_by, submitted_at, ratings \
             FROM return_version WHERE partnership_id = ? AND return_id = ? ORDER BY number DESC LIMIT 100",
        )
        .bind(pid)
        .bind(id),
    )
    .await
}

/// What the access rules need of some returns, by id, for the audit trail: the return's agency
/// and auditor, and its audit's group and lead.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReturnAccess {
    pub id: String,
    pub source_kind: String,
    /// A training session's own trainer (a training follow-up or evaluation).
    pub trainer_id: Option<String>,
    pub agency_id: String,
    pub assignee_id: Option<String>,
    pub group_id: Option<String>,
    pub lead_person_id: Option<String>,
}

pub async fn scopes_of(db: &Db, pid: &str, ids: &[&str]) -> Result<Vec<ReturnAccess>, StoreError> {
    let Some(q) = crate::db::query_list(
        "SELECT r.id, r.source_kind, ts.trainer_id, r.agency_id, r.assignee_id, a.group_id, a.lead_person_id \
         FROM return_request r \
         LEFT JOIN audit a ON r.source_kind = 'audit' AND a.id = r.source_id \
         LEFT JOIN course_session ts ON r.source_kind = 'training' AND ts.id = r.source_id \
         AND ts.partnership_id = r.partnership_id \
         WHERE r.partnership_id = ? AND r.id IN (",
        &[pid],
        ids,
        ")",
    ) else {
        return Ok(Vec::new());
    };
    db.fetch_all(q).await
}

/// A return not yet in, with what its reminders say and whom they reach.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueReturn {
    pub id: String,
    /// What asked for it (a training follow-up is never escalated to an agency's lead).
    pub source_kind: String,
    pub title: String,
    pub agency_id: String,
    pub assignee_id: Option<String>,
    pub group_id: Option<String>,
    pub due_on: Day,
}

/// The returns of a partnership not yet in, due between two days (for the daily digest).
pub async fn open_due_between(
    db: &Db,
    pid: &str,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<Vec<DueReturn>, StoreError> {
    db.fetch_all(
        query(
            "SELECT r.id, \
             COALESCE('the audit “' || a.title || '”', CASE WHEN ar.kind = 'training-register' \
               THEN 'the single-agency training register ' ELSE 'single-agency assurance ' END || CAST(ar.year AS TEXT), \
               'the review of case ' || cr.reference, 'the Section 11 self-assessment “' || sc.title || '”', \
               'the three-month follow-up of the training “' || tc.title || '”', \
               'the deep dive “' || dd.title || '”', '') AS title, \
             r.source_kind, r.agency_id, r.assignee_id, a.group_id, r.due_on FROM return_request r \
             LEFT JOIN audit a ON r.source_kind = 'audit' AND a.id = r.source_id AND a.partnership_id = r.partnership_id \
             LEFT JOIN assurance_round ar ON r.source_kind = 'assurance' AND ar.id = r.source_id AND ar.partnership_id = r.partnership_id \
             LEFT JOIN case_review cr ON r.source_kind = 'case_review' AND cr.id = r.source_id AND cr.partnership_id = r.partnership_id \
             LEFT JOIN section11_cycle sc ON r.source_kind = 'section11' AND sc.id = r.source_id AND sc.partnership_id = r.partnership_id \
             LEFT JOIN course_session ts ON r.source_kind = 'training' AND ts.id = r.source_id AND ts.partnership_id = r.partnership_id \
             LEFT JOIN course tc ON tc.id = ts.course_id AND tc.partnership_id = ts.partnership_id \
             LEFT JOIN deep_dive dd ON r.source_kind = 'deep_dive' AND dd.id = r.source_id AND dd.partnership_id = r.partnership_id \
             WHERE r.partnership_id = ? AND r.state IN ('requested', 'draft', 'returned') AND r.respondent_email = '' \
             AND r.due_on >= ? AND r.due_on <= ? ORDER BY r.due_on, r.id LIMIT 10000",
        )
        .bind(pid)
        .bind(Day(from))
        .bind(Day(to)),
    )
    .await
}

/// Reminds everyone who has not answered a source's returns, at once: one mail to each writer
/// (the return's auditor, or its agency's leads while nobody is chosen) listing their returns.
/// A second chase on the same day sends nothing more. Returns (returns chased, mails queued).
pub async fn chase(
    db: &Db,
    who: &Who,
    pid: &str,
    (kind, source_id, title): (SourceKind, &str, &str),
    public_url: &str,
    day: chrono::NaiveDate,
) -> Result<(usize, usize), StoreError> {
    let rows: Vec<(String, Day, String, String, String)> = db
        .fetch_all(
            query(
                "SELECT r.id, r.due_on, g.name, p.email, p.name FROM return_request r \
                 JOIN agency g ON g.id = r.agency_id AND g.partnership_id = r.partnership_id \
                 JOIN person p ON (p.id = r.assignee_id OR (r.assignee_id IS NULL AND p.id IN \
                   (SELECT m.person_id FROM membership m WHERE m.partnership_id = r.partnership_id \
                    AND m.role = 'agency-lead' AND m.agency_id = r.agency_id))) \
                 WHERE r.partnership_id = ? AND r.source_kind = ? AND r.source_id = ? \
                 AND r.state IN ('requested', 'draft', 'returned') AND p.active = ? \
                 AND EXISTS (SELECT 1 FROM membership x WHERE x.person_id = p.id AND x.partnership_id = r.partnership_id) \
                 ORDER BY p.email, r.due_on, r.id LIMIT 5000",
            )
            .bind(pid)
            .bind(kind.slug())
            .bind(source_id)
            .bind(true),
        )
        .await?;
    let mut by_person: std::collections::BTreeMap<String, (String, Vec<String>)> =
        std::collections::BTreeMap::new();
    let mut chased = std::collections::BTreeSet::new();
    for (id, due, agency, email, name) in rows {
        chased.insert(id.clone());
        by_person
            .entry(email)
            .or_insert_with(|| (name, Vec::new()))
            .1
            .push(format!(
                "- {agency}, due {}: {public_url}/returns/{id}",
                due.long()
            ));
    }
    let mut tx = db.begin().await?;
    let mut queued = 0;
    let day_text = Day(day).to_string();
    for (email, (name, lines)) in by_person {
        let fresh = crate::outbox::enqueue(
            &mut tx,
            crate::outbox::NewMail {
                kind: "return-chase",
                partnership_id: Some(pid.to_owned()),
                natural_key: Some(format!("chase:{source_id}:{email}:{day_text}")),
                to: email,
                subject: format!("Reminder: returns needed for {title}"),
                body: format!(
                    "Hello {name},\n\nThese returns for {title} are not in yet:\n\n{}\n\nPlease complete them by their due dates.\n",
                    lines.join("\n")
                ),
            },
        )
        .await?;
        queued += usize::from(fresh);
    }
    audit::append(
        &mut tx,
        who,
        Event::new("return.chase", kind.slug(), Some(source_id))
            .summary(format!("Chased {} returns not yet in", chased.len()))
            .after(&serde_json::json!({ "returns": chased.len(), "mails": queued })),
    )
    .await?;
    tx.commit().await?;
    Ok((chased.len(), queued))
}

/// Records the grade the workshop agreed, beside the original (which stays as written).
pub async fn moderate(
    db: &Db,
    who: &Who,
    pid: &str,
    id: &str,
    grade: Option<&str>,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let before = locked(&mut tx, pid, id).await?;
    if !before.state.is_in() {
        return Err(refused(
            "Only a submitted or accepted return can have a moderated grade",
        ));
    }
    tx.execute(
        query("UPDATE return_request SET moderated_grade = ?, updated_at = ? WHERE partnership_id = ? AND id = ?")
            .bind(grade)
            .bind(ts(Utc::now()))
            .bind(pid)
            .bind(id),
    )
    .await?;
    let (tk, tid) = target(&before);
    audit::append(
        &mut tx,
        who,
        Event::new("return.moderate", tk, Some(&tid))
            .summary("Recorded a moderated grade")
            .before(
                &serde_json::json!({ "grade": before.grade, "moderated": before.moderated_grade }),
            )
            .after(&serde_json::json!({ "moderated": grade })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes a question set. Wording only (the same number of lines, the same scale) changes it
/// in place, for the returns already open on it too; anything more is a new version, which
/// only returns asked for from now on use: the open ones keep the questions they began with.
/// Returns the id of the set to use from now on, and whether it is a new version.
pub(crate) async fn revise_question_set(
    tx: &mut Tx,
    pid: &str,
    id: &str,
    (lines, prompts): (&[String], Option<&[String]>),
    scale: &[String],
) -> Result<(String, bool), StoreError> {
    let qs: QuestionSet = tx
        .fetch_optional(
            query("SELECT * FROM question_set WHERE partnership_id = ? AND id = ?")
                .bind(pid)
                .bind(id),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let prompts = Lines(prompts.map_or_else(|| qs.prompts.0.clone(), <[String]>::to_vec));
    if learnloop_domain::returns::is_minor_change(&qs.lines.0, &qs.scale.0, lines, scale) {
        tx.execute(
            query("UPDATE question_set SET lines = ?, prompts = ? WHERE partnership_id = ? AND id = ?")
                .bind(&Lines(lines.to_vec()))
                .bind(&prompts)
                .bind(pid)
                .bind(id),
        )
        .await?;
        return Ok((id.to_owned(), false));
    }
    let (latest,): (i64,) = tx
        .fetch_one(
            query("SELECT MAX(version) FROM question_set WHERE partnership_id = ? AND kind = ? AND name = ?")
                .bind(pid)
                .bind(&qs.kind)
                .bind(&qs.name),
        )
        .await?;
    let new = new_id();
    tx.execute(
        query(
            "INSERT INTO question_set (id, partnership_id, kind, name, version, lines, scale, created_at, \
             prompts, rates_lines) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&new)
        .bind(pid)
        .bind(&qs.kind)
        .bind(&qs.name)
        .bind(latest + 1)
        .bind(&Lines(lines.to_vec()))
        .bind(&Lines(scale.to_vec()))
        .bind(ts(Utc::now()))
        .bind(&prompts)
        .bind(qs.rates_lines),
    )
    .await?;
    Ok((new, true))
}

/// An evidence file of a return.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ReturnFile {
    pub id: String,
    pub name: String,
    pub size: i64,
    /// The line it supports (0-based), or none for the whole return.
    pub line: Option<i64>,
    pub uploaded_by: String,
    pub created_at: String,
}

pub async fn files(db: &Db, pid: &str, return_id: &str) -> Result<Vec<ReturnFile>, StoreError> {
    db.fetch_all(
        query(
            "SELECT rf.id, f.name, f.size, rf.line, f.uploaded_by, rf.created_at FROM return_file rf \
             JOIN file_object f ON f.id = rf.file_id AND f.partnership_id = rf.partnership_id \
             WHERE rf.partnership_id = ? AND rf.return_id = ? ORDER BY rf.line, rf.created_at LIMIT 200",
        )
        .bind(pid)
        .bind(return_id),
    )
    .await
}

/// One evidence file of a return, as stored.
pub async fn file(
    db: &Db,
    pid: &str,
    (return_id, id): (&str, &str),
) -> Result<Option<crate::files::FileObject>, StoreError> {
    db.fetch_optional(
        query(
            "SELECT f.* FROM return_file rf JOIN file_object f ON f.id = rf.file_id \
             AND f.partnership_id = rf.partnership_id \
             WHERE rf.partnership_id = ? AND rf.return_id = ? AND rf.id = ?",
        )
        .bind(pid)
        .bind(return_id)
        .bind(id),
    )
    .await
}

/// Adds an evidence file to a return its writer can still change, for one of its lines or the
/// whole return. Conflict if the return is in or locked.
pub async fn add_file(
    db: &Db,
    files: &crate::files::FileStore,
    who: &Who,
    (pid, return_id): (&str, &str),
    line: Option<usize>,
    up: crate::files::Upload,
) -> Result<String, StoreError> {
    let name = up.name.clone();
    let f = crate::files::put(files, pid, ("return", return_id), &who.label, up).await?;
    let mut tx = db.begin().await?;
    let r = locked(&mut tx, pid, return_id).await?;
    if !r.state.is_open() {
        return Err(StoreError::Conflict(
            "This return has been submitted: evidence can be added only while it is being written"
                .to_owned(),
        ));
    }
    crate::files::record(&mut tx, &f).await?;
    let id = new_id();
    tx.execute(
        query(
            "INSERT INTO return_file (id, partnership_id, return_id, file_id, line, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(return_id)
        .bind(&f.id)
        .bind(line.map(|l| i64::try_from(l).unwrap_or(i64::MAX)))
        .bind(ts(Utc::now())),
    )
    .await?;
    let (kind, target_id) = target(&r);
    audit::append(
        &mut tx,
        who,
        Event::new("return.file", kind, Some(&target_id))
            .summary(format!("Added the evidence file {name} to a return"))
            .after(&serde_json::json!({ "file": f.id, "name": name, "line": line })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Takes an evidence file off a return its writer can still change (the stored file is kept,
/// no longer part of the return). False if it was not one of the return's; Conflict if the
/// return is in or locked.
pub async fn remove_file(
    db: &Db,
    who: &Who,
    (pid, return_id): (&str, &str),
    id: &str,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let r = locked(&mut tx, pid, return_id).await?;
    if !r.state.is_open() {
        return Err(StoreError::Conflict(
            "This return has been submitted: its evidence can no longer change".to_owned(),
        ));
    }
    let found: Option<(String,)> = tx
        .fetch_optional(
            query(
                "SELECT f.name FROM return_file rf JOIN file_object f ON f.id = rf.file_id \
                 WHERE rf.partnership_id = ? AND rf.return_id = ? AND rf.id = ?",
            )
            .bind(pid)
            .bind(return_id)
            .bind(id),
        )
        .await?;
    let Some((name,)) = found else {
        return Ok(false);
    };
    tx.execute(
        query("DELETE FROM return_file WHERE partnership_id = ? AND return_id = ? AND id = ?")
            .bind(pid)
            .bind(return_id)
            .bind(id),
    )
    .await?;
    let (kind, target_id) = target(&r);
    audit::append(
        &mut tx,
        who,
        Event::new("return.file.remove", kind, Some(&target_id))
            .summary(format!("Took the evidence file {name} off a return"))
            .before(&serde_json::json!({ "return_file": id, "name": name })),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The return a link's secret answers, if the link is still one (not used, not unknown);
/// whether it has run out is for the caller to say.
pub async fn by_link(db: &Db, secret: &str) -> Result<Option<Return>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM return_request WHERE link_hash = ?")
            .bind(crate::accounts::secret_hash(secret)),
    )
    .await
}

/// Submits the answers of someone without an account through their link, once: the link then
/// stops working. NotFound when the link is used or unknown; Conflict, saying so, when it has
/// run out. The submission is kept as a version, under their address.
pub async fn answer_by_link(
    db: &Db,
    secret: &str,
    answers: &[String],
    now: chrono::DateTime<Utc>,
) -> Result<Return, StoreError> {
    let hash = crate::accounts::secret_hash(secret);
    let mut tx = db.begin().await?;
    tx.execute(
        query("UPDATE return_request SET updated_at = updated_at WHERE link_hash = ?").bind(&hash),
    )
    .await?;
    let r: Return = tx
        .fetch_optional(query("SELECT * FROM return_request WHERE link_hash = ?").bind(&hash))
        .await?
        .ok_or(StoreError::NotFound)?;
    if r.link_expires_at
        .as_deref()
        .is_some_and(|e| e <= ts(now).as_str())
    {
        return Err(StoreError::Conflict(
            "This link has run out: the partnership can no longer take an answer through it"
                .to_owned(),
        ));
    }
    let next = r.state.after(ReturnMove::Submit).map_err(refused)?;
    let at = ts(now);
    tx.execute(
        query(
            "UPDATE return_request SET answers = ?, state = ?, link_hash = NULL, link_nonce = NULL, updated_at = ? \
             WHERE partnership_id = ? AND id = ?",
        )
        .bind(&Lines(answers.to_vec()))
        .bind(next.slug())
        .bind(&at)
        .bind(&r.partnership_id)
        .bind(&r.id),
    )
    .await?;
    let (n,): (i64,) = tx
        .fetch_one(
            query("SELECT COUNT(*) FROM return_version WHERE partnership_id = ? AND return_id = ?")
                .bind(&r.partnership_id)
                .bind(&r.id),
        )
        .await?;
    tx.execute(
        query(
            "INSERT INTO return_version (return_id, partnership_id, number, answers, grade, strengths, \
             improvements, submitted_by, submitted_at, ratings) VALUES (?, ?, ?, ?, '', '', '', ?, ?, '[]')",
        )
        .bind(&r.id)
        .bind(&r.partnership_id)
        .bind(n + 1)
        .bind(&Lines(answers.to_vec()))
        .bind(&r.respondent_email)
        .bind(&at),
    )
    .await?;
    let who = Who {
        person_id: None,
        label: r.respondent_email.clone(),
        partnership_id: Some(r.partnership_id.clone()),
        request_id: None,
    };
    let (kind, target_id) = target(&r);
    audit::append(
        &mut tx,
        &who,
        Event::new("return.submit", kind, Some(&target_id))
            .summary("Answered a return through the link sent by mail")
            .after(&serde_json::json!({ "answers": answers })),
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}
