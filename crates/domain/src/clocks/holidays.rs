//! The bank holidays of each jurisdiction, by rule and by royal proclamation.
//!
//! This file owns *which days are bank holidays* before any installation's edits: the standing
//! rules of the Banking and Financial Dealings Act 1971 (and the common-law holidays of Good
//! Friday and Christmas Day), Easter, weekend substitutes, and the one-off changes made by royal
//! proclamation. It knows nothing about working-day arithmetic; `calendar.rs` builds on it.
//! Scotland or Northern Ireland would be a new [`Jurisdiction`] variant and a new rule function
//! here, with no change for callers of the calendar.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// Whose bank holidays a calendar follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Jurisdiction {
    /// England and Wales share one list (GOV.UK's `england-and-wales` division).
    EnglandAndWales,
}

impl Jurisdiction {
    /// Plain words for users, e.g. "Bank holidays of England and Wales".
    pub fn name(self) -> &'static str {
        match self {
            Jurisdiction::EnglandAndWales => "England and Wales",
        }
    }

    /// The bank holidays of `year` by rule and proclamation, in date order, one per date.
    pub(crate) fn holidays_by_rule(self, year: i32) -> Vec<(NaiveDate, &'static str)> {
        match self {
            Jurisdiction::EnglandAndWales => england_and_wales(year),
        }
    }
}

pub(crate) const NEW_YEAR: &str = "New Year's Day";
pub(crate) const NEW_YEAR_SUBSTITUTE: &str = "New Year's Day (substitute day)";
pub(crate) const GOOD_FRIDAY: &str = "Good Friday";
pub(crate) const EASTER_MONDAY: &str = "Easter Monday";
pub(crate) const EARLY_MAY: &str = "Early May bank holiday";
pub(crate) const EARLY_MAY_VE_DAY: &str = "Early May bank holiday (VE day)";
pub(crate) const SPRING: &str = "Spring bank holiday";
pub(crate) const SPRING_SUBSTITUTE: &str = "Spring bank holiday (substitute day)";
pub(crate) const SUMMER: &str = "Summer bank holiday";
pub(crate) const CHRISTMAS: &str = "Christmas Day";
pub(crate) const CHRISTMAS_SUBSTITUTE: &str = "Christmas Day (substitute day)";
pub(crate) const BOXING_DAY: &str = "Boxing Day";
pub(crate) const BOXING_DAY_SUBSTITUTE: &str = "Boxing Day (substitute day)";

/// A standing holiday that a proclamation moved to another day in one year.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Standing {
    EarlyMay,
    Spring,
}

/// A proclamation moving a standing holiday: (year, which, month, day, name it is listed under).
///
/// Section 1(3) of the Banking and Financial Dealings Act 1971 lets the Sovereign, by
/// proclamation, declare that a day in Schedule 1 is not a bank holiday and appoint another day
/// instead. The names follow the published GOV.UK bank-holidays list where it covers the year
/// (it lists 2012's moved day with the note "Substitute day", 2022's without a note); 1995 and
/// 2002 are named like 2020 and 2012, as that list does not go back so far.
const MOVED: [(i32, Standing, u32, u32, &str); 5] = [
    // 1995: early May bank holiday moved from Mon 1 May to Mon 8 May for the 50th anniversary of
    // VE Day (royal proclamation).
    (1995, Standing::EarlyMay, 5, 8, EARLY_MAY_VE_DAY),
    // 2002: spring bank holiday moved from Mon 27 May to Tue 4 June, next to the Golden Jubilee
    // holiday on Mon 3 June (royal proclamation).
    (2002, Standing::Spring, 6, 4, SPRING_SUBSTITUTE),
    // 2012: spring bank holiday moved from Mon 28 May to Mon 4 June, next to the Diamond Jubilee
    // holiday on Tue 5 June (royal proclamation; GOV.UK lists it as a substitute day).
    (2012, Standing::Spring, 6, 4, SPRING_SUBSTITUTE),
    // 2020: early May bank holiday moved from Mon 4 May to Fri 8 May for the 75th anniversary of
    // VE Day (royal proclamation; GOV.UK title "Early May bank holiday (VE day)").
    (2020, Standing::EarlyMay, 5, 8, EARLY_MAY_VE_DAY),
    // 2022: spring bank holiday moved from Mon 30 May to Thu 2 June for the Platinum Jubilee
    // (royal proclamation; GOV.UK title "Spring bank holiday").
    (2022, Standing::Spring, 6, 2, SPRING),
];

/// Extra one-off bank holidays appointed by royal proclamation under section 1(3) of the Banking
/// and Financial Dealings Act 1971: (year, month, day, name). Names follow the GOV.UK list where
/// it covers the year (2012 on), with a plain ASCII apostrophe like every other name here; the
/// names for 1999, 2002 and 2011 are ours, as that list does not go back so far.
const EXTRA: [(i32, u32, u32, &str); 7] = [
    // Fri 31 December 1999: Millennium Eve (royal proclamation).
    (1999, 12, 31, "Millennium Eve"),
    // Mon 3 June 2002: the Queen's Golden Jubilee (royal proclamation).
    (2002, 6, 3, "Queen's Golden Jubilee"),
    // Fri 29 April 2011: the wedding of Prince William and Catherine Middleton (royal
    // proclamation).
    (2011, 4, 29, "Royal wedding"),
    // Tue 5 June 2012: the Queen's Diamond Jubilee (royal proclamation; GOV.UK "Queen's
    // Diamond Jubilee", note "Extra bank holiday").
    (2012, 6, 5, "Queen's Diamond Jubilee"),
    // Fri 3 June 2022: the Platinum Jubilee (royal proclamation; GOV.UK title).
    (2022, 6, 3, "Platinum Jubilee bank holiday"),
    // Mon 19 September 2022: the State Funeral of Queen Elizabeth II (royal proclamation;
    // GOV.UK title).
    (
        2022,
        9,
        19,
        "Bank Holiday for the State Funeral of Queen Elizabeth II",
    ),
    // Mon 8 May 2023: the coronation of King Charles III (royal proclamation; GOV.UK title).
    (
        2023,
        5,
        8,
        "Bank holiday for the coronation of King Charles III",
    ),
];

/// England and Wales for any year chrono can represent; dates that do not exist are skipped.
fn england_and_wales(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let mut out: Vec<(NaiveDate, &'static str)> = Vec::with_capacity(10);
    let mut push = |date: Option<NaiveDate>, name: &'static str| {
        if let Some(date) = date {
            out.push((date, name));
        }
    };

    // New Year's Day: Schedule 1 of the 1971 Act, with the next Monday when it falls at a weekend.
    if let Some(jan1) = ymd(year, 1, 1) {
        match jan1.weekday() {
            Weekday::Sat => push(ymd(year, 1, 3), NEW_YEAR_SUBSTITUTE),
            Weekday::Sun => push(ymd(year, 1, 2), NEW_YEAR_SUBSTITUTE),
            _ => push(Some(jan1), NEW_YEAR),
        }
    }

    // Good Friday (common law) and Easter Monday (Schedule 1).
    if let Some(easter) = easter_sunday(year) {
        push(easter.checked_sub_signed(Duration::days(2)), GOOD_FRIDAY);
        push(easter.checked_add_signed(Duration::days(1)), EASTER_MONDAY);
    }

    // The three Monday holidays of Schedule 1, unless a proclamation moved them.
    let (early_may, early_may_name) = match moved(year, Standing::EarlyMay) {
        Some((d, n)) => (Some(d), n),
        None => (first_monday(year, 5), EARLY_MAY),
    };
    push(early_may, early_may_name);
    let (spring, spring_name) = match moved(year, Standing::Spring) {
        Some((d, n)) => (Some(d), n),
        None => (last_monday(year, 5), SPRING),
    };
    push(spring, spring_name);
    push(last_monday(year, 8), SUMMER);

    // Christmas Day (common law) and Boxing Day (Schedule 1) with their substitutes.
    if let Some(christmas) = ymd(year, 12, 25) {
        match christmas.weekday() {
            // Christmas on Saturday, Boxing Day on Sunday: Mon 27 and Tue 28 are both substitutes.
            Weekday::Sat => {
                push(ymd(year, 12, 27), CHRISTMAS_SUBSTITUTE);
                push(ymd(year, 12, 28), BOXING_DAY_SUBSTITUTE);
            }
            // Christmas on Sunday: Boxing Day is Mon 26, and Christmas is kept on Tue 27.
            Weekday::Sun => {
                push(ymd(year, 12, 26), BOXING_DAY);
                push(ymd(year, 12, 27), CHRISTMAS_SUBSTITUTE);
            }
            // Christmas on Friday, Boxing Day on Saturday: Boxing Day is kept on Mon 28.
            Weekday::Fri => {
                push(Some(christmas), CHRISTMAS);
                push(ymd(year, 12, 28), BOXING_DAY_SUBSTITUTE);
            }
            _ => {
                push(Some(christmas), CHRISTMAS);
                push(ymd(year, 12, 26), BOXING_DAY);
            }
        }
    }

    for (y, m, d, name) in EXTRA {
        if y == year {
            push(ymd(y, m, d), name);
        }
    }

    out.sort_by_key(|(d, _)| *d);
    // Rules never put two holidays on one date, but keep the "one per date" promise regardless.
    out.dedup_by_key(|(d, _)| *d);
    out
}

fn moved(year: i32, which: Standing) -> Option<(NaiveDate, &'static str)> {
    MOVED
        .iter()
        .find(|(y, w, ..)| *y == year && *w == which)
        .and_then(|(y, _, m, d, name)| ymd(*y, *m, *d).map(|date| (date, *name)))
}

/// Easter Sunday in the Gregorian calendar by the anonymous algorithm (Meeus/Jones/Butcher).
///
/// Euclidean division keeps every intermediate in its usual range, so this also gives a date in
/// 22 March..=25 April for years before 1 AD, which chrono can represent.
pub(crate) fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let n = h + l - 7 * m + 114;
    let month = u32::try_from(n.div_euclid(31)).ok()?;
    let day = u32::try_from(n.rem_euclid(31) + 1).ok()?;
    ymd(year, month, day)
}

fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

fn first_monday(year: i32, month: u32) -> Option<NaiveDate> {
    let first = ymd(year, month, 1)?;
    let offset = (7 - first.weekday().num_days_from_monday()) % 7;
    first.checked_add_signed(Duration::days(i64::from(offset)))
}

fn last_monday(year: i32, month: u32) -> Option<NaiveDate> {
    let last = last_day_of_month(year, month)?;
    let back = last.weekday().num_days_from_monday();
    last.checked_sub_signed(Duration::days(i64::from(back)))
}

/// The last day of a month, or None outside chrono's range.
pub(crate) fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let (ny, nm) = if month == 12 {
        (year.checked_add(1)?, 1)
    } else {
        (year, month + 1)
    };
    match ymd(ny, nm, 1) {
        Some(next) => next.pred_opt(),
        // December of chrono's last year: 31 December exists even though 1 January after does not.
        None => ymd(year, month, 31),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn on(year: i32, date: NaiveDate) -> Option<&'static str> {
        Jurisdiction::EnglandAndWales
            .holidays_by_rule(year)
            .into_iter()
            .find(|(x, _)| *x == date)
            .map(|(_, n)| n)
    }

    #[test]
    fn easter_sunday_matches_known_dates_including_the_earliest_and_latest_possible() {
        // 2008 was the earliest Easter for a century (23 March); 2011 and 2038 are late ones.
        let known = [
            (1990, 4, 15),
            (1995, 4, 16),
            (2000, 4, 23),
            (2008, 3, 23),
            (2011, 4, 24),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2038, 4, 25),
            (2100, 3, 28),
            // 1818 and 2285 fall on 22 March, the earliest possible date.
            (1818, 3, 22),
            (2285, 3, 22),
            // 1943 and 2038 fall on 25 April, the latest possible date.
            (1943, 4, 25),
        ];
        for (y, m, day) in known {
            assert_eq!(easter_sunday(y), Some(d(y, m, day)), "Easter {y}");
        }
    }

    #[test]
    fn easter_is_always_a_sunday_between_22_march_and_25_april_even_far_from_today() {
        for year in (-262_000..262_000).step_by(997).chain(1583..2500) {
            let e = easter_sunday(year).unwrap();
            assert_eq!(e.weekday(), Weekday::Sun, "{year}");
            assert!(e >= d(year, 3, 22) && e <= d(year, 4, 25), "{year}: {e}");
        }
    }

    #[test]
    fn good_friday_and_easter_monday_follow_an_early_and_a_late_easter() {
        assert_eq!(on(2008, d(2008, 3, 21)), Some(GOOD_FRIDAY));
        assert_eq!(on(2008, d(2008, 3, 24)), Some(EASTER_MONDAY));
        assert_eq!(on(2011, d(2011, 4, 22)), Some(GOOD_FRIDAY));
        assert_eq!(on(2011, d(2011, 4, 25)), Some(EASTER_MONDAY));
        assert_eq!(on(2038, d(2038, 4, 23)), Some(GOOD_FRIDAY));
        assert_eq!(on(2038, d(2038, 4, 26)), Some(EASTER_MONDAY));
    }

    #[test]
    fn christmas_on_saturday_gives_monday_and_tuesday_substitutes() {
        for year in [1993, 1999, 2004, 2010, 2021, 2027, 2032] {
            assert_eq!(d(year, 12, 25).weekday(), Weekday::Sat);
            assert_eq!(on(year, d(year, 12, 25)), None);
            assert_eq!(on(year, d(year, 12, 26)), None);
            assert_eq!(on(year, d(year, 12, 27)), Some(CHRISTMAS_SUBSTITUTE));
            assert_eq!(on(year, d(year, 12, 28)), Some(BOXING_DAY_SUBSTITUTE));
        }
    }

    #[test]
    fn christmas_on_sunday_gives_boxing_day_monday_and_christmas_tuesday() {
        for year in [1994, 2005, 2011, 2016, 2022, 2033] {
            assert_eq!(d(year, 12, 25).weekday(), Weekday::Sun);
            assert_eq!(on(year, d(year, 12, 25)), None);
            assert_eq!(on(year, d(year, 12, 26)), Some(BOXING_DAY));
            assert_eq!(on(year, d(year, 12, 27)), Some(CHRISTMAS_SUBSTITUTE));
            assert_eq!(on(year, d(year, 12, 28)), None);
        }
    }

    #[test]
    fn boxing_day_on_saturday_is_kept_on_monday_28th() {
        for year in [1998, 2009, 2015, 2020, 2026, 2037] {
            assert_eq!(d(year, 12, 26).weekday(), Weekday::Sat);
            assert_eq!(on(year, d(year, 12, 25)), Some(CHRISTMAS));
            assert_eq!(on(year, d(year, 12, 26)), None);
            assert_eq!(on(year, d(year, 12, 27)), None);
            assert_eq!(on(year, d(year, 12, 28)), Some(BOXING_DAY_SUBSTITUTE));
        }
    }

    #[test]
    fn new_years_day_at_a_weekend_moves_to_the_monday() {
        assert_eq!(on(2011, d(2011, 1, 3)), Some(NEW_YEAR_SUBSTITUTE)); // Saturday
        assert_eq!(on(2012, d(2012, 1, 2)), Some(NEW_YEAR_SUBSTITUTE)); // Sunday
        assert_eq!(on(2000, d(2000, 1, 3)), Some(NEW_YEAR_SUBSTITUTE)); // Saturday
        assert_eq!(on(2011, d(2011, 1, 1)), None);
        assert_eq!(on(2024, d(2024, 1, 1)), Some(NEW_YEAR));
    }

    #[test]
    fn proclamations_move_and_add_days_only_in_their_year() {
        // 1995: VE Day 50th; the first Monday was 1 May.
        assert_eq!(on(1995, d(1995, 5, 1)), None);
        assert_eq!(on(1995, d(1995, 5, 8)), Some(EARLY_MAY_VE_DAY));
        assert_eq!(on(1996, d(1996, 5, 6)), Some(EARLY_MAY));
        // 1999 Millennium Eve.
        assert_eq!(on(1999, d(1999, 12, 31)), Some("Millennium Eve"));
        assert_eq!(on(2000, d(2000, 12, 31)), None);
        // 2002 Golden Jubilee: last Monday of May (27th) not a holiday.
        assert_eq!(on(2002, d(2002, 5, 27)), None);
        assert_eq!(on(2002, d(2002, 6, 3)), Some("Queen's Golden Jubilee"));
        assert_eq!(on(2002, d(2002, 6, 4)), Some(SPRING_SUBSTITUTE));
        // 2012 Diamond Jubilee: 28 May not a holiday.
        assert_eq!(on(2012, d(2012, 5, 28)), None);
        assert_eq!(on(2012, d(2012, 6, 4)), Some(SPRING_SUBSTITUTE));
        assert_eq!(on(2012, d(2012, 6, 5)), Some("Queen's Diamond Jubilee"));
        // 2020 VE Day 75th on a Friday; 4 May was not a holiday.
        assert_eq!(on(2020, d(2020, 5, 4)), None);
        assert_eq!(on(2020, d(2020, 5, 8)), Some(EARLY_MAY_VE_DAY));
        // 2022 Platinum Jubilee and the State Funeral.
        assert_eq!(on(2022, d(2022, 5, 30)), None);
        assert_eq!(on(2022, d(2022, 6, 2)), Some(SPRING));
        assert_eq!(
            on(2022, d(2022, 6, 3)),
            Some("Platinum Jubilee bank holiday")
        );
        assert!(on(2022, d(2022, 9, 19)).is_some());
        // 2023 coronation, in addition to the early May holiday on 1 May.
        assert_eq!(on(2023, d(2023, 5, 1)), Some(EARLY_MAY));
        assert!(on(2023, d(2023, 5, 8)).is_some());
    }

    #[test]
    fn every_year_has_eight_holidays_except_proclamation_years() {
        for year in 1990..=2100 {
            let n = Jurisdiction::EnglandAndWales.holidays_by_rule(year).len();
            let expected = match year {
                1999 | 2002 | 2011 | 2012 | 2023 => 9,
                2022 => 10,
                _ => 8,
            };
            assert_eq!(n, expected, "{year}");
        }
    }

    #[test]
    fn rules_do_not_panic_at_the_ends_of_chronos_range() {
        for year in [NaiveDate::MIN.year(), NaiveDate::MAX.year(), 0, -1] {
            let hols = Jurisdiction::EnglandAndWales.holidays_by_rule(year);
            assert!(hols.len() >= 7, "{year}: {hols:?}");
        }
        assert_eq!(
            last_day_of_month(NaiveDate::MAX.year(), 12),
            Some(NaiveDate::MAX)
        );
    }
}
