//! Backup and restore, run as the real binary on both engines: a partnership with a year of work
//! and its files is backed up while writes go on; the archive checks whole; it restores into an
//! empty database and file store (and refuses ones that are not empty, and a damaged archive);
//! every table of the restored database equals the source's (the audit trail up to the snapshot,
//! with no gap), every file is there byte for byte, and `verify-audit` passes on the copy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use learnloop_store::audit::{self, Event, Who};
use learnloop_store::files::FileStore;
use learnloop_store::testing::{TestDb, engines};
use learnloop_store::{Engine, demo};
use sqlx::{AssertSqlSafe, Connection, Row};

fn learnloop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_learnloop"))
        .args(args)
        .env_remove("LEARNLOOP_DATABASE_URL")
        .env("LEARNLOOP_SECRET_KEY", learnloop_web::testing::TEST_KEY)
        .env("LEARNLOOP_LOG", "warn")
        .output()
        .expect("run learnloop")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "learnloop-backup-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ))
}

/// Every table's rows, each as one text, sorted: (table, rows).
async fn tables(t: &TestDb, url: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    match t.engine {
        Engine::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .fetch_all(&mut c)
            .await
            .unwrap();
            for name in names {
                let cols: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
                    "SELECT name FROM pragma_table_info('{name}')"
                )))
                .fetch_all(&mut c)
                .await
                .unwrap();
                let expr = cols
                    .iter()
                    .map(|c| format!("quote(\"{c}\")"))
                    .collect::<Vec<_>>()
                    .join(" || ',' || ");
                let mut rows: Vec<String> =
                    sqlx::query_scalar(AssertSqlSafe(format!("SELECT {expr} FROM \"{name}\"")))
                        .fetch_all(&mut c)
                        .await
                        .unwrap();
                rows.sort();
                out.push((name, rows));
            }
        }
        Engine::Postgres => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
                 AND table_type = 'BASE TABLE' ORDER BY 1",
            )
            .fetch_all(&mut c)
            .await
            .unwrap();
            for name in names {
                let rows = sqlx::query(AssertSqlSafe(format!("SELECT t::text FROM \"{name}\" t")))
                    .fetch_all(&mut c)
                    .await
                    .unwrap();
                let mut rows: Vec<String> = rows.iter().map(|r| r.get::<String, _>(0)).collect();
                rows.sort();
                out.push((name, rows));
            }
        }
    }
    out
}

async fn fresh(engine: Engine) -> TestDb {
    match engine {
        Engine::Sqlite => learnloop_store::testing::sqlite(),
        Engine::Postgres => learnloop_store::testing::postgres().await.unwrap().unwrap(),
    }
}

#[tokio::test]
async fn a_backup_taken_during_writes_restores_every_table_and_file_and_the_trail_verifies() {
    for t in engines().await.unwrap() {
        let db = t.open().await.unwrap();
        let dir = temp("files");
        let files = FileStore::local(&dir).unwrap();
        let today = chrono::Utc::now().date_naive();
        assert!(
            demo::load_with_history(&db, 1, today, Some(files.clone()))
                .await
                .unwrap()
        );
        let key =
            learnloop_store::keys::SecretKey::from_text(learnloop_web::testing::TEST_KEY).unwrap();
        audit::anchor(&db, &files, &key).await.unwrap();

        // Writes go on through the whole backup.
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (db, stop) = (db.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    audit::record(
                        &db,
                        &Who::system("backup test"),
                        Event::new("test.write", "test", None).summary("A write during the backup"),
                    )
                    .await
                    .unwrap();
                    n += 1;
                }
                n
            })
        };
        let archive = temp("archive").with_extension("zip");
        let a = archive.display().to_string();
        let d = dir.display().to_string();
        let url = t.url.clone();
        let d2 = d.clone();
        let o = tokio::task::spawn_blocking(move || {
            learnloop(&[
                "backup",
                "--to",
                &a,
                "--database-url",
                &url,
                "--files-dir",
                &d2,
            ])
        })
        .await
        .unwrap();
        stop.store(true, Ordering::Relaxed);
        let written = writer.await.unwrap();
        assert!(o.status.success(), "{}", text(&o));
        assert!(text(&o).contains("Backed up the"), "{}", text(&o));
        // Only its owner may read it: it holds every record in full.
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&archive).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o077,
                0,
                "the archive is readable by others: {mode:o}"
            );
        }
        assert!(written > 0, "no writes went on during the backup");
        let a = archive.display().to_string();
        let o = learnloop(&["restore", "--from", &a, "--check-only"]);
        assert!(text(&o).contains("The backup is whole"), "{}", text(&o));
        // A second backup to the same name is refused; nothing is overwritten.
        let o = learnloop(&[
            "backup",
            "--to",
            &a,
            "--database-url",
            &t.url,
            "--files-dir",
            &d,
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));

        // Restored into an empty database and folder.
        let target = fresh(t.engine).await;
        let tdir = temp("restored");
        let td = tdir.display().to_string();
        let o = learnloop(&[
            "restore",
            "--from",
            &a,
            "--database-url",
            &target.url,
            "--files-dir",
            &td,
        ]);
        assert!(o.status.success(), "{}", text(&o));
        // Not into one that holds something.
        let o = learnloop(&[
            "restore",
            "--from",
            &a,
            "--database-url",
            &target.url,
            "--files-dir",
            &temp("other").display().to_string(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(
            text(&o).contains("not empty") || text(&o).contains("already exists"),
            "{}",
            text(&o)
        );
        let o = learnloop(&[
            "verify-audit",
            "--database-url",
            &target.url,
            "--files-dir",
            &td,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert!(text(&o).contains("anchored at entry"), "{}", text(&o));

        // Every table as the source's; the trail as it was at the snapshot, with no gap.
        let source = tables(&t, &t.url).await;
        let copy = tables(&target, &target.url).await;
        assert_eq!(
            source.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            copy.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );
        for ((name, a), (_, b)) in source.iter().zip(copy.iter()) {
            if name == "audit_event" {
                assert!(
                    b.len() < a.len(),
                    "the writes after the snapshot are not in it"
                );
                assert!(b.iter().all(|row| a.contains(row)), "an entry differs");
            } else {
                assert_eq!(a, b, "table {name} differs");
            }
        }
        // Every file, byte for byte.
        let restored = FileStore::local(&tdir).unwrap();
        let mut keys = files.keys().await.unwrap();
        keys.sort();
        let mut got = restored.keys().await.unwrap();
        got.sort();
        assert_eq!(keys, got);
        assert!(!keys.is_empty());
        for k in &keys {
            assert_eq!(
                files.get(k).await.unwrap(),
                restored.get(k).await.unwrap(),
                "{k}"
            );
        }

        // A damaged archive restores nothing.
        let mut bytes = std::fs::read(&archive).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0xff;
        let damaged = temp("damaged").with_extension("zip");
        std::fs::write(&damaged, &bytes).unwrap();
        let empty = fresh(t.engine).await;
        let o = learnloop(&[
            "restore",
            "--from",
            &damaged.display().to_string(),
            "--database-url",
            &empty.url,
            "--files-dir",
            &temp("never").display().to_string(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        let _ = std::fs::remove_file(&archive);
        let _ = std::fs::remove_file(&damaged);
    }
}

#[tokio::test]
async fn a_partnership_leaving_takes_its_own_records_and_files_and_no_one_elses_or_any_secret() {
    for t in engines().await.unwrap() {
        let db = t.open().await.unwrap();
        let dir = temp("export-files");
        let files = FileStore::local(&dir).unwrap();
        let today = chrono::Utc::now().date_naive();
        demo::load_with_history(&db, 1, today, Some(files.clone()))
            .await
            .unwrap();
        // A second partnership, whose records must stay out.
        let o = learnloop(&[
            "user",
            "add",
            "--database-url",
            &t.url,
            "--email",
            "sam.vale@southvale.example",
            "--role",
            "business-team",
            "--partnership",
            "Southvale Safeguarding Partnership",
        ]);
        assert!(o.status.success(), "{}", text(&o));
        let archive = temp("export").with_extension("zip");
        let a = archive.display().to_string();
        let d = dir.display().to_string();
        let o = learnloop(&[
            "export-partnership",
            "--partnership",
            "northbrook",
            "--to",
            &a,
            "--database-url",
            &t.url,
            "--files-dir",
            &d,
        ]);
        assert!(o.status.success(), "{}", text(&o));
        assert!(text(&o).contains("Exported"), "{}", text(&o));
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&archive).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o077,
                0,
                "the export is readable by others: {mode:o}"
            );
        }

        let mut zip = zip::ZipArchive::new(std::fs::File::open(&archive).unwrap()).unwrap();
        let read = |zip: &mut zip::ZipArchive<std::fs::File>, name: &str| -> Option<String> {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut zip.by_name(name).ok()?, &mut s).unwrap();
            Some(s)
        };
        let readme = read(&mut zip, "README.txt").unwrap();
        assert!(readme.contains("action ("), "{readme}");
        assert!(readme.contains("  due_on: "), "{readme}");
        // No column that looks like a secret is exported (a new one must be named in the
        // export's list of columns left out, or shown harmless here).
        for line in readme.lines().filter(|l| l.starts_with("  ")) {
            let column = line.trim().split(':').next().unwrap_or_default();
            let secretish = [
                "hash", "secret", "token", "nonce", "sealed", "totp", "password",
            ]
            .iter()
            .any(|w| column.contains(w));
            // Harmless: the trail's own chain (and its content's digest), and when a password or second factor was set.
            let harmless = [
                "hash",
                "prev_hash",
                "content_hash",
                "hash_v1",
                "password_changed_at",
                "totp_enabled_at",
            ];
            assert!(
                !secretish || harmless.contains(&column),
                "{column} looks like a secret"
            );
        }
        // Its own rows, every one.
        let (pid, actions): (String, i64) = db
            .fetch_one(learnloop_store::query(
                "SELECT p.id, (SELECT COUNT(*) FROM action a WHERE a.partnership_id = p.id) FROM partnership p \
                 WHERE p.slug = 'northbrook'",
            ))
            .await
            .unwrap();
        assert!(actions > 0);
        let action_csv = read(&mut zip, "tables/action.csv").unwrap();
        let mut r = csv_rows(&action_csv);
        let header = r.remove(0);
        assert!(header.contains(&"description".to_owned()));
        assert_eq!(r.len() as i64, actions);
        // No one else's, and no secret.
        let people = read(&mut zip, "tables/person.csv").unwrap();
        assert!(
            !people.contains("southvale"),
            "another partnership's person"
        );
        assert!(!people.contains("password_hash") && !people.contains("$argon2"));
        let partnership = read(&mut zip, "tables/partnership.csv").unwrap();
        assert!(partnership.contains(&pid) && !partnership.contains("Southvale"));
        for secret in [
            "tables/session.csv",
            "tables/one_time_token.csv",
            "tables/outbox.csv",
        ] {
            assert!(read(&mut zip, secret).is_none(), "{secret} exported");
        }
        // Its files, each under its storage key.
        let keys: Vec<(String,)> = db
            .fetch_all(
                learnloop_store::query(
                    "SELECT storage_key FROM file_object WHERE partnership_id = ?",
                )
                .bind(pid.as_str()),
            )
            .await
            .unwrap();
        assert!(!keys.is_empty());
        for (k,) in &keys {
            assert!(zip.by_name(&format!("files/{k}")).is_ok(), "{k} missing");
        }
        // The export is in the audit trail.
        let (n,): (i64,) = db
            .fetch_one(learnloop_store::query(
                "SELECT COUNT(*) FROM audit_event WHERE action = 'partnership.export'",
            ))
            .await
            .unwrap();
        assert_eq!(n, 1);
        let _ = std::fs::remove_file(&archive);
    }
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    r.records()
        .map(|x| x.unwrap().iter().map(ToOwned::to_owned).collect())
        .collect()
}
