//! Clock mathematics: sub-second drift measurement, drift advice and precise set.
//!
//! Pure functions and state machines over timestamps (`i64` Unix microseconds on the
//! caller's reference clock); the protocol sessions call them. See `docs/clock.md`.
//!
//! - [`DriftEstimate`]: the offset interval proved by timed GET INFO readings.
//! - [`DriftMeter`]: decides when to send further GET INFO (advice or precise mode).
//! - [`advise`]: in sync / sync recommended / sync required, from the interval.
//! - [`plan_write`]: when to send WRITE CONFIG and with which time value.

mod advice;
mod estimate;
mod meter;
mod plan;

pub use crate::time::UnixMicros;
pub use advice::{
    advise, Advice, AdviceConfig, AdviceSummary, DriftLevel, Reference, ReferenceSource,
};
pub use estimate::{ClockError, DriftEstimate, Reading};
pub use meter::{DriftMeter, Latency, MeterConfig, MeterMode, MeterStep};
pub use plan::{plan_write, SetConfig, SyncResidual, WritePlan};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::time::MICROS_PER_SEC as S;

    /// A token with offset `theta` behind a symmetric 20 ms link that acts at the
    /// middle of each exchange; a set restarts its second at the instant it applies.
    struct Token {
        theta: i64,
    }

    impl Token {
        fn get_info(&self, send: i64) -> Reading {
            let n = u32::try_from((send + 10_000 + self.theta).div_euclid(S)).unwrap();
            Reading::new(send, send + 20_000, n).unwrap()
        }

        fn write(&mut self, send: i64, value: u32) -> i64 {
            self.theta = i64::from(value) * S - (send + 10_000);
            send + 20_000
        }
    }

    fn drive(meter: &mut DriftMeter, token: &Token, start: i64) -> DriftEstimate {
        let mut step = meter.on_reading(token.get_info(start)).unwrap();
        loop {
            match step {
                MeterStep::Done(e) => return e,
                MeterStep::Poll { not_before } => {
                    step = meter.on_reading(token.get_info(not_before)).unwrap();
                }
            }
        }
    }

    #[test]
    fn measure_plan_set_confirm() {
        let start = 1_800_000_000 * S + 613_000;
        let mut token = Token { theta: 3_421_337 };
        let mut meter = DriftMeter::new(MeterConfig::precise());
        let before = drive(&mut meter, &token, start);
        assert!(before.contains(3_421_337));
        assert!(before.half_width_us() <= 21_000, "{before:?}");
        let advice = advise(
            before,
            Reference::trusted(ReferenceSource::Ntp),
            &AdviceConfig::default(),
        );
        assert_eq!(advice.level(), DriftLevel::SyncRecommended);
        assert_eq!(
            format!("{before} — {advice}"),
            "+3.42 s ± 0.03 s — sync recommended"
        );

        let lat = meter.latency().unwrap();
        let now = meter.last_received().unwrap() + 40_000; // authentication
        let plan = plan_write(now, &lat, &before, &SetConfig::default()).unwrap();
        assert!(plan.send_at >= now + 30_000);
        let answered = token.write(plan.send_at, plan.time_value);
        assert_eq!(token.theta, 0, "the token's second now starts on true time");

        let hint = plan.confirm_hint(plan.send_at, &lat);
        let mut confirm = DriftMeter::new(MeterConfig::confirm()).with_hint(hint);
        let after = SyncResidual {
            estimate: drive(&mut confirm, &token, answered + 21_000),
        };
        assert!(after.estimate.contains(0));
        assert!(after.residual_ms().abs() <= after.uncertainty_ms());
        assert!(after.uncertainty_ms() <= 26.0, "{:?}", after);
        assert!(confirm.extra_time_us() <= 1_200_000);
    }
}
