//! The partnership's themes: everyone but the system administrator sees the list and how much
//! is tagged with each theme; the business team adds, renames, retires, restores and merges
//! them. The rules (names, what may merge into what) are the domain's; a merge is one store
//! transaction that moves every tagged record to the survivor.

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use learnloop_domain::policy::Permission;
use learnloop_domain::themes::{ThemeStatus, check_description, check_theme_name};
use learnloop_govuk::{ErrorSummary, Input, Select, SelectItem, Textarea};
use learnloop_store::themes::{self, Theme, ThemeInput, ThemeLine};
use learnloop_store::{Page, StoreError, is_id};

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, InfoPage, render, render_status};
use crate::page::{PageQuery, Pager};
use crate::session::Signed;
use crate::web::{query_params, redirect_with};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/themes", get(list))
        .route("/themes/new", get(new_page).post(create))
        .route("/themes/{id}/edit", get(edit_page).post(update))
        .route("/themes/{id}/retire", post(retire))
        .route("/themes/{id}/restore", post(restore))
        .route("/themes/{id}/merge", get(merge_page).post(merge))
}

// ---- the list ----

/// One row of the list, in words.
struct Row {
    id: String,
    name: String,
    description: String,
    status: &'static str,
    tag_class: &'static str,
    merged_into: Option<String>,
    tagged: i64,
    merged: bool,
}

impl From<ThemeLine> for Row {
    fn from(l: ThemeLine) -> Row {
        let state = l.theme.state();
        Row {
            status: state.label(),
            tag_class: match state {
                ThemeStatus::Active => "govuk-tag--green",
                ThemeStatus::Retired => "govuk-tag--grey",
                ThemeStatus::Merged => "govuk-tag--purple",
            },
            merged: state == ThemeStatus::Merged,
            merged_into: l.merged_into_name,
            tagged: l.tagged,
            id: l.theme.id,
            name: l.theme.name,
            description: l.theme.description,
        }
    }
}

#[derive(Template)]
#[template(path = "themes/list.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    pager: Pager,
    can_manage: bool,
}

async fn list(State(st): State<AppState>, s: Signed, RawQuery(q): RawQuery) -> AppResult<Response> {
    s.require(Permission::ViewThemes)?;
    let q: PageQuery = query_params(q.as_deref());
    let page = themes::list(&st.db, s.pid(), Page::new(q.page, 50)).await?;
    render(&ListPage {
        chrome: s.chrome("/themes"),
        pager: Pager::of("/themes", &page),
        rows: page.items.into_iter().map(Row::from).collect(),
        can_manage: s.actor.can(Permission::ManageThemes),
    })
}

// ---- add and change ----

#[derive(Template)]
#[template(path = "themes/form.html")]
struct FormPage {
    chrome: Chrome,
    errors: ErrorSummary,
    heading: String,
    action: String,
    name: Input,
    description: Textarea,
    /// The theme being changed (absent when adding one), for retire, restore and merge.
    theme: Option<(String, ThemeStatus)>,
}

fn form_page(
    s: &Signed,
    heading: &str,
    action: &str,
    theme: Option<&Theme>,
    f: &FormPairs,
    errors: &Errors,
) -> FormPage {
    FormPage {
        chrome: s.chrome("/themes"),
        errors: errors.summary(),
        heading: heading.to_owned(),
        action: action.to_owned(),
        name: Input::new("name", "Theme name").filled(f, errors),
        description: Textarea::new("description", "Description (optional)")
            .hint("One or two plain sentences saying what the theme covers, so that people tag records with it consistently")
            .rows(3)
            .filled(f, errors),
        theme: theme.map(|t| (t.id.clone(), t.state())),
    }
}

fn parse(f: &FormPairs, errors: &mut Errors) -> Option<ThemeInput> {
    let name = errors.check("name", check_theme_name(&f.get("name")));
    let description = errors.check("description", check_description(&f.get("description")));
    Some(ThemeInput {
        name: name?,
        description: description?,
    })
}

async fn new_page(s: Signed) -> AppResult<Response> {
    s.require(Permission::ManageThemes)?;
    render(&form_page(
        &s,
        "Add a theme",
        "/themes/new",
        None,
        &FormPairs::default(),
        &Errors::default(),
    ))
}

async fn create(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ManageThemes)?;
    let mut errors = Errors::default();
    if let Some(input) = parse(&f, &mut errors) {
        match themes::create(&st.db, &s.who(), s.pid(), &input).await {
            Ok(_) => {
                return Ok(redirect_with(
                    "/themes",
                    Flash::ThemeAdded,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("name", m),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &form_page(&s, "Add a theme", "/themes/new", None, &f, &errors),
    )
}

async fn edit_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    s.require(Permission::ManageThemes)?;
    let t = find(&st, &s, &id).await?;
    if !t.state().can_edit() {
        return merged_page(&st, &s, &t, StatusCode::OK).await;
    }
    let f = FormPairs::from_values(&[("name", &t.name), ("description", &t.description)]);
    render(&form_page(
        &s,
        &format!("Change {}", t.name),
        &format!("/themes/{id}/edit"),
        Some(&t),
        &f,
        &Errors::default(),
    ))
}

async fn update(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    s.require(Permission::ManageThemes)?;
    let t = find(&st, &s, &id).await?;
    if !t.state().can_edit() {
        return merged_page(&st, &s, &t, StatusCode::CONFLICT).await;
    }
    let mut errors = Errors::default();
    if let Some(input) = parse(&f, &mut errors) {
        match themes::rename(&st.db, &s.who(), s.pid(), &id, &input).await {
            Ok(()) => {
                return Ok(redirect_with(
                    "/themes",
                    Flash::ThemeChanged,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("name", m),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &form_page(
            &s,
            &format!("Change {}", t.name),
            &format!("/themes/{id}/edit"),
            Some(&t),
            &f,
            &errors,
        ),
    )
}

// ---- retire and restore ----

async fn retire(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    s.require(Permission::ManageThemes)?;
    let t = find(&st, &s, &id).await?;
    match themes::retire(&st.db, &s.who(), s.pid(), &id).await {
        Ok(_) => Ok(redirect_with(
            "/themes",
            Flash::ThemeRetired,
            st.config.secure_cookies(),
        )),
        Err(StoreError::Conflict(m)) => already_changed(&st, &s, &t, &m).await,
        Err(e) => Err(e.into()),
    }
}

async fn restore(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    s.require(Permission::ManageThemes)?;
    let t = find(&st, &s, &id).await?;
    match themes::restore(&st.db, &s.who(), s.pid(), &id).await {
        Ok(_) => Ok(redirect_with(
            "/themes",
            Flash::ThemeRestored,
            st.config.secure_cookies(),
        )),
        Err(StoreError::Conflict(m)) => already_changed(&st, &s, &t, &m).await,
        Err(e) => Err(e.into()),
    }
}

// ---- merge ----

#[derive(Template)]
#[template(path = "themes/merge.html")]
struct MergePage {
    chrome: Chrome,
    errors: ErrorSummary,
    id: String,
    name: String,
    tagged: i64,
    into: Select,
    /// False when no other active theme exists to merge into.
    has_choices: bool,
}

async fn merge_form(
    st: &AppState,
    s: &Signed,
    t: &Theme,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<MergePage> {
    let choices: Vec<Theme> = s
        .reference(&st.db)
        .await?
        .themes
        .clone()
        .into_iter()
        .filter(|c| c.id != t.id)
        .collect();
    let tagged = themes::tagged_count(&st.db, s.pid(), &t.id).await?;
    Ok(MergePage {
        chrome: s.chrome("/themes"),
        errors: errors.summary(),
        id: t.id.clone(),
        name: t.name.clone(),
        tagged,
        has_choices: !choices.is_empty(),
        into: Select::new(
            "into",
            "Theme to merge into",
            std::iter::once(SelectItem::new("", "Choose a theme"))
                .chain(choices.into_iter().map(|c| SelectItem::new(c.id, c.name))),
        )
        .hint("Only active themes can take in another")
        .filled(f, errors),
    })
}

async fn merge_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    s.require(Permission::ManageThemes)?;
    let t = find(&st, &s, &id).await?;
    if t.state() == ThemeStatus::Merged {
        return merged_page(&st, &s, &t, StatusCode::OK).await;
    }
    render(&merge_form(&st, &s, &t, &FormPairs::default(), &Errors::default()).await?)
}

async fn merge(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    s.require(Permission::ManageThemes)?;
    let t = find(&st, &s, &id).await?;
    if t.state() == ThemeStatus::Merged {
        return merged_page(&st, &s, &t, StatusCode::CONFLICT).await;
    }
    let mut errors = Errors::default();
    // The survivor must be a theme of this partnership; anything else is a wrong choice on
    // the form, never a page of another partnership.
    let chosen = f.get("into");
    let survivor = if is_id(&chosen) {
        themes::get(&st.db, s.pid(), &chosen).await?
    } else {
        None
    };
    match survivor {
        None => errors.add("into", "Choose the theme to merge into"),
        Some(into) => match themes::merge(&st.db, &s.who(), s.pid(), &t.id, &into.id).await {
            Ok(_) => {
                return Ok(redirect_with(
                    "/themes",
                    Flash::ThemesMerged,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("into", m),
            Err(e) => return Err(e.into()),
        },
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &merge_form(&st, &s, &t, &f, &errors).await?,
    )
}

// ---- helpers ----

/// A theme of the person's partnership; any other id is "not found".
async fn find(st: &AppState, s: &Signed, id: &str) -> AppResult<Theme> {
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    themes::get(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)
}

/// What a merged theme's pages say instead: it lives on only as a pointer to its survivor.
async fn merged_page(
    st: &AppState,
    s: &Signed,
    t: &Theme,
    status: StatusCode,
) -> AppResult<Response> {
    let survivor = match &t.merged_into_id {
        Some(id) => themes::get(&st.db, s.pid(), id).await?,
        None => None,
    };
    let into = survivor.map_or_else(|| "another theme".to_owned(), |v| v.name);
    render_status(
        status,
        &InfoPage {
            chrome: s.chrome("/themes"),
            title: format!("{} has been merged into {into}", t.name),
            paragraphs: vec![
                format!(
                    "Everything that was tagged with {} is now tagged with {into}.",
                    t.name
                ),
                "A merged theme cannot be changed, retired or merged again.".to_owned(),
            ],
            link: Some(("/themes".to_owned(), "Back to themes".to_owned())),
        },
    )
}

/// When a retire or restore meets a theme someone else has just changed.
async fn already_changed(st: &AppState, s: &Signed, t: &Theme, why: &str) -> AppResult<Response> {
    if let Some(now) = themes::get(&st.db, s.pid(), &t.id).await?
        && now.state() == ThemeStatus::Merged
    {
        return merged_page(st, s, &now, StatusCode::CONFLICT).await;
    }
    render_status(
        StatusCode::CONFLICT,
        &InfoPage {
            chrome: s.chrome("/themes"),
            title: "The theme was not changed".to_owned(),
            paragraphs: vec![format!("{why}.")],
            link: Some(("/themes".to_owned(), "Back to themes".to_owned())),
        },
    )
}
