//! The partnership's own data in one download (`/settings/export`), for a partnership leaving
//! the service: the business team asks for it, it is built into a file beside the server (one
//! at a time, so a second request waits its turn rather than doubling the load), sent, and
//! deleted; every export is in the audit trail.

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use learnloop_domain::policy::Permission;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::page::{Chrome, render};
use crate::session::Signed;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/settings/export", get(page).post(download))
}

#[derive(Template)]
#[template(path = "governance/export.html")]
struct ExportPage {
    chrome: Chrome,
}

async fn page(s: Signed) -> AppResult<Response> {
    s.require(Permission::ManageSettings)?;
    render(&ExportPage {
        chrome: s.chrome("/settings"),
    })
}

/// One export at a time in each instance.
static ONE_AT_A_TIME: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

async fn download(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ManageSettings)?;
    let _turn = ONE_AT_A_TIME
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let path = std::env::temp_dir().join(format!(
        "learnloop-export-{}.zip",
        learnloop_store::new_id()
    ));
    let summary = learnloop_store::export::partnership(&st.db, &st.files, s.pid(), &path).await?;
    learnloop_store::audit::record(
        &st.db,
        &s.who(),
        learnloop_store::audit::Event::new("partnership.export", "partnership", Some(s.pid()))
            .summary(format!(
                "Downloaded all the partnership's records ({} rows in {} tables, {} files)",
                summary.rows, summary.tables, summary.files
            )),
    )
    .await?;
    // Opened, then removed: the bytes stay readable through the open file until it is sent,
    // and nothing is left behind if the download stops half-way.
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let _ = tokio::fs::remove_file(&path).await;
    let stream = futures_util::stream::unfold(file, |mut f| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 64 * 1024];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buf)), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    });
    let name = format!(
        "learnloop-{}-{}.zip",
        s.partnership.slug,
        learnloop_domain::dates::london_date(chrono::Utc::now())
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
