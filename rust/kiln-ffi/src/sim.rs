//! Test-only export (feature `testing`): `kiln-sim`'s card behind its `SimLink` (which
//! injects the faults and counts the commands), for the Kotlin tests, whose
//! `TokenLink.transceive` calls [`SimToken::transceive`].

use crate::error::{KilnError, LinkError};
use crate::seed::Seed;
use kiln_core::proto::DeviceKey;
use kiln_core::session::{self as core, Clock, SystemClock, Transceive};
use kiln_sim::{FaultPoint, Reply, SimConfig, SimLink, VirtualClock};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// A simulated token of the family (model from the serial prefix; unknown serials
/// behave as restricted-sync models).
#[derive(uniffi::Object)]
pub struct SimToken {
    /// Instant exchanges, on a virtual clock moved to the system time before each.
    link: Mutex<SimLink>,
}

impl SimToken {
    fn build(serial: String, offset_ms: i64, tries: Option<u8>, key: DeviceKey) -> Arc<Self> {
        let cfg = SimConfig {
            serial,
            key,
            clock_offset_us: offset_ms.saturating_mul(1000),
            lockout_tries: tries,
            ..SimConfig::default()
        };
        let now = SystemClock.now();
        let card = kiln_sim::SimToken::new(cfg, now);
        let link = SimLink::new(card, VirtualClock::new(now)).with_round_trip(0);
        Arc::new(Self {
            link: Mutex::new(link),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SimLink> {
        // A panic while holding the lock leaves nothing tests care about half-done.
        self.link.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[uniffi::export]
impl SimToken {
    /// A token with the family default key, its clock `clock_offset_ms` ahead of the
    /// system's. `lockout_tries`: wrong keys answer `63 Cx` and lock the key after that
    /// many; `None`: wrong keys answer `69 83`.
    #[uniffi::constructor]
    pub fn new(serial: String, clock_offset_ms: i64, lockout_tries: Option<u8>) -> Arc<Self> {
        let key = DeviceKey::family_default();
        Self::build(serial, clock_offset_ms, lockout_tries, key)
    }

    /// Like `new`, with another device key (32 hex digits).
    #[uniffi::constructor]
    pub fn with_key(
        serial: String,
        clock_offset_ms: i64,
        lockout_tries: Option<u8>,
        key_hex: String,
    ) -> Result<Arc<Self>, KilnError> {
        let key = DeviceKey::from_hex(&key_hex).map_err(KilnError::bad_input)?;
        Ok(Self::build(serial, clock_offset_ms, lockout_tries, key))
    }

    /// The card side of one exchange at the current system time. Throws
    /// `LinkException.TagLost` when a dropped link fires (the card forgets its
    /// authentication), `LinkException.Timeout` when switched off.
    pub fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, LinkError> {
        let mut link = self.lock();
        let clock = link.clock();
        clock.set(clock.now().max(SystemClock.now()));
        link.transceive(&apdu).map_err(|e| {
            let detail = format!("simulated: {e}");
            match e {
                core::LinkError::TagLost => LinkError::TagLost { detail },
                core::LinkError::Timeout => LinkError::Timeout { detail },
                _ => LinkError::Io { detail },
            }
        })
    }

    /// The user switches the token off and on (it then shows codes from a new seed).
    pub fn power_cycle(&self) {
        let mut link = self.lock();
        link.card_mut().power_off();
        link.card_mut().power_on();
    }

    /// Drops the link once, at the `command_index`-th command (1-based) from now on:
    /// before the card sees it or (`processed`) after, losing the answer.
    pub fn drop_link_after(&self, command_index: u32, processed: bool) {
        let point = if processed {
            FaultPoint::AfterProcessing
        } else {
            FaultPoint::BeforeProcessing
        };
        self.lock().add_fault_in(command_index as usize, point);
    }

    /// Answers the `command_index`-th command (1-based) from now on, once, with
    /// `response` (at most 8 bytes, else `BadInput`) instead of processing it.
    pub fn answer_command(&self, command_index: u32, response: Vec<u8>) -> Result<(), KilnError> {
        let reply = Reply::new(&response)
            .ok_or_else(|| KilnError::bad_input("a simulated answer has at most 8 bytes"))?;
        let point = FaultPoint::Answer(reply);
        self.lock().add_fault_in(command_index as usize, point);
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
