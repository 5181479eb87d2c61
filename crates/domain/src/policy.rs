//! The permission policy: what each role may do in a partnership, and who changes roles.
//!
//! Handlers never test roles themselves; they ask [`Actor::can`] (and, for roles,
//! [`may_change_role`]). Anything not granted here is refused (deny by default). Scope to the
//! partnership is given by the actor itself: an actor is always "a person in one partnership",
//! built from that person's memberships there.
//!
//! Where the other kinds of rule live (`docs/ARCHITECTURE.md` has the whole table):
//! - who may read, update or sign off one record: the area's own module, because it needs the
//!   record's scope — `reviews::can_read_in_full` (the business team and the case's panel),
//!   `actions::can_read` / `can_update` / `can_sign_off`, `governance::access` (a group's
//!   members and chairs);
//! - the states of a record and the moves between them: `actions::ActionStatus`,
//!   `reviews::lifecycle`, `governance::escalations::Stage`;
//! - which events start and meet a clock: `clocks::rules` and `reviews::CaseEvents`.

use crate::accounts::Role;

/// One role a person holds in the partnership, possibly for one agency or one group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    pub role: Role,
    pub agency_id: Option<String>,
    pub group_id: Option<String>,
}

/// A signed-in person acting in one partnership.
#[derive(Clone, Debug)]
pub struct Actor {
    pub person_id: String,
    pub partnership_id: String,
    pub memberships: Vec<Membership>,
}

/// Everything a handler may ask permission for. Later modules add their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// See the home page and the partnership's shared, non-restricted work.
    ViewPartnership,
    /// Change the partnership's settings.
    ManageSettings,
    /// Add and change agencies.
    ManageAgencies,
    /// Invite people and give or take away roles.
    ManagePeople,
    /// Read the audit trail.
    ViewAuditTrail,
    /// Read case content (reviews, incidents, children's pseudonyms).
    ViewCaseContent,
    /// See the working-day calendar and the partnership's clock rules.
    ViewClocks,
    /// Propose a bank holiday to add or remove (installation-wide once applied).
    ProposeHoliday,
    /// Apply or reject a proposed holiday change for the whole installation.
    ApplyHoliday,
    /// Add and adjust the partnership's local clock rules.
    ManageClockRules,
    /// Record serious incident notifications and run case reviews (name panels, move stages).
    ManageReviews,
    /// See the partnership's themes and how much is tagged with each.
    ViewThemes,
    /// Add, rename, retire, restore and merge themes.
    ManageThemes,
    /// Refer a case to the partnership for consideration (agency leads, chairs, auditors).
    ReferCase,
    /// See the partnership's action plans and tracker (everyone but practitioners and
    /// trainers, who see only actions they own).
    ViewActions,
    /// Turn recommendations into actions, import and change plans, set reminder settings.
    ManageActions,
    /// See the audit programme, and the audits and returns one's part in them opens (who
    /// reads which audit and return is `audits::can_read_all` / `can_read_return`).
    ViewAudits,
    /// Plan audits (the business team for any group; a group chair for the groups they chair).
    ManageAudits,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.memberships.iter().any(|m| m.role == role)
    }

    pub fn roles(&self) -> Vec<Role> {
        let mut r: Vec<Role> = self.memberships.iter().map(|m| m.role).collect();
        r.sort();
        r.dedup();
        r
    }

    /// The agencies this person acts for.
    pub fn agency_ids(&self) -> impl Iterator<Item = &str> {
        self.memberships
            .iter()
            .filter_map(|m| m.agency_id.as_deref())
    }

    /// The agencies this person is the safeguarding lead of.
    pub fn agencies_led(&self) -> impl Iterator<Item = &str> {
        self.memberships
            .iter()
            .filter(|m| m.role == Role::AgencyLead)
            .filter_map(|m| m.agency_id.as_deref())
    }

    /// Deny unless one of the person's roles grants it.
    pub fn can(&self, p: Permission) -> bool {
        self.memberships.iter().any(|m| grants(m.role, p))
    }
}

/// Who gives and takes away roles.
///
/// Nobody changes their own roles: a person holding a role could otherwise give themselves any
/// other (a system administrator the business team's, and with it case content). The system
/// administrator manages accounts and gives only the system administrator's role; the
/// partnership's own roles, the ones that read its work, are given by its business team; the
/// command line makes the first business-team member of a partnership.
pub fn may_change_role(actor: &Actor, person_id: &str, role: Role) -> Result<(), &'static str> {
    if actor.person_id == person_id {
        return Err("You cannot change your own roles: ask another member of the business team");
    }
    if grantable(actor).contains(&role) {
        Ok(())
    } else if role == Role::SystemAdmin {
        Err("Only a system administrator can give or take away the system administrator role")
    } else {
        Err("Only the partnership's business team can give or take away this role")
    }
}

/// The roles this person may give to others.
pub fn grantable(actor: &Actor) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| {
            if *r == Role::SystemAdmin {
                actor.has(Role::SystemAdmin)
            } else {
                actor.has(Role::BusinessTeam)
            }
        })
        .collect()
}

/// Who deactivates an account: a system administrator any account of the installation; the
/// business team an account that belongs to its partnership alone (one that also works in
/// another partnership loses its roles here instead). Nobody deactivates their own.
/// `partnerships` is how many partnerships the person has roles in.
pub fn may_deactivate(
    actor: &Actor,
    person_id: &str,
    partnerships: usize,
) -> Result<(), &'static str> {
    if actor.person_id == person_id {
        return Err("You cannot deactivate your own account");
    }
    if actor.has(Role::SystemAdmin) {
        Ok(())
    } else if actor.has(Role::BusinessTeam) {
        if partnerships > 1 {
            Err(
                "This person also works in another partnership: take away their roles here instead, or ask a system administrator",
            )
        } else {
            Ok(())
        }
    } else {
        Err("Only the business team or a system administrator can deactivate an account")
    }
}

/// When a partnership asks for a second factor at sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondFactorRule {
    /// Whoever wants one sets it up.
    Optional,
    /// Everyone whose roles read case content (the business team, chairs).
    CaseRoles,
    Everyone,
}

impl SecondFactorRule {
    pub const ALL: [SecondFactorRule; 3] = [
        SecondFactorRule::Optional,
        SecondFactorRule::CaseRoles,
        SecondFactorRule::Everyone,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            SecondFactorRule::Optional => "optional",
            SecondFactorRule::CaseRoles => "case-roles",
            SecondFactorRule::Everyone => "everyone",
        }
    }

    pub fn from_slug(s: &str) -> Option<SecondFactorRule> {
        Self::ALL.into_iter().find(|r| r.slug() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            SecondFactorRule::Optional => "Optional: each person chooses",
            SecondFactorRule::CaseRoles => "Required for the roles that read case content",
            SecondFactorRule::Everyone => "Required for everyone",
        }
    }

    /// Whether someone holding this role must use a second factor.
    pub fn requires(self, role: Role) -> bool {
        match self {
            SecondFactorRule::Optional => false,
            SecondFactorRule::CaseRoles => grants(role, Permission::ViewCaseContent),
            SecondFactorRule::Everyone => true,
        }
    }
}

/// Who resets someone's second factor (when they lose their phone): a system administrator,
/// for anyone but themselves.
pub fn may_reset_second_factor(actor: &Actor, person_id: &str) -> bool {
    actor.has(Role::SystemAdmin) && actor.person_id != person_id
}

/// A partnership always keeps someone who can manage it: the last active member of its
/// business team keeps the role. `left_after` is how many active members would hold it.
pub fn check_business_team_left(role: Role, left_after: i64) -> Result<(), &'static str> {
    if role == Role::BusinessTeam && left_after < 1 {
        Err("This is the last member of the business team: give the role to someone else first")
    } else {
        Ok(())
    }
}

fn grants(role: Role, p: Permission) -> bool {
    use Permission as P;
    use Role as R;
    match role {
        R::BusinessTeam => matches!(
            p,
            P::ViewPartnership
                | P::ManageSettings
                | P::ManageAgencies
                | P::ManagePeople
                | P::ViewAuditTrail
                | P::ViewCaseContent
                | P::ViewClocks
                | P::ProposeHoliday
                | P::ManageClockRules
                | P::ManageReviews
                | P::ViewThemes
                | P::ManageThemes
                | P::ReferCase
                | P::ViewActions
                | P::ManageActions
                | P::ViewAudits
                | P::ManageAudits
        ),
        R::IndependentChair => matches!(
            p,
            P::ViewPartnership
                | P::ViewAuditTrail
                | P::ViewCaseContent
                | P::ViewClocks
                | P::ViewThemes
                | P::ReferCase
                | P::ViewActions
                | P::ViewAudits
        ),
        R::GroupChair => matches!(
            p,
            P::ViewPartnership
                | P::ViewCaseContent
                | P::ViewClocks
                | P::ViewThemes
                | P::ReferCase
                | P::ViewActions
                | P::ViewAudits
                | P::ManageAudits
        ),
        R::AgencyLead => matches!(
            p,
            P::ViewPartnership
                | P::ViewClocks
                | P::ViewThemes
                | P::ReferCase
                | P::ViewActions
                | P::ViewAudits
        ),
        R::Auditor => matches!(
            p,
            P::ViewPartnership | P::ViewThemes | P::ReferCase | P::ViewActions | P::ViewAudits
        ),
        R::Practitioner | R::Trainer => {
            matches!(p, P::ViewPartnership | P::ViewThemes)
        }
        // Operates the installation: accounts and the calendar, never case content.
        R::SystemAdmin => matches!(p, P::ManagePeople | P::ApplyHoliday | P::ViewClocks),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            person_id: "p".into(),
            partnership_id: "x".into(),
            memberships: vec![Membership {
                role,
                agency_id: None,
                group_id: None,
            }],
        }
    }

    #[test]
    fn nobody_without_a_role_may_do_anything() {
        let a = Actor {
            person_id: "p".into(),
            partnership_id: "x".into(),
            memberships: vec![],
        };
        assert!(!a.can(Permission::ViewPartnership));
    }

    #[test]
    fn system_administrator_manages_accounts_but_cannot_open_case_content() {
        let a = actor(Role::SystemAdmin);
        assert!(a.can(Permission::ManagePeople));
        assert!(a.can(Permission::ApplyHoliday));
        assert!(!a.can(Permission::ViewCaseContent));
        assert!(!a.can(Permission::ViewAuditTrail));
        assert!(!a.can(Permission::ManageAgencies));
    }

    #[test]
    fn only_the_business_team_manages_agencies_and_people() {
        for r in Role::ALL {
            let a = actor(r);
            assert_eq!(
                a.can(Permission::ManageAgencies),
                r == Role::BusinessTeam,
                "{r:?}"
            );
            assert_eq!(
                a.can(Permission::ManagePeople),
                matches!(r, Role::BusinessTeam | Role::SystemAdmin),
                "{r:?}"
            );
        }
    }

    #[test]
    fn practitioners_trainers_and_auditors_see_no_case_content() {
        for r in [
            Role::Practitioner,
            Role::Trainer,
            Role::Auditor,
            Role::AgencyLead,
        ] {
            assert!(!actor(r).can(Permission::ViewCaseContent), "{r:?}");
            assert!(!actor(r).can(Permission::ViewAuditTrail), "{r:?}");
        }
    }

    #[test]
    fn nobody_changes_their_own_roles_and_each_role_has_one_granter() {
        let admin = actor(Role::SystemAdmin);
        let bt = actor(Role::BusinessTeam);
        for r in Role::ALL {
            // Not even the system administrator or the business team, on themselves.
            assert!(may_change_role(&admin, "p", r).is_err(), "{r:?}");
            assert!(may_change_role(&bt, "p", r).is_err(), "{r:?}");
            assert_eq!(
                may_change_role(&admin, "other", r).is_ok(),
                r == Role::SystemAdmin
            );
            assert_eq!(
                may_change_role(&bt, "other", r).is_ok(),
                r != Role::SystemAdmin
            );
            for other in Role::ALL {
                if !matches!(other, Role::SystemAdmin | Role::BusinessTeam) {
                    assert!(may_change_role(&actor(other), "other", r).is_err());
                }
            }
        }
        assert!(grantable(&actor(Role::IndependentChair)).is_empty());
    }

    #[test]
    fn accounts_are_deactivated_by_others_within_their_reach() {
        let bt = actor(Role::BusinessTeam);
        assert!(may_deactivate(&bt, "p", 1).is_err());
        assert!(may_deactivate(&bt, "other", 1).is_ok());
        assert!(may_deactivate(&bt, "other", 2).is_err());
        assert!(may_deactivate(&actor(Role::SystemAdmin), "other", 3).is_ok());
        assert!(may_deactivate(&actor(Role::IndependentChair), "other", 1).is_err());
    }

    #[test]
    fn a_second_factor_is_required_by_the_partnerships_rule() {
        use SecondFactorRule as R;
        assert!(!R::Optional.requires(Role::BusinessTeam));
        assert!(R::CaseRoles.requires(Role::BusinessTeam));
        assert!(R::CaseRoles.requires(Role::IndependentChair));
        assert!(!R::CaseRoles.requires(Role::Practitioner));
        assert!(R::Everyone.requires(Role::Practitioner));
        for r in R::ALL {
            assert_eq!(R::from_slug(r.slug()), Some(r));
        }
        assert!(may_reset_second_factor(&actor(Role::SystemAdmin), "other"));
        assert!(!may_reset_second_factor(&actor(Role::SystemAdmin), "p"));
        assert!(!may_reset_second_factor(
            &actor(Role::BusinessTeam),
            "other"
        ));
    }

    #[test]
    fn the_last_business_team_member_keeps_the_role() {
        assert!(check_business_team_left(Role::BusinessTeam, 0).is_err());
        assert!(check_business_team_left(Role::BusinessTeam, 1).is_ok());
        assert!(check_business_team_left(Role::Practitioner, 0).is_ok());
    }

    #[test]
    fn only_a_system_administrator_applies_holidays() {
        for r in Role::ALL {
            assert_eq!(
                actor(r).can(Permission::ApplyHoliday),
                r == Role::SystemAdmin
            );
        }
        assert!(actor(Role::BusinessTeam).can(Permission::ProposeHoliday));
    }

    #[test]
    fn only_the_business_team_changes_themes() {
        for r in Role::ALL {
            assert_eq!(
                actor(r).can(Permission::ManageThemes),
                r == Role::BusinessTeam,
                "{r:?}"
            );
        }
    }

    #[test]
    fn every_role_but_the_system_administrator_sees_the_themes() {
        for r in Role::ALL {
            assert_eq!(
                actor(r).can(Permission::ViewThemes),
                r != Role::SystemAdmin,
                "{r:?}"
            );
        }
        // Holding another role as well does not take the view away.
        let both = Actor {
            person_id: "p".into(),
            partnership_id: "x".into(),
            memberships: [Role::SystemAdmin, Role::Practitioner]
                .into_iter()
                .map(|role| Membership {
                    role,
                    agency_id: None,
                    group_id: None,
                })
                .collect(),
        };
        assert!(both.can(Permission::ViewThemes));
        assert!(!both.can(Permission::ManageThemes));
    }
}
