//! Themes and tagging: each partnership's own copy of the shared taxonomy and the one
//! `tagging(theme, target_kind, target_id)` table every record is tagged through (MODEL.md).
//!
//! Changes to the list (add, rename, retire, restore, merge, seed) each append an audit event
//! in the same transaction. A merge moves every tagging to the survivor in that one
//! transaction, so "everything about theme T" never loses or doubles a record. Every query is
//! scoped to the partnership.

use learnloop_domain::themes::{NATIONAL, ThemeStatus, check_merge};
use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::{Db, Engine, Page, Paged, StoreError, Tx, new_id, query, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Theme {
    pub id: String,
    pub partnership_id: String,
    pub name: String,
    pub description: String,
    pub status: String,
    pub merged_into_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Theme {
    /// The status as the domain knows it; an unknown stored value reads as retired (shown,
    /// never offered for tagging).
    pub fn state(&self) -> ThemeStatus {
        ThemeStatus::from_slug(&self.status).unwrap_or(ThemeStatus::Retired)
    }
}

/// A theme as the list shows it: how many records carry it, and its survivor if merged.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThemeLine {
    #[sqlx(flatten)]
    pub theme: Theme,
    pub tagged: i64,
    pub merged_into_name: Option<String>,
}

/// What a user types about a theme.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeInput {
    pub name: String,
    pub description: String,
}

/// What a merge did, for the audit trail and the confirmation.
#[derive(Debug, Clone, Serialize)]
pub struct Merged {
    pub from_id: String,
    pub from_name: String,
    pub into_id: String,
    pub into_name: String,
    /// Taggings moved to the survivor (records that already had both count once).
    pub moved: u64,
}

/// One page of a partnership's themes: active first, then retired, then merged; by name.
pub async fn list(
    db: &Db,
    partnership_id: &str,
    page: Page,
) -> Result<Paged<ThemeLine>, StoreError> {
    let (total,): (i64,) = db
        .fetch_one(
            query("SELECT COUNT(*) FROM theme WHERE partnership_id = ?").bind(partnership_id),
        )
        .await?;
    let items = db
        .fetch_all(
            query(
                "SELECT t.*, \
                 (SELECT COUNT(*) FROM tagging g WHERE g.partnership_id = t.partnership_id AND g.theme_id = t.id) AS tagged, \
                 s.name AS merged_into_name \
                 FROM theme t \
                 LEFT JOIN theme s ON s.id = t.merged_into_id AND s.partnership_id = t.partnership_id \
                 WHERE t.partnership_id = ? \
                 ORDER BY CASE t.status WHEN 'active' THEN 0 WHEN 'retired' THEN 1 ELSE 2 END, \
                 lower(t.name), t.id LIMIT ? OFFSET ?",
            )
            .bind(partnership_id)
            .bind(page.size)
            .bind(page.offset()),
        )
        .await?;
    Ok(Paged { items, total, page })
}

/// Every active theme, for choosing in a form (a partnership has tens, not thousands).
pub async fn active(db: &Db, partnership_id: &str) -> Result<Vec<Theme>, StoreError> {
    db.fetch_all(
        query(
            "SELECT * FROM theme WHERE partnership_id = ? AND status = 'active' \
             ORDER BY lower(name) LIMIT 500",
        )
        .bind(partnership_id),
    )
    .await
}

pub async fn get(db: &Db, partnership_id: &str, id: &str) -> Result<Option<Theme>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM theme WHERE partnership_id = ? AND id = ?")
            .bind(partnership_id)
            .bind(id),
    )
    .await
}

/// How many records carry a theme.
pub async fn tagged_count(db: &Db, partnership_id: &str, id: &str) -> Result<i64, StoreError> {
    let (n,): (i64,) = db
        .fetch_one(
            query("SELECT COUNT(*) FROM tagging WHERE partnership_id = ? AND theme_id = ?")
                .bind(partnership_id)
                .bind(id),
        )
        .await?;
    Ok(n)
}

/// Adds a theme. A name already used in the partnership (in any letter case, by a theme of
/// any status) is a [`StoreError::Conflict`].
pub async fn create(
    db: &Db,
    who: &Who,
    partnership_id: &str,
    input: &ThemeInput,
) -> Result<Theme, StoreError> {
    let mut tx = db.begin().await?;
    let now = ts(chrono::Utc::now());
    let t = Theme {
        id: new_id(),
        partnership_id: partnership_id.to_owned(),
        name: input.name.clone(),
        description: input.description.clone(),
        status: ThemeStatus::Active.slug().to_owned(),
        merged_into_id: None,
        created_at: now.clone(),
        updated_at: now,
    };
    let r = tx
        .execute(
            query(
                "INSERT INTO theme (id, partnership_id, name, description, status, merged_into_id, \
                 created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&t.id)
            .bind(&t.partnership_id)
            .bind(&t.name)
            .bind(&t.description)
            .bind(&t.status)
            .bind(&t.merged_into_id)
            .bind(&t.created_at)
            .bind(&t.updated_at),
        )
        .await;
    unique_name(r, &t.name)?;
    audit::append(
        &mut tx,
        who,
        Event::new("theme.create", "theme", Some(&t.id))
            .summary(format!("Added theme {}", t.name))
            .after(input),
    )
    .await?;
    tx.commit().await?;
    Ok(t)
}

/// Renames a theme and changes its description. A merged theme cannot be changed.
pub async fn rename(
    db: &Db,
    who: &Who,
    partnership_id: &str,
    id: &str,
    input: &ThemeInput,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let before = locked(&mut tx, partnership_id, id).await?;
    if !before.state().can_edit() {
        return Err(StoreError::Conflict(format!(
            "{} has been merged into another theme and can no longer be changed",
            before.name
        )));
    }
    let r = tx
        .execute(
            query(
                "UPDATE theme SET name = ?, description = ?, updated_at = ? \
                 WHERE partnership_id = ? AND id = ?",
            )
            .bind(&input.name)
            .bind(&input.description)
            .bind(ts(chrono::Utc::now()))
            .bind(partnership_id)
            .bind(id),
        )
        .await;
    unique_name(r, &input.name)?;
    let summary = if before.name == input.name {
        format!("Changed the description of theme {}", input.name)
    } else {
        format!("Renamed theme {} to {}", before.name, input.name)
    };
    audit::append(
        &mut tx,
        who,
        Event::new("theme.update", "theme", Some(id))
            .summary(summary)
            .before(&ThemeInput {
                name: before.name,
                description: before.description,
            })
            .after(input),
    )
    .await?;
    tx.commit().await
}

/// Stops a theme being offered for new tagging; what it already tags keeps it.
pub async fn retire(
    db: &Db,
    who: &Who,
    partnership_id: &str,
    id: &str,
) -> Result<Theme, StoreError> {
    set_status(db, who, partnership_id, id, ThemeStatus::Retired).await
}

/// Offers a retired theme again.
pub async fn restore(
    db: &Db,
    who: &Who,
    partnership_id: &str,
    id: &str,
) -> Result<Theme, StoreError> {
    set_status(db, who, partnership_id, id, ThemeStatus::Active).await
}

/// Merges theme `from_id` into `into_id` in one transaction: every record tagged with `from`
/// becomes tagged with `into` (once, even if it had both), `from` is marked merged with its
/// survivor, and themes merged earlier into `from` now name `into`.
pub async fn merge(
    db: &Db,
    who: &Who,
    partnership_id: &str,
    from_id: &str,
    into_id: &str,
) -> Result<Merged, StoreError> {
    let mut tx = db.begin().await?;
    // Lock both rows in a fixed order, so two merges of the same pair cannot both pass the
    // check below, nor deadlock each other; then decide on what is now committed.
    let (first, second) = if from_id <= into_id {
        (from_id, into_id)
    } else {
        (into_id, from_id)
    };
    let a = locked(&mut tx, partnership_id, first).await?;
    let b = locked(&mut tx, partnership_id, second).await?;
    let (from, into) = if a.id == from_id { (a, b) } else { (b, a) };
    check_merge(&from.id, from.state(), &into.id, into.state()).map_err(StoreError::Conflict)?;

    let now = ts(chrono::Utc::now());
    let moved = tx
        .execute(
            query(
                "INSERT INTO tagging (partnership_id, theme_id, target_kind, target_id, created_at) \
                 SELECT partnership_id, ?, target_kind, target_id, created_at FROM tagging \
                 WHERE partnership_id = ? AND theme_id = ? \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&into.id)
            .bind(partnership_id)
            .bind(&from.id),
        )
        .await?;
    tx.execute(
        query("DELETE FROM tagging WHERE partnership_id = ? AND theme_id = ?")
            .bind(partnership_id)
            .bind(&from.id),
    )
    .await?;
    tx.execute(
        query(
            "UPDATE theme SET status = ?, merged_into_id = ?, updated_at = ? \
             WHERE partnership_id = ? AND id = ?",
        )
        .bind(ThemeStatus::Merged.slug())
        .bind(&into.id)
        .bind(&now)
        .bind(partnership_id)
        .bind(&from.id),
    )
    .await?;
    tx.execute(
        query(
            "UPDATE theme SET merged_into_id = ?, updated_at = ? \
             WHERE partnership_id = ? AND merged_into_id = ?",
        )
        .bind(&into.id)
        .bind(&now)
        .bind(partnership_id)
        .bind(&from.id),
    )
    .await?;
    let m = Merged {
        from_id: from.id.clone(),
        from_name: from.name.clone(),
        into_id: into.id.clone(),
        into_name: into.name.clone(),
        moved,
    };
    audit::append(
        &mut tx,
        who,
        Event::new("theme.merge", "theme", Some(&from.id))
            .summary(format!("Merged theme {} into {}", from.name, into.name))
            .before(&from)
            .after(&m),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// Tags a record with an active theme of its partnership, inside the caller's transaction;
/// tagging twice is harmless. The caller's own audit event (the change to the record) records
/// the themes it set. A theme of another partnership is [`StoreError::NotFound`]; a retired or
/// merged one is a [`StoreError::Conflict`].
pub async fn tag(
    tx: &mut Tx,
    partnership_id: &str,
    theme_id: &str,
    target_kind: &str,
    target_id: &str,
) -> Result<(), StoreError> {
    // Holds the theme row shared, so a merge cannot move its taggings from under this insert,
    // while other records can still be tagged with it at the same time.
    let t = shared(tx, partnership_id, theme_id).await?;
    if !t.state().can_tag() {
        return Err(StoreError::Conflict(format!(
            "{} is no longer in use: choose another theme",
            t.name
        )));
    }
    tx.execute(
        query(
            "INSERT INTO tagging (partnership_id, theme_id, target_kind, target_id, created_at) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(partnership_id)
        .bind(theme_id)
        .bind(target_kind)
        .bind(target_id)
        .bind(ts(chrono::Utc::now())),
    )
    .await?;
    Ok(())
}

/// Takes a theme off a record, inside the caller's transaction; returns whether it was there.
pub async fn untag(
    tx: &mut Tx,
    partnership_id: &str,
    theme_id: &str,
    target_kind: &str,
    target_id: &str,
) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            query(
                "DELETE FROM tagging WHERE partnership_id = ? AND theme_id = ? \
                 AND target_kind = ? AND target_id = ?",
            )
            .bind(partnership_id)
            .bind(theme_id)
            .bind(target_kind)
            .bind(target_id),
        )
        .await?;
    Ok(n > 0)
}

/// The themes a record carries, by name.
pub async fn themes_of(
    db: &Db,
    partnership_id: &str,
    target_kind: &str,
    target_id: &str,
) -> Result<Vec<Theme>, StoreError> {
    db.fetch_all(
        query(
            "SELECT t.* FROM tagging g JOIN theme t ON t.id = g.theme_id AND t.partnership_id = g.partnership_id \
             WHERE g.partnership_id = ? AND g.target_kind = ? AND g.target_id = ? \
             ORDER BY lower(t.name) LIMIT 500",
        )
        .bind(partnership_id)
        .bind(target_kind)
        .bind(target_id),
    )
    .await
}

/// The theme names of several records of one kind at once, by record id (in name order).
/// One statement where a loop over [`themes_of`] made one per record.
pub async fn names_of_many(
    db: &Db,
    partnership_id: &str,
    target_kind: &str,
    target_ids: &[&str],
) -> Result<std::collections::HashMap<String, Vec<String>>, StoreError> {
    let mut out: std::collections::HashMap<String, Vec<String>> = Default::default();
    let Some(q) = crate::db::query_list(
        "SELECT g.target_id, t.name FROM tagging g JOIN theme t ON t.id = g.theme_id AND t.partnership_id = g.partnership_id \
         WHERE g.partnership_id = ? AND g.target_kind = ? AND g.target_id IN (",
        &[partnership_id, target_kind],
        target_ids,
        ") ORDER BY lower(t.name), t.id LIMIT 5000",
    ) else {
        return Ok(out);
    };
    let rows: Vec<(String, String)> = db.fetch_all(q).await?;
    for (id, name) in rows {
        out.entry(id).or_default().push(name);
    }
    Ok(out)
}

/// Gives a partnership the national list ([`NATIONAL`]). Names it already has are left as
/// they are, so seeding twice adds nothing.
pub async fn seed(tx: &mut Tx, who: &Who, partnership_id: &str) -> Result<u64, StoreError> {
    let now = ts(chrono::Utc::now());
    let mut added = Vec::new();
    for (name, description) in NATIONAL {
        let n = tx
            .execute(
                query(
                    "INSERT INTO theme (id, partnership_id, name, description, status, merged_into_id, \
                     created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                )
                .bind(new_id())
                .bind(partnership_id)
                .bind(name)
                .bind(description)
                .bind(ThemeStatus::Active.slug())
                .bind(None::<String>)
                .bind(&now)
                .bind(&now),
            )
            .await?;
        if n > 0 {
            added.push(name);
        }
    }
    if !added.is_empty() {
        audit::append(
            tx,
            who,
            Event::new("theme.seed", "partnership", Some(partnership_id))
                .summary(format!(
                    "Added {} themes from the national list",
                    added.len()
                ))
                .after(&added),
        )
        .await?;
    }
    Ok(added.len() as u64)
}

// ---- helpers ----

/// Reads a theme of the partnership inside a transaction, holding its row until commit
/// (a no-op UPDATE: PostgreSQL locks the row, SQLite's single writer already serialises).
async fn locked(tx: &mut Tx, partnership_id: &str, id: &str) -> Result<Theme, StoreError> {
    tx.execute(
        query("UPDATE theme SET updated_at = updated_at WHERE partnership_id = ? AND id = ?")
            .bind(partnership_id)
            .bind(id),
    )
    .await?;
    tx.fetch_optional(
        query("SELECT * FROM theme WHERE partnership_id = ? AND id = ?")
            .bind(partnership_id)
            .bind(id),
    )
    .await?
    .ok_or(StoreError::NotFound)
}

/// Reads a theme of the partnership inside a transaction, keeping it from being changed (but
/// not from being read or shared) until commit: `FOR SHARE` on PostgreSQL; SQLite's single
/// writer already serialises the whole transaction.
async fn shared(tx: &mut Tx, partnership_id: &str, id: &str) -> Result<Theme, StoreError> {
    let sql = match tx.engine() {
        Engine::Postgres => "SELECT * FROM theme WHERE partnership_id = ? AND id = ? FOR SHARE",
        Engine::Sqlite => "SELECT * FROM theme WHERE partnership_id = ? AND id = ?",
    };
    tx.fetch_optional(query(sql).bind(partnership_id).bind(id))
        .await?
        .ok_or(StoreError::NotFound)
}

/// Turns a unique-index refusal on the name into a message for the user.
fn unique_name(r: Result<u64, StoreError>, name: &str) -> Result<u64, StoreError> {
    match r {
        Err(e) if e.is_unique_violation() => Err(StoreError::Conflict(format!(
            "There is already a theme called {name}"
        ))),
        r => r,
    }
}

async fn set_status(
    db: &Db,
    who: &Who,
    partnership_id: &str,
    id: &str,
    to: ThemeStatus,
) -> Result<Theme, StoreError> {
    let mut tx = db.begin().await?;
    let before = locked(&mut tx, partnership_id, id).await?;
    let (allowed, action, verb) = match to {
        ThemeStatus::Retired => (before.state().can_retire(), "theme.retire", "Retired"),
        ThemeStatus::Active => (before.state().can_restore(), "theme.restore", "Restored"),
        ThemeStatus::Merged => (false, "theme.merge", "Merged"),
    };
    if !allowed {
        return Err(StoreError::Conflict(format!(
            "{} is {} and cannot be {}",
            before.name,
            before.state().label().to_lowercase(),
            verb.to_lowercase()
        )));
    }
    let now = ts(chrono::Utc::now());
    tx.execute(
        query("UPDATE theme SET status = ?, updated_at = ? WHERE partnership_id = ? AND id = ?")
            .bind(to.slug())
            .bind(&now)
            .bind(partnership_id)
            .bind(id),
    )
    .await?;
    let after = Theme {
        status: to.slug().to_owned(),
        updated_at: now,
        ..before.clone()
    };
    audit::append(
        &mut tx,
        who,
        Event::new(action, "theme", Some(id))
            .summary(format!("{verb} theme {}", before.name))
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
