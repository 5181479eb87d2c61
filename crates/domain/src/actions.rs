//! Actions: the one record of work that someone must do by a date, whatever asked for it (a
//! meeting now; recommendations from reviews, audits and the rest later). The status moves
//! only along the allowed transitions, and RAG is derived, never typed in.

use chrono::NaiveDate;

use crate::accounts::Role;
use crate::policy::Actor;

/// Where an action stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionStatus {
    NotStarted,
    InProgress,
    /// Done, awaiting evidence and sign-off.
    Completed,
    ClosedEvidenced,
    ClosedNotAchieved,
}

/// Read from a stored status: an unknown value is an error, never "not started".
impl TryFrom<String> for ActionStatus {
    type Error = crate::stored::Unknown;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        crate::stored::decode(s, "action status", ActionStatus::parse)
    }
}

/// Written as its slug (as stored, and in forms).
impl std::fmt::Display for ActionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 5] = [
        ActionStatus::NotStarted,
        ActionStatus::InProgress,
        ActionStatus::Completed,
        ActionStatus::ClosedEvidenced,
        ActionStatus::ClosedNotAchieved,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            ActionStatus::NotStarted => "not-started",
            ActionStatus::InProgress => "in-progress",
            ActionStatus::Completed => "completed",
            ActionStatus::ClosedEvidenced => "closed-evidenced",
            ActionStatus::ClosedNotAchieved => "closed-not-achieved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::NotStarted => "Not started",
            ActionStatus::InProgress => "In progress",
            ActionStatus::Completed => "Completed, awaiting evidence",
            ActionStatus::ClosedEvidenced => "Closed, evidenced",
            ActionStatus::ClosedNotAchieved => "Closed, not achieved",
        }
    }

    pub fn parse(s: &str) -> Option<ActionStatus> {
        ActionStatus::ALL.into_iter().find(|a| a.slug() == s)
    }

    pub fn is_open(self) -> bool {
        !matches!(
            self,
            ActionStatus::ClosedEvidenced | ActionStatus::ClosedNotAchieved
        )
    }

    /// The moves allowed from here: forward along the line, or closed as not achieved.
    pub fn can_move_to(self, next: ActionStatus) -> bool {
        use ActionStatus as S;
        matches!(
            (self, next),
            (S::NotStarted, S::InProgress)
                | (S::InProgress, S::Completed)
                | (S::Completed, S::ClosedEvidenced)
                | (
                    S::NotStarted | S::InProgress | S::Completed,
                    S::ClosedNotAchieved
                )
        )
    }
}

/// Red, amber or green, derived from the dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rag {
    Red,
    Amber,
    Green,
}

impl Rag {
    pub fn label(self) -> &'static str {
        match self {
            Rag::Red => "Overdue",
            Rag::Amber => "Due soon",
            Rag::Green => "On track",
        }
    }
    pub fn colour(self) -> &'static str {
        match self {
            Rag::Red => "red",
            Rag::Amber => "orange",
            Rag::Green => "green",
        }
    }
}

/// Overdue is red; due within `soon_days` is amber; otherwise green. Closed actions have none.
pub fn rag(status: ActionStatus, due: NaiveDate, today: NaiveDate, soon_days: i64) -> Option<Rag> {
    rag_with_updates(status, due, today, soon_days, None)
}

/// RAG including staleness: an open action with no progress update for `stale` (since its
/// last update, or since it was created) is amber even when its due date is far off.
pub fn rag_with_updates(
    status: ActionStatus,
    due: NaiveDate,
    today: NaiveDate,
    soon_days: i64,
    stale: Option<(NaiveDate, i64)>,
) -> Option<Rag> {
    if !status.is_open() {
        return None;
    }
    let left = (due - today).num_days();
    let quiet = stale.is_some_and(|(last, weeks)| (today - last).num_days() >= weeks * 7);
    Some(if left < 0 {
        Rag::Red
    } else if left <= soon_days || quiet {
        Rag::Amber
    } else {
        Rag::Green
    })
}

impl Rag {
    pub const ALL: [Rag; 3] = [Rag::Red, Rag::Amber, Rag::Green];

    pub fn slug(self) -> &'static str {
        match self {
            Rag::Red => "red",
            Rag::Amber => "amber",
            Rag::Green => "green",
        }
    }

    pub fn parse(s: &str) -> Option<Rag> {
        Rag::ALL.into_iter().find(|r| r.slug() == s)
    }
}

/// An action as the policy sees it.
pub struct ActionScope<'a> {
    pub owner_person_id: Option<&'a str>,
    pub lead_agency_id: Option<&'a str>,
    /// The group that owns the plan.
    pub group_id: Option<&'a str>,
}

/// Who may read an action: whoever may see the partnership's action plans, and its owner.
pub fn can_read(actor: &Actor, a: &ActionScope<'_>) -> bool {
    actor.can(crate::policy::Permission::ViewActions)
        || a.owner_person_id == Some(actor.person_id.as_str())
}

/// Who may post an update on an action: its owner, the lead agency's safeguarding lead, and
/// the business team.
pub fn can_update(actor: &Actor, a: &ActionScope<'_>) -> bool {
    a.owner_person_id == Some(actor.person_id.as_str())
        || actor.memberships.iter().any(|m| match m.role {
            Role::BusinessTeam => true,
            Role::AgencyLead => m.agency_id.is_some() && m.agency_id.as_deref() == a.lead_agency_id,
            _ => false,
        })
}

/// Who signs an action off as closed: the chair of the group that owns the plan (the
/// independent chair where no group owns it).
pub fn can_sign_off(actor: &Actor, a: &ActionScope<'_>) -> bool {
    actor
        .memberships
        .iter()
        .any(|m| match (m.role, a.group_id) {
            (Role::GroupChair, Some(g)) => m.group_id.as_deref() == Some(g),
            (Role::IndependentChair, None) => true,
            _ => false,
        })
}

/// Why a status change is refused, in words for the person making it.
pub fn check_move(
    from: ActionStatus,
    to: ActionStatus,
    reason: &str,
    evidence: usize,
) -> Result<(), &'static str> {
    if from == to {
        return Ok(());
    }
    if !from.can_move_to(to) {
        return Err(match from {
            ActionStatus::ClosedEvidenced | ActionStatus::ClosedNotAchieved => {
                "The action is closed: its status can no longer change"
            }
            _ => {
                "An action moves from not started to in progress to completed, then is closed by sign-off"
            }
        });
    }
    if to == ActionStatus::ClosedNotAchieved && reason.trim().is_empty() {
        return Err("Give the reason the action was not achieved");
    }
    if to == ActionStatus::ClosedEvidenced && evidence == 0 {
        return Err("Add at least one piece of evidence before the action is signed off");
    }
    Ok(())
}

/// A due date moves only with a reason, and only while the action is open.
pub fn check_revision(
    status: ActionStatus,
    from: NaiveDate,
    to: NaiveDate,
    reason: &str,
) -> Result<(), &'static str> {
    if !status.is_open() {
        return Err("The action is closed: its due date can no longer change");
    }
    if from == to {
        return Err("Enter a due date different from the current one");
    }
    if reason.trim().is_empty() {
        return Err("Give the reason the due date is changing: every revision is kept");
    }
    Ok(())
}

/// When the impact review of an action closed on `closed` comes due.
pub fn impact_due(closed: NaiveDate, months: u32) -> NaiveDate {
    crate::clocks::add_months(closed, i32::try_from(months).unwrap_or(6))
}

/// A partnership's reminder settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReminderSettings {
    /// Days before the due date the owner is reminded (e.g. 14 and 3).
    pub before: Vec<u32>,
    /// Days overdue after which the agency lead is told.
    pub lead_after: u32,
    /// Days overdue after which the chair of the group that owns the plan is told.
    pub chair_after: u32,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        ReminderSettings {
            before: vec![14, 3],
            lead_after: 14,
            chair_after: 28,
        }
    }
}

impl ReminderSettings {
    /// From the settings form: days before as "14, 3"; escalation days as whole numbers, the
    /// chair after the lead.
    pub fn parse(before: &str, lead_after: &str, chair_after: &str) -> Result<Self, &'static str> {
        let mut days = Vec::new();
        for part in before.split([',', ' ']).filter(|p| !p.trim().is_empty()) {
            match part.trim().parse::<u32>() {
                Ok(d) if (1..=365).contains(&d) => days.push(d),
                _ => {
                    return Err(
                        "Enter the days before as whole numbers from 1 to 365, for example 14, 3",
                    );
                }
            }
        }
        days.sort_unstable_by(|a, b| b.cmp(a));
        days.dedup();
        let n = |s: &str| {
            s.trim()
                .parse::<u32>()
                .ok()
                .filter(|d| (1..=365).contains(d))
        };
        let (Some(lead), Some(chair)) = (n(lead_after), n(chair_after)) else {
            return Err("Enter the escalation days as whole numbers from 1 to 365");
        };
        if chair <= lead {
            return Err(
                "The group chair is told after the agency lead: give a larger number of days",
            );
        }
        Ok(ReminderSettings {
            before: days,
            lead_after: lead,
            chair_after: chair,
        })
    }

    pub fn before_text(&self) -> String {
        self.before
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One reminder about one action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reminder {
    /// To the owner, this many days before the due date.
    Before(u32),
    /// To the owner, on the due date.
    DueToday,
    /// To the owner, the day after the due date.
    Overdue,
    /// To the lead agency's safeguarding lead.
    EscalateToLead,
    /// To the chair of the group that owns the plan.
    EscalateToChair,
}

impl Reminder {
    pub fn key(self) -> String {
        match self {
            Reminder::Before(n) => format!("before-{n}"),
            Reminder::DueToday => "due".into(),
            Reminder::Overdue => "overdue".into(),
            Reminder::EscalateToLead => "lead".into(),
            Reminder::EscalateToChair => "chair".into(),
        }
    }
}

/// Every reminder an open action gets, with its day: each planned once.
pub fn reminder_plan(due: NaiveDate, s: &ReminderSettings) -> Vec<(NaiveDate, Reminder)> {
    let mut out: Vec<(NaiveDate, Reminder)> = Vec::new();
    for &d in &s.before {
        if let Some(day) = due.checked_sub_days(chrono::Days::new(u64::from(d))) {
            out.push((day, Reminder::Before(d)));
        }
    }
    out.push((due, Reminder::DueToday));
    let after = |n: u32| due.checked_add_days(chrono::Days::new(u64::from(n)));
    out.extend(after(1).map(|d| (d, Reminder::Overdue)));
    out.extend(after(s.lead_after).map(|d| (d, Reminder::EscalateToLead)));
    out.extend(after(s.chair_after).map(|d| (d, Reminder::EscalateToChair)));
    out.sort();
    out.dedup_by(|a, b| a.1 == b.1);
    out
}

/// The reminders an open action gets on `today`.
pub fn reminders_on(due: NaiveDate, today: NaiveDate, s: &ReminderSettings) -> Vec<Reminder> {
    reminder_plan(due, s)
        .into_iter()
        .filter(|(d, _)| *d == today)
        .map(|(_, r)| r)
        .collect()
}

impl crate::stored::Slug for ActionStatus {
    fn slug(&self) -> &'static str {
        ActionStatus::slug(*self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn an_action_quiet_for_too_long_turns_amber() {
        let today = day(2026, 11, 25);
        let due = day(2027, 6, 1);
        assert_eq!(
            rag_with_updates(
                ActionStatus::InProgress,
                due,
                today,
                14,
                Some((day(2026, 11, 1), 6))
            ),
            Some(Rag::Green)
        );
        assert_eq!(
            rag_with_updates(
                ActionStatus::InProgress,
                due,
                today,
                14,
                Some((day(2026, 10, 1), 6))
            ),
            Some(Rag::Amber)
        );
    }

    #[test]
    fn moves_say_why_they_are_refused() {
        use ActionStatus as S;
        assert!(check_move(S::NotStarted, S::Completed, "", 0).is_err());
        assert!(check_move(S::InProgress, S::ClosedNotAchieved, " ", 0).is_err());
        assert!(check_move(S::InProgress, S::ClosedNotAchieved, "Service ended", 0).is_ok());
        assert!(check_move(S::Completed, S::ClosedEvidenced, "", 0).is_err());
        assert!(check_move(S::Completed, S::ClosedEvidenced, "", 1).is_ok());
        assert!(check_move(S::ClosedEvidenced, S::InProgress, "", 1).is_err());
        assert!(check_revision(S::InProgress, day(2026, 1, 1), day(2026, 2, 1), "").is_err());
        assert!(
            check_revision(
                S::InProgress,
                day(2026, 1, 1),
                day(2026, 2, 1),
                "Staff left"
            )
            .is_ok()
        );
        assert!(check_revision(S::ClosedEvidenced, day(2026, 1, 1), day(2026, 2, 1), "x").is_err());
        assert_eq!(impact_due(day(2026, 8, 31), 6), day(2027, 2, 28));
    }

    #[test]
    fn reminder_settings_read_from_the_form() {
        assert_eq!(
            ReminderSettings::parse("3, 14", "14", "28"),
            Ok(ReminderSettings::default())
        );
        assert!(ReminderSettings::parse("x", "14", "28").is_err());
        assert!(ReminderSettings::parse("14", "28", "14").is_err());
    }

    #[test]
    fn owners_leads_and_the_business_team_update_and_the_groups_chair_signs_off() {
        use crate::policy::Membership;
        let actor = |role, agency: Option<&str>, group: Option<&str>| Actor {
            person_id: "me".into(),
            partnership_id: "x".into(),
            memberships: vec![Membership {
                role,
                agency_id: agency.map(Into::into),
                group_id: group.map(Into::into),
            }],
        };
        let a = ActionScope {
            owner_person_id: Some("owner"),
            lead_agency_id: Some("police"),
            group_id: Some("li"),
        };
        assert!(can_update(
            &actor(Role::AgencyLead, Some("police"), None),
            &a
        ));
        assert!(!can_update(
            &actor(Role::AgencyLead, Some("health"), None),
            &a
        ));
        assert!(!can_update(
            &actor(Role::Practitioner, Some("police"), None),
            &a
        ));
        assert!(can_update(&actor(Role::BusinessTeam, None, None), &a));
        let mine = ActionScope {
            owner_person_id: Some("me"),
            ..a
        };
        assert!(can_update(&actor(Role::Practitioner, None, None), &mine));
        assert!(can_read(&actor(Role::Practitioner, None, None), &mine));
        assert!(!can_read(&actor(Role::Practitioner, None, None), &a));
        assert!(can_sign_off(&actor(Role::GroupChair, None, Some("li")), &a));
        assert!(!can_sign_off(
            &actor(Role::GroupChair, None, Some("silg")),
            &a
        ));
        assert!(!can_sign_off(&actor(Role::BusinessTeam, None, None), &a));
    }

    proptest! {
        #[test]
        fn each_reminder_is_planned_once_and_in_order(
            offset in 0i64..40_000,
            before in proptest::collection::vec(1u32..100, 0..5),
            lead in 1u32..60,
            extra in 1u32..60,
        ) {
            let due = day(1990, 1, 1) + chrono::Duration::days(offset);
            let s = ReminderSettings { before: before.clone(), lead_after: lead, chair_after: lead + extra };
            let plan = reminder_plan(due, &s);
            let mut kinds: Vec<Reminder> = plan.iter().map(|p| p.1).collect();
            let n = kinds.len();
            kinds.sort();
            kinds.dedup();
            prop_assert_eq!(kinds.len(), n, "a reminder planned twice");
            prop_assert!(plan.windows(2).all(|w| w[0].0 <= w[1].0));
            // Walking every day from well before to well after finds each planned reminder once.
            let mut seen = Vec::new();
            let mut d = due - chrono::Duration::days(120);
            while d <= due + chrono::Duration::days(150) {
                seen.extend(reminders_on(due, d, &s));
                d += chrono::Duration::days(1);
            }
            prop_assert_eq!(seen.len(), n);
            let mut distinct: Vec<u32> = before.clone();
            distinct.sort_unstable();
            distinct.dedup();
            prop_assert_eq!(n, distinct.len() + 4);
        }
    }

    #[test]
    fn status_moves_only_forward_or_to_not_achieved() {
        use ActionStatus as S;
        assert!(S::NotStarted.can_move_to(S::InProgress));
        assert!(!S::NotStarted.can_move_to(S::ClosedEvidenced));
        assert!(!S::ClosedEvidenced.can_move_to(S::InProgress));
        assert!(S::Completed.can_move_to(S::ClosedNotAchieved));
        assert!(!S::ClosedNotAchieved.can_move_to(S::NotStarted));
        for s in S::ALL {
            assert_eq!(S::parse(s.slug()), Some(s));
        }
    }

    #[test]
    fn rag_comes_from_the_dates() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default();
        assert_eq!(
            rag(ActionStatus::InProgress, d(11, 20), d(11, 25), 14),
            Some(Rag::Red)
        );
        assert_eq!(
            rag(ActionStatus::InProgress, d(12, 1), d(11, 25), 14),
            Some(Rag::Amber)
        );
        assert_eq!(
            rag(ActionStatus::NotStarted, d(12, 31), d(11, 25), 14),
            Some(Rag::Green)
        );
        assert_eq!(
            rag(ActionStatus::ClosedEvidenced, d(11, 1), d(11, 25), 14),
            None
        );
    }
}

pub mod import;
