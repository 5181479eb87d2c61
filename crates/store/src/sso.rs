//! Single sign-on: a partnership's identity providers (set up by the business team; the client
//! secret sealed with the installation's key, never shown again), and the sign-ins under way,
//! kept in the database so that any instance can finish one, each used once.

use chrono::{DateTime, Utc};
use learnloop_domain::sso::Provider as ProviderInput;
use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::keys::SecretKey;
use crate::{Db, StoreError, new_id, parse_ts, query, ts};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Provider {
    pub id: String,
    pub partnership_id: String,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret_sealed: String,
    pub email_domains: String,
    pub trust_second_factor: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl Provider {
    pub fn domains(&self) -> Vec<String> {
        self.email_domains
            .split(',')
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The client secret, opened with the installation's key.
    pub fn client_secret(&self, key: &SecretKey) -> Option<String> {
        key.open(&seal_context(&self.id), &self.client_secret_sealed)
            .and_then(|b| String::from_utf8(b).ok())
    }
}

fn taken(name: &str) -> StoreError {
    StoreError::Conflict(format!(
        "The partnership already has a provider called {name}: choose another name"
    ))
}

fn seal_context(id: &str) -> String {
    format!("identity-provider:{id}")
}

/// What the audit trail keeps of a provider: never its secret.
#[derive(Serialize)]
struct View<'a> {
    name: &'a str,
    issuer: &'a str,
    client_id: &'a str,
    email_domains: &'a [String],
    agencies: &'a [String],
    trust_second_factor: bool,
}

fn view<'a>(p: &'a ProviderInput, agencies: &'a [String]) -> View<'a> {
    View {
        name: &p.name,
        issuer: &p.issuer,
        client_id: &p.client_id,
        email_domains: &p.email_domains,
        agencies,
        trust_second_factor: p.trust_second_factor,
    }
}

/// A partnership's providers, by name.
pub async fn providers(db: &Db, pid: &str) -> Result<Vec<Provider>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM identity_provider WHERE partnership_id = ? ORDER BY lower(name)")
            .bind(pid),
    )
    .await
}

/// One provider of a partnership.
pub async fn provider_in(db: &Db, pid: &str, id: &str) -> Result<Option<Provider>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM identity_provider WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// One provider, whichever partnership it serves (for a sign-in, before anyone is known).
pub async fn provider(db: &Db, id: &str) -> Result<Option<Provider>, StoreError> {
    db.fetch_optional(query("SELECT * FROM identity_provider WHERE id = ?").bind(id))
        .await
}

/// The sign-in buttons: (provider id, its name, the partnership's name), of one partnership
/// (by its short name) or of the whole installation, at most `limit`.
pub async fn buttons(
    db: &Db,
    partnership_slug: Option<&str>,
    limit: i64,
) -> Result<Vec<(String, String, String)>, StoreError> {
    match partnership_slug {
        Some(slug) => {
            db.fetch_all(
                query(
                    "SELECT i.id, i.name, p.name FROM identity_provider i JOIN partnership p ON p.id = i.partnership_id \
                     WHERE p.slug = ? ORDER BY lower(i.name) LIMIT ?",
                )
                .bind(slug)
                .bind(limit),
            )
            .await
        }
        None => {
            db.fetch_all(
                query(
                    "SELECT i.id, i.name, p.name FROM identity_provider i JOIN partnership p ON p.id = i.partnership_id \
                     ORDER BY lower(p.name), lower(i.name) LIMIT ?",
                )
                .bind(limit),
            )
            .await
        }
    }
}

/// The agencies a provider serves (ids); none means every agency of its partnership.
pub async fn agencies_of(db: &Db, provider_id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = db
        .fetch_all(
            query("SELECT agency_id FROM identity_provider_agency WHERE provider_id = ? ORDER BY agency_id")
                .bind(provider_id),
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

async fn set_agencies(
    tx: &mut crate::Tx,
    pid: &str,
    provider_id: &str,
    agencies: &[String],
) -> Result<(), StoreError> {
    tx.execute(
        query("DELETE FROM identity_provider_agency WHERE provider_id = ?").bind(provider_id),
    )
    .await?;
    for a in agencies {
        // Only the partnership's own agencies: anything else is skipped, never linked.
        tx.execute(
            query(
                "INSERT INTO identity_provider_agency (provider_id, agency_id) \
                 SELECT ?, id FROM agency WHERE id = ? AND partnership_id = ?",
            )
            .bind(provider_id)
            .bind(a)
            .bind(pid),
        )
        .await?;
    }
    Ok(())
}

/// Adds a provider; its name must be new in the partnership (a conflict otherwise).
pub async fn add(
    db: &Db,
    key: &SecretKey,
    who: &Who,
    pid: &str,
    p: &ProviderInput,
    agencies: &[String],
) -> Result<String, StoreError> {
    let id = new_id();
    let now = ts(Utc::now());
    let mut tx = db.begin().await?;
    let inserted = tx
        .execute(
            query(
                "INSERT INTO identity_provider (id, partnership_id, name, issuer, client_id, client_secret_sealed, \
                 email_domains, trust_second_factor, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&id)
            .bind(pid)
            .bind(&p.name)
            .bind(&p.issuer)
            .bind(&p.client_id)
            .bind(key.seal(&seal_context(&id), p.client_secret.as_bytes()))
            .bind(p.email_domains.join(","))
            .bind(p.trust_second_factor)
            .bind(&now)
            .bind(&now),
        )
        .await;
    match inserted {
        Err(e) if e.is_unique_violation() => return Err(taken(&p.name)),
        other => other?,
    };
    set_agencies(&mut tx, pid, &id, agencies).await?;
    audit::append(
        &mut tx,
        who,
        Event::new("identity-provider.add", "identity_provider", Some(&id))
            .summary(format!("Set up single sign-on with {}", p.name))
            .after(&view(p, agencies)),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a provider; an empty secret keeps the one held. A conflict when the name is taken.
pub async fn update(
    db: &Db,
    key: &SecretKey,
    who: &Who,
    before: &Provider,
    p: &ProviderInput,
    agencies: &[String],
) -> Result<(), StoreError> {
    let sealed = if p.client_secret.is_empty() {
        before.client_secret_sealed.clone()
    } else {
        key.seal(&seal_context(&before.id), p.client_secret.as_bytes())
    };
    let mut tx = db.begin().await?;
    let updated = tx
        .execute(
            query(
                "UPDATE identity_provider SET name = ?, issuer = ?, client_id = ?, client_secret_sealed = ?, \
                 email_domains = ?, trust_second_factor = ?, updated_at = ? WHERE id = ? AND partnership_id = ?",
            )
            .bind(&p.name)
            .bind(&p.issuer)
            .bind(&p.client_id)
            .bind(&sealed)
            .bind(p.email_domains.join(","))
            .bind(p.trust_second_factor)
            .bind(ts(Utc::now()))
            .bind(&before.id)
            .bind(&before.partnership_id),
        )
        .await;
    match updated {
        Err(e) if e.is_unique_violation() => return Err(taken(&p.name)),
        other => other?,
    };
    set_agencies(&mut tx, &before.partnership_id, &before.id, agencies).await?;
    let mut summary = format!("Changed single sign-on with {}", p.name);
    if !p.client_secret.is_empty() {
        summary.push_str(" (a new client secret)");
    }
    audit::append(
        &mut tx,
        who,
        Event::new(
            "identity-provider.update",
            "identity_provider",
            Some(&before.id),
        )
        .summary(summary)
        .after(&view(p, agencies)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a provider, and any sign-in under way through it.
pub async fn remove(db: &Db, who: &Who, p: &Provider) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    tx.execute(query("DELETE FROM sso_sign_in WHERE provider_id = ?").bind(&p.id))
        .await?;
    tx.execute(query("DELETE FROM identity_provider_agency WHERE provider_id = ?").bind(&p.id))
        .await?;
    tx.execute(
        query("DELETE FROM identity_provider WHERE id = ? AND partnership_id = ?")
            .bind(&p.id)
            .bind(&p.partnership_id),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("identity-provider.remove", "identity_provider", Some(&p.id))
            .summary(format!("Removed single sign-on with {}", p.name)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A sign-in under way: what the callback needs to finish it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pending {
    pub provider_id: String,
    pub pkce_verifier: String,
    pub nonce: String,
    pub next_path: String,
    pub created_at: String,
}

impl Pending {
    pub fn started(&self) -> Result<DateTime<Utc>, StoreError> {
        parse_ts(&self.created_at)
    }
}

/// Keeps a sign-in under way (by its state's hash), and forgets those older than a day.
pub async fn begin(
    db: &Db,
    state_hash: &str,
    provider_id: &str,
    pkce_verifier: &str,
    nonce: &str,
    next_path: &str,
) -> Result<(), StoreError> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    tx.execute(
        query("DELETE FROM sso_sign_in WHERE created_at < ?")
            .bind(ts(now - chrono::Duration::days(1))),
    )
    .await?;
    tx.execute(
        query(
            "INSERT INTO sso_sign_in (state_hash, provider_id, pkce_verifier, nonce, next_path, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(state_hash)
        .bind(provider_id)
        .bind(pkce_verifier)
        .bind(nonce)
        .bind(next_path)
        .bind(ts(now)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a sign-in under way, once: the row is deleted as it is read, so a second callback
/// with the same state (on this or any instance) finds nothing.
pub async fn take(db: &Db, state_hash: &str) -> Result<Option<Pending>, StoreError> {
    // A write: through a transaction, on the writing connection.
    let mut tx = db.begin().await?;
    let found = tx
        .fetch_optional(
            query(
                "DELETE FROM sso_sign_in WHERE state_hash = ? \
                 RETURNING provider_id, pkce_verifier, nonce, next_path, created_at",
            )
            .bind(state_hash),
        )
        .await?;
    tx.commit().await?;
    Ok(found)
}

/// Whether a person holds a role in the partnership, in one of these agencies when any are
/// named (a provider serving named agencies signs in only their people).
pub async fn has_role(
    db: &Db,
    pid: &str,
    person_id: &str,
    agencies: &[String],
) -> Result<bool, StoreError> {
    let rows: Vec<(Option<String>,)> = db
        .fetch_all(
            query("SELECT agency_id FROM membership WHERE partnership_id = ? AND person_id = ?")
                .bind(pid)
                .bind(person_id),
        )
        .await?;
    Ok(rows.iter().any(|(agency,)| {
        agencies.is_empty() || agency.as_ref().is_some_and(|a| agencies.contains(a))
    }))
}

/// Whether a person holds a role beyond this partnership (in another one) or administers the
/// installation: such accounts are signed in only with their password.
pub async fn beyond_partnership(db: &Db, pid: &str, person_id: &str) -> Result<bool, StoreError> {
    let (n,): (i64,) = db
        .fetch_one(
            query(
                "SELECT COUNT(*) FROM membership WHERE person_id = ? \
                 AND (partnership_id <> ? OR role = 'system-admin')",
            )
            .bind(person_id)
            .bind(pid),
        )
        .await?;
    Ok(n > 0)
}
