//! Importing indicator values from a spreadsheet, as action plans are imported: the file is
//! checked row by row against the dataset and kept, the preview says what each row will do
//! (a new value, a correction with its reason, unchanged), and confirming writes every row in
//! one transaction or none. The sheet to fill in is offered as a download: the indicators the
//! person enters, with the last period ended.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use learnloop_domain::actions::import::Problem;
use learnloop_domain::files::MAX_UPLOAD_BYTES;
use learnloop_domain::performance::import::{self, Checked, Known};
use learnloop_domain::performance::{Period, can_enter, can_manage};
use learnloop_govuk::ErrorSummary;
use learnloop_store::{Day, is_id, performance};

use super::{forget, today};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, FormPairs};
use crate::page::{Chrome, Flash, render, render_status};
use crate::session::Signed;
use crate::web::redirect_with;

/// Files kept for an import are owned by this kind, and the person's partnership.
const OWNER: &str = "indicator_import";

/// Who imports: the business team, or an agency's lead (for their agency's indicators).
fn may_import(s: &Signed) -> AppResult<()> {
    s.require(learnloop_domain::policy::Permission::ViewPartnership)?;
    if can_manage(&s.actor) || s.actor.agencies_led().next().is_some() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Template)]
#[template(path = "performance/import.html")]
struct ImportPage {
    chrome: Chrome,
    errors: ErrorSummary,
    columns: String,
    file_error: Option<String>,
    checked: Option<Checked>,
    problems: Vec<Problem>,
    file_id: String,
    file_name: String,
}

fn view(
    s: &Signed,
    file_error: Option<String>,
    checked: Option<(Checked, String, String)>,
) -> ImportPage {
    let mut errors = Errors::default();
    if let Some(m) = &file_error {
        errors.add("file", m);
    }
    let (checked, file_id, file_name) = match checked {
        Some((c, id, name)) => (Some(c), id, name),
        None => (None, String::new(), String::new()),
    };
    ImportPage {
        chrome: s.chrome("/performance"),
        errors: errors.summary(),
        columns: import::COLUMNS.join(", "),
        file_error,
        problems: checked
            .as_ref()
            .map(|c| c.problems.clone())
            .unwrap_or_default(),
        checked,
        file_id,
        file_name,
    }
}

pub(super) async fn page(State(_st): State<AppState>, s: Signed) -> AppResult<Response> {
    may_import(&s)?;
    render(&view(&s, None, None))
}

/// The indicators in the dataset today, as the rows are checked against them, and the values
/// already entered.
async fn lookups(
    st: &AppState,
    s: &Signed,
) -> AppResult<(Vec<Known>, HashMap<(String, String), f64>)> {
    let all = performance::dataset(&st.db, s.pid(), Day(today()), true).await?;
    let retired = performance::retired(&st.db, s.pid()).await?;
    let known: Vec<Known> = all
        .iter()
        .chain(retired.iter())
        .map(|i| Known {
            id: i.id.clone(),
            name: i.name.clone(),
            frequency: i.frequency,
            unit: i.unit,
            retired: i.retired_on.is_some(),
            may_enter: can_enter(&s.actor, &i.agency_id),
        })
        .collect();
    let since = (today() - chrono::Days::new(366 * 12))
        .format("%Y")
        .to_string();
    let existing = performance::values_since(&st.db, s.pid(), &since)
        .await?
        .into_iter()
        .map(|(id, period, v)| ((id, period), v))
        .collect();
    Ok((known, existing))
}

async fn check_file(st: &AppState, s: &Signed, bytes: &[u8]) -> AppResult<Result<Checked, String>> {
    // Bounded and CPU-bound: read on a blocking thread, as action plans are.
    let owned = bytes.to_vec();
    let read = tokio::task::spawn_blocking(move || learnloop_docs::table::read(&owned))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let rows = match read {
        Ok(r) => r,
        Err(m) => return Ok(Err(m)),
    };
    let (known, existing) = lookups(st, s).await?;
    let day = today();
    let checked = tokio::task::spawn_blocking(move || import::check(&rows, &known, &existing, day))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Ok(checked))
}

pub(super) async fn upload(
    State(st): State<AppState>,
    s: Signed,
    form: Multipart,
) -> AppResult<Response> {
    may_import(&s)?;
    let up = match crate::uploads::read(form).await {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let (file_name, bytes) = up.file();
    let again =
        |m: String| render_status(StatusCode::UNPROCESSABLE_ENTITY, &view(&s, Some(m), None));
    if file_name.trim().is_empty() || bytes.is_empty() {
        return again("Choose the spreadsheet with the values (XLSX or CSV)".into());
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return again("The file must be smaller than 20 MB".into());
    }
    let checked = match check_file(&st, &s, &bytes).await? {
        Ok(c) => c,
        Err(m) => return again(m),
    };
    // Kept so that confirming imports exactly what was checked.
    let kept =
        crate::uploads::keep_sheet(&st, &s, (OWNER, &s.person.id), (&file_name, bytes)).await?;
    // A person keeps one sheet waiting to be imported: the one just checked.
    learnloop_store::files::keep_only(&st.db, &st.files, s.pid(), (OWNER, &s.person.id), &kept.id)
        .await?;
    let status = if checked.is_valid() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(status, &view(&s, None, Some((checked, kept.id, kept.name))))
}

pub(super) async fn confirm(
    State(st): State<AppState>,
    s: Signed,
    f: FormPairs,
) -> AppResult<Response> {
    may_import(&s)?;
    let file_id = f.get("file_id");
    if !is_id(&file_id) {
        return Err(AppError::BadRequest("the file to import is missing".into()));
    }
    // Only the person who uploaded the file may import it.
    let file = learnloop_store::files::get(&st.db, s.pid(), &file_id)
        .await?
        .filter(|x| x.owner_kind == OWNER && x.owner_id == s.person.id)
        .ok_or(AppError::NotFound)?;
    let bytes = st.files.get(&file.storage_key).await?;
    let checked = match check_file(&st, &s, &bytes).await? {
        Ok(c) => c,
        Err(m) => {
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &view(&s, Some(m), None));
        }
    };
    if !checked.is_valid() {
        // Something changed since the preview (an indicator retired, a value entered): show it.
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &view(&s, None, Some((checked, file.id, file.name))),
        );
    }
    let entries: Vec<performance::Entry> = checked
        .rows
        .iter()
        .filter(|r| r.writes())
        .map(|r| (r.indicator_id.clone(), r.period, r.value, r.reason.clone()))
        .collect();
    match performance::enter_all(&st.db, &s.who(), s.pid(), &entries).await {
        Ok(_) => {}
        Err(learnloop_store::StoreError::Conflict(m)) => {
            forget(s.pid());
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &view(&s, Some(m), None));
        }
        Err(e) => return Err(e.into()),
    }
    forget(s.pid());
    Ok(redirect_with(
        "/performance",
        Flash::ValuesImported,
        st.config.secure_cookies(),
    ))
}

/// The sheet to fill in: every indicator the person enters, with the last period ended and its
/// value if it has one.
pub(super) async fn sheet(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    may_import(&s)?;
    let (known, existing) = lookups(&st, &s).await?;
    let rows: Vec<Vec<String>> = known
        .iter()
        .filter(|k| k.may_enter && !k.retired)
        .map(|k| {
            let p = Period::of(k.frequency, today()).prev();
            let v = existing
                .get(&(k.id.clone(), p.key()))
                .map(|v| format!("{v}"))
                .unwrap_or_default();
            vec![k.id.clone(), k.name.clone(), p.key(), v, String::new()]
        })
        .collect();
    crate::uploads::spreadsheet(
        true,
        ("indicator-values", "Values"),
        &import::COLUMNS,
        &rows,
    )
}
