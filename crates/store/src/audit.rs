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
    let (prev_seq, prev_hash) = head.unwrap_or((0, GENESIS.to_owned()));
    let mut row = AuditRow {
        seq: prev_seq + 1,
        at: ts(chrono::Utc::now()),
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
        .bind(row.hash),
    )
    .await?;
    Ok(row.seq)
}

/// Appends one event in a transaction of its own (sign-in failures, reads).
pub async fn record(db: &Db, who: &Who, e: Event) -> Result<i64, StoreError> {
    let mut tx = db.begin().await?;
    let seq = append(&mut tx, who, e).await?;
    tx.commit().await?;
    Ok(seq)
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
