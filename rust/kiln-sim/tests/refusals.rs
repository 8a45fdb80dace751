//! The refusal and fault matrix: every command of a burn, a sync and a read
//! answered with every kind of trouble (refusals, undocumented status words,
//! short or malformed answers, no answer, link loss before/after processing),
//! on restricted, unrestricted and unknown models, each run as one user action
//! ([`run_burn_action`]: the user presents the token again at once whenever
//! asked). For every cell:
//!
//! - EXTERNAL AUTHENTICATE is sent at most once per presentation of the token,
//!   and a second presentation follows only a link loss: after a refusal or any
//!   other answer exactly one authentication (or none) was ever sent;
//! - "success" only when the card holds the new seed and settings;
//! - the reported token state admits the card's real state.
//!
//! The matrix size and the outcome counts are printed (`--nocapture`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::*;

use kiln_core::params::TokenConfig;
use kiln_core::proto::{KeyChoice, UnknownModelPolicy};
use kiln_core::session::*;
use kiln_sim::{Fault, FaultPoint, Reply, SimConfig, SimLink};
use std::collections::BTreeMap;

/// A prefix no model has: programmed only with an explicitly named key.
const UNKNOWN: &str = "99999990000001";

/// Every kind of trouble at one command.
fn faults() -> Vec<(&'static str, FaultPoint)> {
    let sw = |name, v| (name, FaultPoint::Answer(Reply::sw(v)));
    let raw = |name, b: &[u8]| (name, FaultPoint::Answer(Reply::new(b).unwrap()));
    vec![
        sw("69 83", 0x6983),
        sw("63 C2", 0x63C2),
        sw("63 C1", 0x63C1),
        sw("63 C0", 0x63C0),
        sw("6A 80", 0x6A80),
        sw("67 00", 0x6700),
        sw("6F 00 (undocumented)", 0x6F00),
        sw("6C 04 (T=0 wrong Le)", 0x6C04),
        raw("short answer (1 byte)", &[0x90]),
        raw("empty answer", &[]),
        raw("data + 90 00 where none is due", &[0x01, 0x02, 0x90, 0x00]),
        (
            "timeout, not processed",
            FaultPoint::NoAnswer { processed: false },
        ),
        (
            "timeout, processed",
            FaultPoint::NoAnswer { processed: true },
        ),
        ("link lost before", FaultPoint::BeforeProcessing),
        ("link lost after", FaultPoint::AfterProcessing),
    ]
}

fn is_link_fault(p: FaultPoint) -> bool {
    matches!(
        p,
        FaultPoint::BeforeProcessing | FaultPoint::AfterProcessing | FaultPoint::NoAnswer { .. }
    )
}

fn card_cfg(serial: &str) -> SimConfig {
    SimConfig {
        initial_seed: Some(OLD_SEED.to_vec()),
        clock_offset_us: 42_000_000,
        ..serial_cfg(serial)
    }
}

fn burn_request(serial: &str) -> BurnRequest {
    let mut r = request(NEW_SEED, config());
    if serial == UNKNOWN {
        r.unknown_model = UnknownModelPolicy::Program(KeyChoice::FamilyDefault);
    }
    r
}

/// Whether `state`, as reported, admits what the card really holds.
fn admits(state: TokenState, l: &SimLink, restricted: bool) -> bool {
    let seed = l.card().seed();
    let cfg = l.card().config();
    let old_cfg = cfg == TokenConfig::default();
    let new_cfg = cfg == config();
    let old_seed = seed == Some(&OLD_SEED[..]);
    let new_seed = seed == Some(NEW_SEED);
    let no_seed = seed.is_none();
    let holds = match state {
        TokenState::Unchanged => old_cfg && old_seed,
        TokenState::ConfigUncertain { erases_seed } => {
            (old_cfg && old_seed) || (new_cfg && (if erases_seed { no_seed } else { old_seed }))
        }
        TokenState::SeedErased => new_cfg && no_seed,
        TokenState::OldSeedNewSettings => new_cfg && old_seed,
        TokenState::SeedUncertain { seed_erased } => {
            new_cfg && (new_seed || if seed_erased { no_seed } else { old_seed })
        }
        TokenState::Written => new_cfg && new_seed,
    };
    // The model's sync class the engine assumed (unknown models: restricted).
    let class_right = match state {
        TokenState::ConfigUncertain { erases_seed } => erases_seed == restricted,
        TokenState::SeedUncertain { seed_erased } => seed_erased == restricted,
        _ => true,
    };
    holds && class_right
}

/// Commands (INS) a fault-free run sends.
fn fault_free(serial: &str, sync: bool) -> Vec<u8> {
    let (mut l, mut c) = link(card_cfg(serial));
    let out = if sync {
        run(&mut SyncSession::new(config(), SIM_REF), &mut l, &mut c)
    } else {
        run(&mut BurnSession::new(burn_request(serial)), &mut l, &mut c)
    };
    assert!(out.is_success(), "{out:?}");
    l.sent_instructions().to_vec()
}

#[derive(Default)]
struct Tally {
    cells: usize,
    by_result: BTreeMap<String, usize>,
}

impl Tally {
    fn count(&mut self, result: &str) {
        self.cells += 1;
        *self.by_result.entry(result.to_owned()).or_default() += 1;
    }

    fn print(&self, name: &str) {
        println!("{name}: {} cells", self.cells);
        for (k, v) in &self.by_result {
            println!("  {v:>5}  {k}");
        }
    }
}

fn label(out: &Outcome) -> String {
    match out {
        Outcome::Failed(f) => format!("failed: {:?} / {:?}", f.kind(), f.token),
        Outcome::Burned(_) => "burned".into(),
        Outcome::Synced(_) => "synced".into(),
        Outcome::Read(_) => "read".into(),
    }
}

#[test]
fn burn_faults_at_every_command_end_the_action_unless_the_link_was_lost() {
    let mut tally = Tally::default();
    for serial in [RESTRICTED, UNRESTRICTED, UNKNOWN] {
        let restricted = serial != UNRESTRICTED;
        let n = fault_free(serial, false).len();
        for command in 1..=n {
            for (name, point) in faults() {
                let (l, mut c) = link(card_cfg(serial));
                let mut l = l.with_fault(Fault { command, point });
                let mut presented_again = 0;
                let action = run_burn_action(
                    &burn_request(serial),
                    None,
                    &mut l,
                    &mut c,
                    &mut |_: &Exchange| {},
                    &mut |f| {
                        presented_again += 1;
                        // Only a link loss may ask for the token again.
                        assert!(matches!(f.error, SessionError::LinkLost { .. }), "{f:?}");
                        true
                    },
                );
                let ctx = format!("{serial} command {command} {name}: {:?}", action.outcome);
                let auths = l.auth_attempts();
                // One authentication per presentation; a second presentation
                // only after a link loss.
                assert!(auths <= action.sessions as usize, "{auths} auths: {ctx}");
                assert!(presented_again <= 1, "{ctx}");
                assert_eq!(action.sessions, 1 + presented_again, "{ctx}");
                if !is_link_fault(point) {
                    assert_eq!(action.sessions, 1, "{ctx}");
                    assert!(auths <= 1, "{ctx}");
                }
                match &action.outcome {
                    Outcome::Burned(_) => {
                        assert!(admits(TokenState::Written, &l, restricted), "{ctx}")
                    }
                    Outcome::Failed(f) => {
                        assert!(admits(f.token, &l, restricted), "state: {ctx}");
                        assert!(f.retap().is_none() || action.sessions == 1, "{ctx}");
                        if f.token.needs_finishing() {
                            // The next step is named, on the same token.
                            assert_eq!(
                                f.resume.as_ref().map(|r| r.serial().to_string()),
                                Some(serial.to_string()),
                                "{ctx}"
                            );
                        }
                        if !matches!(f.error, SessionError::LinkLost { .. })
                            && f.token.needs_finishing()
                        {
                            let msg = f.to_string();
                            assert!(msg.contains("sent nothing more"), "{msg}");
                            assert!(msg.contains("run the same burn again"), "{msg}");
                        }
                    }
                    other => panic!("{other:?}"),
                }
                tally.count(&label(&action.outcome));
            }
        }
    }
    tally.print("burn × command × fault × {restricted, unrestricted, unknown}");
    assert!(tally.cells >= 3 * 8 * 15, "{}", tally.cells);
}

#[test]
fn a_refused_write_is_reported_with_what_the_token_holds() {
    // The scenario of the field report: WRITE SEED refused on a restricted
    // model after the clock write erased the seed.
    for sw in [0x6983u16, 0x63C1] {
        let n = fault_free(RESTRICTED, false);
        let seed_at = n.iter().position(|i| *i == 0xC5).unwrap() + 1;
        let (l, mut c) = link(card_cfg(RESTRICTED));
        let mut l = l.with_fault(Fault {
            command: seed_at,
            point: FaultPoint::Answer(Reply::sw(sw)),
        });
        let action = run_burn_action(
            &burn_request(RESTRICTED),
            None,
            &mut l,
            &mut c,
            &mut |_: &Exchange| {},
            &mut |_| panic!("a refusal must not ask for the token again"),
        );
        let f = action.outcome.failure().unwrap();
        assert_eq!(l.auth_attempts(), 1);
        assert_eq!(
            f.error,
            SessionError::Refused {
                step: Step::WriteSeed,
                sw: kiln_core::proto::StatusWord::from_bytes((sw >> 8) as u8, sw as u8),
            }
        );
        assert_eq!(f.token, TokenState::SeedUncertain { seed_erased: true });
        assert_eq!(l.card().seed(), None);
        let msg = f.to_string();
        assert!(msg.contains("refused WRITE SEED"), "{msg}");
        assert!(msg.contains("the token may now have no seed"), "{msg}");
    }
}

#[test]
fn sync_faults_at_every_command() {
    let mut tally = Tally::default();
    let n = fault_free(UNRESTRICTED, true).len();
    for command in 1..=n {
        for (name, point) in faults() {
            let (l, mut c) = link(card_cfg(UNRESTRICTED));
            let mut l = l.with_fault(Fault { command, point });
            let out = run(&mut SyncSession::new(config(), SIM_REF), &mut l, &mut c);
            let ctx = format!("command {command} {name}: {out:?}");
            assert!(l.auth_attempts() <= 1, "{ctx}");
            assert_eq!(l.card().seed(), Some(&OLD_SEED[..]), "{ctx}");
            match &out {
                Outcome::Synced(_) => assert_eq!(l.card().config(), config(), "{ctx}"),
                Outcome::Failed(f) => {
                    assert!(f.retap().is_none(), "a sync never resumes: {ctx}");
                    if f.token == TokenState::Unchanged {
                        assert_eq!(l.card().config(), TokenConfig::default(), "{ctx}");
                    }
                }
                other => panic!("{other:?}"),
            }
            tally.count(&label(&out));
        }
    }
    tally.print("sync × command × fault (unrestricted)");
    assert!(tally.cells >= 5 * 15, "{}", tally.cells);
}

#[test]
fn read_sessions_never_authenticate_or_write_whatever_happens() {
    let mut tally = Tally::default();
    for serial in [RESTRICTED, UNRESTRICTED, UNKNOWN] {
        for measure in [Measure::Advice, Measure::Precise] {
            // Fault-free length of this read.
            let (mut l0, mut c0) = link(card_cfg(serial));
            assert!(run(&mut ReadSession::new(SIM_REF, measure), &mut l0, &mut c0).is_success());
            let n = l0.commands_sent();
            for command in 1..=n + 1 {
                for (name, point) in faults() {
                    let (l, mut c) = link(card_cfg(serial));
                    let mut l = l.with_fault(Fault { command, point });
                    let out = run(&mut ReadSession::new(SIM_REF, measure), &mut l, &mut c);
                    let ctx = format!("{serial} {measure:?} command {command} {name}: {out:?}");
                    assert!(
                        l.sent_instructions().iter().all(|i| *i == 0x41),
                        "only GET INFO: {ctx}"
                    );
                    assert_eq!(l.card().seed(), Some(&OLD_SEED[..]), "{ctx}");
                    assert_eq!(l.card().config(), TokenConfig::default(), "{ctx}");
                    match &out {
                        Outcome::Read(r) => assert_eq!(r.serial.to_string(), serial, "{ctx}"),
                        Outcome::Failed(f) => {
                            assert_eq!(f.token, TokenState::Unchanged, "{ctx}");
                            assert!(f.resume.is_none(), "{ctx}");
                        }
                        other => panic!("{other:?}"),
                    }
                    tally.count(&label(&out));
                }
            }
        }
    }
    tally.print("read × command × fault × {restricted, unrestricted, unknown} × {advice, precise}");
    assert!(tally.cells >= 3 * 2 * 2 * 15, "{}", tally.cells);
}

#[test]
fn unknown_models_read_only_by_default_never_authenticate() {
    let n = fault_free(RESTRICTED, false).len();
    for command in 1..=n {
        for (name, point) in faults() {
            let (l, mut c) = link(card_cfg(UNKNOWN));
            let mut l = l.with_fault(Fault { command, point });
            let action = run_burn_action(
                &request(NEW_SEED, config()),
                None,
                &mut l,
                &mut c,
                &mut |_: &Exchange| {},
                &mut |_| true,
            );
            let ctx = format!("command {command} {name}: {:?}", action.outcome);
            assert_eq!(l.auth_attempts(), 0, "{ctx}");
            assert_eq!(l.card().seed(), Some(&OLD_SEED[..]), "{ctx}");
            assert!(action.outcome.failure().is_some(), "{ctx}");
        }
    }
}
