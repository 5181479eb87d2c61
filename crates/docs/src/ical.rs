//! iCalendar feeds (RFC 5545): meetings as events that calendar programs subscribe to. Each
//! meeting keeps one UID for life and a SEQUENCE that grows with every change, so moves and
//! cancellations flow through to subscribers' calendars.

use chrono::NaiveDateTime;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use learnloop_domain::dates::london_to_utc;

/// One meeting as a calendar event. Times are Europe/London wall-clock times.
#[derive(Clone, Debug)]
pub struct CalEvent {
    pub uid: String,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub summary: String,
    pub location: String,
    pub description: String,
    pub cancelled: bool,
    pub sequence: i64,
}

/// A whole feed as RFC 5545 text.
pub fn feed(name: &str, events: &[CalEvent]) -> String {
    let mut cal = Calendar::new();
    cal.name(name);
    for e in events {
        let mut ev = Event::new();
        ev.uid(&e.uid)
            .summary(&e.summary)
            .starts(london_to_utc(e.start))
            .ends(london_to_utc(e.end))
            .add_property("SEQUENCE", e.sequence.to_string());
        if !e.location.is_empty() {
            ev.location(&e.location);
        }
        if !e.description.is_empty() {
            ev.description(&e.description);
        }
        ev.status(if e.cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
        cal.push(ev.done());
    }
    cal.done().to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn a_summer_meeting_is_an_hour_behind_in_utc_and_cancellations_say_so() {
        let ics = feed(
            "Learning and Improvement Subgroup",
            &[
                CalEvent {
                    uid: "m1@learnloop".into(),
                    start: at(2027, 7, 13, 10),
                    end: at(2027, 7, 13, 12),
                    summary: "Learning and Improvement Subgroup".into(),
                    location: "Civic Centre".into(),
                    description: String::new(),
                    cancelled: false,
                    sequence: 0,
                },
                CalEvent {
                    uid: "m2@learnloop".into(),
                    start: at(2027, 1, 12, 10),
                    end: at(2027, 1, 12, 12),
                    summary: "Cancelled one".into(),
                    location: String::new(),
                    description: String::new(),
                    cancelled: true,
                    sequence: 2,
                },
            ],
        );
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(ics.contains("DTSTART:20270713T090000Z"), "{ics}");
        assert!(ics.contains("DTSTART:20270112T100000Z"), "{ics}");
        assert!(ics.contains("STATUS:CANCELLED"));
        assert!(ics.contains("SEQUENCE:2"));
        assert!(ics.contains("UID:m1@learnloop"));
        assert!(ics.contains("DTSTAMP:"));
    }
}
