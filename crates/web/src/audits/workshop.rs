//! The workshop: the returns side by side for discussion and challenge — a grid of case ×
//! agency with grades, and each line of enquiry's answers together — its date and who came,
//! and the grades it agreed, recorded beside the original ones (both kept).

#[allow(unused_imports)]
use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/audits/{id}/workshop", get(show).post(record))
        .route("/audits/{id}/moderate", post(moderate))
}

/// One cell of the grid: a return's state, grade and moderated grade.
struct Cell {
    id: String,
    text: String,
    moderated: Option<String>,
}

struct GridRow {
    case: String,
    cells: Vec<Option<Cell>>,
}

struct LineAnswers {
    line: String,
    answers: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "audits/workshop.html")]
struct WorkshopPage {
    chrome: Chrome,
    errors: ErrorSummary,
    id: String,
    title: String,
    agencies: Vec<String>,
    grid: Vec<GridRow>,
    lines: Vec<LineAnswers>,
    distribution: Vec<(String, usize)>,
    can_run: bool,
    date: DateInput,
    attended: Checkboxes,
    /// Returns in, for the moderation form: (id, "Child A, Police: Good").
    moderation: Vec<(String, String)>,
    moderate_return: Select,
    moderate_grade: Select,
}

/// How many returns in carry each grade of the scale (the moderated grade where there is one).
pub(crate) fn distribution(scale: &[String], returns: &[ReturnLine]) -> Vec<(String, usize)> {
    scale
        .iter()
        .map(|g| {
            let n = returns
                .iter()
                .filter(|r| r.ret.state.is_in())
                .filter(|r| r.ret.moderated_grade.as_deref().unwrap_or(&r.ret.grade) == g)
                .count();
            (g.clone(), n)
        })
        .collect()
}

async fn page(
    st: &AppState,
    s: &Signed,
    a: &Audit,
    scope: &AuditScope,
    f: Option<&FormPairs>,
    errors: &Errors,
) -> AppResult<WorkshopPage> {
    let qs = returns::question_set(&st.db, s.pid(), &a.question_set_id).await?;
    let agencies = audits::agencies(&st.db, s.pid(), &a.id).await?;
    let sample = audits::sample(&st.db, s.pid(), &a.id).await?;
    let all = returns::for_source(&st.db, s.pid(), SourceKind::Audit, &a.id).await?;
    let stored = {
        let mut v: Vec<(String, String)> = a
            .workshop_on
            .map(|d| {
                vec![
                    ("on-day".to_owned(), d.format("%-d").to_string()),
                    ("on-month".to_owned(), d.format("%-m").to_string()),
                    ("on-year".to_owned(), d.format("%Y").to_string()),
                ]
            })
            .unwrap_or_default();
        v.extend(
            audits::attendance(&st.db, s.pid(), &a.id)
                .await?
                .into_iter()
                .map(|x| ("attended".to_owned(), x)),
        );
        FormPairs(v)
    };
    let f = f.unwrap_or(&stored);
    let grid = sample
        .iter()
        .map(|c| GridRow {
            case: c.label.clone(),
            cells: agencies
                .iter()
                .map(|(ag, _)| {
                    all.iter()
                        .find(|r| r.ret.subject_id == c.id && &r.ret.agency_id == ag)
                        .map(|r| Cell {
                            id: r.ret.id.clone(),
                            text: if r.ret.state.is_in() {
                                r.ret.grade.clone()
                            } else {
                                r.ret.state.label().to_owned()
                            },
                            moderated: r.ret.moderated_grade.clone(),
                        })
                })
                .collect(),
        })
        .collect();
    let versions = Versions::of(st, s, qs.clone(), &all).await?;
    let lines: Vec<LineAnswers> = versions
        .lines()
        .into_iter()
        .map(|line| LineAnswers {
            answers: all
                .iter()
                .filter(|r| r.ret.state.is_in())
                .filter_map(|r| {
                    versions
                        .answer(r, &line)
                        .map(|a| (r.subject.clone(), r.agency.clone(), a.to_owned()))
                })
                .collect(),
            line,
        })
        .collect();
    let moderation: Vec<(String, String)> = all
        .iter()
        .filter(|r| r.ret.state.is_in())
        .map(|r| {
            (
                r.ret.id.clone(),
                format!("{}, {}: {}", r.subject, r.agency, r.ret.grade),
            )
        })
        .collect();
    Ok(WorkshopPage {
        chrome: s.chrome("/audits"),
        errors: errors.summary(),
        id: a.id.clone(),
        title: a.title.clone(),
        distribution: distribution(&qs.scale.0, &all),
        can_run: can_run(&s.actor, scope) && a.stage != Stage::Reported,
        date: plan::date_field(f, errors, "on", "Date of the workshop"),
        attended: Checkboxes::new(
            "attended",
            "Agencies that came",
            agencies
                .iter()
                .map(|(id, n)| ChoiceItem::new(id.clone(), n.clone())),
        )
        .values(f.all("attended")),
        moderate_return: Select::new(
            "return",
            "Return",
            std::iter::once(SelectItem::new("", "Choose a return")).chain(
                moderation
                    .iter()
                    .map(|(id, t)| SelectItem::new(id.clone(), t.clone())),
            ),
        )
        .filled(f, errors),
        moderate_grade: Select::new(
            "grade",
            "Grade agreed at the workshop",
            std::iter::once(SelectItem::new("", "Keep the original grade")).chain(
                qs.scale
                    .0
                    .iter()
                    .map(|g| SelectItem::new(g.clone(), g.clone())),
            ),
        )
        .filled(f, errors),
        moderation,
        agencies: agencies.into_iter().map(|(_, n)| n).collect(),
        grid,
        lines,
    })
}

async fn show(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (a, scope) = readable(&st, &s, &id).await?;
    render(&page(&st, &s, &a, &scope, None, &Errors::default()).await?)
}

async fn record(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let (a, scope) = runnable(&st, &s, &id).await?;
    let mut errors = Errors::default();
    let on = f.date("on", "the date of the workshop", &mut errors);
    let mut attended = f.all("attended");
    attended.sort();
    attended.dedup();
    if let (true, Some(on)) = (errors.is_empty(), on) {
        audits::record_workshop(&st.db, &s.who(), &a, Day(on), &attended).await?;
        return Ok(redirect_with(
            &format!("/audits/{id}/workshop"),
            Flash::WorkshopRecorded,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page(&st, &s, &a, &scope, Some(&f), &errors).await?,
    )
}

async fn moderate(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let (a, scope) = runnable(&st, &s, &id).await?;
    let mut errors = Errors::default();
    let qs = returns::question_set(&st.db, s.pid(), &a.question_set_id).await?;
    let ret = f.get("return");
    let belongs = returns::for_source(&st.db, s.pid(), SourceKind::Audit, &a.id)
        .await?
        .into_iter()
        .any(|r| r.ret.id == ret && r.ret.state.is_in());
    if !belongs {
        errors.add("return", "Choose a return that is in");
    }
    let grade = f.get("grade");
    let grade = if grade.is_empty() {
        Some(None)
    } else {
        errors
            .check("grade", check_grade(&qs.scale.0, &grade))
            .map(Some)
    };
    if let (true, Some(grade)) = (errors.is_empty(), grade) {
        match returns::moderate(&st.db, &s.who(), s.pid(), &ret, grade).await {
            Ok(()) => {
                return Ok(redirect_with(
                    &format!("/audits/{id}/workshop"),
                    Flash::GradeModerated,
                    st.config.secure_cookies(),
                ));
            }
            Err(StoreError::Conflict(m)) => errors.add("return", m),
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page(&st, &s, &a, &scope, Some(&f), &errors).await?,
    )
}

/// The question sets an audit's returns were written to: its current one, and any earlier
/// version a return began on. Each answer belongs to the question it was written to: a
/// wording change is made in place, so only a new version's lines differ.
pub(crate) struct Versions {
    current: returns::QuestionSet,
    older: std::collections::HashMap<String, returns::QuestionSet>,
}

impl Versions {
    pub(crate) async fn of(
        st: &AppState,
        s: &Signed,
        current: returns::QuestionSet,
        all: &[ReturnLine],
    ) -> AppResult<Versions> {
        let mut older = std::collections::HashMap::new();
        for r in all {
            let id = &r.ret.question_set_id;
            if *id != current.id && !older.contains_key(id) {
                older.insert(
                    id.clone(),
                    returns::question_set(&st.db, s.pid(), id).await?,
                );
            }
        }
        Ok(Versions { current, older })
    }

    fn of_return(&self, r: &ReturnLine) -> &returns::QuestionSet {
        self.older
            .get(&r.ret.question_set_id)
            .unwrap_or(&self.current)
    }

    /// Every question any return answers: the current ones, then earlier versions' own.
    pub(crate) fn lines(&self) -> Vec<String> {
        let mut out = self.current.lines.0.clone();
        let mut older: Vec<&returns::QuestionSet> = self.older.values().collect();
        older.sort_by_key(|q| std::cmp::Reverse(q.version));
        for l in older.iter().flat_map(|q| q.lines.0.iter()) {
            if !out.contains(l) {
                out.push(l.clone());
            }
        }
        out
    }

    /// A return's answer to a question, if its version asked it.
    pub(crate) fn answer<'a>(&self, r: &'a ReturnLine, line: &str) -> Option<&'a str> {
        let i = self.of_return(r).lines.0.iter().position(|l| l == line)?;
        Some(
            r.ret
                .answers
                .0
                .get(i)
                .map(String::as_str)
                .unwrap_or_default(),
        )
    }
}
