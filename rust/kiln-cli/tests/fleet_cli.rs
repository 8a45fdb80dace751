//! `kiln export` and `kiln audit` on journals the library writes (kiln-fleet's
//! public API, as the batch will use it): every format decrypts and parses back
//! to the journal's seeds, the reference `age` tool opens the exports, plaintext
//! files are private and never replace a file, refusals exit 3, and no seed
//! reaches stdout, stderr or the journal directory in clear.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;
// `kiln verify --journal` (tests/fleet_cli/verify.rs).
#[path = "fleet_cli/seed_encoding.rs"]
mod seed_encoding;
#[path = "fleet_cli/verify.rs"]
mod verify;

use kiln_core::params::{DisplayTimeout, TokenHmac, TokenSeed, TokenStep};
use kiln_core::secret::{SecretBytes, SecretString};
use kiln_fleet::audit::{AuditEntry, Operator};
use kiln_fleet::{
    BurnFacts, Decryptor, Encryptor, Journal, ModelName, NewSeed, SeedOrigin, TokenSerial,
};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const IDENTITY: &str = "# created: 2026-11-22T07:30:00Z\n# public key: see below\n";

struct Box17 {
    dir: tempfile::TempDir,
    journal: PathBuf,
    key: PathBuf,
    seeds: Vec<(String, Vec<u8>)>,
}

fn seed(s: &str, bytes: Vec<u8>, hmac: TokenHmac) -> NewSeed {
    NewSeed {
        serial: TokenSerial::new(s).unwrap(),
        model: ModelName {
            vendor: "Token2".into(),
            name: "OTPC-P2-i".into(),
        },
        seed: TokenSeed::new(SecretBytes::new(bytes)).unwrap(),
        hmac,
        step: TokenStep::Secs30,
        display_timeout: DisplayTimeout::S30,
        origin: SeedOrigin::Generated,
    }
}

/// A journal as a batch leaves it: two tokens confirmed, one not; the audit
/// log has their entries. The identity file is written as age-keygen does.
fn box17(sha256_third: bool) -> Box17 {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("age-keygen").output();
    let (key_text, public) = match out {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8(o.stdout).unwrap();
            let public = text
                .lines()
                .find_map(|l| l.strip_prefix("# public key: "))
                .unwrap()
                .to_owned();
            (text, public)
        }
        _ => {
            // Without the age tool: the library's own key, in the same layout.
            let dec_text = library_identity();
            (dec_text.0, dec_text.1)
        }
    };
    let key = dir.path().join("key.txt");
    std::fs::write(&key, &key_text).unwrap();
    let journal = dir.path().join("box-17");
    let enc = Encryptor::to_recipients([public]).unwrap();
    let mut j = Journal::create_or_open(&journal, &enc).unwrap();
    let mut audit = j.audit_log(Operator::new("alice")).unwrap();
    let mut seeds = Vec::new();
    for (i, s) in ["0086596220000456", "0086596220000457", "86596120000123"]
        .iter()
        .enumerate()
    {
        let hmac = if i == 2 && sha256_third {
            TokenHmac::Sha256
        } else {
            TokenHmac::Sha1
        };
        let len = if hmac == TokenHmac::Sha256 { 32 } else { 20 };
        let bytes: Vec<u8> = (0..len)
            .map(|k| (k as u8).wrapping_mul(37) ^ (i as u8 * 91 + 7))
            .collect();
        let n = seed(s, bytes.clone(), hmac);
        let seq = j.append_seed(&n).unwrap();
        let mut e = AuditEntry::new("journalled", "ok").token(&n.serial, Some(&n.model));
        e.seed_fingerprint = audit.fingerprint(&bytes);
        audit.append(e).unwrap();
        if i < 2 {
            j.append_burned(
                &n.serial,
                seq,
                BurnFacts {
                    drift_before_ms: Some(-94_530.0),
                    residual_after_ms: Some(10.9),
                    clock_synced: true,
                },
            )
            .unwrap();
            let mut e = AuditEntry::new("burned", "ok").token(&n.serial, Some(&n.model));
            e.drift_before_ms = Some(-94_530.0);
            e.residual_after_ms = Some(10.9);
            e.seed_fingerprint = audit.fingerprint(&bytes);
            audit.append(e).unwrap();
        }
        seeds.push((s.to_string(), bytes));
    }
    Box17 {
        dir,
        journal,
        key,
        seeds,
    }
}

/// An identity made by the library, written as age-keygen writes one.
fn library_identity() -> (String, String) {
    // The library makes identities only inside journals; use a journal's
    // passphrase-protected key to get one without the age tool.
    let d = tempfile::tempdir().unwrap();
    let mut enc = Encryptor::with_passphrase(SecretString::new("p".into())).unwrap();
    enc.set_scrypt_work_factor(2);
    Journal::create_or_open(d.path(), &enc).unwrap();
    let dec = Decryptor::with_passphrase(SecretString::new("p".into())).unwrap();
    let id = dec
        .decrypt(&std::fs::read(d.path().join("journal-key.age")).unwrap())
        .unwrap();
    let id = String::from_utf8(id.to_vec()).unwrap();
    let header = std::fs::read_to_string(d.path().join("journal.agej")).unwrap();
    let public = header.split_whitespace().nth(3).unwrap().to_owned();
    (format!("{IDENTITY}{id}\n"), public)
}

fn kiln(args: &[&str]) -> support::Run {
    support::run("fleet", args, b"")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every text form of each seed must be absent from `text`.
fn assert_no_seed(text: &[u8], seeds: &[(String, Vec<u8>)], what: &str) {
    for (_, seed) in seeds {
        for form in [
            seed.clone(),
            data_encoding::HEXLOWER.encode(seed).into_bytes(),
            data_encoding::HEXUPPER.encode(seed).into_bytes(),
            data_encoding::BASE32_NOPAD.encode(seed).into_bytes(),
        ] {
            assert!(
                !text.windows(form.len()).any(|w| w == form.as_slice()),
                "{what} holds a seed"
            );
        }
    }
}

fn assert_dir_clean(dir: &Path, seeds: &[(String, Vec<u8>)]) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        assert_no_seed(&std::fs::read(&p).unwrap(), seeds, &p.display().to_string());
    }
}

fn decrypt(b: &Box17, data: &[u8]) -> String {
    let dec = Decryptor::from_identity_file(&b.key).unwrap();
    String::from_utf8(dec.decrypt(data).unwrap().to_vec()).unwrap()
}

/// The reference age tool opens the export (required in CI, where setup.sh installs it).
fn age_opens(key: &Path, file: &Path) -> Option<String> {
    match Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(key)
        .arg(file)
        .output()
    {
        Ok(o) => {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            Some(String::from_utf8(o.stdout).unwrap())
        }
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "the age tool is missing (scripts/setup.sh installs it)"
            );
            eprintln!("note: the age tool is not installed; interoperability not checked");
            None
        }
    }
}

#[test]
fn entra_csv_export_is_age_encrypted_and_exact() {
    let b = box17(false);
    let out = b.dir.path().join("box-17-entra.csv.age");
    let upn = b.dir.path().join("upns.csv");
    std::fs::write(&upn, "serial,upn\n0086596220000456,alice@example.com\n").unwrap();
    let r = kiln(&[
        "export",
        "--journal",
        s(&b.journal),
        "--identity",
        s(&b.key),
        "--format",
        "entra-csv",
        "--upn-map",
        s(&upn),
        "-o",
        s(&out),
    ]);
    assert_eq!(r.code, 0, "{}", r.text());
    assert!(
        r.stderr
            .contains("Exported 2 rows (0 unconfirmed) as entra-csv"),
        "{}",
        r.text()
    );
    assert_no_seed(r.text().as_bytes(), &b.seeds, "kiln's output");
    let data = std::fs::read(&out).unwrap();
    assert!(data.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
    assert_no_seed(&data, &b.seeds, "the encrypted export");
    let text = decrypt(&b, &data);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "upn,serial number,secret key,time interval,manufacturer,model"
    );
    assert_eq!(lines.len(), 3, "{text}");
    for (line, (serial, seed)) in lines[1..].iter().zip(&b.seeds) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[1], serial, "leading zeros kept");
        assert_eq!(
            data_encoding::BASE32_NOPAD
                .decode(cells[2].as_bytes())
                .unwrap(),
            *seed
        );
        assert_eq!(&cells[3..], ["30", "Token2", "OTPC-P2-i"]);
    }
    assert!(lines[1].starts_with("alice@example.com,"));
    assert!(lines[2].starts_with(",0086596220000457,"));
    if let Some(plain) = age_opens(&b.key, &out) {
        assert_eq!(plain, text);
    }
    // Never replaces a file.
    let again = kiln(&[
        "export",
        "--journal",
        s(&b.journal),
        "--identity",
        s(&b.key),
        "--format",
        "csv",
        "-o",
        s(&out),
    ]);
    assert_eq!(again.code, 3, "{}", again.text());
    assert!(again.stderr.contains("exists already"), "{}", again.text());
    assert_eq!(std::fs::read(&out).unwrap(), data);
    assert_dir_clean(&b.journal, &b.seeds);
}

#[test]
fn plaintext_exports_are_private_and_mark_unconfirmed_rows() {
    let b = box17(true);
    let out = b.dir.path().join("recovery.csv");
    let r = kiln(&[
        "export",
        "--journal",
        s(&b.journal),
        "--identity",
        s(&b.key),
        "--format",
        "csv",
        "--include-unconfirmed",
        "--plaintext",
        "-o",
        s(&out),
    ]);
    assert_eq!(r.code, 0, "{}", r.text());
    assert_no_seed(r.text().as_bytes(), &b.seeds, "kiln's output");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0],
        [
            "serial",
            "secret base32",
            "algorithm",
            "period",
            "manufacturer",
            "model",
            "state"
        ]
    );
    assert_eq!(rows.len(), 4);
    let third = rows.iter().find(|r| r[0] == "86596120000123").unwrap();
    assert_eq!(third[2], "SHA256");
    assert_eq!(third[6], "unconfirmed");
    assert_eq!(
        data_encoding::BASE32_NOPAD
            .decode(third[1].as_bytes())
            .unwrap(),
        b.seeds[2].1
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r.get(6) == Some(&"confirmed"))
            .count(),
        2
    );
}

#[test]
fn every_format_on_stdout_decrypts_to_the_journal() {
    let b = box17(false);
    for (format, want_rows) in [
        ("entra-graph-json", 2),
        ("dualshield-xml", 2),
        ("duo", 2),
        ("csv", 2),
    ] {
        let r = kiln(&[
            "export",
            "--journal",
            s(&b.journal),
            "--identity",
            s(&b.key),
            "--format",
            format,
            "--stdout",
        ]);
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        assert!(r.stdout.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
        assert_no_seed(r.text().as_bytes(), &b.seeds, format);
        let text = decrypt(&b, r.stdout.as_bytes());
        let found = b
            .seeds
            .iter()
            .filter(|(serial, seed)| {
                let forms = [
                    data_encoding::BASE32_NOPAD.encode(seed),
                    data_encoding::HEXUPPER.encode(seed),
                ];
                text.contains(serial.as_str()) && forms.iter().any(|f| text.contains(f.as_str()))
            })
            .count();
        assert_eq!(found, want_rows, "{format}: {text}");
        assert!(
            !text.contains("86596120000123"),
            "{format}: unconfirmed left out"
        );
    }
}

#[test]
fn refusals_exit_3_and_say_why() {
    let b = box17(true);
    let base = [
        "export",
        "--journal",
        s(&b.journal),
        "--identity",
        s(&b.key),
    ];
    let run = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        kiln(&a)
    };
    let r = run(&["--format", "entra-csv", "--include-unconfirmed", "--stdout"]);
    assert_eq!(r.code, 3, "{}", r.text());
    assert!(
        r.stderr.contains("no place to mark a row as unconfirmed"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("86596120000123"), "{}", r.stderr);
    // Duo cannot mark the unconfirmed third token either.
    let r = run(&["--format", "duo", "--stdout", "--include-unconfirmed"]);
    assert_eq!(r.code, 3, "{}", r.text());
    // A wrong identity.
    let other = b.dir.path().join("other.txt");
    std::fs::write(&other, library_identity().0).unwrap();
    let r = kiln(&[
        "export",
        "--journal",
        s(&b.journal),
        "--identity",
        s(&other),
        "--format",
        "csv",
        "--stdout",
    ]);
    assert_eq!(r.code, 3, "{}", r.text());
    assert!(
        r.stderr.contains("none of the given identities"),
        "{}",
        r.stderr
    );
    // No journal there.
    let r = kiln(&[
        "export",
        "--journal",
        s(b.dir.path()),
        "--identity",
        s(&b.key),
        "--format",
        "csv",
        "--stdout",
    ]);
    assert_eq!(r.code, 3, "{}", r.text());
    assert!(r.stderr.contains("holds no journal"), "{}", r.stderr);
    // No key, no destination, an unknown format: usage errors.
    for args in [
        vec![
            "export",
            "--journal",
            s(&b.journal),
            "--format",
            "csv",
            "--stdout",
        ],
        vec![
            "export",
            "--journal",
            s(&b.journal),
            "--identity",
            s(&b.key),
            "--format",
            "csv",
        ],
        vec![
            "export",
            "--journal",
            s(&b.journal),
            "--identity",
            s(&b.key),
            "--format",
            "xls",
            "--stdout",
        ],
        vec![
            "--json",
            "export",
            "--journal",
            s(&b.journal),
            "--identity",
            s(&b.key),
            "--format",
            "csv",
            "--stdout",
        ],
    ] {
        assert_eq!(kiln(&args).code, 2, "{args:?}");
    }
}

#[test]
fn passphrase_journals_export_with_the_passphrase_file() {
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pw.txt");
    std::fs::write(&pw, "correct horse battery staple\n").unwrap();
    let journal = dir.path().join("j");
    let mut enc = Encryptor::from_passphrase_file(&pw).unwrap();
    enc.set_scrypt_work_factor(4);
    let mut j = Journal::create_or_open(&journal, &enc).unwrap();
    let n = seed("1001", vec![0xA5; 20], TokenHmac::Sha1);
    let seq = j.append_seed(&n).unwrap();
    j.append_burned(&n.serial, seq, BurnFacts::default())
        .unwrap();
    let out = dir.path().join("out.age");
    let r = kiln(&[
        "--json",
        "export",
        "--journal",
        s(&journal),
        "--passphrase-file",
        s(&pw),
        "--format",
        "duo",
        "-o",
        s(&out),
    ]);
    assert_eq!(r.code, 0, "{}", r.text());
    let v: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    for k in [
        "format",
        "rows",
        "unconfirmed_rows",
        "encrypted",
        "output",
        "damaged_lines",
    ] {
        assert!(v.get(k).is_some(), "{k} in {v}");
    }
    assert_eq!(v["rows"], 1);
    assert_eq!(v["ok"], true);
    let dec = Decryptor::from_passphrase_file(&pw).unwrap();
    let text = dec.decrypt(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(
        String::from_utf8(text.to_vec()).unwrap(),
        format!("1001,{}\n", "A5".repeat(20))
    );
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "wrong\n").unwrap();
    let r = kiln(&[
        "export",
        "--journal",
        s(&journal),
        "--passphrase-file",
        s(&bad),
        "--format",
        "duo",
        "--stdout",
    ]);
    assert_eq!(r.code, 3, "{}", r.text());
    assert_dir_clean(&journal, &[("1001".into(), vec![0xA5; 20])]);
}

#[test]
fn audit_prints_a_table_and_json() {
    let b = box17(false);
    let out = b.dir.path().join("x.age");
    let r = kiln(&[
        "export",
        "--journal",
        s(&b.journal),
        "--identity",
        s(&b.key),
        "--format",
        "csv",
        "--operator",
        "bob",
        "-o",
        s(&out),
    ]);
    assert_eq!(r.code, 0, "{}", r.text());
    let r = kiln(&["audit", "--journal", s(&b.journal)]);
    assert_eq!(r.code, 0, "{}", r.text());
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[0].starts_with("time (UTC)"), "{}", r.stdout);
    for col in [
        "serial",
        "model",
        "action",
        "result",
        "drift before",
        "residual after",
        "fingerprint",
        "operator",
    ] {
        assert!(lines[0].contains(col), "{col}: {}", lines[0]);
    }
    let burned: Vec<&&str> = lines.iter().filter(|l| l.contains(" burned ")).collect();
    assert_eq!(burned.len(), 2, "{}", r.stdout);
    assert!(burned[0].contains("0086596220000456") && burned[0].contains("Token2 OTPC-P2-i"));
    assert!(burned[0].contains("-94.53 s") && burned[0].contains("+10.9 ms"));
    assert!(burned[0].trim_end().ends_with("alice"));
    assert!(lines
        .iter()
        .any(|l| l.contains(" export ") && l.trim_end().ends_with("bob")));
    assert!(r.stdout.trim_end().ends_with("6 entries"), "{}", r.stdout);
    assert_no_seed(r.text().as_bytes(), &b.seeds, "kiln audit");

    let r = kiln(&["--json", "audit", "--journal", s(&b.journal)]);
    assert_eq!(r.code, 0);
    let v: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["count"], 6);
    let e = &v["entries"][1];
    assert_eq!(e["action"], "burned");
    assert_eq!(e["serial"], "0086596220000456");
    assert_eq!(
        e["seed_fingerprint"], v["entries"][0]["seed_fingerprint"],
        "same seed, same fingerprint"
    );
    assert_ne!(e["seed_fingerprint"], v["entries"][2]["seed_fingerprint"]);
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli-json.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    for k in schema["$defs"]["audit"]["required"].as_array().unwrap() {
        assert!(v.get(k.as_str().unwrap()).is_some(), "{k} missing in {v}");
    }
    for k in schema["$defs"]["audit_entry"]["required"]
        .as_array()
        .unwrap()
    {
        assert!(e.get(k.as_str().unwrap()).is_some(), "{k} missing in {e}");
    }
    let r = kiln(&["audit", "--journal", s(b.dir.path())]);
    assert_eq!(r.code, 3, "{}", r.text());
    assert!(r.stderr.contains("holds no audit log"), "{}", r.stderr);
    assert_dir_clean(&b.journal, &b.seeds);
}

/// `kiln batch --sim`: one line per token and the counter line, no seed in the
/// output, and a journal the export reads back.
#[test]
fn batch_prints_a_line_and_the_counter_per_token() {
    let b = box17(false);
    let d = tempfile::tempdir().unwrap();
    let journal = d.path().join("box-18");
    let key_text = std::fs::read_to_string(&b.key).unwrap();
    let public = key_text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_owned();
    let r = kiln(&[
        "batch",
        "--generate",
        "--journal",
        s(&journal),
        "--recipient",
        &public,
        "--sim",
        "--sim-serial",
        "86596220000001,12345678000001,86596120000002",
    ]);
    assert_eq!(r.code, 0, "{}", r.text());
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[1].starts_with("#1") && lines[1].contains("86596220000001"));
    assert!(lines[1].contains("OTPC-P2-i") && lines[1].contains("burned"));
    assert_eq!(
        lines[2],
        "1 burned · 0 to re-tap · 0 refused · place the next token"
    );
    assert!(lines[3].contains("unknown_model") && lines[3].contains("nothing was written"));
    assert_eq!(
        lines[6],
        "2 burned · 0 to re-tap · 0 refused · place the next token"
    );
    assert!(r
        .stdout
        .contains("Batch ended (no more simulated tokens): 2 burned, 1 skipped"));
    let e = kiln(&[
        "export",
        "--journal",
        s(&journal),
        "--identity",
        s(&b.key),
        "--format",
        "csv",
        "--plaintext",
        "--stdout",
    ]);
    assert_eq!(e.code, 0, "{}", e.text());
    let seeds: Vec<(String, Vec<u8>)> = e
        .stdout
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let seed = data_encoding::BASE32_NOPAD.decode(f[1].as_bytes()).unwrap();
            (f[0].to_owned(), seed)
        })
        .collect();
    assert_eq!(seeds.len(), 2);
    assert_no_seed(r.text().as_bytes(), &seeds, "kiln batch");
    assert_dir_clean(&journal, &seeds);
}
