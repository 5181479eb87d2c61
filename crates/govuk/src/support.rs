//! Shared plumbing for the component templates: the `attributes` param,
//! text-or-HTML content, Nunjucks-style truthiness and lenient
//! deserialisers for params that the Nunjucks macros accept in several
//! JSON types (numbers where text is expected, `false` for "none", and so on).

use std::fmt;

use askama::filters::HtmlSafe;
use serde::Deserialize;
use serde::de::{Deserializer, Error as DeError, MapAccess, Visitor};

/// Writes `s` HTML-escaped (`& < > " '`).
pub(crate) fn write_escaped(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        f.write_str(&s[last..i])?;
        f.write_str(rep)?;
        last = i + 1;
    }
    f.write_str(&s[last..])
}

/// A value of an HTML attribute as the Nunjucks `govukAttributes` macro sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue {
    /// `null`/`undefined`: renders `name=""`, or nothing when optional.
    Null,
    /// A boolean: renders `name="true"`/`name="false"`; when optional, `true`
    /// renders the bare `name` and `false` renders nothing.
    Bool(bool),
    /// Text, escaped on output.
    Text(String),
}

/// One attribute of an [`Attributes`] list.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// Attribute name, e.g. `data-module`.
    pub name: String,
    /// Attribute value.
    pub value: AttrValue,
    /// Optional attributes are left out when their value is empty or `false`.
    pub optional: bool,
}

/// Extra HTML attributes for a component (the Nunjucks `attributes` param),
/// in insertion order. Renders as ` name="value"` pairs, escaped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attributes(pub Vec<Attribute>);

impl Attributes {
    /// No attributes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) `name="value"`.
    #[must_use]
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(name, AttrValue::Text(value.into()), false);
        self
    }

    /// Adds (or replaces) a boolean attribute rendered as a bare `name`.
    #[must_use]
    pub fn flag(mut self, name: impl Into<String>) -> Self {
        self.set(name, AttrValue::Bool(true), true);
        self
    }

    /// Adds or replaces an attribute.
    pub fn set(&mut self, name: impl Into<String>, value: AttrValue, optional: bool) {
        let name = name.into();
        let attr = Attribute {
            name,
            value,
            optional,
        };
        if let Some(existing) = self.0.iter_mut().find(|a| a.name == attr.name) {
            *existing = attr;
        } else {
            self.0.push(attr);
        }
    }

    /// True when there are no attributes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Attributes {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        iter.into_iter()
            .fold(Attributes::new(), |acc, (k, v)| acc.with(k, v))
    }
}

impl fmt::Display for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for a in &self.0 {
            let value = match (&a.value, a.optional) {
                (AttrValue::Bool(true), true) => {
                    f.write_str(" ")?;
                    write_escaped(f, &a.name)?;
                    continue;
                }
                (AttrValue::Null | AttrValue::Bool(false), true) => continue,
                (AttrValue::Null, false) => "",
                (AttrValue::Bool(true), false) => "true",
                (AttrValue::Bool(false), false) => "false",
                (AttrValue::Text(s), _) => s.as_str(),
            };
            f.write_str(" ")?;
            write_escaped(f, &a.name)?;
            f.write_str("=\"")?;
            write_escaped(f, value)?;
            f.write_str("\"")?;
        }
        Ok(())
    }
}

impl HtmlSafe for Attributes {}

impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AttrsVisitor;
        impl<'de> Visitor<'de> for AttrsVisitor {
            type Value = Attributes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of attribute names to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Attributes, A::Error> {
                let mut out = Attributes::new();
                while let Some((name, raw)) = map.next_entry::<String, RawAttr>()? {
                    let (value, optional) = match raw {
                        RawAttr::Options { value, optional } => (value.into_value(), optional),
                        RawAttr::Scalar(s) => (s.into_value(), false),
                    };
                    out.set(name, value, optional);
                }
                Ok(out)
            }
            fn visit_unit<E: DeError>(self) -> Result<Attributes, E> {
                Ok(Attributes::new())
            }
            fn visit_none<E: DeError>(self) -> Result<Attributes, E> {
                Ok(Attributes::new())
            }
        }
        deserializer.deserialize_any(AttrsVisitor)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Null(()),
}

impl Scalar {
    fn into_value(self) -> AttrValue {
        match self {
            Scalar::Bool(b) => AttrValue::Bool(b),
            Scalar::Int(i) => AttrValue::Text(i.to_string()),
            Scalar::Float(x) => AttrValue::Text(x.to_string()),
            Scalar::Text(s) => AttrValue::Text(s),
            Scalar::Null(()) => AttrValue::Null,
        }
    }

    /// The string JavaScript would print for the value (`null` → "").
    fn into_js_string(self) -> String {
        match self {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(x) => x.to_string(),
            Scalar::Text(s) => s,
            Scalar::Null(()) => String::new(),
        }
    }

    fn is_falsy(&self) -> bool {
        match self {
            Scalar::Bool(b) => !b,
            Scalar::Int(i) => *i == 0,
            Scalar::Float(x) => *x == 0.0,
            Scalar::Text(s) => s.is_empty(),
            Scalar::Null(()) => true,
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawAttr {
    Options {
        #[serde(default = "null_scalar")]
        value: Scalar,
        #[serde(default)]
        optional: bool,
    },
    Scalar(Scalar),
}

fn null_scalar() -> Scalar {
    Scalar::Null(())
}

/// Text or raw HTML content: the `text`/`html` param pair of many components.
/// HTML (when non-empty) is written as is; text is escaped.
#[derive(Clone, Copy, Debug)]
pub struct Content<'a> {
    html: Option<&'a str>,
    text: &'a str,
    trim: bool,
}

impl fmt::Display for Content<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.html {
            Some(h) if !h.is_empty() => f.write_str(if self.trim { h.trim() } else { h }),
            _ => write_escaped(f, self.text),
        }
    }
}

impl HtmlSafe for Content<'_> {}

/// `html | safe if html else text`.
pub fn content<'a>(html: &'a Option<String>, text: &'a str) -> Content<'a> {
    Content {
        html: html.as_deref(),
        text,
        trim: false,
    }
}

/// `html | safe | trim if html else text`.
pub fn content_trim<'a>(html: &'a Option<String>, text: &'a str) -> Content<'a> {
    Content {
        html: html.as_deref(),
        text,
        trim: true,
    }
}

/// Raw HTML (already safe) for output with `{{ }}` in a template.
#[derive(Clone, Copy, Debug)]
pub struct Raw<'a>(pub &'a str);

impl fmt::Display for Raw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl HtmlSafe for Raw<'_> {}

/// Nunjucks truthiness of an optional string: `Some` and non-empty.
pub fn present(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// Nunjucks truthiness of optional text or HTML.
pub fn has_content(html: &Option<String>, text: &str) -> bool {
    present(html).is_some() || !text.is_empty()
}

/// Joins `a` and `b` with a space, skipping empty parts.
pub(crate) fn join_space(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_owned(),
        (_, true) => a.to_owned(),
        _ => format!("{a} {b}"),
    }
}

/// Serde helpers for params the Nunjucks macros accept in several JSON types.
pub(crate) mod de {
    use super::Scalar;
    use serde::{Deserialize, Deserializer};

    /// Text from a string, number or boolean (as JavaScript prints it);
    /// `null` → empty.
    pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(Scalar::deserialize(d)?.into_js_string())
    }

    /// Like [`text`] but keeps "given" apart from "not given": any present
    /// value, even `null`, is `Some`.
    pub(crate) fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(Some(Scalar::deserialize(d)?.into_js_string()))
    }

    /// Optional HTML or text where a falsy value (`false`, `null`, `""`, 0)
    /// means "none".
    pub(crate) fn opt_truthy<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let s = Scalar::deserialize(d)?;
        Ok(if s.is_falsy() {
            None
        } else {
            Some(s.into_js_string())
        })
    }

    /// An optional struct where `false`/`null` mean "none".
    pub(crate) fn opt_struct<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        #[derive(Deserialize)]
        #[serde(untagged)]
        #[allow(dead_code)] // the falsy value itself is not needed
        enum Or<T> {
            Falsy(Scalar),
            Value(T),
        }
        Ok(match Or::<T>::deserialize(d)? {
            Or::Falsy(_) => None,
            Or::Value(v) => Some(v),
        })
    }

    /// A list whose falsy entries (`null`, `false`, `""`, 0) are dropped, as
    /// the Nunjucks templates skip them with `{% if item %}`.
    pub(crate) fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        #[derive(Deserialize)]
        #[serde(untagged)]
        #[allow(dead_code)] // the falsy value itself is not needed
        enum Entry<T> {
            Falsy(Scalar),
            Value(T),
        }
        let entries = Option::<Vec<Entry<T>>>::deserialize(d)?;
        Ok(entries
            .unwrap_or_default()
            .into_iter()
            .filter_map(|e| match e {
                Entry::Falsy(_) => None,
                Entry::Value(v) => Some(v),
            })
            .collect())
    }
}

/// Implements [`HtmlSafe`] for component templates, so that a page template
/// can write `{{ component }}` as well as `{{ component|safe }}`.
macro_rules! html_safe {
    ($($t:ty),* $(,)?) => {
        $(impl ::askama::filters::HtmlSafe for $t {})*
    };
}
pub(crate) use html_safe;

/// An already-rendered HTML fragment.
#[derive(Clone, Debug, Default)]
pub struct SafeHtml(pub String);

impl fmt::Display for SafeHtml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl HtmlSafe for SafeHtml {}
