//! Token sessions over a Kotlin-implemented link: [`read_token`], [`burn_token`],
//! [`sync_token`]. A forwarding layer: each call builds the core's request, runs
//! the core's driver over [`ForeignLink`] (the Kotlin [`TokenLink`]) and an
//! `OffsetClock` ([`ReferenceClock::offset_ms`]), forwards the core's events
//! (`crate::events`) and maps the outcome (`crate::error`). Nothing here parses
//! an answer or measures a clock. The calls block until the session ends (about
//! 1–3 s): call them off the UI thread, e.g. on the NFC reader-mode callback
//! thread that delivered the tag (why: the crate documentation).

use crate::error::{KilnError, LinkError};
use crate::events::{advice_view, Forward};
use crate::seed::{codes_view, ExpectedCodes, Seed};
use kiln_core::clock::{Reference, ReferenceSource, SyncResidual};
use kiln_core::params::{TokenConfig, TokenStep};
use kiln_core::proto::{DeviceKey, KeyChoice, Serial, SyncClass, UnknownModelPolicy};
use kiln_core::request::{burn_request, sync_config, BurnChoices, PreparedBurn};
use kiln_core::session::{
    self as core, run_session_with, BurnSession, Measure, OffsetClock, Outcome, ReadSession,
    Resume, Session, SyncSession, TokenReading, Transceive,
};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

pub use crate::events::{DriftView, SessionEvent, SessionObserver};

/// One APDU exchange with the token, implemented in Kotlin over `IsoDep.transceive`.
///
/// Return the whole response (data ‖ SW1 SW2). Throw `LinkException.TagLost` for
/// `TagLostException`, `LinkException.Timeout` for a timeout, `LinkException.Io` for
/// any other `IOException`. Any other exception is treated as a link loss too.
#[uniffi::export(with_foreign)]
pub trait TokenLink: Send + Sync {
    fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, LinkError>;
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
    /// Codes the token shows by its own clock when the burn ended (after the
    /// power cycle). Empty strings after a clock sync: the seed is not known then.
    pub codes: ExpectedCodes,
    /// The token's clock minus the reference clock the codes are computed by: 0
    /// after a clock set, its kept offset with `sync_clock = false`. Live codes
    /// are `seed.expected_codes(reference_now + token_offset_ms / 1000)`.
    pub token_offset_ms: i64,
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
    let unknown_model = match &options.unknown_model_key {
        None => UnknownModelPolicy::ReadOnly,
        Some(UnknownModelKey::FamilyDefault) => {
            UnknownModelPolicy::Program(KeyChoice::FamilyDefault)
        }
        Some(UnknownModelKey::Custom { key_hex }) => UnknownModelPolicy::Program(
            KeyChoice::Custom(DeviceKey::from_hex(key_hex).map_err(KilnError::bad_input)?),
        ),
    };
    let choices = BurnChoices {
        display_timeout_secs: options.display_timeout_secs,
        sync_clock: options.sync_clock,
        unknown_model,
        ..BurnChoices::new(reference(&clock))
    };
    let PreparedBurn { request, .. } =
        burn_request(seed.spec().clone(), &choices).map_err(KilnError::bad_input)?;
    let mut session = match options.resume_serial.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => {
            BurnSession::resume(request, Resume::for_serial(Serial::from(s)))
        }
        _ => BurnSession::new(request),
    };
    match run(&mut session, link, &clock, observer)? {
        Outcome::Burned(r) => Ok(BurnReport {
            codes: r.codes.map_or_else(ExpectedCodes::default, codes_view),
            token_offset_ms: r.token_offset_us().div_euclid(1000),
            next_step: r.instruction.into(),
            ..written(
                &r.before,
                r.after.as_ref(),
                r.clock_written,
                r.residual,
                &r.config,
            )
        }),
        other => Err(unexpected(&other)),
    }
}

/// What a burn and a sync report alike (codes and next step left empty).
fn written(
    before: &TokenReading,
    after: Option<&TokenReading>,
    clock_written: u32,
    residual: Option<SyncResidual>,
    config: &TokenConfig,
) -> BurnReport {
    BurnReport {
        token: token_info(before),
        clock_after: i64::from(after.map_or(clock_written, |a| a.token_clock)),
        residual_ms: residual.map(|x| x.estimate.midpoint_us() / 1000),
        algorithm: config.hmac.to_string(),
        period: step_secs(config.step),
        display_timeout_secs: config.display_timeout.seconds(),
        codes: ExpectedCodes::default(),
        token_offset_ms: 0,
        next_step: String::new(),
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
    let config = sync_config(&algorithm, u64::from(period), display_timeout_secs)
        .map_err(KilnError::bad_input)?;
    let mut session = SyncSession::new(config, reference(&clock));
    match run(&mut session, link, &clock, observer)? {
        Outcome::Synced(r) => Ok(BurnReport {
            codes: ExpectedCodes {
                period: step_secs(r.config.step),
                ..ExpectedCodes::default()
            },
            next_step: "The token clock is set. Switch the token off and on, then compare its code with the service.".into(),
            ..written(&r.before, r.after.as_ref(), r.clock_written, r.residual, &r.config)
        }),
        other => Err(unexpected(&other)),
    }
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
    let mut forward = Forward {
        observer,
        found: false,
    };
    let mut foreign = ForeignLink { link };
    let mut time = OffsetClock {
        offset_us: clock.offset_ms.saturating_mul(1000),
    };
    // The driver and the sessions do not panic on any input; should a bug make
    // them, the caller still gets a typed error rather than an abort.
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        run_session_with(session, &mut foreign, &mut time, &mut forward)
    }))
    .map_err(|_| {
        KilnError::internal("the session stopped on an internal error; please report this")
    })?;
    match outcome {
        Outcome::Failed(f) => {
            log::info!("session failed: {:?} (token state {:?})", f.kind(), f.token);
            Err(KilnError::from(&*f))
        }
        ok => Ok(ok),
    }
}

pub(crate) fn unexpected(outcome: &Outcome) -> KilnError {
    let bug = || KilnError::internal("the session ended unexpectedly; please report this");
    outcome.failure().map_or_else(bug, KilnError::from)
}

/// `Transceive` over the foreign [`TokenLink`].
pub(crate) struct ForeignLink {
    pub(crate) link: Arc<dyn TokenLink>,
}

impl Transceive for ForeignLink {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, core::LinkError> {
        // The WRITE SEED command carries the seed encrypted under the device key;
        // Kotlin needs the bytes to send them. This copy is handed over to Kotlin.
        self.link.transceive(apdu.to_vec()).map_err(|e| {
            log::info!("link error: {e}");
            e.into()
        })
    }
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
