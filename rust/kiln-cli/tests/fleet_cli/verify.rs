//! `kiln verify --journal DIR --serial S`: the code a token shows, checked
//! against the seed its batch journalled (the vendor programmer's "Test").

use super::{box17, kiln, s};
use kiln_core::params::Algorithm;
use kiln_core::totp::{code, format_code};
use serde_json::Value;

const AT: u64 = 1_790_000_015;

fn code_at(seed: &[u8], algorithm: Algorithm, at: u64) -> String {
    format_code(code(seed, algorithm, 6, 30, at).unwrap(), 6)
}

/// `kiln verify --journal … --serial S` followed by `rest`.
fn journal_args<'a>(b: &'a super::Box17, serial: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["verify", "--journal", s(&b.journal), "--serial", serial];
    args.extend_from_slice(rest);
    args
}

fn verify(b: &super::Box17, serial: &str, code: &str, json: bool) -> super::support::Run {
    let at = AT.to_string();
    let mut args = journal_args(
        b,
        serial,
        &["--identity", s(&b.key), "--code", code, "--at", &at],
    );
    args.extend_from_slice(&["--operator", "bob"]);
    if json {
        args.insert(0, "--json");
    }
    kiln(&args)
}

#[test]
fn the_journalled_seed_checks_the_tokens_code() {
    let b = box17(true);
    let (serial, seed) = (&b.seeds[0].0, &b.seeds[0].1);
    let right = code_at(seed, Algorithm::Sha1, AT);
    let r = verify(&b, serial, &right, false);
    assert_eq!(r.code, 0, "{}", r.text());
    assert!(
        r.stdout
            .contains(&format!("Serial {serial} (Token2 OTPC-P2-i)")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("its burn was confirmed"), "{}", r.stdout);

    // The token's clock 60 s behind: exit 7 and the existing diagnosis says so.
    let behind = code_at(seed, Algorithm::Sha1, AT - 60);
    let r = verify(&b, serial, &behind, true);
    assert_eq!(r.code, 7, "{}", r.text());
    let v: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["match"], false);
    assert_eq!(v["serial"], serial.as_str());
    assert_eq!(v["journal_record"]["confirmed"], true);
    assert_eq!(v["causes"][0]["type"], "clock", "{v}");
    assert_eq!(v["causes"][0]["offset_steps"], -2, "{v}");

    // The third token was journalled as SHA-256 and never confirmed.
    let (third, seed3) = (&b.seeds[2].0, &b.seeds[2].1);
    let r = verify(&b, third, &code_at(seed3, Algorithm::Sha256, AT), true);
    assert_eq!(r.code, 0, "{}", r.text());
    let v: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["algorithm"], "SHA256");
    assert_eq!(v["journal_record"]["confirmed"], false);

    // Another token's code does not match this one's seed.
    let other = code_at(&b.seeds[1].1, Algorithm::Sha1, AT);
    if other != right {
        assert_eq!(verify(&b, serial, &other, false).code, 7);
    }

    // Each check is in the audit log (result, serial, operator; no seed).
    let a = kiln(&["audit", "--journal", s(&b.journal), "--json"]);
    let v: Value = serde_json::from_str(a.stdout.trim()).unwrap();
    let checks: Vec<&Value> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "verify")
        .collect();
    let results: Vec<&str> = checks
        .iter()
        .map(|e| e["result"].as_str().unwrap())
        .collect();
    assert!(
        results.starts_with(&["match", "mismatch", "match"]),
        "{results:?}"
    );
    assert!(checks.iter().all(|e| e["operator"] == "bob"));
    assert_eq!(checks[0]["serial"], serial.as_str());
    super::assert_dir_clean(&b.journal, &b.seeds);
}

#[test]
fn a_code_on_standard_input_and_the_refusals() {
    let b = box17(false);
    let (serial, seed) = (&b.seeds[1].0, &b.seeds[1].1);
    let at = AT.to_string();
    let right = code_at(seed, Algorithm::Sha1, AT);
    // The journal gives the seed, so standard input may carry the code.
    let r = super::support::run(
        "fleet",
        &journal_args(&b, serial, &["--identity", s(&b.key), "--at", &at]),
        format!("{right}\n").as_bytes(),
    );
    assert_eq!(r.code, 0, "{}", r.text());

    // A serial the journal does not hold; the leading zeros are part of it.
    let r = verify(&b, "86596220000456", &right, false);
    assert_eq!(r.code, 3, "{}", r.text());
    assert!(
        r.stderr.contains("has no seed for serial 86596220000456"),
        "{}",
        r.stderr
    );

    // Seed options make no sense with a journal.
    let r = kiln(&journal_args(
        &b,
        serial,
        &["--identity", s(&b.key), "--code", &right, "--period", "60"],
    ));
    assert_eq!(r.code, 2, "{}", r.text());
    assert!(
        r.stderr.contains("--journal gives the seed"),
        "{}",
        r.stderr
    );

    // --serial without --journal is a usage error (clap).
    assert_eq!(
        kiln(&["verify", "--serial", serial, "--code", &right]).code,
        2
    );

    // A key that does not open the journal.
    let wrong = b.dir.path().join("wrong.txt");
    std::fs::write(&wrong, "not a passphrase\n").unwrap();
    let r = kiln(&journal_args(
        &b,
        serial,
        &["--passphrase-file", s(&wrong), "--code", &right],
    ));
    assert_eq!(r.code, 3, "{}", r.text());
}
