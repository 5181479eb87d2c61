//! Reading forms and reporting what is wrong with them the GOV.UK way: an error summary at
//! the top linking to each field, and the message again by the field, with what the user
//! typed kept.

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A form body. Every field of `T` has a default, so a missing field is an empty value that
/// validation reports, not a rejected request.
pub struct FormData<T>(pub T);

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

impl<S, T> FromRequest<S> for FormData<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        serde_urlencoded::from_bytes(&urlencoded_without_nul(&bytes))
            .map(FormData)
            .map_err(|e| AppError::BadRequest(format!("form: {e}")))
    }
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

/// A form read as name–value pairs, for forms with repeated names (checkboxes).
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(serde::Deserialize, Default, Debug)]
    #[serde(default)]
    struct AnyForm {
        name: String,
        email: String,
        due: String,
    }

    #[test]
    fn nul_characters_never_reach_a_value() {
        assert_eq!(
            &*urlencoded_without_nul(b"a=x%00y&b=%2500"),
            b"a=xy&b=%2500"
        );
        assert_eq!(&*urlencoded_without_nul(b"a=\0b"), b"a=b");
        assert_eq!(without_nul("a\0b"), "ab");
    }

    proptest::proptest! {
        /// Any bytes as a form body: a value or a 400, never a panic, and never a NUL.
        #[test]
        fn any_body_reads_as_a_form_or_is_refused(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            if let Ok(f) = serde_urlencoded::from_bytes::<AnyForm>(&urlencoded_without_nul(&bytes)) {
                proptest::prop_assert!(!f.name.contains('\0') && !f.email.contains('\0') && !f.due.contains('\0'));
            }
            let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&urlencoded_without_nul(&bytes)).into_owned().collect();
            proptest::prop_assert!(pairs.iter().all(|(k, v)| !k.contains('\0') && !v.contains('\0')));
        }
    }
}
