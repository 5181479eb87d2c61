//! Checkboxes (`govukCheckboxes`) and radios (`govukRadios`): the two share
//! their item params and most of their markup.

use askama::Template;
use serde::Deserialize;

use super::form_group::{FormGroup, push_id};
use super::{ErrorMessage, Fieldset, Hint, Label, Legend};
use crate::support::{Attributes, SafeHtml, de, has_content, html_safe, join_space, present};

/// Label params of a checkbox or radio item.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChoiceItemLabel {
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

/// Content revealed when an item is selected.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChoiceConditional {
    /// Raw HTML revealed when the item is selected.
    #[serde(deserialize_with = "de::opt_truthy")]
    pub html: Option<String>,
}

/// One checkbox or radio (or a divider when `divider` is set).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChoiceItem {
    /// Label text.
    #[serde(deserialize_with = "de::text")]
    pub text: String,
    /// Label as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// `id`; defaults to the id prefix plus `-{index}` (none for the first).
    pub id: String,
    /// `name` (checkboxes only); defaults to the component's `name`.
    pub name: String,
    /// `value` attribute.
    #[serde(deserialize_with = "de::text")]
    pub value: String,
    /// Label params.
    pub label: ChoiceItemLabel,
    /// Item hint.
    #[serde(deserialize_with = "de::opt_struct")]
    pub hint: Option<Hint>,
    /// Renders a divider with this text (e.g. "or") instead of an input.
    pub divider: String,
    /// Checked; `Some(false)` stops `values`/`value` from checking it.
    pub checked: Option<bool>,
    /// Content revealed when selected.
    #[serde(deserialize_with = "de::opt_struct")]
    pub conditional: Option<ChoiceConditional>,
    /// `exclusive` makes a checkbox clear the others ("None of these").
    pub behaviour: String,
    /// Disables the input.
    pub disabled: bool,
    /// Extra HTML attributes of the input.
    pub attributes: Attributes,
}

/// A checkbox item.
pub type CheckboxItem = ChoiceItem;
/// A radio item.
pub type RadioItem = ChoiceItem;

impl ChoiceItem {
    /// An item with a value and label text.
    pub fn new(value: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            text: text.into(),
            ..Self::default()
        }
    }

    /// A divider, e.g. "or".
    pub fn divider(text: impl Into<String>) -> Self {
        Self {
            divider: text.into(),
            ..Self::default()
        }
    }

    /// Sets whether the item is checked.
    #[must_use]
    pub fn checked(mut self, checked: bool) -> Self {
        self.checked = Some(checked);
        self
    }

    /// Adds an item hint.
    #[must_use]
    pub fn hint(mut self, text: impl Into<String>) -> Self {
        self.hint = Some(Hint::new(text));
        self
    }

    /// Reveals raw HTML when the item is selected.
    #[must_use]
    pub fn conditional_html(mut self, html: impl Into<String>) -> Self {
        self.conditional = Some(ChoiceConditional {
            html: Some(html.into()),
        });
        self
    }

    fn conditional_html_str(&self) -> Option<&str> {
        self.conditional.as_ref().and_then(|c| present(&c.html))
    }

    fn has_hint(&self) -> bool {
        self.hint
            .as_ref()
            .is_some_and(|h| has_content(&h.html, &h.text))
    }
}

/// An item with everything the template needs worked out.
struct ItemView<'a> {
    item: &'a ChoiceItem,
    id: String,
    name: &'a str,
    checked: bool,
    described_by: String,
    label: Label,
    hint: Option<Hint>,
    conditional: Option<&'a str>,
}

/// The part of the markup that is optionally wrapped in a fieldset.
#[derive(Template)]
#[template(path = "_choices.html")]
struct ChoicesInner<'a> {
    kind: &'static str,
    input_type: &'static str,
    hint: Option<Hint>,
    error: Option<ErrorMessage>,
    classes: &'a str,
    attributes: &'a Attributes,
    form_group: &'a FormGroup,
    items: Vec<ItemView<'a>>,
}

/// What differs between checkboxes and radios.
struct Kind {
    kind: &'static str,
    input_type: &'static str,
}

const CHECKBOXES: Kind = Kind {
    kind: "checkboxes",
    input_type: "checkbox",
};
const RADIOS: Kind = Kind {
    kind: "radios",
    input_type: "radio",
};

struct Common<'a> {
    id_prefix: &'a str,
    described_by: String,
    hint: &'a Option<Hint>,
    error_message: &'a Option<ErrorMessage>,
    fieldset: &'a Option<Fieldset>,
    form_group: &'a FormGroup,
    classes: &'a str,
    attributes: &'a Attributes,
    items: &'a [ChoiceItem],
}

fn render_body(
    kind: &Kind,
    c: Common<'_>,
    is_checked: impl Fn(&ChoiceItem) -> bool,
    item_name: impl Fn(&ChoiceItem) -> String,
) -> askama::Result<SafeHtml> {
    let mut described_by = c.described_by;
    let hint = c.hint.as_ref().map(|h| {
        let id = format!("{}-hint", c.id_prefix);
        push_id(&mut described_by, &id);
        Hint { id, ..h.clone() }
    });
    let error = c.error_message.as_ref().map(|e| {
        let id = format!("{}-error", c.id_prefix);
        push_id(&mut described_by, &id);
        ErrorMessage { id, ..e.clone() }
    });
    let has_fieldset = c.fieldset.is_some();
    let names: Vec<String> = c.items.iter().map(&item_name).collect();
    let items = c
        .items
        .iter()
        .zip(&names)
        .enumerate()
        .map(|(i, (item, name))| {
            let index = i + 1;
            let id = if item.id.is_empty() {
                if index > 1 {
                    format!("{}-{index}", c.id_prefix)
                } else {
                    c.id_prefix.to_owned()
                }
            } else {
                item.id.clone()
            };
            let has_hint = item.has_hint();
            let hint_id = format!("{id}-item-hint");
            let item_described_by = if kind.input_type == "checkbox" {
                let base = if has_fieldset { "" } else { &described_by };
                join_space(base, if has_hint { &hint_id } else { "" })
            } else if has_hint {
                hint_id.clone()
            } else {
                String::new()
            };
            let label = Label {
                html: item.html.clone(),
                text: item.text.clone(),
                classes: join_space(&format!("govuk-{}__label", kind.kind), &item.label.classes),
                attributes: item.label.attributes.clone(),
                for_: id.clone(),
                is_page_heading: false,
            };
            let hint = match &item.hint {
                Some(h) if has_hint => Some(Hint {
                    id: hint_id,
                    classes: join_space(&format!("govuk-{}__hint", kind.kind), &h.classes),
                    ..h.clone()
                }),
                _ => None,
            };
            ItemView {
                item,
                checked: is_checked(item),
                name,
                described_by: item_described_by,
                label,
                hint,
                conditional: item.conditional_html_str(),
                id,
            }
        })
        .collect();
    let inner = ChoicesInner {
        kind: kind.kind,
        input_type: kind.input_type,
        hint,
        error,
        classes: c.classes,
        attributes: c.attributes,
        form_group: c.form_group,
        items,
    }
    .render()?;
    match c.fieldset {
        Some(fs) => Ok(SafeHtml(
            Fieldset {
                described_by,
                classes: fs.classes.clone(),
                attributes: fs.attributes.clone(),
                legend: fs.legend.clone(),
                html: Some(inner.trim().to_owned()),
                role: String::new(),
            }
            .render()?,
        )),
        None => Ok(SafeHtml(inner.trim().to_owned())),
    }
}

/// Parameters of the checkboxes component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "checkboxes.html")]
pub struct Checkboxes {
    /// Prefix of the item ids, hint id and error id; defaults to `name`.
    pub id_prefix: String,
    /// `name` of the inputs.
    pub name: String,
    /// The items.
    #[serde(deserialize_with = "de::list")]
    pub items: Vec<CheckboxItem>,
    /// Values of the checked items.
    #[serde(deserialize_with = "texts")]
    pub values: Vec<String>,
    /// Extra `aria-describedby` ids.
    pub described_by: String,
    /// Fieldset (with legend) around the checkboxes.
    #[serde(deserialize_with = "de::opt_struct")]
    pub fieldset: Option<Fieldset>,
    /// Optional hint.
    #[serde(deserialize_with = "de::opt_struct")]
    pub hint: Option<Hint>,
    /// Error message; also switches on the error styles.
    #[serde(deserialize_with = "de::opt_struct")]
    pub error_message: Option<ErrorMessage>,
    /// The form group wrapper.
    pub form_group: FormGroup,
    /// Extra classes, e.g. `govuk-checkboxes--small`.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(Checkboxes);

fn texts<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    struct Text(#[serde(deserialize_with = "de::text")] String);
    let v: Option<Vec<Text>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default().into_iter().map(|t| t.0).collect())
}

impl Checkboxes {
    /// Checkboxes named `name` in a fieldset whose legend is `legend`.
    pub fn new(
        name: impl Into<String>,
        legend: impl Into<String>,
        items: impl IntoIterator<Item = CheckboxItem>,
    ) -> Self {
        Self {
            name: name.into(),
            fieldset: Some(Fieldset {
                legend: Some(Legend::new(legend)),
                ..Fieldset::default()
            }),
            items: items.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Checks the items with these values.
    #[must_use]
    pub fn values<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.values = values.into_iter().map(Into::into).collect();
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

    fn id_prefix_or_name(&self) -> &str {
        if self.id_prefix.is_empty() {
            &self.name
        } else {
            &self.id_prefix
        }
    }

    fn body(&self) -> askama::Result<SafeHtml> {
        let described_by = match self.fieldset.as_ref() {
            Some(fs) if !fs.described_by.is_empty() => fs.described_by.clone(),
            _ => self.described_by.clone(),
        };
        render_body(
            &CHECKBOXES,
            Common {
                id_prefix: self.id_prefix_or_name(),
                described_by,
                hint: &self.hint,
                error_message: &self.error_message,
                fieldset: &self.fieldset,
                form_group: &self.form_group,
                classes: &self.classes,
                attributes: &self.attributes,
                items: &self.items,
            },
            |item| match item.checked {
                Some(true) => true,
                Some(false) => false,
                None => self.values.contains(&item.value),
            },
            |item| {
                if item.name.is_empty() {
                    self.name.clone()
                } else {
                    item.name.clone()
                }
            },
        )
    }
}

/// Parameters of the radios component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "radios.html")]
pub struct Radios {
    /// Prefix of the item ids, hint id and error id; defaults to `name`.
    pub id_prefix: String,
    /// `name` of the inputs.
    pub name: String,
    /// The items.
    #[serde(deserialize_with = "de::list")]
    pub items: Vec<RadioItem>,
    /// Value of the checked item.
    #[serde(deserialize_with = "de::opt_truthy")]
    pub value: Option<String>,
    /// Fieldset (with legend) around the radios.
    #[serde(deserialize_with = "de::opt_struct")]
    pub fieldset: Option<Fieldset>,
    /// Optional hint.
    #[serde(deserialize_with = "de::opt_struct")]
    pub hint: Option<Hint>,
    /// Error message; also switches on the error styles.
    #[serde(deserialize_with = "de::opt_struct")]
    pub error_message: Option<ErrorMessage>,
    /// The form group wrapper.
    pub form_group: FormGroup,
    /// Extra classes, e.g. `govuk-radios--inline`.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(Radios);

impl Radios {
    /// Radios named `name` in a fieldset whose legend is `legend`.
    pub fn new(
        name: impl Into<String>,
        legend: impl Into<String>,
        items: impl IntoIterator<Item = RadioItem>,
    ) -> Self {
        Self {
            name: name.into(),
            fieldset: Some(Fieldset {
                legend: Some(Legend::new(legend)),
                ..Fieldset::default()
            }),
            items: items.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Checks the item with this value.
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

    /// Adds `govuk-radios--inline`.
    #[must_use]
    pub fn inline(mut self) -> Self {
        self.classes = join_space(&self.classes, "govuk-radios--inline");
        self
    }

    fn id_prefix_or_name(&self) -> &str {
        if self.id_prefix.is_empty() {
            &self.name
        } else {
            &self.id_prefix
        }
    }

    fn body(&self) -> askama::Result<SafeHtml> {
        let described_by = self
            .fieldset
            .as_ref()
            .map(|fs| fs.described_by.clone())
            .unwrap_or_default();
        render_body(
            &RADIOS,
            Common {
                id_prefix: self.id_prefix_or_name(),
                described_by,
                hint: &self.hint,
                error_message: &self.error_message,
                fieldset: &self.fieldset,
                form_group: &self.form_group,
                classes: &self.classes,
                attributes: &self.attributes,
                items: &self.items,
            },
            |item| match item.checked {
                Some(true) => true,
                Some(false) => false,
                None => self.value.as_deref() == Some(item.value.as_str()),
            },
            |_| self.name.clone(),
        )
    }
}
