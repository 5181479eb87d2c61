//! Meetings of a group: generated from its frequency, each editable or cancellable; the agenda
//! (assembled live until it is issued, then frozen as rows), attendance, minutes per item and
//! numbered decisions.

use chrono::{NaiveDate, Utc};
use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::{Db, Page, Paged, StoreError, Tx, WallTime, new_id, query, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Meeting {
    pub id: String,
    pub partnership_id: String,
    pub group_id: String,
    /// Local date and time (Europe/London wall clock).
    pub starts_at: WallTime,
    pub length_minutes: i64,
    pub place: String,
    pub online_link: String,
    pub status: String,
    pub agenda_issued_at: Option<String>,
    pub sequence: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl Meeting {
    pub fn date(&self) -> NaiveDate {
        self.starts_at.date()
    }
    pub fn time(&self) -> String {
        self.starts_at.time()
    }
    pub fn cancelled(&self) -> bool {
        self.status == "cancelled"
    }
}

/// Where and when a meeting is.
#[derive(Debug, Clone, Serialize)]
pub struct MeetingInput {
    pub starts_at: String,
    pub length_minutes: i64,
    pub place: String,
    pub online_link: String,
}

async fn insert(
    tx: &mut Tx,
    who: &Who,
    pid: &str,
    group_id: &str,
    m: &MeetingInput,
) -> Result<String, StoreError> {
    let id = new_id();
    let now = ts(Utc::now());
    tx.execute(
        query(
            "INSERT INTO meeting (id, partnership_id, group_id, starts_at, length_minutes, place, online_link, status, \
             sequence, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'scheduled', 0, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(group_id)
        .bind(&m.starts_at)
        .bind(m.length_minutes)
        .bind(&m.place)
        .bind(&m.online_link)
        .bind(&now)
        .bind(&now),
    )
    .await?;
    audit::append(
        tx,
        who,
        Event::new("meeting.create", "meeting", Some(&id))
            .summary(format!("Scheduled a meeting on {}", m.starts_at))
            .after(m),
    )
    .await?;
    Ok(id)
}

/// Creates all the meetings in one transaction: all or none.
pub async fn create_many(
    db: &Db,
    who: &Who,
    pid: &str,
    group_id: &str,
    ms: &[MeetingInput],
) -> Result<usize, StoreError> {
    let mut tx = db.begin().await?;
    for m in ms {
        insert(&mut tx, who, pid, group_id, m).await?;
    }
    tx.commit().await?;
    Ok(ms.len())
}

pub async fn get(db: &Db, pid: &str, id: &str) -> Result<Option<Meeting>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM meeting WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

pub async fn for_group(
    db: &Db,
    pid: &str,
    group_id: &str,
    page: Page,
) -> Result<Paged<Meeting>, StoreError> {
    crate::paged(
        db,
        query(
            "SELECT *, COUNT(*) OVER () AS total_rows FROM meeting \
             WHERE partnership_id = ? AND group_id = ? ORDER BY starts_at DESC LIMIT ? OFFSET ?",
        )
        .bind(pid)
        .bind(group_id)
        .bind(page.size)
        .bind(page.offset()),
        query("SELECT COUNT(*) FROM meeting WHERE partnership_id = ? AND group_id = ?")
            .bind(pid)
            .bind(group_id),
        page,
    )
    .await
}

/// The next scheduled meeting of each group on or after a moment, for the structure page.
pub async fn next_of_group(
    db: &Db,
    pid: &str,
    group_id: &str,
    from: &str,
) -> Result<Option<Meeting>, StoreError> {
    db.fetch_optional(
        query(
            "SELECT * FROM meeting WHERE partnership_id = ? AND group_id = ? AND status = 'scheduled' AND starts_at >= ? \
             ORDER BY starts_at LIMIT 1",
        )
        .bind(pid)
        .bind(group_id)
        .bind(from),
    )
    .await
}

/// The meeting before this one (for "since the last meeting" items).
pub async fn previous(db: &Db, m: &Meeting) -> Result<Option<Meeting>, StoreError> {
    db.fetch_optional(
        query(
            "SELECT * FROM meeting WHERE partnership_id = ? AND group_id = ? AND status = 'scheduled' AND starts_at < ? \
             ORDER BY starts_at DESC LIMIT 1",
        )
        .bind(&m.partnership_id)
        .bind(&m.group_id)
        .bind(m.starts_at),
    )
    .await
}

pub async fn update(
    db: &Db,
    who: &Who,
    pid: &str,
    id: &str,
    m: &MeetingInput,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let before: Meeting = tx
        .fetch_optional(
            query("SELECT * FROM meeting WHERE partnership_id = ? AND id = ?")
                .bind(pid)
                .bind(id),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.execute(
        query(
            "UPDATE meeting SET starts_at = ?, length_minutes = ?, place = ?, online_link = ?, sequence = sequence + 1, \
             updated_at = ? WHERE partnership_id = ? AND id = ?",
        )
        .bind(&m.starts_at)
        .bind(m.length_minutes)
        .bind(&m.place)
        .bind(&m.online_link)
        .bind(ts(Utc::now()))
        .bind(pid)
        .bind(id),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("meeting.update", "meeting", Some(id))
            .summary("Changed a meeting")
            .before(&before)
            .after(m),
    )
    .await?;
    tx.commit().await
}

pub async fn cancel(db: &Db, who: &Who, pid: &str, id: &str) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query(
                "UPDATE meeting SET status = 'cancelled', sequence = sequence + 1, updated_at = ? \
                 WHERE partnership_id = ? AND id = ? AND status = 'scheduled'",
            )
            .bind(ts(Utc::now()))
            .bind(pid)
            .bind(id),
        )
        .await?;
    if n == 1 {
        audit::append(
            &mut tx,
            who,
            Event::new("meeting.cancel", "meeting", Some(id)).summary("Cancelled a meeting"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AgendaItem {
    pub id: String,
    pub partnership_id: String,
    pub meeting_id: String,
    pub position: i64,
    pub kind: String,
    pub title: String,
    pub detail: String,
    pub link: String,
    pub minutes: String,
    pub created_at: String,
}

/// An item to put on an agenda.
#[derive(Debug, Clone, Serialize)]
pub struct NewItem {
    pub kind: String,
    pub title: String,
    pub detail: String,
    pub link: String,
}

pub async fn items(db: &Db, pid: &str, meeting_id: &str) -> Result<Vec<AgendaItem>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM agenda_item WHERE partnership_id = ? AND meeting_id = ? ORDER BY position, created_at LIMIT 500")
            .bind(pid)
            .bind(meeting_id),
    )
    .await
}

async fn next_position(tx: &mut Tx, meeting_id: &str) -> Result<i64, StoreError> {
    tx.serialise_on(meeting_id).await?;
    let (n,): (i64,) = tx
        .fetch_one(
            query("SELECT COALESCE(MAX(position), 0) + 1 FROM agenda_item WHERE meeting_id = ?")
                .bind(meeting_id),
        )
        .await?;
    Ok(n)
}

/// Adds an item by hand (before or after the agenda is issued).
pub async fn add_item(
    db: &Db,
    who: &Who,
    pid: &str,
    meeting_id: &str,
    item: &NewItem,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let pos = next_position(&mut tx, meeting_id).await?;
    insert_item(&mut tx, pid, meeting_id, pos, item).await?;
    audit::append(
        &mut tx,
        who,
        Event::new("agenda.add", "meeting", Some(meeting_id))
            .summary(format!("Added agenda item {}", item.title))
            .after(item),
    )
    .await?;
    tx.commit().await
}

async fn insert_item(
    tx: &mut Tx,
    pid: &str,
    meeting_id: &str,
    pos: i64,
    item: &NewItem,
) -> Result<(), StoreError> {
    tx.execute(
        query(
            "INSERT INTO agenda_item (id, partnership_id, meeting_id, position, kind, title, detail, link, minutes, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?)",
        )
        .bind(new_id())
        .bind(pid)
        .bind(meeting_id)
        .bind(pos)
        .bind(&item.kind)
        .bind(&item.title)
        .bind(&item.detail)
        .bind(&item.link)
        .bind(ts(Utc::now())),
    )
    .await?;
    Ok(())
}

/// Freezes the agenda: the live items as they stand now come first, then the items added by
/// hand, and the meeting records when it was issued. False if it was already issued.
pub async fn issue(
    db: &Db,
    who: &Who,
    pid: &str,
    meeting_id: &str,
    live: &[NewItem],
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query("UPDATE meeting SET agenda_issued_at = ? WHERE partnership_id = ? AND id = ? AND agenda_issued_at IS NULL")
                .bind(ts(Utc::now()))
                .bind(pid)
                .bind(meeting_id),
        )
        .await?;
    if n != 1 {
        return Ok(false);
    }
    let count = i64::try_from(live.len()).unwrap_or(0);
    tx.execute(
        query("UPDATE agenda_item SET position = position + ? WHERE meeting_id = ?")
            .bind(count)
            .bind(meeting_id),
    )
    .await?;
    for (i, item) in live.iter().enumerate() {
        insert_item(
            &mut tx,
            pid,
            meeting_id,
            i64::try_from(i).unwrap_or(0) + 1,
            item,
        )
        .await?;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("agenda.issue", "meeting", Some(meeting_id)).summary(format!(
            "Issued the agenda ({} items assembled)",
            live.len()
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn save_minutes(
    db: &Db,
    who: &Who,
    pid: &str,
    meeting_id: &str,
    item_id: &str,
    minutes: &str,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let before: Option<(String,)> = tx
        .fetch_optional(
            query("SELECT minutes FROM agenda_item WHERE partnership_id = ? AND meeting_id = ? AND id = ?")
                .bind(pid)
                .bind(meeting_id)
                .bind(item_id),
        )
        .await?;
    let n = tx
        .execute(
            query("UPDATE agenda_item SET minutes = ? WHERE partnership_id = ? AND meeting_id = ? AND id = ?")
                .bind(minutes)
                .bind(pid)
                .bind(meeting_id)
                .bind(item_id),
        )
        .await?;
    if n == 1 {
        audit::append(
            &mut tx,
            who,
            Event::new("minutes.save", "meeting", Some(meeting_id))
                .summary("Recorded minutes of an agenda item")
                .before(&before.map(|b| b.0).unwrap_or_default())
                .after(&minutes),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Attendance {
    pub id: String,
    pub partnership_id: String,
    pub meeting_id: String,
    pub name: String,
    pub person_id: Option<String>,
    pub agency_id: Option<String>,
    pub status: String,
    pub deputising_for: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttendanceInput {
    pub name: String,
    pub agency_id: Option<String>,
    pub status: String,
    pub deputising_for: String,
}

pub async fn attendance(
    db: &Db,
    pid: &str,
    meeting_id: &str,
) -> Result<Vec<Attendance>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM attendance WHERE partnership_id = ? AND meeting_id = ? ORDER BY status, lower(name) LIMIT 500")
            .bind(pid)
            .bind(meeting_id),
    )
    .await
}

pub async fn add_attendance(
    db: &Db,
    who: &Who,
    pid: &str,
    meeting_id: &str,
    a: &AttendanceInput,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    tx.execute(
        query(
            "INSERT INTO attendance (id, partnership_id, meeting_id, name, person_id, agency_id, status, deputising_for, created_at) \
             VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?)",
        )
        .bind(new_id())
        .bind(pid)
        .bind(meeting_id)
        .bind(&a.name)
        .bind(a.agency_id.clone())
        .bind(&a.status)
        .bind(&a.deputising_for)
        .bind(ts(Utc::now())),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("attendance.add", "meeting", Some(meeting_id))
            .summary(format!("Recorded {} as {}", a.name, a.status))
            .after(a),
    )
    .await?;
    tx.commit().await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Decision {
    pub id: String,
    pub partnership_id: String,
    pub meeting_id: String,
    pub number: i64,
    pub text: String,
    pub created_at: String,
}

pub async fn decisions(db: &Db, pid: &str, meeting_id: &str) -> Result<Vec<Decision>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM decision WHERE partnership_id = ? AND meeting_id = ? ORDER BY number LIMIT 500").bind(pid).bind(meeting_id),
    )
    .await
}

/// Records a decision with the next number of the meeting.
pub async fn add_decision(
    db: &Db,
    who: &Who,
    pid: &str,
    meeting_id: &str,
    text: &str,
) -> Result<i64, StoreError> {
    let mut tx = db.begin().await?;
    tx.serialise_on(meeting_id).await?;
    let (n,): (i64,) = tx
        .fetch_one(
            query("SELECT COALESCE(MAX(number), 0) + 1 FROM decision WHERE meeting_id = ?")
                .bind(meeting_id),
        )
        .await?;
    tx.execute(
        query("INSERT INTO decision (id, partnership_id, meeting_id, number, text, created_at) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(new_id())
            .bind(pid)
            .bind(meeting_id)
            .bind(n)
            .bind(text)
            .bind(ts(Utc::now())),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("decision.add", "meeting", Some(meeting_id))
            .summary(format!("Recorded decision {n}"))
            .after(&text),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// A paper submitted to a meeting, with its file's facts.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Paper {
    pub id: String,
    pub meeting_id: String,
    pub agenda_item_id: Option<String>,
    pub title: String,
    pub file_id: String,
    pub submitted_by: String,
    pub submitted_at: String,
    pub late: bool,
    pub file_name: String,
    pub size: i64,
}

pub async fn papers(db: &Db, pid: &str, meeting_id: &str) -> Result<Vec<Paper>, StoreError> {
    db.fetch_all(
        query(
            "SELECT p.id, p.meeting_id, p.agenda_item_id, p.title, p.file_id, p.submitted_by, p.submitted_at, p.late, \
             f.name AS file_name, f.size FROM paper p JOIN file_object f ON f.id = p.file_id \
             WHERE p.partnership_id = ? AND p.meeting_id = ? ORDER BY p.submitted_at LIMIT 500",
        )
        .bind(pid)
        .bind(meeting_id),
    )
    .await
}

pub async fn paper(db: &Db, pid: &str, id: &str) -> Result<Option<Paper>, StoreError> {
    db.fetch_optional(
        query(
            "SELECT p.id, p.meeting_id, p.agenda_item_id, p.title, p.file_id, p.submitted_by, p.submitted_at, p.late, \
             f.name AS file_name, f.size FROM paper p JOIN file_object f ON f.id = p.file_id \
             WHERE p.partnership_id = ? AND p.id = ?",
        )
        .bind(pid)
        .bind(id),
    )
    .await
}

/// A paper as submitted.
pub struct NewPaper<'a> {
    pub meeting_id: &'a str,
    pub agenda_item_id: Option<&'a str>,
    pub title: &'a str,
    pub late: bool,
}

/// Stores a paper's file and records the paper, all or nothing.
pub async fn add_paper(
    db: &Db,
    files: &crate::files::FileStore,
    who: &Who,
    pid: &str,
    p: NewPaper<'_>,
    up: crate::files::Upload,
) -> Result<(), StoreError> {
    let NewPaper {
        meeting_id,
        agenda_item_id,
        title,
        late,
    } = p;
    let mut tx = db.begin().await?;
    let id = new_id();
    let f = crate::files::save(files, &mut tx, pid, ("paper", &id), &who.label, up).await?;
    tx.execute(
        query(
            "INSERT INTO paper (id, partnership_id, meeting_id, agenda_item_id, title, file_id, submitted_by, submitted_at, late) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(meeting_id)
        .bind(agenda_item_id)
        .bind(title)
        .bind(&f.id)
        .bind(&who.label)
        .bind(ts(Utc::now()))
        .bind(late),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("paper.submit", "meeting", Some(meeting_id))
            .summary(format!(
                "Submitted the paper {title}{}",
                if late { " (late)" } else { "" }
            ))
            .after(&f),
    )
    .await?;
    tx.commit().await
}
