//! Button (`govukButton`): a `<button>`, or a link styled as a button when
//! `href` is set.

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, de, html_safe, join_space};

/// Parameters of the button component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "button.html")]
pub struct Button {
    /// Button text.
    pub text: String,
    /// Button content as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// `name` attribute of the `<button>`.
    pub name: String,
    /// `type` of the `<button>`; defaults to `submit`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `value` attribute of the `<button>`.
    #[serde(deserialize_with = "de::text")]
    pub value: String,
    /// Disables the button.
    pub disabled: bool,
    /// Renders a link (`<a role="button">`) to this URL instead of a `<button>`.
    pub href: String,
    /// Extra classes, e.g. `govuk-button--secondary`.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
    /// Sets `data-prevent-double-click` when given.
    pub prevent_double_click: Option<bool>,
    /// Start button: adds the arrow icon and `govuk-button--start`.
    pub is_start_button: bool,
    /// `id` attribute.
    pub id: String,
}

html_safe!(Button);

impl Button {
    /// A submit button with the given text.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// Adds `govuk-button--secondary`.
    #[must_use]
    pub fn secondary(self) -> Self {
        self.class("govuk-button--secondary")
    }

    /// Adds `govuk-button--warning`.
    #[must_use]
    pub fn warning(self) -> Self {
        self.class("govuk-button--warning")
    }

    /// Adds a class.
    #[must_use]
    pub fn class(mut self, class: &str) -> Self {
        self.classes = join_space(&self.classes, class);
        self
    }

    /// Makes this a link styled as a button.
    #[must_use]
    pub fn href(mut self, href: impl Into<String>) -> Self {
        self.href = href.into();
        self
    }

    /// Sets the `name` and `value` submitted with the form.
    #[must_use]
    pub fn name_value(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.name = name.into();
        self.value = value.into();
        self
    }

    /// Sets `data-prevent-double-click="true"`.
    #[must_use]
    pub fn prevent_double_click(mut self) -> Self {
        self.prevent_double_click = Some(true);
        self
    }

    fn class_names(&self) -> String {
        let mut c = join_space("govuk-button", &self.classes);
        if self.is_start_button {
            c.push_str(" govuk-button--start");
        }
        c
    }
}
