//! `kiln burn` must not pass a burn that cannot work silently, and must ask
//! what it needs at the right moment: overrides that contradict the service's
//! link, assumed settings of a typed seed (asked at the terminal), `--no-sync`
//! times labelled as the token's, the unknown-model opt-in on a known model,
//! and the PC/SC service checked before the seed is asked for.
//!
//! Terminal prompts are driven through a pseudo-terminal by
//! `tests/support/pty_drive.py` (python3, installed by scripts/setup.sh).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::path::PathBuf;
use std::process::Command;

const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn link(extra: &str) -> String {
    format!("otpauth://totp/Example:alice?secret={SECRET}&issuer=Example{extra}")
}

fn bin() -> String {
    support::bin()
}

fn config_dir() -> PathBuf {
    std::env::temp_dir().join(format!("kiln-burn-guards-{}", std::process::id()))
}

/// (exit code, stdout + stderr)
fn kiln(args: &[&str], stdin: &str) -> (i32, String) {
    let r = support::run("burn-guards", args, stdin.as_bytes());
    let text = r.text();
    assert!(!text.contains(SECRET), "the seed was printed:\n{text}");
    (r.code, text)
}

/// Runs kiln on a pseudo-terminal, answering `script` (prompt, answer) in order.
fn kiln_tty(args: &[&str], script: &[(&str, &str)]) -> (i32, String) {
    let driver = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/pty_drive.py");
    let mut cmd = Command::new("python3");
    cmd.arg(driver).arg("30");
    for (prompt, answer) in script {
        cmd.arg(prompt).arg(answer);
    }
    let bin = bin();
    cmd.arg("--").arg(&bin).args(args);
    let o = cmd
        .env("KILN_CONFIG_DIR", config_dir())
        .env("PCSCLITE_CSOCK_NAME", "/nonexistent/kiln-test/pcscd.comm")
        .output()
        .expect("python3 is needed for the terminal tests (scripts/setup.sh installs it)");
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    (o.status.code().unwrap_or(-1), text)
}

const HIDDEN: &str = "input is hidden";

#[test]
fn overrides_that_contradict_the_link_are_refused_unless_forced() {
    for (extra, opts, why) in [
        ("&digits=8", &["--digits", "6"][..], "asks for 8 digits"),
        ("", &["--period", "60"], "uses a 30 s time step"),
        ("", &["--algorithm", "SHA256"], "uses SHA1"),
    ] {
        let mut args = vec!["burn", "--sim"];
        args.extend_from_slice(opts);
        let (code, out) = kiln(&args, &link(extra));
        assert_eq!(code, 3, "{opts:?}: {out}");
        assert!(
            out.contains(why) && out.contains("--force-mismatch"),
            "{out}"
        );
        assert!(!out.contains("GET INFO"), "a token was contacted:\n{out}");
        args.push("--force-mismatch");
        let (code, out) = kiln(&args, &link(extra));
        assert_eq!(code, 0, "{opts:?} --force-mismatch: {out}");
    }
    // Restating the link's own settings is fine.
    let (code, out) = kiln(
        &["burn", "--sim", "--period", "30", "--digits", "6"],
        &link(""),
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_mismatch_can_be_confirmed_at_the_terminal() {
    let l = link("&digits=8");
    let (code, out) = kiln_tty(
        &["burn", "--sim", "--digits", "6"],
        &[(HIDDEN, &l), ("Burn anyway", "n")],
    );
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("asks for 8 digits"), "{out}");
    assert!(!out.contains("GET INFO"), "{out}");
    let (code, out) = kiln_tty(
        &["burn", "--sim", "--digits", "6"],
        &[(HIDDEN, &l), ("Burn anyway", "y")],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("WRITE SEED"), "{out}");
}

#[test]
fn a_typed_seed_at_the_prompt_confirms_the_assumed_settings() {
    let q = "Burn with these settings?";
    let (code, out) = kiln_tty(&["burn", "--sim"], &[(HIDDEN, SECRET), (q, "n")]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("kiln assumes SHA1, a 30 s time step"), "{out}");
    assert!(!out.contains("GET INFO"), "{out}");
    let (code, out) = kiln_tty(&["burn", "--sim"], &[(HIDDEN, SECRET), (q, "y")]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.matches(q).count(), 1, "asked once:\n{out}");
    // A link states its settings: nothing to confirm; nor when both are given.
    let (code, out) = kiln_tty(&["burn", "--sim"], &[(HIDDEN, &link(""))]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains(q), "{out}");
    let (code, out) = kiln_tty(
        &["burn", "--sim", "--algorithm", "SHA1", "--period", "30"],
        &[(HIDDEN, SECRET)],
    );
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains(q), "{out}");
    // Piped (a script): the note only, as before.
    let (code, out) = kiln(&["burn", "--sim"], SECRET);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("note: a typed seed carries no settings"),
        "{out}"
    );
}

#[test]
fn no_sync_codes_are_labelled_with_the_tokens_clock() {
    let (code, out) = kiln(
        &["burn", "--sim", "--no-sync", "--sim-offset", "42"],
        &link(""),
    );
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("Expected codes (UTC)"), "{out}");
    assert!(
        out.contains("by the token's own clock (kept, not true UTC)"),
        "{out}"
    );
    assert!(
        out.contains("Expected codes (by the token's clock, which is +42 s from UTC"),
        "{out}"
    );
    // Each row: token time, then the same step in UTC, 42 s earlier.
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(" token time ("))
        .collect();
    assert_eq!(rows.len(), 4, "{out}");
    for r in rows {
        let secs = |hms: &str| {
            let p: Vec<i64> = hms.split(':').map(|x| x.parse().unwrap()).collect();
            p[0] * 3600 + p[1] * 60 + p[2]
        };
        let token = secs(r.trim().get(..8).unwrap());
        let utc_at = r.find('(').unwrap() + 1;
        let utc = secs(r.get(utc_at..utc_at + 8).unwrap());
        assert_eq!((token - utc).rem_euclid(86_400), 42, "{r}");
    }
    // With a clock write the rows are UTC.
    let (_, out) = kiln(&["burn", "--sim", "--sim-offset", "42"], &link(""));
    assert!(out.contains("Expected codes (UTC):"), "{out}");
}

#[test]
fn the_unknown_model_opt_in_speaks_only_of_what_happens() {
    let opt_in = ["burn", "--sim", "--allow-unknown-model", "--key", "default"];
    let (code, out) = kiln(&opt_in, &link(""));
    assert_eq!(code, 0, "{out}");
    assert!(
        !out.contains("programming a token of unknown model"),
        "{out}"
    );
    assert!(out.contains("OTPC-P2-i is a known model"), "{out}");
    let mut unknown = opt_in.to_vec();
    unknown.extend_from_slice(&["--sim-serial", "99000000000001"]);
    let (code, out) = kiln(&unknown, &link(""));
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("read-only"), "{out}");
    assert!(out.contains("programmed with the key you chose"), "{out}");
    assert!(!out.contains("is a known model"), "{out}");
}

#[test]
fn the_reader_side_is_checked_before_the_seed_is_asked_for() {
    // No PC/SC service (the socket does not exist): stop before the prompt.
    let (code, out) = kiln_tty(&["burn"], &[]);
    assert_eq!(code, 6, "{out}");
    assert!(out.contains("smart-card service is not running"), "{out}");
    assert!(!out.contains(HIDDEN), "the seed was asked for:\n{out}");
    // Piped input is not even read.
    let (code, out) = kiln(&["burn"], "THIS-IS-NOT!SEED");
    assert_eq!(code, 6, "{out}");
    assert!(!out.contains("neither a Base32"), "{out}");
}
