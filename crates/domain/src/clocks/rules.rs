//! Clock rules: what starts a clock, how long it runs, and where the duty comes from.
//!
//! A rule is data (SPEC.md §4) so that a partnership can add local rules; this file owns the
//! rule type, the one function that turns a rule and a start event into a due date, and the
//! rules every installation is seeded with. Due dates are computed on read from a record's
//! events, never stored, so a holiday edit moves every open deadline at once.

use chrono::{Days, NaiveDate};

use super::calendar::{Calendar, add_months};

/// The unit a rule's length is counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Monday to Friday, not bank holidays of the calendar.
    WorkingDays,
    CalendarDays,
    Weeks,
    /// Calendar months; a day that does not exist in the target month becomes its last day.
    Months,
}

impl Unit {
    /// Stable identifier for storage and forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::WorkingDays => "working-days",
            Unit::CalendarDays => "calendar-days",
            Unit::Weeks => "weeks",
            Unit::Months => "months",
        }
    }

    /// The inverse of [`Unit::as_str`].
    pub fn parse(s: &str) -> Option<Unit> {
        match s {
            "working-days" => Some(Unit::WorkingDays),
            "calendar-days" => Some(Unit::CalendarDays),
            "weeks" => Some(Unit::Weeks),
            "months" => Some(Unit::Months),
            _ => None,
        }
    }

    /// Plain words for a length in this unit, e.g. "5 working days", "1 month".
    pub fn describe(self, length: u32) -> String {
        let (one, many) = match self {
            Unit::WorkingDays => ("working day", "working days"),
            Unit::CalendarDays => ("calendar day", "calendar days"),
            Unit::Weeks => ("week", "weeks"),
            Unit::Months => ("month", "months"),
        };
        format!("{length} {}", if length == 1 { one } else { many })
    }
}

/// Whether the due date is after the starting event or before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Due `length` after the event.
    After,
    /// Due at least `length` before the event (e.g. papers before a meeting).
    Before,
}

impl Direction {
    /// Stable identifier for storage and forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::After => "after",
            Direction::Before => "before",
        }
    }

    /// The inverse of [`Direction::as_str`].
    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "after" => Some(Direction::After),
            "before" => Some(Direction::Before),
            _ => None,
        }
    }
}

/// One statutory or local clock.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClockRule {
    /// Stable id, e.g. "rapid-review".
    pub slug: String,
    /// Plain words for users.
    pub name: String,
    /// The event on a record that starts the clock, e.g. "aware", "notified", "meeting".
    pub starts_on: String,
    pub length: u32,
    pub unit: Unit,
    pub direction: Direction,
    /// Where the duty comes from, shown to users next to the deadline.
    pub source: String,
    /// True when the duty is in law or statutory guidance; false for local agreements.
    pub statutory: bool,
    /// When the remaining time is at most this, the clock is "due soon". Counted in working days
    /// for working-day rules and calendar days otherwise.
    pub due_soon: u32,
}

impl ClockRule {
    /// The due date for a clock started by `event`. Saturates at chrono's limits.
    pub fn due_date(&self, cal: &Calendar, event: NaiveDate) -> NaiveDate {
        let n = self.length;
        match (self.unit, self.direction) {
            (Unit::WorkingDays, Direction::After) => cal.add_working_days(event, n),
            (Unit::WorkingDays, Direction::Before) => cal.subtract_working_days(event, n),
            (Unit::CalendarDays, dir) => shift_days(event, u64::from(n), dir),
            (Unit::Weeks, dir) => shift_days(event, u64::from(n) * 7, dir),
            (Unit::Months, dir) => {
                let months = i32::try_from(n).unwrap_or(i32::MAX);
                match dir {
                    Direction::After => add_months(event, months),
                    Direction::Before => add_months(event, -months),
                }
            }
        }
    }

    /// Whether remaining time and `due_soon` are counted in working days (else calendar days).
    pub fn counts_working_days(&self) -> bool {
        self.unit == Unit::WorkingDays
    }

    /// Plain words for the rule's timing, e.g. "5 working days after aware".
    pub fn describe_timing(&self) -> String {
        let length = self.unit.describe(self.length);
        match self.direction {
            Direction::After => format!("{length} after {}", self.starts_on),
            Direction::Before => format!("at least {length} before {}", self.starts_on),
        }
    }
}

fn shift_days(event: NaiveDate, days: u64, direction: Direction) -> NaiveDate {
    match direction {
        Direction::After => event
            .checked_add_days(Days::new(days))
            .unwrap_or(NaiveDate::MAX),
        Direction::Before => event
            .checked_sub_days(Days::new(days))
            .unwrap_or(NaiveDate::MIN),
    }
}

const WORKING_TOGETHER: &str = "Working Together to Safeguard Children 2023";
const LOCAL_FRAMEWORK: &str = "Local learning and improvement framework";

/// The rules every installation starts with (SPEC.md §4).
///
/// `due_soon` thresholds: about 40% of a short working-day clock (2 of 5, 3 of 7, 5 of 15), a
/// month's notice for clocks counted in months (two for the two-year Section 11 cycle, which
/// needs agencies to plan a self-assessment; two weeks for the three-month training follow-up,
/// where a month would be a third of the clock), three days for papers and two for report copies.
pub fn seeded_rules() -> Vec<ClockRule> {
    #[allow(clippy::too_many_arguments)]
    fn rule(
        slug: &str,
        name: &str,
        starts_on: &str,
        length: u32,
        unit: Unit,
        direction: Direction,
        source: &str,
        statutory: bool,
        due_soon: u32,
    ) -> ClockRule {
        ClockRule {
            slug: slug.to_owned(),
            name: name.to_owned(),
            starts_on: starts_on.to_owned(),
            length,
            unit,
            direction,
            source: source.to_owned(),
            statutory,
            due_soon,
        }
    }
    use Direction::{After, Before};
    use Unit::{CalendarDays, Months, WorkingDays};

    vec![
        rule(
            "notify-panel",
            "Notify the national Panel of a serious incident",
            "aware",
            5,
            WorkingDays,
            After,
            "Working Together to Safeguard Children 2023; Child Safeguarding Practice Review Panel guidance",
            true,
            2,
        ),
        rule(
            "inform-partners",
            "Inform the safeguarding partners",
            "aware",
            5,
            WorkingDays,
            After,
            WORKING_TOGETHER,
            true,
            2,
        ),
        rule(
            "rapid-review",
            "Complete the rapid review and send it to the Panel",
            "notified",
            15,
            WorkingDays,
            After,
            "Working Together to Safeguard Children 2023; Panel guidance",
            true,
            5,
        ),
        rule(
            "lcspr-publish",
            "Complete and publish a local child safeguarding practice review",
            "decision",
            6,
            Months,
            After,
            WORKING_TOGETHER,
            true,
            30,
        ),
        rule(
            "final-report-to-panel",
            "Send the final report to the Panel and the Secretary of State",
            "publication",
            7,
            WorkingDays,
            Before,
            WORKING_TOGETHER,
            true,
            3,
        ),
        rule(
            "meeting-papers",
            "Circulate meeting papers",
            "meeting",
            14,
            CalendarDays,
            Before,
            "Local terms of reference",
            false,
            3,
        ),
        rule(
            "training-impact",
            "Three-month training impact follow-up",
            "session",
            3,
            Months,
            After,
            LOCAL_FRAMEWORK,
            false,
            14,
        ),
        rule(
            "section11-follow-up",
            "Section 11 follow-up of outstanding actions",
            "overview-report",
            6,
            Months,
            After,
            LOCAL_FRAMEWORK,
            false,
            30,
        ),
        rule(
            "section11-cycle",
            "Section 11 self-assessment cycle",
            "previous-cycle",
            24,
            Months,
            After,
            LOCAL_FRAMEWORK,
            false,
            60,
        ),
        rule(
            "inspection-progress",
            "Report an inspection's action plan progress to the board",
            "report",
            6,
            Months,
            After,
            LOCAL_FRAMEWORK,
            false,
            30,
        ),
        rule(
            "tor-review",
            "Terms of reference review",
            "agreed",
            12,
            Months,
            After,
            "Group terms of reference",
            false,
            30,
        ),
        rule(
            "annual-report-copies",
            "Send the yearly report to the Panel and the what-works centre",
            "publication",
            7,
            CalendarDays,
            After,
            WORKING_TOGETHER,
            true,
            2,
        ),
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn seeded(slug: &str) -> ClockRule {
        seeded_rules()
            .into_iter()
            .find(|r| r.slug == slug)
            .expect(slug)
    }

    #[test]
    fn seeded_rules_have_unique_slugs_and_the_agreed_timings() {
        let rules = seeded_rules();
        assert_eq!(rules.len(), 12);
        let mut slugs: Vec<&str> = rules.iter().map(|r| r.slug.as_str()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), 12);

        let timing = |slug: &str| {
            let r = seeded(slug);
            (r.starts_on, r.length, r.unit, r.direction, r.statutory)
        };
        use Direction::*;
        use Unit::*;
        let s = String::from;
        assert_eq!(
            timing("notify-panel"),
            (s("aware"), 5, WorkingDays, After, true)
        );
        assert_eq!(
            timing("inform-partners"),
            (s("aware"), 5, WorkingDays, After, true)
        );
        assert_eq!(
            timing("rapid-review"),
            (s("notified"), 15, WorkingDays, After, true)
        );
        assert_eq!(
            timing("lcspr-publish"),
            (s("decision"), 6, Months, After, true)
        );
        assert_eq!(
            timing("final-report-to-panel"),
            (s("publication"), 7, WorkingDays, Before, true)
        );
        assert_eq!(
            timing("inspection-progress"),
            (s("report"), 6, Months, After, false)
        );
        assert_eq!(
            timing("meeting-papers"),
            (s("meeting"), 14, CalendarDays, Before, false)
        );
        assert_eq!(
            timing("training-impact"),
            (s("session"), 3, Months, After, false)
        );
        assert_eq!(
            timing("section11-follow-up"),
            (s("overview-report"), 6, Months, After, false)
        );
        assert_eq!(
            timing("section11-cycle"),
            (s("previous-cycle"), 24, Months, After, false)
        );
        assert_eq!(
            timing("tor-review"),
            (s("agreed"), 12, Months, After, false)
        );
        assert_eq!(
            timing("annual-report-copies"),
            (s("publication"), 7, CalendarDays, After, true)
        );
        for r in &rules {
            assert!(!r.name.is_empty() && !r.source.is_empty(), "{}", r.slug);
            assert!(r.due_soon > 0, "{}", r.slug);
        }
    }

    #[test]
    fn a_rapid_review_started_before_easter_skips_the_bank_holidays() {
        let cal = Calendar::england_and_wales();
        // Notified Thu 10 April 2025; Good Friday 18 and Easter Monday 21 April are skipped.
        let due = seeded("rapid-review").due_date(&cal, d(2025, 4, 10));
        assert_eq!(due, d(2025, 5, 6)); // Mon 5 May is the early May bank holiday
    }

    #[test]
    fn panel_notification_over_christmas_skips_substitute_days() {
        let cal = Calendar::england_and_wales();
        // Aware Thu 23 Dec 2021: Fri 24, (Mon 27 and Tue 28 are substitutes) 29, 30, 31,
        // (Mon 3 January 2022 is New Year's substitute) Tue 4 January.
        let due = seeded("notify-panel").due_date(&cal, d(2021, 12, 23));
        assert_eq!(due, d(2022, 1, 4));
    }

    #[test]
    fn final_report_is_due_seven_working_days_before_publication() {
        let cal = Calendar::england_and_wales();
        // Publication Wed 4 June 2025: Tue 3, Mon 2, Fri 30 May, Thu 29, Wed 28, Tue 27, (Mon 26
        // is the spring bank holiday) Fri 23 May.
        let due = seeded("final-report-to-panel").due_date(&cal, d(2025, 6, 4));
        assert_eq!(due, d(2025, 5, 23));
    }

    #[test]
    fn calendar_and_month_rules_use_plain_calendar_arithmetic() {
        let cal = Calendar::england_and_wales();
        assert_eq!(
            seeded("meeting-papers").due_date(&cal, d(2025, 3, 10)),
            d(2025, 2, 24)
        );
        assert_eq!(
            seeded("annual-report-copies").due_date(&cal, d(2025, 9, 30)),
            d(2025, 10, 7)
        );
        assert_eq!(
            seeded("lcspr-publish").due_date(&cal, d(2026, 8, 31)),
            d(2027, 2, 28)
        );
        assert_eq!(
            seeded("section11-cycle").due_date(&cal, d(2024, 2, 29)),
            d(2026, 2, 28)
        );
        assert_eq!(
            seeded("tor-review").due_date(&cal, d(2025, 1, 31)),
            d(2026, 1, 31)
        );
        assert_eq!(
            seeded("training-impact").due_date(&cal, d(2025, 11, 30)),
            d(2026, 2, 28)
        );
    }

    #[test]
    fn weeks_count_seven_days_and_huge_lengths_saturate() {
        let cal = Calendar::england_and_wales();
        let mut r = seeded("meeting-papers");
        r.unit = Unit::Weeks;
        r.length = 2;
        assert_eq!(r.due_date(&cal, d(2025, 3, 10)), d(2025, 2, 24));
        r.direction = Direction::After;
        r.length = u32::MAX;
        assert_eq!(r.due_date(&cal, d(2025, 3, 10)), NaiveDate::MAX);
        r.unit = Unit::Months;
        assert_eq!(r.due_date(&cal, d(2025, 3, 10)), NaiveDate::MAX);
        r.direction = Direction::Before;
        assert_eq!(r.due_date(&cal, d(2025, 3, 10)), NaiveDate::MIN);
    }

    #[test]
    fn units_and_directions_round_trip_through_their_identifiers() {
        for u in [
            Unit::WorkingDays,
            Unit::CalendarDays,
            Unit::Weeks,
            Unit::Months,
        ] {
            assert_eq!(Unit::parse(u.as_str()), Some(u));
        }
        for dir in [Direction::After, Direction::Before] {
            assert_eq!(Direction::parse(dir.as_str()), Some(dir));
        }
        assert_eq!(Unit::parse("fortnights"), None);
        assert_eq!(
            seeded("final-report-to-panel").describe_timing(),
            "at least 7 working days before publication"
        );
        assert_eq!(Unit::Months.describe(1), "1 month");
    }
}
