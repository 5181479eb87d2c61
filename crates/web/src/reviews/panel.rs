//! A case's panel: who may read the restricted case in full, named by the business team.

#[allow(unused_imports)]
use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/reviews/{id}/panel", get(panel_page).post(add_panel))
}

#[derive(Template)]
#[template(path = "reviews/panel.html")]
struct PanelPage {
    chrome: Chrome,
    errors: learnloop_govuk::ErrorSummary,
    id: String,
    reference: String,
    panel: Vec<String>,
    person: Select,
}

/// The form that adds someone to a review's panel: a page of its own, so the case page does
/// not carry a list of everyone in the partnership.
async fn panel_view(st: &AppState, s: &Signed, id: &str, errors: &Errors) -> AppResult<PanelPage> {
    let c = managed_case(st, s, id).await?;
    let on = reviews::panel_people(&st.db, s.pid(), id).await?;
    let people = accounts::names(&st.db, s.pid()).await?;
    Ok(PanelPage {
        chrome: s.chrome("/reviews"),
        errors: errors.summary(),
        id: id.to_owned(),
        reference: c.reference,
        person: Select::new(
            "person",
            "Who should join the panel?",
            std::iter::once(SelectItem::new("", "Choose a person")).chain(
                people
                    .iter()
                    .filter(|p| !on.iter().any(|o| o.id == p.id))
                    .map(|p| SelectItem::new(p.id.clone(), p.name.clone())),
            ),
        )
        .error(errors.get("person")),
        panel: on.into_iter().map(|p| p.name).collect(),
    })
}

async fn panel_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    render(&panel_view(&st, &s, &id, &Errors::default()).await?)
}

async fn add_panel(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    managed_case(&st, &s, &id).await?;
    let person = f.get("person");
    if !is_id(&person)
        || accounts::person_in(&st.db, s.pid(), &person)
            .await?
            .is_none()
    {
        let mut errors = Errors::default();
        errors.add("person", "Choose the person to add to the panel");
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &panel_view(&st, &s, &id, &errors).await?,
        );
    }
    reviews::add_to_panel(&st.db, &s.who(), s.pid(), &id, &person).await?;
    Ok(redirect_with(
        &format!("/reviews/{id}"),
        Flash::PanelUpdated,
        st.config.secure_cookies(),
    ))
}
