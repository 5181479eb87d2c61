//! The real binary keeping files in a real S3-compatible server on loopback (`s3s-fs`): a paper
//! uploaded through the meeting page's form lands in the bucket and downloads byte for byte.
//! Without `s3s-fs` these fail under CI and skip with a note elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Client, Server};
use learnloop_store::files::testing::{ACCESS_KEY_ID, S3Server, SECRET_ACCESS_KEY};
use learnloop_store::query;
use learnloop_store::testing::engines;

#[tokio::test]
async fn a_paper_uploaded_through_the_form_is_kept_in_s3_and_downloads_identically() {
    for t in engines().await.unwrap() {
        let Some(s3) = S3Server::start("learnloop-papers").expect("s3s-fs for the S3 tests") else {
            return;
        };
        // Given but unused: with a bucket, nothing is written to the local folder.
        let unused_dir = std::env::temp_dir().join(format!(
            "learnloop-unused-files-{}",
            s3.endpoint.rsplit(':').next().unwrap()
        ));
        let server = Server::start(
            &t.url,
            &[
                "--files-dir",
                unused_dir.to_str().unwrap(),
                "--files-s3-bucket",
                &s3.bucket,
                "--files-s3-endpoint",
                &s3.endpoint,
                "--files-s3-access-key-id",
                ACCESS_KEY_ID,
                "--files-s3-secret-access-key",
                SECRET_ACCESS_KEY,
            ],
        )
        .await;
        let db = t.open().await.unwrap();
        let (mid,): (String,) = db
            .fetch_one(query(
                "SELECT id FROM meeting ORDER BY starts_at, id LIMIT 1",
            ))
            .await
            .unwrap();

        let bm = Client::new(&server.base);
        let r = bm
            .sign_in("business.manager@northbrook.example", "demo-password-2026")
            .await;
        assert_eq!(r.status, 303, "sign-in failed: {}", r.body);
        // A real PDF header, then every byte value, so nothing is altered on the way.
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.extend((0..=255u8).cycle().take(300_000));
        pdf.extend_from_slice(b"\n%%EOF\n");
        let up = bm
            .upload(
                &format!("/meetings/{mid}/papers"),
                &[
                    ("paper-title", "Annual safeguarding audit"),
                    ("paper-item", ""),
                ],
                "audit.pdf",
                pdf.clone(),
            )
            .await;
        assert_eq!(
            up.status, 303,
            "upload failed on {:?}: {}",
            t.engine, up.body
        );
        let page = bm.get(&format!("/meetings/{mid}")).await;
        assert!(page.contains("Annual safeguarding audit"));

        let (pid, key): (String, String) = db
            .fetch_one(query(
                "SELECT p.id, f.storage_key FROM paper p JOIN file_object f ON f.id = p.file_id \
                 WHERE p.meeting_id = ?",
            )
            .bind(&mid))
            .await
            .unwrap();
        let resp = bm
            .http
            .get(format!("{}/papers/{pid}", bm.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(
            resp.headers().get("content-disposition").unwrap(),
            "attachment; filename=\"audit.pdf\""
        );
        assert!(
            resp.bytes().await.unwrap().to_vec() == pdf,
            "download differs"
        );
        // The bytes are in the bucket's folder of the S3 server, and not on local disk.
        assert!(
            std::fs::read(s3.path_of(&key)).unwrap() == pdf,
            "stored bytes differ"
        );
        assert!(!unused_dir.exists(), "{} was written", unused_dir.display());
        db.close().await;
        drop(server);
    }
}

#[tokio::test]
async fn the_server_will_not_start_when_the_bucket_cannot_be_reached() {
    let Some(s3) = S3Server::start("learnloop-papers").expect("s3s-fs for the S3 tests") else {
        return;
    };
    let t = learnloop_store::testing::sqlite();
    let o = learnloop(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &t.url,
            "--files-s3-bucket",
            &s3.bucket,
            "--files-s3-endpoint",
            &s3.endpoint,
            "--files-s3-access-key-id",
            ACCESS_KEY_ID,
            "--files-s3-secret-access-key",
            "not-the-secret",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "cannot reach the S3 bucket learnloop-papers at {}",
            s3.endpoint
        )),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("not-the-secret"), "{}", stderr(&o));
}

/// Arguments, environment variables, and what the one line must say.
type Case = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    &'static str,
);

#[test]
fn bad_s3_settings_get_one_line_and_exit_2() {
    let t = learnloop_store::testing::sqlite();
    let cases: [Case; 5] = [
        (
            &["--files-s3-bucket", "papers"],
            &[],
            "--files-s3-bucket needs --files-s3-endpoint, --files-s3-access-key-id, \
             --files-s3-secret-access-key too",
        ),
        (
            &[
                "--files-s3-bucket",
                "papers",
                "--files-s3-endpoint",
                "http://127.0.0.1:9000",
                "--files-s3-access-key-id",
                "id",
            ],
            &[],
            "--files-s3-bucket needs --files-s3-secret-access-key too",
        ),
        (
            &["--files-s3-endpoint", "http://127.0.0.1:9000"],
            &[],
            "--files-s3-endpoint given without --files-s3-bucket",
        ),
        (
            &[],
            &[
                ("LEARNLOOP_FILES_S3_BUCKET", "papers"),
                ("LEARNLOOP_FILES_S3_ENDPOINT", "s3.example.org"),
                ("LEARNLOOP_FILES_S3_ACCESS_KEY_ID", "id"),
                ("LEARNLOOP_FILES_S3_SECRET_ACCESS_KEY", "secret"),
            ],
            "--files-s3-endpoint must be an http:// or https:// address",
        ),
        (
            &[],
            &[("LEARNLOOP_FILES_S3_BUCKET", "papers")],
            "--files-s3-bucket needs --files-s3-endpoint",
        ),
    ];
    for (args, env, expected) in cases {
        let mut all = vec![
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            t.url.as_str(),
        ];
        all.extend_from_slice(args);
        let o = learnloop(&all, env);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?} {env:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?} {env:?}: {err}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(err.contains(expected), "{args:?} {env:?}: {err}");
    }
}

/// Runs the binary to its end (killing it after a minute, so a server that wrongly starts
/// cannot hang the test), with no S3 settings from the caller's environment.
fn learnloop(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_learnloop"));
    cmd.args(args)
        .env("LEARNLOOP_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for v in [
        "LEARNLOOP_DATABASE_URL",
        "LEARNLOOP_FILES_S3_BUCKET",
        "LEARNLOOP_FILES_S3_ENDPOINT",
        "LEARNLOOP_FILES_S3_REGION",
        "LEARNLOOP_FILES_S3_ACCESS_KEY_ID",
        "LEARNLOOP_FILES_S3_SECRET_ACCESS_KEY",
    ] {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd.spawn().expect("run learnloop");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
