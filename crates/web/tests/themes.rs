//! Themes through real HTTP on every engine: the seeded national list, the business team's
//! changes (add, rename, retire, restore, merge), and who is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, TestApp, each_app};
use learnloop_domain::accounts::Role;
use learnloop_domain::themes::NATIONAL;
use learnloop_store::audit::Who;
use learnloop_store::{Db, demo, governance, query, themes};

async fn demo_pid(db: &Db) -> String {
    governance::partnership_by_slug(db, demo::SLUG)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn theme_id(db: &Db, pid: &str, name: &str) -> String {
    let (id,): (String,) = db
        .fetch_one(
            query("SELECT id FROM theme WHERE partnership_id = ? AND name = ?")
                .bind(pid)
                .bind(name),
        )
        .await
        .unwrap();
    id
}

async fn business_team(app: &TestApp) -> Client {
    let c = Client::new(&app.base);
    c.sign_in_as(Role::BusinessTeam).await;
    c
}

#[tokio::test]
async fn the_demo_partnership_starts_with_the_national_themes() {
    each_app(|app| async move {
        let pid = demo_pid(&app.db).await;
        let active = themes::active(&app.db, &pid).await.unwrap();
        assert_eq!(active.len(), NATIONAL.len());
        let c = business_team(&app).await;
        let page = c.get("/themes").await;
        assert_eq!(page.status, 200);
        assert!(page.contains("19 themes"));
        for (name, _) in NATIONAL {
            let shown = name.replace('"', "&#34;");
            assert!(page.contains(&shown), "{name} is not listed");
        }
        assert!(page.contains("Whether agencies told each other what they knew"));
        assert!(page.contains("href=\"/themes/new\""));
        // The seeding is in the audit trail.
        assert!(
            c.get("/audit?action=theme.seed")
                .await
                .contains("Added 19 themes from the national list")
        );
    })
    .await;
}

#[tokio::test]
async fn business_team_adds_renames_retires_and_restores_a_theme() {
    each_app(|app| async move {
        let pid = demo_pid(&app.db).await;
        let c = business_team(&app).await;
        assert_eq!(c.get("/themes/new").await.status, 200);
        let r = c
            .post(
                "/themes/new",
                &[
                    ("name", "  Private fostering "),
                    (
                        "description",
                        "Children cared for by someone who is not a close relative.",
                    ),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location.as_deref(), Some("/themes"));
        let list = c.get("/themes").await;
        assert!(list.contains("Theme added"));
        assert!(list.contains("Private fostering"));
        assert!(list.contains("20 themes"));

        let id = theme_id(&app.db, &pid, "Private fostering").await;
        let edit = c.get(&format!("/themes/{id}/edit")).await;
        assert_eq!(edit.status, 200);
        assert!(edit.contains("value=\"Private fostering\""));
        let r = c
            .post(
                &format!("/themes/{id}/edit"),
                &[
                    ("name", "Private fostering arrangements"),
                    (
                        "description",
                        "Arrangements made privately, without the local authority.",
                    ),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let list = c.get("/themes").await;
        assert!(list.contains("Theme saved"));
        assert!(list.contains("Private fostering arrangements"));
        assert!(list.contains("Arrangements made privately"));

        let r = c.post(&format!("/themes/{id}/retire"), &[]).await;
        assert_eq!(r.status, 303);
        let list = c.get("/themes").await;
        assert!(list.contains("Theme retired"));
        assert!(list.contains("Retired"));
        let t = themes::get(&app.db, &pid, &id).await.unwrap().unwrap();
        assert_eq!(t.status, "retired");
        assert!(
            !themes::active(&app.db, &pid)
                .await
                .unwrap()
                .iter()
                .any(|a| a.id == id),
            "a retired theme is not offered"
        );
        // The edit page now offers to restore it; retiring twice changes nothing.
        assert!(
            c.get(&format!("/themes/{id}/edit"))
                .await
                .contains("Restore theme")
        );
        assert_eq!(
            c.post(&format!("/themes/{id}/retire"), &[]).await.status,
            409
        );

        let r = c.post(&format!("/themes/{id}/restore"), &[]).await;
        assert_eq!(r.status, 303);
        assert!(c.get("/themes").await.contains("Theme restored"));
        let t = themes::get(&app.db, &pid, &id).await.unwrap().unwrap();
        assert_eq!(t.status, "active");

        let audit = c.get("/audit").await;
        assert!(audit.contains("Added theme Private fostering"));
        assert!(
            audit.contains("Renamed theme Private fostering to Private fostering arrangements")
        );
        assert!(audit.contains("Retired theme Private fostering arrangements"));
        assert!(audit.contains("Restored theme Private fostering arrangements"));
    })
    .await;
}

#[tokio::test]
async fn a_duplicate_or_empty_theme_name_is_explained_and_what_was_typed_kept() {
    each_app(|app| async move {
        let pid = demo_pid(&app.db).await;
        let c = business_team(&app).await;
        let r = c
            .post(
                "/themes/new",
                &[("name", "neglect"), ("description", "Again")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.contains("There is a problem"));
        assert!(r.contains("href=\"#name\""));
        assert!(r.contains("There is already a theme called neglect"));
        assert!(r.contains("value=\"neglect\""));
        assert!(r.contains(">Again</textarea>"));
        assert!(r.contains("<title>Error: Add a theme"));

        let r = c
            .post("/themes/new", &[("name", "   "), ("description", "")])
            .await;
        assert_eq!(r.status, 422);
        assert!(r.contains("Enter the theme name"));

        // Renaming onto another theme's name is refused the same way.
        let id = theme_id(&app.db, &pid, "Neglect").await;
        let r = c
            .post(
                &format!("/themes/{id}/edit"),
                &[("name", "DOMESTIC ABUSE"), ("description", "")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.contains("There is already a theme called DOMESTIC ABUSE"));
        assert!(r.contains("value=\"DOMESTIC ABUSE\""));
        let t = themes::get(&app.db, &pid, &id).await.unwrap().unwrap();
        assert_eq!(t.name, "Neglect");
    })
    .await;
}

#[tokio::test]
async fn merging_moves_every_tagged_record_to_the_survivor_once() {
    each_app(|app| async move {
        let pid = demo_pid(&app.db).await;
        let c = business_team(&app).await;
        let r = c
            .post(
                "/themes/new",
                &[("name", "Home conditions"), ("description", "")],
            )
            .await;
        assert_eq!(r.status, 303);
        let from = theme_id(&app.db, &pid, "Home conditions").await;
        let into = theme_id(&app.db, &pid, "Neglect").await;
        // Two records: one tagged with both themes, one with the theme being merged only.
        let both = learnloop_store::new_id();
        let only = learnloop_store::new_id();
        let mut tx = app.db.begin().await.unwrap();
        themes::tag(&mut tx, &pid, &from, "review", &both)
            .await
            .unwrap();
        themes::tag(&mut tx, &pid, &into, "review", &both)
            .await
            .unwrap();
        themes::tag(&mut tx, &pid, &from, "review", &only)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let page = c.get(&format!("/themes/{from}/merge")).await;
        assert_eq!(page.status, 200);
        assert!(page.contains("Home conditions is on 2 records"));
        assert!(
            page.contains("everything tagged with it is tagged with the theme you choose instead")
        );
        // The survivor is chosen from the other active themes.
        assert!(page.contains(&format!("value=\"{into}\"")));
        assert!(!page.contains(&format!("value=\"{from}\"")));

        let r = c
            .post(&format!("/themes/{from}/merge"), &[("into", into.as_str())])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location.as_deref(), Some("/themes"));

        for record in [&both, &only] {
            let on = themes::themes_of(&app.db, &pid, "review", record)
                .await
                .unwrap();
            let names: Vec<&str> = on.iter().map(|t| t.name.as_str()).collect();
            assert_eq!(names, ["Neglect"], "record {record}");
        }
        assert_eq!(themes::tagged_count(&app.db, &pid, &into).await.unwrap(), 2);
        assert_eq!(themes::tagged_count(&app.db, &pid, &from).await.unwrap(), 0);
        let merged = themes::get(&app.db, &pid, &from).await.unwrap().unwrap();
        assert_eq!(merged.status, "merged");
        assert_eq!(merged.merged_into_id.as_deref(), Some(into.as_str()));

        let list = c.get("/themes").await;
        assert!(list.contains("Themes merged"));
        assert!(list.contains("Merged</strong>"));
        assert!(list.contains("into Neglect"));
        assert!(
            c.get("/audit")
                .await
                .contains("Merged theme Home conditions into Neglect")
        );

        // A merged theme is final: its pages say where it went, and it cannot tag again.
        let edit = c.get(&format!("/themes/{from}/edit")).await;
        assert!(edit.contains("Home conditions has been merged into Neglect"));
        let again = c
            .post(&format!("/themes/{from}/merge"), &[("into", into.as_str())])
            .await;
        assert_eq!(again.status, 409);
        assert_eq!(
            c.post(&format!("/themes/{from}/restore"), &[]).await.status,
            409
        );
        let mut tx = app.db.begin().await.unwrap();
        assert!(
            themes::tag(&mut tx, &pid, &from, "review", &learnloop_store::new_id())
                .await
                .is_err()
        );
        drop(tx);
    })
    .await;
}

#[tokio::test]
async fn a_theme_cannot_merge_into_itself_a_retired_theme_or_nothing() {
    each_app(|app| async move {
        let pid = demo_pid(&app.db).await;
        let c = business_team(&app).await;
        let from = theme_id(&app.db, &pid, "Neglect").await;
        let retired = theme_id(&app.db, &pid, "Culture and identity").await;
        assert_eq!(
            c.post(&format!("/themes/{retired}/retire"), &[])
                .await
                .status,
            303
        );
        let path = format!("/themes/{from}/merge");

        let r = c.post(&path, &[("into", "")]).await;
        assert_eq!(r.status, 422);
        assert!(r.contains("Choose the theme to merge into"));
        assert!(r.contains("href=\"#into\""));

        let r = c.post(&path, &[("into", from.as_str())]).await;
        assert_eq!(r.status, 422);
        assert!(r.contains("a theme cannot be merged into itself"));

        let r = c.post(&path, &[("into", retired.as_str())]).await;
        assert_eq!(r.status, 422);
        assert!(r.contains("a retired theme cannot take in another"));
        // The retired theme is not even offered.
        assert!(!r.contains(&format!("value=\"{retired}\"")));

        let t = themes::get(&app.db, &pid, &from).await.unwrap().unwrap();
        assert_eq!(t.status, "active");
    })
    .await;
}

#[tokio::test]
async fn a_practitioner_sees_the_themes_but_cannot_change_them() {
    each_app(|app| async move {
        let pid = demo_pid(&app.db).await;
        let id = theme_id(&app.db, &pid, "Neglect").await;
        let other = theme_id(&app.db, &pid, "Domestic abuse").await;
        let c = Client::new(&app.base);
        c.sign_in_as(Role::Practitioner).await;
        let list = c.get("/themes").await;
        assert_eq!(list.status, 200);
        assert!(list.contains("Neglect"));
        assert!(
            list.contains("href=\"/themes\""),
            "Themes is in the navigation"
        );
        assert!(!list.contains("href=\"/themes/new\""));
        assert!(!list.contains("/edit\""));

        for path in [
            "/themes/new".to_owned(),
            format!("/themes/{id}/edit"),
            format!("/themes/{id}/merge"),
        ] {
            assert_eq!(c.get(&path).await.status, 403, "GET {path}");
        }
        let posts: [(String, Vec<(&str, &str)>); 5] = [
            ("/themes/new".to_owned(), vec![("name", "Sneaky theme")]),
            (
                format!("/themes/{id}/edit"),
                vec![("name", "Sneaky rename")],
            ),
            (format!("/themes/{id}/retire"), vec![]),
            (format!("/themes/{id}/restore"), vec![]),
            (
                format!("/themes/{id}/merge"),
                vec![("into", other.as_str())],
            ),
        ];
        for (path, form) in &posts {
            let r = c.post(path, form).await;
            assert_eq!(r.status, 403, "POST {path}");
            assert!(r.contains("You do not have permission to see this page"));
        }
        let t = themes::get(&app.db, &pid, &id).await.unwrap().unwrap();
        assert_eq!((t.name.as_str(), t.status.as_str()), ("Neglect", "active"));
        let (n,): (i64,) = app
            .db
            .fetch_one(query(
                "SELECT COUNT(*) FROM theme WHERE name LIKE 'Sneaky%'",
            ))
            .await
            .unwrap();
        assert_eq!(n, 0);
    })
    .await;
}

#[tokio::test]
async fn the_system_administrator_cannot_see_the_themes() {
    each_app(|app| async move {
        let c = Client::new(&app.base);
        c.sign_in_as(Role::SystemAdmin).await;
        assert_eq!(c.get("/themes").await.status, 403);
        assert!(!c.get("/home").await.contains("href=\"/themes\""));
        // Every other role sees them.
        for role in Role::ALL.into_iter().filter(|r| *r != Role::SystemAdmin) {
            let c = Client::new(&app.base);
            c.sign_in_as(role).await;
            assert_eq!(c.get("/themes").await.status, 200, "{role:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn another_partnerships_theme_is_not_found() {
    each_app(|app| async move {
        let who = Who::system("test");
        let mut tx = app.db.begin().await.unwrap();
        let other =
            governance::create_partnership(&mut tx, &who, "elsewhere", "Elsewhere Partnership")
                .await
                .unwrap();
        tx.commit().await.unwrap();
        // A new partnership is seeded with the national list too.
        let theirs = themes::active(&app.db, &other.id).await.unwrap();
        assert_eq!(theirs.len(), NATIONAL.len());
        let foreign = theirs[0].id.clone();

        let pid = demo_pid(&app.db).await;
        let mine = theme_id(&app.db, &pid, "Neglect").await;
        let c = business_team(&app).await;
        for path in [
            format!("/themes/{foreign}/edit"),
            format!("/themes/{foreign}/merge"),
        ] {
            let r = c.get(&path).await;
            assert_eq!(r.status, 404, "GET {path}");
            assert!(r.contains("Page not found"));
        }
        for path in [
            format!("/themes/{foreign}/edit"),
            format!("/themes/{foreign}/retire"),
            format!("/themes/{foreign}/restore"),
            format!("/themes/{foreign}/merge"),
        ] {
            let r = c
                .post(&path, &[("name", "Taken over"), ("into", mine.as_str())])
                .await;
            assert_eq!(r.status, 404, "POST {path}");
        }
        // Nor can one of ours be merged into theirs.
        let r = c
            .post(
                &format!("/themes/{mine}/merge"),
                &[("into", foreign.as_str())],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.contains("Choose the theme to merge into"));
        assert_eq!(c.get("/themes/not-an-id/edit").await.status, 404);
        assert_eq!(
            c.get("/themes/0190c1f0-0000-7000-8000-000000000000/merge")
                .await
                .status,
            404
        );
        // Tagging with another partnership's theme is refused by the store too.
        let mut tx = app.db.begin().await.unwrap();
        let r = themes::tag(
            &mut tx,
            &pid,
            &foreign,
            "review",
            &learnloop_store::new_id(),
        )
        .await;
        assert!(matches!(r, Err(learnloop_store::StoreError::NotFound)));
        drop(tx);
        // Their themes are untouched.
        let still = themes::get(&app.db, &other.id, &foreign)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(still.status, "active");
        assert_ne!(still.name, "Taken over");
    })
    .await;
}
