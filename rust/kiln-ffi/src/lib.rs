//! # kiln-ffi: the uniffi boundary of tokenkiln
//!
//! The Android app talks to the core only through this crate (Kotlin package
//! `org.tokenkiln.core`, bindings from `scripts/gen-kotlin.sh`): thin adapters over
//! `kiln-core` for seed input (secrets stay in Rust objects; Kotlin sees views), QR
//! scanning (payload text never reaches Kotlin), token sessions run by the CLI's driver
//! over a blocking Kotlin [`TokenLink`], and errors ([`KilnError`], [`LinkError`]).
//! The surface, threading and design are in `docs/ffi.md`. Cargo feature `testing`
//! (never in the app) adds `SimToken` and `decode_luma` for the JVM tests. Nothing
//! secret is logged: no seed, key, APDU data or QR payload.

// Errors cross the FFI by value (uniffi serialises them): a large `Err` costs nothing.
#![allow(clippy::result_large_err)]

uniffi::setup_scaffolding!();

pub mod error;
mod events;
pub mod fleet;
#[cfg(feature = "testing")]
pub mod fleet_testing;
pub mod qr;
pub mod report;
pub mod seed;
pub mod session;
#[cfg(feature = "testing")]
pub mod sim;

pub use error::{KilnError, LinkError};
#[cfg(feature = "testing")]
pub use fleet::set_scrypt_work_factor_for_tests;
pub use fleet::{
    batch_journal_exists, export_formats, BatchExport, BatchOptions, BatchTally, BatchTurn,
    ExportTo, FleetBatch, FleetError, SeedFileData, SkipReason,
};
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
