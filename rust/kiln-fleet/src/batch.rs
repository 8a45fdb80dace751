//! One batch: tokens presented one after another, each burned with a seed that
//! is in the journal before it is written.
//!
//! A [`Batch`] runs one **turn** per token presented ([`Batch::turn`]), over any
//! link the core's driver can use (PC/SC, the simulator):
//!
//! 1. GET INFO only: which token is this? (nothing else is sent to a token the
//!    batch will not write: unknown models, a serial burned already, a serial
//!    not in the seed file, another token while one is waiting to be finished);
//! 2. its seed: the one journalled for it and not yet confirmed (a restarted
//!    batch finishes a token with the seed it may already hold, never a fresh
//!    one), else a fresh seed or the seed file's; appended to the journal and
//!    made durable **before** the burn starts;
//! 3. one burn action of the core (`run_burn_action`, accepting only this
//!    serial): config, seed, confirming read; a refusal ends the token's turn
//!    with one authentication; a lost link is finished when the same token is
//!    presented again;
//! 4. the `burned` record (after the confirming read) and the audit entry.
//!
//! A journal that cannot be written stops the batch before any further seed
//! reaches a token ([`BatchError`]).

use crate::audit::{AuditEntry, AuditLog};
use crate::journal::record::{BurnFacts, ModelName, NewSeed, SeedOrigin, SeedRecord};
use crate::journal::{Journal, JournalError};
use crate::seedfile::SeedFile;
use crate::seedgen::{self, SeedLength};
use crate::serial::TokenSerial;
use crate::Decryptor;
use kiln_core::clock::Reference;
use kiln_core::params::{DisplayTimeout, TokenConfig, TokenHmac, TokenSeed, TokenStep};
use kiln_core::proto::{Model, UnknownModelPolicy};
use kiln_core::session::{
    run_burn_action, run_session_with, BurnRequest, Clock, Confirm, Failure, Measure, Observer,
    Outcome, ReadSession, Resume, Transceive,
};
use std::collections::{BTreeMap, BTreeSet};

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Where the batch's seeds come from.
pub enum SeedSource {
    /// Fresh seeds from the OS CSPRNG.
    Generate(SeedLength),
    /// A checked seed file: a token not in it gets nothing.
    File(SeedFile),
}

/// What every token of the batch gets.
pub struct BatchSettings {
    pub hmac: TokenHmac,
    pub step: TokenStep,
    pub display_timeout: DisplayTimeout,
    /// Set each token's clock to the reference (else keep its own time).
    pub sync_clock: bool,
    /// How each token's written clock is confirmed: [`Confirm::Quick`] checks it
    /// to the second without waiting for the token's next one (about a second
    /// less per token); [`Confirm::Precise`] measures the residual to about a
    /// round trip.
    pub confirm: Confirm,
    pub reference: Reference,
    pub seeds: SeedSource,
    /// Burn a token the journal already holds as burned (a new seed; both
    /// records kept, the newer current).
    pub reburn: bool,
}

/// Why a token was left alone (nothing was written to it).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Skip {
    #[error("the token did not answer GET INFO ({0}); nothing was written: present it again")]
    NotRead(String),
    #[error("its serial cannot be journalled ({0}); nothing was written")]
    BadSerial(String),
    #[error("unknown model: the batch writes only known models; nothing was written")]
    UnknownModel,
    #[error("already burned in this journal; nothing was written (--reburn burns it again with a new seed)")]
    AlreadyBurned,
    #[error("{serial} is not in the seed file; nothing was written")]
    NotInSeedFile { serial: TokenSerial },
    #[error(
        "the batch is waiting for token {waiting}, whose burn was interrupted: present that \
         token to finish it; nothing was written to this one"
    )]
    WaitingFor { waiting: TokenSerial },
    #[error(
        "this token has a journalled seed that is not confirmed, and the batch cannot read \
         the journal's seeds (give --identity or the passphrase) to finish it with that seed; \
         nothing was written"
    )]
    NeedsIdentity,
}

/// What happened to the token presented.
#[derive(Debug)]
pub enum Turn {
    /// Written and confirmed; the journal says so.
    Burned {
        serial: TokenSerial,
        model: ModelName,
        /// Token minus reference before the burn, ms.
        drift_before_ms: f64,
        /// The clock error left by the set, ms (`None`: the confirming read was cut off).
        residual_ms: Option<f64>,
        /// It finished a seed journalled earlier (an interrupted burn).
        finished: bool,
    },
    /// Nothing was written.
    Skipped {
        serial: Option<TokenSerial>,
        reason: Skip,
    },
    /// The burn stopped: a refusal (the batch moves on) or a lost link (the
    /// batch waits for this token: [`Batch::waiting_for`]). The journal holds
    /// the seed the token may now hold.
    Stopped {
        serial: TokenSerial,
        failure: Box<Failure>,
    },
}

/// Why the batch itself stopped.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{0}")]
    Journal(#[from] JournalError),
    #[error("{0}")]
    Audit(#[from] crate::audit::AuditError),
    #[error("the OS random source failed ({0}); the batch stopped before writing the next seed")]
    Random(String),
}

/// Counts for the running line ("17 burned · 1 to re-tap · 0 refused").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub burned: u32,
    pub retap: u32,
    pub refused: u32,
    pub skipped: u32,
}

/// A running batch over one journal.
pub struct Batch {
    settings: BatchSettings,
    journal: Journal,
    audit: AuditLog,
    /// Journalled seeds not confirmed yet, readable: (record number, seed record).
    pending: BTreeMap<TokenSerial, SeedRecord>,
    /// Pending serials whose seeds cannot be read (no identity given).
    unreadable: BTreeSet<TokenSerial>,
    confirmed: BTreeSet<TokenSerial>,
    waiting: Option<TokenSerial>,
    tally: Tally,
}

impl Batch {
    /// Starts (or continues) the batch of `journal`. `key` opens the journal's
    /// seeds so that unconfirmed tokens can be finished with their own seed;
    /// without it those tokens are left alone.
    pub fn new(
        settings: BatchSettings,
        journal: Journal,
        key: Option<&Decryptor>,
        audit: AuditLog,
    ) -> Result<Self, BatchError> {
        let mut pending = BTreeMap::new();
        let mut unreadable = BTreeSet::new();
        let mut confirmed = BTreeSet::new();
        match key {
            Some(k) => {
                let state = journal.read_all(k)?.state();
                for s in state.iter() {
                    if s.is_confirmed() {
                        confirmed.insert(s.serial.clone());
                    } else if let Some(r) = s.current() {
                        pending.insert(s.serial.clone(), r.clone());
                    }
                }
            }
            None => {
                unreadable.extend(journal.unconfirmed_serials());
                for f in journal.frames() {
                    if !unreadable.contains(&f.serial) {
                        confirmed.insert(f.serial.clone());
                    }
                }
            }
        }
        Ok(Self {
            settings,
            journal,
            audit,
            pending,
            unreadable,
            confirmed,
            waiting: None,
            tally: Tally::default(),
        })
    }

    /// What every token of this batch gets.
    pub fn settings(&self) -> &BatchSettings {
        &self.settings
    }

    pub fn tally(&self) -> Tally {
        self.tally
    }

    /// The token an interrupted burn left unfinished: the batch accepts no
    /// other token until it is presented again.
    pub fn waiting_for(&self) -> Option<&TokenSerial> {
        self.waiting.as_ref()
    }

    /// Tokens the journal holds a seed for that is not confirmed.
    pub fn unconfirmed(&self) -> impl Iterator<Item = &TokenSerial> {
        self.pending.keys().chain(self.unreadable.iter())
    }

    /// One token presented on `link`: identify, journal, burn, confirm (see
    /// the module documentation). `present_again` is called at most once,
    /// after a lost link that left the token unfinished: it waits until the
    /// same token is back and says whether it is.
    pub fn turn(
        &mut self,
        link: &mut (impl Transceive + ?Sized),
        clock: &mut (impl Clock + ?Sized),
        observer: &mut dyn Observer,
        present_again: &mut dyn FnMut(&Failure) -> bool,
    ) -> Result<Turn, BatchError> {
        let mut read = ReadSession::new(self.settings.reference, Measure::Single);
        let reading = match run_session_with(&mut read, link, clock, observer) {
            Outcome::Read(r) => r,
            other => {
                let why = other
                    .failure()
                    .map_or_else(|| "no answer".to_owned(), |f| f.error.to_string());
                return self.skip(None, None, Skip::NotRead(why));
            }
        };
        let model = ModelName::from_model(reading.model);
        let serial = match TokenSerial::new(&reading.serial.to_string()) {
            Ok(s) => s,
            Err(e) => return self.skip(None, Some(&model), Skip::BadSerial(e.to_string())),
        };
        if let Some(waiting) = self.waiting.clone() {
            if waiting != serial {
                return self.skip(Some(serial), Some(&model), Skip::WaitingFor { waiting });
            }
        }
        if reading.model == Model::Unknown {
            return self.skip(Some(serial), Some(&model), Skip::UnknownModel);
        }
        if self.unreadable.contains(&serial) {
            return self.skip(Some(serial), Some(&model), Skip::NeedsIdentity);
        }
        let (record, finished) = match self.pending.get(&serial) {
            Some(r) => (r.clone(), true),
            None if self.confirmed.contains(&serial) && !self.settings.reburn => {
                return self.skip(Some(serial), Some(&model), Skip::AlreadyBurned);
            }
            None => match self.journal_new_seed(&serial, &model)? {
                Ok(r) => (r, false),
                Err(skip) => return self.skip(Some(serial), Some(&model), skip),
            },
        };
        self.burn(
            serial,
            model,
            record,
            finished,
            link,
            clock,
            observer,
            present_again,
        )
    }

    /// Chooses a fresh seed for `serial`, journals it durably, and returns its
    /// record; `Ok(Err(skip))` when the token gets none.
    fn journal_new_seed(
        &mut self,
        serial: &TokenSerial,
        model: &ModelName,
    ) -> Result<Result<SeedRecord, Skip>, BatchError> {
        let (seed, origin, hmac, step): (TokenSeed, _, _, _) = match &self.settings.seeds {
            SeedSource::Generate(len) => (
                seedgen::generate(*len).map_err(|e| BatchError::Random(e.to_string()))?,
                SeedOrigin::Generated,
                self.settings.hmac,
                self.settings.step,
            ),
            SeedSource::File(file) => match file.get(serial) {
                Some(entry) => (
                    entry.seed().clone(),
                    SeedOrigin::SeedFile,
                    entry.hmac.unwrap_or(self.settings.hmac),
                    entry.period.unwrap_or(self.settings.step),
                ),
                None => {
                    return Ok(Err(Skip::NotInSeedFile {
                        serial: serial.clone(),
                    }))
                }
            },
        };
        let new = NewSeed {
            serial: serial.clone(),
            model: model.clone(),
            seed,
            hmac,
            step,
            display_timeout: self.settings.display_timeout,
            origin,
        };
        let seq = self.journal.append_seed(&new)?;
        let fingerprint = self.audit.fingerprint(new.seed.expose());
        self.audit.append(AuditEntry {
            seed_fingerprint: fingerprint,
            ..AuditEntry::new("journalled", "ok").token(serial, Some(model))
        })?;
        let record = SeedRecord::from_new(&new, seq, now_secs());
        self.pending.insert(serial.clone(), record.clone());
        Ok(Ok(record))
    }

    #[allow(clippy::too_many_arguments)]
    fn burn(
        &mut self,
        serial: TokenSerial,
        model: ModelName,
        record: SeedRecord,
        finished: bool,
        link: &mut (impl Transceive + ?Sized),
        clock: &mut (impl Clock + ?Sized),
        observer: &mut dyn Observer,
        present_again: &mut dyn FnMut(&Failure) -> bool,
    ) -> Result<Turn, BatchError> {
        let request = BurnRequest {
            seed: record.seed().clone(),
            config: TokenConfig {
                hmac: record.hmac,
                step: record.step,
                display_timeout: record.display_timeout,
            },
            unknown_model: UnknownModelPolicy::ReadOnly,
            reference: self.settings.reference,
            sync_clock: self.settings.sync_clock,
            confirm: self.settings.confirm,
        };
        // Only this serial: the token identified above.
        let only_this = Resume::for_serial(kiln_core::proto::Serial::from(serial.as_str()));
        let action = run_burn_action(
            &request,
            Some(only_this),
            link,
            clock,
            observer,
            present_again,
        );
        let fingerprint = self.audit.fingerprint(record.seed().expose());
        match action.outcome {
            Outcome::Burned(r) => {
                let drift_before_ms = r.before.drift().midpoint_us() as f64 / 1000.0;
                // A quick confirmation knows the residual only to about ±0.5 s:
                // no number is recorded for it (the clock was checked to the second).
                let residual_ms = r
                    .residual
                    .filter(|_| self.settings.confirm == Confirm::Precise)
                    .map(|x| x.estimate.midpoint_us() as f64 / 1000.0);
                self.journal.append_burned(
                    &serial,
                    record.seq,
                    BurnFacts {
                        drift_before_ms: Some(drift_before_ms),
                        residual_after_ms: residual_ms,
                        clock_synced: r.clock_synced,
                    },
                )?;
                self.audit.append(AuditEntry {
                    drift_before_ms: Some(drift_before_ms),
                    residual_after_ms: residual_ms,
                    seed_fingerprint: fingerprint,
                    ..AuditEntry::new("burned", "ok").token(&serial, Some(&model))
                })?;
                self.pending.remove(&serial);
                self.confirmed.insert(serial.clone());
                self.waiting = None;
                self.tally.burned += 1;
                Ok(Turn::Burned {
                    serial,
                    model,
                    drift_before_ms,
                    residual_ms,
                    finished,
                })
            }
            Outcome::Failed(failure) => {
                let lost = failure.retap().is_some();
                let (action_word, result) = if lost {
                    ("link_lost", "waiting for the same token")
                } else {
                    ("refused", "turn ended")
                };
                self.audit.append(AuditEntry {
                    drift_before_ms: failure
                        .before
                        .as_ref()
                        .map(|b| b.drift().midpoint_us() as f64 / 1000.0),
                    seed_fingerprint: fingerprint,
                    detail: Some(failure.to_string()),
                    ..AuditEntry::new(action_word, result).token(&serial, Some(&model))
                })?;
                if lost {
                    self.waiting = Some(serial.clone());
                    self.tally.retap += 1;
                } else {
                    self.waiting = None;
                    self.tally.refused += 1;
                }
                Ok(Turn::Stopped { serial, failure })
            }
            // A burn action ends burned or failed.
            Outcome::Read(_) | Outcome::Synced(_) => Ok(Turn::Skipped {
                serial: Some(serial),
                reason: Skip::NotRead("the session ended without a burn".into()),
            }),
        }
    }

    fn skip(
        &mut self,
        serial: Option<TokenSerial>,
        model: Option<&ModelName>,
        reason: Skip,
    ) -> Result<Turn, BatchError> {
        let mut entry = AuditEntry::new("skipped", "nothing written");
        if let Some(s) = &serial {
            entry = entry.token(s, model);
        }
        entry.detail = Some(reason.to_string());
        self.audit.append(entry)?;
        self.tally.skipped += 1;
        Ok(Turn::Skipped { serial, reason })
    }
}
