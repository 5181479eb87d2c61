//! Warning text (`govukWarningText`).

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, html_safe};

/// Parameters of the warning text component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "warning_text.html")]
pub struct WarningText {
    /// Warning text.
    pub text: String,
    /// Warning as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// Visually hidden text before the warning; defaults to "Warning".
    pub icon_fallback_text: String,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(WarningText);

impl WarningText {
    /// Warning text with the given text.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }
}
