//! `kiln burn --sim` / `kiln info --sim` end to end (the real binary).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use kiln_core::params::Algorithm;
use kiln_core::totp;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn kiln(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        // Never the user's own remembered settings.
        .env(
            "KILN_CONFIG_DIR",
            std::env::temp_dir().join(format!("kiln-cli-sim-{}", std::process::id())),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // kiln may stop before reading stdin (usage errors): a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const SEED_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // "12345678901234567890"
const SEED_ASCII: &str = "12345678901234567890";
const SEED_HEX: &str = "3132333435363738393031323334353637383930";

fn assert_no_seed(out: &str) {
    for s in [SEED_B32, SEED_ASCII, SEED_HEX, "GEZD", "Y3TQ", "31323334"] {
        assert!(!out.contains(s), "seed material {s} in output:\n{out}");
    }
}

#[test]
fn burn_sim_shows_the_whole_flow_and_never_the_seed() {
    let o = kiln(
        &["burn", "--sim", "--sim-offset", "3.4"],
        &format!("{SEED_B32}\n"),
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    for needle in [
        "86596220000001",
        "OTPC-P2-i",
        "restricted sync",
        "GET INFO",
        "GET CHALLENGE",
        "EXTERNAL AUTHENTICATE",
        "WRITE CONFIG",
        "WRITE SEED",
        " — sync recommended",
        "simulator clock (trusted)",
        "residual +",
        "Expected codes",
        "Switch the token off and on now",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
    // One GET INFO can decide the advice: a wide interval, which must hold the 3.4 s
    // (its midpoint depends on where in the token's second the read fell).
    let (mid, half, advice) = drift_line(&out);
    assert!((mid - 3.4).abs() <= half + 0.01, "{mid} ± {half}");
    assert_eq!(advice, "sync recommended");
    assert_no_seed(&out);
}

/// `Drift   +3.42 s ± 0.03 s — sync recommended` → (3.42, 0.03, "sync recommended").
fn drift_line(out: &str) -> (f64, f64, String) {
    let line = out
        .lines()
        .map(str::trim_start)
        .find(|l| l.starts_with("Drift"))
        .unwrap();
    let rest = line.trim_start_matches("Drift").trim();
    assert!(rest.starts_with('+') || rest.starts_with('-'), "{line}");
    let (interval, advice) = rest.split_once(" — ").unwrap();
    let (mid, half) = interval.split_once(" ± ").unwrap();
    let mid: f64 = mid.trim_end_matches(" s").parse().unwrap();
    let half: f64 = half.trim_end_matches(" s").parse().unwrap();
    (mid, half, advice.to_string())
}

#[test]
fn burn_sim_json_codes_are_the_seeds_codes() {
    let uri = format!(
        "otpauth://totp/Example:alice?secret={SEED_B32}&algorithm=SHA256&period=60&digits=6"
    );
    let o = kiln(
        &["--json", "burn", "--sim", "--sim-serial", "86596320000001"],
        &uri,
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_no_seed(&out);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["model"], "C302-i");
    assert_eq!(v["config"]["algorithm"], "SHA256");
    assert_eq!(v["config"]["period"], 60);
    assert_eq!(v["seed_bytes"], 20);
    // 6 commands, plus the confirmation's polls.
    let steps = v["steps"].as_array().unwrap().len();
    assert!((6..=12).contains(&steps), "{steps}");
    // The precise set leaves the token within the reported residual of true time.
    let res = v["residual_ms"].as_f64().unwrap();
    let unc = v["residual_uncertainty_ms"].as_f64().unwrap();
    assert!(res.abs() <= unc && unc <= 30.0, "{res} ± {unc}");
    assert_eq!(v["synced"], true);
    assert_eq!(v["after"]["advice"], "in sync");
    assert_eq!(v["before"]["reference"]["source"], "simulator clock");
    let codes = v["expected_codes"].as_array().unwrap();
    // Previous, current and the next two steps (core: the token may still show the
    // previous code at a step boundary).
    assert_eq!(codes.len(), 4);
    for c in codes {
        let from = c["from"].as_u64().unwrap();
        let want = totp::code(SEED_ASCII.as_bytes(), Algorithm::Sha256, 6, 60, from).unwrap();
        assert_eq!(c["code"], totp::format_code(want, 6));
    }
}

#[test]
fn burn_sim_link_loss_explains_and_exits_5() {
    let o = kiln(&["burn", "--sim", "--sim-drop-after", "4"], SEED_B32);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(5), "{out}");
    assert!(out.contains("may now have no seed"), "{out}");
    assert!(out.contains("--resume 86596220000001"), "{out}");
    assert_no_seed(&out);
}

#[test]
fn burn_sim_wrong_key_exits_4_without_retry() {
    let o = kiln(
        &[
            "--json",
            "burn",
            "--sim",
            "--sim-wrong-key",
            "--sim-lockout",
            "3",
        ],
        SEED_B32,
    );
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["error"].as_str().unwrap().contains("2 tries left"));
    assert_eq!(v["steps"].as_array().unwrap().len(), 3);
}

#[test]
fn bad_input_is_refused_before_any_token_contact() {
    let o = kiln(&["burn", "--sim"], "THIS-IS-NOT!SEED");
    assert_eq!(o.status.code(), Some(3));
    let out = text(&o);
    assert!(!out.contains("THIS-IS-NOT"), "{out}");
    assert!(
        out.contains("nothing was sent to a token") || out.contains("neither a Base32 nor a Hex"),
        "{out}"
    );
    assert!(!out.contains("GET INFO"), "{out}");
    // Option values these tokens cannot take are usage errors (exit 2), like clap's.
    for bad in [
        &["--algorithm", "SHA512"][..],
        &["--display-timeout", "45"],
        &["--period", "45"],
        &["--digits", "9"],
    ] {
        let args: Vec<&str> = ["burn", "--sim"].iter().chain(bad).copied().collect();
        let o = kiln(&args, SEED_B32);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", text(&o));
        assert!(
            text(&o).contains(&format!("kiln: {} {}:", bad[0], bad[1])),
            "{}",
            text(&o)
        );
        assert!(!text(&o).contains("this service asks"), "{}", text(&o));
    }
    let o = kiln(
        &["burn", "--sim"],
        &format!("otpauth://totp/x?secret={SEED_B32}&digits=8"),
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o).contains("always show 6"), "{}", text(&o));
}

#[test]
fn unknown_model_needs_a_named_key() {
    let o = kiln(
        &["burn", "--sim", "--sim-serial", "99000000000001"],
        SEED_B32,
    );
    assert_eq!(o.status.code(), Some(6), "{}", text(&o));
    assert!(text(&o).contains("only reads it"));
    let o = kiln(
        &[
            "burn",
            "--sim",
            "--sim-serial",
            "99000000000001",
            "--allow-unknown-model",
            "--key",
            "default",
        ],
        SEED_B32,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn info_sim_json() {
    let o = kiln(&["--json", "info", "--sim", "--sim-offset", "-12.25"], "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["serial"], "86596220000001");
    assert_eq!(v["sync_class"], "restricted");
    let drift = v["drift_ms"].as_f64().unwrap();
    let unc = v["drift_uncertainty_ms"].as_f64().unwrap();
    assert!((drift + 12_250.0).abs() <= unc, "{drift} ± {unc}");
    // Precise by default: a few hundredths of a second.
    assert!(unc <= 30.0, "{unc}");
    assert_eq!(v["advice"], "sync recommended");
    assert_eq!(v["advice_certain"], true);
    assert_eq!(v["reference"]["trusted"], true);
    assert_eq!(
        v["steps"].as_array().unwrap().len(),
        v["reads"].as_u64().unwrap() as usize
    );
    // --quick: one GET INFO decides the advice (interval about ± 0.5 s).
    let o = kiln(
        &[
            "--json",
            "info",
            "--sim",
            "--sim-offset",
            "-12.25",
            "--quick",
        ],
        "",
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["reads"], 1);
    assert_eq!(v["steps"].as_array().unwrap().len(), 1);
    let drift = v["drift_ms"].as_f64().unwrap();
    let unc = v["drift_uncertainty_ms"].as_f64().unwrap();
    assert!(
        (drift + 12_250.0).abs() <= unc && unc > 500.0,
        "{drift} ± {unc}"
    );
    assert_eq!(v["advice"], "sync recommended");
}

#[test]
fn info_sim_text_shows_drift_and_advice() {
    let o = kiln(&["info", "--sim", "--sim-offset", "3.4234"], "");
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    // `Drift   +3.42 s ± 0.03 s — sync recommended` (the interval holds 3.4234 s).
    let (mid, half, advice) = drift_line(&out);
    assert_eq!(advice, "sync recommended");
    assert!(mid > 0.0, "{mid}");
    assert!(
        (mid - 3.4234).abs() <= half && half <= 0.03,
        "{mid} ± {half}"
    );
    assert!(out.contains("simulator clock (trusted)"), "{out}");
    // An offset near the threshold: the advice never understates.
    let o = kiln(&["info", "--sim", "--sim-offset", "-2.01", "--quick"], "");
    let out = text(&o);
    assert!(out.contains("sync recommended"), "{out}");
}

#[test]
fn no_transport_is_a_clear_error() {
    // Whether or not a PC/SC service runs here: no such reader, no service, or no
    // readers — each message points at --sim.
    let o = kiln(
        &["info", "--reader", "No Such Reader 99", "--wait", "0"],
        "",
    );
    assert_eq!(o.status.code(), Some(6));
    assert!(text(&o).contains("--sim"));
}

#[test]
fn burn_sim_retap_finishes_on_the_same_token() {
    let o = kiln(
        &[
            "--json",
            "burn",
            "--sim",
            "--sim-drop-after",
            "4",
            "--sim-retap",
        ],
        SEED_B32,
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["attempts"], 2);
    // 4 commands (the 4th lost), then a whole burn (6 commands + confirmation polls).
    let steps = v["steps"].as_array().unwrap();
    assert!((4 + 6..=4 + 12).contains(&steps.len()), "{}", steps.len());
    assert_eq!(steps[4]["command"], "GET INFO");
    assert_eq!(steps[4 + 4]["command"], "WRITE SEED");
    assert_no_seed(&out);
    // A drop before the seed write, without retap: exit 5 and the "no seed" advice, once.
    let o = kiln(&["burn", "--sim", "--sim-drop-before", "5"], SEED_B32);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(5), "{out}");
    assert_eq!(
        out.matches("This token now has no seed").count(),
        1,
        "{out}"
    );
}

const CONTRACT: [&str; 9] = [
    "serial",
    "model",
    "token_time",
    "drift_ms",
    "synced",
    "algorithm",
    "period",
    "ok",
    "error",
];

fn json(o: &Output) -> serde_json::Value {
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)));
    for k in CONTRACT {
        assert!(v.get(k).is_some(), "key {k} missing: {v}");
    }
    v
}

#[test]
fn verify_says_right_or_why_not() {
    // RFC 6238: SHA1, T = 59 → 287082.
    let o = kiln(&["verify", "--code", "287082", "--at", "59"], SEED_B32);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("correct"), "{}", text(&o));
    let o = kiln(
        &["verify", "--code", "287082", "--at", "179", "--json"],
        SEED_B32,
    );
    assert_eq!(o.status.code(), Some(7), "{}", text(&o));
    let v = json(&o);
    assert_eq!(v["ok"], false);
    assert!(v["error"].as_str().unwrap().contains("behind"), "{v}");
    assert_no_seed(&text(&o));
    let o = kiln(&["verify"], SEED_B32);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--code"));
}

#[test]
fn sync_keeps_the_seed_on_unrestricted_models_only() {
    let o = kiln(
        &[
            "sync",
            "--sim",
            "--sim-serial",
            "86596120000001",
            "--sim-offset",
            "-30",
            "--algorithm",
            "SHA256",
            "--period",
            "60",
            "--json",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v = json(&o);
    assert_eq!(v["ok"], true);
    assert_eq!(v["synced"], true);
    assert_eq!(v["algorithm"], "SHA256");
    assert_eq!(v["period"], 60);
    assert!(
        (v["drift_before_ms"].as_f64().unwrap() + 30_000.0).abs() < 1_000.0,
        "{v}"
    );
    assert!(v["drift_ms"].as_f64().unwrap().abs() < 1_100.0, "{v}");

    let o = kiln(
        &["sync", "--sim", "--algorithm", "SHA1", "--period", "30"],
        "",
    );
    assert_eq!(o.status.code(), Some(6), "{}", text(&o));
    assert!(text(&o).contains("erases its seed") && text(&o).contains("kiln burn"));

    // The token cannot report its settings, and a simulated token is never remembered.
    let o = kiln(
        &["sync", "--sim", "--sim-serial", "86596120000001", "--json"],
        "",
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(json(&o)["error"].as_str().unwrap().contains("--algorithm"));
    let o = kiln(
        &["sync", "--sim", "--algorithm", "SHA512", "--period", "30"],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn unknown_model_key_is_never_taken_from_argv() {
    let o = kiln(
        &[
            "burn",
            "--sim",
            "--sim-serial",
            "99000000000001",
            "--allow-unknown-model",
            "--key",
            "8AD206883CA369482AB27182B6E83224",
        ],
        SEED_B32,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--key-file"), "{}", text(&o));
    let o = kiln(&["burn", "--sim", "--key", "default"], SEED_B32);
    assert_eq!(
        o.status.code(),
        Some(2),
        "--key needs --allow-unknown-model"
    );
    let dir = std::env::temp_dir().join(format!("kiln-keyfile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("key.hex");
    std::fs::write(&key, "8AD206883CA369482AB27182B6E83224\n").unwrap();
    let o = kiln(
        &[
            "burn",
            "--sim",
            "--sim-serial",
            "99000000000001",
            "--allow-unknown-model",
            "--key-file",
            key.to_str().unwrap(),
        ],
        SEED_B32,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("WARNING") && text(&o).contains("lock"),
        "{}",
        text(&o)
    );
    assert!(!text(&o).contains("8AD206883CA3"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_secret_is_printed_only_with_show_secret() {
    let o = kiln(&["burn", "--sim", "--json"], SEED_B32);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v = json(&o);
    assert!(v["secret_base32"].is_null());
    assert_no_seed(&text(&o));
    let o = kiln(&["burn", "--sim", "--show-secret"], SEED_B32);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains(SEED_B32), "{}", text(&o));
}

#[test]
fn burn_no_sync_keeps_the_simulated_clock() {
    let o = kiln(
        &[
            "burn",
            "--sim",
            "--sim-offset",
            "-75",
            "--no-sync",
            "--json",
        ],
        SEED_B32,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v = json(&o);
    assert_eq!(v["synced"], false);
    assert!(
        (v["before"]["drift_ms"].as_f64().unwrap() + 75_000.0).abs() < 1_000.0,
        "{v}"
    );
    // The written clock is the token's own time, 75 s behind the burn's reference.
    let written = v["clock_written"].as_i64().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    // Virtual time runs ahead of the wall clock by the measurement polls (a few s).
    assert!((written - now + 75).abs() <= 8, "{written} vs {now}");
}
