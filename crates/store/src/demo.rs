//! The demo partnership: fictional, written for the product, loaded into an empty database
//! by `learnloop serve --demo` so that a newcomer can sign in as each role.

use learnloop_domain::accounts::{Role, hash_password};

use crate::audit::Who;
use crate::governance::{self, AgencyInput};
use crate::{Db, StoreError, accounts};

pub const SLUG: &str = "northbrook";
pub const PASSWORD: &str = "demo-password-2026";

/// One demo sign-in: who, with which role.
pub struct DemoPerson {
    pub email: &'static str,
    pub name: &'static str,
    pub job_title: &'static str,
    pub role: Role,
    /// Index into [`AGENCIES`] for roles held for an agency.
    pub agency: Option<usize>,
    /// Index into [`GROUPS`] for roles held for a group.
    pub group: Option<usize>,
}

/// (name, sector, statutory partner)
pub const AGENCIES: [(&str, &str, bool); 15] = [
    (
        "Northbrook Borough Council Children's Services",
        "local-authority",
        true,
    ),
    ("Northbrook Constabulary", "police", true),
    (
        "Northbrook and Wyvern Integrated Care Board",
        "integrated-care-board",
        true,
    ),
    (
        "Northbrook General Hospital NHS Foundation Trust",
        "acute-health",
        false,
    ),
    (
        "Wyvern Community Health NHS Trust",
        "community-health",
        false,
    ),
    (
        "Northbrook Mental Health Partnership NHS Trust",
        "mental-health",
        false,
    ),
    (
        "Northbrook Schools and Education Service",
        "education",
        false,
    ),
    ("Northbrook Sixth Form College", "education", false),
    (
        "Probation Service, Northbrook delivery unit",
        "probation",
        false,
    ),
    ("Northbrook Youth Justice Service", "youth-justice", false),
    ("Northbrook Homes", "housing", false),
    ("Regional Ambulance Service NHS Trust", "ambulance", false),
    ("Northbrook Domestic Abuse Service", "voluntary", false),
    ("Families Together Northbrook", "voluntary", false),
    ("Cafcass, Northbrook team", "cafcass", false),
];

/// (name, kind, index of the group it reports to)
pub const GROUPS: [(&str, &str, Option<usize>); 5] = [
    ("Safeguarding Children Partnership Executive", "board", None),
    ("Learning and Improvement Subgroup", "subgroup", Some(0)),
    ("Training Subgroup", "subgroup", Some(0)),
    ("Serious Incident and Learning Group", "subgroup", Some(0)),
    ("Child Death Overview Panel", "panel", Some(0)),
];

pub const PEOPLE: [DemoPerson; 8] = [
    DemoPerson {
        email: "business.manager@northbrook.example",
        name: "Priya Shah",
        job_title: "Partnership business manager",
        role: Role::BusinessTeam,
        agency: None,
        group: None,
    },
    DemoPerson {
        email: "independent.chair@northbrook.example",
        name: "Margaret Osei",
        job_title: "Independent chair and scrutineer",
        role: Role::IndependentChair,
        agency: None,
        group: None,
    },
    DemoPerson {
        email: "group.chair@northbrook.example",
        name: "Tom Hughes",
        job_title: "Chair, Learning and Improvement Subgroup",
        role: Role::GroupChair,
        agency: None,
        group: Some(1),
    },
    DemoPerson {
        email: "agency.lead@northbrook.example",
        name: "Detective Inspector Sam Carter",
        job_title: "Safeguarding lead, Northbrook Constabulary",
        role: Role::AgencyLead,
        agency: Some(1),
        group: None,
    },
    DemoPerson {
        email: "practitioner@northbrook.example",
        name: "Aisha Khan",
        job_title: "Paediatric nurse",
        role: Role::Practitioner,
        agency: Some(3),
        group: None,
    },
    DemoPerson {
        email: "trainer@northbrook.example",
        name: "Gareth Lewis",
        job_title: "Multi-agency training coordinator",
        role: Role::Trainer,
        agency: None,
        group: None,
    },
    DemoPerson {
        email: "auditor@northbrook.example",
        name: "Helen Brooks",
        job_title: "Quality assurance lead",
        role: Role::Auditor,
        agency: Some(4),
        group: None,
    },
    DemoPerson {
        email: "sysadmin@northbrook.example",
        name: "Chris Morgan",
        job_title: "System administrator",
        role: Role::SystemAdmin,
        agency: None,
        group: None,
    },
];

/// Loads the demo partnership unless it is already there. Returns true when it loaded it.
pub async fn load(db: &Db) -> Result<bool, StoreError> {
    if governance::partnership_by_slug(db, SLUG).await?.is_some() {
        return Ok(false);
    }
    // One hash for the one demo password (argon2id takes 19 MiB and real time per hash).
    let hash = tokio::task::spawn_blocking(|| hash_password(PASSWORD))
        .await
        .map_err(|e| StoreError::Config(e.to_string()))?
        .map_err(StoreError::Config)?;

    let who = Who::system("demo loader");
    let mut tx = db.begin().await?;
    let p = governance::create_partnership(
        &mut tx,
        &who,
        SLUG,
        "Northbrook Safeguarding Children Partnership",
    )
    .await?;
    let who = Who {
        partnership_id: Some(p.id.clone()),
        ..who
    };
    let mut agency_ids = Vec::new();
    for (name, sector, statutory) in AGENCIES {
        let a = governance::insert_agency(
            &mut tx,
            &who,
            &p.id,
            &AgencyInput {
                name: name.to_owned(),
                sector: sector.to_owned(),
                statutory_partner: statutory,
                active: true,
            },
        )
        .await?;
        agency_ids.push(a.id);
    }
    let mut group_ids: Vec<String> = Vec::new();
    for (name, kind, parent) in GROUPS {
        let parent_id = parent.and_then(|i| group_ids.get(i)).map(String::as_str);
        let g = governance::insert_group(&mut tx, &who, &p.id, name, kind, parent_id).await?;
        group_ids.push(g.id);
    }
    for d in PEOPLE.iter() {
        let person =
            accounts::insert_person(&mut tx, &who, d.email, d.name, d.job_title, Some(&hash))
                .await?;
        let agency = d.agency.and_then(|i| agency_ids.get(i)).map(String::as_str);
        let group = d.group.and_then(|i| group_ids.get(i)).map(String::as_str);
        accounts::grant(&mut tx, &who, &person.id, &p.id, d.role, agency, group).await?;
    }
    tx.commit().await?;
    governance_content(db, &who, &p.id, &agency_ids, &group_ids).await?;
    Ok(true)
}

/// Terms of reference and a year of meetings from next month for three of the demo groups, so
/// that the structure, agendas and calendar feeds have something to show.
async fn governance_content(
    db: &Db,
    who: &Who,
    pid: &str,
    agency_ids: &[String],
    group_ids: &[String],
) -> Result<(), StoreError> {
    use chrono::{Datelike, Utc};
    use learnloop_domain::governance::meetings::{Frequency, year_of_dates};

    use crate::governance::meetings::{self, MeetingInput};
    use crate::governance::terms::{self, TermsInput};

    let chair = accounts::person_by_email(db, "group.chair@northbrook.example")
        .await?
        .map(|p| p.id);
    let independent = accounts::person_by_email(db, "independent.chair@northbrook.example")
        .await?
        .map(|p| p.id);
    let statutory: Vec<String> = agency_ids.iter().take(3).cloned().collect();
    let today = Utc::now().date_naive();
    // (purpose, functions, frequency, minutes, chair)
    let content: [(&str, &str, Frequency, i64, &Option<String>); 5] = [
        (
            "Leads the partnership: sets its priorities, holds agencies to account for keeping children safe, and signs off what the subgroups recommend.",
            "Agree the partnership's priorities and yearly plan\nReceive and challenge the subgroups' reports\nSign off case review decisions and publication\nPublish the yearly report",
            Frequency::Quarterly,
            180,
            &independent,
        ),
        (
            "Makes sure that what reviews, audits and inspections find is acted on by every agency, and checks that it made a difference.",
            "Oversee the action plans that answer review recommendations\nCommission multi-agency audits and re-audits\nShare learning through briefings and workshops\nReport on the impact of learning to the executive",
            Frequency::Monthly,
            120,
            &chair,
        ),
        (
            "Plans and evaluates the multi-agency training programme, including the three-month impact follow-up.",
            "Agree the yearly training needs assessment\nApprove the training programme\nReview evaluations and impact follow-ups",
            Frequency::BiMonthly,
            120,
            &None,
        ),
        (
            "Considers serious incidents, runs rapid reviews within 15 working days and recommends the level of review.",
            "Receive notifications of serious incidents\nCarry out rapid reviews\nRecommend the type of review to the independent chair\nOversee reviews to publication",
            Frequency::Monthly,
            120,
            &None,
        ),
        (
            "Reviews the deaths of children in the area to find what could be changed to prevent future deaths.",
            "Review every child death notified\nIdentify modifiable factors\nPublish a yearly report with recommendations",
            Frequency::Quarterly,
            180,
            &None,
        ),
    ];
    // The Learning and Improvement Subgroup and the Serious Incident and Learning Group are left
    // for a newcomer to record, as a partnership starting with Learnloop would.
    for (i, (gid, (purpose, functions, freq, minutes, chair))) in
        group_ids.iter().zip(content).enumerate()
    {
        if i == 1 || i == 3 {
            continue;
        }
        let t = TermsInput {
            purpose: purpose.to_owned(),
            aims: String::new(),
            functions: functions.to_owned(),
            core_agencies: statutory.clone(),
            invited_agencies: agency_ids.iter().skip(3).take(4).cloned().collect(),
            chair_person_id: chair.clone(),
            chair_appointed_by: "The lead safeguarding partners".to_owned(),
            deputy_person_id: None,
            deputy_appointed_by: String::new(),
            frequency: freq.slug().to_owned(),
            meeting_minutes: minutes,
            outputs: "A report to the executive each quarter".to_owned(),
            admin_support: "Partnership business team".to_owned(),
            agreed_on: format!("{}-04-01", today.year() - 1),
            review_due: format!("{}-04-01", today.year() + 1),
        };
        terms::revise(db, who, pid, gid, &t).await?;
        let first = learnloop_domain::governance::meetings::nth_weekday(
            if today.month() == 12 {
                today.year() + 1
            } else {
                today.year()
            },
            today.month() % 12 + 1,
            chrono::Weekday::Tue,
            2,
        )
        .unwrap_or(today);
        let ms: Vec<MeetingInput> = year_of_dates(freq, first)
            .into_iter()
            .map(|d| MeetingInput {
                starts_at: format!("{}T10:00", d.format("%Y-%m-%d")),
                length_minutes: minutes,
                place: "Civic Centre, Northbrook".to_owned(),
                online_link: String::new(),
            })
            .collect();
        meetings::create_many(db, who, pid, gid, &ms).await?;
    }
    Ok(())
}

/// The demo partnership as a newcomer should find it: two years (or `years`) of work ending
/// `today` — cases in every stage with clocks on time, at risk and missed, findings,
/// recommendations and action plans with evidence, overdue and closed actions and impact
/// reviews, meetings with agendas and minutes, escalations — made by the national generator
/// with a fixed seed, so its clocks are live whenever it starts. Then each demo sign-in is
/// given work of its own, so every role finds something on its first page. Does nothing when
/// the partnership was there already; returns whether it loaded it now.
pub async fn load_with_history(
    db: &Db,
    years: u32,
    today: chrono::NaiveDate,
    files: Option<crate::files::FileStore>,
) -> Result<bool, StoreError> {
    if !load(db).await? {
        return Ok(false);
    }
    neighbour(db, today).await?;
    if years == 0 {
        return Ok(true);
    }
    let o = crate::generate::Options {
        partnerships: 1,
        years,
        seed: 2026,
        demo: true,
        today,
        files,
    };
    crate::generate::run(db, &o, &mut |_| {}).await?;
    give_demo_people_work(db, today).await?;
    Ok(true)
}

/// The neighbouring partnership, which the demo's police force serves too.
pub const NEIGHBOUR: &str = "southvale";
/// Its business manager's sign-in (the demo password).
pub const NEIGHBOUR_MANAGER: &str = "business.manager@southvale.example";

/// Southvale, a neighbouring partnership on the same installation: its business manager, its
/// agencies (the police force is the same as Northbrook's), the force linked to Northbrook's
/// with both business teams agreeing, and a Section 11 cycle of its own opened today, so the
/// police lead can offer Northbrook's submitted self-assessment to it instead of writing
/// another.
async fn neighbour(db: &Db, today: chrono::NaiveDate) -> Result<(), StoreError> {
    use crate::query;
    let Some(nb) = governance::partnership_by_slug(db, SLUG).await? else {
        return Ok(());
    };
    let hash = tokio::task::spawn_blocking(|| hash_password(PASSWORD))
        .await
        .map_err(|e| StoreError::Config(e.to_string()))?
        .map_err(StoreError::Config)?;
    let mut tx = db.begin().await?;
    let p = governance::create_partnership(
        &mut tx,
        &Who::system("demo loader"),
        NEIGHBOUR,
        "Southvale Safeguarding Children Partnership",
    )
    .await?;
    let sv = Who {
        partnership_id: Some(p.id.clone()),
        ..Who::system("demo loader")
    };
    let mut agencies = Vec::new();
    for (name, sector) in [
        ("Northbrook Constabulary", "police"),
        (
            "Southvale District Council Children's Services",
            "local-authority",
        ),
        ("Southvale Integrated Care Board", "integrated-care-board"),
    ] {
        let input = AgencyInput {
            name: name.to_owned(),
            sector: sector.to_owned(),
            statutory_partner: true,
            active: true,
        };
        agencies.push(
            governance::insert_agency(&mut tx, &sv, &p.id, &input)
                .await?
                .id,
        );
    }
    let manager = accounts::insert_person(
        &mut tx,
        &sv,
        NEIGHBOUR_MANAGER,
        "Sam Okafor",
        "Southvale partnership business manager",
        Some(&hash),
    )
    .await?;
    accounts::grant(
        &mut tx,
        &sv,
        &manager.id,
        &p.id,
        Role::BusinessTeam,
        None,
        None,
    )
    .await?;
    tx.commit().await?;

    let (police,): (String,) = db
        .fetch_one(
            query("SELECT id FROM agency WHERE partnership_id = ? AND name = ?")
                .bind(&nb.id)
                .bind("Northbrook Constabulary"),
        )
        .await?;
    let nb_who = Who {
        partnership_id: Some(nb.id.clone()),
        ..Who::system("demo loader")
    };
    crate::links::propose(
        db,
        &nb_who,
        &nb.id,
        &crate::links::Proposal {
            agency_id: &police,
            other_pid: &p.id,
            other_agency_id: &agencies[0],
        },
    )
    .await?;
    let (row,): (String,) = db
        .fetch_one(query("SELECT id FROM agency_link WHERE partnership_id = ?").bind(&p.id))
        .await?;
    crate::links::agree(db, &sv, &p.id, &row).await?;
    let year = chrono::Datelike::year(&today);
    crate::section11::open(
        db,
        &sv,
        &p.id,
        (
            &format!("Section 11 self-assessment {year} to {}", year + 1),
            &agencies,
        ),
        (
            crate::Day(today),
            crate::Day(today + chrono::Duration::days(90)),
        ),
    )
    .await?;
    Ok(())
}

/// Makes the demo people the owners of a few of the generated actions (one overdue and one
/// due soon for the practitioner, one each for the trainer and the auditor) and gives the
/// Learning and Improvement Subgroup, which the demo group chair chairs, overdue actions in
/// its plan.
async fn give_demo_people_work(db: &Db, today: chrono::NaiveDate) -> Result<(), StoreError> {
    use crate::query;
    let Some(p) = governance::partnership_by_slug(db, SLUG).await? else {
        return Ok(());
    };
    let day = |n: i64| {
        (today + chrono::Duration::days(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    let person = |email: &'static str| async move {
        accounts::person_by_email(db, email)
            .await
            .map(|p| p.map(|p| p.id))
    };
    // (who, due from, due to) in days from today; the latest due in the window is theirs.
    let owners: [(&str, i64, i64); 6] = [
        ("practitioner@northbrook.example", -60, -1),
        ("practitioner@northbrook.example", 1, 14),
        ("trainer@northbrook.example", 1, 10),
        ("auditor@northbrook.example", -45, -1),
        ("group.chair@northbrook.example", -30, -1),
        ("agency.lead@northbrook.example", 1, 21),
    ];
    let mut tx = db.begin().await?;
    let mut taken: Vec<String> = Vec::new();
    for (email, from, to) in owners {
        let Some(id) = person(email).await? else {
            continue;
        };
        let candidates: Vec<(String,)> = tx
            .fetch_all(
                query(
                    "SELECT id FROM action WHERE partnership_id = ? \
                     AND status IN ('not-started', 'in-progress') AND due_on >= ? AND due_on <= ? \
                     ORDER BY due_on DESC, id LIMIT 10",
                )
                .bind(&p.id)
                .bind(day(from))
                .bind(day(to)),
            )
            .await?;
        if let Some((action,)) = candidates.into_iter().find(|(a,)| !taken.contains(a)) {
            tx.execute(
                query("UPDATE action SET owner_person_id = ? WHERE id = ?")
                    .bind(&id)
                    .bind(&action),
            )
            .await?;
            taken.push(action);
        }
    }
    let group: Option<(String,)> = tx
        .fetch_optional(
            query("SELECT id FROM partnership_group WHERE partnership_id = ? AND name = ?")
                .bind(&p.id)
                .bind(GROUPS[1].0),
        )
        .await?;
    if let Some((g,)) = &group {
        tx.execute(
            query(
                "UPDATE action SET group_id = ? WHERE id IN (SELECT id FROM action WHERE partnership_id = ? \
                 AND status IN ('not-started', 'in-progress') AND due_on < ? ORDER BY due_on DESC, id LIMIT 4)",
            )
            .bind(g)
            .bind(&p.id)
            .bind(day(0)),
        )
        .await?;
    }
    // The audit in fieldwork: one return waits for the demo auditor, and one of the police's
    // for its lead to choose an auditor.
    let police: Option<(String,)> = tx
        .fetch_optional(
            query("SELECT id FROM agency WHERE partnership_id = ? AND name = ?")
                .bind(&p.id)
                .bind(AGENCIES[1].0),
        )
        .await?;
    let open = |agency: Option<&str>| {
        query(
            "SELECT r.id FROM return_request r JOIN audit a ON a.id = r.source_id AND a.partnership_id = r.partnership_id \
             WHERE r.partnership_id = ? AND a.stage = 'fieldwork' AND r.state IN ('requested', 'draft') \
             AND (? IS NULL OR r.agency_id = ?) AND (? IS NOT NULL OR r.agency_id <> ?) ORDER BY r.due_on, r.id LIMIT 1",
        )
        .bind(&p.id)
        .bind(agency)
        .bind(agency)
        .bind(agency)
        .bind(police.as_ref().map(|x| x.0.as_str()).unwrap_or_default())
    };
    if let Some(auditor) = person("auditor@northbrook.example").await?
        && let Some((ret,)) = tx.fetch_optional::<(String,)>(open(None)).await?
    {
        tx.execute(
            query("UPDATE return_request SET assignee_id = ? WHERE id = ?")
                .bind(&auditor)
                .bind(&ret),
        )
        .await?;
    }
    if let Some((police,)) = &police
        && let Some((ret,)) = tx.fetch_optional::<(String,)>(open(Some(police))).await?
    {
        tx.execute(query("UPDATE return_request SET assignee_id = NULL WHERE id = ?").bind(&ret))
            .await?;
    }
    tx.commit().await?;
    // An issue the subgroup could not resolve, raised a fortnight ago and now with the
    // independent chair.
    if let (Some((g,)), Some(chair)) = (
        group,
        accounts::person_by_email(db, "group.chair@northbrook.example").await?,
    ) {
        let who = Who {
            person_id: Some(chair.id.clone()),
            label: format!("{} <{}>", chair.name, chair.email),
            partnership_id: Some(p.id.clone()),
            request_id: None,
        };
        crate::governance::escalations::raise(
            db,
            &who,
            &p.id,
            &crate::governance::escalations::NewEscalation {
                group_id: g,
                meeting_id: None,
                title: "Health visiting records not shared with early help".to_owned(),
                detail: "Two audits found that health visiting records were not shared with the early help team at the point of referral. The agencies disagree on whether consent is needed, and the subgroup has not been able to agree a way forward.".to_owned(),
                raised_on: day(-14),
            },
        )
        .await?;
    }
    demo_training(db, &p.id, today).await?;
    Ok(())
}

/// The demo trainer delivers the next sessions and the last ones held (to mark who came);
/// the demo practitioner has a place on a session soon, and is on the waiting list of a full
/// one.
async fn demo_training(db: &Db, pid: &str, today: chrono::NaiveDate) -> Result<(), StoreError> {
    use crate::query;
    let now = format!("{}T00:00", today.format("%Y-%m-%d"));
    let (Some(trainer), Some(practitioner)) = (
        accounts::person_by_email(db, "trainer@northbrook.example").await?,
        accounts::person_by_email(db, "practitioner@northbrook.example").await?,
    ) else {
        return Ok(());
    };
    let mut tx = db.begin().await?;
    for sql in [
        "SELECT id FROM course_session WHERE partnership_id = ? AND starts_at >= ? ORDER BY starts_at LIMIT 3",
        "SELECT id FROM course_session WHERE partnership_id = ? AND starts_at < ? ORDER BY starts_at DESC LIMIT 2",
    ] {
        let ids: Vec<(String,)> = tx.fetch_all(query(sql).bind(pid).bind(&now)).await?;
        for (id,) in ids {
            tx.execute(
                query(
                    "UPDATE course_session SET trainer_id = ?, trainer_name = '' WHERE partnership_id = ? AND id = ?",
                )
                .bind(&trainer.id)
                .bind(pid)
                .bind(&id),
            )
            .await?;
        }
    }
    let agency: Option<(String,)> = tx
        .fetch_optional(
            query(
                "SELECT agency_id FROM membership WHERE person_id = ? AND partnership_id = ? \
                 AND agency_id IS NOT NULL LIMIT 1",
            )
            .bind(&practitioner.id)
            .bind(pid),
        )
        .await?;
    let Some((agency,)) = agency else {
        return Ok(());
    };
    // A place on the next session with room, and the waiting list of the next full one.
    let with_room = "SELECT s.id FROM course_session s WHERE s.partnership_id = ? AND s.starts_at >= ? \
         AND s.capacity > (SELECT COUNT(*) FROM booking b WHERE b.session_id = s.id \
         AND b.state IN ('confirmed', 'offered')) ORDER BY s.starts_at LIMIT 1";
    let full = "SELECT s.id FROM course_session s WHERE s.partnership_id = ? AND s.starts_at >= ? \
         AND EXISTS (SELECT 1 FROM booking b WHERE b.session_id = s.id AND b.state = 'waiting') \
         ORDER BY s.starts_at LIMIT 1";
    for (sql, state) in [(with_room, "confirmed"), (full, "waiting")] {
        let found: Option<(String,)> = tx.fetch_optional(query(sql).bind(pid).bind(&now)).await?;
        if let Some((session,)) = found {
            let at = crate::ts(chrono::Utc::now());
            tx.execute(
                query(
                    "INSERT INTO booking (id, partnership_id, session_id, person_id, agency_id, manager_email, state, \
                     booked_by, booked_at, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(crate::new_id())
                .bind(pid)
                .bind(&session)
                .bind(&practitioner.id)
                .bind(&agency)
                .bind("ward.manager@northbrook-hospital.example")
                .bind(state)
                .bind(&practitioner.name)
                .bind(&at)
                .bind(&at),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
