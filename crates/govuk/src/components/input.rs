//! Text input (`govukInput`) with label, hint, error message, prefix and
//! suffix.

use askama::Template;
use serde::Deserialize;

use super::form_group::{FormGroup, push_id};
use super::{ErrorMessage, Hint, Label};
use crate::support::{Attributes, de, has_content, html_safe, join_space};

/// A prefix or suffix shown beside the input.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InputAffix {
    /// Affix text, e.g. "£".
    pub text: String,
    /// Affix as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

/// The wrapper around an input with a prefix or suffix.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InputWrapper {
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

/// Parameters of the text input component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "input.html")]
pub struct Input {
    /// `id`; defaults to `name`.
    pub id: String,
    /// `name` attribute.
    pub name: String,
    /// `type`; defaults to `text`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `inputmode` attribute.
    pub inputmode: String,
    /// Current value (`None` leaves the attribute out).
    #[serde(deserialize_with = "de::opt_text")]
    pub value: Option<String>,
    /// Disables the input.
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
    /// Prefix, e.g. "£".
    #[serde(deserialize_with = "de::opt_struct")]
    pub prefix: Option<InputAffix>,
    /// Suffix, e.g. "per item".
    #[serde(deserialize_with = "de::opt_struct")]
    pub suffix: Option<InputAffix>,
    /// The form group wrapper.
    pub form_group: FormGroup,
    /// The prefix/suffix wrapper.
    pub input_wrapper: InputWrapper,
    /// Extra classes, e.g. `govuk-input--width-10`.
    pub classes: String,
    /// `autocomplete` attribute.
    pub autocomplete: String,
    /// `pattern` attribute.
    pub pattern: String,
    /// `spellcheck` attribute when given.
    pub spellcheck: Option<bool>,
    /// `autocapitalize` attribute.
    pub autocapitalize: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(Input);

impl Input {
    /// A text input whose `id` and `name` are `id_and_name`, with a label.
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

    /// Sets `autocomplete`, e.g. `email`, `off`.
    #[must_use]
    pub fn autocomplete(mut self, value: impl Into<String>) -> Self {
        self.autocomplete = value.into();
        self
    }

    /// Sets the input `type`, e.g. `email`, `password`.
    #[must_use]
    pub fn input_type(mut self, type_: impl Into<String>) -> Self {
        self.type_ = type_.into();
        self
    }

    /// Sets `inputmode`, e.g. `numeric`.
    #[must_use]
    pub fn inputmode(mut self, mode: impl Into<String>) -> Self {
        self.inputmode = mode.into();
        self
    }

    /// Adds a width class, e.g. `govuk-input--width-20` or `govuk-!-width-one-half`.
    #[must_use]
    pub fn width_class(mut self, class: &str) -> Self {
        self.classes = join_space(&self.classes, class);
        self
    }

    /// Sets `spellcheck`.
    #[must_use]
    pub fn spellcheck(mut self, on: bool) -> Self {
        self.spellcheck = Some(on);
        self
    }

    /// Makes the label the page's `<h1>`.
    #[must_use]
    pub fn page_heading(mut self) -> Self {
        self.label = self.label.page_heading();
        self
    }

    /// Adds an HTML attribute to the `<input>`.
    #[must_use]
    pub fn attribute(mut self, name: &str, value: &str) -> Self {
        self.attributes = self.attributes.with(name, value);
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

    fn class_names(&self) -> String {
        let mut c = join_space("govuk-input", &self.classes);
        if self.error_message.is_some() {
            c.push_str(" govuk-input--error");
        }
        c
    }

    fn affix(a: &Option<InputAffix>) -> Option<&InputAffix> {
        a.as_ref().filter(|a| has_content(&a.html, &a.text))
    }

    fn has_wrapper(&self) -> bool {
        let slot = |s: &Option<super::TextOrHtml>| {
            s.as_ref().is_some_and(|s| has_content(&s.html, &s.text))
        };
        Self::affix(&self.prefix).is_some()
            || Self::affix(&self.suffix).is_some()
            || slot(&self.form_group.before_input)
            || slot(&self.form_group.after_input)
    }
}
