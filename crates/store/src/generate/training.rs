//! Training: a programme of a dozen courses at the three levels, about two hundred sessions a
//! year, each booked by practitioners of the partnership's agencies; past sessions attended
//! (with some who did not come, or cancelled late), those to come part-booked or full with a
//! waiting list.

use chrono::{Datelike, Duration, NaiveDate};

use super::bulk::{NONE, row};
use super::partnership::Ctx;
use super::rng::Rng;

/// (title, kind, level, audience, outcomes)
const COURSES: [(&str, &str, &str, &str, [&str; 2]); 12] = [
    (
        "Working together: roles and responsibilities across agencies",
        "course",
        "2",
        "Practitioners new to multi-agency work",
        [
            "Explain what each statutory partner does when a child may be at risk",
            "Know when and how to make a referral, and what happens next",
        ],
    ),
    (
        "Recognising and responding to neglect",
        "course",
        "2",
        "Front-line staff of every agency",
        [
            "Recognise the signs of neglect and its effect over time",
            "Use the partnership's neglect tool with a family",
        ],
    ),
    (
        "Domestic abuse and its effect on children",
        "workshop",
        "2",
        "Staff who work with families",
        [
            "Ask about domestic abuse safely",
            "Plan with other agencies around a child living with abuse",
        ],
    ),
    (
        "Child exploitation: criminal and sexual",
        "course",
        "3",
        "Staff in specialist and lead roles",
        [
            "Identify the indicators of exploitation, in person and online",
            "Make a referral through the exploitation pathway",
        ],
    ),
    (
        "Bruising in babies who are not yet mobile",
        "briefing",
        "2",
        "Health, police and children's social care staff",
        [
            "Follow the protocol for bruising in non-mobile babies",
            "Explain to parents why a baby is being referred",
        ],
    ),
    (
        "Learning from local case reviews",
        "briefing",
        "2",
        "Everyone who works with children",
        [
            "Describe the lessons of the partnership's recent reviews",
            "Name one change to your own practice",
        ],
    ),
    (
        "Parental mental health, substance use and children",
        "workshop",
        "3",
        "Adult and children's services staff",
        [
            "Think about the child when working with a parent",
            "Share information across adult and children's services",
        ],
    ),
    (
        "Professional curiosity and respectful challenge",
        "development-day",
        "2",
        "Practitioners and their managers",
        [
            "Ask the question behind the first answer",
            "Use the escalation procedure when agencies disagree",
        ],
    ),
    (
        "Safeguarding children: basic awareness",
        "e-learning",
        "1",
        "All staff and volunteers",
        [
            "Know who to tell when worried about a child",
            "Recognise the main categories of abuse",
        ],
    ),
    (
        "Train the trainer: the neglect toolkit",
        "train-the-trainer",
        "3",
        "Agency trainers",
        [
            "Deliver the neglect toolkit session in your agency",
            "Gather evaluations the partnership can use",
        ],
    ),
    (
        "Annual safeguarding conference",
        "conference",
        "2",
        "Everyone who works with children",
        [
            "Hear from children and families about what helps",
            "Take one idea back to your team",
        ],
    ),
    (
        "Information sharing in practice",
        "cascade",
        "2",
        "Team managers, to pass on to their teams",
        [
            "Share information lawfully and in time",
            "Record what was shared, with whom and why",
        ],
    ),
];

const VENUES: [&str; 4] = [
    "Civic Centre, Committee Room 2",
    "Children's Centre, Training Suite",
    "Police Headquarters, Conference Room",
    "Community Health Hub, Seminar Room",
];

const TRAINERS: [&str; 4] = [
    "Dr Amara Okafor (commissioned)",
    "Helen Prentice (commissioned)",
    "Safeguarding Training Associates",
    "Marcus Reid (commissioned)",
];

impl Ctx {
    /// The courses, then about two hundred sessions a year from the start to three months
    /// ahead, with their bookings.
    pub(super) fn training(&mut self, rng: &mut Rng) {
        let created = rng.at(self.start);
        let mut courses = Vec::new();
        for (title, kind, level, audience, outcomes) in COURSES {
            let id = rng.id();
            self.t.course.push(row![
                id.as_str(),
                self.pid.as_str(),
                title,
                kind,
                level,
                serde_json::to_string(&outcomes).unwrap_or_default(),
                audience,
                "",
                self.manager.name.as_str(),
                created.as_str(),
                created.as_str()
            ]);
            courses.push((id, title));
        }
        // Everyone who can be booked: (agency index, person).
        let people: Vec<(usize, String)> = self
            .staff
            .iter()
            .enumerate()
            .flat_map(|(a, ps)| ps.iter().map(move |p| (a, p.id.clone())))
            .collect();
        if people.is_empty() {
            return;
        }
        let end = self.today + Duration::days(90);
        let days = (end - self.start).num_days().max(1);
        let sessions = days * 200 / 365;
        for _ in 0..sessions {
            let mut day = self.start + Duration::days(rng.range(0, days));
            while day.weekday().number_from_monday() > 5 {
                day += Duration::days(1);
            }
            let (course_id, _) = rng.pick(&courses).clone();
            self.session(rng, &course_id, day, &people);
        }
    }

    fn session(
        &mut self,
        rng: &mut Rng,
        course_id: &str,
        day: NaiveDate,
        people: &[(usize, String)],
    ) {
        let id = rng.id();
        let starts = format!(
            "{}T{}",
            day.format("%Y-%m-%d"),
            if rng.chance(0.6) { "09:30" } else { "13:30" }
        );
        let capacity = *rng.pick(&[12i64, 16, 20, 24, 30]);
        let online = rng.chance(0.3);
        let before = Duration::days(rng.range(30, 90));
        let created = rng.at(day - before);
        self.t.course_session.push(row![
            id.as_str(),
            self.pid.as_str(),
            course_id,
            starts.as_str(),
            *rng.pick(&[120i64, 180, 360]),
            if online { "" } else { *rng.pick(&VENUES) },
            if online {
                "https://meet.example.org/learnloop-training"
            } else {
                ""
            },
            NONE,
            *rng.pick(&TRAINERS),
            capacity,
            created.as_str()
        ]);
        let past = day < self.today;
        // From half full to a few over (a waiting list).
        let wanted = capacity * rng.range(50, 125) / 100;
        let n = usize::try_from(wanted).unwrap_or(0).min(people.len());
        // A few distinct people, by a partial shuffle of indexes.
        let mut picks: Vec<usize> = Vec::with_capacity(n);
        while picks.len() < n {
            let i = rng.below(people.len());
            if !picks.contains(&i) {
                picks.push(i);
            }
        }
        for (k, i) in picks.into_iter().enumerate() {
            let (agency, person) = &people[i];
            let has_place = i64::try_from(k).unwrap_or(i64::MAX) < capacity;
            let state = match (past, has_place) {
                (false, true) => "confirmed",
                (false, false) => "waiting",
                (true, false) => "lapsed",
                (true, true) => match rng.below(100) {
                    0..80 => "attended",
                    80..87 => "no-show",
                    87..92 => "late-cancellation",
                    _ => "cancelled",
                },
            };
            // Booked in order, a day apart: the waiting list is the last to ask.
            let ahead = i64::try_from(n - k).unwrap_or(0) + 2;
            let booked = rng.at(day - Duration::days(ahead));
            self.t.booking.push(row![
                rng.id(),
                self.pid.as_str(),
                id.as_str(),
                person.as_str(),
                self.agencies[*agency].as_str(),
                format!("team.manager{}@agency{}.example.org", rng.below(20), agency),
                state,
                "generator",
                booked.as_str(),
                NONE,
                NONE,
                booked.as_str()
            ]);
        }
    }
}
