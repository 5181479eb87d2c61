//! Each instance's copy of the sessions it has seen, on every engine: once copied, a request
//! asks the database nothing about who is signed in; and whatever changes a copy — a role
//! given, a sign-out, a person switched off, a write by another process — is seen by the next
//! request on every instance.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::Utc;
use learnloop_domain::accounts::Role;
use learnloop_store::accounts::SessionContext;
use learnloop_store::audit::Who;
use learnloop_store::testing::engines;
use learnloop_store::{Db, accounts, governance, timing};

fn who() -> Who {
    Who::system("sessions test")
}

/// Who a session belongs to as a request would read it, with the statements it took.
async fn read(db: &Db, hash: &str) -> (Option<SessionContext>, u32) {
    let (r, n, _) = timing::measure(accounts::session_context(db, hash)).await;
    (r.unwrap(), n)
}

/// Reads until the instance uses its copy (no statement), as it does once its listener hears.
async fn until_copied(db: &Db, hash: &str) {
    for _ in 0..200 {
        if read(db, hash).await.1 == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the instance never used its copy of the session");
}

/// Reads until `seen` holds; false if it has not within three seconds.
async fn until(db: &Db, hash: &str, seen: impl Fn(&Option<SessionContext>) -> bool) -> bool {
    for _ in 0..60 {
        if seen(&read(db, hash).await.0) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

fn roles(c: &Option<SessionContext>) -> Vec<String> {
    c.as_ref()
        .map(|c| {
            c.memberships
                .iter()
                .map(|m| m.membership.role.clone())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn what_changes_a_session_through_any_instance_or_process_reaches_every_copy() {
    for t in engines().await.expect("test databases") {
        let here = t.open().await.unwrap();
        let there = Db::connect(&t.url).await.unwrap();
        here.watch_sessions();
        there.watch_sessions();
        let mut tx = here.begin().await.unwrap();
        let p = governance::create_partnership(&mut tx, &who(), "north", "North")
            .await
            .unwrap();
        let person = accounts::insert_person(&mut tx, &who(), "lead@example.org", "Lead", "", None)
            .await
            .unwrap();
        accounts::grant(
            &mut tx,
            &who(),
            &person.id,
            &p.id,
            Role::Practitioner,
            None,
            None,
        )
        .await
        .unwrap();
        let expires = Utc::now() + chrono::Duration::hours(8);
        for hash in ["one", "two"] {
            accounts::create_session(&mut tx, hash, &person.id, Some(&p.id), expires, "test")
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();

        // Copied on both instances: the next requests ask the database nothing.
        until_copied(&here, "one").await;
        until_copied(&there, "one").await;
        assert_eq!(roles(&read(&there, "one").await.0), ["practitioner"]);

        // Marking the session as used keeps the copy on the instance that marked it.
        accounts::touch_session(&here, "one", Utc::now())
            .await
            .unwrap();
        let (touched, _) = read(&here, "one").await;
        assert!(
            touched.is_some(),
            "still signed in after being marked as used"
        );

        // A role given through one instance: the other's next request sees it.
        let mut tx = here.begin().await.unwrap();
        accounts::grant(
            &mut tx,
            &who(),
            &person.id,
            &p.id,
            Role::Auditor,
            None,
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let both = |c: &Option<SessionContext>| roles(c).len() == 2;
        assert!(
            both(&read(&here, "one").await.0),
            "{:?}: at once where it was given",
            t.engine
        );
        assert!(
            until(&there, "one", both).await,
            "{:?}: the other instance kept the old roles",
            t.engine
        );

        // A sign-out through one instance ends the session on the other.
        until_copied(&there, "two").await;
        accounts::delete_session(&here, "two").await.unwrap();
        assert!(
            until(&there, "two", Option::is_none).await,
            "{:?}: signed out only on one",
            t.engine
        );

        // A change by another process, straight to the database (`learnloop user` beside the
        // server): every serving instance sees it.
        until_copied(&there, "one").await;
        until_copied(&here, "one").await;
        let elsewhere = Db::connect(&t.url).await.unwrap();
        elsewhere
            .raw(&format!(
                "UPDATE person SET active = FALSE WHERE id = '{}'",
                person.id
            ))
            .await
            .unwrap();
        let off = |c: &Option<SessionContext>| c.as_ref().is_some_and(|c| !c.person.active);
        assert!(
            until(&there, "one", off).await,
            "{:?}: another process's change unseen",
            t.engine
        );
        assert!(
            until(&here, "one", off).await,
            "{:?}: another process's change unseen",
            t.engine
        );
        elsewhere.close().await;
        here.close().await;
        there.close().await;
    }
}

/// A read as a page would make it (of sign-in failures, a table no other copy depends on),
/// with the statements it took.
async fn subjects(db: &Db) -> (Vec<String>, u32) {
    let (r, n, _) = timing::measure(
        db.fetch_all::<(String,)>(
            learnloop_store::query(
                "SELECT key FROM login_throttle WHERE failures = ? ORDER BY key",
            )
            .bind(1_i64),
        ),
    )
    .await;
    (r.unwrap().into_iter().map(|(s,)| s).collect(), n)
}

/// Reads until `seen` holds; false if it has not within three seconds.
async fn until_subjects(db: &Db, seen: impl Fn(&[String]) -> bool) -> bool {
    for _ in 0..60 {
        if seen(&subjects(db).await.0) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Reads until the answer comes from the copy (no statement).
async fn until_read_copied(db: &Db) -> bool {
    for _ in 0..200 {
        if subjects(db).await.1 == 0 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

fn failure(key: &str) -> learnloop_store::Query {
    learnloop_store::query(
        "INSERT INTO login_throttle (key, failures, first_failure_at) VALUES (?, 1, '2026-01-01')",
    )
    .bind(key)
}

#[tokio::test]
async fn a_copied_read_is_used_until_a_table_it_names_changes_anywhere() {
    for t in engines().await.expect("test databases") {
        let here = t.open().await.unwrap();
        let there = Db::connect(&t.url).await.unwrap();
        here.watch_sessions();
        there.watch_sessions();
        here.execute(failure("First")).await.unwrap();

        // Read once, then answered from the copy: no statement.
        assert!(
            until_read_copied(&there).await,
            "{:?}: never copied",
            t.engine
        );
        assert_eq!(subjects(&there).await.0, ["First"]);

        // A write through one instance: its own next read has it at once, the other's soon.
        assert!(until_read_copied(&here).await);
        let mut tx = here.begin().await.unwrap();
        tx.execute(failure("Second")).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            subjects(&here).await.0,
            ["First", "Second"],
            "{:?}: at once where it was written",
            t.engine
        );
        assert!(
            until_subjects(&there, |s| s.len() == 2).await,
            "{:?}: the other instance kept the old answer",
            t.engine
        );

        // A change by another process straight to the database reaches both.
        assert!(until_read_copied(&here).await);
        assert!(until_read_copied(&there).await);
        let elsewhere = Db::connect(&t.url).await.unwrap();
        elsewhere
            .raw("UPDATE login_throttle SET key = 'Third' WHERE key = 'First'")
            .await
            .unwrap();
        for db in [&here, &there] {
            assert!(
                until_subjects(db, |s| s.contains(&"Third".to_owned())).await,
                "{:?}: another process's change unseen",
                t.engine
            );
        }

        if t.engine == learnloop_store::Engine::Postgres {
            // A change to a table the statement does not name keeps the copy.
            assert!(until_read_copied(&there).await);
            elsewhere
                .raw("UPDATE agency SET name = name WHERE partnership_id = 'none'")
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert_eq!(
                subjects(&there).await.1,
                0,
                "kept past another table's change"
            );

            // Every table tells the instances when it changes (migration 0043; a table added
            // later needs the same trigger), but the four whose reads are never copied.
            let missing: Vec<(String,)> = here
                .fetch_all(learnloop_store::query(
                    "SELECT tablename::TEXT FROM pg_tables t WHERE schemaname = current_schema() \
                     AND tablename NOT LIKE '\\_sqlx%' \
                     AND tablename NOT IN ('audit_event', 'audit_content', 'session', 'outbox') \
                     AND NOT EXISTS (SELECT 1 FROM pg_trigger \
                     WHERE tgrelid = format('%I', t.tablename)::regclass \
                     AND tgname = t.tablename || '_reads_changed')",
                ))
                .await
                .unwrap();
            assert!(
                missing.is_empty(),
                "tables without the trigger: {missing:?}"
            );
        }
        elsewhere.close().await;
        here.close().await;
        there.close().await;
    }
}
