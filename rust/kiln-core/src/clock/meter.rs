//! The drift meter: decides whether another timed GET INFO is worth sending, and when.
//!
//! Feed it every timed GET INFO of the session ([`DriftMeter::on_reading`]); it answers
//! [`MeterStep::Poll`] with the instant to send the next one, or [`MeterStep::Done`]
//! with the final offset interval.
//!
//! Every poll tests one question: "has the token's next second begun by the time it
//! processes this command?" A poll whose processing window straddles the predicted
//! second boundary halves the uncertainty (down to about the window width, i.e. one
//! round trip). Time only runs forward: once a boundary has passed, it recurs one
//! second later, so the scheduler weighs the information a poll gives against the
//! time it costs (see `docs/clock.md`).

use super::advice::{advise, AdviceConfig, Reference, ReferenceSource};
use super::estimate::{ClockError, DriftEstimate, Reading};
use crate::time::{UnixMicros, MICROS_PER_SEC};

/// What the meter is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeterMode {
    /// Only decide the advice: stop as soon as the interval lies within one advice
    /// level (often after the first reading); otherwise poll where the undecided
    /// threshold's second boundary would fall.
    Advice(AdviceConfig),
    /// Refine until the half-width is at most `target_half_width_us` (or the
    /// budget is spent), e.g. before and after a precise clock set.
    Precise { target_half_width_us: i64 },
}

/// Budget and model parameters of a measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeterConfig {
    pub mode: MeterMode,
    /// Minimum time from send to the token reading its clock, and from that to the
    /// answer being received (card processing, radio). 0 is always safe.
    pub margin_us: i64,
    /// At most this many GET INFO after the first.
    pub max_polls: u32,
    /// No poll is scheduled whose answer is expected later than this after the
    /// first answer.
    pub max_extra_us: i64,
    /// Minimum gap between an answer and the next scheduled send (host scheduling).
    pub lead_us: i64,
}

impl MeterConfig {
    /// Decide the advice within about 1.2 s and 8 exchanges.
    pub fn advice(advice: AdviceConfig) -> Self {
        MeterConfig {
            mode: MeterMode::Advice(advice),
            margin_us: 0,
            max_polls: 8,
            max_extra_us: 1_200_000,
            lead_us: 2_000,
        }
    }

    /// Refine to ±15 ms (or as close as the round trip allows) within 2.5 s and
    /// 12 exchanges (before a precise set).
    pub fn precise() -> Self {
        MeterConfig {
            mode: MeterMode::Precise {
                target_half_width_us: 15_000,
            },
            margin_us: 0,
            max_polls: 12,
            max_extra_us: 2_500_000,
            lead_us: 2_000,
        }
    }
}

impl MeterConfig {
    /// The confirmation after a precise set: like [`MeterConfig::precise`] but
    /// within 1.2 s and 6 exchanges (use with [`DriftMeter::with_hint`]; the next
    /// second boundary after a set is about one second away).
    pub fn confirm() -> Self {
        MeterConfig {
            max_polls: 6,
            max_extra_us: 1_200_000,
            ..MeterConfig::precise()
        }
    }
}

/// What the session should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeterStep {
    /// Send another GET INFO, not before this instant (as close to it as possible),
    /// and feed the timed answer back.
    Poll { not_before: UnixMicros },
    /// The measurement is over.
    Done(DriftEstimate),
}

/// Round-trip statistics of the exchanges seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latency {
    pub min_rtt_us: i64,
    pub median_rtt_us: i64,
    pub max_rtt_us: i64,
    pub samples: u32,
}

impl Latency {
    /// Statistics of the given round trips; `None` if there are none.
    pub fn from_rtts(rtts: &[i64]) -> Option<Self> {
        let mut v: Vec<i64> = rtts.iter().map(|r| (*r).max(0)).collect();
        v.sort_unstable();
        let min = *v.first()?;
        let max = *v.last()?;
        let median = *v.get(v.len() / 2)?;
        Some(Latency {
            min_rtt_us: min,
            median_rtt_us: median,
            max_rtt_us: max,
            samples: u32::try_from(v.len()).unwrap_or(u32::MAX),
        })
    }
}

/// The sans-IO drift measurement state machine.
#[derive(Debug, Clone)]
pub struct DriftMeter {
    cfg: MeterConfig,
    hint: Option<DriftEstimate>,
    estimate: Option<DriftEstimate>,
    first_received: UnixMicros,
    last_received: UnixMicros,
    rtts: Vec<i64>,
    done: bool,
}

impl DriftMeter {
    pub fn new(cfg: MeterConfig) -> Self {
        DriftMeter {
            cfg,
            hint: None,
            estimate: None,
            first_received: 0,
            last_received: 0,
            rtts: Vec::new(),
            done: false,
        }
    }

    /// A prior expectation of the offset (e.g. just after a precise set). It only
    /// steers where polls are placed; it never enters the estimate, so a wrong hint
    /// costs exchanges, not correctness.
    pub fn with_hint(mut self, hint: DriftEstimate) -> Self {
        self.hint = Some(hint);
        self
    }

    /// Feed one timed GET INFO (the session's first one included). Readings must
    /// come in the order they were exchanged. On error the meter is unchanged.
    pub fn on_reading(&mut self, reading: Reading) -> Result<MeterStep, ClockError> {
        if !self.rtts.is_empty() && reading.sent_at() < self.last_received {
            return Err(ClockError::OutOfOrder {
                by_us: self.last_received - reading.sent_at(),
            });
        }
        let fresh = DriftEstimate::from_reading(&reading, self.cfg.margin_us);
        let merged = match self.estimate {
            None => fresh,
            Some(e) => e.intersect(fresh)?,
        };
        if self.rtts.is_empty() {
            self.first_received = reading.received_at();
        }
        self.estimate = Some(merged);
        self.last_received = reading.received_at();
        self.rtts.push(reading.rtt_us());
        let step = self.next_step(merged);
        if matches!(step, MeterStep::Done(_)) {
            self.done = true;
        }
        Ok(step)
    }

    /// The interval so far (`None` before the first reading).
    pub fn estimate(&self) -> Option<DriftEstimate> {
        self.estimate
    }

    /// The meter has answered [`MeterStep::Done`].
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Exchanges after the first.
    pub fn extra_exchanges(&self) -> u32 {
        u32::try_from(self.rtts.len().saturating_sub(1)).unwrap_or(u32::MAX)
    }

    /// When the last answer arrived (`None` before the first reading).
    pub fn last_received(&self) -> Option<UnixMicros> {
        (!self.rtts.is_empty()).then_some(self.last_received)
    }

    /// Time from the first answer to the last one, µs.
    pub fn extra_time_us(&self) -> i64 {
        self.last_received - self.first_received
    }

    /// Round trips seen so far (for the set planner).
    pub fn latency(&self) -> Option<Latency> {
        Latency::from_rtts(&self.rtts)
    }

    fn next_step(&self, est: DriftEstimate) -> MeterStep {
        let done = MeterStep::Done(est);
        if self.done || self.extra_exchanges() >= self.cfg.max_polls {
            return done;
        }
        let Some(lat) = self.latency() else {
            return done;
        };
        let plan = Plan::new(&self.cfg, lat, self.last_received, self.first_received);
        let send = match self.cfg.mode {
            MeterMode::Advice(adv) => {
                // Reference trust does not change what is measured.
                let probe = Reference::trusted(ReferenceSource::Simulator);
                if advise(est, probe, &adv).is_certain() {
                    return done;
                }
                adv.straddled(&est).map(|t| plan.threshold_test(t)).min()
            }
            MeterMode::Precise {
                target_half_width_us,
            } => {
                if est.half_width_us() <= target_half_width_us {
                    return done;
                }
                let left = self.cfg.max_polls - self.extra_exchanges();
                plan.precise_center(&est, self.hint.as_ref(), left, target_half_width_us)
                    .map(|c| c - plan.to_center)
            }
        };
        match send {
            Some(s) if plan.within_budget(s) => MeterStep::Poll { not_before: s },
            _ => done,
        }
    }
}

/// Scheduling arithmetic for one decision.
struct Plan {
    /// Earliest send.
    first_send: UnixMicros,
    /// Send → middle of the processing window.
    to_center: i64,
    /// Typical round trip.
    rtt: i64,
    /// Minimum gap between an answer and the next send.
    lead: i64,
    /// A round trip long enough to be nearly sure (largest seen + 1/8 + 1 ms).
    rtt_safe: i64,
    /// Expected width of a processing window.
    window: i64,
    /// Latest acceptable expected answer.
    deadline: UnixMicros,
}

impl Plan {
    fn new(cfg: &MeterConfig, lat: Latency, now: UnixMicros, first: UnixMicros) -> Self {
        let rtt = lat.median_rtt_us;
        Plan {
            first_send: now + cfg.lead_us.max(0),
            to_center: rtt / 2,
            rtt,
            lead: cfg.lead_us.max(0),
            rtt_safe: lat.max_rtt_us + lat.max_rtt_us / 8 + 1_000,
            window: (rtt - 2 * cfg.margin_us.max(0)).max(0),
            deadline: first.saturating_add(cfg.max_extra_us),
        }
    }

    /// The answer to a poll sent at `send` is expected within the time budget.
    fn within_budget(&self, send: UnixMicros) -> bool {
        send + self.rtt <= self.deadline
    }

    /// Send time of the poll that decides threshold `t` soonest. A token with offset
    /// exactly `t` changes second at instants `τ ≡ −t (mod 1 s)`. A whole exchange
    /// just before such a τ that sees the new second proves θ ≥ t; one just after τ
    /// that still sees the old second proves θ < t.
    fn threshold_test(&self, t: i64) -> UnixMicros {
        let start = self.first_send;
        let tau_next = start + (-t - start).rem_euclid(MICROS_PER_SEC);
        let tau_prev = tau_next - MICROS_PER_SEC;
        if start - tau_prev <= self.rtt_safe {
            start // just past τ: a window starting now lies after it
        } else if start + self.rtt_safe <= tau_next {
            tau_next - self.rtt_safe // a whole window fits before τ
        } else {
            tau_next // no room before τ: start right after it
        }
    }

    /// Centre of the next processing window in precise mode (see `docs/clock.md`).
    ///
    /// Works on the next reachable occurrence `(a, b]` of the second boundary. A
    /// window starting at `a + σ` either sees the new second (the boundary is then
    /// within `σ + w`) or advances `a` by `σ`. With `p` polls left, σ is a sweep
    /// spacing `u` when `p` polls of spacing `u` cover the arc; otherwise a longer
    /// forward step `(p − 1)·u − w`, sized so that a boundary found behind it can
    /// be swept with the remaining polls one second later. When two windows would
    /// span the arc, one window is centred on it (bisection).
    fn precise_center(
        &self,
        est: &DriftEstimate,
        hint: Option<&DriftEstimate>,
        polls_left: u32,
        target_half_width: i64,
    ) -> Option<UnixMicros> {
        let w = self.window.max(1);
        if est.width_us() <= w + w / 10 {
            return None; // windows this wide cannot narrow it further
        }
        // The hint, widened by a window each side, steers placement while it
        // agrees with the readings and still leaves room to measure.
        let sched = hint
            .map(|h| DriftEstimate::around(h.midpoint_us(), h.half_width_us() + w))
            .and_then(|h| est.intersect(h).ok())
            .filter(|s| s.width_us() >= w)
            .unwrap_or(*est);
        let start = self.first_send; // earliest window start
                                     // Boundary instants of the k-th second: (k·S − hi, k·S − lo].
        let mut k = (start + sched.lo_us()).div_euclid(MICROS_PER_SEC);
        let (a, b) = loop {
            let ks = k * MICROS_PER_SEC;
            let (a, b) = (ks - sched.hi_us(), ks - sched.lo_us());
            if b - a.max(start) >= (w / 2).min(sched.width_us()) {
                break (a, b);
            }
            k += 1;
        };
        let a_eff = a.max(start);
        let width = b - a_eff;
        if width <= 2 * w {
            return Some((a_eff + width / 2).max(start + self.to_center));
        }
        let p = i64::from(polls_left.max(1));
        // Consecutive windows start at least a round trip (plus lead) apart.
        let u = (self.rtt + self.lead)
            .max(2 * (width + p * w) / (p * (p + 1)))
            .max(2 * target_half_width - w);
        // A forward step only pays if a boundary found behind it can be swept one
        // second later within the budget; otherwise sweep what is left, coarser if
        // the polls left demand it.
        let ladder = (p - 1) * u - w;
        let next_cycle_ok = a_eff + ladder + MICROS_PER_SEC + self.rtt <= self.deadline;
        let sigma = if width <= p * u || !next_cycle_ok || ladder <= u {
            u.max(width / p)
        } else {
            ladder
        }
        .min(width / 2);
        // Where the hint cut the arc short, the arc's start is only expected, not
        // measured: begin there, so that a window that still sees the old second
        // proves it.
        let from = if sched.hi_us() < est.hi_us() {
            a
        } else {
            a + sigma
        };
        let window_start = from.max(start);
        Some(window_start + self.to_center)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const S: i64 = MICROS_PER_SEC;
    const BASE: i64 = 1_700_000_000 * S;

    /// A scripted token with true offset `theta` and a fixed link: uplink `up`,
    /// card time before reading the clock `read`, the rest of the round trip `rest`.
    struct Link {
        theta: i64,
        up: i64,
        read: i64,
        rest: i64,
    }

    impl Link {
        fn exchange(&self, send: i64) -> Reading {
            let tp = send + self.up + self.read;
            let n = u32::try_from((tp + self.theta).div_euclid(S)).unwrap();
            Reading::new(send, tp + self.rest, n).unwrap()
        }
    }

    /// Runs a meter against a link; returns the final estimate and the schedule.
    fn run(cfg: MeterConfig, link: &Link, start: i64) -> (DriftEstimate, Vec<i64>) {
        let mut m = DriftMeter::new(cfg);
        let mut sends = vec![start];
        let mut step = m.on_reading(link.exchange(start)).unwrap();
        loop {
            match step {
                MeterStep::Done(e) => {
                    assert!(m.is_done());
                    return (e, sends);
                }
                MeterStep::Poll { not_before } => {
                    assert!(sends.len() < 100, "meter never stops");
                    sends.push(not_before);
                    step = m.on_reading(link.exchange(not_before)).unwrap();
                }
            }
        }
    }

    fn link(theta: i64) -> Link {
        Link {
            theta,
            up: 8_000,
            read: 3_000,
            rest: 9_000,
        }
    }

    #[test]
    fn advice_mode_stops_after_one_reading_when_decided() {
        for theta in [0, 500_000, -1_200_000, 7_300_000, -150_250_000, 45_000_000] {
            let cfg = MeterConfig::advice(AdviceConfig::default());
            let (e, sends) = run(cfg, &link(theta), BASE + 500_000);
            assert_eq!(sends.len(), 1, "theta {theta}");
            assert!(e.contains(theta));
        }
    }

    #[test]
    fn advice_mode_decides_a_straddling_interval_within_budget() {
        // θ = 2.3 s read at BASE + 0.5: first interval ≈ [1.48, 2.5) straddles 2 s.
        for (theta, start) in [(2_300_000, BASE + 500_000), (1_800_000, BASE + 300_000)] {
            let cfg = MeterConfig::advice(AdviceConfig::default());
            let (e, sends) = run(cfg, &link(theta), start);
            assert!(sends.len() > 1, "needed a poll");
            assert!(sends.len() <= 9);
            assert!(e.contains(theta));
            let a = advise(
                e,
                Reference::trusted(ReferenceSource::Network),
                &AdviceConfig::default(),
            );
            assert!(a.is_certain(), "{theta}: {e:?}");
            let last = *sends.last().unwrap();
            assert!(last + 20_000 - (start + 20_000) <= 1_200_000);
        }
    }

    #[test]
    fn advice_mode_decides_negative_and_service_window_thresholds() {
        // Sweep start phases so that every branch of the threshold test is used
        // (window before τ, τ just passed, no room before τ).
        let adv = AdviceConfig::default();
        let net = Reference::trusted(ReferenceSource::Network);
        for theta in [-2_250_000, -1_750_000, 30_200_000, -29_700_000] {
            for i in 0..20 {
                let start = BASE + i * 50_000;
                let (e, sends) = run(MeterConfig::advice(adv), &link(theta), start);
                assert!(e.contains(theta));
                let a = advise(e, net, &adv);
                assert_eq!(a.level(), adv.level_of(theta), "{theta} @{i}: {e:?}");
                assert!(
                    a.is_certain(),
                    "{theta} @{i}: {e:?} after {} polls",
                    sends.len() - 1
                );
            }
        }
    }

    #[test]
    fn advice_mode_gives_up_on_a_hair_width_straddle() {
        // θ within a few ms of the 2 s threshold cannot be decided with 20 ms windows.
        let theta = 2_000_000 + 3_000;
        let cfg = MeterConfig::advice(AdviceConfig::default());
        let (e, sends) = run(cfg, &link(theta), BASE + 700_000);
        assert!(e.contains(theta));
        let a = advise(
            e,
            Reference::trusted(ReferenceSource::Network),
            &AdviceConfig::default(),
        );
        assert!(!a.is_certain());
        assert_eq!(a.level(), crate::clock::DriftLevel::SyncRecommended);
        assert!(sends.len() <= 9);
        assert!(*sends.last().unwrap() - BASE - 700_000 <= 1_200_000);
    }

    #[test]
    fn precise_mode_reaches_a_few_round_trips() {
        for (i, theta) in [3_421_337, -3_421_337, 0, 999_999, -299_999_999, 12_000_001]
            .into_iter()
            .enumerate()
        {
            let start = BASE + 137_000 * i as i64;
            let (e, sends) = run(MeterConfig::precise(), &link(theta), start);
            assert!(e.contains(theta), "{theta}: {e:?}");
            assert!(e.width_us() <= 2 * 20_000 + 10_000, "{theta}: {e:?}");
            assert!(sends.len() <= 13);
            assert!(*sends.last().unwrap() + 20_000 - (start + 20_000) <= 2_500_000);
        }
    }

    #[test]
    fn precise_mode_with_zero_rtt_pins_the_boundary() {
        let l = Link {
            theta: 4_567_890,
            up: 0,
            read: 0,
            rest: 0,
        };
        let (e, _) = run(MeterConfig::precise(), &l, BASE + 10);
        assert!(e.contains(l.theta));
        assert!(e.half_width_us() <= 15_000);
    }

    #[test]
    fn huge_rtt_stops_without_looping() {
        let l = Link {
            theta: 1_000_000,
            up: 400_000,
            read: 1_000,
            rest: 500_000,
        };
        let (e, sends) = run(MeterConfig::precise(), &l, BASE);
        assert!(e.contains(l.theta));
        assert!(sends.len() <= 13);
    }

    #[test]
    fn hint_steers_the_confirmation() {
        let theta = 6_000; // residual of +6 ms after a set
        let hint = DriftEstimate::new(-20_000, 20_000).unwrap();
        let cfg = MeterConfig::precise();
        let mut m = DriftMeter::new(cfg).with_hint(hint);
        let l = link(theta);
        let mut sends = 0;
        let mut step = m.on_reading(l.exchange(BASE + 300_000)).unwrap();
        while let MeterStep::Poll { not_before } = step {
            sends += 1;
            step = m.on_reading(l.exchange(not_before)).unwrap();
        }
        let MeterStep::Done(e) = step else {
            unreachable!()
        };
        assert!(e.contains(theta));
        assert!(e.width_us() <= 45_000, "{e:?}");
        assert!(sends <= 4, "{sends} polls");
    }

    #[test]
    fn out_of_order_and_contradictory_readings_are_errors() {
        let mut m = DriftMeter::new(MeterConfig::precise());
        m.on_reading(Reading::new(BASE, BASE + 20_000, 1_700_000_005).unwrap())
            .unwrap();
        let before = m.estimate();
        let early = Reading::new(BASE + 10_000, BASE + 30_000, 1_700_000_005).unwrap();
        assert!(matches!(
            m.on_reading(early),
            Err(ClockError::OutOfOrder { by_us: 10_000 })
        ));
        // The token clock jumped back by 3 s (reset): contradiction.
        let reset = Reading::new(BASE + 40_000, BASE + 60_000, 1_700_000_002).unwrap();
        assert!(matches!(
            m.on_reading(reset),
            Err(ClockError::Inconsistent { .. })
        ));
        assert_eq!(m.estimate(), before, "errors leave the meter unchanged");
        assert_eq!(m.extra_exchanges(), 0);
    }

    #[test]
    fn latency_stats() {
        let l = Latency::from_rtts(&[30, 10, 20, 50]).unwrap();
        assert_eq!((l.min_rtt_us, l.median_rtt_us, l.max_rtt_us), (10, 30, 50));
        assert_eq!(l.samples, 4);
        assert!(Latency::from_rtts(&[]).is_none());
    }

    #[test]
    fn asymmetric_link_is_still_bracketed() {
        // Clock read 1 ms after send, answer 30 ms later: the symmetric guess is off
        // by 14.5 ms, but the interval still holds the truth.
        let l = Link {
            theta: -88_765_432,
            up: 500,
            read: 500,
            rest: 30_000,
        };
        let (e, _) = run(MeterConfig::precise(), &l, BASE + 42_000);
        assert!(e.contains(l.theta), "{e:?}");
        assert!(e.width_us() <= 2 * 31_000 + 10_000, "{e:?}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
        #[test]
        fn meters_are_sound_and_bounded(
            theta in -300_000_000i64..300_000_000,
            start in 0i64..1_000_000,
            up in 0i64..30_000,
            read in 0i64..8_000,
            rest in 0i64..30_000,
            precise in proptest::bool::ANY,
        ) {
            let l = Link { theta, up, read, rest };
            let cfg = if precise {
                MeterConfig::precise()
            } else {
                MeterConfig::advice(AdviceConfig::default())
            };
            let t0 = BASE + start;
            let (e, sends) = run(cfg, &l, t0);
            proptest::prop_assert!(e.contains(theta), "{:?}", e);
            proptest::prop_assert!(sends.len() as u32 <= cfg.max_polls + 1);
            let rtt = up + read + rest;
            for (prev, next) in sends.iter().zip(sends.iter().skip(1)) {
                // Each poll leaves after the previous answer (plus the lead).
                proptest::prop_assert!(*next >= prev + rtt + cfg.lead_us);
            }
            let last = sends.last().copied().unwrap_or(t0);
            proptest::prop_assert!(last + rtt - (t0 + rtt) <= cfg.max_extra_us);
            if !precise {
                let a = advise(e, Reference::trusted(ReferenceSource::Network), &AdviceConfig::default());
                // Never understates the drift.
                proptest::prop_assert!(a.level() >= AdviceConfig::default().level_of(theta));
            }
        }
    }
}
