//! The connections reads run on: many readers at once share a few connections, and a
//! connection the database server dropped is replaced rather than reused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use learnloop_store::Db;
use learnloop_store::testing::{engines, postgres};

async fn count(db: &Db) -> Result<i64, learnloop_store::StoreError> {
    let q = learnloop_store::query("SELECT CAST(COUNT(*) AS BIGINT) FROM partnership");
    let (n,): (i64,) = db.fetch_one(q).await?;
    Ok(n)
}

#[tokio::test]
async fn a_hundred_reads_at_once_on_two_connections_all_answer() {
    for t in engines().await.expect("test databases") {
        let url = t.url.clone();
        {
            let db = t.open().await.unwrap();
            db.close().await;
        }
        let db = Db::connect_with(&url, Some(2)).await.unwrap();
        let mut reads = tokio::task::JoinSet::new();
        for _ in 0..100 {
            let db = db.clone();
            reads.spawn(async move { count(&db).await });
        }
        for n in reads.join_all().await {
            assert_eq!(n.unwrap(), 0, "{:?}", t.engine);
        }
        // A read that fails in the database (no such table) leaves its connection usable.
        let bad = db
            .fetch_one::<(i64,)>(learnloop_store::query("SELECT COUNT(*) FROM no_such_table"))
            .await;
        assert!(bad.is_err());
        assert_eq!(count(&db).await.unwrap(), 0);
        db.close().await;
    }
}

#[tokio::test]
async fn a_connection_the_server_dropped_is_replaced() {
    let Some(t) = postgres().await.expect("test database") else {
        return;
    };
    let db = t.open().await.unwrap();
    assert_eq!(count(&db).await.unwrap(), 0);
    // The server ends every other session on this database: the readers' connection among
    // them, still fresh enough to be used without a test.
    db.execute(learnloop_store::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    ))
    .await
    .unwrap();
    // The read on the dropped connection may fail; the next one is on a new connection.
    let _ = count(&db).await;
    assert_eq!(count(&db).await.unwrap(), 0);
    db.close().await;
}

/// `.cargo/config.toml` compiles the bundled SQLite without the options that made its reader
/// threads queue on process-wide locks and plan most statements anew on every run.
#[tokio::test]
async fn sqlite_is_built_without_process_wide_locks_or_replanning() {
    let db = learnloop_store::testing::sqlite().open().await.unwrap();
    let options: Vec<(String,)> = db
        .fetch_all(learnloop_store::query("PRAGMA compile_options"))
        .await
        .unwrap();
    let options: Vec<&str> = options.iter().map(|(o,)| o.as_str()).collect();
    assert!(options.contains(&"DEFAULT_MEMSTATUS=0"), "{options:?}");
    assert!(!options.contains(&"ENABLE_STAT4"), "{options:?}");
    assert!(
        !options.contains(&"ENABLE_MEMORY_MANAGEMENT"),
        "{options:?}"
    );
    db.close().await;
}

#[tokio::test]
async fn a_read_given_up_half_way_leaves_nothing_for_the_next_one() {
    let Some(t) = postgres().await.expect("test database") else {
        return;
    };
    let url = t.url.clone();
    {
        let db = t.open().await.unwrap();
        db.close().await;
    }
    let db = Db::connect_with(&url, Some(2)).await.unwrap();
    for _ in 0..3 {
        // The browser went away while the statement ran: its row is still to come.
        let slow = db.fetch_one::<(i64,)>(learnloop_store::query(
            "SELECT CAST(7 AS BIGINT) FROM pg_sleep(0.2)",
        ));
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(30), slow)
                .await
                .is_err()
        );
        // The next reads get their own answers, never the abandoned one's.
        for _ in 0..3 {
            assert_eq!(count(&db).await.unwrap(), 0);
        }
    }
    db.close().await;
}
