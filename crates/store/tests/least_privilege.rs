//! On PostgreSQL the application can run as a role that owns nothing (the grants in
//! `postgres-app-role.sql`, the same text the README tells operators to run): it does its work
//! and appends to the audit trail, but cannot delete, change, truncate or drop the trail, nor
//! drop or disable its append-only triggers, nor switch triggers off for its session.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use learnloop_store::audit::{self, Event, Who};
use learnloop_store::testing::postgres;
use learnloop_store::{Db, demo, query};

const GRANTS: &str = include_str!("../postgres-app-role.sql");

#[tokio::test]
async fn the_application_role_works_but_cannot_touch_the_audit_trail() {
    let Some(t) = postgres().await.unwrap() else {
        return;
    };
    let owner = t.open().await.unwrap();
    let role = format!("ll_app_{}", uuid::Uuid::now_v7().simple());
    owner
        .raw(&format!("CREATE ROLE {role} LOGIN PASSWORD 'app-password'"))
        .await
        .unwrap();
    owner
        .raw(&GRANTS.replace("learnloop_app", &role))
        .await
        .unwrap();

    let (base, name) = t.url.rsplit_once('/').unwrap();
    let host = base.rsplit_once('@').map(|(_, h)| h).unwrap();
    let app_url = format!("postgres://{role}:app-password@{host}/{name}");
    let app = Db::connect(&app_url).await.unwrap();
    // Starting up (an up-to-date schema) and the ordinary work both succeed.
    app.migrate().await.unwrap();
    assert!(demo::load(&app).await.unwrap());
    audit::record(
        &app,
        &Who::system("test"),
        Event::new("test.append", "test", None),
    )
    .await
    .unwrap();
    let (n,): (i64,) = app
        .fetch_one(query("SELECT COUNT(*) FROM audit_event"))
        .await
        .unwrap();
    assert!(n > 1);

    // Everything that would let it rewrite history is refused.
    for sql in [
        "DELETE FROM audit_event WHERE seq = (SELECT MAX(seq) FROM audit_event)",
        "UPDATE audit_event SET actor_label = 'someone else' WHERE seq = 1",
        "TRUNCATE audit_event",
        "DELETE FROM audit_content",
        "TRUNCATE audit_content",
        "DROP TRIGGER audit_event_no_update ON audit_event",
        "ALTER TABLE audit_event DISABLE TRIGGER ALL",
        "DROP TABLE audit_event",
        "SET session_replication_role = replica",
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) VALUES (999999, 'x', now(), TRUE, '\\x00', 0)",
        "CREATE TABLE sneaky (x INT)",
    ] {
        let r = app.raw(sql).await;
        assert!(r.is_err(), "the application role could run: {sql}");
    }
    let (after,): (i64,) = app
        .fetch_one(query("SELECT COUNT(*) FROM audit_event"))
        .await
        .unwrap();
    assert_eq!(after, n);
    app.close().await;
    owner.raw(&format!("DROP OWNED BY {role}")).await.unwrap();
    owner.close().await;
    let admin = Db::connect(&std::env::var("LEARNLOOP_TEST_PG").unwrap())
        .await
        .unwrap();
    admin
        .raw(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
    admin.raw(&format!("DROP ROLE {role}")).await.unwrap();
    admin.close().await;
}
