//! The refusal rule through the real `kiln` binary and the simulated token:
//! a refused or garbled write ends the action with one authentication, the
//! refusal's reason, what the token may hold and the resume command, even when
//! the (simulated) user is ready to present the token again at once
//! (`--sim-retap`); only a link loss or a timeout leads to the finishing
//! re-tap. The matrix size and results are printed (`--nocapture`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const LINK: &str =
    "otpauth://totp/Acme:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Acme\n";
const RESTRICTED: &str = "86596220000001";
const UNRESTRICTED: &str = "86596120000001";

fn kiln(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .env(
            "KILN_CONFIG_DIR",
            std::env::temp_dir().join(format!("kiln-cli-refusals-{}", std::process::id())),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(LINK.as_bytes());
    child.wait_with_output().unwrap()
}

/// With a 42 s offset the first GET INFO decides the advice: the commands are
/// GET INFO, GET CHALLENGE, EXTERNAL AUTHENTICATE, WRITE CONFIG (4), WRITE SEED
/// (5), then confirming GET INFOs.
fn burn(serial: &str, fault: &[&str]) -> Output {
    let mut args = vec![
        "burn",
        "--sim",
        "--sim-offset",
        "42",
        "--sim-retap",
        "--sim-serial",
        serial,
    ];
    args.extend_from_slice(fault);
    kiln(&args)
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn refused_or_garbled_writes_end_the_action_with_one_authentication() {
    let answers = [
        ("6983", "69 83"),
        ("63C2", "63 C2"),
        ("63C1", "63 C1"),
        ("63C0", "63 C0"),
        ("6A80", "6A 80"),
        ("6700", "67 00"),
        ("6F00", "6F 00"),
        ("90", "makes no sense"),
        ("01029000", "makes no sense"),
    ];
    let mut results: BTreeMap<String, usize> = BTreeMap::new();
    let mut cells = 0;
    for serial in [RESTRICTED, UNRESTRICTED] {
        for (command, step) in [(4, "WRITE CONFIG"), (5, "WRITE SEED")] {
            for (hex, reason) in answers {
                let spec = format!("{command}={hex}");
                let o = burn(serial, &["--sim-answer", &spec]);
                let stdout = String::from_utf8_lossy(&o.stdout);
                let stderr = String::from_utf8_lossy(&o.stderr);
                let ctx = format!("{serial} {step} answered {hex}:\n{stdout}{stderr}");
                assert_eq!(count(&stdout, "EXTERNAL AUTHENTICATE"), 1, "{ctx}");
                assert!(!stdout.contains("Token back"), "{ctx}");
                assert!(!stderr.contains("waiting for the same token"), "{ctx}");
                let code = o.status.code().unwrap();
                assert!(code == 4 || code == 1, "{ctx}");
                assert!(stderr.contains(step), "the refused step is named: {ctx}");
                assert!(stderr.contains(reason), "the reason is given: {ctx}");
                assert!(stderr.contains("sent nothing more"), "{ctx}");
                assert!(
                    stderr.contains(&format!("--resume {serial}")),
                    "the exact next step: {ctx}"
                );
                if serial == RESTRICTED {
                    assert!(stderr.contains("no seed"), "what it may hold: {ctx}");
                }
                cells += 1;
                *results.entry(format!("exit {code}")).or_default() += 1;
            }
        }
    }
    println!("CLI refusal matrix: {cells} cells (model × write × answer)");
    for (k, v) in &results {
        println!("  {v:>3}  {k}");
    }
    assert_eq!(cells, 2 * 2 * answers.len());
}

#[test]
fn the_json_of_a_refused_write_counts_one_attempt() {
    let o = burn(RESTRICTED, &["--sim-answer", "5=6983", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(4), "{v}");
    assert_eq!(v["ok"], false);
    assert_eq!(v["resume_serial"], RESTRICTED);
    let steps = v["steps"].as_array().unwrap();
    let auths = steps
        .iter()
        .filter(|s| s.to_string().contains("EXTERNAL AUTHENTICATE"))
        .count();
    assert_eq!(auths, 1, "{v}");
}

#[test]
fn timeouts_and_link_loss_at_every_command_are_finished_by_one_retap() {
    let mut cells = 0;
    for serial in [RESTRICTED, UNRESTRICTED] {
        for command in 1..=8 {
            for flag in ["--sim-no-answer", "--sim-drop-after", "--sim-drop-before"] {
                let n = command.to_string();
                let o = burn(serial, &[flag, &n]);
                let stdout = String::from_utf8_lossy(&o.stdout);
                let stderr = String::from_utf8_lossy(&o.stderr);
                let ctx = format!("{serial} {flag} {command}:\n{stdout}{stderr}");
                // One authentication per presentation of the token.
                assert!(count(&stdout, "EXTERNAL AUTHENTICATE") <= 2, "{ctx}");
                if command <= 3 {
                    // Lost before any write: nothing to finish, nothing re-sent.
                    assert_eq!(o.status.code(), Some(5), "{ctx}");
                    assert!(stderr.contains("Nothing was written"), "{ctx}");
                    assert!(!stdout.contains("Token back"), "{ctx}");
                    cells += 1;
                    continue;
                }
                assert_eq!(o.status.code(), Some(0), "{ctx}");
                assert!(stdout.contains("Seed    20 bytes written"), "{ctx}");
                if count(&stdout, "EXTERNAL AUTHENTICATE") == 2 {
                    assert!(stdout.contains("Token back"), "{ctx}");
                }
                cells += 1;
            }
        }
    }
    println!("CLI link-loss/timeout matrix: {cells} cells (lost before a write: exit 5, nothing written; later: finished)");
}
