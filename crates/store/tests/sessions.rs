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
