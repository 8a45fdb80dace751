//! The audit log: `audit.jsonl` beside the journal, one JSON object per line,
//! appended and fsynced, holding no seed.
//!
//! ```json
//! {"time":1795332950,"time_utc":"2026-11-22T07:35:50Z","serial":"86596220000456",
//!  "vendor":"Token2","model":"OTPC-P2-i","action":"burned","result":"ok",
//!  "drift_before_ms":-94530.0,"residual_after_ms":10.9,
//!  "seed_fingerprint":"K7QMZ2D4XA","operator":"alice","detail":null}
//! ```
//!
//! The seed fingerprint is HMAC-SHA256 under a key of the journal, cut to 50
//! bits (10 Base32 characters): the same seed gives the same fingerprint within
//! one journal, and without the key a fingerprint says nothing about the seed.
//! The key: in a passphrase journal, derived from the journal's own identity
//! (so it is as secret as the passphrase); in a recipient journal, 32 random
//! bytes in `fingerprint.key` (mode 0600), since a batch that holds only public
//! keys must still be able to compute it after a restart.

use crate::fsutil;
use crate::journal::record::ModelName;
use crate::journal::JournalError;
use crate::serial::TokenSerial;
use data_encoding::{BASE32_NOPAD, HEXLOWER};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fs::File;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The audit log's file name.
pub const AUDIT_FILE: &str = "audit.jsonl";
/// The fingerprint key of a recipient journal.
pub const FINGERPRINT_KEY_FILE: &str = "fingerprint.key";

/// Base32 characters of a fingerprint (50 bits).
const FINGERPRINT_CHARS: usize = 10;

/// The key of the seed fingerprints of one journal.
#[derive(Clone)]
pub struct FingerprintKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey(<redacted>)")
    }
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length: this cannot fail.
    match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mut m) => {
            m.update(data);
            m.finalize().into_bytes().into()
        }
        Err(_) => [0u8; 32],
    }
}

impl FingerprintKey {
    /// Derived from secret material (a passphrase journal's own identity).
    pub(crate) fn derive(secret: &[u8]) -> Self {
        Self(Zeroizing::new(hmac(
            secret,
            b"tokenkiln audit fingerprint key v1",
        )))
    }

    /// The key in `dir/fingerprint.key`, made (32 random bytes, 0600) if missing.
    pub(crate) fn load_or_create(dir: &Path) -> Result<Self, JournalError> {
        let path = dir.join(FINGERPRINT_KEY_FILE);
        let rerr = |source| JournalError::Read {
            path: path.display().to_string(),
            source,
        };
        if path.exists() {
            let text = fsutil::read_secret_text(&path, 1024)
                .map_err(|e| rerr(std::io::Error::other(e.to_string())))?;
            let bytes = Zeroizing::new(
                HEXLOWER
                    .decode(text.trim().as_bytes())
                    .map_err(|_| rerr(std::io::Error::other("not 64 hex digits")))?,
            );
            let key: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| rerr(std::io::Error::other("not 64 hex digits")))?;
            return Ok(Self(Zeroizing::new(key)));
        }
        let key = crate::seedgen::random_key::<32>()?;
        let text = Zeroizing::new(format!("{}\n", HEXLOWER.encode(&key[..])));
        fsutil::write_new_private(&path, text.as_bytes(), true).map_err(|source| {
            JournalError::Create {
                dir: dir.display().to_string(),
                source,
            }
        })?;
        Ok(Self(key))
    }

    /// The fingerprint of `seed`: 10 Base32 characters, no seed bit without the key.
    pub fn fingerprint(&self, seed: &[u8]) -> String {
        let mac = hmac(&self.0[..], seed);
        let mut s = BASE32_NOPAD.encode(&mac);
        s.truncate(FINGERPRINT_CHARS);
        s
    }
}

/// Who ran the batch: `--operator`, else the OS user (`USER`, `USERNAME`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator(String);

impl Operator {
    /// A name, cleaned: control characters dropped, at most 64 characters.
    pub fn new(name: &str) -> Self {
        let clean: String = name.chars().filter(|c| !c.is_control()).take(64).collect();
        let clean = clean.trim();
        Self(if clean.is_empty() {
            "unknown".to_owned()
        } else {
            clean.to_owned()
        })
    }

    /// The OS user from the environment, else `unknown`.
    pub fn from_env() -> Self {
        let name = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_default();
        Self::new(&name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One line of the audit log. `time`, `time_utc` and `operator` are filled in
/// by [`AuditLog::append`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    #[serde(default)]
    pub time: u64,
    #[serde(default)]
    pub time_utc: String,
    pub serial: Option<TokenSerial>,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    /// What was done: `journalled`, `burned`, `skipped`, `refused`, `link_lost`,
    /// `export`, … (docs/fleet.md lists the words the batch uses).
    pub action: String,
    /// How it ended: `ok`, or a short reason.
    pub result: String,
    #[serde(default)]
    pub drift_before_ms: Option<f64>,
    #[serde(default)]
    pub residual_after_ms: Option<f64>,
    #[serde(default)]
    pub seed_fingerprint: Option<String>,
    #[serde(default)]
    pub operator: String,
    /// A sentence for the admin (never a seed).
    #[serde(default)]
    pub detail: Option<String>,
}

impl AuditEntry {
    /// An entry with the action and result; the rest empty.
    pub fn new(action: &str, result: &str) -> Self {
        Self {
            time: 0,
            time_utc: String::new(),
            serial: None,
            vendor: None,
            model: None,
            action: action.to_owned(),
            result: result.to_owned(),
            drift_before_ms: None,
            residual_after_ms: None,
            seed_fingerprint: None,
            operator: String::new(),
            detail: None,
        }
    }

    pub fn token(mut self, serial: &TokenSerial, model: Option<&ModelName>) -> Self {
        self.serial = Some(serial.clone());
        self.vendor = model.map(|m| m.vendor.clone());
        self.model = model.map(|m| m.name.clone());
        self
    }
}

/// Why the audit log could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(
        "could not write the audit log {path} ({source}); the batch stopped before writing the next seed"
    )]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("could not read the audit log {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
}

/// The audit log of a journal directory, open for appending.
pub struct AuditLog {
    path: PathBuf,
    file: File,
    key: Option<FingerprintKey>,
    operator: Operator,
    fsync: bool,
}

impl AuditLog {
    /// Opens (or creates, mode 0600) `dir/audit.jsonl`. `key`: the journal's
    /// fingerprint key ([`crate::Journal::fingerprint_key`]); without it (e.g.
    /// `kiln export`, which writes no seed) entries carry no fingerprint.
    pub fn open(
        dir: &Path,
        key: Option<FingerprintKey>,
        operator: Operator,
    ) -> Result<Self, AuditError> {
        let path = dir.join(AUDIT_FILE);
        let werr = |source| AuditError::Write {
            path: path.display().to_string(),
            source,
        };
        if !path.exists() {
            fsutil::write_new_private(&path, b"", true).map_err(werr)?;
        }
        let file = fsutil::open_append(&path).map_err(werr)?;
        Ok(Self {
            path,
            file,
            key,
            operator,
            fsync: true,
        })
    }

    #[doc(hidden)]
    pub fn set_fsync(&mut self, fsync: bool) {
        self.fsync = fsync;
    }

    /// The fingerprint of `seed` under this journal's key (none without a key).
    pub fn fingerprint(&self, seed: &[u8]) -> Option<String> {
        self.key.as_ref().map(|k| k.fingerprint(seed))
    }

    /// Appends `entry` (time and operator filled in) and makes it durable.
    pub fn append(&mut self, mut entry: AuditEntry) -> Result<(), AuditError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        entry.time = now;
        entry.time_utc = utc(now);
        entry.operator = self.operator.as_str().to_owned();
        if let Some(d) = entry.detail.as_mut() {
            d.retain(|c| !c.is_control());
        }
        let mut line = serde_json::to_string(&entry).map_err(|e| AuditError::Write {
            path: self.path.display().to_string(),
            source: std::io::Error::other(e),
        })?;
        line.push('\n');
        fsutil::append_durably(&mut self.file, line.as_bytes(), self.fsync).map_err(|source| {
            AuditError::Write {
                path: self.path.display().to_string(),
                source,
            }
        })
    }
}

/// The audit log's entries, and the lines that are not entries.
#[derive(Debug, Default)]
pub struct AuditRead {
    pub entries: Vec<AuditEntry>,
    /// 1-based numbers of lines that are not entries (e.g. cut short).
    pub bad_lines: Vec<usize>,
}

/// Reads `dir/audit.jsonl` (no key needed: it holds no secret).
pub fn read(dir: &Path) -> Result<AuditRead, AuditError> {
    let path = dir.join(AUDIT_FILE);
    let bytes = std::fs::read(&path).map_err(|source| AuditError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let mut out = AuditRead::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<AuditEntry>(line) {
            Ok(e) => out.entries.push(e),
            Err(_) => out.bad_lines.push(i.saturating_add(1)),
        }
    }
    Ok(out)
}

/// `2026-11-22T07:35:50Z` for Unix seconds.
pub fn utc(secs: u64) -> String {
    let c = kiln_core::time::Civil::from_unix(i64::try_from(secs).unwrap_or(i64::MAX));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(1_795_332_950), "2026-11-22T07:35:50Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn fingerprints_are_keyed_stable_and_short() {
        let a = FingerprintKey::derive(b"one journal");
        let b = FingerprintKey::derive(b"another journal");
        let seed = b"12345678901234567890";
        assert_eq!(a.fingerprint(seed), a.fingerprint(seed));
        assert_ne!(a.fingerprint(seed), b.fingerprint(seed));
        assert_ne!(a.fingerprint(seed), a.fingerprint(b"12345678901234567891"));
        assert_eq!(a.fingerprint(seed).len(), FINGERPRINT_CHARS);
        // Not kiln-core's unkeyed display fingerprint.
        assert!(!a
            .fingerprint(seed)
            .starts_with(&kiln_core::seed::fingerprint(seed)));
    }

    #[test]
    fn entries_append_and_read_back_without_seeds() {
        let dir = tempfile::tempdir().unwrap();
        let key = FingerprintKey::derive(b"k");
        let seed = [0x5Au8; 20];
        let mut log =
            AuditLog::open(dir.path(), Some(key.clone()), Operator::new("alice")).unwrap();
        let serial = TokenSerial::new("0086596220000456").unwrap();
        let model = ModelName {
            vendor: "Token2".into(),
            name: "OTPC-P2-i".into(),
        };
        let mut e = AuditEntry::new("burned", "ok").token(&serial, Some(&model));
        e.drift_before_ms = Some(-94_530.0);
        e.residual_after_ms = Some(10.9);
        e.seed_fingerprint = log.fingerprint(&seed);
        e.detail = Some("line\nbreak".into());
        log.append(e).unwrap();
        log.append(AuditEntry::new("export", "ok")).unwrap();
        drop(log);
        // A line cut short is reported, not fatal.
        let path = dir.path().join(AUDIT_FILE);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"time\":1,\"ser");
        std::fs::write(&path, &text).unwrap();
        let r = read(dir.path()).unwrap();
        assert_eq!(r.entries.len(), 2);
        assert_eq!(r.bad_lines, vec![3]);
        let first = &r.entries[0];
        assert_eq!(first.operator, "alice");
        assert_eq!(first.serial.as_ref().unwrap().as_str(), "0086596220000456");
        assert_eq!(first.model.as_deref(), Some("OTPC-P2-i"));
        assert_eq!(first.seed_fingerprint, Some(key.fingerprint(&seed)));
        assert_eq!(first.detail.as_deref(), Some("linebreak"));
        assert!(first.time_utc.ends_with('Z'));
        crate::journal::tests::assert_no_plaintext(dir.path(), &[seed.to_vec()]);
    }

    #[test]
    fn operator_names_are_cleaned() {
        assert_eq!(Operator::new("  alice\u{1b}[31m ").as_str(), "alice[31m");
        assert_eq!(Operator::new("").as_str(), "unknown");
        assert_eq!(Operator::new(&"x".repeat(100)).as_str().len(), 64);
    }
}
