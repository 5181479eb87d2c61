//! Actions: the one record of work that someone must do by a date, whatever asked for it (a
//! meeting now; recommendations from reviews, audits and the rest later). The status moves
//! only along the allowed transitions, and RAG is derived, never typed in.

use chrono::NaiveDate;

/// Where an action stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionStatus {
    NotStarted,
    InProgress,
    /// Done, awaiting evidence and sign-off.
    Completed,
    ClosedEvidenced,
    ClosedNotAchieved,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 5] = [
        ActionStatus::NotStarted,
        ActionStatus::InProgress,
        ActionStatus::Completed,
        ActionStatus::ClosedEvidenced,
        ActionStatus::ClosedNotAchieved,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            ActionStatus::NotStarted => "not-started",
            ActionStatus::InProgress => "in-progress",
            ActionStatus::Completed => "completed",
            ActionStatus::ClosedEvidenced => "closed-evidenced",
            ActionStatus::ClosedNotAchieved => "closed-not-achieved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::NotStarted => "Not started",
            ActionStatus::InProgress => "In progress",
            ActionStatus::Completed => "Completed, awaiting evidence",
            ActionStatus::ClosedEvidenced => "Closed, evidenced",
            ActionStatus::ClosedNotAchieved => "Closed, not achieved",
        }
    }

    pub fn parse(s: &str) -> Option<ActionStatus> {
        ActionStatus::ALL.into_iter().find(|a| a.slug() == s)
    }

    pub fn is_open(self) -> bool {
        !matches!(
            self,
            ActionStatus::ClosedEvidenced | ActionStatus::ClosedNotAchieved
        )
    }

    /// The moves allowed from here: forward along the line, or closed as not achieved.
    pub fn can_move_to(self, next: ActionStatus) -> bool {
        use ActionStatus as S;
        matches!(
            (self, next),
            (S::NotStarted, S::InProgress)
                | (S::InProgress, S::Completed)
                | (S::Completed, S::ClosedEvidenced)
                | (
                    S::NotStarted | S::InProgress | S::Completed,
                    S::ClosedNotAchieved
                )
        )
    }
}

/// Red, amber or green, derived from the dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rag {
    Red,
    Amber,
    Green,
}

impl Rag {
    pub fn label(self) -> &'static str {
        match self {
            Rag::Red => "Overdue",
            Rag::Amber => "Due soon",
            Rag::Green => "On track",
        }
    }
    pub fn colour(self) -> &'static str {
        match self {
            Rag::Red => "red",
            Rag::Amber => "orange",
            Rag::Green => "green",
        }
    }
}

/// Overdue is red; due within `soon_days` is amber; otherwise green. Closed actions have none.
pub fn rag(status: ActionStatus, due: NaiveDate, today: NaiveDate, soon_days: i64) -> Option<Rag> {
    if !status.is_open() {
        return None;
    }
    let left = (due - today).num_days();
    Some(if left < 0 {
        Rag::Red
    } else if left <= soon_days {
        Rag::Amber
    } else {
        Rag::Green
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_moves_only_forward_or_to_not_achieved() {
        use ActionStatus as S;
        assert!(S::NotStarted.can_move_to(S::InProgress));
        assert!(!S::NotStarted.can_move_to(S::ClosedEvidenced));
        assert!(!S::ClosedEvidenced.can_move_to(S::InProgress));
        assert!(S::Completed.can_move_to(S::ClosedNotAchieved));
        assert!(!S::ClosedNotAchieved.can_move_to(S::NotStarted));
        for s in S::ALL {
            assert_eq!(S::parse(s.slug()), Some(s));
        }
    }

    #[test]
    fn rag_comes_from_the_dates() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default();
        assert_eq!(
            rag(ActionStatus::InProgress, d(11, 20), d(11, 25), 14),
            Some(Rag::Red)
        );
        assert_eq!(
            rag(ActionStatus::InProgress, d(12, 1), d(11, 25), 14),
            Some(Rag::Amber)
        );
        assert_eq!(
            rag(ActionStatus::NotStarted, d(12, 31), d(11, 25), 14),
            Some(Rag::Green)
        );
        assert_eq!(
            rag(ActionStatus::ClosedEvidenced, d(11, 1), d(11, 25), 14),
            None
        );
    }
}
