//! The partnership's own data in one download (`/settings/export`), for a partnership leaving
//! the service: the business team asks for it and it is written straight into the download
//! (one at a time in each instance, so a second waits its turn rather than doubling the load);
//! every export is in the audit trail.

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use learnloop_domain::policy::Permission;

use crate::AppState;
use crate::error::AppResult;
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

/// The zip's bytes, handed to the download as they are written.
struct ToDownload(std::sync::mpsc::SyncSender<Vec<u8>>);

impl std::io::Write for ToDownload {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .send(buf.to_vec())
            .map_err(|_| std::io::Error::other("the download was abandoned"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The archive, written straight into the response as it is made: nothing is kept on disk, the
/// download starts at once (so no time limit cuts it off while it is prepared), and leaving it
/// stops the work.
async fn download(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ManageSettings)?;
    learnloop_store::audit::record(
        &st.db,
        &s.who(),
        learnloop_store::audit::Event::new("partnership.export", "partnership", Some(s.pid()))
            .summary("Downloaded all the partnership's records"),
    )
    .await?;
    let (bytes_tx, bytes_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(16);
    let (body_tx, mut body_rx) =
        tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(16);
    // The writer: on a thread of its own, reading the database through the runtime.
    let (db, files, pid) = (st.db.clone(), st.files.clone(), s.pid().to_owned());
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let _turn = handle.block_on(ONE_AT_A_TIME.acquire());
        if let Err(e) = learnloop_store::export::partnership_to(
            &handle,
            &db,
            &files,
            &pid,
            ToDownload(bytes_tx),
        ) {
            tracing::warn!(error = %e, "a partnership's export stopped");
        }
    });
    // The carrier: from the writer's thread to the response.
    tokio::task::spawn_blocking(move || {
        while let Ok(chunk) = bytes_rx.recv() {
            if body_tx
                .blocking_send(Ok(bytes::Bytes::from(chunk)))
                .is_err()
            {
                break;
            }
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| body_rx.poll_recv(cx));
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
