//! The session exports driven from Rust, the way Kotlin drives them: a `TokenLink`
//! implementation (here backed by `kiln_sim::SimToken` at system time) and an
//! observer, through the exported functions only.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use kiln_core::proto::DeviceKey;
use kiln_core::session::{Clock, SystemClock};
use kiln_ffi::{
    burn_token, parse_seed_input, read_token, sync_token, BurnOptions, KilnError, LinkError,
    ReferenceClock, Seed, SeedInput, SessionEvent, SessionObserver, TokenLink, UnknownModelKey,
};
use std::sync::{Arc, Mutex};

const RESTRICTED: &str = "86596220000001"; // OTPC-P2-i
const UNRESTRICTED: &str = "86596120000001"; // OTPC-P1-i
const UNKNOWN: &str = "12345678901234";
const OTHER_KEY: &str = "00112233445566778899AABBCCDDEEFF";

/// What a Kotlin link over IsoDep would do, over the simulated card.
struct CardLink {
    card: Mutex<kiln_sim::SimToken>,
    /// (1-based command number, processed before the loss?)
    fault: Mutex<Option<(usize, bool)>>,
    sent: Mutex<usize>,
    /// Throw this instead of answering at command N (an "unexpected" exception).
    unexpected_at: Option<usize>,
}

impl CardLink {
    fn new(serial: &str, offset_ms: i64) -> Arc<Self> {
        Self::with(serial, offset_ms, None, DeviceKey::family_default())
    }

    fn with(serial: &str, offset_ms: i64, lockout: Option<u8>, key: DeviceKey) -> Arc<Self> {
        let cfg = kiln_sim::SimConfig {
            serial: serial.into(),
            clock_offset_us: offset_ms * 1000,
            lockout_tries: lockout,
            key,
            ..kiln_sim::SimConfig::default()
        };
        Arc::new(Self {
            card: Mutex::new(kiln_sim::SimToken::new(cfg, SystemClock.now())),
            fault: Mutex::new(None),
            sent: Mutex::new(0),
            unexpected_at: None,
        })
    }

    fn drop_at(&self, command: usize, processed: bool) {
        *self.sent.lock().unwrap() = 0;
        *self.fault.lock().unwrap() = Some((command, processed));
    }

    fn sent(&self) -> usize {
        *self.sent.lock().unwrap()
    }

    fn card_seed(&self) -> Option<Vec<u8>> {
        self.card.lock().unwrap().seed().map(<[u8]>::to_vec)
    }
}

impl TokenLink for CardLink {
    fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, LinkError> {
        let n = {
            let mut s = self.sent.lock().unwrap();
            *s += 1;
            *s
        };
        if self.unexpected_at == Some(n) {
            // What uniffi hands Rust when a Kotlin link throws e.g. IllegalStateException.
            return Err(LinkError::from(uniffi::UnexpectedUniFFICallbackError::new(
                "java.lang.IllegalStateException: Call connect() first!\n\tat android.nfc.tech.BasicTagTechnology",
            )));
        }
        let fault = {
            let mut f = self.fault.lock().unwrap();
            match *f {
                Some((at, processed)) if at == n => {
                    *f = None;
                    Some(processed)
                }
                _ => None,
            }
        };
        let mut card = self.card.lock().unwrap();
        if fault == Some(false) {
            card.field_lost();
            return Err(LinkError::TagLost {
                detail: "Tag was lost.".into(),
            });
        }
        let response = card.process(&apdu, SystemClock.now());
        if fault == Some(true) {
            card.field_lost();
            return Err(LinkError::TagLost {
                detail: "Tag was lost.".into(),
            });
        }
        Ok(response)
    }
}

#[derive(Default)]
struct Recorder(Mutex<Vec<SessionEvent>>);

impl SessionObserver for Recorder {
    fn on_event(&self, event: SessionEvent) {
        self.0.lock().unwrap().push(event);
    }
}

impl Recorder {
    /// Events other than `Step`, as short names.
    fn names(&self) -> Vec<&'static str> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                SessionEvent::TokenFound { .. } => Some("found"),
                SessionEvent::DriftMeasured { .. } => Some("drift"),
                SessionEvent::Authenticated => Some("auth"),
                SessionEvent::ConfigWritten => Some("config"),
                SessionEvent::SeedWritten => Some("seed"),
                SessionEvent::Confirmed => Some("confirmed"),
                SessionEvent::Step { .. } => None,
            })
            .collect()
    }
}

fn phone_clock() -> ReferenceClock {
    ReferenceClock {
        offset_ms: 0,
        trusted: false,
        source: "phone clock (not verified)".into(),
    }
}

fn options() -> BurnOptions {
    BurnOptions {
        display_timeout_secs: 60,
        sync_clock: true,
        resume_serial: None,
        unknown_model_key: None,
    }
}

fn seed(text: &str) -> Arc<Seed> {
    match parse_seed_input(text.into()) {
        SeedInput::Totp { seed } => seed,
        _ => panic!("not a seed: {text}"),
    }
}

fn github_seed() -> Arc<Seed> {
    seed("otpauth://totp/GitHub:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub&algorithm=SHA256&period=60")
}

fn now_secs() -> i64 {
    SystemClock.now().div_euclid(1_000_000)
}

#[test]
fn burn_writes_the_seed_and_reports_its_codes() {
    let link = CardLink::new(RESTRICTED, -47_300);
    let seed = github_seed();
    let rec = Arc::new(Recorder::default());
    let report = burn_token(
        link.clone(),
        phone_clock(),
        seed.clone(),
        options(),
        Some(rec.clone()),
    )
    .unwrap();
    assert_eq!(
        link.card_seed().as_deref(),
        Some(&b"12345678901234567890"[..])
    );
    assert_eq!(report.token.serial, RESTRICTED);
    assert_eq!(report.token.model, "Token2 OTPC-P2-i");
    assert!(report.token.known_model && report.token.restricted_sync);
    // Found 47.3 s behind; the interval covers it and advises a sync.
    let d = &report.token.drift;
    assert!((d.drift_ms - -47_300).abs() <= d.uncertainty_ms, "{d:?}");
    assert_eq!(d.advice, "sync required");
    assert!(d.text.contains("sync required"), "{}", d.text);
    assert!(!d.reference_trusted);
    // After the burn the token clock is on the reference second.
    let residual = report.residual_ms.expect("confirmed");
    assert!(residual.abs() <= 1_000, "{residual}");
    assert!((report.clock_after - now_secs()).abs() <= 2);
    assert_eq!(
        (
            report.algorithm.as_str(),
            report.period,
            report.display_timeout_secs
        ),
        ("SHA256", 60, 60)
    );
    assert!(
        report.next_step.contains("off and on"),
        "{}",
        report.next_step
    );
    // The codes reported are the seed's, and the card computes the same.
    let now = now_secs();
    let expected = seed.expected_codes(now).unwrap();
    if expected.seconds_left > 1 {
        assert_eq!(report.codes.current, expected.current);
    }
    assert_eq!(
        link.card.lock().unwrap().code_at(now as u64).unwrap(),
        expected.current
    );
    assert_eq!(
        rec.names(),
        ["found", "drift", "auth", "config", "seed", "confirmed"]
    );
    let steps = rec
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, SessionEvent::Step { .. }))
        .count();
    assert_eq!(steps, link.sent(), "one spoken step per command");
}

#[test]
fn link_loss_after_the_clock_write_on_a_restricted_model_then_resume() {
    let link = CardLink::new(RESTRICTED, 5_000);
    let seed = github_seed();
    // Commands: GET INFO, GET CHALLENGE, EXTERNAL AUTHENTICATE, WRITE CONFIG (4th):
    // processed, answer lost → the seed is erased on this model.
    link.drop_at(4, true);
    let err = burn_token(link.clone(), phone_clock(), seed.clone(), options(), None).unwrap_err();
    let KilnError::LinkLost {
        user_message,
        token_may_be_blank,
        resume_serial,
    } = err
    else {
        panic!("expected LinkLost, got {err:?}");
    };
    assert!(token_may_be_blank);
    assert_eq!(resume_serial.as_deref(), Some(RESTRICTED));
    assert!(
        user_message.starts_with("The connection to the token was lost"),
        "{user_message}"
    );
    assert!(user_message.contains("tap"), "{user_message}");
    assert!(
        link.card_seed().is_none(),
        "restricted: the config write erased the seed"
    );

    // Another token is refused for the resume; nothing is written to it.
    let other = CardLink::new("86596220000999", 0);
    let err = burn_token(
        other.clone(),
        phone_clock(),
        seed.clone(),
        BurnOptions {
            resume_serial: resume_serial.clone(),
            ..options()
        },
        None,
    )
    .unwrap_err();
    match err {
        KilnError::LinkLost {
            resume_serial: Some(s),
            user_message,
            ..
        } => {
            assert_eq!(s, RESTRICTED);
            assert!(user_message.contains("86596220000999"), "{user_message}");
        }
        other => panic!("expected LinkLost for the wrong token, got {other:?}"),
    }
    assert_eq!(other.sent(), 1, "only GET INFO");
    assert!(other.card_seed().is_none());

    // The same token finishes.
    let report = burn_token(
        link.clone(),
        phone_clock(),
        seed,
        BurnOptions {
            resume_serial,
            ..options()
        },
        None,
    )
    .unwrap();
    assert_eq!(report.token.serial, RESTRICTED);
    assert_eq!(
        link.card_seed().as_deref(),
        Some(&b"12345678901234567890"[..])
    );
}

#[test]
fn link_loss_before_any_write_says_nothing_was_written() {
    let link = CardLink::new(UNRESTRICTED, 0);
    link.drop_at(2, false);
    match burn_token(link.clone(), phone_clock(), github_seed(), options(), None).unwrap_err() {
        KilnError::LinkLost {
            token_may_be_blank,
            resume_serial,
            user_message,
        } => {
            assert!(!token_may_be_blank);
            assert_eq!(resume_serial, None);
            assert!(
                user_message.contains("Nothing was written"),
                "{user_message}"
            );
        }
        other => panic!("expected LinkLost, got {other:?}"),
    }
}

#[test]
fn unexpected_kotlin_exception_is_a_typed_link_loss() {
    let link = Arc::new(CardLink {
        unexpected_at: Some(3),
        ..Arc::try_unwrap(CardLink::new(RESTRICTED, 0)).ok().unwrap()
    });
    match burn_token(link.clone(), phone_clock(), github_seed(), options(), None).unwrap_err() {
        KilnError::LinkLost {
            user_message,
            token_may_be_blank,
            ..
        } => {
            assert!(!token_may_be_blank);
            assert!(
                user_message.contains("IllegalStateException"),
                "{user_message}"
            );
            assert!(
                !user_message.contains("BasicTagTechnology"),
                "{user_message}"
            );
        }
        other => panic!("expected LinkLost, got {other:?}"),
    }
}

#[test]
fn refused_key_reports_tries_left_and_is_not_retried() {
    let key = DeviceKey::from_hex(OTHER_KEY).unwrap();
    let link = CardLink::with(RESTRICTED, 0, Some(3), key);
    match burn_token(link.clone(), phone_clock(), github_seed(), options(), None).unwrap_err() {
        KilnError::RefusedByToken {
            user_message,
            tries_left,
            token_may_be_blank,
            resume_serial,
        } => {
            // A refused key changed nothing: no resume, nothing blank.
            assert!(!token_may_be_blank);
            assert_eq!(resume_serial, None);
            assert_eq!(tries_left, Some(2));
            assert!(user_message.contains("2 tries left"), "{user_message}");
            assert!(
                user_message.contains("does not try again"),
                "{user_message}"
            );
        }
        other => panic!("expected RefusedByToken, got {other:?}"),
    }
    assert_eq!(
        link.sent(),
        3,
        "GET INFO, GET CHALLENGE, one EXTERNAL AUTHENTICATE"
    );
    assert_eq!(link.card.lock().unwrap().tries_left(), Some(2));
}

#[test]
fn unknown_model_is_read_only_unless_a_key_is_named() {
    let link = CardLink::new(UNKNOWN, 0);
    match burn_token(link.clone(), phone_clock(), github_seed(), options(), None).unwrap_err() {
        KilnError::UnknownModel { serial, .. } => assert_eq!(serial, UNKNOWN),
        other => panic!("expected UnknownModel, got {other:?}"),
    }
    assert_eq!(link.sent(), 1);
    let report = burn_token(
        link.clone(),
        phone_clock(),
        github_seed(),
        BurnOptions {
            unknown_model_key: Some(UnknownModelKey::FamilyDefault),
            ..options()
        },
        None,
    )
    .unwrap();
    assert!(!report.token.known_model);
    assert!(report.token.restricted_sync);
    assert!(link.card_seed().is_some());
    // A malformed custom key is bad input; nothing is sent.
    let fresh = CardLink::new(UNKNOWN, 0);
    let err = burn_token(
        fresh.clone(),
        phone_clock(),
        github_seed(),
        BurnOptions {
            unknown_model_key: Some(UnknownModelKey::Custom {
                key_hex: "12".into(),
            }),
            ..options()
        },
        None,
    )
    .unwrap_err();
    assert!(matches!(err, KilnError::BadInput { .. }), "{err:?}");
    assert_eq!(fresh.sent(), 0);
}

#[test]
fn bad_input_is_refused_before_any_token_contact() {
    let link = CardLink::new(RESTRICTED, 0);
    let sha512 = seed("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&algorithm=SHA512");
    let err = burn_token(link.clone(), phone_clock(), sha512, options(), None).unwrap_err();
    match err {
        KilnError::BadInput { user_message } => {
            assert!(user_message.contains("SHA512"), "{user_message}")
        }
        other => panic!("expected BadInput, got {other:?}"),
    }
    let err = burn_token(
        link.clone(),
        phone_clock(),
        github_seed(),
        BurnOptions {
            display_timeout_secs: 45,
            ..options()
        },
        None,
    )
    .unwrap_err();
    assert!(matches!(err, KilnError::BadInput { .. }), "{err:?}");
    assert_eq!(link.sent(), 0);
}

#[test]
fn read_reports_the_drift_and_sync_is_refused_on_restricted_models() {
    let link = CardLink::new(RESTRICTED, 3_420);
    let rec = Arc::new(Recorder::default());
    let info = read_token(link.clone(), phone_clock(), Some(rec.clone())).unwrap();
    assert_eq!(info.serial, RESTRICTED);
    assert!((info.drift.drift_ms - 3_420).abs() <= info.drift.uncertainty_ms);
    assert_eq!(info.drift.advice, "sync recommended");
    assert_eq!(rec.names(), ["found", "drift"]);
    assert_eq!(link.sent(), 1);

    match sync_token(link.clone(), phone_clock(), "SHA1".into(), 30, 30, None).unwrap_err() {
        KilnError::BadInput { user_message } => {
            assert!(user_message.contains("erases its seed"), "{user_message}");
        }
        other => panic!("expected BadInput, got {other:?}"),
    }
    assert_eq!(link.sent(), 2, "GET INFO only");
}

#[test]
fn sync_sets_the_clock_on_unrestricted_models_and_keeps_the_seed() {
    let link = CardLink::new(UNRESTRICTED, -12_000);
    burn_token(link.clone(), phone_clock(), github_seed(), options(), None).unwrap();
    // Let the clock drift away again, then sync.
    *link.card.lock().unwrap() = {
        let seed = link.card_seed().unwrap();
        kiln_sim::SimToken::new(
            kiln_sim::SimConfig {
                serial: UNRESTRICTED.into(),
                clock_offset_us: 9_000_000,
                initial_seed: Some(seed),
                ..kiln_sim::SimConfig::default()
            },
            SystemClock.now(),
        )
    };
    let report = sync_token(link.clone(), phone_clock(), "SHA256".into(), 60, 30, None).unwrap();
    assert!((report.token.drift.drift_ms - 9_000).abs() <= report.token.drift.uncertainty_ms);
    assert!(report.residual_ms.unwrap().abs() <= 1_000);
    assert_eq!(report.codes.current, "");
    assert!(link.card_seed().is_some());
    let err = sync_token(link, phone_clock(), "SHA512".into(), 30, 30, None).unwrap_err();
    assert!(matches!(err, KilnError::BadInput { .. }));
}

#[test]
fn a_throwing_observer_does_not_abort_the_burn() {
    struct Throws;
    impl SessionObserver for Throws {
        fn on_event(&self, _: SessionEvent) {
            // Unwinds like a panic but without the panic hook: with RUST_BACKTRACE=1
            // the hook prints a symbolised backtrace per event, seconds in all, and
            // that time inside the exchanges upset the clock confirmation.
            std::panic::resume_unwind(Box::new("Kotlin observer threw"));
        }
    }
    let link = CardLink::new(RESTRICTED, 0);
    let report = burn_token(
        link.clone(),
        phone_clock(),
        github_seed(),
        options(),
        Some(Arc::new(Throws)),
    )
    .unwrap();
    assert_eq!(report.token.serial, RESTRICTED);
    assert!(link.card_seed().is_some());
}

#[test]
fn sync_clock_false_keeps_the_token_time() {
    let link = CardLink::new(UNRESTRICTED, 20_000);
    let report = burn_token(
        link.clone(),
        phone_clock(),
        github_seed(),
        BurnOptions {
            sync_clock: false,
            ..options()
        },
        None,
    )
    .unwrap();
    let now = SystemClock.now();
    let offset_ms = (link.card.lock().unwrap().token_micros_at(now) - now) / 1000;
    assert!(
        (offset_ms - 20_000).abs() <= 500,
        "token offset now {offset_ms} ms"
    );
    assert!(report.residual_ms.unwrap().abs() <= 500);
    assert!(link.card_seed().is_some());
}

#[test]
fn the_reported_codes_follow_the_tokens_own_clock() {
    // A token 40 s ahead keeps its time: the codes it shows are those of its own
    // clock, which the report gives, with the offset the app computes live codes by.
    let link = CardLink::new(UNRESTRICTED, 40_000);
    let report = burn_token(
        link.clone(),
        phone_clock(),
        github_seed(),
        BurnOptions {
            sync_clock: false,
            ..options()
        },
        None,
    )
    .unwrap();
    assert!(
        (report.token_offset_ms - 40_000).abs() <= 500,
        "{}",
        report.token_offset_ms
    );
    let now = SystemClock.now();
    let token_secs = (link.card.lock().unwrap().token_micros_at(now) / 1_000_000) as u64;
    let shown = link.card.lock().unwrap().code_at(token_secs).unwrap();
    if report.codes.seconds_left > 1 {
        assert_eq!(report.codes.current, shown);
    }
    // Live codes by the offset match the token too (not the reference time's).
    let live = github_seed()
        .expected_codes((now / 1000 + report.token_offset_ms).div_euclid(1000))
        .unwrap();
    if live.seconds_left > 1 {
        assert_eq!(live.current, shown);
    }
    // A clock set: the offset is zero.
    let synced = burn_token(
        CardLink::new(UNRESTRICTED, 40_000),
        phone_clock(),
        github_seed(),
        options(),
        None,
    )
    .unwrap();
    assert_eq!(synced.token_offset_ms, 0);
}
