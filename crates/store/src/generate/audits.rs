//! Multi-agency audits: about six a year, each on a theme with three lines of enquiry, three to
//! five agencies and a sample of four to six cases, with one return per agency per case. An
//! audit's stage follows its dates: planned before fieldwork, in fieldwork until its returns
//! are due, at the workshop until it is held, then reported with its overview report,
//! children's views and two recommendations. The last audit of the history is always in
//! fieldwork with returns missing, so the clocks of returns are live.

use chrono::{Duration, NaiveDate};
use learnloop_domain::assurance::RoundKind;

use super::bulk::{NONE, row};
use super::partnership::Ctx;
use super::rng::{Rng, ymd};

/// (theme, why it was chosen)
const AUDIT_THEMES: [(&str, &str); 8] = [
    (
        "Neglect and home conditions",
        "Two rapid reviews this year found neglect recognised late, after months of missed appointments.",
    ),
    (
        "Domestic abuse and the unborn baby",
        "The joint targeted area inspection asked how agencies share what they know before a baby is born.",
    ),
    (
        "Children missing from education",
        "The children missing education figures rose for a third quarter running.",
    ),
    (
        "Older children at risk of exploitation",
        "A practice review found no shared picture of the places and people around a child.",
    ),
    (
        "Child protection plans lasting over a year",
        "The indicator for plans lasting over 18 months is above the national average.",
    ),
    (
        "Early help assessments",
        "Schools' single-agency audits found early help started late for families they referred.",
    ),
    (
        "Disabled children and safeguarding",
        "A national review found disabled children's views were rarely recorded.",
    ),
    (
        "Bruising in non-mobile babies",
        "The bruising protocol was revised last year; this tests whether it is followed.",
    ),
];

const LINES: [&str; 3] = [
    "Quality of practice: was the child seen, heard and understood?",
    "Multi-agency working: did agencies share what they knew, when it mattered?",
    "Outcomes for the child: is the child safer and better off?",
];

const SCALE: [&str; 4] = ["Outstanding", "Good", "Requires improvement", "Inadequate"];

const ANSWERS: [&str; 6] = [
    "The child was seen alone at most visits and their words are recorded.",
    "Records show concerns were shared at the next strategy discussion, not at once.",
    "The plan was reviewed on time and the family's circumstances improved.",
    "Visits were announced, so home conditions were not seen as they usually are.",
    "School and health visitor raised the same worry separately; nobody joined it up.",
    "The child's own account shaped the plan and their attendance improved.",
];

const RECOMMENDATIONS: [&str; 6] = [
    "Agencies visit unannounced when neglect is suspected, and record what they see.",
    "Every referral records the child's own words, in their words.",
    "Schools share concerns with children's services within one working day.",
    "Strategy discussions include the health visitor or school nurse whenever a baby is involved.",
    "Each agency checks that plans lasting over a year have been escalated for review.",
    "The partnership publishes a seven-minute briefing on the audit's findings.",
];

impl Ctx {
    pub(super) fn audits(&mut self, rng: &mut Rng, from: NaiveDate, to: NaiveDate, last: bool) {
        let n = 6;
        // Six different themes in a year.
        let first = rng.below(AUDIT_THEMES.len());
        for k in 0..n {
            // Spread across the year; the last one of the history is always in fieldwork.
            let mut fieldwork = from + Duration::days(30 + k * 55 + rng.range(0, 20));
            if last && k == n - 1 {
                fieldwork = self.today - Duration::days(14);
            }
            if fieldwork > to + Duration::days(90) {
                continue;
            }
            let theme = AUDIT_THEMES[(first + k as usize) % AUDIT_THEMES.len()];
            self.audit_one(rng, fieldwork, theme, last && k == n - 1);
        }
    }

    fn audit_one(
        &mut self,
        rng: &mut Rng,
        fieldwork: NaiveDate,
        (theme, why): (&'static str, &'static str),
        open: bool,
    ) {
        let today = self.today;
        let due = fieldwork + Duration::days(if open { 28 } else { 35 });
        let workshop = due + Duration::days(21);
        let reported = workshop + Duration::days(28);
        let stage = if fieldwork > today {
            "planned"
        } else if due > today || open {
            "fieldwork"
        } else if reported > today {
            "workshop"
        } else {
            "reported"
        };
        let created = rng.at(fieldwork - Duration::days(60));
        let qs = rng.id();
        let lines = serde_json::to_string(&LINES).unwrap_or_default();
        let scale = serde_json::to_string(&SCALE).unwrap_or_default();
        self.t.question_set.push(row![
            qs.as_str(),
            self.pid.as_str(),
            "audit",
            theme,
            1i64,
            lines,
            scale,
            created.as_str()
        ]);
        let id = rng.id();
        let done = stage == "reported";
        let lead = self.chairs.get(1).map(|c| c.id.clone());
        self.learned_from
            .push(("audit", id.clone(), created.clone()));
        self.t.audit.push(row![
            id.as_str(),
            self.pid.as_str(),
            i64::from(chrono::Datelike::year(&fieldwork)),
            theme,
            why,
            NONE,
            self.groups.get(1).cloned(),
            lead,
            qs.as_str(),
            stage,
            ymd(fieldwork),
            ymd(due),
            ymd(workshop),
            ymd(reported),
            done.then(|| ymd(reported)),
            NONE,
            if done {
                "Practice was strongest where the child was seen alone; agencies still learned of each other's worries late."
            } else {
                ""
            },
            if done { "Children were seen and heard; plans were reviewed on time." } else { "" },
            if done { "Sharing concerns early; recording the child's own words." } else { "" },
            created.as_str(),
            created.as_str()
        ]);
        // The three statutory partners and one or two others.
        let mut agencies: Vec<usize> = vec![0, 1, 2];
        while agencies.len() < 3 + rng.range(1, 2) as usize {
            let a = rng.below(self.agencies.len());
            if !agencies.contains(&a) {
                agencies.push(a);
            }
        }
        for a in &agencies {
            self.t.audit_agency.push(row![
                id.as_str(),
                self.agencies[*a].as_str(),
                self.pid.as_str()
            ]);
        }
        let cases = rng.range(4, 6) as usize;
        for c in 0..cases {
            let case_id = rng.id();
            let label = format!("Child {}", (b'A' + c as u8) as char);
            self.t.audit_case.push(row![
                case_id.as_str(),
                self.pid.as_str(),
                id.as_str(),
                label,
                NONE,
                created.as_str()
            ]);
            let involved: Vec<usize> = agencies
                .iter()
                .copied()
                .filter(|_| rng.chance(0.7))
                .collect();
            // In the audit under way, the first case involves the three statutory partners, none
            // of whom has started its return yet.
            let involved = if open && c == 0 {
                vec![0, 1, 2]
            } else if involved.is_empty() {
                vec![agencies[0]]
            } else {
                involved
            };
            for a in involved {
                self.t.audit_case_agency.push(row![
                    case_id.as_str(),
                    self.agencies[a].as_str(),
                    self.pid.as_str()
                ]);
                if stage == "planned" {
                    continue;
                }
                let stage = if open && c == 0 { "requested" } else { stage };
                self.audit_return(rng, (&id, &qs, &case_id), a, (fieldwork, due), stage);
            }
        }
        if done {
            self.t.audit_voice.push(row![
                rng.id(),
                self.pid.as_str(),
                id.as_str(),
                "Group sessions at two secondary schools and the youth council",
                "30 young people aged 11 to 17",
                "They want workers to talk to them, not only to their parents, and to explain what happens next.",
                self.manager.name.as_str(),
                rng.at(workshop).as_str()
            ]);
            for number in 1..=2i64 {
                let at = rng.at(reported);
                self.t.recommendation.push(row![
                    rng.id(),
                    self.pid.as_str(),
                    "audit",
                    id.as_str(),
                    number,
                    *rng.pick(&RECOMMENDATIONS),
                    "partnership",
                    self.manager.name.as_str(),
                    at.as_str(),
                    at.as_str()
                ]);
            }
        }
    }

    fn audit_return(
        &mut self,
        rng: &mut Rng,
        (audit, qs, case): (&str, &str, &str),
        agency: usize,
        (fieldwork, due): (NaiveDate, NaiveDate),
        stage: &str,
    ) {
        let id = rng.id();
        let requested = rng.at(fieldwork);
        let state = match stage {
            "requested" => "requested",
            "fieldwork" => {
                let r = rng.below(10);
                if r < 4 {
                    "requested"
                } else if r < 6 {
                    "draft"
                } else {
                    "submitted"
                }
            }
            _ => "locked",
        };
        let written = state != "requested";
        let answers: Vec<&str> = (0..LINES.len())
            .map(|_| if written { *rng.pick(&ANSWERS) } else { "" })
            .collect();
        let answers = serde_json::to_string(&answers).unwrap_or_default();
        let grade = if written {
            SCALE[[1, 1, 2, 2, 2, 3, 0][rng.below(7)]]
        } else {
            ""
        };
        let auditor = if self.auditors.is_empty() || rng.chance(0.3) {
            None
        } else {
            Some(self.auditors[rng.below(self.auditors.len())].id.clone())
        };
        let moderated = (stage == "reported" && rng.chance(0.15)).then(|| SCALE[2].to_owned());
        let updated = rng.at(due.min(self.today));
        self.t.return_request.push(row![
            id.as_str(),
            self.pid.as_str(),
            "audit",
            audit,
            case,
            self.agencies[agency].as_str(),
            auditor.clone(),
            qs,
            ymd(due),
            state,
            answers.as_str(),
            grade,
            if written {
                "Thorough recording of the child's circumstances."
            } else {
                ""
            },
            if written {
                "Share concerns with partners sooner."
            } else {
                ""
            },
            moderated,
            "",
            NONE,
            "",
            requested.as_str(),
            updated.as_str()
        ]);
        if matches!(state, "submitted" | "locked") {
            let by = auditor.unwrap_or_else(|| self.leads[agency].id.clone());
            self.t.return_version.push(row![
                id.as_str(),
                self.pid.as_str(),
                1i64,
                answers.as_str(),
                grade,
                "Thorough recording of the child's circumstances.",
                "Share concerns with partners sooner.",
                by,
                updated.as_str()
            ]);
        }
    }
}

impl Ctx {
    /// A year's single-agency assurance: every agency asked; past years' returns in and judged,
    /// the current year's a mix.
    pub(super) fn assurance(&mut self, rng: &mut Rng, from: NaiveDate, year: i64, kind: RoundKind) {
        let due = from + Duration::days(300);
        let current = due > self.today;
        let created = rng.at(from + Duration::days(240));
        let qs = rng.id();
        let lines: Vec<&str> = kind.questions().to_vec();
        let judged = kind.judged();
        let scale: &[&str] = if judged { &SCALE } else { &[] };
        self.t.question_set.push(row![
            qs.as_str(),
            self.pid.as_str(),
            kind.slug(),
            kind.title(),
            1i64,
            serde_json::to_string(&lines).unwrap_or_default(),
            serde_json::to_string(scale).unwrap_or_default(),
            created.as_str()
        ]);
        let id = rng.id();
        self.t.assurance_round.push(row![
            id.as_str(),
            self.pid.as_str(),
            year,
            ymd(due),
            qs.as_str(),
            created.as_str(),
            kind.slug()
        ]);
        if judged {
            self.learned_from
                .push(("assurance", id.clone(), created.clone()));
        }
        for a in 0..self.agencies.len() {
            let state = if !current {
                "locked"
            } else if rng.chance(0.5) {
                "submitted"
            } else {
                "requested"
            };
            let written = state != "requested";
            let answers: Vec<String> = match (written, kind) {
                (false, _) => vec![String::new(); 4],
                (true, RoundKind::Assurance) => vec![
                    "The agency's quarterly case-file audit, April to September.".to_owned(),
                    format!("{} cases", rng.range(12, 60)),
                    "Most good or requiring improvement; a few inadequate.".to_owned(),
                    "Records of the child's voice were thin; a new template is in use.".to_owned(),
                ],
                (true, RoundKind::TrainingRegister) => {
                    let staff = rng.range(150, 1500);
                    vec![
                        format!(
                            "Safeguarding induction e-learning: {} staff; annual refresher: {} staff",
                            rng.range(20, 200),
                            rng.range(50, 600)
                        ),
                        format!("Team safeguarding workshops: {} staff", rng.range(0, 120)),
                        format!(
                            "Designated safeguarding lead training: {} staff",
                            rng.range(2, 30)
                        ),
                        format!(
                            "{staff} need it; {} are up to date",
                            staff * rng.range(80, 99) / 100
                        ),
                    ]
                }
            };
            let answers = serde_json::to_string(&answers).unwrap_or_default();
            let grade = if written && judged {
                SCALE[[1, 2, 2][rng.below(3)]]
            } else {
                ""
            };
            let assessed = written && judged;
            let judged = (state == "locked" && judged)
                .then(|| ["full", "partial", "partial", "limited"][rng.below(4)]);
            let rid = rng.id();
            let at = rng.at(due.min(self.today));
            self.t.return_request.push(row![
                rid.as_str(),
                self.pid.as_str(),
                "assurance",
                id.as_str(),
                self.agencies[a].as_str(),
                self.agencies[a].as_str(),
                NONE,
                qs.as_str(),
                ymd(due),
                state,
                answers.as_str(),
                grade,
                if assessed {
                    "Audits are done on time."
                } else {
                    ""
                },
                if assessed {
                    "The child's own words."
                } else {
                    ""
                },
                NONE,
                "",
                judged.map(str::to_owned),
                if judged.is_some() {
                    "The sample was large enough and the findings are being acted on."
                } else {
                    ""
                },
                created.as_str(),
                at.as_str()
            ]);
            if written {
                self.t.return_version.push(row![
                    rid.as_str(),
                    self.pid.as_str(),
                    1i64,
                    answers.as_str(),
                    grade,
                    if assessed {
                        "Audits are done on time."
                    } else {
                        ""
                    },
                    if assessed {
                        "The child's own words."
                    } else {
                        ""
                    },
                    self.leads[a].id.as_str(),
                    at.as_str()
                ]);
            }
        }
    }
}
