//! One self-assessment, several partnerships: an agency linked to the same organisation in
//! another partnership (`links`) offers its submitted self-assessment to that partnership's
//! open cycle. The other partnership receives its own copy (answers, ratings, evidence files),
//! submitted there, and challenges and moderates it separately; the offered one never changes,
//! and the other partnership never reads it.

use chrono::Utc;
use learnloop_domain::returns::ReturnState;
use learnloop_domain::section11::{Mark, mark_after, offered};
use learnloop_domain::sources::SourceKind;

use crate::audit::{self, Event, Who};
use crate::files::{FileStore, Upload};
use crate::returns::{self, Return};
use crate::{Day, Db, Lines, StoreError, Tx, new_id, query, ts};

/// Another partnership's self-assessment, still being written in a cycle not yet at its
/// board, that one of this partnership's linked agencies can answer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Target {
    /// Theirs.
    pub return_id: String,
    /// Ours: the agency linked to theirs.
    pub agency_id: String,
    pub partnership: String,
    /// Their agency's name.
    pub agency: String,
    pub cycle: String,
    pub due_on: Day,
}

/// Theirs can take an offered one only while nobody there has begun it: never over work of
/// their own (a draft, or one they sent back for more work).
const OPEN: &str = "('requested')";

/// Where one of the partnership's agencies can offer its self-assessment.
pub async fn targets(db: &Db, pid: &str, agency_id: &str) -> Result<Vec<Target>, StoreError> {
    db.fetch_all(
        crate::db::query_from(&[
            "SELECT r.id AS return_id, l.agency_id, p.name AS partnership, o.name AS agency, \
             c.title AS cycle, r.due_on FROM agency_link l \
             JOIN return_request r ON r.partnership_id = l.other_partnership_id \
             AND r.agency_id = l.other_agency_id AND r.source_kind = 'section11' AND r.state IN ",
            OPEN,
            " JOIN section11_cycle c ON c.partnership_id = r.partnership_id AND c.id = r.source_id \
             AND c.board_on IS NULL \
             AND NOT EXISTS (SELECT 1 FROM return_file f WHERE f.partnership_id = r.partnership_id AND f.return_id = r.id) \
             JOIN partnership p ON p.id = l.other_partnership_id \
             JOIN agency o ON o.id = l.other_agency_id \
             WHERE l.partnership_id = ? AND l.agency_id = ? AND l.agreed_at IS NOT NULL \
             ORDER BY lower(p.name), c.opened_on LIMIT 50",
        ])
        .bind(pid)
        .bind(agency_id),
    )
    .await
}

/// Where a self-assessment of this partnership has been offered, through links still in
/// place: (partnership, cycle, state there).
pub async fn offered_to(
    db: &Db,
    pid: &str,
    return_id: &str,
) -> Result<Vec<(String, String, String)>, StoreError> {
    let rows: Vec<(String, String, String)> = db
        .fetch_all(
            query(
                "SELECT p.name, c.title, r.state FROM return_request r \
                 JOIN agency_link l ON l.partnership_id = ? AND l.other_partnership_id = r.partnership_id \
                 AND l.other_agency_id = r.agency_id AND l.agreed_at IS NOT NULL \
                 JOIN section11_cycle c ON c.partnership_id = r.partnership_id AND c.id = r.source_id \
                 JOIN partnership p ON p.id = r.partnership_id \
                 WHERE r.offered_from = ? AND r.source_kind = 'section11' ORDER BY lower(p.name) LIMIT 50",
            )
            .bind(pid)
            .bind(return_id),
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|(p, c, s)| {
            let state = ReturnState::parse(&s).map_or("", ReturnState::label);
            (p, c, state.to_owned())
        })
        .collect())
}

/// An offer that can be made, as checked inside a transaction.
struct Checked {
    from: Return,
    to: Return,
    other_pid: String,
    partnership: String,
    their_agency: String,
    cycle: String,
    /// (answers, ratings, the offered standard of each of theirs)
    offered: learnloop_domain::section11::Offered,
}

/// Locks both self-assessments and checks the offer can be made: the agencies linked, ours
/// in, theirs not yet begun in a cycle not yet at their board, the frameworks the same.
async fn check(
    tx: &mut Tx,
    pid: &str,
    (from_id, to_id): (&str, &str),
) -> Result<Checked, StoreError> {
    let from = returns::locked(tx, pid, from_id).await?;
    if from.source_kind != SourceKind::Section11 || !from.state.is_in() {
        return Err(conflict(
            "Only a submitted self-assessment can be offered to another partnership",
        ));
    }
    let link: Option<(String, String, String)> = tx
        .fetch_optional(
            query(
                "SELECT l.other_partnership_id, p.name, o.name FROM agency_link l \
                 JOIN partnership p ON p.id = l.other_partnership_id JOIN agency o ON o.id = l.other_agency_id \
                 WHERE l.partnership_id = ? AND l.agency_id = ? AND l.agreed_at IS NOT NULL \
                 AND l.other_agency_id = (SELECT r.agency_id FROM return_request r \
                 WHERE r.partnership_id = l.other_partnership_id AND r.id = ?)",
            )
            .bind(pid)
            .bind(&from.agency_id)
            .bind(to_id),
        )
        .await?;
    let Some((other_pid, partnership, their_agency)) = link else {
        return Err(conflict(
            "That self-assessment is not one the agency's links reach: both business teams agree a link first",
        ));
    };
    let to = returns::locked(tx, &other_pid, to_id).await?;
    if to.source_kind != SourceKind::Section11 {
        return Err(StoreError::NotFound);
    }
    let (cycle, board_on): (String, Option<Day>) = tx
        .fetch_optional(
            query(
                "SELECT title, board_on FROM section11_cycle WHERE partnership_id = ? AND id = ?",
            )
            .bind(&other_pid)
            .bind(&to.source_id),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    if board_on.is_some() {
        return Err(conflict(
            "Their cycle's overview has gone to their board: it takes no more self-assessments",
        ));
    }
    let (their_files,): (i64,) = tx
        .fetch_one(
            query("SELECT COUNT(*) FROM return_file WHERE partnership_id = ? AND return_id = ?")
                .bind(&other_pid)
                .bind(to_id),
        )
        .await?;
    match to.state {
        ReturnState::Requested if their_files == 0 => {}
        ReturnState::Requested | ReturnState::Draft | ReturnState::Returned => {
            return Err(conflict(
                "Their agency has begun its own self-assessment there: offering this one would overwrite its work",
            ));
        }
        ReturnState::Submitted | ReturnState::Locked => {
            return Err(conflict(
                "Their self-assessment has been submitted already: it is theirs to challenge now",
            ));
        }
    }
    let ours = question_set(tx, pid, &from.question_set_id).await?;
    let theirs = question_set(tx, &other_pid, &to.question_set_id).await?;
    let offered = offered(
        (&ours.0, &from.answers.0, &from.ratings.0),
        (&theirs.0, &theirs.1),
    )
    .map_err(StoreError::Conflict)?;
    Ok(Checked {
        from,
        to,
        other_pid,
        partnership,
        their_agency,
        cycle,
        offered,
    })
}

/// Offers a submitted self-assessment of this partnership (`from`) to the other partnership's
/// one (`to`) of the agency it is linked to, while nobody there has begun it: theirs becomes a
/// submitted copy, with the evidence files of the standards it asks, and says where it came
/// from. Conflict, with what to do and nothing written, when the agencies are not linked, ours
/// is not in, theirs has been begun or its cycle has gone to the board, or the frameworks
/// differ. The files' bytes are copied before the transaction that records them.
pub async fn offer(
    db: &Db,
    files: &FileStore,
    who: &Who,
    pid: &str,
    (from_id, to_id): (&str, &str),
) -> Result<Target, StoreError> {
    // A first look, so nothing is copied for an offer that cannot be made.
    let (other_pid, map) = {
        let mut tx = db.begin().await?;
        let c = check(&mut tx, pid, (from_id, to_id)).await?;
        (c.other_pid, c.offered.2)
    };
    let mut copied = Vec::new();
    for f in returns::files(db, pid, from_id).await? {
        // A file goes with the standard of theirs it supports; one of a standard they do
        // not ask stays here.
        let line = match f.line.and_then(|l| usize::try_from(l).ok()) {
            Some(l) => match map.iter().position(|m| *m == l) {
                Some(j) => Some(j),
                None => continue,
            },
            None => None,
        };
        let Some(o) = returns::file(db, pid, (from_id, &f.id)).await? else {
            continue;
        };
        let up = Upload {
            name: o.name,
            content_type: o.content_type,
            bytes: files.get(&o.storage_key).await?,
        };
        let put = crate::files::put(files, &other_pid, ("return", to_id), &who.label, up).await?;
        copied.push((put, line));
    }
    let mut tx = db.begin().await?;
    let c = check(&mut tx, pid, (from_id, to_id)).await?;
    let (answers, ratings, _) = c.offered;
    let (from, to, other_pid) = (c.from, c.to, c.other_pid);
    let marks = marks_after(&to, &answers, &ratings);
    let (ours, our_cycle) = where_from(&mut tx, pid, &from).await?;
    let now = Utc::now();
    let note = format!(
        "Offered by {} of {ours} on {}: the self-assessment its {} submitted for “{our_cycle}”",
        who.label,
        learnloop_domain::dates::long(now.date_naive()),
        agency_name(&mut tx, pid, &from.agency_id).await?,
    );
    tx.execute(
        query(
            "UPDATE return_request SET answers = ?, ratings = ?, marks = ?, grade = ?, strengths = ?, \
             improvements = ?, state = ?, sent_back_note = '', offered_from = ?, offered_note = ?, \
             updated_at = ? WHERE partnership_id = ? AND id = ?",
        )
        .bind(&Lines(answers.clone()))
        .bind(&Lines(ratings.clone()))
        .bind(&Lines(marks))
        .bind(&from.grade)
        .bind(&from.strengths)
        .bind(&from.improvements)
        .bind(ReturnState::Submitted.slug())
        .bind(&from.id)
        .bind(&note)
        .bind(ts(now))
        .bind(&other_pid)
        .bind(to_id),
    )
    .await?;
    let (n,): (i64,) = tx
        .fetch_one(
            query("SELECT COUNT(*) FROM return_version WHERE partnership_id = ? AND return_id = ?")
                .bind(&other_pid)
                .bind(to_id),
        )
        .await?;
    tx.execute(
        query(
            "INSERT INTO return_version (return_id, partnership_id, number, answers, grade, strengths, \
             improvements, submitted_by, submitted_at, ratings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(to_id)
        .bind(&other_pid)
        .bind(n + 1)
        .bind(&Lines(answers.clone()))
        .bind(&from.grade)
        .bind(&from.strengths)
        .bind(&from.improvements)
        .bind(who.person_id.clone())
        .bind(ts(now))
        .bind(&Lines(ratings)),
    )
    .await?;
    for (f, line) in &copied {
        crate::files::record(&mut tx, f).await?;
        tx.execute(
            query(
                "INSERT INTO return_file (id, partnership_id, return_id, file_id, line, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(new_id())
            .bind(&other_pid)
            .bind(to_id)
            .bind(&f.id)
            .bind(line.map(|l| i64::try_from(l).unwrap_or(i64::MAX)))
            .bind(ts(now)),
        )
        .await?;
    }
    let (partnership, their_agency, cycle) = (c.partnership, c.their_agency, c.cycle);
    audit::append(
        &mut tx,
        who,
        Event::new("section11.offer", "return", Some(from_id)).summary(format!(
            "Offered this self-assessment to {partnership}'s “{cycle}”, for {their_agency}"
        )),
    )
    .await?;
    audit::append(
        &mut tx,
        &crate::links::elsewhere(who, &other_pid, format!("{} ({ours})", who.label)),
        Event::new("section11.offered", "return", Some(to_id))
            .summary(format!(
                "Received {their_agency}'s self-assessment from {ours}'s “{our_cycle}”, submitted here"
            ))
            .before(&to)
            .after(&serde_json::json!({ "answers": answers, "note": note })),
    )
    .await?;
    tx.commit().await?;
    Ok(Target {
        return_id: to_id.to_owned(),
        agency_id: from.agency_id,
        partnership,
        agency: their_agency,
        cycle,
        due_on: to.due_on,
    })
}

fn conflict(m: &str) -> StoreError {
    StoreError::Conflict(m.to_owned())
}

/// A question set's lines and scale.
async fn question_set(
    tx: &mut Tx,
    pid: &str,
    id: &str,
) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let (lines, scale): (Lines, Lines) = tx
        .fetch_optional(
            query("SELECT lines, scale FROM question_set WHERE partnership_id = ? AND id = ?")
                .bind(pid)
                .bind(id),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok((lines.0, scale.0))
}

/// Where the receiving self-assessment's own carried-forward answers stand once the offered
/// ones replace them: changed where they differ, confirmed where they are the same.
fn marks_after(to: &Return, answers: &[String], ratings: &[String]) -> Vec<String> {
    let at = |v: &[String], i: usize| v.get(i).cloned().unwrap_or_default();
    (0..answers.len())
        .map(|i| {
            let before = Mark::parse(&at(&to.marks.0, i));
            mark_after(
                before,
                (&at(&to.carried_answers.0, i), &at(&to.carried_ratings.0, i)),
                (&at(answers, i), &at(ratings, i)),
                true,
            )
            .slug()
            .to_owned()
        })
        .collect()
}

/// The offering partnership's name and the offered self-assessment's cycle.
async fn where_from(tx: &mut Tx, pid: &str, from: &Return) -> Result<(String, String), StoreError> {
    tx.fetch_optional(
        query(
            "SELECT p.name, c.title FROM section11_cycle c JOIN partnership p ON p.id = c.partnership_id \
             WHERE c.partnership_id = ? AND c.id = ?",
        )
        .bind(pid)
        .bind(&from.source_id),
    )
    .await?
    .ok_or(StoreError::NotFound)
}

async fn agency_name(tx: &mut Tx, pid: &str, id: &str) -> Result<String, StoreError> {
    let (name,): (String,) = tx
        .fetch_one(
            query("SELECT name FROM agency WHERE partnership_id = ? AND id = ?")
                .bind(pid)
                .bind(id),
        )
        .await?;
    Ok(name)
}
