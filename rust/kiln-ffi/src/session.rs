//! Token sessions over a Kotlin-implemented link: [`read_token`], [`burn_token`],
//! [`sync_token`].
//!
//! Each call runs `kiln_core::session::run_session_observed` (the driver the CLI and
//! the simulator use) to the end, with two adapters:
//!
//! - [`ForeignLink`]: `kiln_core::session::Transceive` over the foreign
//!   [`TokenLink`]. Kotlin's `LinkException`s become core link errors; an unexpected
//!   Kotlin exception arrives as [`LinkError::Io`] (see `crate::error`).
//! - [`ReferenceTime`]: `kiln_core::session::Clock` = system time +
//!   [`ReferenceClock::offset_ms`] (e.g. network time on Android).
//!
//! They block until the session ends (a burn is six exchanges plus clock polls, and
//! waits for the planned WRITE CONFIG instant: about 1–3 s): call them off the UI thread — on Android, directly on the NFC
//! reader-mode callback thread that delivered the tag. Why a blocking run rather than
//! step-wise calls is explained in the crate documentation.
//!
//! Progress goes to the optional [`SessionObserver`] on the calling thread. An
//! exception thrown by the observer is logged and ignored: it never aborts a burn.

use crate::error::{sentence, KilnError, LinkError};
use crate::seed::{codes_view, ExpectedCodes, Seed};
use kiln_core::clock::{
    advise, Advice, AdviceConfig, DriftEstimate, Reading, Reference, ReferenceSource, SyncResidual,
};
use kiln_core::params::{DisplayTimeout, TokenConfig, TokenStep};
use kiln_core::proto::apdu::command_name;
use kiln_core::proto::response::{parse_info, split_status};
use kiln_core::proto::{
    DeviceKey, KeyChoice, Model, Serial, StatusWord, SyncClass, UnknownModelPolicy,
};
use kiln_core::session::{
    self as core, run_session_observed, BurnRequest, BurnSession, Clock, Exchange, Failure,
    FailureKind, Measure, Outcome, ReadSession, Resume, Session, SessionError, SyncSession,
    SystemClock, TokenReading, TokenState, Transceive,
};
use kiln_core::time::UnixMicros;
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// One APDU exchange with the token, implemented in Kotlin over `IsoDep.transceive`.
///
/// Return the whole response (data ‖ SW1 SW2). Throw `LinkException.TagLost` for
/// `TagLostException`, `LinkException.Timeout` for a timeout, `LinkException.Io` for
/// any other `IOException`. Any other exception is treated as a link loss too.
#[uniffi::export(with_foreign)]
pub trait TokenLink: Send + Sync {
    fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, LinkError>;
}

/// Progress of a session, for the UI, TalkBack and haptics. Called on the thread
/// running the session.
#[uniffi::export(with_foreign)]
pub trait SessionObserver: Send + Sync {
    fn on_event(&self, event: SessionEvent);
}

/// What just happened in a session.
#[derive(uniffi::Enum, Clone, Debug, PartialEq, Eq)]
pub enum SessionEvent {
    /// GET INFO answered: the token's serial and model ("Token2 OTPC-P2-i" or "unknown model").
    TokenFound { serial: String, model: String },
    /// The token clock against the reference clock, from that GET INFO.
    DriftMeasured { drift: DriftView },
    /// The token accepted the key.
    Authenticated,
    /// Clock and settings written.
    ConfigWritten,
    /// Seed written.
    SeedWritten,
    /// The closing GET INFO answered: the session is about to report.
    Confirmed,
    /// A plain sentence before each command ("Writing the seed…").
    Step { text: String },
}

/// The reference time the session measures and sets the token clock against.
#[derive(uniffi::Record, Clone, Debug, PartialEq, Eq)]
pub struct ReferenceClock {
    /// Reference minus the system clock, milliseconds (0 for the phone's own clock).
    pub offset_ms: i64,
    /// True for a verified source (network time); false for the phone's clock.
    pub trusted: bool,
    /// Shown to the user, e.g. "network time" or "phone clock (not verified)".
    pub source: String,
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

/// What a GET INFO told about the token.
#[derive(uniffi::Record, Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    pub serial: String,
    /// "Token2 OTPC-P2-i", or "unknown model".
    pub model: String,
    pub known_model: bool,
    /// True when a clock write erases the seed (unknown models are assumed to).
    pub restricted_sync: bool,
    /// Token clock, Unix seconds.
    pub token_time: i64,
    pub drift: DriftView,
}

/// The key to use on a token whose model is unknown (an explicit user choice).
#[derive(uniffi::Enum, Clone, Debug, PartialEq, Eq)]
pub enum UnknownModelKey {
    /// The family default key.
    FamilyDefault,
    /// The user's own key: 32 hex digits.
    Custom { key_hex: String },
}

/// How to burn.
#[derive(uniffi::Record, Clone, Debug, PartialEq, Eq)]
pub struct BurnOptions {
    /// Display auto-off: 15, 30, 60 or 120 seconds.
    pub display_timeout_secs: u32,
    /// `true` (usual): set the token clock to the reference, precisely. `false`:
    /// keep the token's own time (a burn always writes the clock; the token's
    /// measured time is written back, to within about one round trip).
    pub sync_clock: bool,
    /// Finish an interrupted burn: only the token with this serial is accepted.
    pub resume_serial: Option<String>,
    /// `None`: a token of unknown model is only read (`KilnException.UnknownModel`).
    pub unknown_model_key: Option<UnknownModelKey>,
}

/// A finished burn (or clock sync).
#[derive(uniffi::Record, Clone, Debug, PartialEq, Eq)]
pub struct BurnReport {
    /// The token as found (before writing).
    pub token: TokenInfo,
    /// The token clock after writing, Unix seconds (the value written when the
    /// confirming read was cut off).
    pub clock_after: i64,
    /// Token minus reference after writing, milliseconds (`None`: not confirmed).
    pub residual_ms: Option<i64>,
    pub algorithm: String,
    pub period: u32,
    pub display_timeout_secs: u32,
    /// Codes the token shows now (after the power cycle). Empty strings after a
    /// clock sync: the seed is not known then.
    pub codes: ExpectedCodes,
    /// What the user does next ("Switch the token off and on now …").
    pub next_step: String,
}

/// GET INFO only: serial, model, clock and drift. Works on every model and sends
/// nothing else. Blocks: call off the UI thread.
#[uniffi::export]
pub fn read_token(
    link: Arc<dyn TokenLink>,
    clock: ReferenceClock,
    observer: Option<Arc<dyn SessionObserver>>,
) -> Result<TokenInfo, KilnError> {
    let mut session = ReadSession::new(reference(&clock), Measure::Advice);
    match run(&mut session, link, &clock, observer)? {
        Outcome::Read(r) => Ok(token_info(&r)),
        other => Err(unexpected(&other)),
    }
}

/// Burns `seed` onto the token: GET INFO, policy checks, one authentication, clock
/// and settings, seed, confirming GET INFO. Blocks: call off the UI thread.
///
/// `KilnException.LinkLost` with `tokenMayBeBlank` means the user must tap the same
/// token again: call again with `options.resumeSerial = e.resumeSerial`.
#[uniffi::export]
pub fn burn_token(
    link: Arc<dyn TokenLink>,
    clock: ReferenceClock,
    seed: Arc<Seed>,
    options: BurnOptions,
    observer: Option<Arc<dyn SessionObserver>>,
) -> Result<BurnReport, KilnError> {
    let program = seed.spec().token_program().map_err(|problems| {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        KilnError::bad_input(format!(
            "this seed cannot go on the token: {}",
            list.join("; ")
        ))
    })?;
    let display = display_timeout(options.display_timeout_secs)?;
    let config = TokenConfig {
        hmac: program.hmac,
        step: program.step,
        display_timeout: display,
    };
    let unknown_model = match &options.unknown_model_key {
        None => UnknownModelPolicy::ReadOnly,
        Some(UnknownModelKey::FamilyDefault) => {
            UnknownModelPolicy::Program(KeyChoice::FamilyDefault)
        }
        Some(UnknownModelKey::Custom { key_hex }) => UnknownModelPolicy::Program(
            KeyChoice::Custom(DeviceKey::from_hex(key_hex).map_err(KilnError::bad_input)?),
        ),
    };
    let request = BurnRequest {
        seed: program.seed.clone(),
        config,
        unknown_model,
        reference: reference(&clock),
        sync_clock: options.sync_clock,
    };
    let mut session = match options.resume_serial.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => {
            BurnSession::resume(request, Resume::for_serial(Serial::from(s)))
        }
        _ => BurnSession::new(request),
    };
    match run(&mut session, link, &clock, observer)? {
        Outcome::Burned(r) => {
            let now = ReferenceTime::new(&clock).now();
            let codes = kiln_core::verify::expected_token_codes(
                &program.seed,
                program.hmac,
                program.step,
                u64::try_from(now.div_euclid(1_000_000)).unwrap_or(0),
            )
            .map(codes_view)
            .map_err(KilnError::internal)?;
            Ok(report(
                &r.before,
                r.after.as_ref(),
                r.clock_written,
                r.residual.as_ref(),
                &r.config,
                codes,
                r.instruction.to_string(),
            ))
        }
        other => Err(unexpected(&other)),
    }
}

/// The report of a session that wrote the token (a burn or a sync).
fn report(
    before: &TokenReading,
    after: Option<&TokenReading>,
    clock_written: u32,
    residual: Option<&SyncResidual>,
    config: &TokenConfig,
    codes: ExpectedCodes,
    next_step: String,
) -> BurnReport {
    BurnReport {
        token: token_info(before),
        clock_after: after.map_or(i64::from(clock_written), |a| i64::from(a.token_clock)),
        residual_ms: residual.map(|x| x.estimate.midpoint_us() / 1000),
        algorithm: config.hmac.to_string(),
        period: step_secs(config.step),
        display_timeout_secs: config.display_timeout.seconds(),
        codes,
        next_step,
    }
}

/// Sets the token clock (and the settings, which a clock write always rewrites)
/// without touching the seed. Only on models whose seed survives a clock write;
/// on the others it stops after GET INFO with `BadInput` explaining that a sync
/// would erase the seed: burn instead. Blocks: call off the UI thread.
#[uniffi::export]
pub fn sync_token(
    link: Arc<dyn TokenLink>,
    clock: ReferenceClock,
    algorithm: String,
    period: u32,
    display_timeout_secs: u32,
    observer: Option<Arc<dyn SessionObserver>>,
) -> Result<BurnReport, KilnError> {
    let alg: kiln_core::params::Algorithm = algorithm.parse().map_err(KilnError::bad_input)?;
    let hmac = kiln_core::params::TokenHmac::from_algorithm(alg).ok_or_else(|| {
        KilnError::bad_input(format!(
            "these tokens can only do SHA1 or SHA256, not {alg}"
        ))
    })?;
    let step = TokenStep::from_seconds(u64::from(period)).ok_or_else(|| {
        KilnError::bad_input(format!(
            "these tokens can only do 30 s or 60 s, not {period} s"
        ))
    })?;
    let config = TokenConfig {
        hmac,
        step,
        display_timeout: display_timeout(display_timeout_secs)?,
    };
    let mut session = SyncSession::new(config, reference(&clock));
    match run(&mut session, link, &clock, observer)? {
        Outcome::Synced(r) => Ok(report(
            &r.before,
            r.after.as_ref(),
            r.clock_written,
            r.residual.as_ref(),
            &r.config,
            ExpectedCodes {
                previous: String::new(),
                current: String::new(),
                next: String::new(),
                seconds_left: 0,
                period: step_secs(r.config.step),
            },
            "The token clock is set. Switch the token off and on, then compare its code with the service.".into(),
        )),
        other => Err(unexpected(&other)),
    }
}

fn display_timeout(secs: u32) -> Result<DisplayTimeout, KilnError> {
    DisplayTimeout::from_seconds(secs).ok_or_else(|| {
        KilnError::bad_input(format!(
            "the display timeout must be 15, 30, 60 or 120 seconds, not {secs}"
        ))
    })
}

fn step_secs(step: TokenStep) -> u32 {
    u32::try_from(step.seconds()).unwrap_or(30)
}

/// Runs a session to its end with the adapters; a failure becomes a [`KilnError`].
pub(crate) fn run<S: Session>(
    session: &mut S,
    link: Arc<dyn TokenLink>,
    clock: &ReferenceClock,
    observer: Option<Arc<dyn SessionObserver>>,
) -> Result<Outcome, KilnError> {
    let events = Events::new(observer, clock);
    let mut foreign = ForeignLink {
        link,
        events: &events,
    };
    let mut time = ReferenceTime::new(clock);
    // The driver and the sessions do not panic on any input; should a bug make
    // them, the caller still gets a typed error rather than an abort.
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        run_session_observed(session, &mut foreign, &mut time, &mut |x| {
            events.exchange(x)
        })
    }))
    .map_err(|_| {
        KilnError::internal("the session stopped on an internal error; please report this")
    })?;
    events.drift_done();
    match outcome {
        Outcome::Failed(f) => {
            log::info!("session failed: {:?} (token state {:?})", f.kind(), f.token);
            Err(KilnError::from(&*f))
        }
        ok => Ok(ok),
    }
}

pub(crate) fn unexpected(outcome: &Outcome) -> KilnError {
    log::error!("session ended with an outcome of another kind");
    match outcome {
        Outcome::Failed(f) => KilnError::from(&**f),
        _ => KilnError::internal("the session ended unexpectedly; please report this"),
    }
}

/// `Clock` on the reference time: the system clock plus the caller's offset.
pub(crate) struct ReferenceTime {
    offset_us: i64,
}

impl ReferenceTime {
    pub(crate) fn new(clock: &ReferenceClock) -> Self {
        Self {
            offset_us: clock.offset_ms.saturating_mul(1000),
        }
    }
}

impl Clock for ReferenceTime {
    fn now(&self) -> UnixMicros {
        SystemClock.now().saturating_add(self.offset_us)
    }

    fn sleep_until(&mut self, t: UnixMicros) {
        let wait = t.saturating_sub(self.now());
        if wait > 0 {
            std::thread::sleep(std::time::Duration::from_micros(wait.unsigned_abs()));
        }
    }
}

/// Event bookkeeping shared by the link adapter and the driver's exchange callback.
///
/// A session may read the clock several times before writing (refinement polls) and
/// after (confirmation polls). Events: `TokenFound` at the first answered GET INFO;
/// `DriftMeasured` once, when the measurement before writing is over (just before the
/// first other command, or at the end of a read-only session), from the intersection
/// of those readings; `Confirmed` at the first answered GET INFO after a write.
struct Events {
    observer: Option<Arc<dyn SessionObserver>>,
    clock: ReferenceClock,
    /// Serial and clock of the last GET INFO answer (parsed for the events only;
    /// the session parses it again for itself).
    info: RefCell<Option<(Serial, u32)>>,
    found: Cell<bool>,
    estimate: Cell<Option<DriftEstimate>>,
    drift_sent: Cell<bool>,
    written: Cell<bool>,
    confirmed: Cell<bool>,
}

impl Events {
    fn new(observer: Option<Arc<dyn SessionObserver>>, clock: &ReferenceClock) -> Self {
        Self {
            observer,
            clock: clock.clone(),
            info: RefCell::new(None),
            found: Cell::new(false),
            estimate: Cell::new(None),
            drift_sent: Cell::new(false),
            written: Cell::new(false),
            confirmed: Cell::new(false),
        }
    }

    fn emit(&self, event: SessionEvent) {
        if let Some(o) = &self.observer {
            // A Kotlin exception in on_event surfaces as a panic in the generated
            // callback code: contain it, a progress display must not abort a burn.
            if catch_unwind(AssertUnwindSafe(|| o.on_event(event))).is_err() {
                log::warn!("SessionObserver.on_event threw; ignored");
            }
        }
    }

    /// Reports the drift measured so far, once.
    fn drift_done(&self) {
        if self.drift_sent.get() {
            return;
        }
        if let Some(e) = self.estimate.get() {
            self.drift_sent.set(true);
            self.emit(SessionEvent::DriftMeasured {
                drift: drift_view(e, &self.clock),
            });
        }
    }

    fn before(&self, apdu: &[u8]) {
        let name = command_name(apdu);
        if name != "GET INFO" && name != "GET RESPONSE" {
            self.drift_done();
        }
        let text = match name {
            "GET INFO" if !self.found.get() => "Reading the token's serial number and clock…",
            "GET INFO" => "Checking the token's clock…",
            "GET CHALLENGE" => "Starting the key check…",
            "EXTERNAL AUTHENTICATE" => "Checking the token's key…",
            "WRITE CONFIG" => "Setting the clock and settings…",
            "WRITE SEED" => "Writing the seed…",
            _ => return,
        };
        if matches!(name, "WRITE CONFIG" | "WRITE SEED") {
            self.written.set(true);
        }
        self.emit(SessionEvent::Step { text: text.into() });
    }

    fn after(&self, apdu: &[u8], response: &[u8]) {
        if command_name(apdu) != "GET INFO" {
            return;
        }
        if let Ok((data, StatusWord::Success)) = split_status(response) {
            if let Ok(info) = parse_info(data) {
                *self.info.borrow_mut() = Some((info.serial, info.clock));
            }
        }
    }

    fn exchange(&self, x: &Exchange) {
        if x.result != Ok(StatusWord::Success) {
            return;
        }
        match x.command {
            "GET INFO" => {
                let Some((serial, token_clock)) = self.info.borrow_mut().take() else {
                    return;
                };
                if self.written.get() {
                    if !self.confirmed.replace(true) {
                        self.emit(SessionEvent::Confirmed);
                    }
                    return;
                }
                if !self.found.replace(true) {
                    self.emit(SessionEvent::TokenFound {
                        serial: serial.to_string(),
                        model: Model::lookup(&serial).to_string(),
                    });
                }
                if let Ok(r) = Reading::new(x.sent_at, x.received_at, token_clock) {
                    let reading = DriftEstimate::from_reading(&r, 0);
                    let merged = match self.estimate.get() {
                        // Readings that disagree are the session's to report.
                        Some(e) => e.intersect(reading).unwrap_or(e),
                        None => reading,
                    };
                    self.estimate.set(Some(merged));
                }
            }
            "EXTERNAL AUTHENTICATE" => self.emit(SessionEvent::Authenticated),
            "WRITE CONFIG" => self.emit(SessionEvent::ConfigWritten),
            "WRITE SEED" => self.emit(SessionEvent::SeedWritten),
            _ => {}
        }
    }
}

/// `Transceive` over the foreign [`TokenLink`].
struct ForeignLink<'a> {
    link: Arc<dyn TokenLink>,
    events: &'a Events,
}

impl Transceive for ForeignLink<'_> {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, core::LinkError> {
        self.events.before(apdu);
        // The WRITE SEED command carries the seed encrypted under the device key;
        // Kotlin needs the bytes to send them. This copy is handed over to Kotlin.
        match self.link.transceive(apdu.to_vec()) {
            Ok(response) => {
                self.events.after(apdu, &response);
                Ok(response)
            }
            Err(e) => {
                log::info!("link error during {}: {e}", command_name(apdu));
                Err(e.into())
            }
        }
    }
}

/// True when the token may now hold no seed at all.
fn may_be_blank(state: TokenState) -> bool {
    matches!(
        state,
        TokenState::SeedErased
            | TokenState::ConfigUncertain { erases_seed: true }
            | TokenState::SeedUncertain { seed_erased: true }
    )
}

/// The core's view of the caller's reference clock: network time when trusted
/// (what Android passes as trusted), else the phone's own clock.
pub(crate) fn reference(clock: &ReferenceClock) -> Reference {
    if clock.trusted {
        Reference::trusted(ReferenceSource::Network)
    } else {
        Reference::untrusted(ReferenceSource::System)
    }
}

/// The drift interval with the advice the sessions give for it (default thresholds:
/// 2 s recommended, one 30 s step required).
fn drift_view(e: DriftEstimate, clock: &ReferenceClock) -> DriftView {
    advice_view(&advise(e, reference(clock), &AdviceConfig::default()))
}

fn advice_view(advice: &Advice) -> DriftView {
    let e = advice.estimate();
    DriftView {
        drift_ms: e.midpoint_us() / 1000,
        uncertainty_ms: (e.half_width_us().saturating_add(999)) / 1000,
        advice: advice.level().as_str().to_string(),
        text: format!("{e} — {advice}"),
        reference_trusted: advice.reference().trusted,
    }
}

fn token_info(r: &TokenReading) -> TokenInfo {
    TokenInfo {
        serial: r.serial.to_string(),
        model: r.model.to_string(),
        known_model: r.model.is_known(),
        restricted_sync: r.model.sync_class() == SyncClass::Restricted,
        token_time: i64::from(r.token_clock),
        drift: advice_view(&r.advice),
    }
}

impl From<LinkError> for core::LinkError {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::TagLost { .. } => core::LinkError::TagLost,
            LinkError::Timeout { .. } => core::LinkError::Timeout,
            LinkError::Io { detail } => core::LinkError::Io(detail),
        }
    }
}

impl From<&Failure> for KilnError {
    /// The mapping table of `docs/ffi.md`. The message is the core's error plus its
    /// advice for the token's state ("… This token now has no seed — tap again …").
    fn from(f: &Failure) -> Self {
        let user_message = sentence(&f.to_string());
        let resume_serial = f.resume.as_ref().map(|r| r.serial().to_string());
        match &f.error {
            SessionError::AuthRefused { tries_left, .. } => KilnError::RefusedByToken {
                user_message,
                tries_left: *tries_left,
                token_may_be_blank: false,
                resume_serial: None,
            },
            SessionError::UnknownModel { serial } => KilnError::UnknownModel {
                user_message,
                serial: serial.to_string(),
                report: f.before.as_ref().map(crate::report::ContactReport::of),
            },
            // The interrupted burn's token is still to be finished: keep its serial.
            SessionError::WrongToken { expected, .. } => KilnError::LinkLost {
                user_message,
                token_may_be_blank: true,
                resume_serial: Some(expected.to_string()),
            },
            SessionError::SyncNeedsBurn { .. } | SessionError::ReferenceClockInvalid { .. } => {
                KilnError::BadInput { user_message }
            }
            SessionError::OutOfOrder(_) => KilnError::Internal { user_message },
            // A refusal, or a write answered with nonsense: the action is over
            // (see `Failure::retap`); the app contacts the token again only after
            // the user chose to try once more, on the same serial.
            _ if f.kind() == FailureKind::Refused
                || (f.kind() == FailureKind::Garbled && f.token.needs_finishing()) =>
            {
                KilnError::RefusedByToken {
                    user_message,
                    tries_left: None,
                    token_may_be_blank: may_be_blank(f.token),
                    resume_serial,
                }
            }
            // Link loss, an unusable answer before any write, or a clock the
            // confirming read did not confirm: the user's next action is to tap again.
            _ => KilnError::LinkLost {
                user_message,
                token_may_be_blank: may_be_blank(f.token),
                resume_serial,
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use kiln_core::session::{GarbledDetail, Step};

    fn failure(error: SessionError, token: TokenState, resume: Option<&str>) -> Failure {
        Failure {
            error,
            token,
            serial: Some(Serial::from("86596220000001")),
            model: None,
            before: None,
            resume: resume.map(|s| Resume::for_serial(Serial::from(s))),
        }
    }

    fn map(error: SessionError, token: TokenState, resume: Option<&str>) -> KilnError {
        KilnError::from(&failure(error, token, resume))
    }

    #[test]
    fn every_failure_maps_to_the_variant_a_ui_branches_on() {
        let s = "86596220000001";
        let lost = |step| SessionError::LinkLost {
            step,
            cause: core::LinkError::TagLost,
        };
        // Link loss: "may be blank" follows the token state.
        for (state, blank) in [
            (TokenState::Unchanged, false),
            (TokenState::ConfigUncertain { erases_seed: true }, true),
            (TokenState::ConfigUncertain { erases_seed: false }, false),
            (TokenState::SeedErased, true),
            (TokenState::OldSeedNewSettings, false),
            (TokenState::SeedUncertain { seed_erased: true }, true),
            (TokenState::SeedUncertain { seed_erased: false }, false),
        ] {
            let resume = state.needs_finishing().then_some(s);
            match map(lost(Step::WriteConfig), state, resume) {
                KilnError::LinkLost {
                    token_may_be_blank,
                    resume_serial,
                    user_message,
                } => {
                    assert_eq!(token_may_be_blank, blank, "{state:?}");
                    assert_eq!(resume_serial.as_deref(), resume, "{state:?}");
                    assert!(user_message.starts_with("The connection"), "{user_message}");
                    assert!(user_message.ends_with('.'), "{user_message}");
                }
                other => panic!("{state:?}: {other:?}"),
            }
        }
        // Refusals.
        match map(
            SessionError::AuthRefused {
                sw: StatusWord::WrongKey(0xC4),
                tries_left: Some(4),
            },
            TokenState::Unchanged,
            None,
        ) {
            KilnError::RefusedByToken {
                tries_left,
                user_message,
                token_may_be_blank,
                resume_serial,
            } => {
                assert_eq!(tries_left, Some(4));
                assert!(user_message.contains("4 tries left"), "{user_message}");
                assert!(!token_may_be_blank);
                assert_eq!(resume_serial, None);
            }
            other => panic!("{other:?}"),
        }
        // A refused or garbled write: the action is over, the token may be blank,
        // and a try once more must be on the same serial.
        for error in [
            SessionError::Refused {
                step: Step::WriteSeed,
                sw: StatusWord::BadData,
            },
            SessionError::Garbled {
                step: Step::WriteSeed,
                detail: GarbledDetail::UnexpectedStatus(StatusWord::Other(0x6F00)),
            },
        ] {
            match map(
                error.clone(),
                TokenState::SeedUncertain { seed_erased: true },
                Some(s),
            ) {
                KilnError::RefusedByToken {
                    tries_left: None,
                    token_may_be_blank: true,
                    resume_serial,
                    user_message,
                } => {
                    assert_eq!(resume_serial.as_deref(), Some(s));
                    assert!(user_message.contains("sent nothing more"), "{user_message}");
                }
                other => panic!("{error:?}: {other:?}"),
            }
        }
        // Unusable answers and an unconfirmed clock: tap again.
        assert!(matches!(
            map(
                SessionError::Garbled {
                    step: Step::GetChallenge,
                    detail: GarbledDetail::UnexpectedData(3)
                },
                TokenState::Unchanged,
                None
            ),
            KilnError::LinkLost {
                token_may_be_blank: false,
                resume_serial: None,
                ..
            }
        ));
        assert!(matches!(
            map(
                SessionError::ClockNotConfirmed {
                    expected: 1_800_000_000,
                    found: 1
                },
                TokenState::Written,
                None
            ),
            KilnError::LinkLost { .. }
        ));
        // Policy.
        match map(
            SessionError::UnknownModel {
                serial: Serial::from("12345"),
            },
            TokenState::Unchanged,
            None,
        ) {
            KilnError::UnknownModel { serial, .. } => assert_eq!(serial, "12345"),
            other => panic!("{other:?}"),
        }
        match map(
            SessionError::WrongToken {
                expected: Serial::from(s),
                found: Serial::from("86596220000999"),
            },
            TokenState::Unchanged,
            Some(s),
        ) {
            KilnError::LinkLost {
                resume_serial,
                token_may_be_blank,
                ..
            } => {
                assert_eq!(resume_serial.as_deref(), Some(s));
                assert!(token_may_be_blank);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            map(
                SessionError::SyncNeedsBurn {
                    model: Model::Unknown
                },
                TokenState::Unchanged,
                None
            ),
            KilnError::BadInput { .. }
        ));
        assert!(matches!(
            map(
                SessionError::ReferenceClockInvalid { now: 0 },
                TokenState::Unchanged,
                None
            ),
            KilnError::BadInput { .. }
        ));
        assert!(matches!(
            map(
                SessionError::OutOfOrder("test"),
                TokenState::Unchanged,
                None
            ),
            KilnError::Internal { .. }
        ));
    }

    #[test]
    fn link_errors_from_kotlin_keep_their_kind() {
        let d = || "x".to_string();
        assert_eq!(
            core::LinkError::from(LinkError::TagLost { detail: d() }),
            core::LinkError::TagLost
        );
        assert_eq!(
            core::LinkError::from(LinkError::Timeout { detail: d() }),
            core::LinkError::Timeout
        );
        assert_eq!(
            core::LinkError::from(LinkError::Io { detail: d() }),
            core::LinkError::Io("x".into())
        );
    }

    #[test]
    fn drift_view_text_and_advice() {
        let e = DriftEstimate::around(3_420_000, 20_000);
        let untrusted = ReferenceClock {
            offset_ms: 0,
            trusted: false,
            source: "phone clock (not verified)".into(),
        };
        let v = drift_view(e, &untrusted);
        assert_eq!((v.drift_ms, v.uncertainty_ms), (3_420, 20));
        assert_eq!(v.advice, "sync recommended");
        assert!(
            v.text.starts_with("+3.42 s ± 0.02 s — sync recommended"),
            "{}",
            v.text
        );
        assert!(v.text.contains("not verified"), "{}", v.text);
        assert!(!v.reference_trusted);
        let trusted = ReferenceClock {
            trusted: true,
            ..untrusted
        };
        let v = drift_view(DriftEstimate::around(-45_000_000, 500_000), &trusted);
        assert_eq!(v.advice, "sync required");
        assert!(!v.text.contains("not verified"), "{}", v.text);
        assert!(v.reference_trusted);
    }
}
