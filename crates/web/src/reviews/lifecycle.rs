//! Case reviews, second part: referrals, reviews recorded directly (domestic homicide reviews,
//! management reviews, legacy serious case reviews, others' reviews), and the review page of a
//! commissioned review — terms of reference and reviewer, agency reports, practitioner events,
//! report versions, the publication decision, findings and recommendations. The review page is
//! restricted like the case: only the business team and the case's panel, each read audited.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use learnloop_domain::dates::{long, parse_iso};
use learnloop_domain::files::{MAX_UPLOAD_BYTES, check_upload, safe_name};
use learnloop_domain::policy::Permission;
use learnloop_domain::recommendations::{Addressee, SourceKind, check_text};
use learnloop_domain::reviews::lifecycle::{
    AgencyReturn, Link, Methodology, Publication, ReferralSource, ReviewType, Step, advance,
    enough_notice, lines_of_enquiry, notice_due,
};
use learnloop_domain::reviews::{Category, Stage, can_read_in_full};
use learnloop_domain::text::check_name;
use learnloop_govuk::{
    Checkboxes, ChoiceItem, DateInput, ErrorSummary, Input, Radios, Select, SelectItem, Textarea,
};
use learnloop_store::audit::{self, Event};
use learnloop_store::files::{self, Upload};
use learnloop_store::recommendations::{self, RecommendationLine};
use learnloop_store::reviews::lifecycle::{
    self as store, Finding, PublicationInput, PublicationRecord, Referral, Report, ReviewEvent,
    Terms, TermsInput,
};
use learnloop_store::reviews::{self, AgencySummary, CaseReview, NewNotification, NewReferral};
use learnloop_store::{StoreError, is_id, themes};

use super::{request_returns, return_page, submit_return, timeline};
use crate::AppState;
use crate::clocks::Timeline;
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, FormPairs};
use crate::page::{Chrome, Flash, filters, render, render_status};
use crate::session::Signed;
use crate::web::redirect_with;
use learnloop_domain::text::check_text_block;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reviews/refer", get(refer_page).post(refer))
        .route("/reviews/record", get(record_page).post(record))
        .route("/reviews/{id}/review", get(show))
        .route("/reviews/{id}/terms", post(save_terms))
        .route("/reviews/{id}/reports", post(request_reports))
        .route(
            "/reviews/{id}/reports/{agency}",
            get(report_page).post(submit_report),
        )
        .route("/reviews/{id}/events", post(add_event))
        .route(
            "/reviews/{id}/documents",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 1024 * 1024)),
        )
        .route("/reviews/documents/{report}", get(download))
        .route("/reviews/{id}/publication", post(save_publication))
        .route("/reviews/{id}/findings", post(add_finding))
        .route("/reviews/{id}/recommendations", post(add_recommendation))
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A date input filled from what was typed, or else from a stored `YYYY-MM-DD`.
fn date_input(
    f: &FormPairs,
    errors: &Errors,
    key: &str,
    legend: &str,
    stored: Option<&str>,
) -> DateInput {
    let typed = !f.0.is_empty();
    let part = |i: usize, suffix: &str| {
        if typed {
            f.get(&format!("{key}-{suffix}"))
        } else {
            stored
                .and_then(parse_iso)
                .map(|d| match i {
                    0 => d.format("%-d").to_string(),
                    1 => d.format("%-m").to_string(),
                    _ => d.format("%Y").to_string(),
                })
                .unwrap_or_default()
        }
    };
    DateInput::new(key, legend)
        .date_values(part(0, "day"), part(1, "month"), part(2, "year"))
        .error(errors.get(&format!("{key}-day")))
}

/// An optional date: blank is None; anything typed must be a real date.
fn optional_date(
    f: &FormPairs,
    key: &str,
    what: &str,
    errors: &mut Errors,
) -> Option<Option<NaiveDate>> {
    let blank = ["day", "month", "year"]
        .iter()
        .all(|p| f.get(&format!("{key}-{p}")).trim().is_empty());
    if blank {
        return Some(None);
    }
    f.date(key, what, errors).map(Some)
}

/// The case, for the business team and its panel only; the read is audited.
async fn load_full(st: &AppState, s: &Signed, id: &str) -> AppResult<CaseReview> {
    s.require(Permission::ViewPartnership)?;
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let c = reviews::get(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let panel = reviews::panel(&st.db, s.pid(), id).await?;
    if !can_read_in_full(&s.actor, &panel) {
        return Err(AppError::Forbidden);
    }
    Ok(c)
}

/// The case for a change by the business team.
async fn load_managed(st: &AppState, s: &Signed, id: &str) -> AppResult<CaseReview> {
    s.require(Permission::ManageReviews)?;
    load_full(st, s, id).await
}

/// The case whose recommendations and action plan a review uses: a joint review shares the
/// practice review's one set of recommendations and one plan; every other review has its own.
fn plan_source(c: &CaseReview) -> String {
    match (c.link_kind.as_deref(), &c.linked_review_id) {
        (Some("joint"), Some(l)) => l.clone(),
        _ => c.id.clone(),
    }
}

fn type_of(c: &CaseReview) -> Option<ReviewType> {
    c.review_type.as_deref().and_then(ReviewType::parse)
}

// ---- the review page ----

#[derive(Template)]
#[template(path = "reviews/review.html")]
struct ReviewPage {
    chrome: Chrome,
    errors: ErrorSummary,
    case: CaseReview,
    review_type: &'static str,
    stage: &'static str,
    run_here: bool,
    linked: Option<(String, String, &'static str)>,
    /// Reviews linked to this one (a domestic homicide review to its practice review).
    linked_from: Vec<(String, String, &'static str)>,
    /// A joint review's recommendations and plan are its practice review's.
    shared_plan: bool,
    plan_id: String,
    referral: Option<Referral>,
    referral_source: &'static str,
    timeline: Timeline,
    can_manage: bool,
    // terms of reference
    terms: Option<Terms>,
    methodology: &'static str,
    lines: Vec<String>,
    can_terms: bool,
    t_scope_from: DateInput,
    t_scope_to: DateInput,
    t_lines: Textarea,
    t_methodology: Radios,
    t_proportionality: Textarea,
    t_reviewer: Input,
    t_independence: Textarea,
    t_reason: Textarea,
    t_family: Textarea,
    t_agreed: DateInput,
    // agency reports
    agency_reports: Vec<(AgencySummary, String)>,
    reports_due: DateInput,
    // events
    events: Vec<ReviewEvent>,
    e_held: DateInput,
    e_title: Input,
    e_attendees: Input,
    e_notes: Textarea,
    // report versions
    reports: Vec<Report>,
    can_draft: bool,
    can_final: bool,
    r_kind: Radios,
    r_note: Input,
    file_error: Option<String>,
    // publication
    publication: Option<PublicationRecord>,
    publication_label: &'static str,
    notice: Option<bool>,
    notice_due: Option<String>,
    can_publication: bool,
    p_decision: Radios,
    p_public_interest: Textarea,
    p_welfare: Textarea,
    p_legal: Textarea,
    p_criminal: Textarea,
    p_decided: DateInput,
    p_sent: DateInput,
    p_planned: DateInput,
    p_published: DateInput,
    p_link: Input,
    // findings and recommendations
    findings: Vec<(Finding, Vec<String>)>,
    recommendations: Vec<RecommendationLine>,
    f_body: Textarea,
    f_themes: Checkboxes,
    rec_body: Textarea,
    rec_to: Radios,
    rec_agencies: Checkboxes,
    rec_themes: Checkboxes,
    /// The action plan: each action, its status label and RAG, by recommendation.
    plan: Vec<(
        learnloop_store::actions::Action,
        &'static str,
        Option<learnloop_domain::actions::Rag>,
    )>,
    can_plan: bool,
}

#[allow(clippy::too_many_lines)]
async fn view(
    st: &AppState,
    s: &Signed,
    id: &str,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<ReviewPage> {
    let c = load_full(st, s, id).await?;
    audit::record(
        &st.db,
        &s.who(),
        Event::new(
            "case.read",
            learnloop_domain::sources::SourceKind::CaseReview.slug(),
            Some(id),
        )
        .summary(format!("Read the review of case {} in full", c.reference)),
    )
    .await?;
    let stage = c.stage;
    let rt = type_of(&c);
    let refd = s.reference(&st.db).await?;
    let cal = &refd.calendar;
    let rules = &refd.rules;
    let from_aware = s.partnership.rapid_review_from == "aware";
    let manage = s.actor.can(Permission::ManageReviews);
    let run_here = rt.is_some_and(ReviewType::is_run_here);
    let terms = store::terms(&st.db, s.pid(), id).await?;
    let agencies = &refd.agencies;
    let agency_name = |a: &str| {
        agencies
            .iter()
            .find(|x| x.id == a)
            .map(|x| x.name.clone())
            .unwrap_or_default()
    };
    let involved = reviews::agency_ids(&st.db, s.pid(), id).await?;
    let agency_reports = reviews::summaries(&st.db, s.pid(), id, AgencyReturn::Report.slug())
        .await?
        .into_iter()
        .map(|r| {
            let n = agency_name(&r.agency_id);
            (r, n)
        })
        .collect();
    let publication = store::publication(&st.db, s.pid(), id).await?;
    let findings_raw = store::findings(&st.db, s.pid(), id).await?;
    let finding_ids: Vec<&str> = findings_raw.iter().map(|fd| fd.id.as_str()).collect();
    let mut finding_themes =
        themes::names_of_many(&st.db, s.pid(), "finding", &finding_ids).await?;
    let findings: Vec<_> = findings_raw
        .into_iter()
        .map(|fd| {
            let names = finding_themes.remove(&fd.id).unwrap_or_default();
            (fd, names)
        })
        .collect();
    let active_themes = &refd.themes;
    let theme_items = || {
        active_themes
            .iter()
            .map(|t| ChoiceItem::new(t.id.clone(), t.name.clone()))
            .collect::<Vec<_>>()
    };
    let linked = match &c.linked_review_id {
        Some(l) => reviews::get(&st.db, s.pid(), l).await?.map(|x| {
            (
                x.id,
                x.reference,
                c.link_kind
                    .as_deref()
                    .and_then(Link::parse)
                    .map(Link::label)
                    .unwrap_or(""),
            )
        }),
        None => None,
    };
    let linked_from = reviews::linked_to(&st.db, s.pid(), id)
        .await?
        .into_iter()
        .map(|x| {
            let how = x
                .link_kind
                .as_deref()
                .and_then(Link::parse)
                .map(Link::label)
                .unwrap_or("");
            (x.id, x.reference, how)
        })
        .collect();
    let plan_id = plan_source(&c);
    let shared_plan = plan_id != c.id;
    let referral = store::referral(&st.db, s.pid(), id).await?;
    let keep = |k: &str, stored: Option<&str>| {
        if f.0.is_empty() {
            stored.unwrap_or_default().to_owned()
        } else {
            f.get(k)
        }
    };
    let t = terms.as_ref();
    let p = publication.as_ref();
    let day = |d: Option<&String>| d.and_then(|x| parse_iso(x));
    let sent = day(p.and_then(|p| p.sent_to_panel_on.as_ref()));
    let publish_on = day(p.and_then(|p| p.planned_on.as_ref()))
        .or_else(|| day(p.and_then(|p| p.published_on.as_ref())));
    Ok(ReviewPage {
        chrome: s.chrome("/reviews"),
        errors: errors.summary(),
        review_type: rt.map(ReviewType::label).unwrap_or("No review decided yet"),
        stage: stage.label(),
        run_here,
        linked,
        linked_from,
        shared_plan,
        plan_id: plan_id.clone(),
        referral_source: referral
            .as_ref()
            .and_then(|r| ReferralSource::parse(&r.source))
            .map(ReferralSource::label)
            .unwrap_or(""),
        referral,
        timeline: timeline(&c, cal, rules, from_aware, Utc::now().date_naive()),
        can_manage: manage,
        methodology: t
            .and_then(|t| Methodology::parse(&t.methodology))
            .map(Methodology::label)
            .unwrap_or(""),
        lines: t
            .map(|t| lines_of_enquiry(&t.lines_of_enquiry))
            .unwrap_or_default(),
        can_terms: manage && run_here && advance(stage, Step::Terms).is_ok(),
        t_scope_from: date_input(
            f,
            errors,
            "scope-from",
            "Scope: from",
            t.map(|t| t.scope_from.as_str()),
        ),
        t_scope_to: date_input(
            f,
            errors,
            "scope-to",
            "Scope: to",
            t.map(|t| t.scope_to.as_str()),
        ),
        t_lines: Textarea::new("lines", "Key lines of enquiry")
            .hint("One per line")
            .rows(5)
            .value(keep("lines", t.map(|t| t.lines_of_enquiry.as_str())))
            .error(errors.get("lines")),
        t_methodology: Radios::new(
            "methodology",
            "Methodology",
            Methodology::ALL.map(|m| ChoiceItem::new(m.slug(), m.label())),
        )
        .value(keep("methodology", t.map(|t| t.methodology.as_str())))
        .error(errors.get("methodology")),
        t_proportionality: Textarea::new(
            "proportionality",
            "Why this methodology is proportionate",
        )
        .rows(3)
        .value(keep(
            "proportionality",
            t.map(|t| t.proportionality.as_str()),
        ))
        .error(errors.get("proportionality")),
        t_reviewer: Input::new("reviewer", "Reviewer appointed")
            .value(keep("reviewer", t.map(|t| t.reviewer_name.as_str())))
            .error(errors.get("reviewer")),
        t_independence: Textarea::new("independence", "The reviewer's independence")
            .hint("Their relationship, if any, to the agencies involved")
            .rows(2)
            .value(keep(
                "independence",
                t.map(|t| t.reviewer_independence.as_str()),
            ))
            .error(errors.get("independence")),
        t_reason: Textarea::new("reviewer_reason", "Why this reviewer was chosen")
            .rows(2)
            .value(keep(
                "reviewer_reason",
                t.map(|t| t.reviewer_reason.as_str()),
            ))
            .error(errors.get("reviewer_reason")),
        t_family: Textarea::new("family", "Involvement of the family and the child")
            .hint("Who was asked, who took part, and how; or why not")
            .rows(3)
            .value(keep("family", t.map(|t| t.family_involvement.as_str())))
            .error(errors.get("family")),
        t_agreed: date_input(
            f,
            errors,
            "agreed",
            "Date the terms were agreed",
            t.map(|t| t.agreed_on.as_str()),
        ),
        terms,
        agency_reports,
        reports_due: DateInput::new("due", "Reports due by")
            .hint("For example, 16 1 2027")
            .date_values(f.get("due-day"), f.get("due-month"), f.get("due-year"))
            .error(errors.get("due-day")),
        events: store::events(&st.db, s.pid(), id).await?,
        e_held: date_input(f, errors, "held", "Date held", None),
        e_title: Input::new("event_title", "What it was")
            .hint("For example, Practitioner learning event")
            .value(f.get("event_title"))
            .error(errors.get("event_title")),
        e_attendees: Input::new("attendees", "Number who took part")
            .inputmode("numeric")
            .width_class("govuk-input--width-4")
            .value(f.get("attendees"))
            .error(errors.get("attendees")),
        e_notes: Textarea::new("event_notes", "Notes")
            .rows(3)
            .value(f.get("event_notes")),
        reports: store::reports(&st.db, s.pid(), id).await?,
        can_draft: manage && run_here && advance(stage, Step::Draft).is_ok(),
        can_final: manage && run_here && advance(stage, Step::Final).is_ok(),
        r_kind: Radios::new(
            "final",
            "Which version is this?",
            [
                ChoiceItem::new("no", "A draft"),
                ChoiceItem::new("yes", "The final report"),
            ],
        )
        .value(f.get("final"))
        .error(errors.get("final")),
        file_error: errors.get("file").map(ToOwned::to_owned),
        r_note: Input::new("note", "Note (optional)")
            .hint("For example, considered by the group on 3 March")
            .value(f.get("note")),
        publication_label: p
            .and_then(|p| Publication::parse(&p.decision))
            .map(Publication::label)
            .unwrap_or(""),
        notice: enough_notice(cal, sent, publish_on),
        notice_due: publish_on.map(|d| long(notice_due(cal, d))),
        can_publication: manage
            && run_here
            && advance(stage, Step::Publication { closes: false }).is_ok(),
        p_decision: Radios::new(
            "decision",
            "Decision",
            Publication::ALL.map(|x| ChoiceItem::new(x.slug(), x.label())),
        )
        .value(keep("decision", p.map(|p| p.decision.as_str())))
        .error(errors.get("decision")),
        p_public_interest: Textarea::new("public_interest", "The public interest")
            .rows(2)
            .value(keep(
                "public_interest",
                p.map(|p| p.public_interest.as_str()),
            ))
            .error(errors.get("public_interest")),
        p_welfare: Textarea::new(
            "child_welfare",
            "The welfare of the children involved and their siblings",
        )
        .rows(2)
        .value(keep("child_welfare", p.map(|p| p.child_welfare.as_str())))
        .error(errors.get("child_welfare")),
        p_legal: Textarea::new("legal", "Legal restrictions")
            .rows(2)
            .value(keep("legal", p.map(|p| p.legal_restrictions.as_str())))
            .error(errors.get("legal")),
        p_criminal: Textarea::new("criminal", "Criminal proceedings")
            .rows(2)
            .value(keep("criminal", p.map(|p| p.criminal_proceedings.as_str())))
            .error(errors.get("criminal")),
        p_decided: date_input(
            f,
            errors,
            "decided",
            "Date decided",
            p.map(|p| p.decided_on.as_str()),
        ),
        p_sent: date_input(
            f,
            errors,
            "sent",
            "Date the final report went to the Panel and the Secretary of State (if sent)",
            p.and_then(|p| p.sent_to_panel_on.as_deref()),
        ),
        p_planned: date_input(
            f,
            errors,
            "planned",
            "Planned publication date (if known)",
            p.and_then(|p| p.planned_on.as_deref()),
        ),
        p_published: date_input(
            f,
            errors,
            "published",
            "Date published (once published)",
            p.and_then(|p| p.published_on.as_deref()),
        ),
        p_link: Input::new("link", "Link to the published report")
            .input_type("url")
            .value(keep("link", p.map(|p| p.link.as_str())))
            .error(errors.get("link")),
        publication,
        findings,
        recommendations: recommendations::for_source(
            &st.db,
            s.pid(),
            SourceKind::CaseReview,
            &plan_id,
        )
        .await?,
        f_body: Textarea::new("finding", "Finding")
            .rows(3)
            .value(f.get("finding"))
            .error(errors.get("finding")),
        f_themes: Checkboxes::new("finding_theme", "Themes", theme_items())
            .values(f.all("finding_theme"))
            .error(errors.get("finding_theme")),
        rec_body: Textarea::new("recommendation", "Recommendation")
            .rows(3)
            .value(f.get("recommendation"))
            .error(errors.get("recommendation")),
        rec_to: Radios::new(
            "addressed_to",
            "Addressed to",
            [
                ChoiceItem::new("partnership", "The partnership as a whole"),
                ChoiceItem::new("agencies", "Named agencies (choose below)"),
            ],
        )
        .value(f.get("addressed_to"))
        .error(errors.get("addressed_to")),
        rec_agencies: Checkboxes::new(
            "rec_agency",
            "Agencies",
            agencies
                .iter()
                .filter(|a| a.active || involved.contains(&a.id))
                .map(|a| ChoiceItem::new(a.id.clone(), a.name.clone())),
        )
        .values(f.all("rec_agency"))
        .error(errors.get("rec_agency")),
        plan: learnloop_store::actions::for_source(
            &st.db,
            s.pid(),
            SourceKind::CaseReview,
            &plan_id,
        )
        .await?
        .into_iter()
        .map(|a| {
            let label = a.status.label();
            let rag = crate::actions::rag_of(s, &a, Utc::now().date_naive());
            (a, label, rag)
        })
        .collect(),
        can_plan: s.actor.can(Permission::ManageActions),
        rec_themes: Checkboxes::new("rec_theme", "Themes", theme_items())
            .values(f.all("rec_theme"))
            .error(errors.get("rec_theme")),
        case: c,
    })
}

async fn show(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    render(&view(&st, &s, &id, &FormPairs(Vec::new()), &Errors::default()).await?)
}

pub(super) async fn again(
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
        &format!("/reviews/{id}/review#{anchor}"),
        flash,
        st.config.secure_cookies(),
    )
}

/// A stage that moved while the form was open.
const MOVED: &str =
    "Someone else has moved this review on since you opened the page: check it and try again";

async fn save_terms(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let c = load_managed(&st, &s, &id).await?;
    let mut errors = Errors::default();
    let next = match type_of(&c) {
        None => {
            errors.add("reviewer", "No review has been decided for this case");
            None
        }
        Some(t) if !t.is_run_here() => {
            errors.add(
                "reviewer",
                "This review is another body's: record its findings and recommendations only",
            );
            None
        }
        Some(_) => match advance(c.stage, Step::Terms) {
            Ok(next) => Some(next),
            Err(m) => {
                errors.add("reviewer", m);
                None
            }
        },
    };
    let from = f.date(
        "scope-from",
        "the start of the period in scope",
        &mut errors,
    );
    let to = f.date("scope-to", "the end of the period in scope", &mut errors);
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        errors.add(
            "scope-to-day",
            "The end of the scope must be on or after its start",
        );
    }
    let lines = errors.check(
        "lines",
        check_text_block(&f.get("lines"), "key lines of enquiry", 8000),
    );
    let methodology = Methodology::parse(&f.get("methodology"));
    if methodology.is_none() {
        errors.add("methodology", "Choose the methodology");
    }
    let proportionality = errors.check(
        "proportionality",
        check_text_block(
            &f.get("proportionality"),
            "reason the methodology is proportionate",
            4000,
        ),
    );
    let reviewer = errors.check(
        "reviewer",
        check_name(&f.get("reviewer"), "name of the reviewer", 200),
    );
    let independence = errors.check(
        "independence",
        check_text_block(
            &f.get("independence"),
            "reviewer's independence from the agencies involved",
            2000,
        ),
    );
    let reason = errors.check(
        "reviewer_reason",
        check_text_block(
            &f.get("reviewer_reason"),
            "reason the reviewer was chosen",
            2000,
        ),
    );
    let family = errors.check(
        "family",
        check_text_block(
            &f.get("family"),
            "involvement of the family and the child (or why not)",
            4000,
        ),
    );
    let agreed = f.date("agreed", "the date the terms were agreed", &mut errors);
    if let (
        Some(next),
        Some(from),
        Some(to),
        Some(lines),
        Some(m),
        Some(proportionality),
        Some(reviewer),
        Some(independence),
        Some(reason),
        Some(family),
        Some(agreed),
    ) = (
        next,
        from,
        to,
        lines,
        methodology,
        proportionality,
        reviewer,
        independence,
        reason,
        family,
        agreed,
    ) && errors.is_empty()
    {
        let input = TermsInput {
            scope_from: iso(from),
            scope_to: iso(to),
            lines_of_enquiry: lines,
            methodology: m.slug().to_owned(),
            proportionality,
            reviewer_name: reviewer,
            reviewer_independence: independence,
            reviewer_reason: reason,
            family_involvement: family,
            agreed_on: iso(agreed),
        };
        if store::save_terms(
            &st.db,
            &s.who(),
            s.pid(),
            &id,
            &input,
            (c.stage.slug(), next.slug()),
        )
        .await?
        {
            return Ok(done(&st, &id, "terms", Flash::ReviewTermsSaved));
        }
        errors.add("reviewer", MOVED);
    }
    again(&st, &s, &id, &f, &errors).await
}

async fn request_reports(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let c = load_managed(&st, &s, &id).await?;
    if !type_of(&c).is_some_and(ReviewType::is_run_here) || c.stage < Stage::Decided {
        let mut errors = Errors::default();
        errors.add(
            "due-day",
            "Agency reports are asked for once a review has been decided",
        );
        return again(&st, &s, &id, &f, &errors).await;
    }
    request_returns(&st, &s, &id, &f, AgencyReturn::Report).await
}

async fn report_page(
    State(st): State<AppState>,
    s: Signed,
    Path((id, agency)): Path<(String, String)>,
) -> AppResult<Response> {
    return_page(&st, &s, (&id, AgencyReturn::Report, &agency)).await
}

async fn submit_report(
    State(st): State<AppState>,
    s: Signed,
    Path((id, agency)): Path<(String, String)>,
    f: FormPairs,
) -> AppResult<Response> {
    submit_return(&st, &s, (&id, AgencyReturn::Report, &agency), &f).await
}

async fn add_event(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    load_managed(&st, &s, &id).await?;
    let mut errors = Errors::default();
    let held = f.date("held", "the date the event was held", &mut errors);
    let title = errors.check(
        "event_title",
        check_name(&f.get("event_title"), "what the event was", 300),
    );
    let attendees = match f.get("attendees").trim().parse::<i64>() {
        Ok(n) if (0..=10_000).contains(&n) => Some(n),
        _ => {
            errors.add(
                "attendees",
                "Enter the number who took part as a whole number, for example 12",
            );
            None
        }
    };
    if let (Some(held), Some(title), Some(attendees)) = (held, title, attendees)
        && errors.is_empty()
    {
        let notes: String = f.get("event_notes").trim().chars().take(8000).collect();
        store::add_event(
            &st.db,
            &s.who(),
            s.pid(),
            &id,
            store::NewEvent {
                held_on: &iso(held),
                title: &title,
                attendees,
                notes: &notes,
            },
        )
        .await?;
        return Ok(done(&st, &id, "events", Flash::EventRecorded));
    }
    again(&st, &s, &id, &f, &errors).await
}

async fn upload(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    form: Multipart,
) -> AppResult<Response> {
    let c = load_managed(&st, &s, &id).await?;
    let up = match crate::uploads::read(form).await {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let (kind, note) = (up.fields.get("final"), up.fields.get("note"));
    let (file_name, bytes) = up.file();
    let f = FormPairs(vec![
        ("final".into(), kind.clone()),
        ("note".into(), note.clone()),
    ]);
    let mut errors = Errors::default();
    let is_final = match kind.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.add(
                "final",
                "Choose whether this is a draft or the final report",
            );
            None
        }
    };
    let content_type = errors.check("file", check_upload(&file_name, &bytes));
    let next = is_final.and_then(|fin| {
        let step = if fin { Step::Final } else { Step::Draft };
        match advance(c.stage, step) {
            Ok(n) if type_of(&c).is_some_and(ReviewType::is_run_here) => Some(n),
            Ok(_) => {
                errors.add(
                    "final",
                    "Reports are kept only for reviews the partnership runs",
                );
                None
            }
            Err(m) => {
                errors.add("final", m);
                None
            }
        }
    });
    let (Some(is_final), Some(content_type), Some(next)) = (is_final, content_type, next) else {
        return again(&st, &s, &id, &f, &errors).await;
    };
    if !errors.is_empty() {
        return again(&st, &s, &id, &f, &errors).await;
    }
    let note: String = note.trim().chars().take(500).collect();
    let added = store::add_report(
        &st.db,
        &st.files,
        &s.who(),
        s.pid(),
        &id,
        is_final,
        &note,
        (c.stage.slug(), next.slug()),
        Upload {
            name: safe_name(&file_name),
            content_type: content_type.to_owned(),
            bytes,
        },
    )
    .await?;
    if added.is_none() {
        errors.add("final", MOVED);
        return again(&st, &s, &id, &f, &errors).await;
    }
    Ok(done(&st, &id, "reports", Flash::ReportAdded))
}

/// Sends a report version as an attachment, after checking again that the person may read the
/// case in full; audited.
async fn download(
    State(st): State<AppState>,
    s: Signed,
    Path(report): Path<String>,
) -> AppResult<Response> {
    if !is_id(&report) {
        return Err(AppError::NotFound);
    }
    let r = store::report(&st.db, s.pid(), &report)
        .await?
        .ok_or(AppError::NotFound)?;
    let c = load_full(&st, &s, &r.review_id).await?;
    let f = files::get(&st.db, s.pid(), &r.file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = st.files.get(&f.storage_key).await?;
    audit::record(
        &st.db,
        &s.who(),
        Event::new(
            "case.report.download",
            learnloop_domain::sources::SourceKind::CaseReview.slug(),
            Some(&c.id),
        )
        .summary(format!(
            "Downloaded version {} of the report of case {}",
            r.version, c.reference
        )),
    )
    .await?;
    Ok(crate::uploads::attachment(&f, bytes))
}

async fn save_publication(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let c = load_managed(&st, &s, &id).await?;
    let mut errors = Errors::default();
    let decision = Publication::parse(&f.get("decision"));
    if decision.is_none() {
        errors.add("decision", "Choose whether the report will be published");
    }
    let mut answer = |key: &str, what: &str| {
        errors.check(
            key,
            check_text_block(&f.get(key), &format!("reasons about {what}"), 4000),
        )
    };
    let public_interest = answer("public_interest", "the public interest");
    let welfare = answer("child_welfare", "the welfare of the children");
    let legal = answer("legal", "legal restrictions (or say there are none)");
    let criminal = answer("criminal", "criminal proceedings (or say there are none)");
    let decided = f.date("decided", "the date of the decision", &mut errors);
    let sent = optional_date(
        &f,
        "sent",
        "the date the report went to the Panel",
        &mut errors,
    );
    let planned = optional_date(&f, "planned", "the planned publication date", &mut errors);
    let published = optional_date(&f, "published", "the date published", &mut errors);
    let link = f.get("link").trim().to_owned();
    if !(link.is_empty() || link.starts_with("https://") || link.starts_with("http://")) {
        errors.add(
            "link",
            "Enter the link as a full web address, starting with https://",
        );
    }
    if link.chars().count() > 1000 {
        errors.add("link", "The link must be 1,000 characters or fewer");
    }
    if decision == Some(Publication::DoNotPublish) && published.is_some_and(|p| p.is_some()) {
        errors.add(
            "published-day",
            "A report that is not to be published has no publication date",
        );
    }
    if published.is_some_and(|p| p.is_some()) && link.is_empty() {
        errors.add("link", "Enter the link to the published report");
    }
    let closes =
        decision == Some(Publication::DoNotPublish) || published.is_some_and(|p| p.is_some());
    let next = match advance(c.stage, Step::Publication { closes }) {
        Ok(n) if type_of(&c).is_some_and(ReviewType::is_run_here) => Some(n),
        Ok(_) => {
            errors.add(
                "decision",
                "This review is another body's: its publication is theirs",
            );
            None
        }
        Err(m) => {
            errors.add("decision", m);
            None
        }
    };
    if let (
        Some(d),
        Some(pi),
        Some(w),
        Some(l),
        Some(cr),
        Some(decided),
        Some(sent),
        Some(planned),
        Some(published),
        Some(next),
    ) = (
        decision,
        public_interest,
        welfare,
        legal,
        criminal,
        decided,
        sent,
        planned,
        published,
        next,
    ) && errors.is_empty()
    {
        let input = PublicationInput {
            decision: d.slug().to_owned(),
            public_interest: pi,
            child_welfare: w,
            legal_restrictions: l,
            criminal_proceedings: cr,
            decided_on: iso(decided),
            sent_to_panel_on: sent.map(iso),
            planned_on: planned.map(iso),
            published_on: published.map(iso),
            link,
        };
        if store::save_publication(
            &st.db,
            &s.who(),
            s.pid(),
            &id,
            &input,
            (c.stage.slug(), next.slug()),
        )
        .await?
        {
            return Ok(done(&st, &id, "publication", Flash::PublicationSaved));
        }
        errors.add("decision", MOVED);
    }
    again(&st, &s, &id, &f, &errors).await
}

/// The chosen themes, each an id of an active theme; a theme that cannot be used gets a
/// message on the field.
fn chosen_themes(f: &FormPairs, key: &str) -> Vec<String> {
    f.all(key).into_iter().filter(|t| is_id(t)).collect()
}

fn theme_error(e: StoreError, key: &str, errors: &mut Errors) -> AppResult<()> {
    match e {
        StoreError::Conflict(m) => {
            errors.add(key, &m);
            Ok(())
        }
        StoreError::NotFound => {
            errors.add(key, "Choose themes from the list");
            Ok(())
        }
        e => Err(e.into()),
    }
}

async fn add_finding(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    load_managed(&st, &s, &id).await?;
    let mut errors = Errors::default();
    let body = errors.check("finding", check_text(&f.get("finding"), "finding"));
    if let Some(body) = body {
        match store::add_finding(
            &st.db,
            &s.who(),
            s.pid(),
            &id,
            &body,
            &chosen_themes(&f, "finding_theme"),
        )
        .await
        {
            Ok(_) => return Ok(done(&st, &id, "findings", Flash::FindingAdded)),
            Err(e) => theme_error(e, "finding_theme", &mut errors)?,
        }
    }
    again(&st, &s, &id, &f, &errors).await
}

async fn add_recommendation(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let c = load_managed(&st, &s, &id).await?;
    let source = plan_source(&c);
    let mut errors = Errors::default();
    let body = errors.check(
        "recommendation",
        check_text(&f.get("recommendation"), "recommendation"),
    );
    let agencies = s.reference(&st.db).await?.agencies.clone();
    let chosen = f.all("rec_agency");
    if !super::agencies_valid(&chosen, &agencies, false) {
        errors.add("rec_agency", "Choose agencies from the list");
    }
    let to = match Addressee::from_form(&f.get("addressed_to"), chosen) {
        Ok(t) => Some(t),
        Err(m) => {
            let key = if f.get("addressed_to") == "agencies" {
                "rec_agency"
            } else {
                "addressed_to"
            };
            errors.add(key, m);
            None
        }
    };
    if let (Some(body), Some(to)) = (body, to)
        && errors.is_empty()
    {
        match recommendations::add(
            &st.db,
            &s.who(),
            s.pid(),
            (SourceKind::CaseReview, &source),
            &body,
            &to,
            &chosen_themes(&f, "rec_theme"),
        )
        .await
        {
            Ok(_) => {
                return Ok(done(
                    &st,
                    &id,
                    "recommendations",
                    Flash::RecommendationAdded,
                ));
            }
            Err(e) => theme_error(e, "rec_theme", &mut errors)?,
        }
    }
    again(&st, &s, &id, &f, &errors).await
}

// ---- referrals ----

#[derive(Template)]
#[template(path = "reviews/refer.html")]
struct ReferPage {
    chrome: Chrome,
    errors: ErrorSummary,
    source: Radios,
    referrer: Input,
    reason: Textarea,
    question: Textarea,
    agencies: Checkboxes,
}

async fn refer_view(
    st: &AppState,
    s: &Signed,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<ReferPage> {
    s.require(Permission::ReferCase)?;
    let agencies = s.reference(&st.db).await?.active_agencies();
    Ok(ReferPage {
        chrome: s.chrome("/reviews"),
        errors: errors.summary(),
        source: Radios::new(
            "source",
            "Who is referring the case?",
            ReferralSource::ALL.map(|r| ChoiceItem::new(r.slug(), r.label())),
        )
        .value(f.get("source"))
        .error(errors.get("source")),
        referrer: Input::new("referrer", "Your name and role")
            .value(if f.0.is_empty() {
                s.person.name.clone()
            } else {
                f.get("referrer")
            })
            .error(errors.get("referrer")),
        reason: Textarea::new("reason", "Why you are referring the case")
            .hint("What happened and why it may hold learning. Refer to children by a pseudonym such as Child A, never by name")
            .rows(6)
            .value(f.get("reason"))
            .error(errors.get("reason")),
        question: Textarea::new("question", "The question for the partnership")
            .hint("For example, does this case meet the criteria for a local child safeguarding practice review?")
            .rows(3)
            .value(f.get("question"))
            .error(errors.get("question")),
        agencies: Checkboxes::new(
            "agency",
            "Agencies involved",
            agencies
                .iter()
                .map(|a| ChoiceItem::new(a.id.clone(), a.name.clone())),
        )
        .values(f.all("agency"))
        .error(errors.get("agency")),
    })
}

async fn refer_page(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    render(&refer_view(&st, &s, &FormPairs(Vec::new()), &Errors::default()).await?)
}

async fn refer(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ReferCase)?;
    let mut errors = Errors::default();
    let source = ReferralSource::parse(&f.get("source"));
    if source.is_none() {
        errors.add("source", "Choose who is referring the case");
    }
    let referrer = errors.check(
        "referrer",
        check_name(&f.get("referrer"), "your name and role", 200),
    );
    let reason = errors.check(
        "reason",
        check_text_block(&f.get("reason"), "reason for the referral", 8000),
    );
    let question = errors.check(
        "question",
        check_text_block(&f.get("question"), "question for the partnership", 2000),
    );
    let agencies = s.reference(&st.db).await?.active_agencies();
    let chosen = f.all("agency");
    if !super::agencies_valid(&chosen, &agencies, true) {
        errors.add("agency", "Choose the agencies involved");
    }
    if let (Some(source), Some(referrer), Some(reason), Some(question)) =
        (source, referrer, reason, question)
        && errors.is_empty()
    {
        let today = iso(Utc::now().date_naive());
        let n = NewNotification {
            category: Category::Referral.slug().to_owned(),
            stage: Stage::Referred.slug().to_owned(),
            aware_on: today,
            notified_on: None,
            panel_reference: String::new(),
            summary: reason.clone(),
            oversight_group_id: None,
            children: Vec::new(),
            agency_ids: chosen,
            origin: "referral",
            review_type: None,
            decided_on: None,
            link: None,
            referral: Some(NewReferral {
                source: source.slug().to_owned(),
                referrer,
                reason,
                question,
            }),
        };
        let id = reviews::notify(&st.db, &s.who(), s.pid(), &n).await?;
        return Ok(redirect_with(
            &format!("/reviews/{id}"),
            Flash::CaseReferred,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &refer_view(&st, &s, &f, &errors).await?,
    )
}

// ---- recording another review ----

#[derive(Template)]
#[template(path = "reviews/record.html")]
struct RecordPage {
    chrome: Chrome,
    errors: ErrorSummary,
    review_type: Radios,
    summary: Textarea,
    decided: DateInput,
    group: Select,
    agencies: Checkboxes,
    linked: Select,
    link_kind: Radios,
}

async fn record_view(
    st: &AppState,
    s: &Signed,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<RecordPage> {
    s.require(Permission::ManageReviews)?;
    let refd = s.reference(&st.db).await?;
    let agencies = refd.active_agencies();
    let groups = &refd.groups;
    let practice = reviews::list(
        &st.db,
        s.pid(),
        &reviews::Filter {
            review_type: Some(ReviewType::Lcspr.slug().to_owned()),
            ..reviews::Filter::default()
        },
        learnloop_store::Page::new(1, 200),
    )
    .await?;
    Ok(RecordPage {
        chrome: s.chrome("/reviews"),
        errors: errors.summary(),
        review_type: Radios::new(
            "type",
            "Type of review",
            ReviewType::RECORDED.map(|t| ChoiceItem::new(t.slug(), t.label())),
        )
        .value(f.get("type"))
        .error(errors.get("type")),
        summary: Textarea::new("summary", "What the review is about, in brief")
            .hint("Kept restricted to the business team and the review's panel. Refer to children by pseudonym only")
            .rows(4)
            .value(f.get("summary"))
            .error(errors.get("summary")),
        decided: date_input(
            f,
            errors,
            "decided",
            "Date the review was commissioned (or published, for another body's review)",
            None,
        ),
        group: Select::new(
            "group",
            "Group that oversees it",
            std::iter::once(SelectItem::new("", "Choose a group"))
                .chain(groups.iter().map(|g| SelectItem::new(g.id.clone(), g.name.clone()))),
        )
        .value(f.get("group"))
        .error(errors.get("group")),
        agencies: Checkboxes::new(
            "agency",
            "Agencies involved",
            agencies
                .iter()
                .map(|a| ChoiceItem::new(a.id.clone(), a.name.clone())),
        )
        .values(f.all("agency"))
        .error(errors.get("agency")),
        linked: Select::new(
            "linked",
            "Linked local child safeguarding practice review (domestic homicide reviews)",
            std::iter::once(SelectItem::new("", "None")).chain(
                practice
                    .items
                    .iter()
                    .map(|c| SelectItem::new(c.id.clone(), format!("Case {}", c.reference))),
            ),
        )
        .value(f.get("linked"))
        .error(errors.get("linked")),
        link_kind: Radios::new(
            "link_kind",
            "How the two reviews work together",
            [Link::Joint, Link::Linked].map(|l| ChoiceItem::new(l.slug(), l.label())),
        )
        .value(f.get("link_kind"))
        .error(errors.get("link_kind")),
    })
}

async fn record_page(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    render(&record_view(&st, &s, &FormPairs(Vec::new()), &Errors::default()).await?)
}

async fn record(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ManageReviews)?;
    let mut errors = Errors::default();
    let rt = ReviewType::parse(&f.get("type")).filter(|t| ReviewType::RECORDED.contains(t));
    if rt.is_none() {
        errors.add("type", "Choose the type of review");
    }
    let summary = errors.check(
        "summary",
        check_text_block(&f.get("summary"), "brief account of the review", 4000),
    );
    let decided = f.date(
        "decided",
        "the date the review was commissioned",
        &mut errors,
    );
    let group = f.get("group");
    let refd = s.reference(&st.db).await?;
    if !refd.groups.iter().any(|g| g.id == group) {
        errors.add("group", "Choose the group that oversees the review");
    }
    let agencies = refd.active_agencies();
    let chosen = f.all("agency");
    if !super::agencies_valid(&chosen, &agencies, false) {
        errors.add("agency", "Choose agencies from the list");
    }
    let linked = f.get("linked");
    let link = if linked.is_empty() {
        None
    } else {
        let target = if is_id(&linked) {
            reviews::get(&st.db, s.pid(), &linked).await?
        } else {
            None
        };
        if rt != Some(ReviewType::Dhr) {
            errors.add(
                "linked",
                "Only a domestic homicide review is linked to a practice review",
            );
        }
        match (target, Link::parse(&f.get("link_kind"))) {
            (Some(t), Some(k)) if type_of(&t) == Some(ReviewType::Lcspr) => {
                Some((t.id, k.slug().to_owned()))
            }
            (Some(t), None) if type_of(&t) == Some(ReviewType::Lcspr) => {
                errors.add(
                    "link_kind",
                    "Choose whether it is a joint review or separate linked reports",
                );
                None
            }
            _ => {
                errors.add(
                    "linked",
                    "Choose a local child safeguarding practice review",
                );
                None
            }
        }
    };
    if let (Some(rt), Some(summary), Some(decided)) = (rt, summary, decided)
        && errors.is_empty()
    {
        let stage = if rt.is_run_here() && rt != ReviewType::LegacyScr {
            Stage::Decided
        } else {
            Stage::Closed
        };
        let n = NewNotification {
            category: Category::Recorded.slug().to_owned(),
            stage: stage.slug().to_owned(),
            aware_on: iso(decided),
            notified_on: None,
            panel_reference: String::new(),
            summary,
            oversight_group_id: Some(group),
            children: Vec::new(),
            agency_ids: chosen,
            origin: "recorded",
            review_type: Some(rt.slug().to_owned()),
            decided_on: Some(iso(decided)),
            link,
            referral: None,
        };
        let id = reviews::notify(&st.db, &s.who(), s.pid(), &n).await?;
        return Ok(redirect_with(
            &format!("/reviews/{id}/review"),
            Flash::ReviewRecorded,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &record_view(&st, &s, &f, &errors).await?,
    )
}
