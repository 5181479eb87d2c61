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

/// Theirs can take an offered one while nobody there has begun writing it, or once they sent
/// it back (their submission is kept as a version); never over a draft of their own.
const OPEN: &str = "('requested', 'returned')";

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

/// A file to carry across, read before the transaction.
struct Carried {
    name: String,
    content_type: String,
    line: Option<i64>,
    bytes: bytes::Bytes,
}

/// Offers a submitted self-assessment of this partnership (`from`) to the other partnership's
/// open one (`to`) of the agency it is linked to: the other's becomes a submitted copy, with the
/// evidence files, and says where it came from. Conflict, with what to do and nothing written,
/// when the agencies are not linked, the offered one is not in, theirs is no longer being
/// written or its cycle has gone to the board, or the frameworks differ.
pub async fn offer(
    db: &Db,
    files: &FileStore,
    who: &Who,
    pid: &str,
    (from_id, to_id): (&str, &str),
) -> Result<Target, StoreError> {
    let mut carried = Vec::new();
    for f in returns::files(db, pid, from_id).await? {
        if let Some(o) = returns::file(db, pid, (from_id, &f.id)).await? {
            carried.push(Carried {
                name: o.name,
                content_type: o.content_type,
                line: f.line,
                bytes: files.get(&o.storage_key).await?,
            });
        }
    }
    let mut tx = db.begin().await?;
    let from = returns::locked(&mut tx, pid, from_id).await?;
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
                 AND l.other_agency_id = (SELECT agency_id FROM return_request WHERE id = ?)",
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
    let to = returns::locked(&mut tx, &other_pid, to_id).await?;
    let cycle: Option<(String, Option<Day>)> = tx
        .fetch_optional(
            query(
                "SELECT title, board_on FROM section11_cycle WHERE partnership_id = ? AND id = ?",
            )
            .bind(&other_pid)
            .bind(&to.source_id),
        )
        .await?;
    let Some((cycle, None)) = cycle.filter(|_| to.source_kind == SourceKind::Section11) else {
        return Err(conflict(
            "Their cycle's overview has gone to their board: it takes no more self-assessments",
        ));
    };
    match to.state {
        ReturnState::Requested | ReturnState::Returned => {}
        ReturnState::Draft => {
            return Err(conflict(
                "Their agency has begun writing its own self-assessment there: offering this one would overwrite it",
            ));
        }
        ReturnState::Submitted | ReturnState::Locked => {
            return Err(conflict(
                "Their self-assessment has been submitted already: it can be offered again only if they send it back",
            ));
        }
    }
    let (answers, ratings, map) = {
        let ours = question_set(&mut tx, pid, &from.question_set_id).await?;
        let theirs = question_set(&mut tx, &other_pid, &to.question_set_id).await?;
        offered(
            (&ours.0, &from.answers.0, &from.ratings.0),
            (&theirs.0, &theirs.1),
        )
        .map_err(StoreError::Conflict)?
    };
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
        .fetch_one(query("SELECT COUNT(*) FROM return_version WHERE return_id = ?").bind(to_id))
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
    for c in carried {
        // A line of ours goes to the line of theirs that answers the same standard.
        let line = c.line.and_then(|l| {
            let l = usize::try_from(l).ok()?;
            map.iter().position(|m| *m == l)
        });
        let up = Upload {
            name: c.name,
            content_type: c.content_type,
            bytes: c.bytes,
        };
        let f =
            crate::files::save(files, &mut tx, &other_pid, "return", to_id, &who.label, up).await?;
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
