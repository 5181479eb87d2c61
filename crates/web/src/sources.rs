//! Sources of learning as pages show them: the one resolver from `{kind, id}` to the source's
//! title and link. A new kind of source (audits, Section 11, ...) adds one arm here, and the
//! compiler finds it. The link goes to the source's own page, which applies the source's own
//! access rule (a restricted case's page shows its anonymised summary to whoever may not read
//! it in full); where that page would refuse the reader outright (an audit read only by who
//! runs it, a meeting of a group the reader is not in) the source is named without a link. The
//! title never carries restricted content.

use learnloop_domain::sources::SourceKind;
use learnloop_store::is_id;

use crate::AppState;
use crate::error::AppResult;
use crate::session::Signed;

/// A source named for a page.
#[derive(Clone, Debug)]
pub struct SourceRef {
    /// "Case 2026-001", "Meeting of the Learning and Improvement Subgroup on 3 December 2026".
    pub title: String,
    /// Its page, if the reader may open it.
    pub href: Option<String>,
}

/// The source, if it is one of this partnership's.
pub async fn resolve(
    st: &AppState,
    s: &Signed,
    kind: SourceKind,
    id: &str,
) -> AppResult<Option<SourceRef>> {
    if !is_id(id) {
        return Ok(None);
    }
    // Whether the reader may open the source's page, where that page refuses some readers.
    let mut opens = true;
    let title = match kind {
        SourceKind::CaseReview => learnloop_store::reviews::get(&st.db, s.pid(), id)
            .await?
            .map(|c| format!("Case {}", c.reference)),
        SourceKind::Meeting => {
            match learnloop_store::governance::meetings::get(&st.db, s.pid(), id).await? {
                Some(m) => {
                    let refd = s.reference(&st.db).await?;
                    opens = crate::governance::may_view_group(&s.actor, &refd, &m.group_id);
                    let group = refd
                        .groups
                        .iter()
                        .find(|g| g.id == m.group_id)
                        .map(|g| g.name.clone())
                        .unwrap_or_default();
                    Some(format!("Meeting of {group} on {}", m.date()))
                }
                None => None,
            }
        }
        SourceKind::Audit => learnloop_store::audits::get(&st.db, s.pid(), id)
            .await?
            .map(|a| {
                opens = s
                    .actor
                    .can(learnloop_domain::policy::Permission::ViewAudits)
                    && learnloop_domain::audits::can_read_all(
                        &s.actor,
                        &crate::audits::scope_of(&a),
                    );
                crate::audits::title_of(&a)
            }),
        SourceKind::Assurance => learnloop_store::assurance::get(&st.db, s.pid(), id)
            .await?
            .map(|r| r.title()),
        SourceKind::Section11 => {
            match learnloop_store::section11::get(&st.db, s.pid(), id).await? {
                Some(c) => {
                    opens = crate::section11::may_open(st, s, &c).await?;
                    Some(format!("Section 11 cycle “{}”", c.title))
                }
                None => None,
            }
        }
        SourceKind::Training => learnloop_store::training::session(&st.db, s.pid(), id)
            .await?
            .map(|x| {
                format!(
                    "Training “{}” on {}",
                    x.course,
                    learnloop_domain::dates::long(x.session.starts_at.date())
                )
            }),
        SourceKind::DeepDive => learnloop_store::performance::deep_dives::get(&st.db, s.pid(), id)
            .await?
            .map(|d| format!("Deep dive “{}”", d.title)),
        SourceKind::Inspection => learnloop_store::inspections::get(&st.db, s.pid(), id)
            .await?
            .map(|i| format!("Inspection: {}", i.title())),
        SourceKind::ChildDeathReport => {
            learnloop_store::child_deaths::get_report(&st.db, s.pid(), id)
                .await?
                .map(|r| r.title())
        }
        SourceKind::VoiceEvent => learnloop_store::voice::get_event(&st.db, s.pid(), id)
            .await?
            .map(|e| format!("Youth voice: {}", e.topic)),
    };
    Ok(title.map(|title| SourceRef {
        title,
        href: opens.then(|| kind.path(id)),
    }))
}

/// Whether an address a page shows would open for its reader, where it is the page of a source
/// whose rule refuses some readers (an audit, a Section 11 cycle, a meeting): as `resolve`
/// decides. Other addresses are taken to open (their pages' own links are decided where made).
pub(crate) async fn link_opens(st: &AppState, s: &Signed, href: &str) -> AppResult<bool> {
    let path = href.split(['#', '?']).next().unwrap_or_default();
    // Who opens every audit or every cycle (the business team, the independent chair) is told
    // so without reading the record.
    let every_audit = s
        .actor
        .can(learnloop_domain::policy::Permission::ViewAudits)
        && learnloop_domain::audits::can_read_all(
            &s.actor,
            &learnloop_domain::audits::AuditScope {
                group_id: None,
                lead_person_id: None,
            },
        );
    let every_cycle = learnloop_domain::section11::can_read_all(&s.actor)
        && s.actor
            .can(learnloop_domain::policy::Permission::ViewPartnership);
    if (every_audit && path.starts_with(SourceKind::Audit.path("").as_str()))
        || (every_cycle && path.starts_with(SourceKind::Section11.path("").as_str()))
    {
        return Ok(true);
    }
    for kind in [
        SourceKind::Audit,
        SourceKind::Section11,
        SourceKind::Meeting,
    ] {
        if let Some(id) = path.strip_prefix(kind.path("").as_str()) {
            return Ok(resolve(st, s, kind, id)
                .await?
                .is_some_and(|r| r.href.is_some()));
        }
    }
    Ok(true)
}

/// How many of the source's actions are open, for the line under its recommendations.
pub(crate) async fn open_actions(
    st: &AppState,
    s: &Signed,
    kind: SourceKind,
    id: &str,
) -> AppResult<usize> {
    Ok(
        learnloop_store::actions::for_source(&st.db, s.pid(), kind, id)
            .await?
            .iter()
            .filter(|a| a.status.is_open())
            .count(),
    )
}

/// A source named in an address or a form as `kind:id` (one source's plan), or a kind alone.
pub fn parse_ref(s: &str) -> (Option<SourceKind>, Option<String>) {
    match s.split_once(':') {
        Some((k, i)) => (
            SourceKind::parse(k),
            Some(i.to_owned()).filter(|i| is_id(i)),
        ),
        None => (SourceKind::parse(s), None),
    }
}

/// `kind:id`, as [`parse_ref`] reads it.
pub fn ref_text(kind: SourceKind, id: &str) -> String {
    format!("{}:{id}", kind.slug())
}

/// A recommendation's fields, as every source's page shows them: its words, whom it is
/// addressed to, and the agencies (id, name) it may name.
pub(crate) struct RecFields {
    pub body: learnloop_govuk::Textarea,
    pub to: learnloop_govuk::Radios,
    pub agencies: learnloop_govuk::Checkboxes,
}

pub(crate) fn recommendation_fields(
    f: &crate::forms::FormPairs,
    errors: &crate::forms::Errors,
    agencies: impl IntoIterator<Item = (String, String)>,
) -> RecFields {
    use crate::forms::Field;
    use learnloop_govuk::{Checkboxes, ChoiceItem, Radios, Textarea};
    RecFields {
        body: Textarea::new("recommendation", "Recommendation")
            .rows(3)
            .filled(f, errors),
        to: Radios::new(
            "addressed_to",
            "Addressed to",
            [
                ChoiceItem::new("partnership", "The partnership as a whole"),
                ChoiceItem::new("agencies", "Named agencies (choose below)"),
            ],
        )
        .value(f.get("addressed_to"))
        .error(errors.get("addressed_to")),
        agencies: Checkboxes::new(
            "rec_agency",
            "Agencies",
            agencies
                .into_iter()
                .map(|(id, name)| ChoiceItem::new(id, name)),
        )
        .values(f.all("rec_agency"))
        .error(errors.get("rec_agency")),
    }
}

/// Adds the recommendation typed in a source's form (its words, whom it is addressed to, the
/// agencies named, which must be among `allowed`, else `not_allowed` is said). Ok when added;
/// otherwise the errors against their fields, and nothing is written.
pub(crate) async fn add_recommendation(
    st: &AppState,
    s: &Signed,
    (kind, id): (SourceKind, &str),
    f: &crate::forms::FormPairs,
    (allowed, not_allowed): (&[String], &str),
) -> AppResult<Result<(), crate::forms::Errors>> {
    let mut errors = crate::forms::Errors::default();
    let body = errors.check(
        "recommendation",
        learnloop_domain::text::check_text_block(&f.get("recommendation"), "recommendation", 4000),
    );
    if f.all("rec_agency").iter().any(|c| !allowed.contains(c)) {
        errors.add("rec_agency", not_allowed);
    }
    let to = addressee(f, &mut errors);
    match (errors.is_empty(), body, to) {
        (true, Some(body), Some(to)) => {
            learnloop_store::recommendations::add(
                &st.db,
                &s.who(),
                s.pid(),
                (kind, id),
                &body,
                &to,
                &[],
            )
            .await?;
            Ok(Ok(()))
        }
        _ => Ok(Err(errors)),
    }
}

/// Whom a recommendation typed in a form is addressed to ("addressed_to", with the agencies
/// ticked in "rec_agency"), or the message, against the field to fix. Every source's
/// recommendation form reads it this way.
pub(crate) fn addressee(
    f: &crate::forms::FormPairs,
    errors: &mut crate::forms::Errors,
) -> Option<learnloop_domain::recommendations::Addressee> {
    match learnloop_domain::recommendations::Addressee::from_form(
        &f.get("addressed_to"),
        f.all("rec_agency"),
    ) {
        Ok(t) => Some(t),
        Err(m) => {
            let key = if f.get("addressed_to") == "agencies" {
                "rec_agency"
            } else {
                "addressed_to"
            };
            errors.add(key, m);
            None
        }
    }
}
