//! Tag (`govukTag`).

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, html_safe};

/// Parameters of the tag component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "tag.html")]
pub struct Tag {
    /// Tag text.
    pub text: String,
    /// Tag as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// Extra classes, e.g. `govuk-tag--green`.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(Tag);

impl Tag {
    /// A tag in a colour: `grey`, `green`, `turquoise`, `blue`, `light-blue`,
    /// `purple`, `pink`, `red`, `orange` or `yellow` (adds the
    /// `govuk-tag--{colour}` modifier). An empty colour keeps the default.
    pub fn new(text: impl Into<String>, colour: &str) -> Self {
        Self {
            text: text.into(),
            classes: if colour.is_empty() {
                String::new()
            } else {
                format!("govuk-tag--{colour}")
            },
            ..Self::default()
        }
    }
}
