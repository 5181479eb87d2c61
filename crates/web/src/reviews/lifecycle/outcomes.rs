//! What a review decides: the publication decision with the Panel's notice, findings and
//! recommendations with their themes.

#[allow(unused_imports)]
use super::page::{again, done};
#[allow(unused_imports)]
use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/reviews/{id}/publication", post(save_publication))
        .route("/reviews/{id}/findings", post(add_finding))
        .route("/reviews/{id}/recommendations", post(add_recommendation))
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
    let sent = f.optional_date("sent", "the date the report went to the Panel", &mut errors);
    let planned = f.optional_date("planned", "the planned publication date", &mut errors);
    let published = f.optional_date("published", "the date published", &mut errors);
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
    if !crate::reviews::agencies_valid(&chosen, &agencies, false) {
        errors.add("rec_agency", "Choose agencies from the list");
    }
    let to = crate::sources::addressee(&f, &mut errors);
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
