//! # kiln-core
//!
//! All domain logic of tokenkiln, free of I/O and of platform code:
//!
//! - [`secret`]: zeroizing, redacted containers for seeds and keys.
//! - [`params`]: what a service asks for (algorithm, digits, period) and what the
//!   token family can be configured to (HMAC, time step, display timeout, seed).
//! - [`totp`]: the TOTP primitive used everywhere (expected codes, simulator checks).
//! - [`seed`]: seed input: otpauth links, Google Authenticator exports, typed
//!   Base32/Hex, refusals, and the token capability check.
//! - [`verify`]: expected codes around a time, and mismatch diagnosis.
//! - [`clock`]: sub-second drift measurement of the token clock, drift advice and
//!   the precise clock-set planner (pure arithmetic on timestamps).
//! - [`proto`]: the token wire protocol: keys, status words, serials, the model
//!   registry. The byte-level builders and parsers are used by the session engine;
//!   those the simulated card needs stay reachable but out of the docs.
//! - [`request`]: the one builder from a parsed seed and the user's settings to a
//!   burn request (and a sync's settings), with typed refusals.
//! - [`session`]: sans-IO Read / Burn / Sync sessions and a blocking driver.
//! - [`text`]: phrases as sentences, for every front end's messages.
//! - [`time`]: [`time::UnixMicros`], the time type of sessions.
//!
//! Every module keeps to the same rules: no panics on input paths, typed errors with
//! messages a field user can act on, nothing secret in `Debug` or logs.

pub mod clock;
pub mod params;
pub mod proto;
pub mod report;
pub mod request;
pub mod secret;
pub mod seed;
pub mod session;
pub mod text;
pub mod time;
pub mod totp;
pub mod verify;
