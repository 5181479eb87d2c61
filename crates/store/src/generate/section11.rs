//! Section 11: the partnership's standards framework, a cycle every two years for every
//! agency, each agency's self-assessment carried forward from its last one; past cycles in,
//! challenged and taken to the board, the current one (opened weeks ago) part-answered.

use chrono::{Duration, NaiveDate};
use learnloop_domain::section11::{FRAMEWORK, SCALE, STANDARDS};

use super::bulk::{NONE, row};
use super::partnership::Ctx;
use super::rng::{Rng, ymd};

/// Evidence an agency might give for a standard, by how well it meets it.
const EVIDENCE: [&str; 4] = [
    "Policy reviewed this year; training records and an internal audit show it is in place across every team.",
    "In place in most services; the audit found two teams still using the old procedure, now being changed.",
    "A draft procedure exists; it is not yet known to front-line staff and has not been audited.",
    "Nothing in place yet; a named manager is writing the procedure.",
];

const CHALLENGES: [&str; 3] = [
    "Show how front-line staff know of this, not only managers.",
    "What did the last audit of this find, and what changed because of it?",
    "The rating seems generous given the training figures: explain.",
];

impl Ctx {
    /// The framework, once; then a cycle opened in the years that have one.
    pub(super) fn section11(&mut self, rng: &mut Rng, years: &[NaiveDate]) {
        if years.is_empty() {
            return;
        }
        let qs = rng.id();
        let lines: Vec<&str> = STANDARDS.iter().map(|s| s.title).collect();
        let prompts: Vec<&str> = STANDARDS.iter().map(|s| s.prompts).collect();
        let created = rng.at(years[0]);
        self.t.s11_question_set.push(row![
            qs.as_str(),
            self.pid.as_str(),
            "section11",
            FRAMEWORK,
            1i64,
            serde_json::to_string(&lines).unwrap_or_default(),
            serde_json::to_string(&SCALE).unwrap_or_default(),
            created.as_str(),
            serde_json::to_string(&prompts).unwrap_or_default(),
            true
        ]);
        // Each agency's last self-assessment: (return id, ratings as indexes into the scale).
        let mut last: Vec<Option<(String, Vec<usize>)>> = vec![None; self.agencies.len()];
        // Every cycle but the latest is over; the latest opened a few weeks ago and is part-way
        // through, the one before it (two years earlier) has gone to the board.
        for (i, from) in years.iter().enumerate() {
            let opened = if i + 1 == years.len() {
                self.today - Duration::days(rng.range(20, 70))
            } else {
                *from + Duration::days(rng.range(20, 90))
            };
            self.cycle(rng, &qs, opened, &mut last);
        }
    }

    fn cycle(
        &mut self,
        rng: &mut Rng,
        qs: &str,
        opened: NaiveDate,
        last: &mut [Option<(String, Vec<usize>)>],
    ) {
        let due = opened + Duration::days(90);
        let board = due + Duration::days(60);
        let current = board > self.today;
        let id = rng.id();
        let created = rng.at(opened);
        let year = chrono::Datelike::year(&opened);
        let title = format!("Section 11 self-assessment {year} to {}", year + 1);
        self.t.section11_cycle.push(row![
            id.as_str(),
            self.pid.as_str(),
            title.as_str(),
            qs,
            ymd(opened),
            ymd(due),
            (!current).then(|| ymd(board)),
            created.as_str()
        ]);
        let by = (self.manager.id.clone(), self.manager.name.clone());
        self.trail(
            &created,
            (&by.0, &by.1),
            ("section11.open", "section11", &id),
            format!(
                "Opened the Section 11 cycle “{title}” for {} agencies",
                self.agencies.len()
            ),
        );
        for (a, last) in last.iter_mut().enumerate() {
            let state = if !current {
                "locked"
            } else if due > self.today {
                ["requested", "draft", "submitted"][rng.below(3)]
            } else {
                ["submitted", "submitted", "locked", "draft"][rng.below(4)]
            };
            let before = last.clone();
            // Each standard drifts a step at most from last time, mostly better.
            let now: Vec<usize> = (0..STANDARDS.len())
                .map(|i| {
                    let was = before
                        .as_ref()
                        .and_then(|b| b.1.get(i).copied())
                        .unwrap_or_else(|| [1, 1, 2, 2, 3][rng.below(5)]);
                    match rng.below(6) {
                        0 => (was + 1).min(SCALE.len() - 1),
                        1 | 2 => was.saturating_sub(1),
                        _ => was,
                    }
                })
                .collect();
            let written = state != "requested";
            let (answers, ratings, marks): (Vec<&str>, Vec<&str>, Vec<&str>) = (0..STANDARDS.len())
                .map(|i| {
                    let carried = before.as_ref().map(|b| b.1[i]);
                    match (written, carried) {
                        // Not yet begun: what was carried, still to review.
                        (false, Some(c)) => (EVIDENCE[c], SCALE[c], "to-review"),
                        (false, None) => ("", "", ""),
                        (true, Some(c)) if c == now[i] => (EVIDENCE[c], SCALE[c], "confirmed"),
                        (true, Some(_)) => (EVIDENCE[now[i]], SCALE[now[i]], "changed"),
                        (true, None) => (EVIDENCE[now[i]], SCALE[now[i]], ""),
                    }
                })
                .fold((vec![], vec![], vec![]), |mut acc, (x, y, z)| {
                    acc.0.push(x);
                    acc.1.push(y);
                    acc.2.push(z);
                    acc
                });
            let marks = if before.is_none() { vec![] } else { marks };
            // What was carried forward when the cycle opened.
            let carried: (Vec<&str>, Vec<&str>) = match &before {
                Some(b) => b.1.iter().map(|c| (EVIDENCE[*c], SCALE[*c])).unzip(),
                None => (vec![], vec![]),
            };
            let rid = rng.id();
            let at = rng.at(due.min(self.today));
            let moderated: Vec<&str> = (0..STANDARDS.len())
                .map(|i| {
                    if matches!(state, "submitted" | "locked") && i == 4 && rng.chance(0.3) {
                        SCALE[(now[i] + 1).min(SCALE.len() - 1)]
                    } else {
                        ""
                    }
                })
                .collect();
            let json = |v: &[&str]| serde_json::to_string(v).unwrap_or_default();
            self.t.s11_return.push(row![
                rid.as_str(),
                self.pid.as_str(),
                "section11",
                id.as_str(),
                self.agencies[a].as_str(),
                self.agencies[a].as_str(),
                NONE,
                qs,
                ymd(due),
                state,
                json(&answers),
                "",
                "",
                "",
                NONE,
                "",
                NONE,
                "",
                created.as_str(),
                at.as_str(),
                json(&ratings),
                json(&marks),
                json(&moderated),
                before.as_ref().map(|b| b.0.clone()),
                json(&carried.0),
                json(&carried.1)
            ]);
            if matches!(state, "submitted" | "locked") {
                self.t.s11_version.push(row![
                    rid.as_str(),
                    self.pid.as_str(),
                    1i64,
                    json(&answers),
                    "",
                    "",
                    "",
                    self.leads[a].id.as_str(),
                    at.as_str(),
                    json(&ratings)
                ]);
                for (i, m) in moderated.iter().enumerate().filter(|(_, m)| !m.is_empty()) {
                    let responded = !current || rng.chance(0.5);
                    self.t.return_challenge.push(row![
                        rng.id(),
                        self.pid.as_str(),
                        rid.as_str(),
                        i as i64,
                        *rng.pick(&CHALLENGES),
                        Some((*m).to_owned()),
                        by.1.as_str(),
                        at.as_str(),
                        if responded {
                            "The training figures by team are attached; the gap is in two services, now booked."
                        } else {
                            ""
                        },
                        responded.then(|| self.leads[a].name.clone()),
                        responded.then(|| at.clone())
                    ]);
                }
                *last = Some((rid.clone(), now.clone()));
            }
        }
    }
}
