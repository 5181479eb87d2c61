//! A return's lines as the page shows and reads them: an answer per line, and where the
//! question set rates lines (Section 11 standards) a rating per line too. Where the answers
//! were carried forward from an earlier return, each line shows what was carried, and stands
//! "to review" until the writer confirms or changes it (`domain::section11::Mark`).

use learnloop_domain::returns::check_grade;
use learnloop_domain::section11::{Mark, check_submit, mark_after};
use learnloop_govuk::{Checkboxes, ChoiceItem, Radios, Textarea};
use learnloop_store::returns::{QuestionSet, Return};

use crate::forms::{Errors, Field, FormPairs};

/// One line of the form.
pub(crate) struct LineField {
    pub answer: Textarea,
    pub rating: Option<Radios>,
    pub mark: Option<(&'static str, &'static str)>,
    /// What was carried forward from the earlier return: (rating, answer).
    pub carried: Option<(String, String)>,
    pub confirm: Option<Checkboxes>,
}

/// One line as read.
pub(crate) struct LineRead {
    pub question: String,
    pub answer: String,
    pub rating: String,
    pub moderated: String,
    pub mark: Option<(&'static str, &'static str)>,
}

fn at(v: &[String], i: usize) -> String {
    v.get(i).cloned().unwrap_or_default()
}

fn mark_of(r: &Return, i: usize) -> Mark {
    Mark::parse(r.marks.0.get(i).map(String::as_str).unwrap_or_default())
}

/// For each line of the return's question set, the (answer, rating) carried forward from the
/// earlier return it began from, as kept when it was asked for; empty where nothing was.
pub(crate) fn carried(r: &Return, qs: &QuestionSet) -> Vec<(String, String)> {
    (0..qs.lines.0.len())
        .map(|i| (at(&r.carried_answers.0, i), at(&r.carried_ratings.0, i)))
        .collect()
}

/// The stored values of the lines, as the form sends them.
pub(crate) fn stored(r: &Return, v: &mut Vec<(String, String)>) {
    for (i, a) in r.answers.0.iter().enumerate() {
        v.push((format!("answer-{}", i + 1), a.clone()));
    }
    for (i, g) in r.ratings.0.iter().enumerate() {
        v.push((format!("rating-{}", i + 1), g.clone()));
    }
    for i in 0..r.marks.0.len() {
        if mark_of(r, i) == Mark::Confirmed {
            v.push((format!("confirm-{}", i + 1), "yes".to_owned()));
        }
    }
}

pub(crate) fn fields(
    qs: &QuestionSet,
    r: &Return,
    carried: &[(String, String)],
    f: &FormPairs,
    errors: &Errors,
) -> Vec<LineField> {
    let ungraded = qs.scale.0.is_empty();
    qs.lines
        .0
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let n = i + 1;
            let mut answer = Textarea::new(format!("answer-{n}"), q.clone())
                .rows(if ungraded || qs.rates_lines { 8 } else { 4 })
                .filled(f, errors);
            let prompt = at(&qs.prompts.0, i);
            if !prompt.is_empty() {
                answer = answer.hint(prompt);
            }
            let rating = qs.rates_lines.then(|| {
                Radios::new(
                    format!("rating-{n}"),
                    format!("Rating for standard {n}"),
                    qs.scale
                        .0
                        .iter()
                        .map(|g| ChoiceItem::new(g.clone(), g.clone())),
                )
                .inline()
                .value(f.get(&format!("rating-{n}")))
                .error(errors.get(&format!("rating-{n}")))
            });
            let mark = mark_of(r, i);
            let was_carried = mark != Mark::New;
            LineField {
                answer,
                rating,
                mark: was_carried.then(|| (mark.label(), mark.tag_class())),
                carried: was_carried.then(|| {
                    let (a, g) = carried.get(i).cloned().unwrap_or_default();
                    (g, a)
                }),
                confirm: was_carried.then(|| {
                    let name = format!("confirm-{n}");
                    Checkboxes::new(
                        name.clone(),
                        "Is this still current?",
                        [ChoiceItem::new(
                            "yes",
                            "I have reviewed it: it is still current",
                        )],
                    )
                    .values(if f.get(&name) == "yes" {
                        vec!["yes"]
                    } else {
                        vec![]
                    })
                    .error(errors.get(&name))
                }),
            }
        })
        .collect()
}

pub(crate) fn read(qs: &QuestionSet, r: &Return) -> Vec<LineRead> {
    qs.lines
        .0
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let mark = mark_of(r, i);
            LineRead {
                question: q.clone(),
                answer: at(&r.answers.0, i),
                rating: at(&r.ratings.0, i),
                moderated: at(&r.moderated_ratings.0, i),
                mark: (mark != Mark::New).then(|| (mark.label(), mark.tag_class())),
            }
        })
        .collect()
}

/// The ratings and marks a write sets, checked: a rating from the scale for each line (every
/// line when submitting), each carried line's mark from what was done to it, and no line left
/// "to review" on submission. `None` where something needs fixing (in `errors`).
pub(crate) fn ratings_and_marks(
    qs: &QuestionSet,
    r: &Return,
    carried: &[(String, String)],
    (f, answers, submitting): (&FormPairs, &[String], bool),
    errors: &mut Errors,
) -> Option<(Vec<String>, Vec<String>)> {
    if !qs.rates_lines && r.marks.0.is_empty() {
        return Some((Vec::new(), Vec::new()));
    }
    let mut ratings = Vec::new();
    let mut marks = Vec::new();
    for (i, q) in qs.lines.0.iter().enumerate() {
        let n = i + 1;
        let key = format!("rating-{n}");
        let given = f.get(&key);
        let rating = if !qs.rates_lines || (given.is_empty() && !submitting) {
            String::new()
        } else {
            match check_grade(&qs.scale.0, &given) {
                Ok(g) => g.to_owned(),
                Err(_) => {
                    errors.add(
                        &key,
                        format!("Choose a rating for “{q}” from the framework's scale"),
                    );
                    String::new()
                }
            }
        };
        let (ca, cr) = carried.get(i).cloned().unwrap_or_default();
        let answer = answers.get(i).map(String::as_str).unwrap_or_default();
        let mark = mark_after(
            mark_of(r, i),
            (&ca, &cr),
            (answer, &rating),
            f.get(&format!("confirm-{n}")) == "yes",
        );
        ratings.push(rating);
        marks.push(mark);
    }
    if submitting && let Err((i, m)) = check_submit(&qs.lines.0, &marks) {
        errors.add(&format!("confirm-{}", i + 1), m);
    }
    let marks = marks.iter().map(|m| m.slug().to_owned()).collect();
    errors.is_empty().then_some((ratings, marks))
}
