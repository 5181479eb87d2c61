//! Fieldset (`govukFieldset`) with its legend.

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, html_safe, join_space};

/// The legend of a fieldset.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Legend {
    /// Legend text.
    pub text: String,
    /// Legend as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// Extra classes, e.g. `govuk-fieldset__legend--l`.
    pub classes: String,
    /// Wraps the legend text in an `<h1 class="govuk-fieldset__heading">`.
    pub is_page_heading: bool,
}

impl Legend {
    /// A legend with the given text.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// Makes the legend the page's `<h1>`, sized with `govuk-fieldset__legend--l`.
    #[must_use]
    pub fn page_heading(mut self) -> Self {
        self.is_page_heading = true;
        self.classes = join_space(&self.classes, "govuk-fieldset__legend--l");
        self
    }
}

/// Parameters of the fieldset component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "fieldset.html")]
pub struct Fieldset {
    /// `aria-describedby` ids.
    pub described_by: String,
    /// The legend.
    pub legend: Option<Legend>,
    /// Extra classes.
    pub classes: String,
    /// `role` attribute.
    pub role: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
    /// The fieldset's content as raw HTML.
    pub html: Option<String>,
}

html_safe!(Fieldset);

impl Fieldset {
    /// A fieldset with a text legend and the given inner HTML.
    pub fn new(legend: impl Into<String>, html: impl Into<String>) -> Self {
        Self {
            legend: Some(Legend::new(legend)),
            html: Some(html.into()),
            ..Self::default()
        }
    }
}
