//! Training (SPEC §3.8): the partnership's programme of courses at three levels of
//! responsibility, their sessions, and the bookings on each: places up to the session's
//! capacity, then a waiting list in the order people asked; a freed place is offered to the
//! next on the list for a limited time, then to the one after. The trainer marks who came.

use chrono::{DateTime, Duration, Utc};

use crate::accounts::Role;
use crate::policy::Actor;
use crate::stored::Slug;

/// The levels of responsibility, as the partnership's learning frameworks set them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Basic awareness and induction, provided by each employing agency.
    One,
    /// Core multi-agency training, provided by the partnership.
    Two,
    /// Specialist training, commissioned and funded by agencies.
    Three,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::One, Level::Two, Level::Three];

    pub fn label(self) -> &'static str {
        match self {
            Level::One => "Level 1: basic awareness",
            Level::Two => "Level 2: core multi-agency",
            Level::Three => "Level 3: specialist",
        }
    }

    /// Who provides and funds training at this level.
    pub fn provided_by(self) -> &'static str {
        match self {
            Level::One => "Provided by each employing agency, for everyone who works with children",
            Level::Two => {
                "Provided by the partnership, for staff who work with children and families together"
            }
            Level::Three => {
                "Commissioned and funded by agencies, for staff in specialist or lead roles"
            }
        }
    }
}

/// What kind of learning a course is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CourseKind {
    Course,
    Workshop,
    Conference,
    Briefing,
    DevelopmentDay,
    ELearning,
    TrainTheTrainer,
    Cascade,
}

impl CourseKind {
    pub const ALL: [CourseKind; 8] = [
        CourseKind::Course,
        CourseKind::Workshop,
        CourseKind::Conference,
        CourseKind::Briefing,
        CourseKind::DevelopmentDay,
        CourseKind::ELearning,
        CourseKind::TrainTheTrainer,
        CourseKind::Cascade,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CourseKind::Course => "Course",
            CourseKind::Workshop => "Workshop",
            CourseKind::Conference => "Conference",
            CourseKind::Briefing => "Briefing",
            CourseKind::DevelopmentDay => "Development day",
            CourseKind::ELearning => "E-learning",
            CourseKind::TrainTheTrainer => "Train the trainer",
            CourseKind::Cascade => "Cascade material",
        }
    }
}

/// Where a booking stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookingState {
    /// Has a place.
    Confirmed,
    /// On the waiting list.
    Waiting,
    /// Offered a freed place, until the offer runs out.
    Offered,
    /// Holds a place until the line manager approves it by the link mailed to them (where the
    /// partnership asks for approval), or the link runs out.
    Approval,
    /// The line manager turned the place down, or did not answer in time.
    NotApproved,
    /// The offer ran out unanswered, or was declined.
    Lapsed,
    Cancelled,
    /// Cancelled too close to the session to offer the place on: counted, like a no-show.
    LateCancellation,
    Attended,
    NoShow,
}

impl BookingState {
    pub const ALL: [BookingState; 10] = [
        BookingState::Confirmed,
        BookingState::Waiting,
        BookingState::Offered,
        BookingState::Approval,
        BookingState::NotApproved,
        BookingState::Lapsed,
        BookingState::Cancelled,
        BookingState::LateCancellation,
        BookingState::Attended,
        BookingState::NoShow,
    ];

    pub fn label(self) -> &'static str {
        match self {
            BookingState::Confirmed => "Place confirmed",
            BookingState::Waiting => "On the waiting list",
            BookingState::Offered => "Offered a place",
            BookingState::Approval => "Waiting for the manager's approval",
            BookingState::NotApproved => "Not approved by the manager",
            BookingState::Lapsed => "Offer not taken up",
            BookingState::Cancelled => "Cancelled",
            BookingState::LateCancellation => "Late cancellation",
            BookingState::Attended => "Attended",
            BookingState::NoShow => "Did not attend",
        }
    }

    pub fn tag_class(self) -> &'static str {
        match self {
            BookingState::Confirmed | BookingState::Attended => "govuk-tag--green",
            BookingState::Waiting | BookingState::Offered | BookingState::Approval => {
                "govuk-tag--yellow"
            }
            BookingState::NoShow | BookingState::LateCancellation => "govuk-tag--red",
            BookingState::Lapsed | BookingState::Cancelled | BookingState::NotApproved => {
                "govuk-tag--grey"
            }
        }
    }

    /// Whether it holds one of the session's places (an offer, or a place waiting for the
    /// manager's approval, holds it until its link runs out).
    pub fn holds_place(self) -> bool {
        matches!(
            self,
            BookingState::Confirmed | BookingState::Offered | BookingState::Approval
        )
    }

    /// Whether the person is still booked (on the session or its waiting list): a second
    /// booking of the same session is refused while one is.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            BookingState::Confirmed
                | BookingState::Waiting
                | BookingState::Offered
                | BookingState::Approval
        )
    }

    /// Counted against the agency: some partnerships charge for these.
    pub fn is_no_show(self) -> bool {
        matches!(self, BookingState::NoShow | BookingState::LateCancellation)
    }
}

impl Slug for BookingState {
    fn slug(&self) -> &'static str {
        match self {
            BookingState::Confirmed => "confirmed",
            BookingState::Waiting => "waiting",
            BookingState::Offered => "offered",
            BookingState::Approval => "approval",
            BookingState::NotApproved => "not-approved",
            BookingState::Lapsed => "lapsed",
            BookingState::Cancelled => "cancelled",
            BookingState::LateCancellation => "late-cancellation",
            BookingState::Attended => "attended",
            BookingState::NoShow => "no-show",
        }
    }
}

impl Slug for Level {
    fn slug(&self) -> &'static str {
        match self {
            Level::One => "1",
            Level::Two => "2",
            Level::Three => "3",
        }
    }
}

impl Slug for CourseKind {
    fn slug(&self) -> &'static str {
        match self {
            CourseKind::Course => "course",
            CourseKind::Workshop => "workshop",
            CourseKind::Conference => "conference",
            CourseKind::Briefing => "briefing",
            CourseKind::DevelopmentDay => "development-day",
            CourseKind::ELearning => "e-learning",
            CourseKind::TrainTheTrainer => "train-the-trainer",
            CourseKind::Cascade => "cascade",
        }
    }
}

macro_rules! stored {
    ($t:ty, $what:literal) => {
        impl TryFrom<String> for $t {
            type Error = crate::stored::Unknown;
            fn try_from(v: String) -> Result<Self, Self::Error> {
                crate::stored::decode(v, $what, |s| parse(&<$t>::ALL, s))
            }
        }
    };
}
stored!(BookingState, "booking state");
stored!(Level, "training level");
stored!(CourseKind, "course kind");

/// Reads a stored slug back.
pub fn parse<T: Slug + Copy>(all: &[T], s: &str) -> Option<T> {
    all.iter().copied().find(|x| x.slug() == s)
}

/// A new booking gets a place while the session has one, else goes on the waiting list.
pub fn place(capacity: i64, holding: i64) -> BookingState {
    if holding < capacity {
        BookingState::Confirmed
    } else {
        BookingState::Waiting
    }
}

/// A booking can be made until the session starts, once per person.
pub fn check_book(
    now: DateTime<Utc>,
    starts: DateTime<Utc>,
    already: bool,
) -> Result<(), &'static str> {
    if now >= starts {
        return Err("This session has started: it takes no more bookings");
    }
    if already {
        return Err("They are already booked on this session, or on its waiting list");
    }
    Ok(())
}

/// Cancelling within this many hours of the start is a late cancellation.
pub const LATE_HOURS: i64 = 48;
/// How long a freed place is held for the person offered it.
pub const OFFER_HOURS: i64 = 48;

/// What cancelling a booking makes it: a late cancellation close to the session (counted
/// against the agency), else cancelled. Either way a freed place is offered to the waiting
/// list while the session has not started.
pub fn cancellation(now: DateTime<Utc>, starts: DateTime<Utc>) -> BookingState {
    if starts - now < Duration::hours(LATE_HOURS) {
        BookingState::LateCancellation
    } else {
        BookingState::Cancelled
    }
}

/// A booking can be cancelled until the session starts; after that the trainer marks who came.
pub fn check_cancel(now: DateTime<Utc>, starts: DateTime<Utc>) -> Result<(), &'static str> {
    if now >= starts {
        Err(
            "This session has started: a booking can no longer be cancelled, and the trainer marks who came",
        )
    } else {
        Ok(())
    }
}

/// Until when a freed place is held for the next on the waiting list: a fixed time, but never
/// past the session's start.
pub fn offer_until(now: DateTime<Utc>, starts: DateTime<Utc>) -> DateTime<Utc> {
    (now + Duration::hours(OFFER_HOURS)).min(starts)
}

/// How long a line manager has to approve a place, where the partnership asks for approval.
pub const APPROVAL_DAYS: i64 = 5;

/// Until when a place waits for the line manager's approval: a few days, but no later than a
/// day before the session, so a place released then can still go to someone waiting; a booking
/// made closer than that has an hour (never past the start). Unanswered by then, the place is
/// released.
pub fn approval_until(now: DateTime<Utc>, starts: DateTime<Utc>) -> DateTime<Utc> {
    (now + Duration::days(APPROVAL_DAYS))
        .min(starts - Duration::hours(24))
        .max(now + Duration::hours(1))
        .min(starts)
}

/// What a place becomes when it is taken (booked, or an offer accepted): confirmed, or waiting
/// for the line manager's approval where the partnership asks for it.
pub fn taken(approval: bool) -> BookingState {
    if approval {
        BookingState::Approval
    } else {
        BookingState::Confirmed
    }
}

/// Whether a freed place can still be offered: not once the session has started.
pub fn can_offer(now: DateTime<Utc>, starts: DateTime<Utc>) -> bool {
    now < starts
}

/// Who of a waiting list is offered the next freed place: the one who asked first. `waiting`
/// is (when they asked, id).
pub fn next_waiting(waiting: &[(String, String)]) -> Option<&str> {
    waiting
        .iter()
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)))
        .map(|w| w.1.as_str())
}

/// The trainer marks attendance once the session has started, on bookings that held a place.
pub fn check_attendance(
    now: DateTime<Utc>,
    starts: DateTime<Utc>,
    state: BookingState,
    mark: BookingState,
) -> Result<(), &'static str> {
    if !matches!(mark, BookingState::Attended | BookingState::NoShow) {
        return Err("Mark each person as attended or did not attend");
    }
    if now < starts {
        return Err("Attendance is marked once the session has started");
    }
    if !matches!(
        state,
        BookingState::Confirmed | BookingState::Attended | BookingState::NoShow
    ) {
        return Err("Only people who had a place are marked");
    }
    Ok(())
}

/// A session as typed: a capacity of 1 to 500, and somewhere to be (a venue, a link or both).
pub fn check_session(
    capacity: &str,
    venue: &str,
    link: &str,
) -> Result<i64, (&'static str, &'static str)> {
    let n = capacity
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=500).contains(n));
    let Some(n) = n else {
        return Err(("capacity", "Enter the number of places, from 1 to 500"));
    };
    if venue.trim().is_empty() && link.trim().is_empty() {
        return Err((
            "venue",
            "Enter the venue, or an online link for a session held online",
        ));
    }
    Ok(n)
}

/// Whether a participant is in the partnership's follow-up sample: `percent` of them (all at
/// 100, none at 0), chosen by their booking so the same booking is always in or always out.
pub fn in_sample(booking_id: &str, percent: i64) -> bool {
    // FNV-1a: stable across builds and platforms, unlike the standard hasher.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in booking_id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    i64::try_from(h % 100).unwrap_or(0) < percent
}

/// The business team runs the programme; trainers add courses and the sessions they deliver.
pub fn can_manage(actor: &Actor) -> bool {
    actor.has(Role::BusinessTeam) || actor.has(Role::Trainer)
}

/// Who sees a session's bookings and marks its attendance: the business team, its trainer.
pub fn can_run_session(actor: &Actor, trainer_id: Option<&str>) -> bool {
    actor.has(Role::BusinessTeam)
        || (actor.has(Role::Trainer) && trainer_id == Some(actor.person_id.as_str()))
}

/// Anyone working in one of the partnership's agencies books themselves.
pub fn can_book_self(actor: &Actor) -> bool {
    actor.memberships.iter().any(|m| m.agency_id.is_some())
}

/// An agency's lead books their staff.
pub fn can_book_for(actor: &Actor, agency_id: &str) -> bool {
    actor.agencies_led().any(|a| a == agency_id)
}

/// How pressing a training need is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    High,
    Medium,
    Low,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::High, Priority::Medium, Priority::Low];

    pub fn label(self) -> &'static str {
        match self {
            Priority::High => "High",
            Priority::Medium => "Medium",
            Priority::Low => "Low",
        }
    }

    pub fn tag_class(self) -> &'static str {
        match self {
            Priority::High => "govuk-tag--red",
            Priority::Medium => "govuk-tag--yellow",
            Priority::Low => "govuk-tag--grey",
        }
    }
}

impl Slug for Priority {
    fn slug(&self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Medium => "medium",
            Priority::Low => "low",
        }
    }
}

/// Where a training need came from. Reviews, audits, Section 11 and single-agency assurance
/// are records of the partnership, and a need names the one it came from; an inspection (until
/// inspections have records), an agency's request and anything else are described in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Review,
    Audit,
    Section11,
    Assurance,
    Inspection,
    AgencyRequest,
    Other,
}

impl Origin {
    pub const ALL: [Origin; 7] = [
        Origin::Review,
        Origin::Audit,
        Origin::Section11,
        Origin::Assurance,
        Origin::Inspection,
        Origin::AgencyRequest,
        Origin::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Origin::Review => "A case review",
            Origin::Audit => "A multi-agency audit",
            Origin::Section11 => "Section 11 self-assessments",
            Origin::Assurance => "Single-agency assurance",
            Origin::Inspection => "An inspection",
            Origin::AgencyRequest => "An agency's request",
            Origin::Other => "Something else",
        }
    }

    /// The kind of record a need of this origin names, if it has records.
    pub fn source_kind(self) -> Option<crate::sources::SourceKind> {
        use crate::sources::SourceKind;
        match self {
            Origin::Review => Some(SourceKind::CaseReview),
            Origin::Audit => Some(SourceKind::Audit),
            Origin::Section11 => Some(SourceKind::Section11),
            Origin::Assurance => Some(SourceKind::Assurance),
            Origin::Inspection | Origin::AgencyRequest | Origin::Other => None,
        }
    }
}

impl Slug for Origin {
    fn slug(&self) -> &'static str {
        match self {
            Origin::Review => "review",
            Origin::Audit => "audit",
            Origin::Section11 => "section11",
            Origin::Assurance => "assurance",
            Origin::Inspection => "inspection",
            Origin::AgencyRequest => "agency-request",
            Origin::Other => "other",
        }
    }
}

stored!(Priority, "training need priority");
stored!(Origin, "training need origin");

/// A record named by its kind and id.
pub type Named = (crate::sources::SourceKind, String);

/// What was typed about where a need came from, checked: the record it names (for an origin
/// with records), the agency (for an agency's request), or words (an inspection, something
/// else). `source` is the chosen record as `kind:id`.
pub fn check_origin(
    origin: &str,
    source: &str,
    agency: &str,
    note: &str,
) -> Result<(Origin, Option<Named>), (&'static str, &'static str)> {
    let o = parse(&Origin::ALL, origin).ok_or(("origin", "Choose where the need came from"))?;
    if let Some(kind) = o.source_kind() {
        let chosen = source
            .split_once(':')
            .and_then(|(k, id)| (crate::sources::SourceKind::parse(k) == Some(kind)).then_some(id))
            .filter(|id| !id.is_empty());
        return match chosen {
            Some(id) => Ok((o, Some((kind, id.to_owned())))),
            None => Err(("source", "Choose the record the need came from")),
        };
    }
    match o {
        Origin::AgencyRequest if agency.trim().is_empty() => {
            Err(("agency", "Choose the agency that asked for the training"))
        }
        Origin::Inspection | Origin::Other if note.trim().is_empty() => Err((
            "note",
            "Say where the need came from, for example the inspection and its date",
        )),
        _ => Ok((o, None)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + h * 3600, 0).unwrap()
    }

    #[test]
    fn places_go_first_then_the_waiting_list() {
        assert_eq!(place(2, 0), BookingState::Confirmed);
        assert_eq!(place(2, 1), BookingState::Confirmed);
        assert_eq!(place(2, 2), BookingState::Waiting);
        assert_eq!(place(2, 5), BookingState::Waiting);
    }

    #[test]
    fn booking_twice_or_after_the_start_is_refused() {
        assert!(check_book(at(0), at(10), false).is_ok());
        assert!(
            check_book(at(0), at(10), true)
                .unwrap_err()
                .contains("already booked")
        );
        assert!(
            check_book(at(10), at(10), false)
                .unwrap_err()
                .contains("has started")
        );
    }

    #[test]
    fn a_cancellation_close_to_the_session_is_late() {
        assert_eq!(cancellation(at(0), at(49)), BookingState::Cancelled);
        assert_eq!(cancellation(at(0), at(47)), BookingState::LateCancellation);
    }

    #[test]
    fn a_booking_is_cancelled_only_before_the_session_starts() {
        assert!(check_cancel(at(0), at(1)).is_ok());
        assert!(
            check_cancel(at(1), at(1))
                .unwrap_err()
                .contains("has started")
        );
    }

    #[test]
    fn an_offer_never_outlasts_the_session_start() {
        assert_eq!(offer_until(at(0), at(100)), at(OFFER_HOURS));
        assert_eq!(offer_until(at(0), at(5)), at(5));
    }

    #[test]
    fn a_place_waits_for_approval_only_where_asked_and_never_past_the_start() {
        assert_eq!(taken(false), BookingState::Confirmed);
        assert_eq!(taken(true), BookingState::Approval);
        assert!(BookingState::Approval.holds_place() && BookingState::Approval.is_live());
        assert!(!BookingState::NotApproved.holds_place() && !BookingState::NotApproved.is_live());
        assert_eq!(approval_until(at(0), at(1000)), at(APPROVAL_DAYS * 24));
        assert_eq!(
            approval_until(at(0), at(30)),
            at(6),
            "a day before the session"
        );
        assert_eq!(approval_until(at(0), at(10)), at(1), "close to it, an hour");
        let half = at(0) + Duration::minutes(30);
        assert_eq!(approval_until(at(0), half), half, "never past the start");
        assert!(
            check_attendance(at(1), at(0), BookingState::Approval, BookingState::Attended).is_err(),
            "a place never approved is not marked"
        );
    }

    #[test]
    fn a_need_names_its_record_agency_or_words_by_origin() {
        use crate::sources::SourceKind;
        assert_eq!(
            check_origin("review", "case_review:abc", "", ""),
            Ok((
                Origin::Review,
                Some((SourceKind::CaseReview, "abc".to_owned()))
            ))
        );
        assert_eq!(
            check_origin("review", "audit:abc", "", "").unwrap_err().0,
            "source"
        );
        assert_eq!(check_origin("audit", "", "", "").unwrap_err().0, "source");
        assert_eq!(
            check_origin("agency-request", "", " ", "").unwrap_err().0,
            "agency"
        );
        assert_eq!(
            check_origin("agency-request", "", "ag1", ""),
            Ok((Origin::AgencyRequest, None))
        );
        assert_eq!(
            check_origin("inspection", "", "", "").unwrap_err().0,
            "note"
        );
        assert_eq!(
            check_origin("inspection", "", "", "JTAI, March 2026"),
            Ok((Origin::Inspection, None))
        );
        assert_eq!(check_origin("", "", "", "").unwrap_err().0, "origin");
        for o in Origin::ALL {
            assert_eq!(parse(&Origin::ALL, o.slug()), Some(o));
        }
        for p in Priority::ALL {
            assert_eq!(parse(&Priority::ALL, p.slug()), Some(p));
        }
    }

    #[test]
    fn attendance_is_marked_after_the_start_on_places_only() {
        let (c, a, n) = (
            BookingState::Confirmed,
            BookingState::Attended,
            BookingState::NoShow,
        );
        assert!(check_attendance(at(1), at(0), c, a).is_ok());
        assert!(
            check_attendance(at(1), at(0), a, n).is_ok(),
            "a mark can be corrected"
        );
        assert!(check_attendance(at(0), at(1), c, a).is_err());
        assert!(check_attendance(at(1), at(0), BookingState::Waiting, a).is_err());
        assert!(check_attendance(at(1), at(0), c, BookingState::Cancelled).is_err());
    }

    #[test]
    fn a_session_needs_places_and_somewhere_to_be() {
        assert_eq!(check_session("20", "Town hall", ""), Ok(20));
        assert_eq!(check_session(" 5 ", "", "https://meet.example/x"), Ok(5));
        assert_eq!(
            check_session("0", "Town hall", "").unwrap_err().0,
            "capacity"
        );
        assert_eq!(
            check_session("lots", "Town hall", "").unwrap_err().0,
            "capacity"
        );
        assert_eq!(check_session("10", " ", "").unwrap_err().0, "venue");
    }

    #[test]
    fn stored_states_read_back() {
        for s in BookingState::ALL {
            assert_eq!(parse(&BookingState::ALL, s.slug()), Some(s));
        }
        assert_eq!(parse(&Level::ALL, "2"), Some(Level::Two));
        assert_eq!(
            parse(&CourseKind::ALL, "e-learning"),
            Some(CourseKind::ELearning)
        );
    }

    #[test]
    fn the_follow_up_sample_is_all_none_or_a_stable_share() {
        let ids: Vec<String> = (0..2000).map(|i| format!("booking-{i}")).collect();
        assert!(ids.iter().all(|i| in_sample(i, 100)));
        assert!(ids.iter().all(|i| !in_sample(i, 0)));
        let half = ids.iter().filter(|i| in_sample(i, 50)).count();
        assert!((850..=1150).contains(&half), "{half} of 2000 at 50%");
        assert_eq!(
            ids.iter().map(|i| in_sample(i, 30)).collect::<Vec<_>>(),
            ids.iter().map(|i| in_sample(i, 30)).collect::<Vec<_>>(),
            "the same every time"
        );
        assert!(
            ids.iter()
                .filter(|i| in_sample(i, 30))
                .all(|i| in_sample(i, 60)),
            "a larger share keeps everyone a smaller one had"
        );
    }

    proptest! {
        /// However bookings arrive, the places never exceed the capacity and the waiting list
        /// is offered places in the order people asked.
        #[test]
        fn places_never_exceed_capacity_and_the_list_is_first_come(capacity in 1i64..10, n in 0usize..30) {
            let mut holding = 0;
            let mut waiting = Vec::new();
            for i in 0..n {
                match place(capacity, holding) {
                    BookingState::Confirmed => holding += 1,
                    _ => waiting.push((format!("{i:04}"), format!("b{i}"))),
                }
            }
            prop_assert!(holding <= capacity);
            prop_assert_eq!(holding, capacity.min(i64::try_from(n).unwrap()));
            if let Some(first) = waiting.first().cloned() {
                let mut shuffled = waiting.clone();
                shuffled.reverse();
                prop_assert_eq!(next_waiting(&shuffled), Some(first.1.as_str()));
            }
        }
    }
}
