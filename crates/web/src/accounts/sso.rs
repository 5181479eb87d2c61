//! Signing in through an agency's own identity provider (OpenID Connect, authorization code
//! flow with PKCE).
//!
//! The button posts to `/sign-in/sso/{provider}`: Learnloop reads the provider's discovery
//! document (its issuer must be the one the partnership set up), keeps the state's hash, the
//! PKCE verifier and the nonce in the database (so any instance can finish the sign-in), binds
//! the state to the browser with a cookie, and sends the person to the provider. The provider
//! sends them back to `/sign-in/sso/callback`, where the sign-in under way is taken once, the
//! code exchanged with the verifier, and the ID token checked (signature, issuer, audience,
//! nonce, time). The email address must be verified, of a domain the provider vouches for, and
//! belong to a person already holding a role in the partnership: a provider never creates an
//! account or a role. Each refusal is a page that says what to do, and an audit entry.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use learnloop_domain::accounts::Email;
use learnloop_domain::sso::{Refusal, SIGN_IN_MINUTES, asserts_second_factor, vouches_for};
use learnloop_store::accounts::{self, secret_hash};
use learnloop_store::audit::{self, Event, Who};
use learnloop_store::is_id;
use learnloop_store::sso::{self, Provider};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreTokenResponse,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, DiscoveryError,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::Deserialize;

use super::{safe_next, second_factor, start_session, user_agent};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::forms::FormPairs;
use crate::page::{InfoPage, render_status};
use crate::session::Visitor;
use crate::web::{cookie, query_params, set_cookie};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sign-in/sso/callback", get(callback))
        .route("/sign-in/sso/{id}", post(start))
}

const STATE_COOKIE: &str = "ll_sso";
const STATE_SECURE: &str = "__Host-ll_sso";

fn state_cookie(secure: bool) -> &'static str {
    if secure { STATE_SECURE } else { STATE_COOKIE }
}

fn clear_state(secure: bool) -> HeaderValue {
    set_cookie(state_cookie(secure), "", "Lax", secure, Some(0))
}

/// The one HTTP client for providers: it never follows a redirect (a provider's answer is
/// read where it was asked for) and gives up after ten seconds.
fn http() -> AppResult<&'static openidconnect::reqwest::Client> {
    static CLIENT: std::sync::OnceLock<openidconnect::reqwest::Client> = std::sync::OnceLock::new();
    if let Some(c) = CLIENT.get() {
        return Ok(c);
    }
    let c = openidconnect::reqwest::Client::builder()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| AppError::Internal(format!("the single sign-on HTTP client: {e}")))?;
    Ok(CLIENT.get_or_init(|| c))
}

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The provider's client, from its discovery document: refused when the document cannot be
/// read or names another issuer than the one the partnership set up.
async fn client(st: &AppState, p: &Provider) -> AppResult<Result<Client, Refusal>> {
    let Ok(issuer) = IssuerUrl::new(p.issuer.clone()) else {
        return Ok(Err(Refusal::Unreachable));
    };
    let metadata = match CoreProviderMetadata::discover_async(issuer, http()?).await {
        Ok(m) => m,
        Err(DiscoveryError::Validation(e)) => {
            tracing::warn!(provider = %p.id, "single sign-on discovery: {e}");
            return Ok(Err(Refusal::WrongIssuer));
        }
        Err(e) => {
            tracing::warn!(provider = %p.id, "single sign-on discovery: {e}");
            return Ok(Err(Refusal::Unreachable));
        }
    };
    // Where Learnloop is served over https, so is every address the provider names: the
    // secret and the code never travel in the clear.
    if st.config.secure_cookies() {
        let token_https = metadata
            .token_endpoint()
            .is_none_or(|u| u.url().scheme() == "https");
        if !token_https || metadata.jwks_uri().url().scheme() != "https" {
            tracing::warn!(provider = %p.id, "single sign-on discovery names a plain http endpoint");
            return Ok(Err(Refusal::Unreachable));
        }
    }
    let Some(secret) = p.client_secret(&st.config.key) else {
        return Err(AppError::Internal(
            "a provider's client secret cannot be opened with this installation's key".into(),
        ));
    };
    let redirect = RedirectUrl::new(format!("{}/sign-in/sso/callback", st.config.public_url))
        .map_err(|e| AppError::Internal(format!("the callback address: {e}")))?;
    Ok(Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(p.client_id.clone()),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(redirect)))
}

/// Leaves for the provider.
async fn start(
    State(st): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    if !is_id(&id) {
        return Err(AppError::NotFound);
    }
    let Some(p) = sso::provider(&st.db, &id).await? else {
        return Err(AppError::NotFound);
    };
    let client = match client(&st, &p).await? {
        Ok(c) => c,
        Err(r) => return refuse(&st, &v, Some(&p), None, r).await,
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".to_owned()))
        .add_scope(Scope::new("profile".to_owned()))
        .set_pkce_challenge(challenge)
        .url();
    sso::begin(
        &st.db,
        &secret_hash(state.secret()),
        &p.id,
        verifier.secret(),
        nonce.secret(),
        safe_next(&f.get("next")),
    )
    .await?;
    let secure = st.config.secure_cookies();
    let mut resp = Redirect::to(url.as_str()).into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            state_cookie(secure),
            state.secret(),
            "Lax",
            secure,
            Some(SIGN_IN_MINUTES * 60),
        ),
    );
    Ok(resp)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CallbackQuery {
    state: String,
    code: String,
    error: String,
}

/// Back from the provider.
async fn callback(
    State(st): State<AppState>,
    v: Visitor,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    let q: CallbackQuery = query_params(q.as_deref());
    let secure = st.config.secure_cookies();
    // The state must come back to the browser that left with it.
    let bound = !q.state.is_empty()
        && cookie(&headers, state_cookie(secure)).is_some_and(|c| {
            subtle::ConstantTimeEq::ct_eq(c.as_bytes(), q.state.as_bytes()).into()
        });
    let pending = if q.state.is_empty() || q.state.len() > 200 {
        None
    } else {
        sso::take(&st.db, &secret_hash(&q.state)).await?
    };
    let Some(pending) = pending else {
        return refuse(&st, &v, None, None, Refusal::Expired).await;
    };
    let Some(p) = sso::provider(&st.db, &pending.provider_id).await? else {
        return refuse(&st, &v, None, None, Refusal::Expired).await;
    };
    let started = pending.started()?;
    if !bound || Utc::now() - started > chrono::Duration::minutes(SIGN_IN_MINUTES) {
        return refuse(&st, &v, Some(&p), None, Refusal::Expired).await;
    }
    if !q.error.is_empty() || q.code.is_empty() {
        return refuse(&st, &v, Some(&p), None, Refusal::Cancelled).await;
    }
    let client = match client(&st, &p).await? {
        Ok(c) => c,
        Err(r) => return refuse(&st, &v, Some(&p), None, r).await,
    };
    let Ok(request) = client.exchange_code(AuthorizationCode::new(q.code)) else {
        return refuse(&st, &v, Some(&p), None, Refusal::Unreachable).await;
    };
    let token: CoreTokenResponse = match request
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
        .request_async(http()?)
        .await
    {
        Ok(t) => t,
        Err(e) => {
            tracing::info!(provider = %p.id, "single sign-on code refused: {e}");
            return refuse(&st, &v, Some(&p), None, Refusal::CodeRefused).await;
        }
    };
    let Some(id_token) = token.id_token() else {
        return refuse(&st, &v, Some(&p), None, Refusal::BadToken).await;
    };
    let claims = match id_token.claims(&client.id_token_verifier(), &Nonce::new(pending.nonce)) {
        Ok(c) => c,
        Err(ClaimsVerificationError::InvalidIssuer(e)) => {
            tracing::warn!(provider = %p.id, "single sign-on ID token: {e}");
            return refuse(&st, &v, Some(&p), None, Refusal::WrongIssuer).await;
        }
        Err(e) => {
            tracing::warn!(provider = %p.id, "single sign-on ID token: {e}");
            return refuse(&st, &v, Some(&p), None, Refusal::BadToken).await;
        }
    };
    let typed = claims.email().map(|e| e.as_str().to_owned());
    let Some(email) = typed.as_deref().and_then(|e| Email::parse(e).ok()) else {
        return refuse(&st, &v, Some(&p), typed.as_deref(), Refusal::Unverified).await;
    };
    let email = email.as_str().to_owned();
    if claims.email_verified() != Some(true) {
        return refuse(&st, &v, Some(&p), Some(&email), Refusal::Unverified).await;
    }
    if !vouches_for(&p.domains(), &email) {
        return refuse(&st, &v, Some(&p), Some(&email), Refusal::OtherDomain).await;
    }
    let agencies = sso::agencies_of(&st.db, &p.id).await?;
    let person = match accounts::person_by_email(&st.db, &email).await? {
        Some(person)
            if person.active
                && sso::has_role(&st.db, &p.partnership_id, &person.id, &agencies).await? =>
        {
            person
        }
        _ => return refuse(&st, &v, Some(&p), Some(&email), Refusal::NoRole).await,
    };
    if sso::beyond_partnership(&st.db, &p.partnership_id, &person.id).await? {
        return refuse(&st, &v, Some(&p), Some(&email), Refusal::BeyondPartnership).await;
    }
    let amr: Vec<String> = claims
        .auth_method_refs()
        .map(|list| list.iter().map(|m| m.as_str().to_owned()).collect())
        .unwrap_or_default();
    let through = super::Through {
        partnership: Some(&p.partnership_id),
        summary: &format!("Signed in through {}", p.name),
    };
    // A second factor the person set up themselves is always asked for. The provider's word
    // that it checked one stands in only for the partnership's rule, and only where the
    // business team accepts it for this provider.
    let factor = accounts::second_factor(&st.db, &person.id).await?;
    let mut resp = if factor.as_ref().is_some_and(accounts::SecondFactor::is_on) {
        second_factor::pending(&st, &person.id, "/sign-in/code", &pending.next_path)
    } else if accounts::second_factor_required(&st.db, &person.id).await?
        && !(p.trust_second_factor && asserts_second_factor(&amr))
    {
        second_factor::pending(&st, &person.id, "/sign-in/set-up", &pending.next_path)
    } else {
        start_session(
            &st,
            &v,
            &person,
            &user_agent(&headers),
            &pending.next_path,
            &through,
        )
        .await?
    };
    resp.headers_mut()
        .append(header::SET_COOKIE, clear_state(secure));
    Ok(resp)
}

/// A refused sign-in: an audit entry (for the provider's partnership, when the provider is
/// known) and a page saying what happened and what to do.
async fn refuse(
    st: &AppState,
    v: &Visitor,
    p: Option<&Provider>,
    email: Option<&str>,
    why: Refusal,
) -> AppResult<Response> {
    let label: String = email
        .unwrap_or("someone not yet known")
        .chars()
        .take(254)
        .collect();
    audit::record(
        &st.db,
        &Who {
            person_id: None,
            label,
            partnership_id: p.map(|p| p.partnership_id.clone()),
            request_id: v.request_id.clone(),
        },
        Event::new(
            "sign-in.sso.refused",
            "identity_provider",
            p.map(|p| p.id.as_str()),
        )
        .summary(why.summary()),
    )
    .await?;
    let name = p.map_or("your organisation", |p| p.name.as_str());
    let [what, todo] = why.explain(name);
    let mut resp = render_status(
        StatusCode::FORBIDDEN,
        &InfoPage {
            chrome: v.chrome("/sign-in"),
            title: "You have not been signed in".to_owned(),
            paragraphs: vec![what, todo],
            link: Some(("/sign-in".to_owned(), "Go to the sign-in page".to_owned())),
        },
    )?;
    resp.headers_mut()
        .append(header::SET_COOKIE, clear_state(st.config.secure_cookies()));
    Ok(resp)
}
