//! Retention: how long a partnership keeps each kind of record once its work is done, and why;
//! which records are due for erasure in a month; and what erasure removes. Erasure removes a
//! record's identifying content and its files, keeps what was learnt (findings,
//! recommendations, actions, grades), and leaves a tombstone: what kind of record, when, and
//! by whose decision.

use chrono::{Datelike, Months, NaiveDate};

/// A kind of record a retention rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A case review once closed: counted from its publication, or its closing.
    CaseReview,
    /// A multi-agency audit's case sample and its returns, once the audit is reported.
    AuditSample,
    /// A training session's bookings (who attended) and their evaluations and follow-ups.
    TrainingBooking,
    /// Sessions and one-time sign-in links of the partnership's people, once ended.
    SignIn,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::CaseReview,
        Kind::AuditSample,
        Kind::TrainingBooking,
        Kind::SignIn,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Kind::CaseReview => "case-review",
            Kind::AuditSample => "audit-sample",
            Kind::TrainingBooking => "training-booking",
            Kind::SignIn => "sign-in",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.slug() == s)
    }

    /// "Closed case reviews".
    pub fn label(self) -> &'static str {
        match self {
            Kind::CaseReview => "Closed case reviews",
            Kind::AuditSample => "Audit case samples",
            Kind::TrainingBooking => "Training bookings",
            Kind::SignIn => "Sessions and sign-in links",
        }
    }

    /// When the period starts.
    pub fn counted_from(self) -> &'static str {
        match self {
            Kind::CaseReview => "from publication, or from closing when it was not published",
            Kind::AuditSample => "from the audit's report",
            Kind::TrainingBooking => "from the session's day",
            Kind::SignIn => "from when the session or link ended",
        }
    }

    /// What erasure removes, and what it keeps.
    pub fn erases(self) -> &'static str {
        match self {
            Kind::CaseReview => {
                "Removes the children's names, the case summary, the agencies' chronologies and analyses, the rapid review's facts, the family's involvement, practitioner events' notes, who referred the case and why, and every report file, and the before and after values of the case's audit entries. Keeps the reference, the dates, the findings, recommendations and actions."
            }
            Kind::AuditSample => {
                "Removes the agencies' answers, strengths and areas for improvement on each sampled case, their evidence files, auditors' declared involvement, and the before and after values of those audit entries. Keeps the case labels, the grades and the overview report."
            }
            Kind::TrainingBooking => {
                "Removes who booked and attended the session, their managers' addresses, and their evaluations and three-month follow-ups with any files. Keeps the course and the session."
            }
            Kind::SignIn => {
                "Removes ended sessions (with the browser each began in) and used or expired sign-in links of the partnership's people."
            }
        }
    }
}

/// The longest period a rule may set: a hundred years.
pub const MAX_MONTHS: i64 = 1200;

/// Checks a rule as typed: a whole number of months and a reason.
pub fn check_rule(
    months: &str,
    reason: &str,
) -> Result<(i64, String), Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let months = match months.trim().parse::<i64>() {
        Ok(m) if (1..=MAX_MONTHS).contains(&m) => Some(m),
        Ok(_) => {
            errors.push((
                "months",
                format!("The period must be between 1 and {MAX_MONTHS} months"),
            ));
            None
        }
        Err(_) => {
            errors.push((
                "months",
                "Enter the period as a whole number of months, such as 72".to_owned(),
            ));
            None
        }
    };
    let reason = reason.trim();
    if reason.is_empty() {
        errors.push((
            "reason",
            "Enter why records are kept this long (the law, guidance or policy)".to_owned(),
        ));
    } else if reason.chars().count() > 500 {
        errors.push((
            "reason",
            "The reason must be 500 characters or fewer".to_owned(),
        ));
    }
    match (months, errors.is_empty()) {
        (Some(m), true) => Ok((m, reason.to_owned())),
        _ => Err(errors),
    }
}

/// The last day of the month `today` is in: the month's list holds every record due by then.
pub fn month_end(today: NaiveDate) -> NaiveDate {
    let first = today.with_day(1).unwrap_or(today);
    first
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(today)
}

/// Records counted from this day or before are due in this month's list, under a rule of
/// `months`: their period ends by the month's last day.
pub fn due_if_on_or_before(today: NaiveDate, months: i64) -> NaiveDate {
    let m = u32::try_from(months.clamp(0, MAX_MONTHS)).unwrap_or(0);
    month_end(today)
        .checked_sub_months(Months::new(m))
        .unwrap_or(NaiveDate::MIN)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_months_list_holds_what_is_due_by_its_last_day() {
        assert_eq!(month_end(d(2026, 12, 4)), d(2026, 12, 31));
        assert_eq!(month_end(d(2028, 2, 10)), d(2028, 2, 29));
        // Six years: a review closed on 31 December 2020 is due in December 2026.
        assert_eq!(due_if_on_or_before(d(2026, 12, 4), 72), d(2020, 12, 31));
        // A month's end from a longer month keeps to the shorter one's last day.
        assert_eq!(due_if_on_or_before(d(2026, 2, 1), 1), d(2026, 1, 28));
    }

    #[test]
    fn a_rule_needs_a_period_and_its_reason() {
        assert_eq!(
            check_rule(" 72 ", "Working Together 2023").unwrap(),
            (72, "Working Together 2023".to_owned())
        );
        let e = check_rule("six years", "").unwrap_err();
        assert_eq!(
            e.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
            ["months", "reason"]
        );
        assert!(check_rule("0", "x").is_err());
        assert!(check_rule("1201", "x").is_err());
    }

    #[test]
    fn kinds_read_back_from_their_slugs() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.slug()), Some(k));
        }
        assert_eq!(Kind::parse("nothing"), None);
    }

    proptest! {
        #[test]
        fn a_longer_period_is_never_due_sooner(y in 2000i32..2100, m in 1u32..=12, day in 1u32..=28, a in 1i64..600, b in 1i64..600) {
            let today = d(y, m, day);
            let (short, long) = (a.min(b), a.max(b));
            prop_assert!(due_if_on_or_before(today, long) <= due_if_on_or_before(today, short));
            prop_assert!(due_if_on_or_before(today, short) < today);
        }
    }
}
