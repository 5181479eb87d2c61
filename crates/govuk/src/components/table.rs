//! Table (`govukTable`).

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, de, html_safe};

/// One header or body cell.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TableCell {
    /// Cell text.
    #[serde(deserialize_with = "de::text")]
    pub text: String,
    /// Cell content as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// `numeric` right-aligns the cell.
    pub format: String,
    /// Extra classes.
    pub classes: String,
    /// `colspan` attribute.
    #[serde(deserialize_with = "de::opt_truthy")]
    pub colspan: Option<String>,
    /// `rowspan` attribute.
    #[serde(deserialize_with = "de::opt_truthy")]
    pub rowspan: Option<String>,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

impl TableCell {
    /// A text cell.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// A cell of raw HTML.
    pub fn html(html: impl Into<String>) -> Self {
        Self {
            html: Some(html.into()),
            ..Self::default()
        }
    }

    /// A right-aligned numeric cell.
    pub fn numeric(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            format: "numeric".to_owned(),
            ..Self::default()
        }
    }
}

/// Parameters of the table component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "table.html")]
pub struct Table {
    /// Caption text.
    pub caption: String,
    /// Caption classes, e.g. `govuk-table__caption--m`.
    pub caption_classes: String,
    /// Header row; no `<thead>` when empty.
    #[serde(deserialize_with = "de::list")]
    pub head: Vec<TableCell>,
    /// Body rows.
    #[serde(deserialize_with = "de::list")]
    pub rows: Vec<Vec<TableCell>>,
    /// Makes the first cell of each row a row header.
    pub first_cell_is_header: bool,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(Table);

impl Table {
    /// A table with a caption, a header row and body rows.
    pub fn new(
        caption: impl Into<String>,
        head: Vec<TableCell>,
        rows: Vec<Vec<TableCell>>,
    ) -> Self {
        Self {
            caption: caption.into(),
            head,
            rows,
            ..Self::default()
        }
    }
}
