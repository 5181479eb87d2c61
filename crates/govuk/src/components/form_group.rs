//! Shared params of the form components: the form group wrapper and its
//! before/after content slots.

use serde::Deserialize;

use crate::support::Attributes;

/// Text or raw HTML, for content slots.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TextOrHtml {
    /// Text content.
    pub text: String,
    /// Raw HTML content (takes precedence over `text`).
    pub html: Option<String>,
}

/// The `formGroup` param of the form components.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FormGroup {
    /// Extra classes on the `govuk-form-group` wrapper.
    pub classes: String,
    /// Extra HTML attributes on the wrapper.
    pub attributes: Attributes,
    /// Content before the control (input, textarea, select).
    pub before_input: Option<TextOrHtml>,
    /// Content after the control (input, textarea, select).
    pub after_input: Option<TextOrHtml>,
    /// Content before the inputs (checkboxes, radios, date input).
    pub before_inputs: Option<TextOrHtml>,
    /// Content after the inputs (checkboxes, radios, date input).
    pub after_inputs: Option<TextOrHtml>,
}

/// `aria-describedby` builder: appends ids separated by spaces.
pub(crate) fn push_id(described_by: &mut String, id: &str) {
    if !described_by.is_empty() {
        described_by.push(' ');
    }
    described_by.push_str(id);
}
