//! One partnership: its agencies, groups and people, the context the other parts fill, and
//! the order they are generated in.

use learnloop_domain::assurance::RoundKind;
use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};

use super::actions::evidence_document;
use super::bulk::{NONE, row};
use super::rng::Rng;
use super::tables::Tables;
use super::words::{FIRST, LAST, PLACES, PRACTITIONER_TITLES};
use super::{Counts, LABEL, Options};
use crate::audit::{Past, Who};
use crate::{Db, StoreError, demo, governance, query};

pub(super) struct Person {
    pub(super) id: String,
    pub(super) name: String,
}

pub(super) struct Ctx {
    pub(super) pid: String,
    pub(super) today: NaiveDate,
    pub(super) start: NaiveDate,
    pub(super) agencies: Vec<String>,
    pub(super) groups: Vec<String>,
    pub(super) themes: Vec<String>,
    /// The agency lead of each agency.
    pub(super) leads: Vec<Person>,
    /// Practitioners of each agency.
    pub(super) staff: Vec<Vec<Person>>,
    pub(super) chairs: Vec<Person>,
    /// The partnership's auditors (quality assurance leads).
    pub(super) auditors: Vec<Person>,
    pub(super) manager: Person,
    pub(super) independent: Person,
    pub(super) t: Tables,
    /// The audit trail the records would have left, chained on when they are written.
    pub(super) audit: Vec<Past>,
    /// The partnership's one stored evidence document (key, SHA-256, size), if files are kept.
    pub(super) evidence: Option<(String, String, i64)>,
    pub(super) tagged: HashSet<(usize, &'static str, String)>,
    pub(super) case_seq: HashMap<i32, i64>,
    pub(super) past_only: bool,
    /// The question set of each kind of agency return on a review, once made.
    pub(super) review_sets: HashMap<&'static str, String>,
    /// The records training needs can come from, as made: (kind, id, when made).
    pub(super) learned_from: Vec<(&'static str, String, String)>,
    /// The executive's past meetings, as made: (id, day), for deep dives.
    pub(super) board_meetings: Vec<(String, NaiveDate)>,
}

/// The retention rules every generated partnership (and the demo) keeps.
const RETENTION: [(learnloop_domain::retention::Kind, i64, &str); 4] = [
    (
        learnloop_domain::retention::Kind::CaseReview,
        72,
        "The partnership's records policy: case review records are kept six years after publication",
    ),
    (
        learnloop_domain::retention::Kind::AuditSample,
        12,
        "Agencies' notes on sampled families are kept one year after the audit's report, long enough to plan its re-audit",
    ),
    (
        learnloop_domain::retention::Kind::TrainingBooking,
        36,
        "Attendance is kept three years after the session: past its three-month follow-up and the next Section 11 round",
    ),
    (
        learnloop_domain::retention::Kind::SignIn,
        12,
        "Security monitoring: twelve months of sessions and sign-in links",
    ),
];

pub(super) async fn partnership(
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
    // Its retention rules, as a business team would set them.
    let rules_by = Who {
        partnership_id: Some(pid.clone()),
        ..Who::system(LABEL)
    };
    for (kind, months, reason) in RETENTION {
        crate::retention::set_rule(db, &rules_by, &pid, kind, Some((months, reason))).await?;
    }
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
    let mut auditors = Vec::new();
    for _ in 0..5 {
        let a = rng.pick(&agencies).clone();
        auditors.push(person(
            &mut t,
            &mut rng,
            "Quality assurance lead",
            "auditor",
            Some(a.as_str()),
            None,
        ));
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
        auditors,
        manager,
        independent,
        t,
        audit: Vec::new(),
        evidence,
        tagged: HashSet::new(),
        case_seq: HashMap::new(),
        past_only: use_demo,
        review_sets: HashMap::new(),
        learned_from: Vec::new(),
        board_meetings: Vec::new(),
    };
    c.terms(&mut rng, &with_terms, o.years);
    c.meetings(&mut rng);
    for y in 0..o.years {
        let from = start + Duration::days(365 * i64::from(y));
        let to = (from + Duration::days(364)).min(today);
        c.escalations(&mut rng, from, to);
        c.cases(&mut rng, from, to);
        c.audits(&mut rng, from, to, y + 1 == o.years);
        // One round a calendar year, counted back from this year (a 365-day step can start
        // two of them in one calendar year).
        let year = i64::from(chrono::Datelike::year(&today)) - i64::from(o.years - 1 - y);
        c.assurance(&mut rng, from, year, RoundKind::Assurance);
        c.assurance(&mut rng, from, year, RoundKind::TrainingRegister);
    }
    // A Section 11 cycle every two years: the current one opened weeks ago, the one before
    // two years earlier, and so on back.
    let mut cycles: Vec<NaiveDate> = (0..o.years)
        .rev()
        .skip(1)
        .step_by(2)
        .rev()
        .map(|y| start + Duration::days(365 * i64::from(y)))
        .collect();
    cycles.push(today);
    c.section11(&mut rng, &cycles);
    c.training(&mut rng);
    c.performance(&mut rng);
    c.inspections(&mut rng);
    c.child_deaths(&mut rng);
    c.voice(&mut rng);
    let counts = c.write(db, o, who).await?;
    Ok((slug, counts))
}

impl Ctx {
    pub(super) fn who_of(&self, agency: usize) -> &Person {
        &self.leads[agency]
    }

    pub(super) fn tag(&mut self, theme: usize, kind: &'static str, target: &str, at: &str) {
        if self.tagged.insert((theme, kind, target.to_owned())) {
            let Some(tid) = self.themes.get(theme) else {
                return;
            };
            self.t
                .tagging
                .push(row![self.pid.as_str(), tid.as_str(), kind, target, at]);
        }
    }
}
