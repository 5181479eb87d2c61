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
