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
