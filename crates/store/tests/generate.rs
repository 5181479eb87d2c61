//! The synthetic data generator on every engine: tiny volume, expected shapes, the same data
//! from the same seed, and readable through the queries the web layer uses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use learnloop_store::audit::{self, Verdict};
use learnloop_store::generate::{self, Counts, Options};
use learnloop_store::testing::engines;
use learnloop_store::{Db, Page, actions, governance, query, returns, reviews};

fn options() -> Options {
    Options {
        partnerships: 2,
        years: 1,
        seed: 7,
        demo: false,
        today: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        files: Some(
            learnloop_store::files::FileStore::local(&std::env::temp_dir().join(format!(
                "learnloop-tests/files-{}",
                learnloop_store::new_id()
            )))
            .unwrap(),
        ),
    }
}

async fn count(db: &Db, table: &'static str) -> i64 {
    let sql: &'static str = match table {
        "partnership" => "SELECT COUNT(*) FROM partnership",
        "agency" => "SELECT COUNT(*) FROM agency",
        "person" => "SELECT COUNT(*) FROM person",
        "membership" => "SELECT COUNT(*) FROM membership",
        "meeting" => "SELECT COUNT(*) FROM meeting",
        "case_review" => "SELECT COUNT(*) FROM case_review",
        "recommendation" => "SELECT COUNT(*) FROM recommendation WHERE source_kind = 'case_review'",
        "audit" => "SELECT COUNT(*) FROM audit",
        "return_request" => "SELECT COUNT(*) FROM return_request",
        "action" => "SELECT COUNT(*) FROM action",
        "action_update" => "SELECT COUNT(*) FROM action_update",
        "theme" => "SELECT COUNT(*) FROM theme",
        "course" => "SELECT COUNT(*) FROM course",
        "course_session" => "SELECT COUNT(*) FROM course_session",
        "booking" => "SELECT COUNT(*) FROM booking",
        _ => panic!("{table}"),
    };
    let (n,): (i64,) = db.fetch_one(query(sql)).await.unwrap();
    n
}

async fn first_action(db: &Db) -> String {
    let (d,): (String,) = db
        .fetch_one(query(
            "SELECT a.description FROM action a JOIN partnership p ON p.id = a.partnership_id \
             ORDER BY p.slug, a.due_on, a.id LIMIT 1",
        ))
        .await
        .unwrap();
    d
}

async fn generate_into(db: &Db) -> Counts {
    generate_with_files(db).await.0
}

/// Generates, and gives back the file store the evidence went to.
async fn generate_with_files(db: &Db) -> (Counts, learnloop_store::files::FileStore) {
    let mut lines = Vec::new();
    let o = options();
    let counts = generate::run(db, &o, &mut |l: &str| lines.push(l.to_owned()))
        .await
        .unwrap();
    // One line per partnership, then the planner's statistics.
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("gen-")).count(),
        2,
        "{lines:?}"
    );
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with("Vacuuming and analysing"))
    );
    (counts, o.files.unwrap())
}

#[tokio::test]
async fn generates_realistic_deterministic_data_that_the_service_reads() {
    for t in engines().await.unwrap() {
        let db = t.open().await.unwrap();
        assert!(!generate::already_generated(&db, false).await.unwrap());
        let (counts, files) = generate_with_files(&db).await;
        assert!(generate::already_generated(&db, false).await.unwrap());

        // Shapes per partnership-year, in the ranges the generator aims for.
        assert_eq!(count(&db, "partnership").await, 2);
        assert_eq!(count(&db, "agency").await, 30);
        assert_eq!(count(&db, "person").await, 800);
        assert!(count(&db, "membership").await >= 800);
        assert!(count(&db, "theme").await >= 2 * 10);
        let m = count(&db, "meeting").await;
        assert!((2 * 35..=2 * 60).contains(&m), "meetings {m}");
        let c = count(&db, "case_review").await;
        assert!((2 * 10..=2 * 14).contains(&c), "cases {c}");
        let r = count(&db, "recommendation").await;
        assert!((2 * 20..=2 * 70).contains(&r), "recommendations {r}");
        // About six audits a year, each with a return per agency per sample case, one of
        // them in fieldwork with returns still to come in.
        let audits = count(&db, "audit").await;
        assert!((2 * 5..=2 * 6).contains(&audits), "audits {audits}");
        let (returns,): (i64,) = db
            .fetch_one(query(
                "SELECT COUNT(*) FROM return_request WHERE source_kind = 'audit'",
            ))
            .await
            .unwrap();
        assert!(
            (audits * 4..=audits * 30).contains(&returns),
            "returns {returns}"
        );
        // Each case review's agencies were asked for their summaries, as returns on the case.
        let (summaries, cases_asked): (i64, i64) = db
            .fetch_one(query(
                "SELECT COUNT(*), COUNT(DISTINCT source_id) FROM return_request \
                 WHERE source_kind = 'case_review' AND subject_id = 'rapid-review'",
            ))
            .await
            .unwrap();
        assert!(
            cases_asked > 0 && cases_asked * 2 <= summaries,
            "summaries {summaries}"
        );
        let (open,): (i64,) = db
            .fetch_one(query(
                "SELECT COUNT(*) FROM return_request r JOIN audit a ON a.id = r.source_id \
                 WHERE a.stage = 'fieldwork' AND r.state IN ('requested', 'draft')",
            ))
            .await
            .unwrap();
        assert!(open > 0, "an audit in fieldwork with returns missing");
        let (rounds,): (i64,) = db
            .fetch_one(query(
                "SELECT COUNT(*) FROM assurance_round WHERE kind = 'assurance'",
            ))
            .await
            .unwrap();
        assert_eq!(
            rounds, 2,
            "a year's single-agency assurance per partnership"
        );
        // And a year's single-agency training register, its returns ungraded.
        let (registers, graded): (i64, i64) = db
            .fetch_one(query(
                "SELECT COUNT(DISTINCT a.id), COUNT(CASE WHEN r.grade <> '' THEN 1 END) FROM assurance_round a \
                 JOIN return_request r ON r.source_id = a.id WHERE a.kind = 'training-register'",
            ))
            .await
            .unwrap();
        assert_eq!(
            (registers, graded),
            (2, 0),
            "a training register per partnership"
        );
        // About sixty indicators each, a value for every period, benchmarks for the main ones.
        let (indicators, values, benchmarks): (i64, i64, i64) = db
            .fetch_one(query(
                "SELECT (SELECT COUNT(*) FROM indicator), (SELECT COUNT(*) FROM indicator_value), \
                 (SELECT COUNT(*) FROM indicator_benchmark)",
            ))
            .await
            .unwrap();
        assert!(
            (2 * 50..=2 * 70).contains(&indicators),
            "indicators {indicators}"
        );
        assert!(
            values >= indicators * 3 && benchmarks > 0,
            "values {values}"
        );
        // A past deep dive a year at an executive meeting, with three analyses in and a
        // recommendation.
        let (dives, analyses, recs): (i64, i64, i64) = db
            .fetch_one(query(
                "SELECT (SELECT COUNT(*) FROM deep_dive), \
                 (SELECT COUNT(*) FROM return_request WHERE source_kind = 'deep_dive' AND state = 'locked'), \
                 (SELECT COUNT(*) FROM recommendation WHERE source_kind = 'deep_dive')",
            ))
            .await
            .unwrap();
        assert!(dives >= 2, "deep dives {dives}");
        assert_eq!((analyses, recs), (dives * 3, dives));
        // An inspection in each partnership's year, its report out with two recommendations
        // whose actions are on the board's plan.
        let (inspections, published, recs, actions): (i64, i64, i64, i64) = db
            .fetch_one(query(
                "SELECT (SELECT COUNT(*) FROM inspection), (SELECT COUNT(*) FROM inspection WHERE published_on IS NOT NULL), \
                 (SELECT COUNT(*) FROM recommendation WHERE source_kind = 'inspection'), \
                 (SELECT COUNT(*) FROM action WHERE source_kind = 'inspection')",
            ))
            .await
            .unwrap();
        assert!(inspections >= 2, "inspections {inspections}");
        assert_eq!((recs, actions), (published * 2, published * 4));
        // The panel's annual reports received at the executive, each with a recommendation and
        // its action; campaigns; the youth forum's year with "you said" answered by actions.
        let (reports, at_board, cdop_actions, campaigns): (i64, i64, i64, i64) = db
            .fetch_one(query(
                "SELECT (SELECT COUNT(*) FROM cdop_report), \
                 (SELECT COUNT(*) FROM cdop_report r JOIN meeting m ON m.id = r.meeting_id), \
                 (SELECT COUNT(*) FROM action WHERE source_kind = 'cdop_report'), \
                 (SELECT COUNT(*) FROM campaign)",
            ))
            .await
            .unwrap();
        assert!(reports >= 1, "reports {reports}");
        assert_eq!((at_board, cdop_actions), (reports, reports));
        assert!(campaigns >= 2, "campaigns {campaigns}");
        let (forum, events, said, answered, priorities): (i64, i64, i64, i64, i64) = db
            .fetch_one(query(
                "SELECT (SELECT COUNT(*) FROM voice_event WHERE kind = 'forum'), \
                 (SELECT COUNT(*) FROM voice_event WHERE kind <> 'forum'), \
                 (SELECT COUNT(*) FROM recommendation WHERE source_kind = 'voice_event'), \
                 (SELECT COUNT(*) FROM action WHERE source_kind = 'voice_event'), \
                 (SELECT COUNT(*) FROM voice_priority)",
            ))
            .await
            .unwrap();
        assert!(forum >= 2 && events >= 2, "forum {forum}, events {events}");
        assert_eq!((said, answered), (events, events));
        let (answers,): (i64,) = db
            .fetch_one(query("SELECT COUNT(*) FROM voice_answer"))
            .await
            .unwrap();
        assert_eq!(
            answers, said,
            "each thing said has its answer for young people"
        );
        assert!(priorities >= 3, "priorities {priorities}");
        // The year's training needs, from the records that showed them; most met by a course.
        let (needs, sourced, met): (i64, i64, i64) = db
            .fetch_one(query(
                "SELECT COUNT(*), COUNT(source_id), \
                 (SELECT COUNT(*) FROM course_answers WHERE target_kind = 'need') FROM training_need",
            ))
            .await
            .unwrap();
        assert!(
            needs >= 6 && met > 0 && met <= needs,
            "needs {needs}, met {met}"
        );
        let (strays,): (i64,) = db
            .fetch_one(query(
                "SELECT COUNT(*) FROM training_need n WHERE n.source_kind = 'case_review' \
                 AND NOT EXISTS (SELECT 1 FROM case_review c WHERE c.id = n.source_id AND c.partnership_id = n.partnership_id)",
            ))
            .await
            .unwrap();
        assert_eq!(
            strays, 0,
            "a need names its own partnership's records ({sourced} do)"
        );
        // A year's history holds the current Section 11 cycle, opened weeks ago, with a
        // self-assessment asked of every agency, some in.
        let (cycles, open_cycles): (i64, i64) = db
            .fetch_one(query(
                "SELECT COUNT(*), COUNT(*) - COUNT(board_on) FROM section11_cycle",
            ))
            .await
            .unwrap();
        assert_eq!(
            (cycles, open_cycles),
            (2, 2),
            "one current cycle a partnership"
        );
        let (asked, s11_in): (i64, i64) = db
            .fetch_one(query(
                "SELECT COUNT(*), COALESCE(SUM(CASE WHEN state IN ('submitted', 'locked') THEN 1 ELSE 0 END), 0) \
                 FROM return_request WHERE source_kind = 'section11'",
            ))
            .await
            .unwrap();
        assert_eq!(asked, 30, "every agency asked");
        assert!(
            s11_in < asked,
            "the current cycle part-way through: {s11_in} of {asked}"
        );
        // Training: a dozen courses each, about two hundred sessions a year, booked; past
        // sessions attended, those to come with waiting lists only where they are full.
        assert_eq!(count(&db, "course").await, 2 * 12);
        let sessions = count(&db, "course_session").await;
        assert!(sessions >= 2 * 200, "sessions {sessions}");
        let bookings = count(&db, "booking").await;
        assert!(
            bookings > sessions * 8,
            "bookings {bookings} for {sessions} sessions"
        );
        let (over,): (i64,) = db
            .fetch_one(query(
                "SELECT COUNT(*) FROM course_session s WHERE s.capacity < (SELECT COUNT(*) FROM booking b \
                 WHERE b.session_id = s.id AND b.state IN ('confirmed', 'offered', 'attended', 'no-show', 'late-cancellation', 'cancelled'))",
            ))
            .await
            .unwrap();
        assert_eq!(over, 0, "no session has more places taken than it has");
        let (waiting_with_room,): (i64,) = db
            .fetch_one(query(
                "SELECT COUNT(*) FROM course_session s WHERE EXISTS (SELECT 1 FROM booking b WHERE b.session_id = s.id \
                 AND b.state = 'waiting') AND s.capacity > (SELECT COUNT(*) FROM booking b WHERE b.session_id = s.id \
                 AND b.state = 'confirmed')",
            ))
            .await
            .unwrap();
        assert_eq!(
            waiting_with_room, 0,
            "a waiting list only where the session is full"
        );
        let (attended, waiting): (i64, i64) = db
            .fetch_one(query(
                "SELECT COUNT(CASE WHEN state = 'attended' THEN 1 END), COUNT(CASE WHEN state = 'waiting' THEN 1 END) FROM booking",
            ))
            .await
            .unwrap();
        assert!(
            attended > 0 && waiting > 0,
            "attended {attended}, waiting {waiting}"
        );
        // The last year's attended sessions evaluated and followed up (participants and their
        // managers); nothing booked in the future; every session whose follow-up has come is
        // recorded as asked, so the live follow-up never mails about generated history.
        let (evaluations, participants, managers): (i64, i64, i64) = db
            .fetch_one(query(
                "SELECT COUNT(CASE WHEN subject_id LIKE 'evaluation:%' THEN 1 END), \
                 COUNT(CASE WHEN subject_id NOT LIKE 'evaluation:%' AND respondent_email = '' THEN 1 END), \
                 COUNT(CASE WHEN respondent_email <> '' THEN 1 END) FROM return_request WHERE source_kind = 'training'",
            ))
            .await
            .unwrap();
        assert!(
            evaluations > 0 && participants > 0,
            "{evaluations} {participants}"
        );
        assert_eq!(
            participants, managers,
            "each participant asked with their manager"
        );
        // The generator's today.
        let today = options().today;
        let now = format!("{}T23:59:59.999999Z", today.format("%Y-%m-%d"));
        let (future,): (i64,) = db
            .fetch_one(query("SELECT COUNT(*) FROM booking WHERE booked_at > ?").bind(&now))
            .await
            .unwrap();
        assert_eq!(future, 0, "nothing booked in the future");
        let due = (today - chrono::Duration::days(100))
            .format("%Y-%m-%dT00:00")
            .to_string();
        let (unasked,): (i64,) = db
            .fetch_one(
                query("SELECT COUNT(*) FROM course_session WHERE starts_at < ? AND followed_up_on IS NULL")
                    .bind(&due),
            )
            .await
            .unwrap();
        assert_eq!(unasked, 0, "history is never followed up again");

        let a = count(&db, "action").await;
        assert!((2 * 250..=2 * 700).contains(&a), "actions {a}");
        let u = count(&db, "action_update").await;
        assert!(u >= a, "updates {u} for {a} actions");
        assert_eq!(counts.get("action").copied(), Some(a as u64));
        // The audit trail holds the history the records would have left, in time order.
        let (created,): (i64,) = db
            .fetch_one(query(
                "SELECT COUNT(*) FROM audit_event WHERE action = 'action.create'",
            ))
            .await
            .unwrap();
        assert_eq!(created, a);
        let (updates,): (i64,) = db
            .fetch_one(query(
                "SELECT COUNT(*) FROM audit_event WHERE action = 'action.update'",
            ))
            .await
            .unwrap();
        assert_eq!(updates, u);
        // Completed actions carry evidence, and each piece downloads from the file store.
        let (evidence,): (i64,) = db
            .fetch_one(query("SELECT COUNT(*) FROM action_evidence"))
            .await
            .unwrap();
        assert!(evidence > a / 4, "evidence {evidence} for {a} actions");
        let (key, sha, size): (String, String, i64) = db
            .fetch_one(query(
                "SELECT f.storage_key, f.sha256, f.size FROM action_evidence e \
                 JOIN file_object f ON f.id = e.file_id ORDER BY e.id LIMIT 1",
            ))
            .await
            .unwrap();
        let bytes = files.get(&key).await.unwrap();
        assert_eq!(bytes.len() as i64, size);
        assert!(bytes.starts_with(b"%PDF-"));
        use sha2::Digest;
        assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), sha);
        // Most people have signed up; a few invitations are still open.
        let (pending,): (i64,) = db
            .fetch_one(query(
                "SELECT COUNT(*) FROM person WHERE password_hash IS NULL",
            ))
            .await
            .unwrap();
        assert!((8..=80).contains(&pending), "pending invitations {pending}");
        assert_eq!(
            audit::verify(&db).await.unwrap(),
            Verdict::Intact {
                entries: audit_entries(&db).await
            }
        );

        // The web layer's reads find it.
        let p = governance::partnership_by_slug(&db, "gen-001")
            .await
            .unwrap()
            .unwrap();
        // A few names by id, only of the partnership's own people.
        let q = governance::partnership_by_slug(&db, "gen-002")
            .await
            .unwrap()
            .unwrap();
        let one = |pid: String| {
            let db = db.clone();
            async move {
                let (id,): (String,) = db
                    .fetch_one(
                        query("SELECT person_id FROM membership WHERE partnership_id = ? ORDER BY person_id LIMIT 1")
                            .bind(pid),
                    )
                    .await
                    .unwrap();
                id
            }
        };
        let (ours, theirs) = (one(p.id.clone()).await, one(q.id.clone()).await);
        let named = learnloop_store::accounts::names_of(&db, &p.id, &[&ours, &theirs])
            .await
            .unwrap();
        assert_eq!(named.len(), 1);
        assert_eq!(named[0].id, ours);
        let days = actions::RagDays {
            today: "2026-11-01".into(),
            soon: "2026-11-15".into(),
            stale_before: "2026-09-20".into(),
        };
        let tracked = actions::tracker(
            &db,
            &p.id,
            &actions::Filter::default(),
            &days,
            Page::new(1, 50),
        )
        .await
        .unwrap();
        assert!(tracked.total > 100, "{}", tracked.total);
        assert_eq!(tracked.items.len(), 50);
        assert!(
            tracked
                .items
                .iter()
                .all(|l| l.agency_name.is_some() && l.source_title.is_some())
        );
        let red = actions::count(
            &db,
            &p.id,
            &actions::Filter {
                rag: Some("red".into()),
                ..Default::default()
            },
            &days,
        )
        .await
        .unwrap();
        assert!(red > 0 && red < tracked.total);
        // Every page tells the same total, counted or known from a short last page.
        let all = actions::count(&db, &p.id, &actions::Filter::default(), &days)
            .await
            .unwrap();
        assert_eq!(tracked.total, all);
        let last = (all + 49) / 50;
        for n in [last, last + 1] {
            let page = actions::tracker(
                &db,
                &p.id,
                &actions::Filter::default(),
                &days,
                Page::new(n, 50),
            )
            .await
            .unwrap();
            assert_eq!(page.total, all, "page {n}");
        }
        let cases = reviews::list(&db, &p.id, &reviews::Filter::default(), Page::new(1, 50))
            .await
            .unwrap();
        assert!(cases.total >= 10 && !cases.items.is_empty());
        for case in &cases.items {
            assert!(
                !reviews::subjects(&db, &p.id, &case.id)
                    .await
                    .unwrap()
                    .is_empty()
            );
            assert!(learnloop_store::is_id(&case.id));
        }

        // A source's returns, read with only its own kind's tables, have the titles and
        // subjects a single return read with every kind's tables has.
        let kinds: Vec<(String, String, String)> = db
            .fetch_all(query(
                "SELECT partnership_id, source_kind, MIN(source_id) FROM return_request \
                 GROUP BY partnership_id, source_kind ORDER BY partnership_id, source_kind",
            ))
            .await
            .unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for (pid, kind, source) in &kinds {
            let kind = learnloop_domain::sources::SourceKind::parse(kind).unwrap();
            let lines = returns::for_source(&db, pid, kind, source).await.unwrap();
            assert!(!lines.is_empty(), "{kind:?}");
            for l in &lines {
                let one = returns::line(&db, pid, &l.ret.id).await.unwrap().unwrap();
                assert_eq!(
                    (&l.source_title, &l.subject, &l.agency, &l.assignee),
                    (&one.source_title, &one.subject, &one.agency, &one.assignee),
                    "{kind:?}"
                );
                assert!(!l.source_title.is_empty(), "{kind:?}");
            }
            seen.insert(kind.slug());
        }
        assert_eq!(
            seen.into_iter().collect::<Vec<_>>(),
            [
                "assurance",
                "audit",
                "case_review",
                "deep_dive",
                "section11",
                "training"
            ],
            "every kind that asks for returns is generated"
        );

        // The same seed gives the same data in a fresh database.
        let first = first_action(&db).await;
        db.close().await;
        let t2 = match t.engine {
            learnloop_store::Engine::Sqlite => learnloop_store::testing::sqlite(),
            learnloop_store::Engine::Postgres => {
                learnloop_store::testing::postgres().await.unwrap().unwrap()
            }
        };
        let db2 = t2.open().await.unwrap();
        let again = generate_into(&db2).await;
        assert_eq!(again, counts);
        assert_eq!(first_action(&db2).await, first);
        db2.close().await;
    }
}

async fn audit_entries(db: &Db) -> i64 {
    let (n,): (i64,) = db
        .fetch_one(query("SELECT COUNT(*) FROM audit_event"))
        .await
        .unwrap();
    n
}
