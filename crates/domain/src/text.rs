//! Text people type: a name on one line, or a block from a textarea. Every form's free text
//! goes through one of these, so the same rules (trimmed, required, within a length, no control
//! characters) and the same sentences hold everywhere.

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

/// Text typed in a textarea: like [`check_name`], but the line breaks a browser sends (as
/// CRLF) are kept, as newlines, and so are tabs; any other control character is refused.
pub fn check_text_block(input: &str, what: &str, max: usize) -> Result<String, String> {
    let s = input.replace("\r\n", "\n").replace('\r', "\n");
    let s = s.trim();
    if s.is_empty() {
        return Err(format!("Enter the {what}"));
    }
    if s.chars().count() > max {
        return Err(format!("The {what} must be {max} characters or fewer"));
    }
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
    {
        return Err(format!("The {what} must not contain control characters"));
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod text_block_tests {
    use super::{check_name, check_text_block};

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
    fn a_textarea_keeps_its_lines_and_refuses_other_control_characters() {
        assert_eq!(
            check_text_block(" One\r\nTwo\rThree\n ", "lines", 100),
            Ok("One\nTwo\nThree".to_owned())
        );
        assert!(check_text_block("One\u{7}", "lines", 100).is_err());
        assert!(check_text_block(" \r\n ", "lines", 100).is_err());
        assert!(check_text_block("a\nb", "lines", 2).is_err());
    }
}
