//! Partnership, agencies and groups: the fixed choices a user picks from and the rules of
//! what they type.

/// Kinds of agency, for grouping and for the statutory partners.
pub const SECTORS: [(&str, &str); 14] = [
    ("local-authority", "Local authority"),
    ("police", "Police"),
    ("integrated-care-board", "Integrated care board"),
    ("acute-health", "Hospital trust"),
    ("community-health", "Community health trust"),
    ("mental-health", "Mental health trust"),
    ("ambulance", "Ambulance service"),
    ("education", "Schools and education"),
    ("probation", "Probation"),
    ("youth-justice", "Youth justice"),
    ("housing", "Housing"),
    ("voluntary", "Voluntary and community sector"),
    ("cafcass", "Children and family court advisory service"),
    ("other", "Other"),
];

pub fn sector_label(slug: &str) -> &str {
    SECTORS
        .iter()
        .find(|(s, _)| *s == slug)
        .map(|(_, l)| *l)
        .unwrap_or("Other")
}

/// Kinds of group.
pub const GROUP_KINDS: [(&str, &str); 3] = [
    ("board", "Board or executive"),
    ("subgroup", "Subgroup"),
    ("panel", "Panel"),
];

/// A partnership's short name in URLs and commands: lower-case letters, digits and hyphens.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(
            slugify("Northbrook Safeguarding Children Partnership"),
            "northbrook-safeguarding-children-partnership"
        );
        assert_eq!(slugify("  A & B  "), "a-b");
    }
}

pub mod escalations;

pub mod meetings {
    //! How often a group meets, which dates that gives, and whether a meeting is quorate.

    use chrono::{Datelike, NaiveDate, Weekday};

    /// A group's meeting frequency, from its terms of reference.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Frequency {
        Monthly,
        BiMonthly,
        Quarterly,
        /// Dates are chosen one by one.
        Custom,
    }

    impl Frequency {
        pub const ALL: [Frequency; 4] = [
            Frequency::Monthly,
            Frequency::BiMonthly,
            Frequency::Quarterly,
            Frequency::Custom,
        ];

        pub fn slug(self) -> &'static str {
            match self {
                Frequency::Monthly => "monthly",
                Frequency::BiMonthly => "bi-monthly",
                Frequency::Quarterly => "quarterly",
                Frequency::Custom => "custom",
            }
        }

        pub fn label(self) -> &'static str {
            match self {
                Frequency::Monthly => "Monthly",
                Frequency::BiMonthly => "Every two months",
                Frequency::Quarterly => "Quarterly",
                Frequency::Custom => "On dates we choose",
            }
        }

        pub fn parse(s: &str) -> Option<Frequency> {
            Frequency::ALL.into_iter().find(|f| f.slug() == s)
        }

        fn months(self) -> Option<u32> {
            match self {
                Frequency::Monthly => Some(1),
                Frequency::BiMonthly => Some(2),
                Frequency::Quarterly => Some(3),
                Frequency::Custom => None,
            }
        }
    }

    /// The dates of a year of meetings from the first one: same weekday and week of the month
    /// each time (e.g. "second Tuesday"), as groups usually fix their meetings. `Custom`
    /// gives only the first date: the others are added one by one.
    pub fn year_of_dates(freq: Frequency, first: NaiveDate) -> Vec<NaiveDate> {
        let Some(step) = freq.months() else {
            return vec![first];
        };
        let weekday = first.weekday();
        let nth = (first.day0() / 7) as u8 + 1;
        (0..12 / step)
            .filter_map(|k| {
                let m0 = first.month0() + k * step;
                let year = first.year() + (m0 / 12) as i32;
                let month = m0 % 12 + 1;
                nth_weekday(year, month, weekday, nth)
            })
            .collect()
    }

    /// The nth (1–5) given weekday of a month; the last one when the month has fewer.
    pub fn nth_weekday(year: i32, month: u32, weekday: Weekday, nth: u8) -> Option<NaiveDate> {
        let mut found = None;
        let mut count = 0;
        let mut d = NaiveDate::from_ymd_opt(year, month, 1)?;
        while d.month() == month {
            if d.weekday() == weekday {
                count += 1;
                found = Some(d);
                if count == nth {
                    return found;
                }
            }
            d = d.succ_opt()?;
        }
        found
    }

    /// How a group decides it is quorate.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum QuorumRule {
        /// At least one person from each statutory safeguarding partner (the default).
        EachStatutoryPartner,
        /// At least this many core member agencies represented.
        CoreAgencies(u32),
    }

    impl QuorumRule {
        pub fn slug(self) -> String {
            match self {
                QuorumRule::EachStatutoryPartner => "statutory".to_owned(),
                QuorumRule::CoreAgencies(n) => format!("core:{n}"),
            }
        }

        pub fn parse(s: &str) -> Option<QuorumRule> {
            if s == "statutory" {
                return Some(QuorumRule::EachStatutoryPartner);
            }
            s.strip_prefix("core:")?
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .map(QuorumRule::CoreAgencies)
        }

        pub fn describe(self) -> String {
            match self {
                QuorumRule::EachStatutoryPartner => {
                    "At least one person from each of the three statutory safeguarding partners"
                        .to_owned()
                }
                QuorumRule::CoreAgencies(n) => {
                    format!("At least {n} core member agencies represented")
                }
            }
        }
    }

    /// Whether a meeting is quorate, with the reason in plain words.
    /// `present` are the agencies of people present (or deputising); `statutory` and `core`
    /// the partnership's statutory partners and the group's core agencies, as (id, name).
    pub fn quoracy(
        rule: QuorumRule,
        present: &[String],
        statutory: &[(String, String)],
        core: &[String],
    ) -> (bool, String) {
        match rule {
            QuorumRule::EachStatutoryPartner => {
                let missing: Vec<&str> = statutory
                    .iter()
                    .filter(|(id, _)| !present.contains(id))
                    .map(|(_, name)| name.as_str())
                    .collect();
                if statutory.is_empty() {
                    (
                        false,
                        "Not quorate: the partnership has no statutory partners recorded"
                            .to_owned(),
                    )
                } else if missing.is_empty() {
                    (
                        true,
                        "Quorate: every statutory partner was represented".to_owned(),
                    )
                } else {
                    (
                        false,
                        format!("Not quorate: no one from {}", missing.join(", ")),
                    )
                }
            }
            QuorumRule::CoreAgencies(n) => {
                let mut seen: Vec<&String> = present.iter().filter(|a| core.contains(a)).collect();
                seen.sort();
                seen.dedup();
                let got = seen.len() as u32;
                if got >= n {
                    (
                        true,
                        format!(
                            "Quorate: {got} core member agencies represented (at least {n} needed)"
                        ),
                    )
                } else {
                    (
                        false,
                        format!(
                            "Not quorate: {got} core member agencies represented, at least {n} needed"
                        ),
                    )
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn d(y: i32, m: u32, day: u32) -> NaiveDate {
            NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
        }

        #[test]
        fn monthly_meetings_keep_the_weekday_and_week_of_the_month() {
            // Second Tuesday of January 2027 → second Tuesdays all year.
            let dates = year_of_dates(Frequency::Monthly, d(2027, 1, 12));
            assert_eq!(dates.len(), 12);
            assert_eq!(dates[1], d(2027, 2, 9));
            assert_eq!(dates[11], d(2027, 12, 14));
            assert!(dates.iter().all(|x| x.weekday() == Weekday::Tue));
        }

        #[test]
        fn quarterly_and_bi_monthly_cross_the_year_end() {
            let q = year_of_dates(Frequency::Quarterly, d(2026, 11, 5));
            assert_eq!(
                q,
                vec![d(2026, 11, 5), d(2027, 2, 4), d(2027, 5, 6), d(2027, 8, 5)]
            );
            assert_eq!(year_of_dates(Frequency::BiMonthly, d(2026, 11, 5)).len(), 6);
        }

        #[test]
        fn a_fifth_weekday_falls_back_to_the_last() {
            assert_eq!(nth_weekday(2027, 2, Weekday::Mon, 5), Some(d(2027, 2, 22)));
        }

        fn partners() -> Vec<(String, String)> {
            vec![
                ("la".into(), "Council".into()),
                ("police".into(), "Police".into()),
                ("icb".into(), "ICB".into()),
            ]
        }

        #[test]
        fn quorate_only_with_every_statutory_partner() {
            let (ok, why) = quoracy(
                QuorumRule::EachStatutoryPartner,
                &["la".into(), "police".into()],
                &partners(),
                &[],
            );
            assert!(!ok);
            assert_eq!(why, "Not quorate: no one from ICB");
            let (ok, _) = quoracy(
                QuorumRule::EachStatutoryPartner,
                &["la".into(), "police".into(), "icb".into()],
                &partners(),
                &[],
            );
            assert!(ok);
        }

        #[test]
        fn core_agency_rule_counts_distinct_core_agencies() {
            let core = vec!["a".to_owned(), "b".to_owned(), "c".to_owned()];
            let (ok, _) = quoracy(
                QuorumRule::CoreAgencies(2),
                &["a".into(), "a".into(), "x".into()],
                &[],
                &core,
            );
            assert!(!ok);
            let (ok, _) = quoracy(
                QuorumRule::CoreAgencies(2),
                &["a".into(), "c".into()],
                &[],
                &core,
            );
            assert!(ok);
            assert_eq!(
                QuorumRule::parse("core:2"),
                Some(QuorumRule::CoreAgencies(2))
            );
            assert_eq!(QuorumRule::parse("core:0"), None);
        }
    }
}

/// A group may not report to itself or, through others, to one of the groups below it.
/// `parent_of` gives each group's current reporting line.
pub fn check_reporting_line(
    group: &str,
    proposed: Option<&str>,
    parent_of: &dyn Fn(&str) -> Option<String>,
) -> Result<(), &'static str> {
    let Some(mut at) = proposed.map(str::to_owned) else {
        return Ok(());
    };
    for _ in 0..1000 {
        if at == group {
            return Err("A group cannot report to itself, or to a group that reports to it");
        }
        match parent_of(&at) {
            Some(p) => at = p,
            None => return Ok(()),
        }
    }
    Err("The reporting lines of these groups form a loop")
}

#[cfg(test)]
mod reporting_tests {
    use super::check_reporting_line;

    #[test]
    fn reporting_lines_never_loop() {
        // board ← lig ← task
        let parent = |g: &str| match g {
            "lig" => Some("board".to_owned()),
            "task" => Some("lig".to_owned()),
            _ => None,
        };
        assert!(check_reporting_line("lig", Some("board"), &parent).is_ok());
        assert!(check_reporting_line("board", Some("board"), &parent).is_err());
        assert!(check_reporting_line("board", Some("task"), &parent).is_err());
        assert!(check_reporting_line("board", None, &parent).is_ok());
    }
}

pub mod access {
    //! Who may do what with a group: the business team runs every group; a group's chair or
    //! deputy runs its meetings; people of its member agencies read its papers and minutes;
    //! the independent chair reads everything and decides escalations. Nobody else sees it.

    use crate::accounts::Role;
    use crate::policy::Actor;

    /// What a handler asks about one group.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum GroupPermission {
        /// Read the group, its terms, meetings, agendas, papers and minutes.
        View,
        /// Change the group's terms of reference, generate or change meetings.
        ManageTerms,
        /// Build and issue agendas, record attendance, minutes, decisions and meeting actions.
        RunMeetings,
        /// Raise an issue the group cannot resolve.
        Escalate,
        /// Record what the independent chair or the board did with an escalation.
        DecideEscalation,
    }

    /// A group as the policy sees it: its id and the agencies that belong to it.
    pub struct GroupScope<'a> {
        pub group_id: &'a str,
        pub agency_ids: &'a [String],
    }

    impl Actor {
        pub fn can_in_group(&self, p: GroupPermission, g: &GroupScope<'_>) -> bool {
            use GroupPermission as P;
            self.memberships.iter().any(|m| match m.role {
                Role::BusinessTeam => true,
                Role::IndependentChair => matches!(p, P::View | P::DecideEscalation),
                Role::GroupChair => {
                    m.group_id.as_deref() == Some(g.group_id)
                        && matches!(p, P::View | P::RunMeetings | P::Escalate)
                }
                Role::AgencyLead | Role::Practitioner | Role::Trainer | Role::Auditor => {
                    p == P::View
                        && m.agency_id
                            .as_ref()
                            .is_some_and(|a| g.agency_ids.contains(a))
                }
                Role::SystemAdmin => false,
            })
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::policy::Membership;

        fn actor(role: Role, agency: Option<&str>, group: Option<&str>) -> Actor {
            Actor {
                person_id: "p".into(),
                partnership_id: "x".into(),
                memberships: vec![Membership {
                    role,
                    agency_id: agency.map(Into::into),
                    group_id: group.map(Into::into),
                }],
            }
        }

        #[test]
        fn a_chair_runs_only_their_own_group() {
            let agencies = vec!["police".to_owned()];
            let mine = GroupScope {
                group_id: "lig",
                agency_ids: &agencies,
            };
            let other = GroupScope {
                group_id: "silg",
                agency_ids: &agencies,
            };
            let chair = actor(Role::GroupChair, None, Some("lig"));
            assert!(chair.can_in_group(GroupPermission::RunMeetings, &mine));
            assert!(!chair.can_in_group(GroupPermission::RunMeetings, &other));
            assert!(!chair.can_in_group(GroupPermission::ManageTerms, &mine));
        }

        #[test]
        fn member_agencies_read_but_others_see_nothing() {
            let agencies = vec!["police".to_owned()];
            let g = GroupScope {
                group_id: "lig",
                agency_ids: &agencies,
            };
            assert!(
                actor(Role::AgencyLead, Some("police"), None)
                    .can_in_group(GroupPermission::View, &g)
            );
            assert!(
                !actor(Role::AgencyLead, Some("police"), None)
                    .can_in_group(GroupPermission::RunMeetings, &g)
            );
            assert!(
                !actor(Role::Practitioner, Some("housing"), None)
                    .can_in_group(GroupPermission::View, &g)
            );
            assert!(!actor(Role::SystemAdmin, None, None).can_in_group(GroupPermission::View, &g));
            assert!(
                actor(Role::IndependentChair, None, None)
                    .can_in_group(GroupPermission::DecideEscalation, &g)
            );
        }
    }
}
