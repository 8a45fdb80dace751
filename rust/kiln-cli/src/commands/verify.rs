//! `kiln verify`: after a burn, check the code the token shows against the
//! service's seed, and say what is wrong if it does not match. With
//! `--journal`, the seed is the one a batch journalled for the token's serial.

use crate::exit::Exit;
use crate::seed_in::{fail, load_spec, now_or, SeedOpts};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Check the code a token shows against the service's seed (with a diagnosis).
///
/// The seed comes from standard input or the hidden prompt, as for `kiln burn`;
/// the code from --code or, on a terminal, a prompt after the seed. kiln tells
/// whether the code is right now and, if not, the most likely cause: token clock
/// off (by how much), wrong time step or algorithm, or the seed typed in the
/// wrong encoding.
///
/// With --journal DIR --serial S (and --identity or --passphrase-file to open
/// it), the seed, algorithm and time step are the ones `kiln batch` journalled
/// for that token, and standard input may carry the code instead.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  kiln verify                                  # prompts for the seed, then the code
  kiln verify --code 287082 < service-link.txt
  kiln verify --code '287 082' --json < service-link.txt
  kiln verify --journal box-17 --serial 2100012345 --identity box-17.key --code 287082

Exit status: 0 the code is right now; 7 it is not (the cause is printed);
3 the seed was refused (or the journal has no seed for the serial, or its key
does not open it); 2 no code was given.")]
pub struct Args {
    /// The 6-digit code the token shows (asked for on a terminal when omitted).
    #[arg(long, value_name = "CODE")]
    code: Option<String>,

    /// Check as of this Unix time (seconds) instead of now.
    #[arg(long, value_name = "UNIX", value_parser = crate::bounds::unix())]
    at: Option<u64>,

    /// Check against the seed a batch journalled in this directory (needs --serial).
    #[arg(long, value_name = "DIR", requires = "serial")]
    journal: Option<PathBuf>,

    /// The token's serial number, as printed on it (with --journal).
    #[arg(long, value_name = "SERIAL", requires = "journal")]
    serial: Option<String>,

    /// An age identity file that opens the journal (with --journal).
    #[arg(
        long,
        value_name = "AGE_KEY_FILE",
        requires = "journal",
        conflicts_with = "passphrase_file"
    )]
    identity: Option<PathBuf>,

    /// A file whose first line is the journal's passphrase (with --journal).
    #[arg(long, value_name = "FILE", requires = "journal")]
    passphrase_file: Option<PathBuf>,

    /// Who checks, for the journal's audit log (with --journal; default: the OS user).
    #[arg(long, value_name = "NAME", requires = "journal")]
    operator: Option<String>,

    #[command(flatten)]
    seed: SeedOpts,
}

pub fn run(args: Args, ctx: crate::Ctx) -> Exit {
    if let Some(dir) = &args.journal {
        let journal = super::verify_journal::JournalCheck {
            dir,
            serial: args.serial.as_deref().unwrap_or_default(),
            identity: args.identity.as_deref(),
            passphrase_file: args.passphrase_file.as_deref(),
            operator: args.operator.as_deref(),
        };
        if args.seed.is_set() {
            fail("--journal gives the seed, its algorithm and time step: leave out --encoding, --account, --algorithm, --period and --digits");
            return Exit::Usage;
        }
        // Standard input carries no seed here, so it may carry the code.
        let code = match args.code {
            Some(c) => c,
            None => match read_code(true) {
                Ok(c) => c,
                Err(e) => return e,
            },
        };
        return journal.run(&code, args.at, ctx);
    }
    let spec = match load_spec(&args.seed) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let code = match args.code {
        Some(c) => c,
        None => match read_code(false) {
            Ok(c) => c,
            Err(e) => return e,
        },
    };
    // The code is read after the seed, so "now" is when the user typed it.
    crate::commands::diagnose::report(&spec, &code, now_or(args.at), ctx)
}

/// The code from a terminal prompt, or (`stdin_free`: standard input carries no
/// seed) from standard input's first line.
fn read_code(stdin_free: bool) -> Result<String, Exit> {
    let terminal = std::io::stdin().is_terminal();
    if !terminal && !stdin_free {
        fail("give the code the token shows with --code CODE (standard input carries the seed)");
        return Err(Exit::Usage);
    }
    if terminal {
        eprint!("Switch the token on and type the code it shows: ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    if let Err(e) = std::io::stdin().read_line(&mut line) {
        fail(format_args!("could not read the code: {e}"));
        return Err(Exit::Failure);
    }
    let code = line.trim().to_owned();
    if code.is_empty() {
        fail("no code was given: type the code the token shows, or give --code CODE");
        return Err(Exit::Usage);
    }
    Ok(code)
}
