//! Fresh databases for tests: a new SQLite file per test, and a new PostgreSQL database per
//! test when `LEARNLOOP_TEST_PG` names a server (CI always sets it, so every test body runs on
//! both engines there).

use crate::{Db, Engine, StoreError};

/// A database made for one test.
pub struct TestDb {
    pub engine: Engine,
    pub url: String,
}

impl TestDb {
    /// Connects and migrates.
    pub async fn open(&self) -> Result<Db, StoreError> {
        let db = Db::connect(&self.url).await?;
        db.migrate().await?;
        Ok(db)
    }
}

/// A fresh SQLite file in the temporary folder.
pub fn sqlite() -> TestDb {
    let dir = std::env::temp_dir().join("learnloop-tests");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{}.db", uuid::Uuid::now_v7()));
    TestDb {
        engine: Engine::Sqlite,
        url: format!("sqlite://{}", path.display()),
    }
}

/// A fresh PostgreSQL database, if a server is configured.
pub async fn postgres() -> Result<Option<TestDb>, StoreError> {
    let Ok(admin) = std::env::var("LEARNLOOP_TEST_PG") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            return Err(StoreError::Config(
                "CI must run every test on PostgreSQL too: set LEARNLOOP_TEST_PG".into(),
            ));
        }
        return Ok(None);
    };
    let name = format!("ll_test_{}", uuid::Uuid::now_v7().simple());
    let db = Db::connect(&admin).await?;
    let sql = format!("CREATE DATABASE {name}");
    db.raw(&sql).await?;
    db.close().await;
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    Ok(Some(TestDb {
        engine: Engine::Postgres,
        url: format!("{base}/{name}"),
    }))
}

/// Every engine a test should run on, each with a fresh database.
pub async fn engines() -> Result<Vec<TestDb>, StoreError> {
    let mut v = vec![sqlite()];
    if let Some(pg) = postgres().await? {
        v.push(pg);
    }
    Ok(v)
}
