//! Session progress for the app: the core's events, mapped one to one.

use kiln_core::clock::Advice;
use kiln_core::session::{Event, Observer, Step};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// Progress of a session, for the UI, TalkBack and haptics. Called on the thread
/// running the session. An exception thrown here is logged and ignored: it never
/// aborts a burn.
#[uniffi::export(with_foreign)]
pub trait SessionObserver: Send + Sync {
    fn on_event(&self, event: SessionEvent);
}

/// What just happened in a session.
#[derive(uniffi::Enum, Clone, Debug, PartialEq, Eq)]
pub enum SessionEvent {
    /// GET INFO answered: the token's serial and model ("Token2 OTPC-P2-i" or "unknown model").
    TokenFound { serial: String, model: String },
    /// The token clock against the reference clock, once the measurement before
    /// writing is over.
    DriftMeasured { drift: DriftView },
    /// The token accepted the key.
    Authenticated,
    /// Clock and settings written.
    ConfigWritten,
    /// Seed written.
    SeedWritten,
    /// The closing GET INFO confirmed the clock: the session is about to report.
    Confirmed,
    /// A plain sentence before each command ("Writing the seed…").
    Step { text: String },
}

/// The token's clock against the reference clock.
#[derive(uniffi::Record, Clone, Debug, PartialEq, Eq)]
pub struct DriftView {
    /// Token minus reference, milliseconds (positive: the token is ahead).
    pub drift_ms: i64,
    /// ± bound of `drift_ms`, milliseconds.
    pub uncertainty_ms: i64,
    /// `in sync`, `sync recommended` or `sync required`.
    pub advice: String,
    /// E.g. "+3.42 s ± 0.52 s — sync recommended".
    pub text: String,
    pub reference_trusted: bool,
}

/// The core's drift advice as the app shows it.
pub(crate) fn advice_view(advice: &Advice) -> DriftView {
    let s = advice.summary();
    DriftView {
        drift_ms: s.drift_ms,
        uncertainty_ms: s.uncertainty_ms,
        advice: s.level.into(),
        text: s.text,
        reference_trusted: s.reference_trusted,
    }
}

/// Forwards the core's events to the app's observer.
pub(crate) struct Forward {
    pub(crate) observer: Option<Arc<dyn SessionObserver>>,
    /// A `TokenFound` was forwarded (later GET INFOs check the clock).
    pub(crate) found: bool,
}

impl Forward {
    fn emit(&self, event: SessionEvent) {
        if let Some(o) = &self.observer {
            // A Kotlin exception in on_event surfaces as a panic in the generated
            // callback code: contain it, a progress display must not abort a burn.
            if catch_unwind(AssertUnwindSafe(|| o.on_event(event))).is_err() {
                log::warn!("SessionObserver.on_event threw; ignored");
            }
        }
    }
}

/// The sentence spoken before a command (the first GET INFO reads the serial;
/// later ones check the clock).
fn step_text(step: Step, found: bool) -> &'static str {
    match step {
        Step::GetInfo if !found => "Reading the token's serial number and clock…",
        Step::GetInfo | Step::ConfirmInfo => "Checking the token's clock…",
        Step::GetChallenge => "Starting the key check…",
        Step::ExternalAuthenticate => "Checking the token's key…",
        Step::WriteConfig => "Setting the clock and settings…",
        Step::WriteSeed => "Writing the seed…",
    }
}

impl Observer for Forward {
    fn on_event(&mut self, event: &Event) {
        let mapped = match event {
            Event::Sending(step) => SessionEvent::Step {
                text: step_text(*step, self.found).into(),
            },
            Event::TokenFound { serial, model } => {
                self.found = true;
                SessionEvent::TokenFound {
                    serial: serial.to_string(),
                    model: model.to_string(),
                }
            }
            Event::Measured(reading) => SessionEvent::DriftMeasured {
                drift: advice_view(&reading.advice),
            },
            Event::Authenticated => SessionEvent::Authenticated,
            Event::ConfigWritten { .. } => SessionEvent::ConfigWritten,
            Event::SeedWritten => SessionEvent::SeedWritten,
            Event::Confirmed { .. } => SessionEvent::Confirmed,
        };
        self.emit(mapped);
    }
}
