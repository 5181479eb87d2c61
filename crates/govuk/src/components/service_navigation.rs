//! Service navigation (`govukServiceNavigation`): the service name and the
//! service's main navigation, under the header.

use std::fmt;

use askama::Template;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::support::{Attributes, de, html_safe, present};

/// One navigation link.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceNavigationItem {
    /// Link target; without it the item is plain text.
    pub href: String,
    /// Link text.
    pub text: String,
    /// Link content as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// The user is in this section (`aria-current="true"`).
    pub active: bool,
    /// The user is on this page (`aria-current="page"`).
    pub current: bool,
    /// Extra HTML attributes of the link.
    pub attributes: Attributes,
}

impl ServiceNavigationItem {
    /// A navigation link.
    pub fn new(text: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            href: href.into(),
            ..Self::default()
        }
    }
}

/// The `end` slot: raw HTML after the navigation, optionally inline.
#[derive(Clone, Debug, Default)]
pub struct EndSlot {
    /// Raw HTML.
    pub html: Option<String>,
    /// `inline` lays the slot out inline with the navigation.
    pub align: String,
}

impl<'de> Deserialize<'de> for EndSlot {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = EndSlot;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an HTML string or {html, align}")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<EndSlot, E> {
                Ok(EndSlot {
                    html: Some(v.to_owned()),
                    align: String::new(),
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EndSlot, A::Error> {
                let mut slot = EndSlot::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "html" => slot.html = map.next_value()?,
                        "align" => slot.align = map.next_value()?,
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(slot)
            }
        }
        d.deserialize_any(V)
    }
}

/// Raw HTML slots of the service navigation.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceNavigationSlots {
    /// HTML at the start of the container.
    pub start: Option<String>,
    /// HTML at the end of the container.
    pub end: Option<EndSlot>,
    /// HTML at the start of the navigation list.
    pub navigation_start: Option<String>,
    /// HTML at the end of the navigation list.
    pub navigation_end: Option<String>,
}

/// Parameters of the service navigation component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "service_navigation.html")]
pub struct ServiceNavigation {
    /// The service name.
    pub service_name: String,
    /// Link target of the service name.
    pub service_url: String,
    /// Navigation links.
    #[serde(deserialize_with = "de::list")]
    pub navigation: Vec<ServiceNavigationItem>,
    /// Collapses the navigation behind a menu button on small screens;
    /// defaults to true when there is more than one link.
    pub collapse_navigation_on_mobile: Option<bool>,
    /// `aria-label` of the `<section>`; defaults to "Service information".
    #[serde(deserialize_with = "de::opt_text")]
    pub aria_label: Option<String>,
    /// Menu button text; defaults to "Menu".
    pub menu_button_text: String,
    /// Menu button `aria-label` when it differs from the text.
    pub menu_button_label: String,
    /// `aria-label` of the `<nav>`; defaults to the menu button text.
    pub navigation_label: String,
    /// `id` of the navigation list; defaults to `navigation`.
    pub navigation_id: String,
    /// Extra classes of the `<nav>`.
    pub navigation_classes: String,
    /// Raw HTML slots.
    pub slots: ServiceNavigationSlots,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(ServiceNavigation);

impl ServiceNavigation {
    /// Service navigation showing the service name, linking to `service_url`.
    pub fn new(service_name: impl Into<String>, service_url: impl Into<String>) -> Self {
        Self {
            service_name: service_name.into(),
            service_url: service_url.into(),
            ..Self::default()
        }
    }

    /// Adds a navigation link; `current` marks the current page.
    #[must_use]
    pub fn item(mut self, text: impl Into<String>, href: impl Into<String>, current: bool) -> Self {
        self.navigation.push(ServiceNavigationItem {
            current,
            ..ServiceNavigationItem::new(text, href)
        });
        self
    }

    fn menu_text(&self) -> &str {
        if self.menu_button_text.is_empty() {
            "Menu"
        } else {
            &self.menu_button_text
        }
    }

    fn nav_id(&self) -> &str {
        if self.navigation_id.is_empty() {
            "navigation"
        } else {
            &self.navigation_id
        }
    }

    fn nav_label(&self) -> &str {
        if self.navigation_label.is_empty() {
            self.menu_text()
        } else {
            &self.navigation_label
        }
    }

    fn section_label(&self) -> &str {
        self.aria_label.as_deref().unwrap_or("Service information")
    }

    fn end_html(&self) -> Option<&str> {
        self.slots.end.as_ref().and_then(|e| present(&e.html))
    }

    fn end_inline(&self) -> bool {
        self.slots.end.as_ref().is_some_and(|e| e.align == "inline")
    }

    fn collapse(&self) -> bool {
        self.collapse_navigation_on_mobile
            .unwrap_or(self.navigation.len() > 1)
    }

    fn has_nav(&self) -> bool {
        !self.navigation.is_empty()
            || present(&self.slots.navigation_start).is_some()
            || present(&self.slots.navigation_end).is_some()
    }

    fn is_section(&self) -> bool {
        !self.service_name.is_empty()
            || present(&self.slots.start).is_some()
            || self.end_html().is_some()
    }

    fn aria_current(item: &ServiceNavigationItem) -> Option<&'static str> {
        if item.current {
            Some("page")
        } else if item.active {
            Some("true")
        } else {
            None
        }
    }
}
