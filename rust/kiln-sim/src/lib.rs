//! # kiln-sim
//!
//! A faithful card-side implementation of the token protocol
//! (`shared/protocol.md`): [`SimToken`] answers the five commands with the real
//! status words, keeps auth state in RAM, checks MACs and padding, runs an RTC
//! with offset and drift, erases the seed on a config write when restricted,
//! and computes the codes its seed and config produce.
//!
//! [`SimLink`] + [`VirtualClock`] connect it to `kiln_core::session` drivers in
//! virtual time (deterministic and instant), with configurable round trip and
//! fault injection. The card logic itself is `process(apdu, true_time)` plus
//! `power_off()`/`power_on()`, so a PC/SC virtual reader bridge can drive it.

mod card;
pub mod cue;
mod link;
pub mod spec;
pub mod vpcd;
pub mod vpcd_box;

pub use card::{SimConfig, SimToken};
pub use link::{Fault, FaultPoint, LinkTiming, Reply, SimLink, T0Link, VirtualClock};
