//! The S3-compatible file store against a real S3 server on loopback (`s3s-fs` serving a
//! temporary folder): bytes go in through the S3 API, come back identical, and really land in
//! the served folder. Without `s3s-fs` these fail under CI and skip with a note elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use learnloop_store::files::testing::S3Server;
use learnloop_store::files::{FileStore, S3Config};

fn server() -> Option<S3Server> {
    S3Server::start("learnloop-files").expect("s3s-fs for the S3 tests")
}

#[tokio::test]
async fn files_put_into_s3_come_back_identical_and_land_in_the_bucket() {
    let Some(s3) = server() else { return };
    let files = FileStore::s3(s3.config()).unwrap();
    files.check().await.unwrap();

    // Every byte value, and more than one read buffer's worth.
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let key = "0190a1b2-partnership/0190a1b3-file";
    files.put(key, Bytes::from(bytes.clone())).await.unwrap();
    assert_eq!(files.get(key).await.unwrap().to_vec(), bytes);
    assert_eq!(std::fs::read(s3.path_of(key)).unwrap(), bytes);

    // Writing a key again replaces it.
    files
        .put(key, Bytes::from_static(b"%PDF-1.7\nsecond\n%%EOF"))
        .await
        .unwrap();
    assert_eq!(
        files.get(key).await.unwrap().as_ref(),
        b"%PDF-1.7\nsecond\n%%EOF"
    );

    // An empty file is a file.
    files.put("p/empty", Bytes::new()).await.unwrap();
    assert!(files.get("p/empty").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_missing_key_is_an_error_not_a_panic() {
    let Some(s3) = server() else { return };
    let files = FileStore::s3(s3.config()).unwrap();
    let e = files.get("p/never-written").await.unwrap_err();
    assert!(
        e.to_string().to_lowercase().contains("not found"),
        "unexpected error: {e}"
    );
}

#[tokio::test]
async fn wrong_keys_or_no_server_are_errors() {
    let Some(s3) = server() else { return };
    let wrong = FileStore::s3(S3Config {
        secret_access_key: "not-the-secret".to_owned(),
        ..s3.config()
    })
    .unwrap();
    assert!(wrong.check().await.is_err());
    assert!(wrong.put("p/x", Bytes::from_static(b"x")).await.is_err());
    assert!(!s3.path_of("p/x").exists());

    let endpoint = s3.endpoint.clone();
    drop(s3);
    let gone = FileStore::s3(S3Config {
        bucket: "learnloop-files".to_owned(),
        endpoint,
        region: "us-east-1".to_owned(),
        access_key_id: "a".to_owned(),
        secret_access_key: "b".to_owned(),
        allow_http: true,
    })
    .unwrap();
    assert!(gone.check().await.is_err());
}

#[test]
fn plain_http_is_refused_unless_allowed() {
    // Needs no server: the refusal comes before any request.
    let files = FileStore::s3(S3Config {
        bucket: "b".to_owned(),
        endpoint: "http://127.0.0.1:9".to_owned(),
        region: "us-east-1".to_owned(),
        access_key_id: "a".to_owned(),
        secret_access_key: "b".to_owned(),
        allow_http: false,
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let r = match files {
        Err(e) => Err(e),
        Ok(f) => rt.block_on(f.check()),
    };
    let e = r.unwrap_err().to_string();
    assert!(e.to_lowercase().contains("http"), "{e}");
}
