//! A virtual-time link to a [`SimToken`]: deterministic, instant, with
//! configurable round trip and fault injection.

use crate::card::SimToken;
use kiln_core::session::{Clock, LinkError, Transceive};
use kiln_core::time::UnixMicros;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A shared simulated clock. Clones see the same time.
#[derive(Clone, Debug)]
pub struct VirtualClock(Arc<AtomicI64>);

impl VirtualClock {
    pub fn new(start: UnixMicros) -> Self {
        Self(Arc::new(AtomicI64::new(start)))
    }

    pub fn advance(&self, by: UnixMicros) {
        self.0.fetch_add(by.max(0), Ordering::SeqCst);
    }

    pub fn set(&self, t: UnixMicros) {
        self.0.store(t, Ordering::SeqCst);
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> UnixMicros {
        self.0.load(Ordering::SeqCst)
    }

    fn sleep_until(&mut self, t: UnixMicros) {
        self.0.fetch_max(t, Ordering::SeqCst);
    }
}

/// What goes wrong at a command: the link drops (before or after the card
/// processed it), the card refuses it or answers nonsense, or no answer comes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultPoint {
    /// The command never reaches the card.
    BeforeProcessing,
    /// The card processes the command; its answer is lost.
    AfterProcessing,
    /// The card does not act on the command and answers these bytes instead: a
    /// refusal (`69 83`, `63 C1`, …), an undocumented status word, or a short
    /// or malformed answer. The field stays on.
    Answer(Reply),
    /// No answer within the reader's timeout ([`LinkError::Timeout`]); the card
    /// acted on the command when `processed`. The field stays on.
    NoAnswer { processed: bool },
}

/// A fixed answer of up to 8 bytes (status words, short or malformed answers).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reply {
    bytes: [u8; 8],
    len: u8,
}

impl Reply {
    /// `None` when `bytes` is longer than 8.
    pub fn new(bytes: &[u8]) -> Option<Self> {
        let len = u8::try_from(bytes.len()).ok().filter(|l| *l <= 8)?;
        let mut b = [0u8; 8];
        b.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(Self { bytes: b, len })
    }

    /// A bare status word, e.g. `Reply::sw(0x6983)`.
    pub fn sw(sw: u16) -> Self {
        let [a, b] = sw.to_be_bytes();
        Self {
            bytes: [a, b, 0, 0, 0, 0, 0, 0],
            len: 2,
        }
    }

    /// Hex digits (spaces allowed), e.g. `"69 83"` or `"90"`.
    pub fn parse_hex(text: &str) -> Option<Self> {
        let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if !digits.len().is_multiple_of(2) || digits.is_empty() {
            return None;
        }
        let bytes = (0..digits.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(digits.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        Self::new(&bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hex: Vec<String> = self.as_bytes().iter().map(|b| format!("{b:02X}")).collect();
        write!(f, "Reply({})", hex.join(" "))
    }
}

/// A fault at the `command`-th command sent over this link (1-based,
/// counting every transmission).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fault {
    pub command: usize,
    pub point: FaultPoint,
}

/// Timing of the simulated link, per exchange: a round trip drawn uniformly from
/// `rtt_us` (plus `write_extra` for writes), of which the card's processing takes
/// a share drawn from `card_us` (capped at the round trip); the rest is radio
/// time, `uplink_share` of it before the card sees the command. The card reads
/// (GET INFO) or sets (WRITE CONFIG) its clock `act_at` of the way through its
/// processing. Default: 20 ms, no processing time, symmetric: the card acts at
/// the midpoint of the exchange.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkTiming {
    pub rtt_us: (UnixMicros, UnixMicros),
    pub card_us: (UnixMicros, UnixMicros),
    pub uplink_share: f64,
    pub act_at: f64,
    /// Seed of the draws (deterministic).
    pub seed: u64,
}

impl Default for LinkTiming {
    fn default() -> Self {
        Self {
            rtt_us: (20_000, 20_000),
            card_us: (0, 0),
            uplink_share: 0.5,
            act_at: 0.5,
            seed: 0x11AC_71AE,
        }
    }
}

/// A [`Transceive`] to a [`SimToken`] on a [`VirtualClock`]. Each exchange
/// takes a round trip of virtual time (see [`LinkTiming`]); by default 20 ms
/// with the card acting at the midpoint. After a fault the field is off
/// (authentication lost); the next command is a re-tap and restores it.
pub struct SimLink {
    card: SimToken,
    clock: VirtualClock,
    timing: LinkTiming,
    rng: u64,
    write_extra: UnixMicros,
    faults: Vec<Fault>,
    sent: usize,
    /// INS byte of every transmission, faults included.
    sent_ins: Vec<u8>,
    bytes_sent: usize,
    bytes_received: usize,
}

impl SimLink {
    pub fn new(card: SimToken, clock: VirtualClock) -> Self {
        let timing = LinkTiming::default();
        Self {
            card,
            clock,
            rng: timing.seed,
            timing,
            write_extra: 0,
            faults: Vec::new(),
            sent: 0,
            sent_ins: Vec::new(),
            bytes_sent: 0,
            bytes_received: 0,
        }
    }

    /// Round trip per exchange, microseconds (default 20 ms).
    pub fn with_round_trip(mut self, rtt: UnixMicros) -> Self {
        let rtt = rtt.max(0);
        self.timing.rtt_us = (rtt, rtt);
        self
    }

    /// The whole link timing model (round-trip range, card processing, radio
    /// split, where the card acts).
    pub fn with_timing(mut self, timing: LinkTiming) -> Self {
        self.rng = timing.seed;
        self.timing = timing;
        self
    }

    /// Where in the exchange the card reads or sets its clock: `uplink_share`
    /// of the round trip after the command was sent (0.5 = symmetric).
    pub fn with_uplink_share(mut self, share: f64) -> Self {
        self.timing.uplink_share = share;
        self
    }

    /// SplitMix64 draw, uniform in `[lo, hi]`.
    fn draw(&mut self, (lo, hi): (UnixMicros, UnixMicros)) -> UnixMicros {
        if hi <= lo {
            return lo;
        }
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let span = (hi - lo).unsigned_abs().saturating_add(1);
        lo.saturating_add(i64::try_from(z % span).unwrap_or(0))
    }

    /// (round trip, instant offset at which the card acts) for one exchange.
    fn exchange_timing(&mut self, is_write: bool) -> (UnixMicros, UnixMicros) {
        let t = self.timing;
        let rtt =
            self.draw(t.rtt_us)
                .max(0)
                .saturating_add(if is_write { self.write_extra } else { 0 });
        let card = self.draw(t.card_us).clamp(0, rtt);
        let radio = rtt - card;
        let up = (radio as f64 * t.uplink_share.clamp(0.0, 1.0)).round() as i64;
        let act = up + (card as f64 * t.act_at.clamp(0.0, 1.0)).round() as i64;
        (rtt, act.clamp(0, rtt))
    }

    /// Extra time the card takes for WRITE CONFIG / WRITE SEED.
    pub fn with_write_extra(mut self, extra: UnixMicros) -> Self {
        self.write_extra = extra.max(0);
        self
    }

    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.add_fault(fault);
        self
    }

    /// Adds a fault to a link in use.
    pub fn add_fault(&mut self, fault: Fault) {
        self.faults.push(fault);
    }

    /// Adds a fault at the `n`-th command (1-based) sent from now on.
    pub fn add_fault_in(&mut self, n: usize, point: FaultPoint) {
        let command = self.sent.saturating_add(n);
        self.add_fault(Fault { command, point });
    }

    pub fn card(&self) -> &SimToken {
        &self.card
    }

    pub fn card_mut(&mut self) -> &mut SimToken {
        &mut self.card
    }

    pub fn into_card(self) -> SimToken {
        self.card
    }

    pub fn clock(&self) -> VirtualClock {
        self.clock.clone()
    }

    /// Transmissions so far, and bytes on the wire (APDUs, responses).
    pub fn commands_sent(&self) -> usize {
        self.sent
    }

    /// The INS byte of every command sent over this link, in order, whether or
    /// not the card processed it (a refused or dropped command counts).
    pub fn sent_instructions(&self) -> &[u8] {
        &self.sent_ins
    }

    /// EXTERNAL AUTHENTICATE commands sent over this link (attempts, whatever
    /// their answer).
    pub fn auth_attempts(&self) -> usize {
        self.sent_ins
            .iter()
            .filter(|i| **i == kiln_core::proto::apdu::INS_EXTERNAL_AUTHENTICATE)
            .count()
    }

    pub fn bytes_sent(&self) -> usize {
        self.bytes_sent
    }

    pub fn bytes_received(&self) -> usize {
        self.bytes_received
    }
}

impl Transceive for SimLink {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, LinkError> {
        self.sent += 1;
        self.sent_ins.push(apdu.get(1).copied().unwrap_or(0));
        self.bytes_sent += apdu.len();
        let start = self.clock.now();
        let is_write = apdu.first() == Some(&0x84);
        let (duration, act) = self.exchange_timing(is_write);
        let fault = self
            .faults
            .iter()
            .find(|f| f.command == self.sent)
            .map(|f| f.point);
        match fault {
            Some(FaultPoint::BeforeProcessing) => {
                self.card.field_lost();
                self.clock.set(start.saturating_add(duration));
                return Err(LinkError::TagLost);
            }
            Some(FaultPoint::Answer(reply)) => {
                self.clock.set(start.saturating_add(duration));
                self.bytes_received += reply.as_bytes().len();
                return Ok(reply.as_bytes().to_vec());
            }
            Some(FaultPoint::NoAnswer { processed: false }) => {
                self.clock.set(start.saturating_add(duration));
                return Err(LinkError::Timeout);
            }
            _ => {}
        }
        let resp = self.card.process(apdu, start.saturating_add(act));
        self.clock.set(start.saturating_add(duration));
        match fault {
            Some(FaultPoint::AfterProcessing) => {
                self.card.field_lost();
                return Err(LinkError::TagLost);
            }
            Some(FaultPoint::NoAnswer { processed: true }) => return Err(LinkError::Timeout),
            _ => {}
        }
        if resp.is_empty() {
            return Err(LinkError::Timeout);
        }
        self.bytes_received += resp.len();
        Ok(resp)
    }
}

/// Wraps a link the way a contact (T=0) reader behaves: a response with data is
/// announced as `61 XX` and fetched with GET RESPONSE `00 C0 00 00 XX`.
/// Continuations it serves itself cost one round trip on the given clock.
pub struct T0Link<L> {
    inner: L,
    pending: Option<Vec<u8>>,
    timing: Option<(VirtualClock, UnixMicros)>,
}

impl<L: Transceive> T0Link<L> {
    pub fn new(inner: L) -> Self {
        Self {
            inner,
            pending: None,
            timing: None,
        }
    }

    /// Each GET RESPONSE served by the wrapper advances `clock` by `rtt`.
    pub fn with_round_trip(mut self, clock: VirtualClock, rtt: UnixMicros) -> Self {
        self.timing = Some((clock, rtt));
        self
    }

    pub fn inner(&self) -> &L {
        &self.inner
    }
}

impl<L: Transceive> Transceive for T0Link<L> {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, LinkError> {
        if let [0x00, 0xC0, 0x00, 0x00, le] = apdu {
            if let Some((clock, rtt)) = &self.timing {
                clock.advance(*rtt);
            }
            return Ok(match self.pending.take() {
                Some(resp) if resp.len() == usize::from(*le) + 2 => resp,
                Some(resp) => {
                    let n = resp.len().saturating_sub(2);
                    let sw = [0x6C, u8::try_from(n).unwrap_or(0)];
                    self.pending = Some(resp);
                    sw.to_vec()
                }
                None => vec![0x6F, 0x00],
            });
        }
        self.pending = None;
        let resp = self.inner.transceive(apdu)?;
        if resp.len() > 2 {
            let n = u8::try_from(resp.len() - 2).unwrap_or(0);
            self.pending = Some(resp);
            return Ok(vec![0x61, n]);
        }
        Ok(resp)
    }
}
