//! A group's terms of reference: recording a new version, the printable view, and every
//! earlier version.

#[allow(unused_imports)]
use super::page::{TermsView, terms_view};
#[allow(unused_imports)]
use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups/{id}/terms", get(terms_page).post(save_terms))
        .route("/groups/{id}/terms/print", get(print_terms))
        .route("/groups/{id}/terms/{version}", get(old_terms))
}

#[derive(Template)]
#[template(path = "governance/terms_form.html")]
struct TermsFormPage {
    chrome: Chrome,
    errors: ErrorSummary,
    id: String,
    name: String,
    purpose: Textarea,
    aims: Textarea,
    functions: Textarea,
    core: Checkboxes,
    invited: Checkboxes,
    chair: Select,
    chair_appointed_by: Input,
    deputy: Select,
    deputy_appointed_by: Input,
    frequency: Radios,
    meeting_minutes: Input,
    outputs: Textarea,
    admin_support: Input,
    agreed_on: DateInput,
    review_due: DateInput,
}

async fn terms_form(
    st: &AppState,
    s: &Signed,
    l: &Loaded,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<TermsFormPage> {
    let agencies: Vec<Agency> = s.reference(&st.db).await?.active_agencies();
    let people = accounts::names(&st.db, s.pid()).await?;
    let person_items = || {
        std::iter::once(SelectItem::new("", "Not recorded"))
            .chain(
                people
                    .iter()
                    .map(|p| SelectItem::new(p.id.clone(), p.name.clone())),
            )
            .collect::<Vec<_>>()
    };
    let agency_items = || {
        agencies
            .iter()
            .map(|a| ChoiceItem::new(a.id.clone(), a.name.clone()))
            .collect::<Vec<_>>()
    };
    let id = l.group.id.clone();
    Ok(TermsFormPage {
        chrome: s.chrome("/groups"),
        errors: errors.summary(),
        name: l.group.name.clone(),
        purpose: Textarea::new("purpose", "Purpose").filled(f, errors),
        aims: Textarea::new("aims", "Aims")
            .hint("Optional")
            .value(f.get("aims")),
        functions: Textarea::new("functions", "Functions or responsibilities")
            .hint("One per line, in order: they are numbered as written")
            .rows(8)
            .filled(f, errors),
        core: Checkboxes::new("core", "Core member agencies", agency_items())
            .values(f.all("core"))
            .error(errors.get("core")),
        invited: Checkboxes::new("invited", "Agencies invited when needed", agency_items())
            .values(f.all("invited")),
        chair: Select::new("chair", "Chair", person_items()).filled(f, errors),
        chair_appointed_by: Input::new("chair_appointed_by", "Who appoints the chair")
            .hint("For example, the lead safeguarding partners")
            .value(f.get("chair_appointed_by")),
        deputy: Select::new("deputy", "Deputy chair", person_items()).filled(f, errors),
        deputy_appointed_by: Input::new("deputy_appointed_by", "Who appoints the deputy")
            .value(f.get("deputy_appointed_by")),
        frequency: Radios::new(
            "frequency",
            "How often it meets",
            Frequency::ALL.map(|fr| ChoiceItem::new(fr.slug(), fr.label())),
        )
        .value(f.get("frequency"))
        .error(errors.get("frequency")),
        meeting_minutes: Input::new("meeting_minutes", "Length of each meeting, in minutes")
            .inputmode("numeric")
            .width_class("govuk-input--width-3")
            .filled(f, errors),
        outputs: Textarea::new("outputs", "Outputs")
            .hint(
                "For example, a quarterly executive circular; a contribution to the annual report",
            )
            .value(f.get("outputs")),
        admin_support: Input::new("admin_support", "Administrative support")
            .value(f.get("admin_support")),
        agreed_on: DateInput::new("agreed", "Date agreed")
            .date_values(
                f.get("agreed-day"),
                f.get("agreed-month"),
                f.get("agreed-year"),
            )
            .error(errors.get("agreed-day")),
        review_due: DateInput::new("review", "Review the terms by")
            .date_values(
                f.get("review-day"),
                f.get("review-month"),
                f.get("review-year"),
            )
            .error(errors.get("review-day")),
        id,
    })
}

fn form_of_terms(t: &Terms) -> FormPairs {
    let mut v: Vec<(String, String)> = vec![
        ("purpose".into(), t.purpose.clone()),
        ("aims".into(), t.aims.clone()),
        ("functions".into(), t.functions.clone()),
        (
            "chair".into(),
            t.chair_person_id.clone().unwrap_or_default(),
        ),
        ("chair_appointed_by".into(), t.chair_appointed_by.clone()),
        (
            "deputy".into(),
            t.deputy_person_id.clone().unwrap_or_default(),
        ),
        ("deputy_appointed_by".into(), t.deputy_appointed_by.clone()),
        ("frequency".into(), t.frequency.clone()),
        ("meeting_minutes".into(), t.meeting_minutes.to_string()),
        ("outputs".into(), t.outputs.clone()),
        ("admin_support".into(), t.admin_support.clone()),
    ];
    for (prefix, d) in [("agreed", &t.agreed_on), ("review", &t.review_due)] {
        {
            let d = d.date();
            use chrono::Datelike;
            v.push((format!("{prefix}-day"), d.day().to_string()));
            v.push((format!("{prefix}-month"), d.month().to_string()));
            v.push((format!("{prefix}-year"), d.year().to_string()));
        }
    }
    v.extend(t.core().into_iter().map(|a| ("core".to_owned(), a)));
    v.extend(t.invited().into_iter().map(|a| ("invited".to_owned(), a)));
    FormPairs(v)
}

async fn terms_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::ManageTerms).await?;
    let f = match &l.terms {
        Some(t) => form_of_terms(t),
        None => FormPairs(vec![
            ("frequency".into(), "monthly".into()),
            ("meeting_minutes".into(), "120".into()),
        ]),
    };
    render(&terms_form(&st, &s, &l, &f, &Errors::default()).await?)
}

async fn save_terms(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::ManageTerms).await?;
    let mut errors = Errors::default();
    let purpose = errors.check(
        "purpose",
        learnloop_domain::text::check_text_block(&f.get("purpose"), "purpose of the group", 4000),
    );
    let functions = f.get("functions");
    if functions.trim().is_empty() {
        errors.add(
            "functions",
            "Enter the group's functions or responsibilities, one per line",
        );
    }
    let agencies = s.reference(&st.db).await?.active_agencies();
    let known = |ids: &[String]| ids.iter().all(|a| agencies.iter().any(|x| &x.id == a));
    let (core, invited) = (f.all("core"), f.all("invited"));
    if core.is_empty() {
        errors.add("core", "Choose at least one core member agency");
    } else if !known(&core) || !known(&invited) {
        errors.add("core", "Choose agencies from the list");
    }
    let people = accounts::names(&st.db, s.pid()).await?;
    let person = |field: &str, errors: &mut Errors| -> Option<String> {
        let v = f.get(field);
        if v.is_empty() {
            return None;
        }
        if !people.iter().any(|p| p.id == v) {
            errors.add(field, "Choose a person from the list");
        }
        Some(v)
    };
    let chair = person("chair", &mut errors);
    let deputy = person("deputy", &mut errors);
    if chair.is_some() && chair == deputy {
        errors.add(
            "deputy",
            "The deputy cannot be the chair. Choose someone else as deputy",
        );
    }
    let frequency = f.get("frequency");
    if Frequency::parse(&frequency).is_none() {
        errors.add("frequency", "Choose how often the group meets");
    }
    let minutes = match f.get("meeting_minutes").trim().parse::<i64>() {
        Ok(n) if (15..=480).contains(&n) => Some(n),
        _ => {
            errors.add(
                "meeting_minutes",
                "Enter the length in minutes, from 15 to 480",
            );
            None
        }
    };
    let agreed = f.date("agreed", "the date agreed", &mut errors);
    let review = f.date("review", "the review date", &mut errors);
    if let (Some(a), Some(r)) = (agreed, review)
        && r <= a
    {
        errors.add(
            "review-day",
            "The review date must be after the date agreed",
        );
    }
    if let (Some(purpose), Some(meeting_minutes), Some(agreed), Some(review)) =
        (purpose, minutes, agreed, review)
        && errors.is_empty()
    {
        let input = TermsInput {
            purpose,
            aims: f.get("aims"),
            functions,
            core_agencies: core,
            invited_agencies: invited,
            chair_person_id: chair,
            chair_appointed_by: f.get("chair_appointed_by"),
            deputy_person_id: deputy,
            deputy_appointed_by: f.get("deputy_appointed_by"),
            frequency,
            meeting_minutes,
            outputs: f.get("outputs"),
            admin_support: f.get("admin_support"),
            agreed_on: agreed.format("%Y-%m-%d").to_string(),
            review_due: review.format("%Y-%m-%d").to_string(),
        };
        terms::revise(&st.db, &s.who(), s.pid(), &id, &input).await?;
        return Ok(redirect_with(
            &format!("/groups/{id}"),
            Flash::TermsSaved,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &terms_form(&st, &s, &l, &f, &errors).await?,
    )
}

#[derive(Template)]
#[template(path = "governance/terms_print.html")]
struct TermsPrintPage {
    chrome: Chrome,
    id: String,
    name: String,
    partnership: String,
    reports_to: String,
    terms: TermsView,
    current: bool,
}

async fn show_terms(
    st: &AppState,
    s: &Signed,
    l: &Loaded,
    t: &Terms,
    current: bool,
) -> AppResult<Response> {
    let reports_to = match &l.group.reports_to_id {
        Some(p) => terms::group(&st.db, s.pid(), p)
            .await?
            .map(|g| g.name)
            .unwrap_or_default(),
        None => "None: it is the top of the partnership's structure".to_owned(),
    };
    render(&TermsPrintPage {
        chrome: s.chrome("/groups"),
        id: l.group.id.clone(),
        name: l.group.name.clone(),
        partnership: s.partnership.name.clone(),
        reports_to,
        terms: terms_view(st, s, t).await?,
        current,
    })
}

async fn print_terms(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::View).await?;
    let t = l.terms.clone().ok_or(AppError::NotFound)?;
    show_terms(&st, &s, &l, &t, true).await
}

async fn old_terms(
    State(st): State<AppState>,
    s: Signed,
    Path((id, version)): Path<(String, String)>,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::View).await?;
    let v: i64 = version.parse().map_err(|_| AppError::NotFound)?;
    let t = terms::version(&st.db, s.pid(), &id, v)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = l.terms.as_ref().is_some_and(|c| c.version == v);
    show_terms(&st, &s, &l, &t, current).await
}
