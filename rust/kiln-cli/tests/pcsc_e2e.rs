//! End to end over the real PC/SC stack: pcscd + vsmartcard's vpcd reader
//! driver + `kiln-sim vpcd` as the card + the `kiln` binary as a separate
//! process. Needs a running pcscd with the vpcd readers, so every test is
//! `#[ignore]`d; `scripts/pcsc-e2e.sh` starts pcscd and runs them with
//! `--ignored --test-threads=1` (they share the two virtual readers).
//!
//! What the user asked for is checked in the simulator's state file: the
//! codes the token computes (never the seed itself) against codes computed
//! here from the known seed, its config, and its clock against true time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod pcsc_common;
use pcsc_common::*;

use kiln_core::params::Algorithm;
use kiln_core::totp;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

#[test]
#[ignore = "needs pcscd with vpcd: run scripts/pcsc-e2e.sh"]
fn readers_lists_both_virtual_readers_and_card_presence() {
    let v = readers_json();
    let names: Vec<&str> = v["readers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&R0) && names.contains(&R1), "{v}");
    assert_eq!(v["ok"], true);
    let card = Card::attach(R1, &[]);
    let v = readers_json();
    let r1 = v["readers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == R1)
        .unwrap()
        .clone();
    assert_eq!(r1["card_present"], true);
    assert_eq!(r1["atr"], "3B 80 80 01 01");
    let text = Command::new(kiln()).arg("readers").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Virtual PCD 00 01  —  token present"),
        "{text}"
    );
    drop(card);
}

#[test]
#[ignore = "needs pcscd with vpcd: run scripts/pcsc-e2e.sh"]
fn info_reads_serial_model_and_drift() {
    let card = Card::attach(R0, &["--serial", "86596120000042", "--offset", "-42.3"]);
    let out = run_kiln(&["info", "--reader", R0, "--json"], "");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v = json_of(&out);
    assert_eq!(v["ok"], true);
    assert_eq!(v["serial"], "86596120000042");
    assert_eq!(v["model"], "OTPC-P1-i");
    let drift = v["drift_ms"].as_f64().unwrap();
    assert!((drift + 42_300.0).abs() < 1_500.0, "drift {drift} ms");
    assert!(v["token_time"].as_u64().is_some());
    // GET INFO only (the precise measurement polls it): nothing else reached the card.
    let hist = card.state()["history"].as_array().unwrap().clone();
    assert!(!hist.is_empty());
    assert!(hist.iter().all(|h| h["ins"] == "41"), "{hist:?}");
}

#[test]
#[ignore = "needs pcscd with vpcd: run scripts/pcsc-e2e.sh"]
fn burn_writes_seed_config_and_true_clock() {
    let card = Card::attach(R0, &["--offset", "300"]);
    let uri = format!(
        "otpauth://totp/Acme:alice@example.com?secret={}&issuer=Acme&algorithm=SHA256&period=60",
        seed_b32()
    );
    let out = run_kiln(
        &["burn", "--reader", R0, "--display-timeout", "120", "--json"],
        &uri,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v = json_of(&out);
    assert_eq!(v["ok"], true);
    assert_eq!(v["serial"], "86596220000001");
    assert_eq!(v["algorithm"], "SHA256");
    assert_eq!(v["period"], 60);
    assert_eq!(v["synced"], true);
    let st = card.state();
    assert_eq!(st["config"]["algorithm"], "SHA256");
    assert_eq!(st["config"]["period"], 60);
    assert_eq!(st["config"]["display_timeout"], 120);
    assert_token_has_seed(&st, Algorithm::Sha256, 60);
    assert_clock_true(&st, 300);
    // The codes kiln announced are the token's.
    let first = &v["expected_codes"][0];
    assert_eq!(
        first["code"].as_str().unwrap(),
        expected_code(Algorithm::Sha256, 60, first["from"].as_u64().unwrap())
    );
}

#[test]
#[ignore = "needs pcscd with vpcd: run scripts/pcsc-e2e.sh"]
fn card_removed_mid_burn_is_link_lost_with_the_token_state() {
    // WRITE CONFIG (INS D4) is processed, then the card vanishes unanswered.
    let mut card = Card::attach(R1, &["--drop-after-ins", "D4"]);
    let uri = format!("otpauth://totp/x?secret={}", seed_b32());
    let out = run_kiln(&["burn", "--reader", R1, "--wait", "2", "--json"], &uri);
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    let v = json_of(&out);
    assert_eq!(v["ok"], false);
    assert_eq!(v["serial"], "86596220000001");
    assert_eq!(v["resume_serial"], "86596220000001");
    let err = v["error"].as_str().unwrap();
    assert!(err.contains("lost during WRITE CONFIG"), "{err}");
    assert!(
        v["advice"]
            .as_str()
            .unwrap()
            .contains("may now have no seed"),
        "{v}"
    );
    assert!(card.exited_within(Duration::from_secs(5)));
    let st = card.state();
    // Restricted model: the config write went through and erased the seed.
    assert_eq!(st["holds_seed"], false);
    assert_eq!(st["connected"], false);
}

#[test]
#[ignore = "needs pcscd with vpcd: run scripts/pcsc-e2e.sh"]
fn card_returning_after_removal_is_finished_by_the_retap() {
    // WRITE SEED (INS C5) is processed, unanswered; the same token comes back 1.5 s later.
    let card = Card::attach(R0, &["--drop-after-ins", "C5", "--return-after", "1.5"]);
    let uri = format!("otpauth://totp/x?secret={}", seed_b32());
    let out = run_kiln(&["burn", "--reader", R0, "--wait", "10", "--json"], &uri);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v = json_of(&out);
    assert_eq!(v["attempts"], 2);
    let st = card.state();
    assert_token_has_seed(&st, Algorithm::Sha1, 30);
    assert_clock_true(&st, 300);
}

#[test]
#[ignore = "needs pcscd with vpcd: run scripts/pcsc-e2e.sh"]
fn unknown_model_is_only_read() {
    let card = Card::attach(R1, &["--serial", "99990000000001"]);
    let uri = format!("otpauth://totp/x?secret={}", seed_b32());
    let out = run_kiln(&["burn", "--reader", R1, "--json"], &uri);
    assert_eq!(out.status.code(), Some(6), "{out:?}");
    let hist = card.state()["history"].as_array().unwrap().clone();
    assert!(
        hist.iter().all(|h| h["ins"] == "41"),
        "only GET INFO may reach an unknown model: {hist:?}"
    );
    assert_eq!(card.state()["holds_seed"], false);
}

#[test]
#[ignore = "needs pcscd with vpcd: run scripts/pcsc-e2e.sh"]
fn info_report_of_an_unknown_8_digit_model_names_the_reader_and_atr() {
    let card = Card::attach(R1, &["--serial", "71358472"]);
    let out = run_kiln(
        &["info", "--reader", R1, "--quick", "--report", "--json"],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v = json_of(&out);
    let r = &v["report"];
    assert_eq!(r["serial"], "71358472", "{v}");
    assert_eq!(r["serial_length"], 8);
    assert_eq!(r["known_model"], false);
    assert_eq!(r["transport"]["ATR"], "3B 80 80 01 01", "{v}");
    assert_eq!(r["transport"]["Reader"], R1, "{v}");
    let text = r["text"].as_str().unwrap();
    assert!(text.contains("no key was tried"), "{text}");
    let hist = card.state()["history"].as_array().unwrap().clone();
    assert!(hist.iter().all(|h| h["ins"] == "41"), "{hist:?}");
}

fn cfg_dir(tag: &str) -> TempDir {
    tempdir(&format!("cfg-{tag}"))
}

fn run_kiln_cfg(dir: &TempDir, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(kiln())
        .args(args)
        .env("KILN_CONFIG_DIR", &dir.0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // kiln may stop before reading stdin: a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

#[test]
#[ignore = "needs pcscd with vpcd: run scripts/pcsc-e2e.sh"]
fn sync_uses_remembered_settings_and_keeps_the_seed() {
    // OTPC-P1-i: unrestricted, a clock write keeps the seed.
    let card = Card::attach(R1, &["--serial", "86596120000077"]);
    let cfg = cfg_dir("sync");
    let uri = format!(
        "otpauth://totp/x?secret={}&algorithm=SHA256&period=60",
        seed_b32()
    );
    let out = run_kiln_cfg(
        &cfg,
        &["burn", "--reader", R1, "--display-timeout", "15"],
        &uri,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let remembered = std::fs::read_to_string(cfg.0.join("tokens.json")).unwrap();
    assert!(remembered.contains("86596120000077"), "{remembered}");
    assert!(!remembered.contains(&seed_b32()));
    drop(card);

    // Later the token's clock is 95 s behind. (A new simulator process stands
    // for it; `--has-seed` gives it a known factory seed, 20 × A5, whose codes
    // must survive the sync.)
    let card = Card::attach(
        R1,
        &[
            "--serial",
            "86596120000077",
            "--offset",
            "-95",
            "--has-seed",
        ],
    );
    let before = card.state();
    let out = run_kiln_cfg(&cfg, &["sync", "--reader", R1, "--json"], "");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v = json_of(&out);
    assert_eq!(v["ok"], true);
    assert_eq!(v["synced"], true);
    assert_eq!(v["algorithm"], "SHA256");
    assert_eq!(v["period"], 60);
    assert!(
        (v["drift_before_ms"].as_f64().unwrap() + 95_000.0).abs() < 1_500.0,
        "{v}"
    );
    let after = card.state();
    assert_eq!(after["holds_seed"], true);
    // The seed was kept: the codes are the factory seed's under the settings.
    for c in after["codes"].as_array().unwrap() {
        let at = c["at"].as_u64().unwrap();
        let want = totp::format_code(
            totp::code(&[0xA5; 20], Algorithm::Sha256, 6, 60, at).unwrap(),
            6,
        );
        assert_eq!(c["code"].as_str().unwrap(), want, "code at {at}");
    }
    // And no WRITE SEED was sent: GET INFO (kiln's model check), then the sync.
    let ins: Vec<&str> = after["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["ins"].as_str().unwrap())
        .collect();
    assert_eq!(ins.iter().filter(|i| **i == "D4").count(), 1, "{after}");
    assert!(
        ins.iter().all(|i| ["41", "4B", "CE", "D4"].contains(i)),
        "{after}"
    );
    let d4 = ins.iter().position(|i| *i == "D4").unwrap();
    assert_eq!(ins[d4 - 2..d4], ["4B", "CE"]);
    assert_eq!(after["config"]["algorithm"], "SHA256");
    assert_eq!(after["config"]["period"], 60);
    assert_eq!(after["config"]["display_timeout"], 15);
    assert_clock_true(&after, 300);
    assert_eq!(before["holds_seed"], true);
}

#[test]
#[ignore = "needs pcscd with vpcd: run scripts/pcsc-e2e.sh"]
fn sync_on_a_restricted_model_writes_nothing_and_says_burn() {
    let card = Card::attach(
        R0,
        &["--serial", "86596220000009", "--offset", "30", "--has-seed"],
    );
    let cfg = cfg_dir("restricted");
    let out = run_kiln_cfg(
        &cfg,
        &[
            "sync",
            "--reader",
            R0,
            "--algorithm",
            "SHA1",
            "--period",
            "30",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(6), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("erases its seed") && err.contains("kiln burn"),
        "{err}"
    );
    let st = card.state();
    assert_eq!(st["holds_seed"], true);
    let hist = st["history"].as_array().unwrap();
    assert!(hist.iter().all(|h| h["ins"] == "41"), "{st}");
}

#[test]
#[ignore = "needs pcscd with vpcd: run scripts/pcsc-e2e.sh"]
fn sync_without_known_settings_asks_for_them() {
    let card = Card::attach(R1, &["--serial", "86596320000001", "--has-seed"]);
    let cfg = cfg_dir("unknown-settings");
    let out = run_kiln_cfg(&cfg, &["sync", "--reader", R1, "--json"], "");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let v = json_of(&out);
    assert!(v["error"].as_str().unwrap().contains("--algorithm"), "{v}");
    let hist = card.state()["history"].as_array().unwrap().clone();
    assert!(hist.iter().all(|h| h["ins"] == "41"), "{hist:?}");
}

#[test]
#[ignore = "needs pcscd with vpcd: run scripts/pcsc-e2e.sh"]
fn burn_no_sync_keeps_the_token_clock() {
    let card = Card::attach(R0, &["--serial", "86596000000003", "--offset", "-40"]);
    let uri = format!("otpauth://totp/x?secret={}", seed_b32());
    let out = run_kiln(&["burn", "--reader", R0, "--no-sync", "--json"], &uri);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v = json_of(&out);
    assert_eq!(v["synced"], false);
    assert!(
        (v["before"]["drift_ms"].as_f64().unwrap() + 40_000.0).abs() < 1_500.0,
        "{v}"
    );
    let st = card.state();
    assert_token_has_seed(&st, Algorithm::Sha1, 30);
    let off = st["clock_offset_ms"].as_i64().unwrap();
    assert!((off + 40_000).abs() < 1_500, "token clock moved: {off} ms");
    // The codes kiln announced are the ones this token (40 s behind) shows.
    let first = &v["expected_codes"][0];
    assert_eq!(
        first["code"].as_str().unwrap(),
        expected_code(Algorithm::Sha1, 30, first["from"].as_u64().unwrap())
    );
}

#[test]
#[ignore = "needs pcscd with vpcd: run scripts/pcsc-e2e.sh"]
fn burn_over_t0_follows_get_response() {
    // A T=0-only ATR: pcsc-lite uses T=0 and the card answers 61 XX.
    let card = Card::attach(R1, &["--t0"]);
    let uri = format!("otpauth://totp/x?secret={}", seed_b32());
    let out = run_kiln(&["burn", "--reader", R1, "--json"], &uri);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let st = card.state();
    assert_token_has_seed(&st, Algorithm::Sha1, 30);
    assert_clock_true(&st, 300);
    // GET INFO (several) and GET CHALLENGE return data: each via GET RESPONSE.
    assert!(st["t0_get_responses"].as_u64().unwrap() >= 3, "{st}");
    let text = Command::new(kiln())
        .args(["info", "--reader", R1, "--quick"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("(T=0, ATR 3B 00)"),
        "{text:?}"
    );
}
