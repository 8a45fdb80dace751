//! Which clock the drift is measured against, and whether it is trusted.
//!
//! The simulator's virtual clock is true time by construction (trusted). A real
//! reader is timed with this computer's system clock, which kiln cannot verify:
//! it is untrusted unless the user says `--trust-clock` (e.g. it is known to be
//! NTP-synchronised). An untrusted reference does not stop anything; the drift
//! advice says "reference time not verified", and a burn writes that clock.

use crate::transport::TransportArgs;
use kiln_core::clock::{Reference, ReferenceSource};

/// Reference-clock options shared by `kiln info` and `kiln burn`.
#[derive(clap::Args, Debug, Clone)]
pub struct ClockArgs {
    /// Trust this computer's clock as true time (e.g. it is NTP-synchronised):
    /// without it the drift advice says the reference time is not verified.
    #[arg(long)]
    pub trust_clock: bool,
}

/// The reference for the chosen transport.
pub fn reference(transport: &TransportArgs, args: &ClockArgs) -> Reference {
    if transport.sim {
        Reference::trusted(ReferenceSource::Simulator)
    } else if args.trust_clock {
        Reference::trusted(ReferenceSource::System)
    } else {
        Reference::untrusted(ReferenceSource::System)
    }
}

/// One line about the reference: `simulator clock (trusted)`,
/// `system clock — not verified (use --trust-clock if it is NTP-synchronised)`.
pub fn text(r: &Reference) -> String {
    if r.trusted {
        format!("{} (trusted)", r.source)
    } else {
        format!(
            "{} — not verified (pass --trust-clock if it is NTP-synchronised)",
            r.source
        )
    }
}
