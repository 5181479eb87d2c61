//! Reading forms and reporting what is wrong with them the GOV.UK way: an error summary at
//! the top linking to each field, and the message again by the field, with what the user
//! typed kept.

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A form body. Every field of `T` has a default, so a missing field is an empty value that
/// validation reports, not a rejected request.
pub struct FormData<T>(pub T);

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
        serde_urlencoded::from_bytes(&bytes)
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
            url::form_urlencoded::parse(&bytes).into_owned().collect(),
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
