//! A commissioned review's life: its type, the order of its steps (terms of reference and a
//! reviewer, drafts, the final report, the publication decision), which clocks run on it, and
//! the seven-working-day notice the Panel and the Secretary of State must have before a report
//! is published.

use chrono::NaiveDate;

use super::{Category, Decision, Stage};
use crate::clocks::{Calendar, ClockRule};

/// What kind of review a case is (once decided or recorded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewType {
    Lcspr,
    LocalLearningReview,
    SingleAgencyReview,
    /// A domestic homicide review, decided by the community safety partnership chair.
    Dhr,
    /// An agency's internal management review.
    ManagementReview,
    /// A serious case review from before 2018, kept for its learning.
    LegacyScr,
    /// Another partnership's published review, used here for learning.
    OtherPartnership,
    /// A national review by the Child Safeguarding Practice Review Panel.
    National,
}

impl ReviewType {
    pub const ALL: [ReviewType; 8] = [
        ReviewType::Lcspr,
        ReviewType::LocalLearningReview,
        ReviewType::SingleAgencyReview,
        ReviewType::Dhr,
        ReviewType::ManagementReview,
        ReviewType::LegacyScr,
        ReviewType::OtherPartnership,
        ReviewType::National,
    ];

    /// The types recorded directly, without a rapid review of ours.
    pub const RECORDED: [ReviewType; 5] = [
        ReviewType::Dhr,
        ReviewType::ManagementReview,
        ReviewType::LegacyScr,
        ReviewType::OtherPartnership,
        ReviewType::National,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            ReviewType::Lcspr => "lcspr",
            ReviewType::LocalLearningReview => "local-learning-review",
            ReviewType::SingleAgencyReview => "single-agency-review",
            ReviewType::Dhr => "dhr",
            ReviewType::ManagementReview => "management-review",
            ReviewType::LegacyScr => "legacy-scr",
            ReviewType::OtherPartnership => "other-partnership",
            ReviewType::National => "national",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewType::Lcspr => "Local child safeguarding practice review",
            ReviewType::LocalLearningReview => "Local learning review",
            ReviewType::SingleAgencyReview => "Single-agency review",
            ReviewType::Dhr => "Domestic homicide review",
            ReviewType::ManagementReview => "Management review",
            ReviewType::LegacyScr => "Serious case review (before 2018)",
            ReviewType::OtherPartnership => "Another partnership's review",
            ReviewType::National => "National review",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewType> {
        ReviewType::ALL.into_iter().find(|t| t.slug() == s)
    }

    /// The review a signed-off decision commissions; none when no further review was decided.
    pub fn from_decision(d: Decision) -> Option<ReviewType> {
        match d {
            Decision::Lcspr => Some(ReviewType::Lcspr),
            Decision::LocalLearningReview => Some(ReviewType::LocalLearningReview),
            Decision::SingleAgencyReview => Some(ReviewType::SingleAgencyReview),
            Decision::NoFurtherReview => None,
        }
    }

    /// Reviews the partnership runs itself (terms, reviewer, drafts). Others' reviews are
    /// recorded for their findings and recommendations only.
    pub fn is_run_here(self) -> bool {
        !matches!(self, ReviewType::OtherPartnership | ReviewType::National)
    }

    /// The statutory duty to send the final report to the Panel and the Secretary of State and
    /// to publish within six months applies to local child safeguarding practice reviews.
    pub fn is_statutory(self) -> bool {
        self == ReviewType::Lcspr
    }
}

/// How a review is carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Methodology {
    SystemsApproach,
    AppreciativeInquiry,
    Thematic,
    Hybrid,
}

impl Methodology {
    pub const ALL: [Methodology; 4] = [
        Methodology::SystemsApproach,
        Methodology::AppreciativeInquiry,
        Methodology::Thematic,
        Methodology::Hybrid,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Methodology::SystemsApproach => "systems",
            Methodology::AppreciativeInquiry => "appreciative-inquiry",
            Methodology::Thematic => "thematic",
            Methodology::Hybrid => "hybrid",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Methodology::SystemsApproach => "Systems approach",
            Methodology::AppreciativeInquiry => "Appreciative inquiry",
            Methodology::Thematic => "Thematic review",
            Methodology::Hybrid => "Hybrid",
        }
    }

    pub fn parse(s: &str) -> Option<Methodology> {
        Methodology::ALL.into_iter().find(|m| m.slug() == s)
    }
}

/// A step in a review's life. Each is allowed only from certain stages, and moves the case on
/// (never back).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Terms of reference agreed and the reviewer appointed (may be revised until the final report).
    Terms,
    /// A draft report version added.
    Draft,
    /// The final report recorded.
    Final,
    /// The publication decision recorded; `closes` when the report is published or will not be.
    Publication { closes: bool },
}

/// The stage after `step`, or why the step cannot be taken now.
pub fn advance(stage: Stage, step: Step) -> Result<Stage, &'static str> {
    use Stage as S;
    match step {
        Step::Terms => match stage {
            S::Decided | S::InReview | S::DraftReport => Ok(stage.max(S::InReview)),
            S::Referred | S::Notified | S::RapidReview => Err(
                "The decision to review must be signed off before terms of reference are agreed",
            ),
            _ => Err("The final report is in: the terms of reference can no longer change"),
        },
        Step::Draft => match stage {
            S::InReview | S::DraftReport => Ok(S::DraftReport),
            S::Referred | S::Notified | S::RapidReview | S::Decided => Err(
                "Agree the terms of reference and appoint the reviewer before adding a draft report",
            ),
            _ => Err("The final report is in: add no more drafts"),
        },
        Step::Final => match stage {
            S::DraftReport => Ok(S::FinalReport),
            S::FinalReport | S::PublicationDecided | S::Closed => {
                Err("The final report has already been recorded")
            }
            _ => Err("Add at least one draft report before the final report"),
        },
        Step::Publication { closes } => match stage {
            S::FinalReport | S::PublicationDecided => Ok(if closes {
                S::Closed
            } else {
                S::PublicationDecided
            }),
            S::Closed => Err("The review is closed: its publication has been recorded"),
            _ => Err("Record the final report before deciding on publication"),
        },
    }
}

/// Whether a clock rule runs on a case: its own intake clocks by category; the six-month
/// publication clock and the notice to the Panel for local child safeguarding practice reviews;
/// and any local rule the partnership counts from one of a case's events.
pub fn clock_applies(rule: &ClockRule, category: Category, review: Option<ReviewType>) -> bool {
    match rule.slug.as_str() {
        "notify-panel" | "inform-partners" | "rapid-review" => {
            super::intake_clocks(category).contains(&rule.slug.as_str())
        }
        "lcspr-publish" | "final-report-to-panel" => review.is_some_and(ReviewType::is_statutory),
        _ if rule.statutory => false,
        _ => CASE_EVENTS.contains(&rule.starts_on.as_str()),
    }
}

/// The events on a case that a clock can count from.
pub const CASE_EVENTS: [&str; 4] = ["aware", "notified", "decision", "publication"];

/// What is decided about publishing the final report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Publication {
    Publish,
    PublishRedacted,
    DoNotPublish,
}

impl Publication {
    pub const ALL: [Publication; 3] = [
        Publication::Publish,
        Publication::PublishRedacted,
        Publication::DoNotPublish,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Publication::Publish => "publish",
            Publication::PublishRedacted => "publish-redacted",
            Publication::DoNotPublish => "do-not-publish",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Publication::Publish => "Publish in full",
            Publication::PublishRedacted => "Publish with redactions",
            Publication::DoNotPublish => "Do not publish",
        }
    }

    pub fn parse(s: &str) -> Option<Publication> {
        Publication::ALL.into_iter().find(|p| p.slug() == s)
    }
}

/// The notice the Panel and the Secretary of State must have before publication.
pub const NOTICE_WORKING_DAYS: u32 = 7;

/// The latest day the final report can go to the Panel and the Secretary of State for a
/// publication on `publish_on`.
pub fn notice_due(cal: &Calendar, publish_on: NaiveDate) -> NaiveDate {
    cal.subtract_working_days(publish_on, NOTICE_WORKING_DAYS)
}

/// Whether the report went (or is to go) early enough: `None` if either date is unknown.
pub fn enough_notice(
    cal: &Calendar,
    sent_on: Option<NaiveDate>,
    publish_on: Option<NaiveDate>,
) -> Option<bool> {
    Some(sent_on? <= notice_due(cal, publish_on?))
}

/// Who referred a case for consideration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferralSource {
    Agency,
    ChildDeathOverview,
    Audit,
    Chair,
}

impl ReferralSource {
    pub const ALL: [ReferralSource; 4] = [
        ReferralSource::Agency,
        ReferralSource::ChildDeathOverview,
        ReferralSource::Audit,
        ReferralSource::Chair,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            ReferralSource::Agency => "agency",
            ReferralSource::ChildDeathOverview => "cdop",
            ReferralSource::Audit => "audit",
            ReferralSource::Chair => "chair",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReferralSource::Agency => "An agency's safeguarding lead",
            ReferralSource::ChildDeathOverview => "The child death overview panel",
            ReferralSource::Audit => "A multi-agency audit",
            ReferralSource::Chair => "The independent chair or a group chair",
        }
    }

    pub fn parse(s: &str) -> Option<ReferralSource> {
        ReferralSource::ALL.into_iter().find(|r| r.slug() == s)
    }
}

/// How a domestic homicide review relates to the local child safeguarding practice review of
/// the same events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// One joint review: a joint panel, one set of recommendations and one action plan.
    Joint,
    /// Separate reports that refer to each other.
    Linked,
}

impl Link {
    pub fn slug(self) -> &'static str {
        match self {
            Link::Joint => "joint",
            Link::Linked => "linked",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Link::Joint => "Joint review: one panel, one set of recommendations, one action plan",
            Link::Linked => "Separate linked reports",
        }
    }

    pub fn parse(s: &str) -> Option<Link> {
        [Link::Joint, Link::Linked]
            .into_iter()
            .find(|l| l.slug() == s)
    }
}

/// What an agency is asked to return: a summary for a rapid review, or a report and
/// chronology for a commissioned review. Both are written by the agency's own lead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgencyReturn {
    Summary,
    Report,
}

impl AgencyReturn {
    pub fn slug(self) -> &'static str {
        match self {
            AgencyReturn::Summary => "rapid-review",
            AgencyReturn::Report => "review",
        }
    }

    /// The part of the address: `/reviews/{id}/summaries/{agency}` or `.../reports/{agency}`.
    pub fn path(self) -> &'static str {
        match self {
            AgencyReturn::Summary => "summaries",
            AgencyReturn::Report => "reports",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            AgencyReturn::Summary => "summary",
            AgencyReturn::Report => "report and chronology",
        }
    }

    /// The question set it is asked on (a return, MODEL.md): one per partnership and kind.
    pub fn question_set(self) -> &'static str {
        match self {
            AgencyReturn::Summary => "Agency summary for a rapid review",
            AgencyReturn::Report => "Agency report and chronology for a review",
        }
    }

    /// Its lines: the chronology, then the analysis. Ungraded.
    pub fn lines(self) -> [&'static str; 2] {
        match self {
            AgencyReturn::Summary => [
                "Chronology of your agency's involvement",
                "Analysis: what went well, what could have been done differently, and any learning",
            ],
            AgencyReturn::Report => [
                "Chronology of your agency's involvement",
                "Report: your agency's analysis of its practice and its own learning",
            ],
        }
    }

    pub fn parse(s: &str) -> Option<AgencyReturn> {
        [AgencyReturn::Summary, AgencyReturn::Report]
            .into_iter()
            .find(|r| r.slug() == s)
    }
}

/// Key lines of enquiry, one per line; blank lines dropped.
pub fn lines_of_enquiry(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(ToOwned::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clocks::seeded_rules;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn a_review_moves_forward_through_its_steps_and_never_back() {
        let mut s = Stage::Decided;
        for step in [Step::Terms, Step::Draft, Step::Draft, Step::Final] {
            s = advance(s, step).unwrap_or(Stage::Referred);
        }
        assert_eq!(s, Stage::FinalReport);
        assert_eq!(
            advance(s, Step::Publication { closes: false }),
            Ok(Stage::PublicationDecided)
        );
        assert_eq!(
            advance(
                Stage::PublicationDecided,
                Step::Publication { closes: true }
            ),
            Ok(Stage::Closed)
        );
        // Revising the terms while drafts come in keeps the stage.
        assert_eq!(
            advance(Stage::DraftReport, Step::Terms),
            Ok(Stage::DraftReport)
        );
    }

    #[test]
    fn steps_out_of_order_are_refused_with_a_reason() {
        assert!(advance(Stage::RapidReview, Step::Terms).is_err());
        assert!(advance(Stage::Decided, Step::Draft).is_err());
        assert!(advance(Stage::InReview, Step::Final).is_err());
        assert!(advance(Stage::DraftReport, Step::Publication { closes: true }).is_err());
        assert!(advance(Stage::FinalReport, Step::Terms).is_err());
        assert!(advance(Stage::FinalReport, Step::Draft).is_err());
        assert!(advance(Stage::Closed, Step::Publication { closes: true }).is_err());
        // Every pair either moves forward or is refused.
        for stage in Stage::ALL {
            for step in [
                Step::Terms,
                Step::Draft,
                Step::Final,
                Step::Publication { closes: false },
                Step::Publication { closes: true },
            ] {
                if let Ok(next) = advance(stage, step) {
                    assert!(next >= stage, "{stage:?} {step:?}");
                }
            }
        }
    }

    #[test]
    fn only_practice_reviews_carry_the_publication_clocks() {
        let rules = seeded_rules();
        let get = |slug: &str| rules.iter().find(|r| r.slug == slug).cloned();
        let Some(publish) = get("lcspr-publish") else {
            panic!("seeded rule missing")
        };
        let cat = Category::DeathOrSeriousHarm;
        assert!(clock_applies(&publish, cat, Some(ReviewType::Lcspr)));
        assert!(!clock_applies(
            &publish,
            cat,
            Some(ReviewType::LocalLearningReview)
        ));
        assert!(!clock_applies(&publish, cat, None));
        let Some(rapid) = get("rapid-review") else {
            panic!("seeded rule missing")
        };
        assert!(clock_applies(&rapid, cat, None));
        assert!(!clock_applies(&rapid, Category::CareLeaverDeath, None));
        assert!(!clock_applies(&rapid, Category::Referral, None));
        // A seeded local rule counted from something that is not a case event does not apply.
        let Some(papers) = get("meeting-papers") else {
            panic!("seeded rule missing")
        };
        assert!(!clock_applies(&papers, cat, Some(ReviewType::Lcspr)));
        let mut local = papers.clone();
        local.starts_on = "decision".into();
        assert!(clock_applies(&local, cat, Some(ReviewType::Dhr)));
    }

    #[test]
    fn the_panel_needs_seven_working_days_notice() {
        let cal = Calendar::england_and_wales();
        // Publication on Friday 18 June 2027: notice due by Wednesday 9 June.
        let publish = d(2027, 6, 18);
        assert_eq!(notice_due(&cal, publish), d(2027, 6, 9));
        assert_eq!(
            enough_notice(&cal, Some(d(2027, 6, 9)), Some(publish)),
            Some(true)
        );
        assert_eq!(
            enough_notice(&cal, Some(d(2027, 6, 10)), Some(publish)),
            Some(false)
        );
        assert_eq!(enough_notice(&cal, None, Some(publish)), None);
    }

    #[test]
    fn slugs_round_trip() {
        for t in ReviewType::ALL {
            assert_eq!(ReviewType::parse(t.slug()), Some(t));
        }
        for m in Methodology::ALL {
            assert_eq!(Methodology::parse(m.slug()), Some(m));
        }
        for p in Publication::ALL {
            assert_eq!(Publication::parse(p.slug()), Some(p));
        }
        for r in ReferralSource::ALL {
            assert_eq!(ReferralSource::parse(r.slug()), Some(r));
        }
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.slug()), Some(s));
        }
        assert_eq!(ReviewType::from_decision(Decision::NoFurtherReview), None);
        assert_eq!(
            lines_of_enquiry("  a \n\n b\n"),
            vec!["a".to_owned(), "b".to_owned()]
        );
    }
}
