//! Clock drift measurement and sync benchmark (simulation).
//!
//! Run: `scripts/bench/clock.sh` (or `cargo run --release -p kiln-core --example clock_bench`).
//!
//! Each simulated session has a random true offset θ ∈ (−300 s, +300 s) with a
//! fractional part, a random start phase, a link whose round trips follow the
//! scenario, an asymmetric radio split and a card processing delay inside which the
//! token reads (or sets) its clock at a random point. The token clock is modelled
//! minimally: it reports `floor(t + θ)`; a set at true instant `t_set` with value `v`
//! makes it `v + (t − t_set)` (the second restarts at the set instant).
//!
//! Compared in the same run, on the same sessions:
//! - ours: precise drift meter → planned WRITE CONFIG → confirmation meter (hinted);
//!   also the advice-only meter (what `kiln info` does);
//! - naive: one GET INFO, drift = token seconds − host seconds; set = host time
//!   truncated to the second, sent whenever the session gets there.
//!
//! The last line is machine-readable (20 ms ± 5 ms scenario).

use kiln_core::clock::{
    advise, plan_write, AdviceConfig, DriftEstimate, DriftMeter, MeterConfig, MeterStep, Reading,
    Reference, ReferenceSource, SetConfig,
};
use kiln_core::time::MICROS_PER_SEC as S;

const SESSIONS: usize = 10_000;
const SEED: u64 = 0x6b69_6c6e_636c_6f63; // "kilncloc"
const BASE: i64 = 1_790_000_000 * S;

/// SplitMix64: small, deterministic, good enough for a simulation.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    fn range_us(&mut self, lo_ms: f64, hi_ms: f64) -> i64 {
        (self.range(lo_ms, hi_ms) * 1000.0).round() as i64
    }
}

#[derive(Clone, Copy)]
enum RttModel {
    /// Per-session base RTT uniform in [lo, hi] ms, each exchange ± `jitter` of it.
    Spread { lo: f64, hi: f64, jitter: f64 },
    /// Each exchange uniform in [mean − pm, mean + pm] ms.
    Around { mean: f64, pm: f64 },
}

struct Scenario {
    name: &'static str,
    rtt: RttModel,
}

/// The link and the token of one simulated session.
struct World {
    theta: i64,
    base_rtt: f64,
    rtt: RttModel,
    /// Share of the radio time spent before the card sees the command.
    uplink_share: f64,
    /// Where in its processing the card reads its clock (0 = start, 1 = end).
    read_at: f64,
    /// Where in its processing the card applies a written time.
    set_at: f64,
    rng: Rng,
    exchanges: u32,
}

impl World {
    fn new(rng: &mut Rng, rtt: RttModel) -> Self {
        let base_rtt = match rtt {
            RttModel::Spread { lo, hi, .. } => rng.range(lo, hi),
            RttModel::Around { mean, .. } => mean,
        };
        World {
            theta: rng.range_us(-300_000.0, 300_000.0),
            base_rtt,
            rtt,
            uplink_share: rng.range(0.3, 0.7),
            read_at: rng.unit(),
            set_at: rng.unit(),
            rng: Rng(rng.next_u64()),
            exchanges: 0,
        }
    }

    /// One exchange sent at `send`: (round trip, instant the card acts), µs.
    fn link(&mut self, send: i64, act_at: f64) -> (i64, i64) {
        self.exchanges += 1;
        let rtt_ms = match self.rtt {
            RttModel::Spread { jitter, .. } => {
                self.base_rtt * self.rng.range(1.0 - jitter, 1.0 + jitter)
            }
            RttModel::Around { mean, pm } => self.rng.range(mean - pm, mean + pm),
        };
        let rtt = (rtt_ms * 1000.0).round() as i64;
        // Card processing 1..8 ms, never more than the round trip.
        let card = self.rng.range_us(1.0, 8.0).min(rtt);
        let radio = rtt - card;
        let up = (radio as f64 * self.uplink_share).round() as i64;
        let act = send + up + (card as f64 * act_at).round() as i64;
        (rtt, act)
    }

    /// A timed GET INFO sent at `send`.
    fn get_info(&mut self, send: i64) -> Reading {
        let (rtt, tp) = self.link(send, self.read_at);
        let secs = (tp + self.theta).div_euclid(S);
        Reading::new(send, send + rtt, u32::try_from(secs).unwrap_or(0)).unwrap_or_else(|e| {
            panic!("simulator produced an invalid reading: {e}");
        })
    }

    /// A WRITE CONFIG carrying `value` sent at `send`; returns the answer instant.
    fn write(&mut self, send: i64, value: u32) -> i64 {
        let (rtt, t_set) = self.link(send, self.set_at);
        self.theta = i64::from(value) * S - t_set;
        send + rtt
    }

    /// Host scheduling: a send asked for `at` leaves 0..1 ms later.
    fn host_send(&mut self, at: i64) -> i64 {
        at + self.rng.range_us(0.0, 1.0)
    }
}

/// Runs a meter from a first GET INFO at `start`; returns it finished.
fn measure(world: &mut World, mut meter: DriftMeter, start: i64) -> (DriftMeter, DriftEstimate) {
    let trace = std::env::var_os("CLOCK_BENCH_TRACE").is_some();
    let mut step = meter
        .on_reading(world.get_info(start))
        .unwrap_or_else(|e| panic!("first reading rejected: {e}"));
    loop {
        if trace {
            eprintln!("  {step:?} {:?} θ={}", meter.estimate(), world.theta);
        }
        match step {
            MeterStep::Done(e) => return (meter, e),
            MeterStep::Poll { not_before } => {
                let send = world.host_send(not_before);
                step = meter
                    .on_reading(world.get_info(send))
                    .unwrap_or_else(|e| panic!("simulated reading rejected: {e}"));
            }
        }
    }
}

/// What one measured, planned and confirmed set did.
struct Flow {
    pre: DriftEstimate,
    pre_exchanges: u32,
    pre_time: i64,
    wait: i64,
    residual: i64,
    confirm: DriftEstimate,
    confirm_exchanges: u32,
    confirm_time: i64,
}

/// GET INFO (+ meter) → authentication → planned WRITE CONFIG → WRITE SEED →
/// GET INFO (+ hinted confirmation meter).
fn sync_flow(w: &mut World, pre_cfg: MeterConfig, start: i64) -> Flow {
    let (m, pre) = measure(w, DriftMeter::new(pre_cfg), start);
    let lat = m.latency().unwrap_or_else(|| panic!("no latency"));
    let last = m.last_received().unwrap_or(start);
    // GET CHALLENGE + EXTERNAL AUTHENTICATE, then plan.
    let now = last + 2 * lat.median_rtt_us + 1_000;
    let plan = plan_write(now, &lat, &pre, &SetConfig::default())
        .unwrap_or_else(|err| panic!("plan failed: {err}"));
    let sent = w.host_send(plan.send_at);
    let answered = w.write(sent, plan.time_value);
    let residual = w.theta;
    // WRITE SEED takes one more exchange before the confirming GET INFO.
    let confirm_start = answered + lat.median_rtt_us + 1_000;
    let hint = plan.confirm_hint(sent, &lat);
    let confirm_meter = DriftMeter::new(MeterConfig::confirm()).with_hint(hint);
    let (cm, confirm) = measure(w, confirm_meter, confirm_start);
    Flow {
        pre,
        pre_exchanges: m.extra_exchanges(),
        pre_time: m.extra_time_us(),
        wait: sent - now,
        residual,
        confirm,
        confirm_exchanges: cm.extra_exchanges(),
        confirm_time: cm.extra_time_us(),
    }
}

#[derive(Default)]
struct Samples {
    tight_err: Vec<f64>,
    tight_time: Vec<f64>,
    fast_residual: Vec<f64>,
    fast_exchanges: Vec<f64>,
    fast_time: Vec<f64>,
    drift_err: Vec<f64>,
    sync_residual: Vec<f64>,
    residual_meas_err: Vec<f64>,
    extra_exchanges: Vec<f64>,
    extra_time: Vec<f64>,
    naive_drift_err: Vec<f64>,
    naive_residual: Vec<f64>,
    advice_exchanges: Vec<f64>,
    advice_time: Vec<f64>,
    advice_err: Vec<f64>,
    pre_exchanges: Vec<f64>,
    pre_time: Vec<f64>,
    pre_half: Vec<f64>,
    wait: Vec<f64>,
    confirm_exchanges: Vec<f64>,
    confirm_time: Vec<f64>,
    confirm_half: Vec<f64>,
    advice_undecided: usize,
    advice_wrong: usize,
    contained: usize,
}

fn ms(us: i64) -> f64 {
    us as f64 / 1000.0
}

fn run_scenario(sc: &Scenario, rng: &mut Rng) -> Samples {
    let mut out = Samples::default();
    let adv_cfg = AdviceConfig::default();
    let reference = Reference::trusted(ReferenceSource::Simulator);
    for _ in 0..SESSIONS {
        let world_seed = rng.next_u64();
        let start = BASE + rng.range_us(0.0, 1000.0);

        // --- advice only (kiln info) ---
        let mut w = World::new(&mut Rng(world_seed), sc.rtt);
        let truth = w.theta;
        let (m, e) = measure(&mut w, DriftMeter::new(MeterConfig::advice(adv_cfg)), start);
        let a = advise(e, reference, &adv_cfg);
        if !a.is_certain() {
            out.advice_undecided += 1;
        }
        if a.level() < adv_cfg.level_of(truth) {
            out.advice_wrong += 1; // the advice understated the drift
        }
        out.advice_exchanges.push(f64::from(m.extra_exchanges()));
        out.advice_time.push(ms(m.extra_time_us()));
        out.advice_err.push(ms((e.midpoint_us() - truth).abs()));

        // --- ours: precise measurement, planned set, confirmation ---
        let mut w = World::new(&mut Rng(world_seed), sc.rtt);
        let f = sync_flow(&mut w, MeterConfig::precise(), start);
        if f.pre.contains(truth) {
            out.contained += 1;
        }
        out.drift_err.push(ms((f.pre.midpoint_us() - truth).abs()));
        out.sync_residual.push(ms(f.residual.abs()));
        out.residual_meas_err
            .push(ms((f.confirm.midpoint_us() - f.residual).abs()));
        out.extra_exchanges
            .push(f64::from(f.pre_exchanges + f.confirm_exchanges));
        out.extra_time
            .push(ms(f.pre_time + f.wait + f.confirm_time));
        out.pre_exchanges.push(f64::from(f.pre_exchanges));
        out.pre_time.push(ms(f.pre_time));
        out.pre_half.push(f.pre.half_width_ms());
        out.wait.push(ms(f.wait));
        out.confirm_exchanges.push(f64::from(f.confirm_exchanges));
        out.confirm_time.push(ms(f.confirm_time));
        out.confirm_half.push(f.confirm.half_width_ms());

        // --- the precise meter squeezed into the advice budget (8 polls, 1.2 s) ---
        let mut w = World::new(&mut Rng(world_seed), sc.rtt);
        let tight = MeterConfig {
            max_polls: 8,
            max_extra_us: 1_200_000,
            ..MeterConfig::precise()
        };
        let (tm, te) = measure(&mut w, DriftMeter::new(tight), start);
        out.tight_err.push(ms((te.midpoint_us() - truth).abs()));
        out.tight_time.push(ms(tm.extra_time_us()));

        // --- ours, fast: advice-only measurement before the same set ---
        let mut w = World::new(&mut Rng(world_seed), sc.rtt);
        let f = sync_flow(&mut w, MeterConfig::advice(adv_cfg), start);
        out.fast_residual.push(ms(f.residual.abs()));
        out.fast_exchanges
            .push(f64::from(f.pre_exchanges + f.confirm_exchanges));
        out.fast_time.push(ms(f.pre_time + f.wait + f.confirm_time));

        // --- naive: one read, truncated host second, arbitrary send moment ---
        let mut w = World::new(&mut Rng(world_seed), sc.rtt);
        let r = w.get_info(start);
        let naive = (i64::from(r.token_secs()) - r.received_at().div_euclid(S)) * S;
        out.naive_drift_err.push(ms((naive - truth).abs()));
        // Authentication takes a few exchanges; the time value is captured right
        // before the write leaves.
        let send = r.received_at() + w.rng.range_us(20.0, 80.0);
        let value = u32::try_from(send.div_euclid(S)).unwrap_or(0);
        w.write(send, value);
        out.naive_residual.push(ms(w.theta.abs()));
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

fn row(name: &str, v: &mut [f64]) -> String {
    format!(
        "| {name} | {:.1} | {:.1} | {:.1} | {:.1} |",
        mean(v),
        pct(v, 0.5),
        pct(v, 0.99),
        pct(v, 1.0)
    )
}

fn main() {
    let scenarios = [
        Scenario {
            name: "RTT 5–50 ms (per session), ±20 % jitter",
            rtt: RttModel::Spread {
                lo: 5.0,
                hi: 50.0,
                jitter: 0.2,
            },
        },
        Scenario {
            name: "RTT 20 ± 5 ms",
            rtt: RttModel::Around {
                mean: 20.0,
                pm: 5.0,
            },
        },
        Scenario {
            name: "RTT 50 ± 5 ms",
            rtt: RttModel::Around {
                mean: 50.0,
                pm: 5.0,
            },
        },
    ];
    println!(
        "clock benchmark: {SESSIONS} sessions per scenario, seed {SEED:#x}, θ uniform in (−300 s, +300 s),"
    );
    println!("card processing 1–8 ms, clock read/set at a random point of it, radio split 30–70 % uplink.\n");
    let mut rng = Rng(SEED);
    let mut final_line = String::new();
    for sc in &scenarios {
        let mut s = run_scenario(sc, &mut rng);
        println!("### {}\n", sc.name);
        println!("| metric | mean | p50 | p99 | max |");
        println!("|---|---|---|---|---|");
        println!(
            "{}",
            row("ours: drift error, ms (precise meter)", &mut s.drift_err)
        );
        println!(
            "{}",
            row(
                "naive: drift error, ms (single read)",
                &mut s.naive_drift_err
            )
        );
        println!(
            "{}",
            row("ours: residual after sync, ms", &mut s.sync_residual)
        );
        println!(
            "{}",
            row("naive: residual after sync, ms", &mut s.naive_residual)
        );
        println!(
            "{}",
            row(
                "ours: residual measurement error, ms",
                &mut s.residual_meas_err
            )
        );
        println!(
            "{}",
            row(
                "ours: extra exchanges (measure + confirm)",
                &mut s.extra_exchanges
            )
        );
        println!(
            "{}",
            row(
                "ours: extra time, ms (measure + wait + confirm)",
                &mut s.extra_time
            )
        );
        println!(
            "{}",
            row("precise meter: extra exchanges", &mut s.pre_exchanges)
        );
        println!("{}", row("precise meter: extra time, ms", &mut s.pre_time));
        println!(
            "{}",
            row("precise meter: ± half-width, ms", &mut s.pre_half)
        );
        println!("{}", row("wait for the planned send, ms", &mut s.wait));
        println!(
            "{}",
            row("confirm meter: extra exchanges", &mut s.confirm_exchanges)
        );
        println!(
            "{}",
            row("confirm meter: extra time, ms", &mut s.confirm_time)
        );
        println!(
            "{}",
            row("confirm meter: ± half-width, ms", &mut s.confirm_half)
        );
        println!(
            "{}",
            row(
                "ours, fast (advice meter before the set): residual after sync, ms",
                &mut s.fast_residual
            )
        );
        println!(
            "{}",
            row("ours, fast: extra exchanges", &mut s.fast_exchanges)
        );
        println!("{}", row("ours, fast: extra time, ms", &mut s.fast_time));
        println!(
            "{}",
            row(
                "precise meter in 8 polls / 1.2 s: drift error, ms",
                &mut s.tight_err
            )
        );
        println!(
            "{}",
            row(
                "precise meter in 8 polls / 1.2 s: extra time, ms",
                &mut s.tight_time
            )
        );
        println!(
            "{}",
            row("advice meter: extra exchanges", &mut s.advice_exchanges)
        );
        println!(
            "{}",
            row("advice meter: extra time, ms", &mut s.advice_time)
        );
        println!(
            "{}",
            row("advice meter: drift error, ms", &mut s.advice_err)
        );
        println!(
            "\ntrue offset inside the precise interval: {}/{SESSIONS}; advice borderline (straddles a threshold): {}; advice understated the drift: {}; naive: 0 extra exchanges, 0 extra time.\n",
            s.contained, s.advice_undecided, s.advice_wrong
        );
        if matches!(sc.rtt, RttModel::Around { mean, .. } if mean == 20.0) {
            final_line = format!(
                "drift_p99_ms={:.1} sync_p99_ms={:.1} naive_drift_p99_ms={:.1} naive_sync_p99_ms={:.1}",
                pct(&mut s.drift_err, 0.99),
                pct(&mut s.sync_residual, 0.99),
                pct(&mut s.naive_drift_err, 0.99),
                pct(&mut s.naive_residual, 0.99)
            );
        }
    }
    println!("{final_line}");
}
