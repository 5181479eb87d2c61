//! Select (`govukSelect`).

use askama::Template;
use serde::Deserialize;

use super::form_group::{FormGroup, push_id};
use super::{ErrorMessage, Hint, Label};
use crate::support::{Attributes, de, html_safe};

/// One `<option>`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SelectItem {
    /// `value` attribute (`None` leaves it out, so the text is the value).
    #[serde(deserialize_with = "de::opt_text")]
    pub value: Option<String>,
    /// Option text.
    #[serde(deserialize_with = "de::text")]
    pub text: String,
    /// Selects this option; `Some(false)` stops the select's `value` from
    /// selecting it.
    pub selected: Option<bool>,
    /// Disables this option.
    pub disabled: bool,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

impl SelectItem {
    /// An option with a value and text.
    pub fn new(value: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            value: Some(value.into()),
            text: text.into(),
            ..Self::default()
        }
    }
}

/// Parameters of the select component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "select.html")]
pub struct Select {
    /// `id`; defaults to `name`.
    pub id: String,
    /// `name` attribute.
    pub name: String,
    /// The options.
    #[serde(deserialize_with = "de::list")]
    pub items: Vec<SelectItem>,
    /// Value of the option to select.
    #[serde(deserialize_with = "de::opt_truthy")]
    pub value: Option<String>,
    /// Disables the select.
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
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(Select);

impl Select {
    /// A select whose `id` and `name` are `id_and_name`, with a label and options.
    pub fn new(
        id_and_name: impl Into<String>,
        label: impl Into<String>,
        items: impl IntoIterator<Item = SelectItem>,
    ) -> Self {
        let id = id_and_name.into();
        Self {
            name: id.clone(),
            id,
            label: Label::new(label),
            items: items.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Selects the option with this value.
    #[must_use]
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
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

    /// The control's id: `id`, or `name` when no id is given.
    pub fn control_id(&self) -> &str {
        if self.id.is_empty() {
            &self.name
        } else {
            &self.id
        }
    }

    fn is_selected(&self, item: &SelectItem) -> bool {
        if item.selected == Some(true) {
            return true;
        }
        match self.value.as_deref() {
            Some(v) if !v.is_empty() => {
                let effective = item.value.as_deref().unwrap_or(&item.text);
                effective == v && item.selected != Some(false)
            }
            _ => false,
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
}
