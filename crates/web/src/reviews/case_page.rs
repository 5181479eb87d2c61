//! A case's page: the anonymised summary for everyone in the partnership, and in full for
//! the business team and the panel; the rapid review, the chair's sign-off and the Panel's
//! response.

use super::*;
#[allow(unused_imports)]
use learnloop_store::Day;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/reviews/{id}", get(show))
        .route("/reviews/{id}/rapid-review", post(record_rapid_review))
        .route("/reviews/{id}/sign-off", post(sign_off))
        .route("/reviews/{id}/panel-outcome", post(panel_outcome))
}

#[derive(Template)]
#[template(path = "reviews/show.html")]
struct ShowPage {
    chrome: Chrome,
    case: CaseReview,
    review_type: Option<&'static str>,
    themes: Vec<String>,
    category: &'static str,
    stage: &'static str,
    aware_on: String,
    notified_on: Option<String>,
    full: bool,
    children: Vec<Subject>,
    agencies: Vec<String>,
    panel: Vec<String>,
    group: String,
    timeline: Timeline,
    can_manage: bool,
    summaries: Vec<ReturnLine>,
    summaries_due: DateInput,
    errors: learnloop_govuk::ErrorSummary,
    rapid: Option<RapidReview>,
    recommendation: &'static str,
    panel_response: &'static str,
    can_sign: bool,
    can_record_rapid: bool,
    rr_facts: Textarea,
    rr_safety: Textarea,
    rr_safety_by: Input,
    rr_learning: Textarea,
    rr_recommendation: Radios,
    rr_reasons: Textarea,
    sign_on: DateInput,
    sent_on: DateInput,
    response: Radios,
    response_on: DateInput,
}

async fn show(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    render(&show_view(&st, &s, &id, &FormPairs(Vec::new()), &Errors::default()).await?)
}

async fn show_view(
    st: &AppState,
    s: &Signed,
    id: &str,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<ShowPage> {
    let id = id.to_owned();
    s.require(Permission::ViewPartnership)?;
    if !is_id(&id) {
        return Err(AppError::NotFound);
    }
    let c = reviews::get(&st.db, s.pid(), &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let panel_people = reviews::panel_people(&st.db, s.pid(), &id).await?;
    let panel_ids: Vec<String> = panel_people.iter().map(|p| p.id.clone()).collect();
    let full = can_read_in_full(&s.actor, &panel_ids);
    if full && c.restricted {
        audit::record(
            &st.db,
            &s.who(),
            Event::new(
                "case.read",
                learnloop_domain::sources::SourceKind::CaseReview.slug(),
                Some(&id),
            )
            .summary(format!("Read case {} in full", c.reference)),
        )
        .await?;
    }
    let refd = s.reference(&st.db).await?;
    let cal = &refd.calendar;
    let rules = &refd.rules;
    let from_aware = s.partnership.rapid_review_from == "aware";
    let summaries = if full {
        reviews::summaries(&st.db, s.pid(), &id, AgencyReturn::Summary).await?
    } else {
        Vec::new()
    };

    let (children, agencies, panel) = if full {
        let all = &refd.agencies;
        let ids = reviews::agency_ids(&st.db, s.pid(), &id).await?;
        (
            reviews::subjects(&st.db, s.pid(), &id).await?,
            all.iter()
                .filter(|a| ids.contains(&a.id))
                .map(|a| a.name.clone())
                .collect(),
            panel_people.into_iter().map(|p| p.name).collect(),
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let group = match &c.oversight_group_id {
        Some(g) => refd
            .groups
            .iter()
            .find(|x| &x.id == g)
            .map(|x| x.name.clone())
            .unwrap_or_default(),
        None => String::new(),
    };
    let rapid = if full {
        reviews::rapid_review(&st.db, s.pid(), &id).await?
    } else {
        None
    };
    let val = |k: &str, stored: Option<&str>| {
        if f.0.is_empty() {
            stored.unwrap_or_default().to_owned()
        } else {
            f.get(k)
        }
    };
    let themes = learnloop_store::themes::themes_of(
        &st.db,
        s.pid(),
        learnloop_domain::sources::SourceKind::CaseReview.slug(),
        &id,
    )
    .await?
    .into_iter()
    .map(|t| t.name)
    .collect();
    Ok(ShowPage {
        review_type: c
            .review_type
            .as_deref()
            .and_then(ReviewType::parse)
            .map(ReviewType::label),
        themes,
        errors: errors.summary(),
        recommendation: rapid
            .as_ref()
            .and_then(|r| Decision::parse(&r.recommendation))
            .map(Decision::label)
            .unwrap_or(""),
        panel_response: rapid
            .as_ref()
            .and_then(|r| r.panel_response.as_deref())
            .and_then(PanelResponse::parse)
            .map(PanelResponse::label)
            .unwrap_or(""),
        can_sign: full && can_sign_off(&s.actor),
        can_record_rapid: s.actor.can(Permission::ManageReviews)
            && c.category != Category::Recorded
            && rapid.as_ref().is_none_or(|r| r.signed_off_on.is_none()),
        rr_facts: Textarea::new("facts", "Facts established")
            .rows(5)
            .value(val("facts", rapid.as_ref().map(|r| r.facts.as_str())))
            .error(errors.get("facts")),
        rr_safety: Textarea::new(
            "safety_assurance",
            "Assurance that immediate safety action was taken",
        )
        .rows(3)
        .value(val(
            "safety_assurance",
            rapid.as_ref().map(|r| r.safety_assurance.as_str()),
        ))
        .error(errors.get("safety_assurance")),
        rr_safety_by: Input::new("safety_by", "By whom")
            .value(val(
                "safety_by",
                rapid.as_ref().map(|r| r.safety_by.as_str()),
            ))
            .error(errors.get("safety_by")),
        rr_learning: Textarea::new("learning", "Potential learning")
            .rows(4)
            .value(val("learning", rapid.as_ref().map(|r| r.learning.as_str()))),
        rr_recommendation: Radios::new(
            "recommendation",
            "Recommendation on next steps",
            Decision::ALL.map(|d| ChoiceItem::new(d.slug(), d.label())),
        )
        .value(val(
            "recommendation",
            rapid.as_ref().map(|r| r.recommendation.as_str()),
        ))
        .error(errors.get("recommendation")),
        rr_reasons: Textarea::new("reasons", "Reasons")
            .hint("Needed when recommending no further review: they are kept with the case")
            .rows(3)
            .value(val("reasons", rapid.as_ref().map(|r| r.reasons.as_str())))
            .error(errors.get("reasons")),
        sign_on: DateInput::new("signed", "Date signed off")
            .date_values(
                f.get("signed-day"),
                f.get("signed-month"),
                f.get("signed-year"),
            )
            .error(errors.get("signed-day")),
        sent_on: DateInput::new("sent", "Date sent to the national Panel")
            .date_values(f.get("sent-day"), f.get("sent-month"), f.get("sent-year"))
            .error(errors.get("sent-day")),
        response: Radios::new(
            "response",
            "The Panel's response (if known)",
            std::iter::once(ChoiceItem::new("", "Not known yet"))
                .chain(PanelResponse::ALL.map(|r| ChoiceItem::new(r.slug(), r.label()))),
        )
        .value(f.get("response"))
        .error(errors.get("response")),
        response_on: DateInput::new("response-on", "Date of the Panel's response")
            .date_values(
                f.get("response-on-day"),
                f.get("response-on-month"),
                f.get("response-on-year"),
            )
            .error(errors.get("response-on-day")),
        rapid,
        chrome: s.chrome("/reviews"),
        category: c.category.label(),
        stage: c.stage.label(),
        aware_on: c.aware_on.long(),
        notified_on: c.notified_on.map(Day::long),
        full,
        children,
        agencies,
        panel,
        group,
        timeline: timeline(&c, cal, rules, from_aware, Utc::now().date_naive()),
        can_manage: s.actor.can(Permission::ManageReviews),
        summaries,
        summaries_due: DateInput::new("due", "Summaries due by")
            .hint("For example, 16 11 2026")
            .date_values(f.get("due-day"), f.get("due-month"), f.get("due-year"))
            .error(errors.get("due-day")),
        case: c,
    })
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
        &show_view(st, s, id, f, errors).await?,
    )
}

async fn record_rapid_review(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    managed_case(&st, &s, &id).await?;
    let mut errors = Errors::default();
    let facts = errors.check(
        "facts",
        check_text_block(&f.get("facts"), "facts established", 20_000),
    );
    let safety = errors.check(
        "safety_assurance",
        check_text_block(
            &f.get("safety_assurance"),
            "assurance that immediate safety action was taken",
            8000,
        ),
    );
    let safety_by = errors.check(
        "safety_by",
        check_name(
            &f.get("safety_by"),
            "person or agency who took the safety action",
            300,
        ),
    );
    let recommendation = Decision::parse(&f.get("recommendation"));
    match recommendation {
        None => errors.add("recommendation", "Choose the recommendation on next steps"),
        Some(d) => {
            if let Err(m) = check_recommendation(d, &f.get("reasons")) {
                errors.add("reasons", m);
            }
        }
    }
    if let (Some(facts), Some(safety_assurance), Some(safety_by), Some(d)) =
        (facts, safety, safety_by, recommendation)
        && errors.is_empty()
    {
        let input = RapidReviewInput {
            facts,
            safety_assurance,
            safety_by,
            learning: f.get("learning").chars().take(20_000).collect(),
            recommendation: d.slug().to_owned(),
            reasons: f.get("reasons").chars().take(8000).collect(),
        };
        if !reviews::record_rapid_review(&st.db, &s.who(), s.pid(), &id, &input).await? {
            errors.add(
                "facts",
                "The decision has been signed off: the rapid review can no longer be changed",
            );
            return again(&st, &s, &id, &f, &errors).await;
        }
        return Ok(redirect_with(
            &format!("/reviews/{id}#rapid-review"),
            Flash::RapidReviewSaved,
            st.config.secure_cookies(),
        ));
    }
    again(&st, &s, &id, &f, &errors).await
}

async fn sign_off(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    // Load the case and its panel, ask the domain, then act: nothing else is read (and no read
    // of the case is recorded) to learn whether the person may sign.
    s.require(Permission::ViewPartnership)?;
    if !is_id(&id) {
        return Err(AppError::NotFound);
    }
    let case = reviews::get(&st.db, s.pid(), &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let panel = reviews::panel(&st.db, s.pid(), &id).await?;
    if !(can_read_in_full(&s.actor, &panel) && can_sign_off(&s.actor)) {
        return Err(AppError::Forbidden);
    }
    let rapid = reviews::rapid_review(&st.db, s.pid(), &id).await?;
    let mut errors = Errors::default();
    let Some(on) = f.date("signed", "the date signed off", &mut errors) else {
        return again(&st, &s, &id, &f, &errors).await;
    };
    // The agencies involved and whoever referred the case are told the outcome, by reference
    // only; the mails go in the same transaction as the sign-off.
    let decided = rapid
        .as_ref()
        .and_then(|r| Decision::parse(&r.recommendation))
        .map(Decision::label)
        .unwrap_or_default();
    let mails = reviews::outcome_recipients(&st.db, s.pid(), &id)
        .await?
        .into_iter()
        .map(|(email, name)| NewMail {
            kind: "case-outcome",
            partnership_id: Some(s.pid().to_owned()),
            natural_key: Some(format!("outcome:{id}:{email}")),
            subject: format!("Decision on case {}: {decided}", case.reference),
            body: format!(
                "Hello {name},\n\nThe independent chair signed off the partnership's decision on case {} on {}: {decided}.\n\n\
                 More: {}/reviews/{id}\n",
                case.reference,
                long(on),
                st.config.public_url
            ),
            to: email,
        })
        .collect();
    if rapid.is_none()
        || !reviews::sign_off(
            &st.db,
            &s.who(),
            s.pid(),
            &id,
            &on.format("%Y-%m-%d").to_string(),
            mails,
        )
        .await?
    {
        errors.add(
            "signed-day",
            "There is no recommendation waiting to be signed off",
        );
        return again(&st, &s, &id, &f, &errors).await;
    }
    Ok(redirect_with(
        &format!("/reviews/{id}#rapid-review"),
        Flash::DecisionSignedOff,
        st.config.secure_cookies(),
    ))
}

async fn panel_outcome(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    managed_case(&st, &s, &id).await?;
    let mut errors = Errors::default();
    let sent = f.date("sent", "the date sent to the national Panel", &mut errors);
    let response = match f.get("response").as_str() {
        "" => None,
        r => match PanelResponse::parse(r) {
            Some(p) => f
                .date(
                    "response-on",
                    "the date of the Panel's response",
                    &mut errors,
                )
                .map(|d| (p, d)),
            None => {
                errors.add("response", "Choose the Panel's response");
                None
            }
        },
    };
    if let Some(sent) = sent
        && errors.is_empty()
    {
        let sent = sent.format("%Y-%m-%d").to_string();
        let resp = response.map(|(p, d)| (p.slug(), d.format("%Y-%m-%d").to_string()));
        let ok = reviews::panel_outcome(
            &st.db,
            &s.who(),
            s.pid(),
            &id,
            &sent,
            resp.as_ref().map(|(p, d)| (*p, d.as_str())),
        )
        .await?;
        if !ok {
            errors.add(
                "sent-day",
                "The decision must be signed off before it goes to the Panel",
            );
            return again(&st, &s, &id, &f, &errors).await;
        }
        return Ok(redirect_with(
            &format!("/reviews/{id}#rapid-review"),
            Flash::PanelOutcomeSaved,
            st.config.secure_cookies(),
        ));
    }
    again(&st, &s, &id, &f, &errors).await
}
