//! Back link (`govukBackLink`).

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, html_safe};

/// Parameters of the back link component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "back_link.html")]
pub struct BackLink {
    /// Link target; defaults to `#`.
    pub href: String,
    /// Link text; defaults to "Back".
    pub text: String,
    /// Link content as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(BackLink);

impl BackLink {
    /// A "Back" link to `href`.
    pub fn new(href: impl Into<String>) -> Self {
        Self {
            href: href.into(),
            ..Self::default()
        }
    }

    /// Replaces the link text.
    #[must_use]
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = text.into();
        self
    }
}
