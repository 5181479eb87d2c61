//! People and their access: roles, e-mail addresses, passwords, sign-in throttling and
//! session lifetimes. The rules here are the ones the sign-in pages and the store obey.

use std::fmt;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Utc};

/// The roles of SPEC.md §1. A person may hold several, per partnership.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    BusinessTeam,
    IndependentChair,
    GroupChair,
    AgencyLead,
    Practitioner,
    Trainer,
    Auditor,
    SystemAdmin,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::BusinessTeam,
        Role::IndependentChair,
        Role::GroupChair,
        Role::AgencyLead,
        Role::Practitioner,
        Role::Trainer,
        Role::Auditor,
        Role::SystemAdmin,
    ];

    /// The stable name stored in the database and typed on the command line.
    pub fn slug(self) -> &'static str {
        match self {
            Role::BusinessTeam => "business-team",
            Role::IndependentChair => "independent-chair",
            Role::GroupChair => "group-chair",
            Role::AgencyLead => "agency-lead",
            Role::Practitioner => "practitioner",
            Role::Trainer => "trainer",
            Role::Auditor => "auditor",
            Role::SystemAdmin => "system-admin",
        }
    }

    /// Plain words for people.
    pub fn label(self) -> &'static str {
        match self {
            Role::BusinessTeam => "Business team",
            Role::IndependentChair => "Independent chair or scrutineer",
            Role::GroupChair => "Group chair or deputy",
            Role::AgencyLead => "Agency safeguarding lead",
            Role::Practitioner => "Practitioner",
            Role::Trainer => "Trainer",
            Role::Auditor => "Auditor",
            Role::SystemAdmin => "System administrator",
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            Role::BusinessTeam => {
                "Runs the partnership's work: records, actions, meetings, reports"
            }
            Role::IndependentChair => "Reads everything and signs off decisions",
            Role::GroupChair => "Runs one group's meetings, agendas and minutes",
            Role::AgencyLead => "Updates their agency's actions, returns and self-assessment",
            Role::Practitioner => "Reads the learning library, books and evaluates training",
            Role::Trainer => "Manages the courses and sessions they deliver",
            Role::Auditor => "Completes the audit returns assigned to them",
            Role::SystemAdmin => "Manages accounts, without reading case content",
        }
    }

    pub fn from_slug(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.slug() == s)
    }

    /// Roles held for one agency: the person acts for that agency.
    pub fn needs_agency(self) -> bool {
        matches!(self, Role::AgencyLead | Role::Practitioner | Role::Auditor)
    }

    /// Roles held for one group.
    pub fn needs_group(self) -> bool {
        matches!(self, Role::GroupChair)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// An e-mail address as we store it: trimmed, lower case, plausibly deliverable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses what a person typed; the error says how to fix it.
    pub fn parse(input: &str) -> Result<Email, &'static str> {
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return Err("Enter an email address");
        }
        if s.len() > 254 {
            return Err("Email address must be 254 characters or fewer");
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err("Enter an email address in the correct format, like name@example.org");
        };
        let ok = !local.is_empty()
            && !domain.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == ',');
        if !ok {
            return Err("Enter an email address in the correct format, like name@example.org");
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub const MIN_PASSWORD: usize = 12;
pub const MAX_PASSWORD: usize = 128;

/// A new password is long enough to resist guessing (NCSC: length over complexity rules).
pub fn check_new_password(pw: &str) -> Result<(), &'static str> {
    let n = pw.chars().count();
    if n == 0 {
        Err("Enter a password")
    } else if n < MIN_PASSWORD {
        Err("Password must be 12 characters or more")
    } else if n > MAX_PASSWORD {
        Err("Password must be 128 characters or fewer")
    } else {
        Ok(())
    }
}

/// Hashes a password with argon2id and a random salt. CPU-heavy: call off the async threads.
pub fn hash_password(pw: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pw.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// A hash that verifies nothing, used when the account does not exist so that the time a
/// sign-in takes tells nothing about which addresses have accounts.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0O0l0zF0yAq8sCkTMYiZV3Hb9ZyW7pVZGf8R1P4vJ7I";

/// True when `pw` matches `hash`. CPU-heavy: call off the async threads.
pub fn verify_password(pw: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(pw.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Sign-in throttling, per e-mail address typed (whether or not it has an account, so that
/// the lock-out message reveals nothing): after [`Throttle::MAX_FAILURES`] failures within
/// the window the address is locked for [`Throttle::LOCK`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Throttle {
    pub failures: i64,
    pub first_failure_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}

impl Throttle {
    pub const MAX_FAILURES: i64 = 5;
    pub const WINDOW_MINUTES: i64 = 15;
    pub const LOCK_MINUTES: i64 = 15;

    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|t| now < t)
    }

    /// Failures one account may have from all addresses together before it is locked for
    /// everyone: high enough that nobody can lock another person out from one address (that
    /// locks only the pair), low enough to stop a spray from many.
    pub const MAX_ACCOUNT_FAILURES: i64 = 50;

    /// The state after one more failure at `now`, locking at [`Throttle::MAX_FAILURES`].
    pub fn after_failure(prev: Option<&Throttle>, now: DateTime<Utc>) -> Throttle {
        Self::after_failure_of(prev, now, Self::MAX_FAILURES)
    }

    /// The state after one more failure at `now`, locking at `max_failures`.
    pub fn after_failure_of(
        prev: Option<&Throttle>,
        now: DateTime<Utc>,
        max_failures: i64,
    ) -> Throttle {
        let fresh = Throttle {
            failures: 1,
            first_failure_at: now,
            locked_until: None,
        };
        let mut t = match prev {
            Some(p) if now - p.first_failure_at < Duration::minutes(Self::WINDOW_MINUTES) => {
                Throttle {
                    failures: p.failures + 1,
                    first_failure_at: p.first_failure_at,
                    locked_until: p.locked_until,
                }
            }
            Some(p) if p.is_locked(now) => Throttle {
                failures: p.failures + 1,
                ..p.clone()
            },
            _ => fresh,
        };
        if t.failures >= max_failures && !t.is_locked(now) {
            t.locked_until = Some(now + Duration::minutes(Self::LOCK_MINUTES));
        }
        t
    }
}

/// How long a signed-in session lives: it ends after a spell of inactivity or at an
/// absolute limit, whichever comes first.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

impl SessionPolicy {
    pub fn is_live(
        &self,
        created: DateTime<Utc>,
        last_seen: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        now - last_seen < self.idle && now - created < self.absolute
    }
}

/// How long a one-time link lasts.
pub fn token_lifetime(purpose: TokenPurpose) -> Duration {
    match purpose {
        TokenPurpose::Invite => Duration::days(7),
        TokenPurpose::Reset => Duration::hours(2),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenPurpose {
    Invite,
    Reset,
}

impl TokenPurpose {
    pub fn slug(self) -> &'static str {
        match self {
            TokenPurpose::Invite => "invite",
            TokenPurpose::Reset => "reset",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn role_slugs_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_slug(r.slug()), Some(r));
        }
        assert_eq!(Role::from_slug("admin"), None);
    }

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Jo.Bloggs@Example.ORG ").unwrap().as_str(),
            "jo.bloggs@example.org"
        );
        assert!(Email::parse("").is_err());
        assert!(Email::parse("jo").is_err());
        assert!(Email::parse("jo@localhost").is_err());
        assert!(Email::parse("jo@@example.org").is_err());
        assert!(Email::parse("jo bloggs@example.org").is_err());
    }

    #[test]
    fn short_passwords_are_refused_with_the_length_needed() {
        assert_eq!(
            check_new_password("short"),
            Err("Password must be 12 characters or more")
        );
        assert!(check_new_password("long enough passphrase").is_ok());
    }

    #[test]
    fn password_hash_verifies_only_the_same_password() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("anything", DUMMY_HASH));
    }

    #[test]
    fn fifth_failure_locks_the_address_for_fifteen_minutes() {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
        let mut t = None;
        for i in 0..4 {
            let next = Throttle::after_failure(t.as_ref(), t0 + Duration::seconds(i));
            assert!(!next.is_locked(t0 + Duration::seconds(i)));
            t = Some(next);
        }
        let locked = Throttle::after_failure(t.as_ref(), t0 + Duration::seconds(5));
        assert!(locked.is_locked(t0 + Duration::minutes(10)));
        assert!(!locked.is_locked(t0 + Duration::minutes(21)));
    }

    #[test]
    fn failures_outside_the_window_start_again() {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
        let t = Throttle::after_failure(None, t0);
        let later = Throttle::after_failure(Some(&t), t0 + Duration::minutes(20));
        assert_eq!(later.failures, 1);
    }

    #[test]
    fn session_ends_when_idle_or_too_old() {
        let p = SessionPolicy::default();
        let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
        assert!(p.is_live(t0, t0, t0 + Duration::minutes(29)));
        assert!(!p.is_live(t0, t0, t0 + Duration::minutes(31)));
        assert!(!p.is_live(
            t0,
            t0 + Duration::hours(12),
            t0 + Duration::hours(12) + Duration::minutes(1)
        ));
    }
}
