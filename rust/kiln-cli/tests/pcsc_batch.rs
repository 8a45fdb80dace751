//! `kiln batch` over the real PC/SC stack: a box of ten simulated tokens
//! (`kiln-sim vpcd --box`) laid on one vpcd reader in turn, cued when kiln's
//! `--json` events say the token in hand is done. Needs pcscd with vpcd, so it
//! is `#[ignore]`d; `scripts/pcsc-e2e.sh` runs it.
//!
//! Checks: restricted and unrestricted models burned and synced; an unknown
//! prefix gets GET INFO only; a token presented twice is skipped the second
//! time; a link lost right after WRITE SEED is finished on the same token; the
//! export's seeds are the ones the tokens hold (their codes at fixed times);
//! no seed in clear in the journal directory or on stdout/stderr.
#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod pcsc_common;
use pcsc_common::batch_run::{age_key, assert_no_plaintext_seed, export_csv, BatchRun};
use pcsc_common::*;

use kiln_core::params::Algorithm;
use kiln_core::totp;
use serde_json::Value;
use std::time::Duration;

/// Ten tokens: (serial, model, restricted clock). Token 3's prefix is no
/// model; token 6 loses the link after WRITE SEED and comes back by itself.
const BOX: &str = r#"[
  {"serial": "86596220000001", "offset": 300},
  {"serial": "86596120000042", "offset": -42.3},
  {"serial": "12345678000003"},
  {"serial": "86596320000004", "offset": 12},
  {"serial": "86596000000005", "drift": 20},
  {"serial": "86596010000006", "offset": -5, "drop_after_ins": "C5", "return_after": 2},
  {"serial": "86596100000007"},
  {"serial": "86596220000008", "has_seed": true},
  {"serial": "86596120000009", "offset": 90},
  {"serial": "86596210000010"}
]"#;

/// The order the tokens are laid on the reader (1-based): token 1 comes back
/// after token 4.
const PLAY: [usize; 11] = [1, 2, 3, 4, 1, 5, 6, 7, 8, 9, 10];

fn code(seed: &[u8], alg: Algorithm, period: u64, at: u64) -> String {
    totp::format_code(totp::code(seed, alg, 6, period, at).unwrap(), 6)
}

/// The token's codes (box state file) are those of `seed`.
fn assert_holds(token: &Value, seed: &[u8], alg: Algorithm, period: u64) {
    assert_eq!(token["holds_seed"], true, "{token}");
    let codes = token["codes"].as_array().unwrap();
    assert!(codes.len() >= 5, "{token}");
    for c in codes {
        let at = c["at"].as_u64().unwrap();
        assert_eq!(
            c["code"].as_str().unwrap(),
            code(seed, alg, period, at),
            "{} at {at}",
            token["serial"]
        );
    }
}

#[test]
#[ignore = "needs pcscd with vpcd: run scripts/pcsc-e2e.sh"]
fn a_box_of_ten_tokens_is_burned_journalled_and_exported() {
    let dir = tempdir("batch");
    let (key, public) = age_key(&dir.0);
    let journal = dir.0.join("box-1");
    let mut tokens = TokenBox::attach(R0, BOX, &[]);
    let mut run = BatchRun::start(&[
        "--generate",
        "--journal",
        journal.to_str().unwrap(),
        "--recipient",
        &public,
        "--reader",
        R0,
        "--trust-clock",
        "--count",
        "9",
        "--operator",
        "e2e",
        "--json",
    ]);
    let start = run.event(Duration::from_secs(20));
    assert_eq!(start["event"], "start");
    let mut results = Vec::new();
    let mut lost = Vec::new();
    let mut turn = 0;
    loop {
        let ev = run.event(Duration::from_secs(60));
        match ev["event"].as_str().unwrap() {
            "link_lost" => lost.push(ev["waiting_for"].as_str().unwrap().to_owned()),
            "token" => {
                results.push((
                    ev["serial"].as_str().unwrap_or("?").to_owned(),
                    ev["result"].as_str().unwrap().to_owned(),
                ));
                turn += 1;
                if let Some(k) = PLAY.get(turn) {
                    let answer = tokens.cue(&format!("insert {k}"));
                    assert!(answer.starts_with("ok placed"), "{answer}");
                }
            }
            "summary" => {
                assert_eq!(ev["stopped"], "count", "{ev}");
                assert_eq!(ev["tally"]["burned"], 9, "{ev}");
                assert_eq!(ev["tally"]["skipped"], 2, "{ev}");
                assert_eq!(ev["tally"]["to_retap"], 0, "{ev}");
                assert_eq!(ev["ok"], true, "{ev}");
                break;
            }
            other => panic!("unexpected event {other}: {ev}"),
        }
    }
    let (code_, lines, stderr) = run.finish(Duration::from_secs(10));
    assert_eq!(code_, Some(0), "{stderr}");
    eprintln!("kiln batch stderr:\n{stderr}");

    // One result per presentation, in order.
    let expected: Vec<(&str, &str)> = vec![
        ("86596220000001", "burned"),
        ("86596120000042", "burned"),
        ("12345678000003", "unknown_model"),
        ("86596320000004", "burned"),
        ("86596220000001", "already_burned"),
        ("86596000000005", "burned"),
        ("86596010000006", "burned"),
        ("86596100000007", "burned"),
        ("86596220000008", "burned"),
        ("86596120000009", "burned"),
        ("86596210000010", "burned"),
    ];
    let got: Vec<(&str, &str)> = results
        .iter()
        .map(|(s, r)| (s.as_str(), r.as_str()))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(
        lost,
        ["86596010000006"],
        "one link loss, same token waited for"
    );

    // The export holds the seed each token holds; the unknown token got nothing.
    let rows = export_csv(&journal, &key, false);
    assert_eq!(rows.len(), 9, "{:?}", rows.keys());
    let st = tokens.state();
    for t in st["tokens"].as_array().unwrap() {
        let serial = t["serial"].as_str().unwrap();
        match rows.get(serial) {
            Some((seed, alg, period)) => {
                assert_eq!(alg, "SHA1");
                assert_eq!(*period, 30);
                assert_eq!(seed.len(), 20);
                assert_holds(t, seed, Algorithm::Sha1, 30);
                let off = t["clock_offset_ms"].as_i64().unwrap();
                assert!(off.abs() <= 1_500, "{serial}: clock {off} ms off");
            }
            None => {
                assert_eq!(serial, "12345678000003");
                assert_eq!(t["holds_seed"], false);
                let ins = t["received_ins"].as_array().unwrap();
                assert!(ins.iter().all(|i| i == "41"), "GET INFO only: {ins:?}");
            }
        }
    }
    assert_eq!(tokens.token("86596220000001")["presented"], 2);
    // The standard age tool opens the encrypted export.
    let age_export = dir.0.join("export.csv.age");
    let out = std::process::Command::new(kiln())
        .args(["export", "--format", "entra-csv", "-o"])
        .arg(&age_export)
        .arg("--journal")
        .arg(&journal)
        .arg("--identity")
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let opened = std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&key)
        .arg(&age_export)
        .output()
        .unwrap();
    assert!(opened.status.success(), "{opened:?}");
    let entra = String::from_utf8(opened.stdout).unwrap();
    assert!(entra.starts_with("upn,serial number,secret key,time interval,manufacturer,model"));
    for (serial, (seed, _, _)) in &rows {
        let b32 = data_encoding::BASE32_NOPAD.encode(seed);
        assert!(entra.contains(&format!(",{serial},{b32},30,")), "{serial}");
    }

    // No seed in clear in anything the run wrote.
    let seeds: Vec<Vec<u8>> = rows.values().map(|r| r.0.clone()).collect();
    let stdout = lines.join("\n");
    assert_no_plaintext_seed(&seeds, &journal, &[&stdout, &stderr]);
    let audit = std::fs::read_to_string(journal.join("audit.jsonl")).unwrap();
    assert!(audit.lines().count() >= 9 * 2 + 2, "{audit}");

    // The vendor programmer's "Test": the code token 2 shows (its own clock, at
    // a time the box state lists) checks against its journalled seed.
    let t2 = tokens.token("86596120000042");
    let shown = &t2["codes"][0];
    let (at, shown) = (
        shown["at"].as_u64().unwrap(),
        shown["code"].as_str().unwrap(),
    );
    let check = |code: &str| {
        std::process::Command::new(kiln())
            .args([
                "verify",
                "--serial",
                "86596120000042",
                "--at",
                &at.to_string(),
                "--code",
                code,
            ])
            .arg("--journal")
            .arg(&journal)
            .arg("--identity")
            .arg(&key)
            .output()
            .unwrap()
    };
    let ok = check(shown);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    let wrong = format!("{:06}", (shown.parse::<u32>().unwrap() + 1) % 1_000_000);
    assert_eq!(check(&wrong).status.code(), Some(7));
}

#[test]
#[ignore = "needs pcscd with vpcd: run scripts/pcsc-e2e.sh"]
fn wait_ends_a_batch_when_no_token_comes() {
    let dir = tempdir("batch-wait");
    let (_key, public) = age_key(&dir.0);
    let journal = dir.0.join("box-2");
    let mut tokens = TokenBox::attach(R0, r#"[{"serial": "86596220000021"}]"#, &[]);
    let mut run = BatchRun::start(&[
        "--generate",
        "--journal",
        journal.to_str().unwrap(),
        "--recipient",
        &public,
        "--reader",
        R0,
        "--trust-clock",
        "--wait",
        "2",
        "--json",
    ]);
    assert_eq!(run.event(Duration::from_secs(20))["event"], "start");
    let ev = run.event(Duration::from_secs(60));
    assert_eq!(
        (ev["event"].as_str(), ev["result"].as_str()),
        (Some("token"), Some("burned")),
        "{ev}"
    );
    // Lifted off (after more than --wait on the reader: that wait has no limit),
    // and no other token follows.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(tokens.cue("remove"), "ok empty");
    let began = std::time::Instant::now();
    let ev = run.event(Duration::from_secs(30));
    assert_eq!(ev["event"], "summary", "{ev}");
    assert_eq!(ev["stopped"], "idle", "{ev}");
    assert_eq!(ev["tally"]["burned"], 1, "{ev}");
    assert!(
        began.elapsed() >= Duration::from_secs(2),
        "ended before --wait passed"
    );
    let (code_, _, stderr) = run.finish(Duration::from_secs(10));
    assert_eq!(code_, Some(6), "{stderr}");
    assert!(stderr.contains("within 2 s"), "{stderr}");
}
