//! What to tell the user about a measured drift: in sync, sync recommended, sync required.
//!
//! The advice is computed from the whole offset interval, never from a rounded
//! number. When the interval straddles a threshold the advice is the **more severe**
//! level (conservative) and says that it is borderline: a clock sync is cheap and
//! harmless on unrestricted models, and on restricted models the burn that follows
//! rewrites the seed anyway; telling a user "in sync" when the token may not be is
//! the worse mistake.

use super::estimate::DriftEstimate;
use crate::params::TokenStep;
use crate::time::MICROS_PER_SEC;
use std::fmt;

/// Thresholds of the advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdviceConfig {
    /// Recommend a sync when |drift| exceeds this (vendor advice: 2 s).
    pub recommend_above_us: i64,
    /// The token's TOTP period in seconds (30 unless known to be 60; the token's
    /// step cannot be read back, so 30 is the safe default).
    pub period_s: u32,
    /// Steps either side a verifying service accepts (commonly 1).
    pub tolerance_steps: u32,
    /// Safety margin taken off the service window (e.g. for the user's typing time).
    pub required_margin_us: i64,
}

impl Default for AdviceConfig {
    fn default() -> Self {
        AdviceConfig {
            recommend_above_us: 2 * MICROS_PER_SEC,
            period_s: 30,
            tolerance_steps: 1,
            required_margin_us: 0,
        }
    }
}

impl AdviceConfig {
    /// Defaults for a token configured to `step`.
    pub fn for_step(step: TokenStep) -> Self {
        AdviceConfig {
            period_s: u32::try_from(step.seconds()).unwrap_or(30),
            ..AdviceConfig::default()
        }
    }

    /// |drift| above which codes start to fail: `period × tolerance_steps − margin`
    /// (never below the recommendation threshold). With a drift below one period
    /// a shown code is at most one step off, which services accept; beyond it some
    /// codes are two steps off and are refused.
    pub fn required_above_us(&self) -> i64 {
        let window = i64::from(self.period_s)
            .saturating_mul(i64::from(self.tolerance_steps))
            .saturating_mul(MICROS_PER_SEC)
            .saturating_sub(self.required_margin_us);
        window.max(self.recommend_above_us)
    }

    /// Level of one exact offset.
    pub fn level_of(&self, offset_us: i64) -> DriftLevel {
        let a = offset_us.saturating_abs();
        if a > self.required_above_us() {
            DriftLevel::SyncRequired
        } else if a > self.recommend_above_us {
            DriftLevel::SyncRecommended
        } else {
            DriftLevel::InSync
        }
    }

    /// The four signed offsets where the level changes, ascending.
    pub fn thresholds(&self) -> [i64; 4] {
        let req = self.required_above_us();
        let rec = self.recommend_above_us;
        [-req, -rec, rec, req]
    }

    /// Thresholds strictly inside the estimate (ones it cannot decide).
    pub fn straddled(&self, e: &DriftEstimate) -> impl Iterator<Item = i64> + '_ {
        let (lo, hi) = (e.lo_us(), e.hi_us());
        self.thresholds()
            .into_iter()
            .filter(move |&t| lo < t && t < hi - 1)
    }
}

/// How far off the token clock is, in the user's terms. Ordered by severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DriftLevel {
    InSync,
    SyncRecommended,
    SyncRequired,
}

impl DriftLevel {
    pub const fn as_str(self) -> &'static str {
        match self {
            DriftLevel::InSync => "in sync",
            DriftLevel::SyncRecommended => "sync recommended",
            DriftLevel::SyncRequired => "sync required",
        }
    }
}

impl fmt::Display for DriftLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the reference time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferenceSource {
    /// Time from the mobile network (NITZ) or a network time service via the OS.
    Network,
    /// An NTP-disciplined system clock.
    Ntp,
    /// The device's system clock, not known to be synchronised.
    System,
    /// The simulator's clock (tests, `--sim`).
    Simulator,
}

impl ReferenceSource {
    pub const fn as_str(self) -> &'static str {
        match self {
            ReferenceSource::Network => "network time",
            ReferenceSource::Ntp => "NTP-synchronised system clock",
            ReferenceSource::System => "system clock",
            ReferenceSource::Simulator => "simulator clock",
        }
    }
}

impl fmt::Display for ReferenceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The clock the timestamps were taken on, and whether the shell trusts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reference {
    pub trusted: bool,
    pub source: ReferenceSource,
}

impl Reference {
    pub const fn trusted(source: ReferenceSource) -> Self {
        Reference {
            trusted: true,
            source,
        }
    }

    pub const fn untrusted(source: ReferenceSource) -> Self {
        Reference {
            trusted: false,
            source,
        }
    }
}

/// The advice for one estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advice {
    estimate: DriftEstimate,
    level: DriftLevel,
    least: DriftLevel,
    reference: Reference,
}

/// Advice for `estimate` measured against `reference`.
pub fn advise(estimate: DriftEstimate, reference: Reference, cfg: &AdviceConfig) -> Advice {
    let lo = estimate.lo_us();
    let hi = estimate.hi_us() - 1; // largest offset in the half-open interval
    let max_abs = lo.saturating_abs().max(hi.saturating_abs());
    let min_abs = if lo <= 0 && 0 <= hi {
        0
    } else {
        lo.saturating_abs().min(hi.saturating_abs())
    };
    Advice {
        estimate,
        level: cfg.level_of(max_abs),
        least: cfg.level_of(min_abs),
        reference,
    }
}

/// An advice as front ends show it: whole milliseconds and one line of text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdviceSummary {
    /// Token minus reference, ms (positive: the token is ahead).
    pub drift_ms: i64,
    /// ± bound of `drift_ms`, ms, rounded up.
    pub uncertainty_ms: i64,
    /// `in sync`, `sync recommended` or `sync required`.
    pub level: &'static str,
    /// E.g. "+3.42 s ± 0.52 s — sync recommended".
    pub text: String,
    pub reference_trusted: bool,
}

impl Advice {
    /// The advice in whole milliseconds and one line of text.
    pub fn summary(&self) -> AdviceSummary {
        let e = self.estimate();
        AdviceSummary {
            drift_ms: e.midpoint_us() / 1000,
            uncertainty_ms: e.half_width_us().saturating_add(999) / 1000,
            level: self.level().as_str(),
            text: format!("{e} — {self}"),
            reference_trusted: self.reference().trusted,
        }
    }

    /// The advice to act on: the most severe level the interval reaches.
    pub fn level(&self) -> DriftLevel {
        self.level
    }

    /// The mildest level the interval reaches (equal to `level()` when certain).
    pub fn least_level(&self) -> DriftLevel {
        self.least
    }

    /// The whole interval lies within one level.
    pub fn is_certain(&self) -> bool {
        self.level == self.least
    }

    pub fn estimate(&self) -> DriftEstimate {
        self.estimate
    }

    pub fn reference(&self) -> Reference {
        self.reference
    }

    /// A sync is advised (recommended or required).
    pub fn suggests_sync(&self) -> bool {
        self.level >= DriftLevel::SyncRecommended
    }

    /// The reference clock is not trusted: a sync would copy an unverified time
    /// onto the token, so the user must confirm it.
    pub fn requires_confirmation(&self) -> bool {
        !self.reference.trusted
    }
}

/// `sync recommended`, plus `(borderline: may be in sync)` when uncertain and
/// `; reference not verified (system clock): confirm before syncing` when untrusted.
impl fmt::Display for Advice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.level.as_str())?;
        if !self.is_certain() {
            write!(f, " (borderline: may be {})", self.least)?;
        }
        if !self.reference.trusted {
            write!(
                f,
                "; reference time not verified ({}): confirm before syncing",
                self.reference.source
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const MS: i64 = 1_000;
    const NET: Reference = Reference::trusted(ReferenceSource::Network);

    fn e(lo_ms: i64, hi_ms: i64) -> DriftEstimate {
        DriftEstimate::new(lo_ms * MS, hi_ms * MS).unwrap()
    }

    fn level(lo_ms: i64, hi_ms: i64) -> (DriftLevel, bool) {
        let a = advise(e(lo_ms, hi_ms), NET, &AdviceConfig::default());
        (a.level(), a.is_certain())
    }

    #[test]
    fn clear_cases() {
        assert_eq!(level(-500, 500), (DriftLevel::InSync, true));
        assert_eq!(level(1_950, 1_990), (DriftLevel::InSync, true));
        assert_eq!(level(3_400, 3_440), (DriftLevel::SyncRecommended, true));
        assert_eq!(level(-3_440, -3_400), (DriftLevel::SyncRecommended, true));
        assert_eq!(level(45_000, 46_000), (DriftLevel::SyncRequired, true));
        assert_eq!(level(-46_000, -45_000), (DriftLevel::SyncRequired, true));
    }

    #[test]
    fn straddling_takes_the_severe_side_and_says_so() {
        // 1.98 .. 2.03 s: rounding the midpoint (2.005) would say "2.01 s", but the
        // truth may be under 2 s.
        let a = advise(e(1_980, 2_030), NET, &AdviceConfig::default());
        assert_eq!(a.level(), DriftLevel::SyncRecommended);
        assert_eq!(a.least_level(), DriftLevel::InSync);
        assert!(!a.is_certain());
        assert_eq!(
            a.to_string(),
            "sync recommended (borderline: may be in sync)"
        );
        let b = advise(e(-30_020, -29_990), NET, &AdviceConfig::default());
        assert_eq!(b.level(), DriftLevel::SyncRequired);
        assert_eq!(b.least_level(), DriftLevel::SyncRecommended);
    }

    #[test]
    fn exactly_two_seconds_is_still_in_sync() {
        // |θ| > 2 s is the rule; [1.5, 2.0 + 1 µs) tops out at exactly 2.000000 s.
        let x = DriftEstimate::new(1_500_000, 2_000_001).unwrap();
        let a = advise(x, NET, &AdviceConfig::default());
        assert_eq!(a.level(), DriftLevel::InSync);
        assert!(a.is_certain());
        let y = DriftEstimate::new(1_500_000, 2_000_002).unwrap();
        assert_eq!(
            advise(y, NET, &AdviceConfig::default()).level(),
            DriftLevel::SyncRecommended
        );
    }

    #[test]
    fn service_window_follows_period_tolerance_and_margin() {
        let c = AdviceConfig::default();
        assert_eq!(c.required_above_us(), 30 * MICROS_PER_SEC);
        let c60 = AdviceConfig::for_step(TokenStep::Secs60);
        assert_eq!(c60.required_above_us(), 60 * MICROS_PER_SEC);
        let c2 = AdviceConfig {
            tolerance_steps: 2,
            required_margin_us: 5 * MICROS_PER_SEC,
            ..AdviceConfig::default()
        };
        assert_eq!(c2.required_above_us(), 55 * MICROS_PER_SEC);
        // A zero tolerance never puts "required" below "recommended".
        let c0 = AdviceConfig {
            tolerance_steps: 0,
            ..AdviceConfig::default()
        };
        assert_eq!(c0.required_above_us(), 2 * MICROS_PER_SEC);
        assert_eq!(
            c60.level_of(45 * MICROS_PER_SEC),
            DriftLevel::SyncRecommended
        );
        assert_eq!(c.level_of(45 * MICROS_PER_SEC), DriftLevel::SyncRequired);
    }

    #[test]
    fn untrusted_reference_needs_confirmation() {
        let sys = Reference::untrusted(ReferenceSource::System);
        let a = advise(e(3_400, 3_440), sys, &AdviceConfig::default());
        assert!(a.requires_confirmation());
        assert!(a.suggests_sync());
        assert_eq!(
            a.to_string(),
            "sync recommended; reference time not verified (system clock): confirm before syncing"
        );
        let t = advise(e(3_400, 3_440), NET, &AdviceConfig::default());
        assert!(!t.requires_confirmation());
    }

    #[test]
    fn straddled_lists_undecided_thresholds() {
        let c = AdviceConfig::default();
        let s: Vec<i64> = c.straddled(&e(1_700, 2_720)).collect();
        assert_eq!(s, vec![2_000_000]);
        let s: Vec<i64> = c.straddled(&e(-30_500, -29_500)).collect();
        assert_eq!(s, vec![-30_000_000]);
        assert_eq!(c.straddled(&e(2_100, 3_000)).count(), 0);
    }

    #[test]
    fn a_summary_in_milliseconds_and_one_line() {
        let untrusted = Reference::untrusted(ReferenceSource::System);
        let view = |e, r| advise(e, r, &AdviceConfig::default()).summary();
        let v = view(DriftEstimate::around(3_420_000, 20_000), untrusted);
        assert_eq!((v.drift_ms, v.uncertainty_ms), (3_420, 20));
        assert_eq!(v.level, "sync recommended");
        assert!(
            v.text.starts_with("+3.42 s ± 0.02 s — sync recommended"),
            "{}",
            v.text
        );
        assert!(v.text.contains("not verified"), "{}", v.text);
        assert!(!v.reference_trusted);
        let trusted = Reference::trusted(ReferenceSource::Network);
        let v = view(DriftEstimate::around(-45_000_000, 500_000), trusted);
        assert_eq!(v.level, "sync required");
        assert!(!v.text.contains("not verified"), "{}", v.text);
        assert!(v.reference_trusted);
    }
}
