//! Multi-agency audits: a programme of themed audits a year, each with lines of enquiry, a
//! grading scale, participating agencies, a pseudonymised case sample, independent auditors
//! and one return per agency per case (see `returns`).
//!
//! Who sees what: the people running the audit (the business team, the chair of the group that
//! owns it, its lead) and the independent chair read everything; an auditor reads only the
//! returns assigned to them and the cases they are on; an agency lead reads and assigns their
//! agency's returns. The case sample is restricted like a case review.

use crate::accounts::Role;
use crate::policy::Actor;

/// Where an audit stands in the year's programme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    Planned,
    Fieldwork,
    Workshop,
    Reported,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::Planned,
        Stage::Fieldwork,
        Stage::Workshop,
        Stage::Reported,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Stage::Planned => "planned",
            Stage::Fieldwork => "fieldwork",
            Stage::Workshop => "workshop",
            Stage::Reported => "reported",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Planned => "Planned",
            Stage::Fieldwork => "Fieldwork",
            Stage::Workshop => "Workshop",
            Stage::Reported => "Reported",
        }
    }

    pub fn tag_class(self) -> &'static str {
        match self {
            Stage::Planned => "govuk-tag--grey",
            Stage::Fieldwork => "govuk-tag--blue",
            Stage::Workshop => "govuk-tag--purple",
            Stage::Reported => "govuk-tag--green",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|x| x.slug() == s)
    }

    /// The next stage and the button that moves to it.
    pub fn next(self) -> Option<(Stage, &'static str)> {
        match self {
            Stage::Planned => Some((Stage::Fieldwork, "Start fieldwork")),
            Stage::Fieldwork => Some((Stage::Workshop, "Move to the workshop")),
            Stage::Workshop => Some((Stage::Reported, "Record the overview report")),
            Stage::Reported => None,
        }
    }

    /// Checks a move to `to`, with the sentence the user sees when it cannot be made.
    /// Fieldwork needs a sample with agencies; nothing moves backwards.
    pub fn check_move(self, to: Stage, sample_ready: bool) -> Result<(), String> {
        match self.next() {
            Some((n, _)) if n == to => {
                if to == Stage::Fieldwork && !sample_ready {
                    Err("Add at least one case to the sample, each with the agencies involved, before fieldwork starts".to_owned())
                } else {
                    Ok(())
                }
            }
            _ => Err(format!(
                "This audit is at “{}”: it cannot move to “{}”",
                self.label(),
                to.label()
            )),
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

impl TryFrom<String> for Stage {
    type Error = crate::stored::Unknown;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        crate::stored::decode(s, "audit stage", Stage::parse)
    }
}

impl crate::stored::Slug for Stage {
    fn slug(&self) -> &'static str {
        Stage::slug(*self)
    }
}

/// What an audit's access rules need to know of it.
#[derive(Clone, Debug, Default)]
pub struct AuditScope {
    /// The group that owns it (the Learning and Improvement subgroup).
    pub group_id: Option<String>,
    pub lead_person_id: Option<String>,
}

/// Who runs the audit: the business team, the chair of its group, its lead.
pub fn can_run(actor: &Actor, a: &AuditScope) -> bool {
    actor.has(Role::BusinessTeam)
        || a.lead_person_id.as_deref() == Some(actor.person_id.as_str())
        || a.group_id.as_deref().is_some_and(|g| {
            actor
                .memberships
                .iter()
                .any(|m| m.role == Role::GroupChair && m.group_id.as_deref() == Some(g))
        })
}

/// Who reads the whole audit, its sample and every return: who runs it and the independent chair.
pub fn can_read_all(actor: &Actor, a: &AuditScope) -> bool {
    can_run(actor, a) || actor.has(Role::IndependentChair)
}

/// What the access rules need to know of one return.
#[derive(Clone, Debug)]
pub struct ReturnScope {
    pub agency_id: String,
    /// The auditor it is assigned to, if any.
    pub assignee_id: Option<String>,
}

/// Who writes a return: the auditor it is assigned to (while they hold the auditor's role),
/// and the lead of its agency.
pub fn can_write_return(actor: &Actor, r: &ReturnScope) -> bool {
    (r.assignee_id.as_deref() == Some(actor.person_id.as_str()) && actor.has(Role::Auditor))
        || actor.agencies_led().any(|a| a == r.agency_id)
}

/// Who reads a return: whoever may write it, and whoever reads the whole audit.
pub fn can_read_return(actor: &Actor, a: &AuditScope, r: &ReturnScope) -> bool {
    can_read_all(actor, a) || can_write_return(actor, r)
}

/// Who chooses the auditor of a return: its agency's lead, and who runs the audit.
pub fn can_assign(actor: &Actor, a: &AuditScope, r: &ReturnScope) -> bool {
    can_run(actor, a) || actor.agencies_led().any(|x| x == r.agency_id)
}

/// Why a person may not audit a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conflict {
    /// They declared involvement in the case.
    Declared(String),
    /// They wrote an earlier return on the same child's case (a rapid review summary or an
    /// earlier audit's return).
    EarlierReturn,
}

impl Conflict {
    /// The reason kept with the refusal and shown to whoever tried.
    pub fn reason(&self, auditor: &str, case: &str) -> String {
        match self {
            Conflict::Declared(note) if note.trim().is_empty() => {
                format!(
                    "{auditor} has declared involvement in {case}: choose an auditor who had no part in the case"
                )
            }
            Conflict::Declared(note) => format!(
                "{auditor} has declared involvement in {case} ({}): choose an auditor who had no part in the case",
                note.trim()
            ),
            Conflict::EarlierReturn => format!(
                "{auditor} wrote their agency's earlier return on {case}: choose an auditor who had no part in the case"
            ),
        }
    }
}

/// The independence rule: a practitioner audits only a case they had no part in.
pub fn check_independent(
    declared: Option<&str>,
    wrote_earlier_return: bool,
) -> Result<(), Conflict> {
    if let Some(note) = declared {
        return Err(Conflict::Declared(note.to_owned()));
    }
    if wrote_earlier_return {
        return Err(Conflict::EarlierReturn);
    }
    Ok(())
}

/// Checks a sample case's label: pseudonymised ("Child A", "Family B"), short, not a name
/// with a date of birth, not used twice in the audit.
pub fn check_case_label(label: &str, taken: &[String]) -> Result<String, String> {
    let l = label.trim();
    if l.is_empty() {
        return Err("Enter a label for the case, for example “Child A”".to_owned());
    }
    if l.chars().count() > 40 {
        return Err(
            "Case label must be 40 characters or fewer: use a pseudonym such as “Child A”"
                .to_owned(),
        );
    }
    if l.chars().filter(char::is_ascii_digit).count() >= 4 {
        return Err("Case label must not include a date or a number that identifies the child: use a pseudonym such as “Child A”".to_owned());
    }
    if taken.iter().any(|t| t.trim().eq_ignore_ascii_case(l)) {
        return Err(format!(
            "{l} is already in the sample: give each case its own label"
        ));
    }
    Ok(l.to_owned())
}

/// Checks the agencies named for a sample case: at least one, each participating.
pub fn check_case_agencies(chosen: &[String], participating: &[String]) -> Result<(), String> {
    if chosen.is_empty() {
        return Err("Choose the agencies involved with this case".to_owned());
    }
    if chosen.iter().any(|c| !participating.contains(c)) {
        return Err("Choose only agencies taking part in this audit".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::policy::Membership;

    fn actor(id: &str, ms: &[(Role, Option<&str>, Option<&str>)]) -> Actor {
        Actor {
            person_id: id.into(),
            partnership_id: "p".into(),
            memberships: ms
                .iter()
                .map(|(r, a, g)| Membership {
                    role: *r,
                    agency_id: a.map(str::to_owned),
                    group_id: g.map(str::to_owned),
                })
                .collect(),
        }
    }

    #[test]
    fn stages_move_forward_one_at_a_time_and_fieldwork_needs_a_sample() {
        assert!(Stage::Planned.check_move(Stage::Fieldwork, true).is_ok());
        assert!(
            Stage::Planned
                .check_move(Stage::Fieldwork, false)
                .unwrap_err()
                .contains("sample")
        );
        assert!(Stage::Planned.check_move(Stage::Reported, true).is_err());
        assert!(Stage::Workshop.check_move(Stage::Fieldwork, true).is_err());
        assert!(Stage::Reported.next().is_none());
    }

    #[test]
    fn an_auditor_involved_in_a_case_is_refused_with_the_reason() {
        assert!(check_independent(None, false).is_ok());
        let c = check_independent(Some("allocated social worker"), false).unwrap_err();
        assert!(
            c.reason("Sam Patel", "Child A")
                .contains("allocated social worker")
        );
        let c = check_independent(None, true).unwrap_err();
        assert!(c.reason("Sam Patel", "Child A").contains("earlier return"));
    }

    #[test]
    fn who_reads_and_writes_returns() {
        let scope = AuditScope {
            group_id: Some("li".into()),
            lead_person_id: None,
        };
        let r = ReturnScope {
            agency_id: "police".into(),
            assignee_id: Some("aud".into()),
        };
        let bt = actor("bt", &[(Role::BusinessTeam, None, None)]);
        let chair = actor("ch", &[(Role::GroupChair, None, Some("li"))]);
        let other_chair = actor("oc", &[(Role::GroupChair, None, Some("other"))]);
        let ic = actor("ic", &[(Role::IndependentChair, None, None)]);
        let aud = actor("aud", &[(Role::Auditor, Some("police"), None)]);
        let other_aud = actor("aud2", &[(Role::Auditor, Some("police"), None)]);
        let lead = actor("l", &[(Role::AgencyLead, Some("police"), None)]);
        let other_lead = actor("l2", &[(Role::AgencyLead, Some("health"), None)]);
        assert!(can_run(&bt, &scope) && can_run(&chair, &scope));
        assert!(!can_run(&other_chair, &scope) && !can_run(&ic, &scope));
        assert!(can_read_all(&ic, &scope));
        assert!(can_write_return(&aud, &r) && can_write_return(&lead, &r));
        assert!(!can_write_return(&other_aud, &r) && !can_write_return(&other_lead, &r));
        assert!(
            !can_write_return(&bt, &r),
            "the business team reads, the agency writes"
        );
        assert!(can_read_return(&bt, &scope, &r) && !can_read_return(&other_lead, &scope, &r));
        assert!(can_assign(&lead, &scope, &r) && !can_assign(&other_lead, &scope, &r));
        assert!(!can_assign(&aud, &scope, &r));
    }

    #[test]
    fn case_labels_are_pseudonyms_used_once() {
        let taken = vec!["Child A".to_owned()];
        assert_eq!(check_case_label(" Child B ", &taken).unwrap(), "Child B");
        assert!(
            check_case_label("child a", &taken)
                .unwrap_err()
                .contains("already")
        );
        assert!(check_case_label("", &taken).is_err());
        assert!(check_case_label("Jo Bloggs 12/03/2019", &taken).is_err());
        assert!(check_case_agencies(&[], &["x".into()]).is_err());
        assert!(check_case_agencies(&["y".into()], &["x".into()]).is_err());
        assert!(check_case_agencies(&["x".into()], &["x".into()]).is_ok());
    }
}
