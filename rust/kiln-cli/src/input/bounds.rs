//! Limits of the times and durations taken from the command line. Every one is
//! checked by clap, so an out-of-range value is a usage error (exit 2) naming the
//! range, never an overflow deeper in (`--wait 18446744073709551615` used to
//! panic adding to an `Instant`).

use std::ops::RangeInclusive;

/// `--wait SECONDS`: up to an hour.
pub const WAIT_SECS: RangeInclusive<u64> = 0..=3600;

/// `--at UNIX`: up to the end of year 9999 (UTC).
pub const UNIX_SECS: RangeInclusive<u64> = 0..=253_402_300_799;

/// `--period SECONDS`: one second to one day.
pub const PERIOD_SECS: RangeInclusive<u64> = 1..=86_400;

/// `--sim-rtt-ms MS`: up to a minute.
pub const RTT_MS: RangeInclusive<i64> = 0..=60_000;

/// `--sim-offset SECONDS`: about ±31 years.
const SIM_OFFSET_SECS: f64 = 1e9;

/// `--sim-drift PPM`: ±10 %.
const SIM_DRIFT_PPM: f64 = 1e5;

/// A clap value parser for `--wait`.
pub fn wait() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(WAIT_SECS)
}

/// A clap value parser for `--at`.
pub fn unix() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(UNIX_SECS)
}

/// A clap value parser for `--period`.
pub fn period() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(PERIOD_SECS)
}

/// A clap value parser for `--sim-rtt-ms`.
pub fn rtt_ms() -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(RTT_MS)
}

fn finite_within(s: &str, limit: f64, unit: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("not a number of {unit}"))?;
    if v.is_finite() && v.abs() <= limit {
        Ok(v)
    } else {
        Err(format!("must be between -{limit:.0} and {limit:.0} {unit}"))
    }
}

/// `--sim-offset`: finite seconds within about ±31 years.
pub fn sim_offset(s: &str) -> Result<f64, String> {
    finite_within(s, SIM_OFFSET_SECS, "seconds")
}

/// `--sim-drift`: finite parts per million within ±10 %.
pub fn sim_drift(s: &str) -> Result<f64, String> {
    finite_within(s, SIM_DRIFT_PPM, "ppm")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn floats_must_be_finite_and_in_range() {
        assert_eq!(sim_offset("-94.96"), Ok(-94.96));
        assert!(sim_offset("1e300").is_err());
        assert!(sim_offset("NaN").is_err());
        assert!(sim_offset("inf").is_err());
        assert!(sim_drift("-1e6").unwrap_err().contains("ppm"));
        assert_eq!(sim_drift("12.5"), Ok(12.5));
    }
}
