//! A box of tokens over the real PC/SC stack: `kiln-sim vpcd --box` plays
//! three tokens one after another on one vpcd reader, cued by the test, and
//! `kiln` reads each. Needs pcscd with vpcd, so it is `#[ignore]`d;
//! `scripts/pcsc-e2e.sh` runs it.
//!
//! Checks that a swap looks real to pcscd (the reader goes empty, then a new
//! card event with the ATR), that kiln sees each token's serial, model and
//! clock, and that a token put back is the same card: the seed burned on it
//! and its synced clock are still there.
#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod pcsc_common;
use pcsc_common::*;

use kiln_core::params::Algorithm;
use pcsc::{Context, ReaderState, Scope, State};
use serde_json::Value;
use std::ffi::CString;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const BOX: &str = r#"[
  {"serial": "86596220000001", "offset": 300},
  {"serial": "86596120000042", "offset": -42.3},
  {"serial": "86596320000007", "has_seed": true}
]"#;

/// What PC/SC reported for the reader: card present, event count, ATR.
type Seen = (bool, u32, Vec<u8>);

/// Watches `reader` from now on with `SCardGetStatusChange` until a card is
/// present again after the reader was seen empty; returns every state seen,
/// the one before the swap first. Returns once the watch has started.
fn watch_swap(reader: &'static str) -> JoinHandle<Vec<Seen>> {
    let (started, start) = mpsc::channel();
    let watcher = std::thread::spawn(move || {
        let ctx = Context::establish(Scope::User).unwrap();
        let mut rs = [ReaderState::new(
            CString::new(reader).unwrap(),
            State::UNAWARE,
        )];
        let seen_now = |rs: &ReaderState| {
            (
                rs.event_state().contains(State::PRESENT),
                rs.event_count(),
                rs.atr().to_vec(),
            )
        };
        ctx.get_status_change(Duration::from_secs(2), &mut rs)
            .unwrap();
        rs[0].sync_current_state();
        let mut seen = vec![seen_now(&rs[0])];
        started.send(()).unwrap();
        let until = Instant::now() + Duration::from_secs(20);
        while Instant::now() < until {
            match ctx.get_status_change(Duration::from_millis(500), &mut rs) {
                Ok(()) => {}
                Err(pcsc::Error::Timeout) => continue,
                Err(e) => panic!("SCardGetStatusChange: {e}"),
            }
            rs[0].sync_current_state();
            let now = seen_now(&rs[0]);
            let was_empty = seen.iter().skip(1).any(|s| !s.0);
            seen.push(now.clone());
            if was_empty && now.0 {
                break;
            }
        }
        seen
    });
    start.recv_timeout(Duration::from_secs(5)).unwrap();
    watcher
}

/// The swap looked real to pcscd: card before, then empty, then a card
/// again, with new event counts and the ATR.
fn assert_real_swap(seen: &[Seen]) {
    eprintln!(
        "PC/SC during the swap (present, event count): {:?}",
        seen.iter().map(|s| (s.0, s.1)).collect::<Vec<_>>()
    );
    let (before, after) = (&seen[0], seen.last().unwrap());
    assert!(before.0, "a card was on the reader before: {seen:?}");
    assert!(
        seen.iter().any(|s| !s.0),
        "the reader was never seen empty: {seen:?}"
    );
    assert!(after.0, "no card after the swap: {seen:?}");
    assert_ne!(
        after.1, before.1,
        "the event count did not change: {seen:?}"
    );
    assert_eq!(
        after.2,
        [0x3B, 0x80, 0x80, 0x01, 0x01],
        "ATR after the swap"
    );
}

fn info(reader: &str) -> Value {
    let out = run_kiln(&["info", "--reader", reader, "--wait", "10", "--json"], "");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    json_of(&out)
}

fn assert_drift_near(v: &Value, ms: f64) {
    let drift = v["drift_ms"].as_f64().unwrap();
    assert!(
        (drift - ms).abs() < 1_500.0,
        "drift {drift} ms, expected ≈ {ms}"
    );
}

#[test]
#[ignore = "needs pcscd with vpcd: run scripts/pcsc-e2e.sh"]
fn a_box_of_three_tokens_plays_on_one_reader() {
    let mut tokens = TokenBox::attach(R0, BOX, &[]);

    // Token 1, its clock 300 s ahead: read it, then burn a seed (and sync it).
    let v = info(R0);
    assert_eq!(v["serial"], "86596220000001");
    assert_eq!(v["model"], "OTPC-P2-i");
    assert_drift_near(&v, 300_000.0);
    let uri = format!("otpauth://totp/x?secret={}", seed_b32());
    let out = run_kiln(&["burn", "--reader", R0, "--wait", "10", "--json"], &uri);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(json_of(&out)["serial"], "86596220000001");

    // Token 2: the swap is a removal and a new card to pcscd.
    let watch = watch_swap(R0);
    assert_eq!(tokens.cue("next"), "ok placed 2 86596120000042");
    assert_real_swap(&watch.join().unwrap());
    let v = info(R0);
    assert_eq!(v["serial"], "86596120000042");
    assert_eq!(v["model"], "OTPC-P1-i");
    assert_drift_near(&v, -42_300.0);

    // Token 3, the last in the box.
    assert_eq!(tokens.cue_and_wait("next"), "ok placed 3 86596320000007");
    let v = info(R0);
    assert_eq!(v["serial"], "86596320000007");
    assert_eq!(v["model"], "C302-i");
    let refused = tokens.cue("next");
    assert!(refused.starts_with("error: no token after #3"), "{refused}");

    // The state file shows all three, each with what it holds.
    let st = tokens.state();
    assert_eq!(st["box"], 3);
    assert_eq!(st["on_reader"], 3);
    assert_eq!(st["serial_on_reader"], "86596320000007");
    let serials: Vec<&str> = st["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["serial"].as_str().unwrap())
        .collect();
    assert_eq!(
        serials,
        ["86596220000001", "86596120000042", "86596320000007"]
    );
    for t in st["tokens"].as_array().unwrap() {
        assert_eq!(t["presented"], 1, "{t}");
    }
    assert_token_has_seed(&tokens.token("86596220000001"), Algorithm::Sha1, 30);
    assert_eq!(tokens.token("86596120000042")["holds_seed"], false);
    let t2_ins = tokens.token("86596120000042")["received_ins"].clone();
    assert!(
        t2_ins.as_array().unwrap().iter().all(|i| i == "41"),
        "info sends GET INFO only: {t2_ins}"
    );
    assert_eq!(tokens.token("86596320000007")["holds_seed"], true);

    // Token 1 put back is the same card: seed and synced clock kept.
    let watch = watch_swap(R0);
    assert_eq!(tokens.cue("insert 1"), "ok placed 1 86596220000001");
    assert_real_swap(&watch.join().unwrap());
    let v = info(R0);
    assert_eq!(v["serial"], "86596220000001");
    assert_drift_near(&v, 0.0);
    let t1 = tokens.token("86596220000001");
    assert_eq!(t1["presented"], 2);
    assert_eq!(t1["on_reader"], true);
    assert_token_has_seed(&t1, Algorithm::Sha1, 30);
    assert_clock_true(&t1, 300);
    let ins: Vec<&str> = t1["received_ins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    assert!(
        ins.contains(&"C5") && ins.last() == Some(&"41"),
        "the burn's commands, then the second info's: {ins:?}"
    );

    // Taken off, the reader is empty.
    assert_eq!(tokens.cue_and_wait("remove"), "ok empty");
    assert_eq!(tokens.state()["on_reader"], Value::Null);
}
