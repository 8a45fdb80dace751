//! Burn benchmark: APDUs and bytes on the wire per session, session time in
//! virtual time at a given round trip, and host CPU time per simulated burn.
//!
//! `cargo run --release -p kiln-sim --example burn_bench [-- RTT_MS]`
//! (scripts/bench/burn.sh). Prints a Markdown table.

use kiln_core::clock::{Reference, ReferenceSource};
use kiln_core::params::{TokenConfig, TokenSeed};
use kiln_core::proto::UnknownModelPolicy;
use kiln_core::secret::SecretBytes;
use kiln_core::session::{
    run_session, BurnRequest, BurnSession, Clock, Measure, Outcome, ReadSession, Session,
    SyncSession, Transceive,
};
use kiln_sim::{SimConfig, SimLink, SimToken, T0Link, VirtualClock};
use std::time::Instant;

const START: i64 = 1_795_326_000_000_000;
const RESTRICTED: &str = "86596220000001";
const UNRESTRICTED: &str = "86596320000001";

#[derive(Clone, Copy)]
enum Kind {
    Read,
    Burn(usize),
    Sync,
}

struct Row {
    label: String,
    apdus: usize,
    sent: usize,
    received: usize,
    virtual_ms: f64,
    cpu_us: f64,
}

const SIM_REF: Reference = Reference::trusted(ReferenceSource::Simulator);

fn session(kind: Kind) -> Box<dyn Session> {
    match kind {
        Kind::Read => Box::new(ReadSession::new(SIM_REF, Measure::Advice)),
        Kind::Sync => Box::new(SyncSession::new(TokenConfig::default(), SIM_REF)),
        Kind::Burn(n) => {
            let seed = match TokenSeed::new(SecretBytes::new(vec![0x42; n])) {
                Ok(s) => s,
                Err(e) => panic!("bench seed: {e}"),
            };
            Box::new(BurnSession::new(BurnRequest {
                seed,
                config: TokenConfig::default(),
                unknown_model: UnknownModelPolicy::ReadOnly,
                reference: SIM_REF,
                sync_clock: true,
                confirm: kiln_core::session::Confirm::Precise,
            }))
        }
    }
}

/// One run; returns (apdus, bytes sent, bytes received, virtual µs).
fn once(serial: &str, kind: Kind, rtt_us: i64, t0: bool) -> (usize, usize, usize, i64) {
    let mut clock = VirtualClock::new(START);
    let card = SimToken::new(
        SimConfig {
            serial: serial.into(),
            ..SimConfig::default()
        },
        START,
    );
    let link = SimLink::new(card, clock.clone()).with_round_trip(rtt_us);
    let mut s = session(kind);
    let out;
    let counted;
    if t0 {
        let mut c = Counting::new(T0Link::new(link).with_round_trip(clock.clone(), rtt_us));
        out = run_session(&mut s, &mut c, &mut clock);
        counted = (c.apdus, c.sent, c.received);
    } else {
        let mut c = Counting::new(link);
        out = run_session(&mut s, &mut c, &mut clock);
        counted = (c.apdus, c.sent, c.received);
    }
    assert!(
        matches!(
            out,
            Outcome::Read(_) | Outcome::Burned(_) | Outcome::Synced(_)
        ),
        "{out:?}"
    );
    (counted.0, counted.1, counted.2, clock.now() - START)
}

/// Counts what crosses the wire between the driver and the reader.
struct Counting<L> {
    inner: L,
    apdus: usize,
    sent: usize,
    received: usize,
}

impl<L> Counting<L> {
    fn new(inner: L) -> Self {
        Self {
            inner,
            apdus: 0,
            sent: 0,
            received: 0,
        }
    }
}

impl<L: Transceive> Transceive for Counting<L> {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, kiln_core::session::LinkError> {
        self.apdus += 1;
        self.sent += apdu.len();
        let r = self.inner.transceive(apdu)?;
        self.received += r.len();
        Ok(r)
    }
}

fn measure(label: &str, serial: &str, kind: Kind, rtt_us: i64, t0: bool) -> Row {
    let (apdus, sent, received, virt) = once(serial, kind, rtt_us, t0);
    let iters = 2000;
    let start = Instant::now();
    for _ in 0..iters {
        std::hint::black_box(once(serial, kind, rtt_us, t0));
    }
    let cpu_us = start.elapsed().as_secs_f64() * 1e6 / f64::from(iters);
    Row {
        label: label.into(),
        apdus,
        sent,
        received,
        virtual_ms: virt as f64 / 1000.0,
        cpu_us,
    }
}

fn main() {
    let rtt_ms: i64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let rtt = rtt_ms * 1000;
    let rows = [
        measure("read (GET INFO)", RESTRICTED, Kind::Read, rtt, false),
        measure("burn, 10-byte seed", RESTRICTED, Kind::Burn(10), rtt, false),
        measure("burn, 20-byte seed", RESTRICTED, Kind::Burn(20), rtt, false),
        measure("burn, 32-byte seed", RESTRICTED, Kind::Burn(32), rtt, false),
        measure("burn, 63-byte seed", RESTRICTED, Kind::Burn(63), rtt, false),
        measure(
            "burn, 20-byte seed, T=0 contact reader",
            RESTRICTED,
            Kind::Burn(20),
            rtt,
            true,
        ),
        measure(
            "sync (unrestricted model)",
            UNRESTRICTED,
            Kind::Sync,
            rtt,
            false,
        ),
    ];
    println!("Round trip per APDU: {rtt_ms} ms (virtual time). Host CPU: mean of 2000 simulated sessions.\n");
    println!("| session | APDUs | bytes sent | bytes received | session time (virtual) | host CPU per session |");
    println!("|---|---:|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {:.0} ms | {:.1} µs |",
            r.label, r.apdus, r.sent, r.received, r.virtual_ms, r.cpu_us
        );
    }
}
