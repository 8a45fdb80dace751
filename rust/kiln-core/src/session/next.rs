//! The one classification of failed sessions that every front end branches on:
//! what the user does next. The CLI's exit codes and the app's error kinds are
//! small tables over [`NextStep`] (`docs/protocol-engine.md`, "What to do next").

use super::outcome::{Failure, SessionError, TokenState};
use crate::proto::Serial;

/// What the user does after a failed session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NextStep {
    /// Present the token again and run the same action: the link was lost, an
    /// answer was unusable before anything was written, the confirming read did
    /// not confirm the clock, or the token presented is not the one an
    /// interrupted burn must finish ([`Failure::resume_serial`] names it).
    TapAgain,
    /// The token refused a command, or answered a write with something this
    /// family never sends: the action is over. Another try is a new user action
    /// (on [`Failure::resume_serial`] when the token may be unfinished); repeated
    /// attempts can lock a token for good.
    Refused { tries_left: Option<u8> },
    /// The serial matches no known model: programming it needs an explicit key.
    NeedsKey,
    /// A clock sync on a model whose seed a clock write erases: burn instead.
    BurnInstead,
    /// The reference clock (this device's date and time) cannot be right.
    FixDeviceClock,
    /// The session was driven out of order: a bug to report.
    Internal,
}

impl NextStep {
    /// Every next step, for tables and the tests that check them.
    pub const ALL: [NextStep; 6] = [
        NextStep::TapAgain,
        NextStep::Refused { tries_left: None },
        NextStep::NeedsKey,
        NextStep::BurnInstead,
        NextStep::FixDeviceClock,
        NextStep::Internal,
    ];
}

impl Failure {
    /// What the user does next (see [`NextStep`]).
    pub fn next_step(&self) -> NextStep {
        match &self.error {
            SessionError::LinkLost { .. }
            | SessionError::WrongToken { .. }
            | SessionError::ClockNotConfirmed { .. } => NextStep::TapAgain,
            SessionError::AuthRefused { tries_left, .. } => NextStep::Refused {
                tries_left: *tries_left,
            },
            SessionError::Refused { .. } => NextStep::Refused { tries_left: None },
            // Nonsense in answer to a write ends the action like a refusal; before
            // any write it is as harmless as a lost link.
            SessionError::Garbled { .. } if self.token.needs_finishing() => {
                NextStep::Refused { tries_left: None }
            }
            SessionError::Garbled { .. } => NextStep::TapAgain,
            SessionError::UnknownModel { .. } => NextStep::NeedsKey,
            SessionError::SyncNeedsBurn { .. } => NextStep::BurnInstead,
            SessionError::ReferenceClockInvalid { .. } => NextStep::FixDeviceClock,
            SessionError::OutOfOrder(_) => NextStep::Internal,
        }
    }

    /// The token the next try must be on, when it matters: the token this burn
    /// left unfinished, or the one an interrupted burn was on when another
    /// token was presented.
    pub fn resume_serial(&self) -> Option<&Serial> {
        match &self.error {
            SessionError::WrongToken { expected, .. } => Some(expected),
            _ => self.resume.as_ref().map(|r| r.serial()),
        }
    }

    /// True when the token to finish may now hold no seed at all. For a wrong
    /// token this is said of the token being finished, whose interrupted burn
    /// may have erased its seed.
    pub fn may_be_blank(&self) -> bool {
        match self.error {
            SessionError::WrongToken { .. } => true,
            _ => self.token.may_be_blank(),
        }
    }
}

impl TokenState {
    /// True when the token may now hold no seed at all.
    pub fn may_be_blank(self) -> bool {
        matches!(
            self,
            TokenState::SeedErased
                | TokenState::ConfigUncertain { erases_seed: true }
                | TokenState::SeedUncertain { seed_erased: true }
        )
    }
}
