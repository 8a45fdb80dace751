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

use kiln_core::params::Algorithm;
use kiln_core::totp;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const R0: &str = "Virtual PCD 00 00";
const R1: &str = "Virtual PCD 00 01";
/// 20 bytes, Base32 below; never printed by kiln.
const SEED: &[u8] = b"kiln-e2e-seed-\x01\x02\x03\x04\x05\x06";

fn seed_b32() -> String {
    data_encoding::BASE32_NOPAD.encode(SEED)
}

fn kiln() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kiln"))
}

fn kiln_sim() -> PathBuf {
    if let Ok(p) = std::env::var("KILN_SIM_BIN") {
        return PathBuf::from(p);
    }
    let p = kiln().with_file_name("kiln-sim");
    assert!(
        p.exists(),
        "{} missing: build it first (cargo build -p kiln-sim)",
        p.display()
    );
    p
}

fn port(reader: &str) -> u16 {
    if reader == R0 {
        35963
    } else {
        35964
    }
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64
}

struct Card {
    child: Child,
    state: PathBuf,
    reader: &'static str,
    _dir: TempDir,
}

struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir(tag: &str) -> TempDir {
    let d = std::env::temp_dir().join(format!(
        "kiln-e2e-{tag}-{}-{}",
        std::process::id(),
        now_us()
    ));
    std::fs::create_dir_all(&d).unwrap();
    TempDir(d)
}

impl Card {
    /// Attaches a simulated token to `reader` and waits until PC/SC reports it.
    fn attach(reader: &'static str, args: &[&str]) -> Card {
        wait_reader(reader, false, Duration::from_secs(10));
        // The reconnect gotcha (docs/pcsc-testing.md): never re-attach at once.
        std::thread::sleep(Duration::from_millis(1100));
        let dir = tempdir("card");
        let state = dir.0.join("state.json");
        let child = Command::new(kiln_sim())
            .arg("vpcd")
            .args(["--port", &port(reader).to_string()])
            .arg("--state-file")
            .arg(&state)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        wait_reader(reader, true, Duration::from_secs(10));
        Card {
            child,
            state,
            reader,
            _dir: dir,
        }
    }

    fn state(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(&self.state).unwrap()).unwrap()
    }

    /// The card's process ended by itself (e.g. after a drop).
    fn exited_within(&mut self, d: Duration) -> bool {
        let t = Instant::now();
        while t.elapsed() < d {
            if self.child.try_wait().unwrap().is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Card {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        wait_reader(self.reader, false, Duration::from_secs(5));
    }
}

fn readers_json() -> Value {
    let out = Command::new(kiln())
        .args(["readers", "--json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

/// Polls `kiln readers --json` until `reader` has (or has no) card.
fn wait_reader(reader: &str, present: bool, within: Duration) {
    let t = Instant::now();
    loop {
        let v = readers_json();
        let now = v["readers"].as_array().and_then(|rs| {
            rs.iter()
                .find(|r| r["name"] == reader)
                .map(|r| r["card_present"] == true)
        });
        if now == Some(present) {
            return;
        }
        assert!(
            t.elapsed() < within,
            "reader {reader} did not become {} (kiln readers: {v})",
            if present { "present" } else { "empty" }
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn run_kiln(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(kiln())
        .args(args)
        .env(
            "KILN_CONFIG_DIR",
            std::env::temp_dir().join(format!("kiln-e2e-cfg-{}", std::process::id())),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // kiln may stop before reading stdin: a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let b32 = seed_b32();
    assert!(
        !text.contains(&b32) && !text.to_lowercase().contains(&b32.to_lowercase()),
        "the seed appeared in kiln's output"
    );
    out
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn expected_code(alg: Algorithm, period: u64, at: u64) -> String {
    totp::format_code(totp::code(SEED, alg, 6, period, at).unwrap(), 6)
}

/// The token's codes (from its state file) are the codes of SEED with `alg`/`period`.
fn assert_token_has_seed(state: &Value, alg: Algorithm, period: u64) {
    assert_eq!(state["holds_seed"], true, "{state}");
    let codes = state["codes"].as_array().unwrap();
    assert!(codes.len() >= 5);
    for c in codes {
        let at = c["at"].as_u64().unwrap();
        assert_eq!(
            c["code"].as_str().unwrap(),
            expected_code(alg, period, at),
            "code at {at}"
        );
    }
    let now = &state["code_now"];
    assert_eq!(
        now["code"].as_str().unwrap(),
        expected_code(alg, period, now["at"].as_u64().unwrap())
    );
}

fn assert_clock_true(state: &Value, tolerance_ms: i64) {
    let off = state["clock_offset_ms"].as_i64().unwrap();
    eprintln!("token clock after the write: {off:+} ms from true time");
    assert!(
        off.abs() <= tolerance_ms,
        "token clock is {off} ms off true time"
    );
    let _ = Path::new("");
}

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
