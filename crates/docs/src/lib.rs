//! Documents made from view models, with no browser and no database: each format has one
//! module. iCalendar (RFC 5545) feeds of meetings, CSV and XLSX tables, SVG charts; the reports
//! bring PDF and DOCX.

pub mod chart;
pub mod ical;
pub mod table;
