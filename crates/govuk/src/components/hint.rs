//! Hint (`govukHint`).

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, html_safe};

/// Parameters of the hint component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "hint.html")]
pub struct Hint {
    /// `id` attribute (form components set it to `<field id>-hint`).
    pub id: String,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
    /// Hint text.
    pub text: String,
    /// Hint as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
}

html_safe!(Hint);

impl Hint {
    /// A hint with the given text.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }
}
