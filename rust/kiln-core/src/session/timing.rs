//! When WRITE CONFIG is sent and which time it carries: the seam for the
//! precise clock set (`crate::clock::plan_write`).
//!
//! The session asks its [`ConfigTimer`] in `poll(now)` right before building the
//! WRITE CONFIG APDU (after authentication), handing it the readings and the
//! timings of the exchanges so far. The default timer writes `now` rounded to
//! the nearest second and sends at once.

use super::outcome::{Step, TokenReading};
use crate::time::{UnixMicros, MICROS_PER_SEC};

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

/// Unix seconds nearest to `t` (clamped to the u32 range of the token clock).
pub fn round_secs(t: UnixMicros) -> u32 {
    let s = t
        .saturating_add(MICROS_PER_SEC / 2)
        .div_euclid(MICROS_PER_SEC);
    u32::try_from(s.max(0)).unwrap_or(u32::MAX)
}
