//! Pagination (`govukPagination`).

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, de, html_safe};

/// One numbered page link, or an ellipsis.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PaginationItem {
    /// Page number shown.
    #[serde(deserialize_with = "de::text")]
    pub number: String,
    /// Link target.
    pub href: String,
    /// The current page.
    pub current: bool,
    /// Renders an ellipsis instead of a link.
    pub ellipsis: bool,
    /// `aria-label`; defaults to "Page {number}".
    #[serde(deserialize_with = "de::opt_text")]
    pub visually_hidden_text: Option<String>,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

impl PaginationItem {
    /// A numbered page link.
    pub fn page(number: usize, href: impl Into<String>, current: bool) -> Self {
        Self {
            number: number.to_string(),
            href: href.into(),
            current,
            ..Self::default()
        }
    }

    /// An ellipsis between page numbers.
    pub fn ellipsis() -> Self {
        Self {
            ellipsis: true,
            ..Self::default()
        }
    }

    fn is_blank(&self) -> bool {
        self.number.is_empty()
            && self.href.is_empty()
            && !self.current
            && !self.ellipsis
            && self.visually_hidden_text.is_none()
            && self.attributes.is_empty()
    }

    fn aria_label(&self) -> String {
        match &self.visually_hidden_text {
            Some(t) => t.clone(),
            None => format!("Page {}", self.number),
        }
    }
}

/// The previous or next link.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PaginationLink {
    /// Link target.
    pub href: String,
    /// Link text; defaults to "Previous page"/"Next page".
    pub text: String,
    /// Link content as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// Label under the link text (block style only), e.g. the page title.
    pub label_text: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

impl PaginationLink {
    /// A previous/next link with the default text.
    pub fn new(href: impl Into<String>) -> Self {
        Self {
            href: href.into(),
            ..Self::default()
        }
    }
}

/// Parameters of the pagination component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "pagination.html")]
pub struct Pagination {
    /// Numbered page links; without them the block style is used.
    #[serde(deserialize_with = "de::list")]
    pub items: Vec<PaginationItem>,
    /// Link to the previous page.
    #[serde(deserialize_with = "de::opt_struct")]
    pub previous: Option<PaginationLink>,
    /// Link to the next page.
    #[serde(deserialize_with = "de::opt_struct")]
    pub next: Option<PaginationLink>,
    /// `aria-label` of the `<nav>`; defaults to "Pagination".
    pub landmark_label: String,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(Pagination);

impl Pagination {
    /// Numbered pagination for page `current` (1-based) of `total`, where
    /// `href(n)` gives the URL of page `n`. Shows the first and last pages,
    /// the pages around the current one and ellipses between.
    pub fn numbered(current: usize, total: usize, href: impl Fn(usize) -> String) -> Self {
        let mut items = Vec::new();
        let mut last_shown = 0;
        for n in 1..=total {
            let near = n + 1 >= current && n <= current + 1;
            if n == 1 || n == total || near {
                if last_shown != 0 && n > last_shown + 1 {
                    items.push(PaginationItem::ellipsis());
                }
                items.push(PaginationItem::page(n, href(n), n == current));
                last_shown = n;
            }
        }
        Self {
            items,
            previous: (current > 1).then(|| PaginationLink::new(href(current - 1))),
            next: (current < total).then(|| PaginationLink::new(href(current + 1))),
            ..Self::default()
        }
    }

    fn block_level(&self) -> bool {
        self.items.is_empty() && (self.previous.is_some() || self.next.is_some())
    }

    fn visible_items(&self) -> impl Iterator<Item = &PaginationItem> {
        self.items.iter().filter(|i| !i.is_blank())
    }

    fn link(link: &Option<PaginationLink>) -> Option<&PaginationLink> {
        link.as_ref().filter(|l| !l.href.is_empty())
    }
}
