//! Meeting papers: files submitted against a meeting (and one of its agenda items), flagged
//! late after the group's papers deadline, downloaded only by people who may see the group.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{Days, Utc};
use learnloop_domain::files::{MAX_UPLOAD_BYTES, check_upload, safe_name};
use learnloop_domain::governance::access::GroupPermission;
use learnloop_domain::text::check_name;
use learnloop_store::audit::{self, Event};
use learnloop_store::files::{self, Upload};
use learnloop_store::governance::meetings::{self, NewPaper};
use learnloop_store::is_id;

use super::groups::load;
use super::meetings::render_with_errors;
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, FormPairs};
use crate::page::Flash;
use crate::session::Signed;
use crate::web::redirect_with;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/meetings/{id}/papers",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 1024 * 1024)),
        )
        .route("/papers/{id}", get(download))
}

async fn upload(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    form: Multipart,
) -> AppResult<Response> {
    if !is_id(&id) {
        return Err(AppError::NotFound);
    }
    let m = meetings::get(&st.db, s.pid(), &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let l = load(&st, &s, &m.group_id, GroupPermission::View).await?;
    if m.cancelled() {
        return Err(AppError::NotFound);
    }
    let up = match crate::uploads::read(form).await {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    // The names the meeting page's form gives its fields.
    let (title, item) = (up.fields.get("paper-title"), up.fields.get("paper-item"));
    let (file_name, bytes) = up.file();
    let mut errors = Errors::default();
    let typed = title.clone();
    let title = errors.check("paper-title", check_name(&title, "title of the paper", 300));
    let content_type = errors.check("paper-file", check_upload(&file_name, &bytes));
    let items = meetings::items(&st.db, s.pid(), &id).await?;
    let item = Some(item).filter(|i| !i.is_empty());
    if item
        .as_ref()
        .is_some_and(|i| !items.iter().any(|x| &x.id == i))
    {
        errors.add("paper-item", "Choose an item of this meeting's agenda");
    }
    let (Some(title), Some(content_type)) = (title, content_type) else {
        let f = FormPairs(vec![("paper-title".into(), typed)]);
        return render_with_errors(&st, &s, m, l, &f, &errors).await;
    };
    if !errors.is_empty() {
        let f = FormPairs(vec![("paper-title".into(), title)]);
        return render_with_errors(&st, &s, m, l, &f, &errors).await;
    }
    let meeting_day = m.date();
    let deadline = meeting_day
        .checked_sub_days(Days::new(u64::try_from(l.group.papers_days).unwrap_or(14)))
        .unwrap_or(meeting_day);
    let late = Utc::now().date_naive() > deadline;
    meetings::add_paper(
        &st.db,
        &st.files,
        &s.who(),
        s.pid(),
        NewPaper {
            meeting_id: &id,
            agenda_item_id: item.as_deref(),
            title: &title,
            late,
        },
        Upload {
            name: safe_name(&file_name),
            content_type: content_type.to_owned(),
            bytes,
        },
    )
    .await?;
    Ok(redirect_with(
        &format!("/meetings/{id}#papers"),
        Flash::PaperSubmitted,
        st.config.secure_cookies(),
    ))
}

/// Sends a paper as an attachment after checking, again, that the person may see the group.
async fn download(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    if !is_id(&id) {
        return Err(AppError::NotFound);
    }
    let p = meetings::paper(&st.db, s.pid(), &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let m = meetings::get(&st.db, s.pid(), &p.meeting_id)
        .await?
        .ok_or(AppError::NotFound)?;
    load(&st, &s, &m.group_id, GroupPermission::View).await?;
    let f = files::get(&st.db, s.pid(), &p.file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = st.files.get(&f.storage_key).await?;
    audit::record(
        &st.db,
        &s.who(),
        Event::new(
            "paper.download",
            learnloop_domain::sources::SourceKind::Meeting.slug(),
            Some(&m.id),
        )
        .summary(format!("Downloaded the paper {}", p.title)),
    )
    .await?;
    Ok(crate::uploads::attachment(&f, bytes))
}
