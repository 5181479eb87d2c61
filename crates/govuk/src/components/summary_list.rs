//! Summary list (`govukSummaryList`), optionally wrapped in a summary card.

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, de, html_safe};

/// The key or value of a summary list row.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SummaryListText {
    /// Text content.
    #[serde(deserialize_with = "de::text")]
    pub text: String,
    /// Raw HTML content (takes precedence over `text`).
    pub html: Option<String>,
    /// Extra classes.
    pub classes: String,
}

/// One action link of a row or card.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SummaryListAction {
    /// Link target.
    pub href: String,
    /// Link text, e.g. "Change".
    pub text: String,
    /// Link content as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// Visually hidden end of the link text, e.g. "name" in "Change name".
    pub visually_hidden_text: String,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

impl SummaryListAction {
    /// An action link such as "Change" with a visually hidden subject.
    pub fn new(
        text: impl Into<String>,
        href: impl Into<String>,
        visually_hidden_text: impl Into<String>,
    ) -> Self {
        Self {
            text: text.into(),
            href: href.into(),
            visually_hidden_text: visually_hidden_text.into(),
            ..Self::default()
        }
    }
}

/// The actions of a row or card.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SummaryListActions {
    /// The action links.
    #[serde(deserialize_with = "de::list")]
    pub items: Vec<SummaryListAction>,
    /// Extra classes.
    pub classes: String,
}

/// One row.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SummaryListRow {
    /// The key (`<dt>`).
    pub key: SummaryListText,
    /// The value (`<dd>`).
    pub value: SummaryListText,
    /// Action links.
    #[serde(deserialize_with = "de::opt_struct")]
    pub actions: Option<SummaryListActions>,
    /// Extra classes.
    pub classes: String,
}

/// The title of a summary card.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SummaryCardTitle {
    /// Title text.
    pub text: String,
    /// Title as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// Heading level; defaults to 2.
    #[serde(deserialize_with = "de::opt_truthy")]
    pub heading_level: Option<String>,
    /// Extra classes.
    pub classes: String,
}

/// A summary card around the list.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SummaryCard {
    /// Card title.
    #[serde(deserialize_with = "de::opt_struct")]
    pub title: Option<SummaryCardTitle>,
    /// Card actions.
    #[serde(deserialize_with = "de::opt_struct")]
    pub actions: Option<SummaryListActions>,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

/// Parameters of the summary list component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "summary_list.html")]
pub struct SummaryList {
    /// The rows.
    #[serde(deserialize_with = "de::list")]
    pub rows: Vec<SummaryListRow>,
    /// Wraps the list in a summary card.
    #[serde(deserialize_with = "de::opt_struct")]
    pub card: Option<SummaryCard>,
    /// Extra classes, e.g. `govuk-summary-list--no-border`.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(SummaryList);

impl SummaryList {
    /// An empty summary list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a row of text.
    #[must_use]
    pub fn row(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.rows.push(SummaryListRow {
            key: SummaryListText {
                text: key.into(),
                ..SummaryListText::default()
            },
            value: SummaryListText {
                text: value.into(),
                ..SummaryListText::default()
            },
            ..SummaryListRow::default()
        });
        self
    }

    /// Adds a row of text with one action link (e.g. "Change"), whose
    /// visually hidden text is the key in lower case.
    #[must_use]
    pub fn row_with_action(
        self,
        key: impl Into<String>,
        value: impl Into<String>,
        action_text: impl Into<String>,
        href: impl Into<String>,
    ) -> Self {
        let key = key.into();
        let hidden = key.to_lowercase();
        let mut list = self.row(key, value);
        if let Some(row) = list.rows.last_mut() {
            row.actions = Some(SummaryListActions {
                items: vec![SummaryListAction::new(action_text, href, hidden)],
                classes: String::new(),
            });
        }
        list
    }

    fn any_row_has_actions(&self) -> bool {
        self.rows.iter().any(|r| Self::row_actions(r).is_some())
    }

    fn row_actions(row: &SummaryListRow) -> Option<&SummaryListActions> {
        row.actions.as_ref().filter(|a| !a.items.is_empty())
    }

    fn card_title(&self) -> Option<&SummaryCardTitle> {
        self.card.as_ref().and_then(|c| c.title.as_ref())
    }

    fn card_actions(&self) -> Option<&SummaryListActions> {
        self.card
            .as_ref()
            .and_then(|c| c.actions.as_ref())
            .filter(|a| !a.items.is_empty())
    }
}
