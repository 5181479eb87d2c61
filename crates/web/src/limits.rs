//! Rate limits by client address on the doors anyone can knock at without an account:
//! signing in, the code step, asking for a reset, and opening or using a one-time link. The
//! account-level limits (five wrong passwords or codes lock that account for that address)
//! live with each step; this one stops one address spraying many accounts or guessing links.
//!
//! In-process (governor's GCRA): the allowance refills continuously, so nobody stays locked
//! out, and each instance behind a load balancer keeps its own count.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::AppState;

/// The address a request to a guarded door came from, as its handler reads it.
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

/// Requests one address may make to the guarded doors, per minute (the burst is the same):
/// enough for an office of hundreds signing in at nine behind one address.
const PER_MINUTE: u32 = 60;

#[derive(Clone)]
pub struct Limits {
    by_address: Arc<DefaultKeyedRateLimiter<String>>,
}

impl Limits {
    pub fn new() -> Limits {
        let quota = Quota::per_minute(NonZeroU32::new(PER_MINUTE).unwrap_or(NonZeroU32::MIN));
        Limits {
            by_address: Arc::new(RateLimiter::keyed(quota)),
        }
    }
}

/// Whether a request knocks at a guarded door.
fn guarded(method: &Method, path: &str) -> bool {
    let post = method == Method::POST;
    (post
        && matches!(
            path,
            "/sign-in" | "/forgot-password" | "/sign-in/code" | "/sign-in/set-up"
        ))
        || path.starts_with("/set-password/")
        || path.starts_with("/join/")
        // Each single sign-on step keeps a row, reads the provider or writes an audit entry.
        || path.starts_with("/sign-in/sso/")
}

/// The client's address: the connection's peer, or behind a trusted proxy the last address
/// the proxy appended to `X-Forwarded-For` (earlier ones are the client's to invent).
fn client_addr(req: &Request, behind_proxy: bool) -> String {
    if behind_proxy
        && let Some(last) = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| !v.is_empty())
    {
        return last.chars().take(64).collect();
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

pub async fn by_address(
    State((state, limits)): State<(AppState, Limits)>,
    mut req: Request,
    next: Next,
) -> Response {
    // Only the guarded doors pay for working out the address; their handlers read it.
    if guarded(req.method(), req.uri().path()) {
        let addr = client_addr(&req, state.config.behind_proxy);
        if let Err(not_until) = limits.by_address.check_key(&addr) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            tracing::warn!(%addr, "rate limit reached");
            return crate::error::too_many(wait.as_secs() + 1);
        }
        // Forget addresses whose allowance is full again, now and then, so memory stays small.
        if limits.by_address.len() > 10_000 {
            limits.by_address.retain_recent();
        }
        req.extensions_mut().insert(ClientAddr(addr));
    }
    next.run(req).await
}
