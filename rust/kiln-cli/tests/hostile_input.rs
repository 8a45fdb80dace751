//! Hardening against hostile or careless input, end to end through the `kiln` binary: bounded
//! durations, several lines, seeds on the command line, image size caps, names
//! with direction controls, keys never echoed, one exit rule for refused QR
//! payloads, and a token's serial number refused as a seed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use assert_cmd::cargo::cargo_bin_cmd;
use std::time::Duration;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn kiln(args: &[&str], stdin: &str) -> Run {
    let out = cargo_bin_cmd!("kiln")
        .args(args)
        .write_stdin(stdin.as_bytes().to_vec())
        // An uncapped read of /dev/zero would run until memory is gone.
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn data(name: &str) -> String {
    support::data(name)
}

#[test]
fn durations_out_of_range_are_usage_errors_not_panics() {
    for args in [
        vec!["info", "--wait", "18446744073709551615"],
        vec!["info", "--wait", "3601"],
        vec!["info", "--sim", "--sim-offset", "1e300"],
        vec!["info", "--sim", "--sim-offset", "NaN"],
        vec!["info", "--sim", "--sim-drift", "inf"],
        vec!["info", "--sim", "--sim-rtt-ms", "4294967295"],
        vec!["codes", "--at", "18446744073709551615"],
        vec!["codes", "--period", "0"],
        vec!["diagnose", "287082", "--period", "18446744073709551615"],
        vec!["verify", "--code", "123456", "--at", "99999999999999"],
        vec!["sync", "--sim", "--period", "18446744073709551615"],
    ] {
        let run = kiln(&args, "JBSWY3DPEHPK3PXP");
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("invalid value"),
            "{args:?}: {}",
            run.stderr
        );
    }
    // The limits themselves are accepted.
    let run = kiln(
        &["codes", "--at", "253402300799", "--period", "86400"],
        "JBSWY3DPEHPK3PXP",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn two_seeds_on_two_lines_are_not_burned_as_one() {
    let run = kiln(&["burn", "--sim"], "JBSWY3DPEHPK3PXP\nGEZDGNBVGY3TQOJQ\n");
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("2 lines"), "{}", run.stderr);
    assert!(!run.stdout.contains("written"), "{}", run.stdout);
    // One seed in groups over two lines is still one seed.
    let run = kiln(&["inspect"], "JBSW Y3DP\nEHPK 3PXP\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("80 bits"), "{}", run.stdout);
}

#[test]
fn a_seed_on_the_command_line_is_never_echoed() {
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let link = format!("otpauth://totp/ACME:alice?secret={secret}&issuer=ACME");
    for args in [
        vec!["burn", link.as_str()],
        vec!["burn", "--sim", secret],
        vec!["inspect", "jbsw y3dp ehpk 3pxp"],
    ] {
        let run = kiln(&args, "");
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        for s in [secret, "JBSWY3DP", "jbsw y3dp", "otpauth://totp", "ACME"] {
            assert!(!run.stderr.contains(s), "{args:?}: {}", run.stderr);
            assert!(!run.stdout.contains(s), "{args:?}: {}", run.stdout);
        }
        assert!(
            run.stderr.contains(&format!("| kiln {}", args[0])),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("shell history"), "{}", run.stderr);
    }
}

#[test]
fn image_files_are_read_with_a_size_cap() {
    if !std::path::Path::new("/dev/zero").exists() {
        return;
    }
    let run = kiln(&["qr", "decode", "/dev/zero"], "");
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("larger than 64 MiB"), "{}", run.stderr);
    let run = kiln(&["burn", "--sim", "--qr-file", "/dev/zero"], "");
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("larger than 64 MiB"), "{}", run.stderr);
}

#[test]
fn names_reach_the_terminal_without_direction_controls() {
    let link = "otpauth://totp/%E2%80%AEEvil%E2%81%A6:bob%E2%80%8B?secret=JBSWY3DPEHPK3PXP&issuer=%E2%80%AEEvil%E2%81%A6";
    for args in [vec!["inspect"], vec!["codes"], vec!["burn", "--sim"]] {
        let run = kiln(&args, link);
        for c in ['\u{202E}', '\u{2066}', '\u{200B}'] {
            assert!(!run.stdout.contains(c), "{args:?}: {:?}", run.stdout);
            assert!(!run.stderr.contains(c), "{args:?}: {:?}", run.stderr);
        }
    }
    let run = kiln(&["inspect"], link);
    assert!(
        run.stdout.contains("\u{FFFD}Evil\u{FFFD}"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_rejected_key_is_never_echoed() {
    for key in [
        "my-secret-key-42",
        "8AD2 0688 3CA3 6948",
        "0123456789abcdefZZ",
    ] {
        let run = kiln(
            &["burn", "--sim", "--allow-unknown-model", "--key", key],
            "JBSWY3DPEHPK3PXP",
        );
        assert_ne!(run.code, 0, "{key}");
        assert!(!run.stderr.contains(key), "{}", run.stderr);
        assert!(!run.stdout.contains(key), "{}", run.stdout);
        assert!(run.stderr.contains("--key"), "{}", run.stderr);
    }
    // Usage errors about --key (clap's) show its placeholder, not the value.
    for args in [
        vec!["burn", "--sim", "--key", "my-secret-key-42"],
        vec![
            "burn",
            "--sim",
            "--allow-unknown-model",
            "--key",
            "my-secret-key-42",
            "--key",
            "x",
        ],
    ] {
        let run = kiln(&args, "JBSWY3DPEHPK3PXP");
        assert_eq!(run.code, 2, "{args:?}");
        assert!(!run.stderr.contains("my-secret-key-42"), "{}", run.stderr);
    }
}

#[test]
fn a_refused_qr_payload_exits_3_as_in_inspect() {
    let wifi = data("wifi-qr.png");
    let run = kiln(&["qr", "decode", &wifi], "");
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("not an OTP seed"), "{}", run.stdout);
    let run = kiln(&["qr", "decode", "--raw", &wifi], "");
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    let run = kiln(&["inspect"], "WIFI:T:WPA;S:Guest;P:correct horse;;");
    assert_eq!(run.code, 3, "{}", run.stderr);
    // A seed's code still exits 0.
    let run = kiln(&["qr", "decode", &data("otpauth-example.png")], "");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn a_token_serial_number_is_refused_as_a_seed() {
    for serial in ["86596220000123", "8659 6220 0001 23"] {
        let run = kiln(&["burn", "--sim"], serial);
        assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains(
                "this is a token's serial number, not a seed: scan the service's QR code"
            ),
            "{}",
            run.stderr
        );
        assert!(!run.stdout.contains("written"), "{}", run.stdout);
    }
}
