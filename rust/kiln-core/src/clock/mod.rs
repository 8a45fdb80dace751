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
pub use advice::{advise, Advice, AdviceConfig, DriftLevel, Reference, ReferenceSource};
pub use estimate::{ClockError, DriftEstimate, Reading};
pub use meter::{DriftMeter, Latency, MeterConfig, MeterMode, MeterStep};
pub use plan::{plan_write, SetConfig, SyncResidual, WritePlan};
