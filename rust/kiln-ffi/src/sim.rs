//! Test-only export (cargo feature `testing`, never in release Android builds): the
//! simulated token of `kiln-sim`, so Kotlin tests can burn a token through the real
//! bindings. Kotlin plays the link: its `TokenLink.transceive` calls
//! [`SimToken::transceive`], which answers as the card would at the current system
//! time (the sessions' reference clock with `offset_ms = 0`).

use crate::error::{KilnError, LinkError};
use crate::seed::Seed;
use kiln_core::proto::DeviceKey;
use kiln_core::session::{Clock, SystemClock};
use std::sync::{Arc, Mutex, MutexGuard};

/// A simulated token of the family (model from the serial prefix; unknown serials
/// behave as restricted-sync models).
#[derive(uniffi::Object)]
pub struct SimToken {
    state: Mutex<State>,
}

struct State {
    card: kiln_sim::SimToken,
    /// (1-based command number counted from `drop_link_after`, processed first?)
    fault: Option<(u32, bool)>,
    since_fault_set: u32,
    /// (1-based command number counted from `answer_command`, the answer)
    answer: Option<(u32, Vec<u8>)>,
    since_answer_set: u32,
    /// EXTERNAL AUTHENTICATE commands received, answered or not.
    auth_attempts: u32,
}

impl SimToken {
    fn build(
        serial: String,
        clock_offset_ms: i64,
        lockout_tries: Option<u8>,
        key: DeviceKey,
    ) -> Arc<Self> {
        let cfg = kiln_sim::SimConfig {
            serial,
            key,
            clock_offset_us: clock_offset_ms.saturating_mul(1000),
            lockout_tries,
            ..kiln_sim::SimConfig::default()
        };
        Arc::new(Self {
            state: Mutex::new(State {
                card: kiln_sim::SimToken::new(cfg, SystemClock.now()),
                fault: None,
                since_fault_set: 0,
                answer: None,
                since_answer_set: 0,
                auth_attempts: 0,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the card half-updated in a
        // way tests care about; keep going with the inner value.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[uniffi::export]
impl SimToken {
    /// A switched-on token with the family default key whose clock is
    /// `clock_offset_ms` ahead of the system clock. `lockout_tries`: wrong keys answer
    /// `63 Cx` and the key locks after that many; `None`: wrong keys answer `69 83`.
    #[uniffi::constructor]
    pub fn new(serial: String, clock_offset_ms: i64, lockout_tries: Option<u8>) -> Arc<Self> {
        Self::build(
            serial,
            clock_offset_ms,
            lockout_tries,
            DeviceKey::family_default(),
        )
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
        Ok(Self::build(serial, clock_offset_ms, lockout_tries, key))
    }

    /// The card side of one exchange at the current system time. Throws
    /// `LinkException.TagLost` when an injected fault fires (the field is lost: the
    /// card forgets its authentication), `LinkException.Timeout` when switched off.
    pub fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, LinkError> {
        let mut s = self.lock();
        if apdu.get(1) == Some(&kiln_core::proto::apdu::INS_EXTERNAL_AUTHENTICATE) {
            s.auth_attempts = s.auth_attempts.saturating_add(1);
        }
        s.since_answer_set = s.since_answer_set.saturating_add(1);
        if let Some((n, _)) = &s.answer {
            if *n == s.since_answer_set {
                let answer = s.answer.take().map(|(_, a)| a).unwrap_or_default();
                return Ok(answer);
            }
        }
        s.since_fault_set = s.since_fault_set.saturating_add(1);
        let fire = match s.fault {
            Some((n, processed)) if n == s.since_fault_set => {
                s.fault = None;
                Some(processed)
            }
            _ => None,
        };
        if fire == Some(false) {
            s.card.field_lost();
            return Err(LinkError::TagLost {
                detail: "simulated link loss before the command reached the token".into(),
            });
        }
        let response = s.card.process(&apdu, SystemClock.now());
        if fire == Some(true) {
            s.card.field_lost();
            return Err(LinkError::TagLost {
                detail: "simulated link loss after the token processed the command".into(),
            });
        }
        if response.is_empty() {
            return Err(LinkError::Timeout {
                detail: "the simulated token is switched off".into(),
            });
        }
        Ok(response)
    }

    /// The user switches the token off and on (it then shows codes from a new seed).
    pub fn power_cycle(&self) {
        let mut s = self.lock();
        s.card.power_off();
        s.card.power_on();
    }

    /// Drops the link at the `command_index`-th command (1-based) received from now
    /// on, once: before the card sees it (`processed = false`) or after it processed
    /// it, losing the answer (`processed = true`).
    pub fn drop_link_after(&self, command_index: u32, processed: bool) {
        let mut s = self.lock();
        s.fault = Some((command_index, processed));
        s.since_fault_set = 0;
    }

    /// Answers the `command_index`-th command (1-based) received from now on, once,
    /// with `response` instead of processing it: a refusal (`69 83`), an
    /// undocumented status word, a short answer.
    pub fn answer_command(&self, command_index: u32, response: Vec<u8>) {
        let mut s = self.lock();
        s.answer = Some((command_index, response));
        s.since_answer_set = 0;
    }

    /// EXTERNAL AUTHENTICATE commands received so far, whatever their answer.
    pub fn auth_attempts(&self) -> u32 {
        self.lock().auth_attempts
    }

    /// The code the token's seed and settings give at `unix_secs` (`None`: no seed).
    pub fn code_at(&self, unix_secs: i64) -> Option<String> {
        let t = u64::try_from(unix_secs).ok()?;
        self.lock().card.code_at(t)
    }

    pub fn holds_seed(&self) -> bool {
        self.lock().card.seed().is_some()
    }

    /// True when the token holds exactly this seed.
    pub fn holds(&self, seed: Arc<Seed>) -> bool {
        self.lock().card.seed() == Some(seed.spec().secret().expose())
    }

    /// "SHA1/30s/30s-display" (`None` while the token holds no seed).
    pub fn config(&self) -> Option<String> {
        let s = self.lock();
        s.card.seed()?;
        let c = s.card.config();
        Some(format!(
            "{}/{}s/{}s-display",
            c.hmac,
            c.step.seconds(),
            c.display_timeout.seconds()
        ))
    }

    /// Token clock minus system clock, milliseconds.
    pub fn clock_offset_ms(&self) -> i64 {
        let now = SystemClock.now();
        self.lock().card.token_micros_at(now).saturating_sub(now) / 1000
    }

    /// Key checks left before lock-out (`None` without a lock-out setting).
    pub fn tries_left(&self) -> Option<u8> {
        self.lock().card.tries_left()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::{burn_token, parse_seed_input, BurnOptions, ReferenceClock, SeedInput, TokenLink};

    /// Kotlin's role, played in Rust: the link forwards to the simulated card.
    struct Forward(Arc<SimToken>);

    impl TokenLink for Forward {
        fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, LinkError> {
            self.0.transceive(apdu)
        }
    }

    use kiln_core::proto::apdu::GET_INFO;

    fn seed() -> Arc<Seed> {
        let SeedInput::Totp { seed } =
            parse_seed_input("otpauth://totp/A:b?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".into())
        else {
            panic!("seed");
        };
        seed
    }

    fn burn(sim: &Arc<SimToken>) -> Result<crate::BurnReport, KilnError> {
        burn_token(
            Arc::new(Forward(sim.clone())),
            ReferenceClock {
                offset_ms: 0,
                trusted: false,
                source: "test".into(),
            },
            seed(),
            BurnOptions {
                display_timeout_secs: 15,
                sync_clock: true,
                resume_serial: None,
                unknown_model_key: None,
            },
            None,
        )
    }

    #[test]
    fn faults_fire_once_at_the_counted_command() {
        let sim = SimToken::new("86596220000001".into(), 2_000, None);
        assert!((sim.clock_offset_ms() - 2_000).abs() < 50);
        assert!(sim.config().is_none());
        sim.drop_link_after(2, false);
        assert!(sim.transceive(GET_INFO.to_vec()).is_ok());
        assert!(matches!(
            sim.transceive(GET_INFO.to_vec()),
            Err(LinkError::TagLost { .. })
        ));
        assert!(
            sim.transceive(GET_INFO.to_vec()).is_ok(),
            "the fault fires once"
        );
        // Lost after processing on the config write: the restricted model loses its seed.
        sim.drop_link_after(4, true);
        assert!(matches!(burn(&sim), Err(KilnError::LinkLost { .. })));
        assert!(!sim.holds_seed());
        let report = burn(&sim).unwrap();
        assert_eq!(report.display_timeout_secs, 15);
        assert!(sim.holds_seed());
        assert_eq!(sim.config().as_deref(), Some("SHA1/30s/15s-display"));
        assert!(sim.clock_offset_ms().abs() <= 1_000);
        assert!(sim.holds(seed()));
        let now = SystemClock.now() / 1_000_000;
        assert_eq!(
            sim.code_at(now),
            Some(seed().expected_codes(now).unwrap().current)
        );
        sim.power_cycle();
        assert!(sim.holds_seed());
    }

    #[test]
    fn another_key_is_refused_with_tries_left() {
        assert!(SimToken::with_key("1".into(), 0, None, "zz".into()).is_err());
        let sim = SimToken::with_key(
            "86596220000001".into(),
            0,
            Some(2),
            "00112233445566778899AABBCCDDEEFF".into(),
        )
        .unwrap();
        match burn(&sim) {
            Err(KilnError::RefusedByToken { tries_left, .. }) => assert_eq!(tries_left, Some(1)),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(sim.tries_left(), Some(1));
    }
}
