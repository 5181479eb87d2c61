//! The audit trail: append-only and hash-chained.
//!
//! Every change, sign-in (and failure) and read of restricted content appends one row in the
//! same transaction as the thing it records. Each row's hash covers its fields and the hash
//! of the row before, so altering or removing any row breaks the chain from that row on;
//! [`verify`] finds the first break.
//!
//! A row's record content (the values before and after the change) is kept beside the chain,
//! in `audit_content`, and the chain covers its digest (`content_hash`). So the content of an
//! erased record can be blanked under the partnership's retention rules ([`erase_content`])
//! while the chain stays whole; altering content that was not erased is still found. Appends are serialised on the chain head: SQLite's single
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

/// The columns of an [`AuditRow`]: the chained row and its content beside it.
macro_rules! row_select {
    () => {
        "SELECT e.seq, e.at, e.actor_id, e.actor_label, e.partnership_id, e.action, e.target_kind, \
         e.target_id, e.summary, c.before_json, c.after_json, e.request_id, e.prev_hash, e.hash, \
         e.content_hash, c.erased_at, c.erasure_id FROM audit_event e LEFT JOIN audit_content c ON c.seq = e.seq"
    };
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
    /// The digest of the content (before and after), which the chain covers.
    pub content_hash: Option<String>,
    /// When the content was erased under a retention rule.
    pub erased_at: Option<String>,
    /// The erasure (its tombstone, named by a `retention.erase` entry further on).
    pub erasure_id: Option<String>,
}

/// The digest of a row's content: what the chain covers in its place.
pub fn content_digest(before: Option<&str>, after: Option<&str>) -> String {
    hash_fields(&[before.unwrap_or("\u{0}"), after.unwrap_or("\u{0}")])
}

/// SHA-256 of fields, each length-prefixed, so no two different rows can hash the same text.
fn hash_fields(fields: &[&str]) -> String {
    let mut h = Sha256::new();
    for f in fields {
        h.update((f.len() as u64).to_be_bytes());
        h.update(f.as_bytes());
    }
    hex::encode(h.finalize())
}

/// A row's hash (version 2): its fields, the digest of its content, and the hash before it.
fn digest(r: &AuditRow) -> String {
    let fields: [&str; 13] = [
        "v2",
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
        r.content_hash.as_deref().unwrap_or("\u{0}"),
        r.request_id.as_deref().unwrap_or("\u{0}"),
    ];
    hash_fields(&fields)
}

/// A row's hash as the first version of the trail made it, with the content inline (read
/// only to check an old trail before it is moved to version 2).
pub fn digest_v1(r: &AuditRow) -> String {
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
    hash_fields(&fields)
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
        content_hash: None,
        erased_at: None,
        erasure_id: None,
    };
    row.content_hash = Some(content_digest(
        row.before_json.as_deref(),
        row.after_json.as_deref(),
    ));
    row.hash = digest(&row);
    tx.execute(
        query(
            "INSERT INTO audit_event (seq, at, actor_id, actor_label, partnership_id, action, \
             target_kind, target_id, summary, request_id, prev_hash, hash, content_hash) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        .bind(row.request_id)
        .bind(row.prev_hash)
        .bind(&row.hash)
        .bind(row.content_hash),
    )
    .await?;
    if row.before_json.is_some() || row.after_json.is_some() {
        tx.execute(
            query("INSERT INTO audit_content (seq, before_json, after_json) VALUES (?, ?, ?)")
                .bind(row.seq)
                .bind(row.before_json)
                .bind(row.after_json),
        )
        .await?;
    }
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
            content_hash: Some(content_digest(None, None)),
            erased_at: None,
            erasure_id: None,
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
    // Each erasure must be named by a chained `retention.erase` entry after the entries it
    // erased: (erasure, the last entry it erased), and the erasure entries seen.
    let mut erasures: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let mut named: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    loop {
        let batch: Vec<AuditRow> = db
            .fetch_all(
                query(concat!(
                    row_select!(),
                    " WHERE e.seq >= ? ORDER BY e.seq LIMIT 5000"
                ))
                .bind(expected_seq),
            )
            .await?;
        if batch.is_empty() {
            for (erasure, last) in &erasures {
                if named.get(erasure).is_none_or(|at| at < last) {
                    return Ok(Verdict::Broken {
                        seq: *last,
                        problem: format!(
                            "entry {last} is marked erased, but no erasure in the trail names it"
                        ),
                    });
                }
            }
            return Ok(Verdict::Intact {
                entries: expected_seq - 1,
            });
        }
        for row in batch {
            if row.action == "retention.erase"
                && let Some(t) = &row.target_id
            {
                named.insert(t.clone(), row.seq);
            }
            if row.erased_at.is_some() {
                if row.before_json.is_some() || row.after_json.is_some() {
                    return Ok(Verdict::Broken {
                        seq: row.seq,
                        problem: format!(
                            "entry {} is marked erased but still holds values",
                            row.seq
                        ),
                    });
                }
                erasures.insert(row.erasure_id.clone().unwrap_or_default(), row.seq);
            }
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
            // Content erased under a retention rule is gone on purpose; any other must still
            // be what the chain recorded.
            if row.erased_at.is_none()
                && row.content_hash.as_deref()
                    != Some(
                        content_digest(row.before_json.as_deref(), row.after_json.as_deref())
                            .as_str(),
                    )
            {
                return Ok(Verdict::Broken {
                    seq: row.seq,
                    problem: format!(
                        "the content of entry {} was altered or removed after it was written",
                        row.seq
                    ),
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
    // An anchor signed before the trail moved to version 2 names the entry's old hash.
    let row: Option<(String, Option<String>)> = db
        .fetch_optional(query("SELECT hash, hash_v1 FROM audit_event WHERE seq = ?").bind(a.seq))
        .await?;
    Ok(match row {
        Some((h, v1)) if h == a.hash || v1.as_deref() == Some(a.hash.as_str()) => {
            AnchorCheck::Holds { seq: a.seq }
        }
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

/// The most entries the trail page counts (its pages reach this many, newest first).
pub const COUNT_LIMIT: i64 = 2_000;

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
    // Counted up to a limit: a national partnership's trail holds hundreds of thousands of
    // entries, and counting them all on every view took most of the page's time. Past the
    // limit the pages reach the newest entries, and the dates reach the rest.
    let (total,): (i64,) = db
        .fetch_one(
            filters(query(
                "SELECT COUNT(*) FROM (SELECT 1 FROM audit_event WHERE partnership_id = ? \
                 AND (? IS NULL OR actor_id = ?) AND (? IS NULL OR action = ?) \
                 AND (? IS NULL OR target_kind = ?) AND (? IS NULL OR at >= ?) \
                 AND (? IS NULL OR at < ?) LIMIT ?) AS counted",
            ))
            .bind(COUNT_LIMIT),
        )
        .await?;
    let items = db
        .fetch_all(
            filters(query(concat!(
                row_select!(),
                " WHERE e.partnership_id = ? \
                     AND (? IS NULL OR e.actor_id = ?) AND (? IS NULL OR e.action = ?) \
                     AND (? IS NULL OR e.target_kind = ?) AND (? IS NULL OR e.at >= ?) \
                     AND (? IS NULL OR e.at < ?) ORDER BY e.seq DESC LIMIT ? OFFSET ?"
            )))
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

// ---- version 2 of the trail, and erasure ----

/// Moves a trail written by the first version (content inline in the chain) to version 2
/// (content beside it), once, after the migrations: it checks the old chain whole first and
/// refuses to go on if it is broken, then re-computes every hash, keeping the old one in
/// `hash_v1` so an anchor signed before still matches. One transaction: all or nothing.
/// Returns how many entries were moved.
pub async fn upgrade(db: &Db) -> Result<i64, StoreError> {
    let newest: Option<(Option<String>,)> = db
        .fetch_optional(query(
            "SELECT content_hash FROM audit_event ORDER BY seq DESC LIMIT 1",
        ))
        .await?;
    if !matches!(newest, Some((None,))) {
        return Ok(0);
    }
    let mut tx = db.begin_audit().await?;
    let engine = tx.engine();
    if engine == Engine::Postgres {
        let _: (i64,) = tx
            .fetch_one(query("SELECT 1::BIGINT FROM pg_advisory_xact_lock(?)").bind(CHAIN_LOCK))
            .await?;
    }
    // Another instance may have moved it while this one waited for the chain.
    let newest: Option<(Option<String>,)> = tx
        .fetch_optional(query(
            "SELECT content_hash FROM audit_event ORDER BY seq DESC LIMIT 1",
        ))
        .await?;
    if !matches!(newest, Some((None,))) {
        return Ok(0);
    }
    // The engine refuses any change to the trail: lifted for this transaction only.
    match engine {
        Engine::Sqlite => {
            tx.execute(query("DROP TRIGGER audit_event_no_update"))
                .await?;
            tx.execute(query("DROP TRIGGER audit_event_no_delete"))
                .await?;
        }
        Engine::Postgres => {
            tx.execute(query(
                "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update",
            ))
            .await?;
        }
    }
    let (mut seq, mut prev_v1, mut prev_v2) = (1_i64, GENESIS.to_owned(), GENESIS.to_owned());
    loop {
        let batch: Vec<AuditRow> = tx
            .fetch_all(
                query(
                    "SELECT seq, at, actor_id, actor_label, partnership_id, action, target_kind, \
                     target_id, summary, before_json, after_json, request_id, prev_hash, hash, \
                     content_hash, NULL AS erased_at, NULL AS erasure_id FROM audit_event \
                     WHERE seq >= ? ORDER BY seq LIMIT 500",
                )
                .bind(seq),
            )
            .await?;
        if batch.is_empty() {
            break;
        }
        // Each batch in two statements: the new hashes (the old kept beside them), and the
        // content moved beside the chain.
        let mut update = crate::db::query_from(&[
            "UPDATE audit_event SET prev_hash = v.p, hash = v.h, hash_v1 = audit_event.hash, \
             content_hash = v.c, before_json = NULL, after_json = NULL FROM (",
        ]);
        let mut update_sql = Vec::with_capacity(batch.len());
        let mut content_sql = Vec::new();
        let mut content = crate::db::query_from(&[]);
        for mut row in batch {
            if row.seq != seq || row.prev_hash != prev_v1 || digest_v1(&row) != row.hash {
                return Err(StoreError::Corrupt(format!(
                    "the audit trail is broken at entry {seq}, so it was not moved to the new \
                     version: run verify-audit with the earlier version to see what is wrong"
                )));
            }
            prev_v1 = std::mem::take(&mut row.hash);
            row.prev_hash = prev_v2;
            row.content_hash = Some(content_digest(
                row.before_json.as_deref(),
                row.after_json.as_deref(),
            ));
            row.hash = digest(&row);
            update_sql.push(if update_sql.is_empty() {
                "SELECT ? AS s, ? AS p, ? AS h, ? AS c"
            } else {
                " UNION ALL SELECT ?, ?, ?, ?"
            });
            update = update
                .bind(row.seq)
                .bind(row.prev_hash.clone())
                .bind(row.hash.clone())
                .bind(row.content_hash.clone());
            if row.before_json.is_some() || row.after_json.is_some() {
                content_sql.push(if content_sql.is_empty() {
                    "INSERT INTO audit_content (seq, before_json, after_json) VALUES (?, ?, ?)"
                } else {
                    ", (?, ?, ?)"
                });
                content = content
                    .bind(row.seq)
                    .bind(row.before_json.clone())
                    .bind(row.after_json.clone());
            }
            prev_v2 = row.hash;
            seq += 1;
        }
        update_sql.push(") AS v WHERE audit_event.seq = CAST(v.s AS BIGINT)");
        tx.execute(update.push_sql(&update_sql)).await?;
        if !content_sql.is_empty() {
            tx.execute(content.push_sql(&content_sql)).await?;
        }
    }
    match engine {
        Engine::Sqlite => {
            tx.execute(query(
                "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event \
                 BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
            ))
            .await?;
            tx.execute(query(
                "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event \
                 BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
            ))
            .await?;
        }
        Engine::Postgres => {
            tx.execute(query(
                "ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update",
            ))
            .await?;
        }
    }
    tx.commit().await?;
    Ok(seq - 1)
}

/// Erases the content of these entries (their before and after values) under a retention
/// decision, inside the caller's transaction. The chain keeps each entry's digest, so the
/// trail still verifies; the entries' who, what and when stay. Returns how many were erased.
pub async fn erase_content(tx: &mut Tx, seqs: &[i64], erasure_id: &str) -> Result<u64, StoreError> {
    let now = ts(chrono::Utc::now());
    let mut n = 0;
    for chunk in seqs.chunks(500) {
        for seq in chunk {
            n += tx
                .execute(
                    query(
                        "UPDATE audit_content SET before_json = NULL, after_json = NULL, erased_at = ?, \
                         erasure_id = ? WHERE seq = ? AND erased_at IS NULL",
                    )
                    .bind(&now)
                    .bind(erasure_id)
                    .bind(*seq),
                )
                .await?;
        }
    }
    Ok(n)
}

/// The entries (by number) about these records, whose content a retention decision erases.
pub async fn entries_about(
    tx: &mut Tx,
    partnership_id: &str,
    target_ids: &[String],
) -> Result<Vec<i64>, StoreError> {
    let mut out = Vec::new();
    for id in target_ids {
        let rows: Vec<(i64,)> = tx
            .fetch_all(
                query(
                    "SELECT e.seq FROM audit_event e JOIN audit_content c ON c.seq = e.seq \
                     WHERE e.target_id = ? AND e.partnership_id = ? AND c.erased_at IS NULL",
                )
                .bind(id)
                .bind(partnership_id),
            )
            .await?;
        out.extend(rows.into_iter().map(|r| r.0));
    }
    Ok(out)
}

/// How many entries' content was erased under retention decisions.
pub async fn erased(db: &Db) -> Result<i64, StoreError> {
    let (n,): (i64,) = db
        .fetch_one(query(
            "SELECT COUNT(*) FROM audit_content WHERE erased_at IS NOT NULL",
        ))
        .await?;
    Ok(n)
}
