//! The audit trail page: the business team (and the independent chair) reads who did what,
//! with filters by person, action and dates.
//!
//! An entry about a restricted record shows its content (summary, before and after) only to
//! someone who may read that record in full now, by the same rule as the record's own page;
//! everyone else sees who did what and when, with the record named by its reference and
//! marked restricted.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;
use learnloop_domain::actions::{ActionScope, can_read};
use learnloop_domain::audits as audit_rules;
use learnloop_domain::policy::Permission;
use learnloop_domain::reviews::can_read_in_full;
use learnloop_domain::sources::SourceKind;
use learnloop_govuk::{Input, Select, SelectItem};
use learnloop_store::audit::{self, AuditRow, Event, Filter};
use learnloop_store::{Page, accounts};
use serde::Deserialize;

use crate::AppState;
use crate::error::AppResult;
use crate::page::Pager;
use crate::page::{Chrome, render};
use crate::session::Signed;
use crate::web::query_params;

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(trail))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TrailQuery {
    person: String,
    action: String,
    from: String,
    to: String,
    page: i64,
}

#[derive(Template)]
#[template(path = "audit/trail.html")]
struct TrailPage {
    chrome: Chrome,
    rows: Vec<Entry>,
    pager: Pager,
    person: Select,
    action: Select,
    from: Input,
    to: Input,
    filtered: bool,
}

impl TrailPage {
    /// How many entries the page counts at most.
    fn limit(&self) -> i64 {
        audit::COUNT_LIMIT
    }

    fn when(&self, at: &str) -> String {
        // 2026-11-25T10:22:09.123456Z → 25 Nov 2026 10:22:09 (UTC)
        chrono::DateTime::parse_from_rfc3339(at)
            .map(|t| t.format("%-d %b %Y %H:%M:%S").to_string())
            .unwrap_or_else(|_| at.to_owned())
    }
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

async fn trail(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    s.require(Permission::ViewAuditTrail)?;
    let q: TrailQuery = query_params(q.as_deref());
    let filter = Filter {
        actor_id: Some(q.person.clone()).filter(|p| !p.is_empty()),
        action: Some(q.action.clone()).filter(|a| !a.is_empty()),
        target_kind: None,
        from: date(&q.from).map(|d| format!("{d}T00:00:00")),
        to: date(&q.to)
            .and_then(|d| d.succ_opt())
            .map(|d| format!("{d}T00:00:00")),
    };
    let list = audit::list(&st.db, s.pid(), &filter, Page::new(q.page, 50)).await?;
    // The person filter needs names only: everyone with a role in the partnership, read
    // once a minute (hundreds of people, sorted by name, were a third of the page's time). A
    // person who joined in the last minute has done nothing yet to filter by.
    static PEOPLE: crate::cache::Minute<String, Vec<accounts::Named>> =
        crate::cache::Minute::new(1000);
    let people = PEOPLE
        .get_or_load(s.pid().to_owned(), accounts::names(&st.db, s.pid()))
        .await?;
    // The actions a partnership's trail holds change rarely: read once a minute (a walk of the
    // whole trail's index).
    static ACTIONS: crate::cache::Minute<String, Vec<String>> = crate::cache::Minute::new(1000);
    let actions = ACTIONS
        .get_or_load(s.pid().to_owned(), audit::actions(&st.db, s.pid()))
        .await?;
    let base = format!(
        "/audit?{}",
        serde_urlencoded::to_string([
            ("person", &q.person),
            ("action", &q.action),
            ("from", &q.from),
            ("to", &q.to)
        ])
        .unwrap_or_default()
    );
    // Reading the trail is itself recorded: it shows who did what across the partnership.
    // Paging and filtering through it for a minute is one reading (on each server): one entry,
    // not one per page turned.
    static READ: crate::cache::Minute<String, ()> = crate::cache::Minute::new(10_000);
    let reader = format!("{}|{}", s.pid(), s.person.id);
    if READ.get(&reader).is_none() {
        audit::record(
            &st.db,
            &s.who(),
            Event::new("audit.read", "audit_trail", None).summary("Read the audit trail"),
        )
        .await?;
        READ.put(reader, ());
    }
    render(&TrailPage {
        chrome: s.chrome("/audit"),
        pager: Pager::of(&base, &list),
        rows: {
            // Ids in what was recorded read as the names they stand for, where this page's
            // reader already sees them (the partnership's agencies, groups, themes, people).
            let refd = s.reference(&st.db).await?;
            let names: HashMap<&str, &str> = refd
                .agencies
                .iter()
                .map(|a| (a.id.as_str(), a.name.as_str()))
                .chain(refd.groups.iter().map(|g| (g.id.as_str(), g.name.as_str())))
                .chain(refd.themes.iter().map(|t| (t.id.as_str(), t.name.as_str())))
                .chain(people.iter().map(|p| (p.id.as_str(), p.name.as_str())))
                .chain(std::iter::once((s.pid(), s.partnership.name.as_str())))
                .collect();
            let mut rows = disclose(&st, &s, list.items).await?;
            for r in &mut rows {
                (r.values, r.unchanged) = in_words(
                    r.before_json.as_deref(),
                    r.after_json.as_deref(),
                    &|id: &str| names.get(id).map(|n| (*n).to_owned()),
                );
            }
            rows
        },
        person: Select::new(
            "person",
            "Person",
            std::iter::once(SelectItem::new("", "Anyone")).chain(
                people
                    .iter()
                    .map(|p| SelectItem::new(p.id.clone(), p.name.clone())),
            ),
        )
        .value(&q.person),
        action: Select::new(
            "action",
            "What happened",
            std::iter::once(SelectItem::new("", "Anything")).chain(
                actions
                    .iter()
                    .map(|a| SelectItem::new(a.clone(), a.clone())),
            ),
        )
        .value(&q.action),
        from: Input::new("from", "From date")
            .hint("For example, 2026-11-01")
            .width_class("govuk-input--width-10")
            .value(&q.from),
        to: Input::new("to", "To date")
            .hint("For example, 2026-11-30")
            .width_class("govuk-input--width-10")
            .value(&q.to),
        filtered: !(q.person.is_empty()
            && q.action.is_empty()
            && q.from.is_empty()
            && q.to.is_empty()),
    })
}

/// One line of the trail as this reader may see it.
struct Entry {
    seq: i64,
    at: String,
    actor_label: String,
    action: String,
    summary: String,
    before_json: Option<String>,
    after_json: Option<String>,
    /// Its before and after in words (filled once the page's names are known).
    values: Vec<Value>,
    /// How many fields a change left as they were (not listed).
    unchanged: usize,
    /// The entry is about a restricted record this reader may not read: only who, what kind of
    /// step and when are shown.
    restricted: bool,
    /// Its content was erased under a retention rule.
    erased: bool,
}

impl Entry {
    fn full(r: AuditRow) -> Entry {
        Entry {
            seq: r.seq,
            at: r.at,
            actor_label: r.actor_label,
            action: r.action,
            summary: r.summary,
            before_json: r.before_json,
            after_json: r.after_json,
            values: Vec::new(),
            unchanged: 0,
            restricted: false,
            erased: r.erased_at.is_some(),
        }
    }

    fn withheld(r: AuditRow, record: String) -> Entry {
        Entry {
            seq: r.seq,
            at: r.at,
            actor_label: r.actor_label,
            action: r.action,
            summary: format!("{record} (restricted)"),
            before_json: None,
            after_json: None,
            values: Vec::new(),
            unchanged: 0,
            restricted: true,
            erased: false,
        }
    }
}

/// One field of what an entry recorded, in words: before a change (or a removal) and after
/// it (or what was recorded new).
#[derive(Debug, PartialEq, Eq)]
struct Value {
    field: String,
    before: Option<String>,
    after: Option<String>,
}

/// Fields every record carries that say nothing to a reader of the trail (the entry itself
/// says when and in which partnership).
const QUIET: [&str; 4] = ["id", "partnership_id", "created_at", "updated_at"];

/// An entry's before and after as a reader would say them, with how many fields a change left
/// as they were: each field named in words (`lead_agency_id` is "Lead agency"), ids read as the
/// names `name_of` knows, yes and no, lists joined; for a change only the fields that changed,
/// for a new or removed record every field with a value. What is not a set of fields (a list,
/// a number) is one value.
fn in_words(
    before: Option<&str>,
    after: Option<&str>,
    name_of: &dyn Fn(&str) -> Option<String>,
) -> (Vec<Value>, usize) {
    let parse = |j: Option<&str>| {
        j.map(|j| serde_json::from_str(j).unwrap_or_else(|_| serde_json::Value::from(j)))
    };
    let (before, after) = (parse(before), parse(after));
    let fields = |v: &Option<serde_json::Value>| match v {
        Some(serde_json::Value::Object(m)) => Some(m.clone()),
        _ => None,
    };
    let say = |v: &serde_json::Value| words(v, name_of);
    match (fields(&before), fields(&after)) {
        (b, a) if b.is_some() || a.is_some() => {
            let (b, a) = (b.unwrap_or_default(), a.unwrap_or_default());
            let both = !b.is_empty() && !a.is_empty();
            let keys: std::collections::BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            let mut out = Vec::new();
            let mut unchanged = 0;
            for k in keys.into_iter().filter(|k| !QUIET.contains(&k.as_str())) {
                let (x, y) = (b.get(k), a.get(k));
                if both && x == y {
                    unchanged += 1;
                    continue;
                }
                // In a change a field that came or went reads "none" on the other side.
                let shown = |v: Option<&serde_json::Value>| match v {
                    Some(v) if both || !is_empty(v) => Some(say(v)),
                    _ if both => Some("none".to_owned()),
                    _ => None,
                };
                let (x, y) = (shown(x), shown(y));
                if x.is_some() || y.is_some() {
                    out.push(Value {
                        field: field_name(k),
                        before: x,
                        after: y,
                    });
                }
            }
            (out, unchanged)
        }
        _ if before.is_none() && after.is_none() => (Vec::new(), 0),
        _ => (
            vec![Value {
                field: "Values".to_owned(),
                before: before.as_ref().map(&say),
                after: after.as_ref().map(&say),
            }],
            0,
        ),
    }
}

fn is_empty(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => true,
        serde_json::Value::String(s) => s.trim().is_empty(),
        serde_json::Value::Array(a) => a.is_empty(),
        serde_json::Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// A field's key in words: `reports_to_id` is "Reports to", `core_agencies` "Core agencies".
fn field_name(key: &str) -> String {
    let key = key
        .strip_suffix("_ids")
        .map(|k| match (k.strip_suffix("person"), k.strip_suffix('y')) {
            (Some(head), _) => format!("{head}people"),
            (None, Some(head)) => format!("{head}ies"),
            (None, None) => format!("{k}s"),
        })
        .or_else(|| key.strip_suffix("_id").map(str::to_owned))
        .unwrap_or_else(|| key.to_owned())
        .replace(['_', '-'], " ");
    let mut c = key.trim().chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => "Value".to_owned(),
    }
}

/// A recorded value in words.
fn words(v: &serde_json::Value, name_of: &dyn Fn(&str) -> Option<String>) -> String {
    match v {
        serde_json::Value::Null => "none".to_owned(),
        serde_json::Value::Bool(true) => "yes".to_owned(),
        serde_json::Value::Bool(false) => "no".to_owned(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => {
            if let Some(name) = name_of(s) {
                return name;
            }
            // A list kept as text (a group's agencies).
            match serde_json::from_str::<serde_json::Value>(s) {
                Ok(list @ serde_json::Value::Array(_)) => words(&list, name_of),
                _ => s.clone(),
            }
        }
        serde_json::Value::Array(a) if a.is_empty() => "none".to_owned(),
        serde_json::Value::Array(a) => a
            .iter()
            .map(|x| words(x, name_of))
            .collect::<Vec<_>>()
            .join(", "),
        serde_json::Value::Object(m) => m
            .iter()
            .filter(|(k, _)| !QUIET.contains(&k.as_str()))
            .map(|(k, x)| format!("{}: {}", field_name(k), words(x, name_of)))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Applies, to each entry, the access rule of the record it is about (read in two or three
/// statements for the whole page). A record that cannot be found any more is withheld.
async fn disclose(st: &AppState, s: &Signed, rows: Vec<AuditRow>) -> AppResult<Vec<Entry>> {
    let ids_of = |kind: &str| -> Vec<&str> {
        rows.iter()
            .filter(|r| r.target_kind == kind)
            .filter_map(|r| r.target_id.as_deref())
            .collect()
    };
    let cases = learnloop_store::reviews::access_of(
        &st.db,
        s.pid(),
        &ids_of(SourceKind::CaseReview.slug()),
    )
    .await?;
    let actions = learnloop_store::actions::scopes_of(&st.db, s.pid(), &ids_of("action")).await?;
    let audits =
        learnloop_store::audits::scopes_of(&st.db, s.pid(), &ids_of(SourceKind::Audit.slug()))
            .await?;
    let returns = learnloop_store::returns::scopes_of(&st.db, s.pid(), &ids_of("return")).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            // An entry about no one record (an export of a list) shows what the list showed.
            let Some(id) = r.target_id.clone() else {
                return Entry::full(r);
            };
            match (SourceKind::parse(&r.target_kind), r.target_kind.as_str()) {
                (Some(SourceKind::CaseReview), _) => match cases.iter().find(|c| c.id == id) {
                    Some(c) if !c.restricted || can_read_in_full(&s.actor, &c.panel) => {
                        Entry::full(r)
                    }
                    Some(c) => Entry::withheld(r, format!("Case {}", c.reference)),
                    None => Entry::withheld(r, "A case".to_owned()),
                },
                // An audit's entries name its sample and declared involvement: who reads the
                // whole audit sees them.
                (Some(SourceKind::Audit), _) => match audits.iter().find(|a| a.0 == id) {
                    Some((_, group, lead))
                        if audit_rules::can_read_all(
                            &s.actor,
                            &audit_rules::AuditScope {
                                group_id: group.clone(),
                                lead_person_id: lead.clone(),
                            },
                        ) =>
                    {
                        Entry::full(r)
                    }
                    _ => Entry::withheld(r, "An audit".to_owned()),
                },
                (_, "return") => match returns.iter().find(|x| x.id == id) {
                    // A training follow-up or evaluation: its participant, the business team
                    // and the session's trainer, as its page.
                    Some(x) if x.source_kind == SourceKind::Training.slug() => {
                        if x.assignee_id.as_deref() == Some(s.person.id.as_str())
                            || learnloop_domain::training::can_run_session(
                                &s.actor,
                                x.trainer_id.as_deref(),
                            )
                        {
                            Entry::full(r)
                        } else {
                            Entry::withheld(r, "A return".to_owned())
                        }
                    }
                    Some(x)
                        if audit_rules::can_read_return(
                            &s.actor,
                            &audit_rules::AuditScope {
                                group_id: x.group_id.clone(),
                                lead_person_id: x.lead_person_id.clone(),
                            },
                            &audit_rules::ReturnScope {
                                agency_id: x.agency_id.clone(),
                                assignee_id: x.assignee_id.clone(),
                            },
                        ) =>
                    {
                        Entry::full(r)
                    }
                    _ => Entry::withheld(r, "A return".to_owned()),
                },
                (_, "action") => match actions.iter().find(|a| a.0 == id) {
                    Some((_, owner, agency, group))
                        if can_read(
                            &s.actor,
                            &ActionScope {
                                owner_person_id: owner.as_deref(),
                                lead_agency_id: agency.as_deref(),
                                group_id: group.as_deref(),
                            },
                        ) =>
                    {
                        Entry::full(r)
                    }
                    _ => Entry::withheld(r, "An action".to_owned()),
                },
                _ => Entry::full(r),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{Value, field_name, in_words};

    fn names(id: &str) -> Option<String> {
        (id == "0190-police").then(|| "Northbrook Constabulary".to_owned())
    }

    fn v(field: &str, before: Option<&str>, after: Option<&str>) -> Value {
        Value {
            field: field.into(),
            before: before.map(str::to_owned),
            after: after.map(str::to_owned),
        }
    }

    #[test]
    fn a_new_record_lists_its_fields_with_a_value_in_words() {
        let (values, unchanged) = in_words(
            None,
            Some(
                r#"{"id":"x","title":"Records not shared","group_id":null,"lead_agency_id":"0190-police","statutory_partner":true,"core_agencies":"[\"0190-police\",\"0190-other\"]","created_at":"2026"}"#,
            ),
            &names,
        );
        assert_eq!(unchanged, 0);
        assert_eq!(
            values,
            vec![
                v(
                    "Core agencies",
                    None,
                    Some("Northbrook Constabulary, 0190-other")
                ),
                v("Lead agency", None, Some("Northbrook Constabulary")),
                v("Statutory partner", None, Some("yes")),
                v("Title", None, Some("Records not shared")),
            ]
        );
    }

    #[test]
    fn a_change_lists_only_what_changed_and_counts_the_rest() {
        let (values, unchanged) = in_words(
            Some(r#"{"title":"Old","due_on":"2026-01-01","owner_person_id":null,"n":1}"#),
            Some(
                r#"{"title":"New","due_on":"2026-01-01","owner_person_id":"0190-police","n":1,"added":"x"}"#,
            ),
            &names,
        );
        assert_eq!(unchanged, 2);
        assert_eq!(
            values,
            vec![
                v("Added", Some("none"), Some("x")),
                v(
                    "Owner person",
                    Some("none"),
                    Some("Northbrook Constabulary")
                ),
                v("Title", Some("Old"), Some("New")),
            ]
        );
    }

    #[test]
    fn what_is_not_a_set_of_fields_is_one_value_and_nothing_is_nothing() {
        let (values, _) = in_words(None, Some(r#"["Neglect","Domestic abuse"]"#), &names);
        assert_eq!(
            values,
            vec![v("Values", None, Some("Neglect, Domestic abuse"))]
        );
        let (values, _) = in_words(Some("not json {"), None, &names);
        assert_eq!(values, vec![v("Values", Some("not json {"), None)]);
        assert_eq!(in_words(None, None, &names).0, Vec::new());
        assert_eq!(field_name("reports_to_id"), "Reports to");
        assert_eq!(field_name("supporting_agency_ids"), "Supporting agencies");
        assert_eq!(field_name("panel_person_ids"), "Panel people");
        assert_eq!(field_name("_"), "Value");
    }
}
