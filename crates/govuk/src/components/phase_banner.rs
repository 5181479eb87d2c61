//! Phase banner (`govukPhaseBanner`).

use askama::Template;
use serde::Deserialize;

use super::Tag;
use crate::support::{Attributes, html_safe, join_space};

/// Parameters of the phase banner component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "phase_banner.html")]
pub struct PhaseBanner {
    /// The phase tag, e.g. "Beta".
    pub tag: Tag,
    /// Banner text.
    pub text: String,
    /// Banner as raw HTML (takes precedence over `text`), usually with a
    /// feedback link.
    pub html: Option<String>,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(PhaseBanner);

impl PhaseBanner {
    /// A phase banner with a phase tag (e.g. "Beta") and raw HTML text.
    pub fn new(phase: impl Into<String>, html: impl Into<String>) -> Self {
        Self {
            tag: Tag {
                text: phase.into(),
                ..Tag::default()
            },
            html: Some(html.into()),
            ..Self::default()
        }
    }

    fn phase_tag(&self) -> Tag {
        Tag {
            classes: join_space("govuk-phase-banner__content__tag", &self.tag.classes),
            attributes: Attributes::new(),
            ..self.tag.clone()
        }
    }
}
