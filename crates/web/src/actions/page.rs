//! The action page: what the action is and where it came from, its progress updates and
//! evidence, due-date revisions, the chair's sign-off and the impact review.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use learnloop_domain::actions::{
    ActionScope, ActionStatus, Rag, can_read, can_sign_off, can_update, check_move, check_revision,
    impact_due,
};
use learnloop_domain::files::{MAX_UPLOAD_BYTES, check_upload, safe_name};
use learnloop_govuk::{
    ChoiceItem, DateInput, ErrorSummary, Input, Radios, Select, SelectItem, Textarea,
};
use learnloop_store::actions::{
    self, Action, ActionLine, Evidence, ImpactInput, ImpactReview, Revision, Update,
};
use learnloop_store::audit::{self, Event};
use learnloop_store::files::{self, Upload};
use learnloop_store::{is_id, recommendations};

use super::rag_of;
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, filters, render, render_status};
use crate::session::Signed;
use crate::web::redirect_with;
use learnloop_domain::sources::SourceKind;
use learnloop_domain::text::check_text_block;

/// Evidence files on one update, at most.
const MAX_FILES: usize = 5;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/actions/{id}", get(show))
        .route(
            "/actions/{id}/updates",
            post(post_update).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES * 2 + 1024 * 1024)),
        )
        .route("/actions/{id}/due", post(revise))
        .route("/actions/{id}/sign-off", post(sign_off))
        .route("/actions/{id}/impact", post(impact))
        .route("/evidence/{id}", get(download))
}

pub(crate) fn scope(a: &Action) -> ActionScope<'_> {
    ActionScope {
        owner_person_id: a.owner_person_id.as_deref(),
        lead_agency_id: a.lead_agency_id.as_deref(),
        group_id: a.group_id.as_deref(),
    }
}

/// The action, if the person may read it.
async fn load(st: &AppState, s: &Signed, id: &str) -> AppResult<Action> {
    Ok(load_line(st, s, id).await?.action)
}

/// The action with the names shown beside it, if the person may read it.
async fn load_line(st: &AppState, s: &Signed, id: &str) -> AppResult<ActionLine> {
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let line = actions::line(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !can_read(&s.actor, &scope(&line.action)) {
        return Err(AppError::Forbidden);
    }
    Ok(line)
}

#[derive(Template)]
#[template(path = "actions/show.html")]
struct ShowPage {
    chrome: Chrome,
    errors: ErrorSummary,
    action: Action,
    source_title: String,
    source_href: String,
    recommendation: Option<(i64, String)>,
    agency: String,
    supporting: Vec<String>,
    owner: String,
    group: String,
    status: &'static str,
    rag: Option<Rag>,
    due: String,
    revisions: Vec<Revision>,
    /// Each update, its evidence, and the status it moved to (if it moved).
    updates: Vec<(Update, Vec<Evidence>, Option<&'static str>)>,
    evidence_count: usize,
    impact: Option<ImpactReview>,
    can_update: bool,
    can_sign: bool,
    can_impact: bool,
    file_error: Option<String>,
    u_body: Textarea,
    u_status: Radios,
    u_reason: Textarea,
    r_due: DateInput,
    r_reason: Textarea,
    i_on: DateInput,
    i_sustained: Radios,
    i_difference: Radios,
    i_measure: Input,
    i_notes: Textarea,
    i_course: Select,
    i_indicator: Select,
    /// The course the impact review cites: (id, title, what its evaluation and follow-up show).
    cited: Option<(String, String, String)>,
    /// The indicator it cites: its chart with the closure marked, the values before and after.
    cited_indicator: Option<crate::performance::Cited>,
}

async fn view(
    st: &AppState,
    s: &Signed,
    id: &str,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<ShowPage> {
    let ActionLine {
        action: a,
        owner_name,
        source_title: line_source,
        ..
    } = load_line(st, s, id).await?;
    let today = Utc::now().date_naive();
    let status = a.status;
    let refd = s.reference(&st.db).await?;
    let agencies = &refd.agencies;
    let name_of = |id: &Option<String>| {
        id.as_ref()
            .and_then(|i| agencies.iter().find(|x| &x.id == i))
            .map(|x| x.name.clone())
            .unwrap_or_default()
    };
    let owner = owner_name.unwrap_or_default();
    let group = match &a.group_id {
        Some(g) => refd
            .groups
            .iter()
            .find(|x| &x.id == g)
            .map(|x| x.name.clone())
            .unwrap_or_default(),
        None => String::new(),
    };
    // The list's title came with the action; the resolver names the rest.
    let (source_title, source_href) = match (a.source_kind, line_source) {
        (SourceKind::CaseReview, Some(t)) => (t, a.source_kind.path(&a.source_id)),
        (kind, _) => crate::sources::resolve(st, s, kind, &a.source_id)
            .await?
            .map(|r| (r.title, r.href.unwrap_or_default()))
            .unwrap_or_default(),
    };
    let recommendation = match &a.recommendation_id {
        Some(r) => recommendations::get(&st.db, s.pid(), r)
            .await?
            .map(|r| (r.number, r.body)),
        None => None,
    };
    let evidence = actions::evidence(&st.db, s.pid(), id).await?;
    let updates = actions::updates(&st.db, s.pid(), id)
        .await?
        .into_iter()
        .map(|u| {
            let files = evidence
                .iter()
                .filter(|e| e.update_id == u.id)
                .cloned()
                .collect();
            let moved = (u.status_from != u.status_to).then(|| u.status_to.label());
            (u, files, moved)
        })
        .collect();
    let next: Vec<ActionStatus> = ActionStatus::ALL
        .into_iter()
        .filter(|n| status.can_move_to(*n) && *n != ActionStatus::ClosedEvidenced)
        .collect();
    let can_update = can_update(&s.actor, &scope(&a)) && status.is_open();
    let sc = scope(&a);
    let impact = match a.impact_reviewed_on {
        Some(_) => actions::impact(&st.db, s.pid(), id).await?,
        None => None,
    };
    let cited = match impact.as_ref().and_then(|i| i.course_id.clone()) {
        Some(c) => match learnloop_store::training::course(&st.db, s.pid(), &c).await? {
            Some(course) => Some((
                c.clone(),
                course.title,
                crate::training::results(st, s.pid(), &c).await?,
            )),
            None => None,
        },
        None => None,
    };
    let cited_indicator = match (
        impact.as_ref().and_then(|i| i.indicator_id.clone()),
        a.closed_on,
    ) {
        (Some(i), Some(closed)) => {
            crate::performance::cited(st, s, &i, Some(closed.date())).await?
        }
        _ => None,
    };
    let can_impact = status == ActionStatus::ClosedEvidenced
        && s.actor
            .can(learnloop_domain::policy::Permission::ManageActions);
    // The courses an impact review can cite: those planned for this action or its
    // recommendation first.
    let mut courses: Vec<(String, String)> = Vec::new();
    if can_impact {
        let mut asked =
            learnloop_store::training::answering(&st.db, s.pid(), ("action", id)).await?;
        if let Some(r) = &a.recommendation_id {
            asked.extend(
                learnloop_store::training::answering(&st.db, s.pid(), ("recommendation", r))
                    .await?,
            );
        }
        for (cid, title) in asked {
            if !courses.iter().any(|(c, _)| *c == cid) {
                courses.push((cid, format!("{title} (planned for this)")));
            }
        }
        for (cid, title) in learnloop_store::training::titles(&st.db, s.pid()).await? {
            if !courses.iter().any(|(c, _)| *c == cid) {
                courses.push((cid, title));
            }
        }
    }
    let indicators = if can_impact {
        crate::performance::citable(st, s).await?
    } else {
        Vec::new()
    };
    let indicator_value = if f.0.is_empty() {
        impact
            .as_ref()
            .and_then(|i| i.indicator_id.clone())
            .unwrap_or_default()
    } else {
        f.get("indicator")
    };
    let course_value = if f.0.is_empty() {
        impact
            .as_ref()
            .and_then(|i| i.course_id.clone())
            .unwrap_or_default()
    } else {
        f.get("course")
    };
    Ok(ShowPage {
        chrome: s.chrome("/actions"),
        errors: errors.summary(),
        source_href,
        source_title,
        recommendation,
        agency: name_of(&a.lead_agency_id),
        supporting: actions::supporting(&st.db, s.pid(), id)
            .await?
            .into_iter()
            .map(|x| x.1)
            .collect(),
        owner,
        group,
        status: status.label(),
        rag: rag_of(s, &a, today),
        due: a.due_on.long(),
        revisions: actions::revisions(&st.db, s.pid(), id).await?,
        evidence_count: evidence.len(),
        updates,
        // The action row carries the day of its impact review: no review, nothing to read.
        impact,
        cited,
        cited_indicator,
        can_update,
        can_sign: can_sign_off(&s.actor, &sc) && status == ActionStatus::Completed,
        can_impact,
        file_error: errors.get("file").map(ToOwned::to_owned),
        u_body: Textarea::new("body", "Progress update")
            .hint("What has been done since the last update, and what is next")
            .rows(4)
            .filled(f, errors),
        u_status: Radios::new(
            "status",
            "Status",
            std::iter::once(ChoiceItem::new(status.slug(), format!("Keep as {}", status.label().to_lowercase())))
                .chain(next.iter().map(|n| ChoiceItem::new(n.slug(), n.label()))),
        )
        .value(if f.0.is_empty() { status.slug().to_owned() } else { f.get("status") })
        .error(errors.get("status")),
        u_reason: Textarea::new("reason", "Reason (if it will not be achieved)")
            .rows(2)
            .filled(f, errors),
        r_due: DateInput::new("due", "New due date")
            .date_values(f.get("due-day"), f.get("due-month"), f.get("due-year"))
            .error(errors.get("due-day")),
        r_reason: Textarea::new("due_reason", "Why the date is changing")
            .rows(2)
            .filled(f, errors),
        i_on: DateInput::new("reviewed", "Date of the review")
            .date_values(
                f.get("reviewed-day"),
                f.get("reviewed-month"),
                f.get("reviewed-year"),
            )
            .error(errors.get("reviewed-day")),
        i_sustained: yes_no("sustained", "Has the change been sustained?", f, errors),
        i_difference: yes_no("difference", "Has it made a difference for children?", f, errors),
        i_measure: Input::new("measure", "How you know")
            .hint("The measure used: an indicator, a re-audit, feedback from practitioners or families")
            .filled(f, errors),
        i_notes: Textarea::new("notes", "Notes").rows(3).value(f.get("notes")),
        i_course: Select::new(
            "course",
            "Training that shows the change (optional)",
            std::iter::once(SelectItem::new("", "None")).chain(
                courses
                    .into_iter()
                    .map(|(cid, title)| SelectItem::new(cid, title)),
            ),
        )
        .hint("Cite a course: its evaluations and the three-month follow-up of its participants and their managers are shown with the review")
        .value(course_value)
        .error(errors.get("course")),
        i_indicator: Select::new(
            "indicator",
            "An indicator that shows the change (optional)",
            std::iter::once(SelectItem::new("", "None")).chain(
                indicators
                    .into_iter()
                    .map(|(iid, name)| SelectItem::new(iid, name)),
            ),
        )
        .hint("Cite an indicator of the performance data: its chart is shown with the review, the action's closure marked, and its values before and after")
        .value(indicator_value)
        .error(errors.get("indicator")),
        action: a,
    })
}

fn yes_no(name: &str, legend: &str, f: &FormPairs, errors: &Errors) -> Radios {
    Radios::new(
        name,
        legend,
        [ChoiceItem::new("yes", "Yes"), ChoiceItem::new("no", "No")],
    )
    .inline()
    .value(f.get(name))
    .error(errors.get(name))
}

async fn show(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    render(&view(&st, &s, &id, &FormPairs(Vec::new()), &Errors::default()).await?)
}

async fn again(
    st: &AppState,
    s: &Signed,
    id: &str,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<Response> {
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &view(st, s, id, f, errors).await?,
    )
}

fn done(st: &AppState, id: &str, anchor: &str, flash: Flash) -> Response {
    redirect_with(
        &format!("/actions/{id}#{anchor}"),
        flash,
        st.config.secure_cookies(),
    )
}

async fn post_update(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    form: Multipart,
) -> AppResult<Response> {
    let a = load(&st, &s, &id).await?;
    if !can_update(&s.actor, &scope(&a)) {
        return Err(AppError::Forbidden);
    }
    let up = match crate::uploads::read(form).await {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let (body, to, reason) = (
        up.fields.get("body"),
        up.fields.get("status"),
        up.fields.get("reason"),
    );
    let files = up.files;
    let f = FormPairs(vec![
        ("body".into(), body.clone()),
        ("status".into(), to.clone()),
        ("reason".into(), reason.clone()),
    ]);
    let mut errors = Errors::default();
    let text = errors.check("body", check_text_block(&body, "progress update", 8000));
    let from = a.status;
    let target = ActionStatus::parse(&to);
    match target {
        None => errors.add("status", "Choose the status"),
        Some(ActionStatus::ClosedEvidenced) => errors.add(
            "status",
            "An action is closed as evidenced by the chair's sign-off",
        ),
        Some(t) => {
            if let Err(m) = check_move(from, t, &reason, 1) {
                errors.add(
                    if t == ActionStatus::ClosedNotAchieved {
                        "reason"
                    } else {
                        "status"
                    },
                    m,
                );
            }
        }
    }
    if files.len() > MAX_FILES {
        errors.add(
            "file",
            format!("Add at most {MAX_FILES} files to one update"),
        );
    }
    let mut uploads = Vec::new();
    for (name, bytes) in files {
        match check_upload(&name, &bytes) {
            Ok(ct) => uploads.push(Upload {
                name: safe_name(&name),
                content_type: ct.to_owned(),
                bytes,
            }),
            Err(m) => errors.add("file", &m),
        }
    }
    let (Some(text), Some(target)) = (text, target) else {
        return again(&st, &s, &id, &f, &errors).await;
    };
    if !errors.is_empty() {
        return again(&st, &s, &id, &f, &errors).await;
    }
    let reason: String = if target == ActionStatus::ClosedNotAchieved {
        reason.trim().chars().take(4000).collect()
    } else {
        String::new()
    };
    let ok = actions::post_update(
        &st.db,
        &st.files,
        &s.who(),
        s.pid(),
        &id,
        &text,
        (from.slug(), target.slug(), &reason),
        uploads,
    )
    .await?;
    if !ok {
        errors.add(
            "status",
            "Someone else changed this action's status since you opened the page: check it and try again",
        );
        return again(&st, &s, &id, &f, &errors).await;
    }
    Ok(done(&st, &id, "updates", Flash::ActionUpdated))
}

async fn revise(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let a = load(&st, &s, &id).await?;
    if !can_update(&s.actor, &scope(&a)) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Errors::default();
    let to = f.date("due", "the new due date", &mut errors);
    let status = a.status;
    if let (Some(to), Some(from)) = (to, Some(a.due_on.date())) {
        match check_revision(status, from, to, &f.get("due_reason")) {
            Err(m) if m.contains("reason") => errors.add("due_reason", m),
            Err(m) => errors.add("due-day", m),
            Ok(()) => {
                let reason: String = f.get("due_reason").trim().chars().take(2000).collect();
                let iso = to.format("%Y-%m-%d").to_string();
                if actions::revise_due(
                    &st.db,
                    &s.who(),
                    s.pid(),
                    &id,
                    (&a.due_on.to_string(), &iso),
                    &reason,
                )
                .await?
                {
                    return Ok(done(&st, &id, "due", Flash::DueDateRevised));
                }
                errors.add("due-day", "Someone else changed the due date since you opened the page: check it and try again");
            }
        }
    }
    again(&st, &s, &id, &f, &errors).await
}

async fn sign_off(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let a = load(&st, &s, &id).await?;
    if !can_sign_off(&s.actor, &scope(&a)) {
        return Err(AppError::Forbidden);
    }
    let from = a.status;
    let evidence = actions::evidence(&st.db, s.pid(), &id).await?.len();
    let mut errors = Errors::default();
    if let Err(m) = check_move(from, ActionStatus::ClosedEvidenced, "", evidence) {
        errors.add("sign-off", m);
        return again(&st, &s, &id, &FormPairs(Vec::new()), &errors).await;
    }
    let today = Utc::now().date_naive();
    let months = actions::plan(&st.db, s.pid(), a.source_kind, &a.source_id)
        .await?
        .map_or(s.partnership.impact_months, |p| p.impact_months);
    let due = impact_due(today, u32::try_from(months).unwrap_or(6));
    let iso = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    if !actions::sign_off(&st.db, &s.who(), s.pid(), &id, (&iso(today), &iso(due))).await? {
        errors.add(
            "sign-off",
            "The action is no longer waiting for sign-off: check it and try again",
        );
        return again(&st, &s, &id, &FormPairs(Vec::new()), &errors).await;
    }
    Ok(done(&st, &id, "status", Flash::ActionSignedOff))
}

async fn impact(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let a = load(&st, &s, &id).await?;
    s.require(learnloop_domain::policy::Permission::ManageActions)?;
    let mut errors = Errors::default();
    let on = f.date("reviewed", "the date of the review", &mut errors);
    let mut yes = |k: &str, what: &str| match f.get(k).as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.add(k, format!("Choose whether {what}"));
            None
        }
    };
    let sustained = yes("sustained", "the change has been sustained");
    let difference = yes("difference", "it has made a difference");
    let measure = errors.check(
        "measure",
        learnloop_domain::text::check_name(&f.get("measure"), "measure used", 1000),
    );
    if let (Some(on), Some(sustained), Some(made_difference), Some(measure)) =
        (on, sustained, difference, measure)
        && errors.is_empty()
    {
        let input = ImpactInput {
            reviewed_on: on.format("%Y-%m-%d").to_string(),
            sustained,
            made_difference,
            measure,
            notes: f.get("notes").trim().chars().take(4000).collect(),
            course_id: Some(f.get("course")).filter(|c| !c.is_empty()),
            indicator_id: Some(f.get("indicator")).filter(|c| !c.is_empty()),
        };
        match actions::record_impact(&st.db, &s.who(), s.pid(), &a.id, &input).await {
            Ok(true) => return Ok(done(&st, &id, "impact", Flash::ImpactRecorded)),
            Ok(false) => errors.add(
                "reviewed-day",
                "An impact review is recorded once the action is signed off",
            ),
            Err(learnloop_store::StoreError::NotFound) => {
                let indicator = f.get("indicator");
                if !indicator.is_empty()
                    && !crate::performance::citable(&st, &s)
                        .await?
                        .iter()
                        .any(|(i, _)| *i == indicator)
                {
                    errors.add(
                        "indicator",
                        "Choose one of the partnership's indicators, or none",
                    );
                } else {
                    errors.add("course", "Choose one of the partnership's courses, or none");
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    again(&st, &s, &id, &f, &errors).await
}

/// An evidence file, after checking again that the person may read the action; audited.
async fn download(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    if !is_id(&id) {
        return Err(AppError::NotFound);
    }
    let (action_id, file_id) = actions::evidence_item(&st.db, s.pid(), &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let a = load(&st, &s, &action_id).await?;
    let f = files::get(&st.db, s.pid(), &file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = st.files.get(&f.storage_key).await?;
    audit::record(
        &st.db,
        &s.who(),
        Event::new("action.evidence.download", "action", Some(&a.id))
            .summary(format!("Downloaded the evidence {}", f.name)),
    )
    .await?;
    Ok(crate::uploads::attachment(&f, bytes))
}
