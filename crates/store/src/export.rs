//! A partnership's own data in one archive, for a partnership leaving the service: every table
//! that holds its records as a CSV file (its rows only), the files it uploaded, and a README
//! naming each table's columns and their types. Secrets are left out: sessions, sign-in
//! tokens, password and second-factor secrets, and the hashes of links sent by mail.

use std::io::{Seek, Write};
use std::path::Path;

use crate::files::FileStore;
use crate::{Db, Engine, StoreError, query};

/// Tables never exported: sign-in state, mail waiting, the installation's own records.
const SKIP_TABLES: &[&str] = &[
    "_sqlx_migrations",
    "session",
    "one_time_token",
    "recovery_code",
    "login_throttle",
    "outbox",
    "holiday_change",
    "sso_sign_in",
];

/// Columns never exported: secrets, and the hashes of secrets sent by mail.
const SKIP_COLUMNS: &[&str] = &[
    "password_hash",
    "totp_sealed",
    "totp_last_step",
    "token_hash",
    "code_hash",
    "offer_hash",
    "link_hash",
    // A mailed link's secret is made from this with the installation's key.
    "link_nonce",
    // A provider's client secret, sealed with the installation's key.
    "client_secret_sealed",
];

fn fail(what: impl std::fmt::Display) -> StoreError {
    StoreError::Failed(what.to_string())
}

/// A name from the schema that can go into a statement as it is.
fn plain(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Every table with its columns and their types, in order.
async fn schema(db: &Db) -> Result<Vec<(String, Vec<(String, String)>)>, StoreError> {
    let cols: Vec<(String, String, String)> = match db.engine() {
        Engine::Sqlite => {
            db.fetch_all_fresh(query(
                "SELECT m.name, p.name, p.type FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid",
            ))
            .await?
        }
        Engine::Postgres => {
            db.fetch_all_fresh(query(
                "SELECT c.table_name::text, c.column_name::text, c.data_type::text \
                 FROM information_schema.columns c JOIN information_schema.tables t \
                 ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
                 WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
                 ORDER BY c.table_name, c.ordinal_position",
            ))
            .await?
        }
    };
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for (t, c, ty) in cols {
        match out.last_mut() {
            Some((name, list)) if *name == t => list.push((c, ty.to_lowercase())),
            _ => out.push((t, vec![(c, ty.to_lowercase())])),
        }
    }
    Ok(out)
}

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    pub tables: usize,
    pub rows: usize,
    pub files: usize,
}

/// Writes the partnership's archive to `to`, a new file only its owner may read (through a
/// file beside it, renamed when whole).
pub async fn partnership(
    db: &Db,
    files: &FileStore,
    pid: &str,
    to: &Path,
) -> Result<Summary, StoreError> {
    let partial = crate::backup::partial_of(to);
    let out = crate::backup::private_file(&partial)?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(out));
    let written = write(db, files, pid, &mut zip).await;
    let finished = written.and_then(|s| {
        let mut w = zip.finish().map_err(fail)?;
        w.flush().map_err(fail)?;
        Ok(s)
    });
    match finished {
        Ok(s) => {
            std::fs::rename(&partial, to).map_err(|e| {
                let _ = std::fs::remove_file(&partial);
                fail(format!("{}: {e}", to.display()))
            })?;
            Ok(s)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// Writes the partnership's archive into `out` as it is made, with no file on disk: for a
/// download. Runs on a blocking thread (the zip is written synchronously), reading the
/// database through `handle`; stops with an error as soon as `out` refuses more (the
/// download was abandoned).
pub fn partnership_to(
    handle: &tokio::runtime::Handle,
    db: &Db,
    files: &FileStore,
    pid: &str,
    out: impl Write,
) -> Result<Summary, StoreError> {
    let mut zip = zip::ZipWriter::new_stream(out);
    let s = handle.block_on(write(db, files, pid, &mut zip))?;
    zip.finish().map_err(fail)?.flush().map_err(fail)?;
    Ok(s)
}

async fn write<W: Write + Seek>(
    db: &Db,
    files: &FileStore,
    pid: &str,
    zip: &mut zip::ZipWriter<W>,
) -> Result<Summary, StoreError> {
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let mut readme = String::from(
        "This archive holds one partnership's records from Learnloop.\n\n\
         tables/  one CSV file per table: the partnership's rows, a header row of column names,\n\
         \x20        UTF-8, comma-separated, quoted where needed; empty means no value.\n\
         files/   the files it uploaded, under the storage key the file_object table names.\n\n\
         Cells are exactly as they were typed: a spreadsheet may read a cell that starts with\n\
         =, +, - or @ as a formula, so import the files as text rather than opening them.\n\n\
         Left out: sign-in sessions and tokens, password and second-factor secrets, the hashes\n\
         of links sent by mail, and mail waiting to be sent.\n\n\
         The audit trail (tables/audit_event.csv) is the partnership's entries of a trail that\n\
         is chained across the whole installation: each entry's hash covers the one before it,\n\
         which may be another partnership's.\n\n\
         Tables and their columns (name: type)\n\
         --------------------------------------\n",
    );
    let (mut tables, mut rows) = (0usize, 0usize);
    let mut storage_keys: Vec<String> = Vec::new();
    for (table, columns) in schema(db).await? {
        if SKIP_TABLES.contains(&table.as_str()) || !plain(&table) {
            continue;
        }
        let cols: Vec<&(String, String)> = columns
            .iter()
            .filter(|(c, _)| !SKIP_COLUMNS.contains(&c.as_str()) && plain(c))
            .collect();
        let scope = if table == "partnership" {
            "id = ?"
        } else if table == "audit_content" {
            // The values of the partnership's own audit entries (beside the chain).
            "seq IN (SELECT seq FROM audit_event WHERE partnership_id = ?)"
        } else if table == "person" {
            "id IN (SELECT person_id FROM membership WHERE partnership_id = ?)"
        } else if columns.iter().any(|(c, _)| c == "partnership_id") {
            "partnership_id = ?"
        } else {
            continue;
        };
        // Each row as one JSON array of its values, so any table reads through one shape.
        let names: Vec<&str> = cols.iter().map(|(c, _)| c.as_str()).collect();
        // Quoted, so a column named like a keyword (`order`, `end`) reads as a name.
        let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
        let array = match db.engine() {
            Engine::Sqlite => format!("json_array({})", quoted.join(", ")),
            Engine::Postgres => format!("json_build_array({})::text", quoted.join(", ")),
        };
        let got: Vec<(String,)> = db
            .fetch_all_fresh(
                crate::db::query_schema(format!(
                    "SELECT {array} FROM \"{table}\" WHERE {scope} ORDER BY 1"
                ))
                .bind(pid),
            )
            .await?;
        let mut csv = csv::Writer::from_writer(Vec::new());
        csv.write_record(&names).map_err(fail)?;
        let key_at = names.iter().position(|n| *n == "storage_key");
        for (json,) in &got {
            let values: Vec<serde_json::Value> = serde_json::from_str(json).map_err(fail)?;
            let cells: Vec<String> = values
                .iter()
                .map(|v| match v {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            if table == "file_object"
                && let Some(k) = key_at.and_then(|i| cells.get(i))
                && !k.is_empty()
            {
                storage_keys.push(k.clone());
            }
            csv.write_record(&cells).map_err(fail)?;
        }
        let bytes = csv.into_inner().map_err(fail)?;
        zip.start_file(format!("tables/{table}.csv"), opts)
            .map_err(fail)?;
        zip.write_all(&bytes).map_err(fail)?;
        readme.push_str(&format!(
            "\n{table} ({} rows)\n{}\n",
            got.len(),
            cols.iter()
                .map(|(c, t)| format!("  {c}: {t}"))
                .collect::<Vec<_>>()
                .join("\n")
        ));
        tables += 1;
        rows += got.len();
    }
    // Several records may keep the same stored bytes: each once.
    storage_keys.sort();
    storage_keys.dedup();
    let mut n_files = 0usize;
    for key in storage_keys {
        if let Some(bytes) = files.get_opt(&key).await? {
            zip.start_file(format!("files/{key}"), opts).map_err(fail)?;
            zip.write_all(&bytes).map_err(fail)?;
            n_files += 1;
        }
    }
    zip.start_file("README.txt", opts).map_err(fail)?;
    zip.write_all(readme.as_bytes()).map_err(fail)?;
    Ok(Summary {
        tables,
        rows,
        files: n_files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_schema_names_go_into_a_statement() {
        assert!(plain("action_update"));
        assert!(!plain("x; DROP TABLE person"));
        assert!(!plain("\"quoted\""));
        assert!(!plain(""));
    }
}
