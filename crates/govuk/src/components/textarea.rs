//! Textarea (`govukTextarea`).

use askama::Template;
use serde::Deserialize;

use super::form_group::{FormGroup, push_id};
use super::{ErrorMessage, Hint, Label};
use crate::support::{Attributes, de, html_safe};

/// Parameters of the textarea component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "textarea.html")]
pub struct Textarea {
    /// `id`; defaults to `name`.
    pub id: String,
    /// `name` attribute.
    pub name: String,
    /// `spellcheck` attribute when given.
    pub spellcheck: Option<bool>,
    /// Number of rows; defaults to 5.
    #[serde(deserialize_with = "de::text")]
    pub rows: String,
    /// Current value.
    #[serde(deserialize_with = "de::text")]
    pub value: String,
    /// Disables the textarea.
    pub disabled: bool,
    /// Extra `aria-describedby` ids.
    pub described_by: String,
    /// The label.
    pub label: Label,
    /// Optional hint.
    #[serde(deserialize_with = "de::opt_struct")]
    pub hint: Option<Hint>,
    /// Error message; also switches on the error styles.
    #[serde(deserialize_with = "de::opt_struct")]
    pub error_message: Option<ErrorMessage>,
    /// The form group wrapper.
    pub form_group: FormGroup,
    /// Extra classes.
    pub classes: String,
    /// `autocomplete` attribute.
    pub autocomplete: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(Textarea);

impl Textarea {
    /// A textarea whose `id` and `name` are `id_and_name`, with a label.
    pub fn new(id_and_name: impl Into<String>, label: impl Into<String>) -> Self {
        let id = id_and_name.into();
        Self {
            name: id.clone(),
            id,
            label: Label::new(label),
            ..Self::default()
        }
    }

    /// Sets the current value.
    #[must_use]
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = value.into();
        self
    }

    /// Shows an error message when `Some`.
    #[must_use]
    pub fn error(mut self, message: Option<&str>) -> Self {
        self.error_message = message.map(ErrorMessage::new);
        self
    }

    /// Adds a hint.
    #[must_use]
    pub fn hint(mut self, text: impl Into<String>) -> Self {
        self.hint = Some(Hint::new(text));
        self
    }

    /// Sets the number of rows.
    #[must_use]
    pub fn rows(mut self, rows: u32) -> Self {
        self.rows = rows.to_string();
        self
    }

    /// Makes the label the page's `<h1>`.
    #[must_use]
    pub fn page_heading(mut self) -> Self {
        self.label = self.label.page_heading();
        self
    }

    /// The control's id: `id`, or `name` when no id is given.
    pub fn control_id(&self) -> &str {
        if self.id.is_empty() {
            &self.name
        } else {
            &self.id
        }
    }

    fn label_for(&self) -> Label {
        self.label.for_control(self.control_id())
    }

    fn hint_for(&self) -> Option<Hint> {
        self.hint.as_ref().map(|h| Hint {
            id: format!("{}-hint", self.control_id()),
            ..h.clone()
        })
    }

    fn error_for(&self) -> Option<ErrorMessage> {
        self.error_message.as_ref().map(|e| ErrorMessage {
            id: format!("{}-error", self.control_id()),
            ..e.clone()
        })
    }

    fn aria_described_by(&self) -> String {
        let mut d = self.described_by.clone();
        if self.hint.is_some() {
            push_id(&mut d, &format!("{}-hint", self.control_id()));
        }
        if self.error_message.is_some() {
            push_id(&mut d, &format!("{}-error", self.control_id()));
        }
        d
    }

    fn rows_or_default(&self) -> &str {
        if self.rows.is_empty() || self.rows == "0" {
            "5"
        } else {
            &self.rows
        }
    }
}
