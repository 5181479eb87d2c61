//! People, their memberships (roles per partnership), sessions, one-time links and sign-in
//! throttling.

use chrono::{DateTime, Utc};
use learnloop_domain::accounts::{Role, Throttle, TokenPurpose};
use learnloop_domain::policy::Membership;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::audit::{self, Event, Who};
use crate::governance::Partnership;
use crate::{Db, Page, Paged, StoreError, Tx, new_id, parse_ts, query, ts};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Person {
    pub id: String,
    pub email: String,
    pub name: String,
    pub job_title: String,
    pub password_hash: Option<String>,
    pub password_changed_at: Option<String>,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MembershipRow {
    pub id: String,
    pub person_id: String,
    pub partnership_id: String,
    pub role: String,
    pub agency_id: Option<String>,
    pub group_id: Option<String>,
    pub created_at: String,
}

impl MembershipRow {
    /// The policy's view of this row; unknown roles (from a newer version) grant nothing.
    pub fn to_domain(&self) -> Option<Membership> {
        Some(Membership {
            role: Role::from_slug(&self.role)?,
            agency_id: self.agency_id.clone(),
            group_id: self.group_id.clone(),
        })
    }
}

/// A one-time secret as stored: only its SHA-256, so a copy of the database opens nothing.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A fresh random secret for a cookie or a link (256 bits, URL-safe hex).
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

pub async fn person_by_email(db: &Db, email: &str) -> Result<Option<Person>, StoreError> {
    db.fetch_optional(query("SELECT * FROM person WHERE email = ?").bind(email))
        .await
}

pub async fn person(db: &Db, id: &str) -> Result<Option<Person>, StoreError> {
    db.fetch_optional(query("SELECT * FROM person WHERE id = ?").bind(id))
        .await
}

/// A person, if they belong to the partnership (hold any role in it).
pub async fn person_in(
    db: &Db,
    partnership_id: &str,
    id: &str,
) -> Result<Option<Person>, StoreError> {
    db.fetch_optional(
        query(
            "SELECT * FROM person WHERE id = ? AND EXISTS \
             (SELECT 1 FROM membership m WHERE m.person_id = person.id AND m.partnership_id = ?)",
        )
        .bind(id)
        .bind(partnership_id),
    )
    .await
}

pub async fn memberships(
    db: &Db,
    person_id: &str,
    partnership_id: &str,
) -> Result<Vec<MembershipRow>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM membership WHERE person_id = ? AND partnership_id = ? ORDER BY role")
            .bind(person_id)
            .bind(partnership_id),
    )
    .await
}

/// A role a person holds, with the partnership's name.
#[derive(Debug, Clone)]
pub struct MembershipIn {
    pub membership: MembershipRow,
    pub partnership_name: String,
}

/// Everything a request needs to know about who is asking, read in one statement: the
/// session, its person, every role the person holds and every partnership they hold one in.
#[derive(Debug, Clone)]
pub struct SessionContext {
    pub session_partnership_id: Option<String>,
    pub session_created_at: String,
    pub session_last_seen_at: String,
    pub person: Person,
    /// By partnership name, then role.
    pub memberships: Vec<MembershipIn>,
    /// Each partnership the person holds a role in, once, by name.
    pub partnerships: Vec<Partnership>,
}

#[derive(sqlx::FromRow)]
struct ContextRow {
    session_partnership_id: Option<String>,
    session_created_at: String,
    session_last_seen_at: String,
    person_id: String,
    person_email: String,
    person_name: String,
    person_job_title: String,
    person_password_hash: Option<String>,
    person_password_changed_at: Option<String>,
    person_active: bool,
    person_created_at: String,
    person_updated_at: String,
    membership_id: String,
    membership_role: String,
    membership_agency_id: Option<String>,
    membership_group_id: Option<String>,
    membership_created_at: String,
    #[sqlx(flatten)]
    partnership: Partnership,
}

/// The session with this token hash and who holds it; `None` for no such session or for a
/// person who holds no role anywhere (they can do nothing, so they are not signed in). Every
/// request makes this read, so it is one statement: a row per role, each with its partnership.
pub async fn session_context(
    db: &Db,
    token_hash: &str,
) -> Result<Option<SessionContext>, StoreError> {
    let copy = db
        .sessions()
        .stamp()
        .and_then(|s| db.sessions().get(token_hash, &s));
    match copy {
        Some(copy) => Ok(Some(copy)),
        None => session_context_afresh(db, token_hash).await,
    }
}

/// As [`session_context`], read from the database whatever the copy (which may not know that
/// another instance marked the session as used since), and copied again.
pub async fn session_context_afresh(
    db: &Db,
    token_hash: &str,
) -> Result<Option<SessionContext>, StoreError> {
    // Taken before reading: a change committed while the statement runs leaves the copy under
    // a stamp that is then no longer current, so it is never used.
    let stamp = db.sessions().stamp();
    let found = read_session_context(db, token_hash).await?;
    if let (Some(stamp), Some(found)) = (stamp, &found) {
        db.sessions().keep(token_hash, stamp, found.clone());
    }
    Ok(found)
}

async fn read_session_context(
    db: &Db,
    token_hash: &str,
) -> Result<Option<SessionContext>, StoreError> {
    let rows: Vec<ContextRow> = db
        .fetch_all_fresh(
            query(
                "SELECT s.partnership_id AS session_partnership_id, \
                 s.created_at AS session_created_at, s.last_seen_at AS session_last_seen_at, \
                 pe.id AS person_id, pe.email AS person_email, pe.name AS person_name, \
                 pe.job_title AS person_job_title, pe.password_hash AS person_password_hash, \
                 pe.password_changed_at AS person_password_changed_at, \
                 pe.active AS person_active, pe.created_at AS person_created_at, \
                 pe.updated_at AS person_updated_at, m.id AS membership_id, \
                 m.role AS membership_role, m.agency_id AS membership_agency_id, \
                 m.group_id AS membership_group_id, m.created_at AS membership_created_at, pa.* \
                 FROM session s JOIN person pe ON pe.id = s.person_id \
                 JOIN membership m ON m.person_id = pe.id \
                 JOIN partnership pa ON pa.id = m.partnership_id \
                 WHERE s.token_hash = ? ORDER BY pa.name, pa.id, m.role LIMIT 1000",
            )
            .bind(token_hash),
        )
        .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut ctx = SessionContext {
        session_partnership_id: first.session_partnership_id.clone(),
        session_created_at: first.session_created_at.clone(),
        session_last_seen_at: first.session_last_seen_at.clone(),
        person: Person {
            id: first.person_id.clone(),
            email: first.person_email.clone(),
            name: first.person_name.clone(),
            job_title: first.person_job_title.clone(),
            password_hash: first.person_password_hash.clone(),
            password_changed_at: first.person_password_changed_at.clone(),
            active: first.person_active,
            created_at: first.person_created_at.clone(),
            updated_at: first.person_updated_at.clone(),
        },
        memberships: Vec::with_capacity(rows.len()),
        partnerships: Vec::new(),
    };
    for r in rows {
        ctx.memberships.push(MembershipIn {
            membership: MembershipRow {
                id: r.membership_id,
                person_id: r.person_id,
                partnership_id: r.partnership.id.clone(),
                role: r.membership_role,
                agency_id: r.membership_agency_id,
                group_id: r.membership_group_id,
                created_at: r.membership_created_at,
            },
            partnership_name: r.partnership.name.clone(),
        });
        if ctx.partnerships.last().map(|p| &p.id) != Some(&r.partnership.id) {
            ctx.partnerships.push(r.partnership);
        }
    }
    Ok(Some(ctx))
}

/// The partnerships a person belongs to, by name.
pub async fn partnerships_of(
    db: &Db,
    person_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT DISTINCT p.id, p.name FROM partnership p JOIN membership m \
             ON m.partnership_id = p.id WHERE m.person_id = ? ORDER BY p.name",
        )
        .bind(person_id),
    )
    .await
}

/// A person's id and name, for choosing people in forms and showing who did what.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// Everyone with a role in the partnership, by name (one query, no roles).
pub async fn names(db: &Db, partnership_id: &str) -> Result<Vec<Named>, StoreError> {
    db.fetch_all(
        query(
            "SELECT id, name FROM person WHERE id IN (SELECT person_id FROM membership WHERE partnership_id = ?) \
             ORDER BY lower(name), id LIMIT 1000",
        )
        .bind(partnership_id),
    )
    .await
}

/// The names of a few people of the partnership (chairs, owners), by id; ids of people outside
/// it are left out. Reads only those people, not everyone.
pub async fn names_of(
    db: &Db,
    partnership_id: &str,
    ids: &[&str],
) -> Result<Vec<Named>, StoreError> {
    let Some(q) = crate::db::query_list(
        "SELECT p.id, p.name FROM person p WHERE p.id IN (",
        &[],
        ids,
        ") AND EXISTS (SELECT 1 FROM membership m WHERE m.person_id = p.id AND m.partnership_id = ?) \
         ORDER BY lower(p.name), p.id",
    ) else {
        return Ok(Vec::new());
    };
    let q = q.bind(partnership_id);
    db.fetch_all(q).await
}

/// Everyone with a role in the partnership as (id, name, e-mail), for matching an imported
/// owner by name or address.
pub async fn contacts(
    db: &Db,
    partnership_id: &str,
) -> Result<Vec<(String, String, String)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT id, name, email FROM person WHERE active = ? AND id IN (SELECT person_id FROM membership WHERE partnership_id = ?) \
             ORDER BY lower(name), id LIMIT 20000",
        )
        .bind(true)
        .bind(partnership_id),
    )
    .await
}

/// A person listed on the people page with their roles in the partnership.
#[derive(Debug, Clone)]
pub struct PersonWithRoles {
    pub person: Person,
    pub roles: Vec<MembershipRow>,
}

pub async fn people(
    db: &Db,
    partnership_id: &str,
    page: Page,
) -> Result<Paged<PersonWithRoles>, StoreError> {
    let (total,): (i64,) = db
        .fetch_one(
            query("SELECT COUNT(DISTINCT person_id) FROM membership WHERE partnership_id = ?")
                .bind(partnership_id),
        )
        .await?;
    let persons: Vec<Person> = db
        .fetch_all(
            query(
                "SELECT * FROM person WHERE id IN (SELECT person_id FROM membership WHERE partnership_id = ?) \
                 ORDER BY lower(name), id LIMIT ? OFFSET ?",
            )
            .bind(partnership_id)
            .bind(page.size)
            .bind(page.offset()),
        )
        .await?;
    let rows: Vec<MembershipRow> = db
        .fetch_all(
            query(
                "SELECT m.* FROM membership m WHERE m.partnership_id = ? AND m.person_id IN \
                 (SELECT id FROM person WHERE id IN (SELECT person_id FROM membership WHERE partnership_id = ?) \
                  ORDER BY lower(name), id LIMIT ? OFFSET ?) ORDER BY m.role",
            )
            .bind(partnership_id)
            .bind(partnership_id)
            .bind(page.size)
            .bind(page.offset()),
        )
        .await?;
    let items = persons
        .into_iter()
        .map(|p| {
            let roles = rows
                .iter()
                .filter(|m| m.person_id == p.id)
                .cloned()
                .collect();
            PersonWithRoles { person: p, roles }
        })
        .collect();
    Ok(Paged { items, total, page })
}

/// Creates a person with no password yet (they set one through an invitation link).
pub async fn insert_person(
    tx: &mut Tx,
    who: &Who,
    email: &str,
    name: &str,
    job_title: &str,
    password_hash: Option<&str>,
) -> Result<Person, StoreError> {
    let now = ts(Utc::now());
    let p = Person {
        id: new_id(),
        email: email.to_owned(),
        name: name.to_owned(),
        job_title: job_title.to_owned(),
        password_hash: password_hash.map(str::to_owned),
        password_changed_at: password_hash.map(|_| now.clone()),
        active: true,
        created_at: now.clone(),
        updated_at: now,
    };
    let r = tx
        .execute(
            query(
                "INSERT INTO person (id, email, name, job_title, password_hash, password_changed_at, \
                 active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&p.id)
            .bind(&p.email)
            .bind(&p.name)
            .bind(&p.job_title)
            .bind(p.password_hash.clone())
            .bind(p.password_changed_at.clone())
            .bind(p.active)
            .bind(&p.created_at)
            .bind(&p.updated_at),
        )
        .await;
    match r {
        Err(e) if e.is_unique_violation() => {
            return Err(StoreError::Conflict(format!(
                "{} already has an account",
                p.email
            )));
        }
        r => r?,
    };
    audit::append(
        tx,
        who,
        Event::new("person.create", "person", Some(&p.id))
            .summary(format!("Created account for {}", p.name))
            .after(
                &serde_json::json!({"email": p.email, "name": p.name, "job_title": p.job_title}),
            ),
    )
    .await?;
    Ok(p)
}

/// Gives a person a role; giving one they already hold changes nothing.
pub async fn grant(
    tx: &mut Tx,
    who: &Who,
    person_id: &str,
    partnership_id: &str,
    role: Role,
    agency_id: Option<&str>,
    group_id: Option<&str>,
) -> Result<bool, StoreError> {
    let m = MembershipRow {
        id: new_id(),
        person_id: person_id.to_owned(),
        partnership_id: partnership_id.to_owned(),
        role: role.slug().to_owned(),
        agency_id: agency_id.map(str::to_owned),
        group_id: group_id.map(str::to_owned),
        created_at: ts(Utc::now()),
    };
    // ON CONFLICT DO NOTHING rather than catching the error: on PostgreSQL a failed statement
    // aborts the whole transaction the caller is in.
    let r = tx
        .execute(
            query(
                "INSERT INTO membership (id, person_id, partnership_id, role, agency_id, group_id, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(&m.id)
            .bind(&m.person_id)
            .bind(&m.partnership_id)
            .bind(&m.role)
            .bind(m.agency_id.clone())
            .bind(m.group_id.clone())
            .bind(&m.created_at),
        )
        .await;
    if r? == 0 {
        return Ok(false);
    }
    audit::append(
        tx,
        who,
        Event::new("membership.grant", "person", Some(person_id))
            .summary(format!("Gave role {}", role.label()))
            .after(&m),
    )
    .await?;
    Ok(true)
}

/// What came of taking a role away.
#[derive(Debug, PartialEq, Eq)]
pub enum Revoked {
    Done,
    /// No such role in the partnership.
    NotFound,
    /// Refused: the partnership's last active business-team member keeps the role.
    LastOfBusinessTeam,
}

/// Locks the partnership's business-team roles for the rest of the transaction (PostgreSQL;
/// SQLite's single writer already excludes the others), so that two people taking each
/// other's role at once cannot leave the partnership with nobody. Take it before changing any.
pub async fn lock_business_team(tx: &mut Tx, partnership_id: &str) -> Result<(), StoreError> {
    if tx.engine() == crate::Engine::Postgres {
        let _: Vec<(String,)> = tx
            .fetch_all(
                query(
                    "SELECT id FROM membership WHERE partnership_id = ? AND role = 'business-team' FOR UPDATE",
                )
                .bind(partnership_id),
            )
            .await?;
    }
    Ok(())
}

/// People who hold the business team's role in the partnership and can sign in now: active,
/// with a password set (someone invited who never set one cannot manage anything).
pub async fn business_team_count(tx: &mut Tx, partnership_id: &str) -> Result<i64, StoreError> {
    let (n,): (i64,) = tx
        .fetch_one(
            query(
                "SELECT COUNT(DISTINCT m.person_id) FROM membership m JOIN person p ON p.id = m.person_id \
                 WHERE m.partnership_id = ? AND m.role = 'business-team' AND p.active = TRUE \
                 AND p.password_hash IS NOT NULL",
            )
            .bind(partnership_id),
        )
        .await?;
    Ok(n)
}

/// Takes a role away, unless it is the last active business-team member's.
pub async fn revoke(
    db: &Db,
    who: &Who,
    partnership_id: &str,
    membership_id: &str,
) -> Result<Revoked, StoreError> {
    let mut tx = db.begin().await?;
    lock_business_team(&mut tx, partnership_id).await?;
    let m: Option<MembershipRow> = tx
        .fetch_optional(
            query("SELECT * FROM membership WHERE id = ? AND partnership_id = ?")
                .bind(membership_id)
                .bind(partnership_id),
        )
        .await?;
    let Some(m) = m else {
        return Ok(Revoked::NotFound);
    };
    tx.execute(query("DELETE FROM membership WHERE id = ?").bind(membership_id))
        .await?;
    let role = Role::from_slug(&m.role);
    if let Some(r) = role {
        let left = business_team_count(&mut tx, partnership_id).await?;
        if learnloop_domain::policy::check_business_team_left(r, left).is_err() {
            return Ok(Revoked::LastOfBusinessTeam);
        }
    }
    let label = role.map(|r| r.label()).unwrap_or("role");
    audit::append(
        &mut tx,
        who,
        Event::new("membership.revoke", "person", Some(&m.person_id))
            .summary(format!("Took away role {label}"))
            .before(&m),
    )
    .await?;
    // A person with no role left in the partnership loses their sessions there at once.
    tx.execute(
        query(
            "DELETE FROM session WHERE person_id = ? AND partnership_id = ? AND NOT EXISTS \
             (SELECT 1 FROM membership WHERE person_id = ? AND partnership_id = ?)",
        )
        .bind(&m.person_id)
        .bind(partnership_id)
        .bind(&m.person_id)
        .bind(partnership_id),
    )
    .await?;
    tx.commit().await?;
    Ok(Revoked::Done)
}

/// Deactivates or reactivates an account. Deactivating ends its sessions at once (its feeds,
/// mail and sign-in check `active`), unless the person is the last active business-team
/// member of a partnership, which keeps someone who can manage it.
pub async fn set_active(
    db: &Db,
    who: &Who,
    person_id: &str,
    active: bool,
) -> Result<Revoked, StoreError> {
    let mut tx = db.begin().await?;
    let theirs: Vec<(String,)> = tx
        .fetch_all(
            query("SELECT DISTINCT partnership_id FROM membership WHERE person_id = ? AND role = 'business-team' ORDER BY partnership_id")
                .bind(person_id),
        )
        .await?;
    for (pid,) in &theirs {
        lock_business_team(&mut tx, pid).await?;
    }
    let now = ts(Utc::now());
    let n = tx
        .execute(
            query("UPDATE person SET active = ?, updated_at = ? WHERE id = ?")
                .bind(active)
                .bind(&now)
                .bind(person_id),
        )
        .await?;
    if n == 0 {
        return Ok(Revoked::NotFound);
    }
    if !active {
        for (pid,) in &theirs {
            let left = business_team_count(&mut tx, pid).await?;
            if learnloop_domain::policy::check_business_team_left(Role::BusinessTeam, left).is_err()
            {
                return Ok(Revoked::LastOfBusinessTeam);
            }
        }
        tx.execute(query("DELETE FROM session WHERE person_id = ?").bind(person_id))
            .await?;
        tx.execute(
            query("UPDATE one_time_token SET used_at = ? WHERE person_id = ? AND used_at IS NULL")
                .bind(&now)
                .bind(person_id),
        )
        .await?;
    }
    audit::append(
        &mut tx,
        who,
        if active {
            Event::new("person.reactivate", "person", Some(person_id))
                .summary("Reactivated an account")
        } else {
            Event::new("person.deactivate", "person", Some(person_id))
                .summary("Deactivated an account")
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Revoked::Done)
}

/// Sets a new password, ends every other session of the person and voids every link of
/// theirs still outstanding.
pub async fn set_password(
    tx: &mut Tx,
    who: &Who,
    person_id: &str,
    hash: &str,
    keep_session: Option<&str>,
) -> Result<(), StoreError> {
    let now = ts(Utc::now());
    tx.execute(
        query("UPDATE person SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?")
            .bind(hash)
            .bind(&now)
            .bind(&now)
            .bind(person_id),
    )
    .await?;
    tx.execute(
        query("DELETE FROM session WHERE person_id = ? AND token_hash <> ?")
            .bind(person_id)
            .bind(keep_session.unwrap_or("")),
    )
    .await?;
    // Every link still outstanding (another reset, an invitation) stops working: whoever holds
    // one must not be able to set the password again.
    tx.execute(
        query("UPDATE one_time_token SET used_at = ? WHERE person_id = ? AND used_at IS NULL")
            .bind(&now)
            .bind(person_id),
    )
    .await?;
    audit::append(
        tx,
        who,
        Event::new("person.password", "person", Some(person_id)).summary("Set a new password"),
    )
    .await?;
    Ok(())
}

// ---- sessions ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub person_id: String,
    pub partnership_id: Option<String>,
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
}

pub async fn create_session(
    tx: &mut Tx,
    token_hash: &str,
    person_id: &str,
    partnership_id: Option<&str>,
    expires_at: DateTime<Utc>,
    user_agent: &str,
) -> Result<(), StoreError> {
    let now = ts(Utc::now());
    tx.execute(
        query(
            "INSERT INTO session (token_hash, person_id, partnership_id, created_at, last_seen_at, expires_at, user_agent) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(person_id)
        .bind(partnership_id)
        .bind(&now)
        .bind(&now)
        .bind(ts(expires_at))
        .bind(user_agent.chars().take(200).collect::<String>()),
    )
    .await?;
    Ok(())
}

pub async fn session(db: &Db, token_hash: &str) -> Result<Option<SessionRow>, StoreError> {
    db.fetch_optional(query("SELECT * FROM session WHERE token_hash = ?").bind(token_hash))
        .await
}

/// Marks a session as used now (callers do it at most once a minute).
pub async fn touch_session(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let at = ts(now);
    db.execute(
        query("UPDATE session SET last_seen_at = ? WHERE token_hash = ?")
            .bind(at.clone())
            .bind(token_hash),
    )
    .await?;
    db.sessions().touched(token_hash, &at);
    Ok(())
}

pub async fn switch_partnership(
    db: &Db,
    token_hash: &str,
    partnership_id: &str,
) -> Result<(), StoreError> {
    db.execute(
        query("UPDATE session SET partnership_id = ? WHERE token_hash = ?")
            .bind(partnership_id)
            .bind(token_hash),
    )
    .await?;
    Ok(())
}

pub async fn delete_session(db: &Db, token_hash: &str) -> Result<(), StoreError> {
    db.execute(query("DELETE FROM session WHERE token_hash = ?").bind(token_hash))
        .await?;
    Ok(())
}

// ---- one-time links ----

/// Stores a one-time link's secret hash for a person.
pub async fn create_token(
    tx: &mut Tx,
    person_id: &str,
    purpose: TokenPurpose,
    secret: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        query(
            "INSERT INTO one_time_token (token_hash, person_id, purpose, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(secret_hash(secret))
        .bind(person_id)
        .bind(purpose.slug())
        .bind(ts(Utc::now()))
        .bind(ts(expires_at)),
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub token_hash: String,
    pub person_id: String,
    pub purpose: String,
    pub created_at: String,
    pub expires_at: String,
    pub used_at: Option<String>,
}

/// The person a link is for, if the link is unused and in date.
pub async fn live_token(
    db: &Db,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<TokenRow>, StoreError> {
    let t: Option<TokenRow> = db
        .fetch_optional(
            query("SELECT * FROM one_time_token WHERE token_hash = ?").bind(secret_hash(secret)),
        )
        .await?;
    Ok(t.filter(|t| t.used_at.is_none() && parse_ts(&t.expires_at).is_ok_and(|e| now < e)))
}

/// Uses a link up, inside the transaction that acts on it. False if it was already used.
pub async fn use_token(tx: &mut Tx, token_hash: &str) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            query("UPDATE one_time_token SET used_at = ? WHERE token_hash = ? AND used_at IS NULL")
                .bind(ts(Utc::now()))
                .bind(token_hash),
        )
        .await?;
    Ok(n == 1)
}

/// People invited who have not yet set a password, for the business team's home page.
pub async fn pending_invitations(db: &Db, partnership_id: &str) -> Result<i64, StoreError> {
    let (n,): (i64,) = db
        .fetch_one(
            query(
                "SELECT COUNT(*) FROM person WHERE password_hash IS NULL AND id IN \
                 (SELECT person_id FROM membership WHERE partnership_id = ?)",
            )
            .bind(partnership_id),
        )
        .await?;
    Ok(n)
}

// ---- throttling ----

#[derive(Debug, Clone, sqlx::FromRow)]
struct ThrottleRow {
    failures: i64,
    first_failure_at: String,
    locked_until: Option<String>,
}

pub async fn throttle(db: &Db, key: &str) -> Result<Option<Throttle>, StoreError> {
    let r: Option<ThrottleRow> = db
        .fetch_optional(
            query(
                "SELECT failures, first_failure_at, locked_until FROM login_throttle WHERE key = ?",
            )
            .bind(key),
        )
        .await?;
    r.map(|r| {
        Ok(Throttle {
            failures: r.failures,
            first_failure_at: parse_ts(&r.first_failure_at)?,
            locked_until: r.locked_until.as_deref().map(parse_ts).transpose()?,
        })
    })
    .transpose()
}

pub async fn save_throttle(tx: &mut Tx, key: &str, t: &Throttle) -> Result<(), StoreError> {
    tx.execute(
        query(
            "INSERT INTO login_throttle (key, failures, first_failure_at, locked_until) VALUES (?, ?, ?, ?) \
             ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, \
             first_failure_at = excluded.first_failure_at, locked_until = excluded.locked_until",
        )
        .bind(key)
        .bind(t.failures)
        .bind(ts(t.first_failure_at))
        .bind(t.locked_until.map(ts)),
    )
    .await?;
    Ok(())
}

pub async fn clear_throttle(tx: &mut Tx, key: &str) -> Result<(), StoreError> {
    tx.execute(query("DELETE FROM login_throttle WHERE key = ?").bind(key))
        .await?;
    Ok(())
}

/// Removes sessions past their idle or absolute limit, one-time links past their date and
/// sign-in failure counts a day old, so the tables hold only what can still be used. Returns how many rows went.
pub async fn sweep(
    db: &Db,
    now: DateTime<Utc>,
    idle: chrono::Duration,
    absolute: chrono::Duration,
) -> Result<u64, StoreError> {
    let mut n = db
        .execute(
            query("DELETE FROM session WHERE last_seen_at < ? OR created_at < ?")
                .bind(ts(now - idle))
                .bind(ts(now - absolute)),
        )
        .await?;
    n += db
        .execute(
            query("DELETE FROM one_time_token WHERE expires_at < ?")
                .bind(ts(now - chrono::Duration::days(30))),
        )
        .await?;
    // Failure counts decay: a day after the first failure, with no lock left, the row goes.
    n += db
        .execute(
            query(
                "DELETE FROM login_throttle WHERE first_failure_at < ? \
                 AND (locked_until IS NULL OR locked_until < ?)",
            )
            .bind(ts(now - chrono::Duration::days(1)))
            .bind(ts(now)),
        )
        .await?;
    Ok(n)
}

/// Counts a sign-in attempt for an address before its password is checked, atomically, so
/// that requests sent at the same moment cannot all slip under the limit. Returns the state
/// before and after counting; a successful sign-in then clears it.
pub async fn count_attempt(
    db: &Db,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(Option<Throttle>, Throttle), StoreError> {
    count_attempt_of(db, key, now, Throttle::MAX_FAILURES).await
}

/// [`count_attempt`] with its own number of failures before the lock.
pub async fn count_attempt_of(
    db: &Db,
    key: &str,
    now: DateTime<Utc>,
    max_failures: i64,
) -> Result<(Option<Throttle>, Throttle), StoreError> {
    let mut tx = db.begin().await?;
    tx.serialise_on(&format!("throttle:{key}")).await?;
    let row: Option<ThrottleRow> = tx
        .fetch_optional(
            query(
                "SELECT failures, first_failure_at, locked_until FROM login_throttle WHERE key = ?",
            )
            .bind(key),
        )
        .await?;
    let before = row
        .map(|r| {
            Ok::<_, StoreError>(Throttle {
                failures: r.failures,
                first_failure_at: parse_ts(&r.first_failure_at)?,
                locked_until: r.locked_until.as_deref().map(parse_ts).transpose()?,
            })
        })
        .transpose()?;
    let after = Throttle::after_failure_of(before.as_ref(), now, max_failures);
    save_throttle(&mut tx, key, &after).await?;
    tx.commit().await?;
    Ok((before, after))
}

// ---- invitations of existing accounts ----

/// An invitation to someone who already has an account, waiting for their answer.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Invitation {
    pub id: String,
    pub partnership_id: String,
    pub person_id: String,
    /// As the inviting partnership typed it.
    pub name: String,
    pub email: String,
    pub job_title: String,
    pub role: String,
    pub agency_id: Option<String>,
    pub group_id: Option<String>,
    pub invited_by: String,
    #[serde(skip)]
    pub token_hash: String,
    pub created_at: String,
    pub expires_at: String,
    pub answered_at: Option<String>,
    pub accepted: Option<bool>,
}

/// What a partnership asks of an existing account.
pub struct NewInvitation<'a> {
    pub partnership_id: &'a str,
    pub person_id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub job_title: &'a str,
    pub role: Role,
    pub agency_id: Option<&'a str>,
    pub group_id: Option<&'a str>,
    pub invited_by: &'a str,
}

/// Records an invitation whose link's secret is `secret` (only its hash is kept).
pub async fn invite_existing(
    tx: &mut Tx,
    who: &Who,
    n: &NewInvitation<'_>,
    secret: &str,
    expires_at: DateTime<Utc>,
) -> Result<Invitation, StoreError> {
    let inv = Invitation {
        id: new_id(),
        partnership_id: n.partnership_id.to_owned(),
        person_id: n.person_id.to_owned(),
        name: n.name.to_owned(),
        email: n.email.to_owned(),
        job_title: n.job_title.to_owned(),
        role: n.role.slug().to_owned(),
        agency_id: n.agency_id.map(str::to_owned),
        group_id: n.group_id.map(str::to_owned),
        invited_by: n.invited_by.to_owned(),
        token_hash: secret_hash(secret),
        created_at: ts(Utc::now()),
        expires_at: ts(expires_at),
        answered_at: None,
        accepted: None,
    };
    tx.execute(
        query(
            "INSERT INTO invitation (id, partnership_id, person_id, name, email, job_title, role, agency_id, \
             group_id, invited_by, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&inv.id)
        .bind(&inv.partnership_id)
        .bind(&inv.person_id)
        .bind(&inv.name)
        .bind(&inv.email)
        .bind(&inv.job_title)
        .bind(&inv.role)
        .bind(inv.agency_id.clone())
        .bind(inv.group_id.clone())
        .bind(&inv.invited_by)
        .bind(&inv.token_hash)
        .bind(&inv.created_at)
        .bind(&inv.expires_at),
    )
    .await?;
    audit::append(
        tx,
        who,
        Event::new("invitation.create", "person", Some(n.person_id))
            .summary(format!("Invited {} as {}", n.email, n.role.label()))
            .after(&inv),
    )
    .await?;
    Ok(inv)
}

/// The partnership's invitations still waiting for an answer, newest first.
pub async fn open_invitations(
    db: &Db,
    partnership_id: &str,
) -> Result<Vec<Invitation>, StoreError> {
    db.fetch_all(
        query(
            "SELECT * FROM invitation WHERE partnership_id = ? AND answered_at IS NULL \
             ORDER BY created_at DESC LIMIT 200",
        )
        .bind(partnership_id),
    )
    .await
}

/// The invitation a link opens, while it is unanswered and in date.
pub async fn invitation_by_secret(
    db: &Db,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<Invitation>, StoreError> {
    let found: Option<Invitation> = db
        .fetch_optional(
            query("SELECT * FROM invitation WHERE token_hash = ?").bind(secret_hash(secret)),
        )
        .await?;
    Ok(found.filter(|i| i.answered_at.is_none() && parse_ts(&i.expires_at).is_ok_and(|e| now < e)))
}

/// Answers an invitation: accepted, the role is given. False when it was answered already.
pub async fn answer_invitation(
    db: &Db,
    who: &Who,
    inv: &Invitation,
    accept: bool,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query("UPDATE invitation SET answered_at = ?, accepted = ? WHERE id = ? AND answered_at IS NULL")
                .bind(ts(Utc::now()))
                .bind(accept)
                .bind(&inv.id),
        )
        .await?;
    if n != 1 {
        return Ok(false);
    }
    if accept {
        if let Some(role) = Role::from_slug(&inv.role) {
            grant(
                &mut tx,
                who,
                &inv.person_id,
                &inv.partnership_id,
                role,
                inv.agency_id.as_deref(),
                inv.group_id.as_deref(),
            )
            .await?;
        }
    } else {
        audit::append(
            &mut tx,
            who,
            Event::new("invitation.decline", "person", Some(&inv.person_id))
                .summary("Declined an invitation"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

// ---- the second factor ----

/// A person's second factor as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SecondFactor {
    /// The TOTP secret, sealed with the installation's key; set while setting up, too.
    pub totp_sealed: Option<String>,
    /// When it was confirmed with a code and switched on.
    pub totp_enabled_at: Option<String>,
    /// The last time step accepted: a code is accepted once.
    pub totp_last_step: i64,
}

impl SecondFactor {
    pub fn is_on(&self) -> bool {
        self.totp_enabled_at.is_some()
    }
}

pub async fn second_factor(db: &Db, person_id: &str) -> Result<Option<SecondFactor>, StoreError> {
    db.fetch_optional(
        query("SELECT totp_sealed, totp_enabled_at, totp_last_step FROM person WHERE id = ?")
            .bind(person_id),
    )
    .await
}

/// Whether any partnership the person works in requires a second factor of their roles there.
pub async fn second_factor_required(db: &Db, person_id: &str) -> Result<bool, StoreError> {
    let rows: Vec<(String, String)> = db
        .fetch_all(
            query(
                "SELECT m.role, p.second_factor FROM membership m JOIN partnership p ON p.id = m.partnership_id \
                 WHERE m.person_id = ?",
            )
            .bind(person_id),
        )
        .await?;
    Ok(rows.iter().any(|(role, rule)| {
        match (
            Role::from_slug(role),
            learnloop_domain::policy::SecondFactorRule::from_slug(rule),
        ) {
            (Some(r), Some(rule)) => rule.requires(r),
            // An unknown rule (from a newer version) is read as the strictest.
            (Some(_), None) => true,
            _ => false,
        }
    }))
}

/// Keeps a secret being set up (not on until confirmed with a code). Refused when a second
/// factor is already on: it is replaced only after a reset.
pub async fn begin_totp(db: &Db, person_id: &str, sealed: &str) -> Result<bool, StoreError> {
    let n = db
        .execute(
            query("UPDATE person SET totp_sealed = ? WHERE id = ? AND totp_enabled_at IS NULL")
                .bind(sealed)
                .bind(person_id),
        )
        .await?;
    Ok(n == 1)
}

/// Switches the second factor on, at the time step of the code that confirmed it, with new
/// recovery codes (their hashes). False when it was on already.
pub async fn enable_totp(
    db: &Db,
    who: &Who,
    person_id: &str,
    step: i64,
    recovery_hashes: &[String],
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query(
                "UPDATE person SET totp_enabled_at = ?, totp_last_step = ? \
                 WHERE id = ? AND totp_enabled_at IS NULL AND totp_sealed IS NOT NULL",
            )
            .bind(ts(Utc::now()))
            .bind(step)
            .bind(person_id),
        )
        .await?;
    if n != 1 {
        return Ok(false);
    }
    tx.execute(query("DELETE FROM recovery_code WHERE person_id = ?").bind(person_id))
        .await?;
    for h in recovery_hashes {
        tx.execute(
            query("INSERT INTO recovery_code (person_id, code_hash) VALUES (?, ?)")
                .bind(person_id)
                .bind(h),
        )
        .await?;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("second-factor.on", "person", Some(person_id))
            .summary("Switched on two-step sign-in"),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Accepts a code's time step once: false when it, or a later one, was accepted before.
pub async fn accept_step(db: &Db, person_id: &str, step: i64) -> Result<bool, StoreError> {
    let n = db
        .execute(
            query("UPDATE person SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?")
                .bind(step)
                .bind(person_id)
                .bind(step),
        )
        .await?;
    Ok(n == 1)
}

/// Uses a recovery code up. False when it is not one of theirs or was used.
pub async fn use_recovery_code(db: &Db, person_id: &str, code: &str) -> Result<bool, StoreError> {
    let n = db
        .execute(
            query(
                "UPDATE recovery_code SET used_at = ? WHERE person_id = ? AND code_hash = ? AND used_at IS NULL",
            )
            .bind(ts(Utc::now()))
            .bind(person_id)
            .bind(secret_hash(code)),
        )
        .await?;
    Ok(n == 1)
}

/// Recovery codes not yet used.
pub async fn recovery_codes_left(db: &Db, person_id: &str) -> Result<i64, StoreError> {
    let (n,): (i64,) = db
        .fetch_one(
            query("SELECT COUNT(*) FROM recovery_code WHERE person_id = ? AND used_at IS NULL")
                .bind(person_id),
        )
        .await?;
    Ok(n)
}

/// Takes a second factor away (the phone was lost): its secret and recovery codes go, and
/// every session of the person ends; they set up a new one at their next sign-in.
pub async fn reset_second_factor(
    tx: &mut Tx,
    who: &Who,
    person_id: &str,
) -> Result<(), StoreError> {
    tx.execute(
        query("UPDATE person SET totp_sealed = NULL, totp_enabled_at = NULL, totp_last_step = 0 WHERE id = ?")
            .bind(person_id),
    )
    .await?;
    tx.execute(query("DELETE FROM recovery_code WHERE person_id = ?").bind(person_id))
        .await?;
    tx.execute(query("DELETE FROM session WHERE person_id = ?").bind(person_id))
        .await?;
    audit::append(
        tx,
        who,
        Event::new("second-factor.reset", "person", Some(person_id))
            .summary("Reset someone's two-step sign-in"),
    )
    .await?;
    Ok(())
}

// ---- the person's own sessions ----

/// A session as its owner sees it on the account page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionLine {
    pub token_hash: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub user_agent: String,
}

pub async fn sessions_of(db: &Db, person_id: &str) -> Result<Vec<SessionLine>, StoreError> {
    db.fetch_all(
        query(
            "SELECT token_hash, created_at, last_seen_at, user_agent FROM session \
             WHERE person_id = ? ORDER BY last_seen_at DESC LIMIT 50",
        )
        .bind(person_id),
    )
    .await
}

/// Ends one of the person's sessions (only theirs). False when there was no such session.
pub async fn end_session(
    db: &Db,
    who: &Who,
    person_id: &str,
    token_hash: &str,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query("DELETE FROM session WHERE person_id = ? AND token_hash = ?")
                .bind(person_id)
                .bind(token_hash),
        )
        .await?;
    if n == 1 {
        audit::append(
            &mut tx,
            who,
            Event::new("session.end", "person", Some(person_id)).summary("Ended a session"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}
