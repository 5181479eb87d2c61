//! Single sign-on set-up (`/settings/sign-in`): the business team names the identity
//! providers its agencies sign in with (issuer, client id and secret, the email domains each
//! vouches for, the agencies it serves, whether its second factor counts). The secret is
//! sealed with the installation's key and never shown again; every change is audited.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use learnloop_domain::policy::Permission;
use learnloop_domain::sso::{ProviderForm, check_provider};
use learnloop_govuk::{Checkboxes, ChoiceItem, ErrorSummary, Input, Textarea};
use learnloop_store::sso::{self, Provider};
use learnloop_store::{StoreError, governance, is_id};

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, FormPairs};
use crate::page::{Chrome, ConfirmPage, Flash, render, render_status};
use crate::session::Signed;
use crate::web::redirect_with;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/sign-in", get(list))
        .route("/settings/sign-in/new", get(new_page).post(add))
        .route("/settings/sign-in/{id}", get(edit_page).post(save))
        .route(
            "/settings/sign-in/{id}/remove",
            get(remove_page).post(remove),
        )
}

struct Row {
    provider: Provider,
    domains: String,
    agencies: String,
}

#[derive(Template)]
#[template(path = "governance/providers.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    callback: String,
    sign_in_address: String,
}

async fn list(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ManageSettings)?;
    let names: Vec<(String, String)> = governance::all_agencies(&st.db, s.pid())
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let mut rows = Vec::new();
    for p in sso::providers(&st.db, s.pid()).await? {
        let ids = sso::agencies_of(&st.db, &p.id).await?;
        let served: Vec<&str> = names
            .iter()
            .filter(|(id, _)| ids.contains(id))
            .map(|(_, n)| n.as_str())
            .collect();
        rows.push(Row {
            domains: p.domains().join(", "),
            agencies: if served.is_empty() {
                "Every agency".to_owned()
            } else {
                served.join(", ")
            },
            provider: p,
        });
    }
    render(&ListPage {
        chrome: s.chrome("/settings"),
        rows,
        callback: format!("{}/sign-in/sso/callback", st.config.public_url),
        sign_in_address: format!(
            "{}/sign-in?partnership={}",
            st.config.public_url, s.partnership.slug
        ),
    })
}

#[derive(Template)]
#[template(path = "governance/provider_form.html")]
struct FormPage {
    chrome: Chrome,
    errors: ErrorSummary,
    /// Where the form posts; empty for a new provider.
    id: String,
    name: Input,
    issuer: Input,
    client_id: Input,
    client_secret: Input,
    email_domains: Textarea,
    agencies: Checkboxes,
    trust: Checkboxes,
    callback: String,
}

async fn form_page(
    st: &AppState,
    s: &Signed,
    id: &str,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<FormPage> {
    let agencies = governance::all_agencies(&st.db, s.pid()).await?;
    Ok(FormPage {
        chrome: s.chrome("/settings"),
        errors: errors.summary(),
        id: id.to_owned(),
        name: Input::new("name", "Organisation")
            .hint("Shown on its button: “Sign in with Northbrook Council”")
            .value(f.get("name"))
            .error(errors.get("name")),
        issuer: Input::new("issuer", "Issuer")
            .hint("The address the provider gives as its own (its discovery document's “issuer”), such as https://login.microsoftonline.com/your-tenant-id/v2.0")
            .spellcheck(false)
            .value(f.get("issuer"))
            .error(errors.get("issuer")),
        client_id: Input::new("client_id", "Client ID")
            .hint("The ID the provider gave Learnloop when it was registered")
            .spellcheck(false)
            .value(f.get("client_id"))
            .error(errors.get("client_id")),
        client_secret: Input::new("client_secret", "Client secret")
            .input_type("password")
            .autocomplete("off")
            .hint(if id.is_empty() {
                "Kept sealed with this installation's key and never shown again"
            } else {
                "Leave it empty to keep the secret Learnloop holds; type a new one to replace it. A new issuer or client ID needs its secret typed again"
            })
            .error(errors.get("client_secret")),
        email_domains: Textarea::new("email_domains", "Email domains it vouches for")
            .hint("Separated by commas, such as northbrook.gov.uk, northbrook-police.police.uk. Only people with an address at one of these can sign in through it.")
            .rows(2)
            .value(f.get("email_domains"))
            .error(errors.get("email_domains")),
        agencies: Checkboxes::new(
            "agency",
            "Agencies it serves (optional)",
            agencies
                .iter()
                .map(|a| ChoiceItem::new(a.id.clone(), a.name.clone())),
        )
        .hint("When you choose some, only people of these agencies can sign in through it")
        .values(f.all("agency"))
        .error(errors.get("agency")),
        trust: Checkboxes::new(
            "trust_second_factor",
            "Second factor",
            [ChoiceItem::new("yes", "Accept this provider's second factor").hint(
                "When the provider says a second factor was used (“mfa” in its sign-in), Learnloop does not ask for its own code",
            )],
        )
        .values(f.all("trust_second_factor")),
        callback: format!("{}/sign-in/sso/callback", st.config.public_url),
    })
}

async fn new_page(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ManageSettings)?;
    render(&form_page(&st, &s, "", &FormPairs::default(), &Errors::default()).await?)
}

async fn found(st: &AppState, s: &Signed, id: &str) -> AppResult<Provider> {
    s.require(Permission::ManageSettings)?;
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    sso::provider_in(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn edit_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let p = found(&st, &s, &id).await?;
    let agencies = sso::agencies_of(&st.db, &p.id).await?;
    let domains = p.domains().join(", ");
    let mut pairs = vec![
        ("name", p.name.as_str()),
        ("issuer", p.issuer.as_str()),
        ("client_id", p.client_id.as_str()),
        ("email_domains", domains.as_str()),
    ];
    pairs.extend(agencies.iter().map(|a| ("agency", a.as_str())));
    if p.trust_second_factor {
        pairs.push(("trust_second_factor", "yes"));
    }
    let f = FormPairs::from_values(&pairs);
    render(&form_page(&st, &s, &p.id, &f, &Errors::default()).await?)
}

/// The form checked, with the agencies chosen; the problems against their fields otherwise.
async fn checked(
    st: &AppState,
    s: &Signed,
    f: &FormPairs,
    secret_needed: bool,
) -> AppResult<Result<(learnloop_domain::sso::Provider, Vec<String>), Errors>> {
    let known: Vec<String> = governance::all_agencies(&st.db, s.pid())
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let chosen = f.all("agency");
    let mut errors = Errors::default();
    // An agency that is not the partnership's is refused, never dropped: dropping every one
    // would quietly open the provider to all agencies.
    if chosen.iter().any(|a| !known.contains(a)) {
        errors.add("agency", "Choose the agencies from the list");
    }
    let (name, issuer, client_id, secret, domains) = (
        f.get("name"),
        f.get("issuer"),
        f.get("client_id"),
        f.get("client_secret"),
        f.get("email_domains"),
    );
    let form = ProviderForm {
        name: &name,
        issuer: &issuer,
        client_id: &client_id,
        client_secret: &secret,
        email_domains: &domains,
        trust_second_factor: f.get("trust_second_factor") == "yes",
    };
    match check_provider(&form, !st.config.secure_cookies(), secret_needed) {
        Ok(p) if errors.is_empty() => Ok(Ok((p, chosen))),
        Ok(_) => Ok(Err(errors)),
        Err(list) => {
            errors.add_all(list, &[]);
            Ok(Err(errors))
        }
    }
}

async fn add(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ManageSettings)?;
    let saved = match checked(&st, &s, &f, true).await? {
        Ok((p, agencies)) => Ok(
            sso::add(&st.db, &st.config.key, &s.who(), s.pid(), &p, &agencies)
                .await
                .map(|_| ()),
        ),
        Err(e) => Err(e),
    };
    answer(&st, &s, "", &f, saved).await
}

async fn save(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let before = found(&st, &s, &id).await?;
    // A new issuer or client ID needs its secret typed again: the one held was given for the
    // old ones, and must never be sent anywhere else.
    let moved =
        f.get("issuer").trim() != before.issuer || f.get("client_id").trim() != before.client_id;
    let saved = match checked(&st, &s, &f, moved).await? {
        Ok((p, agencies)) => {
            Ok(sso::update(&st.db, &st.config.key, &s.who(), &before, &p, &agencies).await)
        }
        Err(e) => Err(e),
    };
    answer(&st, &s, &before.id, &f, saved).await
}

/// After a provider form: back to the list when it was saved, else the form again with what
/// to fix (a name already taken among them).
async fn answer(
    st: &AppState,
    s: &Signed,
    id: &str,
    f: &FormPairs,
    saved: Result<Result<(), StoreError>, Errors>,
) -> AppResult<Response> {
    let errors = match saved {
        Ok(Ok(())) => {
            return Ok(redirect_with(
                "/settings/sign-in",
                Flash::ProviderSaved,
                st.config.secure_cookies(),
            ));
        }
        Ok(Err(StoreError::Conflict(m))) => {
            let mut e = Errors::default();
            e.add("name", m);
            e
        }
        Ok(Err(e)) => return Err(e.into()),
        Err(e) => e,
    };
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &form_page(st, s, id, f, &errors).await?,
    )
}

async fn remove_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let p = found(&st, &s, &id).await?;
    render(&ConfirmPage {
        chrome: s.chrome("/settings"),
        title: format!("Remove single sign-on with {}?", p.name),
        paragraphs: vec![
            "Its button leaves the sign-in page. People who signed in with it sign in with their email address and password instead (they can reset a password they never set).".to_owned(),
        ],
        action: format!("/settings/sign-in/{}/remove", p.id),
        button: "Remove it".to_owned(),
        back: "/settings/sign-in".to_owned(),
        fields: Vec::new(),
    })
}

async fn remove(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let p = found(&st, &s, &id).await?;
    sso::remove(&st.db, &s.who(), &p).await?;
    Ok(redirect_with(
        "/settings/sign-in",
        Flash::ProviderRemoved,
        st.config.secure_cookies(),
    ))
}
