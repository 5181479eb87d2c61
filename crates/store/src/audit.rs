//! The audit trail: append-only and hash-chained.
//!
//! Every change, sign-in (and failure) and read of restricted content appends one row in the
//! same transaction as the thing it records. Each row's hash covers its fields and the hash
//! of the row before, so altering or removing any row breaks the chain from that row on;
//! [`verify`] finds the first break. Appends are serialised on the chain head: SQLite's single
//! writer does that by itself, PostgreSQL takes a transaction-scoped advisory lock.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{Db, Engine, Page, Paged, StoreError, Tx, query, ts};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const CHAIN_LOCK: i64 = 0x004c_4c41_5544_4954; // "LLAUDIT"

/// Who did it, where, and under which request.
#[derive(Clone, Debug, Default)]
pub struct Who {
    pub person_id: Option<String>,
    pub label: String,
    pub partnership_id: Option<String>,
    pub request_id: Option<String>,
}

impl Who {
    /// The command line or the system itself (e.g. the demo loader).
    pub fn system(label: &str) -> Who {
        Who {
            label: label.to_owned(),
            ..Who::default()
        }
    }
}

/// One thing that happened.
#[derive(Clone, Debug)]
pub struct Event {
    pub action: &'static str,
    pub target_kind: &'static str,
    pub target_id: Option<String>,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl Event {
    pub fn new(action: &'static str, target_kind: &'static str, target_id: Option<&str>) -> Self {
        Event {
            action,
            target_kind,
            target_id: target_id.map(str::to_owned),
            summary: String::new(),
            before: None,
            after: None,
        }
    }
    pub fn summary(mut self, s: impl Into<String>) -> Self {
        self.summary = s.into();
        self
    }
    pub fn before(mut self, v: &impl Serialize) -> Self {
        self.before = serde_json::to_value(v).ok();
        self
    }
    pub fn after(mut self, v: &impl Serialize) -> Self {
        self.after = serde_json::to_value(v).ok();
        self
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub partnership_id: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    pub summary: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

fn digest(r: &AuditRow) -> String {
    let mut h = Sha256::new();
    let fields: [&str; 13] = [
        &r.prev_hash,
        &r.seq.to_string(),
        &r.at,
        r.actor_id.as_deref().unwrap_or("\u{0}"),
        &r.actor_label,
        r.partnership_id.as_deref().unwrap_or("\u{0}"),
        &r.action,
        &r.target_kind,
        r.target_id.as_deref().unwrap_or("\u{0}"),
        &r.summary,
        r.before_json.as_deref().unwrap_or("\u{0}"),
        r.after_json.as_deref().unwrap_or("\u{0}"),
        r.request_id.as_deref().unwrap_or("\u{0}"),
    ];
    // Length-prefixed, so no two different rows can hash the same text.
    for f in fields {
        h.update((f.len() as u64).to_be_bytes());
        h.update(f.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends one event inside the caller's transaction; returns its sequence number.
pub async fn append(tx: &mut Tx, who: &Who, e: Event) -> Result<i64, StoreError> {
    append_at(tx, who, e, ts(chrono::Utc::now())).await
}

/// Takes the chain head for the rest of the transaction (PostgreSQL; SQLite's single writer
/// already holds it) and reads it.
async fn head(tx: &mut Tx) -> Result<(i64, String), StoreError> {
    if tx.engine() == Engine::Postgres {
        let _: (i64,) = tx
            .fetch_one(query("SELECT 1::BIGINT FROM pg_advisory_xact_lock(?)").bind(CHAIN_LOCK))
            .await?;
    }
    let head: Option<(i64, String)> = tx
        .fetch_optional(query(
            "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1",
        ))
        .await?;
    Ok(head.unwrap_or((0, GENESIS.to_owned())))
}

async fn append_at(tx: &mut Tx, who: &Who, e: Event, at: String) -> Result<i64, StoreError> {
    let prev = head(tx).await?;
    Ok(insert_after(tx, prev, who, e, at).await?.0)
}

/// Inserts one event after the given chain head (which the transaction holds); returns the
/// new head.
async fn insert_after(
    tx: &mut Tx,
    (prev_seq, prev_hash): (i64, String),
    who: &Who,
    e: Event,
    at: String,
) -> Result<(i64, String), StoreError> {
    let mut row = AuditRow {
        seq: prev_seq + 1,
        at,
        actor_id: who.person_id.clone(),
        actor_label: who.label.clone(),
        partnership_id: who.partnership_id.clone(),
        action: e.action.to_owned(),
        target_kind: e.target_kind.to_owned(),
        target_id: e.target_id,
        summary: e.summary,
        before_json: e.before.map(|v| v.to_string()),
        after_json: e.after.map(|v| v.to_string()),
        request_id: who.request_id.clone(),
        prev_hash,
        hash: String::new(),
    };
    row.hash = digest(&row);
    tx.execute(
        query(
            "INSERT INTO audit_event (seq, at, actor_id, actor_label, partnership_id, action, \
             target_kind, target_id, summary, before_json, after_json, request_id, prev_hash, hash) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(row.seq)
        .bind(row.at)
        .bind(row.actor_id)
        .bind(row.actor_label)
        .bind(row.partnership_id)
        .bind(row.action)
        .bind(row.target_kind)
        .bind(row.target_id)
        .bind(row.summary)
        .bind(row.before_json)
        .bind(row.after_json)
        .bind(row.request_id)
        .bind(row.prev_hash)
        .bind(&row.hash),
    )
    .await?;
    Ok((row.seq, row.hash))
}

/// An event of the past, for a bulk load of history (the data generator).
#[derive(Clone, Debug)]
pub struct Past {
    pub at: String,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub action: &'static str,
    pub target_kind: &'static str,
    pub target_id: Option<String>,
    pub summary: String,
}

/// Chains past events onto the trail in the order given: takes the chain head for the rest
/// of the caller's transaction and returns the rows, numbered and hashed, for the caller to
/// insert in that same transaction (in bulk) before it appends anything else.
pub async fn chain_past(
    tx: &mut Tx,
    partnership_id: &str,
    events: Vec<Past>,
) -> Result<Vec<AuditRow>, StoreError> {
    let (mut seq, mut prev_hash) = head(tx).await?;
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        seq += 1;
        let mut row = AuditRow {
            seq,
            at: e.at,
            actor_id: e.actor_id,
            actor_label: e.actor_label,
            partnership_id: Some(partnership_id.to_owned()),
            action: e.action.to_owned(),
            target_kind: e.target_kind.to_owned(),
            target_id: e.target_id,
            summary: e.summary,
            before_json: None,
            after_json: None,
            request_id: None,
            prev_hash,
            hash: String::new(),
        };
        row.hash = digest(&row);
        prev_hash = row.hash.clone();
        rows.push(row);
    }
    Ok(rows)
}

/// Appends one event in a transaction of its own (sign-in failures, reads), and returns once
/// it is committed.
///
/// Group commit: events recorded at the same moment by many requests of this instance go in
/// one transaction. Each request queues its event and waits for the instance's writer turn;
/// whoever gets the turn writes everything queued by then and answers every request in it.
/// So under load the chain head (a lock every instance shares) is taken once per batch rather
/// than once per read, and a read of a restricted record still never shows before its audit
/// row is durable. The batch is written by a task of its own, so a request that goes away
/// (the browser closed) never leaves the others in its batch unanswered.
pub async fn record(db: &Db, who: &Who, e: Event) -> Result<i64, StoreError> {
    let q = db.audit_queue();
    let (reply, mut answer) = tokio::sync::oneshot::channel();
    q.pending
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(Pending {
            who: who.clone(),
            event: e,
            at: ts(chrono::Utc::now()),
            reply,
        });
    let turn = q.writer.clone().lock_owned().await;
    if let Ok(done) = answer.try_recv() {
        // An earlier turn wrote it.
        return done.map_err(StoreError::Failed);
    }
    let batch = std::mem::take(
        &mut *q
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    let db = db.clone();
    tokio::spawn(async move {
        let _turn = turn;
        let (events, replies): (Vec<_>, Vec<_>) = batch
            .into_iter()
            .map(|p| ((p.who, p.event, p.at), p.reply))
            .unzip();
        match write_batch(&db, events).await {
            Ok(seqs) => {
                for (reply, seq) in replies.into_iter().zip(seqs) {
                    let _ = reply.send(Ok(seq));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "could not write the audit trail");
                for reply in replies {
                    let _ = reply.send(Err(format!("the audit trail could not be written: {e}")));
                }
            }
        }
    });
    answer
        .await
        .map_err(|_| StoreError::Failed("the audit trail writer stopped".into()))?
        .map_err(StoreError::Failed)
}

async fn write_batch(db: &Db, events: Vec<(Who, Event, String)>) -> Result<Vec<i64>, StoreError> {
    let mut tx = db.begin_audit().await?;
    // The head is taken and read once for the whole batch.
    let mut prev = head(&mut tx).await?;
    let mut seqs = Vec::with_capacity(events.len());
    for (who, e, at) in events {
        prev = insert_after(&mut tx, prev, &who, e, at).await?;
        seqs.push(prev.0);
    }
    tx.commit().await?;
    Ok(seqs)
}

struct Pending {
    who: Who,
    event: Event,
    at: String,
    reply: tokio::sync::oneshot::Sender<Result<i64, String>>,
}

/// Events waiting for this instance's next audit write (see [`record`]).
#[derive(Default)]
pub(crate) struct Queue {
    pending: std::sync::Mutex<Vec<Pending>>,
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("audit::Queue")
    }
}

/// What a check of the whole trail found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Intact { entries: i64 },
    Broken { seq: i64, problem: String },
}

/// Walks the whole trail in order and names the first altered or missing entry.
pub async fn verify(db: &Db) -> Result<Verdict, StoreError> {
    let mut expected_seq = 1;
    let mut prev_hash = GENESIS.to_owned();
    loop {
        let batch: Vec<AuditRow> = db
            .fetch_all(
                query("SELECT * FROM audit_event WHERE seq >= ? ORDER BY seq LIMIT 5000")
                    .bind(expected_seq),
            )
            .await?;
        if batch.is_empty() {
            return Ok(Verdict::Intact {
                entries: expected_seq - 1,
            });
        }
        for row in batch {
            if row.seq != expected_seq {
                return Ok(Verdict::Broken {
                    seq: expected_seq,
                    problem: format!(
                        "entry {expected_seq} is missing (the next entry is {})",
                        row.seq
                    ),
                });
            }
            if row.prev_hash != prev_hash {
                return Ok(Verdict::Broken {
                    seq: row.seq,
                    problem: format!("entry {} does not follow from the entry before it", row.seq),
                });
            }
            if digest(&row) != row.hash {
                return Ok(Verdict::Broken {
                    seq: row.seq,
                    problem: format!("entry {} was altered after it was written", row.seq),
                });
            }
            prev_hash = row.hash;
            expected_seq += 1;
        }
    }
}

// ---- the anchor: the trail's head, signed, kept outside the database ----

/// Where the anchor is kept in the file store (a folder or a bucket, outside the database).
pub const ANCHOR_KEY: &str = "audit/anchor.json";

/// The trail's head as it was at a moment, signed with the installation's key. Removing the
/// trail's newest entries (which the hash chain alone cannot show) leaves a trail shorter
/// than its anchor; nobody without the key can sign a new one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
    pub at: String,
    pub mac: String,
}

fn anchor_message(seq: i64, hash: &str, at: &str) -> String {
    format!("{seq}\n{hash}\n{at}")
}

/// The anchor kept in the file store, if any.
pub async fn read_anchor(files: &crate::files::FileStore) -> Result<Option<Anchor>, StoreError> {
    let Some(bytes) = files.get_opt(ANCHOR_KEY).await? else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| StoreError::Corrupt(format!("the audit anchor cannot be read: {e}")))
}

/// Anchors the trail's current head, unless the anchor kept already covers it (another
/// instance got there first). Returns the anchor now kept.
pub async fn anchor(
    db: &Db,
    files: &crate::files::FileStore,
    key: &crate::keys::SecretKey,
) -> Result<Option<Anchor>, StoreError> {
    let head: Option<(i64, String)> = db
        .fetch_optional(query(
            "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1",
        ))
        .await?;
    let Some((seq, hash)) = head else {
        return Ok(None);
    };
    let kept = read_anchor(files).await.ok().flatten();
    if let Some(k) = &kept
        && k.seq >= seq
        && key.verify(
            "audit-anchor",
            &anchor_message(k.seq, &k.hash, &k.at),
            &k.mac,
        )
    {
        return Ok(kept);
    }
    let at = ts(chrono::Utc::now());
    let a = Anchor {
        mac: key.mac("audit-anchor", &anchor_message(seq, &hash, &at)),
        seq,
        hash,
        at,
    };
    let json = serde_json::to_vec(&a).map_err(|e| StoreError::Failed(e.to_string()))?;
    files.put(ANCHOR_KEY, json.into()).await?;
    Ok(Some(a))
}

/// What the trail is, measured against its anchor.
#[derive(Debug, PartialEq, Eq)]
pub enum AnchorCheck {
    /// No anchor has been kept yet.
    None,
    /// The trail holds the anchored entry, unchanged.
    Holds { seq: i64 },
    /// The anchor was not signed with this key: it cannot be trusted.
    BadSignature,
    /// Entries after `entries` were removed: the trail was anchored at `anchored`.
    Shorter { entries: i64, anchored: i64 },
    /// The anchored entry is there but is not the one anchored.
    Differs { seq: i64 },
}

/// Checks the trail (of `entries` entries, found intact by [`verify`]) against its anchor.
/// Without the key the anchor's signature goes unchecked, but a trail shorter than its anchor
/// is still found: a forged anchor can only raise a false alarm, never hide a removal.
pub async fn check_anchor(
    db: &Db,
    files: &crate::files::FileStore,
    key: Option<&crate::keys::SecretKey>,
    entries: i64,
) -> Result<AnchorCheck, StoreError> {
    let Some(a) = read_anchor(files).await? else {
        return Ok(AnchorCheck::None);
    };
    if key.is_some_and(|k| {
        !k.verify(
            "audit-anchor",
            &anchor_message(a.seq, &a.hash, &a.at),
            &a.mac,
        )
    }) {
        return Ok(AnchorCheck::BadSignature);
    }
    if entries < a.seq {
        return Ok(AnchorCheck::Shorter {
            entries,
            anchored: a.seq,
        });
    }
    let row: Option<(String,)> = db
        .fetch_optional(query("SELECT hash FROM audit_event WHERE seq = ?").bind(a.seq))
        .await?;
    Ok(match row {
        Some((h,)) if h == a.hash => AnchorCheck::Holds { seq: a.seq },
        _ => AnchorCheck::Differs { seq: a.seq },
    })
}

/// Filters of the audit trail page; every one is backed by an index or narrows an indexed scan.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub target_kind: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One page of a partnership's trail, newest first.
pub async fn list(
    db: &Db,
    partnership_id: &str,
    f: &Filter,
    page: Page,
) -> Result<Paged<AuditRow>, StoreError> {
    let filters = |q: crate::Query| {
        q.bind(partnership_id)
            .bind(f.actor_id.clone())
            .bind(f.actor_id.clone())
            .bind(f.action.clone())
            .bind(f.action.clone())
            .bind(f.target_kind.clone())
            .bind(f.target_kind.clone())
            .bind(f.from.clone())
            .bind(f.from.clone())
            .bind(f.to.clone())
            .bind(f.to.clone())
    };
    let (total,): (i64,) = db
        .fetch_one(filters(query(
            "SELECT COUNT(*) FROM audit_event WHERE partnership_id = ? \
             AND (? IS NULL OR actor_id = ?) AND (? IS NULL OR action = ?) \
             AND (? IS NULL OR target_kind = ?) AND (? IS NULL OR at >= ?) \
             AND (? IS NULL OR at < ?)",
        )))
        .await?;
    let items = db
        .fetch_all(
            filters(query(
                "SELECT * FROM audit_event WHERE partnership_id = ? \
                 AND (? IS NULL OR actor_id = ?) AND (? IS NULL OR action = ?) \
                 AND (? IS NULL OR target_kind = ?) AND (? IS NULL OR at >= ?) \
                 AND (? IS NULL OR at < ?) ORDER BY seq DESC LIMIT ? OFFSET ?",
            ))
            .bind(page.size)
            .bind(page.offset()),
        )
        .await?;
    Ok(Paged { items, total, page })
}

/// The distinct actions recorded in a partnership's trail, for the filter's choices.
pub async fn actions(db: &Db, partnership_id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = db
        .fetch_all(
            query(
                "SELECT DISTINCT action FROM audit_event WHERE partnership_id = ? ORDER BY action",
            )
            .bind(partnership_id),
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
