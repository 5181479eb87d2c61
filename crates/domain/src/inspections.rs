//! Learning from inspections (SPEC §3.6): an inspection of one or more of the partnership's
//! agencies by an inspectorate, its dates, its judgement on that inspectorate's own scale, the
//! report, the recommendations that become actions, and the action plan's progress reported to
//! the board at an interval (the clock rule `inspection-progress`, which a partnership can
//! change). A joint targeted area inspection has a notice date and a theme, and no graded
//! judgement.

use chrono::NaiveDate;

use crate::stored::Slug;

/// Who inspected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inspectorate {
    Ofsted,
    Cqc,
    Hmicfrs,
    Probation,
    /// A joint targeted area inspection (Ofsted, CQC, HMICFRS and HMI Probation together).
    Jtai,
    Other,
}

impl Inspectorate {
    pub const ALL: [Inspectorate; 6] = [
        Inspectorate::Ofsted,
        Inspectorate::Cqc,
        Inspectorate::Hmicfrs,
        Inspectorate::Probation,
        Inspectorate::Jtai,
        Inspectorate::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Inspectorate::Ofsted => "Ofsted",
            Inspectorate::Cqc => "Care Quality Commission",
            Inspectorate::Hmicfrs => "HM Inspectorate of Constabulary and Fire & Rescue Services",
            Inspectorate::Probation => "HM Inspectorate of Probation",
            Inspectorate::Jtai => "Joint targeted area inspection",
            Inspectorate::Other => "Another inspectorate",
        }
    }

    /// The grades the inspectorate gives, best first; empty where it gives none (a joint
    /// targeted area inspection writes a letter of findings) or where the scale is its own.
    pub fn scale(self) -> &'static [&'static str] {
        match self {
            Inspectorate::Ofsted => &[
                "Outstanding",
                "Good",
                "Requires improvement to be good",
                "Inadequate",
            ],
            Inspectorate::Cqc | Inspectorate::Probation => {
                &["Outstanding", "Good", "Requires improvement", "Inadequate"]
            }
            Inspectorate::Hmicfrs => &[
                "Outstanding",
                "Good",
                "Adequate",
                "Requires improvement",
                "Inadequate",
            ],
            Inspectorate::Jtai | Inspectorate::Other => &[],
        }
    }

    pub fn is_joint(self) -> bool {
        self == Inspectorate::Jtai
    }
}

impl Slug for Inspectorate {
    fn slug(&self) -> &'static str {
        match self {
            Inspectorate::Ofsted => "ofsted",
            Inspectorate::Cqc => "cqc",
            Inspectorate::Hmicfrs => "hmicfrs",
            Inspectorate::Probation => "probation",
            Inspectorate::Jtai => "jtai",
            Inspectorate::Other => "other",
        }
    }
}

impl TryFrom<String> for Inspectorate {
    type Error = crate::stored::Unknown;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        crate::stored::decode(s, "inspectorate", |x| {
            Inspectorate::ALL.into_iter().find(|i| i.slug() == x)
        })
    }
}

/// What the business team types about an inspection, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub inspectorate: Inspectorate,
    /// The inspectorate's name, for "another inspectorate".
    pub other_name: String,
    pub theme: String,
    pub notice_on: Option<NaiveDate>,
    pub started_on: NaiveDate,
    pub ended_on: NaiveDate,
    pub published_on: Option<NaiveDate>,
    pub judgement: String,
}

/// The fields as typed; dates already read (None when left empty).
pub struct Typed<'a> {
    pub inspectorate: &'a str,
    pub other_name: &'a str,
    pub theme: &'a str,
    pub notice_on: Option<NaiveDate>,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    pub judgement: &'a str,
}

/// Checks an inspection, every problem against the field to fix.
pub fn check(t: &Typed<'_>) -> Result<Checked, Vec<(&'static str, String)>> {
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let inspectorate = Inspectorate::ALL
        .into_iter()
        .find(|i| i.slug() == t.inspectorate);
    if inspectorate.is_none() {
        errors.push(("inspectorate", "Choose who inspected".into()));
    }
    let other_name = t.other_name.trim().to_owned();
    if inspectorate == Some(Inspectorate::Other) && other_name.is_empty() {
        errors.push(("other_name", "Enter the name of the inspectorate".into()));
    }
    if other_name.chars().count() > 200 {
        errors.push((
            "other_name",
            "The inspectorate's name must be 200 characters or fewer".into(),
        ));
    }
    let theme = t.theme.trim().to_owned();
    if inspectorate == Some(Inspectorate::Jtai) && theme.is_empty() {
        errors.push((
            "theme",
            "Enter the theme of the joint targeted area inspection".into(),
        ));
    }
    if theme.chars().count() > 300 {
        errors.push(("theme", "The theme must be 300 characters or fewer".into()));
    }
    if inspectorate == Some(Inspectorate::Jtai) && t.notice_on.is_none() {
        errors.push((
            "notice",
            "Enter the date the partnership was given notice".into(),
        ));
    }
    if t.started_on.is_none() {
        errors.push(("started", "Enter the date the fieldwork started".into()));
    }
    if t.ended_on.is_none() {
        errors.push(("ended", "Enter the date the fieldwork ended".into()));
    }
    if let (Some(s), Some(e)) = (t.started_on, t.ended_on)
        && e < s
    {
        errors.push(("ended", "The fieldwork cannot end before it started".into()));
    }
    if let (Some(n), Some(s)) = (t.notice_on, t.started_on)
        && s < n
    {
        errors.push((
            "started",
            "The fieldwork cannot start before the notice was given".into(),
        ));
    }
    if let (Some(p), Some(e)) = (t.published_on, t.ended_on)
        && p < e
    {
        errors.push((
            "published",
            "The report cannot be published before the fieldwork ended".into(),
        ));
    }
    let judgement = t.judgement.trim().to_owned();
    if let Some(i) = inspectorate {
        let scale = i.scale();
        if !judgement.is_empty() && !scale.is_empty() && !scale.contains(&judgement.as_str()) {
            errors.push((
                "judgement",
                format!("Choose a judgement on {}'s scale", i.label()),
            ));
        }
        if !judgement.is_empty() && i.is_joint() {
            errors.push((
                "judgement",
                "A joint targeted area inspection gives no graded judgement: leave it empty".into(),
            ));
        }
    }
    if judgement.chars().count() > 200 {
        errors.push((
            "judgement",
            "The judgement must be 200 characters or fewer".into(),
        ));
    }
    match (inspectorate, t.started_on, t.ended_on, errors.is_empty()) {
        (Some(inspectorate), Some(started_on), Some(ended_on), true) => Ok(Checked {
            inspectorate,
            other_name: if inspectorate == Inspectorate::Other {
                other_name
            } else {
                String::new()
            },
            theme,
            notice_on: t.notice_on,
            started_on,
            ended_on,
            published_on: t.published_on,
            judgement,
        }),
        _ => Err(errors),
    }
}

/// When the action plan's progress is next due at the board: the interval after the later of
/// the report's publication and the last progress reported. None before the report is out.
pub fn progress_due(
    rule: &crate::clocks::ClockRule,
    cal: &crate::clocks::Calendar,
    published_on: Option<NaiveDate>,
    last_reported: Option<NaiveDate>,
) -> Option<NaiveDate> {
    let from = match (published_on, last_reported) {
        (None, _) => return None,
        (Some(p), Some(l)) if l > p => l,
        (Some(p), _) => p,
    };
    Some(rule.due_date(cal, from))
}

/// Everyone in the partnership reads inspections (their reports are public); the business team
/// records them.
pub fn can_manage(actor: &crate::policy::Actor) -> bool {
    actor.has(crate::accounts::Role::BusinessTeam)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    fn typed<'a>(inspectorate: &'a str, judgement: &'a str) -> Typed<'a> {
        Typed {
            inspectorate,
            other_name: "",
            theme: "",
            notice_on: None,
            started_on: d(2026, 3, 2),
            ended_on: d(2026, 3, 13),
            published_on: d(2026, 5, 1),
            judgement,
        }
    }

    #[test]
    fn a_judgement_is_on_the_inspectorates_own_scale() {
        assert!(check(&typed("ofsted", "Requires improvement to be good")).is_ok());
        assert!(check(&typed("cqc", "")).is_ok(), "not judged yet");
        let e = check(&typed("ofsted", "Adequate")).unwrap_err();
        assert_eq!(e[0].0, "judgement");
        assert!(check(&typed("hmicfrs", "Adequate")).is_ok());
    }

    #[test]
    fn a_joint_inspection_needs_its_notice_and_theme_and_has_no_grade() {
        let mut t = typed("jtai", "Good");
        let e = check(&t).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["theme", "notice", "judgement"]);
        t.theme = "Children at risk of exploitation";
        t.notice_on = d(2026, 2, 25);
        t.judgement = "";
        let c = check(&t).unwrap();
        assert!(c.inspectorate.is_joint());
        t.notice_on = d(2026, 3, 5);
        assert_eq!(check(&t).unwrap_err()[0].0, "started");
    }

    #[test]
    fn dates_run_in_order_and_other_needs_a_name() {
        let mut t = typed("other", "");
        assert_eq!(check(&t).unwrap_err()[0].0, "other_name");
        t.other_name = "Care Inspectorate Wales";
        t.ended_on = d(2026, 3, 1);
        assert_eq!(check(&t).unwrap_err()[0].0, "ended");
        t.ended_on = d(2026, 3, 13);
        t.published_on = d(2026, 3, 10);
        assert_eq!(check(&t).unwrap_err()[0].0, "published");
        assert_eq!(
            check(&typed("nobody", "")).unwrap_err()[0].0,
            "inspectorate"
        );
    }

    #[test]
    fn progress_is_due_an_interval_after_the_report_then_after_each_report_to_the_board() {
        let rule = crate::clocks::seeded_rules()
            .into_iter()
            .find(|r| r.slug == "inspection-progress")
            .unwrap();
        let cal = crate::clocks::Calendar::england_and_wales();
        assert_eq!(progress_due(&rule, &cal, None, None), None);
        assert_eq!(
            progress_due(&rule, &cal, d(2026, 5, 1), None),
            d(2026, 11, 1)
        );
        assert_eq!(
            progress_due(&rule, &cal, d(2026, 5, 1), d(2026, 10, 20)),
            d(2027, 4, 20)
        );
    }
}
