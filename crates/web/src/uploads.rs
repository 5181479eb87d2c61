//! Files in and out: reading a multipart form (its text fields and its files) and sending a
//! stored file back as an attachment, and spreadsheets of a list. Every upload and download
//! handler uses these, so size limits, errors and headers are the same everywhere.

use axum::extract::Multipart;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use learnloop_domain::files::safe_name;
use learnloop_store::files::FileObject;

use crate::error::{AppError, too_large};
use crate::forms::FormPairs;
use crate::forms::without_nul;

/// A multipart form as sent: its text fields, and each file input's file name and bytes
/// (empty file inputs are left out).
pub struct Uploaded {
    pub fields: FormPairs,
    pub files: Vec<(String, Bytes)>,
}

impl Uploaded {
    /// The first file, or an empty one.
    pub fn file(&self) -> (String, Bytes) {
        self.files.first().cloned().unwrap_or_default()
    }
}

/// Reads the whole form. A body over the route's limit gets the "too large" page; a broken
/// form a 400; either way nothing has been saved.
pub async fn read(mut form: Multipart) -> Result<Uploaded, Response> {
    let mut fields = Vec::new();
    let mut files = Vec::new();
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                if let Some(file_name) = field.file_name().map(ToOwned::to_owned) {
                    match field.bytes().await {
                        Ok(b) if b.is_empty() && file_name.is_empty() => {}
                        Ok(b) => files.push((without_nul(&file_name), b)),
                        Err(_) => return Err(too_large()),
                    }
                } else {
                    match field.text().await {
                        Ok(text) => fields.push((without_nul(&name), without_nul(&text))),
                        Err(e) => return Err(AppError::BadRequest(e.to_string()).into_response()),
                    }
                }
            }
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(e) => return Err(AppError::BadRequest(e.to_string()).into_response()),
        }
    }
    Ok(Uploaded {
        fields: FormPairs(fields),
        files,
    })
}

/// A stored file sent back as a download, never shown inline, never cached.
pub fn attachment(f: &FileObject, bytes: Bytes) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", safe_name(&f.name));
    (
        [
            (header::CONTENT_TYPE, f.content_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// A list as a spreadsheet download: `xlsx` for Excel, anything else for CSV. Cells that a
/// spreadsheet would read as formulas are neutralised (CSV) or written as text (XLSX).
pub fn spreadsheet(
    xlsx: bool,
    (file, sheet): (&str, &str),
    headers: &[&str],
    rows: &[Vec<String>],
) -> Result<Response, AppError> {
    let (content_type, body, ext) = if xlsx {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            learnloop_docs::table::xlsx(sheet, headers, rows).map_err(AppError::Internal)?,
            "xlsx",
        )
    } else {
        (
            "text/csv; charset=utf-8",
            learnloop_docs::table::csv(headers, rows)
                .map_err(AppError::Internal)?
                .into_bytes(),
            "csv",
        )
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}.{ext}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// Keeps a spreadsheet uploaded to be imported, owned by `owner`, so that confirming imports
/// exactly the file that was checked.
pub(crate) async fn keep_sheet(
    st: &crate::AppState,
    s: &crate::session::Signed,
    owner: (&str, &str),
    (name, bytes): (&str, Bytes),
) -> crate::error::AppResult<FileObject> {
    let is_xlsx = bytes.starts_with(b"PK\x03\x04");
    let mut tx = st.db.begin().await?;
    let kept = learnloop_store::files::save(
        &st.files,
        &mut tx,
        s.pid(),
        owner,
        &s.who().label,
        learnloop_store::files::Upload {
            name: safe_name(name),
            content_type: if is_xlsx {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into()
            } else {
                "text/csv".into()
            },
            bytes,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(kept)
}

/// The one file of a form that adds a record's file: Ok with the upload, checked, or Err with
/// what to fix; a form the server refuses outright is answered at once (the outer Err).
pub(crate) async fn one_file(
    form: axum::extract::Multipart,
) -> Result<Result<learnloop_store::files::Upload, String>, Response> {
    let up = read(form).await?;
    let (name, bytes) = up.file();
    Ok(
        learnloop_domain::files::check_upload(&name, &bytes).map(|content_type| {
            learnloop_store::files::Upload {
                name: safe_name(&name),
                content_type: content_type.to_owned(),
                bytes,
            }
        }),
    )
}

/// A file a record owns, sent after the caller has checked the person may read the record; the
/// download is audited on the record as `action`.
pub(crate) async fn owned_download(
    st: &crate::AppState,
    s: &crate::session::Signed,
    (kind, owner, file): (&str, &str, &str),
    (action, target_kind, what): (&'static str, &'static str, &str),
) -> crate::error::AppResult<Response> {
    if !learnloop_store::is_id(file) {
        return Err(AppError::NotFound);
    }
    let f = learnloop_store::files::get(&st.db, s.pid(), file)
        .await?
        .filter(|f| f.owner_kind == kind && f.owner_id == owner)
        .ok_or(AppError::NotFound)?;
    let bytes = st.files.get(&f.storage_key).await?;
    learnloop_store::audit::record(
        &st.db,
        &s.who(),
        learnloop_store::audit::Event::new(action, target_kind, Some(owner))
            .summary(format!("Downloaded the {what} {}", f.name)),
    )
    .await?;
    Ok(attachment(&f, bytes))
}
