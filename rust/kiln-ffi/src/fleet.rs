//! Enrolling many tokens from the app: a thin adapter over `kiln_fleet::Batch`
//! ([`FleetBatch`]). The journal, the seeds, the turn logic and the exports all
//! live in kiln-fleet (docs/fleet.md); this module only converts settings,
//! runs one turn over the Kotlin [`TokenLink`] (the same adapter the
//! single-token session uses) and maps the result to [`BatchTurn`].
//!
//! The journal on the phone is always a passphrase journal: the passphrase is
//! the user's, or a random secret the app keeps under the Android Keystore
//! when the export goes to an age public key. Passphrases cross the boundary as
//! bytes, are moved into zeroizing strings and are never logged.

use crate::error::sentence;
use crate::events::Forward;
use crate::session::{reference, ReferenceClock, SessionObserver, TokenLink};
use kiln_core::params::{DisplayTimeout, TokenHmac, TokenStep};
use kiln_core::secret::SecretString;
use kiln_core::session::{Event, Failure, Observer, OffsetClock};
use kiln_fleet::audit::{AuditEntry, AuditLog, Operator};
use kiln_fleet::export::{export, ExportFormat, UpnMap};
use kiln_fleet::{
    Batch, BatchSettings, Decryptor, Encryptor, Journal, SeedFile, SeedFileOptions, SeedLength,
    SeedSource, Skip, Turn,
};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use zeroize::Zeroize;

/// Why a batch could not be opened, continued or exported. Each message says
/// what to do; none holds a seed or a passphrase.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum FleetError {
    /// A setting, public key, seed file or UPN map was refused. Nothing was
    /// written to any token.
    #[error("{user_message}")]
    BadInput { user_message: String },
    /// The passphrase does not open the journal (or the seed file).
    #[error("{user_message}")]
    WrongPassphrase { user_message: String },
    /// The journal or the audit log could not be written or read: the batch
    /// stopped before the next seed reached a token. Every seed already written
    /// is in the journal.
    #[error("{user_message}")]
    Journal { user_message: String },
    /// The export could not be made (nothing confirmed yet, or the format
    /// cannot take these tokens).
    #[error("{user_message}")]
    Export { user_message: String },
}

impl FleetError {
    fn bad(text: impl std::fmt::Display) -> Self {
        FleetError::BadInput {
            user_message: sentence(&text.to_string()),
        }
    }

    fn journal(text: impl std::fmt::Display) -> Self {
        FleetError::Journal {
            user_message: sentence(&text.to_string()),
        }
    }
}

fn journal_error(e: kiln_fleet::JournalError) -> FleetError {
    use kiln_fleet::JournalError as J;
    match e {
        J::KeyFile(_) => FleetError::WrongPassphrase {
            user_message: sentence(&format!(
                "{e}; type the passphrase this batch was started with"
            )),
        },
        J::OtherRecipients { .. } | J::ModeMismatch { .. } | J::NotAJournal { .. } => {
            FleetError::bad(e)
        }
        other => FleetError::journal(other),
    }
}

/// Who can open the export.
#[derive(uniffi::Enum, Clone, PartialEq, Eq)]
pub enum ExportTo {
    /// An admin's age public key (`age1…`).
    Recipient { public_key: String },
    /// The journal's passphrase (typed twice by the user).
    Passphrase,
}

impl std::fmt::Debug for ExportTo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportTo::Recipient { public_key } => write!(f, "Recipient({public_key})"),
            ExportTo::Passphrase => f.write_str("Passphrase"),
        }
    }
}

/// What every token of the batch gets.
#[derive(uniffi::Record, Clone, Debug, PartialEq, Eq)]
pub struct BatchOptions {
    /// "SHA1" or "SHA256" (Entra ID's CSV takes SHA1 only).
    pub algorithm: String,
    /// 30 or 60 seconds.
    pub period: u32,
    /// 15, 30, 60 or 120 seconds.
    pub display_timeout_secs: u32,
    /// Set each token's clock to the reference (usual).
    pub sync_clock: bool,
    /// The reference clock: trusted network time or the phone's clock.
    pub clock: ReferenceClock,
    /// Who burns, for the audit log.
    pub operator: String,
}

/// A seed file the user picked: its bytes, and the passphrase when it is
/// age-encrypted (`None` for a plain CSV/XML file).
#[derive(uniffi::Record, Clone, PartialEq, Eq)]
pub struct SeedFileData {
    pub bytes: Vec<u8>,
    pub passphrase: Option<Vec<u8>>,
}

impl std::fmt::Debug for SeedFileData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SeedFileData({} bytes, <redacted>)", self.bytes.len())
    }
}

impl SeedFileData {
    fn wipe(&mut self) {
        self.bytes.zeroize();
        if let Some(p) = &mut self.passphrase {
            p.zeroize();
        }
    }
}

/// Why a token was left alone (nothing was written to it).
#[derive(uniffi::Enum, Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// GET INFO failed: present it again.
    NotRead,
    /// A serial the journal cannot hold.
    BadSerial,
    /// A model the batch does not write.
    UnknownModel,
    /// This journal holds it as burned already (the same token twice).
    AlreadyBurned,
    /// The seed file has no seed for it.
    NotInSeedFile,
    /// Another token's burn was interrupted: that one must come first.
    WaitingFor { serial: String },
    /// Its journalled seed cannot be read (never with a passphrase journal).
    NeedsIdentity,
}

/// What one contact did.
#[derive(uniffi::Enum, Clone, Debug, PartialEq, Eq)]
pub enum BatchTurn {
    /// Written and confirmed; the journal says so.
    Burned {
        serial: String,
        model: String,
        /// Token minus reference before the burn, ms.
        drift_ms: i64,
        /// Clock error left by the set, ms (`None`: not measured).
        residual_ms: Option<i64>,
        /// It finished a seed journalled earlier (an interrupted burn).
        finished: bool,
    },
    /// Nothing was written.
    Skipped {
        serial: Option<String>,
        model: Option<String>,
        reason: SkipReason,
        user_message: String,
    },
    /// The link was lost mid-burn: the batch accepts only this token next,
    /// and finishes it with the seed journalled for it.
    LinkLost {
        serial: String,
        model: Option<String>,
        user_message: String,
        token_may_be_blank: bool,
    },
    /// The token refused a command; the batch moves on. Never retried by itself.
    Refused {
        serial: String,
        model: Option<String>,
        user_message: String,
        tries_left: Option<u8>,
        token_may_be_blank: bool,
    },
}

/// The running count.
#[derive(uniffi::Record, Clone, Debug, PartialEq, Eq)]
pub struct BatchTally {
    /// Tokens this journal holds as burned and confirmed (earlier runs too).
    pub confirmed_total: u32,
    /// This run: burned, link losses, refusals, skips.
    pub burned: u32,
    pub retap: u32,
    pub refused: u32,
    pub skipped: u32,
    /// The token the batch waits for (its burn was interrupted).
    pub waiting_for: Option<String>,
    /// Tokens with a journalled seed not confirmed yet.
    pub unconfirmed: Vec<String>,
}

/// An encrypted export, ready to be written where the user chose.
#[derive(uniffi::Record, Clone, Debug, PartialEq, Eq)]
pub struct BatchExport {
    /// ASCII-armored age file (`age -d` or `kiln export` opens it).
    pub bytes: Vec<u8>,
    pub rows: u32,
    pub unconfirmed_rows: u32,
    /// "entra-csv", …
    pub format: String,
}

/// The export formats, in the order a picker shows them (Entra ID CSV first).
#[uniffi::export]
pub fn export_formats() -> Vec<String> {
    ExportFormat::ALL
        .iter()
        .map(|f| f.as_str().to_owned())
        .collect()
}

/// True when `dir` holds a batch journal (the app offers to continue or export it).
#[uniffi::export]
pub fn batch_journal_exists(dir: String) -> bool {
    PathBuf::from(dir)
        .join(kiln_fleet::journal::JOURNAL_FILE)
        .is_file()
}

/// A batch over one journal directory.
#[derive(uniffi::Object)]
pub struct FleetBatch {
    dir: PathBuf,
    batch: Mutex<Batch>,
    key: Decryptor,
    export_to: Encryptor,
    operator: String,
    confirmed_at_open: u32,
}

impl std::fmt::Debug for FleetBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FleetBatch({})", self.dir.display())
    }
}

/// The passphrase bytes as a zeroizing string; the bytes are wiped.
fn secret(bytes: Vec<u8>) -> Result<SecretString, FleetError> {
    match String::from_utf8(bytes) {
        Ok(s) => Ok(SecretString::new(s)),
        Err(e) => {
            e.into_bytes().zeroize();
            Err(FleetError::bad("the passphrase is not valid UTF-8 text"))
        }
    }
}

#[cfg(feature = "testing")]
static TEST_SCRYPT_LOG_N: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Test-only (feature `testing`): a cheap scrypt work factor for passphrase
/// encryption, as the CLI's tests use; 0 restores age's default.
#[cfg(feature = "testing")]
#[uniffi::export]
pub fn set_scrypt_work_factor_for_tests(log_n: u8) {
    TEST_SCRYPT_LOG_N.store(log_n, std::sync::atomic::Ordering::SeqCst);
}

#[allow(clippy::missing_const_for_fn, unused_mut)]
fn tuned(mut enc: Encryptor) -> Encryptor {
    #[cfg(feature = "testing")]
    {
        let n = TEST_SCRYPT_LOG_N.load(std::sync::atomic::Ordering::SeqCst);
        if n > 0 {
            enc.set_scrypt_work_factor(n);
        }
    }
    enc
}

fn read_seed_file(data: &SeedFileData) -> Result<SeedFile, FleetError> {
    let plain = match &data.passphrase {
        Some(p) => {
            let dec = Decryptor::with_passphrase(secret(p.clone())?).map_err(FleetError::bad)?;
            dec.decrypt(&data.bytes)
                .map_err(|e| FleetError::WrongPassphrase {
                    user_message: sentence(&format!("the seed file does not open: {e}")),
                })?
        }
        None => zeroize::Zeroizing::new(data.bytes.clone()),
    };
    let text = std::str::from_utf8(&plain).map_err(|_| {
        FleetError::bad("the seed file is not text (encrypted? give its passphrase)")
    })?;
    SeedFile::parse(text, SeedFileOptions::default())
        .map_err(|e| FleetError::bad(format!("{e}; nothing was written")))
}

fn settings(options: &BatchOptions, seeds: SeedSource) -> Result<BatchSettings, FleetError> {
    let hmac: TokenHmac = options.algorithm.parse().map_err(FleetError::bad)?;
    let step = TokenStep::try_from(options.period).map_err(FleetError::bad)?;
    let display_timeout =
        DisplayTimeout::try_from(options.display_timeout_secs).map_err(FleetError::bad)?;
    let seeds = match seeds {
        SeedSource::Generate(_) => SeedSource::Generate(SeedLength::default_for(hmac)),
        file => file,
    };
    Ok(BatchSettings {
        hmac,
        step,
        display_timeout,
        sync_clock: options.sync_clock,
        // As `kiln batch` by default: the new clock checked to the second by the
        // closing read, without waiting for the token's next second.
        confirm: kiln_core::session::Confirm::Quick,
        reference: reference(&options.clock),
        seeds,
        reburn: false,
    })
}

#[uniffi::export]
impl FleetBatch {
    /// Starts the batch in `dir` (app-private storage; created if missing) or
    /// continues the one there. `passphrase` protects the journal (the user's,
    /// or the app's own secret); a journal that exists opens only with the same
    /// one. `seed_file`: `None` for fresh seeds. `export_to`: who can open the
    /// export. Runs scrypt once (about a second, to unlock the journal's own
    /// key): call off the UI thread.
    #[uniffi::constructor]
    pub fn open(
        dir: String,
        passphrase: Vec<u8>,
        export_to: ExportTo,
        seed_file: Option<SeedFileData>,
        options: BatchOptions,
    ) -> Result<Arc<Self>, FleetError> {
        let pass = secret(passphrase)?;
        let export_to = match export_to {
            ExportTo::Recipient { public_key } => {
                Encryptor::to_recipients([public_key.trim()]).map_err(FleetError::bad)?
            }
            ExportTo::Passphrase => {
                tuned(Encryptor::with_passphrase(pass.clone()).map_err(FleetError::bad)?)
            }
        };
        let seeds = match seed_file {
            Some(mut f) => {
                let read = read_seed_file(&f);
                f.wipe();
                SeedSource::File(read?)
            }
            None => SeedSource::Generate(SeedLength::default_for(TokenHmac::Sha1)),
        };
        let settings = settings(&options, seeds)?;
        let protection = tuned(Encryptor::with_passphrase(pass).map_err(FleetError::bad)?);
        let dir = PathBuf::from(dir);
        // The one scrypt of opening: the passphrase unlocks the journal's own key,
        // which reads it from then on.
        let journal = Journal::create_or_open(&dir, &protection).map_err(journal_error)?;
        let key = journal
            .own_reader()
            .ok_or_else(|| FleetError::bad("the journal has no key of its own"))?;
        for d in &journal.open_report().damage {
            log::warn!("journal: {d}");
        }
        let confirmed_at_open = kiln_fleet::journal::read(&dir, &key)
            .map_err(journal_error)?
            .state()
            .iter()
            .filter(|s| s.is_confirmed())
            .count();
        let audit = journal
            .audit_log(Operator::new(&options.operator))
            .map_err(FleetError::journal)?;
        let batch =
            Batch::new(settings, journal, Some(&key), audit).map_err(FleetError::journal)?;
        Ok(Arc::new(Self {
            dir,
            batch: Mutex::new(batch),
            key,
            export_to,
            operator: options.operator,
            confirmed_at_open: u32::try_from(confirmed_at_open).unwrap_or(u32::MAX),
        }))
    }

    /// One contact: identify, journal the seed durably, burn, confirm (see
    /// docs/fleet.md). A lost link is not waited for here: the next contact
    /// must be the same token, and finishes it. Blocks: call off the UI thread.
    /// A `FleetError.Journal` means the batch stopped: no further seed may be
    /// written, start it again later.
    pub fn turn(
        &self,
        link: Arc<dyn TokenLink>,
        clock: ReferenceClock,
        observer: Option<Arc<dyn SessionObserver>>,
    ) -> Result<BatchTurn, FleetError> {
        let mut seen = Seen {
            forward: Forward {
                observer,
                found: false,
            },
            model: None,
        };
        let mut foreign = crate::session::ForeignLink { link };
        let mut time = OffsetClock {
            offset_us: clock.offset_ms.saturating_mul(1000),
        };
        let mut batch = self.lock();
        // The app asks for the token again with a new contact; never wait here.
        let mut no_wait = |_: &Failure| false;
        let turn = catch_unwind(AssertUnwindSafe(|| {
            batch.turn(&mut foreign, &mut time, &mut seen, &mut no_wait)
        }))
        .map_err(|_| {
            FleetError::journal("the batch stopped on an internal error; please report this")
        })?
        .map_err(FleetError::journal)?;
        Ok(view(turn, seen.model))
    }

    /// The running count and the tokens still to finish.
    pub fn tally(&self) -> BatchTally {
        let batch = self.lock();
        let t = batch.tally();
        BatchTally {
            confirmed_total: self.confirmed_at_open.saturating_add(t.burned),
            burned: t.burned,
            retap: t.retap,
            refused: t.refused,
            skipped: t.skipped,
            waiting_for: batch.waiting_for().map(ToString::to_string),
            unconfirmed: batch.unconfirmed().map(ToString::to_string).collect(),
        }
    }

    /// The export of the confirmed tokens in `format` (see `export_formats`),
    /// age-encrypted to whoever `export_to` named. `upn_map`: CSV `serial,upn`.
    /// `include_unconfirmed`: also rows for tokens never confirmed (marked;
    /// only `csv` and `dualshield-xml` can mark them).
    pub fn export(
        &self,
        format: String,
        upn_map: Option<String>,
        include_unconfirmed: bool,
    ) -> Result<BatchExport, FleetError> {
        let format: ExportFormat = format.parse().map_err(FleetError::bad)?;
        let upn = match upn_map.as_deref() {
            Some(text) => UpnMap::parse(text).map_err(FleetError::bad)?,
            None => UpnMap::default(),
        };
        let contents = {
            // Not while a turn appends.
            let _batch = self.lock();
            kiln_fleet::journal::read(&self.dir, &self.key).map_err(journal_error)?
        };
        let made = export(&contents.state(), format, include_unconfirmed, &upn).map_err(|e| {
            FleetError::Export {
                user_message: sentence(&e.to_string()),
            }
        })?;
        let bytes = self
            .export_to
            .encrypt(&made.bytes, true)
            .map_err(|e| FleetError::Export {
                user_message: sentence(&e.to_string()),
            })?;
        let mut entry = AuditEntry::new("export", "ok");
        entry.detail = Some(format!(
            "{} rows ({} unconfirmed) as {format}, age (ASCII-armored), saved by the app",
            made.rows, made.unconfirmed_rows
        ));
        if let Err(e) = AuditLog::open(&self.dir, None, Operator::new(&self.operator))
            .and_then(|mut l| l.append(entry))
        {
            log::warn!("export audit entry not written: {e}");
        }
        Ok(BatchExport {
            bytes,
            rows: u32::try_from(made.rows).unwrap_or(u32::MAX),
            unconfirmed_rows: u32::try_from(made.unconfirmed_rows).unwrap_or(u32::MAX),
            format: format.as_str().to_owned(),
        })
    }
}

impl FleetBatch {
    fn lock(&self) -> MutexGuard<'_, Batch> {
        // A panic inside a turn is caught above; the batch state is the journal.
        self.batch.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Forwards the core's events and remembers the model GET INFO found.
struct Seen {
    forward: Forward,
    model: Option<String>,
}

impl Observer for Seen {
    fn on_event(&mut self, event: &Event) {
        if let Event::TokenFound { model, .. } = event {
            self.model = Some(model.to_string());
        }
        self.forward.on_event(event);
    }
}

fn skip_reason(s: &Skip) -> SkipReason {
    match s {
        Skip::NotRead(_) => SkipReason::NotRead,
        Skip::BadSerial(_) => SkipReason::BadSerial,
        Skip::UnknownModel => SkipReason::UnknownModel,
        Skip::AlreadyBurned => SkipReason::AlreadyBurned,
        Skip::NotInSeedFile { .. } => SkipReason::NotInSeedFile,
        Skip::WaitingFor { waiting } => SkipReason::WaitingFor {
            serial: waiting.to_string(),
        },
        Skip::NeedsIdentity => SkipReason::NeedsIdentity,
    }
}

fn skip_message(s: &Skip) -> String {
    match s {
        Skip::AlreadyBurned => "already burned in this batch; nothing was written".to_owned(),
        Skip::NeedsIdentity => "its journalled seed cannot be read; nothing was written".to_owned(),
        other => other.to_string(),
    }
}

fn view(turn: Turn, model: Option<String>) -> BatchTurn {
    match turn {
        Turn::Burned {
            serial,
            model,
            drift_before_ms,
            residual_ms,
            finished,
        } => BatchTurn::Burned {
            serial: serial.to_string(),
            model: model.to_string(),
            drift_ms: drift_before_ms.round() as i64,
            residual_ms: residual_ms.map(|r| r.round() as i64),
            finished,
        },
        Turn::Skipped { serial, reason } => BatchTurn::Skipped {
            serial: serial.map(|s| s.to_string()),
            model,
            user_message: sentence(&skip_message(&reason)),
            reason: skip_reason(&reason),
        },
        Turn::Stopped { serial, failure } => match crate::KilnError::from(&*failure) {
            crate::KilnError::RefusedByToken {
                user_message,
                tries_left,
                token_may_be_blank,
                ..
            } => BatchTurn::Refused {
                serial: serial.to_string(),
                model,
                user_message,
                tries_left,
                token_may_be_blank,
            },
            other => {
                if failure.retap().is_some() {
                    BatchTurn::LinkLost {
                        serial: serial.to_string(),
                        model,
                        user_message: other.to_string(),
                        token_may_be_blank: failure.may_be_blank(),
                    }
                } else {
                    BatchTurn::Refused {
                        serial: serial.to_string(),
                        model,
                        user_message: other.to_string(),
                        tries_left: None,
                        token_may_be_blank: failure.may_be_blank(),
                    }
                }
            }
        },
    }
}
