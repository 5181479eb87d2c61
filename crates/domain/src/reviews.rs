//! Case reviews: from a serious incident notification to a published review (SPEC.md §3.2).
//!
//! This first part covers intake: the notification's category (which decides whether a rapid
//! review is needed), the clocks it starts, the stage a case is at, the pseudonyms children are
//! known by, and who may read a restricted case in full.

use chrono::NaiveDate;

use crate::accounts::Role;
use crate::policy::Actor;

/// What was notified to the national Panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Abuse or neglect known or suspected, and a child died or was seriously harmed.
    DeathOrSeriousHarm,
    /// The death of a looked-after child.
    LookedAfterChildDeath,
    /// The death of a care leaver (no rapid review is needed).
    CareLeaverDeath,
    /// Not a notification: a case referred for consideration by an agency, the child death
    /// overview panel, an audit or a chair. No statutory clock runs until it is notified.
    Referral,
    /// Nothing was notified: a review recorded directly (a domestic homicide review, say).
    Recorded,
}

impl Category {
    pub const ALL: [Category; 3] = [
        Category::DeathOrSeriousHarm,
        Category::LookedAfterChildDeath,
        Category::CareLeaverDeath,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Category::DeathOrSeriousHarm => "death-or-serious-harm",
            Category::LookedAfterChildDeath => "looked-after-child-death",
            Category::CareLeaverDeath => "care-leaver-death",
            Category::Referral => "referral",
            Category::Recorded => "recorded",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::DeathOrSeriousHarm => {
                "Death or serious harm, abuse or neglect known or suspected"
            }
            Category::LookedAfterChildDeath => "Death of a looked-after child",
            Category::CareLeaverDeath => "Death of a care leaver",
            Category::Referral => "Referred for consideration",
            Category::Recorded => "Recorded directly, not notified",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL
            .into_iter()
            .chain([Category::Referral, Category::Recorded])
            .find(|c| c.slug() == s)
    }

    /// A care leaver's death is notified but needs no rapid review; a referral is not notified.
    pub fn needs_rapid_review(self) -> bool {
        !matches!(
            self,
            Category::CareLeaverDeath | Category::Referral | Category::Recorded
        )
    }

    pub fn is_notification(self) -> bool {
        !matches!(self, Category::Referral | Category::Recorded)
    }
}

/// Where a case is. The order is the order of the work: a stage never moves backwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Referred,
    Notified,
    RapidReview,
    Decided,
    /// Terms of reference agreed and a reviewer appointed: the review is under way.
    InReview,
    DraftReport,
    FinalReport,
    PublicationDecided,
    Closed,
}

/// Read from a stored stage: an unknown value is an error, never a default stage.
impl TryFrom<String> for Stage {
    type Error = crate::stored::Unknown;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        crate::stored::decode(s, "case stage", Stage::parse)
    }
}

impl Stage {
    pub const ALL: [Stage; 9] = [
        Stage::Referred,
        Stage::Notified,
        Stage::RapidReview,
        Stage::Decided,
        Stage::InReview,
        Stage::DraftReport,
        Stage::FinalReport,
        Stage::PublicationDecided,
        Stage::Closed,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Stage::Referred => "referred",
            Stage::Notified => "notified",
            Stage::RapidReview => "rapid-review",
            Stage::Decided => "decided",
            Stage::InReview => "in-review",
            Stage::DraftReport => "draft-report",
            Stage::FinalReport => "final-report",
            Stage::PublicationDecided => "publication-decided",
            Stage::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Referred => "Referred for consideration",
            Stage::Notified => "Notified",
            Stage::RapidReview => "Rapid review",
            Stage::Decided => "Decision made",
            Stage::InReview => "Review under way",
            Stage::DraftReport => "Draft report",
            Stage::FinalReport => "Final report",
            Stage::PublicationDecided => "Publication decided",
            Stage::Closed => "Closed",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|x| x.slug() == s)
    }

    /// The stage a new notification starts at.
    pub fn first(c: Category) -> Stage {
        match c {
            Category::Referral => Stage::Referred,
            Category::Recorded => Stage::Decided,
            c if c.needs_rapid_review() => Stage::RapidReview,
            _ => Stage::Notified,
        }
    }
}

/// The clock rules a notification starts (their ids in `clocks::seeded_rules`).
pub fn intake_clocks(c: Category) -> Vec<&'static str> {
    if !c.is_notification() {
        return Vec::new();
    }
    let mut v = vec!["notify-panel", "inform-partners"];
    if c.needs_rapid_review() {
        v.push("rapid-review");
    }
    v
}

/// The date an intake clock starts from. The rapid review counts from the notification to the
/// Panel unless the partnership counts it from awareness (its setting `rapid_review_from`).
pub fn clock_event(
    event: &str,
    aware: NaiveDate,
    notified: Option<NaiveDate>,
    rapid_from_aware: bool,
) -> Option<NaiveDate> {
    match event {
        "aware" => Some(aware),
        "notified" if rapid_from_aware => Some(aware),
        "notified" => notified,
        _ => None,
    }
}

/// The dated events of a case that its clocks start from and are met by.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseEvents {
    pub aware: Option<NaiveDate>,
    pub notified: Option<NaiveDate>,
    pub decided: Option<NaiveDate>,
    pub publication_planned: Option<NaiveDate>,
    pub published: Option<NaiveDate>,
    pub rapid_review_sent: Option<NaiveDate>,
    pub report_sent: Option<NaiveDate>,
    /// The report is not to be published (the publication decision says so).
    pub not_to_be_published: bool,
    /// The partnership counts the rapid review from awareness, not from the notification.
    pub rapid_from_aware: bool,
}

impl CaseEvents {
    /// The day a clock starts, by the event its rule names.
    pub fn start(&self, event: &str) -> Option<NaiveDate> {
        match event {
            "decision" => self.decided,
            "publication" => self.publication_planned.or(self.published),
            _ => clock_event(event, self.aware?, self.notified, self.rapid_from_aware),
        }
    }

    /// The day each duty was done, by the clock's rule: the notification, the rapid review
    /// reaching the Panel, the final report reaching the Panel and the Secretary of State, and
    /// publication (or, when the report is not to be published, the day it went to the Panel).
    pub fn met(&self, rule: &str) -> Option<NaiveDate> {
        match rule {
            "notify-panel" => self.notified,
            "rapid-review" => self.rapid_review_sent,
            "final-report-to-panel" => self.report_sent,
            "lcspr-publish" => self.published.or_else(|| {
                self.not_to_be_published
                    .then_some(self.report_sent)
                    .flatten()
            }),
            _ => None,
        }
    }
}

/// A child's pseudonym, as lists, mails and exports show them ("Child A", "Sibling B").
pub fn check_pseudonym(s: &str) -> Result<String, &'static str> {
    let p = s.trim();
    if p.is_empty() {
        return Err("Enter the pseudonym the child will be known by, for example Child A");
    }
    if p.chars().count() > 40 {
        return Err("The pseudonym must be 40 characters or fewer");
    }
    Ok(p.to_owned())
}

/// A restricted case is read in full only by the business team and the people on its panel;
/// everyone else who may see the partnership's work gets the anonymised summary.
pub fn can_read_in_full(actor: &Actor, panel: &[String]) -> bool {
    actor.has(Role::BusinessTeam) || panel.iter().any(|p| p == &actor.person_id)
}

impl crate::stored::Slug for Stage {
    fn slug(&self) -> &'static str {
        Stage::slug(*self)
    }
}

impl crate::stored::Slug for Category {
    fn slug(&self) -> &'static str {
        Category::slug(*self)
    }
}

impl TryFrom<String> for Category {
    type Error = crate::stored::Unknown;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        crate::stored::decode(s, "case category", Category::parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Membership;

    #[test]
    fn a_care_leavers_death_needs_no_rapid_review() {
        assert!(!Category::CareLeaverDeath.needs_rapid_review());
        assert_eq!(
            intake_clocks(Category::CareLeaverDeath),
            vec!["notify-panel", "inform-partners"]
        );
        assert_eq!(
            Stage::first(Category::DeathOrSeriousHarm),
            Stage::RapidReview
        );
        assert_eq!(Stage::first(Category::CareLeaverDeath), Stage::Notified);
    }

    #[test]
    fn the_rapid_review_counts_from_notification_unless_set_to_awareness() {
        let aware = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
        let notified = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap_or_default();
        assert_eq!(
            clock_event("notified", aware, Some(notified), false),
            Some(notified)
        );
        assert_eq!(
            clock_event("notified", aware, Some(notified), true),
            Some(aware)
        );
        assert_eq!(clock_event("notified", aware, None, false), None);
        assert_eq!(clock_event("aware", aware, None, false), Some(aware));
    }

    #[test]
    fn only_the_business_team_and_the_panel_read_in_full() {
        let actor = |role| Actor {
            person_id: "me".into(),
            partnership_id: "x".into(),
            memberships: vec![Membership {
                role,
                agency_id: None,
                group_id: None,
            }],
        };
        assert!(can_read_in_full(&actor(Role::BusinessTeam), &[]));
        assert!(!can_read_in_full(&actor(Role::IndependentChair), &[]));
        assert!(can_read_in_full(
            &actor(Role::IndependentChair),
            &["me".to_owned()]
        ));
        assert!(!can_read_in_full(
            &actor(Role::AgencyLead),
            &["someone".to_owned()]
        ));
    }

    #[test]
    fn a_case_clock_starts_and_is_met_by_the_events_its_rule_names() {
        let d = |n| NaiveDate::from_ymd_opt(2026, 11, n).unwrap_or_default();
        let mut e = CaseEvents {
            aware: Some(d(2)),
            notified: Some(d(4)),
            report_sent: Some(d(20)),
            ..CaseEvents::default()
        };
        assert_eq!(e.start("aware"), Some(d(2)));
        assert_eq!(e.start("notified"), Some(d(4)));
        assert_eq!(e.start("decision"), None);
        assert_eq!(e.met("notify-panel"), Some(d(4)));
        assert_eq!(e.met("lcspr-publish"), None, "not published yet");
        e.not_to_be_published = true;
        assert_eq!(
            e.met("lcspr-publish"),
            Some(d(20)),
            "met when it went to the Panel"
        );
        e.rapid_from_aware = true;
        assert_eq!(e.start("notified"), Some(d(2)));
        e.aware = None;
        assert_eq!(e.start("aware"), None);
    }

    #[test]
    fn pseudonyms_are_required_and_short() {
        assert_eq!(check_pseudonym("  Child A "), Ok("Child A".to_owned()));
        assert!(check_pseudonym("").is_err());
        assert!(check_pseudonym(&"x".repeat(41)).is_err());
    }
}

/// An agency's summary is written by that agency's safeguarding lead (or the business team on
/// its behalf); nobody else may write or see it outside the case's panel.
pub fn can_write_summary(actor: &Actor, agency_id: &str) -> bool {
    actor.has(Role::BusinessTeam) || actor.agencies_led().any(|a| a == agency_id)
}

#[cfg(test)]
mod summary_tests {
    use super::*;
    use crate::policy::Membership;

    #[test]
    fn only_the_agencys_own_lead_writes_its_summary() {
        let lead = Actor {
            person_id: "p".into(),
            partnership_id: "x".into(),
            memberships: vec![Membership {
                role: Role::AgencyLead,
                agency_id: Some("police".into()),
                group_id: None,
            }],
        };
        assert!(can_write_summary(&lead, "police"));
        assert!(!can_write_summary(&lead, "health"));
    }
}

/// What a rapid review recommends, and what is decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// A local child safeguarding practice review.
    Lcspr,
    /// No further review: the reasons and the learning are kept.
    NoFurtherReview,
    /// A local learning review, below the statutory threshold.
    LocalLearningReview,
    SingleAgencyReview,
}

impl Decision {
    pub const ALL: [Decision; 4] = [
        Decision::Lcspr,
        Decision::NoFurtherReview,
        Decision::LocalLearningReview,
        Decision::SingleAgencyReview,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Decision::Lcspr => "lcspr",
            Decision::NoFurtherReview => "no-further-review",
            Decision::LocalLearningReview => "local-learning-review",
            Decision::SingleAgencyReview => "single-agency-review",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Decision::Lcspr => "Local child safeguarding practice review",
            Decision::NoFurtherReview => "No further review",
            Decision::LocalLearningReview => {
                "Local learning review (below the statutory threshold)"
            }
            Decision::SingleAgencyReview => "Single-agency review",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.slug() == s)
    }
}

/// The national Panel's answer to the rapid review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanelResponse {
    Agree,
    Disagree,
    NationalReview,
}

impl PanelResponse {
    pub const ALL: [PanelResponse; 3] = [
        PanelResponse::Agree,
        PanelResponse::Disagree,
        PanelResponse::NationalReview,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            PanelResponse::Agree => "agree",
            PanelResponse::Disagree => "disagree",
            PanelResponse::NationalReview => "national-review",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PanelResponse::Agree => "Agrees with the decision",
            PanelResponse::Disagree => "Disagrees with the decision",
            PanelResponse::NationalReview => "Will carry out a national review instead",
        }
    }

    pub fn parse(s: &str) -> Option<PanelResponse> {
        PanelResponse::ALL.into_iter().find(|d| d.slug() == s)
    }
}

/// A recommendation not to review must say why: the reasons are kept with the learning.
pub fn check_recommendation(d: Decision, reason: &str) -> Result<(), &'static str> {
    if d == Decision::NoFurtherReview && reason.trim().is_empty() {
        return Err(
            "Give the reasons for recommending no further review: they are kept with the case",
        );
    }
    Ok(())
}

/// The independent chair signs the decision off (the lead safeguarding partners' delegate).
pub fn can_sign_off(actor: &Actor) -> bool {
    actor.has(Role::IndependentChair)
}

#[cfg(test)]
mod decision_tests {
    use super::*;

    #[test]
    fn no_further_review_needs_its_reasons() {
        assert!(check_recommendation(Decision::NoFurtherReview, " ").is_err());
        assert!(
            check_recommendation(Decision::NoFurtherReview, "Learning already captured").is_ok()
        );
        assert!(check_recommendation(Decision::Lcspr, "").is_ok());
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.slug()), Some(d));
        }
    }
}

pub mod lifecycle;
