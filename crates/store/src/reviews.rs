//! Case reviews, first part: notifications of serious incidents, their children (pseudonyms
//! in every list; real names only for the restricted view), the agencies involved and the
//! panel. Every read of a restricted case in full is recorded by the web layer.

use chrono::Utc;
use serde::Serialize;

use learnloop_domain::reviews::Decision;
use learnloop_domain::reviews::lifecycle::{AgencyReturn, ReviewType};
use learnloop_domain::sources::SourceKind;

use crate::Day;
use crate::audit::{self, Event, Who};
use crate::returns::{self, ReturnLine};
use crate::{Db, Page, Paged, StoreError, new_id, query, ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CaseReview {
    pub id: String,
    pub partnership_id: String,
    pub reference: String,
    pub origin: String,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub category: learnloop_domain::reviews::Category,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::slug")]
    pub stage: learnloop_domain::reviews::Stage,
    pub aware_on: Day,
    pub notified_on: Option<Day>,
    pub panel_reference: String,
    pub summary: String,
    pub oversight_group_id: Option<String>,
    pub restricted: bool,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub rapid_review_sent_on: Option<Day>,
    pub review_type: Option<String>,
    pub decided_on: Option<Day>,
    pub reviewer_name: Option<String>,
    pub publication: Option<String>,
    pub published_on: Option<Day>,
    pub publication_planned_on: Option<Day>,
    pub report_sent_on: Option<Day>,
    pub linked_review_id: Option<String>,
    pub link_kind: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Subject {
    pub id: String,
    pub partnership_id: String,
    pub review_id: String,
    pub pseudonym: String,
    pub real_name: String,
    pub created_at: String,
}

/// A notification as recorded.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub category: String,
    pub stage: String,
    pub aware_on: String,
    pub notified_on: Option<String>,
    pub panel_reference: String,
    pub summary: String,
    pub oversight_group_id: Option<String>,
    /// (pseudonym, real name)
    pub children: Vec<(String, String)>,
    pub agency_ids: Vec<String>,
    /// "notification", "referral" or "recorded" (a review recorded directly).
    pub origin: &'static str,
    /// Set for a review recorded directly (a domestic homicide review, say).
    pub review_type: Option<String>,
    pub decided_on: Option<String>,
    /// (the linked case's id, "joint" or "linked")
    pub link: Option<(String, String)>,
    pub referral: Option<NewReferral>,
}

/// Who referred a case for consideration, and why.
#[derive(Debug, Clone)]
pub struct NewReferral {
    pub source: String,
    pub referrer: String,
    pub reason: String,
    pub question: String,
}

/// Records a notification, its children and agencies in one transaction; the person who
/// records it is on its panel. Returns the new case's id.
pub async fn notify(
    db: &Db,
    who: &Who,
    pid: &str,
    n: &NewNotification,
) -> Result<String, StoreError> {
    let id = new_id();
    let now = ts(Utc::now());
    let mut tx = db.begin().await?;
    tx.serialise_on(&format!("case-reference:{pid}")).await?;
    let year = n.aware_on.get(..4).unwrap_or("0000").to_owned();
    let (count,): (i64,) = tx
        .fetch_one(
            query("SELECT COUNT(*) FROM case_review WHERE partnership_id = ? AND reference LIKE ?")
                .bind(pid)
                .bind(format!("{year}-%")),
        )
        .await?;
    let reference = format!("{year}-{:03}", count + 1);
    tx.execute(
        query(
            "INSERT INTO case_review (id, partnership_id, reference, origin, category, stage, aware_on, notified_on, \
             panel_reference, summary, oversight_group_id, restricted, created_by, created_at, updated_at, \
             review_type, decided_on, linked_review_id, link_kind) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(pid)
        .bind(&reference)
        .bind(n.origin)
        .bind(&n.category)
        .bind(&n.stage)
        .bind(&n.aware_on)
        .bind(n.notified_on.clone())
        .bind(&n.panel_reference)
        .bind(&n.summary)
        .bind(n.oversight_group_id.clone())
        .bind(true)
        .bind(&who.label)
        .bind(&now)
        .bind(&now)
        .bind(n.review_type.clone())
        .bind(n.decided_on.clone())
        .bind(n.link.as_ref().map(|l| l.0.clone()))
        .bind(n.link.as_ref().map(|l| l.1.clone())),
    )
    .await?;
    if let Some(r) = &n.referral {
        tx.execute(
            query(
                "INSERT INTO case_referral (review_id, partnership_id, source, referrer, reason, question, referred_by, \
                 referrer_person_id, referred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&id)
            .bind(pid)
            .bind(&r.source)
            .bind(&r.referrer)
            .bind(&r.reason)
            .bind(&r.question)
            .bind(&who.label)
            .bind(who.person_id.clone())
            .bind(&now),
        )
        .await?;
    }
    for (pseudonym, real_name) in &n.children {
        tx.execute(
            query("INSERT INTO case_subject (id, partnership_id, review_id, pseudonym, real_name, created_at) VALUES (?, ?, ?, ?, ?, ?)")
                .bind(new_id())
                .bind(pid)
                .bind(&id)
                .bind(pseudonym)
                .bind(real_name)
                .bind(&now),
        )
        .await?;
    }
    for a in &n.agency_ids {
        tx.execute(
            query("INSERT INTO case_agency (partnership_id, review_id, agency_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
                .bind(pid)
                .bind(&id)
                .bind(a),
        )
        .await?;
    }
    if let Some(person) = &who.person_id {
        tx.execute(
            query("INSERT INTO case_panel (partnership_id, review_id, person_id, added_at) VALUES (?, ?, ?, ?)")
                .bind(pid)
                .bind(&id)
                .bind(person)
                .bind(&now),
        )
        .await?;
    }
    // The trail names the children only by pseudonym.
    let pseudonyms: Vec<&str> = n.children.iter().map(|(p, _)| p.as_str()).collect();
    audit::append(
        &mut tx,
        who,
        Event::new(
            match n.origin {
                "referral" => "case.refer",
                "recorded" => "case.record",
                _ => "case.notify",
            },
            "case_review",
            Some(&id),
        )
        .summary(format!(
            "Recorded {} {reference}",
            match n.origin {
                "referral" => "referral",
                "recorded" => "review",
                _ => "notification",
            }
        ))
            .after(&serde_json::json!({"category": n.category, "aware_on": n.aware_on, "notified_on": n.notified_on, "children": pseudonyms})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn get(db: &Db, pid: &str, id: &str) -> Result<Option<CaseReview>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM case_review WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// Filters of the case list; empty means any.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub category: Option<String>,
    pub stage: Option<String>,
    pub year: Option<i32>,
    pub review_type: Option<String>,
    /// A publication decision's slug, or "undecided".
    pub publication: Option<String>,
    pub theme_id: Option<String>,
    /// Words in the reviewer's name.
    pub reviewer: Option<String>,
    /// Words in the case or Panel reference, or the reviewer's name. Never the restricted
    /// content: a search must not tell anyone what a case they cannot read is about.
    pub text: Option<String>,
    /// Only cases not closed (the ones whose clocks can still be at risk).
    pub open_only: bool,
}

fn like(s: &Option<String>) -> Option<String> {
    s.as_ref().map(|t| {
        let t: String = t
            .to_lowercase()
            .chars()
            .filter(|c| !matches!(c, '%' | '_' | '\\'))
            .collect();
        format!("%{}%", t.trim())
    })
}

/// A statement over the partnership's cases with only the conditions the filter uses: each
/// filter gets the plan (and the index) that fits it, and PostgreSQL can keep one plan per
/// filter instead of planning every request again around conditions that are switched off.
fn filtered(head: &'static str, pid: &str, f: &Filter, tail: &'static str) -> crate::Query {
    let mut c =
        crate::db::Conditions::new(head, "FROM case_review c WHERE c.partnership_id = ?", pid);
    let mut when = |cond: &'static str, values: &[&str]| c.when(cond, values);
    if let Some(v) = &f.category {
        when(" AND c.category = ?", &[v]);
    }
    if let Some(v) = &f.stage {
        when(" AND c.stage = ?", &[v]);
    }
    if let Some(y) = f.year {
        when(" AND c.aware_on LIKE ?", &[&format!("{y:04}-%")]);
    }
    if let Some(v) = &f.review_type {
        when(" AND c.review_type = ?", &[v]);
    }
    if let Some(v) = &f.publication {
        when(" AND COALESCE(c.publication, 'undecided') = ?", &[v]);
    }
    if let Some(v) = &f.theme_id {
        when(
            " AND EXISTS (SELECT 1 FROM tagging g WHERE g.partnership_id = c.partnership_id \
             AND g.target_kind = 'case_review' AND g.target_id = c.id AND g.theme_id = ?)",
            &[v],
        );
    }
    if let Some(v) = like(&f.reviewer) {
        when(" AND lower(COALESCE(c.reviewer_name, '')) LIKE ?", &[&v]);
    }
    if let Some(v) = like(&f.text) {
        when(
            " AND (lower(c.reference) LIKE ? OR lower(c.panel_reference) LIKE ? \
             OR lower(COALESCE(c.reviewer_name, '')) LIKE ?)",
            &[&v, &v, &v],
        );
    }
    if f.open_only {
        when(" AND c.stage <> 'closed'", &[]);
    }
    c.finish(tail)
}

/// The partnership's cases, newest first, filtered.
pub async fn list(
    db: &Db,
    pid: &str,
    f: &Filter,
    page: Page,
) -> Result<Paged<CaseReview>, StoreError> {
    // Counted apart: with the count beside each row, the database sorts every review of the
    // partnership whole instead of keeping the first page's (0.30 ms against 0.18 + 0.10).
    let items: Vec<CaseReview> = db
        .fetch_all(
            filtered(
                "SELECT c.* ",
                pid,
                f,
                " ORDER BY c.aware_on DESC, c.reference DESC LIMIT ? OFFSET ?",
            )
            .bind(page.size)
            .bind(page.offset()),
        )
        .await?;
    let total = match page.total_from(items.len()) {
        Some(n) => n,
        None => {
            let (n,): (i64,) = db
                .fetch_one(filtered("SELECT COUNT(*) ", pid, f, ""))
                .await?;
            n
        }
    };
    Ok(Paged { items, total, page })
}

/// The reviews linked to a case (a domestic homicide review to its practice review).
pub async fn linked_to(db: &Db, pid: &str, id: &str) -> Result<Vec<CaseReview>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM case_review WHERE partnership_id = ? AND linked_review_id = ? ORDER BY reference LIMIT 50")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// Open cases (not closed), for clocks on home pages and agendas.
pub async fn open(db: &Db, pid: &str) -> Result<Vec<CaseReview>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM case_review WHERE partnership_id = ? AND stage <> 'closed' ORDER BY aware_on LIMIT 500").bind(pid),
    )
    .await
}

pub async fn subjects(db: &Db, pid: &str, review_id: &str) -> Result<Vec<Subject>, StoreError> {
    db.fetch_all(
        query("SELECT * FROM case_subject WHERE partnership_id = ? AND review_id = ? ORDER BY pseudonym LIMIT 100")
            .bind(pid)
            .bind(review_id),
    )
    .await
}

pub async fn agency_ids(db: &Db, pid: &str, review_id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = db
        .fetch_all(query("SELECT agency_id FROM case_agency WHERE partnership_id = ? AND review_id = ? LIMIT 200").bind(pid).bind(review_id))
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The people on a review's panel, by name.
pub async fn panel_people(
    db: &Db,
    pid: &str,
    review_id: &str,
) -> Result<Vec<crate::accounts::Named>, StoreError> {
    db.fetch_all(
        query(
            "SELECT p.id, p.name FROM case_panel c JOIN person p ON p.id = c.person_id \
             WHERE c.partnership_id = ? AND c.review_id = ? ORDER BY lower(p.name), p.id LIMIT 200",
        )
        .bind(pid)
        .bind(review_id),
    )
    .await
}

pub async fn panel(db: &Db, pid: &str, review_id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = db
        .fetch_all(query("SELECT person_id FROM case_panel WHERE partnership_id = ? AND review_id = ? LIMIT 200").bind(pid).bind(review_id))
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Names a person on the panel. False if they were already on it.
pub async fn add_to_panel(
    db: &Db,
    who: &Who,
    pid: &str,
    review_id: &str,
    person_id: &str,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query("INSERT INTO case_panel (partnership_id, review_id, person_id, added_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
                .bind(pid)
                .bind(review_id)
                .bind(person_id)
                .bind(ts(Utc::now())),
        )
        .await?;
    if n == 1 {
        audit::append(
            &mut tx,
            who,
            Event::new("case.panel.add", "case_review", Some(review_id))
                .summary("Named a person on the panel")
                .after(&person_id),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

/// Asks every agency involved for its summary (rapid review) or its report and chronology
/// (commissioned review) by a date, as returns (MODEL.md) on the case, and mails their
/// safeguarding leads, in one transaction. Agencies already asked keep their request. Returns
/// how many were asked.
pub async fn request_summaries(
    db: &Db,
    who: &Who,
    pid: &str,
    review_id: &str,
    kind: AgencyReturn,
    due_on: Day,
    mails: Vec<crate::outbox::NewMail>,
) -> Result<u64, StoreError> {
    let mut tx = db.begin().await?;
    let agencies: Vec<(String,)> = tx
        .fetch_all(query("SELECT agency_id FROM case_agency WHERE partnership_id = ? AND review_id = ? LIMIT 200").bind(pid).bind(review_id))
        .await?;
    let lines: Vec<String> = kind.lines().iter().map(|l| (*l).to_owned()).collect();
    let set =
        returns::current_question_set(&mut tx, pid, ("case-review", kind.question_set()), &lines)
            .await?;
    let pairs: Vec<(String, String)> = agencies
        .into_iter()
        .map(|(a,)| (kind.slug().to_owned(), a))
        .collect();
    let asked = returns::request(
        &mut tx,
        pid,
        (SourceKind::CaseReview, review_id, &set),
        &pairs,
        due_on,
    )
    .await?;
    for m in mails {
        crate::outbox::enqueue(&mut tx, m).await?;
    }
    audit::append(
        &mut tx,
        who,
        Event::new("case.summaries.request", "case_review", Some(review_id)).summary(format!(
            "Asked {asked} agencies for their {} by {due_on}",
            match kind {
                AgencyReturn::Report => "reports",
                AgencyReturn::Summary => "summaries",
            }
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(asked)
}

/// The summaries (or reports) asked of the agencies involved, by agency.
pub async fn summaries(
    db: &Db,
    pid: &str,
    review_id: &str,
    kind: AgencyReturn,
) -> Result<Vec<ReturnLine>, StoreError> {
    Ok(
        returns::for_source(db, pid, SourceKind::CaseReview, review_id)
            .await?
            .into_iter()
            .filter(|r| r.ret.subject_id == kind.slug())
            .collect(),
    )
}

/// Who is told the outcome of a decision: the agency leads of the agencies involved and the
/// person who referred the case, as (e-mail, name), once each.
pub async fn outcome_recipients(
    db: &Db,
    pid: &str,
    review_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut out: Vec<(String, String)> = agency_leads(db, pid, review_id)
        .await?
        .into_iter()
        .map(|(_, e, n)| (e, n))
        .collect();
    let referrer: Option<(String, String)> = db
        .fetch_optional(
            query(
                "SELECT p.email, p.name FROM case_referral r JOIN person p ON p.id = r.referrer_person_id \
                 WHERE r.partnership_id = ? AND r.review_id = ? AND p.active = ?",
            )
            .bind(pid)
            .bind(review_id)
            .bind(true),
        )
        .await?;
    out.extend(referrer);
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    Ok(out)
}

/// The agency leads of some agencies (id, e-mail, name), to ask for their summaries.
pub async fn agency_leads(
    db: &Db,
    pid: &str,
    review_id: &str,
) -> Result<Vec<(String, String, String)>, StoreError> {
    db.fetch_all(
        query(
            "SELECT m.agency_id, p.email, p.name FROM membership m JOIN person p ON p.id = m.person_id \
             JOIN case_agency a ON a.agency_id = m.agency_id AND a.review_id = ? \
             WHERE m.partnership_id = ? AND m.role = 'agency-lead' AND p.active = ? LIMIT 500",
        )
        .bind(review_id)
        .bind(pid)
        .bind(true),
    )
    .await
}

/// The rapid review's record and the decision on the case.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RapidReview {
    pub review_id: String,
    pub partnership_id: String,
    pub facts: String,
    pub safety_assurance: String,
    pub safety_by: String,
    pub learning: String,
    pub recommendation: String,
    pub reasons: String,
    pub recorded_by: String,
    pub recorded_at: String,
    pub signed_off_by: Option<String>,
    pub signed_off_on: Option<Day>,
    pub sent_to_panel_on: Option<Day>,
    pub panel_response: Option<String>,
    pub panel_response_on: Option<Day>,
}

/// What the group records.
#[derive(Debug, Clone, Serialize)]
pub struct RapidReviewInput {
    pub facts: String,
    pub safety_assurance: String,
    pub safety_by: String,
    pub learning: String,
    pub recommendation: String,
    pub reasons: String,
}

pub async fn rapid_review(
    db: &Db,
    pid: &str,
    review_id: &str,
) -> Result<Option<RapidReview>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM rapid_review WHERE partnership_id = ? AND review_id = ?")
            .bind(pid)
            .bind(review_id),
    )
    .await
}

/// Records (or revises, before sign-off) the rapid review. False once signed off.
pub async fn record_rapid_review(
    db: &Db,
    who: &Who,
    pid: &str,
    review_id: &str,
    r: &RapidReviewInput,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    tx.serialise_on(review_id).await?;
    let before: Option<RapidReview> = tx
        .fetch_optional(
            query("SELECT * FROM rapid_review WHERE partnership_id = ? AND review_id = ?")
                .bind(pid)
                .bind(review_id),
        )
        .await?;
    if before.as_ref().is_some_and(|b| b.signed_off_on.is_some()) {
        return Ok(false);
    }
    tx.execute(
        query("DELETE FROM rapid_review WHERE partnership_id = ? AND review_id = ?")
            .bind(pid)
            .bind(review_id),
    )
    .await?;
    tx.execute(
        query(
            "INSERT INTO rapid_review (review_id, partnership_id, facts, safety_assurance, safety_by, learning, recommendation, \
             reasons, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(review_id)
        .bind(pid)
        .bind(&r.facts)
        .bind(&r.safety_assurance)
        .bind(&r.safety_by)
        .bind(&r.learning)
        .bind(&r.recommendation)
        .bind(&r.reasons)
        .bind(&who.label)
        .bind(ts(Utc::now())),
    )
    .await?;
    let mut e = Event::new("case.rapid-review", "case_review", Some(review_id))
        .summary(format!(
            "Recorded the rapid review, recommending {}",
            r.recommendation
        ))
        .after(r);
    if let Some(b) = &before {
        e = e.before(b);
    }
    audit::append(&mut tx, who, e).await?;
    tx.commit().await?;
    Ok(true)
}

/// The independent chair signs the recommendation off: the case moves to "decided".
pub async fn sign_off(
    db: &Db,
    who: &Who,
    pid: &str,
    review_id: &str,
    on: &str,
    mails: Vec<crate::outbox::NewMail>,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query(
                "UPDATE rapid_review SET signed_off_by = ?, signed_off_on = ? \
                 WHERE partnership_id = ? AND review_id = ? AND signed_off_on IS NULL",
            )
            .bind(&who.label)
            .bind(on)
            .bind(pid)
            .bind(review_id),
        )
        .await?;
    if n == 1 {
        // The decision commissions the review it names (none for "no further review").
        let (recommendation,): (String,) = tx
            .fetch_one(
                query("SELECT recommendation FROM rapid_review WHERE partnership_id = ? AND review_id = ?")
                    .bind(pid)
                    .bind(review_id),
            )
            .await?;
        let review_type = Decision::parse(&recommendation)
            .and_then(ReviewType::from_decision)
            .map(ReviewType::slug);
        tx.execute(
            query(
                "UPDATE case_review SET stage = 'decided', decided_on = ?, review_type = ?, updated_at = ? \
                 WHERE partnership_id = ? AND id = ?",
            )
            .bind(on)
            .bind(review_type)
            .bind(ts(Utc::now()))
            .bind(pid)
            .bind(review_id),
        )
        .await?;
        audit::append(
            &mut tx,
            who,
            Event::new("case.sign-off", "case_review", Some(review_id))
                .summary(format!("Signed off the decision on {on}")),
        )
        .await?;
        for m in mails {
            crate::outbox::enqueue(&mut tx, m).await?;
        }
    }
    tx.commit().await?;
    Ok(n == 1)
}

/// Records when the rapid review went to the national Panel and, once known, its response.
pub async fn panel_outcome(
    db: &Db,
    who: &Who,
    pid: &str,
    review_id: &str,
    sent_on: &str,
    response: Option<(&str, &str)>,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            query(
                "UPDATE rapid_review SET sent_to_panel_on = ?, panel_response = ?, panel_response_on = ? \
                 WHERE partnership_id = ? AND review_id = ? AND signed_off_on IS NOT NULL",
            )
            .bind(sent_on)
            .bind(response.map(|r| r.0))
            .bind(response.map(|r| r.1))
            .bind(pid)
            .bind(review_id),
        )
        .await?;
    if n == 1 {
        tx.execute(
            query("UPDATE case_review SET rapid_review_sent_on = ?, updated_at = ? WHERE partnership_id = ? AND id = ?")
                .bind(sent_on)
                .bind(ts(Utc::now()))
                .bind(pid)
                .bind(review_id),
        )
        .await?;
        audit::append(
            &mut tx,
            who,
            Event::new("case.panel-outcome", "case_review", Some(review_id))
                .summary(format!("Sent to the national Panel on {sent_on}"))
                .after(&serde_json::json!({"sent": sent_on, "response": response.map(|r| r.0), "response_on": response.map(|r| r.1)})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

pub mod lifecycle;

/// What deciding who may read a case needs: its reference, whether it is restricted and who
/// is on its panel. For views that name many cases at once (the audit trail).
#[derive(Clone, Debug)]
pub struct CaseAccess {
    pub id: String,
    pub reference: String,
    pub restricted: bool,
    pub panel: Vec<String>,
}

/// The access facts of some of the partnership's cases, in two statements however many.
pub async fn access_of(db: &Db, pid: &str, ids: &[&str]) -> Result<Vec<CaseAccess>, StoreError> {
    let (Some(cases), Some(panel)) = (
        crate::db::query_list(
            "SELECT id, reference, restricted FROM case_review WHERE partnership_id = ? AND id IN (",
            &[pid],
            ids,
            ")",
        ),
        crate::db::query_list(
            "SELECT review_id, person_id FROM case_panel WHERE partnership_id = ? AND review_id IN (",
            &[pid],
            ids,
            ")",
        ),
    ) else {
        return Ok(Vec::new());
    };
    let cases: Vec<(String, String, bool)> = db.fetch_all(cases).await?;
    let panel: Vec<(String, String)> = db.fetch_all(panel).await?;
    Ok(cases
        .into_iter()
        .map(|(id, reference, restricted)| CaseAccess {
            panel: panel
                .iter()
                .filter(|(r, _)| *r == id)
                .map(|(_, p)| p.clone())
                .collect(),
            id,
            reference,
            restricted,
        })
        .collect())
}
