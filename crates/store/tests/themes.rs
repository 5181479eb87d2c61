//! The themes store on every engine: seeding, tagging and the merge that moves taggings to
//! the survivor, all scoped to one partnership.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use learnloop_domain::themes::NATIONAL;
use learnloop_store::audit::{self, Verdict, Who};
use learnloop_store::testing::engines;
use learnloop_store::themes::{self, ThemeInput};
use learnloop_store::{Db, StoreError, governance, new_id};

async fn each_engine<F, Fut>(f: F)
where
    F: Fn(Db) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for t in engines().await.expect("test databases") {
        let db = t.open().await.expect("open test database");
        f(db.clone()).await;
        db.close().await;
    }
}

fn who() -> Who {
    Who::system("themes test")
}

async fn partnership(db: &Db, slug: &str) -> String {
    let mut tx = db.begin().await.unwrap();
    let p = governance::create_partnership(&mut tx, &who(), slug, slug)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    p.id
}

async fn add(db: &Db, pid: &str, name: &str) -> String {
    themes::create(
        db,
        &who(),
        pid,
        &ThemeInput {
            name: name.into(),
            description: String::new(),
        },
    )
    .await
    .unwrap()
    .id
}

async fn tag(db: &Db, pid: &str, theme: &str, target: &str) {
    let mut tx = db.begin().await.unwrap();
    themes::tag(&mut tx, pid, theme, "lesson", target)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_new_partnership_is_seeded_once_with_the_national_list() {
    each_engine(|db| async move {
        let pid = partnership(&db, "one").await;
        assert_eq!(
            themes::active(&db, &pid).await.unwrap().len(),
            NATIONAL.len()
        );
        // Seeding again adds nothing and records nothing.
        let mut tx = db.begin().await.unwrap();
        assert_eq!(themes::seed(&mut tx, &who(), &pid).await.unwrap(), 0);
        tx.commit().await.unwrap();
        assert_eq!(
            themes::active(&db, &pid).await.unwrap().len(),
            NATIONAL.len()
        );
        assert!(matches!(
            audit::verify(&db).await.unwrap(),
            Verdict::Intact { .. }
        ));
    })
    .await;
}

#[tokio::test]
async fn tagging_is_idempotent_and_only_with_an_active_theme_of_the_partnership() {
    each_engine(|db| async move {
        let pid = partnership(&db, "one").await;
        let other = partnership(&db, "two").await;
        let t = add(&db, &pid, "Bruising in babies").await;
        let target = new_id();
        tag(&db, &pid, &t, &target).await;
        tag(&db, &pid, &t, &target).await;
        assert_eq!(themes::tagged_count(&db, &pid, &t).await.unwrap(), 1);
        let on = themes::themes_of(&db, &pid, "lesson", &target)
            .await
            .unwrap();
        assert_eq!(on.len(), 1);
        // Another partnership neither sees it nor may use it.
        assert!(
            themes::themes_of(&db, &other, "lesson", &target)
                .await
                .unwrap()
                .is_empty()
        );
        let mut tx = db.begin().await.unwrap();
        assert!(matches!(
            themes::tag(&mut tx, &other, &t, "lesson", &new_id()).await,
            Err(StoreError::NotFound)
        ));
        drop(tx);
        // A retired theme is kept where it is, but not put on anything new.
        themes::retire(&db, &who(), &pid, &t).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        assert!(matches!(
            themes::tag(&mut tx, &pid, &t, "lesson", &new_id()).await,
            Err(StoreError::Conflict(_))
        ));
        drop(tx);
        assert_eq!(themes::tagged_count(&db, &pid, &t).await.unwrap(), 1);
        // Untagging takes it off.
        let mut tx = db.begin().await.unwrap();
        assert!(
            themes::untag(&mut tx, &pid, &t, "lesson", &target)
                .await
                .unwrap()
        );
        assert!(
            !themes::untag(&mut tx, &pid, &t, "lesson", &target)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        assert_eq!(themes::tagged_count(&db, &pid, &t).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_merge_moves_taggings_without_doubles_and_repoints_earlier_merges() {
    each_engine(|db| async move {
        let pid = partnership(&db, "one").await;
        let a = add(&db, &pid, "Theme A").await;
        let b = add(&db, &pid, "Theme B").await;
        let c = add(&db, &pid, "Theme C").await;
        let (x, y) = (new_id(), new_id());
        tag(&db, &pid, &a, &x).await;
        tag(&db, &pid, &b, &x).await;
        tag(&db, &pid, &a, &y).await;

        let m = themes::merge(&db, &who(), &pid, &a, &b).await.unwrap();
        assert_eq!(m.moved, 1, "x already had B; only y moves");
        assert_eq!(themes::tagged_count(&db, &pid, &b).await.unwrap(), 2);
        assert_eq!(themes::tagged_count(&db, &pid, &a).await.unwrap(), 0);

        // A merges into B, then B into C: A now names C, and C holds everything.
        themes::merge(&db, &who(), &pid, &b, &c).await.unwrap();
        let a_now = themes::get(&db, &pid, &a).await.unwrap().unwrap();
        assert_eq!(a_now.merged_into_id.as_deref(), Some(c.as_str()));
        assert_eq!(themes::tagged_count(&db, &pid, &c).await.unwrap(), 2);

        // The rules hold in the store too.
        for (from, into) in [(&c, &c), (&c, &a), (&a, &c)] {
            assert!(matches!(
                themes::merge(&db, &who(), &pid, from, into).await,
                Err(StoreError::Conflict(_))
            ));
        }
        // Renaming, retiring or restoring a merged theme is refused.
        assert!(themes::retire(&db, &who(), &pid, &a).await.is_err());
        assert!(themes::restore(&db, &who(), &pid, &a).await.is_err());
        assert!(
            themes::rename(
                &db,
                &who(),
                &pid,
                &a,
                &ThemeInput {
                    name: "Back again".into(),
                    description: String::new()
                }
            )
            .await
            .is_err()
        );
        assert!(matches!(
            audit::verify(&db).await.unwrap(),
            Verdict::Intact { .. }
        ));
    })
    .await;
}

#[tokio::test]
async fn the_list_puts_active_themes_first_then_retired_then_merged() {
    each_engine(|db| async move {
        let pid = partnership(&db, "one").await;
        let a = add(&db, &pid, "Aardvark theme").await;
        let z = add(&db, &pid, "Zebra theme").await;
        themes::retire(&db, &who(), &pid, &a).await.unwrap();
        // z cannot merge into a retired theme; it goes into an active one instead.
        assert!(themes::merge(&db, &who(), &pid, &z, &a).await.is_err());
        let neglect = themes::active(&db, &pid)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.name == "Neglect")
            .unwrap();
        themes::merge(&db, &who(), &pid, &z, &neglect.id)
            .await
            .unwrap();
        let all = themes::list(&db, &pid, learnloop_store::Page::new(1, 200))
            .await
            .unwrap();
        assert_eq!(all.total, NATIONAL.len() as i64 + 2);
        let statuses: Vec<&str> = all.items.iter().map(|l| l.theme.status.as_str()).collect();
        let n = NATIONAL.len();
        assert!(statuses[..n].iter().all(|s| *s == "active"));
        assert_eq!(&statuses[n..], ["retired", "merged"]);
        assert_eq!(
            all.items[n + 1].merged_into_name.as_deref(),
            Some("Neglect")
        );
        // Pages hold what they say.
        let p2 = themes::list(&db, &pid, learnloop_store::Page::new(2, 10))
            .await
            .unwrap();
        assert_eq!(p2.items.len(), 10);
        assert_eq!(p2.pages(), 3);
    })
    .await;
}
