//! Training: a programme of a dozen courses at the three levels, about two hundred sessions a
//! year, each booked by practitioners of the partnership's agencies; past sessions attended
//! (with some who did not come, or cancelled late), those to come part-booked or full with a
//! waiting list.

use chrono::{Datelike, Duration, Months, NaiveDate};

use super::bulk::{NONE, row};
use super::partnership::Ctx;
use super::rng::{Rng, ymd};

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

/// Needs a yearly assessment finds: (need, what showed it, the course that meets it).
const NEEDS: [(&str, &str, usize); 8] = [
    (
        "Recognising neglect in older children",
        "Neglect of teenagers was seen as their own choice, and not escalated.",
        1,
    ),
    (
        "Hearing the child's voice in assessments",
        "Records said little about what the child said or how they seemed.",
        5,
    ),
    (
        "Safe sharing of information between adult and children's services",
        "A parent's mental health crisis was known to adult services and not shared.",
        6,
    ),
    (
        "Bruising in non-mobile babies",
        "Bruising was explained away without the protocol being followed.",
        4,
    ),
    (
        "Exploitation pathway for newly qualified staff",
        "Referrals for exploitation came late and through the wrong route.",
        3,
    ),
    (
        "Respectful challenge between agencies",
        "Disagreements about thresholds were not escalated.",
        7,
    ),
    (
        "Domestic abuse: asking safely",
        "Staff did not ask about domestic abuse when they saw signs of it.",
        2,
    ),
    (
        "Induction for new agency staff",
        "New staff did not know the partnership's procedures.",
        0,
    ),
];

const INSPECTIONS: [&str; 3] = [
    "Joint targeted area inspection: the multi-agency response to neglect",
    "Inspection of local authority children's services",
    "Care Quality Commission review of health services for children looked after",
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
    /// ahead, with their bookings; the last year's attended sessions evaluated and, three
    /// months on, followed up.
    pub(super) fn training(&mut self, rng: &mut Rng) {
        let created = rng.at(self.start);
        let mut courses = Vec::new();
        // The three-month follow-up's questions, as the live follow-up finds them.
        let follow_up = [
            ("Three-month follow-up", crate::training::PARTICIPANT_LINES),
            (
                "Three-month follow-up: line manager",
                crate::training::MANAGER_LINES,
            ),
        ]
        .map(|(name, lines)| {
            let id = rng.id();
            self.t.question_set.push(row![
                id.as_str(),
                self.pid.as_str(),
                "training-follow-up",
                name,
                1i64,
                serde_json::to_string(&lines).unwrap_or_default(),
                "[]",
                created.as_str()
            ]);
            id
        });
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
            // Its evaluation: usefulness, confidence before and after each outcome, a comment.
            let evaluation = rng.id();
            let owned: Vec<String> = outcomes.iter().map(|o| (*o).to_owned()).collect();
            self.t.s11_question_set.push(row![
                evaluation.as_str(),
                self.pid.as_str(),
                "training-evaluation",
                format!("Evaluation of course {id}"),
                1i64,
                serde_json::to_string(&crate::training::evaluation_lines(&owned))
                    .unwrap_or_default(),
                serde_json::to_string(&crate::training::SCALE).unwrap_or_default(),
                created.as_str(),
                "[]",
                true
            ]);
            courses.push((id, evaluation, outcomes.len()));
        }
        self.needs(rng, &courses);
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
            let course = rng.pick(&courses).clone();
            self.session(rng, &course, &follow_up, day, &people);
        }
    }

    /// Each calendar year's needs assessment: needs from the year's reviews, audits and
    /// assurance, an inspection or an agency's request, most met by a course.
    fn needs(&mut self, rng: &mut Rng, courses: &[(String, String, usize)]) {
        let first = self.start.year();
        for year in first..=self.today.year() {
            let at = rng.at(NaiveDate::from_ymd_opt(year, 1, 20)
                .unwrap_or(self.start)
                .max(self.start)
                .min(self.today));
            let prefix = (year - 1).to_string();
            let from: Vec<(&'static str, String)> = self
                .learned_from
                .iter()
                .filter(|(_, _, made)| made.starts_with(&prefix))
                .map(|(k, id, _)| (*k, id.clone()))
                .collect();
            for (need, detail, course) in NEEDS {
                if !rng.chance(0.75) {
                    continue;
                }
                let id = rng.id();
                let roll = rng.below(10);
                let (origin, kind, source, agency, note) = if roll < 5 && !from.is_empty() {
                    let (k, sid) = rng.pick(&from).clone();
                    let origin = match k {
                        "case_review" => "review",
                        other => other,
                    };
                    (origin, Some(k), Some(sid), None, String::new())
                } else if roll < 8 && !self.agencies.is_empty() {
                    let a = rng.pick(&self.agencies).clone();
                    ("agency-request", None, None, Some(a), String::new())
                } else {
                    (
                        "inspection",
                        None,
                        None,
                        None,
                        format!("{}, {year}", rng.pick(&INSPECTIONS)),
                    )
                };
                self.t.training_need.push(row![
                    id.as_str(),
                    self.pid.as_str(),
                    i64::from(year),
                    need,
                    detail,
                    origin,
                    kind,
                    source,
                    agency,
                    note,
                    *rng.pick(&["high", "high", "medium", "medium", "low"]),
                    self.manager.name.as_str(),
                    at.as_str()
                ]);
                if !self.themes.is_empty() {
                    let theme = rng.below(self.themes.len());
                    self.tag(theme, "training_need", &id, &at);
                }
                if rng.chance(0.7)
                    && let Some((cid, _, _)) = courses.get(course)
                {
                    self.t.course_answers.push(row![
                        cid.as_str(),
                        self.pid.as_str(),
                        "need",
                        id.as_str()
                    ]);
                }
            }
        }
    }

    fn session(
        &mut self,
        rng: &mut Rng,
        (course_id, evaluation, outcomes): &(String, String, usize),
        follow_up: &[String; 2],
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
        // Nothing was made or booked in the future: a session to come was set up and booked
        // in the days before today, in order.
        let base = day.min(self.today - Duration::days(1));
        let before = Duration::days(rng.range(30, 90));
        let created = rng.at(base - before);
        // The follow-up three months on, once that has come: asked (and recorded as asked)
        // for every such session, so the live follow-up never asks about them again; its
        // returns, with the evaluations, for the last year's sessions only (older ones would
        // long have been summarised in a yearly report).
        let followed = day
            .checked_add_months(Months::new(3))
            .filter(|d| *d <= self.today);
        let recent = day >= self.today - Duration::days(365) && day < self.today;
        self.t.course_session.push(row![
            id.as_str(),
            self.pid.as_str(),
            course_id.as_str(),
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
            created.as_str(),
            followed.map(ymd)
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
            let ahead = i64::try_from(n - k).unwrap_or(0) + 1;
            let booked = rng.at(base - Duration::days(ahead));
            let booking = rng.id();
            let manager = format!("team.manager{}@agency{}.example.org", rng.below(20), agency);
            self.t.booking.push(row![
                booking.as_str(),
                self.pid.as_str(),
                id.as_str(),
                person.as_str(),
                self.agencies[*agency].as_str(),
                manager.as_str(),
                state,
                "generator",
                booked.as_str(),
                NONE,
                NONE,
                booked.as_str()
            ]);
            if state == "attended" && recent {
                let at = rng.at(day);
                self.evaluation(
                    rng,
                    (&id, evaluation, *outcomes),
                    (&booking, *agency, person),
                    (day, &at),
                );
                if let Some(on) = followed {
                    let at = rng.at(on);
                    let sets = (follow_up[0].as_str(), follow_up[1].as_str());
                    self.follow_ups(
                        rng,
                        &id,
                        sets,
                        (&booking, *agency, person, &manager),
                        (on, &at),
                    );
                }
            }
        }
    }

    /// An attended booking's evaluation: sent in most of the time, rated as people do.
    fn evaluation(
        &mut self,
        rng: &mut Rng,
        (session, set, outcomes): (&str, &str, usize),
        (booking, agency, person): (&str, usize, &str),
        (day, at): (NaiveDate, &str),
    ) {
        let rid = rng.id();
        let sent = rng.chance(0.7);
        let mut ratings = vec![(3 + rng.below(3)).to_string()];
        for _ in 0..outcomes {
            let before = 1 + rng.below(3);
            ratings.push(before.to_string());
            ratings.push((before + 1 + rng.below(5 - before)).min(5).to_string());
        }
        ratings.push(String::new());
        let mut answers = vec![String::new(); ratings.len()];
        if rng.chance(0.3)
            && let Some(last) = answers.last_mut()
        {
            (*rng.pick(&COMMENTS)).clone_into(last);
        }
        let (answers, ratings) = if sent {
            (answers, ratings)
        } else {
            (Vec::new(), Vec::new())
        };
        let json = |v: &[String]| serde_json::to_string(v).unwrap_or_default();
        self.t.training_return.push(row![
            rid.as_str(),
            self.pid.as_str(),
            "training",
            session,
            format!("evaluation:{booking}"),
            self.agencies[agency].as_str(),
            Some(person.to_owned()),
            set,
            ymd(day + Duration::days(crate::training::EVALUATION_DAYS)),
            if sent { "submitted" } else { "requested" },
            json(&answers),
            "",
            "",
            "",
            NONE,
            "",
            at,
            at,
            json(&ratings),
            ""
        ]);
        if sent {
            self.t.training_version.push(row![
                rid.as_str(),
                self.pid.as_str(),
                1i64,
                json(&answers),
                "",
                "",
                "",
                person,
                at,
                json(&ratings)
            ]);
        }
    }

    /// The three-month follow-up of an attended booking: the participant and their manager.
    fn follow_ups(
        &mut self,
        rng: &mut Rng,
        session: &str,
        (participants, managers): (&str, &str),
        (booking, agency, person, manager): (&str, usize, &str, &str),
        (on, at): (NaiveDate, &str),
    ) {
        for (is_manager, set, chance) in [(false, participants, 0.55), (true, managers, 0.4)] {
            let rid = rng.id();
            let sent = rng.chance(chance);
            let answers: Vec<String> = if sent {
                vec![
                    (*rng.pick(&CHANGES)).to_owned(),
                    (*rng.pick(&EXAMPLES)).to_owned(),
                ]
            } else {
                Vec::new()
            };
            let json = |v: &[String]| serde_json::to_string(v).unwrap_or_default();
            let subject = if is_manager {
                format!("manager:{booking}")
            } else {
                booking.to_owned()
            };
            self.t.training_return.push(row![
                rid.as_str(),
                self.pid.as_str(),
                "training",
                session,
                subject,
                self.agencies[agency].as_str(),
                (!is_manager).then(|| person.to_owned()),
                set,
                ymd(on + Duration::days(crate::training::ANSWER_DAYS)),
                if sent { "submitted" } else { "requested" },
                json(&answers),
                "",
                "",
                "",
                NONE,
                "",
                at,
                at,
                "[]",
                if is_manager { manager } else { "" }
            ]);
            if sent {
                self.t.training_version.push(row![
                    rid.as_str(),
                    self.pid.as_str(),
                    1i64,
                    json(&answers),
                    "",
                    "",
                    "",
                    if is_manager { manager } else { person },
                    at,
                    "[]"
                ]);
            }
        }
    }
}

/// What participants write at the end of a session.
const COMMENTS: [&str; 3] = [
    "More time for the case studies, please.",
    "The best multi-agency session I have been on this year.",
    "Would have liked more on what to do out of hours.",
];

/// How practice changed, three months on.
const CHANGES: [&str; 4] = [
    "I ask about the child's daily life at every visit now, not only about the parents.",
    "I use the partnership's tool before deciding whether to refer.",
    "I call the other agencies involved before closing a case.",
    "Supervision now starts from the child's experience.",
];

const EXAMPLES: [&str; 3] = [
    "A family where the tool showed the neglect had been building for months.",
    "A referral I would not have made before, which the social worker confirmed was needed.",
    "A strategy discussion that started from information another agency held.",
];
