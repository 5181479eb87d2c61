//! Performance data (SPEC §3.9): the partnership's multi-agency dataset of indicators, each
//! with a unit, a polarity (whether higher is better), a target with a tolerance, and values per
//! period (a month, a calendar quarter or a year, as the indicator's frequency says). The rules
//! here flag the exceptions a board looks at: off target beyond tolerance, worse than a
//! benchmark, worsening period after period, and a value missing.

use chrono::{Datelike, NaiveDate};

use crate::stored::Slug;

pub mod import;

/// What an indicator counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Count,
    Percentage,
    /// A rate per 10,000 children.
    RatePer10k,
    Days,
}

impl Unit {
    pub const ALL: [Unit; 4] = [Unit::Count, Unit::Percentage, Unit::RatePer10k, Unit::Days];

    pub fn label(self) -> &'static str {
        match self {
            Unit::Count => "A count",
            Unit::Percentage => "A percentage",
            Unit::RatePer10k => "A rate per 10,000 children",
            Unit::Days => "A number of days",
        }
    }

    /// A value as a person reads it: "87.5%", "412.0 per 10,000", "12 days".
    pub fn show(self, v: f64) -> String {
        let n = if (v - v.round()).abs() < 1e-9 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        };
        match self {
            Unit::Count => n,
            Unit::Percentage => format!("{n}%"),
            Unit::RatePer10k => format!("{n} per 10,000"),
            Unit::Days => format!("{n} days"),
        }
    }

    /// Checks a value typed or imported for an indicator of this unit: a number, never
    /// negative, a percentage no more than 100. The message says what to fix.
    pub fn check(self, text: &str) -> Result<f64, String> {
        let t = text.trim().trim_end_matches('%').replace(',', "");
        let v: f64 = t
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| {
                format!(
                    "Enter the value as a number, for example 42 (not “{}”)",
                    text.trim()
                )
            })?;
        if v < 0.0 {
            return Err("Enter a value of 0 or more".to_owned());
        }
        if self == Unit::Percentage && v > 100.0 {
            return Err("A percentage cannot be more than 100".to_owned());
        }
        if v > 1e12 {
            return Err("That value is too large: check the number".to_owned());
        }
        Ok(v)
    }
}

impl Slug for Unit {
    fn slug(&self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Percentage => "percentage",
            Unit::RatePer10k => "rate-per-10k",
            Unit::Days => "days",
        }
    }
}

/// Whether a higher value is better or worse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Polarity {
    HigherIsBetter,
    LowerIsBetter,
}

impl Polarity {
    pub const ALL: [Polarity; 2] = [Polarity::HigherIsBetter, Polarity::LowerIsBetter];

    pub fn label(self) -> &'static str {
        match self {
            Polarity::HigherIsBetter => "Higher is better",
            Polarity::LowerIsBetter => "Lower is better",
        }
    }

    /// Whether `a` is worse than `b`.
    pub fn worse(self, a: f64, b: f64) -> bool {
        match self {
            Polarity::HigherIsBetter => a < b,
            Polarity::LowerIsBetter => a > b,
        }
    }
}

impl Slug for Polarity {
    fn slug(&self) -> &'static str {
        match self {
            Polarity::HigherIsBetter => "higher",
            Polarity::LowerIsBetter => "lower",
        }
    }
}

/// How often an indicator has a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frequency {
    Monthly,
    Quarterly,
    Yearly,
}

impl Frequency {
    pub const ALL: [Frequency; 3] = [Frequency::Monthly, Frequency::Quarterly, Frequency::Yearly];

    pub fn label(self) -> &'static str {
        match self {
            Frequency::Monthly => "Monthly",
            Frequency::Quarterly => "Quarterly",
            Frequency::Yearly => "Yearly",
        }
    }

    /// Periods in a year.
    fn per_year(self) -> i32 {
        match self {
            Frequency::Monthly => 12,
            Frequency::Quarterly => 4,
            Frequency::Yearly => 1,
        }
    }

    /// How a period is written, for a hint.
    pub fn example(self) -> &'static str {
        match self {
            Frequency::Monthly => "2026-03 for March 2026",
            Frequency::Quarterly => "2026-Q1 for January to March 2026",
            Frequency::Yearly => "2026",
        }
    }
}

impl Slug for Frequency {
    fn slug(&self) -> &'static str {
        match self {
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Yearly => "yearly",
        }
    }
}

macro_rules! stored {
    ($t:ty, $what:literal) => {
        impl TryFrom<String> for $t {
            type Error = crate::stored::Unknown;
            fn try_from(v: String) -> Result<Self, Self::Error> {
                crate::stored::decode(v, $what, |s| <$t>::ALL.into_iter().find(|x| x.slug() == s))
            }
        }
    };
}
stored!(Unit, "indicator unit");
stored!(Polarity, "indicator polarity");
stored!(Frequency, "indicator frequency");

/// Reads a stored or typed slug.
pub fn parse<T: Slug + Copy>(all: &[T], s: &str) -> Option<T> {
    all.iter().copied().find(|x| x.slug() == s)
}

/// One period of a frequency: a month, a calendar quarter or a year. Ordered in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub frequency_rank: u8,
    pub year: i32,
    /// The month (1–12), the quarter (1–4), or 1 for a year.
    pub index: u8,
}

impl Period {
    fn new(f: Frequency, year: i32, index: u8) -> Period {
        Period {
            frequency_rank: match f {
                Frequency::Monthly => 0,
                Frequency::Quarterly => 1,
                Frequency::Yearly => 2,
            },
            year,
            index,
        }
    }

    pub fn frequency(self) -> Frequency {
        match self.frequency_rank {
            0 => Frequency::Monthly,
            1 => Frequency::Quarterly,
            _ => Frequency::Yearly,
        }
    }

    /// The period of `f` a day falls in.
    pub fn of(f: Frequency, d: NaiveDate) -> Period {
        let m = d.month() as u8;
        match f {
            Frequency::Monthly => Period::new(f, d.year(), m),
            Frequency::Quarterly => Period::new(f, d.year(), (m - 1) / 3 + 1),
            Frequency::Yearly => Period::new(f, d.year(), 1),
        }
    }

    /// As stored and typed: "2026-03", "2026-Q1", "2026".
    pub fn key(self) -> String {
        match self.frequency() {
            Frequency::Monthly => format!("{}-{:02}", self.year, self.index),
            Frequency::Quarterly => format!("{}-Q{}", self.year, self.index),
            Frequency::Yearly => format!("{}", self.year),
        }
    }

    /// As read: "March 2026", "January to March 2026", "2026".
    pub fn label(self) -> String {
        let month = |i: u8| crate::dates::MONTHS[usize::from(i.clamp(1, 12)) - 1];
        match self.frequency() {
            Frequency::Monthly => format!("{} {}", month(self.index), self.year),
            Frequency::Quarterly => format!(
                "{} to {} {}",
                month(self.index * 3 - 2),
                month(self.index * 3),
                self.year
            ),
            Frequency::Yearly => format!("{}", self.year),
        }
    }

    /// A short label for a chart's axis: "Mar 26", "Q1 26", "2026".
    pub fn short(self) -> String {
        let yy = self.year.rem_euclid(100);
        match self.frequency() {
            Frequency::Monthly => {
                let m = crate::dates::MONTHS[usize::from(self.index.clamp(1, 12)) - 1];
                format!("{} {yy:02}", m.get(..3).unwrap_or(m))
            }
            Frequency::Quarterly => format!("Q{} {yy:02}", self.index),
            Frequency::Yearly => format!("{}", self.year),
        }
    }

    fn ordinal(self) -> i32 {
        self.year * self.frequency().per_year() + i32::from(self.index) - 1
    }

    fn from_ordinal(f: Frequency, n: i32) -> Period {
        let per = f.per_year();
        Period::new(f, n.div_euclid(per), (n.rem_euclid(per) + 1) as u8)
    }

    /// The first day of the period.
    pub fn first_day(self) -> NaiveDate {
        let month = match self.frequency() {
            Frequency::Monthly => u32::from(self.index),
            Frequency::Quarterly => u32::from(self.index) * 3 - 2,
            Frequency::Yearly => 1,
        };
        NaiveDate::from_ymd_opt(self.year, month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// When the agencies' values for the period are due: the last day of the month after it
    /// ends (a quarter to March is due by the end of April).
    pub fn returns_due(self) -> NaiveDate {
        let after = self.next().first_day();
        after
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(after)
    }

    pub fn next(self) -> Period {
        Period::from_ordinal(self.frequency(), self.ordinal() + 1)
    }

    pub fn prev(self) -> Period {
        Period::from_ordinal(self.frequency(), self.ordinal() - 1)
    }

    /// Periods from `self` to `to`, both included (none if `to` is earlier).
    pub fn until(self, to: Period) -> Vec<Period> {
        let (a, b) = (self.ordinal(), to.ordinal());
        if self.frequency() != to.frequency() || b < a {
            return Vec::new();
        }
        (a..=b)
            .map(|n| Period::from_ordinal(self.frequency(), n))
            .collect()
    }

    /// Reads a period typed or imported for an indicator of frequency `f`; the message says
    /// what to type. Accepts "2026-Q1", "Q1 2026", "2026 Q1"; "2026-03", "03/2026"; "2026".
    pub fn parse(f: Frequency, text: &str) -> Result<Period, String> {
        let t = text.trim().to_uppercase().replace(['/', ' '], "-");
        let bad = || {
            format!(
                "Enter the period as {} (this indicator is {})",
                f.example(),
                f.label().to_lowercase()
            )
        };
        let year = |s: &str| s.parse::<i32>().ok().filter(|y| (1990..=2100).contains(y));
        let parts: Vec<&str> = t.split('-').filter(|p| !p.is_empty()).collect();
        let p = match (f, parts.as_slice()) {
            (Frequency::Yearly, [y]) => year(y).map(|y| Period::new(f, y, 1)),
            (Frequency::Quarterly, [a, b]) => {
                let (y, q) = if a.starts_with('Q') { (b, a) } else { (a, b) };
                match (
                    year(y),
                    q.strip_prefix('Q').and_then(|q| q.parse::<u8>().ok()),
                ) {
                    (Some(y), Some(q)) if (1..=4).contains(&q) => Some(Period::new(f, y, q)),
                    _ => None,
                }
            }
            (Frequency::Monthly, [a, b]) => {
                let (y, m) = if a.len() == 4 { (a, b) } else { (b, a) };
                match (year(y), m.parse::<u8>().ok()) {
                    (Some(y), Some(m)) if (1..=12).contains(&m) => Some(Period::new(f, y, m)),
                    _ => None,
                }
            }
            _ => None,
        };
        p.ok_or_else(bad)
    }
}

/// Why an indicator is flagged.
#[derive(Clone, Debug, PartialEq)]
pub enum Exception {
    /// Its latest value is worse than its target by more than the tolerance.
    OffTarget,
    /// Its latest value is worse than a benchmark (named).
    WorseThan(String),
    /// Worse than the period before, this many periods in a row.
    Worsening(usize),
    /// The last period that has ended has no value.
    Missing(Period),
}

impl Exception {
    pub fn label(&self) -> String {
        match self {
            Exception::OffTarget => "Off target".to_owned(),
            Exception::WorseThan(b) => format!("Worse than {b}"),
            Exception::Worsening(n) => format!("Worse {n} periods running"),
            Exception::Missing(p) => format!("No value for {}", p.label()),
        }
    }
}

/// Whether a value is off target beyond the tolerance (in the indicator's own unit).
pub fn off_target(p: Polarity, value: f64, target: f64, tolerance: f64) -> bool {
    match p {
        Polarity::HigherIsBetter => value < target - tolerance.abs(),
        Polarity::LowerIsBetter => value > target + tolerance.abs(),
    }
}

/// How many periods in a row, up to the latest, each value was worse than the one before.
/// `values` in time order.
pub fn worsening_run(p: Polarity, values: &[f64]) -> usize {
    values
        .windows(2)
        .rev()
        .take_while(|w| p.worse(w[1], w[0]))
        .count()
}

/// An indicator's numbers as the exception rules read them.
pub struct Reading<'a> {
    pub polarity: Polarity,
    pub target: Option<f64>,
    pub tolerance: f64,
    /// Values in time order: (period, value).
    pub values: &'a [(Period, f64)],
    /// Benchmarks for the latest value's period: (name, value).
    pub benchmarks: &'a [(&'a str, f64)],
    /// The last period that has ended, by the indicator's frequency.
    pub last_ended: Period,
    /// Worse this many periods in a row is flagged.
    pub worsening_after: usize,
}

/// The exceptions of an indicator, in the order a reader weighs them.
pub fn exceptions(r: &Reading<'_>) -> Vec<Exception> {
    let mut out = Vec::new();
    let latest = r.values.last();
    if latest.is_none_or(|(p, _)| *p < r.last_ended) {
        out.push(Exception::Missing(r.last_ended));
    }
    let Some((_, v)) = latest else {
        return out;
    };
    if let Some(t) = r.target
        && off_target(r.polarity, *v, t, r.tolerance)
    {
        out.push(Exception::OffTarget);
    }
    for (name, b) in r.benchmarks {
        if r.polarity.worse(*v, *b) {
            out.push(Exception::WorseThan((*name).to_owned()));
        }
    }
    let values: Vec<f64> = r.values.iter().map(|(_, v)| *v).collect();
    let run = worsening_run(r.polarity, &values);
    if r.worsening_after > 0 && run >= r.worsening_after {
        out.push(Exception::Worsening(run));
    }
    out
}

/// An indicator's values either side of the period an action closed in: the mean of up to `n`
/// periods before it, and of up to `n` after it (the period itself is in neither), with how
/// many each side had. None when either side has no value yet.
pub fn before_after(
    values: &[(Period, f64)],
    closed: Period,
    n: usize,
) -> Option<((f64, usize), (f64, usize))> {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let before: Vec<f64> = values
        .iter()
        .filter(|(p, _)| *p < closed)
        .rev()
        .take(n)
        .map(|(_, v)| *v)
        .collect();
    let after: Vec<f64> = values
        .iter()
        .filter(|(p, _)| *p > closed)
        .take(n)
        .map(|(_, v)| *v)
        .collect();
    if before.is_empty() || after.is_empty() {
        return None;
    }
    Some(((mean(&before), before.len()), (mean(&after), after.len())))
}

/// "Before the action closed (4 periods): 62% on average. Since (2 periods): 71% on average,
/// better." — or what is still to come.
pub fn before_after_summary(
    unit: Unit,
    polarity: Polarity,
    values: &[(Period, f64)],
    closed: Period,
) -> String {
    let periods = |n: usize| format!("{n} period{}", if n == 1 { "" } else { "s" });
    match before_after(values, closed, 4) {
        None if values.iter().any(|(p, _)| *p > closed) => format!(
            "The action closed in {}; there is no value from before it to compare with.",
            closed.label()
        ),
        None => format!(
            "The action closed in {}; the values after it are still to come.",
            closed.label()
        ),
        Some(((b, nb), (a, na))) => {
            let way = if (a - b).abs() < 1e-9 {
                "no change"
            } else if polarity.worse(a, b) {
                "worse"
            } else {
                "better"
            };
            format!(
                "Before the action closed in {} ({}): {} on average. Since ({}): {} on average, {way}.",
                closed.label(),
                periods(nb),
                unit.show(b),
                periods(na),
                unit.show(a)
            )
        }
    }
}

/// A sentence on the trend for the chart's text summary: the latest value against the one a
/// year before (or the first), and against the target.
pub fn trend_summary(
    unit: Unit,
    polarity: Polarity,
    values: &[(Period, f64)],
    target: Option<f64>,
) -> String {
    let Some((lp, lv)) = values.last() else {
        return "No values yet.".to_owned();
    };
    let per = lp.frequency().per_year() as usize;
    let back = values
        .len()
        .checked_sub(per + 1)
        .and_then(|i| values.get(i))
        .or(values.first());
    let mut s = format!("{}: {}.", lp.label(), unit.show(*lv));
    if let Some((bp, bv)) = back
        && bp != lp
    {
        let way = if (lv - bv).abs() < 1e-9 {
            "the same as"
        } else if polarity.worse(*lv, *bv) {
            "worse than"
        } else {
            "better than"
        };
        s.push_str(&format!(
            " {} {} ({}).",
            capital(way),
            bp.label(),
            unit.show(*bv)
        ));
    }
    if let Some(t) = target {
        let against = if (lv - t).abs() < 1e-9 {
            "on"
        } else if polarity.worse(*lv, t) {
            "short of"
        } else {
            "better than"
        };
        s.push_str(&format!(
            " {} its target of {}.",
            capital(against),
            unit.show(t)
        ));
    }
    s
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// What a deep dive asks each agency it commissions analysis from.
pub const DEEP_DIVE_QUESTIONS: [&str; 4] = [
    "What your data shows about the focus area",
    "What lies behind it: demand, practice, capacity, recording",
    "What your agency is already doing about it",
    "What you would ask the partnership to do",
];

/// The business team manages the dataset: indicators, targets, benchmarks, retiring.
pub fn can_manage(actor: &crate::policy::Actor) -> bool {
    actor.has(crate::accounts::Role::BusinessTeam)
}

/// The board and the groups read the whole dataset (the business team, the independent chair,
/// group chairs, agency leads); everyone else sees what the partnership publishes.
pub fn reads_all(actor: &crate::policy::Actor) -> bool {
    use crate::accounts::Role;
    [
        Role::BusinessTeam,
        Role::IndependentChair,
        Role::GroupChair,
        Role::AgencyLead,
    ]
    .into_iter()
    .any(|r| actor.has(r))
}

/// Who enters and corrects an indicator's values: the lead of its agency, or the business team.
pub fn can_enter(actor: &crate::policy::Actor, agency_id: &str) -> bool {
    can_manage(actor) || actor.agencies_led().any(|a| a == agency_id)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn before_and_after_an_action_closed() {
        let q = |k: &str| Period::parse(Frequency::Quarterly, k).unwrap();
        let v = vec![
            (q("2025-Q1"), 50.0),
            (q("2025-Q2"), 60.0),
            (q("2025-Q3"), 99.0),
            (q("2025-Q4"), 70.0),
            (q("2026-Q1"), 80.0),
        ];
        let ba = before_after(&v, q("2025-Q3"), 4).unwrap();
        assert_eq!(ba, ((55.0, 2), (75.0, 2)));
        assert_eq!(
            before_after_summary(Unit::Percentage, Polarity::HigherIsBetter, &v, q("2025-Q3")),
            "Before the action closed in July to September 2025 (2 periods): 55% on average. Since (2 periods): 75% on average, better."
        );
        assert!(
            before_after_summary(Unit::Days, Polarity::LowerIsBetter, &v, q("2025-Q3"))
                .ends_with("75 days on average, worse.")
        );
        assert!(
            before_after_summary(Unit::Count, Polarity::HigherIsBetter, &v, q("2026-Q1"))
                .contains("still to come")
        );
        assert!(before_after(&v, q("2024-Q4"), 4).is_none());
    }

    proptest! {
        /// Each side counts at most n periods, never the closing one, and the means lie within
        /// the values of their side.
        #[test]
        fn before_after_stays_on_its_side(vals in proptest::collection::vec(0.0f64..100.0, 1..30), at in 0usize..30, n in 1usize..6) {
            let start = Period::parse(Frequency::Monthly, "2020-01").unwrap();
            let v: Vec<(Period, f64)> = vals.iter().enumerate().map(|(i, x)| ((0..i).fold(start, |p, _| p.next()), *x)).collect();
            let closed = (0..at).fold(start, |p, _| p.next());
            if let Some(((b, nb), (a, na))) = before_after(&v, closed, n) {
                prop_assert!(nb <= n && na <= n);
                let before: Vec<f64> = v.iter().filter(|(p, _)| *p < closed).map(|(_, x)| *x).collect();
                let after: Vec<f64> = v.iter().filter(|(p, _)| *p > closed).map(|(_, x)| *x).collect();
                prop_assert!(before.iter().any(|x| *x <= b + 1e-9) && before.iter().any(|x| *x >= b - 1e-9));
                prop_assert!(after.iter().any(|x| *x <= a + 1e-9) && after.iter().any(|x| *x >= a - 1e-9));
            } else {
                prop_assert!(at == 0 || at + 1 >= vals.len());
            }
        }
    }

    #[test]
    fn periods_read_and_write_back_and_step() {
        let q = Period::parse(Frequency::Quarterly, "2026-Q1").unwrap();
        assert_eq!(q.key(), "2026-Q1");
        assert_eq!(q.label(), "January to March 2026");
        assert_eq!(
            Period::parse(Frequency::Quarterly, "q4 2025")
                .unwrap()
                .next(),
            q
        );
        assert_eq!(q.prev().key(), "2025-Q4");
        assert_eq!(q.returns_due().to_string(), "2026-04-30");
        assert_eq!(q.prev().returns_due().to_string(), "2026-01-31");
        let m = Period::parse(Frequency::Monthly, "03/2026").unwrap();
        assert_eq!(m.key(), "2026-03");
        assert_eq!(m.label(), "March 2026");
        assert_eq!(
            Period::parse(Frequency::Monthly, "2026-12")
                .unwrap()
                .next()
                .key(),
            "2027-01"
        );
        assert_eq!(
            Period::parse(Frequency::Yearly, "2026")
                .unwrap()
                .prev()
                .key(),
            "2025"
        );
        assert!(
            Period::parse(Frequency::Quarterly, "2026-03").is_err(),
            "a month is not a quarter"
        );
        assert!(
            Period::parse(Frequency::Quarterly, "2026-Q5")
                .unwrap_err()
                .contains("2026-Q1")
        );
        assert!(Period::parse(Frequency::Monthly, "2026-13").is_err());
        assert!(Period::parse(Frequency::Yearly, "last year").is_err());
        let d = NaiveDate::from_ymd_opt(2026, 8, 14).unwrap();
        assert_eq!(Period::of(Frequency::Quarterly, d).key(), "2026-Q3");
        assert_eq!(q.until(q.next().next()).len(), 3);
        assert!(q.next().until(q).is_empty());
    }

    #[test]
    fn values_are_checked_against_their_unit() {
        assert_eq!(Unit::Percentage.check("87.5%"), Ok(87.5));
        assert!(
            Unit::Percentage
                .check("101")
                .unwrap_err()
                .contains("more than 100")
        );
        assert_eq!(Unit::Count.check("1,204"), Ok(1204.0));
        assert!(Unit::Days.check("-3").is_err());
        assert!(
            Unit::RatePer10k
                .check("lots")
                .unwrap_err()
                .contains("as a number")
        );
        assert!(Unit::Count.check("NaN").is_err());
        assert_eq!(Unit::Percentage.show(87.5), "87.5%");
        assert_eq!(Unit::Days.show(12.0), "12 days");
    }

    #[test]
    fn exceptions_flag_target_benchmark_trend_and_gaps() {
        let q = |s: &str| Period::parse(Frequency::Quarterly, s).unwrap();
        let values = [
            (q("2026-Q1"), 80.0),
            (q("2026-Q2"), 78.0),
            (q("2026-Q3"), 70.0),
        ];
        let r = Reading {
            polarity: Polarity::HigherIsBetter,
            target: Some(85.0),
            tolerance: 5.0,
            values: &values,
            benchmarks: &[("England", 75.0), ("statistical neighbours", 68.0)],
            last_ended: q("2026-Q3"),
            worsening_after: 2,
        };
        assert_eq!(
            exceptions(&r),
            vec![
                Exception::OffTarget,
                Exception::WorseThan("England".to_owned()),
                Exception::Worsening(2)
            ]
        );
        let gap = Reading {
            last_ended: q("2026-Q4"),
            ..r
        };
        assert_eq!(exceptions(&gap)[0], Exception::Missing(q("2026-Q4")));
        let within = Reading {
            target: Some(74.0),
            tolerance: 5.0,
            benchmarks: &[],
            worsening_after: 3,
            last_ended: q("2026-Q3"),
            ..gap
        };
        assert!(
            exceptions(&within).is_empty(),
            "within tolerance, two worse is not three"
        );
        assert!(off_target(Polarity::LowerIsBetter, 31.0, 25.0, 5.0));
        assert!(!off_target(Polarity::LowerIsBetter, 29.0, 25.0, 5.0));
    }

    #[test]
    fn the_trend_is_told_in_words() {
        let q = |s: &str| Period::parse(Frequency::Quarterly, s).unwrap();
        let v = [
            (q("2025-Q3"), 60.0),
            (q("2025-Q4"), 62.0),
            (q("2026-Q1"), 64.0),
            (q("2026-Q2"), 66.0),
            (q("2026-Q3"), 58.0),
        ];
        let s = trend_summary(Unit::Percentage, Polarity::HigherIsBetter, &v, Some(70.0));
        assert_eq!(
            s,
            "July to September 2026: 58%. Worse than July to September 2025 (60%). Short of its target of 70%."
        );
        assert_eq!(
            trend_summary(Unit::Count, Polarity::LowerIsBetter, &[], None),
            "No values yet."
        );
    }

    proptest! {
        /// A strictly worsening series of n values is worse n-1 periods running; one better value
        /// at the end breaks the run.
        #[test]
        fn worsening_counts_the_run_up_to_the_latest(start in 0.0f64..1000.0, steps in proptest::collection::vec(0.1f64..50.0, 1..12), higher in any::<bool>()) {
            let p = if higher { Polarity::HigherIsBetter } else { Polarity::LowerIsBetter };
            let sign = if higher { -1.0 } else { 1.0 };
            let mut v = vec![start];
            for s in &steps {
                let last = *v.last().unwrap();
                v.push(last + sign * s);
            }
            prop_assert_eq!(worsening_run(p, &v), steps.len());
            let last = *v.last().unwrap();
            v.push(last - sign * 1.0);
            prop_assert_eq!(worsening_run(p, &v), 0);
        }

        /// Stepping forward then back is where one started, and keys read back.
        #[test]
        fn periods_step_and_read_back(year in 1991i32..2099, index in 1u8..=12, f in 0usize..3) {
            let f = Frequency::ALL[f];
            let index = match f { Frequency::Monthly => index, Frequency::Quarterly => (index - 1) % 4 + 1, Frequency::Yearly => 1 };
            let p = Period::new(f, year, index);
            prop_assert_eq!(p.next().prev(), p);
            prop_assert!(p.next() > p);
            prop_assert_eq!(Period::parse(f, &p.key()).unwrap(), p);
        }
    }
}
