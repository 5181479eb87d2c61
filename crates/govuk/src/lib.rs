//! GOV.UK Frontend components as typed Rust.
//!
//! This crate owns the server-side markup of the GOV.UK Design System
//! components Learnloop uses: for each component one parameter struct (fields
//! named after the Nunjucks macro params, deserialisable from the same JSON)
//! and one askama template ported from that component's `template.njk` in
//! `govuk-frontend` (the version pinned in the workspace `package.json`).
//! `component.render()` returns the HTML; a page template can write
//! `{{ component }}` (components are marked HTML-safe) or
//! `{{ component|safe }}`.
//!
//! Text params are always escaped; params named `html` (raw markup) are
//! `Option<String>` and written unescaped, so only pass trusted markup there.
//! Parity with the upstream Nunjucks output is checked against the
//! upstream `fixtures.json` files in `tests/parity.rs`.
//!
//! It does not own page layout, the stylesheet or scripts (see the web crate
//! and its `assets/`).
//!
//! ```
//! use askama::Template;
//! use learnloop_govuk::{ErrorSummary, Input};
//!
//! let email_error = Some("Enter an email address");
//! let summary = ErrorSummary::from_errors([("email", "Enter an email address")]);
//! let input = Input::new("email", "Email address")
//!     .input_type("email")
//!     .autocomplete("email")
//!     .error(email_error);
//! let html = format!("{}{}", summary.render()?, input.render()?);
//! assert!(html.contains(r##"<a href="#email">Enter an email address</a>"##));
//! assert!(html.contains(r#"aria-describedby="email-error""#));
//! # Ok::<(), askama::Error>(())
//! ```

mod components;
mod support;

pub use components::*;
pub use support::{AttrValue, Attribute, Attributes, has_content};
