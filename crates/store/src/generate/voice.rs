//! The voice of children and young people, each year (April to March): three priorities the
//! youth forum sets, its four meetings with the partnership's chair, and engagement and
//! consultation events around the target of three; at each consultation one thing young people
//! said becomes a recommendation to the partnership, answered by an action on the board's plan
//! ("you said, we did").

use chrono::Duration;

use super::bulk::row;
use super::partnership::Ctx;
use super::rng::{Rng, ymd};

const PRIORITIES: [&str; 6] = [
    "Feeling safe on the way to school and in the town centre",
    "Being listened to by workers, and having one worker who stays",
    "Help with worries and feelings without a long wait",
    "Staying safe online and knowing who to tell",
    "Somewhere to go in the evenings",
    "Workers who explain what happens next",
];

/// (kind, topic, who took part, what was heard, what they said that needs an answer, the
/// action answering it, the answer written for young people)
const EVENTS: [(&str, &str, &str, &str, &str, &str, &str); 4] = [
    (
        "consultation",
        "Feeling safe online",
        "Year 9 and 10 pupils at two secondary schools",
        "Most knew how to block and report, few knew who to tell when something online worried them.",
        "Tell us who we can talk to when something online worries us.",
        "Put a who-to-tell page, written with pupils, on every school's website",
        "Every secondary school is putting a page on its website, written with its pupils, that tells you who you can talk to.",
    ),
    (
        "engagement",
        "Young inspectors at the front door",
        "The Children in Care Council",
        "The waiting area felt like a police station; nobody told them how long they would wait.",
        "Make the place where we wait feel welcoming and tell us what is happening.",
        "Redecorate the family waiting room with young people and add a sign about waiting times",
        "The waiting room is being painted with ideas from the Children in Care Council, and a sign will say how long you might wait.",
    ),
    (
        "consultation",
        "What makes a good worker",
        "Young people on child protection plans, through their advocates",
        "Changing worker meant telling their story again; the best workers explained what happens next.",
        "Do not make us tell our story again every time our worker changes.",
        "Agree a handover that the new worker reads with the young person before their first visit",
        "When your worker changes, your new worker will read your story with you first, so you do not have to tell it again.",
    ),
    (
        "engagement",
        "Designing the partnership's leaflet for young people",
        "Youth forum members and Year 7 pupils",
        "The leaflet was too long and used words they did not know.",
        "Write things for us in words we use, and ask us first.",
        "Test every leaflet for young people with the youth forum before it is printed",
        "The youth forum now checks every leaflet for young people before it is printed.",
    ),
];

impl Ctx {
    pub(super) fn voice(&mut self, rng: &mut Rng) {
        let board = self.groups.first().cloned().unwrap_or_default();
        let first_year = learnloop_domain::child_deaths::year_of(self.start);
        let last_year = learnloop_domain::child_deaths::year_of(self.today);
        let manager = (self.manager.id.clone(), self.manager.name.clone());
        for (n, year) in (first_year..=last_year).enumerate() {
            let (from, _) = learnloop_domain::child_deaths::year_bounds(year);
            let set_on = from + Duration::days(20);
            if set_on > self.today {
                continue;
            }
            for p in 0..3 {
                self.t.voice_priority.push(row![
                    rng.id().as_str(),
                    self.pid.as_str(),
                    i64::from(year),
                    i64::try_from(p + 1).unwrap_or(1),
                    PRIORITIES[(n + p) % PRIORITIES.len()],
                    manager.1.as_str(),
                    rng.at(set_on).as_str()
                ]);
            }
            // The youth forum meets the chair each quarter.
            for q in 0..4 {
                let on = from + Duration::days(20 + 91 * q + rng.range(0, 20));
                if on > self.today || on < self.start {
                    continue;
                }
                let at = rng.at(on);
                self.t.voice_event.push(row![
                    rng.id().as_str(),
                    self.pid.as_str(),
                    "forum",
                    ymd(on),
                    "Youth forum with the partnership's chair",
                    "Youth forum members",
                    "The forum reviewed its priorities with the chair and heard what had changed since the last meeting.",
                    manager.1.as_str(),
                    at.as_str(),
                    at.as_str()
                ]);
            }
            // Engagement and consultation events: two to four a year against a target of three.
            let events = rng.range(2, 5);
            for e in 0..events {
                let on = from + Duration::days(40 + e * 80 + rng.range(0, 30));
                if on > self.today || on < self.start {
                    continue;
                }
                let (kind, topic, who, heard, said, answer, reply) =
                    EVENTS[(n * 2 + usize::try_from(e).unwrap_or(0)) % EVENTS.len()];
                let id = rng.id();
                let at = rng.at(on);
                self.t.voice_event.push(row![
                    id.as_str(),
                    self.pid.as_str(),
                    kind,
                    ymd(on),
                    topic,
                    who,
                    heard,
                    manager.1.as_str(),
                    at.as_str(),
                    at.as_str()
                ]);
                self.trail(
                    &at,
                    (&manager.0, &manager.1),
                    ("voice_event.add", "voice_event", &id),
                    format!("Recorded the youth-voice event “{topic}”"),
                );
                let rec_at = rng.at(on + Duration::days(7));
                self.t.action_plan.push(row![
                    self.pid.as_str(),
                    "voice_event",
                    id.as_str(),
                    Some(board.clone()),
                    6i64,
                    rec_at.as_str()
                ]);
                let rec = rng.id();
                self.t.recommendation.push(row![
                    rec.as_str(),
                    self.pid.as_str(),
                    "voice_event",
                    id.as_str(),
                    1i64,
                    said,
                    "partnership",
                    manager.1.as_str(),
                    rec_at.as_str(),
                    rec_at.as_str()
                ]);
                self.t.voice_answer.push(row![
                    rec.as_str(),
                    self.pid.as_str(),
                    reply,
                    manager.1.as_str(),
                    rec_at.as_str()
                ]);
                let created_on = (on + Duration::days(14)).min(self.today);
                let due = created_on + Duration::days(rng.range(60, 200));
                let agency = rng.below(self.agencies.len().max(1));
                self.action(
                    rng,
                    ("voice_event", &id, &board.clone()),
                    answer.to_owned(),
                    agency,
                    (created_on, due),
                    Some(&rec),
                );
            }
        }
    }
}
