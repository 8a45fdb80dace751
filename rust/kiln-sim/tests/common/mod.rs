#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use kiln_core::clock::{Reference, ReferenceSource};
use kiln_core::params::{TokenConfig, TokenSeed};
use kiln_core::proto::UnknownModelPolicy;
use kiln_core::secret::SecretBytes;
use kiln_core::session::{run_session, BurnRequest, Outcome, Session};
use kiln_core::time::UnixMicros;
use kiln_sim::{SimConfig, SimLink, SimToken, VirtualClock};

/// 2026-11-22T06:00:00Z-ish.
pub const START: UnixMicros = 1_795_326_000_123_456;

pub fn seed(bytes: &[u8]) -> TokenSeed {
    TokenSeed::new(SecretBytes::from_slice(bytes)).unwrap()
}

/// The simulator's virtual clock is true time by construction.
pub const SIM_REF: Reference = Reference::trusted(ReferenceSource::Simulator);

pub fn request(bytes: &[u8], config: TokenConfig) -> BurnRequest {
    BurnRequest {
        seed: seed(bytes),
        config,
        unknown_model: UnknownModelPolicy::ReadOnly,
        reference: SIM_REF,
        sync_clock: true,
        confirm: kiln_core::session::Confirm::Precise,
    }
}

pub fn link(cfg: SimConfig) -> (SimLink, VirtualClock) {
    let clock = VirtualClock::new(START);
    let card = SimToken::new(cfg, START);
    (SimLink::new(card, clock.clone()), clock)
}

pub fn serial_cfg(serial: &str) -> SimConfig {
    SimConfig {
        serial: serial.into(),
        clock_offset_us: -7_300_000,
        drift_ppm: 11.0,
        ..SimConfig::default()
    }
}

pub fn run(session: &mut impl Session, link: &mut SimLink, clock: &mut VirtualClock) -> Outcome {
    run_session(session, link, clock)
}

/// The fault matrices' models, seeds and settings (faults.rs, refusals.rs).
pub const RESTRICTED: &str = "86596220000001";
pub const UNRESTRICTED: &str = "86596120000001";
/// The seed the card holds before a burn, and the one burned.
pub const OLD_SEED: [u8; 20] = [0xEE; 20];
pub const NEW_SEED: &[u8] = b"new seed of 23 bytes!!!";

/// Settings unlike the card's defaults, so a written config is visible.
pub fn config() -> TokenConfig {
    TokenConfig {
        hmac: kiln_core::params::TokenHmac::Sha256,
        step: kiln_core::params::TokenStep::Secs60,
        display_timeout: kiln_core::params::DisplayTimeout::S15,
    }
}
