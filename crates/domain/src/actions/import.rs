//! Importing an action plan from a spreadsheet: each row is checked against the partnership's
//! agencies, people and the source's recommendations, and every problem is named by row and
//! column with what is wrong and how to fix it. Nothing is written unless every row is valid.

use chrono::NaiveDate;

/// The columns a plan has (an exported plan has these and more; extra columns are ignored).
pub const COLUMNS: [&str; 8] = [
    "ID",
    "Recommendation",
    "Action",
    "Lead agency",
    "Owner",
    "Supporting agencies",
    "Due date",
    "Success measure",
];

/// One problem in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The row as the spreadsheet numbers it (the header is row 1).
    pub row: usize,
    pub column: String,
    pub what: String,
    pub fix: String,
}

/// A valid row that adds an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRow {
    pub row: usize,
    pub recommendation_id: Option<String>,
    pub description: String,
    pub lead_agency_id: String,
    pub owner_person_id: String,
    pub supporting_agency_ids: Vec<String>,
    pub due_on: NaiveDate,
    pub success_measure: String,
}

/// What the check found, row by row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    pub new: Vec<NewRow>,
    /// Rows that name an action already in the plan (by its ID): left as they are.
    pub existing: Vec<usize>,
    pub problems: Vec<Problem>,
}

impl Checked {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What the rows are checked against.
pub struct Lookups<'a> {
    /// (id, name)
    pub agencies: &'a [(String, String)],
    /// (id, name, e-mail)
    pub people: &'a [(String, String, String)],
    /// (number, id) of the source's recommendations.
    pub recommendations: &'a [(i64, String)],
    /// The ids of actions already in the plan.
    pub existing: &'a [String],
}

/// A date as people type it in a spreadsheet: 2027-03-31, 31/03/2027 or 31/3/2027.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d-%m-%Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .ok()
}

pub(crate) fn norm(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Checks every row; the first row holds the column names.
pub fn check(rows: &[Vec<String>], l: &Lookups<'_>) -> Checked {
    let mut out = Checked::default();
    let Some(header) = rows.first() else {
        return out;
    };
    let col = |name: &str| header.iter().position(|h| norm(h) == norm(name));
    let mut missing = Vec::new();
    for required in ["Action", "Lead agency", "Owner", "Due date"] {
        if col(required).is_none() {
            missing.push(required);
        }
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
    let agency = |name: &str| {
        l.agencies
            .iter()
            .find(|(_, n)| norm(n) == norm(name))
            .map(|(id, _)| id.clone())
    };
    for (i, r) in rows.iter().enumerate().skip(1) {
        let row = i + 1;
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
        if !id.is_empty() {
            if l.existing.contains(&id) {
                out.existing.push(row);
                continue;
            }
            problem(
                "ID",
                format!("{id} is not an action of this plan"),
                "Leave the ID empty for a new action; keep it only on rows exported from this plan",
            );
        }
        let description = cell(r, "Action");
        if description.is_empty() {
            problem(
                "Action",
                "The action is empty".into(),
                "Describe what will be done",
            );
        } else if description.chars().count() > 2000 {
            problem(
                "Action",
                "The action is longer than 2,000 characters".into(),
                "Shorten it, or split it into two actions",
            );
        }
        let lead_name = cell(r, "Lead agency");
        let lead = agency(&lead_name);
        if lead_name.is_empty() {
            problem(
                "Lead agency",
                "No lead agency".into(),
                "Enter the name of an agency of the partnership",
            );
        } else if lead.is_none() {
            problem(
                "Lead agency",
                format!("{lead_name} is not an agency of the partnership"),
                "Use an agency's name exactly as the partnership's agency list spells it",
            );
        }
        let owner_text = cell(r, "Owner");
        let owner = l
            .people
            .iter()
            .filter(|(_, n, e)| norm(e) == norm(&owner_text) || norm(n) == norm(&owner_text))
            .map(|(id, _, _)| id.clone())
            .collect::<Vec<_>>();
        match owner.len() {
            _ if owner_text.is_empty() => problem(
                "Owner",
                "No owner".into(),
                "Enter the e-mail address of the person who owns the action",
            ),
            0 => problem(
                "Owner",
                format!("{owner_text} is not a person of the partnership"),
                "Enter the e-mail address of someone with an account, or invite them first",
            ),
            1 => {}
            _ => problem(
                "Owner",
                format!("More than one person is called {owner_text}"),
                "Enter the owner's e-mail address instead of their name",
            ),
        }
        let mut supporting = Vec::new();
        for name in cell(r, "Supporting agencies")
            .split([';', '\n'])
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            match agency(name) {
                Some(a) => supporting.push(a),
                None => problem(
                    "Supporting agencies",
                    format!("{name} is not an agency of the partnership"),
                    "Separate agency names with semicolons, spelt as the agency list spells them",
                ),
            }
        }
        let due_text = cell(r, "Due date");
        let due = parse_date(&due_text);
        if due.is_none() {
            problem(
                "Due date",
                if due_text.is_empty() {
                    "No due date".into()
                } else {
                    format!("{due_text} is not a date")
                },
                "Write the date as 31/03/2027 or 2027-03-31",
            );
        }
        let rec_text = cell(r, "Recommendation");
        let recommendation = if rec_text.is_empty() {
            None
        } else {
            let found = rec_text
                .trim_start_matches(['R', 'r', '#'])
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(|n| l.recommendations.iter().find(|(k, _)| *k == n));
            if found.is_none() {
                problem(
                    "Recommendation",
                    format!("{rec_text} is not a recommendation of this source"),
                    "Give the recommendation's number as the review lists it, or leave it empty",
                );
            }
            found.map(|(_, id)| id.clone())
        };
        let success_measure = cell(r, "Success measure");
        if let (true, Some(lead), [owner], Some(due)) =
            (problems.is_empty(), lead, owner.as_slice(), due)
        {
            out.new.push(NewRow {
                row,
                recommendation_id: recommendation,
                description,
                lead_agency_id: lead,
                owner_person_id: owner.clone(),
                supporting_agency_ids: supporting,
                due_on: due,
                success_measure: success_measure.chars().take(2000).collect(),
            });
        } else {
            out.problems.extend(problems);
        }
    }
    if out.new.is_empty() && out.problems.is_empty() && out.existing.is_empty() {
        out.problems.push(Problem {
            row: 2,
            column: "Action".into(),
            what: "The file has a header row but no actions".into(),
            fix: "Add one row per action under the header".into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(lines: &[&[&str]]) -> Vec<Vec<String>> {
        lines
            .iter()
            .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
            .collect()
    }

    #[test]
    fn each_problem_names_its_row_and_column_and_how_to_fix_it() {
        let agencies = vec![
            ("a1".to_owned(), "Northbrook Police".to_owned()),
            ("a2".to_owned(), "Northbrook Council".to_owned()),
        ];
        let people = vec![(
            "p1".to_owned(),
            "Pat Lead".to_owned(),
            "pat@x.example".to_owned(),
        )];
        let recs = vec![(1, "r1".to_owned())];
        let existing = vec!["old".to_owned()];
        let l = Lookups {
            agencies: &agencies,
            people: &people,
            recommendations: &recs,
            existing: &existing,
        };
        let got = check(
            &rows(&[
                &[
                    "ID",
                    "Recommendation",
                    "Action",
                    "Lead agency",
                    "Owner",
                    "Supporting agencies",
                    "Due date",
                    "Success measure",
                ],
                &[
                    "",
                    "1",
                    "Train staff",
                    "northbrook police",
                    "pat@x.example",
                    "Northbrook Council",
                    "31/03/2027",
                    "Audit shows",
                ],
                &[
                    "old",
                    "",
                    "Already there",
                    "Northbrook Police",
                    "pat@x.example",
                    "",
                    "2027-01-01",
                    "",
                ],
                &[
                    "",
                    "9",
                    "Bad",
                    "Northbrook Fire",
                    "nobody",
                    "",
                    "31/02/2027",
                    "",
                ],
            ]),
            &l,
        );
        assert_eq!(got.new.len(), 1);
        assert_eq!(got.new[0].lead_agency_id, "a1");
        assert_eq!(got.new[0].supporting_agency_ids, vec!["a2".to_owned()]);
        assert_eq!(got.new[0].recommendation_id.as_deref(), Some("r1"));
        assert_eq!(got.existing, vec![3]);
        let cols: Vec<&str> = got.problems.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(
            cols,
            vec!["Lead agency", "Owner", "Due date", "Recommendation"]
        );
        assert!(got.problems.iter().all(|p| p.row == 4 && !p.fix.is_empty()));
        assert!(!got.is_valid());
    }

    #[test]
    fn a_file_without_the_columns_says_which_are_missing() {
        let l = Lookups {
            agencies: &[],
            people: &[],
            recommendations: &[],
            existing: &[],
        };
        let got = check(&rows(&[&["Name", "When"], &["x", "y"]]), &l);
        assert_eq!(got.problems.len(), 1);
        assert!(
            got.problems[0]
                .what
                .contains("Action, Lead agency, Owner, Due date")
        );
        assert_eq!(
            parse_date("31/3/2027"),
            NaiveDate::from_ymd_opt(2027, 3, 31)
        );
    }
}
