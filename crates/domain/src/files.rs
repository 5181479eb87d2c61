//! What may be uploaded: documents only, up to a size, and the bytes must be what the name
//! says (a renamed program is refused). Uploads are always served back as attachments.

/// The largest file a person may upload.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

/// (extension, content type, how the file starts)
const KINDS: [(&str, &str, Magic); 10] = [
    ("pdf", "application/pdf", Magic::Pdf),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Magic::Zip,
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Magic::Zip,
    ),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        Magic::Zip,
    ),
    ("odt", "application/vnd.oasis.opendocument.text", Magic::Zip),
    (
        "ods",
        "application/vnd.oasis.opendocument.spreadsheet",
        Magic::Zip,
    ),
    ("doc", "application/msword", Magic::Ole),
    ("xls", "application/vnd.ms-excel", Magic::Ole),
    ("txt", "text/plain; charset=utf-8", Magic::Text),
    ("csv", "text/csv; charset=utf-8", Magic::Text),
];

#[derive(Clone, Copy)]
enum Magic {
    Pdf,
    Zip,
    Ole,
    Text,
}

impl Magic {
    fn matches(self, b: &[u8]) -> bool {
        match self {
            Magic::Pdf => b.starts_with(b"%PDF-"),
            Magic::Zip => b.starts_with(b"PK\x03\x04"),
            Magic::Ole => b.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]),
            Magic::Text => std::str::from_utf8(b).is_ok() && !b.contains(&0),
        }
    }
}

/// Checks an upload; returns its content type, or a message saying what to do.
pub fn check_upload(name: &str, bytes: &[u8]) -> Result<&'static str, String> {
    if name.trim().is_empty() || bytes.is_empty() {
        return Err("Choose a file to upload".to_owned());
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err("The file must be smaller than 20 MB".to_owned());
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some((_, ct, magic)) = KINDS.iter().find(|(e, _, _)| *e == ext) else {
        return Err(
            "The file must be a PDF, Word, Excel, PowerPoint, OpenDocument, text or CSV file"
                .to_owned(),
        );
    };
    if !magic.matches(bytes) {
        return Err(format!(
            "The file is not a real .{ext} file. Check it opens, then upload it again"
        ));
    }
    Ok(ct)
}

/// A file name safe to send back: no path, no control or quote characters.
pub fn safe_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(200)
        .collect();
    if cleaned.trim().is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}

/// A file's size as people read it: "840 bytes", "12 KB", "3.4 MB".
pub fn human_size(bytes: i64) -> String {
    const KB: i64 = 1024;
    const MB: i64 = 1024 * 1024;
    match bytes {
        b if b < KB => format!("{} bytes", b.max(0)),
        b if b < MB => format!("{} KB", (b + KB / 2) / KB),
        b => format!("{}.{} MB", b / MB, (b % MB) * 10 / MB),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_size(840), "840 bytes");
        assert_eq!(human_size(12 * 1024), "12 KB");
        assert_eq!(human_size(3 * 1024 * 1024 + 400 * 1024), "3.3 MB");
        assert_eq!(human_size(-1), "0 bytes");
    }

    #[test]
    fn documents_are_accepted_by_what_they_contain() {
        assert_eq!(
            check_upload("Paper.PDF", b"%PDF-1.7 ..."),
            Ok("application/pdf")
        );
        assert!(check_upload("minutes.docx", b"PK\x03\x04rest").is_ok());
        assert!(check_upload("notes.txt", "Plain words".as_bytes()).is_ok());
    }

    #[test]
    fn other_files_are_refused_with_a_reason() {
        assert!(
            check_upload("tool.exe", b"MZ")
                .unwrap_err()
                .contains("must be a PDF")
        );
        assert!(
            check_upload("fake.pdf", b"MZ\x90\x00")
                .unwrap_err()
                .contains("not a real .pdf file")
        );
        assert_eq!(
            check_upload("", b""),
            Err("Choose a file to upload".to_owned())
        );
        assert!(
            check_upload("big.txt", &vec![b'a'; MAX_UPLOAD_BYTES + 1])
                .unwrap_err()
                .contains("smaller than 20 MB")
        );
    }

    #[test]
    fn names_lose_paths_and_quotes() {
        assert_eq!(
            safe_name("C:\\Users\\x\\Paper \"final\".pdf"),
            "Paper final.pdf"
        );
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
    }
}
