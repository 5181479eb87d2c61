//! Inspections: one of an agency about every eighteen months, and every third a joint targeted
//! area inspection of three agencies; each published a few months after its fieldwork with two
//! recommendations to the agencies inspected, their actions on the board's plan, and the
//! plan's progress reported to the board every six months while actions are open (the latest
//! sometimes not yet reported).

use chrono::Duration;

use super::bulk::{NONE, row};
use super::partnership::Ctx;
use super::rng::{Rng, ymd};

/// (inspectorate, judgement, the agency's index in `demo::AGENCIES`, what it found)
const SINGLE: [(&str, &str, usize, &str); 4] = [
    (
        "ofsted",
        "Requires improvement to be good",
        0,
        "Help for children in need is too slow to start, and plans are not reviewed often enough.",
    ),
    (
        "hmicfrs",
        "Adequate",
        1,
        "Officers recognise risk to children at domestic incidents, but referrals are not always made the same day.",
    ),
    (
        "cqc",
        "Good",
        3,
        "Safeguarding supervision is strong; the voice of the child is not always recorded in the emergency department.",
    ),
    (
        "probation",
        "Requires improvement",
        5,
        "Home visits to check on children living with people on probation are not always made.",
    ),
];

const JOINT_THEMES: [&str; 3] = [
    "Children at risk of criminal exploitation",
    "The multi-agency response to children living with domestic abuse",
    "The front door: how agencies identify and respond to concerns",
];

impl Ctx {
    pub(super) fn inspections(&mut self, rng: &mut Rng) {
        let board = self.groups.first().cloned().unwrap_or_default();
        let mut start = self.start + Duration::days(rng.range(60, 240));
        let mut n = 0usize;
        while start + Duration::days(30) < self.today {
            let joint = n % 3 == 2;
            let id = rng.id();
            let end = start + Duration::days(if joint { 5 } else { 11 });
            let published = end + Duration::days(rng.range(40, 80));
            let published = (published <= self.today).then_some(published);
            let created = rng.at(if joint {
                start - Duration::days(6)
            } else {
                end
            });
            let (inspectorate, judgement, agencies, summary, theme) = if joint {
                let theme = JOINT_THEMES[(n / 3) % JOINT_THEMES.len()];
                (
                    "jtai",
                    "",
                    vec![0, 1, 3],
                    "Partners share information well at the front door; strategy discussions do not always include health, and return interviews are not always offered.",
                    theme,
                )
            } else {
                let (i, j, a, s) = SINGLE[(n - n / 3) % SINGLE.len()];
                (i, j, vec![a], s, "")
            };
            let agencies: Vec<usize> = agencies
                .into_iter()
                .map(|a| a.min(self.agencies.len().saturating_sub(1)))
                .collect();
            self.t.inspection.push(row![
                id.as_str(),
                self.pid.as_str(),
                inspectorate,
                "",
                theme,
                joint.then(|| ymd(start - Duration::days(5))),
                ymd(start),
                ymd(end),
                published.map(ymd),
                judgement,
                summary,
                self.manager.name.as_str(),
                created.as_str(),
                created.as_str()
            ]);
            let mut seen = Vec::new();
            for a in &agencies {
                if seen.contains(a) {
                    continue;
                }
                seen.push(*a);
                self.t.inspection_agency.push(row![
                    id.as_str(),
                    self.pid.as_str(),
                    self.agencies[*a].as_str()
                ]);
            }
            if let Some(published) = published {
                let at = rng.at(published + Duration::days(14));
                self.t.action_plan.push(row![
                    self.pid.as_str(),
                    "inspection",
                    id.as_str(),
                    Some(board.clone()),
                    6i64,
                    at.as_str()
                ]);
                for number in 1..=2i64 {
                    let rec = rng.id();
                    let a = seen[(number as usize - 1) % seen.len()];
                    self.t.recommendation.push(row![
                        rec.as_str(),
                        self.pid.as_str(),
                        "inspection",
                        id.as_str(),
                        number,
                        if number == 1 {
                            "Make sure every concern about a child is acted on the same day, weekends included."
                        } else {
                            "Check the quality of this work by regular audit and report it to the board."
                        },
                        "agencies",
                        self.manager.name.as_str(),
                        at.as_str(),
                        at.as_str()
                    ]);
                    self.t.recommendation_agency.push(row![
                        rec.as_str(),
                        self.pid.as_str(),
                        self.agencies[a].as_str()
                    ]);
                    let created_on = (published + Duration::days(21)).min(self.today);
                    for k in 0..2 {
                        // The procedure within the year; the audit of it after a year or more,
                        // so a plan stays part-way for a year and a half.
                        let due = created_on
                            + Duration::days(if k == 0 {
                                rng.range(90, 300)
                            } else {
                                rng.range(360, 540)
                            });
                        self.action(
                            rng,
                            ("inspection", &id.clone(), &board.clone()),
                            if k == 0 {
                                "Agree and publish the new procedure with every team".to_owned()
                            } else {
                                "Audit a sample of cases and report the findings to the board"
                                    .to_owned()
                            },
                            a,
                            (created_on, due),
                            Some(&rec),
                        );
                    }
                }
                // Progress reported every six months for two years, the last one sometimes late.
                let mut on = published + Duration::days(182);
                let skip_last = rng.chance(0.3);
                while on <= self.today && on <= published + Duration::days(730) {
                    if skip_last && on + Duration::days(182) > self.today {
                        break;
                    }
                    let at = rng.at(on);
                    self.t.inspection_progress.push(row![
                        rng.id(),
                        id.as_str(),
                        self.pid.as_str(),
                        ymd(on),
                        "The board heard which actions are done and which are late, and asked for the audit findings at its next meeting.",
                        self.manager.name.as_str(),
                        at.as_str()
                    ]);
                    on += Duration::days(182);
                }
            }
            let _ = NONE;
            n += 1;
            start += Duration::days(rng.range(420, 640));
        }
    }
}
