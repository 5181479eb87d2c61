//! Documents made from view models, with no browser and no database: each format has one
//! module. iCalendar (RFC 5545) feeds of meetings and CSV tables now; the reports bring PDF,
//! DOCX and XLSX.

pub mod ical;
pub mod table;
