//! The working-day calendar: bank holidays plus an installation's edits, and date arithmetic.
//!
//! A [`Calendar`] is a cheap-to-clone value (its tables sit behind an `Arc`) that answers "is this
//! a working day?" and "what is the Nth working day after this date?". Statutory clocks are
//! counted in working days, so this is the one place that arithmetic lives. For 1990..=2100 it
//! uses precomputed tables (a sorted holiday list, a prefix count of working days and the list
//! of working days), so adding or counting working days is O(1) and a holiday look-up is a
//! binary search; outside those years it falls back to computing holidays by rule a year at a
//! time. Nothing here panics: results that would leave chrono's range saturate at
//! `NaiveDate::MIN` / `NaiveDate::MAX`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, LazyLock};

use chrono::{Datelike, NaiveDate, Weekday};

use super::holidays::{Jurisdiction, last_day_of_month};

/// First year covered by the precomputed tables.
pub const PRECOMPUTED_FIRST_YEAR: i32 = 1990;
/// Last year covered by the precomputed tables.
pub const PRECOMPUTED_LAST_YEAR: i32 = 2100;

/// One bank holiday.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
}

/// Whether an installation-wide edit adds or removes a holiday.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HolidayEditKind {
    Add,
    Remove,
}

/// An installation-wide change to the holiday list, applied on top of the rules: a newly
/// announced one-off holiday (`Add`), or a day that turns out not to be one (`Remove`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HolidayEdit {
    pub date: NaiveDate,
    pub name: String,
    pub kind: HolidayEditKind,
}

/// Bank holidays and working-day arithmetic for one jurisdiction, with edits applied.
#[derive(Clone)]
pub struct Calendar {
    jurisdiction: Jurisdiction,
    /// The net effect of all edits, one entry per date in date order: `Some(name)` means "a
    /// holiday called name", `None` means "not a holiday". A later edit of a date wins.
    edits: Arc<Vec<(NaiveDate, Option<String>)>>,
    table: Arc<Table>,
}

static ENGLAND_AND_WALES: LazyLock<Calendar> =
    LazyLock::new(|| Calendar::build(Jurisdiction::EnglandAndWales, Vec::new()));

impl Calendar {
    /// Bank holidays of England and Wales by rule and proclamation. Built once per process;
    /// each call is a cheap clone.
    pub fn england_and_wales() -> Calendar {
        ENGLAND_AND_WALES.clone()
    }

    /// The calendar of a jurisdiction, without edits.
    pub fn for_jurisdiction(jurisdiction: Jurisdiction) -> Calendar {
        match jurisdiction {
            Jurisdiction::EnglandAndWales => Calendar::england_and_wales(),
        }
    }

    /// Whose bank holidays this calendar follows.
    pub fn jurisdiction(&self) -> Jurisdiction {
        self.jurisdiction
    }

    /// Applies installation-wide edits in order on top of any already applied: `Add` makes the
    /// date a holiday with that name (renaming one already there), `Remove` makes it not a
    /// holiday. When one date is edited more than once, the last edit wins.
    pub fn with_edits(self, edits: &[HolidayEdit]) -> Calendar {
        if edits.is_empty() {
            return self;
        }
        let mut net: BTreeMap<NaiveDate, Option<String>> = self.edits.iter().cloned().collect();
        for edit in edits {
            let effect = match edit.kind {
                HolidayEditKind::Add => Some(edit.name.clone()),
                HolidayEditKind::Remove => None,
            };
            net.insert(edit.date, effect);
        }
        Calendar::build(self.jurisdiction, net.into_iter().collect())
    }

    /// The bank holidays of `year` in date order, edits applied.
    pub fn holidays_in_year(&self, year: i32) -> Vec<Holiday> {
        let to_holiday = |(date, name): (NaiveDate, &str)| Holiday {
            date,
            name: name.to_owned(),
        };
        if self.table.covers_year(year) {
            self.table
                .holidays_of_year(year)
                .iter()
                .map(|(d, n)| to_holiday((*d, n.as_str())))
                .collect()
        } else {
            self.year_list(year).into_iter().map(to_holiday).collect()
        }
    }

    /// The name of the bank holiday on `d`, if it is one.
    pub fn holiday_on(&self, d: NaiveDate) -> Option<&str> {
        if self.table.covers_year(d.year()) {
            let list = &self.table.holidays;
            return list
                .binary_search_by_key(&d, |(x, _)| *x)
                .ok()
                .and_then(|i| list.get(i))
                .map(|(_, name)| name.as_str());
        }
        if let Ok(i) = self.edits.binary_search_by_key(&d, |(x, _)| *x) {
            return self.edits.get(i).and_then(|(_, effect)| effect.as_deref());
        }
        self.jurisdiction
            .holidays_by_rule(d.year())
            .into_iter()
            .find(|(x, _)| *x == d)
            .map(|(_, name)| name)
    }

    /// Monday to Friday and not a bank holiday.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if is_weekend(d) {
            return false;
        }
        let t = &*self.table;
        if d >= t.first_date && d <= t.last_date {
            return t.count_le(d) != t.count_lt(d);
        }
        self.holiday_on(d).is_none()
    }

    /// The `n`th working day strictly after `from`; `n = 0` returns `from` unchanged (even if it
    /// is not a working day). Saturates at `NaiveDate::MAX`.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        if n == 0 {
            return from;
        }
        let t = &*self.table;
        let mut n = u64::from(n);
        let mut cur = from;
        if cur < t.first_date {
            match self.slow_forward(cur, n, t.before_first) {
                Ok(found) => return found,
                Err(rest) => {
                    n = rest;
                    cur = t.before_first;
                }
            }
        }
        if cur <= t.last_date {
            let k = u64::from(t.count_le(cur));
            if let Some(day) = t.working_at(k + n - 1) {
                return day;
            }
            n = n.saturating_sub(t.total_working().saturating_sub(k));
            cur = t.last_date;
        }
        self.slow_forward(cur, n, NaiveDate::MAX)
            .unwrap_or(NaiveDate::MAX)
    }

    /// The `n`th working day strictly before `from`; `n = 0` returns `from` unchanged.
    /// Saturates at `NaiveDate::MIN`.
    pub fn subtract_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        if n == 0 {
            return from;
        }
        let t = &*self.table;
        let mut n = u64::from(n);
        let mut cur = from;
        if cur > t.last_date {
            match self.slow_backward(cur, n, t.after_last) {
                Ok(found) => return found,
                Err(rest) => {
                    n = rest;
                    cur = t.after_last;
                }
            }
        }
        if cur >= t.first_date {
            let k = u64::from(t.count_lt(cur));
            if k >= n
                && let Some(day) = t.working_at(k - n)
            {
                return day;
            }
            n -= k.min(n);
            cur = t.first_date;
        }
        self.slow_backward(cur, n, NaiveDate::MIN)
            .unwrap_or(NaiveDate::MIN)
    }

    /// Working days after `from` up to and including `to`; the negative of the mirror count when
    /// `to` is before `from`; 0 when they are equal.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        match from.cmp(&to) {
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Less => self.count_after_up_to(from, to),
            std::cmp::Ordering::Greater => -self.count_after_up_to(to, from),
        }
    }

    // ---- helpers -------------------------------------------------------------------------

    fn build(jurisdiction: Jurisdiction, edits: Vec<(NaiveDate, Option<String>)>) -> Calendar {
        let table = Table::build(jurisdiction, &edits);
        Calendar {
            jurisdiction,
            edits: Arc::new(edits),
            table: Arc::new(table),
        }
    }

    /// Holidays of any year by rule, with the edits of that year applied.
    fn year_list(&self, year: i32) -> Vec<(NaiveDate, &str)> {
        year_list(self.jurisdiction, &self.edits, year)
    }

    /// Working days in (a, b], for a < b.
    fn count_after_up_to(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        let t = &*self.table;
        let mut total: u64 = 0;
        if a < t.before_first {
            total += self.slow_count(a, b.min(t.before_first));
        }
        let lo = a.max(t.before_first);
        let hi = b.min(t.last_date);
        if lo < hi {
            total += u64::from(t.count_le(hi) - t.count_le(lo));
        }
        if b > t.last_date {
            total += self.slow_count(a.max(t.last_date), b);
        }
        i64::try_from(total).unwrap_or(i64::MAX)
    }

    /// Working days in (a, b] computed by rule a year at a time; 0 when a >= b.
    fn slow_count(&self, a: NaiveDate, b: NaiveDate) -> u64 {
        let mut total = 0;
        let Some(mut start) = a.succ_opt() else {
            return 0;
        };
        while start <= b {
            let year = start.year();
            let end = b.min(year_end(year));
            let hols = self.year_list(year);
            total += working_in(start, end, &hols);
            match end.succ_opt() {
                Some(next) => start = next,
                None => break,
            }
        }
        total
    }

    /// The `n`th working day after `from` but not after `limit`; `Err(still to find)` if the
    /// days up to `limit` run out first.
    fn slow_forward(
        &self,
        from: NaiveDate,
        mut n: u64,
        limit: NaiveDate,
    ) -> Result<NaiveDate, u64> {
        if n == 0 {
            return Ok(from);
        }
        let Some(mut start) = from.succ_opt() else {
            return Err(n);
        };
        while start <= limit {
            let year = start.year();
            let end = limit.min(year_end(year));
            let hols = self.year_list(year);
            let available = working_in(start, end, &hols);
            if n <= available {
                let mut day = start;
                loop {
                    if is_working(day, &hols) {
                        n -= 1;
                        if n == 0 {
                            return Ok(day);
                        }
                    }
                    match day.succ_opt() {
                        Some(next) if next <= end => day = next,
                        _ => return Err(n),
                    }
                }
            }
            n -= available;
            match end.succ_opt() {
                Some(next) => start = next,
                None => return Err(n),
            }
        }
        Err(n)
    }

    /// The `n`th working day before `from` but not before `limit`; `Err(still to find)` if the
    /// days down to `limit` run out first.
    fn slow_backward(
        &self,
        from: NaiveDate,
        mut n: u64,
        limit: NaiveDate,
    ) -> Result<NaiveDate, u64> {
        if n == 0 {
            return Ok(from);
        }
        let Some(mut end) = from.pred_opt() else {
            return Err(n);
        };
        while end >= limit {
            let year = end.year();
            let start = limit.max(year_start(year));
            let hols = self.year_list(year);
            let available = working_in(start, end, &hols);
            if n <= available {
                let mut day = end;
                loop {
                    if is_working(day, &hols) {
                        n -= 1;
                        if n == 0 {
                            return Ok(day);
                        }
                    }
                    match day.pred_opt() {
                        Some(prev) if prev >= start => day = prev,
                        _ => return Err(n),
                    }
                }
            }
            n -= available;
            match start.pred_opt() {
                Some(prev) => end = prev,
                None => return Err(n),
            }
        }
        Err(n)
    }
}

impl fmt::Debug for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Calendar")
            .field("jurisdiction", &self.jurisdiction)
            .field("edits", &self.edits)
            .finish_non_exhaustive()
    }
}

/// The same date `months` calendar months later (earlier when negative), or the last day of the
/// month when that day does not exist: 2026-08-31 + 6 = 2027-02-28, 2027-08-31 + 6 = 2028-02-29.
/// Saturates at chrono's limits.
pub fn add_months(d: NaiveDate, months: i32) -> NaiveDate {
    let saturated = if months >= 0 {
        NaiveDate::MAX
    } else {
        NaiveDate::MIN
    };
    let total = i64::from(d.year()) * 12 + i64::from(d.month0()) + i64::from(months);
    let Ok(year) = i32::try_from(total.div_euclid(12)) else {
        return saturated;
    };
    let Ok(month0) = u32::try_from(total.rem_euclid(12)) else {
        return saturated;
    };
    let month = month0 + 1;
    let Some(last) = last_day_of_month(year, month) else {
        return saturated;
    };
    NaiveDate::from_ymd_opt(year, month, d.day().min(last.day())).unwrap_or(saturated)
}

/// The precomputed years.
struct Table {
    first_date: NaiveDate,
    last_date: NaiveDate,
    /// The day before `first_date`, where a walk from earlier years hands over to the table.
    before_first: NaiveDate,
    /// The day after `last_date`, where a walk back from later years hands over to the table.
    after_last: NaiveDate,
    first: i32,
    /// Every holiday in the covered years, edits applied, in date order, one per date.
    holidays: Vec<(NaiveDate, String)>,
    /// `cum[i]`: working days among the first `i` days of the range (so `cum[0] == 0`).
    cum: Vec<u32>,
    /// Day numbers (days from the common era) of every working day in the range, ascending.
    working: Vec<i32>,
}

impl Table {
    fn build(jurisdiction: Jurisdiction, edits: &[(NaiveDate, Option<String>)]) -> Table {
        const FIRST: NaiveDate = match NaiveDate::from_ymd_opt(PRECOMPUTED_FIRST_YEAR, 1, 1) {
            Some(d) => d,
            None => NaiveDate::MIN,
        };
        const LAST: NaiveDate = match NaiveDate::from_ymd_opt(PRECOMPUTED_LAST_YEAR, 12, 31) {
            Some(d) => d,
            None => NaiveDate::MAX,
        };
        const BEFORE: NaiveDate = match NaiveDate::from_ymd_opt(PRECOMPUTED_FIRST_YEAR - 1, 12, 31)
        {
            Some(d) => d,
            None => NaiveDate::MIN,
        };
        const AFTER: NaiveDate = match NaiveDate::from_ymd_opt(PRECOMPUTED_LAST_YEAR + 1, 1, 1) {
            Some(d) => d,
            None => NaiveDate::MAX,
        };

        let mut holidays = Vec::new();
        for year in PRECOMPUTED_FIRST_YEAR..=PRECOMPUTED_LAST_YEAR {
            holidays.extend(
                year_list(jurisdiction, edits, year)
                    .into_iter()
                    .map(|(d, n)| (d, n.to_owned())),
            );
        }

        let first = FIRST.num_days_from_ce();
        let last = LAST.num_days_from_ce();
        let len = usize::try_from(last - first + 1).unwrap_or(0);
        let mut is_holiday = vec![false; len];
        for (d, _) in &holidays {
            if let Some(slot) = usize::try_from(d.num_days_from_ce() - first)
                .ok()
                .and_then(|i| is_holiday.get_mut(i))
            {
                *slot = true;
            }
        }

        let mut cum = Vec::with_capacity(len + 1);
        let mut working = Vec::with_capacity(len * 5 / 7);
        let mut count: u32 = 0;
        cum.push(count);
        for (offset, holiday) in (0_i32..).zip(is_holiday) {
            let day = first + offset;
            // Day 1 of the common era (0001-01-01) was a Monday.
            let weekday = (day - 1).rem_euclid(7);
            if weekday < 5 && !holiday {
                count += 1;
                working.push(day);
            }
            cum.push(count);
        }

        Table {
            first_date: FIRST,
            last_date: LAST,
            before_first: BEFORE,
            after_last: AFTER,
            first,
            holidays,
            cum,
            working,
        }
    }

    fn covers_year(&self, year: i32) -> bool {
        (PRECOMPUTED_FIRST_YEAR..=PRECOMPUTED_LAST_YEAR).contains(&year)
    }

    fn holidays_of_year(&self, year: i32) -> &[(NaiveDate, String)] {
        let lo = self.holidays.partition_point(|(d, _)| d.year() < year);
        let hi = self.holidays.partition_point(|(d, _)| d.year() <= year);
        self.holidays.get(lo..hi).unwrap_or(&[])
    }

    /// Working days in the table on or before `d` (0 before the table, all after it).
    fn count_le(&self, d: NaiveDate) -> u32 {
        self.cum_at(i64::from(d.num_days_from_ce()) - i64::from(self.first) + 1)
    }

    /// Working days in the table strictly before `d`.
    fn count_lt(&self, d: NaiveDate) -> u32 {
        self.cum_at(i64::from(d.num_days_from_ce()) - i64::from(self.first))
    }

    fn cum_at(&self, index: i64) -> u32 {
        let max = self.cum.len().saturating_sub(1);
        let i = usize::try_from(index.max(0)).unwrap_or(max).min(max);
        self.cum.get(i).copied().unwrap_or(0)
    }

    fn total_working(&self) -> u64 {
        self.working.len() as u64
    }

    /// The working day at 0-based position `k` in the table.
    fn working_at(&self, k: u64) -> Option<NaiveDate> {
        let i = usize::try_from(k).ok()?;
        let day = *self.working.get(i)?;
        NaiveDate::from_num_days_from_ce_opt(day)
    }
}

/// Holidays of `year` by rule with `edits` (net, sorted by date) applied, in date order.
fn year_list<'a>(
    jurisdiction: Jurisdiction,
    edits: &'a [(NaiveDate, Option<String>)],
    year: i32,
) -> Vec<(NaiveDate, &'a str)> {
    let mut list: Vec<(NaiveDate, &'a str)> = jurisdiction.holidays_by_rule(year);
    let lo = edits.partition_point(|(d, _)| d.year() < year);
    let hi = edits.partition_point(|(d, _)| d.year() <= year);
    let these = edits.get(lo..hi).unwrap_or(&[]);
    if these.is_empty() {
        return list;
    }
    for (date, effect) in these {
        list.retain(|(d, _)| d != date);
        if let Some(name) = effect {
            list.push((*date, name.as_str()));
        }
    }
    list.sort_by_key(|(d, _)| *d);
    list
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

fn is_working(d: NaiveDate, hols: &[(NaiveDate, &str)]) -> bool {
    !is_weekend(d) && !hols.iter().any(|(h, _)| *h == d)
}

/// Working days in [start, end] (both in one year whose holidays are `hols`).
fn working_in(start: NaiveDate, end: NaiveDate, hols: &[(NaiveDate, &str)]) -> u64 {
    if start > end {
        return 0;
    }
    let weekdays = weekdays_before(end) + 1 - u64::from(is_weekend(end)) - weekdays_before(start);
    let holidays_on_weekdays = hols
        .iter()
        .filter(|(d, _)| *d >= start && *d <= end && !is_weekend(*d))
        .count() as u64;
    weekdays.saturating_sub(holidays_on_weekdays)
}

/// Monday-to-Friday days strictly before `d`, counted from chrono's first date.
fn weekdays_before(d: NaiveDate) -> u64 {
    let offset = i64::from(d.num_days_from_ce()) - i64::from(NaiveDate::MIN.num_days_from_ce());
    // NaiveDate::MIN's weekday, so that whole weeks are counted from a known start.
    let start_weekday = i64::from(NaiveDate::MIN.weekday().num_days_from_monday());
    let shifted = offset + start_weekday;
    let full = shifted.div_euclid(7) * 5 + shifted.rem_euclid(7).min(5);
    let lead = start_weekday.min(5);
    u64::try_from(full - lead).unwrap_or(0)
}

fn year_start(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN)
}

fn year_end(year: i32) -> NaiveDate {
    last_day_of_month(year, 12).unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> Calendar {
        Calendar::england_and_wales()
    }

    fn add(name: &str, date: NaiveDate) -> HolidayEdit {
        HolidayEdit {
            date,
            name: name.to_owned(),
            kind: HolidayEditKind::Add,
        }
    }

    fn remove(date: NaiveDate) -> HolidayEdit {
        HolidayEdit {
            date,
            name: String::new(),
            kind: HolidayEditKind::Remove,
        }
    }

    #[test]
    fn weekends_and_bank_holidays_are_not_working_days() {
        let c = cal();
        assert!(c.is_working_day(d(2025, 6, 2))); // Monday
        assert!(!c.is_working_day(d(2025, 6, 7))); // Saturday
        assert!(!c.is_working_day(d(2025, 6, 8))); // Sunday
        assert!(!c.is_working_day(d(2025, 12, 25)));
        assert_eq!(c.holiday_on(d(2025, 12, 26)), Some("Boxing Day"));
        assert_eq!(c.holiday_on(d(2025, 12, 24)), None);
        // Christmas 2021 was a Saturday: the day itself is a weekend, not a listed holiday.
        assert_eq!(c.holiday_on(d(2021, 12, 25)), None);
        assert_eq!(
            c.holiday_on(d(2021, 12, 27)),
            Some("Christmas Day (substitute day)")
        );
    }

    #[test]
    fn adding_working_days_skips_weekends_and_holidays() {
        let c = cal();
        // Friday + 1 = Monday.
        assert_eq!(c.add_working_days(d(2025, 6, 6), 1), d(2025, 6, 9));
        // From a Saturday, the first working day is Monday.
        assert_eq!(c.add_working_days(d(2025, 6, 7), 1), d(2025, 6, 9));
        // Thursday before Easter 2025 + 1 = Tuesday after Easter Monday.
        assert_eq!(c.add_working_days(d(2025, 4, 17), 1), d(2025, 4, 22));
        // Christmas 2022: Fri 23 + 1 skips Mon 26 and Tue 27.
        assert_eq!(c.add_working_days(d(2022, 12, 23), 1), d(2022, 12, 28));
        // n = 0 leaves the date alone, even on a holiday.
        assert_eq!(c.add_working_days(d(2025, 12, 25), 0), d(2025, 12, 25));
        // A whole year: 2025 has 261 weekdays and 8 holidays on weekdays.
        assert_eq!(c.add_working_days(d(2024, 12, 31), 253), d(2025, 12, 31));
    }

    #[test]
    fn subtracting_working_days_mirrors_adding() {
        let c = cal();
        assert_eq!(c.subtract_working_days(d(2025, 6, 9), 1), d(2025, 6, 6));
        assert_eq!(c.subtract_working_days(d(2025, 4, 22), 1), d(2025, 4, 17));
        assert_eq!(c.subtract_working_days(d(2023, 1, 3), 1), d(2022, 12, 30));
        assert_eq!(c.subtract_working_days(d(2025, 6, 8), 0), d(2025, 6, 8));
        assert_eq!(
            c.subtract_working_days(d(2025, 12, 31), 253),
            d(2024, 12, 31)
        );
    }

    #[test]
    fn working_days_between_counts_after_from_up_to_and_including_to() {
        let c = cal();
        assert_eq!(c.working_days_between(d(2025, 6, 2), d(2025, 6, 2)), 0);
        assert_eq!(c.working_days_between(d(2025, 6, 2), d(2025, 6, 9)), 5);
        assert_eq!(c.working_days_between(d(2025, 6, 9), d(2025, 6, 2)), -5);
        assert_eq!(c.working_days_between(d(2025, 6, 6), d(2025, 6, 8)), 0);
        assert_eq!(
            c.working_days_between(d(2024, 12, 31), d(2025, 12, 31)),
            253
        );
        assert_eq!(
            c.working_days_between(d(2025, 12, 31), d(2024, 12, 31)),
            -253
        );
    }

    #[test]
    fn months_keep_the_day_or_fall_back_to_the_month_end() {
        assert_eq!(add_months(d(2026, 8, 31), 6), d(2027, 2, 28));
        assert_eq!(add_months(d(2027, 8, 31), 6), d(2028, 2, 29));
        assert_eq!(add_months(d(2025, 1, 31), 1), d(2025, 2, 28));
        assert_eq!(add_months(d(2024, 1, 31), 1), d(2024, 2, 29));
        assert_eq!(add_months(d(2025, 3, 31), 1), d(2025, 4, 30));
        assert_eq!(add_months(d(2025, 11, 15), 3), d(2026, 2, 15));
        assert_eq!(add_months(d(2024, 2, 29), 12), d(2025, 2, 28));
        assert_eq!(add_months(d(2024, 2, 29), 48), d(2028, 2, 29));
        assert_eq!(add_months(d(2025, 3, 31), -1), d(2025, 2, 28));
        assert_eq!(add_months(d(2025, 1, 15), -1), d(2024, 12, 15));
        assert_eq!(add_months(d(2025, 1, 15), -13), d(2023, 12, 15));
        assert_eq!(add_months(d(2025, 5, 20), 0), d(2025, 5, 20));
        // 2100 is not a leap year.
        assert_eq!(add_months(d(2096, 2, 29), 48), d(2100, 2, 28));
    }

    #[test]
    fn months_saturate_at_chronos_limits() {
        assert_eq!(add_months(d(2025, 1, 1), i32::MAX), NaiveDate::MAX);
        assert_eq!(add_months(d(2025, 1, 1), i32::MIN), NaiveDate::MIN);
        assert_eq!(add_months(NaiveDate::MAX, 1), NaiveDate::MAX);
        assert_eq!(add_months(NaiveDate::MIN, -1), NaiveDate::MIN);
        assert_eq!(add_months(NaiveDate::MAX, -1).month(), 11);
    }

    #[test]
    fn an_added_holiday_stops_being_a_working_day_and_moves_deadlines() {
        let announced = d(2026, 6, 15); // a Monday, hypothetically announced later
        let c = cal().with_edits(&[add("Extra bank holiday", announced)]);
        assert_eq!(c.holiday_on(announced), Some("Extra bank holiday"));
        assert!(!c.is_working_day(announced));
        assert_eq!(c.add_working_days(d(2026, 6, 12), 1), d(2026, 6, 16));
        assert_eq!(cal().add_working_days(d(2026, 6, 12), 1), announced);
        let names: Vec<String> = c
            .holidays_in_year(2026)
            .into_iter()
            .map(|h| h.name)
            .collect();
        assert_eq!(names.len(), 9);
        assert_eq!(names.get(5).map(String::as_str), Some("Extra bank holiday"));
    }

    #[test]
    fn a_removed_holiday_becomes_a_working_day() {
        let c = cal().with_edits(&[remove(d(2025, 8, 25))]);
        assert_eq!(c.holiday_on(d(2025, 8, 25)), None);
        assert!(c.is_working_day(d(2025, 8, 25)));
        assert_eq!(c.holidays_in_year(2025).len(), 7);
        assert_eq!(c.add_working_days(d(2025, 8, 22), 1), d(2025, 8, 25));
    }

    #[test]
    fn the_last_edit_of_a_date_wins_and_edits_accumulate() {
        let day = d(2030, 7, 1);
        let c = cal()
            .with_edits(&[add("First", day), remove(day)])
            .with_edits(&[add("Second", d(2030, 7, 2))]);
        assert_eq!(c.holiday_on(day), None);
        assert_eq!(c.holiday_on(d(2030, 7, 2)), Some("Second"));
        let renamed = cal().with_edits(&[add("Christmas", d(2030, 12, 25))]);
        assert_eq!(renamed.holiday_on(d(2030, 12, 25)), Some("Christmas"));
        assert_eq!(renamed.holidays_in_year(2030).len(), 8);
        // The base calendar is untouched by edits made to a copy.
        assert_eq!(cal().holiday_on(d(2030, 7, 2)), None);
    }

    #[test]
    fn edits_outside_the_precomputed_years_still_apply() {
        let c = cal().with_edits(&[
            add("Far future", d(2150, 6, 3)),
            remove(d(2150, 12, 25)),
            add("Long ago", d(1980, 7, 1)),
        ]);
        assert_eq!(c.holiday_on(d(2150, 6, 3)), Some("Far future"));
        assert!(!c.is_working_day(d(2150, 6, 3)));
        assert_eq!(c.holiday_on(d(2150, 12, 25)), None);
        assert_eq!(c.holiday_on(d(1980, 7, 1)), Some("Long ago"));
        let y2150: Vec<NaiveDate> = c.holidays_in_year(2150).iter().map(|h| h.date).collect();
        assert!(y2150.contains(&d(2150, 6, 3)));
        assert!(!y2150.contains(&d(2150, 12, 25)));
        assert!(y2150.windows(2).all(|w| w[0] < w[1]));
        // 2 June 2150 is a Tuesday; the next working day skips the added Wednesday.
        assert_eq!(c.add_working_days(d(2150, 6, 2), 1), d(2150, 6, 4));
        assert_eq!(c.subtract_working_days(d(2150, 6, 4), 1), d(2150, 6, 2));
        assert_eq!(c.working_days_between(d(2150, 6, 2), d(2150, 6, 4)), 1);
    }

    #[test]
    fn years_outside_the_tables_follow_the_rules() {
        let c = cal();
        let y1989: Vec<(NaiveDate, String)> = c
            .holidays_in_year(1989)
            .into_iter()
            .map(|h| (h.date, h.name))
            .collect();
        assert_eq!(y1989.len(), 8);
        assert_eq!(
            y1989.first(),
            Some(&(d(1989, 1, 2), "New Year's Day (substitute day)".into()))
        );
        assert_eq!(c.holiday_on(d(2101, 12, 26)), Some("Boxing Day"));
        assert_eq!(c.holiday_on(d(2101, 4, 15)), Some("Good Friday")); // Easter 2101: 17 April
        assert!(!c.is_working_day(d(2101, 4, 18)));
        assert!(c.is_working_day(d(2101, 4, 19)));
    }

    #[test]
    fn arithmetic_crosses_the_ends_of_the_tables() {
        let c = cal();
        // 29 Dec 1989 is a Friday; 1 Jan 1990 is New Year's Day (a Monday).
        assert_eq!(c.add_working_days(d(1989, 12, 29), 1), d(1990, 1, 2));
        assert_eq!(c.subtract_working_days(d(1990, 1, 2), 1), d(1989, 12, 29));
        assert_eq!(c.working_days_between(d(1989, 12, 29), d(1990, 1, 2)), 1);
        // Thu 30 Dec 2100, Fri 31 Dec 2100, then Mon 3 Jan 2101 (New Year's substitute), Tue 4.
        assert_eq!(c.add_working_days(d(2100, 12, 29), 2), d(2100, 12, 31));
        assert_eq!(c.add_working_days(d(2100, 12, 29), 3), d(2101, 1, 4));
        assert_eq!(c.subtract_working_days(d(2101, 1, 4), 3), d(2100, 12, 29));
        assert_eq!(c.working_days_between(d(2100, 12, 29), d(2101, 1, 4)), 3);
        // Spanning the whole table from both sides.
        let from = d(1980, 3, 3);
        let to = c.add_working_days(from, 40_000);
        assert!(to.year() > 2120);
        assert_eq!(c.working_days_between(from, to), 40_000);
        assert_eq!(c.subtract_working_days(to, 40_000), from);
    }

    #[test]
    fn arithmetic_saturates_at_chronos_limits_without_panicking() {
        let c = cal();
        assert_eq!(c.add_working_days(NaiveDate::MAX, 1), NaiveDate::MAX);
        assert_eq!(c.subtract_working_days(NaiveDate::MIN, 1), NaiveDate::MIN);
        assert_eq!(c.add_working_days(d(2025, 1, 1), u32::MAX), NaiveDate::MAX);
        assert_eq!(
            c.subtract_working_days(d(2025, 1, 1), u32::MAX),
            NaiveDate::MIN
        );
        let near_end = c.add_working_days(d(262_000, 1, 1), 10);
        assert!(near_end > d(262_000, 1, 1));
        let span = c.working_days_between(NaiveDate::MIN, NaiveDate::MAX);
        assert!(span > 130_000_000, "{span}");
        assert_eq!(
            c.working_days_between(NaiveDate::MAX, NaiveDate::MIN),
            -span
        );
    }

    #[test]
    fn weekdays_before_agrees_with_chronos_weekday() {
        for day in [
            NaiveDate::MIN,
            d(-5, 3, 1),
            d(1, 1, 1),
            d(2025, 6, 2),
            d(2025, 6, 8),
        ] {
            let mut next = day;
            for _ in 0..20 {
                let after = next.succ_opt().unwrap();
                let step = weekdays_before(after) - weekdays_before(next);
                assert_eq!(step, u64::from(!is_weekend(next)), "{next}");
                next = after;
            }
        }
    }

    #[test]
    fn a_calendar_can_be_shared_across_request_threads() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<Calendar>();
    }

    #[test]
    fn a_calendar_clone_is_cheap_and_shares_its_tables() {
        let a = cal();
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.table, &b.table));
        assert_eq!(a.jurisdiction().name(), "England and Wales");
        assert!(format!("{a:?}").contains("EnglandAndWales"));
    }
}
