//! Fault-injection matrix and hostile responses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::*;

use kiln_core::params::TokenConfig;
use kiln_core::session::*;
use kiln_sim::{Fault, FaultPoint, SimConfig, SimLink};
use proptest::prelude::*;

/// Clock offsets of the matrix: 42 s (the first read decides the advice: no
/// refinement polls) and 2.3 s (read at START's phase, the first interval
/// straddles the 2 s threshold: refinement polls before the writes).
const OFFSETS: [i64; 2] = [42_000_000, 2_300_000];

fn card_cfg_at(serial: &str, offset_us: i64) -> SimConfig {
    SimConfig {
        initial_seed: Some(OLD_SEED.to_vec()),
        clock_offset_us: offset_us,
        ..serial_cfg(serial)
    }
}

/// Instructions (INS) the card processes in a fault-free session.
fn fault_free_burn(serial: &str, offset_us: i64) -> Vec<u8> {
    let (mut l, mut c) = link(card_cfg_at(serial, offset_us));
    let out = run(
        &mut BurnSession::new(request(NEW_SEED, config())),
        &mut l,
        &mut c,
    );
    assert!(out.is_success(), "{out:?}");
    l.card().history().iter().map(|p| p.ins).collect()
}

/// The words every failure message must contain one of: what to do next.
fn tells_what_to_do(msg: &str) -> bool {
    [
        "tap again",
        "tap it again",
        "Nothing was written",
        "try again",
        "burn it again",
    ]
    .iter()
    .any(|w| msg.contains(w))
}

fn holds_burn(l: &SimLink) -> bool {
    l.card().seed() == Some(NEW_SEED) && l.card().config() == config()
}

#[test]
fn link_loss_at_every_command_burn() {
    let mut cases = 0;
    let mut poll_cases = 0;
    for (serial, offset) in [RESTRICTED, UNRESTRICTED]
        .into_iter()
        .flat_map(|s| OFFSETS.map(|o| (s, o)))
    {
        let ins = fault_free_burn(serial, offset);
        // Position (1-based) of WRITE SEED: later commands are confirming GET INFOs.
        let seed_at = ins.iter().position(|i| *i == 0xC5).unwrap() + 1;
        let challenge_at = ins.iter().position(|i| *i == 0x4B).unwrap() + 1;
        assert!(ins.len() > seed_at, "a confirming GET INFO follows");
        if offset == 2_300_000 {
            assert!(
                challenge_at > 2,
                "refinement polls before the writes: {ins:?}"
            );
        }
        for command in 1..=ins.len() {
            if command < challenge_at && command > 1 || command > seed_at + 1 {
                poll_cases += 1;
            }
            for point in [FaultPoint::BeforeProcessing, FaultPoint::AfterProcessing] {
                cases += 1;
                let (l, mut c) = link(card_cfg_at(serial, offset));
                let mut l = l.with_fault(Fault { command, point });
                let out = run(
                    &mut BurnSession::new(request(NEW_SEED, config())),
                    &mut l,
                    &mut c,
                );
                let ctx = format!("{serial} θ={offset} command {command} {point:?}: {out:?}");
                match &out {
                    Outcome::Burned(r) => {
                        assert!(holds_burn(&l), "success without seed+config: {ctx}");
                        assert!(command > seed_at, "{ctx}");
                        // The first confirming read lost: no confirmation; a later
                        // poll lost: the confirmation so far, still bracketing the card.
                        assert_eq!(r.after.is_none(), command == seed_at + 1, "{ctx}");
                        if let Some(res) = r.residual {
                            let now = c.now();
                            let truth = l.card().token_micros_at(now) - now;
                            assert!(res.estimate.contains(truth), "{ctx}");
                        }
                    }
                    Outcome::Failed(f) => {
                        assert!(!holds_burn(&l) || f.token != TokenState::Unchanged, "{ctx}");
                        assert!(matches!(f.error, SessionError::LinkLost { .. }), "{ctx}");
                        assert_eq!(f.kind(), FailureKind::LinkLost);
                        let msg = f.to_string();
                        assert!(tells_what_to_do(&msg), "{ctx}: {msg}");
                        // The reported state matches the card.
                        match f.token {
                            TokenState::Unchanged => {
                                assert_eq!(l.card().seed(), Some(&OLD_SEED[..]), "{ctx}");
                                assert_eq!(l.card().config(), TokenConfig::default(), "{ctx}");
                            }
                            TokenState::SeedErased => assert_eq!(l.card().seed(), None, "{ctx}"),
                            TokenState::OldSeedNewSettings => {
                                assert_eq!(l.card().seed(), Some(&OLD_SEED[..]), "{ctx}")
                            }
                            TokenState::ConfigUncertain { erases_seed } => {
                                assert_eq!(erases_seed, serial == RESTRICTED, "{ctx}");
                                if serial == RESTRICTED && point == FaultPoint::AfterProcessing {
                                    assert!(msg.contains("may now have no seed"), "{msg}");
                                }
                            }
                            TokenState::SeedUncertain { seed_erased } => {
                                assert_eq!(seed_erased, serial == RESTRICTED, "{ctx}");
                                if seed_erased && point == FaultPoint::BeforeProcessing {
                                    assert_eq!(l.card().seed(), None, "{ctx}");
                                    assert!(msg.contains("This token now has no seed"), "{msg}");
                                }
                            }
                            TokenState::Written => {
                                panic!("failure with every write acknowledged: {ctx}")
                            }
                        }
                        if f.token.needs_finishing() {
                            assert_eq!(
                                f.resume.as_ref().map(|r| r.serial().to_string()),
                                Some(serial.to_string())
                            );
                        }
                        // The advised re-tap finishes the job on the same token.
                        let req = request(NEW_SEED, config());
                        let mut again = match f.resume.clone() {
                            Some(r) => BurnSession::resume(req, r),
                            None => BurnSession::new(req),
                        };
                        let out2 = run(&mut again, &mut l, &mut c);
                        assert!(out2.is_success(), "{ctx} then {out2:?}");
                        assert!(holds_burn(&l), "{ctx}");
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
    }
    assert!(cases >= 4 * 2 * 7, "{cases}");
    assert!(
        poll_cases >= 4,
        "refinement and confirmation polls covered: {poll_cases}"
    );
}

#[test]
fn link_loss_at_every_command_sync() {
    for offset in OFFSETS {
        let (mut l0, mut c0) = link(card_cfg_at(UNRESTRICTED, offset));
        assert!(run(&mut SyncSession::new(config(), SIM_REF), &mut l0, &mut c0).is_success());
        let ins: Vec<u8> = l0.card().history().iter().map(|p| p.ins).collect();
        let config_at = ins.iter().position(|i| *i == 0xD4).unwrap() + 1;
        for command in 1..=ins.len() {
            for point in [FaultPoint::BeforeProcessing, FaultPoint::AfterProcessing] {
                let (l, mut c) = link(card_cfg_at(UNRESTRICTED, offset));
                let mut l = l.with_fault(Fault { command, point });
                let out = run(&mut SyncSession::new(config(), SIM_REF), &mut l, &mut c);
                let ctx = format!("command {command} {point:?}: {out:?}");
                // The seed always survives on an unrestricted model.
                assert_eq!(l.card().seed(), Some(&OLD_SEED[..]), "{ctx}");
                match &out {
                    Outcome::Synced(_) => {
                        assert_eq!(l.card().config(), config(), "{ctx}");
                        assert!(command > config_at, "{ctx}");
                    }
                    Outcome::Failed(f) => {
                        assert!(tells_what_to_do(&f.to_string()), "{ctx}");
                        assert!(f.resume.is_none());
                        if f.token == TokenState::Unchanged {
                            assert_eq!(l.card().config(), TokenConfig::default(), "{ctx}");
                        }
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
    }
}

/// Mangles the response to the `at`-th command.
struct Hostile {
    inner: SimLink,
    at: usize,
    n: usize,
    mangle: Mangle,
}

#[derive(Clone, Debug)]
enum Mangle {
    Replace(Vec<u8>),
    Truncate(usize),
    Append(Vec<u8>),
    HugeLengthByte,
}

impl Transceive for Hostile {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, LinkError> {
        self.n += 1;
        let mut r = self.inner.transceive(apdu)?;
        if self.n == self.at {
            match &self.mangle {
                Mangle::Replace(b) => r = b.clone(),
                Mangle::Truncate(k) => r.truncate(*k),
                Mangle::Append(b) => {
                    let sw = r.split_off(r.len().saturating_sub(2));
                    r.extend_from_slice(b);
                    r.extend_from_slice(&sw);
                }
                Mangle::HugeLengthByte => {
                    if r.len() > 3 {
                        r[3] = 0xFF;
                    }
                }
            }
        }
        Ok(r)
    }
}

fn mangle() -> impl Strategy<Value = Mangle> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..48).prop_map(Mangle::Replace),
        (0usize..30).prop_map(Mangle::Truncate),
        proptest::collection::vec(any::<u8>(), 1..8).prop_map(Mangle::Append),
        Just(Mangle::HugeLengthByte),
        // Plausible status words on their own.
        prop_oneof![
            Just(vec![0x69, 0x83]),
            Just(vec![0x63, 0xC1]),
            Just(vec![0x67, 0x00]),
            Just(vec![0x6A, 0x80]),
            Just(vec![0x61, 0x10]),
            Just(vec![0x6C, 0x08]),
            Just(vec![0x6F, 0xFB]),
            Just(vec![0x90, 0x00]),
        ]
        .prop_map(Mangle::Replace),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Garbled answers never panic, never loop, and never yield a success the
    /// card does not back.
    #[test]
    fn hostile_responses_give_typed_errors(
        at in 1usize..=12,
        m in mangle(),
        restricted in any::<bool>(),
        polls in any::<bool>(),
    ) {
        let serial = if restricted { RESTRICTED } else { UNRESTRICTED };
        let (l, mut c) = link(card_cfg_at(serial, OFFSETS[usize::from(polls)]));
        let mut h = Hostile { inner: l, at, n: 0, mangle: m.clone() };
        let out = run_session(&mut BurnSession::new(request(NEW_SEED, config())), &mut h, &mut c);
        match &out {
            Outcome::Burned(_) => prop_assert!(holds_burn(&h.inner), "{:?} at {}", m, at),
            Outcome::Failed(f) => {
                prop_assert!(!f.to_string().is_empty());
                if f.token == TokenState::Unchanged {
                    prop_assert_eq!(h.inner.card().config(), TokenConfig::default());
                }
            }
            other => prop_assert!(false, "{:?}", other),
        }
        // Never a second authentication, whatever came back; T=0 continuations
        // (GET RESPONSE, re-send of a read with Le) are the only extra transmissions.
        let auths = h.inner.card().history().iter().filter(|p| p.ins == 0xCE).count();
        prop_assert!(auths <= 1, "{} authentications", auths);
        prop_assert!(h.n <= 24 + 9, "{} transmissions", h.n);
    }

    /// Arbitrary bytes fed straight into a session at every step: no panic, and
    /// it finishes within the number of steps a burn has.
    #[test]
    fn session_survives_arbitrary_input(responses in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 1..30)) {
        let mut s = BurnSession::new(request(NEW_SEED, config()));
        let mut t = START;
        let mut finished = false;
        for r in &responses {
            match s.poll(t) {
                Action::Transmit { .. } => s.on_response(r, t, t + 20_000),
                Action::Finished(_) => { finished = true; break; }
            }
            t += 20_000;
        }
        // The longest burn: 1 + 12 GET INFO, 4 commands, 1 + 6 confirming GET INFO.
        if !finished && responses.len() >= 25 {
            prop_assert!(matches!(s.poll(t), Action::Finished(_)));
        }
    }
}
