//! The partnership's agencies: the statutory partners and the agencies that work with them.

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use learnloop_domain::governance::SECTORS;
use learnloop_domain::policy::Permission;
use learnloop_domain::text::check_name;
use learnloop_govuk::{ChoiceItem, ErrorSummary, Input, Radios, Select, SelectItem};
use learnloop_store::governance::{self, Agency, AgencyInput};
use learnloop_store::{Page, StoreError, is_id};

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, PageQuery, Pager, render, render_status};
use crate::session::Signed;
use crate::web::{query_params, redirect_with};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/agencies", get(agencies))
        .route("/agencies/new", get(new_agency_page).post(create_agency))
        .route(
            "/agencies/{id}/edit",
            get(edit_agency_page).post(update_agency),
        )
}

#[derive(Template)]
#[template(path = "governance/agencies.html")]
struct AgenciesPage {
    chrome: Chrome,
    agencies: Vec<Agency>,
    pager: Pager,
}

impl AgenciesPage {
    fn sector(&self, slug: &str) -> &'static str {
        SECTORS
            .iter()
            .find(|(s, _)| *s == slug)
            .map(|(_, l)| *l)
            .unwrap_or("Other")
    }
}

async fn agencies(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    s.require(Permission::ManageAgencies)?;
    let q: PageQuery = query_params(q.as_deref());
    let list = governance::agencies(&st.db, s.pid(), Page::new(q.page, 50)).await?;
    render(&AgenciesPage {
        chrome: s.chrome("/agencies"),
        pager: Pager::of("/agencies", &list),
        agencies: list.items,
    })
}

#[derive(Template)]
#[template(path = "governance/agency_form.html")]
struct AgencyFormPage {
    chrome: Chrome,
    errors: ErrorSummary,
    heading: String,
    action: String,
    name: Input,
    sector: Select,
    statutory: Radios,
    active: Radios,
}

fn agency_form(
    s: &Signed,
    heading: &str,
    action: &str,
    f: &FormPairs,
    errors: &Errors,
) -> AgencyFormPage {
    AgencyFormPage {
        chrome: s.chrome("/agencies"),
        errors: errors.summary(),
        heading: heading.to_owned(),
        action: action.to_owned(),
        name: Input::new("name", "Agency name").filled(f, errors),
        sector: Select::new(
            "sector",
            "Type of agency",
            std::iter::once(SelectItem::new("", "Choose a type"))
                .chain(SECTORS.iter().map(|(v, t)| SelectItem::new(*v, *t))),
        )
        .filled(f, errors),
        statutory: Radios::new(
            "statutory_partner",
            "Is it one of the three statutory safeguarding partners?",
            [ChoiceItem::new("yes", "Yes"), ChoiceItem::new("no", "No")],
        )
        .inline()
        .hint("The local authority, the police and the integrated care board are the statutory partners")
        .value(f.get("statutory_partner"))
        .error(errors.get("statutory_partner")),
        active: Radios::new(
            "active",
            "Is the agency active in the partnership?",
            [ChoiceItem::new("yes", "Yes"), ChoiceItem::new("no", "No")],
        )
        .inline()
        .hint("Inactive agencies keep their history but cannot be given new work")
        .value(f.get("active"))
        .error(errors.get("active")),
    }
}

fn parse_agency(f: &FormPairs, errors: &mut Errors) -> Option<AgencyInput> {
    let name = errors.check("name", check_name(&f.get("name"), "agency name", 200));
    let sector = f.get("sector");
    if !SECTORS.iter().any(|(s, _)| *s == sector) {
        errors.add("sector", "Choose the type of agency");
    }
    let yes_no = |v: &str| match v {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let statutory = yes_no(&f.get("statutory_partner"));
    if statutory.is_none() {
        errors.add(
            "statutory_partner",
            "Select whether the agency is a statutory safeguarding partner",
        );
    }
    let active = yes_no(&f.get("active"));
    if active.is_none() {
        errors.add("active", "Select whether the agency is active");
    }
    Some(AgencyInput {
        name: name?,
        sector,
        statutory_partner: statutory?,
        active: active?,
    })
    .filter(|_| errors.is_empty())
}

async fn new_agency_page(s: Signed) -> AppResult<Response> {
    s.require(Permission::ManageAgencies)?;
    let f = FormPairs::from_values(&[("statutory_partner", "no"), ("active", "yes")]);
    render(&agency_form(
        &s,
        "Add an agency",
        "/agencies/new",
        &f,
        &Errors::default(),
    ))
}

async fn create_agency(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ManageAgencies)?;
    let mut errors = Errors::default();
    if let Some(input) = parse_agency(&f, &mut errors) {
        match governance::create_agency(&st.db, &s.who(), s.pid(), &input).await {
            Ok(_) => {
                return Ok(redirect_with(
                    "/agencies",
                    Flash::AgencyAdded,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("name", m),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &agency_form(&s, "Add an agency", "/agencies/new", &f, &errors),
    )
}

async fn edit_agency_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    s.require(Permission::ManageAgencies)?;
    let a = find_agency(&st, &s, &id).await?;
    let yn = |b: bool| if b { "yes" } else { "no" };
    let f = FormPairs::from_values(&[
        ("name", &a.name),
        ("sector", &a.sector),
        ("statutory_partner", yn(a.statutory_partner)),
        ("active", yn(a.active)),
    ]);
    let action = format!("/agencies/{id}/edit");
    render(&agency_form(
        &s,
        &format!("Change {}", a.name),
        &action,
        &f,
        &Errors::default(),
    ))
}

async fn find_agency(st: &AppState, s: &Signed, id: &str) -> AppResult<Agency> {
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    governance::agency(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn update_agency(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    s.require(Permission::ManageAgencies)?;
    let a = find_agency(&st, &s, &id).await?;
    let mut errors = Errors::default();
    if let Some(input) = parse_agency(&f, &mut errors) {
        match governance::update_agency(&st.db, &s.who(), s.pid(), &id, &input).await {
            Ok(()) => {
                return Ok(redirect_with(
                    "/agencies",
                    Flash::AgencyChanged,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("name", m),
            Err(e) => return Err(e.into()),
        }
    }
    let action = format!("/agencies/{id}/edit");
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &agency_form(&s, &format!("Change {}", a.name), &action, &f, &errors),
    )
}
