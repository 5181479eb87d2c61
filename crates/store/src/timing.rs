//! How long a request spent in the database: every statement adds its time (including the wait
//! for a connection) to a counter scoped to the current task, which the web layer reads and
//! reports in a `Server-Timing` header. This is the "physical floor" beside the page's time.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

tokio::task_local! {
    static SPENT: Cell<(u32, Duration)>;
}

/// Adds one statement's time, when a measurement is running in this task.
pub(crate) fn add(d: Duration) {
    let _ = SPENT.try_with(|c| {
        let (n, t) = c.get();
        c.set((n + 1, t + d));
    });
}

/// Runs a future and returns what it produced with how many statements it ran and their time.
pub async fn measure<F: Future>(f: F) -> (F::Output, u32, Duration) {
    SPENT
        .scope(Cell::new((0, Duration::ZERO)), async {
            let out = f.await;
            let (n, t) = SPENT.with(Cell::get);
            (out, n, t)
        })
        .await
}
