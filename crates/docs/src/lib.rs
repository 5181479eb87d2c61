//! Documents made from view models, with no browser and no database: each format has one
//! module. iCalendar (RFC 5545) feeds of meetings now; the reports bring PDF, DOCX, XLSX, CSV.

pub mod ical;
