//! Returns (MODEL.md): the page where an agency's answer is written, saved, submitted, sent
//! back and accepted, and where its auditor is chosen. A return belongs to a source; the
//! source's rules say who reads and writes it (audits today: `domain::audits`).
//!
//! Choosing an auditor applies the independence rule: someone who declared involvement in the
//! case, or wrote their agency's earlier return on it, is refused with the reason, and the
//! refusal is kept.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use learnloop_domain::audits::{
    AuditScope, ReturnScope, can_assign, can_read_all, can_read_return, can_run, can_write_return,
    check_independent,
};
use learnloop_domain::files::{MAX_UPLOAD_BYTES, check_upload, safe_name};
use learnloop_domain::policy::Permission;
use learnloop_domain::returns::{Chase, ReturnMove, ReturnState, chase, check_grade};
use learnloop_domain::reviews::lifecycle::AgencyReturn;
use learnloop_domain::reviews::{can_read_in_full, can_write_summary};
use learnloop_domain::section11 as s11;
use learnloop_domain::sources::SourceKind;
use learnloop_domain::text::check_text_block;
use learnloop_govuk::{ChoiceItem, ErrorSummary, Radios, Select, SelectItem, Textarea};
use learnloop_store::audit::{self, Event};
use learnloop_store::audits::{self, Audit};
use learnloop_store::returns::{self, Answers, QuestionSet, Return, ReturnLine, Version};
use learnloop_store::{StoreError, is_id};

mod lines;
mod respond;

use crate::AppState;
use crate::attention::{Attention, Audience};
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, filters, render, render_status};
use crate::session::Signed;
use crate::web::redirect_with;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/returns/{id}", get(show).post(write))
        .route("/returns/{id}/assign", post(assign))
        .route("/returns/{id}/decide", post(decide))
        .route(
            "/returns/{id}/files",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 1024 * 1024)),
        )
        .route("/returns/{id}/files/{file}", get(download))
        .route("/returns/{id}/files/{file}/remove", post(remove_file))
        .merge(respond::routes())
}

/// The booking a training evaluation is about (it is sent through its own form).
fn evaluation_of(r: &Return) -> Option<&str> {
    (r.source_kind == SourceKind::Training)
        .then(|| r.subject_id.strip_prefix("evaluation:"))
        .flatten()
}

pub(crate) fn scope_of(r: &Return) -> ReturnScope {
    ReturnScope {
        agency_id: r.agency_id.clone(),
        assignee_id: r.assignee_id.clone(),
    }
}

/// What the source's rules let the signed-in person do with one return.
#[derive(Default)]
struct May {
    read: bool,
    write: bool,
    assign: bool,
    decide: bool,
    /// See why an auditor was refused (what they declared), not only that they were.
    see_conflicts: bool,
}

impl May {
    /// An audit's rules, or single-agency assurance's (with no group or lead of its own: the
    /// business team runs it, the independent chair reads it, each agency writes its own).
    fn audit(s: &Signed, scope: &AuditScope, ret: &ReturnScope) -> May {
        May {
            read: can_read_return(&s.actor, scope, ret),
            write: can_write_return(&s.actor, ret),
            assign: can_assign(&s.actor, scope, ret),
            decide: can_run(&s.actor, scope),
            see_conflicts: can_read_all(&s.actor, scope),
        }
    }
}

/// A return, the source it belongs to and what its rules allow; 404 for another
/// partnership's.
struct Loaded {
    line: ReturnLine,
    /// The audit, for an audit's return (whose sample, auditors and refusals it has).
    audit: Option<Audit>,
    may: May,
    /// The source's page and name, for the way back, and the menu entry it sits under.
    back: (String, String),
    nav: &'static str,
}

async fn load(st: &AppState, s: &Signed, id: &str) -> AppResult<Loaded> {
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let line = returns::line(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = line.ret.source_kind;
    let source = &line.ret.source_id;
    let ret = scope_of(&line.ret);
    let mut back = (kind.path(source), line.source_title.clone());
    let (audit, may, nav) = match kind {
        SourceKind::Audit => {
            let a = audits::get(&st.db, s.pid(), source)
                .await?
                .ok_or(AppError::NotFound)?;
            let may = May::audit(s, &crate::audits::scope_of(&a), &ret);
            (Some(a), may, "/audits")
        }
        SourceKind::Assurance => (None, May::audit(s, &AuditScope::default(), &ret), "/audits"),
        // A review's agency summaries and reports: the agency's own lead writes it, and only
        // who may read the case in full reads it (the case's panel rule); the business team
        // sends it back or accepts it.
        SourceKind::CaseReview => {
            let panel = learnloop_store::reviews::panel(&st.db, s.pid(), source).await?;
            let write = can_write_summary(&s.actor, &line.ret.agency_id);
            if AgencyReturn::parse(&line.ret.subject_id) == Some(AgencyReturn::Report) {
                // The review's page is for who reads the case in full; an agency's lead who
                // writes its report without that goes back to the case.
                back.0 = if can_read_in_full(&s.actor, &panel) {
                    format!("/reviews/{source}/review#agency-reports")
                } else {
                    format!("/reviews/{source}")
                };
            } else {
                back.0 = format!("/reviews/{source}#summaries");
            }
            let may = May {
                read: write || can_read_in_full(&s.actor, &panel),
                write,
                decide: s.actor.can(Permission::ManageReviews),
                ..May::default()
            };
            (None, may, "/reviews")
        }
        // A Section 11 self-assessment: its agency's lead writes it; the business team and
        // the independent chair read every one; the business team accepts it or sends it back.
        SourceKind::Section11 => {
            learnloop_store::section11::get(&st.db, s.pid(), source)
                .await?
                .ok_or(AppError::NotFound)?;
            let agency = &line.ret.agency_id;
            let on_panel =
                learnloop_store::section11::on_panel(&st.db, s.pid(), source, &s.person.id).await?;
            let may = May {
                read: s11::can_read(&s.actor, agency, on_panel),
                write: s11::can_write(&s.actor, agency),
                decide: s11::can_run(&s.actor),
                ..May::default()
            };
            (None, may, "/section11")
        }
        // A training follow-up: the participant it is assigned to writes it; the business
        // team and the session's trainer read every one. (A line manager answers theirs through
        // the link in their mail, never here.)
        SourceKind::Training => {
            let session = learnloop_store::training::session(&st.db, s.pid(), source)
                .await?
                .ok_or(AppError::NotFound)?;
            let mine = line.ret.assignee_id.as_deref() == Some(s.person.id.as_str());
            let may = May {
                read: mine
                    || learnloop_domain::training::can_run_session(
                        &s.actor,
                        session.session.trainer_id.as_deref(),
                    ),
                write: mine,
                ..May::default()
            };
            (None, may, "/training")
        }
        // A deep dive's analysis: the commissioned agency's lead writes it; whoever reads the
        // whole dataset (the board, the groups, agency leads) reads it; the business team
        // accepts it or sends it back.
        SourceKind::DeepDive => {
            learnloop_store::performance::deep_dives::get(&st.db, s.pid(), source)
                .await?
                .ok_or(AppError::NotFound)?;
            let agency = &line.ret.agency_id;
            let write = s.actor.agencies_led().any(|a| a == agency);
            let may = May {
                read: write || learnloop_domain::performance::reads_all(&s.actor),
                write,
                decide: learnloop_domain::performance::can_manage(&s.actor),
                ..May::default()
            };
            (None, may, "/performance")
        }
        SourceKind::Meeting
        | SourceKind::Inspection
        | SourceKind::ChildDeathReport
        | SourceKind::VoiceEvent => return Err(AppError::NotFound),
    };
    // Whoever may not read the return reaches nothing of it: its page, its files, its forms.
    if !may.read {
        return Err(AppError::Forbidden);
    }
    Ok(Loaded {
        line,
        audit,
        may,
        back,
        nav,
    })
}

struct VersionView {
    number: i64,
    at: String,
    grade: String,
    answers: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "returns/show.html")]
struct ShowPage {
    chrome: Chrome,
    errors: ErrorSummary,
    id: String,
    back_href: String,
    back_title: String,
    /// "Police: return on Child A", or for a review "Police: agency summary for a rapid review".
    heading: String,
    /// The auditor, where the source chooses one (audits).
    auditor: Option<String>,
    /// Whether the question set grades (audits, assurance); a review's summaries do not.
    graded: bool,
    state: &'static str,
    state_tag: &'static str,
    due: String,
    sent_back_note: String,
    /// Where it came from, when another partnership's linked agency offered it.
    offered_note: String,
    /// The answers as they stand, line by line.
    answered: Vec<lines::LineRead>,
    /// Whether lines are rated (Section 11 standards), and whether any was carried forward.
    rates_lines: bool,
    grade: String,
    strengths: String,
    improvements: String,
    can_write: bool,
    line_fields: Vec<lines::LineField>,
    grade_field: Radios,
    strengths_field: Textarea,
    improvements_field: Textarea,
    can_assign: bool,
    assignee_field: Select,
    can_decide: bool,
    note_field: Textarea,
    versions: Vec<VersionView>,
    /// Evidence files: (id, name, size, what it supports, who added it, when).
    evidence: Vec<EvidenceView>,
    /// The writer adds evidence while the return is open.
    can_upload: bool,
    file_line: Select,
    file_error: Option<String>,
}

struct EvidenceView {
    id: String,
    name: String,
    size: String,
    supports: String,
    by: String,
    on: String,
}

fn stored_form(r: &Return) -> FormPairs {
    let mut v: Vec<(String, String)> = Vec::new();
    lines::stored(r, &mut v);
    v.push(("grade".to_owned(), r.grade.clone()));
    v.push(("strengths".to_owned(), r.strengths.clone()));
    v.push(("improvements".to_owned(), r.improvements.clone()));
    v.push((
        "person".to_owned(),
        r.assignee_id.clone().unwrap_or_default(),
    ));
    FormPairs(v)
}

async fn page(
    st: &AppState,
    s: &Signed,
    l: &Loaded,
    f: Option<&FormPairs>,
    errors: &Errors,
) -> AppResult<ShowPage> {
    let r = &l.line.ret;
    let qs: QuestionSet = returns::question_set(&st.db, s.pid(), &r.question_set_id).await?;
    let stored = stored_form(r);
    let f = f.unwrap_or(&stored);
    let auditors = audits::auditors(&st.db, s.pid()).await?;
    let versions: Vec<Version> = returns::versions(&st.db, s.pid(), &r.id).await?;
    let carried = lines::carried(r, &qs);
    let evidence = returns::files(&st.db, s.pid(), &r.id).await?;
    let pair = |answers: &[String]| -> Vec<(String, String)> {
        qs.lines
            .0
            .iter()
            .enumerate()
            .map(|(i, q)| (q.clone(), answers.get(i).cloned().unwrap_or_default()))
            .collect()
    };
    Ok(ShowPage {
        chrome: s.chrome(l.nav),
        errors: errors.summary(),
        id: r.id.clone(),
        back_href: l.back.0.clone(),
        back_title: l.back.1.clone(),
        heading: heading(&l.line),
        auditor: l.audit.as_ref().map(|_| {
            l.line
                .assignee
                .clone()
                .unwrap_or_else(|| "Not chosen".to_owned())
        }),
        graded: !qs.scale.0.is_empty() && !qs.rates_lines,
        state: r.state.label(),
        state_tag: r.state.tag_class(),
        due: r.due_on.long(),
        offered_note: r.offered_note.clone(),
        sent_back_note: if r.state == ReturnState::Returned {
            r.sent_back_note.clone()
        } else {
            String::new()
        },
        answered: lines::read(&qs, r),
        rates_lines: qs.rates_lines,
        grade: r.grade.clone(),
        strengths: r.strengths.clone(),
        improvements: r.improvements.clone(),
        can_write: l.may.write && r.state.is_open(),
        line_fields: lines::fields(&qs, r, &carried, f, errors),
        grade_field: Radios::new(
            "grade",
            "Grade",
            qs.scale
                .0
                .iter()
                .map(|g| ChoiceItem::new(g.clone(), g.clone())),
        )
        .value(f.get("grade"))
        .error(errors.get("grade")),
        strengths_field: Textarea::new("strengths", "Strengths")
            .rows(3)
            .filled(f, errors),
        improvements_field: Textarea::new("improvements", "Areas for improvement")
            .rows(3)
            .filled(f, errors),
        can_assign: l.may.assign && r.state != ReturnState::Locked,
        assignee_field: Select::new(
            "person",
            "Auditor",
            std::iter::once(SelectItem::new("", "Nobody yet")).chain(
                auditors
                    .iter()
                    .map(|p| SelectItem::new(p.id.clone(), p.name.clone())),
            ),
        )
        .hint("Someone who had no part in this case")
        .filled(f, errors),
        evidence: evidence
            .into_iter()
            .map(|e| EvidenceView {
                supports: e
                    .line
                    .and_then(|i| usize::try_from(i).ok())
                    .and_then(|i| qs.lines.0.get(i).cloned())
                    .unwrap_or_else(|| "The whole return".to_owned()),
                size: learnloop_domain::files::human_size(e.size),
                on: e
                    .created_at
                    .get(..10)
                    .map(str::to_owned)
                    .unwrap_or_default(),
                id: e.id,
                name: e.name,
                by: e.uploaded_by,
            })
            .collect(),
        can_upload: l.may.write && r.state.is_open(),
        file_error: errors.get("file").map(ToOwned::to_owned),
        file_line: Select::new(
            "line",
            "What it is evidence for",
            std::iter::once(SelectItem::new("", "The whole return")).chain(
                qs.lines
                    .0
                    .iter()
                    .enumerate()
                    .map(|(i, q)| SelectItem::new((i + 1).to_string(), q.clone())),
            ),
        )
        .filled(f, errors),
        can_decide: l.may.decide && r.state == ReturnState::Submitted,
        note_field: Textarea::new("note", "What needs more work")
            .hint("Needed to send the return back; whoever writes it sees it")
            .rows(3)
            .filled(f, errors),
        versions: versions
            .into_iter()
            .map(|v| VersionView {
                number: v.number,
                at: v.submitted_at.get(..10).unwrap_or_default().to_owned(),
                grade: v.grade,
                answers: pair(&v.answers.0),
            })
            .collect(),
    })
}

async fn show(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    // An evaluation of a training session has a form of its own.
    if let Some(booking) = evaluation_of(&l.line.ret) {
        return Ok(axum::response::IntoResponse::into_response(
            axum::response::Redirect::to(&format!("/training/evaluations/{booking}")),
        ));
    }
    let page = page(&st, &s, &l, None, &Errors::default()).await?;
    // A review's summaries are part of the restricted case: each read is on its trail.
    if l.line.ret.source_kind == SourceKind::CaseReview {
        audit::record(
            &st.db,
            &s.who(),
            Event::new(
                "case.summary.read",
                SourceKind::CaseReview.slug(),
                Some(&l.line.ret.source_id),
            )
            .summary(format!("Read {}", page.heading)),
        )
        .await?;
    }
    render(&page)
}

async fn again(
    st: &AppState,
    s: &Signed,
    l: &Loaded,
    f: &FormPairs,
    errors: &Errors,
    status: StatusCode,
) -> AppResult<Response> {
    render_status(status, &page(st, s, l, Some(f), errors).await?)
}

async fn write(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    if !l.may.write || evaluation_of(&l.line.ret).is_some() {
        return Err(AppError::Forbidden);
    }
    let mv = if f.get("action") == "submit" {
        ReturnMove::Submit
    } else {
        ReturnMove::Save
    };
    let mut errors = Errors::default();
    if let Err(m) = l.line.ret.state.after(mv) {
        errors.add("answer-1", m);
        return again(&st, &s, &l, &f, &errors, StatusCode::CONFLICT).await;
    }
    let qs = returns::question_set(&st.db, s.pid(), &l.line.ret.question_set_id).await?;
    let submitting = mv == ReturnMove::Submit;
    let mut answers = Vec::new();
    for (i, q) in qs.lines.0.iter().enumerate() {
        let key = format!("answer-{}", i + 1);
        let text = f.get(&key);
        if text.trim().is_empty() && !submitting {
            answers.push(String::new());
            continue;
        }
        let what = format!("answer to “{q}”");
        if let Some(a) = errors.check(&key, check_text_block(&text, &what, 8000)) {
            answers.push(a);
        }
    }
    let graded = !qs.scale.0.is_empty() && !qs.rates_lines;
    let carried = lines::carried(&l.line.ret, &qs);
    let rated = lines::ratings_and_marks(
        &qs,
        &l.line.ret,
        &carried,
        (&f, &answers, submitting),
        &mut errors,
    );
    let grade = f.get("grade");
    let grade = if !graded || (grade.trim().is_empty() && !submitting) {
        Some(String::new())
    } else {
        errors
            .check("grade", check_grade(&qs.scale.0, &grade))
            .map(str::to_owned)
    };
    let optional = |key: &str, what: &str, errors: &mut Errors| {
        let t = f.get(key);
        if !graded || (t.trim().is_empty() && !submitting) {
            Some(String::new())
        } else {
            errors.check(key, check_text_block(&t, what, 8000))
        }
    };
    let strengths = optional("strengths", "strengths", &mut errors);
    let improvements = optional("improvements", "areas for improvement", &mut errors);
    if let (true, Some(grade), Some(strengths), Some(improvements), Some((ratings, marks))) =
        (errors.is_empty(), grade, strengths, improvements, rated)
    {
        let a = Answers {
            answers,
            grade,
            strengths,
            improvements,
            ratings,
            marks,
        };
        match returns::write(&st.db, &s.who(), s.pid(), &id, &a, mv).await {
            Ok(_) => {
                if l.line.ret.source_kind == SourceKind::Training {
                    crate::training::forget_results(s.pid());
                }
                return Ok(redirect_with(
                    &format!("/returns/{id}"),
                    if submitting {
                        Flash::ReturnSubmitted
                    } else {
                        Flash::ReturnSaved
                    },
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => {
                errors.add("answer-1", m);
                return again(&st, &s, &l, &f, &errors, StatusCode::CONFLICT).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    again(&st, &s, &l, &f, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn assign(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    if !l.may.assign {
        return Err(AppError::Forbidden);
    }
    let mut errors = Errors::default();
    if l.line.ret.state == ReturnState::Locked {
        errors.add(
            "person",
            "This return has been accepted and is locked: its auditor cannot change",
        );
        return again(&st, &s, &l, &f, &errors, StatusCode::CONFLICT).await;
    }
    let person = f.get("person");
    if person.is_empty() {
        returns::assign(&st.db, &s.who(), s.pid(), &id, None).await?;
        return Ok(redirect_with(
            &format!("/returns/{id}"),
            Flash::AuditorChosen,
            st.config.secure_cookies(),
        ));
    }
    let auditors = audits::auditors(&st.db, s.pid()).await?;
    let Some(named) = auditors.iter().find(|p| p.id == person) else {
        errors.add("person", "Choose an auditor from the list");
        return again(&st, &s, &l, &f, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let case_id = &l.line.ret.subject_id;
    let declared = audits::involvement(&st.db, s.pid(), case_id, &person).await?;
    let earlier = audits::wrote_earlier_return(&st.db, s.pid(), case_id, &person).await?;
    if let Err(conflict) = check_independent(declared.as_deref(), earlier) {
        let reason = conflict.reason(&named.name, &l.line.subject);
        if let Some(audit) = &l.audit {
            audits::refuse(&st.db, &s.who(), audit, case_id, &person, &reason).await?;
        }
        // What someone declared is for who reads the whole audit; an agency lead is told only
        // that the person had a part in the case.
        errors.add(
            "person",
            if l.may.see_conflicts {
                reason
            } else {
                format!(
                    "{} cannot audit {}: they had a part in the case. Choose someone else",
                    named.name, l.line.subject
                )
            },
        );
        return again(&st, &s, &l, &f, &errors, StatusCode::CONFLICT).await;
    }
    match returns::assign(&st.db, &s.who(), s.pid(), &id, Some(&person)).await {
        Ok(()) => Ok(redirect_with(
            &format!("/returns/{id}"),
            Flash::AuditorChosen,
            st.config.secure_cookies(),
        )),
        Err(StoreError::Conflict(m)) => {
            errors.add("person", m);
            again(&st, &s, &l, &f, &errors, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn decide(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    if !l.may.decide {
        return Err(AppError::Forbidden);
    }
    let mut errors = Errors::default();
    let mv = match f.get("decision").as_str() {
        "send-back" => ReturnMove::SendBack,
        "accept" => ReturnMove::Lock,
        _ => {
            errors.add(
                "note",
                "Choose whether to accept the return or send it back",
            );
            return again(&st, &s, &l, &f, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let note = if mv == ReturnMove::SendBack {
        errors.check(
            "note",
            check_text_block(&f.get("note"), "note saying what needs more work", 4000),
        )
    } else {
        Some(String::new())
    };
    if let Err(m) = l.line.ret.state.after(mv) {
        errors.add("note", m);
        return again(&st, &s, &l, &f, &errors, StatusCode::CONFLICT).await;
    }
    if let (true, Some(note)) = (errors.is_empty(), note) {
        match returns::decide(&st.db, &s.who(), s.pid(), &id, mv, &note).await {
            Ok(_) => {
                if l.line.ret.source_kind == SourceKind::Training {
                    // A return sent back no longer counts as answered.
                    crate::training::forget_results(s.pid());
                }
                return Ok(redirect_with(
                    &format!("/returns/{id}"),
                    if mv == ReturnMove::Lock {
                        Flash::ReturnAccepted
                    } else {
                        Flash::ReturnSentBack
                    },
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => {
                errors.add("note", m);
                return again(&st, &s, &l, &f, &errors, StatusCode::CONFLICT).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    again(&st, &s, &l, &f, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// Adds an evidence file, for one line or the whole return, while its writer can still
/// change it. Nothing is stored unless the file is accepted.
async fn upload(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    form: Multipart,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    if !l.may.write {
        return Err(AppError::Forbidden);
    }
    let up = match crate::uploads::read(form).await {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let line_field = up.fields.get("line");
    let (file_name, bytes) = up.file();
    let mut errors = Errors::default();
    let qs = returns::question_set(&st.db, s.pid(), &l.line.ret.question_set_id).await?;
    let line = if line_field.is_empty() {
        Some(None)
    } else {
        match line_field.parse::<usize>() {
            Ok(n) if (1..=qs.lines.0.len()).contains(&n) => Some(Some(n - 1)),
            _ => {
                errors.add("line", "Choose what the file is evidence for from the list");
                None
            }
        }
    };
    let content_type = errors.check("file", check_upload(&file_name, &bytes));
    if up.files.len() > 1 {
        errors.add("file", "Add one file at a time");
    }
    // The answers shown again are the stored ones: only the file form was sent.
    let mut f = stored_form(&l.line.ret);
    f.0.retain(|(k, _)| k != "line");
    f.0.push(("line".into(), line_field.clone()));
    if let (true, Some(line), Some(ct)) = (errors.is_empty(), line, content_type) {
        let file = learnloop_store::files::Upload {
            name: safe_name(&file_name),
            content_type: ct.to_owned(),
            bytes,
        };
        match returns::add_file(&st.db, &st.files, &s.who(), (s.pid(), &id), line, file).await {
            Ok(_) => {
                return Ok(redirect_with(
                    &format!("/returns/{id}#evidence"),
                    Flash::FileAdded,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => {
                errors.add("file", m);
                return render_status(
                    StatusCode::CONFLICT,
                    &page(&st, &s, &l, Some(&f), &errors).await?,
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page(&st, &s, &l, Some(&f), &errors).await?,
    )
}

/// Takes an evidence file off the return while its writer can still change it. Taking off a
/// file no longer on it changes nothing.
async fn remove_file(
    State(st): State<AppState>,
    s: Signed,
    Path((id, file)): Path<(String, String)>,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    if !l.may.write {
        return Err(AppError::Forbidden);
    }
    if is_id(&file) {
        match returns::remove_file(&st.db, &s.who(), (s.pid(), &id), &file).await {
            Ok(_) => {}
            Err(StoreError::Conflict(m)) => {
                let mut errors = Errors::default();
                errors.add("file", m);
                return render_status(
                    StatusCode::CONFLICT,
                    &page(&st, &s, &l, None, &errors).await?,
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(redirect_with(
        &format!("/returns/{id}#evidence"),
        Flash::FileRemoved,
        st.config.secure_cookies(),
    ))
}

/// An evidence file, for whoever may read the return; each download is audited.
async fn download(
    State(st): State<AppState>,
    s: Signed,
    Path((id, file)): Path<(String, String)>,
) -> AppResult<Response> {
    let l = load(&st, &s, &id).await?;
    if !is_id(&file) {
        return Err(AppError::NotFound);
    }
    let f = returns::file(&st.db, s.pid(), (&l.line.ret.id, &file))
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = st.files.get(&f.storage_key).await?;
    let (kind, target) = returns::target(&l.line.ret);
    audit::record(
        &st.db,
        &s.who(),
        Event::new("return.file.download", kind, Some(&target))
            .summary(format!("Downloaded the evidence file {}", f.name)),
    )
    .await?;
    Ok(crate::uploads::attachment(&f, bytes))
}

/// What the page is called: the agency and what it answers.
fn heading(l: &ReturnLine) -> String {
    match l.ret.source_kind {
        SourceKind::CaseReview => {
            let mut what = l.subject.clone();
            if let Some(first) = what.get(..1) {
                what.replace_range(..1, &first.to_lowercase());
            }
            format!("{}: {what}", l.agency)
        }
        SourceKind::Section11 => format!("{}: Section 11 self-assessment", l.agency),
        _ if l.subject.is_empty() => format!("{}: return", l.agency),
        _ => format!("{}: return on {}", l.agency, l.subject),
    }
}

/// The returns a person writes, whatever asked for them: those assigned to them, and their
/// agencies' while nobody is chosen, due first. A review's summaries name the case by its
/// reference only, and reach only its agency's leads.
pub async fn attention(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let Audience::Person(s) = a else {
        return Ok(Vec::new());
    };
    let today = chrono::Utc::now().date_naive();
    let led: Vec<String> = s.actor.agencies_led().map(str::to_owned).collect();
    let mut out = Vec::new();
    for r in returns::open_for(&st.db, s.pid(), &s.person.id, &led).await? {
        if r.ret.assignee_id.is_some() && r.ret.assignee_id.as_deref() != Some(&s.person.id) {
            continue;
        }
        let due = r.ret.due_on;
        out.push(Attention {
            kind: "return",
            text: match r.ret.source_kind {
                SourceKind::Audit => format!(
                    "Return for the audit “{}”: {}, {}",
                    r.source_title, r.agency, r.subject
                ),
                SourceKind::CaseReview => format!(
                    "Your agency's {} for {}",
                    AgencyReturn::parse(&r.ret.subject_id)
                        .unwrap_or(AgencyReturn::Summary)
                        .noun(),
                    r.source_title.to_lowercase()
                ),
                SourceKind::Section11 => {
                    format!("{}: {}'s self-assessment", r.source_title, r.agency)
                }
                _ => format!("{}: {}'s return", r.source_title, r.agency),
            },
            detail: format!("Due {}", due.long()),
            href: format!("/returns/{}", r.ret.id),
            tag: Some(due_tag(due, today)),
        });
    }
    Ok(out)
}

fn due_tag(due: learnloop_store::Day, today: chrono::NaiveDate) -> (String, &'static str) {
    match chase(ReturnState::Requested, due.date(), today, 7) {
        Chase::Overdue => ("Overdue".to_owned(), "red"),
        Chase::DueToday => ("Due today".to_owned(), "orange"),
        _ => (format!("Due {}", due.long()), "yellow"),
    }
}
