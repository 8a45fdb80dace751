//! What a session ends with: a report, or a failure that says what state the
//! token is in and what the user should do next.

use crate::clock::{Advice, DriftEstimate, SyncResidual};
use crate::params::TokenConfig;
use crate::proto::{Model, ResponseError, Serial, StatusWord};
use crate::time::UnixMicros;
use std::fmt;

/// Transport failures, kept apart from the token's own refusals.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the token left the reader's field")]
    TagLost,
    #[error("the token did not answer in time")]
    Timeout,
    #[error("the reader was disconnected")]
    ReaderGone,
    #[error("reader error: {0}")]
    Io(String),
}

/// The protocol steps, in the order a burn takes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    GetInfo,
    GetChallenge,
    ExternalAuthenticate,
    WriteConfig,
    WriteSeed,
    ConfirmInfo,
}

impl Step {
    /// True for the commands that change the token.
    pub fn is_write(self) -> bool {
        matches!(self, Step::WriteConfig | Step::WriteSeed)
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::GetInfo => "GET INFO (reading serial and clock)",
            Step::GetChallenge => "GET CHALLENGE",
            Step::ExternalAuthenticate => "EXTERNAL AUTHENTICATE (key check)",
            Step::WriteConfig => "WRITE CONFIG (clock and settings)",
            Step::WriteSeed => "WRITE SEED",
            Step::ConfirmInfo => "GET INFO (confirming the clock)",
        })
    }
}

/// What is known about the token when a session stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenState {
    /// Nothing was written.
    Unchanged,
    /// WRITE CONFIG was sent but no clean success came back (lost, garbled or
    /// refused): it may or may not have taken effect. `erases_seed`: on this model it would
    /// have erased the seed.
    ConfigUncertain { erases_seed: bool },
    /// The clock write succeeded on a restricted model and the seed was not
    /// written: **the token has no seed**.
    SeedErased,
    /// The clock write succeeded on an unrestricted model, the new seed was not
    /// written: the token has the new settings with its old seed.
    OldSeedNewSettings,
    /// WRITE SEED was sent (after an acknowledged config write) but no clean
    /// success came back (lost, garbled or refused). `seed_erased`: restricted
    /// model, so the token holds either no seed or the new one.
    SeedUncertain { seed_erased: bool },
    /// Every write of the session was acknowledged by the token.
    Written,
}

impl TokenState {
    /// One or two sentences for the user: the token's state and what to do.
    pub fn advice(self) -> &'static str {
        match self {
            TokenState::Unchanged => "Nothing was written to the token.",
            TokenState::ConfigUncertain { erases_seed: true } => {
                "It is unknown whether the clock write took effect: the token may now have no seed. \
                 Switch the same token on and tap it again to finish the burn."
            }
            TokenState::ConfigUncertain { erases_seed: false } => {
                "It is unknown whether the clock write took effect. \
                 Switch the same token on and tap it again to finish."
            }
            TokenState::SeedErased => {
                "This token now has no seed — tap again to finish \
                 (switch the same token on and run the burn again)."
            }
            TokenState::OldSeedNewSettings => {
                "The token has the new clock and settings but still its old seed, so its \
                 codes are wrong — tap again to finish (switch the same token on and run the burn again)."
            }
            TokenState::SeedUncertain { seed_erased: true } => {
                "This token now has no seed (unless the interrupted seed write got through) — \
                 tap again to finish (switch the same token on and run the burn again)."
            }
            TokenState::SeedUncertain { seed_erased: false } => {
                "The token has the new clock and settings, and either its old seed or the new one — \
                 tap again to finish (switch the same token on and run the burn again)."
            }
            TokenState::Written => "The token acknowledged every write.",
        }
    }

    /// What the token may hold now, in one sentence, without an instruction
    /// (used where the next step depends on why the session stopped).
    pub fn holding(self) -> &'static str {
        match self {
            TokenState::Unchanged => "Nothing was written to the token.",
            TokenState::ConfigUncertain { erases_seed: true } => {
                "It is unknown whether the clock write took effect, so the token may now have no seed."
            }
            TokenState::ConfigUncertain { erases_seed: false } => {
                "It is unknown whether the clock write took effect; the token keeps its old seed."
            }
            TokenState::SeedErased => {
                "The clock and settings were written, which erases the seed on this model: \
                 the token now has no seed."
            }
            TokenState::OldSeedNewSettings => {
                "The clock and settings were written but the token still has its old seed, \
                 so its codes are wrong."
            }
            TokenState::SeedUncertain { seed_erased: true } => {
                "The clock and settings were written, which erases the seed on this model, \
                 and the new seed may not have been stored: the token may now have no seed."
            }
            TokenState::SeedUncertain { seed_erased: false } => {
                "The clock and settings were written; the token holds either its old seed or the new one."
            }
            TokenState::Written => "The token acknowledged every write.",
        }
    }

    /// True when the user must finish on this very token.
    pub fn needs_finishing(self) -> bool {
        !matches!(self, TokenState::Unchanged | TokenState::Written)
    }
}

/// Why a session stopped without doing its job.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("the connection to the token was lost during {step}: {cause}")]
    LinkLost { step: Step, cause: LinkError },
    #[error("the token refused the key ({sw}{}). Kiln does not try again: repeated wrong keys can lock a token for good. \
             Check that this token is a supported model and that the right key was named", tries_note(*tries_left))]
    AuthRefused {
        sw: StatusWord,
        tries_left: Option<u8>,
    },
    #[error("the token refused {step} with status {sw} ({})", sw_meaning(*sw))]
    Refused { step: Step, sw: StatusWord },
    #[error("the token's answer to {step} makes no sense ({detail}); hold the token still on the reader and try again")]
    Garbled { step: Step, detail: GarbledDetail },
    #[error("token {serial} matches no known model, so kiln only reads it. Programming it is possible only \
             as an explicit choice naming the key (family default or your own), with one attempt")]
    UnknownModel { serial: Serial },
    #[error("this is token {found}, but the interrupted burn was on token {expected}: tap token {expected} to finish it")]
    WrongToken { expected: Serial, found: Serial },
    #[error("{} erases its seed whenever its clock is written, so a clock sync alone would leave it blank. \
             Sync it by burning it again with the service's seed", model_phrase(*model))]
    SyncNeedsBurn { model: Model },
    #[error("this device's clock reads {} (Unix seconds), which cannot be right; set the date and time correctly first", now.div_euclid(1_000_000))]
    ReferenceClockInvalid { now: UnixMicros },
    #[error("after writing, the token clock reads {found} instead of about {expected} (Unix seconds); burn it again")]
    ClockNotConfirmed { expected: i64, found: u32 },
    #[error("internal error: the session was driven out of order ({0}); please report this")]
    OutOfOrder(&'static str),
}

/// Why a response was unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GarbledDetail {
    #[error("{0}")]
    Parse(#[from] ResponseError),
    #[error("unexpected status {0} ({m})", m = sw_meaning(*.0))]
    UnexpectedStatus(StatusWord),
    #[error("{0} unexpected data bytes")]
    UnexpectedData(usize),
}

fn tries_note(t: Option<u8>) -> String {
    match t {
        Some(1) => ", 1 try left".into(),
        Some(n) => format!(", {n} tries left"),
        None => String::new(),
    }
}

fn model_phrase(m: Model) -> String {
    match m {
        Model::Known(i) => format!("The {}", i.name),
        Model::Unknown => "A token of unknown model (assumed to be restricted-sync)".into(),
    }
}

/// A short explanation of a status word.
pub fn sw_meaning(sw: StatusWord) -> &'static str {
    match sw {
        StatusWord::Success => "success",
        StatusWord::AuthRefused => {
            "authentication failed, wrong MAC, not authenticated, or key locked"
        }
        StatusWord::WrongKey(_) => "wrong key",
        StatusWord::WrongLength => "wrong length",
        StatusWord::BadData => "bad data",
        StatusWord::InsNotSupported => {
            "command not supported: this may not be a programmable token"
        }
        StatusWord::ClaNotSupported => "class not supported: this may not be a programmable token",
        StatusWord::BytesAvailable(_) | StatusWord::WrongLe(_) => {
            "a contact-reader (T=0) continuation the reader driver did not handle"
        }
        StatusWord::Other(_) => "status not documented for this token family",
    }
}

/// Serial, model and clock of a token, measured by one or more timed GET INFO.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenReading {
    pub serial: Serial,
    pub model: Model,
    /// Token clock, Unix seconds, as the last GET INFO of the measurement reported it.
    pub token_clock: u32,
    /// Send/receive instants of that last GET INFO (reference clock).
    pub sent_at: UnixMicros,
    pub received_at: UnixMicros,
    /// The drift (offset interval, see [`TokenReading::drift`]), the advice
    /// computed from it, and the reference clock it was measured against.
    pub advice: Advice,
    /// GET INFO exchanges the measurement used (1 = no refinement polls).
    pub reads: u32,
    /// Time from the first answer to the last one (0 without polls), µs.
    pub measure_time_us: i64,
    /// The data bytes (status word removed) of the measurement's first GET INFO
    /// answer, opaque bytes included: for a first-contact report
    /// ([`crate::report`]). Public by protocol design: no secret is in it.
    pub info_data: Vec<u8>,
}

impl TokenReading {
    /// Token clock minus reference clock: the interval every reading agrees with.
    /// `Display`: `+3.42 s ± 0.02 s`.
    pub fn drift(&self) -> DriftEstimate {
        self.advice.estimate()
    }
}

pub use crate::verify::ExpectedCode;

/// The instruction every successful burn ends with.
pub const POWER_CYCLE_INSTRUCTION: &str =
    "Switch the token off and on now: it shows codes from the new seed only after that.";

/// A successful burn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BurnReport {
    pub serial: Serial,
    pub model: Model,
    pub before: TokenReading,
    /// The clock value written (Unix seconds) and the reference instant WRITE
    /// CONFIG was sent at.
    pub clock_written: u32,
    pub config_sent_at: UnixMicros,
    /// The confirming read; `None` when it was cut off after both writes were acknowledged.
    pub after: Option<TokenReading>,
    /// The clock error left by the set, relative to what it aimed at (true time, or
    /// the token's own time when `sync_clock` was false): the confirmation's
    /// interval minus the target. `None` when the confirming read was cut off.
    pub residual: Option<SyncResidual>,
    /// Whether the clock was set to the reference (`BurnRequest::sync_clock`).
    pub clock_synced: bool,
    pub config: TokenConfig,
    pub seed_bytes: usize,
    /// Which key was used ("the family default key", "a user-supplied key").
    pub key: &'static str,
    /// The previous, current and next two codes by the token's own clock
    /// ([`crate::verify::token_code_windows`]): true time after a clock set,
    /// the token's kept time otherwise.
    pub expected_codes: Vec<ExpectedCode>,
    /// The token time (Unix seconds) the codes were computed around: when the
    /// confirming read answered (or WRITE CONFIG was sent, without one).
    pub codes_at: u64,
    /// The previous, current and next code at `codes_at` (the same codes as
    /// the list, for a display of "now"); `None` never happens for the token
    /// family's settings.
    pub codes: Option<crate::verify::ExpectedCodes>,
    pub instruction: &'static str,
}

impl BurnReport {
    /// The token's clock minus the reference clock that the expected codes are
    /// computed by: 0 after a clock set, the token's measured offset when its own
    /// time was kept. Codes the token shows at reference instant `t` are the
    /// codes at `t + token_offset_us()`.
    pub fn token_offset_us(&self) -> i64 {
        if self.clock_synced {
            0
        } else {
            self.before.drift().midpoint_us()
        }
    }
}

/// A successful clock sync (unrestricted models).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncReport {
    pub serial: Serial,
    pub model: Model,
    pub before: TokenReading,
    pub clock_written: u32,
    pub config_sent_at: UnixMicros,
    pub after: Option<TokenReading>,
    /// The clock error left by the set (see [`BurnReport::residual`]).
    pub residual: Option<SyncResidual>,
    pub config: TokenConfig,
}

/// A session that stopped short: the error, the token's state, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub error: SessionError,
    pub token: TokenState,
    pub serial: Option<Serial>,
    pub model: Option<Model>,
    pub before: Option<TokenReading>,
    /// Present when the burn must be finished on this very token: create the next
    /// [`crate::session::BurnSession`] with it so that only the same serial is accepted.
    /// Whether that next session may start without a new user action is
    /// [`Failure::retap`]'s answer, not this field's.
    pub resume: Option<Resume>,
}

/// Instruction after a refusal (or an answer this family never sends) left the
/// token unfinished: nothing more is sent in this action.
const AFTER_REFUSAL: &str = "kiln stopped at the refusal and sent nothing more. To try once more, \
     switch the same token on and run the same burn again (kiln then authenticates once more); \
     if the token refuses again, stop: repeated attempts can lock a token for good.";

impl Failure {
    /// Coarse class for exit codes and UI colours.
    pub fn kind(&self) -> FailureKind {
        match self.error {
            SessionError::LinkLost { .. } => FailureKind::LinkLost,
            SessionError::AuthRefused { .. } | SessionError::Refused { .. } => FailureKind::Refused,
            SessionError::Garbled { .. } | SessionError::ClockNotConfirmed { .. } => {
                FailureKind::Garbled
            }
            SessionError::UnknownModel { .. }
            | SessionError::WrongToken { .. }
            | SessionError::SyncNeedsBurn { .. } => FailureKind::Policy,
            SessionError::ReferenceClockInvalid { .. } | SessionError::OutOfOrder(_) => {
                FailureKind::Caller
            }
        }
    }
}

impl Failure {
    /// What the user should do, given the token's state and the error.
    pub fn advice(&self) -> String {
        match (&self.error, self.token) {
            (SessionError::LinkLost { .. }, TokenState::Unchanged) => {
                "Nothing was written to the token: switch it on, hold it still on the reader and try again."
                    .into()
            }
            // A refusal (or an answer that makes no sense) ends the action: the
            // next step is the user's, never an automatic re-tap.
            (SessionError::LinkLost { .. }, t) => t.advice().into(),
            (_, t) if t.needs_finishing() => format!("{} {AFTER_REFUSAL}", t.holding()),
            (_, t) => t.advice().into(),
        }
    }

    /// The token to wait for when this failure may be finished **within the same
    /// user action** by presenting the same token again: only after a link loss
    /// (the token left the field or did not answer) that left it unfinished. A
    /// device refusal, a garbled answer or any other stop ends the action: nothing
    /// is re-sent and nothing authenticates again until the user acts again
    /// (a new burn, an explicit "try once more"), which then uses [`Failure::resume`].
    pub fn retap(&self) -> Option<&Resume> {
        match self.error {
            SessionError::LinkLost { .. } => self.resume.as_ref(),
            _ => None,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}. {}", self.error, self.advice())
    }
}

/// Coarse failure classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// Transport lost (tag left the field, timeout, reader gone).
    LinkLost,
    /// The token refused a command.
    Refused,
    /// The token answered something this family does not send.
    Garbled,
    /// A policy stopped the session before anything risky (unknown model, wrong token, sync on restricted).
    Policy,
    /// The caller's clock or driving was wrong.
    Caller,
}

/// Ties a follow-up burn to the token an interrupted burn was on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resume {
    serial: Serial,
}

impl Resume {
    /// A resume for a serial remembered elsewhere (e.g. typed by the user).
    pub fn for_serial(serial: Serial) -> Self {
        Self { serial }
    }

    pub fn serial(&self) -> &Serial {
        &self.serial
    }
}

/// How a session ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Read(TokenReading),
    Burned(Box<BurnReport>),
    Synced(Box<SyncReport>),
    Failed(Box<Failure>),
}

impl Outcome {
    pub fn is_success(&self) -> bool {
        !matches!(self, Outcome::Failed(_))
    }

    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Outcome::Failed(f) => Some(f),
            _ => None,
        }
    }
}
