//! Clock benchmark through whole sessions: the real `kiln_core::session` code
//! (ReadSession, BurnSession, blocking driver) against the simulated token
//! (`kiln-sim`) in virtual time. Run: `scripts/bench/clock.sh` (or
//! `cargo run --release -p kiln-sim --example clock_sessions`).
//!
//! Each simulated session: true offset θ uniform in (−300 s, +300 s) with a
//! fractional part, random start phase; a link whose round trips follow the
//! scenario, card processing 1–8 ms with the clock read/set at a random point of
//! it, radio time split 30–70 % uplink (per session), and a host that sends
//! scheduled commands 0–1 ms late. Compared on the same worlds:
//!
//! - ours: `kiln info` (ReadSession, precise) for the drift; `kiln burn`
//!   (BurnSession defaults: advice measurement, planned WRITE CONFIG, confirmation
//!   polls) for the residual; also the burn with a precise measurement first;
//! - naive: one GET INFO, drift = token seconds − host seconds; WRITE CONFIG with
//!   the host time truncated to the second, sent as soon as the session gets there
//!   (`Measure::Single` + a truncating `ConfigTimer`, same session code).
//!
//! The last line is machine-readable (20 ms ± 5 ms scenario).

use kiln_core::clock::{AdviceConfig, Reference, ReferenceSource};
use kiln_core::params::{TokenConfig, TokenSeed};
use kiln_core::proto::UnknownModelPolicy;
use kiln_core::secret::SecretBytes;
use kiln_core::session::{
    run_session_observed, BurnRequest, BurnSession, Clock, ConfigTimer, ConfigWrite, Measure,
    Outcome, ReadSession, Session, Timing, TokenReading,
};
use kiln_core::time::{UnixMicros, MICROS_PER_SEC as S};
use kiln_sim::{LinkTiming, SimConfig, SimLink, SimToken, VirtualClock};

const SESSIONS: usize = 10_000;
const SEED: u64 = 0x6b69_6c6e_7365_7373; // "kilnsess"
const BASE: i64 = 1_790_000_000 * S;
const SIM_REF: Reference = Reference::trusted(ReferenceSource::Simulator);

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

/// The host's clock: virtual time, but a scheduled send leaves 0–1 ms late.
struct LateClock {
    inner: VirtualClock,
    rng: Rng,
}

impl Clock for LateClock {
    fn now(&self) -> UnixMicros {
        self.inner.now()
    }

    fn sleep_until(&mut self, t: UnixMicros) {
        let late = (self.rng.unit() * 1000.0) as i64;
        self.inner.sleep_until(t + late);
    }
}

/// The naive set: host time truncated to the second, sent at once.
struct Truncate;

impl ConfigTimer for Truncate {
    fn plan(&mut self, now: UnixMicros, _: &TokenReading, _: &[Timing]) -> ConfigWrite {
        ConfigWrite {
            time_value: u32::try_from(now.div_euclid(S)).unwrap_or(0),
            send_at: None,
        }
    }
}

#[derive(Clone, Copy)]
enum RttModel {
    /// Per-session base RTT uniform in [lo, hi] ms, each exchange ± `jitter` of it.
    Spread { lo: f64, hi: f64, jitter: f64 },
    /// Each exchange uniform in [mean − pm, mean + pm] ms.
    Around { mean: f64, pm: f64 },
}

/// One simulated world (token + link), reproducible from its seed.
#[derive(Clone, Copy)]
struct World {
    theta: i64,
    start: i64,
    timing: LinkTiming,
    host_seed: u64,
}

impl World {
    fn new(rng: &mut Rng, model: RttModel) -> Self {
        let (lo, hi) = match model {
            RttModel::Spread { lo, hi, jitter } => {
                let base = rng.range(lo, hi);
                (base * (1.0 - jitter), base * (1.0 + jitter))
            }
            RttModel::Around { mean, pm } => (mean - pm, mean + pm),
        };
        World {
            theta: (rng.range(-300_000.0, 300_000.0) * 1000.0).round() as i64,
            start: BASE + (rng.unit() * 1e6) as i64,
            timing: LinkTiming {
                rtt_us: ((lo * 1000.0) as i64, (hi * 1000.0) as i64),
                card_us: (1_000, 8_000),
                uplink_share: rng.range(0.3, 0.7),
                act_at: rng.unit(),
                seed: rng.next_u64(),
            },
            host_seed: rng.next_u64(),
        }
    }

    fn open(&self) -> (SimLink, LateClock) {
        let clock = VirtualClock::new(self.start);
        let card = SimToken::new(
            SimConfig {
                clock_offset_us: self.theta,
                initial_seed: Some(vec![0x11; 20]),
                ..SimConfig::default()
            },
            self.start,
        );
        let link = SimLink::new(card, clock.clone()).with_timing(self.timing);
        let host = LateClock {
            inner: clock,
            rng: Rng(self.host_seed),
        };
        (link, host)
    }
}

/// What one session did: its outcome, its exchanges' (sent, received), the token's
/// true offset at the end, and the virtual time it took.
struct Run {
    outcome: Outcome,
    exchanges: Vec<(i64, i64)>,
    offset_after: i64,
    duration: i64,
}

fn run(world: &World, session: &mut dyn Session) -> Run {
    let (mut link, mut host) = world.open();
    let mut exchanges = Vec::new();
    let outcome = run_session_observed(session, &mut link, &mut host, &mut |e| {
        exchanges.push((e.sent_at, e.received_at))
    });
    let now = host.now();
    Run {
        outcome,
        exchanges,
        offset_after: link.card().token_micros_at(now) - now,
        duration: now - world.start,
    }
}

fn burn_request() -> BurnRequest {
    let seed = TokenSeed::new(SecretBytes::new(vec![0x42; 20]))
        .unwrap_or_else(|e| panic!("bench seed: {e}"));
    BurnRequest {
        seed,
        config: TokenConfig::default(),
        unknown_model: UnknownModelPolicy::ReadOnly,
        reference: SIM_REF,
        sync_clock: true,
        confirm: kiln_core::session::Confirm::Precise,
    }
}

fn read(outcome: &Outcome) -> &TokenReading {
    match outcome {
        Outcome::Read(r) => r,
        other => panic!("read failed: {other:?}"),
    }
}

fn burned(outcome: &Outcome) -> &kiln_core::session::BurnReport {
    match outcome {
        Outcome::Burned(r) => r,
        other => panic!("burn failed: {other:?}"),
    }
}

#[derive(Default)]
struct Samples {
    drift_err: Vec<f64>,
    drift_half: Vec<f64>,
    drift_reads: Vec<f64>,
    drift_time: Vec<f64>,
    naive_drift_err: Vec<f64>,
    advice_reads: Vec<f64>,
    advice_time: Vec<f64>,
    residual: Vec<f64>,
    residual_meas_err: Vec<f64>,
    residual_half: Vec<f64>,
    burn_extra_ex: Vec<f64>,
    burn_extra_time: Vec<f64>,
    precise_burn_residual: Vec<f64>,
    precise_burn_extra_ex: Vec<f64>,
    precise_burn_extra_time: Vec<f64>,
    naive_residual: Vec<f64>,
    rounded_residual: Vec<f64>,
    naive_time: Vec<f64>,
    contained: usize,
    residual_contained: usize,
    advice_borderline: usize,
    advice_understated: usize,
}

fn ms(us: i64) -> f64 {
    us as f64 / 1000.0
}

/// Time from the start to the answer of the first confirming GET INFO (the naive
/// flow's six exchanges).
fn six_exchange_time(r: &Run, start: i64) -> i64 {
    r.exchanges.get(5).map_or(r.duration, |(_, rx)| rx - start)
}

fn run_scenario(model: RttModel, rng: &mut Rng) -> Samples {
    let mut out = Samples::default();
    let adv = AdviceConfig::default();
    for _ in 0..SESSIONS {
        let w = World::new(rng, model);

        // kiln info (default): precise read.
        let r = run(&w, &mut ReadSession::new(SIM_REF, Measure::Precise));
        let reading = read(&r.outcome);
        if reading.drift().contains(w.theta) {
            out.contained += 1;
        }
        out.drift_err
            .push(ms((reading.drift().midpoint_us() - w.theta).abs()));
        out.drift_half.push(ms(reading.drift().half_width_us()));
        out.drift_reads.push(f64::from(reading.reads - 1));
        out.drift_time.push(ms(reading.measure_time_us));

        // kiln info --quick / Android: advice read.
        let r = run(&w, &mut ReadSession::new(SIM_REF, Measure::Advice));
        let reading = read(&r.outcome);
        out.advice_reads.push(f64::from(reading.reads - 1));
        out.advice_time.push(ms(reading.measure_time_us));
        if !reading.advice.is_certain() {
            out.advice_borderline += 1;
        }
        if reading.advice.level() < adv.level_of(w.theta) {
            out.advice_understated += 1;
        }

        // naive: single read, truncated host second, sent at once.
        let mut s = BurnSession::new(burn_request());
        s.set_measure(Measure::Single);
        s.set_config_timer(Box::new(Truncate));
        let naive = run(&w, &mut s);
        let b = burned(&naive.outcome);
        let naive_drift =
            (i64::from(b.before.token_clock) - b.before.received_at.div_euclid(S)) * S;
        out.naive_drift_err.push(ms((naive_drift - w.theta).abs()));
        out.naive_residual.push(ms(naive.offset_after.abs()));
        let naive_time = six_exchange_time(&naive, w.start);
        out.naive_time.push(ms(naive_time));

        // The engine's former default: host time rounded, sent at once.
        let mut s = BurnSession::new(burn_request());
        s.set_measure(Measure::Single);
        s.set_config_timer(Box::new(kiln_core::session::SendNow));
        out.rounded_residual
            .push(ms(run(&w, &mut s).offset_after.abs()));

        // kiln burn (default): advice measurement, planned set, confirmation.
        let ours = run(&w, &mut BurnSession::new(burn_request()));
        let b = burned(&ours.outcome);
        let res = b.residual.unwrap_or_else(|| panic!("no confirmation"));
        out.residual.push(ms(ours.offset_after.abs()));
        if res.estimate.contains(ours.offset_after) {
            out.residual_contained += 1;
        }
        out.residual_meas_err
            .push(ms((res.estimate.midpoint_us() - ours.offset_after).abs()));
        out.residual_half.push(ms(res.estimate.half_width_us()));
        out.burn_extra_ex.push(ours.exchanges.len() as f64 - 6.0);
        out.burn_extra_time.push(ms(ours.duration - naive_time));

        // kiln burn with a precise measurement first.
        let mut s = BurnSession::new(burn_request());
        s.set_measure(Measure::Precise);
        let precise = run(&w, &mut s);
        burned(&precise.outcome);
        out.precise_burn_residual
            .push(ms(precise.offset_after.abs()));
        out.precise_burn_extra_ex
            .push(precise.exchanges.len() as f64 - 6.0);
        out.precise_burn_extra_time
            .push(ms(precise.duration - naive_time));
    }
    out
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let idx = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(idx).copied().unwrap_or(f64::NAN)
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

fn row(name: &str, v: &mut [f64]) {
    println!(
        "| {name} | {:.1} | {:.1} | {:.1} | {:.1} |",
        mean(v),
        pct(v, 0.5),
        pct(v, 0.99),
        pct(v, 1.0)
    );
}

fn main() {
    let scenarios = [
        (
            "RTT 5–50 ms (per session), ±20 % jitter",
            RttModel::Spread {
                lo: 5.0,
                hi: 50.0,
                jitter: 0.2,
            },
        ),
        (
            "RTT 20 ± 5 ms",
            RttModel::Around {
                mean: 20.0,
                pm: 5.0,
            },
        ),
        (
            "RTT 50 ± 5 ms",
            RttModel::Around {
                mean: 50.0,
                pm: 5.0,
            },
        ),
    ];
    println!(
        "clock benchmark through whole sessions (kiln_core::session + kiln-sim, virtual time):"
    );
    println!("{SESSIONS} worlds per scenario, seed {SEED:#x}; each world runs every variant.\n");
    let mut rng = Rng(SEED);
    let mut final_line = String::new();
    for (name, model) in scenarios {
        let mut s = run_scenario(model, &mut rng);
        println!("### Sessions: {name}\n");
        println!("| metric | mean | p50 | p99 | max |");
        println!("|---|---|---|---|---|");
        row(
            "ours: drift error, ms (`kiln info`: ReadSession, precise)",
            &mut s.drift_err,
        );
        row(
            "naive: drift error, ms (single read, whole seconds)",
            &mut s.naive_drift_err,
        );
        row(
            "ours: residual after sync, ms (`kiln burn`: BurnSession defaults)",
            &mut s.residual,
        );
        row(
            "naive: residual after sync, ms (truncated host second, sent at once)",
            &mut s.naive_residual,
        );
        row(
            "former default: residual, ms (rounded host second, sent at once)",
            &mut s.rounded_residual,
        );
        row(
            "ours: residual measurement error, ms (confirmation midpoint vs truth)",
            &mut s.residual_meas_err,
        );
        row(
            "ours: residual ± half-width, ms (reported)",
            &mut s.residual_half,
        );
        row(
            "ours: burn extra exchanges (vs the naive 6)",
            &mut s.burn_extra_ex,
        );
        row(
            "ours: burn extra time, ms (vs the naive 6 exchanges)",
            &mut s.burn_extra_time,
        );
        row(
            "burn with precise measurement: residual, ms",
            &mut s.precise_burn_residual,
        );
        row(
            "burn with precise measurement: extra exchanges",
            &mut s.precise_burn_extra_ex,
        );
        row(
            "burn with precise measurement: extra time, ms",
            &mut s.precise_burn_extra_time,
        );
        row("precise read: ± half-width, ms", &mut s.drift_half);
        row("precise read: extra exchanges", &mut s.drift_reads);
        row("precise read: extra time, ms", &mut s.drift_time);
        row("advice read: extra exchanges", &mut s.advice_reads);
        row("advice read: extra time, ms", &mut s.advice_time);
        row(
            "naive burn: session time to the confirming read, ms",
            &mut s.naive_time,
        );
        println!();
        println!(
            "true offset inside the precise read's interval: {}/{SESSIONS}; true residual inside the reported one: {}/{SESSIONS}; \
             advice borderline: {}; advice understated the drift: {}.\n",
            s.contained, s.residual_contained, s.advice_borderline, s.advice_understated
        );
        if name.starts_with("RTT 20") {
            final_line = format!(
                "drift_p99_ms={:.1} sync_p99_ms={:.1} naive_drift_p99_ms={:.1} naive_sync_p99_ms={:.1}",
                pct(&mut s.drift_err, 0.99),
                pct(&mut s.residual, 0.99),
                pct(&mut s.naive_drift_err, 0.99),
                pct(&mut s.naive_residual, 0.99),
            );
        }
    }
    println!("{final_line}");
}
