//! The voice of children and young people (SPEC §3.10): the youth forum's meetings with the
//! partnership's chair, the priorities the young people set each year, and the engagement and
//! consultation events the partnership holds against a yearly target (a setting). What young
//! people say that needs an answer becomes a recommendation to the partnership, with actions
//! ("you said"); the actions' progress is the answer ("we did"). Young people are named by first
//! name or by group only, never in full.

use chrono::NaiveDate;

use crate::stored::Slug;
use crate::text::{check_name, check_text_block};

/// What kind of event it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A meeting of the youth forum or council with the partnership's chair.
    Forum,
    /// An engagement event: young people taking part in the partnership's work.
    Engagement,
    /// A consultation: young people asked for their views on a topic.
    Consultation,
}

impl EventKind {
    pub const ALL: [EventKind; 3] = [
        EventKind::Forum,
        EventKind::Engagement,
        EventKind::Consultation,
    ];

    pub fn label(self) -> &'static str {
        match self {
            EventKind::Forum => "Youth forum meeting with the partnership's chair",
            EventKind::Engagement => "Engagement event",
            EventKind::Consultation => "Consultation",
        }
    }

    /// Whether it counts towards the yearly target of engagement and consultation events.
    pub fn counts_to_target(self) -> bool {
        self != EventKind::Forum
    }
}

impl Slug for EventKind {
    fn slug(&self) -> &'static str {
        match self {
            EventKind::Forum => "forum",
            EventKind::Engagement => "engagement",
            EventKind::Consultation => "consultation",
        }
    }
}

impl TryFrom<String> for EventKind {
    type Error = crate::stored::Unknown;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        crate::stored::decode(s, "voice event kind", |x| {
            EventKind::ALL.into_iter().find(|k| k.slug() == x)
        })
    }
}

/// Words that make a line a group of young people rather than a person ("Year 9 pupils",
/// "Children in Care Council").
const GROUP_WORDS: &[&str] = &[
    "council",
    "forum",
    "group",
    "groups",
    "club",
    "pupils",
    "students",
    "school",
    "college",
    "ambassadors",
    "panel",
    "network",
    "team",
    "year",
    "class",
    "parliament",
    "members",
    "leavers",
    "carers",
    "people",
    "children",
    "young",
    "youth",
    "care",
    "service",
    "centre",
    "project",
    "academy",
    "cadets",
    "scouts",
    "guides",
];

/// A name that reads as a person's full name ("Amy Jones"): two or more capitalised words with
/// no word naming a group.
fn looks_like_full_name(part: &str) -> bool {
    let words: Vec<&str> = part.split_whitespace().collect();
    words.len() >= 2
        && words
            .iter()
            .all(|w| w.chars().next().is_some_and(char::is_uppercase))
        && !words.iter().any(|w| {
            let w = w
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase();
            GROUP_WORDS.contains(&w.as_str()) || w.chars().any(|c| c.is_ascii_digit())
        })
}

/// Checks who took part: first names or groups, never full names.
pub fn check_took_part(s: &str) -> Result<String, String> {
    let s = check_text_block(s, "who took part", 2000)?;
    for part in s.split([',', '\n', ';']).map(str::trim) {
        if looks_like_full_name(part) {
            return Err(format!(
                "Name young people by first name or by group only: “{part}” looks like a full name"
            ));
        }
    }
    Ok(s)
}

/// An event as typed; its date already read.
pub struct EventTyped<'a> {
    pub kind: &'a str,
    pub held_on: Option<NaiveDate>,
    pub topic: &'a str,
    pub took_part: &'a str,
    pub heard: &'a str,
}

/// An event, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub held_on: NaiveDate,
    pub topic: String,
    pub took_part: String,
    pub heard: String,
}

/// Checks an event, recorded once it has happened.
pub fn check_event(
    t: &EventTyped<'_>,
    today: NaiveDate,
) -> Result<Event, Vec<(&'static str, String)>> {
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let kind = EventKind::ALL.into_iter().find(|k| k.slug() == t.kind);
    if kind.is_none() {
        errors.push(("kind", "Choose what kind of event it was".into()));
    }
    match t.held_on {
        None => errors.push(("held", "Enter the date it was held".into())),
        Some(d) if d > today => errors.push((
            "held",
            "The date it was held cannot be in the future: record an event once it has happened"
                .into(),
        )),
        Some(_) => {}
    }
    let topic = check_name(t.topic, "topic", 200)
        .map_err(|m| errors.push(("topic", m)))
        .ok();
    let took_part = check_took_part(t.took_part)
        .map_err(|m| errors.push(("took_part", m)))
        .ok();
    let heard = check_text_block(t.heard, "what was heard", 20000)
        .map_err(|m| errors.push(("heard", m)))
        .ok();
    match (kind, t.held_on, topic, took_part, heard) {
        (Some(kind), Some(held_on), Some(topic), Some(took_part), Some(heard))
            if errors.is_empty() =>
        {
            Ok(Event {
                kind,
                held_on,
                topic,
                took_part,
                heard,
            })
        }
        _ => Err(errors),
    }
}

/// The yearly target of engagement and consultation events: from 1 to 52.
pub fn check_target(s: &str) -> Result<i64, String> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=52).contains(n))
        .ok_or_else(|| "Enter the yearly target as a whole number from 1 to 52".to_owned())
}

/// How the year stands against its target: "2 of 3 held", and whether it is met.
pub fn against_target(held: i64, target: i64) -> (String, bool) {
    (format!("{held} of {target} held"), held >= target)
}

/// How far an action answering young people has come, in words for them: the heading, and
/// what the action does (with the month it is due while it is being done). Progress notes are
/// written for staff and are never shown to young people.
pub fn we_did(
    status: crate::actions::ActionStatus,
    description: &str,
    due_on: NaiveDate,
) -> (&'static str, String) {
    use crate::actions::ActionStatus as S;
    let what = description.trim().trim_end_matches('.');
    match status {
        S::Completed | S::ClosedEvidenced => ("We did", what.to_owned()),
        S::ClosedNotAchieved => ("We could not do this yet", what.to_owned()),
        S::NotStarted | S::InProgress => (
            "We are doing",
            format!("{what} (by {})", due_on.format("%B %Y")),
        ),
    }
}

/// Who records the voice work: the business team.
pub fn can_manage(actor: &crate::policy::Actor) -> bool {
    actor.has(crate::accounts::Role::BusinessTeam)
}

/// Who reads the events (which name young people by first name) and priorities: whoever sees
/// the partnership's action plans. Everyone in the partnership reads "you said, we did".
pub fn reads_all(actor: &crate::policy::Actor) -> bool {
    actor.can(crate::policy::Permission::ViewActions)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn young_people_are_named_by_first_name_or_group() {
        assert!(check_took_part("Amy, Jo and Sam").is_ok());
        assert!(check_took_part("Children in Care Council\nYear 9 pupils").is_ok());
        assert!(check_took_part("Youth Parliament members").is_ok());
        let e = check_took_part("Amy, Sam Jones").unwrap_err();
        assert!(e.contains("“Sam Jones” looks like a full name"), "{e}");
        assert!(check_took_part("").is_err());
    }

    #[test]
    fn an_event_is_recorded_once_held() {
        let t = EventTyped {
            kind: "consultation",
            held_on: Some(d(2026, 12, 5)),
            topic: "Feeling safe online",
            took_part: "Year 10 pupils",
            heard: "They want to know who to tell.",
        };
        assert!(check_event(&t, d(2026, 12, 5)).is_ok());
        let e = check_event(&t, d(2026, 12, 4)).unwrap_err();
        assert_eq!(e[0].0, "held");
        let e = check_event(
            &EventTyped {
                kind: "party",
                held_on: None,
                ..t
            },
            d(2026, 12, 5),
        )
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["kind", "held"]);
    }

    #[test]
    fn targets_are_whole_numbers_in_range() {
        assert_eq!(check_target("3"), Ok(3));
        assert!(check_target("0").is_err());
        assert!(check_target("three").is_err());
        assert_eq!(against_target(2, 3), ("2 of 3 held".into(), false));
        assert!(against_target(4, 3).1);
        assert!(!EventKind::Forum.counts_to_target());
    }

    #[test]
    fn we_did_says_how_far_the_answer_has_come() {
        use crate::actions::ActionStatus as S;
        let due = d(2027, 3, 31);
        assert_eq!(
            we_did(S::InProgress, "Add a page on who to tell.", due),
            (
                "We are doing",
                "Add a page on who to tell (by March 2027)".into()
            )
        );
        assert_eq!(
            we_did(S::ClosedEvidenced, "Add a page", due),
            ("We did", "Add a page".into())
        );
        assert_eq!(
            we_did(S::ClosedNotAchieved, "Add a page", due).0,
            "We could not do this yet"
        );
    }

    proptest! {
        /// A single first name is always accepted, however it is written.
        #[test]
        fn one_word_is_never_a_full_name(w in "[A-Za-z]{1,20}") {
            prop_assert!(check_took_part(&w).is_ok());
        }
    }
}
