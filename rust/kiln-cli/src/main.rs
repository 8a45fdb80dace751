//! `kiln`: burn TOTP seeds onto NFC-programmable hardware OTP tokens.
//!
//! Each subcommand lives in its own module with an `Args` struct and a `run`
//! function returning an [`exit::Exit`]; this file only dispatches.

// Crate-wide printing that never panics on a closed stdout/stderr (see
// `output/stdio.rs`): these shadow std's macros in every module declared below.
macro_rules! println {
    () => { $crate::stdio::stdout(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::stdio::stdout(format_args!($($arg)*), true) };
}
#[allow(unused_macros)]
macro_rules! print {
    ($($arg:tt)*) => { $crate::stdio::stdout(format_args!($($arg)*), false) };
}
macro_rules! eprintln {
    () => { $crate::stdio::stderr(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::stdio::stderr(format_args!($($arg)*), true) };
}
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::stdio::stderr(format_args!($($arg)*), false) };
}

mod commands;
mod input;
mod output;
mod token;

// Every module by its own name (`crate::show`, `crate::seed_in`, …), wherever
// its role puts it.
use commands::burn_checks;
use input::{argv_guard, bounds, keyopt, paste, qr_in, screen, seed_in, source};
use output::{exit, out, show, stdio};
use token::{interrupt, pcsc_link, reference, remember, station, transport};

use clap::{Parser, Subcommand};
use exit::Exit;
use std::process::ExitCode;

const ABOUT: &str = "Burn TOTP seeds onto NFC-programmable hardware OTP tokens";

const LONG_ABOUT: &str = "\
kiln programs (\"burns\") a service's TOTP seed onto a programmable hardware token
(Token2 OTPC/miniOTP/C30x \"-i\" models, ExcelSecu eSecuOTP; Deepnet SafeID read-only)
through a PC/SC NFC reader (e.g. HID OMNIKEY 5427 CK, ACS ACR1252U), sets its clock,
and checks the result.

Seeds are never taken from the command line: pipe them on standard input
(an otpauth:// link, a Google Authenticator export link, or Base32/Hex text),
read them from a QR code (--qr-file, --qr-screen), or type them at the hidden prompt.";

const AFTER_HELP: &str = concat!(
    "\
A session at the desk:
  kiln readers                          # is the reader there? is the token on it?
  kiln info                             # serial, model, token clock and drift
  kiln burn --qr-file setup-qr.png      # or: pipe the otpauth:// link into kiln burn
  (switch the token off and on)
  kiln verify                           # type the code the token shows: right or why not
  kiln sync                             # later: fix a drifting clock (unrestricted models)

Switch the token on (press its button) before laying it on the reader: it answers
only while its display is on. Each command waits for it (--wait SECONDS).

",
    exit::exit_codes_help!()
);

#[derive(Parser, Debug)]
#[command(name = "kiln", version, about = ABOUT, long_about = LONG_ABOUT, after_help = AFTER_HELP)]
struct Cli {
    /// Print one JSON object on stdout instead of text (for scripts).
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    cmd: Cmd,
}

/// Options every command may read.
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    pub json: bool,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    Inspect(commands::inspect::Args),
    Codes(commands::codes::Args),
    Diagnose(commands::diagnose::Args),
    /// Burn a TOTP seed (from stdin, a QR code or a hidden prompt) onto a token.
    Burn(commands::burn::Args),
    /// Read a token's serial, model, clock and drift.
    Info(commands::info::Args),
    /// Read QR codes from image files (otpauth links, authenticator exports).
    Qr(commands::qr::Args),
    /// List PC/SC readers and whether a token is on each.
    Readers(commands::readers::Args),
    /// Set a token's clock, keeping its seed (settings given or remembered).
    Sync(commands::sync::Args),
    Verify(commands::verify::Args),
    /// Burn a box of tokens with fresh or seed-file seeds, journalled first (encrypted).
    Batch(commands::batch::Args),
    /// Export a batch journal's seeds (Entra ID, Graph, DualShield, Duo, CSV).
    Export(commands::export::Args),
    /// Print a batch journal's audit log.
    Audit(commands::audit::Args),
}

fn main() -> ExitCode {
    // Before clap, which would quote a seed given as an argument back in its error.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(msg) = argv_guard::check(&args) {
        out::init(args.iter().skip(1).any(|a| a == "--json"));
        out::error(msg);
        out::finish(Exit::Usage);
        return Exit::Usage.into();
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    out::init(cli.json);
    interrupt::install();
    let ctx = Ctx { json: cli.json };
    let exit: Exit = match cli.cmd {
        Cmd::Inspect(args) => commands::inspect::run(args, ctx),
        Cmd::Codes(args) => commands::codes::run(args, ctx),
        Cmd::Diagnose(args) => commands::diagnose::run(args, ctx),
        Cmd::Burn(a) => commands::burn::run(a, ctx),
        Cmd::Info(a) => commands::info::run(a, ctx),
        Cmd::Qr(a) => commands::qr::run(a, ctx),
        Cmd::Readers(a) => commands::readers::run(a, ctx),
        Cmd::Sync(a) => commands::sync::run(a, ctx),
        Cmd::Verify(a) => commands::verify::run(a, ctx),
        Cmd::Batch(a) => commands::batch::run(a, ctx),
        Cmd::Export(a) => commands::export::run(a, ctx),
        Cmd::Audit(a) => commands::audit::run(a, ctx),
    };
    // Ctrl-C during a token session was only noted (see `interrupt`); the
    // command has said what state the token is in.
    let exit = if interrupt::requested() && exit != Exit::Ok {
        Exit::Interrupted
    } else {
        exit
    };
    out::finish(exit);
    exit.into()
}

/// clap could not parse the command line (or `--help`/`--version` was asked
/// for): clap prints it; with `--json` on an error, the one object follows.
fn usage_error(e: &clap::Error) -> ExitCode {
    let _ = e.print();
    let code = e.exit_code();
    let json = std::env::args_os().skip(1).any(|a| a == "--json");
    if json && e.use_stderr() {
        out::init(true);
        let text = e.to_string();
        let first = text.lines().next().unwrap_or_default();
        out::record(first.strip_prefix("error: ").unwrap_or(first));
        out::finish(Exit::Usage);
        return Exit::Usage.into();
    }
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}
