//! Inset text (`govukInsetText`).

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, html_safe};

/// Parameters of the inset text component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "inset_text.html")]
pub struct InsetText {
    /// Text content.
    pub text: String,
    /// Content as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// `id` attribute.
    pub id: String,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(InsetText);

impl InsetText {
    /// Inset text with the given text.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }
}
