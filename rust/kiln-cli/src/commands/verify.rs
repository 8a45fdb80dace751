//! `kiln verify`: after a burn, check the code the token shows against the
//! service's seed, and say what is wrong if it does not match.

use crate::exit::Exit;
use crate::seed_in::{fail, load_spec, now_or, SeedOpts};
use std::io::{IsTerminal, Write};

/// Check the code a token shows against the service's seed (with a diagnosis).
///
/// The seed comes from standard input or the hidden prompt, as for `kiln burn`;
/// the code from --code or, on a terminal, a prompt after the seed. kiln tells
/// whether the code is right now and, if not, the most likely cause: token clock
/// off (by how much), wrong time step or algorithm, or the seed typed in the
/// wrong encoding.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  kiln verify                                  # prompts for the seed, then the code
  kiln verify --code 287082 < service-link.txt
  kiln verify --code '287 082' --json < service-link.txt

Exit status: 0 the code is right now; 7 it is not (the cause is printed);
3 the seed was refused; 2 no code was given.")]
pub struct Args {
    /// The 6-digit code the token shows (asked for on a terminal when omitted).
    #[arg(long, value_name = "CODE")]
    code: Option<String>,

    /// Check as of this Unix time (seconds) instead of now.
    #[arg(long, value_name = "UNIX", value_parser = crate::bounds::unix())]
    at: Option<u64>,

    #[command(flatten)]
    seed: SeedOpts,
}

pub fn run(args: Args, ctx: crate::Ctx) -> Exit {
    let spec = match load_spec(&args.seed) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let code = match args.code {
        Some(c) => c,
        None if std::io::stdin().is_terminal() => {
            eprint!("Switch the token on and type the code it shows: ");
            let _ = std::io::stderr().flush();
            let mut line = String::new();
            if let Err(e) = std::io::stdin().read_line(&mut line) {
                fail(format_args!("could not read the code: {e}"));
                return Exit::Failure;
            }
            line.trim().to_owned()
        }
        None => {
            fail(
                "give the code the token shows with --code CODE (standard input carries the seed)",
            );
            return Exit::Usage;
        }
    };
    // The code is read after the seed, so "now" is when the user typed it.
    crate::commands::diagnose::report(&spec, &code, now_or(args.at), ctx)
}
