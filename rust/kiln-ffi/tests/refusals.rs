//! The refusal matrix through the FFI, driven the way Kotlin drives it (a
//! `TokenLink` and `burn_token`/`sync_token`/`read_token`): every command
//! answered with a refusal, an undocumented or short answer, no answer, or a
//! link loss. For every cell: at most one EXTERNAL AUTHENTICATE per call;
//! never success unless the card holds the new seed; a refused or garbled
//! write comes back as `RefusedByToken` (the app contacts the token again only
//! after the user chose to try once more) with the blank flag and the resume
//! serial that match the card; only link faults come back as `LinkLost`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;

use kiln_ffi::{
    burn_token, parse_seed_input, read_token, sync_token, BurnOptions, KilnError, Seed, SeedInput,
};
use kiln_sim::{Fault, FaultPoint, Reply};
use std::collections::BTreeMap;
use std::sync::Arc;

const RESTRICTED: &str = "86596220000001";
const UNRESTRICTED: &str = "86596120000001";

fn new_seed() -> Arc<Seed> {
    match parse_seed_input(
        "otpauth://totp/Acme:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Acme".into(),
    ) {
        SeedInput::Totp { seed } => seed,
        _ => panic!("not a TOTP link"),
    }
}

/// JBSWY3DPEHPK3PXP twice, decoded.
const NEW_SEED: &[u8] = b"Hello!\xde\xad\xbe\xefHello!\xde\xad\xbe\xef";

fn options() -> BurnOptions {
    BurnOptions {
        display_timeout_secs: 30,
        sync_clock: true,
        resume_serial: None,
        unknown_model_key: None,
    }
}

fn faults() -> Vec<(&'static str, FaultPoint)> {
    let sw = |n, v| (n, FaultPoint::Answer(Reply::sw(v)));
    vec![
        sw("69 83", 0x6983),
        sw("63 C2", 0x63C2),
        sw("63 C1", 0x63C1),
        sw("63 C0", 0x63C0),
        sw("6A 80", 0x6A80),
        sw("67 00", 0x6700),
        sw("6F 00", 0x6F00),
        ("short", FaultPoint::Answer(Reply::new(&[0x90]).unwrap())),
        ("timeout", FaultPoint::NoAnswer { processed: false }),
        (
            "timeout, processed",
            FaultPoint::NoAnswer { processed: true },
        ),
        ("lost before", FaultPoint::BeforeProcessing),
        ("lost after", FaultPoint::AfterProcessing),
    ]
}

fn is_link(p: FaultPoint) -> bool {
    matches!(
        p,
        FaultPoint::NoAnswer { .. } | FaultPoint::BeforeProcessing | FaultPoint::AfterProcessing
    )
}

/// Runs `cell` for every (command, fault) at once, one thread each: the FFI
/// sessions time their writes on the system clock (up to a second each), so
/// the cells wait side by side instead of one after another.
fn each_cell<T: Send>(
    commands: usize,
    cell: impl Fn(usize, &'static str, FaultPoint) -> T + Sync,
) -> Vec<T> {
    std::thread::scope(|scope| {
        let cell = &cell;
        let handles: Vec<_> = (1..=commands)
            .flat_map(|command| faults().into_iter().map(move |(n, p)| (command, n, p)))
            .map(|(command, name, point)| scope.spawn(move || cell(command, name, point)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn burn_faults_at_every_command_through_the_ffi() {
    let mut results: BTreeMap<String, usize> = BTreeMap::new();
    let mut cells = 0;
    for serial in [RESTRICTED, UNRESTRICTED] {
        let clean = SimTokenLink::new(serial, None);
        burn_token(clean.clone(), clock(), new_seed(), options(), None).unwrap();
        let sent = clean.with(|l| l.sent_instructions().to_vec());
        let first_write = sent.iter().position(|i| *i == 0xD4).unwrap() + 1;
        let labels = each_cell(sent.len(), |command, name, point| {
            let link = SimTokenLink::new(serial, Some(Fault { command, point }));
            let out = burn_token(link.clone(), clock(), new_seed(), options(), None);
            let (auths, seed, written) = link.with(|l| {
                (
                    l.auth_attempts(),
                    l.card().seed().map(<[u8]>::to_vec),
                    l.card().history().iter().any(|p| p.ins == 0xD4),
                )
            });
            let ctx = format!("{serial} command {command} {name}: {out:?}");
            assert!(auths <= 1, "{ctx}");
            match &out {
                Ok(_) => {
                    assert_eq!(seed.as_deref(), Some(NEW_SEED), "{ctx}");
                    "ok".to_string()
                }
                Err(KilnError::RefusedByToken {
                    token_may_be_blank,
                    resume_serial,
                    ..
                }) => {
                    assert!(!is_link(point), "{ctx}");
                    let after_write = command >= first_write;
                    assert_eq!(
                        resume_serial.as_deref(),
                        after_write.then_some(serial),
                        "{ctx}"
                    );
                    // "May be blank" is said whenever the card may lack a seed.
                    if seed.is_none() {
                        assert!(*token_may_be_blank, "{ctx}");
                    }
                    "RefusedByToken".into()
                }
                Err(KilnError::LinkLost {
                    token_may_be_blank,
                    resume_serial,
                    ..
                }) => {
                    // Only link faults, or an answer that makes no sense before
                    // any write (nothing to finish).
                    assert!(is_link(point) || !written, "{ctx}");
                    if seed.is_none() {
                        assert!(*token_may_be_blank, "{ctx}");
                        assert_eq!(resume_serial.as_deref(), Some(serial), "{ctx}");
                    }
                    "LinkLost".into()
                }
                Err(other) => panic!("{ctx}: unexpected {other:?}"),
            }
        });
        for label in labels {
            cells += 1;
            *results.entry(label).or_default() += 1;
        }
    }
    println!("FFI burn fault matrix: {cells} cells (model × command × fault)");
    for (k, v) in &results {
        println!("  {v:>4}  {k}");
    }
    assert!(cells >= 2 * 7 * 12, "{cells}");
}

#[test]
fn sync_and_read_faults_never_authenticate_twice_or_write_on_a_read() {
    let cells = each_cell(12, |command, name, point| {
        let link = SimTokenLink::new(UNRESTRICTED, Some(Fault { command, point }));
        let out = sync_token(link.clone(), clock(), "SHA1".into(), 30, 30, None);
        let ctx = format!("sync command {command} {name}: {out:?}");
        link.with(|l| {
            assert!(l.auth_attempts() <= 1, "{ctx}");
            assert_eq!(l.card().seed(), Some(&OLD_SEED[..]), "{ctx}");
        });
        let link = SimTokenLink::new(RESTRICTED, Some(Fault { command, point }));
        let out = read_token(link.clone(), clock(), None);
        let ctx = format!("read command {command} {name}: {out:?}");
        link.with(|l| {
            assert!(l.sent_instructions().iter().all(|i| *i == 0x41), "{ctx}");
            assert_eq!(l.card().seed(), Some(&OLD_SEED[..]), "{ctx}");
        });
        2
    });
    println!(
        "FFI sync/read fault matrix: {} cells",
        cells.iter().sum::<usize>()
    );
}
