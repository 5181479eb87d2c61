//! The mail worker: claims mails from the outbox, sends them over SMTP and marks them sent.
//! Runs in every `serve` instance; the outbox's claim makes sure each mail goes once.

use std::time::Duration;

use learnloop_store::Db;
use learnloop_store::keys::{SecretKey, fill_secrets};
use learnloop_store::outbox::{self, Claimed};
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::watch;

/// Where and as whom to send.
#[derive(Clone, Debug)]
pub struct MailConfig {
    pub smtp_url: String,
    pub from: String,
    pub poll: Duration,
    /// Fills in the secrets of links, which the outbox holds only as nonces.
    pub key: SecretKey,
}

fn build(from: &Mailbox, m: &Claimed, key: &SecretKey) -> Result<Message, String> {
    let to: Mailbox = m.to_addr.parse().map_err(|e| format!("to address: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(m.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(fill_secrets(&m.body, key))
        .map_err(|e| e.to_string())
}

/// Runs until `stop` turns true. Errors are logged and retried; they never stop the worker.
pub async fn run(db: Db, cfg: MailConfig, mut stop: watch::Receiver<bool>) {
    let transport = match AsyncSmtpTransport::<Tokio1Executor>::from_url(&cfg.smtp_url) {
        Ok(t) => t.timeout(Some(Duration::from_secs(20))).build(),
        Err(e) => {
            tracing::error!(error = %e, "--smtp-url is not usable; mail will wait in the outbox");
            return;
        }
    };
    let from: Mailbox = match cfg.from.parse() {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "--mail-from is not an address; mail will wait in the outbox");
            return;
        }
    };
    let worker = format!("worker-{}", uuid::Uuid::now_v7());
    loop {
        match outbox::claim(&db, &worker, chrono::Utc::now(), 20).await {
            Ok(batch) => {
                for m in batch {
                    // Checked when sent, not only when queued: someone who lost their role or
                    // their account in between is told nothing more.
                    if let Some(pid) = &m.partnership_id
                        && outbox::describes_work(&m.kind)
                    {
                        match outbox::may_receive(&db, &m.to_addr, pid).await {
                            Ok(true) => {}
                            Ok(false) => {
                                if let Err(e) = outbox::withhold(
                                    &db,
                                    &m.id,
                                    "the recipient no longer has a role in the partnership",
                                )
                                .await
                                {
                                    tracing::error!(error = %e, "could not record a mail's outcome");
                                }
                                continue;
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "could not check a mail's recipient; will retry");
                                let _ = outbox::mark_failed(&db, &m.id, m.attempts, &e.to_string())
                                    .await;
                                continue;
                            }
                        }
                    }
                    let result = match build(&from, &m, &cfg.key) {
                        Ok(msg) => transport
                            .send(msg)
                            .await
                            .map(|_| ())
                            .map_err(|e| e.to_string()),
                        Err(e) => Err(e),
                    };
                    let saved = match result {
                        Ok(()) => outbox::mark_sent(&db, &m.id).await,
                        Err(e) => {
                            let e: String = e;
                            tracing::warn!(mail = %m.id, error = %e, "sending failed; will retry");
                            outbox::mark_failed(&db, &m.id, m.attempts, &e).await
                        }
                    };
                    if let Err(e) = saved {
                        tracing::error!(error = %e, "could not record a mail's outcome");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not read the outbox"),
        }
        tokio::select! {
            _ = tokio::time::sleep(cfg.poll) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}
