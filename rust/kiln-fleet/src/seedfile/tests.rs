#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;
use proptest::prelude::*;

const HEX20: &str = "3132333435363738393031323334353637383930"; // "12345678901234567890"
const B32_20: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // the same bytes

fn parse(text: &str) -> Result<SeedFile, SeedFileError> {
    SeedFile::parse(text, SeedFileOptions::default())
}

fn serial(s: &str) -> TokenSerial {
    TokenSerial::new(s).unwrap()
}

fn problems(e: SeedFileError) -> Vec<(usize, LineProblem)> {
    match e {
        SeedFileError::Invalid { problems, .. } => problems,
        other => panic!("{other}"),
    }
}

#[test]
fn csv_with_header_bom_crlf_quotes_and_leading_zeros() {
    // "ABCDEFGHIJKLMNOPQRST" in lower-case Base32, in groups.
    let text = format!(
        "\u{FEFF}serial,secret\r\n\"0012345\",{HEX20}\r\n# a comment\r\n0012346,\"{}\"\r\n",
        "IFBE GRCF IZDU QSKK JNGE 2TSP KBIV EU2U".to_lowercase()
    );
    let f = parse(&text).unwrap();
    assert_eq!(f.format(), SeedFileFormat::Csv);
    assert_eq!(f.len(), 2);
    let a = f.seed_for(&serial("0012345")).unwrap();
    assert_eq!(a.expose(), b"12345678901234567890");
    assert_eq!(
        f.seed_for(&serial("0012346")).unwrap().expose(),
        b"ABCDEFGHIJKLMNOPQRST"
    );
    let e = f.seed_for(&serial("12345")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "12345 is not in the seed file: nothing was written to it"
    );
    assert_eq!(f.get(&serial("0012346")).unwrap().line, 4);
}

#[test]
fn duplicate_secrets_are_refused_even_across_encodings() {
    let text = format!("1,{HEX20}\n2,{B32_20}\n");
    let p = problems(parse(&text).unwrap_err());
    assert_eq!(p, vec![(2, LineProblem::DuplicateSecret { first_line: 1 })]);
}

#[test]
fn headerless_files_and_entra_files_read() {
    let seed2 = "4142434445464748494A4B4C4D4E4F5051525354";
    let f = parse(&format!("86596220000456,{HEX20}\n86596220000457,{seed2}\n")).unwrap();
    assert_eq!(f.len(), 2);
    let entra = format!(
        "upn,serial number,secret key,time interval,manufacturer,model\n\
         alice@example.com,86596220000456,{B32_20},60,Token2,OTPC-P2-i\n"
    );
    let f = parse(&entra).unwrap();
    let e = f.get(&serial("86596220000456")).unwrap();
    assert_eq!(e.period, kiln_core::params::TokenStep::from_seconds(60));
    assert_eq!(e.seed().expose(), b"12345678901234567890");
}

#[test]
fn every_problem_is_listed_with_its_line_and_no_secret() {
    let secret_like = "0123456789ABCDEF0123456789ABCDEF0123456Z";
    let text = format!(
        "serial,secret\n1,{HEX20}\n1,4142434445464748494A4B4C4D4E4F5051525354\n\
         bad serial,4142434445464748494A4B4C4D4E4F5051525399\n4,{secret_like}\n5,\n6,ABCDEF12\n"
    );
    let e = parse(&text).unwrap_err();
    let msg = e.to_string();
    let p = problems(e);
    let lines: Vec<usize> = p.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7], "{msg}");
    assert!(matches!(
        p[0].1,
        LineProblem::DuplicateSerial { first_line: 2, .. }
    ));
    assert!(matches!(p[1].1, LineProblem::Serial(_)));
    assert!(matches!(
        p[2].1,
        LineProblem::Secret(SecretProblem::NotBase32OrHex { .. })
    ));
    assert!(matches!(p[3].1, LineProblem::MissingSecret));
    assert!(
        matches!(
            p[4].1,
            LineProblem::Secret(SecretProblem::TooShort { bytes: 4 })
                | LineProblem::Secret(SecretProblem::TooShort { bytes: 5 })
        ),
        "{:?}",
        p[4]
    );
    assert!(
        msg.contains("line 5: the secret is neither Base32"),
        "{msg}"
    );
    // No secret and no piece of one (the bad character itself) in the message.
    for s in [HEX20, secret_like, "4142434445", "0123456789"] {
        assert!(!msg.contains(s), "{msg}");
    }
    assert!(!msg.contains("\"Z\""), "{msg}");
}

#[test]
fn ambiguous_secrets_follow_the_other_rows_or_the_option() {
    // Valid Base32 and Hex: 32 characters of A-F and 2-7.
    let amb = "ABCDEF234567ABCDEF234567ABCDEF23";
    let text = format!("1,{HEX20}\n2,{amb}\n");
    let f = parse(&text).unwrap();
    assert_eq!(f.seed_for(&serial("2")).unwrap().len(), 16); // read as Hex
    let text = format!("1,{B32_20}\n2,{amb}\n");
    assert_eq!(
        parse(&text).unwrap().seed_for(&serial("2")).unwrap().len(),
        20
    );
    let e = parse(&format!("2,{amb}\n")).unwrap_err();
    assert!(e.to_string().contains("both as Base32 and as Hex"), "{e}");
    let f = SeedFile::parse(
        &format!("2,{amb}\n"),
        SeedFileOptions {
            encoding: Some(Encoding::Base32),
        },
    )
    .unwrap();
    assert_eq!(f.seed_for(&serial("2")).unwrap().len(), 20);
}

#[test]
fn dualshield_xml_reads_with_header_and_bare() {
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<data>\n<header>\n<manufacturerCode>DN</manufacturerCode>\n\
         <encode>HEX</encode>\n<synchronisation>60</synchronisation>\n<crypto>HmacSHA256</crypto>\n</header>\n\
         <tokens>\n<token>\n<serial>0071358472</serial>\n<seed>{HEX20}</seed>\n</token>\n\
         <token><serial>71358473</serial><seed><![CDATA[4142434445464748494A4B4C4D4E4F5051525354]]></seed></token>\n\
         </tokens>\n</data>\n"
    );
    let f = parse(&xml).unwrap();
    assert_eq!(f.format(), SeedFileFormat::DualShieldXml);
    let e = f.get(&serial("0071358472")).unwrap();
    assert_eq!(e.line, 10);
    assert_eq!(e.seed().expose(), b"12345678901234567890");
    assert_eq!(e.hmac, Some(kiln_core::params::TokenHmac::Sha256));
    assert_eq!(e.period, kiln_core::params::TokenStep::from_seconds(60));
    assert_eq!(
        f.get(&serial("71358473")).unwrap().seed().expose(),
        b"ABCDEFGHIJKLMNOPQRST"
    );

    let bare = format!("<tokens><token><serial>1</serial><seed>{HEX20}</seed></token></tokens>");
    assert_eq!(parse(&bare).unwrap().len(), 1);
    // BASE32 encode: a hex-looking seed is read as Base32 as the header says.
    let b32 = format!("<data><header><encode>BASE32</encode></header><tokens><token><serial>1</serial><seed>{B32_20}</seed></token></tokens></data>");
    assert_eq!(
        parse(&b32)
            .unwrap()
            .seed_for(&serial("1"))
            .unwrap()
            .expose(),
        b"12345678901234567890"
    );
}

#[test]
fn bad_xml_names_the_line_and_refuses_doctype() {
    let e = parse("<tokens>\n<token>\n<serial>1</serial>\n<seed>00</sed>\n</token></tokens>")
        .unwrap_err();
    assert!(matches!(e, SeedFileError::Xml { line: 4, .. }), "{e}");
    let e = parse("<!DOCTYPE x [<!ENTITY a SYSTEM \"file:///etc/passwd\">]><tokens/>").unwrap_err();
    assert!(e.to_string().contains("DOCTYPE"), "{e}");
    let dup = format!("<tokens><token><serial>1</serial><seed>{HEX20}</seed></token>\n<token><serial>1</serial><seed>4142434445464748494A4B4C4D4E4F5051525354</seed></token></tokens>");
    let p = problems(parse(&dup).unwrap_err());
    assert!(
        matches!(
            p[0],
            (2, LineProblem::DuplicateSerial { first_line: 1, .. })
        ),
        "{p:?}"
    );
}

#[test]
fn empty_and_field_count_problems() {
    assert!(matches!(
        parse("serial,secret\n"),
        Err(SeedFileError::Empty)
    ));
    assert!(matches!(parse(""), Err(SeedFileError::Empty)));
    let p = problems(parse(&format!("1,{HEX20},extra\n")).unwrap_err());
    assert_eq!(p, vec![(1, LineProblem::FieldCount { found: 3 })]);
    let p = problems(parse("upn,model\nx,y\n").unwrap_err());
    assert_eq!(p, vec![(1, LineProblem::Header)]);
}

#[test]
fn read_refuses_large_and_non_utf8_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("seeds.csv");
    std::fs::write(&p, b"1,3132\n2,\xff\xfe\n").unwrap();
    let e = SeedFile::read(&p, SeedFileOptions::default()).unwrap_err();
    assert!(matches!(e, SeedFileError::NotText { line: 2 }), "{e}");
    let e =
        SeedFile::read(&dir.path().join("missing.csv"), SeedFileOptions::default()).unwrap_err();
    assert!(
        e.to_string().contains("could not read the seed file"),
        "{e}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse(&text);
    }

    #[test]
    fn csv_like_text_never_panics(text in "[\"a-fA-F0-9,\\r\\n <>/#\u{FEFF}serilnumbtkyd]{0,300}") {
        let _ = parse(&text);
        let _ = parse(&format!("<tokens>{text}"));
    }

    #[test]
    fn generated_files_read_back(
        seeds in proptest::collection::btree_map("[0-9]{1,16}", proptest::collection::vec(any::<u8>(), 16..=63), 1..12),
        hex in any::<bool>(),
    ) {
        let mut text = String::from("serial,secret\n");
        for (s, seed) in &seeds {
            let enc = if hex { data_encoding::HEXUPPER.encode(seed) } else { data_encoding::BASE32.encode(seed) };
            text.push_str(&format!("{s},{enc}\n"));
        }
        // Two equal random seeds are not expected; skip if it happens.
        let distinct: std::collections::BTreeSet<_> = seeds.values().collect();
        prop_assume!(distinct.len() == seeds.len());
        let opts = SeedFileOptions { encoding: Some(if hex { Encoding::Hex } else { Encoding::Base32 }) };
        let f = SeedFile::parse(&text, opts).unwrap();
        prop_assert_eq!(f.len(), seeds.len());
        for (s, seed) in &seeds {
            prop_assert_eq!(f.seed_for(&serial(s)).unwrap().expose(), &seed[..]);
        }
    }
}
