//! Importing indicator values from a spreadsheet (CSV or XLSX): one row a value, with the
//! indicator's name, the period and the value, and a reason where the row corrects a value
//! entered before. Every row is checked against the dataset and named by row and column with
//! what is wrong and how to fix it; nothing is written unless every row is valid.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{Frequency, Period, Unit};
use crate::actions::import::{Problem, norm};

/// The columns a values sheet has; extra columns are ignored. The ID (as the downloaded sheet
/// gives it) names the indicator when present; otherwise its name does.
pub const COLUMNS: [&str; 5] = ["ID", "Indicator", "Period", "Value", "Reason"];

/// An indicator as the rows are checked against it.
#[derive(Clone, Debug)]
pub struct Known {
    pub id: String,
    pub name: String,
    pub frequency: Frequency,
    pub unit: Unit,
    pub retired: bool,
    /// Whether the person importing may enter its values (its agency's lead, the business team).
    pub may_enter: bool,
}

/// A valid row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub row: usize,
    pub indicator_id: String,
    pub indicator: String,
    pub period: Period,
    pub value: f64,
    pub unit: Unit,
    /// The value it corrects, if the period had one.
    pub before: Option<f64>,
    pub reason: String,
}

impl Row {
    /// "New", "Unchanged" or "Corrects 41".
    pub fn change(&self) -> String {
        match self.before {
            None => "New".to_owned(),
            Some(b) if (b - self.value).abs() < 1e-12 => "Unchanged".to_owned(),
            Some(b) => format!("Corrects {}", self.unit.show(b)),
        }
    }

    pub fn shown(&self) -> String {
        self.unit.show(self.value)
    }

    /// Whether importing it writes anything.
    pub fn writes(&self) -> bool {
        self.before.is_none_or(|b| (b - self.value).abs() >= 1e-12)
    }
}

/// What the check found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Checked {
    pub rows: Vec<Row>,
    pub problems: Vec<Problem>,
}

impl Checked {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// The rows that write a value (new or corrected).
    pub fn writing(&self) -> usize {
        self.rows.iter().filter(|r| r.writes()).count()
    }
}

/// Checks every row; the first row holds the column names. `existing` holds the values
/// already entered, by (indicator id, period key); `today` bounds the periods (a period that
/// has not begun takes no value).
pub fn check(
    rows: &[Vec<String>],
    known: &[Known],
    existing: &HashMap<(String, String), f64>,
    today: NaiveDate,
) -> Checked {
    let mut out = Checked::default();
    let Some(header) = rows.first() else {
        out.problems.push(Problem {
            row: 1,
            column: String::new(),
            what: "The file is empty".into(),
            fix: format!(
                "Put the column names in the first row ({}) and a value on each row after it",
                COLUMNS.join(", ")
            ),
        });
        return out;
    };
    let col = |name: &str| header.iter().position(|h| norm(h) == norm(name));
    let mut missing: Vec<&str> = ["Indicator", "Period", "Value"]
        .into_iter()
        .filter(|c| col(c).is_none())
        .collect();
    if col("ID").is_some() {
        missing.retain(|c| *c != "Indicator");
    }
    if !missing.is_empty() {
        out.problems.push(Problem {
            row: 1,
            column: missing.join(", "),
            what: format!("The header row has no column called {}", missing.join(", ")),
            fix: format!(
                "Put the column names in the first row: {}",
                COLUMNS.join(", ")
            ),
        });
        return out;
    }
    let cell = |r: &Vec<String>, name: &str| {
        col(name)
            .and_then(|i| r.get(i))
            .map(|c| c.trim().to_owned())
            .unwrap_or_default()
    };
    // Names read once: a sheet of thousands of rows is checked against the dataset by lookup.
    let by_id: HashMap<&str, &Known> = known.iter().map(|k| (k.id.as_str(), k)).collect();
    let mut by_name: HashMap<String, Vec<&Known>> = HashMap::new();
    for k in known {
        by_name.entry(norm(&k.name)).or_default().push(k);
    }
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate().skip(1) {
        let row = i + 1;
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut problems = Vec::new();
        let mut problem = |column: &str, what: String, fix: &str| {
            problems.push(Problem {
                row,
                column: column.to_owned(),
                what,
                fix: fix.to_owned(),
            });
        };
        let id = cell(r, "ID");
        let name = cell(r, "Indicator");
        let named = by_name.get(&norm(&name)).map_or(&[][..], Vec::as_slice);
        let ind = if id.is_empty() {
            named.first().copied()
        } else {
            by_id.get(id.as_str()).copied()
        };
        match ind {
            None if !id.is_empty() => problem(
                "ID",
                format!("{id} is not the ID of an indicator of the dataset"),
                "Keep the ID as the downloaded sheet gives it, or leave it empty and name the indicator",
            ),
            _ if id.is_empty() && named.len() > 1 => problem(
                "Indicator",
                format!("More than one indicator is called “{name}”"),
                "Give the indicator's ID in the ID column, as the downloaded sheet does",
            ),
            _ if name.is_empty() && id.is_empty() => problem(
                "Indicator",
                "No indicator".into(),
                "Enter the indicator's name as the dataset spells it",
            ),
            None => problem(
                "Indicator",
                format!("“{name}” is not an indicator of the dataset"),
                "Use the indicator's name exactly as the dataset page spells it",
            ),
            Some(k) if k.retired => problem(
                "Indicator",
                format!("“{}” has been retired and takes no more values", k.name),
                "Remove the row",
            ),
            Some(k) if !k.may_enter => problem(
                "Indicator",
                format!(
                    "“{}” belongs to another agency: its lead enters its values",
                    k.name
                ),
                "Remove the row, or ask that agency's lead to import it",
            ),
            Some(_) => {}
        }
        let usable = ind.filter(|k| !k.retired && k.may_enter);
        let period = usable.and_then(|k| {
            let text = cell(r, "Period");
            match Period::parse(k.frequency, &text) {
                Ok(p) if p > Period::of(k.frequency, today) => {
                    problem(
                        "Period",
                        format!("{} has not begun", p.label()),
                        "Enter a period up to the current one",
                    );
                    None
                }
                Ok(p) => Some(p),
                Err(m) => {
                    let what = if text.is_empty() {
                        "No period".to_owned()
                    } else {
                        format!("“{text}” is not a period of this indicator")
                    };
                    problem("Period", what, &m);
                    None
                }
            }
        });
        let value = usable.and_then(|k| match k.unit.check(&cell(r, "Value")) {
            Ok(v) => Some(v),
            Err(m) => {
                problem("Value", "The value cannot be used".into(), &m);
                None
            }
        });
        let reason = cell(r, "Reason");
        if reason.chars().count() > 2000 {
            problem(
                "Reason",
                "The reason is longer than 2,000 characters".into(),
                "Shorten it",
            );
        }
        if let (Some(k), Some(p), Some(v)) = (usable, period, value) {
            let key = (k.id.clone(), p.key());
            if let Some(first) = seen.get(&key) {
                problem(
                    "Period",
                    format!("Row {first} already gives “{}” for {}", k.name, p.label()),
                    "Keep one row for each indicator and period",
                );
            } else {
                seen.insert(key.clone(), row);
            }
            let before = existing.get(&key).copied();
            let corrects = before.is_some_and(|b| (b - v).abs() >= 1e-12);
            if corrects && reason.is_empty() {
                problem(
                    "Reason",
                    format!(
                        "{} already has a value ({}) and this row changes it",
                        p.label(),
                        k.unit.show(before.unwrap_or_default())
                    ),
                    "Say in the Reason column why the value is being corrected",
                );
            }
            if problems.is_empty() {
                out.rows.push(Row {
                    row,
                    indicator_id: k.id.clone(),
                    indicator: k.name.clone(),
                    period: p,
                    value: v,
                    unit: k.unit,
                    before,
                    reason,
                });
            }
        }
        out.problems.extend(problems);
    }
    if out.rows.is_empty() && out.problems.is_empty() {
        out.problems.push(Problem {
            row: 2,
            column: String::new(),
            what: "The file has no values".into(),
            fix: "Put one value on each row after the column names".into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn known() -> Vec<Known> {
        let k = |id: &str, name: &str, unit, retired, may_enter| Known {
            id: id.into(),
            name: name.into(),
            frequency: Frequency::Quarterly,
            unit,
            retired,
            may_enter,
        };
        vec![
            k(
                "a",
                "Health visits within 14 days",
                Unit::Percentage,
                false,
                true,
            ),
            k("b", "Old measure", Unit::Count, true, true),
            k("c", "Police charge rate", Unit::Percentage, false, false),
        ]
    }

    fn rows(r: &[[&str; 4]]) -> Vec<Vec<String>> {
        let mut out = vec![
            ["Indicator", "Period", "Value", "Reason"]
                .iter()
                .map(|c| (*c).to_owned())
                .collect(),
        ];
        out.extend(
            r.iter()
                .map(|r| r.iter().map(|c| (*c).to_owned()).collect()),
        );
        out
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
    }

    #[test]
    fn good_rows_are_new_or_corrections_with_reasons() {
        let mut existing = HashMap::new();
        existing.insert(("a".to_owned(), "2026-Q1".to_owned()), 80.0);
        existing.insert(("a".to_owned(), "2026-Q2".to_owned()), 81.0);
        let c = check(
            &rows(&[
                [
                    "health visits WITHIN 14 days",
                    "2026 Q1",
                    "82.5%",
                    "Late returns counted",
                ],
                ["Health visits within 14 days", "Q2 2026", "81", ""],
                ["Health visits within 14 days", "2026-Q3", "79", ""],
            ]),
            &known(),
            &existing,
            today(),
        );
        assert!(c.is_valid(), "{:?}", c.problems);
        assert_eq!(c.rows.len(), 3);
        assert_eq!(c.rows[0].change(), "Corrects 80%");
        assert_eq!(c.rows[1].change(), "Unchanged");
        assert_eq!(c.rows[2].change(), "New");
        assert_eq!(c.writing(), 2);
    }

    #[test]
    fn every_bad_row_is_named_with_its_column() {
        let mut existing = HashMap::new();
        existing.insert(("a".to_owned(), "2026-Q1".to_owned()), 80.0);
        let c = check(
            &rows(&[
                ["Unknown measure", "2026-Q1", "3", ""],
                ["Old measure", "2026-Q1", "3", ""],
                ["Police charge rate", "2026-Q1", "3", ""],
                ["Health visits within 14 days", "2026-03", "50", ""],
                ["Health visits within 14 days", "2026-Q2", "120", ""],
                ["Health visits within 14 days", "2026-Q2", "lots", ""],
                ["Health visits within 14 days", "2027-Q3", "50", ""],
                ["Health visits within 14 days", "2026-Q1", "70", ""],
                ["Health visits within 14 days", "2026-Q3", "70", ""],
                ["Health visits within 14 days", "2026-Q3", "71", ""],
            ]),
            &known(),
            &existing,
            today(),
        );
        let at: Vec<(usize, &str)> = c
            .problems
            .iter()
            .map(|p| (p.row, p.column.as_str()))
            .collect();
        assert_eq!(
            at,
            vec![
                (2, "Indicator"),
                (3, "Indicator"),
                (4, "Indicator"),
                (5, "Period"),
                (6, "Value"),
                (7, "Value"),
                (8, "Period"),
                (9, "Reason"),
                (11, "Period"),
            ]
        );
        assert!(c.problems[4].fix.contains("cannot be more than 100"));
        assert!(!c.is_valid());
    }

    #[test]
    fn an_id_names_the_indicator_and_a_shared_name_needs_one() {
        let mut k = known();
        k.push(Known {
            id: "d".into(),
            name: "Health visits within 14 days".into(),
            frequency: Frequency::Quarterly,
            unit: Unit::Percentage,
            retired: false,
            may_enter: true,
        });
        let c = check(
            &rows(&[["Health visits within 14 days", "2026-Q1", "80", ""]]),
            &k,
            &HashMap::new(),
            today(),
        );
        assert!(
            c.problems[0].what.contains("More than one indicator"),
            "{:?}",
            c.problems
        );
        let with_id = |id: &str| {
            vec![
                vec![
                    "ID".to_owned(),
                    "Indicator".into(),
                    "Period".into(),
                    "Value".into(),
                ],
                vec![
                    id.to_owned(),
                    "Health visits within 14 days".into(),
                    "2026-Q1".into(),
                    "80".into(),
                ],
            ]
        };
        let c = check(&with_id("d"), &k, &HashMap::new(), today());
        assert!(c.is_valid(), "{:?}", c.problems);
        assert_eq!(c.rows[0].indicator_id, "d");
        let c = check(&with_id("zz"), &k, &HashMap::new(), today());
        assert_eq!(c.problems[0].column, "ID");
    }

    #[test]
    fn a_header_without_the_columns_is_one_problem() {
        let c = check(
            &[vec!["Name".into(), "When".into()]],
            &known(),
            &HashMap::new(),
            today(),
        );
        assert_eq!(c.problems.len(), 1);
        assert!(c.problems[0].what.contains("Indicator, Period, Value"));
        let empty = check(&rows(&[]), &known(), &HashMap::new(), today());
        assert!(!empty.is_valid());
    }
}
