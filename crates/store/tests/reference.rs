//! Each instance's copy of a partnership's reference data (agencies, themes, clock rules, bank
//! holidays) on every engine: it is used while the partnership's version stands, and a change
//! made through another instance is seen by the next request on this one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use learnloop_domain::clocks::HolidayEditKind;
use learnloop_store::audit::Who;
use learnloop_store::governance::{self, AgencyInput, Partnership};
use learnloop_store::testing::engines;
use learnloop_store::{Db, accounts, clocks, reference, themes, timing};

fn who() -> Who {
    Who::system("reference test")
}

/// The partnership as the next request would read it with its session.
async fn fresh(db: &Db, id: &str) -> Partnership {
    governance::partnership(db, id).await.unwrap().unwrap()
}

/// The reference data for a request, with the number of statements it took.
async fn read(db: &Db, p: &Partnership) -> (std::sync::Arc<reference::Reference>, u32) {
    let (r, n, _) = timing::measure(reference::of(db, p)).await;
    (r.unwrap(), n)
}

fn agency(name: &str, active: bool) -> AgencyInput {
    AgencyInput {
        name: name.into(),
        sector: "health".into(),
        statutory_partner: true,
        active,
    }
}

#[tokio::test]
async fn a_change_through_one_instance_is_seen_by_the_next_request_on_another() {
    for t in engines().await.expect("test databases") {
        let here = t.open().await.unwrap();
        let there = Db::connect(&t.url).await.unwrap();
        let mut tx = here.begin().await.unwrap();
        let p = governance::create_partnership(&mut tx, &who(), "north", "North")
            .await
            .unwrap();
        let other = governance::create_partnership(&mut tx, &who(), "south", "South")
            .await
            .unwrap();
        let admin =
            accounts::insert_person(&mut tx, &who(), "admin@example.org", "Admin", "", None)
                .await
                .unwrap();
        tx.commit().await.unwrap();
        let sysadmin = Who {
            person_id: Some(admin.id),
            partnership_id: Some(p.id.clone()),
            ..who()
        };

        // The first request reads from the database; the next ones, with nothing changed, not.
        let p1 = fresh(&here, &p.id).await;
        let (r, n) = read(&here, &p1).await;
        assert!(n > 0, "{:?}: the first read goes to the database", t.engine);
        assert!(r.agencies.is_empty());
        let themes_before = r.themes.len();
        assert!(
            themes_before > 0,
            "a new partnership has the national themes"
        );
        let (_, n) = read(&here, &fresh(&here, &p.id).await).await;
        assert_eq!(
            n, 0,
            "{:?}: an unchanged partnership uses the copy",
            t.engine
        );

        // An agency added on the other instance.
        let a =
            governance::create_agency(&there, &who(), &p.id, &agency("Northbrook Police", true))
                .await
                .unwrap();
        let p2 = fresh(&here, &p.id).await;
        assert!(p2.reference_version > p1.reference_version);
        let (r, _) = read(&here, &p2).await;
        assert_eq!(r.agency_name(&a.id), Some("Northbrook Police"));
        assert_eq!(r.active_agencies().len(), 1);

        // Renamed and made inactive there: the next request here shows both.
        governance::update_agency(&there, &who(), &p.id, &a.id, &agency("Police", false))
            .await
            .unwrap();
        let (r, _) = read(&here, &fresh(&here, &p.id).await).await;
        assert_eq!(r.agency_name(&a.id), Some("Police"));
        assert!(r.active_agencies().is_empty());

        // A group added there is named here.
        let mut tx = there.begin().await.unwrap();
        let g = governance::insert_group(
            &mut tx,
            &who(),
            &p.id,
            "Learning Subgroup",
            "subgroup",
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let (r, _) = read(&here, &fresh(&here, &p.id).await).await;
        assert!(
            r.groups
                .iter()
                .any(|x| x.id == g.id && x.name == "Learning Subgroup")
        );
        assert!(r.group_agencies(&g.id).is_empty(), "no terms yet");

        // Its terms agreed there, naming the agency: here, who may open it follows at once.
        governance::terms::revise(
            &there,
            &who(),
            &p.id,
            &g.id,
            &governance::terms::TermsInput {
                purpose: "Learning".into(),
                core_agencies: vec![a.id.clone()],
                agreed_on: "2026-01-05".into(),
                review_due: "2027-01-05".into(),
                frequency: "quarterly".into(),
                meeting_minutes: 90,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let (r, _) = read(&here, &fresh(&here, &p.id).await).await;
        assert_eq!(r.group_agencies(&g.id), vec![a.id.clone()]);

        // A theme retired there is no longer offered here.
        let gone = r.themes[0].clone();
        themes::retire(&there, &who(), &p.id, &gone.id)
            .await
            .unwrap();
        let (r, _) = read(&here, &fresh(&here, &p.id).await).await;
        assert_eq!(r.themes.len(), themes_before - 1);
        assert!(r.themes.iter().all(|x| x.id != gone.id));

        // A local clock rule saved there.
        let mut rule = r
            .rules
            .iter()
            .find(|x| !x.statutory)
            .cloned()
            .unwrap_or_else(|| {
                let mut x = r.rules[0].clone();
                x.statutory = false;
                x
            });
        rule.slug = "local-follow-up".into();
        rule.name = "Local follow-up".into();
        clocks::save_local_rule(&there, &who(), &p.id, &rule, None)
            .await
            .unwrap();
        let (r, _) = read(&here, &fresh(&here, &p.id).await).await;
        assert!(r.rules.iter().any(|x| x.slug == "local-follow-up"));

        // A bank holiday applied there changes every partnership's calendar here.
        let day = NaiveDate::from_ymd_opt(2031, 3, 12).unwrap();
        let (o, _) = read(&here, &fresh(&here, &other.id).await).await;
        assert!(o.calendar.holiday_on(day).is_none());
        let h = clocks::propose_holiday(
            &there,
            &sysadmin,
            day,
            "Day of mourning",
            HolidayEditKind::Add,
            "Declared by proclamation",
        )
        .await
        .unwrap();
        assert!(
            clocks::decide_holiday(&there, &sysadmin, &h.id, true)
                .await
                .unwrap()
        );
        for id in [&p.id, &other.id] {
            let (r, _) = read(&here, &fresh(&here, id).await).await;
            assert_eq!(r.calendar.holiday_on(day), Some("Day of mourning"));
        }

        // A request that read its partnership before a change may be given the newer copy, never
        // an older one than it read.
        let (r, n) = read(&here, &p1).await;
        assert_eq!(n, 0);
        assert_eq!(r.agency_name(&a.id), Some("Police"));

        there.close().await;
        here.close().await;
    }
}
