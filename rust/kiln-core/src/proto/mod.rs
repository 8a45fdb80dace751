//! The wire protocol of the token family (`shared/protocol.md`): SM4 and MAC,
//! command builders, response parsers, status words, and the model registry.
//!
//! Pure functions and data only; the order of commands and the safety rules live
//! in [`crate::session`].

// The API is the re-exports below. The modules hold the byte-level helpers as well
// (command builders, INS bytes, response parsers and encoders, seed padding): they
// stay `pub` only for the card side of the simulator (kiln-sim) and the FFI tests,
// and are hidden from the docs; helpers nothing outside uses are `pub(crate)`.
#[doc(hidden)]
pub mod apdu;
#[doc(hidden)]
pub mod crypto;
#[doc(hidden)]
pub mod models;
#[doc(hidden)]
pub mod response;

pub use crypto::{DeviceKey, KeyFormatError};
pub use models::{KeyChoice, KeyProfile, Model, ModelInfo, SyncClass, UnknownModelPolicy};
pub use response::{Challenge, ResponseError, Serial, StatusWord, TokenInfo};
