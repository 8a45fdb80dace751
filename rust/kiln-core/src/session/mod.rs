//! Sans-IO sessions: state machines that emit the next command and consume the
//! answer with its send/receive timestamps. Android (IsoDep), PC/SC and the
//! simulator all drive the same logic, either by hand:
//!
//! ```text
//! loop {
//!     match session.poll(now()) {
//!         Action::Transmit { apdu, not_before, .. } => {
//!             /* wait until not_before, if any */
//!             let sent = now();
//!             match link.transceive(&apdu) {
//!                 Ok(resp) => session.on_response(&resp, sent, now()),
//!                 Err(e) => session.on_link_error(e),
//!             }
//!         }
//!         Action::Finished(outcome) => break outcome,
//!     }
//!     while let Some(event) = session.poll_event() { /* show progress */ }
//! }
//! ```
//!
//! or with the blocking [`driver::run_session`]. Time is [`UnixMicros`] on the
//! caller's reference clock.
//!
//! Safety rules enforced here (see `docs/protocol-engine.md`): GET INFO first;
//! unknown models are read-only unless a key is named; one authentication attempt
//! per session and never a second key; `69 83`/`63 xx` stop the session with a
//! typed refusal; link loss is reported apart from refusals and with the token's
//! state; only a link loss may be finished by presenting the same token again
//! ([`Failure::retap`], [`run_burn_action`]), a refusal ends the user's action; a
//! resumed burn accepts only the same serial; success is reported only when
//! every write was acknowledged.

mod action;
pub mod driver;
mod engine;
mod event;
mod next;
pub mod outcome;
pub mod timing;

pub use action::{run_burn_action, BurnAction};
pub use driver::{
    run_session, run_session_observed, run_session_with, Clock, Exchange, Observer, OffsetClock,
    SystemClock, Transceive,
};
pub use event::Event;
pub use next::NextStep;
pub use outcome::*;
pub use timing::{
    session_latency, ConfigTimer, ConfigWrite, Confirm, Measure, PlannedSet, SendAt, SendNow,
    Timing,
};

use crate::clock::{AdviceConfig, Reference};
use crate::params::{TokenConfig, TokenSeed};
use crate::proto::{Serial, UnknownModelPolicy};
use crate::time::UnixMicros;
use engine::{ClockSetup, Engine, Job};

/// What the caller should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send `apdu`, the command of `step` (not before `not_before` on the
    /// reference clock, when set), then call [`Session::on_response`] or
    /// [`Session::on_link_error`]. WRITE SEED carries the encrypted seed:
    /// zeroize the buffer after sending (the blocking driver does).
    Transmit {
        apdu: Vec<u8>,
        step: Step,
        not_before: Option<UnixMicros>,
    },
    /// The session is over; further polls return the same outcome.
    Finished(Outcome),
}

/// A sans-IO session.
pub trait Session {
    /// The next action. `now` is the reference clock; a WRITE CONFIG built here
    /// carries the time of `now` (or of its `not_before`, when scheduled).
    fn poll(&mut self, now: UnixMicros) -> Action;
    /// The complete response (data ‖ SW1 SW2) to the last transmitted command.
    fn on_response(&mut self, response: &[u8], sent_at: UnixMicros, received_at: UnixMicros);
    /// The transport failed while the last command was outstanding.
    fn on_link_error(&mut self, error: LinkError);
    /// The next thing that happened, oldest first (see [`Event`]). Take them
    /// after each `poll` and each answer.
    fn poll_event(&mut self) -> Option<Event>;
}

macro_rules! delegate_session {
    ($t:ty) => {
        impl Session for $t {
            fn poll(&mut self, now: UnixMicros) -> Action {
                self.0.poll(now)
            }
            fn on_response(
                &mut self,
                response: &[u8],
                sent_at: UnixMicros,
                received_at: UnixMicros,
            ) {
                self.0.on_response(response, sent_at, received_at)
            }
            fn on_link_error(&mut self, error: LinkError) {
                self.0.on_link_error(error)
            }
            fn poll_event(&mut self) -> Option<Event> {
                self.0.poll_event()
            }
        }
    };
}

/// GET INFO only: serial, model, token clock, drift and advice. Works on every
/// model. With [`Measure::Advice`] it sends one GET INFO when that decides the
/// advice, else at most 8 more within 1.2 s; with [`Measure::Precise`] up to 12
/// more within 2.5 s to measure the drift to about ± one round trip.
pub struct ReadSession(Engine);

impl ReadSession {
    /// `reference`: the clock the caller's timestamps come from and whether it
    /// is trusted (Android: network time trusted when available, else the system
    /// clock untrusted).
    pub fn new(reference: Reference, measure: Measure) -> Self {
        Self(Engine::new(
            Job::Read,
            ClockSetup {
                reference,
                advice: AdviceConfig::default(),
                measure: Some(measure),
                sync_clock: true,
                confirm: Confirm::Precise,
            },
        ))
    }
}

delegate_session!(ReadSession);

/// What to burn.
#[derive(Clone, Debug)]
pub struct BurnRequest {
    pub seed: TokenSeed,
    pub config: TokenConfig,
    /// What to do if the serial matches no known model (default: read-only, i.e. refuse).
    pub unknown_model: UnknownModelPolicy,
    /// The clock the caller's timestamps come from, and whether it is trusted
    /// (an untrusted clock is written to the token all the same: ask the user first).
    pub reference: Reference,
    /// `true`: set the token clock to the reference, precisely (the default).
    /// `false`: keep the token's own time. A burn always writes WRITE CONFIG,
    /// which always sets the clock, so "no sync" means writing the token's
    /// measured time back (precise measurement, kept to within its uncertainty,
    /// about ± one round trip).
    pub sync_clock: bool,
    /// How the written clock is confirmed (default: precisely, at the token's
    /// next second; [`Confirm::Quick`] saves about a second per token).
    pub confirm: Confirm,
}

/// GET INFO (+ refinement polls) → policy checks → GET CHALLENGE → EXTERNAL
/// AUTHENTICATE → WRITE CONFIG (planned send instant and time value) → WRITE SEED
/// → GET INFO (+ confirmation polls) → [`BurnReport`] with the residual.
pub struct BurnSession(Engine);

impl BurnSession {
    pub fn new(request: BurnRequest) -> Self {
        Self::build(request, None)
    }

    /// Finishes an interrupted burn: only the token with `resume`'s serial is
    /// accepted; any other serial stops before authentication with
    /// [`SessionError::WrongToken`].
    pub fn resume(request: BurnRequest, resume: Resume) -> Self {
        Self::build(request, Some(resume))
    }

    fn build(request: BurnRequest, resume: Option<Resume>) -> Self {
        let BurnRequest {
            seed,
            config,
            unknown_model,
            reference,
            sync_clock,
            confirm,
        } = request;
        Self(Engine::new(
            Job::Burn {
                seed,
                config,
                policy: unknown_model,
                resume,
            },
            ClockSetup {
                reference,
                advice: AdviceConfig::default(),
                measure: None,
                sync_clock,
                confirm,
            },
        ))
    }

    /// Schedules WRITE CONFIG at a reference instant (the time written is the one
    /// of that instant; a past instant means at once). Same as
    /// `set_config_timer(Box::new(SendAt(at)))`; `None` restores the default
    /// ([`PlannedSet`]).
    pub fn set_config_not_before(&mut self, at: Option<UnixMicros>) {
        self.0
            .set_timer(at.map(|t| Box::new(SendAt(t)) as Box<dyn ConfigTimer>));
    }

    /// Lets `timer` choose the WRITE CONFIG time value and send instant instead
    /// of the precise [`PlannedSet`]; `Box::new(SendNow)` is the naive set (for
    /// comparisons). Call before WRITE CONFIG is polled.
    pub fn set_config_timer(&mut self, timer: Box<dyn ConfigTimer>) {
        self.0.set_timer(Some(timer));
    }

    /// How the token clock is measured before the set. Default: [`Measure::Advice`]
    /// (the planned set does not need more), or [`Measure::Precise`] when
    /// `sync_clock` is false (the token's offset is written back).
    pub fn set_measure(&mut self, measure: Measure) {
        self.0.set_measure(measure);
    }

    /// Send/receive instants of the completed exchanges so far.
    pub fn timings(&self) -> &[Timing] {
        self.0.timings()
    }

    /// The serial read so far, if any.
    pub fn serial(&self) -> Option<&Serial> {
        self.0.serial()
    }

    /// The token's state given the writes acknowledged so far.
    pub fn token_state(&self) -> TokenState {
        self.0.token_state_now()
    }
}

delegate_session!(BurnSession);

/// A clock sync (config write with known parameters). Only on unrestricted
/// models; on restricted (and unknown) models it stops after GET INFO with
/// [`SessionError::SyncNeedsBurn`]: there a clock write erases the seed.
pub struct SyncSession(Engine);

impl SyncSession {
    /// Sets the clock to the reference precisely ([`PlannedSet`]) with `config`
    /// (the whole configuration is rewritten: the token cannot set its clock alone).
    pub fn new(config: TokenConfig, reference: Reference) -> Self {
        Self(Engine::new(
            Job::Sync { config },
            ClockSetup {
                reference,
                advice: AdviceConfig::default(),
                measure: None,
                sync_clock: true,
                confirm: Confirm::Precise,
            },
        ))
    }

    /// See [`BurnSession::set_config_not_before`].
    pub fn set_config_not_before(&mut self, at: Option<UnixMicros>) {
        self.0
            .set_timer(at.map(|t| Box::new(SendAt(t)) as Box<dyn ConfigTimer>));
    }

    /// See [`BurnSession::set_config_timer`].
    pub fn set_config_timer(&mut self, timer: Box<dyn ConfigTimer>) {
        self.0.set_timer(Some(timer));
    }

    /// See [`BurnSession::set_measure`].
    pub fn set_measure(&mut self, measure: Measure) {
        self.0.set_measure(measure);
    }

    /// Send/receive instants of the completed exchanges so far.
    pub fn timings(&self) -> &[Timing] {
        self.0.timings()
    }
}

delegate_session!(SyncSession);

impl<S: Session + ?Sized> Session for Box<S> {
    fn poll(&mut self, now: UnixMicros) -> Action {
        (**self).poll(now)
    }
    fn on_response(&mut self, response: &[u8], sent_at: UnixMicros, received_at: UnixMicros) {
        (**self).on_response(response, sent_at, received_at)
    }
    fn on_link_error(&mut self, error: LinkError) {
        (**self).on_link_error(error)
    }
    fn poll_event(&mut self) -> Option<Event> {
        (**self).poll_event()
    }
}
