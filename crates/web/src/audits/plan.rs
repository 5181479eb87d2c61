//! Planning an audit: its theme, why it was chosen, the group that runs it, its lines of
//! enquiry and grading scale (a question set, version 1), the agencies taking part and its dates.

#[allow(unused_imports)]
use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/audits/new", get(new_page).post(create))
}

// ---- planning an audit ----

#[derive(Template)]
#[template(path = "audits/new.html")]
struct NewPage {
    chrome: Chrome,
    errors: ErrorSummary,
    /// The record that prompted the audit ("kind:id"), and its name and page.
    prompted_ref: String,
    prompted: Option<crate::sources::SourceRef>,
    title: Input,
    year: Input,
    reason: Textarea,
    group: Select,
    lead: Select,
    lines: Textarea,
    scale: Textarea,
    agencies: Checkboxes,
    fieldwork: DateInput,
    returns_due: DateInput,
    workshop: DateInput,
    report_due: DateInput,
}

pub(crate) fn date_field(f: &FormPairs, errors: &Errors, key: &str, legend: &str) -> DateInput {
    DateInput::new(key, legend)
        .date_values(
            f.get(&format!("{key}-day")),
            f.get(&format!("{key}-month")),
            f.get(&format!("{key}-year")),
        )
        .error(errors.get(&format!("{key}-day")))
}

async fn new_form(st: &AppState, s: &Signed, f: &FormPairs, errors: &Errors) -> AppResult<NewPage> {
    let refd = s.reference(&st.db).await?;
    let people = accounts::names(&st.db, s.pid()).await?;
    let blank = FormPairs(Vec::new());
    let defaults = if f.0.is_empty() {
        FormPairs(vec![
            ("year".to_owned(), Utc::now().year().to_string()),
            ("scale".to_owned(), DEFAULT_SCALE.join("\n")),
        ])
    } else {
        blank
    };
    let f = if f.0.is_empty() { &defaults } else { f };
    let (prompted_ref, prompted) = prompted_by(st, s, &f.get("prompted_by")).await?;
    Ok(NewPage {
        chrome: s.chrome("/audits"),
        errors: errors.summary(),
        prompted_ref,
        prompted,
        title: Input::new("title", "Audit theme").filled(f, errors),
        year: Input::new("year", "Programme year")
            .width_class("govuk-input--width-4")
            .inputmode("numeric")
            .filled(f, errors),
        reason: Textarea::new("reason", "Why this audit was chosen")
            .hint("The review, inspection, data or single-agency audit that prompted it")
            .rows(3)
            .filled(f, errors),
        group: Select::new(
            "group",
            "Group that runs it",
            std::iter::once(SelectItem::new("", "Choose a group")).chain(
                refd.groups
                    .iter()
                    .map(|g| SelectItem::new(g.id.clone(), g.name.clone())),
            ),
        )
        .hint("Usually the Learning and Improvement subgroup: its chair runs the audit with the business team")
        .filled(f, errors),
        lead: Select::new(
            "lead",
            "Audit lead (optional)",
            std::iter::once(SelectItem::new("", "No lead named")).chain(
                people
                    .iter()
                    .map(|p| SelectItem::new(p.id.clone(), p.name.clone())),
            ),
        )
        .filled(f, errors),
        lines: Textarea::new("lines", "Key lines of enquiry")
            .hint("One a line, for example: quality of practice; multi-agency working; outcomes for children")
            .rows(4)
            .filled(f, errors),
        scale: Textarea::new("scale", "Grading scale")
            .hint("One grade a line, best first")
            .rows(4)
            .filled(f, errors),
        agencies: Checkboxes::new(
            "agency",
            "Agencies taking part",
            refd.active_agencies()
                .iter()
                .map(|a| ChoiceItem::new(a.id.clone(), a.name.clone())),
        )
        .values(f.all("agency"))
        .error(errors.get("agency")),
        fieldwork: date_field(f, errors, "fieldwork", "Fieldwork starts"),
        returns_due: date_field(f, errors, "due", "Returns due"),
        workshop: date_field(f, errors, "workshop", "Workshop (optional)"),
        report_due: date_field(f, errors, "report", "Overview report due (optional)"),
    })
}

/// The record an audit is prompted by, named as "kind:id": the reference kept and the source
/// it names, or nothing when it names none of the partnership's records.
async fn prompted_by(
    st: &AppState,
    s: &Signed,
    text: &str,
) -> AppResult<(String, Option<crate::sources::SourceRef>)> {
    if let (Some(kind), Some(id)) = crate::sources::parse_ref(text)
        && let Some(r) = crate::sources::resolve(st, s, kind, &id).await?
    {
        return Ok((crate::sources::ref_text(kind, &id), Some(r)));
    }
    Ok((String::new(), None))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct NewQ {
    prompted_by: String,
    title: String,
}

async fn new_page(
    State(st): State<AppState>,
    s: Signed,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> AppResult<Response> {
    s.require(Permission::ManageAudits)?;
    let q: NewQ = crate::web::query_params(q.as_deref());
    let f = if q.prompted_by.is_empty() {
        FormPairs(Vec::new())
    } else {
        FormPairs(vec![
            ("year".to_owned(), Utc::now().year().to_string()),
            ("scale".to_owned(), DEFAULT_SCALE.join("\n")),
            ("prompted_by".to_owned(), q.prompted_by),
            ("title".to_owned(), q.title.chars().take(200).collect()),
        ])
    };
    render(&new_form(&st, &s, &f, &Errors::default()).await?)
}

pub(super) fn lines_of(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

async fn create(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ManageAudits)?;
    let refd = s.reference(&st.db).await?;
    let mut errors = Errors::default();
    let title = errors.check("title", check_name(&f.get("title"), "audit theme", 200));
    let year = errors.check(
        "year",
        f.get("year")
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or("Enter the programme year as four digits, for example 2027"),
    );
    let reason = errors.check(
        "reason",
        check_text_block(&f.get("reason"), "reason this audit was chosen", 4000),
    );
    let group_id = f.get("group");
    let group = refd
        .groups
        .iter()
        .find(|g| g.id == group_id)
        .map(|g| g.id.clone());
    if group.is_none() {
        errors.add("group", "Choose the group that runs the audit");
    }
    let lead_id = f.get("lead");
    let lead = if lead_id.is_empty() {
        None
    } else {
        let named = accounts::names_of(&st.db, s.pid(), &[lead_id.as_str()]).await?;
        if named.is_empty() {
            errors.add("lead", "Choose the audit lead from the list");
        }
        Some(lead_id)
    };
    let lines = errors.check("lines", check_lines(&lines_of(&f.get("lines"))));
    let scale = errors.check("scale", check_scale(&lines_of(&f.get("scale"))));
    let mut chosen = f.all("agency");
    chosen.sort();
    chosen.dedup();
    let active: Vec<String> = refd.active_agencies().into_iter().map(|a| a.id).collect();
    if chosen.is_empty() {
        errors.add("agency", "Choose the agencies taking part");
    } else if chosen.iter().any(|c| !active.contains(c)) {
        errors.add("agency", "Choose agencies from the list");
    }
    let fieldwork = f.date("fieldwork", "the date fieldwork starts", &mut errors);
    let due = f.date("due", "the date returns are due", &mut errors);
    let workshop = f
        .optional_date("workshop", "the workshop date", &mut errors)
        .flatten();
    let report_due = f
        .optional_date("report", "the date the overview report is due", &mut errors)
        .flatten();
    if let (Some(fw), Some(d)) = (fieldwork, due)
        && d < fw
    {
        errors.add(
            "due-day",
            "Returns must be due on or after the day fieldwork starts",
        );
    }
    // Whoever plans it must be able to run it: a group chair plans for their own group.
    if let Some(g) = &group {
        // Naming oneself the lead does not count: only the business team or the group's chair.
        let scope = AuditScope {
            group_id: Some(g.clone()),
            lead_person_id: None,
        };
        if errors.get("group").is_none() && !can_run(&s.actor, &scope) {
            errors.add(
                "group",
                "Choose a group you chair: you can plan audits only for it",
            );
        }
    }
    if let (
        true,
        Some(title),
        Some(year),
        Some(reason),
        Some(lines),
        Some(scale),
        Some(fw),
        Some(d),
    ) = (
        errors.is_empty(),
        title,
        year,
        reason,
        lines,
        scale,
        fieldwork,
        due,
    ) {
        let n = NewAudit {
            year,
            title,
            reason,
            prompted_by: Some(prompted_by(&st, &s, &f.get("prompted_by")).await?.0)
                .filter(|p| !p.is_empty()),
            group_id: group,
            lead_person_id: lead,
            lines,
            scale,
            agencies: chosen,
            fieldwork_on: Day(fw),
            returns_due_on: Day(d),
            workshop_on: workshop.map(Day),
            report_due_on: report_due.map(Day),
            reaudit_of: None,
        };
        let id = audits::create(&st.db, &s.who(), s.pid(), &n).await?;
        return Ok(redirect_with(
            &format!("/audits/{id}"),
            Flash::AuditPlanned,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &new_form(&st, &s, &f, &errors).await?,
    )
}
