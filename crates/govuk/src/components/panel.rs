//! Panel (`govukPanel`): the confirmation panel, or the interruption panel
//! when `classes` contains `govuk-panel--interruption`.

use askama::Template;
use serde::Deserialize;

use super::Button;
use crate::support::{Attributes, de, html_safe, join_space};

/// One action of an interruption panel: a button, or a link when it has an
/// `href` and is not of type `button`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PanelAction {
    /// Action text.
    pub text: String,
    /// Link target.
    pub href: String,
    /// Button type; defaults to `button`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

/// The actions of an interruption panel.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PanelActions {
    /// The actions.
    #[serde(deserialize_with = "de::list")]
    pub items: Vec<PanelAction>,
    /// Extra classes of the actions container.
    pub classes: String,
    /// Extra HTML attributes of the actions container.
    pub attributes: Attributes,
}

/// Parameters of the panel component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "panel.html")]
pub struct Panel {
    /// Title text.
    pub title_text: String,
    /// Title as raw HTML (takes precedence over `title_text`).
    pub title_html: Option<String>,
    /// Heading level of the title; defaults to 1.
    #[serde(deserialize_with = "de::opt_truthy")]
    pub heading_level: Option<String>,
    /// Body text.
    pub text: String,
    /// Body as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// Actions (interruption panels only).
    #[serde(deserialize_with = "de::opt_struct")]
    pub actions: Option<PanelActions>,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(Panel);

impl Panel {
    /// A confirmation panel with a title and body text.
    pub fn new(title: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            title_text: title.into(),
            text: text.into(),
            ..Self::default()
        }
    }

    fn is_interruption(&self) -> bool {
        self.classes.contains("govuk-panel--interruption")
    }

    fn level(&self) -> &str {
        self.heading_level.as_deref().unwrap_or("1")
    }

    fn action_button(action: &PanelAction) -> Button {
        Button {
            text: action.text.clone(),
            type_: if action.type_.is_empty() {
                "button".to_owned()
            } else {
                action.type_.clone()
            },
            classes: join_space("govuk-button--inverse", &action.classes),
            href: action.href.clone(),
            attributes: action.attributes.clone(),
            ..Button::default()
        }
    }
}
