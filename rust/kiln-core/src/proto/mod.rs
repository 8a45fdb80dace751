//! The wire protocol of the token family (`shared/protocol.md`): SM4 and MAC,
//! command builders, response parsers, status words, and the model registry.
//!
//! Pure functions and data only; the order of commands and the safety rules live
//! in [`crate::session`].

pub mod apdu;
pub mod crypto;
pub mod models;
pub mod response;

pub use crypto::{DeviceKey, KeyFormatError};
pub use models::{KeyChoice, KeyProfile, Model, ModelInfo, SyncClass, UnknownModelPolicy};
pub use response::{Challenge, ResponseError, Serial, StatusWord, TokenInfo};
