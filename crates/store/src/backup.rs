//! Backup and restore: one archive (a zip file) holding a consistent snapshot of the database,
//! every file of the file store, and a manifest naming each part with its size and SHA-256.
//!
//! The snapshot is taken while the server runs: SQLite's `VACUUM INTO` (one read transaction,
//! so one moment of the database), or on PostgreSQL the server's own `pg_dump` (one
//! repeatable-read snapshot). The audit trail's anchor is read *before* the snapshot, so the
//! restored trail always reaches it (it may go further); the other files are copied after, so
//! every file the snapshot names is there (files are written before the rows that name them).
//! A restore fills an empty database and an empty file store, and only after every part's
//! checksum has been checked.

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::files::FileStore;
use crate::{Db, Engine, StoreError, query};

/// The archive's format: a restore refuses others.
const FORMAT: u32 = 1;
const MANIFEST: &str = "manifest.json";
const FILES: &str = "files/";

/// One part of the archive.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

/// What the archive holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// `sqlite` or `postgres`: a backup is restored into the same engine.
    pub engine: String,
    pub created_at: String,
    pub learnloop_version: String,
    /// The audit trail's last entry in the snapshot.
    pub audit_entries: i64,
    pub database: Part,
    pub files: Vec<Part>,
}

fn fail(what: impl std::fmt::Display) -> StoreError {
    StoreError::Failed(what.to_string())
}

/// A new file only its owner may read or write (a backup, an export, a database copy hold every
/// restricted record). Refuses to replace a file already there.
pub(crate) fn private_file(path: &Path) -> Result<std::fs::File, StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| fail(format!("{}: {e}", path.display())))
}

/// Where an archive is written until it is whole: beside it, under a name no one else uses.
pub(crate) fn partial_of(to: &Path) -> PathBuf {
    let mut name = to.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.partial", uuid::Uuid::now_v7().simple()));
    to.with_file_name(name)
}

/// A folder only its owner may enter, removed with everything in it when dropped: where a
/// snapshot or a dump waits while it is copied.
struct PrivateDir(PathBuf);

impl PrivateDir {
    fn new(parent: &Path) -> Result<PrivateDir, StoreError> {
        use std::os::unix::fs::DirBuilderExt;
        let path = parent.join(format!(".learnloop-{}", uuid::Uuid::now_v7().simple()));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .map_err(|e| fail(format!("{}: {e}", path.display())))?;
        Ok(PrivateDir(path))
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn engine_name(e: Engine) -> &'static str {
    match e {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    }
}

/// A PostgreSQL tool shipped with the server (`pg_dump`, `pg_restore`): on the PATH, or the
/// newest under /usr/lib/postgresql.
fn pg_tool(name: &str) -> Result<PathBuf, StoreError> {
    if std::process::Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return Ok(PathBuf::from(name));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|d| {
            let v: u32 = d.file_name().to_string_lossy().parse().ok()?;
            let p = d.path().join("bin").join(name);
            p.exists().then_some((v, p))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, p)| p).ok_or_else(|| {
        fail(format!(
            "{name} was not found: install the PostgreSQL client tools of the server's version"
        ))
    })
}

/// The URL without its password, and the password (given to the tool in its environment, so it
/// never shows in the list of processes).
fn split_password(url: &str) -> Result<(String, Option<String>), StoreError> {
    let mut u = url::Url::parse(url).map_err(|e| fail(format!("--database-url: {e}")))?;
    let password = u.password().map(percent_decode);
    let _ = u.set_password(None);
    Ok((u.to_string(), password))
}

/// `%XX` read back to its byte (a URL's password is percent-encoded; `+` stays `+`).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn run_tool(tool: &Path, args: &[&str], password: Option<&str>) -> Result<(), StoreError> {
    let mut c = std::process::Command::new(tool);
    c.args(args);
    if let Some(p) = password {
        c.env("PGPASSWORD", p);
    }
    let out = c
        .output()
        .map_err(|e| fail(format!("{}: {e}", tool.display())))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(fail(format!(
            "{} failed: {}",
            tool.file_name().unwrap_or_default().to_string_lossy(),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Copies a reader into the archive under a name, returning its part.
fn add_part<W: Write + Seek>(
    zip: &mut zip::ZipWriter<W>,
    name: &str,
    mut from: impl Read,
) -> Result<Part, StoreError> {
    // pg_dump's custom format is compressed already: deflating it again only costs time.
    let method = if name.ends_with(".pgdump") {
        zip::CompressionMethod::Stored
    } else {
        zip::CompressionMethod::Deflated
    };
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(method)
        .large_file(true);
    zip.start_file(name, opts).map_err(fail)?;
    let mut hash = Sha256::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = from.read(&mut buf).map_err(fail)?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
        zip.write_all(&buf[..n]).map_err(fail)?;
        size += n as u64;
    }
    Ok(Part {
        name: name.to_owned(),
        size,
        sha256: hex::encode(hash.finalize()),
    })
}

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    pub engine: String,
    pub database_bytes: u64,
    pub files: usize,
    pub audit_entries: i64,
}

/// Writes the archive to `to` (through a file beside it, renamed when complete, so a backup
/// that fails half-way leaves no archive that looks whole).
pub async fn backup(
    db: &Db,
    url: &str,
    files: &FileStore,
    to: &Path,
) -> Result<Summary, StoreError> {
    let partial = partial_of(to);
    let result = write_backup(db, url, files, to, &partial).await;
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

async fn write_backup(
    db: &Db,
    url: &str,
    files: &FileStore,
    to: &Path,
    partial: &Path,
) -> Result<Summary, StoreError> {
    let engine = db.engine();
    // The anchor first: the snapshot taken after it holds at least the entries it names.
    let anchor = files.get_opt(crate::audit::ANCHOR_KEY).await?;
    let dir = to
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let private = PrivateDir::new(dir)?;
    let snapshot = private.join("snapshot");
    take_snapshot(db, url, engine, &snapshot).await?;
    let audit_entries = last_entry(engine, &snapshot).await?;
    let summary = write_archive(files, partial, &snapshot, anchor, (engine, audit_entries)).await?;
    drop(private);
    std::fs::rename(partial, to).map_err(|e| fail(format!("{}: {e}", to.display())))?;
    Ok(summary)
}

async fn take_snapshot(
    db: &Db,
    url: &str,
    engine: Engine,
    snapshot: &Path,
) -> Result<(), StoreError> {
    match engine {
        Engine::Sqlite => {
            let path = snapshot.to_string_lossy().into_owned();
            db.execute(query("VACUUM INTO ?").bind(path.as_str()))
                .await?;
            Ok(())
        }
        Engine::Postgres => {
            let tool = pg_tool("pg_dump")?;
            let (url, password) = split_password(url)?;
            let out = snapshot.to_string_lossy().into_owned();
            tokio::task::spawn_blocking(move || {
                run_tool(
                    &tool,
                    &[
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        "--file",
                        &out,
                        "--dbname",
                        &url,
                    ],
                    password.as_deref(),
                )
            })
            .await
            .map_err(fail)?
        }
    }
}

/// The audit trail's last entry in the snapshot (SQLite: read from the copy itself; PostgreSQL:
/// the dump is not readable here, so the manifest says 0 and the restore counts).
async fn last_entry(engine: Engine, snapshot: &Path) -> Result<i64, StoreError> {
    match engine {
        Engine::Sqlite => {
            use sqlx::Connection;
            // Read-only and as it is: opening it as the server does would turn it to WAL.
            let opts = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(snapshot)
                .read_only(true);
            let mut c = sqlx::SqliteConnection::connect_with(&opts).await?;
            let (n,): (Option<i64>,) = sqlx::query_as("SELECT MAX(seq) FROM audit_event")
                .fetch_one(&mut c)
                .await?;
            c.close().await?;
            Ok(n.unwrap_or(0))
        }
        Engine::Postgres => Ok(0),
    }
}

async fn write_archive(
    files: &FileStore,
    partial: &Path,
    snapshot: &Path,
    anchor: Option<bytes::Bytes>,
    (engine, audit_entries): (Engine, i64),
) -> Result<Summary, StoreError> {
    let out = private_file(partial)?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(out));
    let db_name = match engine {
        Engine::Sqlite => "database.sqlite",
        Engine::Postgres => "database.pgdump",
    };
    let database = add_part(
        &mut zip,
        db_name,
        std::fs::File::open(snapshot).map_err(fail)?,
    )?;
    let mut parts = Vec::new();
    if let Some(a) = anchor {
        parts.push(add_part(
            &mut zip,
            &format!("{FILES}{}", crate::audit::ANCHOR_KEY),
            &a[..],
        )?);
    }
    for key in files.keys().await? {
        if key == crate::audit::ANCHOR_KEY {
            continue;
        }
        // A file deleted since it was listed (a replaced import sheet) is left out.
        let Some(bytes) = files.get_opt(&key).await? else {
            continue;
        };
        parts.push(add_part(&mut zip, &format!("{FILES}{key}"), &bytes[..])?);
    }
    let manifest = Manifest {
        format: FORMAT,
        engine: engine_name(engine).to_owned(),
        created_at: crate::ts(chrono::Utc::now()),
        learnloop_version: env!("CARGO_PKG_VERSION").to_owned(),
        audit_entries,
        database: database.clone(),
        files: parts,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(fail)?;
    zip.start_file(MANIFEST, zip::write::SimpleFileOptions::default())
        .map_err(fail)?;
    zip.write_all(&json).map_err(fail)?;
    let mut w = zip.finish().map_err(fail)?;
    w.flush().map_err(fail)?;
    w.get_ref().sync_all().map_err(fail)?;
    Ok(Summary {
        engine: manifest.engine,
        database_bytes: database.size,
        files: manifest.files.len(),
        audit_entries,
    })
}

/// Reads the manifest and checks every part against it: each listed part is there with its
/// size and checksum, and nothing else is.
fn check_archive<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Result<Manifest, StoreError> {
    let manifest: Manifest = {
        let mut m = zip
            .by_name(MANIFEST)
            .map_err(|_| fail("This is not a Learnloop backup: it has no manifest"))?;
        let mut s = Vec::new();
        m.by_ref()
            .take(16 << 20)
            .read_to_end(&mut s)
            .map_err(fail)?;
        serde_json::from_slice(&s)
            .map_err(|e| fail(format!("The backup's manifest cannot be read: {e}")))?
    };
    if manifest.format != FORMAT {
        return Err(fail(format!(
            "The backup is in format {}, this Learnloop reads format {FORMAT}",
            manifest.format
        )));
    }
    let listed: Vec<&Part> = std::iter::once(&manifest.database)
        .chain(manifest.files.iter())
        .collect();
    for part in &listed {
        let mut entry = zip
            .by_name(&part.name)
            .map_err(|_| fail(format!("The backup has lost {}", part.name)))?;
        let mut hash = Sha256::new();
        let mut size = 0u64;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = entry
                .read(&mut buf)
                .map_err(|e| fail(format!("{}: {e}", part.name)))?;
            if n == 0 {
                break;
            }
            hash.update(&buf[..n]);
            size += n as u64;
        }
        if size != part.size || hex::encode(hash.finalize()) != part.sha256 {
            return Err(fail(format!(
                "{} does not match its checksum: the backup is damaged",
                part.name
            )));
        }
    }
    if zip.len() != listed.len() + 1 {
        return Err(fail("The backup holds parts its manifest does not list"));
    }
    Ok(manifest)
}

/// Checks an archive without restoring it.
pub fn verify(from: &Path) -> Result<Manifest, StoreError> {
    let f = std::fs::File::open(from).map_err(|e| fail(format!("{}: {e}", from.display())))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(f))
        .map_err(|e| fail(format!("This is not a Learnloop backup: {e}")))?;
    check_archive(&mut zip)
}

/// Fills an empty database and an empty file store from the archive, after checking every
/// part. Refuses a database or file store that holds anything.
pub async fn restore(url: &str, files: &FileStore, from: &Path) -> Result<Summary, StoreError> {
    let f = std::fs::File::open(from).map_err(|e| fail(format!("{}: {e}", from.display())))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(f))
        .map_err(|e| fail(format!("This is not a Learnloop backup: {e}")))?;
    let manifest = check_archive(&mut zip)?;
    let is_pg = url.starts_with("postgres://") || url.starts_with("postgresql://");
    let target = if is_pg { "postgres" } else { "sqlite" };
    if manifest.engine != target {
        return Err(fail(format!(
            "This backup is of a {} database: restore it into one ({target} given)",
            manifest.engine
        )));
    }
    if !files.keys().await?.is_empty() {
        return Err(fail(
            "The file store is not empty: restore into an empty folder or bucket",
        ));
    }
    let mut db_part = zip.by_name(&manifest.database.name).map_err(fail)?;
    if is_pg {
        let db = Db::connect(url).await?;
        let (n,): (i64,) = db
            .fetch_one(query(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
            ))
            .await?;
        if n > 0 {
            return Err(fail(
                "The database is not empty: restore into a new, empty database",
            ));
        }
        drop(db);
        let tool = pg_tool("pg_restore")?;
        let (plain, password) = split_password(url)?;
        let private = PrivateDir::new(&std::env::temp_dir())?;
        let dump = private.join("database.pgdump");
        let mut out = private_file(&dump)?;
        std::io::copy(&mut db_part, &mut out).map_err(fail)?;
        drop(out);
        let path = dump.to_string_lossy().into_owned();
        tokio::task::spawn_blocking(move || {
            run_tool(
                &tool,
                &[
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    "--dbname",
                    &plain,
                    &path,
                ],
                password.as_deref(),
            )
        })
        .await
        .map_err(fail)??;
        drop(private);
    } else {
        let opts: sqlx::sqlite::SqliteConnectOptions = url
            .parse()
            .map_err(|e| fail(format!("--database-url: {e}")))?;
        let path = opts.get_filename().to_path_buf();
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > 0) {
            return Err(fail(format!(
                "{} already exists: restore into a new database file",
                path.display()
            )));
        }
        for extra in ["-wal", "-shm"] {
            let mut p = path.clone().into_os_string();
            p.push(extra);
            if std::path::Path::new(&p).exists() {
                return Err(fail(format!(
                    "{} is there beside the database file: remove it first",
                    std::path::Path::new(&p).display()
                )));
            }
        }
        let partial = path.with_extension("restoring");
        let mut out = private_file(&partial)?;
        let copied = std::io::copy(&mut db_part, &mut out)
            .and_then(|_| out.sync_all())
            .and_then(|()| std::fs::rename(&partial, &path));
        if let Err(e) = copied {
            let _ = std::fs::remove_file(&partial);
            return Err(fail(format!("{}: {e}", path.display())));
        }
    }
    drop(db_part);
    for part in &manifest.files {
        let Some(key) = part.name.strip_prefix(FILES) else {
            return Err(fail(format!(
                "{} is not a file of the file store",
                part.name
            )));
        };
        let mut bytes = Vec::with_capacity(usize::try_from(part.size).unwrap_or(0));
        zip.by_name(&part.name)
            .map_err(fail)?
            .read_to_end(&mut bytes)
            .map_err(fail)?;
        files.put(key, bytes.into()).await?;
    }
    let db = Db::connect(url).await?;
    let (entries,): (Option<i64>,) = db
        .fetch_one(query("SELECT MAX(seq) FROM audit_event"))
        .await?;
    Ok(Summary {
        engine: manifest.engine,
        database_bytes: manifest.database.size,
        files: manifest.files.len(),
        audit_entries: entries.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_password_goes_to_the_environment_not_the_command_line() {
        let (url, p) = split_password("postgres://app:s%40cret@db:5432/learnloop").unwrap();
        assert_eq!(url, "postgres://app@db:5432/learnloop");
        assert_eq!(p.as_deref(), Some("s@cret"));
        let (_, none) = split_password("postgres://app@db/learnloop").unwrap();
        assert_eq!(none, None);
        let (_, plus) = split_password("postgres://app:a+b%2Bc@db/learnloop").unwrap();
        assert_eq!(plus.as_deref(), Some("a+b+c"));
    }
}
