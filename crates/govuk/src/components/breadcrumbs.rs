//! Breadcrumbs (`govukBreadcrumbs`).

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, de, html_safe};

/// One breadcrumb; without `href` it is the current page.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BreadcrumbsItem {
    /// Link text.
    pub text: String,
    /// Link content as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// Link target; empty for the current page.
    pub href: String,
    /// Extra HTML attributes of the link.
    pub attributes: Attributes,
}

impl BreadcrumbsItem {
    /// A breadcrumb link.
    pub fn new(text: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            href: href.into(),
            ..Self::default()
        }
    }
}

/// Parameters of the breadcrumbs component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "breadcrumbs.html")]
pub struct Breadcrumbs {
    /// The breadcrumbs.
    #[serde(deserialize_with = "de::list")]
    pub items: Vec<BreadcrumbsItem>,
    /// Collapses to the first and last item on small screens.
    pub collapse_on_mobile: bool,
    /// `aria-label` of the `<nav>`; defaults to "Breadcrumb".
    #[serde(deserialize_with = "de::opt_text")]
    pub label_text: Option<String>,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(Breadcrumbs);

impl Breadcrumbs {
    /// Breadcrumbs from `(text, href)` pairs.
    pub fn new<I, T, H>(items: I) -> Self
    where
        I: IntoIterator<Item = (T, H)>,
        T: Into<String>,
        H: Into<String>,
    {
        Self {
            items: items
                .into_iter()
                .map(|(t, h)| BreadcrumbsItem::new(t, h))
                .collect(),
            ..Self::default()
        }
    }

    fn label(&self) -> &str {
        self.label_text.as_deref().unwrap_or("Breadcrumb")
    }
}
