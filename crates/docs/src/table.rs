//! Tables for spreadsheets. Any cell a spreadsheet would read as a formula (starting with
//! `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading apostrophe, so an
//! export can never run code in the program that opens it.

/// A table as CSV text (RFC 4180), with a header row.
pub fn csv(headers: &[&str], rows: &[Vec<String>]) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(headers).map_err(|e| e.to_string())?;
    for r in rows {
        w.write_record(r.iter().map(|c| neutralise(c)))
            .map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// A cell made safe to open in a spreadsheet.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_commas_quoted() {
        let out = csv(
            &["A", "B"],
            &[
                vec!["=HYPERLINK(\"x\")".into(), "one, two".into()],
                vec!["-5".into(), "plain".into()],
            ],
        )
        .unwrap();
        assert_eq!(
            out,
            "A,B\n\"'=HYPERLINK(\"\"x\"\")\",\"one, two\"\n'-5,plain\n"
        );
    }
}

/// A table as an XLSX workbook with one sheet: a bold header row, frozen, with filters and
/// widths fitted to the text. Every cell is written as text, never as a formula.
pub fn xlsx(sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(|e| e.to_string())?;
    let bold = Format::new().set_bold();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for (c, h) in headers.iter().enumerate() {
        let col = u16::try_from(c).map_err(|e| e.to_string())?;
        ws.write_string_with_format(0, col, *h, &bold)
            .map_err(|e| e.to_string())?;
    }
    for (r, row) in rows.iter().enumerate() {
        let line = u32::try_from(r + 1).map_err(|e| e.to_string())?;
        for (c, cell) in row.iter().enumerate() {
            let col = u16::try_from(c).map_err(|e| e.to_string())?;
            ws.write_string(line, col, cell)
                .map_err(|e| e.to_string())?;
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(cell.chars().count().min(60));
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        let col = u16::try_from(c).map_err(|e| e.to_string())?;
        #[allow(clippy::cast_precision_loss)]
        ws.set_column_width(col, (*w as f64) + 2.0)
            .map_err(|e| e.to_string())?;
    }
    if !headers.is_empty() {
        let last_col = u16::try_from(headers.len() - 1).map_err(|e| e.to_string())?;
        let last_row = u32::try_from(rows.len()).map_err(|e| e.to_string())?;
        ws.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
        ws.autofilter(0, 0, last_row, last_col)
            .map_err(|e| e.to_string())?;
    }
    book.save_to_buffer().map_err(|e| e.to_string())
}

#[cfg(test)]
mod xlsx_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use calamine::{Reader, Xlsx};

    #[test]
    fn a_workbook_reads_back_as_text_with_formulas_left_as_text() {
        let bytes = xlsx(
            "Cases",
            &["Case", "Note"],
            &[vec!["2026-001".into(), "=1+1".into()]],
        )
        .unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("Cases").unwrap();
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(ToString::to_string).collect())
            .collect();
        assert_eq!(rows[0], vec!["Case", "Note"]);
        assert_eq!(rows[1], vec!["2026-001", "=1+1"]);
        let formulas = book.worksheet_formula("Cases").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
    }
}

/// The most rows an imported table may have.
pub const MAX_IMPORT_ROWS: usize = 20_000;
/// The most columns an imported table may have (a plan has a dozen).
pub const MAX_IMPORT_COLUMNS: usize = 50;
/// The most characters in one cell.
pub const MAX_CELL_CHARS: usize = 10_000;
/// The most a workbook may unpack to, in all its parts.
pub const MAX_UNPACKED_BYTES: u64 = 32 * 1024 * 1024;
/// The most text read from a workbook's cells in all: a cell of shared text can be referred to
/// by every cell of the sheet, so the unpacked size alone does not bound it.
pub const MAX_TOTAL_CHARS: usize = 32 * 1024 * 1024;
/// The most parts a workbook may have.
const MAX_PARTS: usize = 500;

/// Reads the first sheet of an XLSX workbook, or a CSV file, as rows of text (the header row
/// first). Dates in a workbook come back as `YYYY-MM-DD`. Anything else is refused with a
/// message that says what to do.
///
/// Every limit is checked while reading, before anything grows: a workbook is unpacked with a
/// cap on its total size (a small file can unpack to gigabytes), then read cell by cell, so a
/// sheet that claims a million rows by a million columns costs nothing. CPU-bound: call it on
/// a blocking thread.
pub fn read(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    if bytes.is_empty() {
        return Err("The file is empty: choose the spreadsheet to import".into());
    }
    let rows = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)?
    } else {
        read_csv(bytes)?
    };
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .collect();
    if rows.len() > MAX_IMPORT_ROWS + 1 {
        return Err(too_many_rows());
    }
    if rows.is_empty() {
        return Err(
            "The file has no rows: it needs a header row and a row for each record under it".into(),
        );
    }
    Ok(rows)
}

fn too_many_rows() -> String {
    format!("The file has more than {MAX_IMPORT_ROWS} rows: split it into smaller files")
}

fn too_many_columns() -> String {
    format!(
        "The file has more than {MAX_IMPORT_COLUMNS} columns: keep only the columns to import and try again"
    )
}

fn cell_too_long() -> String {
    format!(
        "A cell of the file has more than {MAX_CELL_CHARS} characters: shorten it and try again"
    )
}

fn not_a_workbook() -> String {
    "The file is not an Excel workbook that can be read: save it as .xlsx or .csv and try again"
        .to_owned()
}

/// The workbook's parts unpacked, within [`MAX_UNPACKED_BYTES`] in all, and packed again
/// without compression, so that the reader that follows can unpack nothing larger.
fn unpack_within_limits(bytes: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::{Read, Write};
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| not_a_workbook())?;
    if zip.len() > MAX_PARTS {
        return Err(not_a_workbook());
    }
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut left = MAX_UNPACKED_BYTES;
    let mut buf = Vec::new();
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|_| not_a_workbook())?;
        if part.is_dir() {
            continue;
        }
        let name = part.name().map_err(|_| not_a_workbook())?.into_owned();
        buf.clear();
        // One byte over what is left tells a part that goes past the limit.
        let n = (&mut part)
            .take(left + 1)
            .read_to_end(&mut buf)
            .map_err(|_| not_a_workbook())?;
        if n as u64 > left {
            return Err(format!(
                "The workbook unpacks to more than {} MB: save the sheet to import alone in a new workbook and try again",
                MAX_UNPACKED_BYTES / (1024 * 1024)
            ));
        }
        left -= n as u64;
        out.start_file(name, stored).map_err(|_| not_a_workbook())?;
        out.write_all(&buf).map_err(|_| not_a_workbook())?;
    }
    Ok(out.finish().map_err(|_| not_a_workbook())?.into_inner())
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    use calamine::{Data, DataType, Reader, Xlsx};
    let unpacked = unpack_within_limits(bytes)?;
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(unpacked)).map_err(|_| not_a_workbook())?;
    let Some(first) = book.sheet_names().first().cloned() else {
        return Err(not_a_workbook());
    };
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|_| not_a_workbook())?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut total = 0usize;
    while let Some(cell) = cells.next_cell().map_err(|_| not_a_workbook())? {
        let (r, c) = cell.get_position();
        let (r, c) = (r as usize, c as usize);
        let v = Data::from(cell.get_value().clone());
        if v.is_empty() {
            continue;
        }
        if r > MAX_IMPORT_ROWS {
            return Err(too_many_rows());
        }
        if c >= MAX_IMPORT_COLUMNS {
            return Err(too_many_columns());
        }
        let text = match v {
            Data::DateTime(_) | Data::DateTimeIso(_) => v
                .as_date()
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| v.to_string()),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            _ => v.to_string(),
        };
        if text.chars().count() > MAX_CELL_CHARS {
            return Err(cell_too_long());
        }
        total += text.len();
        if total > MAX_TOTAL_CHARS {
            return Err(format!(
                "The workbook holds more than {} MB of text: split it into smaller files",
                MAX_TOTAL_CHARS / (1024 * 1024)
            ));
        }
        if rows.len() <= r {
            rows.resize_with(r + 1, Vec::new);
        }
        let row = &mut rows[r];
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        row[c] = text;
    }
    Ok(rows)
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let neither = || {
        "The file is neither an Excel workbook nor a CSV text file: save it as .xlsx or .csv and try again"
            .to_owned()
    };
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| neither())?;
    if text.contains('\0') {
        return Err(neither());
    }
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in r.records() {
        let rec =
            rec.map_err(|e| format!("The CSV file could not be read ({e}): check its quotes"))?;
        if rec.len() > MAX_IMPORT_COLUMNS {
            return Err(too_many_columns());
        }
        if rec.iter().any(|c| c.chars().count() > MAX_CELL_CHARS) {
            return Err(cell_too_long());
        }
        out.push(
            rec.iter()
                .map(|c| c.strip_prefix('\'').unwrap_or(c).to_owned())
                .collect(),
        );
        if out.len() > MAX_IMPORT_ROWS + 1 {
            return Err(too_many_rows());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod read_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_workbook_and_a_csv_read_back_the_same() {
        let rows = vec![
            vec!["Action".to_owned(), "Due date".to_owned()],
            vec!["Train staff".to_owned(), "2027-03-31".to_owned()],
        ];
        let x = xlsx("Plan", &["Action", "Due date"], &rows[1..]).unwrap();
        assert_eq!(read(&x).unwrap(), rows);
        let c = csv(&["Action", "Due date"], &rows[1..]).unwrap();
        assert_eq!(read(c.as_bytes()).unwrap(), rows);
    }

    #[test]
    fn bad_files_get_a_message_not_a_panic() {
        assert!(read(b"").unwrap_err().contains("empty"));
        assert!(
            read(b"PK\x03\x04garbage")
                .unwrap_err()
                .contains("not an Excel workbook")
        );
        assert!(
            read(&[0xff, 0xfe, 0x00, 0x41])
                .unwrap_err()
                .contains("neither")
        );
        assert!(read(b"\n\n").unwrap_err().contains("no rows"));
    }

    /// A workbook whose only cells are A1 and the sheet's last cell, XFD1048576: a reader that
    /// sizes a grid from the used range allocates 17 billion cells and the process aborts.
    pub(crate) fn corner_to_corner_workbook() -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        ws.write_string(0, 0, "Action").unwrap();
        ws.write_string(1_048_575, 16_383, "far away").unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn a_sheet_as_wide_and_tall_as_excel_allows_is_refused_by_its_limits() {
        let bytes = corner_to_corner_workbook();
        assert!(bytes.len() < 10_000);
        let e = read(&bytes).unwrap_err();
        assert!(e.contains("more than 20000 rows"), "{e}");
        // One row too wide.
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        ws.write_string(0, 0, "Action").unwrap();
        ws.write_string(0, 200, "far right").unwrap();
        let e = read(&book.save_to_buffer().unwrap()).unwrap_err();
        assert!(e.contains("more than 50 columns"), "{e}");
    }

    #[test]
    fn a_shared_text_referred_to_by_every_cell_is_refused_by_the_total_text_limit() {
        use rust_xlsxwriter::Workbook;
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        let big = "x".repeat(9_000);
        for r in 0..4_000u32 {
            for c in 0..20u16 {
                ws.write_string(r, c, &big).unwrap();
            }
        }
        let bytes = book.save_to_buffer().unwrap();
        assert!(bytes.len() < 2_000_000, "{}", bytes.len());
        let err = read(&bytes).unwrap_err();
        assert!(err.contains("MB of text"), "{err}");
    }

    #[test]
    fn a_workbook_that_unpacks_to_more_than_the_limit_is_refused() {
        use std::io::Write;
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        out.start_file("xl/sharedStrings.xml", deflated).unwrap();
        let zeros = vec![b' '; 1024 * 1024];
        for _ in 0..40 {
            out.write_all(&zeros).unwrap();
        }
        let bytes = out.finish().unwrap().into_inner();
        assert!(bytes.len() < 200_000, "{}", bytes.len());
        let e = read(&bytes).unwrap_err();
        assert!(e.contains("unpacks to more than 32 MB"), "{e}");
    }

    #[test]
    fn a_csv_with_too_many_columns_or_a_huge_cell_is_refused() {
        let wide = vec!["x"; 60].join(",");
        assert!(read(wide.as_bytes()).unwrap_err().contains("columns"));
        let long = format!("Action\n{}\n", "y".repeat(MAX_CELL_CHARS + 1));
        assert!(read(long.as_bytes()).unwrap_err().contains("characters"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        /// Any bytes at all: an answer, never a panic.
        #[test]
        fn any_bytes_get_rows_or_a_message(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2000)) {
            let _ = read(&bytes);
            let mut zipped = b"PK\x03\x04".to_vec();
            zipped.extend_from_slice(&bytes);
            let _ = read(&zipped);
        }
    }
}
