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

    let o = learnloop(&args);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("already has generated partnerships"), "{err}");
}
