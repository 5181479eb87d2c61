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

/// A name a user typed for something: trimmed, not empty, not too long.
pub fn check_name(input: &str, what: &str, max: usize) -> Result<String, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err(format!("Enter the {what}"));
    }
    if s.chars().count() > max {
        return Err(format!("The {what} must be {max} characters or fewer"));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(format!("The {what} must not contain control characters"));
    }
    Ok(s.to_owned())
}

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
    fn names_are_trimmed_and_required() {
        assert_eq!(
            check_name("  Police ", "agency name", 10),
            Ok("Police".into())
        );
        assert_eq!(
            check_name("  ", "agency name", 10),
            Err("Enter the agency name".into())
        );
        assert!(check_name("x".repeat(11).as_str(), "agency name", 10).is_err());
    }

    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(
            slugify("Northbrook Safeguarding Children Partnership"),
            "northbrook-safeguarding-children-partnership"
        );
        assert_eq!(slugify("  A & B  "), "a-b");
    }
}
