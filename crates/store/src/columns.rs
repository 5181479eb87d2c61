//! Values stored as text on both engines and decoded into their types where the row is read: a
//! calendar date ([`Day`], `YYYY-MM-DD`), a meeting's local time ([`WallTime`]) and a list of
//! texts ([`Lines`], a JSON array). A stored value that does not decode fails the read (and is
//! logged with the request) instead of turning into a default.

use std::fmt;
use std::ops::Deref;

use chrono::{NaiveDate, NaiveDateTime};

use crate::Value;

/// A date read from a row. Derefs to [`NaiveDate`] for the domain's rules; shows and
/// serialises (the audit trail's before and after) as its stored text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub NaiveDate);

impl Day {
    /// The date itself.
    pub fn date(self) -> NaiveDate {
        self.0
    }

    /// The date as people read it: "18 December 2026".
    pub fn long(self) -> String {
        learnloop_domain::dates::long(self.0)
    }

    /// A date that may be missing as a spreadsheet cell: `YYYY-MM-DD`, or empty.
    pub fn or_blank(d: Option<Day>) -> String {
        d.map(|d| d.to_string()).unwrap_or_default()
    }
}

impl Deref for Day {
    type Target = NaiveDate;
    fn deref(&self) -> &NaiveDate {
        &self.0
    }
}

impl From<NaiveDate> for Day {
    fn from(d: NaiveDate) -> Day {
        Day(d)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl serde::Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl PartialEq<&str> for Day {
    fn eq(&self, other: &&str) -> bool {
        learnloop_domain::dates::parse_iso(other) == Some(self.0)
    }
}

impl PartialEq<str> for Day {
    fn eq(&self, other: &str) -> bool {
        learnloop_domain::dates::parse_iso(other) == Some(self.0)
    }
}

impl From<Day> for Value {
    fn from(d: Day) -> Value {
        Value::Text(Some(d.to_string()))
    }
}

impl From<&Day> for Value {
    fn from(d: &Day) -> Value {
        Value::from(*d)
    }
}

impl From<&Option<Day>> for Value {
    fn from(d: &Option<Day>) -> Value {
        Value::from(*d)
    }
}

impl From<Option<Day>> for Value {
    fn from(d: Option<Day>) -> Value {
        Value::Text(d.map(|d| d.to_string()))
    }
}

/// Stored as text on both engines, decoded by parsing it: a value that does not parse fails the
/// read with a message naming what was expected.
macro_rules! text_decoded {
    ($t:ty, $parse:expr, $expected:literal) => {
        impl<DB: sqlx::Database> sqlx::Type<DB> for $t
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $t
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<$t, sqlx::error::BoxDynError> {
                let text = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                let parse: fn(&str) -> Option<$t> = $parse;
                parse(text).ok_or_else(|| {
                    format!(concat!("a stored ", $expected, " is not valid: {:?}"), text).into()
                })
            }
        }
    };
}

text_decoded!(
    Day,
    |s| learnloop_domain::dates::parse_iso(s).map(Day),
    "date (YYYY-MM-DD)"
);
text_decoded!(
    WallTime,
    |s| NaiveDateTime::parse_from_str(s, WallTime::FORMAT)
        .ok()
        .map(WallTime),
    "local time (YYYY-MM-DDTHH:MM)"
);

text_decoded!(
    Lines,
    |s| serde_json::from_str::<Vec<String>>(s).ok().map(Lines),
    "list of texts (a JSON array)"
);

/// A list of texts kept in one column as a JSON array: a question set's lines and scale, a
/// return's answers.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Lines(pub Vec<String>);

impl Lines {
    /// The stored text.
    pub fn json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "[]".to_owned())
    }
}

impl From<&Lines> for Value {
    fn from(l: &Lines) -> Value {
        Value::Text(Some(l.json()))
    }
}

/// A local wall-clock time (Europe/London) as a meeting stores it, `YYYY-MM-DDTHH:MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WallTime(pub NaiveDateTime);

impl WallTime {
    pub const FORMAT: &'static str = "%Y-%m-%dT%H:%M";

    /// The day it falls on.
    pub fn date(self) -> NaiveDate {
        self.0.date()
    }

    /// The time of day, `HH:MM`.
    pub fn time(self) -> String {
        self.0.format("%H:%M").to_string()
    }
}

impl fmt::Display for WallTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format(WallTime::FORMAT))
    }
}

impl serde::Serialize for WallTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl From<&WallTime> for Value {
    fn from(t: &WallTime) -> Value {
        Value::from(*t)
    }
}

impl From<WallTime> for Value {
    fn from(t: WallTime) -> Value {
        Value::Text(Some(t.to_string()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn shows_and_serialises_as_stored_text() {
        let d = Day(NaiveDate::from_ymd_opt(2026, 3, 9).unwrap());
        assert_eq!(d.to_string(), "2026-03-09");
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"2026-03-09\"");
        assert_eq!(d.long(), "9 March 2026");
        assert!(d == "2026-03-09");
    }
}
