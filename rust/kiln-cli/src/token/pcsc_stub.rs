//! Stands in for `pcsc_link.rs` in a build without the `pcsc` feature (cargo's
//! `--no-default-features`): such a build needs no PC/SC system library, so it
//! compiles on a machine with only Rust, and every reader command says how to
//! get a build with readers. The simulator (`--sim`) works the same.

use kiln_core::session::{LinkError, Transceive};
use std::time::Duration;

/// One reader as `kiln readers` shows it (never produced by this build).
#[derive(Clone, Debug)]
pub struct ReaderInfo {
    pub name: String,
    pub card_present: bool,
    pub exclusive: bool,
    pub atr: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum PcscError {
    #[error(
        "this kiln was built without PC/SC reader support (--no-default-features), so it cannot \
         reach a reader; to try kiln without hardware use --sim. For readers, install the PC/SC \
         library headers and pkg-config (bash scripts/setup.sh installs them) and build kiln with \
         its default features: cargo build --release -p kiln-cli"
    )]
    NotBuilt,
}

impl PcscError {
    /// No token came within the wait (never in this build).
    pub fn is_no_card(&self) -> bool {
        false
    }
}

/// How waiting would be shown (kept for the same interface).
#[derive(Clone, Copy, Debug)]
pub struct Ui;

impl Ui {
    pub fn detect() -> Self {
        Self
    }
}

/// Never connected: every exchange reports a reader that is not there.
pub struct PcscLink;

impl Transceive for PcscLink {
    fn transceive(&mut self, _apdu: &[u8]) -> Result<Vec<u8>, LinkError> {
        Err(LinkError::ReaderGone)
    }
}

pub struct ConnectedReader {
    pub link: PcscLink,
    pub retap: Box<dyn FnMut() -> bool>,
    pub reader: String,
    pub atr: Vec<u8>,
    pub protocol: &'static str,
}

pub fn check_service() -> Result<(), PcscError> {
    Err(PcscError::NotBuilt)
}

pub fn list() -> Result<Vec<ReaderInfo>, PcscError> {
    Err(PcscError::NotBuilt)
}

pub fn open(_wanted: Option<&str>, _wait: Duration, _ui: Ui) -> Result<ConnectedReader, PcscError> {
    Err(PcscError::NotBuilt)
}

/// Upper-case hex, bytes separated by spaces (ATRs).
pub use kiln_core::report::hex;

/// The batch's reader (never opened by this build).
pub struct Station;

#[allow(dead_code)]
pub struct Presented {
    pub link: PcscLink,
    pub retap: Box<dyn FnMut() -> bool>,
}

impl Station {
    pub fn open(
        _wanted: Option<&str>,
        _ui: Ui,
        _wait: Option<Duration>,
    ) -> Result<Self, PcscError> {
        Err(PcscError::NotBuilt)
    }

    pub fn reader(&self) -> &str {
        ""
    }

    pub fn next(&mut self, _message: &str) -> Result<Presented, PcscError> {
        Err(PcscError::NotBuilt)
    }

    pub fn wait_removed(&mut self, _message: &str) -> Result<(), PcscError> {
        Err(PcscError::NotBuilt)
    }
}
