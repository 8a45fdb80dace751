//! `kiln batch --seeds FILE --seed-encoding`: a seed file whose secrets read as
//! both Base32 and Hex is refused up front, naming the option; with it, the
//! secrets are read as asked.

use super::{kiln, s};

#[test]
fn ambiguous_seed_files_need_and_take_an_encoding() {
    let d = tempfile::tempdir().unwrap();
    // Only A-F and 2-7: valid Hex (16 bytes) and valid Base32 (20 bytes).
    let secret = "ABCDEF234567ABCDEF234567ABCDEF23";
    let file = d.path().join("seeds.csv");
    std::fs::write(&file, format!("serial,secret\n86596220000001,{secret}\n")).unwrap();
    let pw = d.path().join("pw.txt");
    std::fs::write(&pw, "correct horse battery staple\n").unwrap();
    let batch = |journal: &str, extra: &[&str]| {
        let journal = d.path().join(journal);
        let mut args = vec![
            "batch",
            "--seeds",
            s(&file),
            "--journal",
            s(&journal),
            "--passphrase-file",
            s(&pw),
            "--sim",
            "--sim-serial",
            "86596220000001",
        ];
        args.extend_from_slice(extra);
        (kiln(&args), journal)
    };

    let (r, journal) = batch("refused", &[]);
    assert_eq!(r.code, 3, "{}", r.text());
    assert!(
        r.stderr.contains("--seed-encoding") && r.stderr.contains("line 2"),
        "{}",
        r.stderr
    );
    assert!(
        !journal.join("journal.agej").exists(),
        "a refused seed file wrote a journal"
    );

    let (r, journal) = batch("hex", &["--seed-encoding", "hex"]);
    assert_eq!(r.code, 0, "{}", r.text());
    let e = kiln(&[
        "export",
        "--journal",
        s(&journal),
        "--passphrase-file",
        s(&pw),
        "--format",
        "duo",
        "--plaintext",
        "--stdout",
    ]);
    assert_eq!(e.code, 0, "{}", e.text());
    assert!(
        e.stdout
            .to_ascii_uppercase()
            .contains(&format!("86596220000001,{secret}")),
        "{}",
        e.stdout
    );

    // --seed-encoding only with --seeds.
    let j = d.path().join("gen");
    let r = kiln(&[
        "batch",
        "--generate",
        "--seed-encoding",
        "hex",
        "--journal",
        s(&j),
        "--passphrase-file",
        s(&pw),
        "--sim",
    ]);
    assert_eq!(r.code, 2, "{}", r.text());
}
