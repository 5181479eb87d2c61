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
    Ok(true)
}
