//! `learnloop generate` as the real binary: a small volume on a fresh SQLite file, and a second
//! run refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn learnloop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_learnloop"))
        .args(args)
        .env_remove("LEARNLOOP_DATABASE_URL")
        .output()
        .expect("run learnloop")
}

#[test]
fn generate_fills_an_empty_database_and_refuses_a_second_run() {
    let t = learnloop_store::testing::sqlite();
    let files = std::env::temp_dir().join(format!(
        "learnloop-tests/files-{}",
        learnloop_store::new_id()
    ));
    let files_dir = files.display().to_string();
    let args = [
        "generate",
        "--partnerships",
        "1",
        "--years",
        "1",
        "--seed",
        "3",
        "--today",
        "2026-11-01",
        "--database-url",
        &t.url,
        "--files-dir",
        &files_dir,
    ];
    let o = learnloop(&args);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("gen-001: "), "{out}");
    assert!(out.contains("(1/1 partnerships"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("action\t")), "{out}");
    assert!(out.contains("Generated "), "{out}");
    // The evidence the records point to is in the file store the flags named.
    assert!(
        out.contains(&format!("Evidence files go to {files_dir}")),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.starts_with("action_evidence\t")),
        "{out}"
    );
    let kept: Vec<_> = walk(&files);
    assert_eq!(
        kept.len(),
        1,
        "one evidence document per partnership: {kept:?}"
    );
    assert!(std::fs::read(&kept[0]).unwrap().starts_with(b"%PDF-"));

    let o = learnloop(&args);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("already has generated partnerships"), "{err}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
