//! Property tests of working-day arithmetic against a day-by-day reference.
//!
//! The fast paths use precomputed tables; the reference here only asks "weekday and not a listed
//! holiday?" one day at a time, so any disagreement is a bug in the tables or the hand-over to
//! the by-rule fallback at either end of 1990..=2100.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Days, NaiveDate, Weekday};
use proptest::prelude::*;

use super::{Calendar, HolidayEdit, HolidayEditKind};

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(1985, 1, 1).unwrap()
}

/// Dates from 1985 to 2116, so that many runs cross the ends of the precomputed years.
fn near_date() -> impl Strategy<Value = NaiveDate> {
    (0u64..48_000).prop_map(|off| base().checked_add_days(Days::new(off)).unwrap())
}

/// Dates from about 3000 BC to AD 6000, all computed by rule.
fn far_date() -> impl Strategy<Value = NaiveDate> {
    (-1_100_000i32..2_200_000).prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
}

fn reference_is_working(cal: &Calendar, d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && cal.holiday_on(d).is_none()
}

fn reference_add(cal: &Calendar, from: NaiveDate, n: u32) -> NaiveDate {
    let mut d = from;
    let mut left = n;
    while left > 0 {
        d = d.succ_opt().unwrap();
        if reference_is_working(cal, d) {
            left -= 1;
        }
    }
    d
}

fn reference_sub(cal: &Calendar, from: NaiveDate, n: u32) -> NaiveDate {
    let mut d = from;
    let mut left = n;
    while left > 0 {
        d = d.pred_opt().unwrap();
        if reference_is_working(cal, d) {
            left -= 1;
        }
    }
    d
}

fn last_working_on_or_before(cal: &Calendar, from: NaiveDate) -> NaiveDate {
    let mut d = from;
    while !reference_is_working(cal, d) {
        d = d.pred_opt().unwrap();
    }
    d
}

/// An edited calendar: a few added and removed days around the test dates.
fn edited_calendar() -> impl Strategy<Value = Calendar> {
    prop::collection::vec((0u64..48_000, any::<bool>()), 0..12).prop_map(|edits| {
        let edits: Vec<HolidayEdit> = edits
            .into_iter()
            .map(|(off, add)| HolidayEdit {
                date: base().checked_add_days(Days::new(off)).unwrap(),
                name: "Edited".to_owned(),
                kind: if add {
                    HolidayEditKind::Add
                } else {
                    HolidayEditKind::Remove
                },
            })
            .collect();
        Calendar::england_and_wales().with_edits(&edits)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn adding_working_days_never_lands_on_a_weekend_or_a_holiday(
        from in near_date(), n in 1u32..800,
    ) {
        let cal = Calendar::england_and_wales();
        let due = cal.add_working_days(from, n);
        prop_assert!(due > from);
        prop_assert!(reference_is_working(&cal, due), "{} + {} = {}", from, n, due);
        prop_assert!(cal.is_working_day(due));
    }

    #[test]
    fn adding_and_subtracting_agree_with_counting_day_by_day(
        cal in edited_calendar(), from in near_date(), n in 0u32..800,
    ) {
        prop_assert_eq!(cal.add_working_days(from, n), reference_add(&cal, from, n));
        prop_assert_eq!(cal.subtract_working_days(from, n), reference_sub(&cal, from, n));
    }

    #[test]
    fn is_working_day_agrees_with_the_holiday_list(cal in edited_calendar(), d in near_date()) {
        prop_assert_eq!(cal.is_working_day(d), reference_is_working(&cal, d));
    }

    #[test]
    fn add_then_count_gives_n_back(from in near_date(), n in 0u32..5_000) {
        let cal = Calendar::england_and_wales();
        let due = cal.add_working_days(from, n);
        prop_assert_eq!(cal.working_days_between(from, due), i64::from(n));
        prop_assert_eq!(cal.working_days_between(due, from), -i64::from(n));
    }

    #[test]
    fn the_due_date_never_goes_back_when_the_start_moves_forward(
        a in near_date(), gap in 0u64..400, n in 0u32..400,
    ) {
        let cal = Calendar::england_and_wales();
        let b = a.checked_add_days(Days::new(gap)).unwrap();
        prop_assert!(cal.add_working_days(a, n) <= cal.add_working_days(b, n));
        prop_assert!(cal.subtract_working_days(a, n) <= cal.subtract_working_days(b, n));
    }

    #[test]
    fn subtracting_undoes_adding(from in near_date(), n in 1u32..2_000) {
        let cal = Calendar::england_and_wales();
        let there = cal.add_working_days(from, n);
        prop_assert_eq!(
            cal.subtract_working_days(there, n),
            last_working_on_or_before(&cal, from)
        );
        if cal.is_working_day(from) {
            prop_assert_eq!(cal.subtract_working_days(there, n), from);
            let back = cal.subtract_working_days(from, n);
            prop_assert_eq!(cal.add_working_days(back, n), from);
        }
    }

    #[test]
    fn counts_add_up_across_any_three_dates(
        a in near_date(), b in near_date(), c in near_date(),
    ) {
        let cal = Calendar::england_and_wales();
        prop_assert_eq!(
            cal.working_days_between(a, b) + cal.working_days_between(b, c),
            cal.working_days_between(a, c)
        );
        prop_assert_eq!(cal.working_days_between(a, b), -cal.working_days_between(b, a));
    }

    #[test]
    fn far_from_the_tables_the_same_laws_hold(from in far_date(), n in 0u32..600) {
        let cal = Calendar::england_and_wales();
        let due = cal.add_working_days(from, n);
        prop_assert_eq!(due, reference_add(&cal, from, n));
        prop_assert_eq!(cal.working_days_between(from, due), i64::from(n));
        prop_assert_eq!(cal.subtract_working_days(from, n), reference_sub(&cal, from, n));
    }
}

proptest! {
    // Each case walks thousands of years by rule, so fewer cases keep the suite quick.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn long_spans_count_the_same_as_chained_short_ones(
        a in far_date(), b in near_date(), c in far_date(),
    ) {
        let cal = Calendar::england_and_wales();
        prop_assert_eq!(
            cal.working_days_between(a, b) + cal.working_days_between(b, c),
            cal.working_days_between(a, c)
        );
    }
}
