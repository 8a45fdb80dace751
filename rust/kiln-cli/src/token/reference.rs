//! Which clock the drift is measured against, and whether it is trusted.
//!
//! The simulator's virtual clock is true time by construction (trusted). A real
//! reader is timed with this computer's system clock, which kiln cannot verify:
//! it is untrusted unless the user says `--trust-clock` (e.g. it is known to be
//! NTP-synchronised). The drift advice then says "reference time not verified",
//! and before a burn or sync writes that clock to a token [`confirm_write`] asks
//! the user on a terminal; without a terminal (scripts) it only prints a note.

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

/// Before a clock write with an untrusted reference: on a terminal (stdin and
/// stderr), ask `[y/N]` and return whether the user agreed; otherwise print the
/// note on stderr (unless `json`) and go on. Trusted references pass silently.
pub fn confirm_write(r: &Reference, json: bool) -> bool {
    use std::io::{IsTerminal, Write};
    let Some(note) = untrusted_note(r) else {
        return true;
    };
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !interactive {
        if !json {
            eprintln!("kiln: note: {note}");
        }
        return true;
    }
    eprintln!("kiln: {note}.");
    eprint!("Write this computer's clock to the token? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).is_ok() && answer_is_yes(&line)
}

/// `y`/`yes` in any case, surrounding blanks ignored; anything else is no.
fn answer_is_yes(line: &str) -> bool {
    let a = line.trim();
    a.eq_ignore_ascii_case("y") || a.eq_ignore_ascii_case("yes")
}

/// What to say when the user declined the clock write.
pub const DECLINED: &str = "Nothing was written: the clock was not confirmed. Check this \
     computer's clock, then run the command again (with --trust-clock if it is \
     NTP-synchronised).";

#[cfg(test)]
mod tests {
    #[test]
    fn only_yes_confirms() {
        for yes in ["y", "Y", " yes\n", "YES"] {
            assert!(super::answer_is_yes(yes), "{yes:?}");
        }
        for no in ["", "\n", "n", "no", "yess", "sure"] {
            assert!(!super::answer_is_yes(no), "{no:?}");
        }
    }

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
