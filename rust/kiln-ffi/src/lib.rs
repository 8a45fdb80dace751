//! # kiln-ffi: the uniffi boundary of tokenkiln
//!
//! The Android app talks to the core only through this crate (Kotlin package
//! `org.tokenkiln.core`, generated in library mode by `scripts/gen-kotlin.sh`). It is
//! a set of thin adapters over `kiln-core`: no domain logic lives here. The surface
//! is listed in `docs/ffi.md` and fixed by the FFI contract shared with the app work.
//!
//! - Seed input ([`parse_seed_input`], [`Seed`], [`AmbiguousSeed`]): secrets stay in
//!   Rust objects (zeroized on drop); Kotlin only sees [`SeedInfo`] views.
//! - QR ([`decode_luma`], [`scan_luma`]) over a camera luminance plane with a row stride.
//! - Token sessions ([`read_token`], [`burn_token`], [`sync_token`]).
//! - Errors: [`KilnError`] (five variants a UI branches on) and [`LinkError`]
//!   (thrown by the Kotlin link).
//!
//! ## Why a blocking run over a foreign `TokenLink` (and not step-wise calls)
//!
//! A session is run by **one** Rust driver (`kiln_core::session::run_session`), the
//! same one the CLI and the simulator use. It owns everything that must not be
//! re-implemented in Kotlin: the command order, the instant the WRITE CONFIG time is
//! captured (just before sending, after authentication), T=0 continuations, the
//! one-authentication-attempt rule, and the token-state bookkeeping behind "token may
//! be blank". A step-wise API (next command out, response + send/receive times in)
//! would hand that loop — and its timing — to Kotlin, where a second copy of it could
//! drift from the CLI's. Android's `IsoDep.transceive` is itself blocking and is
//! called on the NFC reader-mode callback thread (which may block), so a blocking
//! call that calls back into Kotlin's [`TokenLink::transceive`] fits it directly: the
//! app's whole NFC code is `burnToken(link = { isoDep.transceive(it) }, …)` on that
//! thread. Progress reaches the UI through [`SessionObserver`]. The cost — a Rust call
//! that blocks — is stated on every session function: call them off the UI thread.
//!
//! A Kotlin `IOException`/`TagLostException` is caught in the Kotlin adapter and
//! thrown as `LinkException.TagLost`/`Timeout`/`Io`; anything else a Kotlin link
//! throws reaches Rust as `UnexpectedUniFFICallbackError` and becomes
//! [`LinkError::Io`] (see [`error`]), so a misbehaving link is a typed link loss,
//! never a panic.
//!
//! ## Logging
//!
//! Through `log`. On Android, [`init_logging`] installs `android_logger` (tag
//! `kiln`); on every other target it does nothing and the host's logger (if any)
//! applies. Nothing secret is logged: no seed, key, APDU data or QR payload.

// `KilnError::UnknownModel` carries the first-contact report by value: every
// error crosses the FFI by value anyway (uniffi serialises it), so the size of
// the `Err` variant costs nothing that boxing would save.
#![allow(clippy::result_large_err)]

uniffi::setup_scaffolding!();

pub mod error;
mod events;
pub mod qr;
pub mod report;
pub mod seed;
pub mod session;
#[cfg(feature = "testing")]
pub mod sim;

pub use error::{KilnError, LinkError};
pub use qr::{decode_luma, scan_image, scan_luma, FrameScan, ImageScan, QrScanner, UnreadableHint};
pub use report::{contact_report_text, read_contact_report, ContactReport, ReportFact};
pub use seed::{
    parse_seed_input, AmbiguousSeed, Diagnosis, ExpectedCodes, MigrationAccount, Seed, SeedInfo,
    SeedInput,
};
pub use session::{
    burn_token, read_token, sync_token, BurnOptions, BurnReport, DriftView, ReferenceClock,
    SessionEvent, SessionObserver, TokenInfo, TokenLink, UnknownModelKey,
};
#[cfg(feature = "testing")]
pub use sim::SimToken;

/// Routes `log` records to logcat (tag `kiln`, debug level and up). Call once,
/// early (e.g. in `Application.onCreate`); later calls are harmless. A no-op on
/// targets other than Android.
#[uniffi::export]
pub fn init_logging() {
    #[cfg(target_os = "android")]
    android_logger::init_once(
        android_logger::Config::default()
            .with_max_level(log::LevelFilter::Debug)
            .with_tag("kiln"),
    );
}

/// TOTP code for `key` at `unix_secs` (SHA1/SHA256/SHA512 by name).
#[uniffi::export]
pub fn totp_code(
    key: Vec<u8>,
    algorithm: String,
    digits: u8,
    period: u64,
    unix_secs: u64,
) -> Result<String, KilnError> {
    let key = zeroize::Zeroizing::new(key);
    let alg = algorithm
        .parse::<kiln_core::params::Algorithm>()
        .map_err(KilnError::bad_input)?;
    let c = kiln_core::totp::code(&key, alg, digits, period, unix_secs)
        .map_err(KilnError::bad_input)?;
    Ok(kiln_core::totp::format_code(c, digits))
}
