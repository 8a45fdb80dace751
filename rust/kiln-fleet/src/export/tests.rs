#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::formats::{CSV_HEADER, ENTRA_CSV_HEADER};
use super::*;
use crate::journal::record::{BurnFacts, BurnedRecord, ModelName, Record};
use kiln_core::params::{TokenHmac, TokenSeed, TokenStep};
use kiln_core::secret::SecretBytes;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn serial(s: &str) -> TokenSerial {
    TokenSerial::new(s).unwrap()
}

fn seed_rec(seq: u64, s: &str, seed: &[u8], hmac: TokenHmac, step: TokenStep) -> Record {
    Record::Seed(SeedRecord::new_for_test(
        seq,
        serial(s),
        ModelName {
            vendor: "Token2".into(),
            name: "OTPC-P2-i".into(),
        },
        TokenSeed::new(SecretBytes::from_slice(seed)).unwrap(),
        hmac,
        step,
    ))
}

fn burned(seq: u64, s: &str, confirms: u64) -> Record {
    Record::Burned(BurnedRecord {
        seq,
        serial: serial(s),
        confirms,
        time: 0,
        facts: BurnFacts::default(),
    })
}

/// What a parsed export says: serial → (seed, state word if any).
type Parsed = Vec<(String, Vec<u8>, Option<String>)>;

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    crate::csv::parse(text)
        .unwrap()
        .into_iter()
        .map(|r| r.fields.iter().map(|f| f.to_string()).collect())
        .collect()
}

fn parse_entra_csv(text: &str) -> Parsed {
    let rows = csv_rows(text);
    assert_eq!(rows[0].join(","), ENTRA_CSV_HEADER);
    rows[1..]
        .iter()
        .map(|r| {
            assert_eq!(r.len(), 6);
            assert!(r[2].len() <= 128 && !r[2].contains('='));
            assert!(r[3] == "30" || r[3] == "60");
            (
                r[1].clone(),
                data_encoding::BASE32_NOPAD.decode(r[2].as_bytes()).unwrap(),
                None,
            )
        })
        .collect()
}

fn parse_plain_csv(text: &str) -> Parsed {
    let rows = csv_rows(text);
    assert!(rows[0].join(",").starts_with(CSV_HEADER));
    let marked = rows[0].len() == 7;
    rows[1..]
        .iter()
        .map(|r| {
            assert!(r[2] == "SHA1" || r[2] == "SHA256");
            (
                r[0].clone(),
                data_encoding::BASE32_NOPAD.decode(r[1].as_bytes()).unwrap(),
                marked.then(|| r[6].clone()),
            )
        })
        .collect()
}

fn parse_duo(text: &str) -> Parsed {
    text.lines()
        .map(|l| {
            let (s, h) = l.split_once(',').unwrap();
            (
                s.to_owned(),
                data_encoding::HEXUPPER.decode(h.as_bytes()).unwrap(),
                None,
            )
        })
        .collect()
}

fn parse_graph(text: &str) -> Parsed {
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(v["@context"], "#$delta");
    v["value"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, d)| {
            assert_eq!(d["@contentId"], (i + 1).to_string());
            assert!(d["hashFunction"] == "hmacsha1" || d["hashFunction"] == "hmacsha256");
            assert!(d["timeIntervalInSeconds"] == 30 || d["timeIntervalInSeconds"] == 60);
            assert_eq!(d["manufacturer"], "Token2");
            (
                d["serialNumber"].as_str().unwrap().to_owned(),
                data_encoding::BASE32_NOPAD
                    .decode(d["secretKey"].as_str().unwrap().as_bytes())
                    .unwrap(),
                None,
            )
        })
        .collect()
}

/// Read back with kiln's own seed-file reader (the DualShield format is one).
fn parse_dualshield(text: &str) -> Parsed {
    let f = crate::seedfile::SeedFile::parse(text, Default::default()).unwrap();
    let marks: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("<!-- "))
        .map(|l| l.split(':').next().unwrap().to_owned())
        .collect();
    assert!(marks.is_empty() || marks.len() <= f.len());
    f.entries()
        .iter()
        .map(|e| (e.serial.to_string(), e.seed().expose().to_vec(), None))
        .collect()
}

fn parse(format: ExportFormat, text: &str) -> Parsed {
    match format {
        ExportFormat::EntraCsv => parse_entra_csv(text),
        ExportFormat::EntraGraphJson => parse_graph(text),
        ExportFormat::DualShieldXml => parse_dualshield(text),
        ExportFormat::Duo => parse_duo(text),
        ExportFormat::Csv => parse_plain_csv(text),
    }
}

fn run(records: &[Record], format: ExportFormat, unconfirmed: bool) -> Result<String, ExportError> {
    let st = JournalState::from_records(records);
    let e = export(&st, format, unconfirmed, &UpnMap::default())?;
    Ok(String::from_utf8(e.bytes.to_vec()).unwrap())
}

#[test]
fn entra_csv_is_exact() {
    let recs = [
        seed_rec(
            2,
            "0086596220000456",
            b"12345678901234567890",
            TokenHmac::Sha1,
            TokenStep::Secs30,
        ),
        burned(3, "0086596220000456", 2),
    ];
    let st = JournalState::from_records(&recs);
    let upn = UpnMap::parse("serial,upn\n0086596220000456,alice@example.com\n").unwrap();
    let e = export(&st, ExportFormat::EntraCsv, false, &upn).unwrap();
    assert_eq!(
        std::str::from_utf8(&e.bytes).unwrap(),
        "upn,serial number,secret key,time interval,manufacturer,model\r\n\
         alice@example.com,0086596220000456,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,30,Token2,OTPC-P2-i\r\n"
    );
}

#[test]
fn refusals_name_the_reason() {
    let recs = [
        seed_rec(2, "1", &[1; 32], TokenHmac::Sha256, TokenStep::Secs30),
        burned(3, "1", 2),
        seed_rec(4, "2", &[2; 20], TokenHmac::Sha1, TokenStep::Secs60),
    ];
    let e = run(&recs, ExportFormat::EntraCsv, false).unwrap_err();
    assert!(e.to_string().contains("HMAC-SHA1 tokens only"), "{e}");
    assert!(e.to_string().contains("entra-graph-json"), "{e}");
    let e = run(&recs, ExportFormat::Duo, false).unwrap_err();
    assert!(matches!(e, ExportError::Sha256NotForDuo { .. }), "{e}");
    let e = run(&recs, ExportFormat::EntraGraphJson, true).unwrap_err();
    assert!(matches!(e, ExportError::CannotMark { .. }), "{e}");
    assert!(e.to_string().contains(": 2."), "{e}");
    let e = run(&recs, ExportFormat::DualShieldXml, true).unwrap_err();
    assert!(matches!(e, ExportError::MixedSettings { .. }), "{e}");
    // Only confirmed tokens by default: the graph body has token 1 only.
    let g = run(&recs, ExportFormat::EntraGraphJson, false).unwrap();
    let p = parse_graph(&g);
    assert_eq!(p.len(), 1);
    assert!(g.contains("\"hmacsha256\""));
    let none = [seed_rec(
        2,
        "1",
        &[1; 20],
        TokenHmac::Sha1,
        TokenStep::Secs30,
    )];
    assert!(matches!(
        run(&none, ExportFormat::Csv, false),
        Err(ExportError::Nothing("confirmed"))
    ));
}

#[test]
fn unconfirmed_rows_are_marked_with_every_candidate() {
    let recs = [
        seed_rec(2, "1", &[1; 20], TokenHmac::Sha1, TokenStep::Secs30),
        burned(3, "1", 2),
        seed_rec(4, "1", &[9; 20], TokenHmac::Sha1, TokenStep::Secs30),
        seed_rec(5, "2", &[2; 20], TokenHmac::Sha1, TokenStep::Secs30),
    ];
    let csv = run(&recs, ExportFormat::Csv, true).unwrap();
    let p = parse_plain_csv(&csv);
    assert_eq!(
        p,
        vec![
            ("1".into(), vec![9; 20], Some("unconfirmed".into())),
            ("1".into(), vec![1; 20], Some("previous".into())),
            ("2".into(), vec![2; 20], Some("unconfirmed".into())),
        ]
    );
    let plain = run(&recs, ExportFormat::Csv, false);
    assert!(matches!(plain, Err(ExportError::Nothing(_))));
    let xml = run(&recs, ExportFormat::DualShieldXml, true);
    // Two rows for serial 1 cannot be one seed file: the reader refuses them.
    let text = xml.unwrap();
    assert!(text.contains("<!-- unconfirmed:"));
    assert!(text.contains("<!-- previous:"));
}

#[test]
fn upn_maps_are_checked() {
    assert!(UpnMap::parse("1,a@b\n1,c@d\n").is_err());
    let e = UpnMap::parse("1,a@b,x\n").unwrap_err();
    assert!(e.to_string().contains("line 1"), "{e}");
    let m = UpnMap::parse("\u{FEFF}serial,upn\r\n0012,alice@example.com\r\n").unwrap();
    assert_eq!(m.get(&serial("0012")), Some("alice@example.com"));
    assert_eq!(m.get(&serial("12")), None);
}

fn token() -> impl Strategy<Value = (String, Vec<u8>, bool, bool, bool)> {
    (
        "[0-9]{1,16}",
        proptest::collection::vec(any::<u8>(), 16..=63),
        any::<bool>(), // sha256
        any::<bool>(), // 60 s
        any::<bool>(), // confirmed
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every format parses back to the same serials and seeds (where the
    /// format takes the tokens at all).
    #[test]
    fn every_format_parses_back(tokens in proptest::collection::btree_map("[0-9]{1,16}", token(), 1..10), unconfirmed in any::<bool>()) {
        let mut recs = Vec::new();
        let mut seq = 2;
        let mut want: BTreeMap<String, (Vec<u8>, bool)> = BTreeMap::new();
        for (s, (_, seed, sha256, sixty, confirmed)) in &tokens {
            let hmac = if *sha256 { TokenHmac::Sha256 } else { TokenHmac::Sha1 };
            let step = if *sixty { TokenStep::Secs60 } else { TokenStep::Secs30 };
            recs.push(seed_rec(seq, s, seed, hmac, step));
            if *confirmed {
                recs.push(burned(seq + 1, s, seq));
            }
            seq += 2;
            want.insert(s.clone(), (seed.clone(), *confirmed));
        }
        let expected: Vec<(String, Vec<u8>)> = want
            .iter()
            .filter(|(_, (_, c))| *c || unconfirmed)
            .map(|(s, (seed, _))| (s.clone(), seed.clone()))
            .collect();
        for format in ExportFormat::ALL {
            match run(&recs, format, unconfirmed) {
                Ok(text) => {
                    let got: Vec<(String, Vec<u8>)> =
                        parse(format, &text).into_iter().map(|(s, seed, _)| (s, seed)).collect();
                    prop_assert_eq!(&got, &expected, "{}", format);
                }
                Err(ExportError::Nothing(_)) => prop_assert!(expected.is_empty()),
                Err(ExportError::Sha256NotForEntraCsv { .. }) => {
                    prop_assert_eq!(format, ExportFormat::EntraCsv);
                }
                Err(ExportError::Sha256NotForDuo { .. }) => prop_assert_eq!(format, ExportFormat::Duo),
                Err(ExportError::CannotMark { .. }) => prop_assert!(!format.marks_unconfirmed()),
                Err(ExportError::MixedSettings { .. }) => {
                    prop_assert!(matches!(format, ExportFormat::DualShieldXml | ExportFormat::Duo));
                }
                Err(e) => prop_assert!(false, "{}: {}", format, e),
            }
        }
    }
}
