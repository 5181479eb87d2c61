//! Sources of learning: every record learning can come from — a case review and a meeting
//! now; audits, Section 11 self-assessments, inspections, child death reports, deep dives,
//! youth-voice events and external reviews as their modules arrive. Each is named everywhere
//! by one [`SourceKind`] (stored as `source_kind`, `source_id`); a new module adds one variant
//! and the compiler lists every place that must say what it means for it.

/// The kinds of record learning (recommendations, actions, lessons) can come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    CaseReview,
    /// A meeting of a group: its actions.
    Meeting,
    /// A multi-agency audit: its overview report's recommendations.
    Audit,
    /// A year's single-agency assurance: the agencies' own quality-assurance returns.
    Assurance,
    /// A Section 11 cycle: the agencies' self-assessments and their improvement actions.
    Section11,
    /// A training session: its participants' and their managers' three-month follow-ups.
    Training,
    /// A deep dive into a focus area of the performance data: the agencies' analyses, the
    /// meeting's discussion and its recommendations.
    DeepDive,
    /// An inspection of the partnership's agencies: its recommendations.
    Inspection,
    /// The child death overview panel's annual report: its recommendations to agencies.
    ChildDeathReport,
    /// An event where young people spoke: what they said that needs an answer ("you said").
    VoiceEvent,
}

impl SourceKind {
    pub const ALL: [SourceKind; 10] = [
        SourceKind::CaseReview,
        SourceKind::Meeting,
        SourceKind::Audit,
        SourceKind::Assurance,
        SourceKind::Section11,
        SourceKind::Training,
        SourceKind::DeepDive,
        SourceKind::Inspection,
        SourceKind::ChildDeathReport,
        SourceKind::VoiceEvent,
    ];

    /// The stable name stored in `source_kind` columns and typed in addresses.
    pub fn slug(self) -> &'static str {
        match self {
            SourceKind::CaseReview => "case_review",
            SourceKind::Meeting => "meeting",
            SourceKind::Audit => "audit",
            SourceKind::Assurance => "assurance",
            SourceKind::Section11 => "section11",
            SourceKind::Training => "training",
            SourceKind::DeepDive => "deep_dive",
            SourceKind::Inspection => "inspection",
            SourceKind::ChildDeathReport => "cdop_report",
            SourceKind::VoiceEvent => "voice_event",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SourceKind::CaseReview => "Case review",
            SourceKind::Meeting => "Meeting",
            SourceKind::Audit => "Audit",
            SourceKind::Assurance => "Single-agency assurance",
            SourceKind::Section11 => "Section 11",
            SourceKind::Training => "Training",
            SourceKind::DeepDive => "Deep dive",
            SourceKind::Inspection => "Inspection",
            SourceKind::ChildDeathReport => "Child death overview panel report",
            SourceKind::VoiceEvent => "Youth voice",
        }
    }

    /// For filters: "Case reviews", "Meetings".
    pub fn plural_label(self) -> &'static str {
        match self {
            SourceKind::CaseReview => "Case reviews",
            SourceKind::Meeting => "Meetings",
            SourceKind::Audit => "Audits",
            SourceKind::Assurance => "Single-agency assurance",
            SourceKind::Section11 => "Section 11 cycles",
            SourceKind::Training => "Training sessions",
            SourceKind::DeepDive => "Deep dives",
            SourceKind::Inspection => "Inspections",
            SourceKind::ChildDeathReport => "Child death overview panel reports",
            SourceKind::VoiceEvent => "Youth voice (you said, we did)",
        }
    }

    /// The page of one source of this kind.
    pub fn path(self, id: &str) -> String {
        match self {
            SourceKind::CaseReview => format!("/reviews/{id}"),
            SourceKind::Meeting => format!("/meetings/{id}"),
            SourceKind::Audit => format!("/audits/{id}"),
            SourceKind::Assurance => format!("/assurance/{id}"),
            SourceKind::Section11 => format!("/section11/{id}"),
            SourceKind::Training => format!("/training/sessions/{id}"),
            SourceKind::DeepDive => format!("/performance/deep-dives/{id}"),
            SourceKind::Inspection => format!("/inspections/{id}"),
            SourceKind::ChildDeathReport => format!("/child-deaths/reports/{id}"),
            SourceKind::VoiceEvent => format!("/voice/events/{id}"),
        }
    }

    /// Whether sources of this kind make numbered recommendations (a meeting makes actions
    /// directly).
    pub fn raises_recommendations(self) -> bool {
        match self {
            SourceKind::CaseReview => true,
            SourceKind::Meeting => false,
            SourceKind::Audit => true,
            SourceKind::Assurance => false,
            SourceKind::Section11 => false,
            SourceKind::Training => false,
            SourceKind::DeepDive => true,
            SourceKind::Inspection => true,
            SourceKind::ChildDeathReport => true,
            SourceKind::VoiceEvent => true,
        }
    }

    pub fn parse(s: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|k| k.slug() == s)
    }
}

/// Written as its slug (in forms and addresses).
impl std::fmt::Display for SourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

/// Read from a stored `source_kind`: an unknown value is an error, never a default.
impl TryFrom<String> for SourceKind {
    type Error = crate::stored::Unknown;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        crate::stored::decode(s, "source kind", SourceKind::parse)
    }
}

impl crate::stored::Slug for SourceKind {
    fn slug(&self) -> &'static str {
        SourceKind::slug(*self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_slug_and_nothing_else_does() {
        for k in SourceKind::ALL {
            assert_eq!(SourceKind::parse(k.slug()), Some(k));
            assert_eq!(SourceKind::try_from(k.slug().to_owned()), Ok(k));
            assert!(k.path("x").ends_with("/x"));
        }
        assert!(SourceKind::try_from("case-review".to_owned()).is_err());
        assert!(SourceKind::CaseReview.raises_recommendations());
        assert!(!SourceKind::Meeting.raises_recommendations());
    }
}
