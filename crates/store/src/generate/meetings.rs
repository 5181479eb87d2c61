//! Governance: each group's terms of reference and its meetings, with their agendas,
//! attendance, decisions and the actions they set.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use learnloop_domain::governance::meetings::nth_weekday;

use super::LABEL;
use super::bulk::{NONE, row};
use super::partnership::Ctx;
use super::rng::{Rng, ymd};
use super::words::{ACTION_VERBS, DECISIONS, GROUP_TEXT, ITEMS, TOPICS};

impl Ctx {
    pub(super) fn terms(&mut self, rng: &mut Rng, existing: &HashSet<String>, years: u32) {
        let core = serde_json::to_string(&self.agencies[..3]).unwrap_or_default();
        let invited = serde_json::to_string(&self.agencies[3..7.min(self.agencies.len())])
            .unwrap_or_default();
        for (i, g) in self.groups.clone().iter().enumerate() {
            if existing.contains(g) {
                continue;
            }
            let (purpose, functions, freq, minutes, _) = GROUP_TEXT[i];
            // A new version every three years or so.
            let versions = 1 + years / 3;
            for v in 0..versions {
                let agreed = self.start + Duration::days(i64::from(v) * 3 * 365 + rng.range(0, 60));
                if agreed > self.today {
                    break;
                }
                let at = rng.at(agreed);
                let chair = self.chairs[i].id.clone();
                self.t.group_terms.push(row![
                    rng.id(),
                    self.pid.as_str(),
                    g.as_str(),
                    i64::from(v) + 1,
                    purpose,
                    "",
                    functions,
                    core.as_str(),
                    invited.as_str(),
                    Some(chair),
                    "The lead safeguarding partners",
                    NONE,
                    "",
                    freq,
                    minutes,
                    "A report to the executive each quarter",
                    "Partnership business team",
                    ymd(agreed),
                    ymd(agreed + Duration::days(3 * 365)),
                    LABEL,
                    at
                ]);
            }
        }
    }

    pub(super) fn meetings(&mut self, rng: &mut Rng) {
        let end = if self.past_only {
            self.today
        } else {
            self.today + Duration::days(92)
        };
        let weekdays = [
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Tue,
            Weekday::Fri,
        ];
        let mut dates: Vec<(usize, NaiveDate)> = Vec::new();
        let (mut y, mut m) = (self.start.year(), self.start.month());
        let mut k = 0u32;
        loop {
            for (g, wd) in weekdays.iter().enumerate() {
                let every = GROUP_TEXT[g].4;
                if (k + g as u32).is_multiple_of(every)
                    && let Some(d) = nth_weekday(y, m, *wd, if g == 3 { 3 } else { 2 })
                    && d >= self.start
                    && d <= end
                {
                    dates.push((g, d));
                }
            }
            // An extraordinary meeting of the serious incident group now and then.
            if k.is_multiple_of(6) {
                let d = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(self.start)
                    + Duration::days(rng.range(0, 27));
                if d >= self.start && d <= end {
                    dates.push((3, d));
                }
            }
            k += 1;
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            if NaiveDate::from_ymd_opt(y, m, 1).is_none_or(|d| d > end) {
                break;
            }
        }
        for (g, d) in dates {
            self.meeting(rng, g, d);
        }
    }

    fn meeting(&mut self, rng: &mut Rng, g: usize, d: NaiveDate) {
        let id = rng.id();
        let past = d < self.today;
        let cancelled = rng.chance(if past { 0.03 } else { 0.02 });
        let issued = !cancelled && d - Duration::days(7) <= self.today;
        let lead_in = rng.range(30, 120);
        let created = rng.at(d - Duration::days(lead_in));
        let issued_at = issued.then(|| rng.at(d - Duration::days(7)));
        let hour = if rng.chance(0.7) { "10:00" } else { "14:00" };
        let place = *rng.pick(&[
            "Civic Centre, committee room 2",
            "Police headquarters, conference suite",
            "Online",
            "Town hall, council chamber",
        ]);
        let link = if place == "Online" {
            "https://meet.example.org/partnership"
        } else {
            ""
        };
        if g == 0 && past && !cancelled {
            self.board_meetings.push((id.clone(), d));
        }
        let manager = (self.manager.id.clone(), self.manager.name.clone());
        self.trail(
            &created,
            (&manager.0, &manager.1),
            ("meeting.create", "meeting", &id),
            format!("Scheduled a meeting on {}", ymd(d)),
        );
        self.t.meeting.push(row![
            id.as_str(),
            self.pid.as_str(),
            self.groups[g].as_str(),
            format!("{}T{hour}", ymd(d)),
            GROUP_TEXT[g].3,
            place,
            link,
            if cancelled { "cancelled" } else { "scheduled" },
            issued_at.clone(),
            0i64,
            created.as_str(),
            created.as_str()
        ]);
        if cancelled {
            return;
        }
        let at = issued_at.unwrap_or_else(|| created.clone());
        let mut items: Vec<(&str, String)> = vec![
            (
                "standing",
                "Welcome, introductions and apologies".to_owned(),
            ),
            (
                "standing",
                "Minutes of the last meeting and matters arising".to_owned(),
            ),
        ];
        if issued || rng.chance(0.5) {
            for _ in 0..rng.range(1, 4) {
                items.push(("added", (*rng.pick(&ITEMS)).to_owned()));
            }
        }
        items.push(("standing", "Any other business".to_owned()));
        for (pos, (kind, title)) in items.into_iter().enumerate() {
            let minutes = if past {
                format!(
                    "{title} was discussed. {}",
                    rng.pick(&[
                        "The group noted the report.",
                        "Members challenged the pace of progress; an update is due next time.",
                        "No matters arising.",
                        "Agencies agreed to share the report with their teams.",
                    ])
                )
            } else {
                String::new()
            };
            self.t.agenda_item.push(row![
                rng.id(),
                self.pid.as_str(),
                id.as_str(),
                pos as i64 + 1,
                kind,
                title,
                "",
                "",
                minutes,
                at.as_str()
            ]);
        }
        if !past {
            return;
        }
        // Attendance: the statutory partners and some others, through their agency leads.
        let mut who: Vec<usize> = vec![0, 1, 2];
        for _ in 0..rng.range(3, 6) {
            let a = 3 + rng.below(self.agencies.len() - 3);
            if !who.contains(&a) {
                who.push(a);
            }
        }
        let after = rng.at(d);
        for a in who {
            let lead = &self.leads[a];
            let roll = rng.below(100);
            let (status, name, person, deputising) = if roll < 78 {
                ("present", lead.name.clone(), Some(lead.id.clone()), "")
            } else if roll < 86 && !self.staff[a].is_empty() {
                let s = &self.staff[a][rng.below(self.staff[a].len())];
                (
                    "deputy",
                    s.name.clone(),
                    Some(s.id.clone()),
                    lead.name.as_str(),
                )
            } else if roll < 96 {
                ("apologies", lead.name.clone(), Some(lead.id.clone()), "")
            } else {
                ("absent", lead.name.clone(), Some(lead.id.clone()), "")
            };
            self.t.attendance.push(row![
                rng.id(),
                self.pid.as_str(),
                id.as_str(),
                name,
                person,
                self.agencies[a].as_str(),
                status,
                deputising,
                after.as_str()
            ]);
        }
        for n in 1..=rng.range(0, 3) {
            self.t.decision.push(row![
                rng.id(),
                self.pid.as_str(),
                id.as_str(),
                n,
                *rng.pick(&DECISIONS),
                after.as_str()
            ]);
        }
        // Meeting actions.
        let n = rng.range(5, 10);
        if n > 0 {
            self.t.action_plan.push(row![
                self.pid.as_str(),
                "meeting",
                id.as_str(),
                Some(self.groups[g].clone()),
                6i64,
                after.as_str()
            ]);
        }
        let gid = self.groups[g].clone();
        for _ in 0..n {
            let a = rng.below(self.agencies.len());
            let desc = format!("{} {}", rng.pick(&ACTION_VERBS), rng.pick(&TOPICS));
            let due = d + Duration::days(rng.range(14, 120));
            self.action(rng, ("meeting", &id, &gid), desc, a, (d, due), None);
        }
    }
}
