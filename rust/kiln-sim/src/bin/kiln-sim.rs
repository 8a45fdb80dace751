//! `kiln-sim`: the simulated token as a process.
//!
//! `kiln-sim vpcd [OPTIONS]` attaches a simulated token to vsmartcard's vpcd
//! reader driver (pcscd must be running with it): the token then sits on the
//! PC/SC reader "Virtual PCD 00 00" (port 35963) or "… 00 01" (port 35964) and
//! any PC/SC client, `kiln` included, talks to it for real.

use clap::{Parser, Subcommand};
use kiln_core::proto::{DeviceKey, SyncClass};
use kiln_core::session::{Clock, SystemClock};
use kiln_sim::vpcd::{self, Drop, VpcdOptions};
use kiln_sim::{Reply, SimConfig, SimToken};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

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
its clock offset. It is rewritten after every command and power event.")]
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
    /// Token serial (its prefix picks the model, e.g. 8659622… is an OTPC-P2-i).
    #[arg(long, default_value = "86596220000001")]
    serial: String,
    /// Token clock minus true time, seconds (negative: behind).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    offset: f64,
    /// Clock drift, parts per million.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    drift: f64,
    /// Override the model's sync class.
    #[arg(long, value_parser = ["restricted", "unrestricted"])]
    sync: Option<String>,
    /// The token already holds a seed.
    #[arg(long)]
    has_seed: bool,
    /// The token expects a different key than the family default.
    #[arg(long)]
    wrong_key: bool,
    /// Lock-out counter size (wrong keys answer 63 Cx).
    #[arg(long)]
    lockout: Option<u8>,
    /// Vanish on receiving command APDU N (1-based), without processing it.
    #[arg(long, value_name = "N", conflicts_with = "drop_after")]
    drop_before: Option<usize>,
    /// Process command APDU N, then vanish without answering (mid-burn removal).
    #[arg(long, value_name = "N", conflicts_with_all = ["drop_before_ins", "drop_after_ins"])]
    drop_after: Option<usize>,
    /// Vanish on receiving the first command with this INS (hex, e.g. C5 = WRITE
    /// SEED), without processing it.
    #[arg(long, value_name = "INS", value_parser = parse_ins, conflicts_with_all = ["drop_before", "drop_after_ins"])]
    drop_before_ins: Option<u8>,
    /// Process the first command with this INS (hex, e.g. D4 = WRITE CONFIG), then
    /// vanish without answering.
    #[arg(long, value_name = "INS", value_parser = parse_ins, conflicts_with = "drop_before")]
    drop_after_ins: Option<u8>,
    /// Answer the first command with this INS with these bytes instead of
    /// processing it, e.g. `C5=6983` (WRITE SEED refused) or `D4=90` (a short
    /// answer). The card stays on the reader.
    #[arg(long, value_name = "INS=HEX", value_parser = parse_answer,
          conflicts_with_all = ["drop_before", "drop_after", "drop_before_ins", "drop_after_ins"])]
    answer_ins: Option<(u8, Reply)>,
    /// After a drop, come back (same token placed again) after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    return_after: Option<f64>,
    /// Keep retrying the first connection this long (pcscd may be starting).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    connect_timeout: f64,
    /// Present a T=0-only ATR (3B 00) and answer like a T=0 contact reader:
    /// `61 XX` for responses with data, the data via GET RESPONSE.
    #[arg(long)]
    t0: bool,
    /// Write the token's observable state (never the seed) here as JSON.
    #[arg(long, value_name = "PATH")]
    state_file: Option<PathBuf>,
}

fn main() -> ExitCode {
    let Cmd::Vpcd(a) = Cli::parse().cmd;
    let cfg = SimConfig {
        serial: a.serial.clone(),
        sync: a.sync.as_deref().map(|s| {
            if s == "unrestricted" {
                SyncClass::Unrestricted
            } else {
                SyncClass::Restricted
            }
        }),
        key: if a.wrong_key {
            DeviceKey::from_bytes([0x5A; 16])
        } else {
            DeviceKey::family_default()
        },
        clock_offset_us: (a.offset * 1e6).round() as i64,
        drift_ppm: a.drift,
        lockout_tries: a.lockout,
        initial_seed: a.has_seed.then(|| vec![0xA5; 20]),
        ..SimConfig::default()
    };
    let mut token = SimToken::new(cfg, SystemClock.now());
    let opts = VpcdOptions {
        host: a.host,
        port: a.port,
        connect_timeout: secs(a.connect_timeout),
        drop: a
            .drop_before
            .map(Drop::Before)
            .or(a.drop_after.map(Drop::After))
            .or(a.drop_before_ins.map(Drop::BeforeIns))
            .or(a.drop_after_ins.map(Drop::AfterIns))
            .or(a.answer_ins.map(|(ins, r)| Drop::AnswerIns(ins, r))),
        return_after: a.return_after.map(secs),
        state_file: a.state_file,
        t0: a.t0,
    };
    match vpcd::run(&mut token, &opts) {
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

fn parse_ins(s: &str) -> Result<u8, String> {
    u8::from_str_radix(s.trim_start_matches("0x"), 16)
        .map_err(|_| format!("{s:?} is not an INS byte in hex (e.g. D4)"))
}

fn parse_answer(s: &str) -> Result<(u8, Reply), String> {
    let (ins, hex) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected INS=HEX, e.g. C5=6983"))?;
    let reply = Reply::parse_hex(hex)
        .ok_or_else(|| format!("{hex:?} is not 1 to 8 bytes of hex (e.g. 6983)"))?;
    Ok((parse_ins(ins)?, reply))
}

fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s.max(0.0)).unwrap_or(Duration::ZERO)
}
