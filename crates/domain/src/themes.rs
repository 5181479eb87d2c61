//! Themes: the partnership's shared taxonomy of learning (SPEC.md §2), the national list every
//! partnership starts from, and the rules for changing it. Every later record (reviews,
//! lessons, audits, training, actions) is tagged from this list, so the rules of what a theme
//! may become live here, once, and the store and pages call them.

use crate::text::check_name;

/// The longest theme name a user may type.
pub const NAME_MAX: usize = 120;
/// The longest description a user may type.
pub const DESCRIPTION_MAX: usize = 600;

/// The themes national reviews use, with a plain-English line each: every new partnership is
/// seeded with these and may then add, rename, merge and retire its own.
pub const NATIONAL: [(&str, &str); 19] = [
    (
        "Multi-agency information sharing",
        "Whether agencies told each other what they knew, in time, so the whole picture was seen.",
    ),
    (
        "Risk assessment and decision making",
        "How risk to the child was judged, recorded and acted on, and whether decisions were revisited.",
    ),
    (
        "Professional curiosity and challenge",
        "Looking beyond what families say, asking the next question, and challenging other professionals.",
    ),
    (
        "Voice and lived experience of the child",
        "Whether professionals saw and heard the child and understood daily life from the child's view.",
    ),
    (
        "Neglect",
        "Persistent failure to meet a child's basic physical or emotional needs.",
    ),
    (
        "Domestic abuse",
        "Abuse between adults in the household and its harm to the children who live with it.",
    ),
    (
        "Parental mental health",
        "How a parent's or carer's mental ill health affected their care of the child.",
    ),
    (
        "Parental substance misuse",
        "How a parent's or carer's use of alcohol or drugs affected their care of the child.",
    ),
    (
        "Child sexual exploitation",
        "Children coerced or manipulated into sexual activity, including online.",
    ),
    (
        "Child criminal exploitation",
        "Children groomed or forced into crime, such as carrying drugs through county lines.",
    ),
    (
        "Safe sleep and sudden unexpected death in infancy",
        "Advice to families on safe sleeping for babies, and learning from sudden infant deaths.",
    ),
    (
        "Non-accidental injury in babies",
        "Injuries to babies who are not yet mobile, such as bruising, fractures and head injuries.",
    ),
    (
        "Men in the household (\"unseen men\")",
        "Fathers, partners and other men around the child whom professionals did not see or assess.",
    ),
    (
        "Adolescents and extra-familial harm",
        "Harm to young people from outside the family: peers, places, online spaces and exploitation.",
    ),
    (
        "Children with disabilities",
        "How disability or complex health needs affected the child's safety and how agencies responded.",
    ),
    (
        "Missing from education",
        "Children not in school, electively home educated or on reduced timetables, and who knew.",
    ),
    (
        "Thresholds and step-down",
        "How cases were judged against the levels of need, and how safely they moved between services.",
    ),
    (
        "Supervision and management oversight",
        "Whether practitioners had supervision that questioned their work and managers who checked it.",
    ),
    (
        "Culture and identity",
        "How the child's and family's culture, faith, language and identity were understood.",
    ),
];

/// Where a theme stands. A merged theme is final: its records have moved to the survivor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemeStatus {
    /// Offered when records are tagged.
    Active,
    /// Kept on the records already tagged, but no longer offered; can be restored.
    Retired,
    /// Folded into another theme, which now carries everything it was tagged on.
    Merged,
}

impl ThemeStatus {
    /// The stable name stored in the database.
    pub fn slug(self) -> &'static str {
        match self {
            ThemeStatus::Active => "active",
            ThemeStatus::Retired => "retired",
            ThemeStatus::Merged => "merged",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ThemeStatus::Active => "Active",
            ThemeStatus::Retired => "Retired",
            ThemeStatus::Merged => "Merged",
        }
    }

    pub fn from_slug(s: &str) -> Option<ThemeStatus> {
        [
            ThemeStatus::Active,
            ThemeStatus::Retired,
            ThemeStatus::Merged,
        ]
        .into_iter()
        .find(|t| t.slug() == s)
    }

    /// Name and description may change until the theme is merged away.
    pub fn can_edit(self) -> bool {
        self != ThemeStatus::Merged
    }

    pub fn can_retire(self) -> bool {
        self == ThemeStatus::Active
    }

    pub fn can_restore(self) -> bool {
        self == ThemeStatus::Retired
    }

    /// Only an active theme may be put on a record.
    pub fn can_tag(self) -> bool {
        self == ThemeStatus::Active
    }
}

/// A theme's name as the user typed it: trimmed, required, not too long.
pub fn check_theme_name(input: &str) -> Result<String, String> {
    check_name(input, "theme name", NAME_MAX)
}

/// A theme's description: optional, trimmed, not too long; line breaks allowed.
pub fn check_description(input: &str) -> Result<String, String> {
    let s = input.trim();
    if s.chars().count() > DESCRIPTION_MAX {
        return Err(format!(
            "The description must be {DESCRIPTION_MAX} characters or fewer"
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err("The description must not contain control characters".to_owned());
    }
    Ok(s.to_owned())
}

/// Whether theme `from` may be merged into theme `into` (ids and statuses of both).
///
/// A theme cannot merge into itself, nor into one that is retired or already merged (the
/// survivor must be one people can still tag with); a theme already merged cannot merge again.
pub fn check_merge(
    from_id: &str,
    from: ThemeStatus,
    into_id: &str,
    into: ThemeStatus,
) -> Result<(), String> {
    if from == ThemeStatus::Merged {
        return Err("This theme has already been merged into another".to_owned());
    }
    if from_id == into_id {
        return Err("Choose a different theme: a theme cannot be merged into itself".to_owned());
    }
    match into {
        ThemeStatus::Active => Ok(()),
        ThemeStatus::Retired => {
            Err("Choose an active theme: a retired theme cannot take in another".to_owned())
        }
        ThemeStatus::Merged => {
            Err("Choose an active theme: that theme has itself been merged into another".to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_national_list_is_valid_and_has_no_duplicates() {
        let mut seen = std::collections::HashSet::new();
        for (name, description) in NATIONAL {
            assert_eq!(check_theme_name(name).as_deref(), Ok(name), "{name}");
            assert_eq!(
                check_description(description).as_deref(),
                Ok(description),
                "{name}"
            );
            assert!(!description.is_empty(), "{name} needs a description");
            assert!(seen.insert(name.to_lowercase()), "{name} twice");
        }
        assert_eq!(seen.len(), 19);
    }

    #[test]
    fn names_are_trimmed_required_and_bounded() {
        assert_eq!(check_theme_name("  Neglect "), Ok("Neglect".into()));
        assert_eq!(check_theme_name("   "), Err("Enter the theme name".into()));
        assert!(check_theme_name(&"x".repeat(NAME_MAX + 1)).is_err());
        assert!(check_theme_name(&"x".repeat(NAME_MAX)).is_ok());
        assert!(check_theme_name("Bad\u{7}name").is_err());
    }

    #[test]
    fn descriptions_are_optional_and_bounded() {
        assert_eq!(check_description("  "), Ok(String::new()));
        assert_eq!(
            check_description(" Two\nlines "),
            Ok("Two\nlines".to_owned())
        );
        assert!(check_description(&"x".repeat(DESCRIPTION_MAX + 1)).is_err());
        assert!(check_description("bell\u{7}").is_err());
    }

    #[test]
    fn statuses_round_trip_and_say_what_may_happen() {
        for s in [
            ThemeStatus::Active,
            ThemeStatus::Retired,
            ThemeStatus::Merged,
        ] {
            assert_eq!(ThemeStatus::from_slug(s.slug()), Some(s));
        }
        assert_eq!(ThemeStatus::from_slug("deleted"), None);
        assert!(ThemeStatus::Active.can_retire() && !ThemeStatus::Retired.can_retire());
        assert!(ThemeStatus::Retired.can_restore() && !ThemeStatus::Active.can_restore());
        assert!(!ThemeStatus::Merged.can_edit() && !ThemeStatus::Merged.can_restore());
        assert!(!ThemeStatus::Merged.can_retire());
        assert!(ThemeStatus::Active.can_tag());
        assert!(!ThemeStatus::Retired.can_tag() && !ThemeStatus::Merged.can_tag());
    }

    #[test]
    fn a_theme_merges_into_another_active_theme() {
        use ThemeStatus::*;
        assert_eq!(check_merge("a", Active, "b", Active), Ok(()));
        // A retired theme's records can still be folded into a live one.
        assert_eq!(check_merge("a", Retired, "b", Active), Ok(()));
    }

    #[test]
    fn a_theme_cannot_merge_into_itself_or_into_a_retired_or_merged_theme() {
        use ThemeStatus::*;
        assert!(check_merge("a", Active, "a", Active).is_err());
        assert!(check_merge("a", Active, "b", Retired).is_err());
        assert!(check_merge("a", Active, "b", Merged).is_err());
        assert!(check_merge("a", Merged, "b", Active).is_err());
    }
}
