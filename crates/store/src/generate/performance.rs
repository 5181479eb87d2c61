//! Performance data: about sixty indicators per partnership, modelled on the measures boards
//! scrutinise (post-birth health visits within 14 days, health visitor and social work
//! caseloads, the rate of section 47 enquiries against England and statistical neighbours,
//! police charge rates for sexual offences), each with a value for every period of the history
//! and England and statistical-neighbour benchmarks, drifting so that some are off target or
//! worsening, and the newest period sometimes not yet entered.

use chrono::Duration;
use learnloop_domain::performance::{Frequency, Period};
use learnloop_domain::stored::Slug;

use super::bulk::{NONE, row};
use super::partnership::Ctx;
use super::rng::{Rng, ymd};

/// (name, owning agency index in `demo::AGENCIES`, unit, polarity, frequency, target, tolerance,
/// typical value, spread)
type Spec = (
    &'static str,
    usize,
    &'static str,
    &'static str,
    &'static str,
    Option<f64>,
    f64,
    f64,
    f64,
);

const SPECS: [Spec; 20] = [
    (
        "New births visited by a health visitor within 14 days",
        4,
        "percentage",
        "higher",
        "quarterly",
        Some(95.0),
        3.0,
        91.0,
        4.0,
    ),
    (
        "Health visitor caseload (families per whole-time health visitor)",
        4,
        "count",
        "lower",
        "quarterly",
        Some(350.0),
        25.0,
        380.0,
        40.0,
    ),
    (
        "Section 47 enquiries per 10,000 children",
        0,
        "rate-per-10k",
        "lower",
        "quarterly",
        None,
        0.0,
        170.0,
        25.0,
    ),
    (
        "Referrals to children's social care per 10,000 children",
        0,
        "rate-per-10k",
        "lower",
        "quarterly",
        None,
        0.0,
        520.0,
        60.0,
    ),
    (
        "Re-referrals within 12 months",
        0,
        "percentage",
        "lower",
        "quarterly",
        Some(20.0),
        2.0,
        22.0,
        4.0,
    ),
    (
        "Assessments completed within 45 working days",
        0,
        "percentage",
        "higher",
        "quarterly",
        Some(85.0),
        5.0,
        84.0,
        7.0,
    ),
    (
        "Average social worker caseload",
        0,
        "count",
        "lower",
        "quarterly",
        Some(18.0),
        2.0,
        19.0,
        3.0,
    ),
    (
        "Child protection plans lasting two years or more",
        0,
        "percentage",
        "lower",
        "quarterly",
        Some(3.0),
        1.0,
        3.5,
        1.5,
    ),
    (
        "Children subject to a second or later child protection plan",
        0,
        "percentage",
        "lower",
        "quarterly",
        Some(22.0),
        3.0,
        21.0,
        5.0,
    ),
    (
        "Initial child protection conferences within 15 working days",
        0,
        "percentage",
        "higher",
        "quarterly",
        Some(90.0),
        5.0,
        86.0,
        8.0,
    ),
    (
        "Charge rate for sexual offences against children",
        1,
        "percentage",
        "higher",
        "quarterly",
        Some(10.0),
        2.0,
        8.0,
        3.0,
    ),
    (
        "Domestic abuse incidents with children present shared within 24 hours",
        1,
        "percentage",
        "higher",
        "quarterly",
        Some(95.0),
        3.0,
        90.0,
        6.0,
    ),
    (
        "Missing episodes of children followed by a return interview within 72 hours",
        0,
        "percentage",
        "higher",
        "quarterly",
        Some(80.0),
        5.0,
        72.0,
        10.0,
    ),
    (
        "Strategy discussions with health present",
        2,
        "percentage",
        "higher",
        "quarterly",
        Some(90.0),
        5.0,
        83.0,
        8.0,
    ),
    (
        "Child protection medicals seen within 24 hours of request",
        3,
        "percentage",
        "higher",
        "quarterly",
        Some(95.0),
        3.0,
        92.0,
        5.0,
    ),
    (
        "Children waiting more than 18 weeks for a mental health assessment",
        2,
        "count",
        "lower",
        "quarterly",
        Some(50.0),
        10.0,
        80.0,
        30.0,
    ),
    (
        "Schools with an up-to-date safeguarding audit",
        6,
        "percentage",
        "higher",
        "yearly",
        Some(100.0),
        5.0,
        93.0,
        5.0,
    ),
    (
        "Days from referral to the start of early help",
        0,
        "days",
        "lower",
        "quarterly",
        Some(20.0),
        5.0,
        24.0,
        8.0,
    ),
    (
        "Children with a review health assessment on time",
        4,
        "percentage",
        "higher",
        "quarterly",
        Some(90.0),
        5.0,
        85.0,
        7.0,
    ),
    (
        "Practitioners trained in the neglect toolkit",
        0,
        "count",
        "higher",
        "yearly",
        Some(400.0),
        50.0,
        360.0,
        80.0,
    ),
];

/// Deep dives' focus areas: (title, what the executive wants to understand).
const FOCI: [(&str, &str); 4] = [
    (
        "Children missing from home and care",
        "Why fewer children are offered a return interview after going missing, and what would change it.",
    ),
    (
        "Health visits after birth",
        "Why new births are visited later than the target, and which families wait longest.",
    ),
    (
        "Re-referrals to children's social care",
        "Why families come back within a year, and what help they had when the case first closed.",
    ),
    (
        "Neglect: children on plans for a second time",
        "Why more children return to a child protection plan for neglect, and what the first plan missed.",
    ),
];

/// The areas each measure is also counted for, to make about sixty.
const AREAS: [&str; 3] = ["", " (north locality)", " (south locality)"];

impl Ctx {
    pub(super) fn performance(&mut self, rng: &mut Rng) {
        let mut main: Vec<(String, usize)> = Vec::new();
        let added = self.start;
        let first_q = Period::of(Frequency::Quarterly, self.start);
        let last_ended_q = Period::of(Frequency::Quarterly, self.today).prev();
        for (k, area) in AREAS.iter().enumerate() {
            for (name, agency, unit, polarity, frequency, target, tolerance, typical, spread) in
                SPECS
            {
                // The localities are counted for the quarterly measures only.
                if k > 0 && frequency != "quarterly" {
                    continue;
                }
                let Some(agency_id) = self
                    .agencies
                    .get(agency.min(self.agencies.len().saturating_sub(1)))
                    .cloned()
                else {
                    return;
                };
                let id = rng.id();
                if k == 0 {
                    main.push((id.clone(), agency));
                }
                let f = if frequency == "yearly" {
                    Frequency::Yearly
                } else {
                    Frequency::Quarterly
                };
                let at = rng.at(added);
                // Most are as they have always been; a few were added later, and a few retired.
                let retired = (rng.below(25) == 0)
                    .then(|| ymd(self.today - Duration::days(rng.range(30, 700))));
                self.t.indicator.push(row![
                    id.as_str(),
                    self.pid.as_str(),
                    format!("{name}{area}"),
                    "Counted each period from the owning agency's case management system, as reported to the Department for Education or NHS England.",
                    agency_id.as_str(),
                    unit,
                    polarity,
                    f.slug(),
                    target,
                    tolerance,
                    k == 0 && rng.chance(0.5),
                    self.manager.name.as_str(),
                    at.as_str(),
                    ymd(added),
                    retired
                ]);
                let (first, last) = match f {
                    Frequency::Yearly => {
                        (Period::of(f, self.start), Period::of(f, self.today).prev())
                    }
                    Frequency::Monthly | Frequency::Quarterly => (first_q, last_ended_q),
                };
                let periods = first.until(last);
                let n = periods.len();
                // A level that drifts, with a run of worsening at the end for some.
                let mut level = typical;
                let worsening = rng.chance(0.2);
                let missing_last = rng.chance(0.1);
                let percentage = unit == "percentage";
                let worse_sign = if polarity == "higher" { -1.0 } else { 1.0 };
                for (i, p) in periods.iter().enumerate() {
                    if missing_last && i + 1 == n {
                        break;
                    }
                    let noise = (rng.range(-100, 100) as f64) / 100.0 * spread * 0.4;
                    level = (level * 0.8 + typical * 0.2 + noise).max(0.0);
                    if worsening && i + 4 >= n {
                        level += worse_sign * spread * 0.3;
                    }
                    let mut v = level.max(0.0);
                    if percentage {
                        v = v.min(100.0);
                    }
                    let v = (v * 10.0).round() / 10.0;
                    self.t.indicator_value.push(row![
                        id.as_str(),
                        self.pid.as_str(),
                        p.key(),
                        v,
                        "Agency lead",
                        at.as_str()
                    ]);
                    if k == 0 {
                        let england = ((typical - worse_sign * spread * 0.2) * 10.0).round() / 10.0;
                        let neighbours =
                            ((typical + worse_sign * spread * 0.1) * 10.0).round() / 10.0;
                        for (b, x) in [("England", england), ("Statistical neighbours", neighbours)]
                        {
                            let x = if percentage {
                                x.clamp(0.0, 100.0)
                            } else {
                                x.max(0.0)
                            };
                            self.t.indicator_benchmark.push(row![
                                id.as_str(),
                                self.pid.as_str(),
                                p.key(),
                                b,
                                x
                            ]);
                        }
                    }
                }
            }
        }
        self.deep_dives(rng, &main);
    }

    /// About one deep dive a year at a past meeting of the executive: three agencies' analyses
    /// in, the discussion recorded and a recommendation made.
    fn deep_dives(&mut self, rng: &mut Rng, indicators: &[(String, usize)]) {
        let meetings: Vec<(String, chrono::NaiveDate)> = self
            .board_meetings
            .iter()
            .enumerate()
            .filter(|(n, _)| n % 4 == 2)
            .map(|(_, m)| m.clone())
            .collect();
        let Some(exec) = self.groups.first().cloned() else {
            return;
        };
        let lines = serde_json::to_string(&learnloop_domain::performance::DEEP_DIVE_QUESTIONS)
            .unwrap_or_default();
        for (meeting, day) in meetings {
            if indicators.is_empty() || self.agencies.len() < 3 {
                return;
            }
            let (indicator, owner) = indicators[rng.below(indicators.len())].clone();
            let (title, question) = *rng.pick(&FOCI);
            let created = rng.at(day - Duration::days(56));
            let due = day - Duration::days(10);
            let qs = rng.id();
            self.t.question_set.push(row![
                qs.as_str(),
                self.pid.as_str(),
                "deep-dive",
                "Deep dive analysis",
                1i64,
                lines.as_str(),
                "[]",
                created.as_str()
            ]);
            let id = rng.id();
            let discussed = rng.at(day);
            self.t.deep_dive.push(row![
                id.as_str(),
                self.pid.as_str(),
                title,
                question,
                indicator.as_str(),
                meeting.as_str(),
                exec.as_str(),
                ymd(due),
                qs.as_str(),
                "The executive heard the three analyses and challenged why the figure had not improved since the last report. Partners agreed the pressures were shared, and asked for one plan rather than three.",
                self.manager.name.as_str(),
                created.as_str(),
                discussed.as_str()
            ]);
            let owner = owner.min(self.agencies.len() - 1);
            let others = [
                (owner + 1) % self.agencies.len(),
                (owner + 2) % self.agencies.len(),
            ];
            for a in std::iter::once(owner).chain(others) {
                let answers = serde_json::to_string(&[
                    "The figure has moved away from the target over the last four quarters; the worst months follow school holidays.",
                    "Vacancies in two teams and a rise in demand; some of the gap is late recording rather than late practice.",
                    "Agency staff are covering the vacancies and a weekly report now shows the cases waiting.",
                    "Agree one multi-agency plan with a single lead, and look again at the data in six months.",
                ])
                .unwrap_or_default();
                let at = rng.at(due);
                self.t.return_request.push(row![
                    rng.id(),
                    self.pid.as_str(),
                    "deep_dive",
                    id.as_str(),
                    self.agencies[a].as_str(),
                    self.agencies[a].as_str(),
                    NONE,
                    qs.as_str(),
                    ymd(due),
                    "locked",
                    answers.as_str(),
                    "",
                    "",
                    "",
                    NONE,
                    "",
                    NONE,
                    "",
                    created.as_str(),
                    at.as_str()
                ]);
            }
            self.t.recommendation.push(row![
                rng.id(),
                self.pid.as_str(),
                "deep_dive",
                id.as_str(),
                1i64,
                "Agree one multi-agency improvement plan for the focus area, with a single lead, and report its effect on the indicator to the executive in six months.",
                "partnership",
                self.manager.name.as_str(),
                discussed.as_str(),
                discussed.as_str()
            ]);
        }
    }
}
