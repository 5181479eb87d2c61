//! Statutory and local clocks (SPEC.md §4): the working-day calendar, the rules and the status of
//! each clock.
//!
//! Deadlines such as "notify the Panel within 5 working days" slip when people count by hand, so
//! the product computes them here, once, for every layer to call:
//! - `holidays`: which days are bank holidays, by rule and royal proclamation, per jurisdiction;
//! - `calendar`: the [`Calendar`] value (holidays plus an installation's edits) and working-day
//!   and month arithmetic, precomputed for 1990..=2100 and correct beyond;
//! - `rules`: [`ClockRule`] data, due dates, and the rules every installation is seeded with;
//! - `status`: [`evaluate`] a clock on a day into a [`ClockState`] users can read.
//!
//! Due dates are computed on read from a record's events, never stored, so an edit to the
//! holiday list moves every open deadline at once.

mod calendar;
mod holidays;
mod rules;
mod status;

#[cfg(test)]
mod tests_official_list;
#[cfg(test)]
mod tests_properties;

pub use calendar::{
    Calendar, Holiday, HolidayEdit, HolidayEditKind, PRECOMPUTED_FIRST_YEAR, PRECOMPUTED_LAST_YEAR,
    add_months,
};
pub use holidays::Jurisdiction;
pub use rules::{ClockRule, Direction, Unit, seeded_rules};
pub use status::{ClockState, ClockStatus, evaluate};
