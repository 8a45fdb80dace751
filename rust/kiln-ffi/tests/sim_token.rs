//! The test-only `SimToken` export (feature `testing`): fault injection counted from
//! the call, refusals with tries left, and the views the Kotlin tests read.
#![cfg(feature = "testing")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::result_large_err
)]

/// GET INFO as the protocol spells it (shared/protocol.md).
const GET_INFO: [u8; 7] = [0x80, 0x41, 0x00, 0x00, 0x02, 0x02, 0x11];
use kiln_core::session::{Clock, SystemClock};
use kiln_ffi::{
    burn_token, parse_seed_input, BurnOptions, BurnReport, KilnError, LinkError, ReferenceClock,
    Seed, SeedInput, SimToken, TokenLink,
};
use std::sync::Arc;

/// Kotlin's role, played in Rust: the link forwards to the simulated card.
struct Forward(Arc<SimToken>);

impl TokenLink for Forward {
    fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, LinkError> {
        self.0.transceive(apdu)
    }
}

fn seed() -> Arc<Seed> {
    let SeedInput::Totp { seed } =
        parse_seed_input("otpauth://totp/A:b?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".into())
    else {
        panic!("seed");
    };
    seed
}

fn burn(sim: &Arc<SimToken>) -> Result<BurnReport, KilnError> {
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

#[test]
fn an_answer_replaces_the_counted_command_and_attempts_are_counted() {
    let sim = SimToken::new("86596220000001".into(), 0, None);
    sim.answer_command(2, vec![0x69, 0x83]).unwrap();
    assert!(matches!(
        sim.answer_command(1, vec![0; 9]),
        Err(KilnError::BadInput { .. })
    ));
    let info = sim.transceive(GET_INFO.to_vec()).unwrap();
    assert_eq!(info[info.len() - 2..], [0x90, 0x00]);
    assert_eq!(sim.transceive(GET_INFO.to_vec()).unwrap(), [0x69, 0x83]);
    assert_eq!(sim.auth_attempts(), 0);
    assert!(burn(&sim).is_ok());
    assert_eq!(sim.auth_attempts(), 1);
}
