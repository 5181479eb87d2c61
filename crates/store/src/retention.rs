//! Retention: a partnership's rules (how long each kind of record is kept once its work is
//! done, and why), the month's list of what is due, and erasure: the record's identifying
//! content and files removed, the before and after values of its audit entries blanked (the
//! chain keeps their digests, so the trail still verifies), and a tombstone kept.

use chrono::{NaiveDate, Utc};
use learnloop_domain::retention::{Kind, due_if_on_or_before};

use crate::audit::{self, Event, Who};
use crate::files::FileStore;
use crate::{Db, StoreError, Tx, new_id, query, ts};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Rule {
    pub kind: String,
    pub months: i64,
    pub reason: String,
    pub updated_by: String,
    pub updated_at: String,
}

pub async fn rules(db: &Db, pid: &str) -> Result<Vec<Rule>, StoreError> {
    db.fetch_all(
        query(
            "SELECT kind, months, reason, updated_by, updated_at FROM retention_rule \
             WHERE partnership_id = ? ORDER BY kind",
        )
        .bind(pid),
    )
    .await
}

/// Sets (or, with `None`, removes) the rule for one kind of record.
pub async fn set_rule(
    db: &Db,
    who: &Who,
    pid: &str,
    kind: Kind,
    rule: Option<(i64, &str)>,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    tx.execute(
        query("DELETE FROM retention_rule WHERE partnership_id = ? AND kind = ?")
            .bind(pid)
            .bind(kind.slug()),
    )
    .await?;
    let summary = match rule {
        Some((months, reason)) => {
            tx.execute(
                query(
                    "INSERT INTO retention_rule (partnership_id, kind, months, reason, updated_by, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?)",
                )
                .bind(pid)
                .bind(kind.slug())
                .bind(months)
                .bind(reason)
                .bind(&who.label)
                .bind(ts(Utc::now())),
            )
            .await?;
            format!("{}: kept {months} months ({reason})", kind.label())
        }
        None => format!("{}: no retention rule", kind.label()),
    };
    audit::append(
        &mut tx,
        who,
        Event::new("retention.rule", "retention_rule", Some(kind.slug())).summary(summary),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A record due for erasure in this month's list.
#[derive(Debug, Clone)]
pub struct Due {
    pub kind: Kind,
    pub record_id: String,
    /// What it is, without any of its content: a reference or a title, never a child's name.
    pub label: String,
    /// The day its period was counted from.
    pub counted_from: String,
    pub months: i64,
    pub reason: String,
}

/// Everything due for erasure by the end of `today`'s month, under the partnership's rules
/// (at most 200 of each kind at once).
pub async fn due(db: &Db, pid: &str, today: NaiveDate) -> Result<Vec<Due>, StoreError> {
    let mut out = Vec::new();
    for rule in rules(db, pid).await? {
        let Some(kind) = Kind::parse(&rule.kind) else {
            continue;
        };
        let cutoff = due_if_on_or_before(today, rule.months);
        let day = cutoff.format("%Y-%m-%d").to_string();
        let rows: Vec<(String, String, String)> = match kind {
            Kind::CaseReview => {
                db.fetch_all(
                    query(
                        "SELECT r.id, r.reference, COALESCE(r.published_on, r.closed_on, substr(r.updated_at, 1, 10)) AS d \
                         FROM case_review r WHERE r.partnership_id = ? AND r.stage = 'closed' \
                         AND COALESCE(r.published_on, r.closed_on, substr(r.updated_at, 1, 10)) <= ? \
                         AND NOT EXISTS (SELECT 1 FROM tombstone t WHERE t.partnership_id = r.partnership_id \
                         AND t.kind = 'case-review' AND t.record_id = r.id) ORDER BY d, r.reference LIMIT 200",
                    )
                    .bind(pid)
                    .bind(&day),
                )
                .await?
            }
            Kind::AuditSample => {
                db.fetch_all(
                    query(
                        "SELECT a.id, a.title, a.reported_on FROM audit a WHERE a.partnership_id = ? \
                         AND a.stage = 'reported' AND a.reported_on <= ? \
                         AND NOT EXISTS (SELECT 1 FROM tombstone t WHERE t.partnership_id = a.partnership_id \
                         AND t.kind = 'audit-sample' AND t.record_id = a.id) ORDER BY a.reported_on, a.title LIMIT 200",
                    )
                    .bind(pid)
                    .bind(&day),
                )
                .await?
            }
            Kind::TrainingBooking => {
                db.fetch_all(
                    // Sessions in the order they started, each checked for a booking as it
                    // comes, so the list stops at its 200th: as an `EXISTS`, PostgreSQL read
                    // every booking of the partnership (35,000 over ten years, 20 ms) to
                    // pair them with every session first; ordered by anything more than the
                    // start, SQLite sorted every session before taking the first 200.
                    query(
                        "SELECT s.id, c.title, substr(s.starts_at, 1, 10) AS d FROM course_session s \
                         JOIN course c ON c.id = s.course_id WHERE s.partnership_id = ? \
                         AND s.starts_at < ? \
                         AND (SELECT 1 FROM booking b WHERE b.partnership_id = s.partnership_id \
                              AND b.session_id = s.id LIMIT 1) IS NOT NULL \
                         AND NOT EXISTS (SELECT 1 FROM tombstone t WHERE t.partnership_id = s.partnership_id \
                         AND t.kind = 'training-booking' AND t.record_id = s.id) \
                         ORDER BY s.starts_at LIMIT 200",
                    )
                    .bind(pid)
                    .bind(after(cutoff)),
                )
                .await?
            }
            Kind::SignIn => {
                let (sessions, links) = sign_in_counts(db, pid, cutoff).await?;
                // Each erasure of these is a record of its own: numbered, so that more
                // ending later in the same month make a new one.
                let (before,): (i64,) = db
                    .fetch_one(
                        query("SELECT COUNT(*) FROM tombstone WHERE partnership_id = ? AND kind = 'sign-in'")
                            .bind(pid),
                    )
                    .await?;
                if sessions + links == 0 {
                    Vec::new()
                } else {
                    vec![(
                        format!("sign-in-{day}-{}", before + 1),
                        format!(
                            "{sessions} ended sessions and {links} used or expired sign-in links"
                        ),
                        day.clone(),
                    )]
                }
            }
        };
        out.extend(
            rows.into_iter()
                .map(|(record_id, label, counted_from)| Due {
                    kind,
                    label: match kind {
                        Kind::CaseReview => format!("Case review {label}"),
                        Kind::AuditSample => format!("Audit “{label}”"),
                        Kind::TrainingBooking => format!("Bookings for “{label}”"),
                        Kind::SignIn => label,
                    },
                    record_id,
                    counted_from,
                    months: rule.months,
                    reason: rule.reason.clone(),
                }),
        );
    }
    Ok(out)
}

/// The day after `cutoff`, as stored moments compare: anything before it ended by `cutoff`.
fn after(cutoff: NaiveDate) -> String {
    cutoff
        .succ_opt()
        .unwrap_or(cutoff)
        .format("%Y-%m-%d")
        .to_string()
}

async fn sign_in_counts(db: &Db, pid: &str, cutoff: NaiveDate) -> Result<(i64, i64), StoreError> {
    let until = after(cutoff);
    let (sessions,): (i64,) = db
        .fetch_one(
            query("SELECT COUNT(*) FROM session WHERE partnership_id = ? AND expires_at < ?")
                .bind(pid)
                .bind(&until),
        )
        .await?;
    let (links,): (i64,) = db
        .fetch_one(
            query(
                "SELECT COUNT(*) FROM one_time_token t WHERE COALESCE(t.used_at, t.expires_at) < ? \
                 AND t.person_id IN (SELECT person_id FROM membership WHERE partnership_id = ?) \
                 AND t.person_id NOT IN (SELECT person_id FROM membership WHERE partnership_id <> ?)",
            )
            .bind(&until)
            .bind(pid)
            .bind(pid),
        )
        .await?;
    Ok((sessions, links))
}

/// What an erasure took away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Erased {
    pub rows: u64,
    pub files: u64,
    pub entries: u64,
}

/// Erases one record due in this month's list, by the business team's decision. Refused
/// (a conflict) when it is not due, or already erased. One transaction blanks the content
/// and the audit entries' values and keeps the tombstone; the files' bytes go after it.
pub async fn erase(
    db: &Db,
    files: &FileStore,
    who: &Who,
    pid: &str,
    (kind, record_id): (Kind, &str),
    today: NaiveDate,
) -> Result<Erased, StoreError> {
    let Some(item) = due(db, pid, today)
        .await?
        .into_iter()
        .find(|d| d.kind == kind && d.record_id == record_id)
    else {
        return Err(StoreError::Conflict(
            "This record is not due for erasure under the partnership's rules, or was already erased"
                .to_owned(),
        ));
    };
    let owned = files_of(db, pid, kind, record_id).await?;
    let tombstone = new_id();
    let mut tx = db.begin().await?;
    let (rows, targets) = blank(&mut tx, pid, kind, record_id, &item).await?;
    for (id, _) in &owned {
        tx.execute(
            query("DELETE FROM return_file WHERE file_id = ? AND partnership_id = ?")
                .bind(id)
                .bind(pid),
        )
        .await?;
        tx.execute(
            query("DELETE FROM review_report WHERE file_id = ? AND partnership_id = ?")
                .bind(id)
                .bind(pid),
        )
        .await?;
        tx.execute(
            query("DELETE FROM file_object WHERE id = ? AND partnership_id = ?")
                .bind(id)
                .bind(pid),
        )
        .await?;
    }
    let mut about = targets;
    about.extend(owned.iter().map(|(id, _)| id.clone()));
    let seqs = audit::entries_about(&mut tx, pid, &about).await?;
    let entries = audit::erase_content(&mut tx, &seqs, &tombstone).await?;
    let erased = Erased {
        rows,
        files: owned.len() as u64,
        entries,
    };
    let kept = tx.execute(
        query(
            "INSERT INTO tombstone (id, partnership_id, kind, record_id, label, counted_from, months, reason, \
             decided_by, decided_by_label, erased_at, rows_erased, files_removed, entries_erased) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&tombstone)
        .bind(pid)
        .bind(kind.slug())
        .bind(record_id)
        .bind(&item.label)
        .bind(&item.counted_from)
        .bind(item.months)
        .bind(&item.reason)
        .bind(&who.person_id)
        .bind(&who.label)
        .bind(ts(Utc::now()))
        .bind(i64::try_from(erased.rows).unwrap_or(i64::MAX))
        .bind(i64::try_from(erased.files).unwrap_or(i64::MAX))
        .bind(i64::try_from(erased.entries).unwrap_or(i64::MAX)),
    )
    .await;
    match kept {
        // Someone else erased it a moment ago: this transaction is dropped, nothing changes.
        Err(e) if e.is_unique_violation() => {
            return Err(StoreError::Conflict(
                "This record was erased a moment ago".to_owned(),
            ));
        }
        other => other?,
    };
    audit::append(
        &mut tx,
        who,
        Event::new("retention.erase", "tombstone", Some(&tombstone)).summary(format!(
            "Erased under the retention rule ({} months): {}",
            item.months, item.label
        )),
    )
    .await?;
    tx.commit().await?;
    // The bytes go once nothing names them any more. One that cannot be removed now is
    // unreferenced and never served.
    for (_, key) in &owned {
        if let Err(e) = files.delete(key).await {
            tracing::warn!(error = %e, "an erased record's file could not be removed");
        }
    }
    Ok(erased)
}

/// The files a record owns: (file id, storage key).
async fn files_of(
    db: &Db,
    pid: &str,
    kind: Kind,
    record_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let (source_kind, reports) = match kind {
        Kind::CaseReview => ("case_review", true),
        Kind::AuditSample => ("audit", false),
        Kind::TrainingBooking => ("training", false),
        Kind::SignIn => return Ok(Vec::new()),
    };
    let mut out: Vec<(String, String)> = db
        .fetch_all(
            query(
                "SELECT f.id, f.storage_key FROM file_object f JOIN return_file rf ON rf.file_id = f.id \
                 JOIN return_request r ON r.id = rf.return_id WHERE r.partnership_id = ? \
                 AND r.source_kind = ? AND r.source_id = ?",
            )
            .bind(pid)
            .bind(source_kind)
            .bind(record_id),
        )
        .await?;
    if reports {
        let more: Vec<(String, String)> = db
            .fetch_all(
                query(
                    "SELECT f.id, f.storage_key FROM file_object f JOIN review_report rr ON rr.file_id = f.id \
                     WHERE rr.partnership_id = ? AND rr.review_id = ?",
                )
                .bind(pid)
                .bind(record_id),
            )
            .await?;
        out.extend(more);
    }
    Ok(out)
}

/// Blanks a record's identifying content; returns the rows changed and the ids whose audit
/// entries' values go too.
async fn blank(
    tx: &mut Tx,
    pid: &str,
    kind: Kind,
    record_id: &str,
    item: &Due,
) -> Result<(u64, Vec<String>), StoreError> {
    let mut rows = 0;
    let mut targets = vec![record_id.to_owned()];
    match kind {
        Kind::CaseReview => {
            for sql in [
                "UPDATE case_review SET summary = '' WHERE id = ? AND partnership_id = ?",
                "UPDATE case_subject SET real_name = '' WHERE review_id = ? AND partnership_id = ?",
                "UPDATE rapid_review SET facts = '', safety_assurance = '', safety_by = '' WHERE review_id = ? AND partnership_id = ?",
                "UPDATE review_terms SET family_involvement = '' WHERE review_id = ? AND partnership_id = ?",
                "UPDATE review_event SET notes = '' WHERE review_id = ? AND partnership_id = ?",
                "UPDATE case_referral SET referrer = '', reason = '', question = '' WHERE review_id = ? AND partnership_id = ?",
            ] {
                rows += tx.execute(query(sql).bind(record_id).bind(pid)).await?;
            }
            let ids: Vec<(String,)> = tx
                .fetch_all(
                    query(
                        "SELECT id FROM case_subject WHERE review_id = ? AND partnership_id = ? \
                         UNION ALL SELECT id FROM review_event WHERE review_id = ? AND partnership_id = ? \
                         UNION ALL SELECT id FROM review_report WHERE review_id = ? AND partnership_id = ?",
                    )
                    .bind(record_id)
                    .bind(pid)
                    .bind(record_id)
                    .bind(pid)
                    .bind(record_id)
                    .bind(pid),
                )
                .await?;
            targets.extend(ids.into_iter().map(|r| r.0));
            let (n, returns) = blank_returns(tx, pid, "case_review", record_id).await?;
            rows += n;
            targets.extend(returns);
        }
        Kind::AuditSample => {
            rows += tx
                .execute(
                    query(
                        "UPDATE audit_involvement SET note = '' WHERE partnership_id = ? \
                         AND case_id IN (SELECT id FROM audit_case WHERE audit_id = ? AND partnership_id = ?)",
                    )
                    .bind(pid)
                    .bind(record_id)
                    .bind(pid),
                )
                .await?;
            let cases: Vec<(String,)> = tx
                .fetch_all(
                    query("SELECT id FROM audit_case WHERE audit_id = ? AND partnership_id = ?")
                        .bind(record_id)
                        .bind(pid),
                )
                .await?;
            // The audit's own entries (its report, its lines of enquiry) stay: only the sample's.
            targets.clear();
            targets.extend(cases.into_iter().map(|r| r.0));
            let (n, returns) = blank_returns(tx, pid, "audit", record_id).await?;
            rows += n;
            targets.extend(returns);
        }
        Kind::TrainingBooking => {
            // Who attended goes with the bookings; the evaluations and follow-ups asked of
            // them (and of their managers) go whole, with their versions and files' links.
            let returns: Vec<(String,)> = tx
                .fetch_all(
                    query(
                        "SELECT id FROM return_request WHERE partnership_id = ? AND source_kind = 'training' AND source_id = ?",
                    )
                    .bind(pid)
                    .bind(record_id),
                )
                .await?;
            for (id,) in &returns {
                for sql in [
                    "DELETE FROM return_version WHERE return_id = ? AND partnership_id = ?",
                    "DELETE FROM return_challenge WHERE return_id = ? AND partnership_id = ?",
                    "DELETE FROM return_file WHERE return_id = ? AND partnership_id = ?",
                    "DELETE FROM return_request WHERE id = ? AND partnership_id = ?",
                ] {
                    rows += tx.execute(query(sql).bind(id).bind(pid)).await?;
                }
            }
            let bookings: Vec<(String,)> = tx
                .fetch_all(
                    query("SELECT id FROM booking WHERE session_id = ? AND partnership_id = ?")
                        .bind(record_id)
                        .bind(pid),
                )
                .await?;
            rows += tx
                .execute(
                    query("DELETE FROM booking WHERE session_id = ? AND partnership_id = ?")
                        .bind(record_id)
                        .bind(pid),
                )
                .await?;
            // The session's own entries stay: only those about its bookings and returns.
            targets.clear();
            targets.extend(bookings.into_iter().map(|r| r.0));
            targets.extend(returns.into_iter().map(|r| r.0));
        }
        Kind::SignIn => {
            let until = NaiveDate::parse_from_str(&item.counted_from, "%Y-%m-%d")
                .map(after)
                .map_err(|_| StoreError::Corrupt(format!("date {:?}", item.counted_from)))?;
            rows += tx
                .execute(
                    query("DELETE FROM session WHERE partnership_id = ? AND expires_at < ?")
                        .bind(pid)
                        .bind(&until),
                )
                .await?;
            rows += tx
                .execute(
                    query(
                        "DELETE FROM one_time_token WHERE COALESCE(used_at, expires_at) < ? \
                         AND person_id IN (SELECT person_id FROM membership WHERE partnership_id = ?) \
                         AND person_id NOT IN (SELECT person_id FROM membership WHERE partnership_id <> ?)",
                    )
                    .bind(&until)
                    .bind(pid)
                    .bind(pid),
                )
                .await?;
            targets.clear();
        }
    }
    Ok((rows, targets))
}

/// Blanks the answers of every return asked for on a record (and each submitted version).
async fn blank_returns(
    tx: &mut Tx,
    pid: &str,
    source_kind: &str,
    source_id: &str,
) -> Result<(u64, Vec<String>), StoreError> {
    let ids: Vec<(String,)> = tx
        .fetch_all(
            query(
                "SELECT id FROM return_request WHERE partnership_id = ? AND source_kind = ? AND source_id = ?",
            )
            .bind(pid)
            .bind(source_kind)
            .bind(source_id),
        )
        .await?;
    let mut rows = 0;
    for (id,) in &ids {
        rows += tx
            .execute(
                query(
                    "UPDATE return_request SET answers = '[]', strengths = '', improvements = '', \
                     sent_back_note = '', state = 'locked', link_hash = NULL, link_nonce = NULL \
                     WHERE id = ? AND partnership_id = ?",
                )
                .bind(id)
                .bind(pid),
            )
            .await?;
        rows += tx
            .execute(
                query(
                    "UPDATE return_version SET answers = '[]', strengths = '', improvements = '' \
                     WHERE return_id = ? AND partnership_id = ?",
                )
                .bind(id)
                .bind(pid),
            )
            .await?;
    }
    Ok((rows, ids.into_iter().map(|r| r.0).collect()))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Tombstone {
    pub id: String,
    pub kind: String,
    pub record_id: String,
    pub label: String,
    pub counted_from: String,
    pub months: i64,
    pub reason: String,
    pub decided_by_label: String,
    pub erased_at: String,
    pub rows_erased: i64,
    pub files_removed: i64,
    pub entries_erased: i64,
}

/// The partnership's tombstones, newest first (at most 200).
pub async fn tombstones(db: &Db, pid: &str) -> Result<Vec<Tombstone>, StoreError> {
    db.fetch_all(
        query(
            "SELECT id, kind, record_id, label, counted_from, months, reason, decided_by_label, erased_at, \
             rows_erased, files_removed, entries_erased FROM tombstone WHERE partnership_id = ? \
             ORDER BY erased_at DESC LIMIT 200",
        )
        .bind(pid),
    )
    .await
}

/// The tombstone of a record, if it was erased (for its page to say so).
pub async fn tombstone_of(
    db: &Db,
    pid: &str,
    record_id: &str,
) -> Result<Option<Tombstone>, StoreError> {
    db.fetch_optional(
        query(
            "SELECT id, kind, record_id, label, counted_from, months, reason, decided_by_label, erased_at, \
             rows_erased, files_removed, entries_erased FROM tombstone WHERE partnership_id = ? AND record_id = ?",
        )
        .bind(pid)
        .bind(record_id),
    )
    .await
}
