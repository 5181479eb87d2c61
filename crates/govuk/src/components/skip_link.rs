//! Skip link (`govukSkipLink`).

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, html_safe};

/// Parameters of the skip link component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "skip_link.html")]
pub struct SkipLink {
    /// Link text, usually "Skip to main content".
    pub text: String,
    /// Link content as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// Link target; defaults to `#content`.
    pub href: String,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(SkipLink);

impl SkipLink {
    /// "Skip to main content", linking to `#main-content`.
    pub fn main_content() -> Self {
        Self {
            text: "Skip to main content".to_owned(),
            href: "#main-content".to_owned(),
            ..Self::default()
        }
    }
}
