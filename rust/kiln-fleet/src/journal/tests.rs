#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;
use crate::crypto::{generate_identity, identity_text};
use crate::journal::record::{ModelName, SeedOrigin};
use kiln_core::params::{DisplayTimeout, TokenHmac, TokenSeed, TokenStep};
use kiln_core::secret::{SecretBytes, SecretString};
use proptest::prelude::*;

pub(crate) fn keypair() -> (Encryptor, Decryptor) {
    let id = generate_identity();
    let enc = Encryptor::to_recipients([id.to_public().to_string()]).unwrap();
    let dec = Decryptor::from_identity_text(&identity_text(&id), "test").unwrap();
    (enc, dec)
}

fn serial(s: &str) -> TokenSerial {
    TokenSerial::new(s).unwrap()
}

pub(crate) fn new_seed(s: &str, byte: u8, hmac: TokenHmac) -> NewSeed {
    NewSeed {
        serial: serial(s),
        model: ModelName {
            vendor: "Token2".into(),
            name: "OTPC-P2-i".into(),
        },
        seed: TokenSeed::new(SecretBytes::new(vec![byte; 20])).unwrap(),
        hmac,
        step: TokenStep::Secs30,
        display_timeout: DisplayTimeout::S30,
        origin: SeedOrigin::Generated,
    }
}

fn facts() -> BurnFacts {
    BurnFacts {
        drift_before_ms: Some(-94_530.0),
        residual_after_ms: Some(10.9),
        clock_synced: true,
    }
}

/// Every form a seed could take in a file: raw, hex (both cases), Base32.
pub(crate) fn seed_forms(seed: &[u8]) -> Vec<Vec<u8>> {
    vec![
        seed.to_vec(),
        data_encoding::HEXLOWER.encode(seed).into_bytes(),
        data_encoding::HEXUPPER.encode(seed).into_bytes(),
        data_encoding::BASE32_NOPAD.encode(seed).into_bytes(),
        data_encoding::BASE32_NOPAD
            .encode(seed)
            .to_ascii_lowercase()
            .into_bytes(),
    ]
}

/// Asserts that no file under `dir` holds any form of any of `seeds`.
pub(crate) fn assert_no_plaintext(dir: &Path, seeds: &[Vec<u8>]) {
    let mut files = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            assert_no_plaintext(&path, seeds);
            continue;
        }
        files += 1;
        let data = std::fs::read(&path).unwrap();
        for seed in seeds {
            for form in seed_forms(seed) {
                assert!(
                    !data.windows(form.len()).any(|w| w == form.as_slice()),
                    "{} holds a seed in clear",
                    path.display()
                );
            }
        }
    }
    assert!(files > 0, "no file in {}", dir.display());
}

#[test]
fn round_trip_reburn_and_pending_state() {
    let dir = tempfile::tempdir().unwrap();
    let (enc, dec) = keypair();
    let mut j = Journal::create_or_open(dir.path(), &enc).unwrap();
    assert!(!j.open_report().existed);
    let a1 = j
        .append_seed(&new_seed("0001", 1, TokenHmac::Sha1))
        .unwrap();
    assert_eq!(
        a1, 2,
        "record numbers are line numbers; line 1 is the header"
    );
    j.append_burned(&serial("0001"), a1, facts()).unwrap();
    let b = j
        .append_seed(&new_seed("0002", 2, TokenHmac::Sha256))
        .unwrap();
    let a2 = j
        .append_seed(&new_seed("0001", 3, TokenHmac::Sha1))
        .unwrap();
    assert_eq!(
        j.unconfirmed_serials(),
        vec![serial("0001"), serial("0002")]
    );
    // A burned record must confirm a seed record of the same token.
    assert!(matches!(
        j.append_burned(&serial("0002"), a1, facts()),
        Err(JournalError::UnknownSeedRecord { .. })
    ));

    let c = j.read_all(&dec).unwrap();
    assert!(c.damage.is_empty(), "{:?}", c.damage);
    assert_eq!(c.records.len(), 4);
    let st = c.state();
    let a = st.get(&serial("0001")).unwrap();
    assert!(!a.is_confirmed());
    assert_eq!(a.current().unwrap().seq, a2);
    assert_eq!(a.current().unwrap().seed().expose(), &[3u8; 20]);
    let cands: Vec<u64> = a.candidates().iter().map(|r| r.seq).collect();
    assert_eq!(
        cands,
        vec![a2, a1],
        "the new seed, then the confirmed old one"
    );
    assert_eq!(st.pending_seed_for(&serial("0002")).unwrap().seq, b);
    assert_eq!(
        st.pending_seed_for(&serial("0002")).unwrap().hmac,
        TokenHmac::Sha256
    );
    match &c.records[1] {
        Record::Burned(r) => {
            assert_eq!(r.confirms, a1);
            assert_eq!(r.facts, facts());
        }
        other => panic!("{other:?}"),
    }

    // Reopened, it continues; confirming the re-burn makes it current and confirmed.
    drop(j);
    let mut j = Journal::create_or_open(dir.path(), &enc).unwrap();
    assert!(j.open_report().existed);
    let burned = j.append_burned(&serial("0001"), a2, facts()).unwrap();
    assert_eq!(burned, a2 + 1);
    let st = j.read_all(&dec).unwrap().state();
    let a = st.get(&serial("0001")).unwrap();
    assert!(a.is_confirmed());
    assert_eq!(a.candidates().len(), 1);
    assert_eq!(st.pending().count(), 1);
    assert_no_plaintext(dir.path(), &[vec![1; 20], vec![2; 20], vec![3; 20]]);
}

#[test]
fn the_journal_refuses_other_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (enc, _) = keypair();
    let (other, other_dec) = keypair();
    let mut j = Journal::create_or_open(dir.path(), &enc).unwrap();
    j.append_seed(&new_seed("1", 1, TokenHmac::Sha1)).unwrap();
    drop(j);
    let e = Journal::create_or_open(dir.path(), &other).unwrap_err();
    assert!(matches!(e, JournalError::OtherRecipients { .. }), "{e}");
    let mut p = Encryptor::with_passphrase(SecretString::new("pw".into())).unwrap();
    p.set_scrypt_work_factor(2);
    let e = Journal::create_or_open(dir.path(), &p).unwrap_err();
    assert!(e.to_string().contains("age public keys"), "{e}");
    let e = read(dir.path(), &other_dec).unwrap_err();
    assert!(matches!(e, JournalError::Decrypt(_)), "{e}");
    let e = read(tempfile::tempdir().unwrap().path(), &other_dec).unwrap_err();
    assert!(matches!(e, JournalError::Missing { .. }), "{e}");
}

#[test]
fn passphrase_journals_use_their_own_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut enc = Encryptor::with_passphrase(SecretString::new("correct horse".into())).unwrap();
    enc.set_scrypt_work_factor(2);
    let mut j = Journal::create_or_open(dir.path(), &enc).unwrap();
    let s = j.append_seed(&new_seed("7", 7, TokenHmac::Sha1)).unwrap();
    j.append_burned(&serial("7"), s, facts()).unwrap();
    drop(j);
    assert!(dir.path().join(KEY_FILE).exists());
    let ok = Decryptor::with_passphrase(SecretString::new("correct horse".into())).unwrap();
    let c = read(dir.path(), &ok).unwrap();
    assert_eq!(c.records.len(), 2);
    let bad = Decryptor::with_passphrase(SecretString::new("wrong".into())).unwrap();
    let e = read(dir.path(), &bad).unwrap_err();
    assert!(e.to_string().contains("passphrase is wrong"), "{e}");
    let mut wrong = Encryptor::with_passphrase(SecretString::new("wrong".into())).unwrap();
    wrong.set_scrypt_work_factor(2);
    assert!(Journal::create_or_open(dir.path(), &wrong).is_err());
    // The journal's own identity (what `age -d journal-key.age` gives) reads it too.
    let key = ok
        .decrypt(&std::fs::read(dir.path().join(KEY_FILE)).unwrap())
        .unwrap();
    let inner = Decryptor::from_identity_text(std::str::from_utf8(&key).unwrap(), "k").unwrap();
    assert_eq!(read(dir.path(), &inner).unwrap().records.len(), 2);
    // Same passphrase: the same fingerprint key after a restart.
    let j = Journal::create_or_open(dir.path(), &enc).unwrap();
    let k1 = j.fingerprint_key().fingerprint(b"x");
    drop(j);
    let j = Journal::create_or_open(dir.path(), &enc).unwrap();
    assert_eq!(j.fingerprint_key().fingerprint(b"x"), k1);
    assert_no_plaintext(dir.path(), &[vec![7; 20]]);
}

#[test]
fn an_open_passphrase_journal_reads_itself_without_the_passphrase_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut enc = Encryptor::with_passphrase(SecretString::new("correct horse".into())).unwrap();
    enc.set_scrypt_work_factor(2);
    // Created and reopened: each time the key unlocked by opening reads the records,
    // even with journal-key.age gone (it is not opened again, so no second scrypt).
    for round in 1..=2u8 {
        let mut j = Journal::create_or_open(dir.path(), &enc).unwrap();
        j.append_seed(&new_seed(&round.to_string(), round, TokenHmac::Sha1))
            .unwrap();
        let sealed = std::fs::read(dir.path().join(KEY_FILE)).unwrap();
        std::fs::remove_file(dir.path().join(KEY_FILE)).unwrap();
        let reader = j
            .own_reader()
            .expect("a passphrase journal has its own key");
        assert_eq!(
            j.read_all(&reader).unwrap().records.len(),
            usize::from(round)
        );
        std::fs::write(dir.path().join(KEY_FILE), sealed).unwrap();
    }
    // A journal to age public keys has none: reading it needs an identity file.
    let other = tempfile::tempdir().unwrap();
    let (to_keys, _) = keypair();
    assert!(Journal::create_or_open(other.path(), &to_keys)
        .unwrap()
        .own_reader()
        .is_none());
}

#[test]
fn a_torn_tail_is_reported_sealed_and_hides_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (enc, dec) = keypair();
    let mut j = Journal::create_or_open(dir.path(), &enc).unwrap();
    let s1 = j.append_seed(&new_seed("1", 1, TokenHmac::Sha1)).unwrap();
    j.append_burned(&serial("1"), s1, facts()).unwrap();
    j.append_seed(&new_seed("2", 2, TokenHmac::Sha1)).unwrap();
    drop(j);
    // Power loss during the third append: half of its line reached the disk.
    let path = dir.path().join(JOURNAL_FILE);
    let text = std::fs::read(&path).unwrap();
    let last_start = text[..text.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    let cut = last_start + (text.len() - last_start) / 2;
    std::fs::write(&path, &text[..cut]).unwrap();

    let c = read(dir.path(), &dec).unwrap();
    assert_eq!(c.records.len(), 2, "the two whole records are there");
    assert_eq!(
        c.damage,
        vec![Damage {
            line: 4,
            kind: DamageKind::TornTail
        }]
    );
    assert!(c.damage[0].to_string().contains("cut short"));

    // Opening for appending reports it, seals it, and appends after it.
    let mut j = Journal::create_or_open(dir.path(), &enc).unwrap();
    assert_eq!(j.open_report().damage.len(), 1);
    assert!(
        j.unconfirmed_serials().is_empty(),
        "the torn seed is not pending"
    );
    let s3 = j.append_seed(&new_seed("3", 3, TokenHmac::Sha1)).unwrap();
    assert_eq!(s3, 5);
    let c = j.read_all(&dec).unwrap();
    assert_eq!(c.records.len(), 3);
    assert_eq!(c.damage.len(), 1);
    assert_eq!(c.damage[0].line, 4);
    assert_eq!(c.state().pending_seed_for(&serial("3")).unwrap().seq, 5);
}

#[test]
fn a_damaged_line_in_the_middle_hides_nothing_around_it() {
    let dir = tempfile::tempdir().unwrap();
    let (enc, dec) = keypair();
    let mut j = Journal::create_or_open(dir.path(), &enc).unwrap();
    for i in 1..=3u8 {
        j.append_seed(&new_seed(&i.to_string(), i, TokenHmac::Sha1))
            .unwrap();
    }
    drop(j);
    let path = dir.path().join(JOURNAL_FILE);
    let mut text = std::fs::read_to_string(&path).unwrap();
    let line3 = text.lines().nth(2).unwrap().to_owned();
    let damaged = line3.replacen('A', "B", 1);
    text = text.replacen(&line3, &damaged, 1);
    std::fs::write(&path, text).unwrap();
    let c = read(dir.path(), &dec).unwrap();
    let seqs: Vec<u64> = c.records.iter().map(Record::seq).collect();
    assert_eq!(seqs, vec![2, 4]);
    assert_eq!(c.damage.len(), 1);
    assert_eq!(c.damage[0].line, 3);
}

#[test]
fn a_failed_write_stops_every_later_append() {
    let dir = tempfile::tempdir().unwrap();
    let (enc, _) = keypair();
    let mut j = Journal::create_or_open(dir.path(), &enc).unwrap();
    // A handle that cannot write stands in for a full or read-only disk.
    j.file = File::open(dir.path().join(JOURNAL_FILE)).unwrap();
    let e = j
        .append_seed(&new_seed("1", 1, TokenHmac::Sha1))
        .unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, JournalError::Write { .. }));
    assert!(
        msg.contains("stopped before writing the next seed to any token"),
        "{msg}"
    );
    let e = j
        .append_seed(&new_seed("2", 2, TokenHmac::Sha1))
        .unwrap_err();
    assert!(matches!(e, JournalError::Stopped), "{e}");
}

#[test]
fn a_journal_in_a_missing_place_is_a_create_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let (enc, _) = keypair();
    let e = Journal::create_or_open(&file.join("journal"), &enc).unwrap_err();
    assert!(matches!(e, JournalError::Create { .. }), "{e}");
    std::fs::write(dir.path().join(JOURNAL_FILE), b"hello\n").unwrap();
    let e = Journal::create_or_open(dir.path(), &enc).unwrap_err();
    assert!(matches!(e, JournalError::NotAJournal { .. }), "{e}");
}

#[cfg(unix)]
#[test]
fn files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let jdir = dir.path().join("j");
    let (enc, _) = keypair();
    Journal::create_or_open(&jdir, &enc).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&jdir), 0o700);
    assert_eq!(mode(&jdir.join(JOURNAL_FILE)), 0o600);
    assert_eq!(mode(&jdir.join(crate::audit::FINGERPRINT_KEY_FILE)), 0o600);
}

#[derive(Clone, Debug)]
enum Op {
    Seed(u8, u8),
    Burn(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..4, any::<u8>()).prop_map(|(s, b)| Op::Seed(s, b)),
        (0u8..4).prop_map(Op::Burn),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any sequence of seeds, confirmations and re-burns reads back, and a cut
    /// at any byte keeps every whole record and reports the cut one.
    #[test]
    fn journal_round_trip_and_any_cut(ops in proptest::collection::vec(op(), 1..10), cut_frac in 0.0f64..1.0) {
        let dir = tempfile::tempdir().unwrap();
        let (enc, dec) = keypair();
        let mut j = Journal::create_or_open(dir.path(), &enc).unwrap();
        let mut expect: Vec<(u64, String, RecordKind, Option<u8>)> = Vec::new();
        let mut last_seed: std::collections::BTreeMap<u8, u64> = Default::default();
        for o in &ops {
            match *o {
                Op::Seed(s, b) => {
                    let mut n = new_seed(&format!("{s:03}"), b, TokenHmac::Sha1);
                    n.seed = TokenSeed::new(SecretBytes::new(vec![b; 16 + usize::from(s)])).unwrap();
                    let seq = j.append_seed(&n).unwrap();
                    last_seed.insert(s, seq);
                    expect.push((seq, format!("{s:03}"), RecordKind::Seed, Some(b)));
                }
                Op::Burn(s) => {
                    if let Some(&seq) = last_seed.get(&s) {
                        let b = j.append_burned(&serial(&format!("{s:03}")), seq, facts()).unwrap();
                        expect.push((b, format!("{s:03}"), RecordKind::Burned, None));
                    }
                }
            }
        }
        let c = j.read_all(&dec).unwrap();
        prop_assert!(c.damage.is_empty());
        prop_assert_eq!(c.records.len(), expect.len());
        for (r, (seq, s, kind, b)) in c.records.iter().zip(&expect) {
            prop_assert_eq!(r.seq(), *seq);
            prop_assert_eq!(r.serial().as_str(), s.as_str());
            prop_assert_eq!(r.kind(), *kind);
            if let (Record::Seed(sr), Some(b)) = (r, b) {
                prop_assert!(sr.seed().expose().iter().all(|x| x == b));
            }
        }
        // The state's current seed per token is its last seed record.
        let st = c.state();
        for (s, seq) in &last_seed {
            prop_assert_eq!(st.get(&serial(&format!("{s:03}"))).unwrap().current().unwrap().seq, *seq);
        }
        drop(j);
        // Cut the file anywhere after the header.
        let path = dir.path().join(JOURNAL_FILE);
        let bytes = std::fs::read(&path).unwrap();
        let header_len = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
        let cut = header_len + ((bytes.len() - header_len) as f64 * cut_frac) as usize;
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let whole_lines = bytes[..cut].iter().filter(|&&b| b == b'\n').count() as u64;
        let c = read(dir.path(), &dec).unwrap();
        let kept = expect.iter().filter(|(seq, ..)| *seq <= whole_lines).count();
        prop_assert_eq!(c.records.len(), kept);
        let torn = cut < bytes.len() && bytes[cut - 1] != b'\n';
        prop_assert_eq!(c.damage.len(), usize::from(torn));
        if torn {
            prop_assert_eq!(&c.damage[0].kind, &DamageKind::TornTail);
            prop_assert_eq!(c.damage[0].line, whole_lines + 1);
        }
    }
}
