//! Learning from child deaths (SPEC §3.7): the Child Death Overview Panel's annual report as
//! the board receives it (the deaths reviewed, how many had modifiable factors, the themes and a
//! summary), its recommendations to agencies (tracked as actions like any other), its referrals
//! of cases through the case review's referral with the panel as referrer, and the campaigns
//! that follow (safe sleep, water safety, ...). Learnloop keeps the learning only: each child's
//! death is recorded in the national child death systems, never here.

use chrono::{Datelike, NaiveDate};

use crate::text::{check_name, check_text_block};

/// The year a report covers, April to March, named by the year it starts in.
pub fn year_of(d: NaiveDate) -> i32 {
    if d.month() >= 4 {
        d.year()
    } else {
        d.year() - 1
    }
}

/// "2025 to 2026".
pub fn year_label(year: i32) -> String {
    format!("{year} to {}", year + 1)
}

/// The first and last days of the year starting in April of `year`.
pub fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 4, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(year + 1, 3, 31).unwrap_or(NaiveDate::MAX),
    )
}

/// Reads a year typed as "2025" or "2025 to 2026"; None when it is neither.
pub fn parse_year(s: &str) -> Option<i32> {
    let s = s.trim();
    let first = s.split(|c: char| !c.is_ascii_digit()).next()?;
    let y: i32 = first.parse().ok()?;
    (first.len() == 4 && (s.len() == 4 || s == year_label(y) || s == format!("{y}-{}", y + 1)))
        .then_some(y)
}

/// The annual report as typed.
pub struct ReportTyped<'a> {
    pub year: &'a str,
    pub deaths: &'a str,
    pub modifiable: &'a str,
    pub themes: &'a str,
    pub summary: &'a str,
}

/// The annual report, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub year: i32,
    pub deaths_reviewed: i64,
    pub modifiable: i64,
    /// One theme a line: "Safe sleep", "Consanguinity".
    pub themes: Vec<String>,
    pub summary: String,
}

fn whole(s: &str, max: i64) -> Option<i64> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=max).contains(n))
}

/// Checks an annual report against the year it is recorded in: a report covers a year that has
/// begun, the deaths with modifiable factors are among those reviewed.
pub fn check_report(
    t: &ReportTyped<'_>,
    today: NaiveDate,
) -> Result<Report, Vec<(&'static str, String)>> {
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let this_year = year_of(today);
    let year = parse_year(t.year);
    match year {
        None => errors.push((
            "year",
            "Enter the year the report covers as four numbers, for example 2025 for April 2025 to March 2026".into(),
        )),
        Some(y) if y < 2000 || y > this_year => errors.push((
            "year",
            format!("The year must be from 2000 to {this_year}: a report covers a year that has begun"),
        )),
        Some(_) => {}
    }
    let deaths = whole(t.deaths, 100_000);
    if deaths.is_none() {
        errors.push((
            "deaths",
            "Enter the number of deaths reviewed as a whole number, such as 42".into(),
        ));
    }
    let modifiable = whole(t.modifiable, 100_000);
    match (modifiable, deaths) {
        (None, _) => errors.push((
            "modifiable",
            "Enter how many had modifiable factors as a whole number, such as 12".into(),
        )),
        (Some(m), Some(d)) if m > d => errors.push((
            "modifiable",
            format!("The deaths with modifiable factors cannot be more than the {d} reviewed"),
        )),
        _ => {}
    }
    let mut themes = Vec::new();
    for line in t
        .themes
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(21)
    {
        match check_name(line, "theme", 200) {
            Ok(th) if !themes.contains(&th) => themes.push(th),
            Ok(_) => {}
            Err(m) => {
                errors.push(("themes", m));
                break;
            }
        }
    }
    if themes.len() > 20 {
        errors.push(("themes", "Give at most 20 themes, one a line".into()));
    }
    let summary = match check_text_block(t.summary, "summary of the report", 20000) {
        Ok(s) => Some(s),
        Err(m) => {
            errors.push(("summary", m));
            None
        }
    };
    match (year, deaths, modifiable, summary) {
        (Some(year), Some(deaths_reviewed), Some(modifiable), Some(summary))
            if errors.is_empty() =>
        {
            Ok(Report {
                year,
                deaths_reviewed,
                modifiable,
                themes,
                summary,
            })
        }
        _ => Err(errors),
    }
}

/// A campaign as typed; dates already read.
pub struct CampaignTyped<'a> {
    pub title: &'a str,
    pub audience: &'a str,
    pub channels: &'a str,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub reach: &'a str,
    pub reach_note: &'a str,
}

/// A campaign, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Campaign {
    pub title: String,
    pub audience: String,
    pub channels: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    /// How many people it reached, when counted.
    pub reach: Option<i64>,
    pub reach_note: String,
}

/// Checks a campaign: a title, its audience and channels, when it ran, and its reach if known.
pub fn check_campaign(t: &CampaignTyped<'_>) -> Result<Campaign, Vec<(&'static str, String)>> {
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let mut field =
        |key: &'static str, v: &str, what: &str, max: usize| match check_name(v, what, max) {
            Ok(s) => Some(s),
            Err(m) => {
                errors.push((key, m));
                None
            }
        };
    let title = field("title", t.title, "campaign's name", 200);
    let audience = field("audience", t.audience, "audience", 300);
    let channels = field("channels", t.channels, "channels it used", 300);
    let reach_note = if t.reach_note.trim().is_empty() {
        Some(String::new())
    } else {
        field("reach_note", t.reach_note, "note on its reach", 300)
    };
    if t.started_on.is_none() {
        errors.push(("started", "Enter the date the campaign started".into()));
    }
    if let (Some(s), Some(e)) = (t.started_on, t.ended_on)
        && e < s
    {
        errors.push(("ended", "The campaign cannot end before it started".into()));
    }
    let reach = if t.reach.trim().is_empty() {
        Some(None)
    } else {
        match whole(&t.reach.replace(',', ""), 100_000_000) {
            Some(n) => Some(Some(n)),
            None => {
                errors.push((
                    "reach",
                    "Enter the number reached as a whole number, such as 1200, or leave it empty"
                        .into(),
                ));
                None
            }
        }
    };
    match (title, audience, channels, t.started_on, reach, reach_note) {
        (
            Some(title),
            Some(audience),
            Some(channels),
            Some(started_on),
            Some(reach),
            Some(note),
        ) if errors.is_empty() => Ok(Campaign {
            title,
            audience,
            channels,
            started_on,
            ended_on: t.ended_on,
            reach,
            reach_note: note,
        }),
        _ => Err(errors),
    }
}

/// Who records child-death learning: the business team.
pub fn can_manage(actor: &crate::policy::Actor) -> bool {
    actor.has(crate::accounts::Role::BusinessTeam)
}

/// Who reads the annual reports before they are published: whoever sees the partnership's
/// action plans (the business team, the chairs, agency leads, auditors). Everyone in the
/// partnership reads a report once published, with its recommendations, and the campaigns.
pub fn reads_all(actor: &crate::policy::Actor) -> bool {
    actor.can(crate::policy::Permission::ViewActions)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn report<'a>(year: &'a str, deaths: &'a str, modifiable: &'a str) -> ReportTyped<'a> {
        ReportTyped {
            year,
            deaths,
            modifiable,
            themes: "Safe sleep\n\nSafe sleep\nWater safety",
            summary: "Forty deaths reviewed.",
        }
    }

    #[test]
    fn years_run_april_to_march() {
        assert_eq!(year_of(d(2026, 3, 31)), 2025);
        assert_eq!(year_of(d(2026, 4, 1)), 2026);
        assert_eq!(year_label(2025), "2025 to 2026");
        assert_eq!(year_bounds(2025), (d(2025, 4, 1), d(2026, 3, 31)));
        assert_eq!(parse_year("2025"), Some(2025));
        assert_eq!(parse_year("2025 to 2026"), Some(2025));
        assert_eq!(parse_year("2025 to 2027"), None);
        assert_eq!(parse_year("25"), None);
        assert_eq!(parse_year("next year"), None);
    }

    #[test]
    fn a_report_is_checked_field_by_field() {
        let ok = check_report(&report("2025", "40", "12"), d(2026, 12, 4)).unwrap();
        assert_eq!(ok.themes, vec!["Safe sleep", "Water safety"]);
        assert_eq!(ok.deaths_reviewed, 40);
        let e = check_report(&report("2027", "forty", "some"), d(2026, 12, 4)).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["year", "deaths", "modifiable"]);
        let e = check_report(&report("2025", "10", "11"), d(2026, 12, 4)).unwrap_err();
        assert!(e[0].1.contains("cannot be more than the 10 reviewed"));
    }

    #[test]
    fn a_campaign_needs_its_audience_channels_and_a_start() {
        let t = CampaignTyped {
            title: "Safe sleep",
            audience: "Parents of newborns",
            channels: "Health visitors, radio",
            started_on: Some(d(2026, 5, 1)),
            ended_on: Some(d(2026, 4, 1)),
            reach: "1,200",
            reach_note: "",
        };
        let e = check_campaign(&t).unwrap_err();
        assert_eq!(
            e,
            vec![("ended", "The campaign cannot end before it started".into())]
        );
        let ok = check_campaign(&CampaignTyped {
            ended_on: None,
            ..t
        })
        .unwrap();
        assert_eq!(ok.reach, Some(1200));
        let e = check_campaign(&CampaignTyped {
            title: "",
            audience: "",
            channels: "x",
            started_on: None,
            ended_on: None,
            reach: "many",
            reach_note: "",
        })
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["title", "audience", "started", "reach"]);
    }
}
