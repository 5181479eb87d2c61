//! Escalations raised by the subgroups, and the steps each went through.

use chrono::{Duration, NaiveDate};

use super::bulk::{NONE, row};
use super::partnership::Ctx;
use super::rng::{Rng, ymd};
use super::words::TOPICS;

impl Ctx {
    pub(super) fn escalations(&mut self, rng: &mut Rng, from: NaiveDate, to: NaiveDate) {
        for _ in 0..2 {
            let g = rng.range(1, 4) as usize;
            let raised = rng.day(from, to);
            let age = (self.today - raised).num_days();
            let id = rng.id();
            let via_board = rng.chance(0.35);
            let mut steps = vec![("to-chair", raised, "Raised with the independent chair.")];
            if via_board && age > 30 {
                steps.push((
                    "to-board",
                    raised + Duration::days(rng.range(14, 30)),
                    "Taken to the executive for a decision.",
                ));
            }
            if age > 120 {
                steps.push((
                    "resolved",
                    raised + Duration::days(rng.range(40, 110)),
                    "Agreed a way forward; the agencies confirmed the change.",
                ));
            }
            let stage = match steps.last().map(|s| s.0) {
                Some("resolved") => "resolved",
                Some("to-board") => "board",
                _ => "chair",
            };
            let created = rng.at(raised);
            self.t.escalation.push(row![
                id.as_str(),
                self.pid.as_str(),
                self.groups[g].as_str(),
                NONE,
                format!("Delays in {}", rng.pick(&TOPICS)),
                "Agencies have not agreed how to proceed and the subgroup cannot resolve it.",
                stage,
                ymd(raised),
                self.chairs[g].name.as_str(),
                created.as_str(),
                created.as_str()
            ]);
            for (step, on, note) in steps {
                self.t.escalation_step.push(row![
                    rng.id(),
                    self.pid.as_str(),
                    id.as_str(),
                    step,
                    ymd(on),
                    note,
                    self.chairs[g].name.as_str(),
                    rng.at(on)
                ]);
            }
        }
    }
}
