//! Recommendations from case reviews and the actions they (and meetings) lead to: progress
//! updates with their evidence, revised due dates, supporting agencies and impact reviews.

use chrono::{Duration, NaiveDate};

use super::bulk::row;
use super::cases::Case;
use super::partnership::Ctx;
use super::rng::{Rng, ymd};
use super::words::{ACTION_VERBS, TOPICS, UPDATE_BODIES};

impl Ctx {
    pub(super) fn recommendation(&mut self, rng: &mut Rng, case: &mut Case) {
        let Some(on) = case.recs_on else {
            return;
        };
        case.recs += 1;
        let id = rng.id();
        let at = rng.at(on);
        let topic = *rng.pick(&TOPICS);
        let to_agencies = rng.chance(0.6);
        let mut named: Vec<usize> = Vec::new();
        if to_agencies {
            for _ in 0..rng.range(1, 3) {
                let a = *rng.pick(&case.agencies);
                if !named.contains(&a) {
                    named.push(a);
                }
            }
        }
        self.t.recommendation.push(row![
            id.as_str(),
            self.pid.as_str(),
            "case_review",
            case.id.as_str(),
            case.recs,
            format!(
                "The partnership should seek assurance that practitioners understand and apply the guidance on {topic}."
            ),
            if to_agencies { "agencies" } else { "partnership" },
            self.manager.name.as_str(),
            at.as_str(),
            at.as_str()
        ]);
        for a in &named {
            self.t.recommendation_agency.push(row![
                id.as_str(),
                self.pid.as_str(),
                self.agencies[*a].as_str()
            ]);
        }
        for _ in 0..rng.range(1, 3) {
            let th = rng.below(self.themes.len());
            self.tag(th, "recommendation", &id, &at);
            self.tag(th, "case_review", &case.id, &at);
        }
        // Its actions, owned by the learning and improvement subgroup's plan for the case.
        if case.recs == 1 {
            self.t.action_plan.push(row![
                self.pid.as_str(),
                "case_review",
                case.id.as_str(),
                Some(self.groups[1].clone()),
                6i64,
                at.as_str()
            ]);
        }
        let group = self.groups[1].clone();
        for _ in 0..rng.range(1, 6) {
            let a = if named.is_empty() {
                rng.below(self.agencies.len())
            } else {
                *rng.pick(&named)
            };
            let created = (on + Duration::days(rng.range(0, 60))).min(self.today);
            let due = created + Duration::days(rng.range(60, 365));
            let desc = format!("{} {topic}", rng.pick(&ACTION_VERBS));
            self.action(
                rng,
                ("case_review", &case.id.clone(), &group),
                desc,
                a,
                (created, due),
                Some(&id),
            );
        }
    }

    /// One action with its updates, revisions, supporting agencies and impact review.
    pub(super) fn action(
        &mut self,
        rng: &mut Rng,
        (kind, source, group): (&'static str, &str, &str),
        description: String,
        agency: usize,
        (created_on, due): (NaiveDate, NaiveDate),
        rec: Option<&str>,
    ) {
        let id = rng.id();
        let today = self.today;
        let owner_id = self.who_of(agency).id.clone();
        let owner_name = self.who_of(agency).name.clone();
        let age_due = (today - due).num_days();
        let roll = rng.below(100);
        let status = if created_on + Duration::days(14) > today {
            "not-started"
        } else if age_due < 0 {
            match roll {
                0..15 => "not-started",
                15..85 => "in-progress",
                85..93 => "completed",
                _ => "closed-evidenced",
            }
        } else if age_due > 180 {
            match roll {
                0..78 => "closed-evidenced",
                78..88 => "closed-not-achieved",
                88..95 => "in-progress",
                _ => "completed",
            }
        } else {
            match roll {
                0..5 => "not-started",
                5..30 => "in-progress",
                30..55 => "completed",
                55..92 => "closed-evidenced",
                _ => "closed-not-achieved",
            }
        };
        let closed = matches!(status, "closed-evidenced" | "closed-not-achieved");
        let closed_on = closed.then(|| {
            let d = due + Duration::days(rng.range(-45, 45));
            d.clamp(created_on + Duration::days(14), today)
        });
        let last = closed_on.unwrap_or(today);
        // Progress updates between creation and closure (or today).
        let n = match status {
            "not-started" => 0,
            "in-progress" => rng.range(1, 5),
            _ => rng.range(2, 7),
        };
        let span = (last - created_on).num_days().max(1);
        let mut days: Vec<i64> = (0..n).map(|_| rng.range(1, span)).collect();
        days.sort_unstable();
        let final_to = match status {
            "completed" | "closed-evidenced" => "completed",
            s => s,
        };
        let mut from = "not-started";
        let mut last_update = None;
        for (i, off) in days.iter().enumerate() {
            let to = if i + 1 == days.len() {
                final_to
            } else {
                "in-progress"
            };
            let on = created_on + Duration::days(*off);
            let body = if to == "completed" {
                UPDATE_BODIES[9]
            } else {
                *rng.pick(&UPDATE_BODIES[..9])
            };
            let at = rng.at(on);
            self.trail(
                &at,
                (&owner_id, &owner_name),
                ("action.update", "action", &id),
                format!("Posted a progress update ({to})"),
            );
            let update_id = rng.id();
            if to == "completed"
                && let Some((key, sha, size)) = &self.evidence
            {
                let file_id = rng.id();
                self.t.file_object.push(row![
                    file_id.as_str(),
                    self.pid.as_str(),
                    "action_update",
                    update_id.as_str(),
                    "Evidence of the change.pdf",
                    "application/pdf",
                    *size,
                    sha.as_str(),
                    key.as_str(),
                    owner_name.as_str(),
                    at.as_str()
                ]);
                self.t.action_evidence.push(row![
                    rng.id(),
                    self.pid.as_str(),
                    id.as_str(),
                    update_id.as_str(),
                    file_id,
                    at.as_str()
                ]);
            }
            self.t.action_update.push(row![
                update_id,
                self.pid.as_str(),
                id.as_str(),
                body,
                from,
                to,
                owner_name.as_str(),
                Some(owner_id.clone()),
                at
            ]);
            from = to;
            last_update = Some(on);
        }
        let signed = status == "closed-evidenced";
        let impact_due = if signed {
            closed_on.map(|d| d + Duration::days(182))
        } else {
            None
        };
        let reason = if status == "closed-not-achieved" {
            "The service was recommissioned and the action no longer applies; the learning is carried into the new contract."
        } else {
            ""
        };
        let created = rng.at(created_on);
        let updated = rng.at(last_update.or(closed_on).unwrap_or(created_on));
        let chair = self.chairs[1].name.clone();
        let signed_at = if signed {
            closed_on.map(|d| rng.at(d))
        } else {
            None
        };
        let manager = (self.manager.id.clone(), self.manager.name.clone());
        self.trail(
            &created,
            (&manager.0, &manager.1),
            ("action.create", "action", &id),
            format!("Added an action due {}", ymd(due)),
        );
        if let Some(at) = &signed_at {
            let chair_id = self.chairs[1].id.clone();
            self.trail(
                at,
                (&chair_id, &chair),
                ("action.sign-off", "action", &id),
                "Signed the action off as closed".to_owned(),
            );
        }
        // One action in ten had its due date moved once.
        let mut due_on = due;
        if rng.chance(0.1) {
            let moved = due + Duration::days(rng.range(30, 120));
            self.t.action_revision.push(row![
                rng.id(),
                self.pid.as_str(),
                id.as_str(),
                ymd(due),
                ymd(moved),
                "Waiting for the new case recording system to go live.",
                owner_name.as_str(),
                rng.at(due.min(today))
            ]);
            due_on = moved;
        }
        let mut impact_reviewed = None;
        // Impact reviews are mostly done within a season of falling due; a few slip.
        if let Some(d) = impact_due
            && d <= today
            && rng.chance(if (today - d).num_days() > 90 {
                0.97
            } else {
                0.5
            })
        {
            let on = (d + Duration::days(rng.range(0, 30))).min(today);
            let chair_id = self.chairs[1].id.clone();
            self.trail(
                &format!("{}T16:00:00.000000Z", ymd(on)),
                (&chair_id, &chair),
                ("action.impact", "action", &id),
                "Recorded the impact review".to_owned(),
            );
            self.t.impact_review.push(row![
                id.as_str(),
                self.pid.as_str(),
                ymd(on),
                rng.chance(0.8),
                rng.chance(0.75),
                "Re-audit of a sample of cases six months on.",
                "The change is visible in most records; one agency needs a reminder.",
                chair.as_str(),
                rng.at(on)
            ]);
            impact_reviewed = Some(on);
        }
        self.t.action.push(row![
            id.as_str(),
            self.pid.as_str(),
            kind,
            source,
            Some(group.to_owned()),
            description,
            Some(self.agencies[agency].clone()),
            Some(owner_id),
            ymd(due_on),
            status,
            reason,
            self.manager.name.as_str(),
            created,
            updated,
            rec.map(str::to_owned),
            if rec.is_some() {
                "Audit shows the change in at least 80% of cases sampled."
            } else {
                ""
            },
            last_update.map(ymd),
            closed_on.map(ymd),
            signed.then(|| chair.clone()),
            signed_at,
            impact_due.map(ymd),
            impact_reviewed.map(ymd)
        ]);
        if rng.chance(0.3) {
            let mut others: Vec<usize> = Vec::new();
            for _ in 0..rng.range(1, 2) {
                let o = rng.below(self.agencies.len());
                if o != agency && !others.contains(&o) {
                    others.push(o);
                }
            }
            for o in others {
                self.t.action_agency.push(row![
                    id.as_str(),
                    self.pid.as_str(),
                    self.agencies[o].as_str()
                ]);
            }
        }
    }
}

/// A small, valid PDF that says what it is.
pub(super) fn evidence_document(place: &str) -> Vec<u8> {
    let text = format!("Synthetic evidence for {place} (generated)");
    let text: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || " .,-".contains(*c) || *c == '(' || *c == ')')
        .map(|c| if c == '(' || c == ')' { ' ' } else { c })
        .collect();
    let stream = format!("BT /F1 14 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}
