//! `kiln codes`: the codes a service expects right now (or at `--at`).

use crate::exit::Exit;
use crate::seed_in::{fail, load_spec, now_or, SeedOpts};
use crate::Ctx;
use kiln_core::verify::expected_codes_for;
use serde_json::json;

/// Show the codes a service expects now: previous, current and next.
///
/// Reads the seed from standard input (an otpauth:// link, an export link with
/// --account, or a typed Base32/Hex seed) and prints the codes for the current
/// time, or for --at. Compare them with the token's display to check a burn.
/// The seed itself is never printed.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  kiln codes < github-qr.txt\n  echo JBSWY3DPEHPK3PXP | kiln codes --at 1700000000 --period 60"
)]
pub struct Args {
    /// Compute the codes for this Unix time (seconds) instead of now.
    #[arg(long, value_name = "UNIX", value_parser = crate::bounds::unix())]
    at: Option<u64>,

    #[command(flatten)]
    seed: SeedOpts,
}

pub fn run(args: Args, ctx: Ctx) -> Exit {
    let spec = match load_spec(&args.seed) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let at = now_or(args.at);
    let codes = match expected_codes_for(&spec, at) {
        Ok(c) => c,
        Err(e) => {
            fail(format_args!("cannot compute codes: {e}"));
            return Exit::InputRefused;
        }
    };
    if ctx.json {
        crate::out::object(json!({
                "issuer": spec.issuer(),
                "account": spec.account(),
                "algorithm": spec.algorithm().to_string(),
                "digits": spec.digits(),
                "period": spec.period(),
                "fingerprint": spec.fingerprint(),
                "at": at,
                "counter": codes.counter,
                "seconds_left": codes.seconds_left,
                "previous": codes.previous.map(|c| c.to_string()),
                "current": codes.current.to_string(),
                "next": codes.next.to_string(),
                "burnable": spec.is_burnable(),
        }));
    } else {
        println!(
            "Codes for {} ({}, {} digits, {} s; seed fingerprint {}):",
            spec.display_name(),
            spec.algorithm(),
            spec.digits(),
            spec.period(),
            spec.fingerprint()
        );
        let prev = codes
            .previous
            .map_or_else(|| "(none)".to_string(), |c| c.to_string());
        println!("  previous  {prev}");
        println!(
            "  current   {}   ({} s left)",
            codes.current, codes.seconds_left
        );
        println!("  next      {}", codes.next);
        for p in spec.problems() {
            eprintln!(
                "kiln: note: {}",
                crate::seed_in::problem_text(&p, &args.seed)
            );
        }
    }
    Exit::Ok
}
