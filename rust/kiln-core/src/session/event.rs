//! What a session reports while it runs.
//!
//! The engine knows what each answer meant, so it says so once, as a typed
//! [`Event`]; front ends (the CLI's progress lines, the app's screens, TalkBack
//! and haptics, a batch's journal) only map and render. Events are queued by the
//! session and taken with [`crate::session::Session::poll_event`]; the blocking
//! driver hands them to an [`crate::session::Observer`] as they happen.

use super::outcome::{Step, TokenReading};
use crate::clock::SyncResidual;
use crate::proto::{Model, Serial};

/// Something that happened in a session, in the order it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The next command is about to be sent (once per command; the T=0
    /// continuations a contact reader may need are not separate steps).
    Sending(Step),
    /// The first GET INFO answered: which token this is.
    TokenFound { serial: Serial, model: Model },
    /// The clock measurement before writing is over (or the session stopped
    /// after it had at least one reading): the token as measured, with its drift
    /// and advice. Sent at most once per session.
    Measured(TokenReading),
    /// The token accepted the key.
    Authenticated,
    /// WRITE CONFIG was acknowledged: the clock now runs from `clock`
    /// (Unix seconds, the value written).
    ConfigWritten { clock: u32 },
    /// WRITE SEED was acknowledged.
    SeedWritten,
    /// The confirming read found the clock where the write put it.
    Confirmed { residual: SyncResidual },
}

impl Step {
    /// The command's name as the protocol spells it ("GET INFO" for both reads).
    pub fn command(self) -> &'static str {
        match self {
            Step::GetInfo | Step::ConfirmInfo => "GET INFO",
            Step::GetChallenge => "GET CHALLENGE",
            Step::ExternalAuthenticate => "EXTERNAL AUTHENTICATE",
            Step::WriteConfig => "WRITE CONFIG",
            Step::WriteSeed => "WRITE SEED",
        }
    }
}
