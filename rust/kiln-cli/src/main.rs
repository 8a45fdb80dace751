//! `kiln`: burn TOTP seeds onto NFC-programmable hardware OTP tokens.
//!
//! Each subcommand lives in its own module with an `Args` struct and a `run`
//! function returning an [`exit::Exit`]; this file only dispatches.

mod cmd_burn;
mod cmd_codes;
mod cmd_diagnose;
mod cmd_info;
mod cmd_inspect;
mod cmd_qr;
mod exit;
mod input;
mod reference;
mod seed_in;
mod show;
mod transport;

use clap::{Parser, Subcommand};
use exit::Exit;
use std::process::ExitCode;

const ABOUT: &str = "Burn TOTP seeds onto NFC-programmable hardware OTP tokens";

const LONG_ABOUT: &str = "\
kiln programs (\"burns\") a service's TOTP seed onto a programmable hardware token
(Token2 OTPC/miniOTP/C30x \"-i\" models, ExcelSecu eSecuOTP; Deepnet SafeID read-only).

Seeds are never taken from the command line: pipe them on standard input
(an otpauth:// link, a Google Authenticator export link, or Base32/Hex text),
or type them at the hidden prompt.";

#[derive(Parser, Debug)]
#[command(name = "kiln", version, about = ABOUT, long_about = LONG_ABOUT, after_help = Exit::HELP)]
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
    // Each work item adds its subcommands here, one variant per line.
    Inspect(cmd_inspect::Args),
    Codes(cmd_codes::Args),
    Diagnose(cmd_diagnose::Args),
    /// Burn a TOTP seed (from stdin or a hidden prompt) onto a token.
    Burn(cmd_burn::Args),
    /// Read a token's serial, model, clock and drift.
    Info(cmd_info::Args),
    /// Read QR codes from image files (otpauth links, authenticator exports).
    Qr(cmd_qr::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = Ctx { json: cli.json };
    let exit: Exit = match cli.cmd {
        Cmd::Inspect(args) => cmd_inspect::run(args, ctx),
        Cmd::Codes(args) => cmd_codes::run(args, ctx),
        Cmd::Diagnose(args) => cmd_diagnose::run(args, ctx),
        Cmd::Burn(a) => cmd_burn::run(a, ctx),
        Cmd::Info(a) => cmd_info::run(a, ctx),
        Cmd::Qr(a) => cmd_qr::run(a, ctx),
    };
    exit.into()
}
