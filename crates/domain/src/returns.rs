//! Returns: asking an agency (and the person it names) for a structured answer to a question
//! set by a date. Multi-agency audits are the first user; Section 11 self-assessments, training
//! evaluations and indicator values are the same mechanism with other question sets.
//!
//! A return moves requested → draft → submitted, may be sent back with a note and submitted
//! again, and is locked once accepted. Every submission is kept as a version.

use chrono::NaiveDate;

/// Where a return stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReturnState {
    /// Asked for; nothing written yet.
    Requested,
    /// Being written; only its writer and the people running the exercise see it.
    Draft,
    /// Sent in, waiting to be accepted or sent back.
    Submitted,
    /// Sent back for more work, with a note saying what.
    Returned,
    /// Accepted: nobody changes it any more.
    Locked,
}

/// What someone does to a return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnMove {
    /// Save the answers without sending them.
    Save,
    Submit,
    /// Send a submitted return back for more work.
    SendBack,
    /// Accept a submitted return.
    Lock,
}

impl ReturnState {
    pub const ALL: [ReturnState; 5] = [
        ReturnState::Requested,
        ReturnState::Draft,
        ReturnState::Submitted,
        ReturnState::Returned,
        ReturnState::Locked,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            ReturnState::Requested => "requested",
            ReturnState::Draft => "draft",
            ReturnState::Submitted => "submitted",
            ReturnState::Returned => "returned",
            ReturnState::Locked => "locked",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReturnState::Requested => "Not started",
            ReturnState::Draft => "Draft",
            ReturnState::Submitted => "Submitted",
            ReturnState::Returned => "Sent back for more work",
            ReturnState::Locked => "Accepted",
        }
    }

    /// The GOV.UK tag colour for the state.
    pub fn tag_class(self) -> &'static str {
        match self {
            ReturnState::Requested => "govuk-tag--grey",
            ReturnState::Draft => "govuk-tag--yellow",
            ReturnState::Submitted => "govuk-tag--blue",
            ReturnState::Returned => "govuk-tag--orange",
            ReturnState::Locked => "govuk-tag--green",
        }
    }

    pub fn parse(s: &str) -> Option<ReturnState> {
        ReturnState::ALL.into_iter().find(|r| r.slug() == s)
    }

    /// Whether the return has been sent in (and not sent back since): it counts as answered.
    pub fn is_in(self) -> bool {
        matches!(self, ReturnState::Submitted | ReturnState::Locked)
    }

    /// Whether its writer can still change the answers.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ReturnState::Requested | ReturnState::Draft | ReturnState::Returned
        )
    }

    /// The state after a move, or the sentence that says why the move cannot be made.
    pub fn after(self, m: ReturnMove) -> Result<ReturnState, &'static str> {
        use ReturnMove as M;
        use ReturnState as S;
        match (self, m) {
            (S::Locked, _) => {
                Err("This return has been accepted and is locked: it cannot be changed")
            }
            (S::Requested | S::Draft, M::Save) => Ok(S::Draft),
            (S::Returned, M::Save) => Ok(S::Returned),
            (S::Requested | S::Draft | S::Returned, M::Submit) => Ok(S::Submitted),
            (S::Submitted, M::Save | M::Submit) => {
                Err("This return has been submitted: it can be changed only if it is sent back")
            }
            (S::Submitted, M::SendBack) => Ok(S::Returned),
            (S::Submitted, M::Lock) => Ok(S::Locked),
            (_, M::SendBack | M::Lock) => {
                Err("Only a submitted return can be sent back or accepted")
            }
        }
    }
}

impl std::fmt::Display for ReturnState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

impl TryFrom<String> for ReturnState {
    type Error = crate::stored::Unknown;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        crate::stored::decode(s, "return state", ReturnState::parse)
    }
}

impl crate::stored::Slug for ReturnState {
    fn slug(&self) -> &'static str {
        ReturnState::slug(*self)
    }
}

/// A grading scale, best grade first. Question sets carry their own; this is the default.
pub const DEFAULT_SCALE: [&str; 4] = ["Outstanding", "Good", "Requires improvement", "Inadequate"];

/// Checks a grade chosen on a form against the scale it must come from.
pub fn check_grade<'a>(scale: &'a [String], grade: &str) -> Result<&'a str, String> {
    let g = grade.trim();
    if g.is_empty() {
        return Err("Choose a grade".to_owned());
    }
    scale
        .iter()
        .find(|s| s.as_str() == g)
        .map(String::as_str)
        .ok_or_else(|| {
            format!(
                "Choose one of the grades on the scale: {}",
                scale.join(", ")
            )
        })
}

/// Checks the lines (questions) of a question set: one to twelve, each a short sentence,
/// none twice.
pub fn check_lines(lines: &[String]) -> Result<Vec<String>, String> {
    let lines: Vec<String> = lines
        .iter()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        return Err("Enter at least one line of enquiry".to_owned());
    }
    if lines.len() > 12 {
        return Err("Enter no more than 12 lines of enquiry".to_owned());
    }
    if let Some(l) = lines.iter().find(|l| l.chars().count() > 300) {
        return Err(format!(
            "Line of enquiry must be 300 characters or fewer: “{}…”",
            l.chars().take(40).collect::<String>()
        ));
    }
    for (i, l) in lines.iter().enumerate() {
        if lines[..i].iter().any(|p| p.eq_ignore_ascii_case(l)) {
            return Err(format!(
                "“{l}” is listed twice: enter each line of enquiry once"
            ));
        }
    }
    Ok(lines)
}

/// Checks a grading scale typed one grade a line: two to seven grades, none twice.
pub fn check_scale(grades: &[String]) -> Result<Vec<String>, String> {
    let grades: Vec<String> = grades
        .iter()
        .map(|g| g.trim().to_owned())
        .filter(|g| !g.is_empty())
        .collect();
    if grades.len() < 2 {
        return Err("A grading scale needs at least two grades".to_owned());
    }
    if grades.len() > 7 {
        return Err("A grading scale has no more than seven grades".to_owned());
    }
    if let Some(g) = grades.iter().find(|g| g.chars().count() > 60) {
        return Err(format!("Grade “{g}” must be 60 characters or fewer"));
    }
    for (i, g) in grades.iter().enumerate() {
        if grades[..i].iter().any(|p| p.eq_ignore_ascii_case(g)) {
            return Err(format!("“{g}” is on the scale twice"));
        }
    }
    Ok(grades)
}

/// Whether a change to a question set may apply to returns already open on it (wording only:
/// the same number of lines, the same grades, and no line moved to another place), or must be
/// a new version that only returns requested from now on use. Answers are kept by their line's
/// place, so a line moved would carry every answer given to it to another question.
pub fn is_minor_change(
    old_lines: &[String],
    old_scale: &[String],
    new_lines: &[String],
    new_scale: &[String],
) -> bool {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    let moved = old_lines.iter().enumerate().any(|(i, old)| {
        new_lines
            .iter()
            .enumerate()
            .any(|(j, new)| i != j && same(old, new))
    });
    old_lines.len() == new_lines.len() && old_scale == new_scale && !moved
}

/// Where a return stands against its due date, for the people chasing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chase {
    /// Answered: nothing to chase.
    In,
    /// Not yet due.
    Open,
    /// Due within `soon` days.
    DueSoon,
    DueToday,
    Overdue,
}

/// How a return stands against its due date today.
pub fn chase(state: ReturnState, due: NaiveDate, today: NaiveDate, soon: i64) -> Chase {
    if state.is_in() {
        return Chase::In;
    }
    let days = (due - today).num_days();
    match days {
        d if d < 0 => Chase::Overdue,
        0 => Chase::DueToday,
        d if d <= soon => Chase::DueSoon,
        _ => Chase::Open,
    }
}

/// The share of returns answered, as a whole percentage (none asked: none to answer, 100).
pub fn response_rate(answered: usize, asked: usize) -> u32 {
    if asked == 0 {
        return 100;
    }
    u32::try_from(answered.min(asked) * 100 / asked).unwrap_or(100)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_return_is_saved_submitted_sent_back_resubmitted_and_locked() {
        let s = ReturnState::Requested;
        let s = s.after(ReturnMove::Save).unwrap();
        assert_eq!(s, ReturnState::Draft);
        let s = s.after(ReturnMove::Submit).unwrap();
        assert!(s.is_in());
        assert!(s.after(ReturnMove::Save).is_err());
        let s = s.after(ReturnMove::SendBack).unwrap();
        assert_eq!(s, ReturnState::Returned);
        assert!(!s.is_in());
        assert_eq!(s.after(ReturnMove::Save).unwrap(), ReturnState::Returned);
        let s = s.after(ReturnMove::Submit).unwrap();
        let s = s.after(ReturnMove::Lock).unwrap();
        assert_eq!(s, ReturnState::Locked);
        for m in [
            ReturnMove::Save,
            ReturnMove::Submit,
            ReturnMove::SendBack,
            ReturnMove::Lock,
        ] {
            assert!(s.after(m).unwrap_err().contains("locked"));
        }
        assert!(ReturnState::Draft.after(ReturnMove::Lock).is_err());
    }

    proptest! {
        #[test]
        fn no_sequence_of_moves_leaves_a_locked_return(moves in proptest::collection::vec(0u8..4, 0..20)) {
            let mut s = ReturnState::Requested;
            let mut locked = false;
            for m in moves {
                let m = [ReturnMove::Save, ReturnMove::Submit, ReturnMove::SendBack, ReturnMove::Lock][usize::from(m)];
                if let Ok(next) = s.after(m) {
                    prop_assert!(!locked, "a locked return moved");
                    s = next;
                    locked = s == ReturnState::Locked;
                }
            }
        }
    }

    #[test]
    fn a_grade_must_come_from_the_scale() {
        let scale: Vec<String> = DEFAULT_SCALE.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(check_grade(&scale, " Good ").unwrap(), "Good");
        assert!(
            check_grade(&scale, "Excellent")
                .unwrap_err()
                .contains("Outstanding, Good")
        );
        assert_eq!(check_grade(&scale, "").unwrap_err(), "Choose a grade");
    }

    #[test]
    fn lines_and_scales_are_checked_with_what_to_fix() {
        let v = |xs: &[&str]| xs.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(check_lines(&v(&["A", "", " B "])).unwrap(), v(&["A", "B"]));
        assert!(check_lines(&v(&["", " "])).is_err());
        assert!(
            check_lines(&v(&["Same", "same"]))
                .unwrap_err()
                .contains("twice")
        );
        assert!(check_scale(&v(&["Only"])).is_err());
        assert!(check_scale(&v(&["Met", "Met"])).is_err());
        assert!(is_minor_change(
            &v(&["A"]),
            &v(&["x", "y"]),
            &v(&["A reworded"]),
            &v(&["x", "y"])
        ));
        assert!(!is_minor_change(
            &v(&["A"]),
            &v(&["x", "y"]),
            &v(&["A", "B"]),
            &v(&["x", "y"])
        ));
        assert!(!is_minor_change(
            &v(&["A"]),
            &v(&["x", "y"]),
            &v(&["A"]),
            &v(&["x", "z"])
        ));
        // Reordering moves answers to other questions: a new version.
        assert!(!is_minor_change(
            &v(&["A", "B", "C"]),
            &v(&["x", "y"]),
            &v(&["B", "A", "C"]),
            &v(&["x", "y"])
        ));
        assert!(!is_minor_change(
            &v(&["A", "B"]),
            &v(&["x", "y"]),
            &v(&["B", "B reworded"]),
            &v(&["x", "y"])
        ));
        assert!(is_minor_change(
            &v(&["A", "B"]),
            &v(&["x", "y"]),
            &v(&["A", "B, reworded"]),
            &v(&["x", "y"])
        ));
    }

    #[test]
    fn chasing_follows_the_due_date_until_the_return_is_in() {
        let d = |n| NaiveDate::from_ymd_opt(2026, 12, n).unwrap();
        assert_eq!(chase(ReturnState::Draft, d(10), d(1), 5), Chase::Open);
        assert_eq!(chase(ReturnState::Draft, d(10), d(6), 5), Chase::DueSoon);
        assert_eq!(
            chase(ReturnState::Requested, d(10), d(10), 5),
            Chase::DueToday
        );
        assert_eq!(
            chase(ReturnState::Returned, d(10), d(11), 5),
            Chase::Overdue
        );
        assert_eq!(chase(ReturnState::Submitted, d(10), d(11), 5), Chase::In);
        assert_eq!(response_rate(1, 3), 33);
        assert_eq!(response_rate(0, 0), 100);
    }
}
