//! The command-line face, run as the real binary: scripts and other tests rely on these forms.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use learnloop_store::testing::engines;
use learnloop_store::{Engine, query};

fn learnloop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_learnloop"))
        .args(args)
        .env_remove("LEARNLOOP_DATABASE_URL")
        .output()
        .expect("run learnloop")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn holidays_prints_the_year_in_date_order_with_tabs() {
    let o = learnloop(&["holidays", "--year", "2026"]);
    assert!(o.status.success());
    assert_eq!(
        stdout(&o),
        "2026-01-01\tNew Year's Day\n2026-04-03\tGood Friday\n2026-04-06\tEaster Monday\n\
         2026-05-04\tEarly May bank holiday\n2026-05-25\tSpring bank holiday\n\
         2026-08-31\tSummer bank holiday\n2026-12-25\tChristmas Day\n\
         2026-12-28\tBoxing Day (substitute day)\n"
    );
}

#[test]
fn working_days_counts_after_from_up_to_and_including_to() {
    let o = learnloop(&["working-days", "--from", "2026-12-18", "--to", "2027-01-08"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "12\n");
}

#[test]
fn deadline_prints_the_due_date() {
    let o = learnloop(&["deadline", "--rule", "rapid-review", "--from", "2026-12-18"]);
    assert_eq!(stdout(&o), "2027-01-13\n");
    let o = learnloop(&[
        "deadline",
        "--rule",
        "lcspr-publish",
        "--from",
        "2026-08-31",
    ]);
    assert_eq!(stdout(&o), "2027-02-28\n");
}

#[test]
fn rules_lists_stable_ids() {
    let o = learnloop(&["rules"]);
    let out = stdout(&o);
    for id in [
        "notify-panel",
        "inform-partners",
        "rapid-review",
        "lcspr-publish",
        "final-report-to-panel",
        "meeting-papers",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("{id}\t"))),
            "{id} missing from:\n{out}"
        );
    }
}

#[test]
fn bad_arguments_get_one_line_naming_the_argument_and_exit_2() {
    for args in [
        vec!["working-days", "--from", "2026-13-01", "--to", "2027-01-08"],
        vec!["deadline", "--rule", "rapid-review", "--from", "18/12/2026"],
        vec!["holidays", "--year", "1850"],
        vec!["holidays"],
    ] {
        let o = learnloop(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains("--"), "{args:?}: {err}");
    }
    let o = learnloop(&["working-days", "--from", "soon", "--to", "2027-01-08"]);
    assert!(stderr(&o).contains("--from") && stderr(&o).contains("YYYY-MM-DD"));
    let o = learnloop(&["deadline", "--rule", "no-such-rule", "--from", "2026-12-18"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--rule must be one of"));
}

#[test]
fn help_lists_every_command() {
    let o = learnloop(&["--help"]);
    let out = stdout(&o);
    for c in [
        "serve",
        "migrate",
        "verify-audit",
        "backup",
        "restore",
        "export-partnership",
        "user",
        "holidays",
        "working-days",
        "deadline",
        "rules",
    ] {
        assert!(out.contains(c), "{c} missing from help");
    }
}

#[tokio::test]
async fn verify_audit_passes_an_intact_trail_and_names_the_first_altered_entry() {
    for t in engines().await.unwrap() {
        let url = t.url.clone();
        let o = learnloop(&["migrate", "--database-url", &url]);
        assert!(o.status.success(), "{}", stderr(&o));
        let o = learnloop(&[
            "user",
            "add",
            "--database-url",
            &url,
            "--email",
            "admin@example.org",
            "--role",
            "system-admin",
            "--partnership",
            "Test Partnership",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains("/set-password/"), "{}", stdout(&o));
        let files = std::env::temp_dir().join(format!("learnloop-verify-{}", std::process::id()));
        let files = files.display().to_string();
        let o = learnloop(&[
            "verify-audit",
            "--database-url",
            &url,
            "--files-dir",
            &files,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
        assert!(
            stdout(&o).contains("The audit trail is intact"),
            "{}",
            stdout(&o)
        );

        let db = t.open().await.unwrap();
        match t.engine {
            Engine::Sqlite => db.raw("DROP TRIGGER audit_event_no_update").await.unwrap(),
            Engine::Postgres => db
                .raw("DROP TRIGGER audit_event_no_update ON audit_event")
                .await
                .unwrap(),
        }
        db.execute(query(
            "UPDATE audit_event SET actor_label = 'someone else' WHERE seq = 2",
        ))
        .await
        .unwrap();
        db.close().await;
        let o = learnloop(&[
            "verify-audit",
            "--database-url",
            &url,
            "--files-dir",
            &files,
        ]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stdout(&o).contains("broken at entry 2"), "{}", stdout(&o));
    }
}

#[tokio::test]
async fn clock_commands_read_applied_holiday_changes_from_the_database() {
    for t in engines().await.unwrap() {
        let db = t.open().await.unwrap();
        let who = learnloop_store::audit::Who::system("test");
        let mut tx = db.begin().await.unwrap();
        let p = learnloop_store::governance::create_partnership(&mut tx, &who, "t", "T")
            .await
            .unwrap();
        let person =
            learnloop_store::accounts::insert_person(&mut tx, &who, "a@example.org", "A", "", None)
                .await
                .unwrap();
        tx.commit().await.unwrap();
        let who = learnloop_store::audit::Who {
            person_id: Some(person.id),
            partnership_id: Some(p.id),
            ..who
        };
        let day = chrono::NaiveDate::from_ymd_opt(2027, 1, 4).unwrap();
        let h = learnloop_store::clocks::propose_holiday(
            &db,
            &who,
            day,
            "Extra day",
            learnloop_domain::clocks::HolidayEditKind::Add,
            "test",
        )
        .await
        .unwrap();
        learnloop_store::clocks::decide_holiday(&db, &who, &h.id, true)
            .await
            .unwrap();
        db.close().await;
        let o = learnloop(&[
            "deadline",
            "--rule",
            "rapid-review",
            "--from",
            "2026-12-18",
            "--database-url",
            &t.url,
        ]);
        assert_eq!(stdout(&o), "2027-01-14\n", "{}", stderr(&o));
        let o = learnloop(&["holidays", "--year", "2027", "--database-url", &t.url]);
        assert!(stdout(&o).contains("2027-01-04\tExtra day\n"));
        // Without the database, the rules alone.
        assert_eq!(
            stdout(&learnloop(&[
                "deadline",
                "--rule",
                "rapid-review",
                "--from",
                "2026-12-18"
            ])),
            "2027-01-13\n"
        );
    }
}
