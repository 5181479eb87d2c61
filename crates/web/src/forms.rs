//! Reading forms and reporting what is wrong with them the GOV.UK way: an error summary at
//! the top linking to each field, and the message again by the field, with what the user
//! typed kept.

use axum::extract::{FromRequest, Request};
use learnloop_govuk::{Input, Select, Textarea};

use crate::error::AppError;

/// Text without NUL characters. Nobody types one, PostgreSQL cannot store one (the write
/// would fail), and it can cut a value short where it is read as C text: every form value and
/// query string loses them as it is read.
pub fn without_nul(s: &str) -> String {
    s.replace('\0', "")
}

/// A urlencoded body or query without its NUL characters (`%00`, or a raw NUL byte).
pub fn urlencoded_without_nul(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if !bytes.contains(&0) && !bytes.windows(3).any(|w| w == b"%00") {
        return std::borrow::Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"%00") {
            i += 3;
        } else {
            if bytes[i] != 0 {
                out.push(bytes[i]);
            }
            i += 1;
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The problems found in a form, in the order of the fields on the page.
#[derive(Clone, Debug, Default)]
pub struct Errors(Vec<(String, String)>);

impl Errors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field.to_owned(), message.into()));
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The error summary for the top of the page, linking to each field in order.
    pub fn summary(&self) -> learnloop_govuk::ErrorSummary {
        learnloop_govuk::ErrorSummary::from_errors(
            self.0.iter().map(|(f, m)| (f.as_str(), m.clone())),
        )
    }

    /// Records a domain check's problems against their fields; a date's problem (its key among
    /// `dates`) goes to the date's day box, where the error summary links.
    pub fn add_all(&mut self, list: Vec<(&'static str, String)>, dates: &[&str]) {
        for (field, m) in list {
            if dates.contains(&field) {
                self.add(&format!("{field}-day"), m);
            } else {
                self.add(field, m);
            }
        }
    }

    /// Keeps a value when it is valid, records the message when it is not.
    pub fn check<T, E: Into<String>>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e);
                None
            }
        }
    }
}

/// A form body read as name–value pairs. A missing field reads as empty, so validation
/// reports it rather than the request being refused; repeated names (checkboxes) are kept.
#[derive(Clone, Debug, Default)]
pub struct FormPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for FormPairs {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        Ok(FormPairs(
            url::form_urlencoded::parse(&urlencoded_without_nul(&bytes))
                .into_owned()
                .collect(),
        ))
    }
}

impl FormPairs {
    /// Adds a stored date as the three boxes of its date field (nothing when there is none).
    pub fn push_date(&mut self, key: &str, d: Option<chrono::NaiveDate>) {
        use chrono::Datelike;
        if let Some(d) = d {
            self.0.push((format!("{key}-day"), d.day().to_string()));
            self.0.push((format!("{key}-month"), d.month().to_string()));
            self.0.push((format!("{key}-year"), d.year().to_string()));
        }
    }

    /// A form holding these values, e.g. what is stored, for an edit page.
    pub fn from_values(pairs: &[(&str, &str)]) -> FormPairs {
        FormPairs(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    /// The first value of a field, or empty.
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// A date typed in the three boxes `{prefix}-day`, `-month`, `-year`; the message (if any)
    /// is recorded against `{prefix}-day`, the box the error summary links to.
    pub fn date(&self, prefix: &str, what: &str, errors: &mut Errors) -> Option<chrono::NaiveDate> {
        errors.check(
            &format!("{prefix}-day"),
            learnloop_domain::dates::parse_parts(
                &self.get(&format!("{prefix}-day")),
                &self.get(&format!("{prefix}-month")),
                &self.get(&format!("{prefix}-year")),
                what,
            ),
        )
    }

    /// An optional date: blank is None; anything typed must be a real date.
    pub fn optional_date(
        &self,
        prefix: &str,
        what: &str,
        errors: &mut Errors,
    ) -> Option<Option<chrono::NaiveDate>> {
        let blank = ["day", "month", "year"]
            .iter()
            .all(|p| self.get(&format!("{prefix}-{p}")).trim().is_empty());
        if blank {
            return Some(None);
        }
        self.date(prefix, what, errors).map(Some)
    }

    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

/// One helper behind every text input, text area and select: fills the field with what the
/// form holds under its name and the message recorded against that name.
pub trait Field: Sized {
    fn filled(self, f: &FormPairs, errors: &Errors) -> Self;
}

macro_rules! field {
    ($($t:ty),*) => {$(
        impl Field for $t {
            fn filled(self, f: &FormPairs, errors: &Errors) -> Self {
                let value = f.get(&self.name);
                let error = errors.get(&self.name);
                self.value(value).error(error)
            }
        }
    )*};
}

field!(Input, Textarea, Select);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn read(body: &[u8]) -> FormPairs {
        FormPairs(
            url::form_urlencoded::parse(&urlencoded_without_nul(body))
                .into_owned()
                .collect(),
        )
    }

    #[test]
    fn nul_characters_never_reach_a_value() {
        assert_eq!(
            &*urlencoded_without_nul(b"a=x%00y&b=%2500"),
            b"a=xy&b=%2500"
        );
        assert_eq!(&*urlencoded_without_nul(b"a=\0b"), b"a=b");
        assert_eq!(without_nul("a\0b"), "ab");
        let f = read(b"name=An%00n&email=a\0@b");
        assert_eq!(f.get("name"), "Ann");
        assert_eq!(f.get("email"), "a@b");
    }

    #[test]
    fn a_missing_field_reads_as_empty() {
        let f = read(b"name=Ann&tick=a&tick=&tick=b");
        assert_eq!(f.get("email"), "");
        assert_eq!(f.get("name"), "Ann");
        assert_eq!(f.all("tick"), ["a", "b"]);
        assert!(f.all("none").is_empty());
    }

    #[test]
    fn a_field_is_filled_from_the_form_and_its_errors() {
        let f = FormPairs::from_values(&[("name", "Ann")]);
        let mut errors = Errors::default();
        errors.add("name", "Enter a shorter name");
        let input = Input::new("name", "Name").filled(&f, &errors);
        assert_eq!(input.value.as_deref(), Some("Ann"));
        assert!(input.error_message.is_some());
        let text = Textarea::new("other", "Other").filled(&f, &errors);
        assert_eq!(text.value, "");
        assert!(text.error_message.is_none());
    }

    proptest::proptest! {
        /// Any bytes as a form body read as pairs, never a panic, and never a NUL.
        #[test]
        fn any_body_reads_as_a_form(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let f = read(&bytes);
            proptest::prop_assert!(f.0.iter().all(|(k, v)| !k.contains('\0') && !v.contains('\0')));
        }
    }
}
