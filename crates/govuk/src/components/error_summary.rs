//! Error summary (`govukErrorSummary`).

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, de, html_safe};

/// One error in the summary's list.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorSummaryItem {
    /// Link to the field with the error, e.g. `#email`.
    pub href: String,
    /// Error text.
    pub text: String,
    /// Error as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// Extra HTML attributes of the link.
    pub attributes: Attributes,
}

/// Parameters of the error summary component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "error_summary.html")]
pub struct ErrorSummary {
    /// Heading text, usually "There is a problem".
    pub title_text: String,
    /// Heading as raw HTML (takes precedence over `title_text`).
    pub title_html: Option<String>,
    /// Optional description under the heading.
    pub description_text: String,
    /// Description as raw HTML.
    pub description_html: Option<String>,
    /// The errors.
    #[serde(deserialize_with = "de::list")]
    pub error_list: Vec<ErrorSummaryItem>,
    /// Sets `data-disable-auto-focus` when given.
    pub disable_auto_focus: Option<bool>,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(ErrorSummary);

impl ErrorSummary {
    /// "There is a problem", listing each `(field_id, message)` as a link
    /// to `#field_id`.
    pub fn from_errors<I, K, V>(errors: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        Self {
            title_text: "There is a problem".to_owned(),
            error_list: errors
                .into_iter()
                .map(|(id, message)| ErrorSummaryItem {
                    href: format!("#{}", id.as_ref()),
                    text: message.into(),
                    ..ErrorSummaryItem::default()
                })
                .collect(),
            ..Self::default()
        }
    }

    /// True when there are no errors to show.
    pub fn is_empty(&self) -> bool {
        self.error_list.is_empty()
    }
}
