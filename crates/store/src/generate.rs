//! Synthetic data at national volume: `learnloop generate` fills a database with partnerships,
//! their agencies, people, groups, meetings, case reviews, recommendations, actions and
//! progress updates, realistic in shape and deterministic from a seed.
//!
//! Each partnership has its own small PRNG (splitmix64) seeded from the seed and its number,
//! so partnerships can be written in parallel and still come out the same. Ids are UUID-shaped
//! strings from that PRNG. Rows are built in memory per partnership and written with
//! multi-row `INSERT … VALUES (…), (…)` statements in one transaction per partnership; the
//! partnership itself is created first through [`governance::create_partnership`] (which
//! seeds its themes and writes the audit trail), and one audit event per partnership records
//! what was generated. Files (review reports, meeting papers, action evidence) are not
//! generated: a file row without its bytes would be a broken download.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use learnloop_domain::governance::meetings::nth_weekday;

use crate::audit::{self, Event, Past, Who};
use crate::db::query_from;
use crate::files::FileStore;
use crate::{Db, Engine, Query, StoreError, Tx, Value, demo, governance, query, ts};

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    pub partnerships: u32,
    pub years: u32,
    pub seed: u64,
    /// The first partnership is the demo partnership (loaded if missing) rather than gen-001.
    pub demo: bool,
    /// The day the history ends (today, normally); everything is dated relative to it.
    pub today: NaiveDate,
    /// Where evidence files go. Without it, no evidence is generated (a file record without
    /// its bytes would be a broken download).
    pub files: Option<FileStore>,
}

/// Rows written, by table.
pub type Counts = BTreeMap<&'static str, u64>;

/// The label generated records carry as their author.
pub const LABEL: &str = "Learnloop generator";

/// True when generated partnerships are already there (a second run would double them).
pub async fn already_generated(db: &Db, demo_too: bool) -> Result<bool, StoreError> {
    let (n,): (i64,) = db
        .fetch_one(query(
            "SELECT COUNT(*) FROM partnership WHERE slug LIKE 'gen-%'",
        ))
        .await?;
    if n > 0 {
        return Ok(true);
    }
    if demo_too {
        let (m,): (i64,) = db
            .fetch_one(query(
                "SELECT COUNT(*) FROM person WHERE email LIKE '%@northbrook.gen.example'",
            ))
            .await?;
        return Ok(m > 0);
    }
    Ok(false)
}

/// Generates everything; `progress` gets one line per partnership written.
pub async fn run(
    db: &Db,
    o: &Options,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<Counts, StoreError> {
    let started = std::time::Instant::now();
    let jobs = if db.engine() == Engine::Postgres {
        2
    } else {
        1
    };
    let mut total = Counts::new();
    let mut set = tokio::task::JoinSet::new();
    let mut next = 0u32;
    let mut done = 0u32;
    if o.demo && o.partnerships > 0 {
        // The demo loader creates the partnership; it runs alone, before the others.
        demo::load(db).await?;
    }
    // Most people have set their password; one hash of a random password nobody knows stands
    // for theirs (argon2id takes real time per hash).
    let secret = format!("{:032x}", rand::random::<u128>());
    let hash: std::sync::Arc<str> =
        tokio::task::spawn_blocking(move || learnloop_domain::accounts::hash_password(&secret))
            .await
            .map_err(|e| StoreError::Config(e.to_string()))?
            .map_err(StoreError::Config)?
            .into();
    loop {
        while next < o.partnerships && set.len() < jobs {
            let (db, o2, hash) = (db.clone(), o.clone(), hash.clone());
            let i = next;
            set.spawn(async move { partnership(&db, &o2, i, &hash).await });
            next += 1;
        }
        let Some(r) = set.join_next().await else {
            break;
        };
        let (slug, counts) = r.map_err(|e| StoreError::Config(e.to_string()))??;
        done += 1;
        let rows: u64 = counts.values().sum();
        for (k, v) in counts {
            *total.entry(k).or_default() += v;
        }
        progress(&format!(
            "{slug}: {rows} rows ({done}/{} partnerships, {:.0}s)",
            o.partnerships,
            started.elapsed().as_secs_f64()
        ));
    }
    // A bulk load leaves the planner without statistics: gather them once, now.
    progress("Analysing the tables for the query planner…");
    db.analyze().await?;
    Ok(total)
}

// ---- the PRNG ----

struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// 0..n
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    /// lo..=hi
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            lo + (self.next() % (hi - lo + 1) as u64) as i64
        }
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    fn pick<'a, T>(&mut self, s: &'a [T]) -> &'a T {
        &s[self.below(s.len())]
    }
    fn id(&mut self) -> String {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next().to_le_bytes());
        b[8..].copy_from_slice(&self.next().to_le_bytes());
        uuid::Builder::from_random_bytes(b).into_uuid().to_string()
    }
    fn day(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        from + Duration::days(self.range(0, (to - from).num_days()))
    }
    /// A moment in working hours of a day, in the stored form.
    fn at(&mut self, d: NaiveDate) -> String {
        let secs = self.range(8 * 3600, 17 * 3600);
        let t = d.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::seconds(secs);
        ts(Utc.from_utc_datetime(&t))
    }
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

// ---- bulk inserts ----

/// "(?, ?, …)" with n markers.
const PH: [&str; 25] = [
    "()",
    "(?)",
    "(?, ?)",
    "(?, ?, ?)",
    "(?, ?, ?, ?)",
    "(?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
];

/// Bound parameters per statement stay well under both engines' limits.
const MAX_PARAMS: usize = 30_000;
const MAX_ROWS: usize = 500;

struct Bulk {
    table: &'static str,
    head: &'static str,
    cols: usize,
    vals: Vec<Value>,
}

impl Bulk {
    fn new(table: &'static str, head: &'static str, cols: usize) -> Bulk {
        Bulk {
            table,
            head,
            cols,
            vals: Vec::new(),
        }
    }
    fn push(&mut self, row: Vec<Value>) {
        debug_assert_eq!(row.len(), self.cols, "{}", self.table);
        self.vals.extend(row);
    }
    fn rows(&self) -> u64 {
        (self.vals.len() / self.cols) as u64
    }
    async fn flush(&mut self, tx: &mut Tx) -> Result<(), StoreError> {
        let per = (MAX_PARAMS / self.cols).min(MAX_ROWS);
        let mut it = std::mem::take(&mut self.vals).into_iter();
        loop {
            let chunk: Vec<Value> = it.by_ref().take(per * self.cols).collect();
            if chunk.is_empty() {
                return Ok(());
            }
            let n = chunk.len() / self.cols;
            let mut frags: Vec<&'static str> = Vec::with_capacity(2 * n + 1);
            frags.push(self.head);
            for i in 0..n {
                if i > 0 {
                    frags.push(", ");
                }
                frags.push(PH[self.cols]);
            }
            let q = chunk.into_iter().fold(query_from(&frags), Query::bind);
            tx.execute(q).await?;
        }
    }
}

macro_rules! row {
    ($($v:expr),* $(,)?) => { vec![$(Value::from($v)),*] };
}

const NONE: Option<String> = None;

/// Every table written, in an order that satisfies the foreign keys.
struct Tables {
    agency: Bulk,
    group: Bulk,
    person: Bulk,
    membership: Bulk,
    group_terms: Bulk,
    meeting: Bulk,
    agenda_item: Bulk,
    attendance: Bulk,
    decision: Bulk,
    escalation: Bulk,
    escalation_step: Bulk,
    case_review: Bulk,
    case_referral: Bulk,
    case_subject: Bulk,
    case_agency: Bulk,
    case_panel: Bulk,
    agency_summary: Bulk,
    rapid_review: Bulk,
    review_terms: Bulk,
    review_event: Bulk,
    review_publication: Bulk,
    finding: Bulk,
    recommendation: Bulk,
    recommendation_agency: Bulk,
    tagging: Bulk,
    action_plan: Bulk,
    action: Bulk,
    action_agency: Bulk,
    action_revision: Bulk,
    action_update: Bulk,
    file_object: Bulk,
    action_evidence: Bulk,
    impact_review: Bulk,
}

impl Tables {
    fn new() -> Tables {
        Tables {
            agency: Bulk::new(
                "agency",
                "INSERT INTO agency (id, partnership_id, name, sector, statutory_partner, active, created_at, updated_at) VALUES ",
                8,
            ),
            group: Bulk::new(
                "partnership_group",
                "INSERT INTO partnership_group (id, partnership_id, name, kind, reports_to_id, created_at, updated_at) VALUES ",
                7,
            ),
            person: Bulk::new(
                "person",
                "INSERT INTO person (id, email, name, job_title, password_hash, password_changed_at, active, created_at, updated_at) VALUES ",
                9,
            ),
            membership: Bulk::new(
                "membership",
                "INSERT INTO membership (id, person_id, partnership_id, role, agency_id, group_id, created_at) VALUES ",
                7,
            ),
            group_terms: Bulk::new(
                "group_terms",
                "INSERT INTO group_terms (id, partnership_id, group_id, version, purpose, aims, functions, core_agencies, \
                 invited_agencies, chair_person_id, chair_appointed_by, deputy_person_id, deputy_appointed_by, frequency, \
                 meeting_minutes, outputs, admin_support, agreed_on, review_due, changed_by, changed_at) VALUES ",
                21,
            ),
            meeting: Bulk::new(
                "meeting",
                "INSERT INTO meeting (id, partnership_id, group_id, starts_at, length_minutes, place, online_link, status, \
                 agenda_issued_at, sequence, created_at, updated_at) VALUES ",
                12,
            ),
            agenda_item: Bulk::new(
                "agenda_item",
                "INSERT INTO agenda_item (id, partnership_id, meeting_id, position, kind, title, detail, link, minutes, created_at) VALUES ",
                10,
            ),
            attendance: Bulk::new(
                "attendance",
                "INSERT INTO attendance (id, partnership_id, meeting_id, name, person_id, agency_id, status, deputising_for, created_at) VALUES ",
                9,
            ),
            decision: Bulk::new(
                "decision",
                "INSERT INTO decision (id, partnership_id, meeting_id, number, text, created_at) VALUES ",
                6,
            ),
            escalation: Bulk::new(
                "escalation",
                "INSERT INTO escalation (id, partnership_id, group_id, meeting_id, title, detail, stage, raised_on, raised_by, \
                 created_at, updated_at) VALUES ",
                11,
            ),
            escalation_step: Bulk::new(
                "escalation_step",
                "INSERT INTO escalation_step (id, partnership_id, escalation_id, step, on_date, note, by_person, created_at) VALUES ",
                8,
            ),
            case_review: Bulk::new(
                "case_review",
                "INSERT INTO case_review (id, partnership_id, reference, origin, category, stage, aware_on, notified_on, \
                 panel_reference, summary, oversight_group_id, restricted, created_by, created_at, updated_at, \
                 rapid_review_sent_on, review_type, decided_on, reviewer_name, publication, published_on, \
                 publication_planned_on, report_sent_on) VALUES ",
                23,
            ),
            case_referral: Bulk::new(
                "case_referral",
                "INSERT INTO case_referral (review_id, partnership_id, source, referrer, reason, question, referred_by, \
                 referrer_person_id, referred_at) VALUES ",
                9,
            ),
            case_subject: Bulk::new(
                "case_subject",
                "INSERT INTO case_subject (id, partnership_id, review_id, pseudonym, real_name, created_at) VALUES ",
                6,
            ),
            case_agency: Bulk::new(
                "case_agency",
                "INSERT INTO case_agency (partnership_id, review_id, agency_id) VALUES ",
                3,
            ),
            case_panel: Bulk::new(
                "case_panel",
                "INSERT INTO case_panel (partnership_id, review_id, person_id, added_at) VALUES ",
                4,
            ),
            agency_summary: Bulk::new(
                "agency_summary",
                "INSERT INTO agency_summary (id, partnership_id, review_id, agency_id, due_on, requested_at, chronology, \
                 analysis, submitted_by, submitted_at, kind) VALUES ",
                11,
            ),
            rapid_review: Bulk::new(
                "rapid_review",
                "INSERT INTO rapid_review (review_id, partnership_id, facts, safety_assurance, safety_by, learning, \
                 recommendation, reasons, recorded_by, recorded_at, signed_off_by, signed_off_on, sent_to_panel_on, \
                 panel_response, panel_response_on) VALUES ",
                15,
            ),
            review_terms: Bulk::new(
                "review_terms",
                "INSERT INTO review_terms (review_id, partnership_id, scope_from, scope_to, lines_of_enquiry, methodology, \
                 proportionality, reviewer_name, reviewer_independence, reviewer_reason, family_involvement, agreed_on, \
                 recorded_by, recorded_at) VALUES ",
                14,
            ),
            review_event: Bulk::new(
                "review_event",
                "INSERT INTO review_event (id, partnership_id, review_id, held_on, title, attendees, notes, recorded_by, recorded_at) VALUES ",
                9,
            ),
            review_publication: Bulk::new(
                "review_publication",
                "INSERT INTO review_publication (review_id, partnership_id, decision, public_interest, child_welfare, \
                 legal_restrictions, criminal_proceedings, decided_on, sent_to_panel_on, planned_on, published_on, link, \
                 recorded_by, recorded_at) VALUES ",
                14,
            ),
            finding: Bulk::new(
                "finding",
                "INSERT INTO finding (id, partnership_id, review_id, number, body, created_by, created_at) VALUES ",
                7,
            ),
            recommendation: Bulk::new(
                "recommendation",
                "INSERT INTO recommendation (id, partnership_id, source_kind, source_id, number, body, addressed_to, \
                 created_by, created_at, updated_at) VALUES ",
                10,
            ),
            recommendation_agency: Bulk::new(
                "recommendation_agency",
                "INSERT INTO recommendation_agency (recommendation_id, partnership_id, agency_id) VALUES ",
                3,
            ),
            tagging: Bulk::new(
                "tagging",
                "INSERT INTO tagging (partnership_id, theme_id, target_kind, target_id, created_at) VALUES ",
                5,
            ),
            action_plan: Bulk::new(
                "action_plan",
                "INSERT INTO action_plan (partnership_id, source_kind, source_id, group_id, impact_months, created_at) VALUES ",
                6,
            ),
            action: Bulk::new(
                "action",
                "INSERT INTO action (id, partnership_id, source_kind, source_id, group_id, description, lead_agency_id, \
                 owner_person_id, due_on, status, status_reason, created_by, created_at, updated_at, recommendation_id, \
                 success_measure, last_update_on, closed_on, signed_off_by, signed_off_at, impact_due_on, \
                 impact_reviewed_on) VALUES ",
                22,
            ),
            action_agency: Bulk::new(
                "action_agency",
                "INSERT INTO action_agency (action_id, partnership_id, agency_id) VALUES ",
                3,
            ),
            action_revision: Bulk::new(
                "action_revision",
                "INSERT INTO action_revision (id, partnership_id, action_id, from_on, to_on, reason, revised_by, revised_at) VALUES ",
                8,
            ),
            action_update: Bulk::new(
                "action_update",
                "INSERT INTO action_update (id, partnership_id, action_id, body, status_from, status_to, by_label, \
                 by_person_id, created_at) VALUES ",
                9,
            ),
            file_object: Bulk::new(
                "file_object",
                "INSERT INTO file_object (id, partnership_id, owner_kind, owner_id, name, content_type, size, sha256, \
                 storage_key, uploaded_by, created_at) VALUES ",
                11,
            ),
            action_evidence: Bulk::new(
                "action_evidence",
                "INSERT INTO action_evidence (id, partnership_id, action_id, update_id, file_id, created_at) VALUES ",
                6,
            ),
            impact_review: Bulk::new(
                "impact_review",
                "INSERT INTO impact_review (action_id, partnership_id, reviewed_on, sustained, made_difference, measure, \
                 notes, recorded_by, recorded_at) VALUES ",
                9,
            ),
        }
    }

    fn all(&mut self) -> [&mut Bulk; 33] {
        [
            &mut self.agency,
            &mut self.group,
            &mut self.person,
            &mut self.membership,
            &mut self.group_terms,
            &mut self.meeting,
            &mut self.agenda_item,
            &mut self.attendance,
            &mut self.decision,
            &mut self.escalation,
            &mut self.escalation_step,
            &mut self.case_review,
            &mut self.case_referral,
            &mut self.case_subject,
            &mut self.case_agency,
            &mut self.case_panel,
            &mut self.agency_summary,
            &mut self.rapid_review,
            &mut self.review_terms,
            &mut self.review_event,
            &mut self.review_publication,
            &mut self.finding,
            &mut self.recommendation,
            &mut self.recommendation_agency,
            &mut self.tagging,
            &mut self.action_plan,
            &mut self.action,
            &mut self.action_agency,
            &mut self.action_revision,
            &mut self.action_update,
            &mut self.file_object,
            &mut self.action_evidence,
            &mut self.impact_review,
        ]
    }
}

/// A small, valid PDF that says what it is.
fn evidence_document(place: &str) -> Vec<u8> {
    let text = format!("Synthetic evidence for {place} (generated)");
    let text: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || " .,-".contains(*c) || *c == '(' || *c == ')')
        .map(|c| if c == '(' || c == ')' { ' ' } else { c })
        .collect();
    let stream = format!("BT /F1 14 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

// ---- words ----

const PLACES: [&str; 50] = [
    "Ashworth",
    "Barrowmere",
    "Calderbrook",
    "Dunmore",
    "Eastleigh Vale",
    "Fernham",
    "Greyhaven",
    "Hollinsford",
    "Ivybridge Moor",
    "Kestrel Bay",
    "Larkhill",
    "Marshton",
    "Netherfield",
    "Oakenshaw",
    "Pendlebury Heath",
    "Queensbridge",
    "Ravensworth",
    "Stonebury",
    "Thornleigh",
    "Upperton",
    "Valebrook",
    "Westmarsh",
    "Yarrowdale",
    "Ambergate",
    "Bramblewick",
    "Coldharbour",
    "Deanfield",
    "Elmstead",
    "Foxcombe",
    "Glenholme",
    "Hartwell",
    "Ingleby Cross",
    "Juniper Vale",
    "Kingsmere",
    "Lowmoor",
    "Millbridge",
    "Northwold",
    "Ormsby",
    "Pinehurst",
    "Redcastle",
    "Saltmarsh",
    "Tidewell",
    "Underhill",
    "Wealdon",
    "Whitcombe",
    "Yewbank",
    "Ashcombe",
    "Brackenfield",
    "Cresswell",
    "Dovecote",
];

const FIRST: [&str; 60] = [
    "Amelia",
    "Oliver",
    "Isla",
    "George",
    "Ava",
    "Noah",
    "Mia",
    "Arthur",
    "Grace",
    "Leo",
    "Freya",
    "Harry",
    "Lily",
    "Oscar",
    "Evie",
    "Jack",
    "Sophia",
    "Charlie",
    "Ella",
    "Thomas",
    "Aisha",
    "Mohammed",
    "Priya",
    "Ravi",
    "Fatima",
    "Yusuf",
    "Zara",
    "Daniel",
    "Chloe",
    "Samuel",
    "Hannah",
    "Joseph",
    "Megan",
    "Adam",
    "Rachel",
    "David",
    "Sarah",
    "James",
    "Emma",
    "Michael",
    "Laura",
    "Peter",
    "Helen",
    "Paul",
    "Claire",
    "Mark",
    "Joanne",
    "Simon",
    "Nicola",
    "Andrew",
    "Kerry",
    "Tomasz",
    "Agnieszka",
    "Kwame",
    "Abena",
    "Chidi",
    "Ngozi",
    "Siobhan",
    "Declan",
    "Rhys",
];

const LAST: [&str; 60] = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Khan",
    "Ahmed",
    "Hussain",
    "Begum",
    "Singh",
    "Kaur",
    "Shah",
    "Lewis",
    "Harris",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Okafor",
];

const PRACTITIONER_TITLES: [&str; 15] = [
    "Social worker",
    "Senior social worker",
    "Health visitor",
    "School nurse",
    "Paediatric nurse",
    "Detective constable",
    "Designated safeguarding lead (school)",
    "Probation officer",
    "Youth justice worker",
    "Housing officer",
    "Family support worker",
    "Midwife",
    "GP safeguarding lead",
    "Mental health nurse",
    "Domestic abuse advocate",
];

const TOPICS: [&str; 24] = [
    "neglect",
    "domestic abuse",
    "child exploitation",
    "safer sleeping",
    "information sharing",
    "escalation between agencies",
    "the voice of the child",
    "professional curiosity",
    "missing from education",
    "parental mental health",
    "parental substance misuse",
    "non-mobile infants with bruising",
    "child protection conferences",
    "strategy discussions",
    "early help assessments",
    "the graded care profile",
    "transitions to adult services",
    "online harm",
    "children missing from home",
    "fathers and male carers",
    "elective home education",
    "disabled children",
    "self-harm in adolescents",
    "threshold decisions at the front door",
];

const ACTION_VERBS: [&str; 12] = [
    "Revise the multi-agency guidance on",
    "Deliver briefings to front-line staff on",
    "Audit a sample of cases for",
    "Add a session to the core training on",
    "Update the single-agency procedure on",
    "Publish a seven-minute briefing on",
    "Report to the subgroup on progress with",
    "Agree a shared recording standard for",
    "Run a practitioner workshop on",
    "Check supervision records for evidence of",
    "Embed a checklist in the case recording system for",
    "Review the pathway and referral form for",
];

const UPDATE_BODIES: [&str; 10] = [
    "Work has started; a task and finish group met and agreed the approach.",
    "Draft shared with agency leads for comment; feedback due by the end of the month.",
    "Briefings delivered to three teams; remaining teams booked for next month.",
    "Audit sample selected and reviewers allocated.",
    "Delay because of staff absence; a revised plan is agreed with the chair.",
    "Guidance approved by the subgroup and published on the partnership website.",
    "Training session added to the programme; first cohort completed the evaluation.",
    "Findings of the dip sample presented to the subgroup; two follow-up points noted.",
    "Progress discussed in supervision; evidence collected for sign-off.",
    "All steps complete; evidence of the change in practice attached to the record.",
];

const DECISIONS: [&str; 8] = [
    "The group approved the updated terms of reference.",
    "The group agreed the priorities for the coming year.",
    "The dashboard report was accepted with two points of challenge.",
    "The group agreed to commission a multi-agency audit.",
    "The learning briefing was approved for publication.",
    "The escalation was closed as resolved.",
    "The group agreed to extend the action plan deadline by three months.",
    "The training needs analysis was endorsed.",
];

const ITEMS: [&str; 10] = [
    "Performance dashboard",
    "Case review update",
    "Action plan progress",
    "Multi-agency audit findings",
    "Training programme evaluation",
    "Learning from national reviews",
    "Risk register",
    "Voice of children and families",
    "Section 11 self-assessment",
    "Budget and business plan",
];

const GROUP_TEXT: [(&str, &str, &str, i64, u32); 5] = [
    (
        "Leads the partnership: sets its priorities, holds agencies to account and signs off what the subgroups recommend.",
        "Agree the partnership's priorities\nReceive and challenge the subgroups' reports\nSign off case review decisions\nPublish the yearly report",
        "quarterly",
        180,
        3,
    ),
    (
        "Makes sure that what reviews, audits and inspections find is acted on by every agency, and checks that it made a difference.",
        "Oversee action plans\nCommission multi-agency audits\nShare learning\nReport on impact",
        "monthly",
        120,
        1,
    ),
    (
        "Plans and evaluates the multi-agency training programme.",
        "Agree the training needs assessment\nApprove the programme\nReview evaluations",
        "bi-monthly",
        120,
        2,
    ),
    (
        "Considers serious incidents, runs rapid reviews and recommends the level of review.",
        "Receive notifications\nCarry out rapid reviews\nRecommend the type of review\nOversee reviews to publication",
        "monthly",
        120,
        1,
    ),
    (
        "Reviews the deaths of children in the area to find what could be changed to prevent future deaths.",
        "Review every child death notified\nIdentify modifiable factors\nPublish a yearly report",
        "quarterly",
        180,
        3,
    ),
];

// ---- one partnership ----

struct Person {
    id: String,
    name: String,
}

struct Ctx {
    pid: String,
    today: NaiveDate,
    start: NaiveDate,
    agencies: Vec<String>,
    groups: Vec<String>,
    themes: Vec<String>,
    /// The agency lead of each agency.
    leads: Vec<Person>,
    /// Practitioners of each agency.
    staff: Vec<Vec<Person>>,
    chairs: Vec<Person>,
    manager: Person,
    independent: Person,
    t: Tables,
    /// The audit trail the records would have left, chained on when they are written.
    audit: Vec<Past>,
    /// The partnership's one stored evidence document (key, SHA-256, size), if files are kept.
    evidence: Option<(String, String, i64)>,
    tagged: HashSet<(usize, &'static str, String)>,
    case_seq: HashMap<i32, i64>,
    past_only: bool,
}

async fn partnership(
    db: &Db,
    o: &Options,
    index: u32,
    password_hash: &str,
) -> Result<(String, Counts), StoreError> {
    let mut rng = Rng::new(o.seed, u64::from(index) + 1);
    let who = Who::system(LABEL);
    let today = o.today;
    let start = today - Duration::days(365 * i64::from(o.years));
    let created = rng.at(start - Duration::days(30));
    let use_demo = o.demo && index == 0;
    let place = if use_demo {
        "Northbrook".to_owned()
    } else {
        let base = PLACES[index as usize % PLACES.len()];
        match index as usize / PLACES.len() {
            0 => base.to_owned(),
            1 => format!("North {base}"),
            2 => format!("South {base}"),
            n => format!("{base} {n}"),
        }
    };
    let (pid, slug) = if use_demo {
        let p = governance::partnership_by_slug(db, demo::SLUG)
            .await?
            .ok_or(StoreError::NotFound)?;
        (p.id, p.slug)
    } else {
        let slug = format!("gen-{:03}", index + 1);
        let mut tx = db.begin().await?;
        let p = governance::create_partnership(
            &mut tx,
            &who,
            &slug,
            &format!("{place} Safeguarding Children Partnership"),
        )
        .await?;
        tx.commit().await?;
        (p.id, slug)
    };
    let themes: Vec<(String,)> = db
        .fetch_all(
            query("SELECT id FROM theme WHERE partnership_id = ? AND status = 'active' ORDER BY lower(name)")
                .bind(&pid),
        )
        .await?;
    let mut t = Tables::new();

    // Agencies and groups: the demo's own, or new ones shaped like them.
    let (agencies, groups, with_terms) = if use_demo {
        let all = governance::all_agencies(db, &pid).await?;
        let agencies: Vec<String> = demo::AGENCIES
            .iter()
            .filter_map(|(n, _, _)| all.iter().find(|a| a.name == *n).map(|a| a.id.clone()))
            .collect();
        let gs = governance::groups(db, &pid).await?;
        let groups: Vec<String> = demo::GROUPS
            .iter()
            .filter_map(|(n, _, _)| gs.iter().find(|g| g.name == *n).map(|g| g.id.clone()))
            .collect();
        let have: Vec<(String,)> = db
            .fetch_all(
                query("SELECT DISTINCT group_id FROM group_terms WHERE partnership_id = ?")
                    .bind(&pid),
            )
            .await?;
        let with_terms: HashSet<String> = have.into_iter().map(|r| r.0).collect();
        (agencies, groups, with_terms)
    } else {
        let mut agencies = Vec::new();
        for (name, sector, statutory) in demo::AGENCIES {
            let id = rng.id();
            let name = name
                .replace("Northbrook", &place)
                .replace("Wyvern", "County");
            t.agency.push(row![
                id.as_str(),
                pid.as_str(),
                name,
                sector,
                statutory,
                true,
                created.as_str(),
                created.as_str()
            ]);
            agencies.push(id);
        }
        let mut groups: Vec<String> = Vec::new();
        for (name, kind, parent) in demo::GROUPS {
            let id = rng.id();
            let parent = parent.and_then(|i| groups.get(i)).cloned();
            t.group.push(row![
                id.as_str(),
                pid.as_str(),
                name,
                kind,
                parent,
                created.as_str(),
                created.as_str()
            ]);
            groups.push(id);
        }
        (agencies, groups, HashSet::new())
    };
    if agencies.len() < 4 || groups.len() < 5 {
        return Err(StoreError::Corrupt(format!(
            "{slug} does not have the agencies and groups the generator expects"
        )));
    }

    // People: about 400, each with a role.
    let domain = if use_demo {
        "northbrook.gen.example".to_owned()
    } else {
        format!("{slug}.gen.example")
    };
    let mut n_person = 0usize;
    let mut person = |t: &mut Tables,
                      rng: &mut Rng,
                      title: &str,
                      role: &str,
                      agency: Option<&str>,
                      group: Option<&str>| {
        n_person += 1;
        let first = *rng.pick(&FIRST);
        let last = *rng.pick(&LAST);
        let name = format!("{first} {last}");
        let email = format!(
            "{}.{}.{n_person}@{domain}",
            first.to_lowercase(),
            last.to_lowercase()
        );
        let id = rng.id();
        // One in twenty was invited and has not yet set a password.
        let signed_up = !rng.chance(0.05);
        t.person.push(row![
            id.as_str(),
            email,
            name.as_str(),
            title,
            signed_up.then(|| password_hash.to_owned()),
            signed_up.then(|| created.clone()),
            true,
            created.as_str(),
            created.as_str()
        ]);
        let mid = rng.id();
        t.membership.push(row![
            mid,
            id.as_str(),
            pid.as_str(),
            role,
            agency.map(str::to_owned),
            group.map(str::to_owned),
            created.as_str()
        ]);
        Person { id, name }
    };
    let manager = person(
        &mut t,
        &mut rng,
        "Partnership business manager",
        "business-team",
        None,
        None,
    );
    for title in [
        "Business support officer",
        "Learning and improvement officer",
        "Quality assurance officer",
    ] {
        person(&mut t, &mut rng, title, "business-team", None, None);
    }
    let independent = person(
        &mut t,
        &mut rng,
        "Independent chair and scrutineer",
        "independent-chair",
        None,
        None,
    );
    // The independent chair also chairs the executive.
    t.membership.push(row![
        rng.id(),
        independent.id.as_str(),
        pid.as_str(),
        "group-chair",
        NONE,
        groups[0].as_str(),
        created.as_str()
    ]);
    let mut chairs = vec![Person {
        id: independent.id.clone(),
        name: independent.name.clone(),
    }];
    for (i, g) in groups.iter().enumerate().skip(1) {
        let title = format!("Chair, {}", demo::GROUPS[i].0);
        chairs.push(person(
            &mut t,
            &mut rng,
            &title,
            "group-chair",
            None,
            Some(g.as_str()),
        ));
    }
    let mut leads = Vec::new();
    for a in &agencies {
        leads.push(person(
            &mut t,
            &mut rng,
            "Designated safeguarding lead",
            "agency-lead",
            Some(a.as_str()),
            None,
        ));
    }
    for _ in 0..3 {
        person(
            &mut t,
            &mut rng,
            "Multi-agency trainer",
            "trainer",
            None,
            None,
        );
    }
    for _ in 0..5 {
        let a = rng.pick(&agencies).clone();
        person(
            &mut t,
            &mut rng,
            "Quality assurance lead",
            "auditor",
            Some(a.as_str()),
            None,
        );
    }
    person(
        &mut t,
        &mut rng,
        "System administrator",
        "system-admin",
        None,
        None,
    );
    let mut staff: Vec<Vec<Person>> = agencies.iter().map(|_| Vec::new()).collect();
    let people = 400 - (t.person.rows() as usize).min(400);
    for _ in 0..people {
        // The statutory partners employ most practitioners.
        let ai = if rng.chance(0.5) {
            rng.below(3)
        } else {
            rng.below(agencies.len())
        };
        let title = *rng.pick(&PRACTITIONER_TITLES);
        let p = person(
            &mut t,
            &mut rng,
            title,
            "practitioner",
            Some(&agencies[ai]),
            None,
        );
        staff[ai].push(p);
    }

    // Evidence: one real document per partnership in the file store, which every generated
    // evidence record points to, so that each downloads.
    let evidence = match &o.files {
        Some(files) => {
            let key = format!("{pid}/generated-evidence");
            let bytes = evidence_document(&place);
            let sha = {
                use sha2::{Digest, Sha256};
                hex::encode(Sha256::digest(&bytes))
            };
            let size = bytes.len() as i64;
            files.put(&key, bytes::Bytes::from(bytes)).await?;
            Some((key, sha, size))
        }
        None => None,
    };
    let mut c = Ctx {
        pid: pid.clone(),
        today,
        start,
        agencies,
        groups,
        themes: themes.into_iter().map(|r| r.0).collect(),
        leads,
        staff,
        chairs,
        manager,
        independent,
        t,
        audit: Vec::new(),
        evidence,
        tagged: HashSet::new(),
        case_seq: HashMap::new(),
        past_only: use_demo,
    };
    c.terms(&mut rng, &with_terms, o.years);
    c.meetings(&mut rng);
    for y in 0..o.years {
        let from = start + Duration::days(365 * i64::from(y));
        let to = (from + Duration::days(364)).min(today);
        c.escalations(&mut rng, from, to);
        c.cases(&mut rng, from, to);
    }

    let mut counts = Counts::new();
    let mut tx = db.begin().await?;
    for b in c.t.all() {
        let n = b.rows();
        if n > 0 {
            *counts.entry(b.table).or_default() += n;
            b.flush(&mut tx).await?;
        }
    }
    // The trail those records would have left, in the order it happened, chained on.
    c.audit.sort_by(|a, b| a.at.cmp(&b.at));
    let mut trail = Bulk::new(
        "audit_event",
        "INSERT INTO audit_event (seq, at, actor_id, actor_label, partnership_id, action, target_kind, \
         target_id, summary, before_json, after_json, request_id, prev_hash, hash) VALUES ",
        14,
    );
    for r in audit::chain_past(&mut tx, &pid, std::mem::take(&mut c.audit)).await? {
        trail.push(row![
            r.seq,
            r.at,
            r.actor_id,
            r.actor_label,
            r.partnership_id,
            r.action,
            r.target_kind,
            r.target_id,
            r.summary,
            r.before_json,
            r.after_json,
            r.request_id,
            r.prev_hash,
            r.hash
        ]);
    }
    if trail.rows() > 0 {
        *counts.entry(trail.table).or_default() += trail.rows();
        trail.flush(&mut tx).await?;
    }
    let rows: u64 = counts.values().sum();
    audit::append(
        &mut tx,
        &Who {
            partnership_id: Some(pid.clone()),
            ..who
        },
        Event::new("generate", "partnership", Some(&pid))
            .summary(format!(
                "Generated {rows} rows of synthetic data ({} years, seed {})",
                o.years, o.seed
            ))
            .after(&counts),
    )
    .await?;
    tx.commit().await?;
    Ok((slug, counts))
}

/// Where a case is and the dates it got there.
struct Case {
    id: String,
    /// When its recommendations were made, if it has reached that point.
    recs_on: Option<NaiveDate>,
    weight: usize,
    agencies: Vec<usize>,
    recs: i64,
}

impl Ctx {
    fn who_of(&self, agency: usize) -> &Person {
        &self.leads[agency]
    }

    fn tag(&mut self, theme: usize, kind: &'static str, target: &str, at: &str) {
        if self.tagged.insert((theme, kind, target.to_owned())) {
            let Some(tid) = self.themes.get(theme) else {
                return;
            };
            self.t
                .tagging
                .push(row![self.pid.as_str(), tid.as_str(), kind, target, at]);
        }
    }

    fn terms(&mut self, rng: &mut Rng, existing: &HashSet<String>, years: u32) {
        let core = serde_json::to_string(&self.agencies[..3]).unwrap_or_default();
        let invited = serde_json::to_string(&self.agencies[3..7.min(self.agencies.len())])
            .unwrap_or_default();
        for (i, g) in self.groups.clone().iter().enumerate() {
            if existing.contains(g) {
                continue;
            }
            let (purpose, functions, freq, minutes, _) = GROUP_TEXT[i];
            // A new version every three years or so.
            let versions = 1 + years / 3;
            for v in 0..versions {
                let agreed = self.start + Duration::days(i64::from(v) * 3 * 365 + rng.range(0, 60));
                if agreed > self.today {
                    break;
                }
                let at = rng.at(agreed);
                let chair = self.chairs[i].id.clone();
                self.t.group_terms.push(row![
                    rng.id(),
                    self.pid.as_str(),
                    g.as_str(),
                    i64::from(v) + 1,
                    purpose,
                    "",
                    functions,
                    core.as_str(),
                    invited.as_str(),
                    Some(chair),
                    "The lead safeguarding partners",
                    NONE,
                    "",
                    freq,
                    minutes,
                    "A report to the executive each quarter",
                    "Partnership business team",
                    ymd(agreed),
                    ymd(agreed + Duration::days(3 * 365)),
                    LABEL,
                    at
                ]);
            }
        }
    }

    fn meetings(&mut self, rng: &mut Rng) {
        let end = if self.past_only {
            self.today
        } else {
            self.today + Duration::days(92)
        };
        let weekdays = [
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Tue,
            Weekday::Fri,
        ];
        let mut dates: Vec<(usize, NaiveDate)> = Vec::new();
        let (mut y, mut m) = (self.start.year(), self.start.month());
        let mut k = 0u32;
        loop {
            for (g, wd) in weekdays.iter().enumerate() {
                let every = GROUP_TEXT[g].4;
                if (k + g as u32).is_multiple_of(every)
                    && let Some(d) = nth_weekday(y, m, *wd, if g == 3 { 3 } else { 2 })
                    && d >= self.start
                    && d <= end
                {
                    dates.push((g, d));
                }
            }
            // An extraordinary meeting of the serious incident group now and then.
            if k.is_multiple_of(6) {
                let d = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(self.start)
                    + Duration::days(rng.range(0, 27));
                if d >= self.start && d <= end {
                    dates.push((3, d));
                }
            }
            k += 1;
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            if NaiveDate::from_ymd_opt(y, m, 1).is_none_or(|d| d > end) {
                break;
            }
        }
        for (g, d) in dates {
            self.meeting(rng, g, d);
        }
    }

    fn meeting(&mut self, rng: &mut Rng, g: usize, d: NaiveDate) {
        let id = rng.id();
        let past = d < self.today;
        let cancelled = rng.chance(if past { 0.03 } else { 0.02 });
        let issued = !cancelled && d - Duration::days(7) <= self.today;
        let lead_in = rng.range(30, 120);
        let created = rng.at(d - Duration::days(lead_in));
        let issued_at = issued.then(|| rng.at(d - Duration::days(7)));
        let hour = if rng.chance(0.7) { "10:00" } else { "14:00" };
        let place = *rng.pick(&[
            "Civic Centre, committee room 2",
            "Police headquarters, conference suite",
            "Online",
            "Town hall, council chamber",
        ]);
        let link = if place == "Online" {
            "https://meet.example.org/partnership"
        } else {
            ""
        };
        let manager = (self.manager.id.clone(), self.manager.name.clone());
        self.trail(
            &created,
            (&manager.0, &manager.1),
            ("meeting.create", "meeting", &id),
            format!("Scheduled a meeting on {}", ymd(d)),
        );
        self.t.meeting.push(row![
            id.as_str(),
            self.pid.as_str(),
            self.groups[g].as_str(),
            format!("{}T{hour}", ymd(d)),
            GROUP_TEXT[g].3,
            place,
            link,
            if cancelled { "cancelled" } else { "scheduled" },
            issued_at.clone(),
            0i64,
            created.as_str(),
            created.as_str()
        ]);
        if cancelled {
            return;
        }
        let at = issued_at.unwrap_or_else(|| created.clone());
        let mut items: Vec<(&str, String)> = vec![
            (
                "standing",
                "Welcome, introductions and apologies".to_owned(),
            ),
            (
                "standing",
                "Minutes of the last meeting and matters arising".to_owned(),
            ),
        ];
        if issued || rng.chance(0.5) {
            for _ in 0..rng.range(1, 4) {
                items.push(("added", (*rng.pick(&ITEMS)).to_owned()));
            }
        }
        items.push(("standing", "Any other business".to_owned()));
        for (pos, (kind, title)) in items.into_iter().enumerate() {
            let minutes = if past {
                format!(
                    "{title} was discussed. {}",
                    rng.pick(&[
                        "The group noted the report.",
                        "Members challenged the pace of progress; an update is due next time.",
                        "No matters arising.",
                        "Agencies agreed to share the report with their teams.",
                    ])
                )
            } else {
                String::new()
            };
            self.t.agenda_item.push(row![
                rng.id(),
                self.pid.as_str(),
                id.as_str(),
                pos as i64 + 1,
                kind,
                title,
                "",
                "",
                minutes,
                at.as_str()
            ]);
        }
        if !past {
            return;
        }
        // Attendance: the statutory partners and some others, through their agency leads.
        let mut who: Vec<usize> = vec![0, 1, 2];
        for _ in 0..rng.range(3, 6) {
            let a = 3 + rng.below(self.agencies.len() - 3);
            if !who.contains(&a) {
                who.push(a);
            }
        }
        let after = rng.at(d);
        for a in who {
            let lead = &self.leads[a];
            let roll = rng.below(100);
            let (status, name, person, deputising) = if roll < 78 {
                ("present", lead.name.clone(), Some(lead.id.clone()), "")
            } else if roll < 86 && !self.staff[a].is_empty() {
                let s = &self.staff[a][rng.below(self.staff[a].len())];
                (
                    "deputy",
                    s.name.clone(),
                    Some(s.id.clone()),
                    lead.name.as_str(),
                )
            } else if roll < 96 {
                ("apologies", lead.name.clone(), Some(lead.id.clone()), "")
            } else {
                ("absent", lead.name.clone(), Some(lead.id.clone()), "")
            };
            self.t.attendance.push(row![
                rng.id(),
                self.pid.as_str(),
                id.as_str(),
                name,
                person,
                self.agencies[a].as_str(),
                status,
                deputising,
                after.as_str()
            ]);
        }
        for n in 1..=rng.range(0, 3) {
            self.t.decision.push(row![
                rng.id(),
                self.pid.as_str(),
                id.as_str(),
                n,
                *rng.pick(&DECISIONS),
                after.as_str()
            ]);
        }
        // Meeting actions.
        let n = rng.range(5, 10);
        if n > 0 {
            self.t.action_plan.push(row![
                self.pid.as_str(),
                "meeting",
                id.as_str(),
                Some(self.groups[g].clone()),
                6i64,
                after.as_str()
            ]);
        }
        let gid = self.groups[g].clone();
        for _ in 0..n {
            let a = rng.below(self.agencies.len());
            let desc = format!("{} {}", rng.pick(&ACTION_VERBS), rng.pick(&TOPICS));
            let due = d + Duration::days(rng.range(14, 120));
            self.action(rng, ("meeting", &id, &gid), desc, a, (d, due), None);
        }
    }

    /// Notes what the trail would say about a record.
    fn trail(
        &mut self,
        at: &str,
        by: (&str, &str),
        (action, kind, id): (&'static str, &'static str, &str),
        summary: String,
    ) {
        self.audit.push(Past {
            at: at.to_owned(),
            actor_id: Some(by.0.to_owned()),
            actor_label: by.1.to_owned(),
            action,
            target_kind: kind,
            target_id: Some(id.to_owned()),
            summary,
        });
    }

    /// One action with its updates, revisions, supporting agencies and impact review.
    fn action(
        &mut self,
        rng: &mut Rng,
        (kind, source, group): (&'static str, &str, &str),
        description: String,
        agency: usize,
        (created_on, due): (NaiveDate, NaiveDate),
        rec: Option<&str>,
    ) {
        let id = rng.id();
        let today = self.today;
        let owner_id = self.who_of(agency).id.clone();
        let owner_name = self.who_of(agency).name.clone();
        let age_due = (today - due).num_days();
        let roll = rng.below(100);
        let status = if created_on + Duration::days(14) > today {
            "not-started"
        } else if age_due < 0 {
            match roll {
                0..15 => "not-started",
                15..85 => "in-progress",
                85..93 => "completed",
                _ => "closed-evidenced",
            }
        } else if age_due > 180 {
            match roll {
                0..78 => "closed-evidenced",
                78..88 => "closed-not-achieved",
                88..95 => "in-progress",
                _ => "completed",
            }
        } else {
            match roll {
                0..5 => "not-started",
                5..30 => "in-progress",
                30..55 => "completed",
                55..92 => "closed-evidenced",
                _ => "closed-not-achieved",
            }
        };
        let closed = matches!(status, "closed-evidenced" | "closed-not-achieved");
        let closed_on = closed.then(|| {
            let d = due + Duration::days(rng.range(-45, 45));
            d.clamp(created_on + Duration::days(14), today)
        });
        let last = closed_on.unwrap_or(today);
        // Progress updates between creation and closure (or today).
        let n = match status {
            "not-started" => 0,
            "in-progress" => rng.range(1, 5),
            _ => rng.range(2, 7),
        };
        let span = (last - created_on).num_days().max(1);
        let mut days: Vec<i64> = (0..n).map(|_| rng.range(1, span)).collect();
        days.sort_unstable();
        let final_to = match status {
            "completed" | "closed-evidenced" => "completed",
            s => s,
        };
        let mut from = "not-started";
        let mut last_update = None;
        for (i, off) in days.iter().enumerate() {
            let to = if i + 1 == days.len() {
                final_to
            } else {
                "in-progress"
            };
            let on = created_on + Duration::days(*off);
            let body = if to == "completed" {
                UPDATE_BODIES[9]
            } else {
                *rng.pick(&UPDATE_BODIES[..9])
            };
            let at = rng.at(on);
            self.trail(
                &at,
                (&owner_id, &owner_name),
                ("action.update", "action", &id),
                format!("Posted a progress update ({to})"),
            );
            let update_id = rng.id();
            if to == "completed"
                && let Some((key, sha, size)) = &self.evidence
            {
                let file_id = rng.id();
                self.t.file_object.push(row![
                    file_id.as_str(),
                    self.pid.as_str(),
                    "action_update",
                    update_id.as_str(),
                    "Evidence of the change.pdf",
                    "application/pdf",
                    *size,
                    sha.as_str(),
                    key.as_str(),
                    owner_name.as_str(),
                    at.as_str()
                ]);
                self.t.action_evidence.push(row![
                    rng.id(),
                    self.pid.as_str(),
                    id.as_str(),
                    update_id.as_str(),
                    file_id,
                    at.as_str()
                ]);
            }
            self.t.action_update.push(row![
                update_id,
                self.pid.as_str(),
                id.as_str(),
                body,
                from,
                to,
                owner_name.as_str(),
                Some(owner_id.clone()),
                at
            ]);
            from = to;
            last_update = Some(on);
        }
        let signed = status == "closed-evidenced";
        let impact_due = if signed {
            closed_on.map(|d| d + Duration::days(182))
        } else {
            None
        };
        let reason = if status == "closed-not-achieved" {
            "The service was recommissioned and the action no longer applies; the learning is carried into the new contract."
        } else {
            ""
        };
        let created = rng.at(created_on);
        let updated = rng.at(last_update.or(closed_on).unwrap_or(created_on));
        let chair = self.chairs[1].name.clone();
        let signed_at = if signed {
            closed_on.map(|d| rng.at(d))
        } else {
            None
        };
        let manager = (self.manager.id.clone(), self.manager.name.clone());
        self.trail(
            &created,
            (&manager.0, &manager.1),
            ("action.create", "action", &id),
            format!("Added an action due {}", ymd(due)),
        );
        if let Some(at) = &signed_at {
            let chair_id = self.chairs[1].id.clone();
            self.trail(
                at,
                (&chair_id, &chair),
                ("action.sign-off", "action", &id),
                "Signed the action off as closed".to_owned(),
            );
        }
        // One action in ten had its due date moved once.
        let mut due_on = due;
        if rng.chance(0.1) {
            let moved = due + Duration::days(rng.range(30, 120));
            self.t.action_revision.push(row![
                rng.id(),
                self.pid.as_str(),
                id.as_str(),
                ymd(due),
                ymd(moved),
                "Waiting for the new case recording system to go live.",
                owner_name.as_str(),
                rng.at(due.min(today))
            ]);
            due_on = moved;
        }
        let mut impact_reviewed = None;
        // Impact reviews are mostly done within a season of falling due; a few slip.
        if let Some(d) = impact_due
            && d <= today
            && rng.chance(if (today - d).num_days() > 90 {
                0.97
            } else {
                0.5
            })
        {
            let on = (d + Duration::days(rng.range(0, 30))).min(today);
            let chair_id = self.chairs[1].id.clone();
            self.trail(
                &format!("{}T16:00:00.000000Z", ymd(on)),
                (&chair_id, &chair),
                ("action.impact", "action", &id),
                "Recorded the impact review".to_owned(),
            );
            self.t.impact_review.push(row![
                id.as_str(),
                self.pid.as_str(),
                ymd(on),
                rng.chance(0.8),
                rng.chance(0.75),
                "Re-audit of a sample of cases six months on.",
                "The change is visible in most records; one agency needs a reminder.",
                chair.as_str(),
                rng.at(on)
            ]);
            impact_reviewed = Some(on);
        }
        self.t.action.push(row![
            id.as_str(),
            self.pid.as_str(),
            kind,
            source,
            Some(group.to_owned()),
            description,
            Some(self.agencies[agency].clone()),
            Some(owner_id),
            ymd(due_on),
            status,
            reason,
            self.manager.name.as_str(),
            created,
            updated,
            rec.map(str::to_owned),
            if rec.is_some() {
                "Audit shows the change in at least 80% of cases sampled."
            } else {
                ""
            },
            last_update.map(ymd),
            closed_on.map(ymd),
            signed.then(|| chair.clone()),
            signed_at,
            impact_due.map(ymd),
            impact_reviewed.map(ymd)
        ]);
        if rng.chance(0.3) {
            let mut others: Vec<usize> = Vec::new();
            for _ in 0..rng.range(1, 2) {
                let o = rng.below(self.agencies.len());
                if o != agency && !others.contains(&o) {
                    others.push(o);
                }
            }
            for o in others {
                self.t.action_agency.push(row![
                    id.as_str(),
                    self.pid.as_str(),
                    self.agencies[o].as_str()
                ]);
            }
        }
    }

    fn escalations(&mut self, rng: &mut Rng, from: NaiveDate, to: NaiveDate) {
        for _ in 0..2 {
            let g = rng.range(1, 4) as usize;
            let raised = rng.day(from, to);
            let age = (self.today - raised).num_days();
            let id = rng.id();
            let via_board = rng.chance(0.35);
            let mut steps = vec![("to-chair", raised, "Raised with the independent chair.")];
            if via_board && age > 30 {
                steps.push((
                    "to-board",
                    raised + Duration::days(rng.range(14, 30)),
                    "Taken to the executive for a decision.",
                ));
            }
            if age > 120 {
                steps.push((
                    "resolved",
                    raised + Duration::days(rng.range(40, 110)),
                    "Agreed a way forward; the agencies confirmed the change.",
                ));
            }
            let stage = match steps.last().map(|s| s.0) {
                Some("resolved") => "resolved",
                Some("to-board") => "board",
                _ => "chair",
            };
            let created = rng.at(raised);
            self.t.escalation.push(row![
                id.as_str(),
                self.pid.as_str(),
                self.groups[g].as_str(),
                NONE,
                format!("Delays in {}", rng.pick(&TOPICS)),
                "Agencies have not agreed how to proceed and the subgroup cannot resolve it.",
                stage,
                ymd(raised),
                self.chairs[g].name.as_str(),
                created.as_str(),
                created.as_str()
            ]);
            for (step, on, note) in steps {
                self.t.escalation_step.push(row![
                    rng.id(),
                    self.pid.as_str(),
                    id.as_str(),
                    step,
                    ymd(on),
                    note,
                    self.chairs[g].name.as_str(),
                    rng.at(on)
                ]);
            }
        }
    }

    /// About twelve cases a year, each at the stage its age puts it, with their records;
    /// then about sixty recommendations from the cases that reached them, and their actions.
    fn cases(&mut self, rng: &mut Rng, from: NaiveDate, to: NaiveDate) {
        let n = rng.range(10, 14);
        let mut aware: Vec<NaiveDate> = (0..n).map(|_| rng.day(from, to)).collect();
        aware.sort_unstable();
        let mut cases: Vec<Case> = Vec::new();
        for a in aware {
            cases.push(self.case(rng, a));
        }
        let total: usize = cases
            .iter()
            .filter(|c| c.recs_on.is_some())
            .map(|c| c.weight)
            .sum();
        if total == 0 {
            return;
        }
        for _ in 0..rng.range(50, 70) {
            let mut w = rng.below(total);
            let Some(i) = cases.iter().position(|c| {
                if c.recs_on.is_none() {
                    return false;
                }
                if w < c.weight {
                    return true;
                }
                w -= c.weight;
                false
            }) else {
                continue;
            };
            self.recommendation(rng, &mut cases[i]);
        }
    }

    fn case(&mut self, rng: &mut Rng, aware: NaiveDate) -> Case {
        let today = self.today;
        let id = rng.id();
        let year = aware.year();
        let seq = self.case_seq.entry(year).or_insert(0);
        *seq += 1;
        let reference = format!("{year}-{:03}", *seq);
        let roll = rng.below(100);
        let (category, origin) = match roll {
            0..70 => ("death-or-serious-harm", "notification"),
            70..80 => ("looked-after-child-death", "notification"),
            80..85 => ("care-leaver-death", "notification"),
            85..95 => ("referral", "referral"),
            _ => ("recorded", "recorded"),
        };
        let notified = (origin == "notification")
            .then(|| (aware + Duration::days(rng.range(1, 5))).min(today));
        let mut stage = "notified";
        let mut decided: Option<NaiveDate> = None;
        let mut review_type: Option<&str> = None;
        let mut rr_sent = None;
        let mut recs_on = None;
        let mut weight = 1;
        let mut reviewer: Option<String> = None;
        let mut publication: Option<&str> = None;
        let mut published: Option<NaiveDate> = None;
        let mut planned: Option<NaiveDate> = None;
        let mut report_sent: Option<NaiveDate> = None;
        let created = rng.at(aware);

        // Agencies involved: the statutory partners and some others.
        let mut agencies = vec![0, 1, 2];
        for _ in 0..rng.range(1, 4) {
            let a = 3 + rng.below(self.agencies.len() - 3);
            if !agencies.contains(&a) {
                agencies.push(a);
            }
        }

        match category {
            "referral" => {
                stage = if (today - aware).num_days() > 45 {
                    "closed"
                } else {
                    "referred"
                };
                let a = 3 + rng.below(self.agencies.len() - 3);
                let lead = &self.leads[a];
                self.t.case_referral.push(row![
                    id.as_str(),
                    self.pid.as_str(),
                    "agency",
                    lead.name.as_str(),
                    "Concerns about how agencies worked together before the incident.",
                    "Does this case meet the criteria for a local child safeguarding practice review?",
                    self.manager.name.as_str(),
                    Some(lead.id.clone()),
                    created.as_str()
                ]);
            }
            "care-leaver-death" => {
                stage = if (today - aware).num_days() > 60 {
                    "closed"
                } else {
                    "notified"
                };
            }
            _ => {
                // Decided: after a rapid review, or recorded directly.
                let d = if origin == "recorded" {
                    review_type = Some(*rng.pick(&[
                        "dhr",
                        "management-review",
                        "other-partnership",
                        "national",
                    ]));
                    Some(aware + Duration::days(rng.range(0, 30)))
                } else {
                    let n = notified.unwrap_or(aware);
                    let recorded = n + Duration::days(rng.range(10, 15));
                    let dd = n + Duration::days(rng.range(16, 24));
                    let decision = match rng.below(100) {
                        0..35 => "lcspr",
                        35..45 => "local-learning-review",
                        45..50 => "single-agency-review",
                        _ => "no-further-review",
                    };
                    if recorded <= today {
                        let signed = dd <= today;
                        let sent = signed.then(|| dd + Duration::days(rng.range(1, 3)));
                        let response = sent.filter(|s| *s + Duration::days(20) <= today);
                        rr_sent = sent.filter(|s| *s <= today);
                        self.t.rapid_review.push(row![
                            id.as_str(),
                            self.pid.as_str(),
                            "A chronology of agency contact in the year before the incident was compiled from the agencies' summaries.",
                            "Siblings are safe: a strategy discussion was held and a child protection plan is in place.",
                            self.leads[0].name.as_str(),
                            "Information about the family's move between areas was not shared in time.",
                            decision,
                            "The criteria for a local review are met: there is learning about how agencies worked together.",
                            self.manager.name.as_str(),
                            rng.at(recorded),
                            signed.then(|| self.independent.name.clone()),
                            signed.then(|| ymd(dd)),
                            rr_sent.map(ymd),
                            response.map(|_| "agree".to_owned()),
                            response.map(|r| ymd(r + Duration::days(20)))
                        ]);
                    }
                    // Each agency was asked for its summary.
                    for a in &agencies {
                        let due = n + Duration::days(10);
                        let done = due <= today || rng.chance(0.4);
                        let at = rng.at(n + Duration::days(1));
                        let back = rng.range(3, 10);
                        let sub = done.then(|| rng.at((n + Duration::days(back)).min(today)));
                        self.t.agency_summary.push(row![
                            rng.id(),
                            self.pid.as_str(),
                            id.as_str(),
                            self.agencies[*a].as_str(),
                            ymd(due),
                            at,
                            if done { "Contact with the family from the first referral to the incident, in date order." } else { "" },
                            if done { "What went well, what could have been better, and why." } else { "" },
                            done.then(|| self.leads[*a].name.clone()),
                            sub,
                            "rapid-review"
                        ]);
                    }
                    if dd <= today {
                        review_type = match decision {
                            "lcspr" => Some("lcspr"),
                            "local-learning-review" => Some("local-learning-review"),
                            "single-agency-review" => Some("single-agency-review"),
                            _ => None,
                        };
                        Some(dd)
                    } else {
                        stage = "rapid-review";
                        None
                    }
                };
                if let Some(d) = d {
                    decided = Some(d);
                    stage = "decided";
                    match review_type {
                        None | Some("other-partnership" | "national") => {
                            // No review of ours: its learning is recorded and the case closes.
                            let closes = d + Duration::days(rng.range(30, 90));
                            if closes <= today {
                                stage = "closed";
                                recs_on = Some(closes);
                            }
                        }
                        Some(kind) => {
                            let terms = d + Duration::days(rng.range(30, 60));
                            let draft = d + Duration::days(rng.range(150, 220));
                            let fin = d + Duration::days(rng.range(240, 330));
                            let pubd = fin + Duration::days(rng.range(20, 60));
                            let closes = pubd + Duration::days(rng.range(30, 120));
                            if terms <= today {
                                stage = "in-review";
                                let name = format!("{} {}", rng.pick(&FIRST), rng.pick(&LAST));
                                reviewer = Some(name.clone());
                                self.t.review_terms.push(row![
                                    id.as_str(),
                                    self.pid.as_str(),
                                    ymd(aware - Duration::days(365)),
                                    ymd(aware),
                                    "How did agencies share information?\nWas the voice of the child heard?\nWere escalation routes used?",
                                    *rng.pick(&["systems", "appreciative-inquiry", "thematic", "hybrid"]),
                                    "A proportionate review focused on the year before the incident.",
                                    name,
                                    "Independent of every agency involved.",
                                    "Experienced in systems reviews of this kind.",
                                    "The family were invited to contribute and met the reviewer.",
                                    ymd(terms),
                                    self.manager.name.as_str(),
                                    rng.at(terms)
                                ]);
                                let ev = terms + Duration::days(rng.range(30, 90));
                                if ev <= today {
                                    self.t.review_event.push(row![
                                        rng.id(),
                                        self.pid.as_str(),
                                        id.as_str(),
                                        ymd(ev),
                                        "Practitioner learning event",
                                        rng.range(8, 30),
                                        "Practitioners described the pressures on them at the time.",
                                        self.manager.name.as_str(),
                                        rng.at(ev)
                                    ]);
                                }
                                for a in &agencies {
                                    let due = terms + Duration::days(60);
                                    let done = due <= today;
                                    let at = rng.at(terms);
                                    let early = rng.range(0, 10);
                                    let sub = done.then(|| rng.at(due - Duration::days(early)));
                                    self.t.agency_summary.push(row![
                                        rng.id(),
                                        self.pid.as_str(),
                                        id.as_str(),
                                        self.agencies[*a].as_str(),
                                        ymd(due),
                                        at,
                                        if done { "A full chronology of the agency's involvement." } else { "" },
                                        if done { "The agency's analysis of its practice and its own learning." } else { "" },
                                        done.then(|| self.leads[*a].name.clone()),
                                        sub,
                                        "review"
                                    ]);
                                }
                            }
                            if draft <= today {
                                stage = "draft-report";
                                recs_on = Some(draft);
                                weight = 4;
                            }
                            if fin <= today {
                                stage = "final-report";
                                recs_on = Some(fin);
                                for num in 1..=rng.range(3, 6) {
                                    let fid = rng.id();
                                    let at = rng.at(fin);
                                    self.t.finding.push(row![
                                        fid.as_str(),
                                        self.pid.as_str(),
                                        id.as_str(),
                                        num,
                                        format!("Practice in relation to {} was not consistent across agencies.", rng.pick(&TOPICS)),
                                        self.manager.name.as_str(),
                                        at.as_str()
                                    ]);
                                    let th = rng.below(self.themes.len());
                                    self.tag(th, "finding", &fid, &at);
                                    self.tag(th, "case_review", &id, &at);
                                }
                            }
                            if pubd <= today {
                                stage = "publication-decided";
                                let statutory = kind == "lcspr";
                                let decision = if statutory {
                                    if rng.chance(0.7) {
                                        "publish"
                                    } else {
                                        "publish-redacted"
                                    }
                                } else if rng.chance(0.8) {
                                    "do-not-publish"
                                } else {
                                    "publish"
                                };
                                publication = Some(decision);
                                report_sent =
                                    statutory.then(|| fin + Duration::days(rng.range(3, 7)));
                                planned = (decision != "do-not-publish")
                                    .then(|| fin + Duration::days(rng.range(90, 170)));
                                if closes <= today {
                                    stage = "closed";
                                    published = planned.filter(|p| *p <= today);
                                }
                                self.t.review_publication.push(row![
                                    id.as_str(),
                                    self.pid.as_str(),
                                    decision,
                                    "The public interest in the learning outweighs the risk of identifying the family.",
                                    "The surviving siblings' welfare was considered with their social worker.",
                                    "None known.",
                                    "Criminal proceedings have concluded.",
                                    ymd(pubd),
                                    report_sent.map(ymd),
                                    planned.map(ymd),
                                    published.map(ymd),
                                    if published.is_some() { "https://partnership.example.org/reviews" } else { "" },
                                    self.manager.name.as_str(),
                                    rng.at(pubd)
                                ]);
                            }
                        }
                    }
                }
            }
        }

        let summary = format!(
            "A child aged {} {}. {} agencies had contact with the family.",
            rng.range(0, 17),
            rng.pick(&[
                "was admitted to hospital with serious injuries",
                "died unexpectedly at home",
                "was found to have suffered long-term neglect",
                "was seriously harmed by a parent's partner",
                "was exploited by adults outside the home",
            ]),
            agencies.len()
        );
        let panel_ref = match notified {
            Some(n) => format!("CSPRP-{}-{:05}", n.year(), rng.range(1, 99_999)),
            None => String::new(),
        };
        let updated = rng.at(published.or(decided).unwrap_or(aware).min(today));
        let manager = (self.manager.id.clone(), self.manager.name.clone());
        self.trail(
            &created,
            (&manager.0, &manager.1),
            ("case.create", "case_review", &id),
            format!("Recorded case {reference}"),
        );
        self.t.case_review.push(row![
            id.as_str(),
            self.pid.as_str(),
            reference,
            origin,
            category,
            stage,
            ymd(aware),
            notified.map(ymd),
            panel_ref,
            summary,
            Some(self.groups[3].clone()),
            true,
            self.manager.name.as_str(),
            created.as_str(),
            updated,
            rr_sent.map(ymd),
            review_type.map(str::to_owned),
            decided.map(ymd),
            reviewer,
            publication.map(str::to_owned),
            published.map(ymd),
            planned.map(ymd),
            report_sent.map(ymd)
        ]);
        let children = match rng.below(100) {
            0..80 => 1,
            80..95 => 2,
            _ => 3,
        };
        for k in 0..children {
            let pseudonym = if k == 0 {
                "Child A".to_owned()
            } else {
                format!("Sibling {}", ['B', 'C', 'D'][k - 1])
            };
            let real = format!("{} {}", rng.pick(&FIRST), rng.pick(&LAST));
            self.t.case_subject.push(row![
                rng.id(),
                self.pid.as_str(),
                id.as_str(),
                pseudonym,
                real,
                created.as_str()
            ]);
        }
        for a in &agencies {
            self.t.case_agency.push(row![
                self.pid.as_str(),
                id.as_str(),
                self.agencies[*a].as_str()
            ]);
        }
        let mut panel = vec![self.manager.id.clone(), self.independent.id.clone()];
        if self.chairs[3].id != self.independent.id {
            panel.push(self.chairs[3].id.clone());
        }
        for p in panel {
            self.t
                .case_panel
                .push(row![self.pid.as_str(), id.as_str(), p, created.as_str()]);
        }
        Case {
            id,
            recs_on,
            weight,
            agencies,
            recs: 0,
        }
    }

    fn recommendation(&mut self, rng: &mut Rng, case: &mut Case) {
        let Some(on) = case.recs_on else {
            return;
        };
        case.recs += 1;
        let id = rng.id();
        let at = rng.at(on);
        let topic = *rng.pick(&TOPICS);
        let to_agencies = rng.chance(0.6);
        let mut named: Vec<usize> = Vec::new();
        if to_agencies {
            for _ in 0..rng.range(1, 3) {
                let a = *rng.pick(&case.agencies);
                if !named.contains(&a) {
                    named.push(a);
                }
            }
        }
        self.t.recommendation.push(row![
            id.as_str(),
            self.pid.as_str(),
            "case_review",
            case.id.as_str(),
            case.recs,
            format!(
                "The partnership should seek assurance that practitioners understand and apply the guidance on {topic}."
            ),
            if to_agencies { "agencies" } else { "partnership" },
            self.manager.name.as_str(),
            at.as_str(),
            at.as_str()
        ]);
        for a in &named {
            self.t.recommendation_agency.push(row![
                id.as_str(),
                self.pid.as_str(),
                self.agencies[*a].as_str()
            ]);
        }
        for _ in 0..rng.range(1, 3) {
            let th = rng.below(self.themes.len());
            self.tag(th, "recommendation", &id, &at);
            self.tag(th, "case_review", &case.id, &at);
        }
        // Its actions, owned by the learning and improvement subgroup's plan for the case.
        if case.recs == 1 {
            self.t.action_plan.push(row![
                self.pid.as_str(),
                "case_review",
                case.id.as_str(),
                Some(self.groups[1].clone()),
                6i64,
                at.as_str()
            ]);
        }
        let group = self.groups[1].clone();
        for _ in 0..rng.range(1, 6) {
            let a = if named.is_empty() {
                rng.below(self.agencies.len())
            } else {
                *rng.pick(&named)
            };
            let created = (on + Duration::days(rng.range(0, 60))).min(self.today);
            let due = created + Duration::days(rng.range(60, 365));
            let desc = format!("{} {topic}", rng.pick(&ACTION_VERBS));
            self.action(
                rng,
                ("case_review", &case.id.clone(), &group),
                desc,
                a,
                (created, due),
                Some(&id),
            );
        }
    }
}
