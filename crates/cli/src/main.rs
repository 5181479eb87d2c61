//! The `learnloop` binary: the server and the operator's commands.
//!
//! Every flag also reads an environment variable (`LEARNLOOP_…`). Bad arguments get a one-line
//! message naming the argument and the form expected, and exit code 2.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

// A page allocates and frees thousands of small strings and rows; glibc's allocator took a
// fifth of the server's processor time under load, mimalloc about half of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "learnloop",
    version,
    about = "Learnloop: learning and improvement for safeguarding children partnerships"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web service (creating and migrating the database first).
    Serve(commands::ServeArgs),
    /// Create or bring the database schema up to date, then exit.
    Migrate(commands::DbArgs),
    /// Check the audit trail is unbroken and as long as its last anchor: exit 0 if intact, 1
    /// naming the first bad entry or the removed tail.
    VerifyAudit(commands::VerifyArgs),
    /// Write one archive of the database (a consistent snapshot, taken while the server runs)
    /// and the file store, with a manifest of checksums.
    Backup(commands::BackupArgs),
    /// Fill an empty database and file store from a backup, after checking its checksums.
    Restore(commands::RestoreArgs),
    /// Write everything one partnership holds (a CSV file per table, its files, a README of
    /// the columns) to one archive, for a partnership leaving the service.
    ExportPartnership(commands::ExportArgs),
    /// Manage people from the command line.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Print the bank holidays of England and Wales in a year.
    Holidays(commands::HolidaysArgs),
    /// Print the number of working days after --from up to and including --to.
    WorkingDays(commands::WorkingDaysArgs),
    /// Print the due date of a clock rule started on a date.
    Deadline(commands::DeadlineArgs),
    /// List the clock rules and their ids.
    Rules(commands::RulesArgs),
    /// Queue the action reminder digests of a day now (the server also does it by itself).
    Remind(commands::RemindArgs),
    /// Fill a database with realistic synthetic partnerships (deterministic from --seed).
    Generate(commands::GenerateArgs),
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add a person with a role (e.g. the first system administrator of a new installation).
    Add(commands::UserAddArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // One line: clap's first paragraph names the argument and what was expected.
            let text = e.render().to_string();
            let line: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            eprintln!("{}", line.join(" "));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(a) => commands::serve(a).await,
            Command::Migrate(a) => commands::migrate(a).await,
            Command::VerifyAudit(a) => commands::verify_audit(a).await,
            Command::Backup(a) => commands::backup(a).await,
            Command::Restore(a) => commands::restore(a).await,
            Command::ExportPartnership(a) => commands::export_partnership(a).await,
            Command::User {
                command: UserCommand::Add(a),
            } => commands::user_add(a).await,
            Command::Holidays(a) => commands::holidays(a).await,
            Command::WorkingDays(a) => commands::working_days(a).await,
            Command::Deadline(a) => commands::deadline(a).await,
            Command::Rules(a) => commands::rules(a).await,
            Command::Remind(a) => commands::remind(a).await,
            Command::Generate(a) => commands::generate(a).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
