//! Label (`govukLabel`). Renders nothing when it has neither text nor HTML.

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, html_safe, join_space};

/// Parameters of the label component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "label.html")]
pub struct Label {
    /// Label text.
    pub text: String,
    /// Label as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// `for` attribute: the id of the labelled control.
    #[serde(rename = "for")]
    pub for_: String,
    /// Wraps the label in an `<h1 class="govuk-label-wrapper">`.
    pub is_page_heading: bool,
    /// Extra classes, e.g. `govuk-label--l`.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(Label);

impl Label {
    /// A label with the given text.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// Makes the label the page's `<h1>`, sized with `govuk-label--l`.
    #[must_use]
    pub fn page_heading(mut self) -> Self {
        self.is_page_heading = true;
        self.classes = join_space(&self.classes, "govuk-label--l");
        self
    }

    /// A copy with `for` set, as the form components pass it.
    pub(crate) fn for_control(&self, id: &str) -> Label {
        Label {
            for_: id.to_owned(),
            ..self.clone()
        }
    }
}
