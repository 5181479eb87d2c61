//! Who is asking: the signed-in person (from the session cookie) acting in one partnership,
//! with the memberships the policy decides from.
//!
//! Sessions live in the database so that any instance can serve any request and a session can
//! be revoked at once; the cookie holds a random secret and the database only its hash.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use learnloop_domain::policy::{Actor, Permission};
use learnloop_store::accounts::{self, Person, secret_hash};
use learnloop_store::audit::Who;
use learnloop_store::governance::Partnership;
use learnloop_store::parse_ts;

use crate::AppState;
use crate::error::AppError;
use crate::page::{Chrome, Flash};
use crate::web::{CsrfToken, cookie, session_cookie};

/// Any visitor, signed in or not.
pub struct Visitor {
    pub csrf: String,
    pub flash: Option<Flash>,
    pub request_id: Option<String>,
    pub signed: Option<Signed>,
}

/// A signed-in person acting in their current partnership.
pub struct Signed {
    pub csrf: String,
    pub flash: Option<Flash>,
    pub request_id: Option<String>,
    pub token_hash: String,
    pub person: Person,
    pub partnership: Partnership,
    pub actor: Actor,
    /// Every partnership the person belongs to (id, name), for switching.
    pub partnerships: Vec<(String, String)>,
}

impl Signed {
    /// Deny unless the policy grants it.
    pub fn require(&self, p: Permission) -> Result<(), AppError> {
        if self.actor.can(p) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The audit trail's view of this person.
    pub fn who(&self) -> Who {
        Who {
            person_id: Some(self.person.id.clone()),
            label: format!("{} <{}>", self.person.name, self.person.email),
            partnership_id: Some(self.partnership.id.clone()),
            request_id: self.request_id.clone(),
        }
    }

    pub fn pid(&self) -> &str {
        &self.partnership.id
    }

    /// The partnership's agencies, themes, clock rules and bank holidays, from this
    /// instance's copy while it is current.
    pub async fn reference(
        &self,
        db: &learnloop_store::Db,
    ) -> Result<std::sync::Arc<learnloop_store::reference::Reference>, AppError> {
        Ok(learnloop_store::reference::of(db, &self.partnership).await?)
    }

    /// The header, navigation and messages of a page, for this person.
    pub fn chrome(&self, current: &str) -> Chrome {
        Chrome::signed_in(self, current)
    }
}

impl Visitor {
    pub fn chrome(&self, current: &str) -> Chrome {
        match &self.signed {
            Some(s) => s.chrome(current),
            None => Chrome::anonymous(&self.csrf, self.flash),
        }
    }
}

fn request_id(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn load_signed(
    parts: &Parts,
    state: &AppState,
    csrf: &str,
    flash: Option<Flash>,
) -> Result<Option<Signed>, AppError> {
    let Some(secret) = cookie(
        &parts.headers,
        session_cookie(state.config.secure_cookies()),
    ) else {
        return Ok(None);
    };
    let hash = secret_hash(secret);
    let Some(mut found) = accounts::session_context(&state.db, &hash).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    let live = |found: &accounts::SessionContext| -> Result<bool, AppError> {
        let created = parse_ts(&found.session_created_at)?;
        let last_seen = parse_ts(&found.session_last_seen_at)?;
        Ok(state.config.sessions.is_live(created, last_seen, now))
    };
    if !live(&found)? {
        // This instance's copy may not know that another marked the session as used since.
        match accounts::session_context_afresh(&state.db, &hash).await? {
            Some(fresh) if live(&fresh)? => found = fresh,
            Some(_) => {
                accounts::delete_session(&state.db, &hash).await?;
                return Ok(None);
            }
            None => return Ok(None),
        }
    }
    let last_seen = parse_ts(&found.session_last_seen_at)?;
    let accounts::SessionContext {
        session_partnership_id,
        person,
        memberships: all,
        partnerships: mut theirs,
        ..
    } = found;
    if !person.active {
        return Ok(None);
    }
    let partnerships: Vec<(String, String)> = theirs
        .iter()
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    // The session's partnership while they still belong to it, or else their first.
    let at = session_partnership_id
        .and_then(|p| theirs.iter().position(|x| x.id == p))
        .unwrap_or(0);
    if at >= theirs.len() {
        return Ok(None);
    }
    let partnership = theirs.swap_remove(at);
    let pid = partnership.id.clone();
    let memberships = all
        .iter()
        .filter(|m| m.membership.partnership_id == pid)
        .filter_map(|m| m.membership.to_domain())
        .collect();
    // Writing on every request would serialise readers behind the writer; once a minute is
    // precise enough for a 30-minute idle limit.
    if now - last_seen > Duration::seconds(60) {
        accounts::touch_session(&state.db, &hash, now).await?;
    }
    Ok(Some(Signed {
        csrf: csrf.to_owned(),
        flash,
        request_id: request_id(parts),
        token_hash: hash,
        actor: Actor {
            person_id: person.id.clone(),
            partnership_id: pid,
            memberships,
        },
        person,
        partnership,
        partnerships,
    }))
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let flash = parts.extensions.get::<Option<Flash>>().copied().flatten();
        let signed = load_signed(parts, state, &csrf, flash).await?;
        Ok(Visitor {
            csrf,
            flash,
            request_id: request_id(parts),
            signed,
        })
    }
}

/// Refusal for pages that need a signed-in person: off to the sign-in page and back after.
pub enum SignInFirst {
    Redirect(String),
    Error(AppError),
}

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        match self {
            SignInFirst::Redirect(to) => Redirect::to(&to).into_response(),
            SignInFirst::Error(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = SignInFirst;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let v = Visitor::from_request_parts(parts, state)
            .await
            .map_err(SignInFirst::Error)?;
        match v.signed {
            Some(s) => Ok(s),
            None => {
                let path = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
                Err(SignInFirst::Redirect(format!("/sign-in?next={next}")))
            }
        }
    }
}
