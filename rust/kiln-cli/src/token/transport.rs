//! Choosing the transport: the one place that knows how a command reaches a
//! token: a PC/SC reader (default; `--reader NAME`), or the simulator (`--sim`).

use kiln_core::proto::{DeviceKey, SyncClass};
use kiln_core::session::{Clock, SystemClock, Transceive};
use kiln_sim::{Fault, FaultPoint, Reply, SimConfig, SimLink, SimToken, VirtualClock};
use std::time::Duration;

/// How long a single-token command waits for the token by default, seconds.
pub const DEFAULT_WAIT_SECS: u64 = 60;

/// Transport options shared by every command that talks to a token.
#[derive(clap::Args, Debug, Clone)]
pub struct TransportArgs {
    /// The PC/SC reader to use (as `kiln readers` lists it; a unique part of the
    /// name is enough). Default: the one reader holding a token, or the only reader.
    #[arg(long, value_name = "NAME", conflicts_with = "sim")]
    pub reader: Option<String>,

    /// How long to wait for the token to be placed on the reader, seconds
    /// [default: 60; kiln batch: each token, no limit unless given].
    #[arg(long, value_name = "SECONDS", value_parser = crate::bounds::wait())]
    pub wait: Option<u64>,

    /// Talk to a simulated token instead of a reader (virtual time: instant and
    /// deterministic; for trying kiln out and for tests).
    #[arg(long, help_heading = "Simulated token (testing)")]
    pub sim: bool,

    /// Simulated token: serial number (its prefix picks the model).
    #[arg(
        long,
        help_heading = "Simulated token (testing)",
        value_name = "SERIAL",
        default_value = "86596220000001"
    )]
    pub sim_serial: String,

    /// Simulated token: clock offset from true time, seconds (negative: behind).
    #[arg(
        long,
        help_heading = "Simulated token (testing)",
        value_name = "SECONDS",
        default_value_t = 0.0,
        allow_negative_numbers = true,
        value_parser = crate::bounds::sim_offset
    )]
    pub sim_offset: f64,

    /// Simulated token: clock drift, parts per million.
    #[arg(
        long,
        help_heading = "Simulated token (testing)",
        value_name = "PPM",
        default_value_t = 0.0,
        allow_negative_numbers = true,
        value_parser = crate::bounds::sim_drift
    )]
    pub sim_drift: f64,

    /// Simulated token: override the model's sync class.
    #[arg(long, help_heading = "Simulated token (testing)", value_name = "CLASS", value_parser = ["restricted", "unrestricted"])]
    pub sim_sync: Option<String>,

    /// Simulated round trip per command, milliseconds.
    #[arg(
        long,
        help_heading = "Simulated token (testing)",
        value_name = "MS",
        default_value_t = 20,
        value_parser = crate::bounds::rtt_ms()
    )]
    pub sim_rtt_ms: u32,

    /// Simulated token expects a different key (shows a key refusal).
    #[arg(long, help_heading = "Simulated token (testing)")]
    pub sim_wrong_key: bool,

    /// Simulated token: lock-out counter size (wrong keys answer 63 Cx).
    #[arg(long, help_heading = "Simulated token (testing)", value_name = "TRIES")]
    pub sim_lockout: Option<u8>,

    /// Simulated link drops before the card processes command N (1-based).
    #[arg(long, help_heading = "Simulated token (testing)", value_name = "N")]
    pub sim_drop_before: Option<usize>,

    /// Simulated link drops after the card processed command N (its answer is lost).
    #[arg(long, help_heading = "Simulated token (testing)", value_name = "N")]
    pub sim_drop_after: Option<usize>,

    /// Simulated token answers command N with these bytes instead of processing
    /// it: a refusal (`5=6983`), an undocumented status word, a short answer (`5=90`).
    #[arg(long, help_heading = "Simulated token (testing)", value_name = "N=HEX", value_parser = parse_answer)]
    pub sim_answer: Option<(usize, Reply)>,

    /// Simulated token never answers command N (a reader timeout; not processed).
    #[arg(long, help_heading = "Simulated token (testing)", value_name = "N")]
    pub sim_no_answer: Option<usize>,

    /// Simulated token already holds a seed (so a failed burn can show what was kept).
    #[arg(long, help_heading = "Simulated token (testing)")]
    pub sim_has_seed: bool,

    /// After a link loss that leaves the token unfinished, the simulated user taps
    /// the same token again at once (shows the resume flow).
    #[arg(long, help_heading = "Simulated token (testing)")]
    pub sim_retap: bool,
}

/// An open connection to a token (reader or simulator) plus the reference clock
/// that goes with it.
pub struct TokenConnection {
    pub link: Box<dyn Transceive>,
    pub clock: Box<dyn Clock>,
    /// One line for the user ("simulated token, virtual time, 20 ms round trip").
    pub description: String,
    /// Waits until the user presents the token again after a link loss; `false`
    /// when this transport cannot (the command then ends with the advice).
    pub retap: Box<dyn FnMut() -> bool>,
    /// Whether `retap` can succeed at all (a reader can wait; the simulator only
    /// with `--sim-retap`).
    pub can_retap: bool,
    /// What the transport tells about the token (reader, protocol, ATR) for a
    /// first-contact report; never the card's UID.
    pub facts: Vec<kiln_core::report::Fact>,
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error(transparent)]
    Pcsc(#[from] crate::pcsc_link::PcscError),
}

impl TransportError {
    /// No token was placed within `--wait`.
    pub fn is_no_card(&self) -> bool {
        match self {
            Self::Pcsc(e) => e.is_no_card(),
        }
    }
}

/// Opens the transport the arguments ask for: waits for the token on a PC/SC
/// reader (prompting on stderr), or builds the simulated token.
pub fn open(args: &TransportArgs) -> Result<TokenConnection, TransportError> {
    if !args.sim {
        return open_pcsc(args);
    }
    let start = SystemClock.now();
    let clock = VirtualClock::new(start);
    let cfg = SimConfig {
        serial: args.sim_serial.clone(),
        sync: args.sim_sync.as_deref().map(|s| {
            if s == "unrestricted" {
                SyncClass::Unrestricted
            } else {
                SyncClass::Restricted
            }
        }),
        key: if args.sim_wrong_key {
            DeviceKey::from_bytes([0x5A; 16])
        } else {
            DeviceKey::family_default()
        },
        clock_offset_us: (args.sim_offset * 1e6).round() as i64,
        drift_ppm: args.sim_drift,
        lockout_tries: args.sim_lockout,
        initial_seed: args.sim_has_seed.then(|| vec![0xA5; 20]),
        ..SimConfig::default()
    };
    let mut link = SimLink::new(SimToken::new(cfg, start), clock.clone())
        .with_round_trip(i64::from(args.sim_rtt_ms) * 1000);
    if let Some(n) = args.sim_drop_before {
        link = link.with_fault(Fault {
            command: n,
            point: FaultPoint::BeforeProcessing,
        });
    }
    if let Some(n) = args.sim_drop_after {
        link = link.with_fault(Fault {
            command: n,
            point: FaultPoint::AfterProcessing,
        });
    }
    if let Some((n, reply)) = args.sim_answer {
        link = link.with_fault(Fault {
            command: n,
            point: FaultPoint::Answer(reply),
        });
    }
    if let Some(n) = args.sim_no_answer {
        link = link.with_fault(Fault {
            command: n,
            point: FaultPoint::NoAnswer { processed: false },
        });
    }
    Ok(TokenConnection {
        link: Box::new(link),
        clock: Box::new(clock),
        description: format!(
            "simulated token (virtual time, {} ms round trip)",
            args.sim_rtt_ms
        ),
        // The simulated link restores the field on the next command.
        retap: {
            let again = args.sim_retap;
            Box::new(move || again)
        },
        can_retap: args.sim_retap,
        facts: vec![kiln_core::report::Fact::new(
            "Transport",
            "simulated token (kiln --sim)",
        )],
    })
}

fn open_pcsc(args: &TransportArgs) -> Result<TokenConnection, TransportError> {
    let p = crate::pcsc_link::open(
        args.reader.as_deref(),
        Duration::from_secs(args.wait.unwrap_or(DEFAULT_WAIT_SECS)),
        crate::pcsc_link::Ui::detect(),
    )?;
    Ok(TokenConnection {
        link: Box::new(p.link),
        clock: Box::new(SystemClock),
        description: format!(
            "reader \"{}\" ({}, ATR {})",
            p.reader,
            p.protocol,
            crate::pcsc_link::hex(&p.atr)
        ),
        facts: vec![
            kiln_core::report::Fact::new("Transport", "PC/SC reader"),
            kiln_core::report::Fact::new("Reader", p.reader.clone()),
            kiln_core::report::Fact::new("Protocol", p.protocol),
            kiln_core::report::Fact::new("ATR", crate::pcsc_link::hex(&p.atr)),
        ],
        retap: p.retap,
        can_retap: true,
    })
}

/// `N=HEX` of `--sim-answer`.
fn parse_answer(s: &str) -> Result<(usize, Reply), String> {
    let (n, hex) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected N=HEX, e.g. 5=6983"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("{n:?} is not a command number"))?;
    let reply = Reply::parse_hex(hex)
        .ok_or_else(|| format!("{hex:?} is not 1 to 8 bytes of hex (e.g. 6983)"))?;
    Ok((n, reply))
}
