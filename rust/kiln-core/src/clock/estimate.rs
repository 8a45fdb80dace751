//! Timed clock readings and the offset interval they prove.

use crate::time::{UnixMicros, MICROS_PER_SEC};
use std::fmt;

/// Why clock readings could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// A response arrived before its command was sent.
    #[error(
        "a response was timestamped {by_us} µs before its command was sent: \
         the reference clock went backwards; measure again"
    )]
    ReceivedBeforeSent { by_us: i64 },
    /// A reading was sent before the previous one had been answered.
    #[error(
        "clock readings were given out of order (one was sent {by_us} µs before the \
         previous answer arrived); measure again"
    )]
    OutOfOrder { by_us: i64 },
    /// The readings cannot all be true of one steadily running clock.
    #[error(
        "the token's clock readings contradict each other (offset {earlier} earlier, \
         {latest} now): the token clock jumped or was reset during the measurement, \
         or the reference clock stepped; measure again"
    )]
    Inconsistent {
        earlier: DriftEstimate,
        latest: DriftEstimate,
    },
    /// A time value does not fit the token's u32 seconds.
    #[error("the time {0} µs is outside the token's range (1970..2106)")]
    OutOfRange(UnixMicros),
}

/// One timed GET INFO exchange: when the command left, when the answer came back
/// (both on the reference clock) and the whole second the token reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    sent_at: UnixMicros,
    received_at: UnixMicros,
    token_secs: u32,
}

impl Reading {
    /// `sent_at` is taken just before the command is handed to the reader,
    /// `received_at` just after the answer is back.
    pub fn new(
        sent_at: UnixMicros,
        received_at: UnixMicros,
        token_secs: u32,
    ) -> Result<Self, ClockError> {
        if received_at < sent_at {
            return Err(ClockError::ReceivedBeforeSent {
                by_us: sent_at.saturating_sub(received_at),
            });
        }
        Ok(Reading {
            sent_at,
            received_at,
            token_secs,
        })
    }

    pub fn sent_at(&self) -> UnixMicros {
        self.sent_at
    }

    pub fn received_at(&self) -> UnixMicros {
        self.received_at
    }

    pub fn token_secs(&self) -> u32 {
        self.token_secs
    }

    /// Round-trip time in microseconds (never negative).
    pub fn rtt_us(&self) -> i64 {
        self.received_at - self.sent_at
    }

    /// The instants at which the token may have read its clock: `[sent + m, received − m]`
    /// with `m = min(margin, rtt / 2)` (a margin larger than half the round trip
    /// collapses the window to its midpoint).
    pub fn processing_window(&self, margin_us: i64) -> (UnixMicros, UnixMicros) {
        let m = margin_us.clamp(0, self.rtt_us() / 2);
        (self.sent_at + m, self.received_at - m)
    }
}

/// The token's clock offset θ = token clock − reference clock, known to lie in
/// `[lo_us, hi_us)` (microseconds). Built from readings only: every value in the
/// interval is consistent with everything the token said, every value outside is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DriftEstimate {
    lo_us: i64,
    hi_us: i64,
}

impl DriftEstimate {
    /// The interval one reading proves. The token processed the command at some
    /// instant `t ∈ [a, b]` (the processing window) and reported `n = floor(t + θ)`
    /// seconds, so `n ≤ t + θ < n + 1`, i.e. `θ ∈ [n − b, n + 1 − a)`.
    pub fn from_reading(reading: &Reading, margin_us: i64) -> Self {
        let (a, b) = reading.processing_window(margin_us);
        let n = i64::from(reading.token_secs) * MICROS_PER_SEC;
        DriftEstimate {
            lo_us: n - b,
            hi_us: n + MICROS_PER_SEC - a,
        }
    }

    /// An interval given directly (`lo ≤ θ < hi`); `None` if it is empty.
    pub fn new(lo_us: i64, hi_us: i64) -> Option<Self> {
        (lo_us < hi_us).then_some(DriftEstimate { lo_us, hi_us })
    }

    /// The offsets consistent with both; an empty intersection is a contradiction.
    pub fn intersect(self, latest: DriftEstimate) -> Result<Self, ClockError> {
        DriftEstimate::new(self.lo_us.max(latest.lo_us), self.hi_us.min(latest.hi_us)).ok_or(
            ClockError::Inconsistent {
                earlier: self,
                latest,
            },
        )
    }

    /// Lowest possible offset (inclusive), µs.
    pub fn lo_us(&self) -> i64 {
        self.lo_us
    }

    /// Highest possible offset (exclusive), µs.
    pub fn hi_us(&self) -> i64 {
        self.hi_us
    }

    pub fn width_us(&self) -> i64 {
        self.hi_us - self.lo_us
    }

    /// The estimate: the middle of the interval, µs (rounded towards −∞).
    pub fn midpoint_us(&self) -> i64 {
        self.lo_us + self.width_us() / 2
    }

    /// Largest distance from the midpoint to a possible true offset, µs (rounded up).
    pub fn half_width_us(&self) -> i64 {
        self.hi_us - self.midpoint_us()
    }

    /// The estimate in milliseconds (for reports).
    pub fn midpoint_ms(&self) -> f64 {
        self.midpoint_us() as f64 / 1000.0
    }

    pub fn half_width_ms(&self) -> f64 {
        self.half_width_us() as f64 / 1000.0
    }

    pub fn contains(&self, offset_us: i64) -> bool {
        self.lo_us <= offset_us && offset_us < self.hi_us
    }

    /// `[centre − half, centre + half)`, with `half` at least 1 µs.
    pub fn around(centre_us: i64, half_us: i64) -> Self {
        let h = half_us.max(1);
        DriftEstimate {
            lo_us: centre_us - h,
            hi_us: centre_us + h,
        }
    }

    /// The interval of `−θ` (e.g. the correction a set applies).
    pub fn negated(&self) -> Self {
        DriftEstimate {
            lo_us: 1 - self.hi_us,
            hi_us: 1 - self.lo_us,
        }
    }

    /// The estimate shifted by `delta_us` (e.g. the effect of a clock set).
    pub fn shifted(&self, delta_us: i64) -> Self {
        DriftEstimate {
            lo_us: self.lo_us + delta_us,
            hi_us: self.hi_us + delta_us,
        }
    }

    /// Midpoint and half-width in hundredths of a second, with the half-width
    /// rounded up so that the printed interval still covers the true one.
    fn centiseconds(&self) -> (i64, i64) {
        const CS: i64 = 10_000;
        let mid = self.midpoint_us();
        let mid_cs = if mid >= 0 {
            (mid + CS / 2) / CS
        } else {
            -((-mid + CS / 2) / CS)
        };
        let rounding = (mid - mid_cs * CS).abs();
        let half = self.half_width_us() + rounding;
        let half_cs = (half + CS - 1) / CS;
        (mid_cs, half_cs)
    }
}

/// `+3.42 s ± 0.02 s`: midpoint to the hundredth, half-width rounded up.
impl fmt::Display for DriftEstimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (mid, half) = self.centiseconds();
        let sign = if mid < 0 { '-' } else { '+' };
        let m = mid.unsigned_abs();
        let h = half.unsigned_abs();
        write!(
            f,
            "{sign}{}.{:02} s ± {}.{:02} s",
            m / 100,
            m % 100,
            h / 100,
            h % 100
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const S: i64 = MICROS_PER_SEC;
    const BASE: i64 = 1_700_000_000 * S;

    fn secs(t: i64) -> u32 {
        u32::try_from(t.div_euclid(S)).unwrap()
    }

    /// What a token with offset `theta` reports when it reads its clock at `t`.
    fn token_at(t: i64, theta: i64) -> u32 {
        secs(t + theta)
    }

    fn est(s: i64, r: i64, n: u32) -> DriftEstimate {
        DriftEstimate::from_reading(&Reading::new(s, r, n).unwrap(), 0)
    }

    #[test]
    fn one_reading_gives_the_textbook_interval() {
        // sent at BASE + 0.100, received at BASE + 0.120, token says BASE/S + 3.
        let e = est(BASE + 100_000, BASE + 120_000, secs(BASE) + 3);
        assert_eq!(e.lo_us(), 3 * S - 120_000);
        assert_eq!(e.hi_us(), 4 * S - 100_000);
        assert_eq!(e.width_us(), S + 20_000);
    }

    #[test]
    fn received_before_sent_is_rejected() {
        assert_eq!(
            Reading::new(10, 5, 0),
            Err(ClockError::ReceivedBeforeSent { by_us: 5 })
        );
    }

    #[test]
    fn true_offset_is_always_inside_whatever_the_processing_instant() {
        // Offsets around a second boundary and processing instants anywhere
        // in the window, including exactly at send and at receive.
        let s = BASE + 250_000;
        let r = s + 30_000;
        for theta in [
            3_749_999, 3_750_000, 3_750_001, 3_720_000, 3_720_001, 3_719_999, -1, 0, 1,
        ] {
            for tp in [s, s + 1, s + 15_000, r - 1, r] {
                let e = est(s, r, token_at(tp, theta));
                assert!(e.contains(theta), "theta {theta} tp {tp}: {e:?}");
            }
        }
    }

    #[test]
    fn tick_exactly_at_send_and_at_receive() {
        // Offset such that the token's second begins exactly at the send instant.
        let s = BASE + 400_000;
        let r = s + 20_000;
        let theta = 5 * S - 400_000; // t + θ is an integer second at t = s
        let at_send = est(s, r, token_at(s, theta));
        assert!(at_send.contains(theta));
        // Processed at r instead: same whole second, still consistent.
        let at_recv = est(s, r, token_at(r, theta));
        assert!(at_recv.contains(theta));
        // Offset whose boundary is exactly at r: processed at r it has ticked.
        let theta2 = 5 * S - 420_000;
        let e = est(s, r, token_at(r, theta2));
        assert_eq!(e.lo_us(), theta2, "lower bound is tight and inclusive");
        // processed just before r it has not ticked: θ2 must be inside but at the top.
        let e2 = est(s, r, token_at(r - 1, theta2));
        assert!(e2.contains(theta2));
        assert_eq!(e2.hi_us(), 5 * S - 400_000);
    }

    #[test]
    fn readings_just_before_and_after_a_tick_pin_the_boundary() {
        let theta = 2_345_678; // +2.345678 s
                               // The token's second boundary falls at reference instants k − 0.345678.
        let tick = BASE + S - 345_678;
        // Exchange entirely before the tick, then entirely after it.
        let before = est(tick - 25_000, tick - 5_000, token_at(tick - 10_000, theta));
        let after = est(tick + 1_000, tick + 21_000, token_at(tick + 10_000, theta));
        let both = before.intersect(after).unwrap();
        assert!(both.contains(theta));
        // Bounded by the earliest possible post-tick instant and latest pre-tick one.
        assert_eq!(both.lo_us(), theta - 21_000);
        assert_eq!(both.hi_us(), theta + 25_000);
        assert!(both.width_us() <= 46_000);
    }

    #[test]
    fn asymmetric_latency_still_brackets_the_truth() {
        // Uplink 2 ms, card 1 ms, downlink 37 ms: clock read near the start.
        let theta = -7_123_456;
        let s = BASE + 900_000;
        let tp = s + 2_000;
        let r = tp + 1_000 + 37_000;
        let e = est(s, r, token_at(tp, theta));
        assert!(e.contains(theta));
        // The midpoint (symmetric assumption) is off, but by less than half the window.
        assert!((e.midpoint_us() - theta).abs() <= e.half_width_us());
    }

    #[test]
    fn zero_and_huge_round_trips() {
        let theta = 12_500_000;
        let s = BASE + 123_456;
        let zero = est(s, s, token_at(s, theta));
        assert_eq!(zero.width_us(), S);
        assert!(zero.contains(theta));
        let huge = est(s, s + 5 * S, token_at(s + 3 * S, theta));
        assert_eq!(huge.width_us(), 6 * S);
        assert!(huge.contains(theta));
    }

    #[test]
    fn margin_narrows_the_window_but_never_past_its_middle() {
        let r = Reading::new(1_000, 21_000, 0).unwrap();
        assert_eq!(r.processing_window(3_000), (4_000, 18_000));
        assert_eq!(r.processing_window(50_000), (11_000, 11_000));
        assert_eq!(r.processing_window(-5), (1_000, 21_000));
    }

    #[test]
    fn contradiction_is_a_typed_error() {
        // Token said second 10 and, a moment later, second 50: the clock jumped.
        let a = est(BASE, BASE + 20_000, secs(BASE) + 10);
        let b = est(BASE + 30_000, BASE + 50_000, secs(BASE) + 50);
        let err = a.intersect(b).unwrap_err();
        assert!(matches!(err, ClockError::Inconsistent { .. }));
        assert!(err.to_string().contains("jumped or was reset"));
        // A clock that went back by one second is also caught.
        let c = est(BASE + 600_000, BASE + 620_000, secs(BASE) + 9);
        assert!(a.intersect(c).is_err());
    }

    #[test]
    fn display_rounds_midpoint_and_covers_the_interval() {
        let e = DriftEstimate::new(3_400_000, 3_440_000).unwrap();
        assert_eq!(e.to_string(), "+3.42 s ± 0.02 s");
        let e = DriftEstimate::new(-3_440_000, -3_400_000).unwrap();
        assert_eq!(e.to_string(), "-3.42 s ± 0.02 s");
        // Midpoint 0.004 rounds to +0.00; half-width 0.001 + 0.004 rounding → 0.01.
        let e = DriftEstimate::new(3_000, 5_000).unwrap();
        assert_eq!(e.to_string(), "+0.00 s ± 0.01 s");
        // Wide interval.
        let e = DriftEstimate::new(-125_870_000, -124_870_000).unwrap();
        assert_eq!(e.to_string(), "-125.37 s ± 0.50 s");
    }

    #[test]
    fn empty_interval_cannot_be_built() {
        assert!(DriftEstimate::new(5, 5).is_none());
        assert!(DriftEstimate::new(6, 5).is_none());
    }
}
