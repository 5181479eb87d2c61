//! Retention and erasure through real HTTP, on both engines: the business team sets a rule
//! with its reason, sees what is due this month (its home page says so), confirms, and the
//! record's identifying content goes while the learning stays; a tombstone says what, when and
//! by whose decision; the audit trail keeps verifying with the case's entries' values erased.
//! Nobody else reaches any of it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use learnloop_domain::accounts::Role;
use learnloop_store::audit::{self, Verdict};
use learnloop_store::query;

#[tokio::test]
async fn a_closed_review_due_under_the_rule_is_erased_on_confirmation_and_the_trail_still_verifies()
{
    each_app(|app| async move {
        let bt = Client::new(&app.base);
        bt.sign_in_as(Role::BusinessTeam).await;
        let page = bt.get("/retention").await;
        assert_eq!(page.status, 200);

        // A case review closed seven years ago, with a child's name and a summary.
        let id = notify(&app, &bt, "death-or-serious-harm", (3, 11, 2026), Some((4, 11, 2026))).await;
        app.db
            .execute(
                query("UPDATE case_review SET stage = 'closed', published_on = '2019-05-01' WHERE id = ?")
                    .bind(&id),
            )
            .await
            .unwrap();
        let reference = one(&app, "SELECT reference FROM case_review WHERE id = ?", &id).await;

        // A rule needs a period and its reason.
        let bad = bt
            .post("/retention/rules/case-review", &[("months", "six years"), ("reason", "")])
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("whole number of months"), "{}", bad.body);
        assert!(bad.contains("Enter why records are kept this long"));
        let ok = bt
            .post(
                "/retention/rules/case-review",
                &[("months", "72"), ("reason", "The partnership's records policy, 2024")],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);

        // A review decided long ago but closed, unpublished, last month is counted from its
        // closing: not due for years.
        let recent = notify(&app, &bt, "death-or-serious-harm", (5, 11, 2026), None).await;
        app.db
            .execute(
                query(
                    "UPDATE case_review SET stage = 'closed', decided_on = '2015-01-01', published_on = NULL, \
                     closed_on = '2026-11-01' WHERE id = ?",
                )
                .bind(&recent),
            )
            .await
            .unwrap();
        let recent_ref = one(&app, "SELECT reference FROM case_review WHERE id = ?", &recent).await;

        // Due this month: on the list and on the business team's home page.
        let page = bt.get("/retention").await;
        assert!(page.contains(&format!("Case review {reference}")), "{}", page.body);
        assert!(!page.contains(&format!("Case review {recent_ref}")));
        assert!(bt.get("/home").await.contains("due for erasure under the retention rules"));
        let lead = Client::new(&app.base);
        lead.sign_in_as(Role::AgencyLead).await;
        assert!(!lead.get("/home").await.contains("due for erasure"));
        assert_eq!(lead.get("/retention").await.status, 403);
        let refused = lead
            .post("/retention/erase", &[("kind", "case-review"), ("record", &id)])
            .await;
        assert_eq!(refused.status, 403);

        // Confirmed, then erased.
        let confirm = bt
            .get(&format!("/retention/erase?kind=case-review&record={id}"))
            .await;
        assert_eq!(confirm.status, 200);
        assert!(confirm.contains("Erasure cannot be undone"));
        let done = bt
            .post("/retention/erase", &[("kind", "case-review"), ("record", &id)])
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
        let page = bt.get("/retention").await;
        assert!(page.contains("Record erased"));
        assert!(page.contains("Nothing is due this month"), "{}", page.body);
        assert!(page.contains("Erased") && page.contains(&reference));

        // The names and summary went; the reference and the case stay; the trail verifies.
        let names: Vec<(String,)> = app
            .db
            .fetch_all(query("SELECT real_name FROM case_subject WHERE review_id = ?").bind(&id))
            .await
            .unwrap();
        assert!(!names.is_empty() && names.iter().all(|n| n.0.is_empty()), "{names:?}");
        let summary = one(&app, "SELECT summary FROM case_review WHERE id = ?", &id).await;
        assert_eq!(summary, "");
        assert_eq!(bt.get(&format!("/reviews/{id}")).await.status, 200);
        assert!(matches!(audit::verify(&app.db).await.unwrap(), Verdict::Intact { .. }));
        assert!(audit::erased(&app.db).await.unwrap() > 0);
        let trail = bt.get("/audit").await;
        assert!(trail.contains("Erased under the retention rule"), "{}", trail.body);
        // Once only.
        let again = bt
            .post("/retention/erase", &[("kind", "case-review"), ("record", &id)])
            .await;
        assert_eq!(again.status, 404);

        // Sessions and sign-in links: an old ended session goes.
        let person = one(
            &app,
            "SELECT id FROM person WHERE email = ?",
            email_of(Role::BusinessTeam),
        )
        .await;
        let pid = one(&app, "SELECT id FROM partnership WHERE slug = ?", "northbrook").await;
        app.db
            .execute(
                query(
                    "INSERT INTO session (token_hash, person_id, partnership_id, created_at, last_seen_at, expires_at, user_agent) \
                     VALUES ('old-session', ?, ?, '2020-01-01T09:00:00.000000Z', '2020-01-01T09:00:00.000000Z', '2020-01-02T09:00:00.000000Z', 'Old browser')",
                )
                .bind(&person)
                .bind(&pid),
            )
            .await
            .unwrap();
        bt.post(
            "/retention/rules/sign-in",
            &[("months", "12"), ("reason", "Security logging policy")],
        )
        .await;
        let page = bt.get("/retention").await;
        let at = page.body.find("record=sign-in-").expect("a sign-in item") + "record=".len();
        let rest = &page.body[at..];
        let record = rest[..rest.find('"').unwrap()].to_owned();
        let done = bt
            .post("/retention/erase", &[("kind", "sign-in"), ("record", &record)])
            .await;
        assert_eq!(done.status, 303);
        let (left,): (i64,) = app
            .db
            .fetch_one(query("SELECT COUNT(*) FROM session WHERE token_hash = 'old-session'"))
            .await
            .unwrap();
        assert_eq!(left, 0);
        // Still signed in: only ended sessions went.
        assert_eq!(bt.get("/retention").await.status, 200);
        assert!(matches!(audit::verify(&app.db).await.unwrap(), Verdict::Intact { .. }));
    })
    .await;
}
