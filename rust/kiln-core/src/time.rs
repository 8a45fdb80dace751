//! Time as the core sees it: `i64` Unix microseconds on the caller's reference clock.

/// Unix time in microseconds (UTC) on the caller's reference clock.
pub type UnixMicros = i64;

/// Microseconds per second.
pub const MICROS_PER_SEC: i64 = 1_000_000;
