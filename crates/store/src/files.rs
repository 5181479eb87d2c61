//! Files: bytes in an object store (a folder on local disk by default, or an S3-compatible
//! bucket), facts about them in `file_object`. Downloads go through the web layer, which
//! re-checks access every time.

use std::sync::Arc;

use bytes::Bytes;
use chrono::Utc;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{StoreError, Tx, new_id, query, ts};

/// Where file bytes are kept: a local folder or an S3-compatible bucket, behind one interface.
#[derive(Clone, Debug)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
}

/// How to reach an S3-compatible bucket (AWS S3, MinIO, Garage, s3s-fs, ...). Requests are
/// path-style (`ENDPOINT/BUCKET/KEY`), so any endpoint works, loopback included.
#[derive(Clone)]
pub struct S3Config {
    pub bucket: String,
    /// E.g. `https://s3.eu-west-2.amazonaws.com` or `http://127.0.0.1:9000`.
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Allow a plain `http://` endpoint (for a server on the same machine or private network).
    pub allow_http: bool,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"****")
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

impl FileStore {
    /// A folder on local disk (created if missing).
    pub fn local(dir: &std::path::Path) -> Result<FileStore, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Config(format!("--files-dir {}: {e}", dir.display())))?;
        let fs = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| StoreError::Config(format!("--files-dir: {e}")))?;
        Ok(FileStore {
            inner: Arc::new(fs),
        })
    }

    /// An S3-compatible bucket (which must already exist). Nothing is sent until the first
    /// file is stored or read.
    pub fn s3(c: S3Config) -> Result<FileStore, StoreError> {
        let s3 = AmazonS3Builder::new()
            .with_bucket_name(&c.bucket)
            .with_endpoint(&c.endpoint)
            .with_region(&c.region)
            .with_access_key_id(&c.access_key_id)
            .with_secret_access_key(&c.secret_access_key)
            .with_allow_http(c.allow_http)
            .with_virtual_hosted_style_request(false)
            // A person is waiting on each upload and download: give up within seconds, not
            // the library's three minutes.
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: std::time::Duration::from_secs(20),
                ..RetryConfig::default()
            })
            .build()
            .map_err(|e| StoreError::Config(format!("S3 file store: {e}")))?;
        Ok(FileStore {
            inner: Arc::new(s3),
        })
    }

    /// Checks the store answers and lets us in, by asking for a key that is never written:
    /// "not found" is the good answer; a refused signature or no server is an error.
    pub async fn check(&self) -> Result<(), StoreError> {
        match self
            .inner
            .head(&StorePath::from("learnloop-probe/never-written"))
            .await
        {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(StoreError::Config(format!("file store: {e}"))),
        }
    }

    /// Stores bytes under a key, replacing any already there.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StoreError> {
        self.inner
            .put(&StorePath::from(key), PutPayload::from(bytes))
            .await
            .map_err(|e| StoreError::Config(format!("file store: {e}")))?;
        Ok(())
    }

    /// The bytes of a stored file, or None when there is none under the key.
    pub async fn get_opt(&self, key: &str) -> Result<Option<Bytes>, StoreError> {
        match self.inner.get(&StorePath::from(key)).await {
            Ok(r) => {
                Ok(Some(r.bytes().await.map_err(|e| {
                    StoreError::Config(format!("file store: {e}"))
                })?))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(StoreError::Config(format!("file store: {e}"))),
        }
    }

    /// Deletes the bytes under a key (nothing there is no error).
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.inner.delete(&StorePath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(StoreError::Config(format!("file store: {e}"))),
        }
    }

    /// Every key in the store (for a backup), in no particular order.
    pub async fn keys(&self) -> Result<Vec<String>, StoreError> {
        use futures_util::TryStreamExt;
        self.inner
            .list(None)
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await
            .map_err(|e| StoreError::Config(format!("file store: {e}")))
    }

    /// The bytes of a stored file.
    pub async fn get(&self, key: &str) -> Result<Bytes, StoreError> {
        let r = self
            .inner
            .get(&StorePath::from(key))
            .await
            .map_err(|e| StoreError::Config(format!("file store: {e}")))?;
        r.bytes()
            .await
            .map_err(|e| StoreError::Config(format!("file store: {e}")))
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FileObject {
    pub id: String,
    pub partnership_id: String,
    pub owner_kind: String,
    pub owner_id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: String,
    pub created_at: String,
}

/// A checked upload, ready to store.
pub struct Upload {
    pub name: String,
    pub content_type: String,
    pub bytes: Bytes,
}

/// Writes the bytes, then records the file inside the caller's transaction. If the
/// transaction does not commit, the bytes are left unreferenced and never served.
pub async fn save(
    files: &FileStore,
    tx: &mut Tx,
    pid: &str,
    owner: (&str, &str),
    by: &str,
    up: Upload,
) -> Result<FileObject, StoreError> {
    let f = put(files, pid, owner, by, up).await?;
    record(tx, &f).await?;
    Ok(f)
}

/// Writes the bytes under a new key, before any transaction, so that a slow store never holds
/// the database's writer; [`record`] then makes them a file in the caller's transaction. Bytes
/// whose record never commits are left unreferenced and never served.
pub async fn put(
    files: &FileStore,
    pid: &str,
    (owner_kind, owner_id): (&str, &str),
    by: &str,
    up: Upload,
) -> Result<FileObject, StoreError> {
    let id = new_id();
    let key = format!("{pid}/{id}");
    let sha = hex::encode(Sha256::digest(&up.bytes));
    let size = i64::try_from(up.bytes.len()).unwrap_or(i64::MAX);
    files.put(&key, up.bytes).await?;
    let f = FileObject {
        id,
        partnership_id: pid.to_owned(),
        owner_kind: owner_kind.to_owned(),
        owner_id: owner_id.to_owned(),
        name: up.name,
        content_type: up.content_type,
        size,
        sha256: sha,
        storage_key: key,
        uploaded_by: by.to_owned(),
        created_at: ts(Utc::now()),
    };
    Ok(f)
}

/// Records a file whose bytes [`put`] wrote.
pub async fn record(tx: &mut Tx, f: &FileObject) -> Result<(), StoreError> {
    tx.execute(
        query(
            "INSERT INTO file_object (id, partnership_id, owner_kind, owner_id, name, content_type, size, sha256, \
             storage_key, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&f.id)
        .bind(&f.partnership_id)
        .bind(&f.owner_kind)
        .bind(&f.owner_id)
        .bind(&f.name)
        .bind(&f.content_type)
        .bind(f.size)
        .bind(&f.sha256)
        .bind(&f.storage_key)
        .bind(&f.uploaded_by)
        .bind(&f.created_at),
    )
    .await?;
    Ok(())
}

/// Keeps a file a record owns (a deep dive's presentation, an inspection's report), with the
/// audit entry `action` on the record saying which `what` was added. Returns the file's id.
pub async fn keep_for(
    db: &crate::Db,
    files: &FileStore,
    who: &crate::audit::Who,
    (pid, kind, owner): (&str, &'static str, &str),
    (action, what): (&'static str, &str),
    up: Upload,
) -> Result<String, StoreError> {
    // The bytes first, outside the transaction: a slow store never holds the writer.
    let f = put(files, pid, (kind, owner), &who.label, up).await?;
    let mut tx = db.begin().await?;
    record(&mut tx, &f).await?;
    crate::audit::append(
        &mut tx,
        who,
        crate::audit::Event::new(action, kind, Some(owner))
            .summary(format!("Added the {what} {}", f.name)),
    )
    .await?;
    tx.commit().await?;
    Ok(f.id)
}

/// A file as a record's page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Owned {
    pub id: String,
    pub name: String,
    pub size: i64,
    pub uploaded_by: String,
    pub created_at: String,
}

/// The files a record owns, oldest first.
pub async fn owned(
    db: &crate::Db,
    pid: &str,
    (kind, owner): (&str, &str),
) -> Result<Vec<Owned>, StoreError> {
    db.fetch_all(
        query(
            "SELECT id, name, size, uploaded_by, created_at FROM file_object \
             WHERE partnership_id = ? AND owner_kind = ? AND owner_id = ? ORDER BY created_at, id LIMIT 200",
        )
        .bind(pid)
        .bind(kind)
        .bind(owner),
    )
    .await
}

/// Forgets every file of an owner but one (a person's earlier uploads of a sheet to import,
/// once a newer one is kept): their records, then their bytes.
pub async fn keep_only(
    db: &crate::Db,
    files: &FileStore,
    pid: &str,
    (kind, owner): (&str, &str),
    keep: &str,
) -> Result<(), StoreError> {
    let earlier: Vec<(String, String)> = db
        .fetch_all(
            query(
                "SELECT id, storage_key FROM file_object WHERE partnership_id = ? AND owner_kind = ? \
                 AND owner_id = ? AND id <> ? LIMIT 100",
            )
            .bind(pid)
            .bind(kind)
            .bind(owner)
            .bind(keep),
        )
        .await?;
    for (id, key) in earlier {
        db.execute(
            query("DELETE FROM file_object WHERE partnership_id = ? AND id = ?")
                .bind(pid)
                .bind(&id),
        )
        .await?;
        files.delete(&key).await?;
    }
    Ok(())
}

pub async fn get(db: &crate::Db, pid: &str, id: &str) -> Result<Option<FileObject>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM file_object WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}

/// A real S3-compatible server for tests: `s3s-fs` (`cargo install s3s-fs --features binary`),
/// serving a fresh temporary folder on a free loopback port. Each bucket is a sub-folder.
#[cfg(feature = "testing")]
pub mod testing {
    use std::path::PathBuf;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use super::S3Config;
    use crate::StoreError;

    pub const ACCESS_KEY_ID: &str = "learnloop-test";
    pub const SECRET_ACCESS_KEY: &str = "learnloop-test-secret";

    /// A running `s3s-fs`; stopped, and its folder removed, when dropped.
    pub struct S3Server {
        child: Child,
        /// The folder served: bucket `b`, key `k` is the file `root/b/k`.
        pub root: PathBuf,
        pub endpoint: String,
        pub bucket: String,
    }

    impl S3Server {
        /// Starts `s3s-fs` with one bucket. Without `s3s-fs` on PATH: an error when `CI` is
        /// set (CI must run these tests), otherwise `None` after printing a note.
        pub fn start(bucket: &str) -> Result<Option<S3Server>, StoreError> {
            if Command::new("s3s-fs")
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_err()
            {
                let msg = "s3s-fs is not on PATH: install it with \
                           `cargo install s3s-fs --version 0.14.1 --features binary --locked` \
                           (scripts/test does)";
                if std::env::var_os("CI").is_some() {
                    return Err(StoreError::Config(format!(
                        "CI must run the S3 tests: {msg}"
                    )));
                }
                eprintln!("note: skipping an S3 test: {msg}");
                return Ok(None);
            }
            let root = std::env::temp_dir().join(format!("learnloop-s3-{}", uuid::Uuid::now_v7()));
            std::fs::create_dir_all(root.join(bucket))
                .map_err(|e| StoreError::Config(format!("{}: {e}", root.display())))?;
            // The free port may be taken between asking and binding: try a few.
            let mut last = String::new();
            for _ in 0..5 {
                let port = free_port()?;
                let mut child = Command::new("s3s-fs")
                    .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                    .args([
                        "--access-key",
                        ACCESS_KEY_ID,
                        "--secret-key",
                        SECRET_ACCESS_KEY,
                    ])
                    .arg(&root)
                    .stdout(Stdio::null())
                    .stderr(Stdio::inherit())
                    .spawn()
                    .map_err(|e| StoreError::Config(format!("start s3s-fs: {e}")))?;
                let started = Instant::now();
                loop {
                    if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                        return Ok(Some(S3Server {
                            child,
                            root,
                            endpoint: format!("http://127.0.0.1:{port}"),
                            bucket: bucket.to_owned(),
                        }));
                    }
                    if let Ok(Some(status)) = child.try_wait() {
                        last = format!("s3s-fs exited ({status}) on port {port}");
                        break;
                    }
                    if started.elapsed() > Duration::from_secs(30) {
                        let _ = child.kill();
                        let _ = child.wait();
                        last = format!("s3s-fs did not listen on port {port} within 30 s");
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
            let _ = std::fs::remove_dir_all(&root);
            Err(StoreError::Config(last))
        }

        /// How to reach this server's bucket.
        pub fn config(&self) -> S3Config {
            S3Config {
                bucket: self.bucket.clone(),
                endpoint: self.endpoint.clone(),
                region: "us-east-1".to_owned(),
                access_key_id: ACCESS_KEY_ID.to_owned(),
                secret_access_key: SECRET_ACCESS_KEY.to_owned(),
                allow_http: true,
            }
        }

        /// Where an object of the bucket is kept on disk.
        pub fn path_of(&self, key: &str) -> PathBuf {
            self.root.join(&self.bucket).join(key)
        }
    }

    impl Drop for S3Server {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }

    fn free_port() -> Result<u16, StoreError> {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| StoreError::Config(format!("no free port: {e}")))
    }
}
