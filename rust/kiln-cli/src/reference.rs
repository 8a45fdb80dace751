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

/// What to tell the user before a burn writes an unverified clock to a token.
pub fn untrusted_note(r: &Reference) -> Option<String> {
    (!r.trusted).then(|| {
        format!(
            "the clock written to the token comes from the {}, which kiln cannot verify; \
             check it (or pass --trust-clock if it is NTP-synchronised)",
            r.source
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        transport: TransportArgs,
        #[command(flatten)]
        clock: ClockArgs,
    }

    fn reference_for(args: &[&str]) -> Reference {
        let t = T::try_parse_from(std::iter::once("t").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{e}"));
        reference(&t.transport, &t.clock)
    }

    #[test]
    fn simulator_is_trusted_system_clock_only_on_request() {
        let sim = reference_for(&["--sim"]);
        assert_eq!(sim, Reference::trusted(ReferenceSource::Simulator));
        assert!(untrusted_note(&sim).is_none());
        let sys = reference_for(&[]);
        assert_eq!(sys, Reference::untrusted(ReferenceSource::System));
        let note = untrusted_note(&sys).unwrap_or_default();
        assert!(note.contains("--trust-clock"), "{note}");
        assert!(text(&sys).contains("not verified"));
        let trusted = reference_for(&["--trust-clock"]);
        assert_eq!(trusted, Reference::trusted(ReferenceSource::System));
        assert_eq!(text(&trusted), "system clock (trusted)");
    }
}
