//! The partnership's records in one download, through real HTTP on every engine: the business
//! team gets a zip of its own partnership's tables and files (no one else's, no secrets), the
//! download is in the audit trail, and every other role is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Read;

use common::{as_role, each_app};
use learnloop_domain::accounts::Role;
use learnloop_store::query;

#[tokio::test]
async fn the_business_team_downloads_its_partnerships_records_and_no_one_else_can() {
    each_app(|app| async move {
        let bt = as_role(&app, Role::BusinessTeam).await;
        let page = bt.get("/settings/export").await;
        assert_eq!(page.status, 200);
        assert!(page.contains("restricted ones included"));
        for role in [
            Role::IndependentChair,
            Role::AgencyLead,
            Role::Practitioner,
            Role::SystemAdmin,
        ] {
            let c = as_role(&app, role).await;
            assert_eq!(c.get("/settings/export").await.status, 403, "{role:?}");
            assert_eq!(
                c.post_for_file("/settings/export", &[]).await.0,
                403,
                "{role:?}"
            );
        }
        let (status, kind, bytes) = bt.post_for_file("/settings/export", &[]).await;
        assert_eq!(status, 200);
        assert_eq!(kind, "application/zip");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut read = |name: &str| -> Option<String> {
            let mut s = String::new();
            zip.by_name(name).ok()?.read_to_string(&mut s).unwrap();
            Some(s)
        };
        assert!(read("README.txt").unwrap().contains("tables/"));
        let people = read("tables/person.csv").unwrap();
        assert!(people.contains("business.manager@northbrook.example"));
        assert!(!people.contains("$argon2"));
        assert!(
            read("tables/agency.csv")
                .unwrap()
                .contains("Northbrook Constabulary")
        );
        assert!(read("tables/session.csv").is_none());
        let (n,): (i64,) = app
            .db
            .fetch_one(query(
                "SELECT COUNT(*) FROM audit_event WHERE action = 'partnership.export'",
            ))
            .await
            .unwrap();
        assert_eq!(n, 1);
    })
    .await;
}
