//! # kiln-ffi: the uniffi boundary of tokenkiln
//!
//! The Android app talks to the core only through this crate (Kotlin package
//! `org.tokenkiln.core`, generated in library mode by `scripts/gen-kotlin.sh`). It is
//! a set of thin adapters over `kiln-core`: no domain logic lives here. The surface,
//! its threading rules and the reasons for a blocking run over a Kotlin [`TokenLink`]
//! are in `docs/ffi.md`.
//!
//! - Seed input ([`parse_seed_input`], [`Seed`], [`AmbiguousSeed`]): secrets stay in
//!   Rust objects (zeroized on drop); Kotlin only sees [`SeedInfo`] views.
//! - QR ([`QrScanner`], [`scan_image`]) over a luminance plane with a row stride: the
//!   payload is parsed here and never reaches Kotlin as text.
//! - Token sessions ([`read_token`], [`burn_token`], [`sync_token`]), run by the same
//!   driver as the CLI's; progress reaches the UI through [`SessionObserver`].
//! - Errors: [`KilnError`] (five variants a UI branches on) and [`LinkError`] (thrown
//!   by the Kotlin link; any other exception it throws becomes [`LinkError::Io`]).
//! - Cargo feature `testing` (never in the app): the simulated token (`SimToken`) and
//!   `decode_luma` (raw QR payloads, for corpus checks).
//!
//! Logging goes through `log` ([`init_logging`] installs `android_logger` on
//! Android). Nothing secret is logged: no seed, key, APDU data or QR payload.

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
#[cfg(feature = "testing")]
pub use qr::decode_luma;
pub use qr::{scan_image, FrameScan, ImageScan, QrScanner, UnreadableHint};
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
