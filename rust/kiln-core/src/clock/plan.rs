//! The precise clock set: when to send WRITE CONFIG and with which time value.
//!
//! Assumption (documented in `docs/clock.md`, and the simulator behaves so): when
//! the token processes WRITE CONFIG it sets its RTC to `time_value` **and restarts
//! its second at that instant** (no sub-second phase is kept). After a set at
//! reference instant `t_set` the token's clock is `v + (t − t_set)`, so its new
//! offset is `v − t_set`. We want that to be 0: send at `v − L`, where `L` is the
//! expected delay from send to the token applying the value.

use super::estimate::{ClockError, DriftEstimate};
use super::meter::Latency;
use crate::time::{UnixMicros, MICROS_PER_SEC};

/// Tunables of the set planner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetConfig {
    /// Minimum time between planning and sending (MAC computation, host scheduling).
    pub lead_us: i64,
    /// Added to the estimated one-way latency (RTT/2) for the write: positive if
    /// the token takes longer to apply a WRITE CONFIG than to read its clock.
    pub write_bias_us: i64,
    /// The offset (token − reference, µs) the token should have after the set:
    /// 0 to set it to true time; the measured offset to write the token's own
    /// time back (a burn that must not move the clock, see `docs/clock.md`).
    pub target_offset_us: i64,
}

impl Default for SetConfig {
    fn default() -> Self {
        SetConfig {
            lead_us: 30_000,
            write_bias_us: 0,
            target_offset_us: 0,
        }
    }
}

/// Send WRITE CONFIG carrying `time_value` at `send_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WritePlan {
    /// Hand the APDU to the reader at this instant (not earlier; late is worse).
    pub send_at: UnixMicros,
    /// The UTC seconds to put in the `0F 04` TLV.
    pub time_value: u32,
    /// Expected send → clock-applied delay used, µs.
    pub one_way_us: i64,
    /// Expected change of the token's clock: `target − offset` (µs), for reports.
    pub expected_correction: DriftEstimate,
    /// The offset the plan aims at (`SetConfig::target_offset_us`).
    pub target_offset_us: i64,
}

/// Plans a precise set. `now` is the current reference time; `latency` the round
/// trips measured on this session; `offset` the drift just measured (only used to
/// report the expected correction: with the restart assumption, the result does not
/// depend on it).
pub fn plan_write(
    now: UnixMicros,
    latency: &Latency,
    offset: &DriftEstimate,
    cfg: &SetConfig,
) -> Result<WritePlan, ClockError> {
    let one_way = (latency.median_rtt_us / 2 + cfg.write_bias_us).max(0);
    let earliest_apply = now + cfg.lead_us.max(0) + one_way;
    // The value v applied at reference instant t gives the offset v − t: apply the
    // first whole second v at or after `earliest_apply + target` at `v − target`.
    let goal = earliest_apply.saturating_add(cfg.target_offset_us);
    let secs = goal.div_euclid(MICROS_PER_SEC) + i64::from(goal.rem_euclid(MICROS_PER_SEC) != 0);
    let time_value = u32::try_from(secs).map_err(|_| ClockError::OutOfRange(now))?;
    let apply_at = secs * MICROS_PER_SEC - cfg.target_offset_us;
    Ok(WritePlan {
        send_at: apply_at - one_way,
        time_value,
        one_way_us: one_way,
        expected_correction: offset.negated().shifted(cfg.target_offset_us),
        target_offset_us: cfg.target_offset_us,
    })
}

impl WritePlan {
    /// How late the APDU actually left (negative: early), µs.
    pub fn lateness_us(&self, sent_at: UnixMicros) -> i64 {
        sent_at - self.send_at
    }

    /// Residual offset (relative to the target) expected after the set if the
    /// command left at `sent_at` (a late send leaves the token behind by the lateness).
    pub fn expected_residual_us(&self, sent_at: UnixMicros) -> i64 {
        -self.lateness_us(sent_at)
    }

    /// Where the confirmation meter should look first: the expected offset
    /// (target + expected residual) ± half the largest round trip. A scheduling
    /// hint only.
    pub fn confirm_hint(&self, sent_at: UnixMicros, latency: &Latency) -> DriftEstimate {
        let centre = self.target_offset_us + self.expected_residual_us(sent_at);
        let spread = (latency.max_rtt_us / 2).max(5_000);
        DriftEstimate::around(centre, spread)
    }
}

/// The result of the confirmation re-measurement after a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncResidual {
    pub estimate: DriftEstimate,
}

impl SyncResidual {
    /// Remaining offset after the set, ms (midpoint of the re-measured interval).
    pub fn residual_ms(&self) -> f64 {
        self.estimate.midpoint_ms()
    }

    /// Uncertainty of the residual, ms.
    pub fn uncertainty_ms(&self) -> f64 {
        self.estimate.half_width_ms()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const S: i64 = MICROS_PER_SEC;
    const BASE: i64 = 1_700_000_000 * S;

    fn lat(median: i64) -> Latency {
        Latency {
            min_rtt_us: median - 2_000,
            median_rtt_us: median,
            max_rtt_us: median + 5_000,
            samples: 5,
        }
    }

    fn off() -> DriftEstimate {
        DriftEstimate::new(3_400_000, 3_440_000).unwrap()
    }

    #[test]
    fn sends_half_a_round_trip_before_the_next_reachable_second() {
        let p = plan_write(BASE + 500_000, &lat(20_000), &off(), &SetConfig::default()).unwrap();
        assert_eq!(p.time_value, 1_700_000_001);
        assert_eq!(p.one_way_us, 10_000);
        assert_eq!(p.send_at, BASE + S - 10_000);
        assert_eq!(p.expected_correction.midpoint_us(), -3_420_000 + 1);
    }

    #[test]
    fn respects_the_lead_near_a_second_boundary() {
        // 0.975 s: 30 ms lead + 10 ms one-way does not fit before the next second.
        let p = plan_write(BASE + 975_000, &lat(20_000), &off(), &SetConfig::default()).unwrap();
        assert_eq!(p.time_value, 1_700_000_002);
        assert!(p.send_at >= BASE + 975_000 + 30_000);
        // Exactly on the edge: now + lead + one_way == next second.
        let p = plan_write(BASE + 960_000, &lat(20_000), &off(), &SetConfig::default()).unwrap();
        assert_eq!(p.time_value, 1_700_000_001);
        assert_eq!(p.send_at, BASE + 990_000);
    }

    #[test]
    fn token_set_by_the_plan_lands_on_true_time() {
        // Token model with restart-at-set: offset after = v − t_set.
        for (median, up_and_proc) in [(20_000, 10_000), (50_000, 25_000), (0, 0)] {
            let p =
                plan_write(BASE + 123_456, &lat(median), &off(), &SetConfig::default()).unwrap();
            let t_set = p.send_at + up_and_proc;
            let residual = i64::from(p.time_value) * S - t_set;
            assert_eq!(residual, 0);
            assert_eq!(p.expected_residual_us(p.send_at), 0);
        }
        // A send 7 ms late leaves the token 7 ms behind.
        let p = plan_write(BASE, &lat(20_000), &off(), &SetConfig::default()).unwrap();
        assert_eq!(p.expected_residual_us(p.send_at + 7_000), -7_000);
        let h = p.confirm_hint(p.send_at + 7_000, &lat(20_000));
        assert!(h.contains(-7_000));
    }

    #[test]
    fn write_bias_shifts_the_send() {
        let cfg = SetConfig {
            write_bias_us: 4_000,
            ..SetConfig::default()
        };
        let p = plan_write(BASE, &lat(20_000), &off(), &cfg).unwrap();
        assert_eq!(p.one_way_us, 14_000);
        assert_eq!(p.send_at, i64::from(p.time_value) * S - 14_000);
    }

    #[test]
    fn a_target_offset_keeps_the_token_time() {
        // Write the token's own time back: a token 250.3 s ahead stays so.
        let theta = 250_300_000;
        let cfg = SetConfig {
            target_offset_us: theta,
            ..SetConfig::default()
        };
        let est = DriftEstimate::around(theta, 10_000);
        for now in [BASE + 123_456, BASE + 690_000, BASE + 999_999] {
            let p = plan_write(now, &lat(20_000), &est, &cfg).unwrap();
            assert!(p.send_at >= now + 30_000);
            assert!(p.send_at < now + 30_000 + S);
            let t_set = p.send_at + 10_000;
            assert_eq!(i64::from(p.time_value) * S - t_set, theta);
            assert!(p.expected_correction.contains(0));
            assert!(p.confirm_hint(p.send_at, &lat(20_000)).contains(theta));
        }
    }

    #[test]
    fn out_of_range_times_are_errors() {
        assert!(matches!(
            plan_write(-5 * S, &lat(20_000), &off(), &SetConfig::default()),
            Err(ClockError::OutOfRange(_))
        ));
        assert!(plan_write(
            i64::from(u32::MAX) * S,
            &lat(20_000),
            &off(),
            &SetConfig::default()
        )
        .is_err());
    }

    #[test]
    fn residual_reports_ms() {
        let r = SyncResidual {
            estimate: DriftEstimate::new(-4_000, 12_000).unwrap(),
        };
        assert_eq!(r.residual_ms(), 4.0);
        assert_eq!(r.uncertainty_ms(), 8.0);
    }

    proptest::proptest! {
        /// Whatever the link, a card that applies the write somewhere inside the
        /// exchange ends up within half a round trip (plus the send's lateness).
        #[test]
        fn residual_is_bounded_by_half_the_round_trip(
            now in 0i64..1_000_000,
            rtt in 0i64..80_000,
            act in 0.0f64..=1.0,
            late in 0i64..2_000,
        ) {
            let l = lat(rtt.max(2_000));
            let p = plan_write(BASE + now, &l, &off(), &SetConfig::default()).unwrap();
            proptest::prop_assert!(p.send_at >= BASE + now + 30_000);
            proptest::prop_assert!(p.send_at < BASE + now + 30_000 + S);
            let sent = p.send_at + late;
            let t_set = sent + (l.median_rtt_us as f64 * act) as i64;
            let residual = i64::from(p.time_value) * S - t_set;
            proptest::prop_assert!(residual.abs() <= l.median_rtt_us / 2 + late + 1);
            proptest::prop_assert!(p.confirm_hint(sent, &l).contains(p.expected_residual_us(sent)));
        }
    }
}
