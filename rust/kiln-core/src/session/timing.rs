//! When WRITE CONFIG is sent and which time it carries.
//!
//! The session asks its [`ConfigTimer`] in `poll(now)` right before building the
//! WRITE CONFIG APDU (after authentication), handing it the measured reading and
//! the timings of the exchanges so far. The default is [`PlannedSet`], the precise
//! set of `crate::clock::plan_write`: the time value is the next reachable whole
//! second and the command leaves half a round trip before it, so that the token's
//! second starts on true time. [`SendNow`] is the naive set (the time of `now`,
//! rounded, sent at once), kept for comparisons and tests.

use super::outcome::{Step, TokenReading};
use crate::clock::{plan_write, Latency, SetConfig};
use crate::time::{UnixMicros, MICROS_PER_SEC};

/// How precisely a session measures the token clock before it acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Measure {
    /// Decide the advice (in sync / sync recommended / sync required): one GET INFO
    /// when it decides, else at most 8 more within 1.2 s. Interval about ±0.5 s.
    #[default]
    Advice,
    /// Locate the token's second boundary: up to 12 more GET INFO within 2.5 s,
    /// interval about ± one round trip (±15 ms target).
    Precise,
    /// One GET INFO, never a refinement poll (the advice may stay borderline).
    /// For comparisons with the naive single read.
    Single,
}

/// How a burn confirms the clock it has written (the closing GET INFO).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Confirm {
    /// Locate the token's next second boundary: up to 6 more GET INFO within
    /// 1.2 s, so that the residual is known to about ± one round trip. Costs
    /// about a second: the boundary is that far from the set.
    #[default]
    Precise,
    /// The closing GET INFO only: proves the token runs from the time written
    /// (to within its one-second resolution) without waiting for its next
    /// second, so the residual is known to about ±0.5 s. The set itself is as
    /// precise as with [`Confirm::Precise`]; only its check is coarser.
    Quick,
}

/// Send and receive instants of one completed exchange of this session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    pub step: Step,
    pub sent_at: UnixMicros,
    pub received_at: UnixMicros,
}

impl Timing {
    pub fn round_trip(&self) -> UnixMicros {
        self.received_at.saturating_sub(self.sent_at)
    }
}

/// The WRITE CONFIG the timer asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigWrite {
    /// Unix seconds written to the token RTC.
    pub time_value: u32,
    /// Send no earlier than this reference instant (`None` or a past instant:
    /// at once).
    pub send_at: Option<UnixMicros>,
}

/// Chooses the WRITE CONFIG time value and send instant.
pub trait ConfigTimer: Send {
    /// Called once, in `poll(now)`, as WRITE CONFIG is built. `before` is the
    /// session's first reading; `exchanges` the completed exchanges so far.
    fn plan(&mut self, now: UnixMicros, before: &TokenReading, exchanges: &[Timing])
        -> ConfigWrite;
}

/// The default: the time of `now`, rounded to the nearest second, sent at once.
#[derive(Clone, Copy, Debug, Default)]
pub struct SendNow;

impl ConfigTimer for SendNow {
    fn plan(&mut self, now: UnixMicros, _: &TokenReading, _: &[Timing]) -> ConfigWrite {
        ConfigWrite {
            time_value: round_secs(now),
            send_at: None,
        }
    }
}

/// Send at a fixed reference instant (or at once if it has passed) with the
/// time of that instant, rounded to the nearest second.
#[derive(Clone, Copy, Debug)]
pub struct SendAt(pub UnixMicros);

impl ConfigTimer for SendAt {
    fn plan(&mut self, now: UnixMicros, _: &TokenReading, _: &[Timing]) -> ConfigWrite {
        let at = self.0.max(now);
        ConfigWrite {
            time_value: round_secs(at),
            send_at: Some(at),
        }
    }
}

/// The precise set (`crate::clock::plan_write`) with the round trips of the
/// session's GET INFO exchanges. `keep_token_time`: aim at the token's measured
/// offset instead of true time (a burn with `sync_clock: false` writes the
/// token's own time back; it is kept to within the measurement's uncertainty).
#[derive(Clone, Copy, Debug, Default)]
pub struct PlannedSet {
    pub set: SetConfig,
    pub keep_token_time: bool,
}

impl ConfigTimer for PlannedSet {
    fn plan(
        &mut self,
        now: UnixMicros,
        before: &TokenReading,
        exchanges: &[Timing],
    ) -> ConfigWrite {
        let drift = before.drift();
        let mut cfg = self.set;
        if self.keep_token_time {
            cfg.target_offset_us = drift.midpoint_us();
        }
        let Some(latency) = session_latency(exchanges) else {
            return SendNow.plan(now, before, exchanges);
        };
        match plan_write(now, &latency, &drift, &cfg) {
            Ok(p) => ConfigWrite {
                time_value: p.time_value,
                send_at: Some(p.send_at),
            },
            // Out of the token's range: the session refuses the value it is given.
            Err(_) => SendNow.plan(now, before, exchanges),
        }
    }
}

/// Round-trip statistics of the session's GET INFO exchanges (the same commands
/// the drift was measured with); all exchanges if there is none.
pub fn session_latency(exchanges: &[Timing]) -> Option<Latency> {
    let info: Vec<i64> = exchanges
        .iter()
        .filter(|t| matches!(t.step, Step::GetInfo | Step::ConfirmInfo))
        .map(Timing::round_trip)
        .collect();
    Latency::from_rtts(&info).or_else(|| {
        let all: Vec<i64> = exchanges.iter().map(Timing::round_trip).collect();
        Latency::from_rtts(&all)
    })
}

/// Unix seconds nearest to `t` (clamped to the u32 range of the token clock).
pub fn round_secs(t: UnixMicros) -> u32 {
    let s = t
        .saturating_add(MICROS_PER_SEC / 2)
        .div_euclid(MICROS_PER_SEC);
    u32::try_from(s.max(0)).unwrap_or(u32::MAX)
}
