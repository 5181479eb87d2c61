//! Error message (`govukErrorMessage`).

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, de, html_safe};

/// Parameters of the error message component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "error_message.html")]
pub struct ErrorMessage {
    /// `id` attribute (form components set it to `<field id>-error`).
    pub id: String,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
    /// Message text.
    pub text: String,
    /// Message as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// Visually hidden prefix; defaults to "Error". Set to an empty string to
    /// leave it out.
    #[serde(deserialize_with = "de::opt_text")]
    pub visually_hidden_text: Option<String>,
}

html_safe!(ErrorMessage);

impl ErrorMessage {
    /// An error message with the given text.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    fn hidden_prefix(&self) -> &str {
        self.visually_hidden_text.as_deref().unwrap_or("Error")
    }
}
