//! Learning from child deaths: the child death overview panel's annual reports (their file,
//! their recommendations through `recommendations::add` with the report as their source, the
//! board meeting that receives them), the campaigns, and a count of the panel's referrals (which
//! are case referrals, kept and restricted with the case).

use chrono::Utc;
use learnloop_domain::child_deaths::{Campaign as CampaignInput, Report as ReportInput};
use learnloop_domain::sources::SourceKind;
use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::{Day, Db, StoreError, new_id, query, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Report {
    pub id: String,
    pub partnership_id: String,
    pub year: i64,
    pub deaths_reviewed: i64,
    pub modifiable: i64,
    pub themes: String,
    pub summary: String,
    pub meeting_id: Option<String>,
    pub published_on: Option<Day>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

impl Report {
    /// "Child death overview panel annual report 2025 to 2026".
    pub fn title(&self) -> String {
        format!(
            "Child death overview panel annual report {}",
            learnloop_domain::child_deaths::year_label(i32::try_from(self.year).unwrap_or(0))
        )
    }

    pub fn theme_list(&self) -> Vec<&str> {
        self.themes
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect()
    }
}

/// What is recorded of a report: its checked content, the meeting that receives it, and when
/// it was published.
#[derive(Debug, Clone)]
pub struct ReportRecord {
    pub report: ReportInput,
    pub meeting_id: Option<String>,
    pub published_on: Option<Day>,
}

fn report_view(r: &ReportRecord) -> serde_json::Value {
    serde_json::json!({
        "year": r.report.year,
        "deaths_reviewed": r.report.deaths_reviewed,
        "modifiable": r.report.modifiable,
        "themes": r.report.themes,
        "summary": r.report.summary,
        "meeting_id": r.meeting_id,
        "published_on": r.published_on.map(|d| d.to_string()),
    })
}

async fn check_meeting(
    tx: &mut crate::Tx,
    pid: &str,
    meeting: Option<&str>,
) -> Result<(), StoreError> {
    if let Some(m) = meeting {
        let (n,): (i64,) = tx
            .fetch_one(
                query("SELECT COUNT(*) FROM meeting WHERE partnership_id = ? AND id = ?")
                    .bind(pid)
                    .bind(m),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
    }
    Ok(())
}

fn year_taken(e: StoreError, year: i32) -> StoreError {
    if e.is_unique_violation() {
        StoreError::Conflict(format!(
            "The report for {} is already recorded: change that one instead",
            learnloop_domain::child_deaths::year_label(year)
        ))
    } else {
        e
    }
}

/// Records an annual report. NotFound when the meeting is not the partnership's; Conflict when
/// the year's report is already there.
pub async fn add_report(
    db: &Db,
    who: &Who,
    pid: &str,
    r: &ReportRecord,
) -> Result<String, StoreError> {
    let mut tx = db.begin().await?;
    check_meeting(&mut tx, pid, r.meeting_id.as_deref()).await?;
    let id = new_id();
    let now = ts(Utc::now());
    let c = &r.report;
    tx.execute(
        query(
            "INSERT INTO cdop_report (id, partnership_id, year, deaths_reviewed, modifiable, themes, summary, \
             meeting_id, published_on, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(i64::from(c.year))
        .bind(c.deaths_reviewed)
        .bind(c.modifiable)
        .bind(c.themes.join("\n"))
        .bind(&c.summary)
        .bind(r.meeting_id.as_deref())
        .bind(r.published_on)
        .bind(&who.label)
        .bind(&now)
        .bind(&now),
    )
    .await
    .map_err(|e| year_taken(e, c.year))?;
    audit::append(
        &mut tx,
        who,
        Event::new(
            "cdop_report.add",
            SourceKind::ChildDeathReport.slug(),
            Some(&id),
        )
        .summary(format!(
            "Recorded the child death overview panel's annual report for {}",
            learnloop_domain::child_deaths::year_label(c.year)
        ))
        .after(&report_view(r)),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a report's details.
pub async fn update_report(
    db: &Db,
    who: &Who,
    before: &Report,
    r: &ReportRecord,
) -> Result<(), StoreError> {
    let pid = &before.partnership_id;
    let mut tx = db.begin().await?;
    check_meeting(&mut tx, pid, r.meeting_id.as_deref()).await?;
    let c = &r.report;
    tx.execute(
        query(
            "UPDATE cdop_report SET year = ?, deaths_reviewed = ?, modifiable = ?, themes = ?, summary = ?, \
             meeting_id = ?, published_on = ?, updated_at = ? WHERE partnership_id = ? AND id = ?",
        )
        .bind(i64::from(c.year))
        .bind(c.deaths_reviewed)
        .bind(c.modifiable)
        .bind(c.themes.join("\n"))
        .bind(&c.summary)
        .bind(r.meeting_id.as_deref())
        .bind(r.published_on)
        .bind(ts(Utc::now()))
        .bind(pid)
        .bind(&before.id),
    )
    .await
    .map_err(|e| year_taken(e, c.year))?;
    audit::append(
        &mut tx,
        who,
        Event::new(
            "cdop_report.update",
            SourceKind::ChildDeathReport.slug(),
            Some(&before.id),
        )
        .summary("Changed the annual report's details")
        .before(before)
        .after(&report_view(r)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn get_report(db: &Db, pid: &str, id: &str) -> Result<Option<Report>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM cdop_report WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// A report with what the list shows: its recommendations and open actions.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportLine {
    #[sqlx(flatten)]
    pub report: Report,
    pub recommendations: i64,
    pub open_actions: i64,
}

/// The partnership's reports, latest year first; only published ones when `published_only`.
pub async fn reports(
    db: &Db,
    pid: &str,
    published_only: bool,
) -> Result<Vec<ReportLine>, StoreError> {
    db.fetch_all(
        query(
            "SELECT r.*, \
             (SELECT COUNT(*) FROM recommendation x WHERE x.partnership_id = r.partnership_id \
                AND x.source_kind = 'cdop_report' AND x.source_id = r.id) AS recommendations, \
             (SELECT COUNT(*) FROM action a WHERE a.partnership_id = r.partnership_id AND a.source_kind = 'cdop_report' \
                AND a.source_id = r.id AND a.status IN ('not-started', 'in-progress', 'completed')) AS open_actions \
             FROM cdop_report r WHERE r.partnership_id = ? AND (? = FALSE OR r.published_on IS NOT NULL) \
             ORDER BY r.year DESC LIMIT 100",
        )
        .bind(pid)
        .bind(published_only),
    )
    .await
}

/// The reports the group receives at its meeting on a day (for the agenda).
pub async fn at_group_on(
    db: &Db,
    pid: &str,
    group_id: &str,
    day: chrono::NaiveDate,
) -> Result<Vec<Report>, StoreError> {
    let next = day.succ_opt().unwrap_or(day);
    db.fetch_all(
        query(
            "SELECT r.* FROM cdop_report r JOIN meeting m ON m.id = r.meeting_id AND m.partnership_id = r.partnership_id \
             WHERE r.partnership_id = ? AND m.group_id = ? AND m.starts_at >= ? AND m.starts_at < ? \
             AND m.status <> 'cancelled' ORDER BY r.year LIMIT 20",
        )
        .bind(pid)
        .bind(group_id)
        .bind(Day(day).to_string())
        .bind(Day(next).to_string()),
    )
    .await
}

/// The file kind of a report's document.
pub const REPORT_FILE: &str = "cdop_report";

pub async fn files(db: &Db, pid: &str, id: &str) -> Result<Vec<crate::files::Owned>, StoreError> {
    crate::files::owned(db, pid, (REPORT_FILE, id)).await
}

/// Keeps the report's document (the full report, an easy-read version...), audited.
pub async fn add_file(
    db: &Db,
    files: &crate::files::FileStore,
    who: &Who,
    r: &Report,
    up: crate::files::Upload,
) -> Result<String, StoreError> {
    crate::files::keep_for(
        db,
        files,
        who,
        (&r.partnership_id, REPORT_FILE, &r.id),
        ("cdop_report.file", "report"),
        up,
    )
    .await
}

/// How many cases the panel referred in a period (the referrals themselves are restricted with
/// their cases).
pub async fn panel_referrals(
    db: &Db,
    pid: &str,
    (from, to): (chrono::NaiveDate, chrono::NaiveDate),
) -> Result<i64, StoreError> {
    let (n,): (i64,) = db
        .fetch_one(
            query(
                "SELECT COUNT(*) FROM case_referral WHERE partnership_id = ? AND source = 'cdop' \
                 AND referred_at >= ? AND referred_at < ?",
            )
            .bind(pid)
            .bind(Day(from).to_string())
            .bind(Day(to.succ_opt().unwrap_or(to)).to_string()),
        )
        .await?;
    Ok(n)
}

// ---- campaigns ----

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Campaign {
    pub id: String,
    pub partnership_id: String,
    pub title: String,
    pub audience: String,
    pub channels: String,
    pub started_on: Day,
    pub ended_on: Option<Day>,
    pub reach: Option<i64>,
    pub reach_note: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

fn campaign_view(c: &CampaignInput) -> serde_json::Value {
    serde_json::json!({
        "title": c.title,
        "audience": c.audience,
        "channels": c.channels,
        "started_on": c.started_on.to_string(),
        "ended_on": c.ended_on.map(|d| d.to_string()),
        "reach": c.reach,
        "reach_note": c.reach_note,
    })
}

pub async fn add_campaign(
    db: &Db,
    who: &Who,
    pid: &str,
    c: &CampaignInput,
) -> Result<String, StoreError> {
    let mut tx = db.begin().await?;
    let id = new_id();
    let now = ts(Utc::now());
    tx.execute(
        query(
            "INSERT INTO campaign (id, partnership_id, title, audience, channels, started_on, ended_on, reach, \
             reach_note, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(&c.title)
        .bind(&c.audience)
        .bind(&c.channels)
        .bind(Day(c.started_on))
        .bind(c.ended_on.map(Day))
        .bind(c.reach)
        .bind(&c.reach_note)
        .bind(&who.label)
        .bind(&now)
        .bind(&now),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("campaign.add", "campaign", Some(&id))
            .summary(format!("Recorded the campaign “{}”", c.title))
            .after(&campaign_view(c)),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_campaign(
    db: &Db,
    who: &Who,
    before: &Campaign,
    c: &CampaignInput,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    tx.execute(
        query(
            "UPDATE campaign SET title = ?, audience = ?, channels = ?, started_on = ?, ended_on = ?, reach = ?, \
             reach_note = ?, updated_at = ? WHERE partnership_id = ? AND id = ?",
        )
        .bind(&c.title)
        .bind(&c.audience)
        .bind(&c.channels)
        .bind(Day(c.started_on))
        .bind(c.ended_on.map(Day))
        .bind(c.reach)
        .bind(&c.reach_note)
        .bind(ts(Utc::now()))
        .bind(&before.partnership_id)
        .bind(&before.id),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("campaign.update", "campaign", Some(&before.id))
            .summary(format!("Changed the campaign “{}”", c.title))
            .before(before)
            .after(&campaign_view(c)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn get_campaign(db: &Db, pid: &str, id: &str) -> Result<Option<Campaign>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM campaign WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// The partnership's campaigns, latest first.
pub async fn campaigns(db: &Db, pid: &str) -> Result<Vec<Campaign>, StoreError> {
    db.fetch_all(
        query(
            "SELECT * FROM campaign WHERE partnership_id = ? ORDER BY started_on DESC, id LIMIT 200",
        )
        .bind(pid),
    )
    .await
}
