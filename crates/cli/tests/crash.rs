//! `kill -9` in the middle of writes loses nothing that was acknowledged: SQLite runs in WAL
//! with synchronous=FULL, PostgreSQL with its defaults.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Client, Server};
use learnloop_domain::accounts::Role;
use learnloop_store::audit::{self, Verdict};
use learnloop_store::query;
use learnloop_store::testing::engines;

#[tokio::test]
async fn killing_the_server_mid_load_loses_no_acknowledged_write() {
    for t in engines().await.unwrap() {
        let mut server = Server::start(&t.url, &[]).await;
        let client = Client::new(&server.base);
        client.sign_in_as(Role::BusinessTeam).await;
        let acked: Arc<Mutex<Vec<String>>> = Arc::default();
        let mut writers = Vec::new();
        for w in 0..6 {
            let (client, acked) = (client.clone(), acked.clone());
            writers.push(tokio::spawn(async move {
                for i in 0.. {
                    let name = format!("Crash test agency {w}-{i}");
                    let token = client.csrf().await;
                    let sent = client
                        .http
                        .post(format!("{}/agencies/new", client.base))
                        .form(&[
                            ("csrf_token", token.as_str()),
                            ("name", &name),
                            ("sector", "other"),
                            ("statutory_partner", "no"),
                            ("active", "yes"),
                        ])
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status().as_u16() == 303 => acked.lock().unwrap().push(name),
                        Ok(_) => {}
                        Err(_) => break, // the server is gone
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        server.kill_hard();
        for w in writers {
            w.await.unwrap();
        }
        let acked = acked.lock().unwrap().clone();
        assert!(
            acked.len() >= 10,
            "too few writes were acknowledged to prove anything: {}",
            acked.len()
        );

        let db = t.open().await.unwrap();
        for name in &acked {
            let (n,): (i64,) = db
                .fetch_one(query("SELECT COUNT(*) FROM agency WHERE name = ?").bind(name))
                .await
                .unwrap();
            assert_eq!(n, 1, "{name} was acknowledged but lost ({:?})", t.engine);
        }
        assert!(matches!(
            audit::verify(&db).await.unwrap(),
            Verdict::Intact { .. }
        ));
        // The server starts again on the same database.
        db.close().await;
        let mut again = Server::start(&t.url, &[]).await;
        assert!(again.terminate(), "SIGTERM did not stop the server cleanly");
    }
}

/// The server anchors the trail's head outside the database (here, at shutdown); removing the
/// trail's newest entries afterwards, which the hash chain alone cannot show, is reported by
/// `verify-audit`, and so is an anchor not signed with the installation's key.
#[tokio::test]
async fn removing_the_newest_audit_entries_is_found_by_the_anchor() {
    for t in engines().await.unwrap() {
        let files = std::env::temp_dir().join(format!(
            "learnloop-anchor-{}-{:?}",
            std::process::id(),
            t.engine
        ));
        let files = files.display().to_string();
        let mut server = Server::start(&t.url, &["--files-dir", &files]).await;
        let c = Client::new(&server.base);
        c.sign_in_as(Role::BusinessTeam).await;
        assert!(server.terminate(), "a clean stop");
        let verify = |key: &str| {
            std::process::Command::new(env!("CARGO_BIN_EXE_learnloop"))
                .args([
                    "verify-audit",
                    "--database-url",
                    &t.url,
                    "--files-dir",
                    &files,
                ])
                .env("LEARNLOOP_SECRET_KEY", key)
                .output()
                .unwrap()
        };
        let key = learnloop_web::testing::TEST_KEY;
        let o = verify(key);
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        assert_eq!(o.status.code(), Some(0), "{out}");
        assert!(out.contains("anchored at entry"), "{out}");

        let other = verify("another key that is long enough to be a key!");
        assert_eq!(other.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&other.stdout).contains("not signed with this key"));

        // Someone with the database alone removes the newest entry (bypassing the triggers).
        let db = t.open().await.unwrap();
        match t.engine {
            learnloop_store::Engine::Sqlite => {
                db.raw("DROP TRIGGER audit_event_no_delete").await.unwrap()
            }
            learnloop_store::Engine::Postgres => db
                .raw("DROP TRIGGER audit_event_no_update ON audit_event")
                .await
                .unwrap(),
        }
        db.execute(query(
            "DELETE FROM audit_event WHERE seq = (SELECT MAX(seq) FROM audit_event)",
        ))
        .await
        .unwrap();
        assert!(
            matches!(audit::verify(&db).await.unwrap(), Verdict::Intact { .. }),
            "the chain alone cannot tell"
        );
        db.close().await;
        let o = verify(key);
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        assert_eq!(o.status.code(), Some(1), "{out}");
        assert!(out.contains("were removed"), "{out}");
    }
}
