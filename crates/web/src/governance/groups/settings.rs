//! A group's settings: making a group, and its name, kind, reporting line and meetings.

#[allow(unused_imports)]
use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups/new", get(new_group_page).post(create_group))
        .route(
            "/groups/{id}/settings",
            get(settings_page).post(save_settings),
        )
}

#[derive(Template)]
#[template(path = "governance/group_form.html")]
struct GroupFormPage {
    chrome: Chrome,
    errors: ErrorSummary,
    heading: String,
    action: String,
    name: Input,
    kind: Radios,
    reports_to: Select,
    papers_days: Input,
    quorum: Radios,
    quorum_count: Input,
    standing: Textarea,
}

async fn group_form(
    st: &AppState,
    s: &Signed,
    heading: &str,
    action: &str,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<GroupFormPage> {
    let groups = terms::groups(&st.db, s.pid()).await?;
    Ok(GroupFormPage {
        chrome: s.chrome("/groups"),
        errors: errors.summary(),
        heading: heading.to_owned(),
        action: action.to_owned(),
        name: Input::new("name", "Name").filled(f, errors),
        kind: Radios::new(
            "kind",
            "Kind of group",
            GROUP_KINDS.iter().map(|(v, t)| ChoiceItem::new(*v, *t)),
        )
        .value(f.get("kind"))
        .error(errors.get("kind")),
        reports_to: Select::new(
            "reports_to",
            "Reports to",
            std::iter::once(SelectItem::new(
                "",
                "No one: it is the top of the structure",
            ))
            .chain(
                groups
                    .iter()
                    .map(|g| SelectItem::new(g.id.clone(), g.name.clone())),
            ),
        )
        .filled(f, errors),
        papers_days: Input::new(
            "papers_days",
            "Papers are due this many days before each meeting",
        )
        .inputmode("numeric")
        .width_class("govuk-input--width-3")
        .filled(f, errors),
        quorum: Radios::new(
            "quorum",
            "The meeting is quorate when",
            [
                ChoiceItem::new("statutory", QuorumRule::EachStatutoryPartner.describe()),
                ChoiceItem::new("core", "A number of core member agencies are represented"),
            ],
        )
        .value(f.get("quorum"))
        .error(errors.get("quorum")),
        quorum_count: Input::new(
            "quorum_count",
            "Number of core member agencies needed (if chosen above)",
        )
        .inputmode("numeric")
        .width_class("govuk-input--width-3")
        .filled(f, errors),
        standing: Textarea::new("standing_items", "Standing agenda items")
            .hint("One per line. They open every agenda, before the items assembled from live data")
            .filled(f, errors),
    })
}

async fn parse_group(
    st: &AppState,
    s: &Signed,
    id: Option<&str>,
    f: &FormPairs,
    errors: &mut Errors,
) -> AppResult<Option<GroupInput>> {
    let name = errors.check("name", check_name(&f.get("name"), "group name", 200));
    let kind = f.get("kind");
    if !GROUP_KINDS.iter().any(|(k, _)| *k == kind) {
        errors.add("kind", "Choose the kind of group");
    }
    let groups = terms::groups(&st.db, s.pid()).await?;
    let reports_to = Some(f.get("reports_to")).filter(|r| !r.is_empty());
    if let Some(r) = &reports_to {
        if !groups.iter().any(|g| &g.id == r) {
            errors.add("reports_to", "Choose a group of this partnership");
        } else if let Some(me) = id {
            let parent = |g: &str| {
                groups
                    .iter()
                    .find(|x| x.id == g)
                    .and_then(|x| x.reports_to_id.clone())
            };
            if let Err(m) = check_reporting_line(me, Some(r), &parent) {
                errors.add("reports_to", m);
            }
        }
    }
    let papers_days = match f.get("papers_days").trim().parse::<i64>() {
        Ok(n) if (0..=90).contains(&n) => Some(n),
        _ => {
            errors.add(
                "papers_days",
                "Enter the number of days as a whole number from 0 to 90",
            );
            None
        }
    };
    let quorum = match f.get("quorum").as_str() {
        "statutory" => Some(QuorumRule::EachStatutoryPartner.slug()),
        "core" => match f.get("quorum_count").trim().parse::<u32>() {
            Ok(n) if (1..=50).contains(&n) => Some(QuorumRule::CoreAgencies(n).slug()),
            _ => {
                errors.add(
                    "quorum_count",
                    "Enter how many core member agencies are needed, from 1 to 50",
                );
                None
            }
        },
        _ => {
            errors.add("quorum", "Choose when the meeting is quorate");
            None
        }
    };
    let standing = f
        .get("standing_items")
        .chars()
        .take(4000)
        .collect::<String>();
    Ok(match (name, papers_days, quorum) {
        (Some(name), Some(papers_days), Some(quorum_rule)) if errors.is_empty() => {
            Some(GroupInput {
                name,
                kind,
                reports_to_id: reports_to,
                papers_days,
                quorum_rule,
                standing_items: standing,
            })
        }
        _ => None,
    })
}

const DEFAULT_STANDING: &str = "Welcome, introductions and apologies\nMinutes of the last meeting and matters arising\nAny other business";

async fn new_group_page(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ManageAgencies)?;
    let f = FormPairs(vec![
        ("kind".into(), "subgroup".into()),
        ("papers_days".into(), "14".into()),
        ("quorum".into(), "statutory".into()),
        ("standing_items".into(), DEFAULT_STANDING.into()),
    ]);
    render(
        &group_form(
            &st,
            &s,
            "Add a group",
            "/groups/new",
            &f,
            &Errors::default(),
        )
        .await?,
    )
}

async fn create_group(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ManageAgencies)?;
    let mut errors = Errors::default();
    if let Some(g) = parse_group(&st, &s, None, &f, &mut errors).await? {
        match terms::create_group(&st.db, &s.who(), s.pid(), &g).await {
            Ok(id) => {
                return Ok(redirect_with(
                    &format!("/groups/{id}/terms"),
                    Flash::GroupSaved,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("name", m),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &group_form(&st, &s, "Add a group", "/groups/new", &f, &errors).await?,
    )
}

async fn settings_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::ManageTerms).await?;
    let g = &l.group;
    let rule = QuorumRule::parse(&g.quorum_rule).unwrap_or(QuorumRule::EachStatutoryPartner);
    let f = FormPairs(vec![
        ("name".into(), g.name.clone()),
        ("kind".into(), g.kind.clone()),
        (
            "reports_to".into(),
            g.reports_to_id.clone().unwrap_or_default(),
        ),
        ("papers_days".into(), g.papers_days.to_string()),
        (
            "quorum".into(),
            if rule == QuorumRule::EachStatutoryPartner {
                "statutory"
            } else {
                "core"
            }
            .into(),
        ),
        (
            "quorum_count".into(),
            match rule {
                QuorumRule::CoreAgencies(n) => n.to_string(),
                QuorumRule::EachStatutoryPartner => String::new(),
            },
        ),
        ("standing_items".into(), g.standing_items.clone()),
    ]);
    let action = format!("/groups/{id}/settings");
    render(
        &group_form(
            &st,
            &s,
            &format!("Settings of the {}", g.name),
            &action,
            &f,
            &Errors::default(),
        )
        .await?,
    )
}

async fn save_settings(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::ManageTerms).await?;
    let mut errors = Errors::default();
    if let Some(g) = parse_group(&st, &s, Some(&id), &f, &mut errors).await? {
        match terms::update_group(&st.db, &s.who(), s.pid(), &id, &g).await {
            Ok(()) => {
                return Ok(redirect_with(
                    &format!("/groups/{id}"),
                    Flash::GroupSaved,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("name", m),
            Err(e) => return Err(e.into()),
        }
    }
    let action = format!("/groups/{id}/settings");
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &group_form(
            &st,
            &s,
            &format!("Settings of the {}", l.group.name),
            &action,
            &f,
            &errors,
        )
        .await?,
    )
}
