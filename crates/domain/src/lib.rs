//! Learnloop's domain: plain types and the rules of the product.
//!
//! No IO, no async, no database or HTTP types live here. Each module is a product area
//! (SPEC.md §3) and carries the rules the other layers call rather than re-derive.

pub mod accounts;
pub mod actions;
pub mod assurance;
pub mod audits;
pub mod child_deaths;
pub mod clocks;
pub mod dates;
pub mod files;
pub mod governance;
pub mod inspections;
pub mod performance;
pub mod policy;
pub mod recommendations;
pub mod retention;
pub mod returns;
pub mod reviews;
pub mod section11;
pub mod sources;
pub mod sso;
pub mod stored;
pub mod text;
pub mod themes;
pub mod training;
pub mod voice;
