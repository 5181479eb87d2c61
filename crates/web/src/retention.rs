//! Retention and erasure (`/retention`), for the business team: the partnership's rule for each
//! kind of record (a period and its reason), this month's list of what is due, a confirmation
//! before each erasure, and the tombstones of what was erased. Its home page says when
//! something is due.

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use learnloop_domain::dates;
use learnloop_domain::policy::Permission;
use learnloop_domain::retention::{Kind, check_rule, due_if_on_or_before, month_end};
use learnloop_store::StoreError;
use learnloop_store::retention::{self as store, Due, Rule, Tombstone};
use serde::Deserialize;

use crate::AppState;
use crate::attention::{Attention, Audience};
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, FormPairs};
use crate::page::{Chrome, ConfirmPage, Flash, render, render_status};
use crate::session::Signed;
use crate::web::{query_params, redirect_with};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/retention", get(page))
        .route("/retention/rules/{kind}", post(save_rule))
        .route("/retention/erase", get(confirm).post(erase))
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn kind_of(slug: &str) -> AppResult<Kind> {
    Kind::parse(slug).ok_or(AppError::NotFound)
}

/// One kind of record with its rule (if set) and the form to change it.
struct KindView {
    kind: Kind,
    rule: Option<Rule>,
    months: String,
    reason: String,
    months_error: Option<String>,
    reason_error: Option<String>,
}

#[derive(Template)]
#[template(path = "retention/page.html")]
struct Page {
    chrome: Chrome,
    kinds: Vec<KindView>,
    due: Vec<Due>,
    month: String,
    tombstones: Vec<Tombstone>,
}

impl Page {
    fn kind_label(&self, slug: &str) -> &'static str {
        Kind::parse(slug).map_or("Records", Kind::label)
    }

    fn day(&self, text: &str) -> String {
        // Once per row of a list that can run to hundreds: chrono's formats read their pattern
        // anew on each call, which was most of this page's own time.
        dates::parse_iso(text.get(..10).unwrap_or(text))
            .map_or_else(|| text.to_owned(), dates::long)
    }

    /// "1 month", "72 months".
    fn months(&self, n: &i64) -> String {
        if *n == 1 {
            "1 month".to_owned()
        } else {
            format!("{n} months")
        }
    }

    fn erase_href(&self, d: &Due) -> String {
        format!(
            "/retention/erase?kind={}&record={}",
            d.kind.slug(),
            d.record_id
        )
    }
}

async fn view(
    st: &AppState,
    s: &Signed,
    typed: Option<(Kind, &FormPairs, &Errors)>,
) -> AppResult<Page> {
    let rules = store::rules(&st.db, s.pid()).await?;
    let kinds = Kind::ALL
        .into_iter()
        .map(|kind| {
            let rule = rules.iter().find(|r| r.kind == kind.slug()).cloned();
            let (months, reason, months_error, reason_error) = match typed {
                Some((k, f, e)) if k == kind => (
                    f.get("months"),
                    f.get("reason"),
                    e.get("months").map(str::to_owned),
                    e.get("reason").map(str::to_owned),
                ),
                _ => (
                    rule.as_ref()
                        .map(|r| r.months.to_string())
                        .unwrap_or_default(),
                    rule.as_ref().map(|r| r.reason.clone()).unwrap_or_default(),
                    None,
                    None,
                ),
            };
            KindView {
                kind,
                rule,
                months,
                reason,
                months_error,
                reason_error,
            }
        })
        .collect();
    Ok(Page {
        chrome: s.chrome("/settings"),
        kinds,
        due: due_list(st, s.pid()).await?,
        month: month_end(today()).format("%B %Y").to_string(),
        tombstones: store::tombstones(&st.db, s.pid()).await?,
    })
}

async fn page(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ManageSettings)?;
    render(&view(&st, &s, None).await?)
}

async fn save_rule(
    State(st): State<AppState>,
    s: Signed,
    Path(kind): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    s.require(Permission::ManageSettings)?;
    let kind = kind_of(&kind)?;
    if f.get("remove") == "yes" {
        store::set_rule(&st.db, &s.who(), s.pid(), kind, None).await?;
        forget_due(s.pid());
        return Ok(redirect_with(
            "/retention",
            Flash::RetentionSaved,
            st.config.secure_cookies(),
        ));
    }
    match check_rule(&f.get("months"), &f.get("reason")) {
        Ok((months, reason)) => {
            store::set_rule(&st.db, &s.who(), s.pid(), kind, Some((months, &reason))).await?;
            forget_due(s.pid());
            Ok(redirect_with(
                "/retention",
                Flash::RetentionSaved,
                st.config.secure_cookies(),
            ))
        }
        Err(list) => {
            let mut errors = Errors::default();
            errors.add_all(list, &[]);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &view(&st, &s, Some((kind, &f, &errors))).await?,
            )
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Which {
    kind: String,
    record: String,
}

/// The item of this month's list the request names, if it is due.
async fn due_item(st: &AppState, s: &Signed, kind: &str, record: &str) -> AppResult<Due> {
    let kind = kind_of(kind)?;
    store::due(&st.db, s.pid(), today())
        .await?
        .into_iter()
        .find(|d| d.kind == kind && d.record_id == record)
        .ok_or(AppError::NotFound)
}

async fn confirm(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    s.require(Permission::ManageSettings)?;
    let w: Which = query_params(q.as_deref());
    let d = due_item(&st, &s, &w.kind, &w.record).await?;
    let cutoff = due_if_on_or_before(today(), d.months);
    render(&ConfirmPage {
        chrome: s.chrome("/settings"),
        title: format!("Erase {}?", lower_first(&d.label)),
        paragraphs: vec![
            format!(
                "The partnership keeps {} for {} ({}), counted {}. This one's period ends by {}.",
                d.kind.label().to_lowercase(),
                if d.months == 1 { "1 month".to_owned() } else { format!("{} months", d.months) },
                d.reason,
                d.kind.counted_from(),
                cutoff.format("%-d %B %Y"),
            ),
            d.kind.erases().to_owned(),
            "Erasure cannot be undone. A tombstone records what kind of record it was, when it was erased and by whose decision; the audit trail keeps who did what and when, and still verifies.".to_owned(),
        ],
        action: "/retention/erase".to_owned(),
        button: "Erase it".to_owned(),
        back: "/retention".to_owned(),
        fields: vec![
            ("kind".to_owned(), d.kind.slug().to_owned()),
            ("record".to_owned(), d.record_id.clone()),
        ],
    })
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) if !s.starts_with("Audit") => first.to_lowercase().chain(c).collect(),
        _ => s.to_owned(),
    }
}

async fn erase(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ManageSettings)?;
    let kind = kind_of(&f.get("kind"))?;
    match store::erase(
        &st.db,
        &st.files,
        &s.who(),
        s.pid(),
        (kind, &f.get("record")),
        today(),
    )
    .await
    {
        Ok(_) => {
            forget_due(s.pid());
            Ok(redirect_with(
                "/retention#erased",
                Flash::RecordErased,
                st.config.secure_cookies(),
            ))
        }
        Err(StoreError::Conflict(_)) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// This month's list, per partnership: walking every rule's records is most of the retention
/// page's time, and the list changes only as months turn or records are erased. Read once a
/// minute on each server; a rule saved or a record erased here forgets it, and erasing reads
/// the list afresh whatever this one holds.
static DUE: crate::cache::Minute<(String, NaiveDate), Vec<Due>> = crate::cache::Minute::new(1000);

async fn due_list(st: &AppState, pid: &str) -> AppResult<Vec<Due>> {
    let on = today();
    Ok(DUE
        .get_or_load((pid.to_owned(), on), store::due(&st.db, pid, on))
        .await?)
}

fn forget_due(pid: &str) {
    DUE.forget(|k| k.0 == pid);
    // Erasing training bookings takes their evaluations and follow-ups with them.
    crate::training::forget_results(pid);
}

/// The business team's home page: what is due for erasure this month.
pub async fn attention(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let Audience::Person(s) = a else {
        return Ok(Vec::new());
    };
    if !s.actor.can(Permission::ManageSettings) {
        return Ok(Vec::new());
    }
    let n = due_list(st, s.pid()).await?.len();
    if n == 0 {
        return Ok(Vec::new());
    }
    Ok(vec![Attention {
        kind: "retention",
        text: if n == 1 {
            "1 record is due for erasure under the retention rules".to_owned()
        } else {
            format!("{n} records are due for erasure under the retention rules")
        },
        detail: format!(
            "This month's list, to confirm by {}",
            month_end(today()).format("%-d %B %Y")
        ),
        href: "/retention".to_owned(),
        tag: None,
    }])
}
