//! Generic header (`govukGenericHeader`): the header for services that are
//! not on GOV.UK (no crown, no GOV.UK logotype).

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, html_safe};

/// Parameters of the generic header component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "generic_header.html")]
pub struct GenericHeader {
    /// Target of the logo link; defaults to `/`.
    pub url: String,
    /// Logo text, usually the service or organisation name.
    pub logo_text: String,
    /// Logo as raw HTML (takes precedence over `logo_text`).
    pub logo_html: Option<String>,
    /// Container classes; defaults to `govuk-width-container`.
    pub container_classes: String,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(GenericHeader);

impl GenericHeader {
    /// A header whose logo is the text `name`, linking to `url`.
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            logo_text: name.into(),
            url: url.into(),
            ..Self::default()
        }
    }
}
