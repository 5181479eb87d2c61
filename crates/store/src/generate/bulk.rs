//! Multi-row `INSERT … VALUES (…), (…)` buffers: rows are pushed in memory and flushed in
//! chunks that stay under both engines' limits on bound parameters.

use crate::db::query_from;
use crate::{Query, StoreError, Tx, Value};

/// "(?, ?, …)" with n markers.
const PH: [&str; 25] = [
    "()",
    "(?)",
    "(?, ?)",
    "(?, ?, ?)",
    "(?, ?, ?, ?)",
    "(?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
];

/// Bound parameters per statement stay well under both engines' limits.
const MAX_PARAMS: usize = 30_000;
const MAX_ROWS: usize = 500;

pub(super) struct Bulk {
    pub(super) table: &'static str,
    head: &'static str,
    cols: usize,
    vals: Vec<Value>,
}

impl Bulk {
    pub(super) fn new(table: &'static str, head: &'static str, cols: usize) -> Bulk {
        Bulk {
            table,
            head,
            cols,
            vals: Vec::new(),
        }
    }
    pub(super) fn push(&mut self, row: Vec<Value>) {
        debug_assert_eq!(row.len(), self.cols, "{}", self.table);
        self.vals.extend(row);
    }
    pub(super) fn rows(&self) -> u64 {
        (self.vals.len() / self.cols) as u64
    }
    pub(super) async fn flush(&mut self, tx: &mut Tx) -> Result<(), StoreError> {
        let per = (MAX_PARAMS / self.cols).min(MAX_ROWS);
        let mut it = std::mem::take(&mut self.vals).into_iter();
        loop {
            let chunk: Vec<Value> = it.by_ref().take(per * self.cols).collect();
            if chunk.is_empty() {
                return Ok(());
            }
            let n = chunk.len() / self.cols;
            let mut frags: Vec<&'static str> = Vec::with_capacity(2 * n + 1);
            frags.push(self.head);
            for i in 0..n {
                if i > 0 {
                    frags.push(", ");
                }
                frags.push(PH[self.cols]);
            }
            let q = chunk.into_iter().fold(query_from(&frags), Query::bind);
            tx.execute(q).await?;
        }
    }
}

macro_rules! row {
    ($($v:expr),* $(,)?) => { vec![$($crate::Value::from($v)),*] };
}
pub(super) use row;

pub(super) const NONE: Option<String> = None;
