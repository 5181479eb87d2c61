//! Files: bytes in an object store (a folder on local disk by default; S3-compatible storage
//! arrives with the actions issue through the same interface), facts about them in
//! `file_object`. Downloads go through the web layer, which re-checks access every time.

use std::sync::Arc;

use bytes::Bytes;
use chrono::Utc;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{StoreError, Tx, new_id, query, ts};

/// Where file bytes are kept.
#[derive(Clone, Debug)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
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

    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StoreError> {
        self.inner
            .put(&StorePath::from(key), PutPayload::from(bytes))
            .await
            .map_err(|e| StoreError::Config(format!("file store: {e}")))?;
        Ok(())
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
    owner_kind: &str,
    owner_id: &str,
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
    Ok(f)
}

pub async fn get(db: &crate::Db, pid: &str, id: &str) -> Result<Option<FileObject>, StoreError> {
    db.fetch_optional(
        query("SELECT * FROM file_object WHERE partnership_id = ? AND id = ?")
            .bind(pid)
            .bind(id),
    )
    .await
}
