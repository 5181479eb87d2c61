//! Escalations: an issue a group cannot resolve goes to the independent chair, who may send it
//! on to the board; either records the outcome, which closes it. The stages and the moves
//! allowed from each are here, with the sentence the user sees for a move that is not allowed.

/// Where an escalation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    WithChair,
    WithBoard,
    Resolved,
}

/// A step that moves an escalation on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    ToBoard,
    Resolve,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::WithChair, Stage::WithBoard, Stage::Resolved];

    /// As stored.
    pub fn slug(self) -> &'static str {
        match self {
            Stage::WithChair => "chair",
            Stage::WithBoard => "board",
            Stage::Resolved => "resolved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::WithChair => "With the independent chair",
            Stage::WithBoard => "With the board",
            Stage::Resolved => "Resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|x| x.slug() == s)
    }

    pub fn is_open(self) -> bool {
        self != Stage::Resolved
    }

    /// The moves open from this stage, in the order a page offers them.
    pub fn moves(self) -> Vec<Move> {
        match self {
            Stage::WithChair => vec![Move::Resolve, Move::ToBoard],
            Stage::WithBoard => vec![Move::Resolve],
            Stage::Resolved => Vec::new(),
        }
    }

    /// The stage a move leads to, or why it cannot be made.
    pub fn after(self, m: Move) -> Result<Stage, &'static str> {
        if !self.moves().contains(&m) {
            return Err(match self {
                Stage::Resolved => "This escalation is closed: nothing more can be recorded",
                _ => "Choose what happens now",
            });
        }
        Ok(match m {
            Move::ToBoard => Stage::WithBoard,
            Move::Resolve => Stage::Resolved,
        })
    }
}

impl Move {
    pub const ALL: [Move; 2] = [Move::Resolve, Move::ToBoard];

    /// As stored in an escalation's steps and sent by the form.
    pub fn slug(self) -> &'static str {
        match self {
            Move::ToBoard => "to-board",
            Move::Resolve => "resolved",
        }
    }

    /// What the form offers.
    pub fn label(self) -> &'static str {
        match self {
            Move::ToBoard => "Send it to the board",
            Move::Resolve => "Record the outcome and close it",
        }
    }

    pub fn parse(s: &str) -> Option<Move> {
        Move::ALL.into_iter().find(|x| x.slug() == s)
    }
}

/// Read from a stored stage: an unknown value is an error, never a default.
impl TryFrom<String> for Stage {
    type Error = crate::stored::Unknown;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        crate::stored::decode(s, "escalation stage", Stage::parse)
    }
}

impl crate::stored::Slug for Stage {
    fn slug(&self) -> &'static str {
        Stage::slug(*self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_escalation_goes_from_the_chair_to_the_board_and_closes_once() {
        assert_eq!(Stage::WithChair.after(Move::ToBoard), Ok(Stage::WithBoard));
        assert_eq!(Stage::WithChair.after(Move::Resolve), Ok(Stage::Resolved));
        assert_eq!(Stage::WithBoard.after(Move::Resolve), Ok(Stage::Resolved));
        assert!(Stage::WithBoard.after(Move::ToBoard).is_err());
        assert!(Stage::Resolved.after(Move::Resolve).is_err());
        assert!(!Stage::Resolved.is_open());
        for s in Stage::ALL {
            assert_eq!(Stage::try_from(s.slug().to_owned()), Ok(s));
        }
        for m in Move::ALL {
            assert_eq!(Move::parse(m.slug()), Some(m));
        }
    }
}
