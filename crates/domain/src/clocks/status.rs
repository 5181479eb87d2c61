//! The state of one clock on a given day: due date, time left and a status users can read.
//!
//! Pages, reminders and the "what needs attention" lists all show clock status; computing it
//! here, from the rule, the record's start event and the day it was met, means they always
//! agree and nothing stale is stored.

use chrono::NaiveDate;

use super::calendar::Calendar;
use super::rules::ClockRule;

/// Where a clock stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClockStatus {
    /// The event that starts the clock has not happened (or is not recorded).
    NotStarted,
    OnTrack,
    /// Due within the rule's `due_soon` threshold.
    DueSoon,
    DueToday,
    Overdue,
    MetOnTime,
    MetLate,
}

impl ClockStatus {
    /// Plain words for users.
    pub fn label(&self) -> &'static str {
        match self {
            ClockStatus::NotStarted => "Not started",
            ClockStatus::OnTrack => "On track",
            ClockStatus::DueSoon => "Due soon",
            ClockStatus::DueToday => "Due today",
            ClockStatus::Overdue => "Overdue",
            ClockStatus::MetOnTime => "Met on time",
            ClockStatus::MetLate => "Met late",
        }
    }

    /// The GOV.UK tag colour modifier (`govuk-tag--{colour}`).
    pub fn tag_colour(&self) -> &'static str {
        match self {
            ClockStatus::NotStarted => "grey",
            ClockStatus::OnTrack => "green",
            ClockStatus::DueSoon => "yellow",
            ClockStatus::DueToday => "orange",
            ClockStatus::Overdue => "red",
            ClockStatus::MetOnTime => "green",
            ClockStatus::MetLate => "purple",
        }
    }

    /// Open clocks that someone should act on now: due soon, due today or overdue.
    pub fn needs_attention(&self) -> bool {
        matches!(
            self,
            ClockStatus::DueSoon | ClockStatus::DueToday | ClockStatus::Overdue
        )
    }

    /// The duty has been done (on time or late).
    pub fn is_met(&self) -> bool {
        matches!(self, ClockStatus::MetOnTime | ClockStatus::MetLate)
    }
}

/// One clock evaluated on one day.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClockState {
    /// None when the clock has not started.
    pub due: Option<NaiveDate>,
    /// Time left until the due date, in working days for working-day rules and calendar days
    /// otherwise; negative when overdue (an overdue clock is always at least 1 behind, even on a
    /// weekend straight after a Friday deadline). None when not started or already met.
    pub remaining: Option<i64>,
    pub status: ClockStatus,
    /// The day the duty was done, as given.
    pub met_on: Option<NaiveDate>,
}

/// Evaluates `rule` for a record whose starting event happened on `event` (None: not yet), whose
/// duty was done on `met_on` (None: not yet), as seen on `today`.
pub fn evaluate(
    rule: &ClockRule,
    cal: &Calendar,
    event: Option<NaiveDate>,
    met_on: Option<NaiveDate>,
    today: NaiveDate,
) -> ClockState {
    let Some(event) = event else {
        return ClockState {
            due: None,
            remaining: None,
            status: ClockStatus::NotStarted,
            met_on,
        };
    };
    let due = rule.due_date(cal, event);

    if let Some(met) = met_on {
        let status = if met <= due {
            ClockStatus::MetOnTime
        } else {
            ClockStatus::MetLate
        };
        return ClockState {
            due: Some(due),
            remaining: None,
            status,
            met_on,
        };
    }

    let remaining = if rule.counts_working_days() {
        cal.working_days_between(today, due)
    } else {
        (due - today).num_days()
    };
    let (status, remaining) = if today > due {
        (ClockStatus::Overdue, remaining.min(-1))
    } else if today == due {
        (ClockStatus::DueToday, 0)
    } else if remaining <= i64::from(rule.due_soon) {
        (ClockStatus::DueSoon, remaining)
    } else {
        (ClockStatus::OnTrack, remaining)
    };
    ClockState {
        due: Some(due),
        remaining: Some(remaining),
        status,
        met_on,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::clocks::rules::seeded_rules;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn rule(slug: &str) -> ClockRule {
        seeded_rules().into_iter().find(|r| r.slug == slug).unwrap()
    }

    #[test]
    fn a_clock_without_its_starting_event_is_not_started() {
        let cal = Calendar::england_and_wales();
        let s = evaluate(&rule("notify-panel"), &cal, None, None, d(2025, 6, 2));
        assert_eq!(s.status, ClockStatus::NotStarted);
        assert_eq!((s.due, s.remaining), (None, None));
        assert_eq!(s.status.label(), "Not started");
        assert_eq!(s.status.tag_colour(), "grey");
    }

    #[test]
    fn panel_notification_counts_down_in_working_days() {
        let cal = Calendar::england_and_wales();
        let r = rule("notify-panel"); // 5 working days, due soon at 2
        let aware = d(2025, 6, 2); // Monday; due Monday 9 June
        let on = |today| evaluate(&r, &cal, Some(aware), None, today);

        let s = on(d(2025, 6, 2));
        assert_eq!(s.due, Some(d(2025, 6, 9)));
        assert_eq!((s.status, s.remaining), (ClockStatus::OnTrack, Some(5)));
        assert_eq!(on(d(2025, 6, 4)).status, ClockStatus::OnTrack); // 3 left
        let thursday = on(d(2025, 6, 5));
        assert_eq!(
            (thursday.status, thursday.remaining),
            (ClockStatus::DueSoon, Some(2))
        );
        // Saturday: Monday is the next working day and the deadline.
        assert_eq!(on(d(2025, 6, 7)).remaining, Some(1));
        let monday = on(d(2025, 6, 9));
        assert_eq!(
            (monday.status, monday.remaining),
            (ClockStatus::DueToday, Some(0))
        );
        let tuesday = on(d(2025, 6, 10));
        assert_eq!(
            (tuesday.status, tuesday.remaining),
            (ClockStatus::Overdue, Some(-1))
        );
        assert_eq!(on(d(2025, 6, 16)).remaining, Some(-5));
    }

    #[test]
    fn overdue_on_the_weekend_after_a_friday_deadline_shows_one_day_behind() {
        let cal = Calendar::england_and_wales();
        let r = rule("notify-panel");
        // Aware Fri 6 June 2025: due Fri 13 June.
        let s = evaluate(&r, &cal, Some(d(2025, 6, 6)), None, d(2025, 6, 14));
        assert_eq!(s.due, Some(d(2025, 6, 13)));
        assert_eq!((s.status, s.remaining), (ClockStatus::Overdue, Some(-1)));
    }

    #[test]
    fn month_clocks_count_calendar_days_and_warn_a_month_ahead() {
        let cal = Calendar::england_and_wales();
        let r = rule("lcspr-publish");
        let decision = d(2025, 1, 15); // due 15 July 2025
        let s = evaluate(&r, &cal, Some(decision), None, d(2025, 6, 15));
        assert_eq!((s.status, s.remaining), (ClockStatus::DueSoon, Some(30)));
        let s = evaluate(&r, &cal, Some(decision), None, d(2025, 6, 14));
        assert_eq!((s.status, s.remaining), (ClockStatus::OnTrack, Some(31)));
        let s = evaluate(&r, &cal, Some(decision), None, d(2025, 7, 20));
        assert_eq!((s.status, s.remaining), (ClockStatus::Overdue, Some(-5)));
    }

    #[test]
    fn met_clocks_are_on_time_up_to_and_including_the_due_date() {
        let cal = Calendar::england_and_wales();
        let r = rule("rapid-review");
        let notified = d(2025, 4, 10); // due 6 May 2025
        let today = d(2025, 9, 1);
        let on_time = evaluate(&r, &cal, Some(notified), Some(d(2025, 5, 6)), today);
        assert_eq!(on_time.status, ClockStatus::MetOnTime);
        assert_eq!(on_time.remaining, None);
        assert_eq!(on_time.met_on, Some(d(2025, 5, 6)));
        let late = evaluate(&r, &cal, Some(notified), Some(d(2025, 5, 7)), today);
        assert_eq!(late.status, ClockStatus::MetLate);
        assert_eq!(
            (late.status.label(), late.status.tag_colour()),
            ("Met late", "purple")
        );
    }

    #[test]
    fn papers_are_due_before_the_meeting() {
        let cal = Calendar::england_and_wales();
        let r = rule("meeting-papers"); // 14 days before; due soon at 3
        let meeting = d(2025, 3, 24); // papers due 10 March
        let s = evaluate(&r, &cal, Some(meeting), None, d(2025, 3, 7));
        assert_eq!(
            (s.due, s.status),
            (Some(d(2025, 3, 10)), ClockStatus::DueSoon)
        );
        let s = evaluate(
            &r,
            &cal,
            Some(meeting),
            Some(d(2025, 3, 11)),
            d(2025, 3, 12),
        );
        assert_eq!(s.status, ClockStatus::MetLate);
    }

    #[test]
    fn labels_and_colours_cover_every_status() {
        use ClockStatus::*;
        let all = [
            NotStarted, OnTrack, DueSoon, DueToday, Overdue, MetOnTime, MetLate,
        ];
        let labels: Vec<_> = all.iter().map(|s| s.label()).collect();
        assert_eq!(
            labels,
            [
                "Not started",
                "On track",
                "Due soon",
                "Due today",
                "Overdue",
                "Met on time",
                "Met late"
            ]
        );
        let colours: Vec<_> = all.iter().map(|s| s.tag_colour()).collect();
        assert_eq!(
            colours,
            [
                "grey", "green", "yellow", "orange", "red", "green", "purple"
            ]
        );
        assert!(Overdue.needs_attention() && !OnTrack.needs_attention());
        assert!(MetLate.is_met() && !DueToday.is_met());
    }
}
