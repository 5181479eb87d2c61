//! Section 11 self-assessments (SPEC §3.5): every two years each partner agency assesses itself
//! against a standards framework, per standard a rating and its evidence. A framework is a
//! question set (data, with versions: `returns`), the self-assessment a return on the cycle.
//!
//! A new cycle starts from the agency's previous answers, each marked "to review" until the
//! agency confirms or changes it: nothing is copied across as if it were current.

use crate::accounts::Role;
use crate::policy::Actor;

/// A standard of the default framework and what an agency should consider for it.
pub struct Standard {
    pub title: &'static str,
    pub prompts: &'static str,
}

/// The name of the default framework (the eight Pan-London standards, in our own words).
pub const FRAMEWORK: &str = "Section 11 standards";

pub const STANDARDS: [Standard; 8] = [
    Standard {
        title: "1. Senior leaders are committed to safeguarding children and promoting their welfare",
        prompts: "Who on the board or senior team is accountable; how safeguarding features in plans, budgets and reports to leaders",
    },
    Standard {
        title: "2. Staff can read a clear statement of the agency's responsibilities towards children",
        prompts: "Where the statement is published, how staff are told of it, and when it was last reviewed",
    },
    Standard {
        title: "3. There is a clear line of accountability for safeguarding",
        prompts: "The named lead and their deputy, how concerns reach them, and how they report upwards",
    },
    Standard {
        title: "4. Services are designed with safeguarding in mind and shaped by children's and families' views",
        prompts: "How new or changed services are checked for their effect on children; how children and families are heard",
    },
    Standard {
        title: "5. Staff who work with children, or come into contact with them, are trained to safeguard them",
        prompts: "Training needs analysis, take-up by role, refresher intervals, and how the effect of training is checked",
    },
    Standard {
        title: "6. Recruitment is safe, vetting is kept up to date, and allegations against staff are managed",
        prompts: "Checks before appointment, renewal of checks, the designated officer route and what the records show",
    },
    Standard {
        title: "7. The agency works well with other agencies to keep children safe",
        prompts: "Attendance at multi-agency meetings, referrals made and received, how disagreements are resolved",
    },
    Standard {
        title: "8. Information about children is shared effectively and lawfully",
        prompts: "Guidance for staff, how information is shared in an emergency, and audits of information sharing",
    },
];

/// The default rating scale, best first.
pub const SCALE: [&str; 4] = ["Fully met", "Largely met", "Partly met", "Not met"];

/// Where a standard's answer stands in a cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Nothing was carried forward: answered afresh.
    New,
    /// Carried forward from the last cycle and not yet looked at.
    ToReview,
    /// Carried forward and confirmed as still current.
    Confirmed,
    /// Carried forward and changed.
    Changed,
}

impl Mark {
    pub fn slug(self) -> &'static str {
        match self {
            Mark::New => "",
            Mark::ToReview => "to-review",
            Mark::Confirmed => "confirmed",
            Mark::Changed => "changed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Mark::New => "New",
            Mark::ToReview => "To review",
            Mark::Confirmed => "Confirmed as current",
            Mark::Changed => "Changed since last cycle",
        }
    }

    pub fn tag_class(self) -> &'static str {
        match self {
            Mark::New => "govuk-tag--grey",
            Mark::ToReview => "govuk-tag--orange",
            Mark::Confirmed => "govuk-tag--green",
            Mark::Changed => "govuk-tag--blue",
        }
    }

    /// An unknown or empty mark is `New`.
    pub fn parse(s: &str) -> Mark {
        [Mark::ToReview, Mark::Confirmed, Mark::Changed]
            .into_iter()
            .find(|m| m.slug() == s)
            .unwrap_or(Mark::New)
    }
}

/// What a new cycle starts from: for each standard of the framework now in use, the previous
/// answer and rating where the previous assessment answered a standard of the same wording,
/// marked "to review"; a standard it did not have starts empty. (answers, ratings, marks)
pub fn carry(
    previous: (&[String], &[String], &[String]),
    lines: &[String],
) -> (Vec<String>, Vec<String>, Vec<Mark>) {
    let (prev_lines, prev_answers, prev_ratings) = previous;
    let mut answers = Vec::new();
    let mut ratings = Vec::new();
    let mut marks = Vec::new();
    for line in lines {
        match prev_lines.iter().position(|l| l == line) {
            Some(i) => {
                let a = prev_answers.get(i).cloned().unwrap_or_default();
                let r = prev_ratings.get(i).cloned().unwrap_or_default();
                let mark = if a.trim().is_empty() && r.is_empty() {
                    Mark::New
                } else {
                    Mark::ToReview
                };
                answers.push(a);
                ratings.push(r);
                marks.push(mark);
            }
            None => {
                answers.push(String::new());
                ratings.push(String::new());
                marks.push(Mark::New);
            }
        }
    }
    (answers, ratings, marks)
}

/// A standard's mark after the agency writes: changed if its answer or rating now differs
/// from what was carried forward, confirmed if the agency says it is still current, otherwise
/// as it was (a change undone goes back to "to review").
pub fn mark_after(before: Mark, carried: (&str, &str), now: (&str, &str), confirmed: bool) -> Mark {
    if before == Mark::New {
        return Mark::New;
    }
    if carried.0.trim() != now.0.trim() || carried.1 != now.1 {
        return Mark::Changed;
    }
    if confirmed {
        return Mark::Confirmed;
    }
    match before {
        Mark::Changed => Mark::ToReview,
        m => m,
    }
}

/// Whether two standards or ratings are worded the same, case and spacing aside.
fn same(a: &str, b: &str) -> bool {
    a.split_whitespace()
        .map(str::to_lowercase)
        .eq(b.split_whitespace().map(str::to_lowercase))
}

/// An offered self-assessment's answers and ratings for each of the receiving framework's
/// standards, and for each the offered standard it came from.
pub type Offered = (Vec<String>, Vec<String>, Vec<usize>);

/// A self-assessment submitted in one partnership, as it answers another partnership's
/// framework: for each of the other's standards, the answer and rating given to the standard of
/// the same wording, and which standard that was. Refused, naming the first standard or rating
/// the offered one does not answer, when the frameworks differ: the agency then completes the
/// other partnership's own self-assessment there.
pub fn offered(
    from: (&[String], &[String], &[String]),
    to: (&[String], &[String]),
) -> Result<Offered, String> {
    let (from_lines, answers, ratings) = from;
    let (to_lines, to_scale) = to;
    let mut out = (Vec::new(), Vec::new(), Vec::new());
    for line in to_lines {
        let Some(i) = from_lines.iter().position(|l| same(l, line)) else {
            return Err(format!(
                "Their framework asks “{line}”, which this self-assessment does not answer: the agency completes theirs there"
            ));
        };
        let rating = ratings.get(i).map(String::as_str).unwrap_or_default();
        let Some(r) = to_scale.iter().find(|g| same(g, rating)) else {
            return Err(format!(
                "Their rating scale has no “{rating}” (given for “{line}”): the agency completes theirs there"
            ));
        };
        out.0.push(answers.get(i).cloned().unwrap_or_default());
        out.1.push(r.clone());
        out.2.push(i);
    }
    Ok(out)
}

/// A self-assessment is submitted only when no standard is still "to review": the first one
/// left, by its place and with the message naming it.
pub fn check_submit(lines: &[String], marks: &[Mark]) -> Result<(), (usize, String)> {
    match marks.iter().position(|m| *m == Mark::ToReview) {
        Some(i) => Err((
            i,
            format!(
                "Review “{}”: confirm it is still current or change it before submitting",
                lines.get(i).map(String::as_str).unwrap_or("a standard")
            ),
        )),
        None => Ok(()),
    }
}

/// A framework's standards, their prompts (one for each standard, maybe empty) and its
/// rating scale, best first.
pub type Framework = (Vec<String>, Vec<String>, Vec<String>);

/// A framework as typed: one standard a line, its prompts one a line in the same order (a
/// standard may have none; there may not be more prompts than standards), and a rating scale
/// of two to seven ratings, best first. (standards, prompts, scale), or what to fix as
/// (field, message).
pub fn check_framework(
    standards: &[String],
    prompts: &[String],
    scale: &[String],
) -> Result<Framework, (&'static str, String)> {
    let tidy = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect()
    };
    let lines = tidy(standards);
    if lines.is_empty() {
        return Err(("standards", "Enter at least one standard".to_owned()));
    }
    if lines.len() > 20 {
        return Err(("standards", "Enter no more than 20 standards".to_owned()));
    }
    if lines.iter().any(|l| l.chars().count() > 300) {
        return Err((
            "standards",
            "Keep each standard to 300 characters; put the detail in its prompts".to_owned(),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(d) = lines.iter().find(|l| !seen.insert(l.to_lowercase())) {
        return Err(("standards", format!("“{d}” is there twice")));
    }
    // Prompts keep their places: a blank line is a standard without prompts.
    let mut p: Vec<String> = prompts.iter().map(|l| l.trim().to_owned()).collect();
    while p.last().is_some_and(String::is_empty) {
        p.pop();
    }
    if p.len() > lines.len() {
        return Err((
            "prompts",
            format!(
                "There are {} lines of prompts for {} standards: one line a standard, in the same order",
                p.len(),
                lines.len()
            ),
        ));
    }
    if p.iter().any(|l| l.chars().count() > 1000) {
        return Err((
            "prompts",
            "Keep each standard's prompts to 1,000 characters".to_owned(),
        ));
    }
    p.resize(lines.len(), String::new());
    let scale = tidy(scale);
    if !(2..=7).contains(&scale.len()) {
        return Err((
            "scale",
            "A rating scale has from two to seven ratings".to_owned(),
        ));
    }
    if scale.iter().any(|g| g.chars().count() > 60) {
        return Err(("scale", "Keep each rating to 60 characters".to_owned()));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(d) = scale.iter().find(|g| !seen.insert(g.to_lowercase())) {
        return Err(("scale", format!("“{d}” is in the scale twice")));
    }
    Ok((lines, p, scale))
}

/// A new cycle's self-assessments are due after the day it opens.
pub fn check_due(opened: chrono::NaiveDate, due: chrono::NaiveDate) -> Result<(), &'static str> {
    if due <= opened {
        Err("The due date must be after today: agencies need time to assess themselves")
    } else {
        Ok(())
    }
}

/// The overview goes to the board after the cycle opened and not in the future; the challenge
/// event is on or after the day it opened.
pub fn check_day(
    board: bool,
    opened: chrono::NaiveDate,
    day: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> Result<(), &'static str> {
    if day < opened {
        return Err("The date cannot be before the cycle opened");
    }
    if board && day > today {
        return Err(
            "Record the board date once the overview has gone to the board: it cannot be in the future",
        );
    }
    Ok(())
}

/// A cycle needs at least one agency.
pub fn check_agencies(agencies: &[String]) -> Result<(), &'static str> {
    if agencies.is_empty() {
        Err("Choose at least one agency to assess itself in this cycle")
    } else {
        Ok(())
    }
}

/// The business team runs cycles and frameworks.
pub fn can_run(actor: &Actor) -> bool {
    actor.has(Role::BusinessTeam)
}

/// The business team and the independent chair read every self-assessment.
pub fn can_read_all(actor: &Actor) -> bool {
    actor.has(Role::BusinessTeam) || actor.has(Role::IndependentChair)
}

/// An agency's own lead completes its self-assessment.
pub fn can_write(actor: &Actor, agency_id: &str) -> bool {
    actor.agencies_led().any(|a| a == agency_id)
}

/// Who reads one self-assessment: who reads all, its agency's lead, and the challenge panel
/// of its cycle.
pub fn can_read(actor: &Actor, agency_id: &str, on_panel: bool) -> bool {
    can_read_all(actor) || can_write(actor, agency_id) || on_panel
}

/// The cycle's overview (the ratings matrix): who reads all, and everyone in the partnership
/// once it has gone to the board.
pub fn can_read_overview(actor: &Actor, gone_to_board: bool) -> bool {
    can_read_all(actor) || (gone_to_board && actor.can(crate::policy::Permission::ViewPartnership))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn an_offered_self_assessment_answers_the_same_standards_whatever_their_order_or_case() {
        let from = s(&["Leaders", "Training  staff", "Sharing"]);
        let answers = s(&["a", "b", "c"]);
        let ratings = s(&["Fully met", "partly met", "Not met"]);
        let (a, r, map) = offered(
            (&from, &answers, &ratings),
            (
                &s(&["training staff", "Leaders"]),
                &s(&["Fully met", "Partly met", "Not met"]),
            ),
        )
        .unwrap();
        assert_eq!(a, s(&["b", "a"]));
        assert_eq!(r, s(&["Partly met", "Fully met"]));
        assert_eq!(map, vec![1, 0]);
        let missing = offered(
            (&from, &answers, &ratings),
            (&s(&["Leaders", "Voice of the child"]), &s(&["Fully met"])),
        )
        .unwrap_err();
        assert!(missing.contains("“Voice of the child”"), "{missing}");
        let scale = offered(
            (&from, &answers, &ratings),
            (&s(&["Sharing"]), &s(&["Met", "Unmet"])),
        )
        .unwrap_err();
        assert!(scale.contains("no “Not met”"), "{scale}");
    }

    #[test]
    fn a_new_cycle_carries_answers_forward_to_review_and_new_standards_start_empty() {
        let prev = s(&["A", "B"]);
        let (answers, ratings, marks) = carry(
            (&prev, &s(&["did a", ""]), &s(&["Fully met", ""])),
            &s(&["A", "B", "C"]),
        );
        assert_eq!(answers, s(&["did a", "", ""]));
        assert_eq!(ratings, s(&["Fully met", "", ""]));
        assert_eq!(marks, vec![Mark::ToReview, Mark::New, Mark::New]);
    }

    #[test]
    fn confirming_changing_and_undoing_a_carried_answer() {
        let carried = ("did a", "Fully met");
        assert_eq!(
            mark_after(Mark::ToReview, carried, carried, false),
            Mark::ToReview
        );
        assert_eq!(
            mark_after(Mark::ToReview, carried, carried, true),
            Mark::Confirmed
        );
        assert_eq!(
            mark_after(Mark::ToReview, carried, ("did a", "Partly met"), false),
            Mark::Changed
        );
        assert_eq!(
            mark_after(Mark::Changed, carried, carried, false),
            Mark::ToReview
        );
        assert_eq!(
            mark_after(Mark::New, ("", ""), ("x", "Not met"), false),
            Mark::New
        );
    }

    #[test]
    fn submitting_with_a_standard_still_to_review_names_it() {
        let lines = s(&["A", "B"]);
        assert!(check_submit(&lines, &[Mark::Confirmed, Mark::Changed]).is_ok());
        let (i, e) = check_submit(&lines, &[Mark::Confirmed, Mark::ToReview]).unwrap_err();
        assert_eq!(i, 1);
        assert!(e.contains("“B”"), "{e}");
        assert!(check_agencies(&[]).is_err());
    }

    #[test]
    fn dates_are_in_the_cycle_and_the_board_is_not_in_the_future() {
        let d = |n| chrono::NaiveDate::from_ymd_opt(2026, 12, n).unwrap();
        assert!(check_due(d(5), d(5)).is_err());
        assert!(check_due(d(5), d(6)).is_ok());
        assert!(check_day(true, d(5), d(4), d(10)).is_err());
        assert!(check_day(true, d(5), d(11), d(10)).is_err());
        assert!(check_day(false, d(5), d(11), d(10)).is_ok());
        assert!(check_day(true, d(5), d(10), d(10)).is_ok());
    }

    #[test]
    fn a_framework_keeps_its_prompts_in_place_and_explains_what_is_wrong() {
        let (l, p, sc) = check_framework(
            &s(&["A", "", "B", "C"]),
            &s(&["for A", "", "for C", ""]),
            &s(&["Met", "Not met"]),
        )
        .unwrap();
        assert_eq!(l, s(&["A", "B", "C"]));
        assert_eq!(p, s(&["for A", "", "for C"]));
        assert_eq!(sc, s(&["Met", "Not met"]));
        assert_eq!(
            check_framework(&[], &[], &s(&["x", "y"])).unwrap_err().0,
            "standards"
        );
        assert_eq!(
            check_framework(&s(&["A", "a"]), &[], &s(&["x", "y"]))
                .unwrap_err()
                .0,
            "standards"
        );
        let (f, m) = check_framework(&s(&["A"]), &s(&["1", "2"]), &s(&["x", "y"])).unwrap_err();
        assert_eq!(f, "prompts");
        assert!(m.contains("2 lines of prompts for 1 standards"), "{m}");
        assert_eq!(
            check_framework(&s(&["A"]), &[], &s(&["x"])).unwrap_err().0,
            "scale"
        );
    }

    proptest! {
        /// Whatever is carried, nothing becomes confirmed or changed without the agency acting:
        /// every carried standard starts "to review" or new.
        #[test]
        fn carrying_never_marks_anything_current(
            prev in proptest::collection::vec(("[a-c]", "[a-z ]{0,6}", "(Fully met|Not met|)"), 0..6),
            now in proptest::collection::vec("[a-d]", 0..6),
        ) {
            let lines: Vec<String> = prev.iter().map(|p| p.0.clone()).collect();
            let answers: Vec<String> = prev.iter().map(|p| p.1.clone()).collect();
            let ratings: Vec<String> = prev.iter().map(|p| p.2.clone()).collect();
            let (a, r, m) = carry((&lines, &answers, &ratings), &now);
            prop_assert_eq!(a.len(), now.len());
            prop_assert_eq!(r.len(), now.len());
            prop_assert!(m.iter().all(|m| matches!(m, Mark::ToReview | Mark::New)));
        }
    }
}
