//! Date input (`govukDateInput`): day, month and year text inputs.

use std::collections::BTreeMap;

use askama::Template;
use serde::{Deserialize, Deserializer};

use super::form_group::{FormGroup, push_id};
use super::{ErrorMessage, Fieldset, Hint, Input, Label, Legend};
use crate::support::{Attributes, SafeHtml, de, html_safe};

/// One of the date's inputs.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DateInputItem {
    /// `id`; defaults to the component id plus `-{name}`.
    pub id: String,
    /// `name` (after the name prefix): `day`, `month` or `year`.
    pub name: String,
    /// Label text; defaults to the capitalised name.
    pub label: String,
    /// Current value.
    #[serde(deserialize_with = "de::opt_text")]
    pub value: Option<String>,
    /// Extra classes, e.g. a width class.
    pub classes: String,
    /// `autocomplete`, e.g. `bday-day`.
    pub autocomplete: String,
    /// `pattern` attribute.
    pub pattern: String,
    /// `inputmode`; defaults to `numeric`.
    pub inputmode: String,
    /// Marks this input as having an error; `Some(false)` keeps the error
    /// style off even when the component has an error message.
    pub error: Option<bool>,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

/// `day`/`month`/`year` params: absent (default), `false` (left out) or
/// custom.
fn part<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<DateInputItem>>, D::Error> {
    de::opt_struct(d).map(Some)
}

fn text_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    #[derive(Deserialize)]
    struct Text(#[serde(deserialize_with = "de::text")] String);
    let m: Option<BTreeMap<String, Text>> = Option::deserialize(d)?;
    Ok(m.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.0))
        .collect())
}

/// Parameters of the date input component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "date_input.html")]
pub struct DateInput {
    /// `id` of the inputs' container and prefix of their ids.
    pub id: String,
    /// Prefix of the inputs' names: `{prefix}-day` etc.
    pub name_prefix: String,
    /// The inputs; defaults to day, month and year.
    #[serde(deserialize_with = "de::list")]
    pub items: Vec<DateInputItem>,
    /// Custom day input; `Some(None)` leaves the day out.
    #[serde(deserialize_with = "part")]
    pub day: Option<Option<DateInputItem>>,
    /// Custom month input; `Some(None)` leaves the month out.
    #[serde(deserialize_with = "part")]
    pub month: Option<Option<DateInputItem>>,
    /// Custom year input; `Some(None)` leaves the year out.
    #[serde(deserialize_with = "part")]
    pub year: Option<Option<DateInputItem>>,
    /// Values by input name (`day`, `month`, `year`, or prefixed names).
    #[serde(deserialize_with = "text_map")]
    pub values: BTreeMap<String, String>,
    /// Optional hint.
    #[serde(deserialize_with = "de::opt_struct")]
    pub hint: Option<Hint>,
    /// Error message; also switches on the error styles.
    #[serde(deserialize_with = "de::opt_struct")]
    pub error_message: Option<ErrorMessage>,
    /// Fieldset (with legend) around the inputs.
    #[serde(deserialize_with = "de::opt_struct")]
    pub fieldset: Option<Fieldset>,
    /// The form group wrapper.
    pub form_group: FormGroup,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(DateInput);

#[derive(Template)]
#[template(path = "_date_input.html")]
struct DateInputInner<'a> {
    d: &'a DateInput,
    hint: Option<Hint>,
    error: Option<ErrorMessage>,
    inputs: Vec<Input>,
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Part {
    Day,
    Month,
    Year,
}

impl DateInput {
    /// Day, month and year inputs named `{id}-day` etc., in a fieldset whose
    /// legend is `legend`.
    pub fn new(id: impl Into<String>, legend: impl Into<String>) -> Self {
        let id = id.into();
        Self {
            name_prefix: id.clone(),
            id,
            fieldset: Some(Fieldset {
                legend: Some(Legend::new(legend)),
                ..Fieldset::default()
            }),
            ..Self::default()
        }
    }

    /// Sets the day, month and year values.
    #[must_use]
    pub fn date_values(
        mut self,
        day: impl Into<String>,
        month: impl Into<String>,
        year: impl Into<String>,
    ) -> Self {
        self.values.insert("day".to_owned(), day.into());
        self.values.insert("month".to_owned(), month.into());
        self.values.insert("year".to_owned(), year.into());
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

    fn default_part(&self, part: Part) -> DateInputItem {
        let (name, width) = match part {
            Part::Day => ("day", "govuk-input--width-2"),
            Part::Month => ("month", "govuk-input--width-2"),
            Part::Year => ("year", "govuk-input--width-4"),
        };
        DateInputItem {
            name: name.to_owned(),
            value: self.values.get(name).cloned(),
            classes: width.to_owned(),
            ..DateInputItem::default()
        }
    }

    /// The day/month/year params after defaults: `None` when left out.
    fn part(&self, part: Part) -> Option<DateInputItem> {
        let given = match part {
            Part::Day => &self.day,
            Part::Month => &self.month,
            Part::Year => &self.year,
        };
        match given {
            None => Some(self.default_part(part)),
            Some(custom) => custom.clone(),
        }
    }

    fn inputs(&self) -> Vec<Input> {
        let parts = [Part::Day, Part::Month, Part::Year].map(|p| self.part(p));
        // (item, which default part it *is*, when the defaults are used)
        let items: Vec<(DateInputItem, Option<Part>)> = if self.items.is_empty() {
            [Part::Day, Part::Month, Part::Year]
                .into_iter()
                .zip(parts.iter())
                .filter_map(|(p, item)| item.clone().map(|i| (i, Some(p))))
                .collect()
        } else {
            self.items.iter().map(|i| (i.clone(), None)).collect()
        };
        let has_error =
            |i: &DateInputItem| i.error == Some(true) || i.classes.contains("govuk-input--error");
        let any_item_has_error = items.iter().any(|(i, _)| has_error(i));
        let name_prefix = if self.name_prefix.is_empty() {
            String::new()
        } else {
            format!("{}-", self.name_prefix)
        };
        items
            .into_iter()
            .map(|(item, is_part)| {
                let part_name = |p: Part| match p {
                    Part::Day => "day",
                    Part::Month => "month",
                    Part::Year => "year",
                };
                // Which part the item is: the default object itself, or an
                // item named like it.
                let which = is_part.or_else(|| {
                    [Part::Day, Part::Month, Part::Year].into_iter().find(|&p| {
                        !item.name.is_empty()
                            && (item.name == part_name(p)
                                || parts[p as usize]
                                    .as_ref()
                                    .is_some_and(|d| d.name == item.name))
                    })
                });
                let mut name = item.name.clone();
                let mut value = item.value.clone();
                let mut width = 2;
                if let Some(p) = which {
                    if name.is_empty() {
                        name = part_name(p).to_owned();
                    }
                    if value.is_none() {
                        value = parts[p as usize].as_ref().and_then(|d| d.value.clone());
                    }
                    if p == Part::Year {
                        width = 4;
                    }
                }
                let mut classes = String::new();
                if !item.classes.contains("govuk-input--error")
                    && (has_error(&item)
                        || (item.error != Some(false)
                            && self.error_message.is_some()
                            && !any_item_has_error))
                {
                    classes = "govuk-input--error".to_owned();
                }
                if !item.classes.contains("govuk-input--width-") {
                    classes = crate::support::join_space(
                        &classes,
                        &format!("govuk-input--width-{width}"),
                    );
                }
                classes = crate::support::join_space(&classes, &item.classes);
                let full_name = format!("{name_prefix}{name}");
                if value.is_none() {
                    value = self.values.get(&full_name).cloned();
                }
                Input {
                    label: Label {
                        text: if item.label.is_empty() {
                            capitalize(&name)
                        } else {
                            item.label.clone()
                        },
                        classes: "govuk-date-input__label".to_owned(),
                        ..Label::default()
                    },
                    id: if item.id.is_empty() {
                        format!("{}-{name}", self.id)
                    } else {
                        item.id.clone()
                    },
                    classes: crate::support::join_space("govuk-date-input__input", &classes),
                    name: full_name,
                    value,
                    type_: "text".to_owned(),
                    inputmode: if item.inputmode.is_empty() {
                        "numeric".to_owned()
                    } else {
                        item.inputmode.clone()
                    },
                    autocomplete: item.autocomplete.clone(),
                    pattern: item.pattern.clone(),
                    attributes: item.attributes.clone(),
                    ..Input::default()
                }
            })
            .collect()
    }

    fn body(&self) -> askama::Result<SafeHtml> {
        let mut described_by = self
            .fieldset
            .as_ref()
            .map(|fs| fs.described_by.clone())
            .unwrap_or_default();
        let hint = self.hint.as_ref().map(|h| {
            let id = format!("{}-hint", self.id);
            push_id(&mut described_by, &id);
            Hint { id, ..h.clone() }
        });
        let error = self.error_message.as_ref().map(|e| {
            let id = format!("{}-error", self.id);
            push_id(&mut described_by, &id);
            ErrorMessage { id, ..e.clone() }
        });
        let inner = DateInputInner {
            d: self,
            hint,
            error,
            inputs: self.inputs(),
        }
        .render()?;
        match &self.fieldset {
            Some(fs) => Ok(SafeHtml(
                Fieldset {
                    described_by,
                    classes: fs.classes.clone(),
                    role: "group".to_owned(),
                    attributes: fs.attributes.clone(),
                    legend: fs.legend.clone(),
                    html: Some(inner.trim().to_owned()),
                }
                .render()?,
            )),
            None => Ok(SafeHtml(inner.trim().to_owned())),
        }
    }
}
