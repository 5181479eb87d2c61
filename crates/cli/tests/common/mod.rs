//! Real processes for end-to-end tests: the `learnloop` binary serving on a free port, and a
//! real SMTP server (Python's aiosmtpd) writing what it receives to a Maildir.
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use learnloop_web::testing::{Client, email_of, link_in, quoted_printable};

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_for(url: &str, what: &str) {
    let started = Instant::now();
    loop {
        if let Ok(r) = reqwest::get(url).await
            && r.status().is_success()
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what} did not come up at {url}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The real binary, serving.
pub struct Server {
    child: Child,
    pub base: String,
    pub db_url: String,
}

impl Server {
    pub async fn start(db_url: &str, extra: &[&str]) -> Server {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_learnloop"))
            .args(["serve", "--demo"])
            // The tests' journeys start from a partnership with no history of its own, unless
            // they ask for some.
            .args(if extra.contains(&"--demo-history-years") {
                &[][..]
            } else {
                &["--demo-history-years", "0"][..]
            })
            .args([
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--database-url",
                db_url,
            ])
            .args(extra)
            .args(
                if extra.contains(&"--files-dir")
                    || extra.iter().any(|a| a.starts_with("--files-s3"))
                {
                    Vec::new()
                } else {
                    let dir = std::env::temp_dir().join(format!("learnloop-files-{}", uuid_like()));
                    vec!["--files-dir".to_owned(), dir.display().to_string()]
                },
            )
            .env("LEARNLOOP_LOG", "warn")
            .env("LEARNLOOP_SECRET_KEY", learnloop_web::testing::TEST_KEY)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start learnloop serve");
        let base = format!("http://127.0.0.1:{port}");
        wait_for(&format!("{base}/readyz"), "learnloop").await;
        Server {
            child,
            base,
            db_url: db_url.to_owned(),
        }
    }

    /// SIGKILL: no chance to flush or shut down cleanly.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait for it to exit; returns whether it exited cleanly.
    pub fn terminate(&mut self) -> bool {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        self.child.wait().map(|s| s.success()).unwrap_or(false)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill_hard();
    }
}

/// A real SMTP server on loopback that keeps every message it receives.
pub struct Smtp {
    child: Child,
    pub port: u16,
    pub maildir: PathBuf,
}

impl Smtp {
    pub async fn start() -> Smtp {
        let port = free_port();
        let maildir = std::env::temp_dir().join(format!("learnloop-mail-{}", uuid_like()));
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start aiosmtpd (pip install aiosmtpd)");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the SMTP server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Smtp {
            child,
            port,
            maildir,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, raw.
    pub fn messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(rd) = std::fs::read_dir(self.maildir.join(sub)) {
                for e in rd.flatten() {
                    if let Ok(s) = std::fs::read_to_string(e.path()) {
                        out.push(s);
                    }
                }
            }
        }
        out
    }

    /// Waits for a message to an address and returns its decoded text.
    pub async fn wait_for_mail_to(&self, to: &str) -> String {
        let started = Instant::now();
        loop {
            if let Some(m) = self
                .messages()
                .into_iter()
                .find(|m| m.lines().any(|l| l.starts_with("To:") && l.contains(to)))
            {
                return quoted_printable(&m);
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no mail to {to} arrived"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos() ^ rand_seed()
    )
}

fn rand_seed() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}
