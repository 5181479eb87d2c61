//! Learning from child deaths: the panel's annual report for each year (April to March) whose
//! report is due, received at the executive's first meeting at least four months after the year
//! ends and published two weeks later, with a recommendation to the health agencies and its
//! action on the board's plan; a campaign each summer with its reach.

use chrono::Duration;

use super::bulk::row;
use super::partnership::Ctx;
use super::rng::{Rng, ymd};

/// (themes, what the panel found, its recommendation)
const REPORTS: [(&str, &str, &str); 3] = [
    (
        "Safe sleep\nParental smoking\nPremature birth",
        "Unsafe sleep was a modifiable factor in most sudden infant deaths reviewed; several families had moved home and missed health visits.",
        "Give and record safe sleep advice at every health contact in a baby's first year, and follow families who move.",
    ),
    (
        "Water safety\nMental health of young people\nConsanguinity",
        "Two drownings and three deaths by suicide were reviewed; in each suicide the young person had been seen by a service in the month before.",
        "Ask about self-harm and suicidal thoughts at every contact with a young person known to be struggling, and share the answer.",
    ),
    (
        "Road safety\nLife-limiting conditions\nSafe sleep",
        "Most expected deaths had good end-of-life plans; one road death involved a young driver with no licence known to two agencies.",
        "Share information about young people driving without a licence between police, schools and youth services.",
    ),
];

/// (campaign, audience, channels, how the reach was counted)
const CAMPAIGNS: [(&str, &str, &str, &str); 4] = [
    (
        "Safe sleep",
        "Parents and carers of babies under one",
        "Health visitors, maternity wards, GP surgeries, local radio",
        "Leaflets given out",
    ),
    (
        "Water safety",
        "Families with young children, and young people in summer",
        "Schools, leisure centres, social media",
        "People reached on social media",
    ),
    (
        "Consanguinity awareness",
        "Communities where cousin marriage is common, through faith leaders",
        "Community events, faith leaders, GP surgeries",
        "People at community events",
    ),
    (
        "Is your teenager OK?",
        "Parents of young people aged 12 to 18",
        "Schools, social media, youth clubs",
        "Parents who opened the guide",
    ),
];

impl Ctx {
    pub(super) fn child_deaths(&mut self, rng: &mut Rng) {
        let board = self.groups.first().cloned().unwrap_or_default();
        let health = 3.min(self.agencies.len().saturating_sub(1));
        let first_year = learnloop_domain::child_deaths::year_of(self.start);
        let last_year = learnloop_domain::child_deaths::year_of(self.today);
        for (n, year) in (first_year..=last_year).enumerate() {
            let (year_start, year_end) = learnloop_domain::child_deaths::year_bounds(year);
            // The campaign of the year, from the summer.
            let (title, audience, channels, note) = CAMPAIGNS[n % CAMPAIGNS.len()];
            let started = year_start + Duration::days(rng.range(60, 150));
            if started >= self.start && started < self.today {
                let ended = started + Duration::days(rng.range(60, 120));
                let at = rng.at(started);
                self.t.campaign.push(row![
                    rng.id().as_str(),
                    self.pid.as_str(),
                    title,
                    audience,
                    channels,
                    ymd(started),
                    (ended <= self.today).then(|| ymd(ended)),
                    (ended <= self.today).then(|| rng.range(800, 12000)),
                    note,
                    self.manager.name.as_str(),
                    at.as_str(),
                    at.as_str()
                ]);
            }
            // The report of a year that has ended, at the executive's first meeting four months
            // after it.
            if year == last_year {
                continue;
            }
            let Some((meeting, on)) = self
                .board_meetings
                .iter()
                .find(|(_, d)| *d >= year_end + Duration::days(120))
                .cloned()
            else {
                continue;
            };
            let (themes, summary, recommendation) = REPORTS[n % REPORTS.len()];
            let id = rng.id();
            let created = rng.at(on - Duration::days(14));
            let published = on + Duration::days(14);
            let deaths = rng.range(25, 60);
            self.t.cdop_report.push(row![
                id.as_str(),
                self.pid.as_str(),
                i64::from(year),
                deaths,
                deaths * rng.range(20, 40) / 100,
                themes,
                summary,
                Some(meeting.clone()),
                (published <= self.today).then(|| ymd(published)),
                self.manager.name.as_str(),
                created.as_str(),
                created.as_str()
            ]);
            let manager = (self.manager.id.clone(), self.manager.name.clone());
            self.trail(
                &created,
                (&manager.0, &manager.1),
                ("cdop_report.add", "cdop_report", &id),
                format!(
                    "Recorded the child death overview panel's annual report for {}",
                    learnloop_domain::child_deaths::year_label(year)
                ),
            );
            let at = rng.at(on + Duration::days(1));
            self.t.action_plan.push(row![
                self.pid.as_str(),
                "cdop_report",
                id.as_str(),
                Some(board.clone()),
                6i64,
                at.as_str()
            ]);
            let rec = rng.id();
            self.t.recommendation.push(row![
                rec.as_str(),
                self.pid.as_str(),
                "cdop_report",
                id.as_str(),
                1i64,
                recommendation,
                "agencies",
                self.manager.name.as_str(),
                at.as_str(),
                at.as_str()
            ]);
            self.t.recommendation_agency.push(row![
                rec.as_str(),
                self.pid.as_str(),
                self.agencies[health].as_str()
            ]);
            let created_on = (on + Duration::days(7)).min(self.today);
            let due = created_on + Duration::days(rng.range(120, 270));
            self.action(
                rng,
                ("cdop_report", &id, &board.clone()),
                "Add the panel's advice to every contact checklist and audit that it is given"
                    .to_owned(),
                health,
                (created_on, due),
                Some(&rec),
            );
        }
    }
}
