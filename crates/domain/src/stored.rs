//! What a stored value that names a domain state (a status, a stage, a kind) turns into when it
//! names none: an error that says which value and what it should have been, so the store can
//! refuse the row and the log can show why.

/// A domain state stored as its slug: what a row's JSON (the audit trail's before and after)
/// shows for it, so the trail reads the same as the database.
pub trait Slug {
    fn slug(&self) -> &'static str;
}

/// A stored slug that is not one of the type's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct Unknown {
    /// What the value should have named ("action status").
    pub what: &'static str,
    /// The value as stored.
    pub value: String,
}

/// Reads a stored slug with the type's parser, or says what was wrong with it.
pub fn decode<T>(
    value: String,
    what: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, Unknown> {
    parse(&value).ok_or(Unknown { what, value })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_unknown_value_is_named_in_the_message() {
        let e = decode::<u8>("soon".into(), "action status", |_| None).unwrap_err();
        assert_eq!(e.to_string(), "unknown action status \"soon\"");
    }
}
