//! End-to-end tests of `kiln inspect`, `kiln codes` and `kiln diagnose`: seeds are
//! piped on stdin, output and exit codes checked, and the seed must never appear
//! on stdout or stderr.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use serde_json::Value;

/// RFC 6238's SHA1 seed "12345678901234567890" in Base32.
const RFC_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const GITHUB: &str = "otpauth://totp/GitHub:octocat?secret=UVG4UGBFGC5R23IT&issuer=GitHub";
const GITHUB_SECRET: &str = "UVG4UGBFGC5R23IT";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn kiln(args: &[&str], stdin: impl Into<Vec<u8>>) -> Run {
    let out = cargo_bin_cmd!("kiln")
        .args(args)
        .write_stdin(stdin.into())
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The secret (in any case, and as Hex of its bytes) is in neither stream.
fn assert_no_secret(run: &Run, secret_b32: &str) {
    let bytes = data_encoding::BASE32_NOPAD
        .decode(secret_b32.as_bytes())
        .unwrap();
    let forms = [
        secret_b32.to_string(),
        secret_b32.to_ascii_lowercase(),
        data_encoding::HEXLOWER.encode(&bytes),
        data_encoding::HEXUPPER.encode(&bytes),
        String::from_utf8_lossy(&bytes).into_owned(),
    ];
    for f in forms.iter().filter(|f| f.len() >= 8) {
        assert!(
            !run.stdout.contains(f.as_str()),
            "secret on stdout: {}",
            run.stdout
        );
        assert!(
            !run.stderr.contains(f.as_str()),
            "secret on stderr: {}",
            run.stderr
        );
    }
}

/// A fingerprint is 4 Base32 characters of a hash (20 bits), none of the seed's text.
fn assert_hash_fingerprint(fp: &Value, secret_b32: &str) {
    let fp = fp.as_str().unwrap();
    assert_eq!(fp.len(), 4, "{fp}");
    assert!(
        fp.chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)),
        "{fp}"
    );
    assert!(!secret_b32.contains(fp), "{fp} is part of the seed");
    assert!(!fp.contains('…'), "{fp}");
}

fn json(run: &Run) -> Value {
    serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

/// A Google Authenticator export link (protobuf written by hand).
fn export_link(accounts: &[(&[u8], &str, &str, u8)]) -> String {
    use base64::Engine;
    fn field(out: &mut Vec<u8>, tag: u8, b: &[u8]) {
        out.push(tag);
        out.push(u8::try_from(b.len()).unwrap());
        out.extend_from_slice(b);
    }
    let mut p = Vec::new();
    for (secret, name, issuer, kind) in accounts {
        let mut m = Vec::new();
        field(&mut m, 0x0A, secret);
        field(&mut m, 0x12, name.as_bytes());
        field(&mut m, 0x1A, issuer.as_bytes());
        m.extend_from_slice(&[0x20, 1, 0x28, 1, 0x30, *kind]);
        field(&mut p, 0x0A, &m);
    }
    p.extend_from_slice(&[0x10, 1, 0x18, 1, 0x20, 0, 0x28, 9]);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&p);
    format!(
        "otpauth-migration://offline?data={}",
        b64.replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    )
}

#[test]
fn inspect_text_describes_a_link() {
    let run = kiln(&["inspect"], format!("{GITHUB}\n"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    for want in [
        "GitHub (octocat)",
        "SHA1",
        "30 s",
        "80 bits, fingerprint ",
        "burnable     yes",
        "only 80 bits",
    ] {
        assert!(run.stdout.contains(want), "{want}: {}", run.stdout);
    }
    assert_no_secret(&run, GITHUB_SECRET);
    // The text shows the same fingerprint as the JSON (a hash, not "UVG4…23IT").
    let fp = json(&kiln(&["--json", "inspect"], GITHUB))["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        run.stdout.contains(&format!("fingerprint {fp}")),
        "{fp}: {}",
        run.stdout
    );
    assert!(!run.stdout.contains("UVG4"), "{}", run.stdout);
}

#[test]
fn inspect_json_has_every_field() {
    let run = kiln(&["--json", "inspect"], GITHUB);
    assert_eq!(run.code, 0);
    let v = json(&run);
    for key in [
        "kind",
        "issuer",
        "account",
        "algorithm",
        "digits",
        "period",
        "secret_bits",
        "burnable",
        "problems",
        "warnings",
        "fingerprint",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["kind"], "totp");
    assert_eq!(v["issuer"], "GitHub");
    assert_eq!(v["account"], "octocat");
    assert_eq!(v["algorithm"], "SHA1");
    assert_eq!(v["digits"], 6);
    assert_eq!(v["period"], 30);
    assert_eq!(v["secret_bits"], 80);
    assert_eq!(v["burnable"], true);
    assert_hash_fingerprint(&v["fingerprint"], GITHUB_SECRET);
    assert_eq!(v["problems"].as_array().unwrap().len(), 0);
    assert_eq!(v["warnings"].as_array().unwrap().len(), 1);
    assert_no_secret(&run, GITHUB_SECRET);
}

#[test]
fn inspect_reports_capability_problems() {
    let link = format!("otpauth://totp/Corp:me?secret={RFC_B32}&digits=8&algorithm=SHA512");
    let run = kiln(&["inspect", "--json"], link);
    assert_eq!(run.code, 3);
    let v = json(&run);
    assert_eq!(v["burnable"], false);
    let problems: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        problems.contains(&"this service asks for 8-digit codes; these tokens always show 6"),
        "{problems:?}"
    );
    assert!(problems.iter().any(|p| p.contains("SHA512")));
    assert_no_secret(&run, RFC_B32);
}

#[test]
fn inspect_lists_export_accounts() {
    let a = data_encoding::BASE32_NOPAD
        .decode(RFC_B32.as_bytes())
        .unwrap();
    let link = export_link(&[
        (&a, "alice@example.com", "Example", 2),
        (&[7; 20], "Bank:bob", "", 1),
    ]);
    let run = kiln(&["--json", "inspect"], link.clone());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = json(&run);
    assert_eq!(v["kind"], "migration");
    assert_eq!(v["burnable"], true);
    let accounts = v["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2);
    assert_eq!(accounts[0]["issuer"], "Example");
    assert_eq!(accounts[0]["burnable"], true);
    assert_eq!(accounts[0]["secret_bits"], 160);
    assert_hash_fingerprint(&accounts[0]["fingerprint"], RFC_B32);
    // The same seed typed gives the same fingerprint.
    let typed = json(&kiln(&["--json", "inspect"], RFC_B32));
    assert_eq!(accounts[0]["fingerprint"], typed["fingerprint"]);
    assert_eq!(accounts[1]["kind"], "hotp");
    assert_eq!(accounts[1]["issuer"], "Bank");
    assert_eq!(accounts[1]["burnable"], false);
    assert!(accounts[1]["reason"]
        .as_str()
        .unwrap()
        .contains("counter-based"));
    assert_eq!(v["batch"]["id"], 9);
    assert_no_secret(&run, RFC_B32);

    let text = kiln(&["inspect"], link);
    assert!(
        text.stdout.contains("2 account(s); 1 can go on a token"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("Account 2: Bank (bob)"));
    assert_no_secret(&text, RFC_B32);
}

#[test]
fn inspect_asks_about_ambiguous_text() {
    let typed = "ABCD EF23 4567 ABCD EF23 4567 ABCD EF23";
    let run = kiln(&["inspect"], typed);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("--encoding"), "{}", run.stderr);
    let v = json(&kiln(&["inspect", "--json"], typed));
    assert_eq!(v["kind"], "ambiguous");
    assert_eq!(v["readings"][0]["secret_bits"], 160);
    assert_eq!(v["readings"][1]["secret_bits"], 128);
    let run = kiln(&["inspect", "--json", "--encoding", "hex"], typed);
    assert_eq!(run.code, 0);
    assert_eq!(json(&run)["source"], "typed-hex");
    assert_no_secret(&run, "ABCDEF234567ABCDEF234567ABCDEF23");
}

#[test]
fn inspect_explains_refusals() {
    let cases = [
        (
            "otpauth://hotp/ACME:bob?secret=GEZDGNBVGY3TQOJQ&counter=1",
            "hotp",
            "counter-based",
        ),
        ("steam://GEZDGNBVGY3TQOJQ", "steam", "Steam"),
        ("https://example.com/", "web-link", "web link"),
        ("JBSWY3DPEHPK3PX0", "invalid-typed-seed", "letter O"),
    ];
    for (input, code, words) in cases {
        let run = kiln(&["inspect"], input);
        assert_eq!(run.code, 3, "{input}");
        assert!(run.stderr.contains(words), "{input}: {}", run.stderr);
        assert!(run.stdout.is_empty());
        let v = json(&kiln(&["inspect", "--json"], input));
        assert_eq!(v["kind"], "refused");
        assert_eq!(v["refusal"], code);
        assert_eq!(v["burnable"], false);
    }
    let run = kiln(&["inspect"], "  \n");
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("nothing was entered"));
    let run = kiln(&["inspect"], vec![0xFF, 0xFE, 0x00, 0x41]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("not UTF-8"), "{}", run.stderr);
}

#[test]
fn codes_at_a_fixed_time() {
    let link = format!("otpauth://totp/RFC:6238?secret={RFC_B32}");
    let run = kiln(&["codes", "--at", "59"], link.clone());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("current   287082   (1 s left)"),
        "{}",
        run.stdout
    );
    assert_no_secret(&run, RFC_B32);
    // RFC 6238 Appendix B with 8 digits.
    let v = json(&kiln(
        &["--json", "codes", "--at", "1111111109", "--digits", "8"],
        link.clone(),
    ));
    assert_eq!(v["current"], "07081804");
    assert_eq!(v["seconds_left"], 1);
    assert_eq!(v["digits"], 8);
    // Typed seeds work the same; overrides apply.
    let run = kiln(
        &[
            "--json",
            "codes",
            "--at",
            "59",
            "--period",
            "60",
            "--algorithm",
            "HmacSHA256",
        ],
        RFC_B32,
    );
    let v = json(&run);
    assert_eq!(v["period"], 60);
    assert_eq!(v["algorithm"], "SHA256");
    assert_eq!(v["seconds_left"], 1);
    assert_no_secret(&run, RFC_B32);
}

#[test]
fn codes_need_a_single_seed() {
    let a = data_encoding::BASE32_NOPAD
        .decode(RFC_B32.as_bytes())
        .unwrap();
    // Two accounts that can both go on a token: kiln asks which.
    let two = export_link(&[(&a, "alice", "Example", 2), (&a, "bob", "Example", 2)]);
    let run = kiln(&["codes", "--at", "59"], two.clone());
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("--account"), "{}", run.stderr);
    // Only one of them can (the other is counter-based): it is taken, and named.
    let one_burnable = export_link(&[(&a, "hotp-user", "Example", 1), (&a, "alice", "Example", 2)]);
    for cmd in [&["codes", "--at", "59"][..], &["burn", "--sim"]] {
        let run = kiln(cmd, one_burnable.clone());
        assert_eq!(run.code, 0, "{cmd:?}: {}", run.stderr);
        assert!(
            run.stdout.contains("287082") || cmd[0] == "burn",
            "{}",
            run.stdout
        );
        assert!(
            run.stderr
                .contains("only account 2 (Example (alice)) can go on a token: using it"),
            "{}",
            run.stderr
        );
    }
    // A single account needs no --account.
    let link = export_link(&[(&a, "alice", "Example", 2)]);
    let run = kiln(&["codes", "--at", "59"], link.clone());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("287082"));
    let run = kiln(&["codes", "--at", "59", "--account", "1"], link.clone());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("287082"));
    assert_eq!(kiln(&["codes", "--account", "2"], link).code, 2);
    let run = kiln(&["codes"], "ABCDEF234567ABCDEF234567ABCDEF23");
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("--encoding"));
    assert_eq!(kiln(&["codes"], "otpauth://hotp/x?secret=AAAA").code, 3);
}

#[test]
fn diagnose_explains_mismatches() {
    let link = format!("otpauth://totp/RFC:6238?secret={RFC_B32}");
    // Correct.
    let run = kiln(&["diagnose", "287082", "--at", "59"], link.clone());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("The code is correct"),
        "{}",
        run.stdout
    );
    // The token is 3 steps behind at t=120.
    let run = kiln(&["diagnose", "287082", "--at", "120"], link.clone());
    assert_eq!(run.code, 7);
    assert!(
        run.stdout.contains("The token clock is about 76 s behind."),
        "{}",
        run.stdout
    );
    assert_no_secret(&run, RFC_B32);
    // The token runs 60 s.
    let at = "1700000000";
    let code60 = json(&kiln(
        &["--json", "codes", "--at", at, "--period", "60"],
        link.clone(),
    ))["current"]
        .as_str()
        .unwrap()
        .to_string();
    let v = json(&kiln(
        &["--json", "diagnose", &code60, "--at", at],
        link.clone(),
    ));
    assert_eq!(v["match"], false);
    assert_eq!(
        v["sentence"],
        "the token is set to 60 s but the service uses 30 s"
    );
    assert_eq!(v["causes"][0]["type"], "period");
    assert_eq!(v["found"]["period"], 60);
    // Not a code.
    let run = kiln(&["diagnose", "12ab56"], link);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("6 to 8 digits"));
}

#[test]
fn help_speaks_to_admins() {
    kiln_help(&["--help"], "Exit codes");
    kiln_help(&["inspect", "--help"], "never printed");
    kiln_help(&["codes", "--help"], "--at <UNIX>");
    kiln_help(&["diagnose", "--help"], "clock");
}

fn kiln_help(args: &[&str], want: &str) {
    cargo_bin_cmd!("kiln")
        .args(args)
        .assert()
        .success()
        .stdout(predicate::str::contains(want));
}

/// Common paste mistakes are named with what to fix (text and `--json`), by
/// every command that reads a seed, and the seed is never echoed.
#[test]
fn paste_mistakes_say_what_to_fix() {
    let link = format!("otpauth://totp/GitHub:octocat?secret={GITHUB_SECRET}&issuer=GitHub");
    let cases = [
        (format!("'{link}'"), "inside quote marks"),
        (link.replace("otpauth://", "otpauth:/"), "two slashes"),
        (link.replace('?', "&"), "no `?`"),
        (
            link.replace("secret=", "secert="),
            "`secert=` where `secret=` belongs",
        ),
    ];
    for (input, want) in &cases {
        for cmd in [&["inspect"][..], &["codes"], &["burn", "--sim"]] {
            let run = kiln(cmd, input.as_str());
            assert_eq!(run.code, 3, "{cmd:?} {input}: {}", run.stderr);
            assert!(run.stderr.contains(want), "{cmd:?} {input}: {}", run.stderr);
            assert_no_secret(&run, GITHUB_SECRET);
        }
        let run = kiln(&["--json", "inspect"], input.as_str());
        assert!(
            json(&run)["error"].as_str().unwrap().contains(want),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn a_code_typed_as_a_seed_is_named_with_the_right_article() {
    let run = kiln(&["inspect"], "12345678");
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .contains("this looks like an 8-digit one-time code"),
        "{}",
        run.stderr
    );
    let run = kiln(&["inspect"], "123 456");
    assert!(
        run.stderr
            .contains("this looks like a 6-digit one-time code"),
        "{}",
        run.stderr
    );
}

/// A setting the user typed is named as the user's option, not as the service's wish.
#[test]
fn options_the_user_gave_are_not_blamed_on_the_service() {
    let run = kiln(&["codes", "--digits", "8", "--at", "59"], RFC_B32);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("this service asks"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("--digits 8: these tokens always show 6-digit codes"),
        "{}",
        run.stderr
    );
    // From a link, the service did ask for it.
    let run = kiln(
        &["codes", "--at", "59"],
        format!("otpauth://totp/A:b?secret={RFC_B32}&digits=8"),
    );
    assert!(
        run.stderr.contains("this service asks for 8-digit codes"),
        "{}",
        run.stderr
    );
}
