//! Exit codes of `kiln`, shared by every command (documented in `kiln --help`).

use std::process::ExitCode;

/// The exit-code table printed at the end of `kiln --help` (a macro so that
/// `main.rs` can `concat!` it into its help text).
macro_rules! exit_codes_help {
    () => {
        "\
Exit codes:
  0  done
  1  general failure (I/O, internal error)
  2  command line not understood, an option value the tokens cannot take
     (or settings missing for kiln sync)
  3  input refused (bad seed/QR/file, or this computer's clock is wrong);
     nothing was written to a token
  4  the token refused a command (wrong key, bad data)
  5  present the token again: it was lost mid-session, answered nonsense before any
     write, did not confirm its clock, or is not the token to finish (the message
     says what state the token is in)
  6  no reader, no token, or an unknown token model; a sync that must be a burn
  7  the code did not match (verify/diagnose)
  130  stopped by Ctrl-C (after a token session: the message says what state the token is in)"
    };
}
pub(crate) use exit_codes_help;

/// Why `kiln` stopped. The numeric values are part of the CLI contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Everything asked for was done.
    Ok = 0,
    /// A general failure (I/O, an unexpected internal error).
    Failure = 1,
    /// The command line itself was wrong (clap also uses 2).
    Usage = 2,
    /// The input (seed, QR, file) was refused: nothing was sent to any token.
    InputRefused = 3,
    /// The token refused a command (wrong key, bad data): see the message.
    TokenRefused = 4,
    /// The token or reader went away mid-session: see the message for its state.
    LinkLost = 5,
    /// No reader, no token, or an unsupported/unknown token model.
    NoToken = 6,
    /// A verification or diagnosis did not match.
    Mismatch = 7,
    /// Ctrl-C during a token session (noted, then the token's state was said).
    Interrupted = 130,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::Exit;

    #[test]
    fn help_lists_every_exit_code_once() {
        let help = exit_codes_help!();
        for e in [
            Exit::Ok,
            Exit::Failure,
            Exit::Usage,
            Exit::InputRefused,
            Exit::TokenRefused,
            Exit::LinkLost,
            Exit::NoToken,
            Exit::Mismatch,
            Exit::Interrupted,
        ] {
            let line = format!("\n  {}  ", e as u8);
            assert_eq!(help.matches(&line).count(), 1, "{e:?} in {help}");
        }
    }
}
