//! Returns (MODEL.md): the page where an agency's answer is written, saved, submitted, sent
//! back and accepted, and where its auditor is chosen. A return belongs to a source; the
//! source's rules say who reads and writes it (audits today: `domain::audits`).
//!
//! Choosing an auditor applies the independence rule: someone who declared involvement in the
//! case, or wrote their agency's earlier return on it, is refused with the reason, and the
//! refusal is kept.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use learnloop_domain::audits::{
    AuditScope, ReturnScope, can_assign, can_read_all, can_read_return, can_run, can_write_return,
    check_independent,
};
use learnloop_domain::returns::{ReturnMove, ReturnState, check_grade};
use learnloop_domain::sources::SourceKind;
use learnloop_domain::text::check_text_block;
use learnloop_govuk::{ChoiceItem, ErrorSummary, Radios, Select, SelectItem, Textarea};
use learnloop_store::audits::{self, Audit};
use learnloop_store::returns::{self, Answers, QuestionSet, Return, ReturnLine, Version};
use learnloop_store::{StoreError, is_id};

use crate::AppState;
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
}

pub(crate) fn scope_of(r: &Return) -> ReturnScope {
    ReturnScope {
        agency_id: r.agency_id.clone(),
        assignee_id: r.assignee_id.clone(),
    }
}

/// A return, the source it belongs to and their scopes; 404 for another partnership's.
struct Loaded {
    line: ReturnLine,
    /// The audit, for an audit's return (whose sample, auditors and refusals it has).
    audit: Option<Audit>,
    /// Whose rules apply: the audit's, or for single-agency assurance the business team's
    /// (who runs it) and the independent chair's (who reads it).
    scope: AuditScope,
    ret: ReturnScope,
    /// The source's page and name, for the way back.
    back: (String, String),
}

async fn load(st: &AppState, s: &Signed, id: &str) -> AppResult<Loaded> {
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let line = returns::line(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = line.ret.source_kind;
    let (audit, scope, title) = match kind {
        SourceKind::Audit => {
            let a = audits::get(&st.db, s.pid(), &line.ret.source_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let (scope, title) = (crate::audits::scope_of(&a), a.title.clone());
            (Some(a), scope, title)
        }
        SourceKind::Assurance => {
            let r = learnloop_store::assurance::get(&st.db, s.pid(), &line.ret.source_id)
                .await?
                .ok_or(AppError::NotFound)?;
            (
                None,
                AuditScope::default(),
                format!("Single-agency assurance {}", r.year),
            )
        }
        // Case reviews and meetings ask for no returns of this kind.
        SourceKind::CaseReview | SourceKind::Meeting => return Err(AppError::NotFound),
    };
    let ret = scope_of(&line.ret);
    let back = (kind.path(&line.ret.source_id), title);
    Ok(Loaded {
        line,
        audit,
        scope,
        ret,
        back,
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
    case: String,
    agency: String,
    auditor: String,
    state: &'static str,
    state_tag: &'static str,
    due: String,
    sent_back_note: String,
    /// The answers as they stand, line by line.
    answered: Vec<(String, String)>,
    grade: String,
    strengths: String,
    improvements: String,
    can_write: bool,
    answer_fields: Vec<Textarea>,
    grade_field: Radios,
    strengths_field: Textarea,
    improvements_field: Textarea,
    can_assign: bool,
    assignee_field: Select,
    can_decide: bool,
    note_field: Textarea,
    versions: Vec<VersionView>,
}

fn stored_form(r: &Return) -> FormPairs {
    let mut v: Vec<(String, String)> = r
        .answers
        .0
        .iter()
        .enumerate()
        .map(|(i, a)| (format!("answer-{}", i + 1), a.clone()))
        .collect();
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
    let pair = |answers: &[String]| -> Vec<(String, String)> {
        qs.lines
            .0
            .iter()
            .enumerate()
            .map(|(i, q)| (q.clone(), answers.get(i).cloned().unwrap_or_default()))
            .collect()
    };
    Ok(ShowPage {
        chrome: s.chrome("/audits"),
        errors: errors.summary(),
        id: r.id.clone(),
        back_href: l.back.0.clone(),
        back_title: l.back.1.clone(),
        case: l.line.subject.clone(),
        agency: l.line.agency.clone(),
        auditor: l
            .line
            .assignee
            .clone()
            .unwrap_or_else(|| "Not chosen".to_owned()),
        state: r.state.label(),
        state_tag: r.state.tag_class(),
        due: r.due_on.long(),
        sent_back_note: if r.state == ReturnState::Returned {
            r.sent_back_note.clone()
        } else {
            String::new()
        },
        answered: pair(&r.answers.0),
        grade: r.grade.clone(),
        strengths: r.strengths.clone(),
        improvements: r.improvements.clone(),
        can_write: can_write_return(&s.actor, &l.ret) && r.state.is_open(),
        answer_fields: qs
            .lines
            .0
            .iter()
            .enumerate()
            .map(|(i, q)| {
                Textarea::new(format!("answer-{}", i + 1), q.clone())
                    .rows(4)
                    .filled(f, errors)
            })
            .collect(),
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
        can_assign: can_assign(&s.actor, &l.scope, &l.ret) && r.state != ReturnState::Locked,
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
        can_decide: can_run(&s.actor, &l.scope) && r.state == ReturnState::Submitted,
        note_field: Textarea::new("note", "What needs more work")
            .hint("Needed to send the return back; the auditor sees it")
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
    if !can_read_return(&s.actor, &l.scope, &l.ret) {
        return Err(AppError::Forbidden);
    }
    render(&page(&st, &s, &l, None, &Errors::default()).await?)
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
    if !can_write_return(&s.actor, &l.ret) {
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
    let grade = f.get("grade");
    let grade = if grade.trim().is_empty() && !submitting {
        Some(String::new())
    } else {
        errors
            .check("grade", check_grade(&qs.scale.0, &grade))
            .map(str::to_owned)
    };
    let optional = |key: &str, what: &str, errors: &mut Errors| {
        let t = f.get(key);
        if t.trim().is_empty() && !submitting {
            Some(String::new())
        } else {
            errors.check(key, check_text_block(&t, what, 8000))
        }
    };
    let strengths = optional("strengths", "strengths", &mut errors);
    let improvements = optional("improvements", "areas for improvement", &mut errors);
    if let (true, Some(grade), Some(strengths), Some(improvements)) =
        (errors.is_empty(), grade, strengths, improvements)
    {
        let a = Answers {
            answers,
            grade,
            strengths,
            improvements,
        };
        match returns::write(&st.db, &s.who(), s.pid(), &id, &a, mv).await {
            Ok(_) => {
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
    if !can_assign(&s.actor, &l.scope, &l.ret) {
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
            if can_read_all(&s.actor, &l.scope) {
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
    if !can_run(&s.actor, &l.scope) {
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
