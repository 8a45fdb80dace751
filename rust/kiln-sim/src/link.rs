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

/// When the link drops relative to the card's processing of a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultPoint {
    /// The command never reaches the card.
    BeforeProcessing,
    /// The card processes the command; its answer is lost.
    AfterProcessing,
}

/// Drop the link at the `command`-th command sent over this link (1-based,
/// counting every transmission).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fault {
    pub command: usize,
    pub point: FaultPoint,
}

/// A [`Transceive`] to a [`SimToken`] on a [`VirtualClock`]. Each exchange
/// takes `round_trip` (plus `write_extra` for writes) of virtual time; the card
/// processes the command at the midpoint. After a fault the field is off
/// (authentication lost); the next command is a re-tap and restores it.
pub struct SimLink {
    card: SimToken,
    clock: VirtualClock,
    round_trip: UnixMicros,
    write_extra: UnixMicros,
    faults: Vec<Fault>,
    sent: usize,
    bytes_sent: usize,
    bytes_received: usize,
}

impl SimLink {
    pub fn new(card: SimToken, clock: VirtualClock) -> Self {
        Self {
            card,
            clock,
            round_trip: 20_000,
            write_extra: 0,
            faults: Vec::new(),
            sent: 0,
            bytes_sent: 0,
            bytes_received: 0,
        }
    }

    /// Round trip per exchange, microseconds (default 20 ms).
    pub fn with_round_trip(mut self, rtt: UnixMicros) -> Self {
        self.round_trip = rtt.max(0);
        self
    }

    /// Extra time the card takes for WRITE CONFIG / WRITE SEED.
    pub fn with_write_extra(mut self, extra: UnixMicros) -> Self {
        self.write_extra = extra.max(0);
        self
    }

    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
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
        self.bytes_sent += apdu.len();
        let start = self.clock.now();
        let is_write = apdu.first() == Some(&0x84);
        let duration = self
            .round_trip
            .saturating_add(if is_write { self.write_extra } else { 0 });
        let fault = self
            .faults
            .iter()
            .find(|f| f.command == self.sent)
            .map(|f| f.point);
        if fault == Some(FaultPoint::BeforeProcessing) {
            self.card.field_lost();
            self.clock.set(start.saturating_add(duration));
            return Err(LinkError::TagLost);
        }
        let resp = self.card.process(apdu, start.saturating_add(duration / 2));
        self.clock.set(start.saturating_add(duration));
        if fault == Some(FaultPoint::AfterProcessing) {
            self.card.field_lost();
            return Err(LinkError::TagLost);
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
