//! Output never decides whether a token is written: with stdout (or stderr)
//! closed before kiln writes to it (`kiln … | head -0`), every command still
//! runs to its end with its normal exit code and no panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::{Read, Write};
use std::process::{Command, Stdio};

const LINK: &str =
    "otpauth://totp/Acme:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Acme\n";

/// Runs kiln with the read end of stdout (or stderr) closed at once; returns
/// the exit code and what the other stream said.
fn run_closed(args: &[&str], close_stdout: bool) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .env(
            "KILN_CONFIG_DIR",
            std::env::temp_dir().join(format!("kiln-closed-{}", std::process::id())),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut other = String::new();
    if close_stdout {
        drop(child.stdout.take());
    } else {
        drop(child.stderr.take());
    }
    let _ = child.stdin.take().unwrap().write_all(LINK.as_bytes());
    if close_stdout {
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut other)
            .unwrap();
    } else {
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut other)
            .unwrap();
    }
    let status = child.wait().unwrap();
    (status.code(), other)
}

#[test]
fn a_closed_stdout_changes_nothing() {
    let qr = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/otpauth-qr.png");
    for (args, code) in [
        (&["burn", "--sim", "--sim-offset", "3.4"][..], 0),
        (&["--json", "burn", "--sim"][..], 0),
        (&["info", "--sim"][..], 0),
        (&["qr", "decode", "--raw", qr, qr][..], 0),
        // A refused write: exit 4, and the token's state still reaches stderr.
        (&["burn", "--sim", "--sim-answer", "5=6983"][..], 4),
    ] {
        let (got, stderr) = run_closed(args, true);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(got, Some(code), "{args:?}: {stderr}");
        if code == 4 {
            assert!(stderr.contains("--resume 86596220000001"), "{stderr}");
        }
    }
}

#[test]
fn a_closed_stderr_changes_nothing() {
    let (got, stdout) = run_closed(&["burn", "--sim", "--sim-answer", "5=6983"], false);
    assert_eq!(got, Some(4), "{stdout}");
    assert!(stdout.contains("WRITE SEED             69 83"), "{stdout}");
    let (got, stdout) = run_closed(&["burn", "--sim"], false);
    assert_eq!(got, Some(0), "{stdout}");
    assert!(stdout.contains("Seed    20 bytes written"), "{stdout}");
}
