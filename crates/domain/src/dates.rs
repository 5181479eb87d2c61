//! Dates as people type them: the three boxes of the GOV.UK date pattern (day, month, year),
//! checked with messages that say what to fix.

use chrono::{Datelike, NaiveDate};

/// Parses a date typed as day, month and year. `what` names the date in messages
/// ("the start date"). Years are four digits, as the GOV.UK pattern asks.
pub fn parse_parts(day: &str, month: &str, year: &str, what: &str) -> Result<NaiveDate, String> {
    let (d, m, y) = (day.trim(), month.trim(), year.trim());
    if d.is_empty() && m.is_empty() && y.is_empty() {
        return Err(format!("Enter {what}"));
    }
    let missing: Vec<&str> = [("a day", d), ("a month", m), ("a year", y)]
        .iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} must include {}",
            capitalise(what),
            missing.join(" and ")
        ));
    }
    let num = |s: &str| s.parse::<u32>().ok();
    let month_num = num(m).or_else(|| month_from_name(m));
    match (num(d), month_num, y.parse::<i32>().ok()) {
        (Some(d), Some(m), Some(y)) if y.to_string().len() == 4 && (1..=12).contains(&m) => {
            NaiveDate::from_ymd_opt(y, m, d)
                .ok_or_else(|| format!("{} must be a real date", capitalise(what)))
        }
        (_, _, Some(y)) if y.to_string().len() != 4 => {
            Err("Year must include 4 numbers".to_owned())
        }
        _ => Err(format!("{} must be a real date", capitalise(what))),
    }
}

/// Parses `YYYY-MM-DD`, the form used on the command line and in links.
pub fn parse_iso(s: &str) -> Option<NaiveDate> {
    // Every stored date is read through here (pages read hundreds): the exact form is read
    // digit by digit, anything else by chrono's own parser.
    let b = s.as_bytes();
    let exact = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if exact {
        let n = |from: usize, to: usize| {
            b[from..to]
                .iter()
                .fold(0u32, |n, c| n * 10 + u32::from(c - b'0'))
        };
        return NaiveDate::from_ymd_opt(i32::try_from(n(0, 4)).ok()?, n(5, 7), n(8, 10));
    }
    s.trim().parse().ok()
}

/// The months' names, January first.
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date as people read it in England: "18 December 2026".
pub fn long(d: NaiveDate) -> String {
    let month = usize::try_from(d.month0()).map_or("", |m| MONTHS[m % 12]);
    format!("{} {month} {}", d.day(), d.year())
}

fn month_from_name(s: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let s = s.to_lowercase();
    NAMES
        .iter()
        .position(|n| s.starts_with(n))
        .and_then(|i| u32::try_from(i + 1).ok())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_and_written_as_before() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 8).unwrap_or_default();
        assert_eq!(long(d), "8 December 2026");
        assert_eq!(long(d), d.format("%-d %B %Y").to_string());
        let first = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default();
        assert_eq!(long(first), "1 January 2027");
        assert_eq!(parse_iso(" 2026-12-08 "), Some(d));
        assert_eq!(parse_iso("2026-12-8"), Some(d));
        assert_eq!(parse_iso("2026-02-30"), None);
        assert_eq!(parse_iso("8 December 2026"), None);
        assert_eq!(parse_iso(""), None);
    }

    proptest::proptest! {
        /// The digit-by-digit reading agrees with chrono's parser on any ten characters of
        /// the stored form's shape, and on every real date written out.
        #[test]
        fn the_fast_reading_agrees_with_chrono(
            s in "[0-9+-][0-9]{3}-[0-9]{2}-[0-9]{2}",
            days in 0i64..200_000,
        ) {
            proptest::prop_assert_eq!(parse_iso(&s), s.parse::<NaiveDate>().ok());
            let d = NaiveDate::from_ymd_opt(1500, 1, 1).unwrap_or_default()
                + chrono::Duration::days(days);
            let written = d.format("%Y-%m-%d").to_string();
            proptest::prop_assert_eq!(parse_iso(&written), Some(d));
        }
    }

    #[test]
    fn a_real_date_is_read_from_three_boxes() {
        assert_eq!(
            parse_parts("18", "12", "2026", "the start date"),
            NaiveDate::from_ymd_opt(2026, 12, 18).ok_or(String::new())
        );
        assert_eq!(
            parse_parts("1", "Dec", "2026", "the start date"),
            NaiveDate::from_ymd_opt(2026, 12, 1).ok_or(String::new())
        );
    }

    #[test]
    fn messages_say_what_is_missing_or_wrong() {
        assert_eq!(
            parse_parts("", "", "", "the start date"),
            Err("Enter the start date".into())
        );
        assert_eq!(
            parse_parts("18", "", "", "the start date"),
            Err("The start date must include a month and a year".into())
        );
        assert_eq!(
            parse_parts("31", "2", "2026", "the start date"),
            Err("The start date must be a real date".into())
        );
        assert_eq!(
            parse_parts("1", "2", "26", "the start date"),
            Err("Year must include 4 numbers".into())
        );
    }

    #[test]
    fn dates_read_as_people_write_them() {
        assert_eq!(
            long(NaiveDate::from_ymd_opt(2026, 12, 8).unwrap_or_default()),
            "8 December 2026"
        );
    }
}

/// The UTC moment of a Europe/London wall-clock time. British Summer Time runs from 01:00 UTC
/// on the last Sunday of March to 01:00 UTC on the last Sunday of October (the rule since
/// 1996); a time in the hour skipped in spring is read as summer time.
pub fn london_to_utc(local: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    use chrono::{Datelike, Duration, TimeZone, Utc};
    let year = local.year();
    let last_sunday = |month: u32| {
        let mut d = NaiveDate::from_ymd_opt(year, month, 31).unwrap_or_default();
        while d.weekday() != chrono::Weekday::Sun {
            d = d.pred_opt().unwrap_or(d);
        }
        d
    };
    let starts = last_sunday(3).and_hms_opt(1, 0, 0).unwrap_or_default(); // 01:00 GMT = 01:00 UTC
    let ends = last_sunday(10).and_hms_opt(2, 0, 0).unwrap_or_default(); // 02:00 BST = 01:00 UTC
    let summer = local >= starts && local < ends;
    let utc = if summer {
        local - Duration::hours(1)
    } else {
        local
    };
    Utc.from_utc_datetime(&utc)
}

#[cfg(test)]
mod london_time_tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .unwrap_or_default()
    }

    #[test]
    fn summer_time_is_one_hour_ahead_of_utc() {
        assert_eq!(
            london_to_utc(at(2027, 1, 12, 10)).format("%H").to_string(),
            "10"
        );
        assert_eq!(
            london_to_utc(at(2027, 7, 13, 10)).format("%H").to_string(),
            "09"
        );
        // 2027: summer time from Sunday 28 March to Sunday 31 October.
        assert_eq!(
            london_to_utc(at(2027, 3, 28, 0)).format("%H").to_string(),
            "00"
        );
        assert_eq!(
            london_to_utc(at(2027, 3, 28, 3)).format("%H").to_string(),
            "02"
        );
        assert_eq!(
            london_to_utc(at(2027, 10, 31, 3)).format("%H").to_string(),
            "03"
        );
    }
}

/// The date in London at a UTC moment (one hour ahead during British Summer Time).
pub fn london_date(at: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    let naive = at.naive_utc();
    // A wall-clock time is summer time when its UTC moment is an hour earlier than itself.
    let plus_one = naive + chrono::Duration::hours(1);
    if london_to_utc(plus_one).naive_utc() == naive {
        plus_one.date()
    } else {
        naive.date()
    }
}

#[cfg(test)]
mod london_tests {
    use super::*;

    #[test]
    fn the_london_date_follows_summer_time() {
        use chrono::TimeZone;
        let at = |y, m, d, h| {
            chrono::Utc
                .with_ymd_and_hms(y, m, d, h, 30, 0)
                .single()
                .unwrap_or_default()
        };
        // 23:30 UTC in July is 00:30 the next day in London; in January it is the same day.
        assert_eq!(
            london_date(at(2026, 7, 1, 23)),
            NaiveDate::from_ymd_opt(2026, 7, 2).unwrap_or_default()
        );
        assert_eq!(
            london_date(at(2026, 1, 1, 23)),
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
        );
    }
}
