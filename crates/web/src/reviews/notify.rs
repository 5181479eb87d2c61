//! Recording a serious incident notification: the category, the dates that start its
//! clocks, the children by pseudonym (real names only inside the restricted record), the
//! agencies involved and the group that oversees it.

#[allow(unused_imports)]
use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/reviews/new", get(new_page).post(create))
}

const CHILD_ROWS: usize = 3;

#[derive(Template)]
#[template(path = "reviews/new.html")]
struct NewPage {
    chrome: Chrome,
    errors: learnloop_govuk::ErrorSummary,
    category: Radios,
    aware: DateInput,
    notified: DateInput,
    panel_reference: Input,
    summary: Textarea,
    children: Vec<(Input, Input)>,
    agencies: Checkboxes,
    group: Select,
}

async fn new_form(st: &AppState, s: &Signed, f: &FormPairs, errors: &Errors) -> AppResult<NewPage> {
    let refd = s.reference(&st.db).await?;
    let agencies = refd.active_agencies();
    let groups = &refd.groups;
    Ok(NewPage {
        chrome: s.chrome("/reviews"),
        errors: errors.summary(),
        category: Radios::new(
            "category",
            "What was notified",
            Category::ALL.map(|c| {
                let item = ChoiceItem::new(c.slug(), c.label());
                if c.needs_rapid_review() {
                    item
                } else {
                    item.hint("No rapid review is needed")
                }
            }),
        )
        .value(f.get("category"))
        .error(errors.get("category")),
        aware: DateInput::new("aware", "Date the local authority became aware")
            .date_values(
                f.get("aware-day"),
                f.get("aware-month"),
                f.get("aware-year"),
            )
            .error(errors.get("aware-day")),
        notified: DateInput::new("notified", "Date notified to the national Panel")
            .hint("Leave empty if it has not been notified yet: the 5-working-day clock is running")
            .date_values(
                f.get("notified-day"),
                f.get("notified-month"),
                f.get("notified-year"),
            )
            .error(errors.get("notified-day")),
        panel_reference: Input::new(
            "panel_reference",
            "National notification reference (optional)",
        )
        .width_class("govuk-input--width-20")
        .value(f.get("panel_reference")),
        summary: Textarea::new("summary", "What happened, in brief")
            .hint("Use the children's pseudonyms, never their names")
            .rows(4)
            .filled(f, errors),
        children: (1..=CHILD_ROWS)
            .map(|i| {
                let p = format!("child-{i}-pseudonym");
                let n = format!("child-{i}-name");
                (
                    Input::new(p.clone(), format!("Child {i}: pseudonym"))
                        .hint(if i == 1 {
                            "For example, Child A. Lists, mails and reports show only this"
                        } else {
                            ""
                        })
                        .width_class("govuk-input--width-10")
                        .value(f.get(&p))
                        .error(errors.get(&p)),
                    Input::new(n.clone(), format!("Child {i}: full name (optional)"))
                        .hint(if i == 1 {
                            "Shown only inside this restricted record, to its panel"
                        } else {
                            ""
                        })
                        .autocomplete("off")
                        .value(f.get(&n)),
                )
            })
            .collect(),
        agencies: Checkboxes::new(
            "agency",
            "Agencies involved",
            agencies
                .iter()
                .map(|a| ChoiceItem::new(a.id.clone(), a.name.clone())),
        )
        .values(f.all("agency"))
        .error(errors.get("agency")),
        group: Select::new(
            "group",
            "Group that oversees it",
            std::iter::once(SelectItem::new("", "Choose a group")).chain(
                groups
                    .iter()
                    .map(|g| SelectItem::new(g.id.clone(), g.name.clone())),
            ),
        )
        .hint("Its agendas will show this case's deadlines")
        .filled(f, errors),
    })
}

async fn new_page(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ManageReviews)?;
    render(&new_form(&st, &s, &FormPairs(Vec::new()), &Errors::default()).await?)
}

async fn create(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ManageReviews)?;
    let mut errors = Errors::default();
    let category = Category::parse(&f.get("category"));
    if category.is_none() {
        errors.add("category", "Choose what was notified");
    }
    let today = Utc::now().date_naive();
    let aware = f.date(
        "aware",
        "the date the local authority became aware",
        &mut errors,
    );
    if aware.is_some_and(|d| d > today) {
        errors.add(
            "aware-day",
            "The date the local authority became aware must be today or in the past",
        );
    }
    let typed_notified = !(f.get("notified-day").is_empty()
        && f.get("notified-month").is_empty()
        && f.get("notified-year").is_empty());
    let notified = if typed_notified {
        f.date("notified", "the date notified", &mut errors)
    } else {
        None
    };
    if let (Some(a), Some(n)) = (aware, notified)
        && n < a
    {
        errors.add(
            "notified-day",
            "The date notified must be on or after the date the local authority became aware",
        );
    }
    let summary = errors.check(
        "summary",
        check_text_block(&f.get("summary"), "brief account of what happened", 4000),
    );
    let mut children = Vec::new();
    for i in 1..=CHILD_ROWS {
        let (p, n) = (
            f.get(&format!("child-{i}-pseudonym")),
            f.get(&format!("child-{i}-name")),
        );
        if p.trim().is_empty() && n.trim().is_empty() {
            continue;
        }
        if let Some(p) = errors.check(&format!("child-{i}-pseudonym"), check_pseudonym(&p)) {
            children.push((p, n.trim().chars().take(200).collect::<String>()));
        }
    }
    if children.is_empty() && errors.get("child-1-pseudonym").is_none() {
        errors.add(
            "child-1-pseudonym",
            "Enter the pseudonym of at least one child, for example Child A",
        );
    }
    let refd = s.reference(&st.db).await?;
    let agencies = refd.active_agencies();
    let chosen = f.all("agency");
    if !agencies_valid(&chosen, &agencies, true) {
        errors.add("agency", "Choose the agencies involved");
    }
    let group = f.get("group");
    if !refd.groups.iter().any(|g| g.id == group) {
        errors.add("group", "Choose the group that oversees the case");
    }
    if let (Some(category), Some(aware), Some(summary)) = (category, aware, summary)
        && errors.is_empty()
    {
        let n = NewNotification {
            category: category.slug().to_owned(),
            stage: Stage::first(category).slug().to_owned(),
            aware_on: aware.format("%Y-%m-%d").to_string(),
            notified_on: notified.map(|d| d.format("%Y-%m-%d").to_string()),
            panel_reference: f.get("panel_reference").trim().chars().take(100).collect(),
            summary,
            oversight_group_id: Some(group),
            children,
            agency_ids: chosen,
            origin: "notification",
            review_type: None,
            decided_on: None,
            link: None,
            referral: None,
        };
        let id = reviews::notify(&st.db, &s.who(), s.pid(), &n).await?;
        return Ok(redirect_with(
            &format!("/reviews/{id}"),
            Flash::CaseRecorded,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &new_form(&st, &s, &f, &errors).await?,
    )
}
