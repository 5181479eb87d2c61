//! Notification banner (`govukNotificationBanner`).

use askama::Template;
use serde::Deserialize;

use crate::support::{Attributes, de, html_safe, present};

/// Parameters of the notification banner component.
#[derive(Clone, Debug, Default, Deserialize, Template)]
#[serde(rename_all = "camelCase", default)]
#[template(path = "notification_banner.html")]
pub struct NotificationBanner {
    /// Body text (styled as a heading).
    pub text: String,
    /// Body as raw HTML (takes precedence over `text`).
    pub html: Option<String>,
    /// Title text; defaults to "Important", or "Success" for success banners.
    pub title_text: String,
    /// Title as raw HTML (takes precedence over `title_text`).
    pub title_html: Option<String>,
    /// Heading level of the title; defaults to 2.
    #[serde(deserialize_with = "de::opt_truthy")]
    pub title_heading_level: Option<String>,
    /// `success` for the green success banner.
    #[serde(rename = "type")]
    pub type_: String,
    /// ARIA role; defaults to `alert` for success banners, else `region`.
    pub role: String,
    /// Title id; defaults to `govuk-notification-banner-title`.
    pub title_id: String,
    /// Sets `data-disable-auto-focus` when given.
    pub disable_auto_focus: Option<bool>,
    /// Extra classes.
    pub classes: String,
    /// Extra HTML attributes.
    pub attributes: Attributes,
}

html_safe!(NotificationBanner);

impl NotificationBanner {
    /// An "Important" banner with the given text.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// A green "Success" banner (role `alert`) with the given text.
    pub fn success(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            type_: "success".to_owned(),
            ..Self::default()
        }
    }

    fn is_success(&self) -> bool {
        self.type_ == "success"
    }

    fn role_or_default(&self) -> &str {
        if !self.role.is_empty() {
            &self.role
        } else if self.is_success() {
            "alert"
        } else {
            "region"
        }
    }

    fn title_id_or_default(&self) -> &str {
        if self.title_id.is_empty() {
            "govuk-notification-banner-title"
        } else {
            &self.title_id
        }
    }

    fn level(&self) -> &str {
        self.title_heading_level.as_deref().unwrap_or("2")
    }

    fn default_title(&self) -> &str {
        if self.is_success() {
            "Success"
        } else {
            "Important"
        }
    }

    fn has_html(&self) -> bool {
        present(&self.html).is_some()
    }
}
