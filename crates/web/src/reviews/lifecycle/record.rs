//! Recording a review that did not start as a notification here: a domestic homicide
//! review, a management review, an earlier serious case review, another partnership's or a
//! national review.

#[allow(unused_imports)]
use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/reviews/record", get(record_page).post(record))
}

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
            .filled(f, errors),
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
        .filled(f, errors),
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
    if !crate::reviews::agencies_valid(&chosen, &agencies, false) {
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
