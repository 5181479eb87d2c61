//! Training: the programme's courses, their sessions and the bookings on each. A booking takes
//! a place while the session has one, else joins the waiting list; a freed place is offered to
//! the next on the list by mail, with a link that holds it for a while (`domain::training`),
//! then to the one after. Every change of a session's bookings locks the session first, so two
//! people booking the last place at once cannot both get it.

use chrono::{DateTime, Utc};
use learnloop_domain::dates::london_to_utc;
use learnloop_domain::training::{
    BookingState, CourseKind, Level, approval_until, can_offer, cancellation, check_book,
    offer_until, place, taken,
};

use crate::accounts::{new_secret, secret_hash};
use crate::audit::{self, Event, Who};
use crate::keys::{SecretKey, secret_marker};
use crate::outbox::{self, NewMail};
use crate::{Db, Lines, StoreError, Tx, WallTime, new_id, query, ts};

pub mod needs;

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Course {
    pub id: String,
    pub partnership_id: String,
    pub title: String,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub kind: CourseKind,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub level: Level,
    pub outcomes: Lines,
    pub audience: String,
    pub description: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A course with its sessions still to come.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CourseLine {
    #[sqlx(flatten)]
    pub course: Course,
    pub upcoming: i64,
    pub next_at: Option<String>,
}

/// What the business team or a trainer types about a course.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CourseInput {
    pub title: String,
    #[serde(serialize_with = "crate::slug")]
    pub kind: CourseKind,
    #[serde(serialize_with = "crate::slug")]
    pub level: Level,
    pub outcomes: Vec<String>,
    pub audience: String,
    pub description: String,
    /// The recommendations, actions and training needs it answers: (kind, id), kind
    /// "recommendation", "action" or "need".
    pub answers: Vec<(String, String)>,
    /// Active themes it is tagged with.
    pub themes: Vec<String>,
}

/// What a course answers.
pub const ANSWERABLE: [&str; 3] = ["recommendation", "action", "need"];

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Session {
    pub id: String,
    pub partnership_id: String,
    pub course_id: String,
    /// Europe/London wall-clock time.
    pub starts_at: WallTime,
    pub length_minutes: i64,
    pub venue: String,
    pub online_link: String,
    pub trainer_id: Option<String>,
    pub trainer_name: String,
    pub capacity: i64,
    pub created_at: String,
}

impl Session {
    /// The moment it starts.
    pub fn starts(&self) -> DateTime<Utc> {
        london_to_utc(self.starts_at.0)
    }
}

/// A session with its course's title and how its places stand.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionLine {
    #[sqlx(flatten)]
    pub session: Session,
    pub course: String,
    /// Places taken (confirmed or offered).
    pub holding: i64,
    pub waiting: i64,
    /// The trainer's name, where an internal trainer delivers it.
    pub trainer: Option<String>,
}

/// What is typed about a session.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionInput {
    pub starts_at: WallTime,
    pub length_minutes: i64,
    pub venue: String,
    pub online_link: String,
    pub trainer_id: Option<String>,
    pub trainer_name: String,
    pub capacity: i64,
}

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Booking {
    pub id: String,
    pub partnership_id: String,
    pub session_id: String,
    pub person_id: String,
    pub agency_id: String,
    pub manager_email: String,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub state: BookingState,
    pub booked_by: String,
    pub booked_at: String,
    pub offered_until: Option<String>,
    pub changed_at: String,
}

/// A booking with the names a list shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BookingLine {
    #[sqlx(flatten)]
    pub booking: Booking,
    pub person: String,
    pub agency: String,
}

/// Where offers' links go and how their secrets are made.
pub struct Mailer<'a> {
    pub key: &'a SecretKey,
    pub public_url: &'a str,
}

// ---- courses ----

pub async fn courses(db: &Db, pid: &str, now: WallTime) -> Result<Vec<CourseLine>, StoreError> {
    db.fetch_all(
        query(
            "SELECT c.*, \
             (SELECT COUNT(*) FROM course_session s WHERE s.partnership_id = c.partnership_id \
              AND s.course_id = c.id AND s.starts_at >= ?) AS upcoming, \
             (SELECT MIN(s.starts_at) FROM course_session s WHERE s.partnership_id = c.partnership_id \
              AND s.course_id = c.id AND s.starts_at >= ?) AS next_at \
             FROM course c WHERE c.partnership_id = ? ORDER BY lower(c.title) LIMIT 500",
        )
        .bind(now)
        .bind(now)
        .bind(pid),
    )
    .await
}

pub async fn course(db: &Db, pid: &str, id: &str) -> Result<Option<Course>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM course WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

pub async fn add_course(
    db: &Db,
    who: &Who,
    pid: &str,
    c: &CourseInput,
) -> Result<String, StoreError> {
    let id = new_id();
    let now = ts(Utc::now());
    let mut tx = db.begin().await?;
    tx.execute(
        query(
            "INSERT INTO course (id, partnership_id, title, kind, level, outcomes, audience, description, \
             created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(&c.title)
        .bind(learnloop_domain::stored::Slug::slug(&c.kind))
        .bind(learnloop_domain::stored::Slug::slug(&c.level))
        .bind(&Lines(c.outcomes.clone()))
        .bind(&c.audience)
        .bind(&c.description)
        .bind(&who.label)
        .bind(&now)
        .bind(&now),
    )
    .await?;
    for (kind, target) in &c.answers {
        // Only a recommendation or action of this partnership.
        let table = match kind.as_str() {
            "recommendation" => {
                "SELECT COUNT(*) FROM recommendation WHERE partnership_id = ? AND id = ?"
            }
            "action" => "SELECT COUNT(*) FROM action WHERE partnership_id = ? AND id = ?",
            "need" => "SELECT COUNT(*) FROM training_need WHERE partnership_id = ? AND id = ?",
            _ => return Err(StoreError::NotFound),
        };
        let (n,): (i64,) = tx.fetch_one(query(table).bind(pid).bind(target)).await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        tx.execute(
            query(
                "INSERT INTO course_answers (course_id, partnership_id, target_kind, target_id) VALUES (?, ?, ?, ?) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&id)
            .bind(pid)
            .bind(kind)
            .bind(target),
        )
        .await?;
    }
    for t in &c.themes {
        crate::themes::tag(&mut tx, pid, t, "course", &id).await?;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("training.course", "course", Some(&id))
            .summary(format!("Added the course “{}”", c.title))
            .after(c),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// What a course answers: (kind, id), recommendations first.
pub async fn answers_of(
    db: &Db,
    pid: &str,
    course_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT target_kind, target_id FROM course_answers WHERE partnership_id = ? AND course_id = ? \
             ORDER BY target_kind DESC, target_id LIMIT 200",
        )
        .bind(pid)
        .bind(course_id),
    )
    .await
}

/// The courses that answer a recommendation or an action: (id, title).
pub async fn answering(
    db: &Db,
    pid: &str,
    (kind, target): (&str, &str),
) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT c.id, c.title FROM course_answers a JOIN course c ON c.id = a.course_id \
             AND c.partnership_id = a.partnership_id WHERE a.partnership_id = ? AND a.target_kind = ? \
             AND a.target_id = ? ORDER BY lower(c.title) LIMIT 50",
        )
        .bind(pid)
        .bind(kind)
        .bind(target),
    )
    .await
}

// ---- sessions ----

const SESSION_SELECT: &str = "SELECT s.*, c.title AS course, \
     (SELECT COUNT(*) FROM booking b WHERE b.partnership_id = s.partnership_id AND b.session_id = s.id \
      AND b.state IN ('confirmed', 'offered', 'approval')) AS holding, \
     (SELECT COUNT(*) FROM booking b WHERE b.partnership_id = s.partnership_id AND b.session_id = s.id \
      AND b.state = 'waiting') AS waiting, \
     p.name AS trainer \
     FROM course_session s JOIN course c ON c.id = s.course_id AND c.partnership_id = s.partnership_id \
     LEFT JOIN person p ON p.id = s.trainer_id ";

/// A course's sessions for its page: the last ten held and those to come, in date order.
pub async fn sessions(
    db: &Db,
    pid: &str,
    course_id: &str,
    now: WallTime,
) -> Result<Vec<SessionLine>, StoreError> {
    let mut held: Vec<SessionLine> = db
        .fetch_all(
            crate::db::query_from(&[
                SESSION_SELECT,
                "WHERE s.partnership_id = ? AND s.course_id = ? AND s.starts_at < ? \
                 ORDER BY s.starts_at DESC LIMIT 10",
            ])
            .bind(pid)
            .bind(course_id)
            .bind(now),
        )
        .await?;
    held.reverse();
    let coming: Vec<SessionLine> = db
        .fetch_all(
            crate::db::query_from(&[
                SESSION_SELECT,
                "WHERE s.partnership_id = ? AND s.course_id = ? AND s.starts_at >= ? \
                 ORDER BY s.starts_at LIMIT 100",
            ])
            .bind(pid)
            .bind(course_id)
            .bind(now),
        )
        .await?;
    held.extend(coming);
    Ok(held)
}

/// Whether a person has delivered (or will deliver) a session of a course.
pub async fn delivers(
    db: &Db,
    pid: &str,
    course_id: &str,
    person_id: &str,
) -> Result<bool, StoreError> {
    let (n,): (i64,) = db
        .fetch_one(
            query(
                "SELECT COUNT(*) FROM course_session WHERE partnership_id = ? AND course_id = ? AND trainer_id = ?",
            )
            .bind(pid)
            .bind(course_id)
            .bind(person_id),
        )
        .await?;
    Ok(n > 0)
}

/// The programme's sessions from a moment on, soonest first.
pub async fn upcoming(
    db: &Db,
    pid: &str,
    from: WallTime,
    limit: i64,
) -> Result<Vec<SessionLine>, StoreError> {
    db.fetch_all(
        crate::db::query_from(&[
            SESSION_SELECT,
            "WHERE s.partnership_id = ? AND s.starts_at >= ? ORDER BY s.starts_at LIMIT ?",
        ])
        .bind(pid)
        .bind(from)
        .bind(limit),
    )
    .await
}

pub async fn session(db: &Db, pid: &str, id: &str) -> Result<Option<SessionLine>, StoreError> {
    db.fetch_optional(
        crate::db::query_from(&[SESSION_SELECT, "WHERE s.partnership_id = ? AND s.id = ?"])
            .bind(pid)
            .bind(id),
    )
    .await
}

pub async fn add_session(
    db: &Db,
    who: &Who,
    pid: &str,
    course_id: &str,
    s: &SessionInput,
) -> Result<String, StoreError> {
    let id = new_id();
    let mut tx = db.begin().await?;
    let (title,): (String,) = tx
        .fetch_optional(
            query("SELECT title FROM course WHERE partnership_id = ? AND id = ?")
                .bind(pid)
                .bind(course_id),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.execute(
        query(
            "INSERT INTO course_session (id, partnership_id, course_id, starts_at, length_minutes, venue, \
             online_link, trainer_id, trainer_name, capacity, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(course_id)
        .bind(s.starts_at)
        .bind(s.length_minutes)
        .bind(&s.venue)
        .bind(&s.online_link)
        .bind(s.trainer_id.clone())
        .bind(&s.trainer_name)
        .bind(s.capacity)
        .bind(ts(Utc::now())),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("training.session", "course", Some(course_id))
            .summary(format!("Added a session of “{title}” on {}", s.starts_at))
            .after(s),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

// ---- bookings ----

const BOOKING_SELECT: &str = "SELECT b.*, p.name AS person, g.name AS agency FROM booking b \
     JOIN person p ON p.id = b.person_id JOIN agency g ON g.id = b.agency_id ";

/// A session's bookings: places first, then the waiting list in its order, then the rest.
pub async fn bookings(
    db: &Db,
    pid: &str,
    session_id: &str,
) -> Result<Vec<BookingLine>, StoreError> {
    db.fetch_all(
        crate::db::query_from(&[
            BOOKING_SELECT,
            "WHERE b.partnership_id = ? AND b.session_id = ? ORDER BY \
             CASE b.state WHEN 'attended' THEN 0 WHEN 'confirmed' THEN 0 WHEN 'no-show' THEN 0 \
             WHEN 'approval' THEN 1 WHEN 'offered' THEN 1 WHEN 'waiting' THEN 2 ELSE 3 END, b.booked_at, b.id LIMIT 2000",
        ])
        .bind(pid)
        .bind(session_id),
    )
    .await
}

pub async fn booking(db: &Db, pid: &str, id: &str) -> Result<Option<BookingLine>, StoreError> {
    db.fetch_optional(
        crate::db::query_from(&[BOOKING_SELECT, "WHERE b.partnership_id = ? AND b.id = ?"])
            .bind(pid)
            .bind(id),
    )
    .await
}

/// Who is booked and for which agency, with their line manager's address.
pub struct Booker<'a> {
    pub person_id: &'a str,
    pub agency_id: &'a str,
    pub manager_email: &'a str,
}

/// The session, locked for the rest of the transaction, with its offers that ran out lapsed
/// and their places offered on.
async fn locked(
    tx: &mut Tx,
    pid: &str,
    session_id: &str,
    now: DateTime<Utc>,
    mailer: &Mailer<'_>,
) -> Result<SessionLine, StoreError> {
    tx.execute(
        query("UPDATE course_session SET capacity = capacity WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(session_id),
    )
    .await?;
    let s: SessionLine = tx
        .fetch_optional(
            crate::db::query_from(&[SESSION_SELECT, "WHERE s.partnership_id = ? AND s.id = ?"])
                .bind(pid)
                .bind(session_id),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let expired: Vec<(String, String)> = tx
        .fetch_all(
            query(
                "SELECT id, state FROM booking WHERE partnership_id = ? AND session_id = ? \
                 AND state IN ('offered', 'approval') AND offered_until <= ?",
            )
            .bind(pid)
            .bind(session_id)
            .bind(ts(now)),
        )
        .await?;
    if expired.is_empty() {
        return Ok(s);
    }
    for (id, state) in &expired {
        if state == "approval" {
            set_state(tx, pid, id, BookingState::NotApproved).await?;
            tell_participant(tx, &s, id, false, true).await?;
        } else {
            set_state(tx, pid, id, BookingState::Lapsed).await?;
        }
        offer_next(tx, &s, now, mailer).await?;
    }
    // The places as they stand now: a lapsed offer with nobody behind it freed one.
    tx.fetch_optional(
        crate::db::query_from(&[SESSION_SELECT, "WHERE s.partnership_id = ? AND s.id = ?"])
            .bind(pid)
            .bind(session_id),
    )
    .await?
    .ok_or(StoreError::NotFound)
}

async fn set_state(
    tx: &mut Tx,
    pid: &str,
    id: &str,
    state: BookingState,
) -> Result<(), StoreError> {
    tx.execute(
        query(
            "UPDATE booking SET state = ?, offer_hash = NULL, changed_at = ? WHERE partnership_id = ? AND id = ?",
        )
        .bind(learnloop_domain::stored::Slug::slug(&state))
        .bind(ts(Utc::now()))
        .bind(pid)
        .bind(id),
    )
    .await?;
    Ok(())
}

/// A moment as a London wall-clock time (an hour ahead in summer), as a mail says it.
fn local(t: DateTime<Utc>) -> String {
    let plus = t.naive_utc() + chrono::Duration::hours(1);
    let wall = if london_to_utc(plus) == t {
        plus
    } else {
        t.naive_utc()
    };
    format!(
        "{} at {}",
        learnloop_domain::dates::long(wall.date()),
        wall.format("%H:%M")
    )
}

/// Holds the place of a booking for its line manager's approval: a link mailed to the manager
/// named at booking, working until [`approval_until`]. Unanswered by then, the place goes on.
async fn ask_approval(
    tx: &mut Tx,
    s: &SessionLine,
    booking_id: &str,
    now: DateTime<Utc>,
    mailer: &Mailer<'_>,
) -> Result<(), StoreError> {
    let pid = &s.session.partnership_id;
    let nonce = new_secret();
    let until = approval_until(now, s.session.starts());
    tx.execute(
        query(
            "UPDATE booking SET state = 'approval', offered_until = ?, offer_hash = ?, changed_at = ? \
             WHERE partnership_id = ? AND id = ?",
        )
        .bind(ts(until))
        .bind(secret_hash(&mailer.key.link_secret(&nonce)))
        .bind(ts(now))
        .bind(pid)
        .bind(booking_id),
    )
    .await?;
    let (manager, name, agency): (String, String, String) = tx
        .fetch_one(
            query(
                "SELECT b.manager_email, p.name, a.name FROM booking b JOIN person p ON p.id = b.person_id \
                 JOIN agency a ON a.id = b.agency_id WHERE b.partnership_id = ? AND b.id = ?",
            )
            .bind(pid)
            .bind(booking_id),
        )
        .await?;
    outbox::enqueue(
        tx,
        NewMail {
            kind: "training-approval",
            partnership_id: Some(pid.clone()),
            natural_key: Some(format!("training-approval:{booking_id}:{}", ts(now))),
            to: manager,
            subject: format!("Please approve a training place for {name}"),
            body: format!(
                "Hello,\n\n{name} ({agency}) has a place on {} on {} at {}, and named you as their line manager. \
                 The place is confirmed once you approve it.\n\n\
                 Approve it, or turn it down, with this link before {}; after that the place goes to the next person waiting:\n\n\
                 {}/training/approvals/{}\n\nYou do not need an account to use the link. It works once.\n",
                s.course,
                learnloop_domain::dates::long(s.session.starts_at.date()),
                s.session.starts_at.time(),
                local(until),
                mailer.public_url,
                secret_marker(&nonce)
            ),
        },
    )
    .await?;
    Ok(())
}

/// Tells the participant what their line manager decided (or that the time ran out).
async fn tell_participant(
    tx: &mut Tx,
    s: &SessionLine,
    booking_id: &str,
    approved: bool,
    ran_out: bool,
) -> Result<(), StoreError> {
    let pid = &s.session.partnership_id;
    let (email, name): (String, String) = tx
        .fetch_one(
            query(
                "SELECT p.email, p.name FROM booking b JOIN person p ON p.id = b.person_id \
                 WHERE b.partnership_id = ? AND b.id = ?",
            )
            .bind(pid)
            .bind(booking_id),
        )
        .await?;
    let what = if approved {
        "Your line manager has approved your place: it is confirmed."
    } else if ran_out {
        "Your line manager did not approve your place in time, so it has been released. You can book again if places are left."
    } else {
        "Your line manager has not approved your place, so it has been released for someone else."
    };
    outbox::enqueue(
        tx,
        NewMail {
            kind: "training-approval-outcome",
            partnership_id: Some(pid.clone()),
            natural_key: Some(format!("training-approval-outcome:{booking_id}")),
            to: email,
            subject: format!(
                "Your place on {}: {}",
                s.course,
                if approved { "approved" } else { "not approved" }
            ),
            body: format!(
                "Hello {name},\n\n{what}\n\nThe session: {} on {} at {}.\n",
                s.course,
                learnloop_domain::dates::long(s.session.starts_at.date()),
                s.session.starts_at.time(),
            ),
        },
    )
    .await?;
    Ok(())
}

/// Whether the partnership's training places wait for the line manager's approval.
async fn needs_approval(tx: &mut Tx, pid: &str) -> Result<bool, StoreError> {
    let (n,): (i64,) = tx
        .fetch_one(
            query("SELECT COUNT(*) FROM partnership WHERE id = ? AND training_approval = ?")
                .bind(pid)
                .bind(true),
        )
        .await?;
    Ok(n > 0)
}

/// Offers a freed place of the session to the first on its waiting list, by mail with a link
/// that holds the place until the offer runs out. None when nobody waits or it has started.
async fn offer_next(
    tx: &mut Tx,
    s: &SessionLine,
    now: DateTime<Utc>,
    mailer: &Mailer<'_>,
) -> Result<Option<String>, StoreError> {
    let starts = s.session.starts();
    if !can_offer(now, starts) {
        return Ok(None);
    }
    let pid = &s.session.partnership_id;
    let next: Option<(String, String, String)> = tx
        .fetch_optional(
            query(
                "SELECT b.id, p.email, p.name FROM booking b JOIN person p ON p.id = b.person_id \
                 WHERE b.partnership_id = ? AND b.session_id = ? AND b.state = 'waiting' AND p.active = TRUE \
                 AND EXISTS (SELECT 1 FROM membership m WHERE m.person_id = p.id AND m.partnership_id = b.partnership_id) \
                 ORDER BY b.booked_at, b.id LIMIT 1",
            )
            .bind(pid)
            .bind(&s.session.id),
        )
        .await?;
    let Some((id, email, name)) = next else {
        return Ok(None);
    };
    let nonce = new_secret();
    let until = offer_until(now, starts);
    tx.execute(
        query(
            "UPDATE booking SET state = 'offered', offered_until = ?, offer_hash = ?, changed_at = ? \
             WHERE partnership_id = ? AND id = ?",
        )
        .bind(ts(until))
        .bind(secret_hash(&mailer.key.link_secret(&nonce)))
        .bind(ts(now))
        .bind(pid)
        .bind(&id),
    )
    .await?;
    outbox::enqueue(
        tx,
        NewMail {
            kind: "training-offer",
            partnership_id: Some(pid.clone()),
            natural_key: Some(format!("training-offer:{id}:{}", ts(now))),
            to: email,
            subject: format!("A place on {} is free for you", s.course),
            body: format!(
                "Hello {name},\n\nA place has come free on {} on {} at {}, and you are first on its waiting list.\n\n\
                 Take the place with this link before {}; after that it is offered to the next person:\n\n\
                 {}/training/offers/{}\n\nIf you no longer want it, the same link lets you say so.\n",
                s.course,
                learnloop_domain::dates::long(s.session.starts_at.date()),
                s.session.starts_at.time(),
                local(until),
                mailer.public_url,
                secret_marker(&nonce)
            ),
        },
    )
    .await?;
    Ok(Some(id))
}

/// Books someone on a session: a place while there is one, else the waiting list. Conflict,
/// with the sentence to show, when the session has started or they are already booked.
pub async fn book(
    db: &Db,
    who: &Who,
    pid: &str,
    session_id: &str,
    b: &Booker<'_>,
    now: DateTime<Utc>,
    mailer: &Mailer<'_>,
) -> Result<BookingState, StoreError> {
    let mut tx = db.begin().await?;
    let s = locked(&mut tx, pid, session_id, now, mailer).await?;
    let (live,): (i64,) = tx
        .fetch_one(
            query(
                "SELECT COUNT(*) FROM booking WHERE partnership_id = ? AND session_id = ? AND person_id = ? \
                 AND state IN ('confirmed', 'waiting', 'offered', 'approval')",
            )
            .bind(pid)
            .bind(session_id)
            .bind(b.person_id),
        )
        .await?;
    check_book(now, s.session.starts(), live > 0)
        .map_err(|m| StoreError::Conflict(m.to_owned()))?;
    // The line manager approves the place and answers the follow-up: never the person booked.
    let (own,): (i64,) = tx
        .fetch_one(
            query("SELECT COUNT(*) FROM person WHERE id = ? AND lower(email) = lower(?)")
                .bind(b.person_id)
                .bind(b.manager_email),
        )
        .await?;
    if own > 0 {
        return Err(StoreError::Conflict(
            "Enter the line manager's email address, not the address of the person booked"
                .to_owned(),
        ));
    }
    let mut state = place(s.session.capacity, s.holding);
    if state == BookingState::Confirmed {
        state = taken(needs_approval(&mut tx, pid).await?);
    }
    let id = new_id();
    tx.execute(
        query(
            "INSERT INTO booking (id, partnership_id, session_id, person_id, agency_id, manager_email, state, \
             booked_by, booked_at, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(session_id)
        .bind(b.person_id)
        .bind(b.agency_id)
        .bind(b.manager_email)
        .bind(learnloop_domain::stored::Slug::slug(&state))
        .bind(&who.label)
        .bind(ts(now))
        .bind(ts(now)),
    )
    .await?;
    if state == BookingState::Approval {
        ask_approval(&mut tx, &s, &id, now, mailer).await?;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("training.book", "course", Some(&s.session.course_id))
            .summary(format!(
                "Booked a person on “{}” on {}: {}",
                s.course,
                s.session.starts_at,
                state.label().to_lowercase()
            ))
            .after(&serde_json::json!({ "booking": id, "session": session_id, "state": learnloop_domain::stored::Slug::slug(&state) })),
    )
    .await?;
    tx.commit().await?;
    Ok(state)
}

/// Cancels a booking still live: a freed place is offered to the next on the waiting list.
/// Close to the session it is a late cancellation (counted). Conflict when it is not live.
pub async fn cancel(
    db: &Db,
    who: &Who,
    pid: &str,
    booking_id: &str,
    now: DateTime<Utc>,
    mailer: &Mailer<'_>,
) -> Result<BookingState, StoreError> {
    let mut tx = db.begin().await?;
    let (session_id,): (String,) = tx
        .fetch_optional(
            query("SELECT session_id FROM booking WHERE partnership_id = ? AND id = ?")
                .bind(pid)
                .bind(booking_id),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let s = locked(&mut tx, pid, &session_id, now, mailer).await?;
    let b: Booking = tx
        .fetch_one(
            query("SELECT * FROM booking WHERE partnership_id = ? AND id = ?")
                .bind(pid)
                .bind(booking_id),
        )
        .await?;
    learnloop_domain::training::check_cancel(now, s.session.starts())
        .map_err(|m| StoreError::Conflict(m.to_owned()))?;
    if !b.state.is_live() {
        return Err(StoreError::Conflict(format!(
            "This booking is no longer live ({}): there is nothing to cancel",
            b.state.label().to_lowercase()
        )));
    }
    let next = match b.state {
        BookingState::Confirmed => cancellation(now, s.session.starts()),
        BookingState::Offered => BookingState::Lapsed,
        _ => BookingState::Cancelled,
    };
    set_state(&mut tx, pid, booking_id, next).await?;
    if b.state.holds_place() {
        offer_next(&mut tx, &s, now, mailer).await?;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("training.cancel", "course", Some(&s.session.course_id)).summary(format!(
            "Cancelled a booking on “{}” on {}: {}",
            s.course,
            s.session.starts_at,
            next.label().to_lowercase()
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(next)
}

/// An offer as its link finds it: the booking, its session and the person offered it.
pub struct Offer {
    pub booking: Booking,
    pub session: SessionLine,
    pub person: String,
}

/// The offer a link's secret stands for. NotFound when no offer has it (used, or never made).
pub async fn offer(db: &Db, secret: &str) -> Result<Offer, StoreError> {
    let b: Booking = db
        .fetch_optional(
            query("SELECT * FROM booking WHERE offer_hash = ?").bind(secret_hash(secret)),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let session = session(db, &b.partnership_id, &b.session_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let (person,): (String,) = db
        .fetch_one(query("SELECT name FROM person WHERE id = ?").bind(&b.person_id))
        .await?;
    Ok(Offer {
        booking: b,
        session,
        person,
    })
}

/// Takes (or turns down) the offered place through the link. The link works once: NotFound
/// when used or unknown; Conflict, saying so, when the offer has run out.
pub async fn answer_offer(
    db: &Db,
    secret: &str,
    take: bool,
    now: DateTime<Utc>,
    mailer: &Mailer<'_>,
) -> Result<Offer, StoreError> {
    let o = offer(db, secret).await?;
    let pid = o.booking.partnership_id.clone();
    let mut tx = db.begin().await?;
    let s = locked(&mut tx, &pid, &o.booking.session_id, now, mailer).await?;
    let b: Booking = tx
        .fetch_one(
            query("SELECT * FROM booking WHERE partnership_id = ? AND id = ?")
                .bind(&pid)
                .bind(&o.booking.id),
        )
        .await?;
    if b.state != BookingState::Offered {
        // Lapsed just now, as the session was locked: say so, and keep that.
        tx.commit().await?;
        return Err(StoreError::Conflict(
            "This offer has run out and the place has gone to the next person on the waiting list"
                .to_owned(),
        ));
    }
    let next = if take {
        taken(needs_approval(&mut tx, &pid).await?)
    } else {
        BookingState::Lapsed
    };
    if next == BookingState::Approval {
        ask_approval(&mut tx, &s, &b.id, now, mailer).await?;
    } else {
        set_state(&mut tx, &pid, &b.id, next).await?;
    }
    if !take {
        offer_next(&mut tx, &s, now, mailer).await?;
    }
    let who = Who {
        person_id: Some(b.person_id.clone()),
        label: o.person.clone(),
        partnership_id: Some(pid.clone()),
        request_id: None,
    };
    audit::append(
        &mut tx,
        &who,
        Event::new("training.offer", "course", Some(&s.session.course_id)).summary(format!(
            "{} the offered place on “{}” on {}",
            if take { "Took" } else { "Turned down" },
            s.course,
            s.session.starts_at
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(Offer {
        booking: Booking { state: next, ..b },
        session: s,
        person: o.person,
    })
}

/// The line manager's answer through the approval link: the place is confirmed, or goes to the
/// next person waiting. The link works once: NotFound when used or unknown; Conflict, saying
/// so, when it has run out.
pub async fn answer_approval(
    db: &Db,
    secret: &str,
    approve: bool,
    now: DateTime<Utc>,
    mailer: &Mailer<'_>,
) -> Result<Offer, StoreError> {
    let o = offer(db, secret).await?;
    let pid = o.booking.partnership_id.clone();
    let mut tx = db.begin().await?;
    let s = locked(&mut tx, &pid, &o.booking.session_id, now, mailer).await?;
    let b: Booking = tx
        .fetch_one(
            query("SELECT * FROM booking WHERE partnership_id = ? AND id = ?")
                .bind(&pid)
                .bind(&o.booking.id),
        )
        .await?;
    if b.state != BookingState::Approval {
        // Answered a moment ago (a second click), or run out as the session was locked.
        tx.commit().await?;
        return Err(StoreError::Conflict(
            match b.state {
                BookingState::Confirmed | BookingState::Attended => {
                    "This place has been approved already: thank you"
                }
                BookingState::NotApproved
                    if b.offered_until.as_deref() > Some(ts(now).as_str()) =>
                {
                    "This place has been turned down already"
                }
                BookingState::Cancelled | BookingState::LateCancellation => {
                    "This booking has been cancelled: there is nothing to approve"
                }
                _ => "This link has run out and the place has been released",
            }
            .to_owned(),
        ));
    }
    let next = if approve {
        BookingState::Confirmed
    } else {
        BookingState::NotApproved
    };
    set_state(&mut tx, &pid, &b.id, next).await?;
    tell_participant(&mut tx, &s, &b.id, approve, false).await?;
    if !approve {
        offer_next(&mut tx, &s, now, mailer).await?;
    }
    let who = Who {
        person_id: None,
        label: format!("{} (line manager, by link)", b.manager_email),
        partnership_id: Some(pid.clone()),
        request_id: None,
    };
    audit::append(
        &mut tx,
        &who,
        Event::new("training.approval", "course", Some(&s.session.course_id)).summary(format!(
            "{} {}'s place on “{}” on {}",
            if approve { "Approved" } else { "Turned down" },
            o.person,
            s.course,
            s.session.starts_at
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(Offer {
        booking: Booking { state: next, ..b },
        session: s,
        person: o.person,
    })
}

/// Lapses every offer that has run out, across the installation, offering each place on.
/// Returns how many lapsed.
pub async fn lapse_offers(
    db: &Db,
    now: DateTime<Utc>,
    mailer: &Mailer<'_>,
) -> Result<usize, StoreError> {
    let due: Vec<(String, String)> = db
        .fetch_all(
            query(
                "SELECT DISTINCT partnership_id, session_id FROM booking WHERE state IN ('offered', 'approval') \
                 AND offered_until <= ? LIMIT 1000",
            )
            .bind(ts(now)),
        )
        .await?;
    let mut n = 0;
    for (pid, session_id) in due {
        let mut tx = db.begin().await?;
        locked(&mut tx, &pid, &session_id, now, mailer).await?;
        tx.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// The trainer's marks: attended or did not attend, for bookings that held a place. Conflict,
/// with the sentence, if a mark cannot be made; nothing is written then.
pub async fn mark(
    db: &Db,
    who: &Who,
    pid: &str,
    session_id: &str,
    marks: &[(String, BookingState)],
    now: DateTime<Utc>,
    mailer: &Mailer<'_>,
) -> Result<usize, StoreError> {
    let mut tx = db.begin().await?;
    let s = locked(&mut tx, pid, session_id, now, mailer).await?;
    let mut n = 0;
    for (id, m) in marks {
        let b: Booking = tx
            .fetch_optional(
                query(
                    "SELECT * FROM booking WHERE partnership_id = ? AND session_id = ? AND id = ?",
                )
                .bind(pid)
                .bind(session_id)
                .bind(id),
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        if b.state == *m {
            continue;
        }
        learnloop_domain::training::check_attendance(now, s.session.starts(), b.state, *m)
            .map_err(|e| StoreError::Conflict(e.to_owned()))?;
        set_state(&mut tx, pid, id, *m).await?;
        if *m == BookingState::Attended {
            ask_evaluation(&mut tx, &s, &b, mailer).await?;
        }
        n += 1;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("training.attendance", "course", Some(&s.session.course_id)).summary(format!(
            "Marked attendance at “{}” on {} ({n} changed)",
            s.course, s.session.starts_at
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// The partnership's courses by title, for a choice: (id, title).
pub async fn titles(db: &Db, pid: &str) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all(
        query("SELECT id, title FROM course WHERE partnership_id = ? ORDER BY lower(title), id LIMIT 300")
            .bind(pid),
    )
    .await
}

/// People of the partnership who hold the trainer role: (id, name).
pub async fn trainers(db: &Db, pid: &str) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT p.id, p.name FROM person p WHERE p.active = TRUE AND EXISTS (SELECT 1 FROM membership m \
             WHERE m.person_id = p.id AND m.partnership_id = ? AND m.role = 'trainer') \
             ORDER BY lower(p.name), p.id LIMIT 500",
        )
        .bind(pid),
    )
    .await
}

/// The active people of one of the partnership's agencies: (id, name).
pub async fn staff(
    db: &Db,
    pid: &str,
    agency_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT p.id, p.name FROM person p WHERE p.active = TRUE AND EXISTS (SELECT 1 FROM membership m \
             WHERE m.person_id = p.id AND m.partnership_id = ? AND m.agency_id = ?) \
             ORDER BY lower(p.name), p.id LIMIT 2000",
        )
        .bind(pid)
        .bind(agency_id),
    )
    .await
}

/// A person's own bookings, newest session first, with the session and its course.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MyBooking {
    pub id: String,
    pub session_id: String,
    #[sqlx(try_from = "String")]
    pub state: BookingState,
    pub starts_at: WallTime,
    pub course: String,
}

/// A booking of an agency's member of staff, for its lead's list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgencyBooking {
    #[sqlx(flatten)]
    pub booking: MyBooking,
    pub person: String,
    pub agency: String,
}

/// An agency's latest bookings (most recently made first, up to `limit`), and how the
/// bookings made in the last year stand: (state, count).
pub async fn agency_bookings(
    db: &Db,
    pid: &str,
    agency_id: &str,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<(Vec<AgencyBooking>, Vec<(BookingState, i64)>), StoreError> {
    let rows = db
        .fetch_all(
            query(
                // The latest bookings first, then their sessions, courses and people: joined
                // first, PostgreSQL's plan for a busy agency (7,000 bookings) joined them all
                // before taking the newest (80 ms).
                "WITH latest AS MATERIALIZED (SELECT id, session_id, state, booked_at, person_id, agency_id \
                 FROM booking WHERE partnership_id = ? AND agency_id = ? ORDER BY booked_at DESC, id LIMIT ?) \
                 SELECT b.id, b.session_id, b.state, s.starts_at, c.title AS course, p.name AS person, a.name AS agency \
                 FROM latest b JOIN course_session s ON s.id = b.session_id AND s.partnership_id = ? \
                 JOIN course c ON c.id = s.course_id AND c.partnership_id = s.partnership_id \
                 JOIN person p ON p.id = b.person_id JOIN agency a ON a.id = b.agency_id \
                 ORDER BY b.booked_at DESC, b.id",
            )
            .bind(pid)
            .bind(agency_id)
            .bind(limit)
            .bind(pid),
        )
        .await?;
    let counts: Vec<(String, i64)> = db
        .fetch_all(
            query(
                "SELECT state, COUNT(*) FROM booking WHERE partnership_id = ? AND agency_id = ? AND booked_at >= ? \
                 GROUP BY state",
            )
            .bind(pid)
            .bind(agency_id)
            .bind(ts(since)),
        )
        .await?;
    let counts = BookingState::ALL
        .into_iter()
        .filter_map(|st| {
            counts
                .iter()
                .find(|(k, _)| k == learnloop_domain::stored::Slug::slug(&st))
                .map(|(_, n)| (st, *n))
        })
        .collect();
    Ok((rows, counts))
}

pub async fn my_bookings(
    db: &Db,
    pid: &str,
    person_id: &str,
) -> Result<Vec<MyBooking>, StoreError> {
    // The person's bookings first (a handful, by the person index), then their sessions: with
    // the order and the limit on the sessions' start, PostgreSQL walked every session of the
    // installation newest first looking for the person's, 20 ms for someone with none.
    db.fetch_all(
        query(
            "WITH mine AS MATERIALIZED (SELECT id, session_id, state FROM booking \
               WHERE partnership_id = ? AND person_id = ? LIMIT 500) \
             SELECT b.id, b.session_id, b.state, s.starts_at, c.title AS course FROM mine b \
             JOIN course_session s ON s.id = b.session_id \
             JOIN course c ON c.id = s.course_id AND c.partnership_id = s.partnership_id \
             ORDER BY s.starts_at DESC LIMIT 50",
        )
        .bind(pid)
        .bind(person_id),
    )
    .await
}

/// The sessions in a person's calendar between two London times: those they have a place on
/// (or are offered one, or attended) and those they deliver.
pub async fn calendar_of(
    db: &Db,
    pid: &str,
    person_id: &str,
    (from, to): (&str, &str),
) -> Result<Vec<SessionLine>, StoreError> {
    db.fetch_all(
        crate::db::query_from(&[
            SESSION_SELECT,
            "WHERE s.partnership_id = ? AND s.starts_at >= ? AND s.starts_at < ? AND (s.trainer_id = ? \
             OR EXISTS (SELECT 1 FROM booking b WHERE b.partnership_id = s.partnership_id \
             AND b.session_id = s.id AND b.person_id = ? AND b.state IN ('confirmed', 'offered', 'approval', 'attended'))) \
             ORDER BY s.starts_at LIMIT 500",
        ])
        .bind(pid)
        .bind(from)
        .bind(to)
        .bind(person_id)
        .bind(person_id),
    )
    .await
}

// ---- the three-month impact follow-up ----

/// What participants are asked three months after a session.
pub const PARTICIPANT_LINES: [&str; 2] = [
    "How has what you learnt changed your practice since the session?",
    "Give an example from your work since then",
];
/// What their line managers are asked.
pub const MANAGER_LINES: [&str; 2] = [
    "How has their practice changed since the session?",
    "Give an example you have seen",
];
/// Days to answer a follow-up.
pub const ANSWER_DAYS: i64 = 14;
/// How long a line manager's link works.
pub const LINK_DAYS: i64 = 28;
/// A follow-up not sent within this many days of falling due is not sent at all (a session
/// long past, or the installation stopped a while): asking a year on helps nobody.
pub const LATE_DAYS: i64 = 30;

/// A session whose follow-up may be due.
#[derive(Clone, sqlx::FromRow)]
struct Due {
    partnership_id: String,
    id: String,
    starts_at: WallTime,
    course: String,
}

/// An attended booking, to ask about.
#[derive(sqlx::FromRow)]
struct Attended {
    id: String,
    person_id: String,
    agency_id: String,
    manager_email: String,
    email: String,
    name: String,
}

/// Asks, for each session whose `training-impact` clock fell due in the last
/// [`LATE_DAYS`] days, a sample of its participants (the partnership's share, all by default)
/// and their line managers how practice changed: each a return by [`ANSWER_DAYS`], the
/// participant's on their home page, the manager's through a link in a mail. Each session is
/// asked once, whichever instance gets there first. Then reminds the managers who have not
/// answered after a week, once. Returns how many sessions were asked about now.
pub async fn queue_follow_ups(
    db: &Db,
    mailer: &Mailer<'_>,
    today: chrono::NaiveDate,
) -> Result<usize, StoreError> {
    let from = WallTime(
        (today - chrono::Duration::days(130))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default(),
    );
    let to = WallTime(
        (today - chrono::Duration::days(80))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default(),
    );
    let due: Vec<Due> = db
        .fetch_all(
            query(
                "SELECT s.partnership_id, s.id, s.starts_at, c.title AS course FROM course_session s \
                 JOIN course c ON c.id = s.course_id AND c.partnership_id = s.partnership_id \
                 WHERE s.followed_up_on IS NULL AND s.starts_at >= ? AND s.starts_at < ? \
                 ORDER BY s.starts_at LIMIT 2000",
            )
            .bind(from)
            .bind(to),
        )
        .await?;
    // Each partnership's rules and calendar, read once.
    let mut references: std::collections::HashMap<String, crate::reference::Reference> =
        Default::default();
    let mut asked = 0;
    for d in due {
        if !references.contains_key(&d.partnership_id) {
            let r = crate::reference::load(db, &d.partnership_id).await?;
            references.insert(d.partnership_id.clone(), r);
        }
        let due_on = references.get(&d.partnership_id).and_then(|reference| {
            reference
                .rules
                .iter()
                .find(|r| r.slug == "training-impact")
                .map(|r| r.due_date(&reference.calendar, d.starts_at.date()))
        });
        let Some(due_on) = due_on else { continue };
        if due_on > today || due_on < today - chrono::Duration::days(LATE_DAYS) {
            continue;
        }
        if ask(db, mailer, &d, today).await? {
            asked += 1;
        }
    }
    remind_managers(db, mailer).await?;
    Ok(asked)
}

/// Asks one session's sample; false if another instance already had.
async fn ask(
    db: &Db,
    mailer: &Mailer<'_>,
    d: &Due,
    today: chrono::NaiveDate,
) -> Result<bool, StoreError> {
    let pid = &d.partnership_id;
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query(
                "UPDATE course_session SET followed_up_on = ? WHERE partnership_id = ? AND id = ? \
                 AND followed_up_on IS NULL",
            )
            .bind(crate::Day(today))
            .bind(pid)
            .bind(&d.id),
        )
        .await?;
    if n == 0 {
        return Ok(false);
    }
    let (sample,): (i64,) = tx
        .fetch_one(query("SELECT follow_up_sample FROM partnership WHERE id = ?").bind(pid))
        .await?;
    let participants = crate::returns::current_question_set(
        &mut tx,
        pid,
        ("training-follow-up", "Three-month follow-up"),
        &PARTICIPANT_LINES.map(str::to_owned),
    )
    .await?;
    let managers = crate::returns::current_question_set(
        &mut tx,
        pid,
        ("training-follow-up", "Three-month follow-up: line manager"),
        &MANAGER_LINES.map(str::to_owned),
    )
    .await?;
    let attended: Vec<Attended> = tx
        .fetch_all(
            query(
                "SELECT b.id, b.person_id, b.agency_id, b.manager_email, p.email, p.name FROM booking b \
                 JOIN person p ON p.id = b.person_id WHERE b.partnership_id = ? AND b.session_id = ? \
                 AND b.state = 'attended' ORDER BY b.id LIMIT 2000",
            )
            .bind(pid)
            .bind(&d.id),
        )
        .await?;
    let now = Utc::now();
    let due_on = crate::Day(today + chrono::Duration::days(ANSWER_DAYS));
    let when = learnloop_domain::dates::long(d.starts_at.date());
    let mut n = 0;
    for a in attended
        .iter()
        .filter(|a| learnloop_domain::training::in_sample(&a.id, sample))
    {
        let mine = new_id();
        insert_return(
            &mut tx,
            (pid, &d.id),
            (&mine, &a.id, &a.agency_id, Some(&a.person_id)),
            (&participants, due_on),
            None,
        )
        .await?;
        outbox::enqueue(
            &mut tx,
            NewMail {
                kind: "training-follow-up",
                partnership_id: Some(pid.clone()),
                natural_key: Some(format!("training-follow-up:{mine}")),
                to: a.email.clone(),
                subject: format!("Three months on from {}: has your practice changed?", d.course),
                body: format!(
                    "Hello {},\n\nThree months ago, on {when}, you attended {}. The partnership wants to know \
                     whether it changed your practice, with an example.\n\nAnswer here by {}:\n\n{}/returns/{mine}\n",
                    a.name,
                    d.course,
                    due_on.long(),
                    mailer.public_url
                ),
            },
        )
        .await?;
        let theirs = new_id();
        let nonce = new_secret();
        insert_return(
            &mut tx,
            (pid, &d.id),
            (&theirs, &format!("manager:{}", a.id), &a.agency_id, None),
            (&managers, due_on),
            Some((
                &a.manager_email,
                &nonce,
                now + chrono::Duration::days(LINK_DAYS),
                mailer,
            )),
        )
        .await?;
        outbox::enqueue(
            &mut tx,
            manager_mail(
                pid,
                (&theirs, &a.manager_email, &nonce),
                (&a.name, &d.course, &when),
                mailer,
                false,
            ),
        )
        .await?;
        n += 1;
    }
    audit::append(
        &mut tx,
        &Who::system("training follow-up"),
        Event::new("training.follow-up", "course", None).summary(format!(
            "Asked {n} participants of “{}” on {when}, and their line managers, how practice changed",
            d.course
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The mail to a line manager (or its reminder), with the link that answers without an account.
fn manager_mail(
    pid: &str,
    (id, to, nonce): (&str, &str, &str),
    (name, course, when): (&str, &str, &str),
    mailer: &Mailer<'_>,
    reminder: bool,
) -> NewMail {
    NewMail {
        kind: "training-follow-up-manager",
        partnership_id: Some(pid.to_owned()),
        natural_key: Some(format!(
            "training-follow-up-manager:{id}:{}",
            if reminder { "reminder" } else { "first" }
        )),
        to: to.to_owned(),
        subject: format!(
            "{}{name} attended {course}: has their practice changed?",
            if reminder { "Reminder: " } else { "" }
        ),
        body: format!(
            "Hello,\n\n{name} named you as their line manager when they booked {course}, which they attended on \
             {when}. Three months on, the safeguarding partnership asks how their practice has changed, with an \
             example you have seen. It takes a few minutes and needs no account.\n\nAnswer with this link, which \
             works once, within {LINK_DAYS} days of the first mail:\n\n{}/respond/{}\n",
            mailer.public_url,
            secret_marker(nonce)
        ),
    }
}

async fn insert_return(
    tx: &mut Tx,
    (pid, session_id): (&str, &str),
    (id, subject, agency_id, assignee): (&str, &str, &str, Option<&str>),
    (question_set, due_on): (&str, crate::Day),
    link: Option<(&str, &str, DateTime<Utc>, &Mailer<'_>)>,
) -> Result<(), StoreError> {
    let now = ts(Utc::now());
    let (email, hash, nonce, expires) = match link {
        Some((email, nonce, expires, mailer)) => (
            email.to_owned(),
            Some(secret_hash(&mailer.key.link_secret(nonce))),
            Some(nonce.to_owned()),
            Some(ts(expires)),
        ),
        None => (String::new(), None, None, None),
    };
    tx.execute(
        query(
            "INSERT INTO return_request (id, partnership_id, source_kind, source_id, subject_id, agency_id, \
             assignee_id, question_set_id, due_on, state, answers, grade, strengths, improvements, \
             moderated_grade, sent_back_note, requested_at, updated_at, respondent_email, link_hash, link_nonce, \
             link_expires_at) VALUES (?, ?, 'training', ?, ?, ?, ?, ?, ?, 'requested', '[]', '', '', '', NULL, '', \
             ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(pid)
        .bind(session_id)
        .bind(subject)
        .bind(agency_id)
        .bind(assignee)
        .bind(question_set)
        .bind(due_on)
        .bind(&now)
        .bind(&now)
        .bind(email)
        .bind(hash)
        .bind(nonce)
        .bind(expires),
    )
    .await?;
    Ok(())
}

/// One reminder to each line manager who has not answered a week after being asked, while
/// their link still works.
async fn remind_managers(db: &Db, mailer: &Mailer<'_>) -> Result<(), StoreError> {
    let week_ago = ts(Utc::now() - chrono::Duration::days(7));
    let now = ts(Utc::now());
    let open: Vec<(String, String, String, String, String, WallTime, String)> = db
        .fetch_all(
            query(
                "SELECT r.id, r.partnership_id, r.respondent_email, r.link_nonce, p.name, s.starts_at, c.title \
                 FROM return_request r JOIN course_session s ON s.id = r.source_id AND s.partnership_id = r.partnership_id \
                 JOIN course c ON c.id = s.course_id AND c.partnership_id = s.partnership_id \
                 JOIN booking b ON b.session_id = r.source_id AND b.partnership_id = r.partnership_id \
                 AND r.subject_id = 'manager:' || b.id \
                 JOIN person p ON p.id = b.person_id \
                 WHERE r.source_kind = 'training' AND r.respondent_email <> '' AND r.link_hash IS NOT NULL \
                 AND r.state = 'requested' AND r.requested_at <= ? AND r.link_expires_at > ? \
                 AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.natural_key = 'training-follow-up-manager:' || r.id || ':reminder') \
                 ORDER BY r.requested_at, r.id LIMIT 1000",
            )
            .bind(&week_ago)
            .bind(&now),
        )
        .await?;
    for (id, pid, to, nonce, name, starts, course) in open {
        let mut tx = db.begin().await?;
        let when = learnloop_domain::dates::long(starts.date());
        outbox::enqueue(
            &mut tx,
            manager_mail(
                &pid,
                (&id, &to, &nonce),
                (&name, &course, &when),
                mailer,
                true,
            ),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// How a course's follow-ups stand: (participants asked, answered; managers asked, answered).
pub async fn follow_up_rates(
    db: &Db,
    pid: &str,
    course_id: &str,
) -> Result<(i64, i64, i64, i64), StoreError> {
    db.fetch_one(
        query(
            "SELECT COUNT(CASE WHEN r.respondent_email = '' AND r.subject_id NOT LIKE 'evaluation:%' THEN 1 END), \
             COUNT(CASE WHEN r.respondent_email = '' AND r.subject_id NOT LIKE 'evaluation:%' \
                AND r.state IN ('submitted', 'locked') THEN 1 END), \
             COUNT(CASE WHEN r.respondent_email <> '' THEN 1 END), \
             COUNT(CASE WHEN r.respondent_email <> '' AND r.state IN ('submitted', 'locked') THEN 1 END) \
             FROM return_request r JOIN course_session s ON s.id = r.source_id AND s.partnership_id = r.partnership_id \
             WHERE r.partnership_id = ? AND r.source_kind = 'training' AND s.course_id = ?",
        )
        .bind(pid)
        .bind(course_id),
    )
    .await
}

/// A course's latest follow-up answers (twenty), newest session first: (from a line manager,
/// answers, session start). The end-of-session evaluations, returns of the same sessions, are
/// not among them.
pub async fn follow_up_answers(
    db: &Db,
    pid: &str,
    course_id: &str,
) -> Result<Vec<(bool, Lines, WallTime)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT r.respondent_email <> '', r.answers, s.starts_at FROM return_request r \
             JOIN course_session s ON s.id = r.source_id AND s.partnership_id = r.partnership_id \
             WHERE r.partnership_id = ? AND r.source_kind = 'training' AND s.course_id = ? \
             AND r.subject_id NOT LIKE 'evaluation:%' AND r.state IN ('submitted', 'locked') \
             ORDER BY s.starts_at DESC, r.id LIMIT 20",
        )
        .bind(pid)
        .bind(course_id),
    )
    .await
}

/// Who a training follow-up asks about, for the page its link opens: (participant, course,
/// session start).
pub async fn follow_up_about(
    db: &Db,
    pid: &str,
    (session_id, subject): (&str, &str),
) -> Result<Option<(String, String, WallTime)>, StoreError> {
    let booking = subject.strip_prefix("manager:").unwrap_or(subject);
    db.fetch_optional(
        query(
            "SELECT p.name, c.title, s.starts_at FROM booking b JOIN person p ON p.id = b.person_id \
             JOIN course_session s ON s.id = b.session_id AND s.partnership_id = b.partnership_id \
             JOIN course c ON c.id = s.course_id AND c.partnership_id = s.partnership_id \
             WHERE b.partnership_id = ? AND b.session_id = ? AND b.id = ?",
        )
        .bind(pid)
        .bind(session_id)
        .bind(booking),
    )
    .await
}

// ---- the evaluation at the end of a session ----

/// The evaluation's scale: 1 (not at all) to 5 (very).
pub const SCALE: [&str; 5] = ["1", "2", "3", "4", "5"];
/// Days to send an evaluation in.
pub const EVALUATION_DAYS: i64 = 7;

/// The lines a course's evaluation asks: how useful the session was, confidence before and
/// after against each learning outcome, and anything else.
pub fn evaluation_lines(outcomes: &[String]) -> Vec<String> {
    let mut v = vec!["How useful was the session for your work?".to_owned()];
    for o in outcomes {
        v.push(format!("Your confidence before the session: {o}"));
        v.push(format!("Your confidence after the session: {o}"));
    }
    v.push("Anything else you want the trainers to know".to_owned());
    v
}

/// The evaluation question set of a course (rated lines on a 1 to 5 scale), made the first
/// time it is needed.
async fn evaluation_set(tx: &mut Tx, pid: &str, course_id: &str) -> Result<String, StoreError> {
    let name = format!("Evaluation of course {course_id}");
    let found: Option<(String,)> = tx
        .fetch_optional(
            query(
                "SELECT id FROM question_set WHERE partnership_id = ? AND kind = 'training-evaluation' \
                 AND name = ? ORDER BY version DESC LIMIT 1",
            )
            .bind(pid)
            .bind(&name),
        )
        .await?;
    if let Some((id,)) = found {
        return Ok(id);
    }
    let (outcomes,): (Lines,) = tx
        .fetch_one(
            query("SELECT outcomes FROM course WHERE partnership_id = ? AND id = ?")
                .bind(pid)
                .bind(course_id),
        )
        .await?;
    let id = new_id();
    tx.execute(
        query(
            "INSERT INTO question_set (id, partnership_id, kind, name, version, lines, scale, created_at, \
             prompts, rates_lines) VALUES (?, ?, 'training-evaluation', ?, 1, ?, ?, ?, '[]', ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(&name)
        .bind(&Lines(evaluation_lines(&outcomes.0)))
        .bind(&Lines(SCALE.map(str::to_owned).to_vec()))
        .bind(ts(Utc::now()))
        .bind(true),
    )
    .await?;
    Ok(id)
}

/// Asks someone marked as attending for their evaluation, once: a return on their home page
/// and in the digest, and a mail now.
async fn ask_evaluation(
    tx: &mut Tx,
    s: &SessionLine,
    b: &Booking,
    mailer: &Mailer<'_>,
) -> Result<(), StoreError> {
    let pid = &s.session.partnership_id;
    let subject = format!("evaluation:{}", b.id);
    let (n,): (i64,) = tx
        .fetch_one(
            query(
                "SELECT COUNT(*) FROM return_request WHERE partnership_id = ? AND source_kind = 'training' \
                 AND source_id = ? AND subject_id = ?",
            )
            .bind(pid)
            .bind(&s.session.id)
            .bind(&subject),
        )
        .await?;
    if n > 0 {
        return Ok(());
    }
    let qs = evaluation_set(tx, pid, &s.session.course_id).await?;
    let id = new_id();
    let due = crate::Day(Utc::now().date_naive() + chrono::Duration::days(EVALUATION_DAYS));
    insert_return(
        tx,
        (pid, &s.session.id),
        (&id, &subject, &b.agency_id, Some(&b.person_id)),
        (&qs, due),
        None,
    )
    .await?;
    let (email, name): (String, String) = tx
        .fetch_one(query("SELECT email, name FROM person WHERE id = ?").bind(&b.person_id))
        .await?;
    outbox::enqueue(
        tx,
        NewMail {
            kind: "training-evaluation",
            partnership_id: Some(pid.clone()),
            natural_key: Some(format!("training-evaluation:{id}")),
            to: email,
            subject: format!("How was {}?", s.course),
            body: format!(
                "Hello {name},\n\nThank you for attending {} on {}. Tell the trainers how useful it was and how \
                 confident you feel about each learning outcome, before and after; it takes two minutes.\n\n\
                 Evaluate it by {}:\n\n{}/training/evaluations/{}\n",
                s.course,
                learnloop_domain::dates::long(s.session.starts_at.date()),
                due.long(),
                mailer.public_url,
                b.id
            ),
        },
    )
    .await?;
    Ok(())
}

/// Someone's evaluation of a session they attended: the return and its question set.
pub async fn evaluation(
    db: &Db,
    pid: &str,
    booking_id: &str,
) -> Result<Option<(crate::returns::Return, crate::returns::QuestionSet)>, StoreError> {
    let r: Option<crate::returns::Return> = db
        .fetch_optional(
            query(
                "SELECT * FROM return_request WHERE partnership_id = ? AND source_kind = 'training' \
                 AND subject_id = ?",
            )
            .bind(pid)
            .bind(format!("evaluation:{booking_id}")),
        )
        .await?;
    match r {
        Some(r) => {
            let qs = crate::returns::question_set(db, pid, &r.question_set_id).await?;
            Ok(Some((r, qs)))
        }
        None => Ok(None),
    }
}

/// Sends an evaluation in, once: a rating per rated line and the closing free text. Conflict,
/// saying so, when it has been sent already.
pub async fn evaluate(
    db: &Db,
    who: &Who,
    pid: &str,
    return_id: &str,
    (ratings, text): (&[String], &str),
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let r = crate::returns::locked(&mut tx, pid, return_id).await?;
    if !r.state.is_open() {
        return Err(StoreError::Conflict(
            "You have sent this evaluation already: thank you".to_owned(),
        ));
    }
    let mut answers = vec![String::new(); ratings.len()];
    if let Some(last) = answers.last_mut() {
        text.clone_into(last);
    }
    let now = ts(Utc::now());
    tx.execute(
        query(
            "UPDATE return_request SET answers = ?, ratings = ?, state = 'submitted', updated_at = ? \
             WHERE partnership_id = ? AND id = ?",
        )
        .bind(&Lines(answers.clone()))
        .bind(&Lines(ratings.to_vec()))
        .bind(&now)
        .bind(pid)
        .bind(return_id),
    )
    .await?;
    tx.execute(
        query(
            "INSERT INTO return_version (return_id, partnership_id, number, answers, grade, strengths, \
             improvements, submitted_by, submitted_at, ratings) VALUES (?, ?, 1, ?, '', '', '', ?, ?, ?)",
        )
        .bind(return_id)
        .bind(pid)
        .bind(&Lines(answers))
        .bind(who.person_id.clone())
        .bind(&now)
        .bind(&Lines(ratings.to_vec())),
    )
    .await?;
    audit::append(
        &mut tx,
        who,
        Event::new("training.evaluate", "return", Some(return_id))
            .summary("Sent in an evaluation of a training session"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A course's evaluations as numbers: (asked, answered, each line's mean rating where any).
pub async fn evaluation_summary(
    db: &Db,
    pid: &str,
    course_id: &str,
) -> Result<(i64, i64, Vec<Option<f64>>), StoreError> {
    let (asked, answered): (i64, i64) = db
        .fetch_one(
            query(
                "SELECT COUNT(*), COUNT(CASE WHEN r.state IN ('submitted', 'locked') THEN 1 END) \
                 FROM course_session s JOIN return_request r ON r.source_kind = 'training' AND r.source_id = s.id \
                 AND r.partnership_id = s.partnership_id \
                 WHERE s.partnership_id = ? AND s.course_id = ? AND r.subject_id LIKE 'evaluation:%'",
            )
            .bind(pid)
            .bind(course_id),
        )
        .await?;
    // The means of the latest hundred evaluations sent in: enough to read, cheap to show.
    let rows: Vec<(Lines,)> = db
        .fetch_all(
            query(
                "SELECT r.ratings FROM course_session s JOIN return_request r ON r.source_kind = 'training' \
                 AND r.source_id = s.id AND r.partnership_id = s.partnership_id \
                 WHERE s.partnership_id = ? AND s.course_id = ? AND r.subject_id LIKE 'evaluation:%' \
                 AND r.state IN ('submitted', 'locked') ORDER BY s.starts_at DESC, r.id LIMIT 100",
            )
            .bind(pid)
            .bind(course_id),
        )
        .await?;
    let mut sums: Vec<(f64, f64)> = Vec::new();
    for (ratings,) in rows {
        if sums.len() < ratings.0.len() {
            sums.resize(ratings.0.len(), (0.0, 0.0));
        }
        for (i, r) in ratings.0.iter().enumerate() {
            if let Ok(n) = r.parse::<f64>() {
                sums[i].0 += n;
                sums[i].1 += 1.0;
            }
        }
    }
    Ok((
        asked,
        answered,
        sums.into_iter()
            .map(|(s, n)| (n > 0.0).then(|| s / n))
            .collect(),
    ))
}

// ---- the year's training report ----

/// A course's year: sessions held, people who came and did not, evaluations and follow-ups.
#[derive(Debug, Clone, Default)]
pub struct CourseYear {
    pub title: String,
    pub level: String,
    pub sessions: i64,
    pub attended: i64,
    pub no_shows: i64,
    pub evaluations: (i64, i64),
    /// Mean usefulness of the evaluations sent in.
    pub usefulness: Option<f64>,
    pub participants: (i64, i64),
    pub managers: (i64, i64),
}

/// An agency's year: attended and did not, by level; follow-ups asked and answered.
#[derive(Debug, Clone, Default)]
pub struct AgencyYear {
    pub agency: String,
    /// Attended at level 1, 2 and 3.
    pub attended: [i64; 3],
    pub no_shows: i64,
    pub participants: (i64, i64),
    pub managers: (i64, i64),
}

/// The sessions that started in a period, read for the year's report.
pub async fn report(
    db: &Db,
    pid: &str,
    (from, to): (WallTime, WallTime),
) -> Result<(Vec<CourseYear>, Vec<AgencyYear>), StoreError> {
    let courses: Vec<(String, String, String, i64, i64, i64)> = db
        .fetch_all(
            query(
                "SELECT c.id, c.title, c.level, COUNT(DISTINCT s.id), \
                 COUNT(CASE WHEN b.state = 'attended' THEN 1 END), \
                 COUNT(CASE WHEN b.state IN ('no-show', 'late-cancellation') THEN 1 END) \
                 FROM course c JOIN course_session s ON s.course_id = c.id AND s.partnership_id = c.partnership_id \
                 LEFT JOIN booking b ON b.session_id = s.id AND b.partnership_id = s.partnership_id \
                 WHERE c.partnership_id = ? AND s.starts_at >= ? AND s.starts_at < ? \
                 GROUP BY c.id, c.title, c.level ORDER BY lower(c.title) LIMIT 500",
            )
            .bind(pid)
            .bind(from)
            .bind(to),
        )
        .await?;
    // The period's training returns counted in the database: by course, agency and kind
    // (e: evaluation, p: participant's follow-up, m: line manager's), asked and answered, and
    // the evaluations' usefulness summed (the first rating, a digit at the start of the
    // stored list `["4",...]`) with how many gave one.
    const KIND: &str = "CASE WHEN r.subject_id LIKE 'evaluation:%' THEN 'e' WHEN r.respondent_email = '' THEN 'p' ELSE 'm' END";
    const USEFUL: &str =
        "r.subject_id LIKE 'evaluation:%' AND substr(r.ratings, 3, 1) BETWEEN '1' AND '5'";
    let returns: Vec<(String, String, String, i64, i64, i64, i64)> = db
        .fetch_all(
            crate::db::query_from(&[
                "SELECT s.course_id, g.name, ",
                KIND,
                ", COUNT(*), COUNT(CASE WHEN r.state IN ('submitted', 'locked') THEN 1 END), \
                 SUM(CASE WHEN ",
                USEFUL,
                " THEN CAST(substr(r.ratings, 3, 1) AS INTEGER) ELSE 0 END), COUNT(CASE WHEN ",
                USEFUL,
                " THEN 1 END) FROM course_session s JOIN return_request r ON r.source_kind = 'training' \
                 AND r.source_id = s.id AND r.partnership_id = s.partnership_id \
                 JOIN agency g ON g.id = r.agency_id \
                 WHERE s.partnership_id = ? AND s.starts_at >= ? AND s.starts_at < ? \
                 GROUP BY s.course_id, g.name, ",
                KIND,
                " LIMIT 20000",
            ])
            .bind(pid)
            .bind(from)
            .bind(to),
        )
        .await?;
    let attendance: Vec<(String, String, i64, i64)> = db
        .fetch_all(
            query(
                "SELECT g.name, c.level, COUNT(CASE WHEN b.state = 'attended' THEN 1 END), \
                 COUNT(CASE WHEN b.state IN ('no-show', 'late-cancellation') THEN 1 END) \
                 FROM booking b JOIN course_session s ON s.id = b.session_id AND s.partnership_id = b.partnership_id \
                 JOIN course c ON c.id = s.course_id AND c.partnership_id = s.partnership_id \
                 JOIN agency g ON g.id = b.agency_id \
                 WHERE b.partnership_id = ? AND s.starts_at >= ? AND s.starts_at < ? \
                 GROUP BY g.name, c.level LIMIT 5000",
            )
            .bind(pid)
            .bind(from)
            .bind(to),
        )
        .await?;
    let mut by_course: Vec<(String, CourseYear)> = courses
        .into_iter()
        .map(|(id, title, level, sessions, attended, no_shows)| {
            (
                id,
                CourseYear {
                    title,
                    level,
                    sessions,
                    attended,
                    no_shows,
                    ..CourseYear::default()
                },
            )
        })
        .collect();
    let mut agencies: std::collections::BTreeMap<String, AgencyYear> = Default::default();
    for (agency, level, attended, no_shows) in attendance {
        let a = agencies
            .entry(agency.clone())
            .or_insert_with(|| AgencyYear {
                agency,
                ..AgencyYear::default()
            });
        if let Some(slot) = level
            .parse::<usize>()
            .ok()
            .and_then(|l| a.attended.get_mut(l.wrapping_sub(1)))
        {
            *slot += attended;
        }
        a.no_shows += no_shows;
    }
    let mut useful: std::collections::HashMap<String, (f64, f64)> = Default::default();
    for (course, agency, kind, asked, answered, sum, rated) in returns {
        if let Some((_, c)) = by_course.iter_mut().find(|(id, _)| *id == course) {
            let slot = match kind.as_str() {
                "e" => &mut c.evaluations,
                "p" => &mut c.participants,
                _ => &mut c.managers,
            };
            slot.0 += asked;
            slot.1 += answered;
        }
        if kind == "e" {
            let e = useful.entry(course).or_default();
            e.0 += sum as f64;
            e.1 += rated as f64;
            continue;
        }
        let a = agencies
            .entry(agency.clone())
            .or_insert_with(|| AgencyYear {
                agency,
                ..AgencyYear::default()
            });
        let slot = if kind == "p" {
            &mut a.participants
        } else {
            &mut a.managers
        };
        slot.0 += asked;
        slot.1 += answered;
    }
    for (id, c) in &mut by_course {
        c.usefulness = useful.get(id).filter(|u| u.1 > 0.0).map(|u| u.0 / u.1);
    }
    Ok((
        by_course.into_iter().map(|(_, c)| c).collect(),
        agencies.into_values().collect(),
    ))
}
