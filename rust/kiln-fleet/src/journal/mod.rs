//! The batch journal: append-only, every record age-encrypted, durable before
//! the seed it holds goes to a token.
//!
//! Files in the journal directory (see `docs/fleet.md`):
//!
//! - `journal.agej`: a header line, then one line per record ([`frame`]): its
//!   number, kind and serial in clear, the age-encrypted record in base64, and a
//!   checksum. An append is one `write` of one line followed by `fsync`; the
//!   file's creation is followed by an `fsync` of the directory.
//! - `journal-key.age` (passphrase journals): the journal's own X25519 identity,
//!   encrypted with the passphrase (age scrypt). Records are encrypted to its
//!   public key, so an append costs no scrypt run; reading needs the passphrase
//!   (or this identity).
//! - `fingerprint.key` (recipient journals): the key of the audit log's seed
//!   fingerprints (see [`crate::audit`]).
//!
//! A record cut short (power loss, kill during the append) is the last line
//! without its end: it is reported on open, sealed with a line end so later
//! appends start on a line of their own, and reported again by every read. It
//! hides nothing: each line is checked on its own. Its seed was never written to
//! a token, because the batch writes a seed only after its append returned.

pub mod frame;
pub mod record;
pub mod state;

use crate::audit::FingerprintKey;
use crate::crypto::{CryptoError, Decryptor, Encryptor, KeyError};
use crate::fsutil;
use crate::serial::TokenSerial;
use frame::{FrameInfo, HeaderMode, RecordKind};
use record::{BurnFacts, BurnedRecord, NewSeed, Record, SeedRecord};
use state::JournalState;
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use zeroize::Zeroizing;

/// The records file.
pub const JOURNAL_FILE: &str = "journal.agej";
/// The passphrase-encrypted identity of a passphrase journal.
pub const KEY_FILE: &str = "journal-key.age";

/// Largest journal read (10,000 tokens take about 12 MB).
const MAX_JOURNAL_BYTES: u64 = 256 * 1024 * 1024;

/// Why the journal could not be created, read or appended to.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("could not create the journal in {dir}: {source}")]
    Create { dir: String, source: std::io::Error },
    #[error("could not read the journal {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "could not write to the journal {path} ({source}). The batch stopped before writing the \
         next seed to any token; every seed already written is in the journal. Free space or fix \
         the directory, then start the batch again with the same --journal"
    )]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "an earlier write to the journal failed, so the batch stopped before writing the next \
         seed to any token; start it again with the same --journal"
    )]
    Stopped,
    #[error("{dir} holds no journal ({JOURNAL_FILE} is missing)")]
    Missing { dir: String },
    #[error("{path} is not a tokenkiln journal (its first line is not a journal header)")]
    NotAJournal { path: String },
    #[error(
        "this journal's records are encrypted to {}; give exactly these --recipient keys, or \
         start a new journal in another directory", .journal.join(", ")
    )]
    OtherRecipients { journal: Vec<String> },
    #[error("this journal is protected by {journal_uses}; {hint}")]
    ModeMismatch {
        journal_uses: &'static str,
        hint: &'static str,
    },
    #[error("the journal's key ({KEY_FILE}) does not open with this passphrase: {0}")]
    KeyFile(CryptoError),
    #[error("{0}")]
    Key(#[from] KeyError),
    #[error("the journal's records do not open: {0}")]
    Decrypt(CryptoError),
    #[error("could not encrypt the record: {0}")]
    Encrypt(String),
    #[error("record {seq} is not a seed record of {serial}; a burned record must confirm one")]
    UnknownSeedRecord { serial: TokenSerial, seq: u64 },
    #[error("{0}")]
    Random(#[from] crate::seedgen::RandomSourceFailed),
}

/// A line of the journal that is not a good record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    /// 1-based line of `journal.agej`.
    pub line: u64,
    pub kind: DamageKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DamageKind {
    /// The last line has no end: an append was cut short.
    TornTail,
    /// A line that is not a whole, unaltered record.
    Damaged(&'static str),
    /// A well-framed record that did not decrypt or parse.
    Unreadable(String),
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            DamageKind::TornTail => write!(
                f,
                "line {} of the journal is a record cut short (power loss or a kill during the append); \
                 its seed was never written to a token, and every other record is intact",
                self.line
            ),
            DamageKind::Damaged(why) => write!(f, "line {} of the journal: {why}", self.line),
            DamageKind::Unreadable(why) => write!(f, "line {} of the journal: {why}", self.line),
        }
    }
}

/// What opening an existing journal found.
#[derive(Clone, Debug, Default)]
pub struct OpenReport {
    /// The journal existed (false: it was created now).
    pub existed: bool,
    /// Lines that are not good records (a torn tail was sealed with a line end).
    pub damage: Vec<Damage>,
}

/// Everything a journal holds, decrypted.
#[derive(Debug, Default)]
pub struct JournalContents {
    /// The good records, in journal order.
    pub records: Vec<Record>,
    /// Lines that are not good records, in line order.
    pub damage: Vec<Damage>,
}

impl JournalContents {
    pub fn state(&self) -> JournalState {
        JournalState::from_records(&self.records)
    }
}

/// A journal open for appending.
pub struct Journal {
    dir: PathBuf,
    path: PathBuf,
    file: File,
    mode: HeaderMode,
    records_to: Encryptor,
    fingerprint_key: FingerprintKey,
    /// Passphrase journals: the journal's own identity, opened from
    /// `journal-key.age` with the passphrase when the journal was opened.
    own_key: Option<age::x25519::Identity>,
    frames: Vec<FrameInfo>,
    next_seq: u64,
    fsync: bool,
    stopped: bool,
    report: OpenReport,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Journal({}, {} records)",
            self.path.display(),
            self.frames.len()
        )
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn same_set(a: &[String], b: &[String]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort();
    b.sort();
    a == b
}

/// The header and the lines of an existing journal.
struct Scan {
    mode: HeaderMode,
    frames: Vec<(FrameInfo, Vec<u8>)>,
    damage: Vec<Damage>,
    lines: u64,
    torn: bool,
}

fn scan(path: &Path) -> Result<Scan, JournalError> {
    let rerr = |source| JournalError::Read {
        path: path.display().to_string(),
        source,
    };
    let file = File::open(path).map_err(rerr)?;
    let len = file.metadata().map_err(rerr)?.len();
    if len > MAX_JOURNAL_BYTES {
        return Err(rerr(std::io::Error::other(format!(
            "larger than {MAX_JOURNAL_BYTES} bytes"
        ))));
    }
    let bytes = std::fs::read(path).map_err(rerr)?;
    // Damaged bytes must not hide the lines around them: read lossily.
    let text = String::from_utf8_lossy(&bytes);
    let (lines, torn) = frame::split(&text);
    let header = lines.first().and_then(|(_, l)| frame::parse_header(l));
    let Some(mode) = header else {
        return Err(JournalError::NotAJournal {
            path: path.display().to_string(),
        });
    };
    let mut frames = Vec::new();
    let mut damage = Vec::new();
    for &(n, line) in lines.iter().skip(1) {
        match frame::decode(line, n) {
            Ok(f) => frames.push(f),
            Err(why) => damage.push(Damage {
                line: n,
                kind: DamageKind::Damaged(why),
            }),
        }
    }
    let mut count = lines.len() as u64;
    if let Some((n, _)) = torn {
        damage.push(Damage {
            line: n,
            kind: DamageKind::TornTail,
        });
        count = n;
    }
    Ok(Scan {
        mode,
        frames,
        damage,
        lines: count,
        torn: torn.is_some(),
    })
}

/// The journal's own identity from `journal-key.age`, opened with `passphrase`.
fn open_key_file(dir: &Path, dec: &Decryptor) -> Result<age::x25519::Identity, JournalError> {
    let path = dir.join(KEY_FILE);
    let data = std::fs::read(&path).map_err(|source| JournalError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let text = dec.decrypt(&data).map_err(JournalError::KeyFile)?;
    let s = Zeroizing::new(String::from_utf8_lossy(&text).trim().to_owned());
    age::x25519::Identity::from_str(&s).map_err(|_| {
        JournalError::KeyFile(CryptoError::Damaged(format!(
            "{KEY_FILE} holds no identity"
        )))
    })
}

impl Journal {
    /// Creates the journal in `dir` (made if missing), or opens the one there
    /// for appending. `protection` must be the journal's own: the same
    /// recipients, or the passphrase that opens its key. There is no journal
    /// without one.
    pub fn create_or_open(dir: &Path, protection: &Encryptor) -> Result<Self, JournalError> {
        let cerr = |source| JournalError::Create {
            dir: dir.display().to_string(),
            source,
        };
        fsutil::create_private_dir(dir).map_err(cerr)?;
        let path = dir.join(JOURNAL_FILE);
        let existed = path.exists();
        let (mode, records_to, fingerprint_key, own_key, frames, lines, damage, torn) = if existed {
            let s = scan(&path)?;
            let (records_to, key, own_key) = match (&s.mode, protection.passphrase()) {
                (HeaderMode::Recipients(r), None) => {
                    if !same_set(r, &protection.recipients()) {
                        return Err(JournalError::OtherRecipients { journal: r.clone() });
                    }
                    (
                        protection.clone(),
                        FingerprintKey::load_or_create(dir)?,
                        None,
                    )
                }
                (HeaderMode::Passphrase(k), Some(p)) => {
                    let id = open_key_file(dir, &Decryptor::with_passphrase(p.clone())?)?;
                    if id.to_public().to_string() != *k {
                        return Err(JournalError::KeyFile(CryptoError::Damaged(format!(
                            "{KEY_FILE} does not belong to this journal"
                        ))));
                    }
                    (
                        Encryptor::to_key(id.to_public()),
                        FingerprintKey::derive(crate::crypto::identity_text(&id).as_bytes()),
                        Some(id),
                    )
                }
                (HeaderMode::Recipients(_), Some(_)) => {
                    return Err(JournalError::ModeMismatch {
                        journal_uses: "age public keys",
                        hint: "give the same --recipient keys instead of a passphrase",
                    })
                }
                (HeaderMode::Passphrase(_), None) => {
                    return Err(JournalError::ModeMismatch {
                        journal_uses: "a passphrase",
                        hint: "give the same --passphrase-file instead of recipients",
                    })
                }
            };
            let frames = s.frames.into_iter().map(|(f, _)| f).collect();
            (
                s.mode, records_to, key, own_key, frames, s.lines, s.damage, s.torn,
            )
        } else {
            let (mode, records_to, key, own_key) = match protection.passphrase() {
                Some(p) => {
                    let key_path = dir.join(KEY_FILE);
                    let id = if key_path.exists() {
                        // A crash between the key file and the journal: reuse the key.
                        open_key_file(dir, &Decryptor::with_passphrase(p.clone())?)?
                    } else {
                        let id = crate::crypto::generate_identity();
                        let text = crate::crypto::identity_text(&id);
                        let sealed = protection
                            .encrypt(text.as_bytes(), true)
                            .map_err(|e| JournalError::Encrypt(e.to_string()))?;
                        fsutil::write_new_private(&key_path, &sealed, true).map_err(cerr)?;
                        id
                    };
                    let public = id.to_public();
                    (
                        HeaderMode::Passphrase(public.to_string()),
                        Encryptor::to_key(public),
                        FingerprintKey::derive(crate::crypto::identity_text(&id).as_bytes()),
                        Some(id),
                    )
                }
                None => (
                    HeaderMode::Recipients(protection.recipients()),
                    protection.clone(),
                    FingerprintKey::load_or_create(dir)?,
                    None,
                ),
            };
            fsutil::write_new_private(&path, frame::header_line(&mode).as_bytes(), true)
                .map_err(cerr)?;
            (
                mode,
                records_to,
                key,
                own_key,
                Vec::new(),
                1,
                Vec::new(),
                false,
            )
        };
        let mut file = fsutil::open_append(&path).map_err(|source| JournalError::Write {
            path: path.display().to_string(),
            source,
        })?;
        if torn {
            // The cut-short record keeps its line; later records start on their own.
            fsutil::append_durably(&mut file, b"\n", true).map_err(|source| {
                JournalError::Write {
                    path: path.display().to_string(),
                    source,
                }
            })?;
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            path,
            file,
            mode,
            records_to,
            fingerprint_key,
            own_key,
            frames,
            next_seq: lines.saturating_add(1),
            fsync: true,
            stopped: false,
            report: OpenReport { existed, damage },
        })
    }

    /// Skips `fsync` after appends. Only for measuring what the fsync costs.
    #[doc(hidden)]
    pub fn set_fsync(&mut self, fsync: bool) {
        self.fsync = fsync;
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What opening found (damaged or cut-short lines of an existing journal).
    pub fn open_report(&self) -> &OpenReport {
        &self.report
    }

    /// The key of the audit log's seed fingerprints for this journal.
    pub fn fingerprint_key(&self) -> &FingerprintKey {
        &self.fingerprint_key
    }

    /// The audit log beside this journal, with its fingerprint key.
    pub fn audit_log(
        &self,
        operator: crate::audit::Operator,
    ) -> Result<crate::audit::AuditLog, crate::audit::AuditError> {
        crate::audit::AuditLog::open(&self.dir, Some(self.fingerprint_key.clone()), operator)
    }

    /// The records' clear parts (number, kind, serial), in order.
    pub fn frames(&self) -> &[FrameInfo] {
        &self.frames
    }

    /// Serials whose newest record is a seed (not yet confirmed), known without
    /// decrypting. A batch must finish these with their journalled seed, which
    /// needs [`Journal::read_all`] and the identity or passphrase.
    pub fn unconfirmed_serials(&self) -> Vec<TokenSerial> {
        let mut last: BTreeMap<&TokenSerial, RecordKind> = BTreeMap::new();
        for f in &self.frames {
            last.insert(&f.serial, f.kind);
        }
        last.into_iter()
            .filter(|(_, k)| *k == RecordKind::Seed)
            .map(|(s, _)| s.clone())
            .collect()
    }

    fn append(&mut self, rec: &Record) -> Result<u64, JournalError> {
        if self.stopped {
            return Err(JournalError::Stopped);
        }
        let json = record::to_json(rec).map_err(JournalError::Encrypt)?;
        let ct = self
            .records_to
            .encrypt(&json, false)
            .map_err(|e| JournalError::Encrypt(e.to_string()))?;
        let info = FrameInfo {
            seq: rec.seq(),
            kind: rec.kind(),
            serial: rec.serial().clone(),
        };
        let line = frame::encode(&info, &ct);
        if let Err(source) = fsutil::append_durably(&mut self.file, line.as_bytes(), self.fsync) {
            // Part of the line may be on disk: no further append may follow it.
            self.stopped = true;
            return Err(JournalError::Write {
                path: self.path.display().to_string(),
                source,
            });
        }
        self.frames.push(info);
        self.next_seq = self.next_seq.saturating_add(1);
        Ok(rec.seq())
    }

    /// Journals a seed before it is written to a token; returns its record
    /// number. When this returns `Ok`, the record is on disk (written and
    /// fsynced). On `Err`, the seed must not be written to the token.
    pub fn append_seed(&mut self, seed: &NewSeed) -> Result<u64, JournalError> {
        let rec = Record::Seed(SeedRecord::from_new(seed, self.next_seq, now_secs()));
        self.append(&rec)
    }

    /// Marks the token as holding the seed of record `confirms` (after the
    /// confirming read).
    pub fn append_burned(
        &mut self,
        serial: &TokenSerial,
        confirms: u64,
        facts: BurnFacts,
    ) -> Result<u64, JournalError> {
        let known = self
            .frames
            .iter()
            .any(|f| f.seq == confirms && f.kind == RecordKind::Seed && f.serial == *serial);
        if !known {
            return Err(JournalError::UnknownSeedRecord {
                serial: serial.clone(),
                seq: confirms,
            });
        }
        let rec = Record::Burned(BurnedRecord {
            seq: self.next_seq,
            serial: serial.clone(),
            confirms,
            time: now_secs(),
            facts,
        });
        self.append(&rec)
    }

    /// Reads and decrypts this journal (the file as it is now).
    pub fn read_all(&self, key: &Decryptor) -> Result<JournalContents, JournalError> {
        read(&self.dir, key)
    }

    /// What reads this journal without the passphrase's scrypt again: for a
    /// passphrase journal, its own identity, opened when the journal was (the
    /// passphrase was checked then). `None` for a journal to age public keys,
    /// whose reading needs an identity file the batch does not hold.
    pub fn own_reader(&self) -> Option<Decryptor> {
        self.own_key.clone().map(Decryptor::from_identity)
    }

    /// How records of this journal are protected, for messages.
    pub fn protection(&self) -> &'static str {
        match self.mode {
            HeaderMode::Recipients(_) => "age public keys",
            HeaderMode::Passphrase(_) => "a passphrase",
        }
    }
}

/// Reads and decrypts the journal in `dir` without changing it. `key`: an
/// identity file's identities (recipient journals; or the identity inside
/// `journal-key.age`), or the passphrase (passphrase journals).
pub fn read(dir: &Path, key: &Decryptor) -> Result<JournalContents, JournalError> {
    let path = dir.join(JOURNAL_FILE);
    if !path.exists() {
        return Err(JournalError::Missing {
            dir: dir.display().to_string(),
        });
    }
    let s = scan(&path)?;
    let owned;
    let dec = match (&s.mode, key.passphrase()) {
        (HeaderMode::Passphrase(_), Some(_)) => {
            owned = Decryptor::from_identity(open_key_file(dir, key)?);
            &owned
        }
        (HeaderMode::Recipients(_), Some(_)) => {
            return Err(JournalError::ModeMismatch {
                journal_uses: "age public keys",
                hint: "give the identity file (--identity) that belongs to one of them",
            })
        }
        _ => key,
    };
    let mut out = JournalContents {
        records: Vec::new(),
        damage: s.damage,
    };
    for (info, ct) in &s.frames {
        let plain = match dec.decrypt(ct) {
            Ok(p) => p,
            Err(e @ CryptoError::WrongKey(_)) => return Err(JournalError::Decrypt(e)),
            Err(e) => {
                out.damage.push(Damage {
                    line: info.seq,
                    kind: DamageKind::Unreadable(e.to_string()),
                });
                continue;
            }
        };
        match record::from_json(&plain) {
            Ok(r) if r.seq() == info.seq && r.kind() == info.kind && *r.serial() == info.serial => {
                out.records.push(r)
            }
            Ok(_) => out.damage.push(Damage {
                line: info.seq,
                kind: DamageKind::Damaged(
                    "the record does not match its line (number, kind or serial)",
                ),
            }),
            Err(why) => out.damage.push(Damage {
                line: info.seq,
                kind: DamageKind::Damaged(why),
            }),
        }
    }
    out.damage.sort_by_key(|d| d.line);
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests;
