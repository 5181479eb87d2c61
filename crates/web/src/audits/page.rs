//! One audit's page: its design, its sample and declared involvement for who reads the whole
//! audit, the returns each person may read, and the steps of who runs it (stage, cases,
//! involvement, chasing).

#[allow(unused_imports)]
use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/audits/{id}", get(show))
        .route("/audits/{id}/stage", post(move_stage))
        .route("/audits/{id}/cases", post(add_case))
        .route("/audits/{id}/involvement", post(declare))
        .route("/audits/{id}/chase", post(chase_all))
        .route("/audits/{id}/questions", post(revise_questions))
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
    /// The record that prompted it (a review, an inspection, an indicator...).
    prompted: Option<crate::sources::SourceRef>,
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
    q_lines: Textarea,
    q_scale: Textarea,
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
    // Involvement matters for the people who can be chosen to audit: the auditors.
    let auditors = if runs {
        audits::auditors(&st.db, s.pid()).await?
    } else {
        Vec::new()
    };
    let lead = match &a.lead_person_id {
        Some(l) => accounts::names_of(&st.db, s.pid(), &[l.as_str()])
            .await?
            .into_iter()
            .next()
            .map(|n| n.name),
        None => None,
    };
    let refd = s.reference(&st.db).await?;
    let answered = all_returns.iter().filter(|r| r.ret.state.is_in()).count();
    let prompted = match a.prompted_by.as_deref().map(crate::sources::parse_ref) {
        Some((Some(kind), Some(id))) => crate::sources::resolve(st, s, kind, &id).await?,
        _ => None,
    };
    Ok(ShowPage {
        chrome: s.chrome("/audits"),
        errors: errors.summary(),
        id: a.id.clone(),
        title: a.title.clone(),
        year: a.year,
        stage: a.stage.label(),
        stage_tag: a.stage.tag_class(),
        reason: a.reason.clone(),
        prompted,
        lead: lead.unwrap_or_else(|| "Not named".to_owned()),
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
        case_review: Input::new("review_reference", "Case review about the same child (optional)")
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
            "Auditor",
            std::iter::once(SelectItem::new("", "Choose an auditor")).chain(
                auditors
                    .iter()
                    .map(|p| SelectItem::new(p.id.clone(), p.name.clone())),
            ),
        )
        .filled(f, errors),
        q_lines: Textarea::new("lines", "Key lines of enquiry")
            .hint("One a line. Changing only the wording applies to returns already asked for; adding or removing a line is a new version, and returns already asked for keep theirs")
            .rows(4)
            .value(if f.0.is_empty() { qs.lines.0.join("\n") } else { f.get("lines") })
            .error(errors.get("lines")),
        q_scale: Textarea::new("scale", "Grading scale")
            .hint("One grade a line, best first. A new scale is a new version")
            .rows(4)
            .value(if f.0.is_empty() { qs.scale.0.join("\n") } else { f.get("scale") })
            .error(errors.get("scale")),
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
    let (a, scope) = runnable(&st, &s, &id).await?;
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
    let (a, scope) = runnable(&st, &s, &id).await?;
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
    let reference = f.get("review_reference");
    let case_review = if reference.trim().is_empty() {
        None
    } else {
        let found = audits::case_review_by_reference(&st.db, s.pid(), &reference).await?;
        if found.is_none() {
            errors.add(
                "review_reference",
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
    let (a, scope) = runnable(&st, &s, &id).await?;
    let mut errors = Errors::default();
    let sample = audits::sample(&st.db, s.pid(), &a.id).await?;
    let case_id = f.get("case");
    if !sample.iter().any(|c| c.id == case_id) {
        errors.add("case", "Choose a case from the sample");
    }
    let person = f.get("person");
    if !audits::auditors(&st.db, s.pid())
        .await?
        .iter()
        .any(|p| p.id == person)
    {
        errors.add("person", "Choose the auditor from the list");
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
    let (a, _) = runnable(&st, &s, &id).await?;
    returns::chase(
        &st.db,
        &s.who(),
        s.pid(),
        (
            SourceKind::Audit,
            &a.id,
            &format!("the audit “{}”", a.title),
        ),
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

/// Changes the lines of enquiry or the scale: wording in place, anything more a new version.
async fn revise_questions(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let (a, scope) = runnable(&st, &s, &id).await?;
    let mut errors = Errors::default();
    if a.stage == Stage::Reported {
        errors.add(
            "lines",
            "This audit has been reported: its questions can no longer change",
        );
        return again(&st, &s, &a, &scope, &f, &errors, StatusCode::CONFLICT).await;
    }
    let lines = errors.check("lines", check_lines(&plan::lines_of(&f.get("lines"))));
    let scale = errors.check("scale", check_scale(&plan::lines_of(&f.get("scale"))));
    if let (Some(lines), Some(scale)) = (lines, scale) {
        let major = audits::revise_questions(&st.db, &s.who(), &a, &lines, &scale).await?;
        return Ok(redirect_with(
            &format!("/audits/{id}"),
            if major {
                Flash::QuestionsVersioned
            } else {
                Flash::QuestionsReworded
            },
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
