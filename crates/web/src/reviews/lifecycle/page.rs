//! The review page: everything about one review, for the business team and its panel,
//! with the form for each step; each read is audited.

use super::*;
#[allow(unused_imports)]
use learnloop_store::Day;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/reviews/{id}/review", get(show))
}

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
    agency_reports: Vec<ReturnLine>,
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
    rec: crate::sources::RecFields,
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
    let involved = reviews::agency_ids(&st.db, s.pid(), id).await?;
    let agency_reports = reviews::summaries(&st.db, s.pid(), id, AgencyReturn::Report).await?;
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
    let sent = p.and_then(|p| p.sent_to_panel_on).map(Day::date);
    let publish_on = p
        .and_then(|p| p.planned_on.or(p.published_on))
        .map(Day::date);
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
            t.map(|t| t.scope_from.date()),
        ),
        t_scope_to: date_input(
            f,
            errors,
            "scope-to",
            "Scope: to",
            t.map(|t| t.scope_to.date()),
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
            t.map(|t| t.agreed_on.date()),
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
            .filled(f, errors),
        e_attendees: Input::new("attendees", "Number who took part")
            .inputmode("numeric")
            .width_class("govuk-input--width-4")
            .filled(f, errors),
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
            p.map(|p| p.decided_on.date()),
        ),
        p_sent: date_input(
            f,
            errors,
            "sent",
            "Date the final report went to the Panel and the Secretary of State (if sent)",
            p.and_then(|p| p.sent_to_panel_on.map(Day::date)),
        ),
        p_planned: date_input(
            f,
            errors,
            "planned",
            "Planned publication date (if known)",
            p.and_then(|p| p.planned_on.map(Day::date)),
        ),
        p_published: date_input(
            f,
            errors,
            "published",
            "Date published (once published)",
            p.and_then(|p| p.published_on.map(Day::date)),
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
            .filled(f, errors),
        f_themes: Checkboxes::new("finding_theme", "Themes", theme_items())
            .values(f.all("finding_theme"))
            .error(errors.get("finding_theme")),
        rec: crate::sources::recommendation_fields(
            f,
            errors,
            agencies
                .iter()
                .filter(|a| a.active || involved.contains(&a.id))
                .map(|a| (a.id.clone(), a.name.clone())),
        ),
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

pub(in crate::reviews) async fn again(
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

pub(super) fn done(st: &AppState, id: &str, anchor: &str, flash: Flash) -> Response {
    redirect_with(
        &format!("/reviews/{id}/review#{anchor}"),
        flash,
        st.config.secure_cookies(),
    )
}

/// A stage that moved while the form was open.
pub(super) const MOVED: &str =
    "Someone else has moved this review on since you opened the page: check it and try again";
