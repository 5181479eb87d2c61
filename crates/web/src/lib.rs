//! Learnloop's web face.
//!
//! An axum router with one module per product area (the same names as in the domain and
//! store crates). A handler reads like the user's step: parse the form, ask the policy, call
//! the store in one transaction, then render or redirect. Pages are askama templates built
//! from GOV.UK components (`learnloop-govuk`) and work without JavaScript.

mod accounts;
mod actions;
mod assets;
mod assurance;
mod attention;
mod audit;
mod audits;
mod cache;
mod child_deaths;
mod clocks;
mod error;
mod forms;
mod governance;
mod health;
mod home;
mod inspections;
mod limits;
pub mod mail;
mod page;
mod performance;
mod retention;
mod returns;
mod reviews;
mod section11;
mod session;
mod sources;
#[cfg(feature = "testing")]
pub mod testing;
mod themes;
mod training;
mod uploads;
mod voice;
mod web;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use learnloop_domain::accounts::SessionPolicy;
use learnloop_store::Db;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::AppError;

/// How an installation is set up; every field comes from a flag or an environment variable.
#[derive(Clone, Debug)]
pub struct Config {
    /// The address people reach the service at, used in links in mails.
    pub public_url: String,
    pub sessions: SessionPolicy,
    /// The From of every mail.
    pub mail_from: String,
    /// A load balancer or reverse proxy stands in front and appends the client's address to
    /// `X-Forwarded-For`: rate limits count by that address instead of the proxy's.
    pub behind_proxy: bool,
    /// The installation's secret key (kept outside the database): derives the secrets of
    /// links sent by mail.
    pub key: learnloop_store::keys::SecretKey,
}

impl Config {
    pub fn new(public_url: &str) -> Config {
        Config {
            public_url: public_url.trim_end_matches('/').to_owned(),
            sessions: SessionPolicy::default(),
            mail_from: "Learnloop <no-reply@learnloop.invalid>".to_owned(),
            behind_proxy: false,
            // A key for this process alone; `serve` sets the installation's.
            key: learnloop_store::keys::SecretKey::random(),
        }
    }

    /// Cookies are marked Secure when people reach the service over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub files: learnloop_store::files::FileStore,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A path fit for logs: the secrets in one-time links and calendar feed addresses are cut out.
fn loggable_path(path: &str) -> String {
    for prefix in ["/set-password/", "/feeds/", "/join/"] {
        if path.starts_with(prefix) {
            return format!("{prefix}[secret]");
        }
    }
    path.to_owned()
}

/// The whole application, with its middleware.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .merge(health::routes())
        .merge(assets::routes())
        .merge(accounts::routes())
        .merge(home::routes())
        .merge(governance::routes())
        .merge(audit::routes())
        .merge(clocks::routes())
        .merge(reviews::routes())
        .merge(actions::routes())
        .merge(themes::routes())
        .merge(audits::routes())
        .merge(returns::routes())
        .merge(assurance::routes())
        .merge(section11::routes())
        .merge(training::routes())
        .merge(performance::routes())
        .merge(inspections::routes())
        .merge(child_deaths::routes())
        .merge(voice::routes())
        .merge(retention::routes())
        .fallback(error::not_found);

    routes
        .layer(axum::middleware::from_fn_with_state(state.clone(), web::csrf_and_flash))
        .layer(axum::middleware::from_fn_with_state(
            (state.clone(), limits::Limits::new()),
            limits::by_address,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::cache_and_transport,
        ))
        .layer(axum::middleware::from_fn(web::no_nul_in_path))
        .layer(axum::middleware::from_fn(web::server_timing))
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                 font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(CatchPanicLayer::custom(error::panic_page))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %loggable_path(req.uri().path()), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        // A request id sent by the client is dropped: the audit trail records ours.
        .layer(axum::middleware::map_request(|mut req: axum::extract::Request| async move {
            req.headers_mut().remove(REQUEST_ID);
            req
        }))
        .with_state(state)
}
