//! Partnerships, their agencies and groups. (Terms of reference, meetings and escalations
//! arrive with the governance issue and extend these tables.)

pub mod escalations;
pub mod feeds;
pub mod meetings;
pub mod terms;

use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::{Db, Page, Paged, StoreError, Tx, new_id, query, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Partnership {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub area: String,
    pub contact_email: String,
    pub rapid_review_from: String,
    pub created_at: String,
    pub updated_at: String,
    /// Days before an action's due date its owner is reminded, e.g. "14, 3".
    pub remind_before: String,
    pub escalate_lead_after: i64,
    pub escalate_chair_after: i64,
    /// An open action with no update for this many weeks is amber.
    pub stale_after_weeks: i64,
    /// Default months from closure to an action's impact review.
    pub impact_months: i64,
    /// Raised by the database whenever the partnership's reference data changes (see
    /// `reference`).
    pub reference_version: i64,
    /// When a second factor is required at sign-in (`SecondFactorRule`'s slug).
    pub second_factor: String,
    /// The share of a session's participants asked, three months on, how the training changed
    /// their practice (per cent; 100 asks everyone).
    pub follow_up_sample: i64,
    /// Whether a training place waits for the line manager's approval before it is confirmed.
    pub training_approval: bool,
    /// How many periods in a row an indicator worsens before it is flagged.
    pub worsening_after: i64,
    /// How many engagement and consultation events with young people a year aims for.
    pub voice_target: i64,
}

pub async fn partnership(db: &Db, id: &str) -> Result<Option<Partnership>, StoreError> {
    db.fetch_optional(query("SELECT * FROM partnership WHERE id = ?").bind(id))
        .await
}

pub async fn partnership_by_slug(db: &Db, slug: &str) -> Result<Option<Partnership>, StoreError> {
    db.fetch_optional(query("SELECT * FROM partnership WHERE slug = ?").bind(slug))
        .await
}

pub async fn partnership_count(db: &Db) -> Result<i64, StoreError> {
    let (n,): (i64,) = db
        .fetch_one(query("SELECT COUNT(*) FROM partnership"))
        .await?;
    Ok(n)
}

/// Creates a partnership; the slug is its stable short name in URLs and commands.
pub async fn create_partnership(
    tx: &mut Tx,
    who: &Who,
    slug: &str,
    name: &str,
) -> Result<Partnership, StoreError> {
    let now = ts(chrono::Utc::now());
    let p = Partnership {
        id: new_id(),
        slug: slug.to_owned(),
        name: name.to_owned(),
        area: String::new(),
        contact_email: String::new(),
        rapid_review_from: "notified".to_owned(),
        created_at: now.clone(),
        updated_at: now,
        remind_before: "14, 3".to_owned(),
        escalate_lead_after: 14,
        escalate_chair_after: 28,
        stale_after_weeks: 6,
        impact_months: 6,
        reference_version: 0,
        second_factor: "optional".to_owned(),
        follow_up_sample: 100,
        training_approval: false,
        worsening_after: 3,
        voice_target: 3,
    };
    tx.execute(
        query(
            "INSERT INTO partnership (id, slug, name, area, contact_email, rapid_review_from, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&p.id)
        .bind(&p.slug)
        .bind(&p.name)
        .bind(&p.area)
        .bind(&p.contact_email)
        .bind(&p.rapid_review_from)
        .bind(&p.created_at)
        .bind(&p.updated_at),
    )
    .await?;
    let who = Who {
        partnership_id: Some(p.id.clone()),
        ..who.clone()
    };
    audit::append(
        tx,
        &who,
        Event::new("partnership.create", "partnership", Some(&p.id))
            .summary(format!("Created partnership {}", p.name))
            .after(&p),
    )
    .await?;
    crate::themes::seed(tx, &who, &p.id).await?;
    Ok(p)
}

/// The settings a business team edits.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub second_factor: String,
    pub name: String,
    pub area: String,
    pub contact_email: String,
    pub rapid_review_from: String,
    pub remind_before: String,
    pub escalate_lead_after: i64,
    pub escalate_chair_after: i64,
    pub stale_after_weeks: i64,
    pub impact_months: i64,
    pub follow_up_sample: i64,
    pub training_approval: bool,
    pub worsening_after: i64,
    pub voice_target: i64,
}

pub async fn update_settings(db: &Db, who: &Who, id: &str, s: &Settings) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let before: Partnership = tx
        .fetch_optional(query("SELECT * FROM partnership WHERE id = ?").bind(id))
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.execute(
        query(
            "UPDATE partnership SET name = ?, area = ?, contact_email = ?, rapid_review_from = ?, \
             remind_before = ?, escalate_lead_after = ?, escalate_chair_after = ?, stale_after_weeks = ?, \
             impact_months = ?, second_factor = ?, follow_up_sample = ?, training_approval = ?, \
             worsening_after = ?, voice_target = ?, updated_at = ? WHERE id = ?",
        )
        .bind(&s.name)
        .bind(&s.area)
        .bind(&s.contact_email)
        .bind(&s.rapid_review_from)
        .bind(&s.remind_before)
        .bind(s.escalate_lead_after)
        .bind(s.escalate_chair_after)
        .bind(s.stale_after_weeks)
        .bind(s.impact_months)
        .bind(&s.second_factor)
        .bind(s.follow_up_sample)
        .bind(s.training_approval)
        .bind(s.worsening_after)
        .bind(s.voice_target)
        .bind(ts(chrono::Utc::now()))
        .bind(id),
    )
    .await?;
    let b = Settings {
        second_factor: before.second_factor,
        name: before.name,
        area: before.area,
        contact_email: before.contact_email,
        rapid_review_from: before.rapid_review_from,
        remind_before: before.remind_before,
        escalate_lead_after: before.escalate_lead_after,
        escalate_chair_after: before.escalate_chair_after,
        stale_after_weeks: before.stale_after_weeks,
        impact_months: before.impact_months,
        follow_up_sample: before.follow_up_sample,
        training_approval: before.training_approval,
        worsening_after: before.worsening_after,
        voice_target: before.voice_target,
    };
    audit::append(
        &mut tx,
        who,
        Event::new("partnership.update", "partnership", Some(id))
            .summary("Changed partnership settings")
            .before(&b)
            .after(s),
    )
    .await?;
    tx.commit().await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Agency {
    pub id: String,
    pub partnership_id: String,
    pub name: String,
    pub sector: String,
    pub statutory_partner: bool,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// What a user types about an agency.
#[derive(Debug, Clone, Serialize)]
pub struct AgencyInput {
    pub name: String,
    pub sector: String,
    pub statutory_partner: bool,
    pub active: bool,
}

pub async fn agencies(
    db: &Db,
    partnership_id: &str,
    page: Page,
) -> Result<Paged<Agency>, StoreError> {
    let (total,): (i64,) = db
        .fetch_one(
            query("SELECT COUNT(*) FROM agency WHERE partnership_id = ?").bind(partnership_id),
        )
        .await?;
    let items = db
        .fetch_all(
            query(
                "SELECT * FROM agency WHERE partnership_id = ? \
                 ORDER BY statutory_partner DESC, lower(name) LIMIT ? OFFSET ?",
            )
            .bind(partnership_id)
            .bind(page.size)
            .bind(page.offset()),
        )
        .await?;
    Ok(Paged { items, total, page })
}

/// Every agency of the partnership, active or not (a partnership has tens), for showing names.
pub async fn all_agencies(db: &Db, partnership_id: &str) -> Result<Vec<Agency>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM agency WHERE partnership_id = ? ORDER BY lower(name) LIMIT 500")
            .bind(partnership_id),
    )
    .await
}

pub async fn agency(db: &Db, partnership_id: &str, id: &str) -> Result<Option<Agency>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM agency WHERE partnership_id = ? AND id = ?")
            .bind(partnership_id)
            .bind(id),
    )
    .await
}

/// Adds an agency. A name already used in the partnership is a [`StoreError::Conflict`].
pub async fn create_agency(
    db: &Db,
    who: &Who,
    partnership_id: &str,
    input: &AgencyInput,
) -> Result<Agency, StoreError> {
    let mut tx = db.begin().await?;
    let a = insert_agency(&mut tx, who, partnership_id, input).await?;
    tx.commit().await?;
    Ok(a)
}

pub async fn insert_agency(
    tx: &mut Tx,
    who: &Who,
    partnership_id: &str,
    input: &AgencyInput,
) -> Result<Agency, StoreError> {
    let now = ts(chrono::Utc::now());
    let a = Agency {
        id: new_id(),
        partnership_id: partnership_id.to_owned(),
        name: input.name.clone(),
        sector: input.sector.clone(),
        statutory_partner: input.statutory_partner,
        active: input.active,
        created_at: now.clone(),
        updated_at: now,
    };
    let r = tx
        .execute(
            query(
                "INSERT INTO agency (id, partnership_id, name, sector, statutory_partner, active, \
                 created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&a.id)
            .bind(&a.partnership_id)
            .bind(&a.name)
            .bind(&a.sector)
            .bind(a.statutory_partner)
            .bind(a.active)
            .bind(&a.created_at)
            .bind(&a.updated_at),
        )
        .await;
    match r {
        Err(e) if e.is_unique_violation() => {
            return Err(StoreError::Conflict(format!(
                "There is already an agency called {}",
                a.name
            )));
        }
        r => r?,
    };
    audit::append(
        tx,
        who,
        Event::new("agency.create", "agency", Some(&a.id))
            .summary(format!("Added agency {}", a.name))
            .after(input),
    )
    .await?;
    Ok(a)
}

pub async fn update_agency(
    db: &Db,
    who: &Who,
    partnership_id: &str,
    id: &str,
    input: &AgencyInput,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let before: Agency = tx
        .fetch_optional(
            query("SELECT * FROM agency WHERE partnership_id = ? AND id = ?")
                .bind(partnership_id)
                .bind(id),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let r = tx
        .execute(
            query(
                "UPDATE agency SET name = ?, sector = ?, statutory_partner = ?, active = ?, \
                 updated_at = ? WHERE partnership_id = ? AND id = ?",
            )
            .bind(&input.name)
            .bind(&input.sector)
            .bind(input.statutory_partner)
            .bind(input.active)
            .bind(ts(chrono::Utc::now()))
            .bind(partnership_id)
            .bind(id),
        )
        .await;
    match r {
        Err(e) if e.is_unique_violation() => {
            return Err(StoreError::Conflict(format!(
                "There is already an agency called {}",
                input.name
            )));
        }
        r => r?,
    };
    let b = AgencyInput {
        name: before.name,
        sector: before.sector,
        statutory_partner: before.statutory_partner,
        active: before.active,
    };
    audit::append(
        &mut tx,
        who,
        Event::new("agency.update", "agency", Some(id))
            .summary(format!("Changed agency {}", input.name))
            .before(&b)
            .after(input),
    )
    .await?;
    tx.commit().await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Group {
    pub id: String,
    pub partnership_id: String,
    pub name: String,
    pub kind: String,
    pub reports_to_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

pub async fn groups(db: &Db, partnership_id: &str) -> Result<Vec<Group>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM partnership_group WHERE partnership_id = ? ORDER BY lower(name) LIMIT 500")
            .bind(partnership_id),
    )
    .await
}

pub async fn insert_group(
    tx: &mut Tx,
    who: &Who,
    partnership_id: &str,
    name: &str,
    kind: &str,
    reports_to_id: Option<&str>,
) -> Result<Group, StoreError> {
    let now = ts(chrono::Utc::now());
    let g = Group {
        id: new_id(),
        partnership_id: partnership_id.to_owned(),
        name: name.to_owned(),
        kind: kind.to_owned(),
        reports_to_id: reports_to_id.map(str::to_owned),
        created_at: now.clone(),
        updated_at: now,
    };
    tx.execute(
        query(
            "INSERT INTO partnership_group (id, partnership_id, name, kind, reports_to_id, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&g.id)
        .bind(&g.partnership_id)
        .bind(&g.name)
        .bind(&g.kind)
        .bind(g.reports_to_id.clone())
        .bind(&g.created_at)
        .bind(&g.updated_at),
    )
    .await?;
    audit::append(
        tx,
        who,
        Event::new("group.create", "group", Some(&g.id))
            .summary(format!("Added group {}", g.name))
            .after(&g),
    )
    .await?;
    Ok(g)
}
