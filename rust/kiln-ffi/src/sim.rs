//! Test-only export (cargo feature `testing`, never in release Android builds): the
//! simulated token of `kiln-sim` behind its [`kiln_sim::SimLink`] (which injects the
//! faults and counts the commands), so Kotlin tests can burn a token through the real
//! bindings. Kotlin plays the link: its `TokenLink.transceive` calls
//! [`SimToken::transceive`], which answers as the card would at the current system
//! time (the sessions' reference clock with `offset_ms = 0`).

use crate::error::{KilnError, LinkError};
use crate::seed::Seed;
use kiln_core::proto::DeviceKey;
use kiln_core::session::{self as core, Clock, SystemClock, Transceive};
use kiln_sim::{Fault, FaultPoint, Reply, SimConfig, SimLink, VirtualClock};
use std::sync::{Arc, Mutex, MutexGuard};

/// A simulated token of the family (model from the serial prefix; unknown serials
/// behave as restricted-sync models).
#[derive(uniffi::Object)]
pub struct SimToken {
    /// Instant exchanges on a virtual clock that is moved to the system time before
    /// each one.
    link: Mutex<SimLink>,
}

impl SimToken {
    fn build(serial: String, offset_ms: i64, lockout_tries: Option<u8>, key: DeviceKey) -> Self {
        let cfg = SimConfig {
            serial,
            key,
            clock_offset_us: offset_ms.saturating_mul(1000),
            lockout_tries,
            ..SimConfig::default()
        };
        let now = SystemClock.now();
        let card = kiln_sim::SimToken::new(cfg, now);
        let link = SimLink::new(card, VirtualClock::new(now)).with_round_trip(0);
        Self {
            link: Mutex::new(link),
        }
    }

    fn lock(&self) -> MutexGuard<'_, SimLink> {
        // A panic while holding the lock cannot leave the card half-updated in a
        // way tests care about; keep going with the inner value.
        self.link.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fault at the `n`-th command (1-based) sent from now on.
    fn fault_in(&self, n: u32, point: FaultPoint) {
        let mut link = self.lock();
        let command = link.commands_sent().saturating_add(n as usize);
        link.add_fault(Fault { command, point });
    }
}

#[uniffi::export]
impl SimToken {
    /// A switched-on token with the family default key whose clock is
    /// `clock_offset_ms` ahead of the system clock. `lockout_tries`: wrong keys answer
    /// `63 Cx` and the key locks after that many; `None`: wrong keys answer `69 83`.
    #[uniffi::constructor]
    pub fn new(serial: String, clock_offset_ms: i64, lockout_tries: Option<u8>) -> Arc<Self> {
        let key = DeviceKey::family_default();
        Arc::new(Self::build(serial, clock_offset_ms, lockout_tries, key))
    }

    /// Like `new`, with another device key (32 hex digits): the family default key
    /// is then refused (for refused-authentication tests).
    #[uniffi::constructor]
    pub fn with_key(
        serial: String,
        clock_offset_ms: i64,
        lockout_tries: Option<u8>,
        key_hex: String,
    ) -> Result<Arc<Self>, KilnError> {
        let key = DeviceKey::from_hex(&key_hex).map_err(KilnError::bad_input)?;
        Ok(Arc::new(Self::build(
            serial,
            clock_offset_ms,
            lockout_tries,
            key,
        )))
    }

    /// The card side of one exchange at the current system time. Throws
    /// `LinkException.TagLost` when an injected fault fires (the field is lost: the
    /// card forgets its authentication), `LinkException.Timeout` when switched off.
    pub fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, LinkError> {
        let mut link = self.lock();
        let clock = link.clock();
        clock.set(clock.now().max(SystemClock.now()));
        link.transceive(&apdu).map_err(|e| match e {
            core::LinkError::TagLost => LinkError::TagLost {
                detail: "simulated link loss".into(),
            },
            core::LinkError::Timeout => LinkError::Timeout {
                detail: "the simulated token did not answer (switched off)".into(),
            },
            other => LinkError::Io {
                detail: other.to_string(),
            },
        })
    }

    /// The user switches the token off and on (it then shows codes from a new seed).
    pub fn power_cycle(&self) {
        let mut link = self.lock();
        link.card_mut().power_off();
        link.card_mut().power_on();
    }

    /// Drops the link at the `command_index`-th command (1-based) sent from now on,
    /// once: before the card sees it (`processed = false`) or after it processed it,
    /// losing the answer (`processed = true`). Faults add up; every command counts.
    pub fn drop_link_after(&self, command_index: u32, processed: bool) {
        let point = if processed {
            FaultPoint::AfterProcessing
        } else {
            FaultPoint::BeforeProcessing
        };
        self.fault_in(command_index, point);
    }

    /// Answers the `command_index`-th command (1-based) sent from now on, once, with
    /// `response` (at most 8 bytes, else `BadInput`) instead of processing it: a
    /// refusal (`69 83`), an undocumented status word, a short answer.
    pub fn answer_command(&self, command_index: u32, response: Vec<u8>) -> Result<(), KilnError> {
        let reply = Reply::new(&response)
            .ok_or_else(|| KilnError::bad_input("a simulated answer has at most 8 bytes"))?;
        self.fault_in(command_index, FaultPoint::Answer(reply));
        Ok(())
    }

    /// EXTERNAL AUTHENTICATE commands received so far, whatever their answer.
    pub fn auth_attempts(&self) -> u32 {
        u32::try_from(self.lock().auth_attempts()).unwrap_or(u32::MAX)
    }

    /// The code the token's seed and settings give at `unix_secs` (`None`: no seed).
    pub fn code_at(&self, unix_secs: i64) -> Option<String> {
        let t = u64::try_from(unix_secs).ok()?;
        self.lock().card().code_at(t)
    }

    pub fn holds_seed(&self) -> bool {
        self.lock().card().seed().is_some()
    }

    /// True when the token holds exactly this seed.
    pub fn holds(&self, seed: Arc<Seed>) -> bool {
        self.lock().card().seed() == Some(seed.spec().secret().expose())
    }

    /// "SHA1/30s/30s-display" (`None` while the token holds no seed).
    pub fn config(&self) -> Option<String> {
        let link = self.lock();
        link.card().seed()?;
        let c = link.card().config();
        let (step, display) = (c.step.seconds(), c.display_timeout.seconds());
        Some(format!("{}/{step}s/{display}s-display", c.hmac))
    }

    /// Token clock minus system clock, milliseconds.
    pub fn clock_offset_ms(&self) -> i64 {
        let now = SystemClock.now();
        self.lock().card().token_micros_at(now).saturating_sub(now) / 1000
    }

    /// Key checks left before lock-out (`None` without a lock-out setting).
    pub fn tries_left(&self) -> Option<u8> {
        self.lock().card().tries_left()
    }
}
