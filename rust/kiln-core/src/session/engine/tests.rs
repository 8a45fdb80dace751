//! Scripted-card tests of the engine: a card that answers by instruction byte
//! (no cryptography: it acknowledges what it is sent), driven by hand so that
//! each test sees every action, event and outcome.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::clock::{Reference, ReferenceSource};
use crate::params::{TokenConfig, TokenSeed};
use crate::proto::UnknownModelPolicy;
use crate::secret::SecretBytes;
use crate::session::{
    Action, BurnRequest, BurnSession, Event, LinkError, Measure, NextStep, Outcome, ReadSession,
    Resume, Session, SessionError, Step, SyncSession, TokenState,
};
use crate::time::{UnixMicros, MICROS_PER_SEC};

const START: UnixMicros = 1_795_326_000_123_456;
const RESTRICTED: &str = "86596220000001";
const UNRESTRICTED: &str = "86596120000001";
const REF: Reference = Reference::trusted(ReferenceSource::Simulator);

/// A card that answers every command by its instruction byte; `answer` replaces
/// the answer to the n-th command (0-based), `lose` loses the link at it.
struct Card {
    serial: &'static str,
    answer: Option<(usize, Vec<u8>)>,
    lose: Option<usize>,
    sent: Vec<Step>,
}

impl Card {
    fn new(serial: &'static str) -> Self {
        Self {
            serial,
            answer: None,
            lose: None,
            sent: Vec::new(),
        }
    }

    fn respond(&self, apdu: &[u8], now: UnixMicros) -> Vec<u8> {
        match apdu.get(1) {
            Some(0x41) => {
                let mut r = vec![0x01, 0x02, 0x03, self.serial.len() as u8];
                r.extend_from_slice(self.serial.as_bytes());
                r.extend_from_slice(&[0x00, 0x00]);
                r.extend_from_slice(&((now / MICROS_PER_SEC) as u32).to_be_bytes());
                r.extend_from_slice(&[0x90, 0x00]);
                r
            }
            Some(0x4B) => vec![1, 2, 3, 4, 5, 6, 7, 8, 0x90, 0x00],
            _ => vec![0x90, 0x00],
        }
    }
}

/// Drives `s` against `card` on a virtual clock (20 ms per exchange).
fn drive(s: &mut dyn Session, card: &mut Card) -> (Outcome, Vec<Event>) {
    let mut now = START;
    let mut events = Vec::new();
    for n in 0.. {
        let action = s.poll(now);
        while let Some(e) = s.poll_event() {
            events.push(e);
        }
        match action {
            Action::Finished(o) => return (o, events),
            Action::Transmit {
                apdu,
                step,
                not_before,
            } => {
                assert!(n < 40, "the session does not end");
                now = now.max(not_before.unwrap_or(now));
                card.sent.push(step);
                let sent = now;
                now += 20_000;
                if card.lose == Some(n) {
                    s.on_link_error(LinkError::TagLost);
                } else {
                    let resp = match &card.answer {
                        Some((at, r)) if *at == n => r.clone(),
                        _ => card.respond(&apdu, sent + 10_000),
                    };
                    s.on_response(&resp, sent, now);
                }
                while let Some(e) = s.poll_event() {
                    events.push(e);
                }
            }
        }
    }
    unreachable!()
}

fn request(resume: Option<&str>) -> (BurnRequest, Option<Resume>) {
    let seed = TokenSeed::new(SecretBytes::from_slice(&[7; 20])).unwrap();
    (
        BurnRequest {
            seed,
            config: TokenConfig::default(),
            unknown_model: UnknownModelPolicy::ReadOnly,
            reference: REF,
            sync_clock: true,
            confirm: crate::session::Confirm::Precise,
        },
        resume.map(|s| Resume::for_serial(s.into())),
    )
}

fn burn(resume: Option<&str>) -> BurnSession {
    let (r, resume) = request(resume);
    let mut s = match resume {
        Some(x) => BurnSession::resume(r, x),
        None => BurnSession::new(r),
    };
    s.set_measure(Measure::Single);
    s
}

/// Events without the `Sending` ones, as short names.
fn names(events: &[Event]) -> Vec<&'static str> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Sending(_) => None,
            Event::TokenFound { .. } => Some("found"),
            Event::Measured(_) => Some("measured"),
            Event::Authenticated => Some("authenticated"),
            Event::ConfigWritten { .. } => Some("config"),
            Event::SeedWritten => Some("seed"),
            Event::Confirmed { .. } => Some("confirmed"),
        })
        .collect()
}

#[test]
fn a_burn_says_what_happened_in_order_and_each_command_carries_its_step() {
    let mut card = Card::new(RESTRICTED);
    let (out, events) = drive(&mut burn(None), &mut card);
    let Outcome::Burned(r) = out else {
        panic!("{out:?}")
    };
    assert_eq!(
        names(&events),
        [
            "found",
            "measured",
            "authenticated",
            "config",
            "seed",
            "confirmed"
        ]
    );
    // One Sending per command, in the order sent, each before its answer's event.
    let sending: Vec<Step> = events
        .iter()
        .filter_map(|e| match e {
            Event::Sending(s) => Some(*s),
            _ => None,
        })
        .collect();
    assert_eq!(sending, card.sent);
    assert_eq!(
        &card.sent[..5],
        [
            Step::GetInfo,
            Step::GetChallenge,
            Step::ExternalAuthenticate,
            Step::WriteConfig,
            Step::WriteSeed
        ]
    );
    assert!(card.sent[5..].iter().all(|s| *s == Step::ConfirmInfo));
    let config_at = events
        .iter()
        .position(|e| matches!(e, Event::ConfigWritten { .. }))
        .unwrap();
    assert_eq!(events[config_at - 1], Event::Sending(Step::WriteConfig));
    // The written clock is the one the report states, and the codes are for the
    // token's time at the confirming read.
    assert!(events.contains(&Event::ConfigWritten {
        clock: r.clock_written
    }));
    let after = r.after.as_ref().unwrap();
    assert_eq!(r.codes_at, (after.received_at / MICROS_PER_SEC) as u64);
    assert!(r
        .expected_codes
        .iter()
        .any(|c| (c.from_unix..c.until_unix).contains(&r.codes_at)));
    assert!(matches!(events.last(), Some(Event::Confirmed { .. })));
}

/// A quick confirmation reads once after the writes, and a token whose clock
/// did not take the time written (5 s off at that read) is still not confirmed.
#[test]
fn a_quick_confirmation_reads_once_and_refuses_a_clock_that_did_not_take() {
    let quick = || {
        let (mut req, _) = request(None);
        req.confirm = crate::session::Confirm::Quick;
        BurnSession::new(req)
    };
    let mut card = Card::new(RESTRICTED);
    let (out, _) = drive(&mut quick(), &mut card);
    assert!(matches!(out, Outcome::Burned(_)), "{out:?}");
    assert_eq!(card.sent.len(), 6, "{:?}", card.sent);

    // The closing GET INFO (the 6th command) shows a clock 5 s ahead.
    let mut card = Card::new(RESTRICTED);
    let mut off = card.respond(&[0x80, 0x41], START + 5 * MICROS_PER_SEC + 200_000);
    let (out, _) = {
        // The drive's virtual time at that read is well within 5 s of START.
        card.answer = Some((5, std::mem::take(&mut off)));
        drive(&mut quick(), &mut card)
    };
    let Outcome::Failed(f) = out else {
        panic!("{out:?}")
    };
    assert!(
        matches!(f.error, SessionError::ClockNotConfirmed { .. }),
        "{:?}",
        f.error
    );
}

#[test]
fn a_read_measures_once_and_writes_nothing() {
    let mut card = Card::new(RESTRICTED);
    let (out, events) = drive(&mut ReadSession::new(REF, Measure::Single), &mut card);
    assert!(matches!(out, Outcome::Read(_)), "{out:?}");
    assert_eq!(card.sent, [Step::GetInfo]);
    assert_eq!(names(&events), ["found", "measured"]);
}

#[test]
fn a_refused_seed_write_ends_the_action_with_what_the_token_may_hold() {
    let mut card = Card::new(RESTRICTED);
    card.answer = Some((4, vec![0x6A, 0x80]));
    let (out, events) = drive(&mut burn(None), &mut card);
    let f = out.failure().unwrap();
    assert_eq!(f.token, TokenState::SeedUncertain { seed_erased: true });
    assert_eq!(f.next_step(), NextStep::Refused { tries_left: None });
    assert!(f.may_be_blank());
    assert_eq!(
        f.resume_serial().map(ToString::to_string).as_deref(),
        Some(RESTRICTED)
    );
    assert!(
        f.retap().is_none(),
        "a refusal is never finished by a re-tap"
    );
    assert_eq!(
        card.sent
            .iter()
            .filter(|s| **s == Step::ExternalAuthenticate)
            .count(),
        1
    );
    assert_eq!(
        names(&events),
        ["found", "measured", "authenticated", "config"]
    );
}

#[test]
fn a_lost_link_between_the_writes_leaves_a_state_the_phase_knows() {
    for (serial, state) in [
        (RESTRICTED, TokenState::SeedUncertain { seed_erased: true }),
        (
            UNRESTRICTED,
            TokenState::SeedUncertain { seed_erased: false },
        ),
    ] {
        let mut card = Card::new(serial);
        card.lose = Some(4);
        let (out, _) = drive(&mut burn(None), &mut card);
        let f = out.failure().unwrap();
        assert_eq!(f.token, state, "{serial}");
        assert_eq!(f.next_step(), NextStep::TapAgain);
        assert!(f.retap().is_some(), "a link loss is finished by a re-tap");
        assert_eq!(f.may_be_blank(), serial == RESTRICTED);
    }
}

#[test]
fn policy_stops_after_the_first_reading_with_the_reading() {
    // Unknown model: read-only.
    let mut card = Card::new("99000000000001");
    let (out, events) = drive(&mut burn(None), &mut card);
    let f = out.failure().unwrap();
    assert_eq!(f.next_step(), NextStep::NeedsKey);
    assert!(
        f.before.is_some(),
        "the reading stays for a first-contact report"
    );
    assert_eq!(card.sent, [Step::GetInfo]);
    assert_eq!(names(&events), ["found", "measured"]);
    // A sync on a restricted model: burn instead.
    let mut card = Card::new(RESTRICTED);
    let (out, _) = drive(
        &mut SyncSession::new(TokenConfig::default(), REF),
        &mut card,
    );
    assert_eq!(out.failure().unwrap().next_step(), NextStep::BurnInstead);
    // Finishing another token's burn: present that token.
    let mut card = Card::new(UNRESTRICTED);
    let (out, _) = drive(&mut burn(Some(RESTRICTED)), &mut card);
    let f = out.failure().unwrap();
    assert!(matches!(f.error, SessionError::WrongToken { .. }));
    assert_eq!(f.next_step(), NextStep::TapAgain);
    assert_eq!(
        f.resume_serial().map(ToString::to_string).as_deref(),
        Some(RESTRICTED)
    );
    assert!(f.may_be_blank());
    assert_eq!(card.sent, [Step::GetInfo]);
}

#[test]
fn a_sync_writes_config_and_no_seed() {
    let mut card = Card::new(UNRESTRICTED);
    let mut s = SyncSession::new(TokenConfig::default(), REF);
    s.set_measure(Measure::Single);
    let (out, events) = drive(&mut s, &mut card);
    assert!(matches!(out, Outcome::Synced(_)), "{out:?}");
    assert!(!card.sent.contains(&Step::WriteSeed));
    assert_eq!(
        names(&events),
        ["found", "measured", "authenticated", "config", "confirmed"]
    );
}

#[test]
fn driving_out_of_order_is_an_internal_error_not_a_write() {
    let mut s = burn(None);
    let Action::Transmit { step, .. } = s.poll(START) else {
        panic!()
    };
    assert_eq!(step, Step::GetInfo);
    // A second poll while GET INFO is in flight.
    let Action::Finished(out) = s.poll(START) else {
        panic!()
    };
    let f = out.failure().unwrap();
    assert_eq!(f.next_step(), NextStep::Internal);
    assert_eq!(f.token, TokenState::Unchanged);
    // An answer with no command in flight.
    let mut s = burn(None);
    s.on_response(&[0x90, 0x00], START, START);
    let Action::Finished(out) = s.poll(START) else {
        panic!()
    };
    assert_eq!(out.failure().unwrap().next_step(), NextStep::Internal);
}
