//! `FleetBatch` driven from Rust the way Kotlin drives it: a `TokenLink` over the
//! simulated card per token, turn after turn, then the export opened with the
//! admin's identity. Needs `--features testing` (the cheap scrypt work factor
//! and the age helpers); run by scripts/jvm-tests.sh.
#![cfg(feature = "testing")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use kiln_core::session::{Clock, SystemClock};
use kiln_ffi::fleet_testing::{age_decrypt_for_tests, age_key_pair_for_tests};
use kiln_ffi::{
    set_scrypt_work_factor_for_tests, BatchOptions, BatchTurn, ExportTo, FleetBatch, FleetError,
    LinkError, ReferenceClock, SeedFileData, SkipReason, TokenLink,
};
use std::sync::{Arc, Mutex};

const P1: &str = "86596120000001";
const P2: &str = "86596220000001";
const P2B: &str = "86596220000999";
const UNKNOWN: &str = "12345678901234";

/// One simulated token behind a link; `lose_after_seed`: the token leaves the
/// field right after processing WRITE SEED (INS C5), its answer lost.
struct Token {
    card: Mutex<kiln_sim::SimToken>,
    lose_after_seed: Mutex<bool>,
    commands: Mutex<Vec<u8>>,
}

impl Token {
    fn new(serial: &str) -> Arc<Self> {
        let cfg = kiln_sim::SimConfig {
            serial: serial.into(),
            ..kiln_sim::SimConfig::default()
        };
        Arc::new(Self {
            card: Mutex::new(kiln_sim::SimToken::new(cfg, SystemClock.now())),
            lose_after_seed: Mutex::new(false),
            commands: Mutex::new(Vec::new()),
        })
    }

    fn seed(&self) -> Option<Vec<u8>> {
        self.card.lock().unwrap().seed().map(<[u8]>::to_vec)
    }

    fn auth_attempts(&self) -> usize {
        self.commands
            .lock()
            .unwrap()
            .iter()
            .filter(|&&c| c == 0xCE)
            .count()
    }
}

impl TokenLink for Token {
    fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, LinkError> {
        self.commands.lock().unwrap().push(apdu[1]);
        let mut card = self.card.lock().unwrap();
        let answer = card.process(&apdu, SystemClock.now());
        let mut lose = self.lose_after_seed.lock().unwrap();
        if *lose && apdu[1] == 0xC5 {
            *lose = false;
            card.field_lost();
            return Err(LinkError::TagLost {
                detail: "test".into(),
            });
        }
        Ok(answer)
    }
}

fn clock() -> ReferenceClock {
    ReferenceClock {
        offset_ms: 0,
        trusted: true,
        source: "test".into(),
    }
}

fn options() -> BatchOptions {
    BatchOptions {
        algorithm: "SHA1".into(),
        period: 30,
        display_timeout_secs: 30,
        sync_clock: true,
        clock: clock(),
        operator: "test".into(),
    }
}

fn turn(batch: &FleetBatch, token: &Arc<Token>) -> BatchTurn {
    batch.turn(token.clone(), clock(), None).unwrap()
}

/// A fresh directory under the system's temporary directory (removed on drop).
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "kiln-ffi-fleet-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        Self(p)
    }

    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn base32(text: &str) -> Vec<u8> {
    data_encoding::BASE32_NOPAD
        .decode(text.trim_end_matches('=').as_bytes())
        .unwrap()
}

#[test]
fn a_box_of_tokens_then_the_export_holds_the_tokens_seeds() {
    set_scrypt_work_factor_for_tests(4);
    let dir = TempDir::new();
    let keys = age_key_pair_for_tests();
    let (identity, public) = (keys[0].clone(), keys[1].clone());
    let batch = FleetBatch::open(
        dir.path().display().to_string(),
        b"device secret".to_vec(),
        ExportTo::Recipient { public_key: public },
        None,
        options(),
    )
    .unwrap();

    let p1 = Token::new(P1);
    assert!(
        matches!(turn(&batch, &p1), BatchTurn::Burned { ref model, finished: false, .. } if model == "Token2 OTPC-P1-i")
    );
    let unknown = Token::new(UNKNOWN);
    match turn(&batch, &unknown) {
        BatchTurn::Skipped { reason, model, .. } => {
            assert_eq!(reason, SkipReason::UnknownModel);
            assert!(model.is_some(), "the model GET INFO found is named");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(unknown.auth_attempts(), 0);
    let before = p1.auth_attempts();
    match turn(&batch, &p1) {
        BatchTurn::Skipped { reason, serial, .. } => {
            assert_eq!(reason, SkipReason::AlreadyBurned);
            assert_eq!(serial.as_deref(), Some(P1));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p1.auth_attempts(), before, "a repeat gets GET INFO only");

    let p2 = Token::new(P2);
    *p2.lose_after_seed.lock().unwrap() = true;
    assert!(matches!(turn(&batch, &p2), BatchTurn::LinkLost { ref serial, .. } if serial == P2));
    assert_eq!(batch.tally().waiting_for.as_deref(), Some(P2));
    let other = Token::new(P2B);
    match turn(&batch, &other) {
        BatchTurn::Skipped { reason, .. } => assert_eq!(
            reason,
            SkipReason::WaitingFor {
                serial: P2.to_owned()
            }
        ),
        t => panic!("{t:?}"),
    }
    assert!(other.seed().is_none());
    assert!(matches!(
        turn(&batch, &p2),
        BatchTurn::Burned { finished: true, .. }
    ));
    let t = batch.tally();
    assert_eq!((t.confirmed_total, t.retap, t.skipped), (2, 1, 3));
    assert!(t.unconfirmed.is_empty());

    let export = batch.export("entra-csv".into(), None, false).unwrap();
    assert_eq!(export.rows, 2);
    let text =
        String::from_utf8(age_decrypt_for_tests(export.bytes, Some(identity), None).unwrap())
            .unwrap();
    let mut seen = 0;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let token = if f[1] == P1 { &p1 } else { &p2 };
        assert_eq!(token.seed().unwrap(), base32(f[2]), "{}", f[1]);
        seen += 1;
    }
    assert_eq!(seen, 2);
}

#[test]
fn a_journal_opens_only_with_its_passphrase_and_bad_input_is_refused() {
    set_scrypt_work_factor_for_tests(4);
    let dir = TempDir::new();
    let path = dir.path().display().to_string();
    let open = |pass: &[u8], to: ExportTo| {
        FleetBatch::open(path.clone(), pass.to_vec(), to, None, options())
    };
    open(b"the right one", ExportTo::Passphrase).unwrap();
    assert!(matches!(
        open(b"another", ExportTo::Passphrase),
        Err(FleetError::WrongPassphrase { .. })
    ));
    assert!(open(b"the right one", ExportTo::Passphrase).is_ok());
    assert!(matches!(
        open(
            b"x",
            ExportTo::Recipient {
                public_key: "age1nope".into()
            }
        ),
        Err(FleetError::BadInput { .. })
    ));
    let bad = BatchOptions {
        algorithm: "MD5".into(),
        ..options()
    };
    let other = TempDir::new();
    assert!(matches!(
        FleetBatch::open(
            other.path().display().to_string(),
            b"p".to_vec(),
            ExportTo::Passphrase,
            None,
            bad
        ),
        Err(FleetError::BadInput { .. })
    ));
    // Nothing confirmed yet: no export.
    let b = open(b"the right one", ExportTo::Passphrase).unwrap();
    assert!(matches!(
        b.export("entra-csv".into(), None, false),
        Err(FleetError::Export { .. })
    ));
    let file = SeedFileData {
        bytes: b"serial,secret\n1,JBSWY3DPEHPK3PXPJBSWY3DP\n".to_vec(),
        passphrase: Some(b"hunter2 passphrase".to_vec()),
    };
    let shown = format!("{file:?}");
    assert!(
        !shown.contains("JBSWY") && !shown.contains("hunter2"),
        "{shown}"
    );
}
