//! The published bank holidays of England and Wales, 2010–2030, written out by hand.
//!
//! 2010–2026 are the published GOV.UK list (and, for 2010–2011, the list published before it);
//! 2027–2030 follow the standing rules. Written out literally rather than derived, so that a
//! mistake in the rules cannot hide behind the same mistake in the test. Names use a plain ASCII
//! apostrophe, and a GOV.UK "Substitute day" note becomes " (substitute day)" in the name.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;

use super::Calendar;

const NY: &str = "New Year's Day";
const NY_SUB: &str = "New Year's Day (substitute day)";
const GF: &str = "Good Friday";
const EM: &str = "Easter Monday";
const MAY: &str = "Early May bank holiday";
const SPRING: &str = "Spring bank holiday";
const SUMMER: &str = "Summer bank holiday";
const XMAS: &str = "Christmas Day";
const XMAS_SUB: &str = "Christmas Day (substitute day)";
const BOXING: &str = "Boxing Day";
const BOXING_SUB: &str = "Boxing Day (substitute day)";

const OFFICIAL: &[(&str, &str)] = &[
    // 2010
    ("2010-01-01", NY),
    ("2010-04-02", GF),
    ("2010-04-05", EM),
    ("2010-05-03", MAY),
    ("2010-05-31", SPRING),
    ("2010-08-30", SUMMER),
    ("2010-12-27", XMAS_SUB),
    ("2010-12-28", BOXING_SUB),
    // 2011
    ("2011-01-03", NY_SUB),
    ("2011-04-22", GF),
    ("2011-04-25", EM),
    ("2011-04-29", "Royal wedding"),
    ("2011-05-02", MAY),
    ("2011-05-30", SPRING),
    ("2011-08-29", SUMMER),
    ("2011-12-26", BOXING),
    ("2011-12-27", XMAS_SUB),
    // 2012
    ("2012-01-02", NY_SUB),
    ("2012-04-06", GF),
    ("2012-04-09", EM),
    ("2012-05-07", MAY),
    ("2012-06-04", "Spring bank holiday (substitute day)"),
    ("2012-06-05", "Queen's Diamond Jubilee"),
    ("2012-08-27", SUMMER),
    ("2012-12-25", XMAS),
    ("2012-12-26", BOXING),
    // 2013
    ("2013-01-01", NY),
    ("2013-03-29", GF),
    ("2013-04-01", EM),
    ("2013-05-06", MAY),
    ("2013-05-27", SPRING),
    ("2013-08-26", SUMMER),
    ("2013-12-25", XMAS),
    ("2013-12-26", BOXING),
    // 2014
    ("2014-01-01", NY),
    ("2014-04-18", GF),
    ("2014-04-21", EM),
    ("2014-05-05", MAY),
    ("2014-05-26", SPRING),
    ("2014-08-25", SUMMER),
    ("2014-12-25", XMAS),
    ("2014-12-26", BOXING),
    // 2015
    ("2015-01-01", NY),
    ("2015-04-03", GF),
    ("2015-04-06", EM),
    ("2015-05-04", MAY),
    ("2015-05-25", SPRING),
    ("2015-08-31", SUMMER),
    ("2015-12-25", XMAS),
    ("2015-12-28", BOXING_SUB),
    // 2016
    ("2016-01-01", NY),
    ("2016-03-25", GF),
    ("2016-03-28", EM),
    ("2016-05-02", MAY),
    ("2016-05-30", SPRING),
    ("2016-08-29", SUMMER),
    ("2016-12-26", BOXING),
    ("2016-12-27", XMAS_SUB),
    // 2017
    ("2017-01-02", NY_SUB),
    ("2017-04-14", GF),
    ("2017-04-17", EM),
    ("2017-05-01", MAY),
    ("2017-05-29", SPRING),
    ("2017-08-28", SUMMER),
    ("2017-12-25", XMAS),
    ("2017-12-26", BOXING),
    // 2018
    ("2018-01-01", NY),
    ("2018-03-30", GF),
    ("2018-04-02", EM),
    ("2018-05-07", MAY),
    ("2018-05-28", SPRING),
    ("2018-08-27", SUMMER),
    ("2018-12-25", XMAS),
    ("2018-12-26", BOXING),
    // 2019
    ("2019-01-01", NY),
    ("2019-04-19", GF),
    ("2019-04-22", EM),
    ("2019-05-06", MAY),
    ("2019-05-27", SPRING),
    ("2019-08-26", SUMMER),
    ("2019-12-25", XMAS),
    ("2019-12-26", BOXING),
    // 2020
    ("2020-01-01", NY),
    ("2020-04-10", GF),
    ("2020-04-13", EM),
    ("2020-05-08", "Early May bank holiday (VE day)"),
    ("2020-05-25", SPRING),
    ("2020-08-31", SUMMER),
    ("2020-12-25", XMAS),
    ("2020-12-28", BOXING_SUB),
    // 2021
    ("2021-01-01", NY),
    ("2021-04-02", GF),
    ("2021-04-05", EM),
    ("2021-05-03", MAY),
    ("2021-05-31", SPRING),
    ("2021-08-30", SUMMER),
    ("2021-12-27", XMAS_SUB),
    ("2021-12-28", BOXING_SUB),
    // 2022
    ("2022-01-03", NY_SUB),
    ("2022-04-15", GF),
    ("2022-04-18", EM),
    ("2022-05-02", MAY),
    ("2022-06-02", SPRING),
    ("2022-06-03", "Platinum Jubilee bank holiday"),
    ("2022-08-29", SUMMER),
    (
        "2022-09-19",
        "Bank Holiday for the State Funeral of Queen Elizabeth II",
    ),
    ("2022-12-26", BOXING),
    ("2022-12-27", XMAS_SUB),
    // 2023
    ("2023-01-02", NY_SUB),
    ("2023-04-07", GF),
    ("2023-04-10", EM),
    ("2023-05-01", MAY),
    (
        "2023-05-08",
        "Bank holiday for the coronation of King Charles III",
    ),
    ("2023-05-29", SPRING),
    ("2023-08-28", SUMMER),
    ("2023-12-25", XMAS),
    ("2023-12-26", BOXING),
    // 2024
    ("2024-01-01", NY),
    ("2024-03-29", GF),
    ("2024-04-01", EM),
    ("2024-05-06", MAY),
    ("2024-05-27", SPRING),
    ("2024-08-26", SUMMER),
    ("2024-12-25", XMAS),
    ("2024-12-26", BOXING),
    // 2025
    ("2025-01-01", NY),
    ("2025-04-18", GF),
    ("2025-04-21", EM),
    ("2025-05-05", MAY),
    ("2025-05-26", SPRING),
    ("2025-08-25", SUMMER),
    ("2025-12-25", XMAS),
    ("2025-12-26", BOXING),
    // 2026
    ("2026-01-01", NY),
    ("2026-04-03", GF),
    ("2026-04-06", EM),
    ("2026-05-04", MAY),
    ("2026-05-25", SPRING),
    ("2026-08-31", SUMMER),
    ("2026-12-25", XMAS),
    ("2026-12-28", BOXING_SUB),
    // 2027
    ("2027-01-01", NY),
    ("2027-03-26", GF),
    ("2027-03-29", EM),
    ("2027-05-03", MAY),
    ("2027-05-31", SPRING),
    ("2027-08-30", SUMMER),
    ("2027-12-27", XMAS_SUB),
    ("2027-12-28", BOXING_SUB),
    // 2028
    ("2028-01-03", NY_SUB),
    ("2028-04-14", GF),
    ("2028-04-17", EM),
    ("2028-05-01", MAY),
    ("2028-05-29", SPRING),
    ("2028-08-28", SUMMER),
    ("2028-12-25", XMAS),
    ("2028-12-26", BOXING),
    // 2029
    ("2029-01-01", NY),
    ("2029-03-30", GF),
    ("2029-04-02", EM),
    ("2029-05-07", MAY),
    ("2029-05-28", SPRING),
    ("2029-08-27", SUMMER),
    ("2029-12-25", XMAS),
    ("2029-12-26", BOXING),
    // 2030
    ("2030-01-01", NY),
    ("2030-04-19", GF),
    ("2030-04-22", EM),
    ("2030-05-06", MAY),
    ("2030-05-27", SPRING),
    ("2030-08-26", SUMMER),
    ("2030-12-25", XMAS),
    ("2030-12-26", BOXING),
];

#[test]
fn holidays_in_year_match_the_published_list_for_every_year_2010_to_2030() {
    let cal = Calendar::england_and_wales();
    for year in 2010..=2030 {
        let expected: Vec<(NaiveDate, &str)> = OFFICIAL
            .iter()
            .map(|(date, name)| (date.parse::<NaiveDate>().unwrap(), *name))
            .filter(|(date, _)| chrono::Datelike::year(date) == year)
            .collect();
        let actual: Vec<(NaiveDate, String)> = cal
            .holidays_in_year(year)
            .into_iter()
            .map(|h| (h.date, h.name))
            .collect();
        let actual: Vec<(NaiveDate, &str)> = actual.iter().map(|(d, n)| (*d, n.as_str())).collect();
        assert_eq!(actual, expected, "bank holidays of {year}");
    }
}

#[test]
fn every_published_holiday_is_named_by_holiday_on_and_is_not_a_working_day() {
    let cal = Calendar::england_and_wales();
    for (date, name) in OFFICIAL {
        let date: NaiveDate = date.parse().unwrap();
        assert_eq!(cal.holiday_on(date), Some(*name), "{date}");
        assert!(!cal.is_working_day(date), "{date}");
    }
}

#[test]
fn every_published_holiday_falls_on_a_weekday() {
    for (date, _) in OFFICIAL {
        let date: NaiveDate = date.parse().unwrap();
        let wd = chrono::Datelike::weekday(&date);
        assert!(
            !matches!(wd, chrono::Weekday::Sat | chrono::Weekday::Sun),
            "{date}"
        );
    }
}
