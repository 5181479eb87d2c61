//! Details (`govukDetails`).

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, html_safe};

/// Parameters of the details component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "details.html")]
pub struct Details {
    /// Summary (the clickable line) text.
    pub summary_text: String,
    /// Summary as raw HTML (takes precedence over `summary_text`).
    pub summary_html: Option<String>,
    /// Revealed text.
    pub text: String,
    /// Revealed content as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// `id` attribute.
    pub id: String,
    /// Expanded on load.
    pub open: bool,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(Details);

impl Details {
    /// Details with a summary line and revealed text.
    pub fn new(summary: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            summary_text: summary.into(),
            text: text.into(),
            ..Self::default()
        }
    }
}
