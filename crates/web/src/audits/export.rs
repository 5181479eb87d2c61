//! The programme and an audit's returns grid as CSV or Excel. The programme names audits only;
//! the returns grid names the sample's cases, so only who reads the whole audit downloads it,
//! and each download is in the audit trail.

#[allow(unused_imports)]
use super::*;

use learnloop_store::audit::{self as trail, Event};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/audits/export.csv", get(programme_export::<false>))
        .route("/audits/export.xlsx", get(programme_export::<true>))
        .route("/audits/{id}/returns.csv", get(returns_export::<false>))
        .route("/audits/{id}/returns.xlsx", get(returns_export::<true>))
}

const PROGRAMME_HEADERS: [&str; 10] = [
    "Audit",
    "Year",
    "Stage",
    "Fieldwork starts",
    "Returns due",
    "Workshop",
    "Lead",
    "Cases",
    "Returns asked for",
    "Returns in",
];

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct YearQ {
    year: Option<i64>,
}

async fn programme_export<const XLSX: bool>(
    State(st): State<AppState>,
    s: Signed,
    RawQuery(q): RawQuery,
) -> AppResult<Response> {
    s.require(Permission::ViewAudits)?;
    let q: YearQ = query_params(q.as_deref());
    let year = q.year.filter(|y| (2000..=2100).contains(y));
    let page = audits::programme(&st.db, s.pid(), year, Page::new(1, 200)).await?;
    let rows: Vec<Vec<String>> = page
        .items
        .into_iter()
        .map(|l| {
            vec![
                l.audit.title,
                l.audit.year.to_string(),
                l.audit.stage.label().to_owned(),
                l.audit.fieldwork_on.to_string(),
                l.audit.returns_due_on.to_string(),
                Day::or_blank(l.audit.workshop_on),
                l.lead.unwrap_or_default(),
                l.cases.to_string(),
                l.asked.to_string(),
                l.answered.to_string(),
            ]
        })
        .collect();
    trail::record(
        &st.db,
        &s.who(),
        Event::new("audit.programme.export", SourceKind::Audit.slug(), None).summary(format!(
            "Exported the audit programme ({} audits)",
            rows.len()
        )),
    )
    .await?;
    crate::uploads::spreadsheet(
        XLSX,
        ("audit-programme", "Audit programme"),
        &PROGRAMME_HEADERS,
        &rows,
    )
}

async fn returns_export<const XLSX: bool>(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (a, _) = readable(&st, &s, &id).await?;
    let qs = returns::question_set(&st.db, s.pid(), &a.question_set_id).await?;
    let mut headers: Vec<String> = [
        "Case",
        "Agency",
        "Auditor",
        "State",
        "Due",
        "Grade",
        "Moderated grade",
    ]
    .iter()
    .map(|h| (*h).to_owned())
    .collect();
    let all = returns::for_source(&st.db, s.pid(), SourceKind::Audit, &a.id).await?;
    let versions = super::workshop::Versions::of(&st, &s, qs, &all).await?;
    let lines = versions.lines();
    headers.extend(lines.iter().cloned());
    headers.push("Strengths".to_owned());
    headers.push("Areas for improvement".to_owned());
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|r| {
            let answers = lines
                .iter()
                .map(|l| versions.answer(r, l).unwrap_or_default().to_owned());
            let r = r.clone();
            let mut row = vec![
                r.subject,
                r.agency,
                r.assignee.unwrap_or_default(),
                r.ret.state.label().to_owned(),
                r.ret.due_on.to_string(),
                r.ret.grade,
                r.ret.moderated_grade.unwrap_or_default(),
            ];
            row.extend(answers);
            row.push(r.ret.strengths);
            row.push(r.ret.improvements);
            row
        })
        .collect();
    trail::record(
        &st.db,
        &s.who(),
        Event::new(
            "audit.returns.export",
            SourceKind::Audit.slug(),
            Some(&a.id),
        )
        .summary(format!("Exported the returns of “{}”", a.title)),
    )
    .await?;
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    crate::uploads::spreadsheet(XLSX, ("audit-returns", "Returns"), &headers, &rows)
}
