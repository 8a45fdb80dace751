//! Shared by the FFI test files: a `TokenLink` over the simulated card.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use kiln_core::session::{Clock, SystemClock, Transceive};
use kiln_ffi::{LinkError, ReferenceClock, TokenLink};
use kiln_sim::{Fault, SimConfig, SimLink, SimToken, VirtualClock};
use std::sync::{Arc, Mutex};

pub const OLD_SEED: [u8; 20] = [0xEE; 20];

pub fn clock() -> ReferenceClock {
    ReferenceClock {
        offset_ms: 0,
        trusted: true,
        source: "test".into(),
    }
}

/// A `TokenLink` over `kiln_sim::SimLink` whose virtual clock follows the system
/// clock (the FFI sessions time their exchanges on the system clock).
pub struct SimTokenLink(Mutex<(SimLink, VirtualClock)>);

impl SimTokenLink {
    pub fn new(serial: &str, fault: Option<Fault>) -> Arc<Self> {
        let now = SystemClock.now();
        let clock = VirtualClock::new(now);
        let cfg = SimConfig {
            serial: serial.into(),
            initial_seed: Some(OLD_SEED.to_vec()),
            ..SimConfig::default()
        };
        let mut link = SimLink::new(SimToken::new(cfg, now), clock.clone()).with_round_trip(0);
        if let Some(f) = fault {
            link = link.with_fault(f);
        }
        Arc::new(Self(Mutex::new((link, clock))))
    }

    pub fn with<T>(&self, f: impl FnOnce(&SimLink) -> T) -> T {
        f(&self.0.lock().unwrap().0)
    }
}

impl TokenLink for SimTokenLink {
    fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, LinkError> {
        let mut g = self.0.lock().unwrap();
        let (link, clock) = &mut *g;
        clock.set(clock.now().max(SystemClock.now()));
        link.transceive(&apdu).map_err(|e| match e {
            kiln_core::session::LinkError::TagLost => LinkError::TagLost {
                detail: "simulated".into(),
            },
            kiln_core::session::LinkError::Timeout => LinkError::Timeout {
                detail: "simulated".into(),
            },
            other => LinkError::Io {
                detail: other.to_string(),
            },
        })
    }
}
