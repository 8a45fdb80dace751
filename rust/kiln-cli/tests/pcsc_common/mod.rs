//! Shared by the PC/SC end-to-end test files: the simulated card on a vpcd
//! reader (`kiln-sim vpcd`), running `kiln`, and checks of the card's state.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

pub mod batch_run;
pub mod token_box;
#[allow(unused_imports)]
pub use token_box::TokenBox;

use kiln_core::params::Algorithm;
use kiln_core::totp;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const R0: &str = "Virtual PCD 00 00";
pub const R1: &str = "Virtual PCD 00 01";
/// 20 bytes, Base32 below; never printed by kiln.
pub const SEED: &[u8] = b"kiln-e2e-seed-\x01\x02\x03\x04\x05\x06";

pub fn seed_b32() -> String {
    data_encoding::BASE32_NOPAD.encode(SEED)
}

pub fn kiln() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kiln"))
}

pub fn kiln_sim() -> PathBuf {
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

pub fn port(reader: &str) -> u16 {
    if reader == R0 {
        35963
    } else {
        35964
    }
}

pub fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64
}

pub struct Card {
    pub child: Child,
    pub state: PathBuf,
    pub reader: &'static str,
    _dir: TempDir,
}

pub struct TempDir(pub PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn tempdir(tag: &str) -> TempDir {
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
    pub fn attach(reader: &'static str, args: &[&str]) -> Card {
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

    pub fn state(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(&self.state).unwrap()).unwrap()
    }

    /// The card's process ended by itself (e.g. after a drop).
    pub fn exited_within(&mut self, d: Duration) -> bool {
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

pub fn readers_json() -> Value {
    let out = Command::new(kiln())
        .args(["readers", "--json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

/// Polls `kiln readers --json` until `reader` has (or has no) card.
pub fn wait_reader(reader: &str, present: bool, within: Duration) {
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

pub fn run_kiln(args: &[&str], stdin: &str) -> Output {
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

pub fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

pub fn expected_code(alg: Algorithm, period: u64, at: u64) -> String {
    totp::format_code(totp::code(SEED, alg, 6, period, at).unwrap(), 6)
}

/// The token's codes (from its state file) are the codes of SEED with `alg`/`period`.
pub fn assert_token_has_seed(state: &Value, alg: Algorithm, period: u64) {
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

pub fn assert_clock_true(state: &Value, tolerance_ms: i64) {
    let off = state["clock_offset_ms"].as_i64().unwrap();
    eprintln!("token clock after the write: {off:+} ms from true time");
    assert!(
        off.abs() <= tolerance_ms,
        "token clock is {off} ms off true time"
    );
    let _ = Path::new("");
}
