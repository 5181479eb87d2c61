//! Referrals: an agency, a chair or an auditor refers a case for the partnership to consider.

#[allow(unused_imports)]
use super::*;
use axum::extract::Query;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/reviews/refer", get(refer_page).post(refer))
}

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
    let mut referrer = Input::new("referrer", "Your name and role")
        .value(if f.0.is_empty() {
            s.person.name.clone()
        } else {
            f.get("referrer")
        })
        .error(errors.get("referrer"));
    if f.get("source") == ReferralSource::ChildDeathOverview.slug() {
        referrer = referrer.hint(
            "For the panel, your name and role on it. The child's death itself is recorded in the national child death systems, not here",
        );
    }
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
        referrer,
        reason: Textarea::new("reason", "Why you are referring the case")
            .hint("What happened and why it may hold learning. Refer to children by a pseudonym such as Child A, never by name")
            .rows(6)
            .filled(f, errors),
        question: Textarea::new("question", "The question for the partnership")
            .hint("For example, does this case meet the criteria for a local child safeguarding practice review?")
            .rows(3)
            .filled(f, errors),
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

/// The referral form; `?source=cdop` (from the child death pages) names the panel as referrer.
async fn refer_page(
    State(st): State<AppState>,
    s: Signed,
    Query(q): Query<ReferQuery>,
) -> AppResult<Response> {
    let f = match q.source.as_deref().and_then(ReferralSource::parse) {
        Some(src) => {
            FormPairs::from_values(&[("source", src.slug()), ("referrer", &s.person.name)])
        }
        None => FormPairs(Vec::new()),
    };
    render(&refer_view(&st, &s, &f, &Errors::default()).await?)
}

#[derive(serde::Deserialize)]
struct ReferQuery {
    source: Option<String>,
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
    if !crate::reviews::agencies_valid(&chosen, &agencies, true) {
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
