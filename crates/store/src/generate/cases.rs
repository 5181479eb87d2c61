//! Case reviews, each at the stage its age puts it: referrals, rapid reviews, agency
//! summaries, terms of reference, learning events, findings and publication decisions.

use chrono::{Datelike, Duration, NaiveDate};
use learnloop_domain::reviews::lifecycle::AgencyReturn;

use super::bulk::{NONE, row};
use super::partnership::Ctx;
use super::rng::{Rng, ymd};
use super::words::{FIRST, LAST, TOPICS};

/// Where a case is and the dates it got there.
pub(super) struct Case {
    pub(super) id: String,
    /// When its recommendations were made, if it has reached that point.
    pub(super) recs_on: Option<NaiveDate>,
    pub(super) weight: usize,
    pub(super) agencies: Vec<usize>,
    pub(super) recs: i64,
}
impl Ctx {
    /// About twelve cases a year, each at the stage its age puts it, with their records;
    /// then about sixty recommendations from the cases that reached them, and their actions.
    pub(super) fn cases(&mut self, rng: &mut Rng, from: NaiveDate, to: NaiveDate) {
        let n = rng.range(10, 14);
        let mut aware: Vec<NaiveDate> = (0..n).map(|_| rng.day(from, to)).collect();
        aware.sort_unstable();
        let mut cases: Vec<Case> = Vec::new();
        for a in aware {
            cases.push(self.case(rng, a));
        }
        let total: usize = cases
            .iter()
            .filter(|c| c.recs_on.is_some())
            .map(|c| c.weight)
            .sum();
        if total == 0 {
            return;
        }
        for _ in 0..rng.range(50, 70) {
            let mut w = rng.below(total);
            let Some(i) = cases.iter().position(|c| {
                if c.recs_on.is_none() {
                    return false;
                }
                if w < c.weight {
                    return true;
                }
                w -= c.weight;
                false
            }) else {
                continue;
            };
            self.recommendation(rng, &mut cases[i]);
        }
    }

    fn case(&mut self, rng: &mut Rng, aware: NaiveDate) -> Case {
        let today = self.today;
        let id = rng.id();
        let year = aware.year();
        let seq = self.case_seq.entry(year).or_insert(0);
        *seq += 1;
        let reference = format!("{year}-{:03}", *seq);
        let roll = rng.below(100);
        let (category, origin) = match roll {
            0..70 => ("death-or-serious-harm", "notification"),
            70..80 => ("looked-after-child-death", "notification"),
            80..85 => ("care-leaver-death", "notification"),
            85..95 => ("referral", "referral"),
            _ => ("recorded", "recorded"),
        };
        let notified = (origin == "notification")
            .then(|| (aware + Duration::days(rng.range(1, 5))).min(today));
        let mut stage = "notified";
        let mut decided: Option<NaiveDate> = None;
        let mut review_type: Option<&str> = None;
        let mut rr_sent = None;
        let mut recs_on = None;
        let mut weight = 1;
        let mut reviewer: Option<String> = None;
        let mut publication: Option<&str> = None;
        let mut published: Option<NaiveDate> = None;
        let mut planned: Option<NaiveDate> = None;
        let mut report_sent: Option<NaiveDate> = None;
        let created = rng.at(aware);

        // Agencies involved: the statutory partners and some others.
        let mut agencies = vec![0, 1, 2];
        for _ in 0..rng.range(1, 4) {
            let a = 3 + rng.below(self.agencies.len() - 3);
            if !agencies.contains(&a) {
                agencies.push(a);
            }
        }

        match category {
            "referral" => {
                stage = if (today - aware).num_days() > 45 {
                    "closed"
                } else {
                    "referred"
                };
                let a = 3 + rng.below(self.agencies.len() - 3);
                let lead = &self.leads[a];
                self.t.case_referral.push(row![
                    id.as_str(),
                    self.pid.as_str(),
                    "agency",
                    lead.name.as_str(),
                    "Concerns about how agencies worked together before the incident.",
                    "Does this case meet the criteria for a local child safeguarding practice review?",
                    self.manager.name.as_str(),
                    Some(lead.id.clone()),
                    created.as_str()
                ]);
            }
            "care-leaver-death" => {
                stage = if (today - aware).num_days() > 60 {
                    "closed"
                } else {
                    "notified"
                };
            }
            _ => {
                // Decided: after a rapid review, or recorded directly.
                let d = if origin == "recorded" {
                    review_type = Some(*rng.pick(&[
                        "dhr",
                        "management-review",
                        "other-partnership",
                        "national",
                    ]));
                    Some(aware + Duration::days(rng.range(0, 30)))
                } else {
                    let n = notified.unwrap_or(aware);
                    let recorded = n + Duration::days(rng.range(10, 15));
                    let dd = n + Duration::days(rng.range(16, 24));
                    let decision = match rng.below(100) {
                        0..35 => "lcspr",
                        35..45 => "local-learning-review",
                        45..50 => "single-agency-review",
                        _ => "no-further-review",
                    };
                    if recorded <= today {
                        let signed = dd <= today;
                        let sent = signed.then(|| dd + Duration::days(rng.range(1, 3)));
                        let response = sent.filter(|s| *s + Duration::days(20) <= today);
                        rr_sent = sent.filter(|s| *s <= today);
                        self.t.rapid_review.push(row![
                            id.as_str(),
                            self.pid.as_str(),
                            "A chronology of agency contact in the year before the incident was compiled from the agencies' summaries.",
                            "Siblings are safe: a strategy discussion was held and a child protection plan is in place.",
                            self.leads[0].name.as_str(),
                            "Information about the family's move between areas was not shared in time.",
                            decision,
                            "The criteria for a local review are met: there is learning about how agencies worked together.",
                            self.manager.name.as_str(),
                            rng.at(recorded),
                            signed.then(|| self.independent.name.clone()),
                            signed.then(|| ymd(dd)),
                            rr_sent.map(ymd),
                            response.map(|_| "agree".to_owned()),
                            response.map(|r| ymd(r + Duration::days(20)))
                        ]);
                    }
                    // Each agency was asked for its summary.
                    for a in &agencies {
                        let due = n + Duration::days(10);
                        let done = due <= today || rng.chance(0.4);
                        let at = rng.at(n + Duration::days(1));
                        let back = rng.range(3, 10);
                        let sub = done.then(|| rng.at((n + Duration::days(back)).min(today)));
                        self.agency_return(
                            rng,
                            (id.as_str(), AgencyReturn::Summary, *a),
                            (due, at.as_str(), sub.as_deref()),
                            [
                                "Contact with the family from the first referral to the incident, in date order.",
                                "What went well, what could have been better, and why.",
                            ],
                        );
                    }
                    if dd <= today {
                        review_type = match decision {
                            "lcspr" => Some("lcspr"),
                            "local-learning-review" => Some("local-learning-review"),
                            "single-agency-review" => Some("single-agency-review"),
                            _ => None,
                        };
                        Some(dd)
                    } else {
                        stage = "rapid-review";
                        None
                    }
                };
                if let Some(d) = d {
                    decided = Some(d);
                    stage = "decided";
                    match review_type {
                        None | Some("other-partnership" | "national") => {
                            // No review of ours: its learning is recorded and the case closes.
                            let closes = d + Duration::days(rng.range(30, 90));
                            if closes <= today {
                                stage = "closed";
                                recs_on = Some(closes);
                            }
                        }
                        Some(kind) => {
                            let terms = d + Duration::days(rng.range(30, 60));
                            let draft = d + Duration::days(rng.range(150, 220));
                            let fin = d + Duration::days(rng.range(240, 330));
                            let pubd = fin + Duration::days(rng.range(20, 60));
                            let closes = pubd + Duration::days(rng.range(30, 120));
                            if terms <= today {
                                stage = "in-review";
                                let name = format!("{} {}", rng.pick(&FIRST), rng.pick(&LAST));
                                reviewer = Some(name.clone());
                                self.t.review_terms.push(row![
                                    id.as_str(),
                                    self.pid.as_str(),
                                    ymd(aware - Duration::days(365)),
                                    ymd(aware),
                                    "How did agencies share information?\nWas the voice of the child heard?\nWere escalation routes used?",
                                    *rng.pick(&["systems", "appreciative-inquiry", "thematic", "hybrid"]),
                                    "A proportionate review focused on the year before the incident.",
                                    name,
                                    "Independent of every agency involved.",
                                    "Experienced in systems reviews of this kind.",
                                    "The family were invited to contribute and met the reviewer.",
                                    ymd(terms),
                                    self.manager.name.as_str(),
                                    rng.at(terms)
                                ]);
                                let ev = terms + Duration::days(rng.range(30, 90));
                                if ev <= today {
                                    self.t.review_event.push(row![
                                        rng.id(),
                                        self.pid.as_str(),
                                        id.as_str(),
                                        ymd(ev),
                                        "Practitioner learning event",
                                        rng.range(8, 30),
                                        "Practitioners described the pressures on them at the time.",
                                        self.manager.name.as_str(),
                                        rng.at(ev)
                                    ]);
                                }
                                for a in &agencies {
                                    let due = terms + Duration::days(60);
                                    let done = due <= today;
                                    let at = rng.at(terms);
                                    let early = rng.range(0, 10);
                                    let sub = done.then(|| rng.at(due - Duration::days(early)));
                                    self.agency_return(
                                        rng,
                                        (id.as_str(), AgencyReturn::Report, *a),
                                        (due, at.as_str(), sub.as_deref()),
                                        [
                                            "A full chronology of the agency's involvement.",
                                            "The agency's analysis of its practice and its own learning.",
                                        ],
                                    );
                                }
                            }
                            if draft <= today {
                                stage = "draft-report";
                                recs_on = Some(draft);
                                weight = 4;
                            }
                            if fin <= today {
                                stage = "final-report";
                                recs_on = Some(fin);
                                for num in 1..=rng.range(3, 6) {
                                    let fid = rng.id();
                                    let at = rng.at(fin);
                                    self.t.finding.push(row![
                                        fid.as_str(),
                                        self.pid.as_str(),
                                        id.as_str(),
                                        num,
                                        format!("Practice in relation to {} was not consistent across agencies.", rng.pick(&TOPICS)),
                                        self.manager.name.as_str(),
                                        at.as_str()
                                    ]);
                                    let th = rng.below(self.themes.len());
                                    self.tag(th, "finding", &fid, &at);
                                    self.tag(th, "case_review", &id, &at);
                                }
                            }
                            if pubd <= today {
                                stage = "publication-decided";
                                let statutory = kind == "lcspr";
                                let decision = if statutory {
                                    if rng.chance(0.7) {
                                        "publish"
                                    } else {
                                        "publish-redacted"
                                    }
                                } else if rng.chance(0.8) {
                                    "do-not-publish"
                                } else {
                                    "publish"
                                };
                                publication = Some(decision);
                                report_sent =
                                    statutory.then(|| fin + Duration::days(rng.range(3, 7)));
                                planned = (decision != "do-not-publish")
                                    .then(|| fin + Duration::days(rng.range(90, 170)));
                                if closes <= today {
                                    stage = "closed";
                                    published = planned.filter(|p| *p <= today);
                                }
                                self.t.review_publication.push(row![
                                    id.as_str(),
                                    self.pid.as_str(),
                                    decision,
                                    "The public interest in the learning outweighs the risk of identifying the family.",
                                    "The surviving siblings' welfare was considered with their social worker.",
                                    "None known.",
                                    "Criminal proceedings have concluded.",
                                    ymd(pubd),
                                    report_sent.map(ymd),
                                    planned.map(ymd),
                                    published.map(ymd),
                                    if published.is_some() { "https://partnership.example.org/reviews" } else { "" },
                                    self.manager.name.as_str(),
                                    rng.at(pubd)
                                ]);
                            }
                        }
                    }
                }
            }
        }

        let summary = format!(
            "A child aged {} {}. {} agencies had contact with the family.",
            rng.range(0, 17),
            rng.pick(&[
                "was admitted to hospital with serious injuries",
                "died unexpectedly at home",
                "was found to have suffered long-term neglect",
                "was seriously harmed by a parent's partner",
                "was exploited by adults outside the home",
            ]),
            agencies.len()
        );
        let panel_ref = match notified {
            Some(n) => format!("CSPRP-{}-{:05}", n.year(), rng.range(1, 99_999)),
            None => String::new(),
        };
        let updated = rng.at(published.or(decided).unwrap_or(aware).min(today));
        let manager = (self.manager.id.clone(), self.manager.name.clone());
        self.trail(
            &created,
            (&manager.0, &manager.1),
            ("case.create", "case_review", &id),
            format!("Recorded case {reference}"),
        );
        self.learned_from
            .push(("case_review", id.clone(), created.clone()));
        self.t.case_review.push(row![
            id.as_str(),
            self.pid.as_str(),
            reference,
            origin,
            category,
            stage,
            ymd(aware),
            notified.map(ymd),
            panel_ref,
            summary,
            Some(self.groups[3].clone()),
            true,
            self.manager.name.as_str(),
            created.as_str(),
            updated,
            rr_sent.map(ymd),
            review_type.map(str::to_owned),
            decided.map(ymd),
            reviewer,
            publication.map(str::to_owned),
            published.map(ymd),
            planned.map(ymd),
            report_sent.map(ymd)
        ]);
        let children = match rng.below(100) {
            0..80 => 1,
            80..95 => 2,
            _ => 3,
        };
        for k in 0..children {
            let pseudonym = if k == 0 {
                "Child A".to_owned()
            } else {
                format!("Sibling {}", ['B', 'C', 'D'][k - 1])
            };
            let real = format!("{} {}", rng.pick(&FIRST), rng.pick(&LAST));
            self.t.case_subject.push(row![
                rng.id(),
                self.pid.as_str(),
                id.as_str(),
                pseudonym,
                real,
                created.as_str()
            ]);
        }
        for a in &agencies {
            self.t.case_agency.push(row![
                self.pid.as_str(),
                id.as_str(),
                self.agencies[*a].as_str()
            ]);
        }
        let mut panel = vec![self.manager.id.clone(), self.independent.id.clone()];
        if self.chairs[3].id != self.independent.id {
            panel.push(self.chairs[3].id.clone());
        }
        for p in panel {
            self.t
                .case_panel
                .push(row![self.pid.as_str(), id.as_str(), p, created.as_str()]);
        }
        Case {
            id,
            recs_on,
            weight,
            agencies,
            recs: 0,
        }
    }
}

impl Ctx {
    /// An agency's summary or report for a review: a return on the case, on the partnership's
    /// question set for the kind (made the first time), with a version once submitted.
    fn agency_return(
        &mut self,
        rng: &mut Rng,
        (review, kind, agency): (&str, AgencyReturn, usize),
        (due, asked, submitted): (NaiveDate, &str, Option<&str>),
        texts: [&str; 2],
    ) {
        let set = match self.review_sets.get(kind.slug()) {
            Some(id) => id.clone(),
            None => {
                let id = rng.id();
                self.t.question_set.push(row![
                    id.as_str(),
                    self.pid.as_str(),
                    "case-review",
                    kind.question_set(),
                    1i64,
                    serde_json::to_string(&kind.lines()).unwrap_or_default(),
                    "[]",
                    asked
                ]);
                self.review_sets.insert(kind.slug(), id.clone());
                id
            }
        };
        let answers = serde_json::to_string(&match submitted {
            Some(_) => texts,
            None => ["", ""],
        })
        .unwrap_or_default();
        let id = rng.id();
        self.t.return_request.push(row![
            id.as_str(),
            self.pid.as_str(),
            "case_review",
            review,
            kind.slug(),
            self.agencies[agency].as_str(),
            NONE,
            set,
            ymd(due),
            if submitted.is_some() {
                "submitted"
            } else {
                "requested"
            },
            answers.as_str(),
            "",
            "",
            "",
            NONE,
            "",
            NONE,
            "",
            asked,
            submitted.unwrap_or(asked)
        ]);
        if let Some(at) = submitted {
            self.t.return_version.push(row![
                id.as_str(),
                self.pid.as_str(),
                1i64,
                answers.as_str(),
                "",
                "",
                "",
                self.leads[agency].id.as_str(),
                at
            ]);
        }
    }
}
