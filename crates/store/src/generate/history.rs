//! The audit history: what the trail would say about each generated record, and writing a
//! partnership's rows and that trail, chained on, in one transaction.

use super::bulk::{Bulk, row};
use super::partnership::Ctx;
use super::{Counts, Options};
use crate::audit::{self, Event, Past, Who};
use crate::{Db, StoreError};

impl Ctx {
    /// Notes what the trail would say about a record.
    pub(super) fn trail(
        &mut self,
        at: &str,
        by: (&str, &str),
        (action, kind, id): (&'static str, &'static str, &str),
        summary: String,
    ) {
        self.audit.push(Past {
            at: at.to_owned(),
            actor_id: Some(by.0.to_owned()),
            actor_label: by.1.to_owned(),
            action,
            target_kind: kind,
            target_id: Some(id.to_owned()),
            summary,
        });
    }

    /// Writes the rows, then the trail those records would have left, then one event saying
    /// what was generated.
    pub(super) async fn write(
        &mut self,
        db: &Db,
        o: &Options,
        who: Who,
    ) -> Result<Counts, StoreError> {
        let mut counts = Counts::new();
        let mut tx = db.begin().await?;
        for b in self.t.all() {
            let n = b.rows();
            if n > 0 {
                *counts.entry(b.table).or_default() += n;
                b.flush(&mut tx).await?;
            }
        }
        // The trail those records would have left, in the order it happened, chained on.
        self.audit.sort_by(|a, b| a.at.cmp(&b.at));
        let mut trail = Bulk::new(
            "audit_event",
            "INSERT INTO audit_event (seq, at, actor_id, actor_label, partnership_id, action, target_kind, \
             target_id, summary, request_id, prev_hash, hash, content_hash) VALUES ",
            13,
        );
        for r in audit::chain_past(&mut tx, &self.pid, std::mem::take(&mut self.audit)).await? {
            trail.push(row![
                r.seq,
                r.at,
                r.actor_id,
                r.actor_label,
                r.partnership_id,
                r.action,
                r.target_kind,
                r.target_id,
                r.summary,
                r.request_id,
                r.prev_hash,
                r.hash,
                r.content_hash
            ]);
        }
        if trail.rows() > 0 {
            *counts.entry(trail.table).or_default() += trail.rows();
            trail.flush(&mut tx).await?;
        }
        let rows: u64 = counts.values().sum();
        audit::append(
            &mut tx,
            &Who {
                partnership_id: Some(self.pid.clone()),
                ..who
            },
            Event::new("generate", "partnership", Some(&self.pid))
                .summary(format!(
                    "Generated {rows} rows of synthetic data ({} years, seed {})",
                    o.years, o.seed
                ))
                .after(&counts),
        )
        .await?;
        tx.commit().await?;
        Ok(counts)
    }
}
