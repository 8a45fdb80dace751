//! A batch that dies mid-burn loses no seed: the burn of one simulated token is
//! cut at every exchange in turn (the link drops before the token processes
//! the command, or after it processed it and before the answer), the batch is
//! then dropped without another write (the process was killed), and:
//!
//! - the journal, read back, holds (among the token's unconfirmed candidates)
//!   the seed the token now holds, if it holds one;
//! - a new batch over the same journal, presented the same token, finishes it
//!   with the seed journalled before the crash (never a fresh one), and the
//!   token's codes are that seed's.
//!
//! A kill after the last exchange but before the `burned` record is the same
//! journal without its last line; it is checked too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use kiln_core::clock::{Reference, ReferenceSource};
use kiln_core::params::{DisplayTimeout, TokenHmac, TokenStep};
use kiln_core::secret::SecretString;
use kiln_core::session::{Clock, Exchange, Failure, SystemClock};
use kiln_fleet::audit::Operator;
use kiln_fleet::{
    Batch, BatchSettings, Decryptor, Encryptor, Journal, SeedLength, SeedSource, TokenSerial, Turn,
};
use kiln_sim::{Fault, FaultPoint, SimConfig, SimLink, SimToken, VirtualClock};
use std::path::Path;

const SERIAL: &str = "86596220000001";

fn keys() -> (Encryptor, Decryptor) {
    let mut enc = Encryptor::with_passphrase(SecretString::new("crash test".into())).unwrap();
    enc.set_scrypt_work_factor(2);
    let dec = Decryptor::with_passphrase(SecretString::new("crash test".into())).unwrap();
    (enc, dec)
}

fn batch(dir: &Path, enc: &Encryptor, dec: &Decryptor) -> Batch {
    let journal = Journal::create_or_open(dir, enc).unwrap();
    let audit = journal.audit_log(Operator::new("crash-test")).unwrap();
    let settings = BatchSettings {
        hmac: TokenHmac::Sha1,
        step: TokenStep::try_from(30u64).unwrap(),
        display_timeout: DisplayTimeout::try_from(30u32).unwrap(),
        sync_clock: true,
        // Precise: the most exchanges to cut (the confirmation's polls).
        confirm: kiln_core::session::Confirm::Precise,
        reference: Reference::trusted(ReferenceSource::Simulator),
        seeds: SeedSource::Generate(SeedLength::default_for(TokenHmac::Sha1)),
        reburn: false,
    };
    Batch::new(settings, journal, Some(dec), audit).unwrap()
}

fn fresh_token(serial: &str) -> (SimToken, VirtualClock) {
    let start = SystemClock.now();
    let cfg = SimConfig {
        serial: serial.into(),
        clock_offset_us: 7_300_000,
        ..SimConfig::default()
    };
    (SimToken::new(cfg, start), VirtualClock::new(start))
}

/// One turn of `b` on the token, with `fault`; a lost link is not re-tapped.
fn turn(b: &mut Batch, link: &mut SimLink) -> Turn {
    let mut clock = link.clock();
    b.turn(
        link,
        &mut clock,
        &mut |_: &Exchange| {},
        &mut |_: &Failure| false,
    )
    .unwrap()
}

/// Every seed the journal holds for the serial (confirmed or not).
fn journalled(dir: &Path, dec: &Decryptor) -> Vec<Vec<u8>> {
    let state = kiln_fleet::journal::read(dir, dec).unwrap().state();
    let serial = TokenSerial::new(SERIAL).unwrap();
    state
        .get(&serial)
        .map(|s| {
            s.candidates()
                .iter()
                .map(|r| r.seed().expose().to_vec())
                .collect()
        })
        .unwrap_or_default()
}

/// The number of exchanges of a whole turn (identification and burn).
fn exchanges_per_turn() -> usize {
    let dir = tempfile::tempdir().unwrap();
    let (enc, dec) = keys();
    let mut b = batch(dir.path(), &enc, &dec);
    let (card, clock) = fresh_token(SERIAL);
    let mut link = SimLink::new(card, clock);
    assert!(matches!(turn(&mut b, &mut link), Turn::Burned { .. }));
    link.commands_sent()
}

/// After the crash: the journal holds the token's seed; a new batch finishes
/// the token with the seed journalled before; returns whether the token
/// held a seed after the crash.
/// `confirmed`: the journal recorded the burn as confirmed before the crash.
fn check_after_crash(dir: &Path, link: SimLink, confirmed: bool, what: &str) -> bool {
    let (enc, dec) = keys();
    let before = journalled(dir, &dec);
    let held = link.card().seed().map(<[u8]>::to_vec);
    if let Some(seed) = &held {
        assert!(
            before.contains(seed),
            "{what}: the token holds a seed the journal does not"
        );
    }
    // Restart: a new batch over the same journal, the same token presented.
    let clock = link.clock();
    let mut again = SimLink::new(link.into_card(), clock);
    let mut b = batch(dir, &enc, &dec);
    match (confirmed, turn(&mut b, &mut again)) {
        // Confirmed before the crash (e.g. only the confirming read was cut
        // off, both writes acknowledged): the journal says burned; the
        // restarted batch leaves the token alone.
        (true, Turn::Skipped { reason, .. }) => {
            assert_eq!(reason, kiln_fleet::Skip::AlreadyBurned, "{what}");
        }
        (true, other) => panic!("{what}: burned twice: {other:?}"),
        (false, Turn::Burned { finished, .. }) => {
            assert_eq!(finished, !before.is_empty(), "{what}");
        }
        (false, other) => panic!("{what}: the restarted batch did not finish the token: {other:?}"),
    }
    let after = journalled(dir, &dec);
    let now = again.card().seed().unwrap().to_vec();
    if let Some(seed) = before.last() {
        assert_eq!(
            &now, seed,
            "{what}: finished with another seed than the journalled one"
        );
        assert_eq!(
            after.len(),
            before.len(),
            "{what}: a fresh seed was journalled"
        );
    }
    assert!(after.contains(&now), "{what}");
    // The token's codes are those of the seed it holds.
    let t = 1_234_567_890;
    let expected = kiln_core::totp::format_code(
        kiln_core::totp::code(&now, kiln_core::params::Algorithm::Sha1, 6, 30, t).unwrap(),
        6,
    );
    assert_eq!(
        again.card().code_at(t).as_deref(),
        Some(expected.as_str()),
        "{what}"
    );
    held.is_some()
}

#[test]
fn a_crash_at_every_exchange_loses_no_seed() {
    let n = exchanges_per_turn();
    assert!(n >= 6, "a turn has {n} exchanges");
    let mut held_after = 0;
    let mut cases = 0;
    for command in 1..=n {
        for point in [FaultPoint::BeforeProcessing, FaultPoint::AfterProcessing] {
            let what = format!("crash at exchange {command} of {n} ({point:?})");
            let dir = tempfile::tempdir().unwrap();
            let (enc, dec) = keys();
            let mut b = batch(dir.path(), &enc, &dec);
            let (card, clock) = fresh_token(SERIAL);
            let mut link = SimLink::new(card, clock).with_fault(Fault { command, point });
            let first = turn(&mut b, &mut link);
            drop(b); // killed: nothing more is written
            let confirmed = matches!(first, Turn::Burned { .. });
            if check_after_crash(dir.path(), link, confirmed, &what) {
                held_after += 1;
            }
            cases += 1;
        }
    }
    eprintln!("{cases} crash points; the token held a journalled seed after {held_after}");
    assert_eq!(cases, 2 * n);
    assert!(held_after > 0, "no crash point left a seed on the token");
}

#[test]
fn a_crash_before_the_burned_record_finishes_with_the_same_seed() {
    let dir = tempfile::tempdir().unwrap();
    let (enc, dec) = keys();
    let mut b = batch(dir.path(), &enc, &dec);
    let (card, clock) = fresh_token(SERIAL);
    let mut link = SimLink::new(card, clock);
    assert!(matches!(turn(&mut b, &mut link), Turn::Burned { .. }));
    drop(b);
    // The journal as it was before the `burned` record was appended.
    let path = dir.path().join("journal.agej");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.pop();
    std::fs::write(&path, format!("{}\n", lines.join("\n"))).unwrap();
    assert!(check_after_crash(
        dir.path(),
        link,
        false,
        "crash before the burned record"
    ));
}
