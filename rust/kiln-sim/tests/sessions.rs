//! Sessions driven end to end against the simulated token.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::*;

use kiln_core::clock::DriftLevel;
use kiln_core::params::{DisplayTimeout, TokenConfig, TokenHmac, TokenStep};
use kiln_core::proto::{DeviceKey, KeyChoice, Serial, SyncClass, UnknownModelPolicy};
use kiln_core::session::*;
use kiln_core::time::MICROS_PER_SEC;
use kiln_core::totp;
use kiln_sim::{SimConfig, T0Link};

const P2: &str = "86596220000001"; // OTPC-P2-i, restricted
const C302: &str = "86596320000001"; // C302-i, unrestricted
const UNKNOWN: &str = "99000000000042";

fn sha256_60() -> TokenConfig {
    TokenConfig {
        hmac: TokenHmac::Sha256,
        step: TokenStep::Secs60,
        display_timeout: DisplayTimeout::S120,
    }
}

#[test]
fn read_reports_serial_model_clock_and_drift() {
    let (mut l, mut c) = link(SimConfig {
        serial: P2.into(),
        clock_offset_us: 3_400_000,
        ..SimConfig::default()
    });
    let Outcome::Read(r) = run(
        &mut ReadSession::new(SIM_REF, Measure::Advice),
        &mut l,
        &mut c,
    ) else {
        panic!("read failed")
    };
    assert_eq!(r.serial, Serial::from(P2));
    assert_eq!(r.model.name(), "OTPC-P2-i");
    assert_eq!(r.received_at - r.sent_at, 20_000);
    // True offset 3.4 s: inside the one-reading interval (1 s + the round trip).
    assert!(r.drift().contains(3_400_000), "{:?}", r.drift());
    assert_eq!(r.drift().width_us(), 1_020_000);
    assert_eq!(r.advice.level(), DriftLevel::SyncRecommended);
    assert!(r.advice.is_certain());
    // The first read decided the advice: no refinement.
    assert_eq!((r.reads, r.measure_time_us), (1, 0));
    assert_eq!(l.commands_sent(), 1);
}

#[test]
fn burn_restricted_full_flow() {
    let (mut l, mut c) = link(serial_cfg(P2));
    let key = b"12345678901234567890";
    let mut s = BurnSession::new(request(key, sha256_60()));
    let mut seen = Vec::new();
    let out = run_session_observed(&mut s, &mut l, &mut c, &mut |e| seen.push(e.command));
    let Outcome::Burned(r) = out else {
        panic!("{out:?}")
    };
    assert_eq!(
        seen[..6],
        [
            "GET INFO",
            "GET CHALLENGE",
            "EXTERNAL AUTHENTICATE",
            "WRITE CONFIG",
            "WRITE SEED",
            "GET INFO"
        ]
    );
    // Then only confirmation polls (GET INFO), at most 6.
    assert!(seen[6..].iter().all(|c| *c == "GET INFO"), "{seen:?}");
    assert!(seen.len() <= 12, "{seen:?}");
    let card = l.card();
    assert_eq!(card.seed(), Some(&key[..]));
    assert_eq!(card.config(), sha256_60());
    assert_eq!(r.config, sha256_60());
    assert_eq!(r.seed_bytes, 20);
    assert_eq!(r.instruction, POWER_CYCLE_INSTRUCTION);
    // Clock before: -7.3 s (one read decides "sync recommended"); after: set
    // precisely, and the confirmation brackets what the card holds.
    assert!(r.before.drift().contains(-7_300_000));
    assert_eq!(r.before.reads, 1);
    let after = r.after.as_ref().unwrap();
    let residual = r.residual.unwrap();
    let now = c_now(&c);
    let truth = l.card().token_micros_at(now) - now;
    assert!(residual.estimate.contains(truth), "{residual:?} vs {truth}");
    assert!(truth.abs() <= 1_000, "{truth} µs");
    assert!(residual.uncertainty_ms() <= 30.0, "{residual:?}");
    assert_eq!(after.drift(), residual.estimate);
    assert_eq!(after.advice.level(), DriftLevel::InSync);
    // The planned set: sent half a round trip before the whole second it writes,
    // at least the 30 ms lead after authentication (3 exchanges in).
    assert_eq!(
        r.config_sent_at,
        i64::from(r.clock_written) * MICROS_PER_SEC - 10_000
    );
    assert!(r.config_sent_at >= START + 60_000 + 30_000);
    assert!(r.config_sent_at < START + 60_000 + 30_000 + MICROS_PER_SEC);
    // Expected codes match what the token computes from what it holds.
    assert_eq!(
        r.expected_codes.len(),
        4,
        "previous, current and the next two steps"
    );
    for e in &r.expected_codes {
        assert_eq!(card.code_at(e.from_unix).as_deref(), Some(e.code.as_str()));
        let direct = totp::code(
            key,
            kiln_core::params::Algorithm::Sha256,
            6,
            60,
            e.from_unix,
        )
        .unwrap();
        assert_eq!(e.code, totp::format_code(direct, 6));
    }
    // And the display shows them after the power cycle.
    let mut card = l.into_card();
    let now = c_now(&c);
    assert_eq!(card.displayed_code(now), None);
    card.power_off();
    card.power_on();
    let shown = card.displayed_code(now).unwrap();
    assert!(r.expected_codes.iter().any(|e| e.code == shown));
}

/// `Confirm::Quick`: one closing GET INFO, no poll for the token's next
/// second; the set is as precise as ever and the check brackets it to the second.
#[test]
fn quick_confirmation_reads_once_and_still_brackets_the_clock() {
    let key = b"12345678901234567890";
    let mut took = Vec::new();
    for confirm in [Confirm::Precise, Confirm::Quick] {
        let (mut l, mut c) = link(serial_cfg(P2));
        let mut req = request(key, sha256_60());
        req.confirm = confirm;
        let mut s = BurnSession::new(req);
        let mut seen = Vec::new();
        let out = run_session_observed(&mut s, &mut l, &mut c, &mut |e| seen.push(e.command));
        let Outcome::Burned(r) = out else {
            panic!("{confirm:?}: {out:?}")
        };
        let after_seed = seen.iter().position(|c| *c == "WRITE SEED").unwrap() + 1;
        let closing = seen.len() - after_seed;
        let now = c_now(&c);
        let truth = l.card().token_micros_at(now) - now;
        let residual = r.residual.unwrap();
        assert!(
            residual.estimate.contains(truth),
            "{confirm:?}: {residual:?} vs {truth}"
        );
        assert!(
            truth.abs() <= 1_000,
            "{confirm:?}: the set itself is precise ({truth} µs)"
        );
        match confirm {
            Confirm::Quick => {
                assert_eq!(closing, 1, "{seen:?}");
                assert!(residual.uncertainty_ms() <= 600.0, "{residual:?}");
            }
            Confirm::Precise => {
                assert!(closing >= 2, "{seen:?}");
                assert!(residual.uncertainty_ms() <= 30.0, "{residual:?}");
            }
        }
        took.push(now - r.config_sent_at);
    }
    // Same world, same set instant: the quick check ends the session sooner
    // (the precise one waits for the token's next second, ~1 s after the set).
    assert!(took[1] + 500_000 < took[0], "{took:?}");
}

fn c_now(c: &kiln_sim::VirtualClock) -> i64 {
    use kiln_core::session::Clock;
    c.now()
}

#[test]
fn burn_works_through_a_t0_contact_reader() {
    let (l, mut c) = link(serial_cfg(C302));
    let mut t0 = T0Link::new(l);
    let mut s = BurnSession::new(request(&[9; 32], TokenConfig::default()));
    let mut commands = Vec::new();
    let out = run_session_observed(&mut s, &mut t0, &mut c, &mut |e| {
        commands.push((e.command, e.transmissions))
    });
    assert!(matches!(out, Outcome::Burned(_)), "{out:?}");
    assert_eq!(t0.inner().card().seed(), Some(&[9u8; 32][..]));
    // Every GET INFO and GET CHALLENGE needed a GET RESPONSE; the others none.
    assert_eq!(t0.inner().commands_sent(), commands.len());
    for (cmd, n) in &commands {
        let want = if ["GET INFO", "GET CHALLENGE"].contains(cmd) {
            2
        } else {
            1
        };
        assert_eq!(*n, want, "{commands:?}");
    }
}

#[test]
fn unknown_model_is_read_only_by_default() {
    let (mut l, mut c) = link(serial_cfg(UNKNOWN));
    let out = run(
        &mut BurnSession::new(request(&[1; 20], TokenConfig::default())),
        &mut l,
        &mut c,
    );
    let f = out.failure().unwrap();
    assert!(matches!(f.error, SessionError::UnknownModel { .. }));
    assert_eq!(f.token, TokenState::Unchanged);
    assert_eq!(f.kind(), FailureKind::Policy);
    assert_eq!(l.commands_sent(), 1, "only GET INFO was sent");
    assert!(f.to_string().contains("only reads it"), "{f}");
}

#[test]
fn unknown_model_with_a_named_key_burns_and_assumes_restricted() {
    for choice in [
        KeyChoice::FamilyDefault,
        KeyChoice::Custom(DeviceKey::from_bytes([0x33; 16])),
    ] {
        let (mut l, mut c) = link(SimConfig {
            key: choice.key(),
            sync: Some(SyncClass::Unrestricted),
            ..serial_cfg(UNKNOWN)
        });
        let mut req = request(&[5; 10], TokenConfig::default());
        req.unknown_model = UnknownModelPolicy::Program(choice.clone());
        let Outcome::Burned(r) = run(&mut BurnSession::new(req), &mut l, &mut c) else {
            panic!()
        };
        assert_eq!(r.key, choice.describe());
        assert_eq!(l.card().seed(), Some(&[5u8; 10][..]));
        // Restricted assumed: a sync is refused before any authentication.
        let (mut l2, mut c2) = link(serial_cfg(UNKNOWN));
        let out = run(
            &mut SyncSession::new(TokenConfig::default(), SIM_REF),
            &mut l2,
            &mut c2,
        );
        assert!(matches!(
            out.failure().unwrap().error,
            SessionError::SyncNeedsBurn { .. }
        ));
    }
}

#[test]
fn wrong_key_stops_at_once_with_tries_left_and_is_never_retried() {
    let (mut l, mut c) = link(SimConfig {
        key: DeviceKey::from_bytes([1; 16]),
        lockout_tries: Some(5),
        ..serial_cfg(P2)
    });
    let mut s = BurnSession::new(request(&[1; 20], TokenConfig::default()));
    let out = run(&mut s, &mut l, &mut c);
    let f = out.failure().unwrap();
    assert_eq!(
        f.error,
        SessionError::AuthRefused {
            sw: kiln_core::proto::StatusWord::WrongKey(0xC4),
            tries_left: Some(4)
        }
    );
    assert_eq!(f.token, TokenState::Unchanged);
    assert!(f.to_string().contains("4 tries left"), "{f}");
    assert!(f.to_string().contains("does not try again"), "{f}");
    assert_eq!(l.commands_sent(), 3);
    // Polling again does not send anything more.
    assert!(matches!(s.poll(START), Action::Finished(_)));
    assert_eq!(l.card().tries_left(), Some(4));
    // Plain 69 83 without a counter.
    let (mut l, mut c) = link(SimConfig {
        key: DeviceKey::from_bytes([1; 16]),
        ..serial_cfg(P2)
    });
    let out = run(
        &mut BurnSession::new(request(&[1; 20], TokenConfig::default())),
        &mut l,
        &mut c,
    );
    assert!(matches!(
        out.failure().unwrap().error,
        SessionError::AuthRefused {
            tries_left: None,
            ..
        }
    ));
}

#[test]
fn sync_on_unrestricted_keeps_the_seed_and_sets_the_clock() {
    let (mut l, mut c) = link(SimConfig {
        initial_seed: Some(vec![7; 20]),
        ..serial_cfg(C302)
    });
    let out = run(&mut SyncSession::new(sha256_60(), SIM_REF), &mut l, &mut c);
    let Outcome::Synced(r) = out else {
        panic!("{out:?}")
    };
    assert_eq!(l.card().seed(), Some(&[7u8; 20][..]));
    assert_eq!(l.card().config(), sha256_60());
    let residual = r.residual.unwrap();
    let now = c_now(&c);
    assert!(residual
        .estimate
        .contains(l.card().token_micros_at(now) - now));
    assert!(residual.residual_ms().abs() <= residual.uncertainty_ms());
    // GET INFO, GET CHALLENGE, EXTERNAL AUTHENTICATE, WRITE CONFIG, GET INFO + polls.
    assert!(
        (5..=11).contains(&l.commands_sent()),
        "{}",
        l.commands_sent()
    );
}

#[test]
fn sync_on_restricted_is_refused_before_authentication() {
    let (mut l, mut c) = link(SimConfig {
        initial_seed: Some(vec![7; 20]),
        ..serial_cfg(P2)
    });
    let out = run(
        &mut SyncSession::new(TokenConfig::default(), SIM_REF),
        &mut l,
        &mut c,
    );
    let f = out.failure().unwrap();
    assert!(matches!(f.error, SessionError::SyncNeedsBurn { .. }));
    assert!(f.to_string().contains("erases its seed"), "{f}");
    assert!(
        f.to_string()
            .contains("burning it again with the service's seed"),
        "{f}"
    );
    assert_eq!(l.commands_sent(), 1);
    assert_eq!(l.card().seed(), Some(&[7u8; 20][..]));
}

#[test]
fn resume_only_on_the_same_serial() {
    use kiln_sim::{Fault, FaultPoint};
    // Loss right after WRITE CONFIG was processed on a restricted token.
    let (l, mut c) = link(serial_cfg(P2));
    let mut l = l.with_fault(Fault {
        command: 4,
        point: FaultPoint::AfterProcessing,
    });
    let out = run(
        &mut BurnSession::new(request(&[3; 20], TokenConfig::default())),
        &mut l,
        &mut c,
    );
    let f = out.failure().unwrap();
    assert_eq!(f.token, TokenState::ConfigUncertain { erases_seed: true });
    assert_eq!(l.card().seed(), None);
    let resume = f.resume.clone().unwrap();
    assert_eq!(resume.serial(), &Serial::from(P2));

    // Another token: refused before authentication.
    let (mut other, mut c2) = link(serial_cfg("86596220000002"));
    let out = run(
        &mut BurnSession::resume(request(&[3; 20], TokenConfig::default()), resume.clone()),
        &mut other,
        &mut c2,
    );
    let f2 = out.failure().unwrap();
    assert!(matches!(f2.error, SessionError::WrongToken { .. }));
    assert!(f2.to_string().contains("tap token 86596220000001"), "{f2}");
    assert_eq!(other.commands_sent(), 1);

    // The same token: finishes.
    let out = run(
        &mut BurnSession::resume(request(&[3; 20], TokenConfig::default()), resume),
        &mut l,
        &mut c,
    );
    assert!(matches!(out, Outcome::Burned(_)), "{out:?}");
    assert_eq!(l.card().seed(), Some(&[3u8; 20][..]));
}

#[test]
fn seed_lost_after_confirmed_config_on_restricted_says_no_seed() {
    use kiln_sim::{Fault, FaultPoint};
    let (l, mut c) = link(serial_cfg(P2));
    let mut l = l.with_fault(Fault {
        command: 5,
        point: FaultPoint::BeforeProcessing,
    });
    let out = run(
        &mut BurnSession::new(request(&[3; 20], TokenConfig::default())),
        &mut l,
        &mut c,
    );
    let f = out.failure().unwrap();
    // WRITE SEED never reached the card: the outcome is still unknown to the session.
    assert_eq!(f.token, TokenState::SeedUncertain { seed_erased: true });
    assert!(f.to_string().contains("This token now has no seed"), "{f}");
    assert!(f.to_string().contains("tap again to finish"), "{f}");
    assert_eq!(l.card().seed(), None);
    // A refused seed write after an acknowledged config write: still reported as
    // "no seed", never as "nothing written".
    let (mut l, c) = link(serial_cfg(P2));
    let mut s = BurnSession::new(request(&[3; 20], TokenConfig::default()));
    loop {
        match s.poll(c_now(&c)) {
            Action::Transmit { apdu, .. } => {
                use kiln_core::session::Transceive;
                let sent = c_now(&c);
                let resp = if apdu[1] == 0xC5 {
                    vec![0x6A, 0x80]
                } else {
                    l.transceive(&apdu).unwrap()
                };
                s.on_response(&resp, sent, c_now(&c));
            }
            Action::Finished(out) => {
                let f = out.failure().unwrap();
                assert_eq!(f.token, TokenState::SeedUncertain { seed_erased: true });
                assert!(matches!(
                    f.error,
                    SessionError::Refused {
                        step: Step::WriteSeed,
                        ..
                    }
                ));
                assert!(f.to_string().contains("may now have no seed"), "{f}");
                // The next step is the user's: no re-tap within this action.
                assert!(f.to_string().contains("sent nothing more"), "{f}");
                assert!(f.resume.is_some());
                assert!(f.retap().is_none());
                break;
            }
        }
    }
}

#[test]
fn wrong_reference_clock_is_refused_before_writing() {
    let clock = kiln_sim::VirtualClock::new(86_400 * MICROS_PER_SEC);
    let card = kiln_sim::SimToken::new(serial_cfg(P2), 86_400 * MICROS_PER_SEC);
    let mut l = kiln_sim::SimLink::new(card, clock.clone());
    let mut c = clock;
    let out = run(
        &mut BurnSession::new(request(&[3; 20], TokenConfig::default())),
        &mut l,
        &mut c,
    );
    let f = out.failure().unwrap();
    assert!(matches!(
        f.error,
        SessionError::ReferenceClockInvalid { .. }
    ));
    assert_eq!(l.commands_sent(), 1);
}

#[test]
fn scheduled_config_write_uses_the_scheduled_instant() {
    let (mut l, mut c) = link(serial_cfg(C302));
    let mut s = BurnSession::new(request(&[3; 20], TokenConfig::default()));
    let at = START + 1_480_000;
    s.set_config_not_before(Some(at));
    let Outcome::Burned(r) = run(&mut s, &mut l, &mut c) else {
        panic!()
    };
    assert_eq!(r.config_sent_at, at);
    assert_eq!(i64::from(r.clock_written), (at + 500_000) / MICROS_PER_SEC);
    // The driver waited: the write went out at `at`, so the token is right
    // (to the rounding of the naive time value).
    assert!(r.after.unwrap().drift().midpoint_us().abs() <= 1_000_000);

    // A schedule in the past is "now": the time written is the send time.
    let (mut l, mut c) = link(serial_cfg(C302));
    let mut s = BurnSession::new(request(&[3; 20], TokenConfig::default()));
    s.set_config_not_before(Some(START - 3_600_000_000));
    let Outcome::Burned(r) = run(&mut s, &mut l, &mut c) else {
        panic!()
    };
    assert_eq!(r.config_sent_at, START + 60_000);
}

#[test]
fn zero_extended_seed_gives_identical_codes() {
    // Spec vector 11 through the burn path: a 10-byte key and the same key
    // zero-extended to 20 bytes, burned on two tokens, show identical codes.
    let short = [0x48, 0x65, 0x6C, 0x6C, 0x6F, 0x21, 0xDE, 0xAD, 0xBE, 0xEF];
    let mut long = short.to_vec();
    long.resize(20, 0);
    let mut cards = Vec::new();
    for k in [&short[..], &long[..]] {
        let (mut l, mut c) = link(serial_cfg(P2));
        assert!(run(
            &mut BurnSession::new(request(k, TokenConfig::default())),
            &mut l,
            &mut c
        )
        .is_success());
        cards.push(l.into_card());
    }
    assert_eq!(cards[0].code_at(59).as_deref(), Some("996554"));
    for t in (0..3000u64).step_by(30) {
        assert_eq!(cards[0].code_at(t), cards[1].code_at(t));
    }
}

#[test]
fn tag_lost_between_config_and_seed_on_restricted_says_no_seed() {
    use kiln_core::session::Transceive;
    for (serial, state) in [
        (P2, TokenState::SeedErased),
        (C302, TokenState::OldSeedNewSettings),
    ] {
        let (mut l, c) = link(SimConfig {
            initial_seed: Some(vec![1; 20]),
            ..serial_cfg(serial)
        });
        let mut s = BurnSession::new(request(&[3; 20], TokenConfig::default()));
        // Drive by hand up to the acknowledged WRITE CONFIG, then the tag leaves
        // before WRITE SEED is sent (as an IsoDep caller may notice).
        for _ in 0..4 {
            let Action::Transmit { apdu, .. } = s.poll(c_now(&c)) else {
                panic!()
            };
            let sent = c_now(&c);
            let resp = l.transceive(&apdu).unwrap();
            s.on_response(&resp, sent, c_now(&c));
        }
        assert_eq!(s.token_state(), state);
        s.on_link_error(LinkError::TagLost);
        let Action::Finished(out) = s.poll(c_now(&c)) else {
            panic!()
        };
        let f = out.failure().unwrap();
        assert_eq!(f.token, state);
        assert!(matches!(
            f.error,
            SessionError::LinkLost {
                step: Step::WriteSeed,
                ..
            }
        ));
        let msg = f.to_string();
        if serial == P2 {
            assert!(
                msg.contains("This token now has no seed — tap again to finish"),
                "{msg}"
            );
            assert_eq!(l.card().seed(), None);
        } else {
            assert!(msg.contains("still its old seed"), "{msg}");
            assert_eq!(l.card().seed(), Some(&[1u8; 20][..]));
        }
        assert_eq!(f.resume.as_ref().unwrap().serial(), &Serial::from(serial));
    }
}

#[test]
fn sessions_and_outcomes_can_cross_threads() {
    fn send<T: Send + 'static>() {}
    send::<ReadSession>();
    send::<BurnSession>();
    send::<SyncSession>();
    send::<Outcome>();
    send::<Box<dyn Session + Send>>();
    send::<kiln_sim::SimLink>();
    send::<kiln_sim::VirtualClock>();
}

/// A planner in the style of `clock::plan_write`: value = next whole second
/// after now + lead + RTT/2, sent RTT/2 before it. With the simulator's
/// restart-on-write RTC the token ends up within a few ms of true time.
struct NextSecond;

impl ConfigTimer for NextSecond {
    fn plan(&mut self, now: i64, before: &TokenReading, exchanges: &[Timing]) -> ConfigWrite {
        assert_eq!(before.serial, Serial::from(C302));
        assert_eq!(
            exchanges.len(),
            3,
            "GET INFO, GET CHALLENGE, EXTERNAL AUTHENTICATE"
        );
        let one_way = exchanges.iter().map(Timing::round_trip).max().unwrap() / 2;
        let secs = (now + 30_000 + one_way) / MICROS_PER_SEC + 1;
        ConfigWrite {
            time_value: u32::try_from(secs).unwrap(),
            send_at: Some(secs * MICROS_PER_SEC - one_way),
        }
    }
}

#[test]
fn a_config_timer_sets_the_token_clock_precisely() {
    let (mut l, mut c) = link(SimConfig {
        clock_offset_us: -2_345_678,
        ..serial_cfg(C302)
    });
    let mut s = BurnSession::new(request(&[3; 20], TokenConfig::default()));
    s.set_config_timer(Box::new(NextSecond));
    let Outcome::Burned(r) = run(&mut s, &mut l, &mut c) else {
        panic!()
    };
    assert_eq!(
        r.config_sent_at,
        i64::from(r.clock_written) * MICROS_PER_SEC - 10_000
    );
    assert!(s.timings().len() >= 6);
    // Token clock (µs) minus true time, right now: only the drift since the write.
    let now = c_now(&c);
    let off = l.card().token_micros_at(now) - now;
    assert!(off.abs() < 1_000, "{off} µs");
}
