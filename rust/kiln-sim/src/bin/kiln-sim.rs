//! `kiln-sim`: the simulated token as a process.
//!
//! `kiln-sim vpcd [OPTIONS]` attaches a simulated token to vsmartcard's vpcd
//! reader driver (pcscd must be running with it): the token then sits on the
//! PC/SC reader "Virtual PCD 00 00" (port 35963) or "… 00 01" (port 35964) and
//! any PC/SC client, `kiln` included, talks to it for real.

use clap::{Parser, Subcommand};
use kiln_core::session::{Clock, SystemClock};
use kiln_sim::spec::{load_box, secs, TokenSpec};
use kiln_sim::vpcd::{self, VpcdOptions};
use kiln_sim::vpcd_box::{run_box, BoxOptions};
use kiln_sim::SimToken;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;

#[derive(Parser, Debug)]
#[command(
    name = "kiln-sim",
    version,
    about = "A simulated programmable TOTP token for tests"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Be a card on vpcd's virtual PC/SC reader until pcscd closes the connection.
    #[command(after_help = "\
Examples:
  scripts/pcsc-env.sh start
  kiln-sim vpcd --state-file /tmp/token.json &       # token on \"Virtual PCD 00 00\"
  kiln readers
  echo 'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP' | kiln burn --reader 'Virtual PCD 00 00'
  jq .holds_seed,.config,.clock_offset_ms /tmp/token.json

The state file never contains the seed: it holds whether one is stored, the codes
the token computes (at fixed times and at its current clock), its config and
its clock offset. It is rewritten after every command and power event.

A box of tokens (--box FILE, docs/pcsc-testing.md):
  echo '[\"86596220000001\", {\"serial\": \"86596220000002\", \"offset\": -40}]' > box.json
  kiln-sim vpcd --box box.json --state-file /tmp/box.json   # token 1 on the reader
  then type cues:  next | insert K | remove | quit   (one answer line each)")]
    Vpcd(VpcdArgs),
}

#[derive(clap::Args, Debug)]
struct VpcdArgs {
    /// vpcd port: 35963 is reader "Virtual PCD 00 00", 35964 is "Virtual PCD 00 01".
    #[arg(long, default_value_t = 35963)]
    port: u16,
    /// Host where pcscd with vpcd runs.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    #[command(flatten)]
    token: TokenSpec,
    /// Keep retrying the first connection this long (pcscd may be starting).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    connect_timeout: f64,
    /// Write the token's observable state (never the seed) here as JSON.
    #[arg(long, value_name = "PATH")]
    state_file: Option<PathBuf>,
    /// Play a box of tokens (JSON list, each entry the token options above in
    /// snake case) on the reader, cued by lines on stdin: next, insert K,
    /// remove, quit. Each cue is answered by one line on stdout.
    #[arg(
        long = "box",
        id = "box",
        value_name = "FILE",
        conflicts_with = "TokenSpec"
    )]
    box_file: Option<PathBuf>,
    /// With --box: seconds between taking a card off and placing the next
    /// (pcscd must see the reader empty in between; keep it at 1 or more).
    #[arg(long, value_name = "SECONDS", default_value_t = 1.2, requires = "box")]
    swap_gap: f64,
    /// With --box: start with the reader empty (the first cue places a token).
    #[arg(long, requires = "box")]
    start_empty: bool,
    /// With --box: hold each command this long before answering, as a reader's
    /// radio round trip would (for benchmarks), milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0, requires = "box")]
    rtt_ms: u64,
}

fn main() -> ExitCode {
    let Cmd::Vpcd(a) = Cli::parse().cmd;
    let result = match &a.box_file {
        Some(path) => play_box(path, &a),
        None => play_one(a),
    };
    match result {
        Ok(n) => {
            eprintln!("kiln-sim: done after {n} command(s)");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kiln-sim: {e}");
            ExitCode::FAILURE
        }
    }
}

fn play_one(a: VpcdArgs) -> Result<usize, String> {
    a.token.check()?;
    let mut token = SimToken::new(a.token.sim_config(), SystemClock.now());
    let opts = VpcdOptions {
        host: a.host,
        port: a.port,
        connect_timeout: secs(a.connect_timeout),
        drop: a.token.fault(),
        return_after: a.token.return_delay(),
        state_file: a.state_file,
        t0: a.token.t0,
    };
    vpcd::run(&mut token, &opts).map_err(|e| e.to_string())
}

fn play_box(path: &Path, a: &VpcdArgs) -> Result<usize, String> {
    let specs = load_box(path).map_err(|e| e.to_string())?;
    let opts = BoxOptions {
        host: a.host.clone(),
        port: a.port,
        connect_timeout: secs(a.connect_timeout),
        state_file: a.state_file.clone(),
        swap_gap: secs(a.swap_gap),
        start_empty: a.start_empty,
        rtt: std::time::Duration::from_millis(a.rtt_ms),
    };
    let (tx, rx) = mpsc::channel();
    // Cues come line by line on stdin; its end means no more cues.
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut out = std::io::stdout();
    run_box(&specs, &opts, &rx, &mut out).map_err(|e| e.to_string())
}
