//! Recommendations: what a source of learning says must change. A recommendation belongs to
//! exactly one source — a case review now; audits, Section 11, inspections, child deaths, deep
//! dives, youth voice and meetings as they arrive — and is addressed to the partnership as a
//! whole or to named agencies. Actions (the `actions` module) carry it out.

pub use crate::sources::SourceKind;

/// Who a recommendation asks to act.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Addressee {
    Partnership,
    Agencies(Vec<String>),
}

impl Addressee {
    /// From the form: "partnership", or "agencies" with at least one agency chosen.
    pub fn from_form(choice: &str, mut agencies: Vec<String>) -> Result<Addressee, &'static str> {
        agencies.sort();
        agencies.dedup();
        match choice {
            "partnership" => Ok(Addressee::Partnership),
            "agencies" if agencies.is_empty() => {
                Err("Choose at least one agency the recommendation is addressed to")
            }
            "agencies" => Ok(Addressee::Agencies(agencies)),
            _ => Err("Choose who the recommendation is addressed to"),
        }
    }

    pub fn slug(&self) -> &'static str {
        match self {
            Addressee::Partnership => "partnership",
            Addressee::Agencies(_) => "agencies",
        }
    }
}

/// The text of a finding or a recommendation: required, and short enough to read in a list.
pub fn check_text(s: &str, what: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(format!("Enter the {what}"));
    }
    if t.chars().count() > 4000 {
        return Err(format!("The {what} must be 4,000 characters or fewer"));
    }
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recommendation_to_agencies_names_at_least_one() {
        assert_eq!(
            Addressee::from_form("partnership", vec![]),
            Ok(Addressee::Partnership)
        );
        assert!(Addressee::from_form("agencies", vec![]).is_err());
        assert_eq!(
            Addressee::from_form("agencies", vec!["a".into()]),
            Ok(Addressee::Agencies(vec!["a".into()]))
        );
        assert!(Addressee::from_form("", vec![]).is_err());
    }

    #[test]
    fn text_is_required_and_bounded() {
        assert!(check_text("  ", "finding").is_err());
        assert!(check_text(&"x".repeat(4001), "finding").is_err());
        assert_eq!(check_text(" Do X ", "finding"), Ok("Do X".to_owned()));
        assert_eq!(
            SourceKind::parse("case_review"),
            Some(SourceKind::CaseReview)
        );
    }
}
