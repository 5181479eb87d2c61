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
