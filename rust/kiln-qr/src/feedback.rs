//! Turns per-frame results into a steady "a QR code is in view but cannot be read"
//! message for a live camera preview.
//!
//! One frame is not enough to say so: the per-frame budget can end the pipeline
//! before the attempt that would have read the code, and finder patterns come and go
//! with hand shake. So the message appears only after sightings without a decode have
//! lasted [`SHOW_AFTER_MS`], and it stays until no code has been seen for
//! [`KEEP_MS`] (no flicker between frames). A decoded frame clears it at once.
//! Time is fed in by the caller (milliseconds of any monotonic clock).

use crate::sighting::Hint;
use crate::Frame;

/// Sightings without a decode must last this long before the message appears.
pub const SHOW_AFTER_MS: u64 = 700;

/// The message (and a run of sightings) ends after this long without a sighting.
pub const KEEP_MS: u64 = 1200;

/// The last few hints; the message shows their majority so it does not flip
/// between "move closer" and "hold steady" on every frame.
const WINDOW: usize = 5;

/// State of the "seen but unreadable" message across frames.
#[derive(Debug, Default, Clone)]
pub struct UnreadableFeedback {
    /// Start of the current run of sightings.
    since_ms: Option<u64>,
    /// The latest sighting.
    last_seen_ms: Option<u64>,
    /// Hints of the latest sightings, oldest first (at most [`WINDOW`]).
    recent: Vec<Hint>,
    shown: Option<Hint>,
}

impl UnreadableFeedback {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one frame's result, examined at `now_ms`; returns the message to show
    /// now (`None`: no message).
    pub fn observe(&mut self, now_ms: u64, frame: &Frame) -> Option<Hint> {
        match frame {
            Frame::Decoded(_) => *self = Self::default(),
            Frame::Unreadable(sighting) => {
                let run_continues = self
                    .last_seen_ms
                    .is_some_and(|last| now_ms >= last && now_ms - last <= KEEP_MS);
                if !run_continues {
                    *self = Self {
                        since_ms: Some(now_ms),
                        ..Self::default()
                    };
                }
                self.last_seen_ms = Some(now_ms);
                if self.recent.len() == WINDOW {
                    self.recent.remove(0);
                }
                self.recent.push(sighting.hint());
                let since = self.since_ms.unwrap_or(now_ms);
                if now_ms.saturating_sub(since) >= SHOW_AFTER_MS {
                    self.shown = self.majority();
                }
            }
            Frame::Empty => {
                let expired = self
                    .last_seen_ms
                    .is_some_and(|last| now_ms < last || now_ms - last > KEEP_MS);
                if expired {
                    *self = Self::default();
                }
            }
        }
        self.shown
    }

    /// The message currently shown.
    pub fn shown(&self) -> Option<Hint> {
        self.shown
    }

    /// The more frequent hint of the recent sightings; on a tie, the latest.
    fn majority(&self) -> Option<Hint> {
        let closer = self
            .recent
            .iter()
            .filter(|h| **h == Hint::MoveCloser)
            .count();
        let steady = self.recent.len() - closer;
        match closer.cmp(&steady) {
            std::cmp::Ordering::Greater => Some(Hint::MoveCloser),
            std::cmp::Ordering::Less => Some(Hint::HoldSteady),
            std::cmp::Ordering::Equal => self.recent.last().copied(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Sighting;
    use proptest::prelude::*;

    fn seen(module_px: f32) -> Frame {
        Frame::Unreadable(Sighting {
            module_px,
            dimension: 25.0,
        })
    }
    const BIG: f32 = 6.0;
    const SMALL: f32 = 1.5;

    #[test]
    fn message_appears_only_after_sightings_last() {
        let mut f = UnreadableFeedback::new();
        // 10 fps of sightings: nothing until SHOW_AFTER_MS has passed.
        for t in (0..SHOW_AFTER_MS).step_by(100) {
            assert_eq!(f.observe(t, &seen(BIG)), None, "at {t} ms");
        }
        assert_eq!(f.observe(SHOW_AFTER_MS, &seen(BIG)), Some(Hint::HoldSteady));
    }

    #[test]
    fn message_survives_frames_without_a_sighting_then_expires() {
        let mut f = UnreadableFeedback::new();
        f.observe(0, &seen(BIG));
        assert_eq!(f.observe(800, &seen(BIG)), Some(Hint::HoldSteady));
        // the finder patterns drop out for a few frames: the message stays
        assert_eq!(f.observe(900, &Frame::Empty), Some(Hint::HoldSteady));
        assert_eq!(
            f.observe(800 + KEEP_MS, &Frame::Empty),
            Some(Hint::HoldSteady)
        );
        // ... and goes once nothing was seen for longer than KEEP_MS
        assert_eq!(f.observe(801 + KEEP_MS, &Frame::Empty), None);
        // a new run starts from scratch
        assert_eq!(f.observe(900 + KEEP_MS, &seen(BIG)), None);
    }

    #[test]
    fn a_decode_clears_the_message_at_once() {
        let mut f = UnreadableFeedback::new();
        f.observe(0, &seen(BIG));
        assert!(f.observe(1000, &seen(BIG)).is_some());
        assert_eq!(f.observe(1050, &Frame::Decoded(vec![])), None);
        assert_eq!(f.shown(), None);
        // and the next sighting starts a new run
        assert_eq!(f.observe(1100, &seen(BIG)), None);
    }

    #[test]
    fn a_long_gap_between_sightings_restarts_the_run() {
        let mut f = UnreadableFeedback::new();
        f.observe(0, &seen(BIG));
        // the next sighting comes after KEEP_MS: not one continuous run
        assert_eq!(f.observe(KEEP_MS + 1, &seen(BIG)), None);
        assert_eq!(
            f.observe(KEEP_MS + 1 + SHOW_AFTER_MS, &seen(BIG)),
            Some(Hint::HoldSteady)
        );
    }

    #[test]
    fn the_hint_follows_the_majority_of_recent_sightings() {
        let mut f = UnreadableFeedback::new();
        let mut t = 0;
        for _ in 0..8 {
            f.observe(t, &seen(SMALL));
            t += 100;
        }
        assert_eq!(f.shown(), Some(Hint::MoveCloser));
        // one big-module frame does not flip the advice
        assert_eq!(f.observe(t, &seen(BIG)), Some(Hint::MoveCloser));
        // the user moved closer: after a majority of big-module frames it does
        for _ in 0..3 {
            t += 100;
            f.observe(t, &seen(BIG));
        }
        assert_eq!(f.shown(), Some(Hint::HoldSteady));
    }

    #[test]
    fn a_clock_going_backwards_restarts_instead_of_showing() {
        let mut f = UnreadableFeedback::new();
        f.observe(5000, &seen(BIG));
        assert_eq!(f.observe(10, &seen(BIG)), None);
        assert_eq!(
            f.observe(10 + SHOW_AFTER_MS, &seen(BIG)),
            Some(Hint::HoldSteady)
        );
    }

    proptest! {
        /// Whatever the sequence, the message is shown only if the latest run of
        /// sightings (gaps <= KEEP_MS, no decode) has lasted SHOW_AFTER_MS, and only
        /// while the latest sighting is at most KEEP_MS old.
        #[test]
        fn shown_only_for_a_lasting_recent_run(
            steps in proptest::collection::vec((0u64..900, 0u8..4), 1..80)
        ) {
            let mut f = UnreadableFeedback::new();
            let mut t = 0u64;
            let mut run_start: Option<u64> = None;
            let mut last_seen: Option<u64> = None;
            for (dt, kind) in steps {
                t += dt;
                let frame = match kind {
                    0 => Frame::Decoded(vec![]),
                    1 => Frame::Empty,
                    2 => seen(SMALL),
                    _ => seen(BIG),
                };
                let is_sighting = matches!(frame, Frame::Unreadable(_));
                match frame {
                    Frame::Decoded(_) => { run_start = None; last_seen = None; }
                    Frame::Unreadable(_) => {
                        if last_seen.is_none_or(|l| t - l > KEEP_MS) { run_start = Some(t); }
                        last_seen = Some(t);
                    }
                    Frame::Empty => {
                        if last_seen.is_some_and(|l| t - l > KEEP_MS) { run_start = None; last_seen = None; }
                    }
                }
                let shown = f.observe(t, &frame);
                if shown.is_some() {
                    let start = run_start.unwrap();
                    let last = last_seen.unwrap();
                    prop_assert!(last - start >= SHOW_AFTER_MS);
                    prop_assert!(t - last <= KEEP_MS);
                } else if is_sighting {
                    prop_assert!(t - run_start.unwrap() < SHOW_AFTER_MS);
                }
            }
        }
    }
}
