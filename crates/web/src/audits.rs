//! Multi-agency audits: the year's programme, planning an audit (its lines of enquiry, grading
//! scale and agencies), the case sample, declared involvement, and the stages that ask each
//! agency for its returns. The returns themselves are `web/src/returns.rs`.
//!
//! Who runs an audit, who reads its sample and who reads which return are the domain's rules
//! (`domain::audits`); a handler loads the audit and its scope, asks, then acts.

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{Datelike, Utc};
use learnloop_domain::audits::{
    AuditScope, Stage, can_read_all, can_read_return, can_run, check_case_agencies,
    check_case_label,
};
use learnloop_domain::policy::Permission;
use learnloop_domain::returns::{
    Chase, DEFAULT_SCALE, ReturnState, chase, check_lines, check_scale, response_rate,
};
use learnloop_domain::sources::SourceKind;
use learnloop_domain::text::{check_name, check_text_block};
use learnloop_govuk::{
    Checkboxes, ChoiceItem, DateInput, ErrorSummary, Input, Select, SelectItem, Textarea,
};
use learnloop_store::audits::{self, Audit, NewAudit, Refusal};
use learnloop_store::returns::{self, ReturnLine};
use learnloop_store::{Day, Page, StoreError, accounts, is_id};

use crate::AppState;
use crate::attention::{Attention, Audience};
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, Pager, filters, render, render_status};
use crate::session::Signed;
use crate::web::{query_params, redirect_with};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/audits", get(programme))
        .route("/audits/new", get(new_page).post(create))
        .route("/audits/{id}", get(show))
        .route("/audits/{id}/stage", post(move_stage))
        .route("/audits/{id}/cases", post(add_case))
        .route("/audits/{id}/involvement", post(declare))
        .route("/audits/{id}/chase", post(chase_all))
}

/// The audit and what its access rules need, or 404 (another partnership's, or none).
pub(crate) async fn load(st: &AppState, s: &Signed, id: &str) -> AppResult<(Audit, AuditScope)> {
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let a = audits::get(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = scope_of(&a);
    Ok((a, scope))
}

pub(crate) fn scope_of(a: &Audit) -> AuditScope {
    AuditScope {
        group_id: a.group_id.clone(),
        lead_person_id: a.lead_person_id.clone(),
    }
}

// ---- the programme ----

struct ProgrammeRow {
    id: String,
    title: String,
    stage: &'static str,
    stage_tag: &'static str,
    fieldwork: String,
    lead: String,
    returns: String,
}

#[derive(Template)]
#[template(path = "audits/programme.html")]
struct ProgrammePage {
    chrome: Chrome,
    year: i64,
    years: Vec<(i64, bool)>,
    rows: Vec<ProgrammeRow>,
    pager: Pager,
    can_plan: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ProgrammeQuery {
    year: Option<i64>,
    page: i64,
}

async fn programme(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    s.require(Permission::ViewAudits)?;
    let q: ProgrammeQuery = query_params(q.as_deref());
    let this_year = i64::from(Utc::now().year());
    let year = q
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(this_year);
    let page = audits::programme(&st.db, s.pid(), Some(year), Page::new(q.page, 50)).await?;
    let mut years = audits::years(&st.db, s.pid()).await?;
    if !years.contains(&this_year) {
        years.push(this_year);
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    render(&ProgrammePage {
        chrome: s.chrome("/audits"),
        year,
        years: years.into_iter().map(|y| (y, y == year)).collect(),
        pager: Pager::of(&format!("/audits?year={year}"), &page),
        rows: page
            .items
            .into_iter()
            .map(|l| ProgrammeRow {
                stage: l.audit.stage.label(),
                stage_tag: l.audit.stage.tag_class(),
                fieldwork: l.audit.fieldwork_on.long(),
                lead: l.lead.unwrap_or_else(|| "Not named".to_owned()),
                returns: if l.asked == 0 {
                    format!("{} cases; none asked for yet", l.cases)
                } else {
                    format!("{} of {} in", l.answered, l.asked)
                },
                id: l.audit.id,
                title: l.audit.title,
            })
            .collect(),
        can_plan: s.actor.can(Permission::ManageAudits),
    })
}

// ---- planning an audit ----

#[derive(Template)]
#[template(path = "audits/new.html")]
struct NewPage {
    chrome: Chrome,
    errors: ErrorSummary,
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

fn date_field(f: &FormPairs, errors: &Errors, key: &str, legend: &str) -> DateInput {
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
    Ok(NewPage {
        chrome: s.chrome("/audits"),
        errors: errors.summary(),
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

async fn new_page(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ManageAudits)?;
    render(&new_form(&st, &s, &FormPairs(Vec::new()), &Errors::default()).await?)
}

fn lines_of(text: &str) -> Vec<String> {
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
    let optional_date = |key: &str, what: &str, errors: &mut Errors| {
        if ["day", "month", "year"]
            .iter()
            .all(|p| f.get(&format!("{key}-{p}")).trim().is_empty())
        {
            None
        } else {
            f.date(key, what, errors)
        }
    };
    let workshop = optional_date("workshop", "the workshop date", &mut errors);
    let report_due = optional_date("report", "the date the overview report is due", &mut errors);
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
            prompted_by: None,
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

// ---- one audit ----

struct CaseRow {
    label: String,
    agencies: String,
}

struct ReturnRow {
    id: String,
    case: String,
    agency: String,
    auditor: String,
    state: &'static str,
    state_tag: &'static str,
    due: String,
}

#[derive(Template)]
#[template(path = "audits/show.html")]
struct ShowPage {
    chrome: Chrome,
    errors: ErrorSummary,
    id: String,
    title: String,
    year: i64,
    stage: &'static str,
    stage_tag: &'static str,
    reason: String,
    lead: String,
    group: String,
    fieldwork: String,
    returns_due: String,
    workshop: String,
    lines: Vec<String>,
    scale: String,
    agencies: Vec<String>,
    /// Who reads the sample and every return.
    full: bool,
    can_run: bool,
    next: Option<(&'static str, &'static str)>,
    sample: Vec<CaseRow>,
    returns: Vec<ReturnRow>,
    answered: usize,
    asked: usize,
    /// Who runs it may chase the returns not yet in.
    can_chase: bool,
    rate: u32,
    refusals: Vec<Refusal>,
    /// The forms for who runs the audit, while it is not reported.
    case_label: Input,
    case_review: Input,
    case_agencies: Checkboxes,
    inv_case: Select,
    inv_person: Select,
    inv_note: Input,
}

async fn show_page(
    st: &AppState,
    s: &Signed,
    a: &Audit,
    scope: &AuditScope,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<ShowPage> {
    let full = can_read_all(&s.actor, scope);
    let runs = can_run(&s.actor, scope);
    let qs = returns::question_set(&st.db, s.pid(), &a.question_set_id).await?;
    let agencies = audits::agencies(&st.db, s.pid(), &a.id).await?;
    let all_returns = returns::for_source(&st.db, s.pid(), SourceKind::Audit, &a.id).await?;
    // Someone who does not read the whole audit sees only the returns they may read.
    let visible: Vec<&ReturnLine> = all_returns
        .iter()
        .filter(|r| full || can_read_return(&s.actor, scope, &crate::returns::scope_of(&r.ret)))
        .collect();
    let sample = if full {
        audits::sample(&st.db, s.pid(), &a.id).await?
    } else {
        Vec::new()
    };
    let refusals = if full {
        audits::refusals(&st.db, s.pid(), &a.id).await?
    } else {
        Vec::new()
    };
    let names = accounts::names(&st.db, s.pid()).await?;
    let name_of = |id: &Option<String>| {
        id.as_ref()
            .and_then(|i| names.iter().find(|n| &n.id == i))
            .map(|n| n.name.clone())
    };
    let refd = s.reference(&st.db).await?;
    let answered = all_returns.iter().filter(|r| r.ret.state.is_in()).count();
    Ok(ShowPage {
        chrome: s.chrome("/audits"),
        errors: errors.summary(),
        id: a.id.clone(),
        title: a.title.clone(),
        year: a.year,
        stage: a.stage.label(),
        stage_tag: a.stage.tag_class(),
        reason: a.reason.clone(),
        lead: name_of(&a.lead_person_id).unwrap_or_else(|| "Not named".to_owned()),
        group: a
            .group_id
            .as_ref()
            .and_then(|g| refd.groups.iter().find(|x| &x.id == g))
            .map(|g| g.name.clone())
            .unwrap_or_default(),
        fieldwork: a.fieldwork_on.long(),
        returns_due: a.returns_due_on.long(),
        workshop: a
            .workshop_on
            .map(Day::long)
            .unwrap_or_else(|| "Not set".to_owned()),
        lines: qs.lines.0.clone(),
        scale: qs.scale.0.join(", "),
        agencies: agencies.iter().map(|(_, n)| n.clone()).collect(),
        full,
        can_run: runs && a.stage != Stage::Reported,
        next: if runs {
            a.stage.next().map(|(n, b)| (n.slug(), b))
        } else {
            None
        },
        returns: visible
            .iter()
            .map(|r| ReturnRow {
                id: r.ret.id.clone(),
                case: r.subject.clone(),
                agency: r.agency.clone(),
                auditor: r
                    .assignee
                    .clone()
                    .unwrap_or_else(|| "Not chosen".to_owned()),
                state: r.ret.state.label(),
                state_tag: r.ret.state.tag_class(),
                due: r.ret.due_on.long(),
            })
            .collect(),
        answered,
        can_chase: runs && answered < all_returns.len(),
        asked: all_returns.len(),
        rate: response_rate(answered, all_returns.len()),
        refusals,
        case_label: Input::new("label", "Case label")
            .hint("A pseudonym such as “Child A” or “Family B”: never a name")
            .width_class("govuk-input--width-10")
            .filled(f, errors),
        case_review: Input::new("case_review", "Case review about the same child (optional)")
            .hint("Its reference, for example 2026-003: whoever wrote an agency's return on it cannot audit this case")
            .width_class("govuk-input--width-10")
            .filled(f, errors),
        case_agencies: Checkboxes::new(
            "agency",
            "Agencies involved with this case",
            agencies
                .iter()
                .map(|(id, n)| ChoiceItem::new(id.clone(), n.clone())),
        )
        .values(f.all("agency"))
        .error(errors.get("agency")),
        inv_case: Select::new(
            "case",
            "Case",
            std::iter::once(SelectItem::new("", "Choose a case")).chain(
                sample
                    .iter()
                    .map(|c| SelectItem::new(c.id.clone(), c.label.clone())),
            ),
        )
        .filled(f, errors),
        inv_person: Select::new(
            "person",
            "Person",
            std::iter::once(SelectItem::new("", "Choose a person")).chain(
                names
                    .iter()
                    .map(|p| SelectItem::new(p.id.clone(), p.name.clone())),
            ),
        )
        .filled(f, errors),
        inv_note: Input::new("note", "Their involvement")
            .hint("For example: allocated social worker 2024 to 2025")
            .filled(f, errors),
        sample: sample
            .into_iter()
            .map(|c| CaseRow {
                label: c.label,
                agencies: c
                    .agencies
                    .into_iter()
                    .map(|(_, n)| n)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
    })
}

async fn show(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    s.require(Permission::ViewAudits)?;
    let (a, scope) = load(&st, &s, &id).await?;
    render(
        &show_page(
            &st,
            &s,
            &a,
            &scope,
            &FormPairs(Vec::new()),
            &Errors::default(),
        )
        .await?,
    )
}

async fn again(
    st: &AppState,
    s: &Signed,
    a: &Audit,
    scope: &AuditScope,
    f: &FormPairs,
    errors: &Errors,
    status: StatusCode,
) -> AppResult<Response> {
    render_status(status, &show_page(st, s, a, scope, f, errors).await?)
}

async fn move_stage(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    s.require(Permission::ViewAudits)?;
    let (a, scope) = load(&st, &s, &id).await?;
    if !can_run(&s.actor, &scope) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Errors::default();
    let Some(to) = Stage::parse(&f.get("to")) else {
        errors.add("to", "Choose the stage to move to");
        return again(
            &st,
            &s,
            &a,
            &scope,
            &f,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let ready = !audits::sample(&st.db, s.pid(), &a.id).await?.is_empty();
    if let Err(m) = a.stage.check_move(to, ready) {
        errors.add("to", m);
        return again(&st, &s, &a, &scope, &f, &errors, StatusCode::CONFLICT).await;
    }
    match audits::move_stage(&st.db, &s.who(), &a, to).await {
        Ok(_) => Ok(redirect_with(
            &format!("/audits/{id}"),
            Flash::AuditMoved,
            st.config.secure_cookies(),
        )),
        Err(StoreError::Conflict(m)) => {
            errors.add("to", m);
            again(&st, &s, &a, &scope, &f, &errors, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn add_case(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    s.require(Permission::ViewAudits)?;
    let (a, scope) = load(&st, &s, &id).await?;
    if !can_run(&s.actor, &scope) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Errors::default();
    if a.stage == Stage::Reported {
        errors.add(
            "label",
            "This audit has been reported: its sample can no longer change",
        );
        return again(&st, &s, &a, &scope, &f, &errors, StatusCode::CONFLICT).await;
    }
    let taken: Vec<String> = audits::sample(&st.db, s.pid(), &a.id)
        .await?
        .into_iter()
        .map(|c| c.label)
        .collect();
    let participating: Vec<String> = audits::agencies(&st.db, s.pid(), &a.id)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let label = errors.check("label", check_case_label(&f.get("label"), &taken));
    let mut chosen = f.all("agency");
    chosen.sort();
    chosen.dedup();
    errors.check("agency", check_case_agencies(&chosen, &participating));
    let reference = f.get("case_review");
    let case_review = if reference.trim().is_empty() {
        None
    } else {
        let found = audits::case_review_by_reference(&st.db, s.pid(), &reference).await?;
        if found.is_none() {
            errors.add(
                "case_review",
                "No case review has that reference: check it on the case reviews page, or leave it empty",
            );
        }
        found
    };
    if let (true, Some(label)) = (errors.is_empty(), label) {
        match audits::add_case(
            &st.db,
            &s.who(),
            &a,
            &label,
            &chosen,
            case_review.as_deref(),
        )
        .await
        {
            Ok(_) => {
                return Ok(redirect_with(
                    &format!("/audits/{id}"),
                    Flash::AuditCaseAdded,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("label", m),
            Err(e) => return Err(e.into()),
        }
    }
    again(
        &st,
        &s,
        &a,
        &scope,
        &f,
        &errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn declare(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    s.require(Permission::ViewAudits)?;
    let (a, scope) = load(&st, &s, &id).await?;
    if !can_run(&s.actor, &scope) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Errors::default();
    let sample = audits::sample(&st.db, s.pid(), &a.id).await?;
    let case_id = f.get("case");
    if !sample.iter().any(|c| c.id == case_id) {
        errors.add("case", "Choose a case from the sample");
    }
    let person = f.get("person");
    if person.is_empty()
        || accounts::names_of(&st.db, s.pid(), &[person.as_str()])
            .await?
            .is_empty()
    {
        errors.add("person", "Choose the person from the list");
    }
    let note = errors.check(
        "note",
        check_name(&f.get("note"), "description of their involvement", 300),
    );
    if let (true, Some(note)) = (errors.is_empty(), note) {
        audits::declare(&st.db, &s.who(), &a, &case_id, &person, &note).await?;
        return Ok(redirect_with(
            &format!("/audits/{id}"),
            Flash::InvolvementRecorded,
            st.config.secure_cookies(),
        ));
    }
    again(
        &st,
        &s,
        &a,
        &scope,
        &f,
        &errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// Reminds everyone whose return is not in, at once.
async fn chase_all(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    s.require(Permission::ViewAudits)?;
    let (a, scope) = load(&st, &s, &id).await?;
    if !can_run(&s.actor, &scope) {
        return Err(AppError::Forbidden);
    }
    returns::chase(
        &st.db,
        &s.who(),
        s.pid(),
        (SourceKind::Audit, &a.id, &a.title),
        &st.config.public_url,
        Utc::now().date_naive(),
    )
    .await?;
    Ok(redirect_with(
        &format!("/audits/{id}"),
        Flash::ReturnsChased,
        st.config.secure_cookies(),
    ))
}

/// The title and page of an audit, for the source resolver.
pub(crate) fn title_of(a: &Audit) -> String {
    format!("{} ({} audit)", a.title, a.year)
}

// ---- attention ----

/// What audits need of someone: the returns they write (assigned to them, or their agency's
/// while nobody is chosen); for those who run audits, overdue returns, workshops coming and
/// reports overdue; on a group's agenda, its audits under way. Agenda items name the audit,
/// never a case of its sample.
pub async fn attention(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let s = a.signed();
    if !s.actor.can(Permission::ViewAudits) {
        return Ok(Vec::new());
    }
    let today = match a {
        Audience::Group { day, .. } => *day,
        Audience::Person(_) => Utc::now().date_naive(),
    };
    let mut out = Vec::new();
    if let Audience::Person(s) = a {
        let led: Vec<String> = s.actor.agencies_led().map(str::to_owned).collect();
        for r in returns::open_for(&st.db, s.pid(), &s.person.id, &led).await? {
            if r.ret.assignee_id.is_some() && r.ret.assignee_id.as_deref() != Some(&s.person.id) {
                continue;
            }
            let due = r.ret.due_on;
            out.push(Attention {
                kind: "return",
                text: format!(
                    "Return for the audit “{}”: {}, {}",
                    r.source_title, r.agency, r.subject
                ),
                detail: format!("Due {}", due.long()),
                href: format!("/returns/{}", r.ret.id),
                tag: Some(due_tag(due, today)),
            });
        }
    }
    let group = match a {
        Audience::Group { group, .. } => Some(group.group.id.as_str()),
        Audience::Person(_) => None,
    };
    for u in audits::under_way(&st.db, s.pid(), today).await? {
        let scope = scope_of(&u.audit);
        let concerned = match group {
            Some(g) => u.audit.group_id.as_deref() == Some(g),
            None => can_run(&s.actor, &scope),
        };
        if !concerned {
            continue;
        }
        let href = format!("/audits/{}", u.audit.id);
        if u.audit.stage == Stage::Fieldwork && (u.overdue > 0 || group.is_some()) {
            out.push(Attention {
                kind: "audit",
                text: format!(
                    "Audit “{}”: {} of {} returns in",
                    u.audit.title, u.answered, u.asked
                ),
                detail: format!("Returns due {}", u.audit.returns_due_on.long()),
                href: href.clone(),
                tag: (u.overdue > 0).then(|| (format!("{} overdue", u.overdue), "red")),
            });
        }
        if let Some(w) = u.audit.workshop_on
            && w.date() >= today
            && (w.date() - today).num_days() <= 14
        {
            out.push(Attention {
                kind: "audit",
                text: format!("Workshop for the audit “{}”", u.audit.title),
                detail: w.long(),
                href: href.clone(),
                tag: Some((format!("On {}", w.long()), "blue")),
            });
        }
        if let Some(r) = u.audit.report_due_on
            && r.date() < today
        {
            out.push(Attention {
                kind: "audit",
                text: format!("Overview report for the audit “{}”", u.audit.title),
                detail: format!("Due {}", r.long()),
                href,
                tag: Some(("Overdue".to_owned(), "red")),
            });
        }
    }
    Ok(out)
}

fn due_tag(due: Day, today: chrono::NaiveDate) -> (String, &'static str) {
    match chase(ReturnState::Requested, due.date(), today, 7) {
        Chase::Overdue => ("Overdue".to_owned(), "red"),
        Chase::DueToday => ("Due today".to_owned(), "orange"),
        _ => (format!("Due {}", due.long()), "yellow"),
    }
}
