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

/// Reads the first sheet of an XLSX workbook, or a CSV file, as rows of text (the header row
/// first). Dates in a workbook come back as `YYYY-MM-DD`. Anything else is refused with a
/// message that says what to do.
pub fn read(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    if bytes.is_empty() {
        return Err("The file is empty: choose the spreadsheet with the action plan".into());
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
        return Err(format!(
            "The file has more than {MAX_IMPORT_ROWS} rows: split it into smaller files"
        ));
    }
    if rows.is_empty() {
        return Err("The file has no rows: it needs a header row and one row per action".into());
    }
    Ok(rows)
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    use calamine::{Data, DataType, Reader, Xlsx};
    let not_a_workbook = || {
        "The file is not an Excel workbook that can be read: save it as .xlsx or .csv and try again"
            .to_owned()
    };
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes.to_vec())).map_err(|_| not_a_workbook())?;
    let Some(first) = book.sheet_names().first().cloned() else {
        return Err(not_a_workbook());
    };
    let range = book.worksheet_range(&first).map_err(|_| not_a_workbook())?;
    Ok(range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::DateTime(_) | Data::DateTimeIso(_) => c
                        .as_date()
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_else(|| c.to_string()),
                    Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
                    _ => c.to_string(),
                })
                .collect()
        })
        .collect())
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(
        |_| {
            "The file is neither an Excel workbook nor a CSV text file: save it as .xlsx or .csv and try again"
                .to_owned()
        },
    )?;
    if text.contains('\0') {
        return Err(
            "The file is neither an Excel workbook nor a CSV text file: save it as .xlsx or .csv and try again"
                .into(),
        );
    }
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in r.records() {
        let rec =
            rec.map_err(|e| format!("The CSV file could not be read ({e}): check its quotes"))?;
        out.push(
            rec.iter()
                .map(|c| c.strip_prefix('\'').unwrap_or(c).to_owned())
                .collect(),
        );
        if out.len() > MAX_IMPORT_ROWS + 1 {
            break;
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
}
