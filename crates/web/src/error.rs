//! One error type for every handler, and the GOV.UK-style pages it turns into.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use learnloop_store::StoreError;

/// What went wrong, in terms of what the user sees.
#[derive(Debug)]
pub enum AppError {
    /// 404: no such page or record, or one in another partnership.
    NotFound,
    /// 403: signed in, but the policy refuses.
    Forbidden,
    /// 403: the form's security token is missing or stale.
    BadToken,
    /// 400: the request itself is malformed (not a validation error: those re-show the form).
    BadRequest(String),
    /// 500: our fault; logged with the request id, never shown.
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: crate::page::Chrome,
    title: &'a str,
    paragraphs: &'a [&'a str],
}

fn error_page(status: StatusCode, title: &str, paragraphs: &[&str]) -> Response {
    let body = ErrorPage {
        chrome: crate::page::Chrome::default(),
        title,
        paragraphs,
    }
    .render()
    .unwrap_or_else(|_| title.to_owned());
    (status, Html(body)).into_response()
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => not_found_page(),
            AppError::Forbidden => error_page(
                StatusCode::FORBIDDEN,
                "You do not have permission to see this page",
                &[
                    "Your account does not have a role that allows this.",
                    "If you think you should have access, contact your partnership's business team.",
                ],
            ),
            AppError::BadToken => error_page(
                StatusCode::FORBIDDEN,
                "Your form could not be sent",
                &[
                    "The page was open for too long, or it was sent from another website.",
                    "Go back, reload the page and try again. Nothing was saved.",
                ],
            ),
            AppError::BadRequest(why) => {
                tracing::info!(%why, "bad request");
                error_page(
                    StatusCode::BAD_REQUEST,
                    "Sorry, there is a problem with that request",
                    &["Go back and try again. Nothing was saved."],
                )
            }
            AppError::Internal(why) => {
                tracing::error!(%why, "internal error");
                server_error_page()
            }
        }
    }
}

fn not_found_page() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "Page not found",
        &[
            "If you typed the web address, check it is correct.",
            "If you pasted the web address, check you copied the entire address.",
        ],
    )
}

fn server_error_page() -> Response {
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Sorry, there is a problem with the service",
        &[
            "Try again later.",
            "If you were saving something, check whether it was saved before you try again.",
        ],
    )
}

/// The router's fallback: an unknown address.
pub async fn not_found() -> Response {
    not_found_page()
}

/// A panic in a handler is a bug; the user still gets a proper page.
pub fn panic_page(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    server_error_page()
}

/// The response for a body over the limit.
pub fn too_large() -> Response {
    error_page(
        StatusCode::PAYLOAD_TOO_LARGE,
        "What you sent is too large",
        &["Go back and send something smaller. Nothing was saved."],
    )
}

pub type AppResult<T> = Result<T, AppError>;

/// Too many requests from one client address: when to try again, in words and in
/// `Retry-After`.
pub fn too_many(wait_seconds: u64) -> Response {
    let wait = wait_seconds.max(1);
    let when = if wait < 90 {
        format!("Wait {wait} seconds, then try again.")
    } else {
        format!("Wait {} minutes, then try again.", wait.div_ceil(60))
    };
    let mut resp = error_page(
        StatusCode::TOO_MANY_REQUESTS,
        "There have been too many attempts from your network",
        &[
            &when,
            "This protects everyone's accounts from people guessing passwords and links. Nothing was saved.",
        ],
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&wait.to_string()) {
        resp.headers_mut()
            .insert(axum::http::header::RETRY_AFTER, v);
    }
    resp
}
