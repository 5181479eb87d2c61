//! A group's page: its terms in force, members, meetings, plan and escalations.

#[allow(unused_imports)]
use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/groups/{id}", get(group_page))
}

/// Terms as people read them: names instead of ids.
pub struct TermsView {
    pub version: i64,
    pub purpose: String,
    pub aims: String,
    pub functions: Vec<String>,
    pub core: Vec<String>,
    pub invited: Vec<String>,
    pub chair: String,
    pub chair_appointed_by: String,
    pub deputy: String,
    pub deputy_appointed_by: String,
    pub frequency: String,
    pub length: String,
    pub outputs: String,
    pub admin_support: String,
    pub agreed_on: String,
    pub review_due: String,
    pub review: Option<ClockStatus>,
    pub changed_by: String,
    pub changed_at: String,
}

pub async fn terms_view(st: &AppState, s: &Signed, t: &Terms) -> AppResult<TermsView> {
    let agencies = s.reference(&st.db).await?.agencies.clone();
    let names = |ids: Vec<String>| -> Vec<String> {
        ids.iter()
            .filter_map(|id| {
                agencies
                    .iter()
                    .find(|a| &a.id == id)
                    .map(|a| a.name.clone())
            })
            .collect()
    };
    let wanted: Vec<&str> = [&t.chair_person_id, &t.deputy_person_id]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let people = accounts::names_of(&st.db, s.pid(), &wanted).await?;
    let person = |id: &Option<String>| match id {
        Some(id) => people
            .iter()
            .find(|p| &p.id == id)
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        None => "Not recorded".to_owned(),
    };
    Ok(TermsView {
        version: t.version,
        purpose: t.purpose.clone(),
        aims: t.aims.clone(),
        functions: t.function_list(),
        core: names(t.core()),
        invited: names(t.invited()),
        chair: person(&t.chair_person_id),
        chair_appointed_by: t.chair_appointed_by.clone(),
        deputy: person(&t.deputy_person_id),
        deputy_appointed_by: t.deputy_appointed_by.clone(),
        frequency: Frequency::parse(&t.frequency)
            .map(|f| f.label().to_owned())
            .unwrap_or_default(),
        length: format!(
            "{} hours {} minutes",
            t.meeting_minutes / 60,
            t.meeting_minutes % 60
        )
        .replace(" 0 minutes", "")
        .replace("1 hours", "1 hour"),
        outputs: t.outputs.clone(),
        admin_support: t.admin_support.clone(),
        agreed_on: t.agreed_on.long(),
        review_due: t.review_due.long(),
        review: review_status(t, Utc::now().date_naive()),
        changed_by: t.changed_by.clone(),
        changed_at: chrono::DateTime::parse_from_rfc3339(&t.changed_at)
            .map(|d| d.format("%-d %B %Y at %H:%M").to_string())
            .unwrap_or_default(),
    })
}

#[derive(Template)]
#[template(path = "governance/group.html")]
struct GroupPage {
    chrome: Chrome,
    id: String,
    name: String,
    kind: String,
    /// The group it reports to: its address (empty where the reader may not open it), name.
    reports_to: Option<(String, String)>,
    quorum: String,
    papers_days: i64,
    terms: Option<TermsView>,
    versions: Vec<(i64, String)>,
    meetings: Vec<(String, String, bool)>,
    pager: Pager,
    escalations: Vec<Escalation>,
    can_manage: bool,
    can_escalate: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PageQ {
    page: i64,
}

async fn group_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::View).await?;
    let q: PageQ = crate::web::query_params(q.as_deref());
    let list = meetings::for_group(&st.db, s.pid(), &id, Page::new(q.page, 20)).await?;
    // The group it reports to, linked only for who may open that group too.
    let parent = match &l.group.reports_to_id {
        Some(p) => {
            let refd = s.reference(&st.db).await?;
            refd.groups.iter().find(|g| &g.id == p).map(|g| {
                let href = if crate::governance::may_view_group(&s.actor, &refd, &g.id) {
                    format!("/groups/{}", g.id)
                } else {
                    String::new()
                };
                (href, g.name.clone())
            })
        }
        None => None,
    };
    let terms = match &l.terms {
        Some(t) => Some(terms_view(&st, &s, t).await?),
        None => None,
    };
    // Versions are numbered from 1: with the first in force there are no older ones to read.
    let older = if l.terms.as_ref().is_some_and(|t| t.version > 1) {
        terms::versions(&st.db, s.pid(), &id).await?
    } else {
        Vec::new()
    };
    let versions = older
        .into_iter()
        .skip(1)
        .map(|t| (t.version, t.agreed_on.long()))
        .collect();
    render(&GroupPage {
        chrome: s.chrome("/groups"),
        id: id.clone(),
        name: l.group.name.clone(),
        kind: kind_label(&l.group.kind).to_owned(),
        reports_to: parent,
        quorum: QuorumRule::parse(&l.group.quorum_rule)
            .unwrap_or(QuorumRule::EachStatutoryPartner)
            .describe(),
        papers_days: l.group.papers_days,
        terms,
        versions,
        pager: Pager::of(&format!("/groups/{id}"), &list),
        meetings: list
            .items
            .iter()
            .map(|m| (m.id.clone(), meeting_when(m), m.cancelled()))
            .collect(),
        escalations: escalations::for_group(&st.db, s.pid(), &id).await?,
        can_manage: s
            .actor
            .can_in_group(GroupPermission::ManageTerms, &l.scope()),
        can_escalate: s.actor.can_in_group(GroupPermission::Escalate, &l.scope()),
    })
}
