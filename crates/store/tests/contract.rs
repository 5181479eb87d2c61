//! The store's contract, run on every engine: the same tests, the same answers, on SQLite and
//! on PostgreSQL (atuin's pattern).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Utc;
use learnloop_store::audit::{self, Event, Verdict, Who};
use learnloop_store::outbox::{self, NewMail};
use learnloop_store::testing::engines;
use learnloop_store::{Db, Engine, query};

async fn each_engine<F, Fut>(f: F)
where
    F: Fn(Db, Engine) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for t in engines().await.expect("test databases") {
        let db = t.open().await.expect("open test database");
        f(db.clone(), t.engine).await;
        db.close().await;
    }
}

/// Tables, columns and indexes of a migrated database, engine-independently named.
async fn schema(db: &Db, engine: Engine) -> Vec<String> {
    let rows: Vec<(String, String)> = match engine {
        Engine::Sqlite => {
            db.fetch_all(query(
                "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' \
                 ORDER BY m.name, p.name",
            ))
            .await
            .unwrap()
        }
        Engine::Postgres => db
            .fetch_all(query(
                "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%' ORDER BY table_name, column_name",
            ))
            .await
            .unwrap(),
    };
    let idx: Vec<(String,)> = match engine {
        Engine::Sqlite => db
            .fetch_all(query(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            ))
            .await
            .unwrap(),
        Engine::Postgres => db
            .fetch_all(query(
                "SELECT indexname::TEXT FROM pg_indexes WHERE schemaname = 'public' \
                 AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key' AND tablename NOT LIKE '_sqlx%' ORDER BY indexname",
            ))
            .await
            .unwrap(),
    };
    rows.into_iter()
        .map(|(t, c)| format!("{t}.{c}"))
        .chain(idx.into_iter().map(|(i,)| format!("index {i}")))
        .collect()
}

#[tokio::test]
async fn both_engines_have_the_same_tables_columns_and_indexes() {
    each_engine(|db, engine| async move {
        let s = schema(&db, engine).await;
        SCHEMAS.lock().unwrap().push((engine, s));
    })
    .await;
    let all = SCHEMAS.lock().unwrap();
    assert!(!all.is_empty());
    assert!(all[0].1.iter().any(|c| c == "audit_event.hash"));
    if all.len() == 2 {
        let only_sqlite: Vec<_> = all[0].1.iter().filter(|c| !all[1].1.contains(c)).collect();
        let only_pg: Vec<_> = all[1].1.iter().filter(|c| !all[0].1.contains(c)).collect();
        assert!(
            only_sqlite.is_empty() && only_pg.is_empty(),
            "only SQLite: {only_sqlite:?}; only PostgreSQL: {only_pg:?}"
        );
    }
}

static SCHEMAS: std::sync::Mutex<Vec<(Engine, Vec<String>)>> = std::sync::Mutex::new(Vec::new());

fn who() -> Who {
    Who::system("contract test")
}

#[tokio::test]
async fn audit_trail_verifies_and_names_the_first_altered_entry() {
    each_engine(|db, engine| async move {
        for i in 0..5 {
            audit::record(
                &db,
                &who(),
                Event::new("test.event", "thing", None).summary(format!("event {i}")),
            )
            .await
            .unwrap();
        }
        assert_eq!(
            audit::verify(&db).await.unwrap(),
            Verdict::Intact { entries: 5 }
        );

        // The engine refuses edits outright…
        let refused = db
            .execute(query(
                "UPDATE audit_event SET summary = 'changed' WHERE seq = 3",
            ))
            .await;
        assert!(refused.is_err(), "{engine:?} let the audit trail be edited");
        let refused = db
            .execute(query("DELETE FROM audit_event WHERE seq = 3"))
            .await;
        assert!(refused.is_err(), "{engine:?} let an audit entry be deleted");

        // …and if someone with the keys to the database removes the guard, verify finds it.
        match engine {
            Engine::Sqlite => db.raw("DROP TRIGGER audit_event_no_update").await.unwrap(),
            Engine::Postgres => db
                .raw("DROP TRIGGER audit_event_no_update ON audit_event")
                .await
                .unwrap(),
        }
        db.execute(query(
            "UPDATE audit_event SET summary = 'changed' WHERE seq = 3",
        ))
        .await
        .unwrap();
        match audit::verify(&db).await.unwrap() {
            Verdict::Broken { seq, .. } => assert_eq!(seq, 3),
            other => panic!("expected a broken trail, got {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn audit_trail_names_a_missing_entry() {
    each_engine(|db, engine| async move {
        for _ in 0..4 {
            audit::record(&db, &who(), Event::new("test.event", "thing", None))
                .await
                .unwrap();
        }
        match engine {
            Engine::Sqlite => db.raw("DROP TRIGGER audit_event_no_delete").await.unwrap(),
            Engine::Postgres => db
                .raw("DROP TRIGGER audit_event_no_update ON audit_event")
                .await
                .unwrap(),
        }
        db.execute(query("DELETE FROM audit_event WHERE seq = 2"))
            .await
            .unwrap();
        match audit::verify(&db).await.unwrap() {
            Verdict::Broken { seq, problem } => {
                assert_eq!(seq, 2);
                assert!(problem.contains("missing"), "{problem}");
            }
            other => panic!("expected a broken trail, got {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn concurrent_appends_keep_one_unbroken_chain() {
    each_engine(|db, _| async move {
        let mut tasks = Vec::new();
        for i in 0..40 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                audit::record(
                    &db,
                    &who(),
                    Event::new("test.event", "thing", None).summary(format!("{i}")),
                )
                .await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(
            audit::verify(&db).await.unwrap(),
            Verdict::Intact { entries: 40 }
        );
    })
    .await;
}

/// Reads are audited through a group commit: many requests on two instances at once, some
/// of them abandoned half-way (the browser closed), still give one unbroken chain with every
/// answered event in it exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_commit_across_instances_answers_each_event_once() {
    for t in engines().await.expect("test databases") {
        let one = t.open().await.expect("open test database");
        let two = learnloop_store::Db::connect(&t.url)
            .await
            .expect("second instance");
        let mut tasks = Vec::new();
        for i in 0..60 {
            let db = if i % 2 == 0 { one.clone() } else { two.clone() };
            tasks.push(tokio::spawn(async move {
                audit::record(
                    &db,
                    &who(),
                    Event::new("test.read", "thing", None).summary(format!("read {i}")),
                )
                .await
            }));
        }
        // Every fifth request goes away before its answer.
        for (i, task) in tasks.iter().enumerate() {
            if i % 5 == 4 {
                task.abort();
            }
        }
        let mut seqs = Vec::new();
        for task in tasks {
            if let Ok(r) = task.await {
                seqs.push(r.expect("audited"));
            }
        }
        assert!(seqs.len() >= 48, "{} answered", seqs.len());
        let mut unique = seqs.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), seqs.len(), "each answer names its own entry");
        let Verdict::Intact { entries } = audit::verify(&one).await.unwrap() else {
            panic!("the chain is broken");
        };
        // Answered events are all in; an abandoned one may or may not have been written.
        assert!(entries >= seqs.len() as i64 && entries <= 60, "{entries}");
        let written: Vec<(String,)> = one
            .fetch_all(query("SELECT summary FROM audit_event ORDER BY seq"))
            .await
            .unwrap();
        let mut summaries: Vec<String> = written.into_iter().map(|r| r.0).collect();
        let n = summaries.len();
        summaries.sort();
        summaries.dedup();
        assert_eq!(summaries.len(), n, "no event written twice");
        two.close().await;
        one.close().await;
    }
}

fn mail(key: Option<&str>) -> NewMail {
    NewMail {
        kind: "test",
        partnership_id: None,
        natural_key: key.map(str::to_owned),
        to: "someone@example.org".into(),
        subject: "Subject".into(),
        body: "Body".into(),
    }
}

#[tokio::test]
async fn a_mail_with_the_same_natural_key_is_queued_once() {
    each_engine(|db, _| async move {
        let mut tx = db.begin().await.unwrap();
        assert!(
            outbox::enqueue(&mut tx, mail(Some("reminder:a:2026-11-25")))
                .await
                .unwrap()
        );
        assert!(
            !outbox::enqueue(&mut tx, mail(Some("reminder:a:2026-11-25")))
                .await
                .unwrap()
        );
        assert!(outbox::enqueue(&mut tx, mail(None)).await.unwrap());
        assert!(outbox::enqueue(&mut tx, mail(None)).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(outbox::pending(&db).await.unwrap(), 3);
    })
    .await;
}

#[tokio::test]
async fn two_workers_never_claim_the_same_mail() {
    each_engine(|db, _| async move {
        let mut tx = db.begin().await.unwrap();
        for _ in 0..60 {
            outbox::enqueue(&mut tx, mail(None)).await.unwrap();
        }
        tx.commit().await.unwrap();
        let now = Utc::now() + chrono::Duration::seconds(1);
        let (a, b) = tokio::join!(
            async {
                let mut got = Vec::new();
                for _ in 0..10 {
                    got.extend(outbox::claim(&db, "worker-a", now, 5).await.unwrap());
                }
                got
            },
            async {
                let mut got = Vec::new();
                for _ in 0..10 {
                    got.extend(outbox::claim(&db, "worker-b", now, 5).await.unwrap());
                }
                got
            }
        );
        let mut ids: Vec<String> = a.iter().chain(b.iter()).map(|m| m.id.clone()).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "a mail was claimed twice");
        assert_eq!(n, 60);
        // Claimed mail is not handed out again while the claim holds.
        assert!(
            outbox::claim(&db, "worker-c", now, 10)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn sweeping_removes_only_sessions_past_their_limits() {
    each_engine(|db, _| async move {
        use learnloop_store::accounts;
        let mut tx = db.begin().await.unwrap();
        let p = accounts::insert_person(&mut tx, &who(), "a@example.org", "A", "", None)
            .await
            .unwrap();
        let now = Utc::now();
        accounts::create_session(
            &mut tx,
            "fresh",
            &p.id,
            None,
            now + chrono::Duration::hours(12),
            "test",
        )
        .await
        .unwrap();
        accounts::create_session(
            &mut tx,
            "stale",
            &p.id,
            None,
            now + chrono::Duration::hours(12),
            "test",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        accounts::touch_session(&db, "stale", now - chrono::Duration::hours(2))
            .await
            .unwrap();
        let removed = accounts::sweep(
            &db,
            now,
            chrono::Duration::minutes(30),
            chrono::Duration::hours(12),
        )
        .await
        .unwrap();
        assert_eq!(removed, 1);
        assert!(accounts::session(&db, "fresh").await.unwrap().is_some());
        assert!(accounts::session(&db, "stale").await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn a_stored_value_that_does_not_decode_fails_the_read_instead_of_becoming_a_default() {
    each_engine(|db, _| async move {
        let today = Utc::now().date_naive();
        learnloop_store::demo::load_with_history(&db, 1, today, None)
            .await
            .unwrap();
        let (pid, id): (String, String) = db
            .fetch_one(query(
                "SELECT partnership_id, id FROM action ORDER BY id LIMIT 1",
            ))
            .await
            .unwrap();
        assert!(
            learnloop_store::actions::get(&db, &pid, &id)
                .await
                .unwrap()
                .is_some()
        );
        // The message names the column (sqlx 0.9 shows a `try_from` error's own text only as
        // "unprintable", so the status's value is not in it; the date's is).
        for (read_sql, write_sql, bad, named) in [
            (
                "SELECT due_on FROM action WHERE id = ?",
                "UPDATE action SET due_on = ? WHERE id = ?",
                "next week",
                "next week",
            ),
            (
                "SELECT status FROM action WHERE id = ?",
                "UPDATE action SET status = ? WHERE id = ?",
                "nearly-done",
                "column status",
            ),
        ] {
            let (good,): (String,) = db.fetch_one(query(read_sql).bind(&id)).await.unwrap();
            db.execute(query(write_sql).bind(bad).bind(&id))
                .await
                .unwrap();
            let err = learnloop_store::actions::get(&db, &pid, &id)
                .await
                .expect_err("a corrupt row must not read as a default");
            assert!(err.to_string().contains(named), "{write_sql}: {err}");
            db.execute(query(write_sql).bind(&good).bind(&id))
                .await
                .unwrap();
        }
        assert!(
            learnloop_store::actions::get(&db, &pid, &id)
                .await
                .unwrap()
                .is_some()
        );
    })
    .await;
}

/// Migration 0018 moves a review's agency summaries and reports onto returns: each becomes a
/// return on the case, with its answers, its state, and a version naming who submitted it.
/// Here the old table is made again on a database migrated to the end, filled, and the
/// migration's own text run on it, on each engine.
#[tokio::test]
async fn agency_summaries_move_onto_returns_with_their_answers_state_and_submitter() {
    each_engine(|db, engine| async move {
        let today = Utc::now().date_naive();
        learnloop_store::demo::load_with_history(&db, 1, today, None)
            .await
            .unwrap();
        let (pid, review, agency): (String, String, String) = db
            .fetch_one(query(
                "SELECT c.partnership_id, c.id, a.agency_id FROM case_review c \
                 JOIN case_agency a ON a.review_id = c.id ORDER BY c.id, a.agency_id LIMIT 1",
            ))
            .await
            .unwrap();
        let (lead,): (String,) = db
            .fetch_one(query("SELECT id FROM person ORDER BY id LIMIT 1"))
            .await
            .unwrap();
        db.raw(
            "DELETE FROM return_version WHERE return_id IN \
               (SELECT id FROM return_request WHERE source_kind = 'case_review'); \
             DELETE FROM return_request WHERE source_kind = 'case_review'; \
             DELETE FROM question_set WHERE kind = 'case-review'; \
             CREATE TABLE agency_summary (id TEXT PRIMARY KEY, partnership_id TEXT NOT NULL, \
               review_id TEXT NOT NULL, agency_id TEXT NOT NULL, due_on TEXT NOT NULL, \
               requested_at TEXT NOT NULL, chronology TEXT NOT NULL, analysis TEXT NOT NULL, \
               submitted_by TEXT, submitted_at TEXT, kind TEXT NOT NULL DEFAULT 'rapid-review');",
        )
        .await
        .unwrap();
        let submitted = "0b6c8f59-2a4e-4f1e-9a55-0d5c1f1c0001";
        let asked = "0b6c8f59-2a4e-4f1e-9a55-0d5c1f1c0002";
        for (id, kind, chron, by, at) in [
            (
                submitted,
                "rapid-review",
                "3 Oct: a call to the home",
                Some("Pat Lead <lead@example>"),
                Some("2026-11-10T09:00:00.000000Z"),
            ),
            (asked, "review", "", None, None),
        ] {
            db.execute(
                query(
                    "INSERT INTO agency_summary (id, partnership_id, review_id, agency_id, due_on, \
                     requested_at, chronology, analysis, submitted_by, submitted_at, kind) \
                     VALUES (?, ?, ?, ?, '2026-11-20', '2026-11-01T09:00:00.000000Z', ?, ?, ?, ?, ?)",
                )
                .bind(id)
                .bind(&pid)
                .bind(&review)
                .bind(&agency)
                .bind(chron)
                .bind(if by.is_some() { "Not linked \"quoted\"" } else { "" })
                .bind(by)
                .bind(at)
                .bind(kind),
            )
            .await
            .unwrap();
        }
        let mut tx = db.begin().await.unwrap();
        audit::append(
            &mut tx,
            &Who {
                person_id: Some(lead.clone()),
                label: "Pat Lead <lead@example>".to_owned(),
                partnership_id: Some(pid.clone()),
                request_id: None,
            },
            Event::new("case.summary.submit", "case_review", Some(&review)),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        db.raw(match engine {
            Engine::Sqlite => include_str!("../migrations/sqlite/0018_agency_summaries_as_returns.sql"),
            Engine::Postgres => {
                include_str!("../migrations/postgres/0018_agency_summaries_as_returns.sql")
            }
        })
        .await
        .unwrap();
        let moved = learnloop_store::returns::line(&db, &pid, submitted)
            .await
            .unwrap()
            .expect("the submitted summary is a return");
        assert_eq!(moved.ret.state.slug(), "submitted");
        assert_eq!(
            moved.ret.answers.0,
            vec!["3 Oct: a call to the home", "Not linked \"quoted\""]
        );
        assert_eq!(moved.subject, "Agency summary for a rapid review");
        assert!(moved.source_title.starts_with("Case "));
        let versions = learnloop_store::returns::versions(&db, &pid, submitted)
            .await
            .unwrap();
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].submitted_by, lead, "the trail's person, not a label");
        let waiting = learnloop_store::returns::line(&db, &pid, asked)
            .await
            .unwrap()
            .expect("the report asked for is a return");
        assert_eq!(waiting.ret.state.slug(), "requested");
        assert_eq!(waiting.subject, "Agency report and chronology for a review");
        let qs = learnloop_store::returns::question_set(&db, &pid, &waiting.ret.question_set_id)
            .await
            .unwrap();
        assert_eq!(qs.lines.0.len(), 2);
        assert!(qs.scale.0.is_empty());
        assert!(
            db.fetch_one::<(i64,)>(query("SELECT COUNT(*) FROM agency_summary"))
                .await
                .is_err(),
            "the old table is gone"
        );
    })
    .await;
}

/// Makes the database take entries of the first version, as it did before version 2.
async fn old_version(db: &Db, engine: Engine) {
    match engine {
        Engine::Sqlite => db.raw("DROP TRIGGER audit_event_v2_only").await.unwrap(),
        Engine::Postgres => db
            .raw("ALTER TABLE audit_event DROP CONSTRAINT audit_event_v2_only")
            .await
            .unwrap(),
    }
}

/// A trail of the first version (content inline in the chain) moves to version 2 once, whole:
/// the content goes beside the chain, the old hashes are kept for an older anchor, and the
/// trail is append-only again afterwards. A broken old trail is never moved.
#[tokio::test]
async fn a_first_version_trail_moves_to_version_two_once_and_whole() {
    each_engine(|db, engine| async move {
        old_version(&db, engine).await;
        let mut prev = "0".repeat(64);
        let mut old_hashes = Vec::new();
        for seq in 1..=3_i64 {
            let mut row = audit::AuditRow {
                seq,
                at: format!("2025-01-0{seq}T09:00:00.000000Z"),
                actor_id: None,
                actor_label: "old version".to_owned(),
                partnership_id: None,
                action: "test.event".to_owned(),
                target_kind: "thing".to_owned(),
                target_id: Some(format!("thing-{seq}")),
                summary: format!("entry {seq}"),
                before_json: None,
                after_json: (seq == 2).then(|| r#"{"name":"Amelia"}"#.to_owned()),
                request_id: None,
                prev_hash: prev.clone(),
                hash: String::new(),
                content_hash: None,
                erased_at: None,
                erasure_id: None,
            };
            row.hash = audit::digest_v1(&row);
            db.execute(
                query(
                    "INSERT INTO audit_event (seq, at, actor_id, actor_label, partnership_id, action, target_kind, \
                     target_id, summary, before_json, after_json, request_id, prev_hash, hash) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(row.seq)
                .bind(&row.at)
                .bind(&row.actor_id)
                .bind(&row.actor_label)
                .bind(&row.partnership_id)
                .bind(&row.action)
                .bind(&row.target_kind)
                .bind(&row.target_id)
                .bind(&row.summary)
                .bind(&row.before_json)
                .bind(&row.after_json)
                .bind(&row.request_id)
                .bind(&row.prev_hash)
                .bind(&row.hash),
            )
            .await
            .unwrap();
            prev = row.hash.clone();
            old_hashes.push(row.hash);
        }
        assert_eq!(audit::upgrade(&db).await.unwrap(), 3);
        assert_eq!(audit::verify(&db).await.unwrap(), Verdict::Intact { entries: 3 });
        let (inline,): (i64,) = db
            .fetch_one(query(
                "SELECT COUNT(*) FROM audit_event WHERE before_json IS NOT NULL OR after_json IS NOT NULL",
            ))
            .await
            .unwrap();
        assert_eq!(inline, 0, "the content left the chain");
        let (content,): (String,) = db
            .fetch_one(query("SELECT after_json FROM audit_content WHERE seq = 2"))
            .await
            .unwrap();
        assert!(content.contains("Amelia"));
        let (v1,): (String,) = db
            .fetch_one(query("SELECT hash_v1 FROM audit_event WHERE seq = 3"))
            .await
            .unwrap();
        assert_eq!(v1, old_hashes[2], "an anchor signed before still matches");
        // Append-only again, and moved only once.
        assert!(
            db.execute(query("UPDATE audit_event SET summary = 'x' WHERE seq = 1"))
                .await
                .is_err()
        );
        assert_eq!(audit::upgrade(&db).await.unwrap(), 0);
        audit::record(&db, &who(), Event::new("test.event", "thing", None))
            .await
            .unwrap();
        assert_eq!(audit::verify(&db).await.unwrap(), Verdict::Intact { entries: 4 });
    })
    .await;

    // A broken old trail is refused, and left as it was.
    each_engine(|db, engine| async move {
        old_version(&db, engine).await;
        db.execute(
            query(
                "INSERT INTO audit_event (seq, at, actor_label, action, target_kind, summary, prev_hash, hash) \
                 VALUES (1, '2025-01-01T09:00:00.000000Z', 'old', 'test.event', 'thing', 'x', ?, 'not-a-hash')",
            )
            .bind("0".repeat(64)),
        )
        .await
        .unwrap();
        let refused = audit::upgrade(&db).await.unwrap_err().to_string();
        assert!(refused.contains("broken at entry 1"), "{refused}");
        let (h,): (String,) = db
            .fetch_one(query("SELECT hash FROM audit_event WHERE seq = 1"))
            .await
            .unwrap();
        assert_eq!(h, "not-a-hash");
    })
    .await;
}

/// Erasing an entry's content under a retention decision leaves the trail verifying; altering
/// or removing content that was not erased, or marking it erased without an erasure, is
/// refused by the database and, with its guard removed, found.
#[tokio::test]
async fn erased_content_leaves_the_trail_whole_and_other_changes_are_still_found() {
    each_engine(|db, engine| async move {
        for i in 0..3 {
            audit::record(
                &db,
                &who(),
                Event::new("test.event", "thing", Some(&format!("thing-{i}")))
                    .after(&serde_json::json!({ "name": format!("Child {i}") })),
            )
            .await
            .unwrap();
        }
        let mut tx = db.begin().await.unwrap();
        let seqs = audit::entries_about(&mut tx, "", &["thing-1".to_owned()])
            .await
            .unwrap();
        assert!(seqs.is_empty(), "another partnership's entries are never taken");
        drop(tx);
        let mut tx2 = db.begin().await.unwrap();
        let seqs: Vec<i64> = vec![2];
        assert_eq!(audit::erase_content(&mut tx2, &seqs, "erasure-1").await.unwrap(), 1);
        audit::append(
            &mut tx2,
            &who(),
            Event::new("retention.erase", "tombstone", Some("erasure-1")).summary("Erased"),
        )
        .await
        .unwrap();
        tx2.commit().await.unwrap();
        assert_eq!(audit::verify(&db).await.unwrap(), Verdict::Intact { entries: 4 });
        assert_eq!(audit::erased(&db).await.unwrap(), 1);
        let (gone,): (Option<String>,) = db
            .fetch_one(query("SELECT after_json FROM audit_content WHERE seq = 2"))
            .await
            .unwrap();
        assert_eq!(gone, None);

        // The database refuses anything but erasure.
        for sql in [
            "UPDATE audit_content SET after_json = '{}' WHERE seq = 3",
            "UPDATE audit_content SET erased_at = 'x', erasure_id = 'erasure-1' WHERE seq = 3",
            "DELETE FROM audit_content WHERE seq = 1",
        ] {
            assert!(db.raw(sql).await.is_err(), "{engine:?} let this through: {sql}");
        }
        // With the guard removed, verify finds each.
        match engine {
            Engine::Sqlite => {
                db.raw("DROP TRIGGER audit_content_erase_only").await.unwrap();
                db.raw("DROP TRIGGER audit_content_no_delete").await.unwrap();
            }
            Engine::Postgres => db
                .raw("DROP TRIGGER audit_content_erase_only ON audit_content")
                .await
                .unwrap(),
        }
        db.raw("UPDATE audit_content SET after_json = NULL, erased_at = 'x', erasure_id = 'forged' WHERE seq = 3")
            .await
            .unwrap();
        match audit::verify(&db).await.unwrap() {
            Verdict::Broken { seq, problem } => {
                assert_eq!(seq, 3);
                assert!(problem.contains("no erasure"), "{problem}");
            }
            other => panic!("expected a broken trail, got {other:?}"),
        }
        db.raw("UPDATE audit_content SET after_json = '{}', erased_at = NULL, erasure_id = NULL WHERE seq = 3")
            .await
            .unwrap();
        match audit::verify(&db).await.unwrap() {
            Verdict::Broken { seq, problem } => {
                assert_eq!(seq, 3);
                assert!(problem.contains("content"), "{problem}");
            }
            other => panic!("expected a broken trail, got {other:?}"),
        }
        db.raw("DELETE FROM audit_content WHERE seq = 1").await.unwrap();
        match audit::verify(&db).await.unwrap() {
            Verdict::Broken { seq, .. } => assert_eq!(seq, 1),
            other => panic!("expected a broken trail, got {other:?}"),
        }
    })
    .await;
}
