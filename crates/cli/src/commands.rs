//! What each command does. Commands that read data take `--database-url`; the clock
//! commands work on the rules alone without it.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, Utc};
use clap::Args;
use learnloop_domain::accounts::{
    Email, Role, TokenPurpose, check_new_password, hash_password, token_lifetime,
};
use learnloop_domain::clocks::{Calendar, ClockRule, seeded_rules};
use learnloop_domain::governance::slugify;
use learnloop_store::audit::{self, Verdict, Who};
use learnloop_store::files::{FileStore, S3Config};
use learnloop_store::keys::SecretKey;
use learnloop_store::{Db, accounts, clocks, demo, governance};
use learnloop_web::mail::MailConfig;
use learnloop_web::{AppState, Config};
use tokio::sync::watch;

#[derive(Args, Debug)]
pub struct DbArgs {
    /// The database: sqlite://FILE (created if missing) or postgres://USER:PASS@HOST/DB.
    #[arg(
        long,
        env = "LEARNLOOP_DATABASE_URL",
        default_value = "sqlite://learnloop.db",
        value_name = "URL"
    )]
    pub database_url: String,
    /// Connections each instance reads through (PostgreSQL connections or SQLite reader
    /// threads; on PostgreSQL writes have as many again, opened only as writes need them).
    /// Default: PostgreSQL twice this machine's processors (at least 4), SQLite four times
    /// (at least 8). With PostgreSQL on a machine of its own, about twice that machine's
    /// processors, shared among the instances.
    #[arg(long, env = "LEARNLOOP_DATABASE_CONNECTIONS", value_name = "N",
          value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub database_connections: Option<u32>,
}

/// The installation's secret key, kept outside the database.
#[derive(Args, Debug)]
pub struct KeyArgs {
    /// A file holding the installation's secret key (at least 32 random characters, e.g. from
    /// `openssl rand -hex 32`): it signs the audit trail's anchor and makes the secrets of
    /// links sent by mail. Keep it out of backups of the database. Default with SQLite: the
    /// database's file name with `.key` (made if missing); PostgreSQL needs it given.
    #[arg(long, env = "LEARNLOOP_SECRET_KEY_FILE", value_name = "FILE")]
    pub secret_key_file: Option<std::path::PathBuf>,
    /// The secret key itself, instead of a file (better in the environment than as a flag).
    #[arg(
        long,
        env = "LEARNLOOP_SECRET_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub secret_key: Option<String>,
}

impl KeyArgs {
    /// The key: given, from its file, or (with SQLite, when `create` is set) made in a file
    /// beside the database. Err is the one line saying what is missing.
    fn resolve(
        &self,
        database_url: &str,
        create: bool,
    ) -> std::result::Result<(SecretKey, String), String> {
        if let Some(text) = &self.secret_key {
            return SecretKey::from_text(text)
                .map(|k| (k, "LEARNLOOP_SECRET_KEY".to_owned()))
                .map_err(|e| format!("--secret-key: {e}"));
        }
        let path = match (
            &self.secret_key_file,
            database_url.strip_prefix("sqlite://"),
        ) {
            (Some(p), _) => p.clone(),
            (None, Some(file)) => {
                let file = file.split('?').next().unwrap_or(file);
                std::path::PathBuf::from(format!("{file}.key"))
            }
            (None, None) => {
                return Err(
                    "--secret-key-file is needed with PostgreSQL (a file with at least 32 random characters, shared by every instance; or LEARNLOOP_SECRET_KEY)"
                        .to_owned(),
                );
            }
        };
        let key = if create {
            SecretKey::load_or_create(&path)
        } else {
            SecretKey::load(&path)
        };
        key.map(|k| (k, path.display().to_string()))
            .map_err(|e| format!("--secret-key-file: {e}"))
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The address and port to listen on.
    #[arg(
        long,
        env = "LEARNLOOP_LISTEN",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR:PORT"
    )]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub db: DbArgs,
    /// Load the fictional demo partnership into an empty database and print its sign-ins.
    #[arg(long, env = "LEARNLOOP_DEMO")]
    pub demo: bool,
    /// How many years of work the demo partnership has done when it is loaded, ending today
    /// (0: only its agencies, groups and people).
    #[arg(long, env = "LEARNLOOP_DEMO_HISTORY_YEARS", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(0..=10), value_name = "N")]
    pub demo_history_years: u32,
    /// Where to send mail, e.g. smtp://127.0.0.1:2525. Without it, mail waits in the outbox.
    #[arg(long, env = "LEARNLOOP_SMTP_URL", value_name = "URL")]
    pub smtp_url: Option<String>,
    /// The From address of mails.
    #[arg(
        long,
        env = "LEARNLOOP_MAIL_FROM",
        default_value = "Learnloop <no-reply@learnloop.invalid>"
    )]
    pub mail_from: String,
    /// The address people use to reach the service (for links in mails). Defaults to http://LISTEN.
    #[arg(long, env = "LEARNLOOP_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    #[command(flatten)]
    pub files: FilesArgs,
    /// How often the mail worker looks for mail, in milliseconds.
    #[arg(long, env = "LEARNLOOP_MAIL_POLL_MS", default_value_t = 2000)]
    pub mail_poll_ms: u64,
    #[command(flatten)]
    pub key: KeyArgs,
    /// A load balancer or reverse proxy stands in front and appends the client's address to
    /// X-Forwarded-For: rate limits then count by that address, not the proxy's.
    #[arg(long, env = "LEARNLOOP_BEHIND_PROXY")]
    pub behind_proxy: bool,
}

/// What `verify-audit` reads: the database, the file store where the anchor is kept, the key.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub files: FilesArgs,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// Where files (uploads, evidence, reports) are kept.
#[derive(Args, Debug)]
pub struct FilesArgs {
    /// The folder where uploaded files are kept (created if missing).
    #[arg(
        long,
        env = "LEARNLOOP_FILES_DIR",
        default_value = "learnloop-files",
        value_name = "DIR"
    )]
    pub files_dir: std::path::PathBuf,
    /// Keep uploaded files in this S3-compatible bucket instead of --files-dir. Needs
    /// --files-s3-endpoint, --files-s3-access-key-id and --files-s3-secret-access-key.
    #[arg(long, env = "LEARNLOOP_FILES_S3_BUCKET", value_name = "BUCKET")]
    pub files_s3_bucket: Option<String>,
    /// The S3 service, e.g. https://s3.eu-west-2.amazonaws.com (http:// for one on this
    /// machine or a private network). Requests are path-style: ENDPOINT/BUCKET/KEY.
    #[arg(long, env = "LEARNLOOP_FILES_S3_ENDPOINT", value_name = "URL")]
    pub files_s3_endpoint: Option<String>,
    /// The bucket's region.
    #[arg(
        long,
        env = "LEARNLOOP_FILES_S3_REGION",
        default_value = "us-east-1",
        value_name = "REGION"
    )]
    pub files_s3_region: String,
    /// The access key id for the bucket.
    #[arg(long, env = "LEARNLOOP_FILES_S3_ACCESS_KEY_ID", value_name = "ID")]
    pub files_s3_access_key_id: Option<String>,
    /// The secret access key for the bucket (better given in the environment variable).
    #[arg(
        long,
        env = "LEARNLOOP_FILES_S3_SECRET_ACCESS_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub files_s3_secret_access_key: Option<String>,
}

/// Opens a database named on its own, with the default number of connections.
async fn open_url(url: &str) -> Result<Db> {
    open(&DbArgs {
        database_url: url.to_owned(),
        database_connections: None,
    })
    .await
}

async fn open(a: &DbArgs) -> Result<Db> {
    let db = Db::connect_with(&a.database_url, a.database_connections)
        .await
        .with_context(|| "cannot open the database")?;
    db.migrate()
        .await
        .context("cannot bring the database schema up to date")?;
    if let Err(e) = db.optimize().await {
        tracing::warn!(error = %e, "the planner's statistics could not be refreshed");
    }
    Ok(db)
}

pub async fn serve(a: ServeArgs) -> Result<ExitCode> {
    let s3 = match s3_config(&a.files) {
        Ok(s3) => s3,
        Err(line) => {
            eprintln!("error: {line}");
            return Ok(ExitCode::from(2));
        }
    };
    let (key, key_from) = match a.key.resolve(&a.db.database_url, true) {
        Ok(k) => k,
        Err(line) => {
            eprintln!("error: {line}");
            return Ok(ExitCode::from(2));
        }
    };
    init_logs();
    let db = open(&a.db).await?;
    let (files, kept_in) = open_files(s3, &a.files).await?;
    if a.demo {
        let today = learnloop_domain::dates::london_date(Utc::now());
        let loaded = demo::load_with_history(&db, a.demo_history_years, today, Some(files.clone()))
            .await
            .context("cannot load the demo partnership")?;
        print_demo(loaded);
    }
    let listener = tokio::net::TcpListener::bind(a.listen)
        .await
        .with_context(|| format!("cannot listen on {}", a.listen))?;
    let local = listener.local_addr()?;
    let public_url = a
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"));
    let mut config = Config::new(&public_url);
    config.mail_from = a.mail_from.clone();
    config.key = key.clone();
    config.behind_proxy = a.behind_proxy;
    let state = AppState {
        db: db.clone(),
        config: Arc::new(config),
        files,
    };
    db.watch_sessions();

    let (stop_tx, stop_rx) = watch::channel(false);
    let worker = match &a.smtp_url {
        Some(url) => Some(tokio::spawn(learnloop_web::mail::run(
            db.clone(),
            MailConfig {
                smtp_url: url.clone(),
                from: a.mail_from.clone(),
                poll: Duration::from_millis(a.mail_poll_ms),
                key: key.clone(),
            },
            stop_rx,
        ))),
        None => {
            tracing::warn!("no --smtp-url: mail is kept in the outbox until one is given");
            None
        }
    };
    let housekeeping = tokio::spawn(housekeeping(
        db.clone(),
        state.config.sessions,
        state.config.public_url.clone(),
        key.clone(),
        stop_tx.subscribe(),
    ));
    let anchoring = tokio::spawn(anchoring(
        db.clone(),
        state.files.clone(),
        key.clone(),
        stop_tx.subscribe(),
    ));
    let files_for_anchor = state.files.clone();
    println!("Learnloop is running at http://{local}");
    println!("Database: {}", redact(&a.db.database_url));
    println!("Files: {kept_in}");
    println!("Secret key: {key_from}");
    tracing::info!(%local, "listening");
    axum::serve(
        listener,
        learnloop_web::app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("the server stopped with an error")?;
    let _ = stop_tx.send(true);
    housekeeping.abort();
    anchoring.abort();
    // The last anchor, at shutdown: everything written until now is covered.
    if let Err(e) = audit::anchor(&db, &files_for_anchor, &key).await {
        tracing::warn!(error = %e, "the audit trail could not be anchored at shutdown");
    }
    if let Some(w) = worker {
        let _ = tokio::time::timeout(Duration::from_secs(10), w).await;
    }
    db.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Every ten minutes: forget expired sessions and old one-time links, pass on training offers
/// that ran out, ask about the training sessions whose three-month follow-up has come, and
/// queue today's action reminder digests (once per person per day, whichever instance gets
/// there first).
async fn housekeeping(
    db: Db,
    sessions: learnloop_domain::accounts::SessionPolicy,
    public_url: String,
    key: SecretKey,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match accounts::sweep(&db, Utc::now(), sessions.idle, sessions.absolute).await {
            Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions and links removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "housekeeping failed; will try again"),
        }
        if let Err(e) = db.optimize().await {
            tracing::warn!(error = %e, "the planner's statistics could not be refreshed");
        }
        let mailer = learnloop_store::training::Mailer {
            key: &key,
            public_url: &public_url,
        };
        match learnloop_store::training::lapse_offers(&db, Utc::now(), &mailer).await {
            Ok(n) if n > 0 => tracing::info!(sessions = n, "run-out training offers passed on"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "training offers failed; will try again"),
        }
        let today = learnloop_domain::dates::london_date(Utc::now());
        match learnloop_store::training::queue_follow_ups(&db, &mailer, today).await {
            Ok(n) if n > 0 => tracing::info!(sessions = n, "training impact follow-ups sent"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "training follow-ups failed; will try again"),
        }
        let today = learnloop_domain::dates::london_date(Utc::now());
        match learnloop_store::reminders::queue_digests(&db, &public_url, today).await {
            Ok(n) if n > 0 => tracing::info!(queued = n, "action reminder digests queued"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "reminders failed; will try again"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(600)) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Every minute: anchor the audit trail's head outside the database (in the file store),
/// signed with the installation's key, so that removing its newest entries is found out.
async fn anchoring(db: Db, files: FileStore, key: SecretKey, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = audit::anchor(&db, &files, &key).await {
            tracing::warn!(error = %e, "the audit trail could not be anchored; will try again");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = stop.changed() => return,
        }
    }
}

/// The S3 settings when a bucket is given; `Err` is the one line telling what is missing.
/// Opens the file store the flags name (an S3 bucket, checked now, or a folder) and says where.
async fn open_files(s3: Option<S3Config>, a: &FilesArgs) -> Result<(FileStore, String)> {
    Ok(match s3 {
        Some(c) => {
            let (bucket, endpoint) = (c.bucket.clone(), c.endpoint.clone());
            let files = FileStore::s3(c).context("cannot open the S3 file store")?;
            files
                .check()
                .await
                .with_context(|| format!("cannot reach the S3 bucket {bucket} at {endpoint}"))?;
            (files, format!("S3 bucket {bucket} at {endpoint}"))
        }
        None => {
            let files = FileStore::local(&a.files_dir).context("cannot open the file store")?;
            (files, a.files_dir.display().to_string())
        }
    })
}

fn s3_config(a: &FilesArgs) -> std::result::Result<Option<S3Config>, String> {
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    let (endpoint, key_id, secret) = (
        given(&a.files_s3_endpoint),
        given(&a.files_s3_access_key_id),
        given(&a.files_s3_secret_access_key),
    );
    let flags = [
        ("--files-s3-endpoint", endpoint),
        ("--files-s3-access-key-id", key_id),
        ("--files-s3-secret-access-key", secret),
    ];
    let named = |present: bool| {
        flags
            .iter()
            .filter(|(_, v)| v.is_some() == present)
            .map(|(flag, _)| *flag)
            .collect::<Vec<_>>()
    };
    let Some(bucket) = given(&a.files_s3_bucket) else {
        let stray = named(true);
        if stray.is_empty() {
            return Ok(None);
        }
        return Err(format!(
            "{} given without --files-s3-bucket: name the bucket to keep files in",
            stray.join(", ")
        ));
    };
    let missing = named(false);
    if !missing.is_empty() {
        return Err(format!(
            "--files-s3-bucket needs {} too",
            missing.join(", ")
        ));
    }
    let endpoint = endpoint.unwrap_or_default();
    let url = url::Url::parse(endpoint)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    let Some(url) = url else {
        return Err(format!(
            "--files-s3-endpoint must be an http:// or https:// address, e.g. \
             https://s3.eu-west-2.amazonaws.com, not {endpoint:?}"
        ));
    };
    Ok(Some(S3Config {
        bucket: bucket.to_owned(),
        endpoint: endpoint.trim_end_matches('/').to_owned(),
        region: a.files_s3_region.trim().to_owned(),
        access_key_id: key_id.unwrap_or_default().to_owned(),
        secret_access_key: secret.unwrap_or_default().to_owned(),
        allow_http: url.scheme() == "http",
    }))
}

fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

fn print_demo(loaded: bool) {
    if loaded {
        println!("Loaded the demo partnership: Northbrook Safeguarding Children Partnership.");
    }
    println!("Demo sign-ins (password for all: {}):", demo::PASSWORD);
    for p in demo::PEOPLE.iter() {
        println!("  {:<32} {}", p.role.label(), p.email);
    }
    println!(
        "  {:<32} {} (Southvale, the neighbouring partnership)",
        "Business team",
        demo::NEIGHBOUR_MANAGER
    );
}

/// SIGTERM (from an orchestrator) or Ctrl-C: stop taking connections, finish what is in flight.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LEARNLOOP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let json = std::env::var("LEARNLOOP_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    if json {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.try_init();
    }
}

pub async fn migrate(a: DbArgs) -> Result<ExitCode> {
    open(&a).await?;
    println!("The database schema is up to date.");
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct RemindArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The day whose reminders to queue (default: today in London).
    #[arg(long, value_parser = date_arg, value_name = "YYYY-MM-DD")]
    pub on: Option<NaiveDate>,
    /// The address of the service, for the links in the mails.
    #[arg(
        long,
        env = "LEARNLOOP_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080",
        value_name = "URL"
    )]
    pub public_url: String,
    /// The installation's key makes the secrets of the line managers' links in the training
    /// follow-ups; without it only the action reminder digests are queued.
    #[command(flatten)]
    pub key: KeyArgs,
}

/// Queues the action reminder digests of a day and sends the training sessions' three-month
/// follow-ups that have come by then (the server does both by itself every ten minutes; a
/// digest already queued for a person and day, or a session already followed up, is never
/// done again).
pub async fn remind(a: RemindArgs) -> Result<ExitCode> {
    let db = open(&a.db).await?;
    let day =
        a.on.unwrap_or_else(|| learnloop_domain::dates::london_date(Utc::now()));
    let public_url = a.public_url.trim_end_matches('/');
    let n = learnloop_store::reminders::queue_digests(&db, public_url, day).await?;
    println!(
        "Queued {n} reminder digests for {}.",
        day.format("%Y-%m-%d")
    );
    match a.key.resolve(&a.db.database_url, false) {
        Ok((key, _)) => {
            let mailer = learnloop_store::training::Mailer {
                key: &key,
                public_url,
            };
            let n = learnloop_store::training::queue_follow_ups(&db, &mailer, day).await?;
            println!("Sent the three-month follow-up of {n} training sessions.");
        }
        Err(line) => {
            eprintln!(
                "note: training follow-ups are sent by the server, or here with the key ({line})"
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Walks the whole chain, then measures it against its anchor: 0 when both hold, 1 naming
/// what is wrong, 2 when the key or the file store cannot be had.
pub async fn verify_audit(a: VerifyArgs) -> Result<ExitCode> {
    let s3 = match s3_config(&a.files) {
        Ok(s3) => s3,
        Err(line) => {
            eprintln!("error: {line}");
            return Ok(ExitCode::from(2));
        }
    };
    let key = match a.key.resolve(&a.db.database_url, false) {
        Ok((k, _)) => Some(k),
        Err(line) => {
            eprintln!("note: without the key the anchor's signature is not checked ({line})");
            None
        }
    };
    let db = open(&a.db).await?;
    let entries = match audit::verify(&db).await? {
        Verdict::Intact { entries } => entries,
        Verdict::Broken { seq, problem } => {
            println!("The audit trail is broken at entry {seq}: {problem}.");
            return Ok(ExitCode::from(1));
        }
    };
    let erased = audit::erased(&db).await?;
    if erased > 0 {
        println!(
            "{erased} entries' content was erased under retention decisions (each decision is itself an entry); their digests keep the chain whole."
        );
    }
    let (files, _) = open_files(s3, &a.files).await?;
    match audit::check_anchor(&db, &files, key.as_ref(), entries).await? {
        audit::AnchorCheck::Holds { seq } => {
            println!(
                "The audit trail is intact: {entries} entries checked, anchored at entry {seq}."
            );
            Ok(ExitCode::SUCCESS)
        }
        audit::AnchorCheck::None => {
            println!("The audit trail is intact: {entries} entries checked (not anchored yet).");
            Ok(ExitCode::SUCCESS)
        }
        audit::AnchorCheck::Shorter { entries, anchored } => {
            println!(
                "The audit trail is broken: it ends at entry {entries}, but it was anchored at entry {anchored}; entries after {entries} were removed."
            );
            Ok(ExitCode::from(1))
        }
        audit::AnchorCheck::Differs { seq } => {
            println!(
                "The audit trail is broken at entry {seq}: it is not the entry that was anchored."
            );
            Ok(ExitCode::from(1))
        }
        audit::AnchorCheck::BadSignature => {
            println!("The audit trail's anchor is not signed with this key: it cannot be trusted.");
            Ok(ExitCode::from(1))
        }
    }
}

#[derive(Args, Debug)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Their e-mail address, used to sign in.
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// The role: business-team, independent-chair, group-chair, agency-lead, practitioner,
    /// trainer, auditor or system-admin.
    #[arg(long, value_name = "ROLE")]
    pub role: String,
    /// The partnership, by name or short id; created if it does not exist yet.
    #[arg(long, value_name = "NAME")]
    pub partnership: String,
    /// Their full name (defaults to the e-mail address).
    #[arg(long)]
    pub name: Option<String>,
    /// A password to set now; without it a one-time link to set one is printed.
    #[arg(long, env = "LEARNLOOP_USER_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// The address of the service, for the printed link.
    #[arg(
        long,
        env = "LEARNLOOP_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub public_url: String,
}

pub async fn user_add(a: UserAddArgs) -> Result<ExitCode> {
    let Some(role) = Role::from_slug(&a.role) else {
        eprintln!(
            "error: --role must be one of: {}",
            Role::ALL
                .iter()
                .map(|r| r.slug())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Ok(ExitCode::from(2));
    };
    if role.needs_agency() || role.needs_group() {
        eprintln!(
            "error: --role {} is held for an agency or group: give it in the browser, on the People page",
            a.role
        );
        return Ok(ExitCode::from(2));
    }
    let email = match Email::parse(&a.email) {
        Ok(e) => e,
        Err(m) => {
            eprintln!("error: --email: {m}");
            return Ok(ExitCode::from(2));
        }
    };
    if let Some(pw) = &a.password
        && let Err(m) = check_new_password(pw)
    {
        eprintln!("error: --password: {m}");
        return Ok(ExitCode::from(2));
    }
    let slug = slugify(&a.partnership);
    if slug.is_empty() {
        eprintln!(
            "error: --partnership must name the partnership, e.g. \"Northbrook Safeguarding Children Partnership\""
        );
        return Ok(ExitCode::from(2));
    }
    let db = open(&a.db).await?;
    let hash = match a.password.clone() {
        Some(pw) => Some(
            tokio::task::spawn_blocking(move || hash_password(&pw))
                .await?
                .map_err(anyhow::Error::msg)?,
        ),
        None => None,
    };
    let who = Who::system("command line (learnloop user add)");
    let existing_partnership = governance::partnership_by_slug(&db, &slug).await?;
    let existing_person = accounts::person_by_email(&db, email.as_str()).await?;
    let mut tx = db.begin().await?;
    let partnership = match existing_partnership {
        Some(p) => p,
        None => governance::create_partnership(&mut tx, &who, &slug, a.partnership.trim()).await?,
    };
    let who = Who {
        partnership_id: Some(partnership.id.clone()),
        ..who
    };
    let name = a.name.clone().unwrap_or_else(|| email.to_string());
    let (person, link) = match existing_person {
        Some(p) => (p, None),
        None => {
            let p =
                accounts::insert_person(&mut tx, &who, email.as_str(), &name, "", hash.as_deref())
                    .await?;
            let link = if hash.is_none() {
                let secret = accounts::new_secret();
                accounts::create_token(
                    &mut tx,
                    &p.id,
                    TokenPurpose::Invite,
                    &secret,
                    Utc::now() + token_lifetime(TokenPurpose::Invite),
                )
                .await?;
                Some(format!(
                    "{}/set-password/{secret}",
                    a.public_url.trim_end_matches('/')
                ))
            } else {
                None
            };
            (p, link)
        }
    };
    let added =
        accounts::grant(&mut tx, &who, &person.id, &partnership.id, role, None, None).await?;
    tx.commit().await?;
    println!(
        "{} {} as {} in {}.",
        if added { "Added" } else { "Already had" },
        person.email,
        role.label().to_lowercase(),
        partnership.name
    );
    if let Some(link) = link {
        println!("They set their password with this link (valid 7 days, once):\n{link}");
    }
    Ok(ExitCode::SUCCESS)
}

fn date_arg(s: &str) -> Result<NaiveDate, String> {
    learnloop_domain::dates::parse_iso(s).ok_or_else(|| "expected a date as YYYY-MM-DD".to_owned())
}

#[derive(Args, Debug)]
pub struct CalendarArgs {
    /// Read edited holidays and local rules from this database (otherwise the rules alone).
    #[arg(long, env = "LEARNLOOP_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
}

async fn calendar_of(a: &CalendarArgs) -> Result<(Calendar, Option<Db>)> {
    match &a.database_url {
        Some(url) => {
            let db = open_url(url).await?;
            Ok((clocks::calendar(&db).await?, Some(db)))
        }
        None => Ok((Calendar::england_and_wales(), None)),
    }
}

#[derive(Args, Debug)]
pub struct HolidaysArgs {
    /// The year, 1990 to 2100.
    #[arg(long, value_parser = clap::value_parser!(i32).range(1990..=2100), value_name = "YYYY")]
    pub year: i32,
    #[command(flatten)]
    pub cal: CalendarArgs,
}

pub async fn holidays(a: HolidaysArgs) -> Result<ExitCode> {
    let (cal, _) = calendar_of(&a.cal).await?;
    for h in cal.holidays_in_year(a.year) {
        println!("{}\t{}", h.date.format("%Y-%m-%d"), h.name);
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct WorkingDaysArgs {
    #[arg(long, value_parser = date_arg, value_name = "YYYY-MM-DD")]
    pub from: NaiveDate,
    #[arg(long, value_parser = date_arg, value_name = "YYYY-MM-DD")]
    pub to: NaiveDate,
    #[command(flatten)]
    pub cal: CalendarArgs,
}

pub async fn working_days(a: WorkingDaysArgs) -> Result<ExitCode> {
    let (cal, _) = calendar_of(&a.cal).await?;
    println!("{}", cal.working_days_between(a.from, a.to));
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct DeadlineArgs {
    /// The rule's id, as `learnloop rules` lists them.
    #[arg(long, value_name = "RULE")]
    pub rule: String,
    /// The date of the event that starts the clock.
    #[arg(long, value_parser = date_arg, value_name = "YYYY-MM-DD")]
    pub from: NaiveDate,
    /// With --database-url: the partnership whose local rules count (its short id).
    #[arg(long, value_name = "PARTNERSHIP")]
    pub partnership: Option<String>,
    #[command(flatten)]
    pub cal: CalendarArgs,
}

async fn rules_of(db: Option<&Db>, partnership: Option<&str>) -> Result<Vec<ClockRule>> {
    match (db, partnership) {
        (Some(db), Some(slug)) => {
            let Some(p) = governance::partnership_by_slug(db, slug).await? else {
                bail!("--partnership: no partnership has the short id {slug:?}");
            };
            Ok(clocks::rules(db, &p.id).await?)
        }
        _ => Ok(seeded_rules()),
    }
}

pub async fn deadline(a: DeadlineArgs) -> Result<ExitCode> {
    let (cal, db) = calendar_of(&a.cal).await?;
    let rules = rules_of(db.as_ref(), a.partnership.as_deref()).await?;
    let Some(rule) = rules.iter().find(|r| r.slug == a.rule) else {
        eprintln!(
            "error: --rule must be one of: {}",
            rules
                .iter()
                .map(|r| r.slug.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Ok(ExitCode::from(2));
    };
    println!("{}", rule.due_date(&cal, a.from).format("%Y-%m-%d"));
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// With --database-url: include this partnership's local rules (its short id).
    #[arg(long, value_name = "PARTNERSHIP")]
    pub partnership: Option<String>,
    #[command(flatten)]
    pub cal: CalendarArgs,
}

pub async fn rules(a: RulesArgs) -> Result<ExitCode> {
    let db = match &a.cal.database_url {
        Some(url) => Some(open_url(url).await?),
        None => None,
    };
    for r in rules_of(db.as_ref(), a.partnership.as_deref()).await? {
        println!(
            "{}\t{}\t{}\t{}",
            r.slug,
            r.name,
            r.describe_timing(),
            if r.statutory { "statutory" } else { "local" }
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// How many partnerships to generate (gen-001, gen-002, …).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=999), value_name = "N")]
    pub partnerships: u32,
    /// How many years of history each partnership gets, ending today.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=30), value_name = "N")]
    pub years: u32,
    /// The seed: the same seed gives the same data.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub seed: u64,
    /// Make the first partnership the demo partnership (loaded if missing) instead of gen-001.
    #[arg(long)]
    pub demo: bool,
    /// The day the history ends (default: today in London).
    #[arg(long, value_parser = date_arg, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
    /// Where the generated evidence files go: give the server's own file store flags, so that
    /// the evidence downloads there.
    #[command(flatten)]
    pub files: FilesArgs,
}

/// Fills the database with synthetic partnerships for trying the service at volume.
pub async fn generate(a: GenerateArgs) -> Result<ExitCode> {
    use learnloop_store::generate::{self, Options};
    let s3 = match s3_config(&a.files) {
        Ok(s3) => s3,
        Err(line) => {
            eprintln!("error: {line}");
            return Ok(ExitCode::from(2));
        }
    };
    let (files, kept_in) = open_files(s3, &a.files).await?;
    let db = open(&a.db).await?;
    if generate::already_generated(&db, a.demo).await? {
        eprintln!(
            "error: this database already has generated partnerships (gen-…): use an empty database"
        );
        return Ok(ExitCode::from(2));
    }
    let o = Options {
        partnerships: a.partnerships,
        years: a.years,
        seed: a.seed,
        demo: a.demo,
        today: a
            .today
            .unwrap_or_else(|| learnloop_domain::dates::london_date(Utc::now())),
        files: Some(files),
    };
    println!("Evidence files go to {kept_in}.");
    let started = std::time::Instant::now();
    println!(
        "Generating {} partnerships with {} years of history each (seed {}).",
        o.partnerships, o.years, o.seed
    );
    let counts = generate::run(&db, &o, &mut |line: &str| println!("{line}")).await?;
    let total: u64 = counts.values().sum();
    for (table, n) in &counts {
        println!("{table}\t{n}");
    }
    println!(
        "Generated {total} rows in {:.1}s.",
        started.elapsed().as_secs_f64()
    );
    db.close().await;
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The archive to write (a zip file: the database's snapshot, every file, a manifest with
    /// checksums). Written beside as FILE.partial and renamed when complete.
    #[arg(long, value_name = "FILE")]
    pub to: std::path::PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub files: FilesArgs,
}

/// Writes one archive while the server runs: a consistent snapshot of the database, the file
/// store's files and a manifest with checksums.
pub async fn backup(a: BackupArgs) -> Result<ExitCode> {
    let s3 = match s3_config(&a.files) {
        Ok(s3) => s3,
        Err(line) => {
            eprintln!("error: {line}");
            return Ok(ExitCode::from(2));
        }
    };
    if a.to.exists() {
        eprintln!(
            "error: {} already exists: name a new file for the backup",
            a.to.display()
        );
        return Ok(ExitCode::from(2));
    }
    // The database and folder must be there already: a backup creates and changes nothing
    // (a mistyped address must not back up a new, empty database and call it done).
    if let Some(path) = a.db.database_url.strip_prefix("sqlite://")
        && !std::path::Path::new(path.split('?').next().unwrap_or(path)).exists()
    {
        eprintln!("error: there is no database at {path}");
        return Ok(ExitCode::from(2));
    }
    if s3.is_none() && !a.files.files_dir.is_dir() {
        eprintln!(
            "error: there is no file store at {}",
            a.files.files_dir.display()
        );
        return Ok(ExitCode::from(2));
    }
    let db = Db::connect_with(&a.db.database_url, a.db.database_connections)
        .await
        .context("cannot open the database")?;
    let tables: Result<(i64,), _> = db
        .fetch_one(learnloop_store::query(
            "SELECT COUNT(*) FROM _sqlx_migrations",
        ))
        .await;
    if !matches!(tables, Ok((n,)) if n > 0) {
        eprintln!("error: this is not a Learnloop database: it has no schema to back up");
        return Ok(ExitCode::from(2));
    }
    let (files, from) = open_files(s3, &a.files).await?;
    match learnloop_store::backup::backup(&db, &a.db.database_url, &files, &a.to).await {
        Ok(s) => {
            let entries = if s.audit_entries > 0 {
                format!(", audit trail to entry {}", s.audit_entries)
            } else {
                String::new()
            };
            audit::record(
                &db,
                &Who::system("learnloop backup"),
                audit::Event::new("installation.backup", "installation", None).summary(format!(
                    "Backed up the database and {} files to {}",
                    s.files,
                    a.to.display()
                )),
            )
            .await?;
            println!(
                "Backed up the {} database ({} bytes{entries}) and {} files from {from} to {}. Keep the archive where the partnership's most sensitive records may be kept, and the secret key apart from it.",
                s.engine,
                s.database_bytes,
                s.files,
                a.to.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: the backup failed: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The archive `learnloop backup` wrote.
    #[arg(long, value_name = "FILE")]
    pub from: std::path::PathBuf,
    /// Only check the archive's parts against their checksums; restore nothing.
    #[arg(long)]
    pub check_only: bool,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub files: FilesArgs,
}

/// Fills an empty database and an empty file store from an archive, after checking every
/// part's checksum; then brings the schema up to date.
pub async fn restore(a: RestoreArgs) -> Result<ExitCode> {
    if a.check_only {
        return Ok(match learnloop_store::backup::verify(&a.from) {
            Ok(m) => {
                println!(
                    "The backup is whole: a {} database and {} files, taken at {}.",
                    m.engine,
                    m.files.len(),
                    m.created_at
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                println!("{e}");
                ExitCode::from(1)
            }
        });
    }
    let s3 = match s3_config(&a.files) {
        Ok(s3) => s3,
        Err(line) => {
            eprintln!("error: {line}");
            return Ok(ExitCode::from(2));
        }
    };
    let (files, to) = open_files(s3, &a.files).await?;
    match learnloop_store::backup::restore(&a.db.database_url, &files, &a.from).await {
        Ok(s) => {
            open(&a.db).await?;
            println!(
                "Restored the {} database (audit trail to entry {}) and {} files to {to}. Give the server the installation's secret key (with SQLite, copy the key file beside the database as its name with .key): without it second factors, mailed links and the audit anchor stop working. Then run verify-audit to check the trail.",
                s.engine, s.audit_entries, s.files
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: the restore failed: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The partnership, by its name or short id (e.g. "Northbrook Safeguarding Children
    /// Partnership" or northbrook-safeguarding-children-partnership).
    #[arg(long, value_name = "NAME")]
    pub partnership: String,
    /// The archive to write: a CSV file per table, its files, and a README of the columns.
    #[arg(long, value_name = "FILE")]
    pub to: std::path::PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub files: FilesArgs,
}

/// Writes everything one partnership holds, for a partnership leaving the service; audited.
pub async fn export_partnership(a: ExportArgs) -> Result<ExitCode> {
    let s3 = match s3_config(&a.files) {
        Ok(s3) => s3,
        Err(line) => {
            eprintln!("error: {line}");
            return Ok(ExitCode::from(2));
        }
    };
    if a.to.exists() {
        eprintln!(
            "error: {} already exists: name a new file for the export",
            a.to.display()
        );
        return Ok(ExitCode::from(2));
    }
    let db = open(&a.db).await?;
    // By its short id as given, or as its name makes it.
    let found = match governance::partnership_by_slug(&db, a.partnership.trim()).await? {
        Some(p) => Some(p),
        None => governance::partnership_by_slug(&db, &slugify(&a.partnership)).await?,
    };
    let Some(p) = found else {
        eprintln!(
            "error: --partnership: no partnership is called {:?}",
            a.partnership
        );
        return Ok(ExitCode::from(2));
    };
    let (files, _) = open_files(s3, &a.files).await?;
    let s = learnloop_store::export::partnership(&db, &files, &p.id, &a.to).await?;
    audit::record(
        &db,
        &Who {
            partnership_id: Some(p.id.clone()),
            ..Who::system("learnloop export-partnership")
        },
        audit::Event::new("partnership.export", "partnership", Some(&p.id)).summary(format!(
            "Exported all of {}'s records ({} rows in {} tables, {} files)",
            p.name, s.rows, s.tables, s.files
        )),
    )
    .await?;
    println!(
        "Exported {} rows from {} tables and {} files of {} to {}.",
        s.rows,
        s.tables,
        s.files,
        p.name,
        a.to.display()
    );
    Ok(ExitCode::SUCCESS)
}
