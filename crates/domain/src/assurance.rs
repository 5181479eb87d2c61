//! Single-agency assurance: each year an agency reports its own quality-assurance activity
//! (for example the children's social care case-audit programme: the period, how many cases
//! were audited, how they were graded, what was found) as a return, and the partnership records
//! the assurance it takes from it, and why.

/// The questions of the yearly return.
pub const QUESTIONS: [&str; 4] = [
    "The quality-assurance activity and the period it covers",
    "How many cases were audited",
    "How the cases were graded: how many at each grade",
    "What was found, and what is changing as a result",
];

/// The questions of the yearly single-agency training register.
pub const REGISTER_QUESTIONS: [&str; 4] = [
    "Level 1 safeguarding training: the courses, e-learning and briefings run, and how many staff completed each",
    "Level 2 safeguarding training run by the agency itself: the courses, and how many staff completed each",
    "Level 3 specialist training commissioned or funded: the courses, and how many staff completed each",
    "Staff who need safeguarding training, and how many are up to date with it",
];

/// The kinds of yearly round in which every agency makes a return about its own work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundKind {
    /// Its own quality-assurance activity; the partnership records the assurance it takes.
    Assurance,
    /// The safeguarding training it ran itself (SPEC §3.8).
    TrainingRegister,
}

impl RoundKind {
    pub const ALL: [RoundKind; 2] = [RoundKind::Assurance, RoundKind::TrainingRegister];

    pub fn slug(self) -> &'static str {
        match self {
            RoundKind::Assurance => "assurance",
            RoundKind::TrainingRegister => "training-register",
        }
    }

    pub fn parse(s: &str) -> Option<RoundKind> {
        RoundKind::ALL.into_iter().find(|k| k.slug() == s)
    }

    /// "Single-agency assurance", as a title before the year.
    pub fn title(self) -> &'static str {
        match self {
            RoundKind::Assurance => "Single-agency assurance",
            RoundKind::TrainingRegister => "Single-agency training register",
        }
    }

    pub fn questions(self) -> &'static [&'static str] {
        match self {
            RoundKind::Assurance => &QUESTIONS,
            RoundKind::TrainingRegister => &REGISTER_QUESTIONS,
        }
    }

    /// Whether the partnership records the assurance it takes from each return.
    pub fn judged(self) -> bool {
        self == RoundKind::Assurance
    }
}

impl TryFrom<String> for RoundKind {
    type Error = crate::stored::Unknown;
    fn try_from(v: String) -> Result<Self, Self::Error> {
        crate::stored::decode(v, "round kind", RoundKind::parse)
    }
}

/// The assurance the partnership takes from an agency's return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Full,
    Partial,
    Limited,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Full, Level::Partial, Level::Limited];

    pub fn slug(self) -> &'static str {
        match self {
            Level::Full => "full",
            Level::Partial => "partial",
            Level::Limited => "limited",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::Full => "Full assurance",
            Level::Partial => "Partial assurance",
            Level::Limited => "Limited assurance",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.slug() == s)
    }
}

/// Checks the assurance recorded: a level, and why (always: the reason is what the board reads).
pub fn check_judgement(
    level: &str,
    reason: &str,
) -> Result<(Level, String), (&'static str, String)> {
    let l = Level::parse(level).ok_or((
        "level",
        "Choose the assurance the partnership takes".to_owned(),
    ))?;
    let r = crate::text::check_text_block(reason, "reason for the assurance taken", 4000)
        .map_err(|m| ("reason", m))?;
    Ok((l, r))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn assurance_needs_a_level_and_a_reason() {
        assert_eq!(
            check_judgement("partial", " Sample too small ").unwrap(),
            (Level::Partial, "Sample too small".to_owned())
        );
        assert_eq!(check_judgement("", "x").unwrap_err().0, "level");
        assert_eq!(check_judgement("full", "  ").unwrap_err().0, "reason");
        for l in Level::ALL {
            assert_eq!(Level::parse(l.slug()), Some(l));
        }
        for k in RoundKind::ALL {
            assert_eq!(RoundKind::try_from(k.slug().to_owned()), Ok(k));
            assert!(!k.questions().is_empty());
        }
        assert!(RoundKind::Assurance.judged() && !RoundKind::TrainingRegister.judged());
    }
}
