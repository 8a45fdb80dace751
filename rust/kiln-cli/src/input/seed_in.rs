//! Shared by `kiln codes` and `kiln diagnose`: read one seed from stdin, settle
//! the choices a seed can leave open (Base32 or Hex, which export account) and
//! apply the user's parameter overrides. Errors go to stderr in plain words.

use crate::exit::Exit;
use crate::input::{read_secret, InputError};
use kiln_core::params::Algorithm;
use kiln_core::seed::{parse_input, Encoding, SeedInput, SeedSpec};

pub const PROMPT: &str = "Paste the otpauth:// link or type the seed (input is hidden): ";

/// How to read a typed seed that is valid as both Base32 and Hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EncodingArg {
    Base32,
    Hex,
}

impl From<EncodingArg> for Encoding {
    fn from(e: EncodingArg) -> Self {
        match e {
            EncodingArg::Base32 => Encoding::Base32,
            EncodingArg::Hex => Encoding::Hex,
        }
    }
}

pub fn parse_algorithm(s: &str) -> Result<Algorithm, String> {
    s.parse::<Algorithm>().map_err(|e| e.to_string())
}

/// Options for commands that compute codes from one seed.
#[derive(clap::Args, Debug, Clone)]
pub struct SeedOpts {
    /// If the typed seed could be Base32 or Hex, read it as this.
    #[arg(long, value_enum, value_name = "ENCODING")]
    pub encoding: Option<EncodingArg>,

    /// For a Google Authenticator export: use account number N (as listed by `kiln inspect`).
    #[arg(long, value_name = "N")]
    pub account: Option<usize>,

    /// Use this algorithm instead of what the link says (SHA1, SHA256, SHA512).
    #[arg(long, value_parser = parse_algorithm, value_name = "NAME")]
    pub algorithm: Option<Algorithm>,

    /// Use this time step in seconds instead of what the link says (usually 30 or 60).
    #[arg(long, value_name = "SECONDS", value_parser = crate::bounds::period())]
    pub period: Option<u64>,

    /// Use this many digits instead of what the link says (6 to 8).
    #[arg(long, value_name = "N")]
    pub digits: Option<u32>,
}

impl SeedOpts {
    /// Any of the options was given.
    pub fn is_set(&self) -> bool {
        self.encoding.is_some()
            || self.account.is_some()
            || self.algorithm.is_some()
            || self.period.is_some()
            || self.digits.is_some()
    }
}

/// Prints a plain-language error on stderr (and keeps it for the JSON `error`).
pub fn fail(msg: impl std::fmt::Display) {
    crate::out::error(msg);
}

/// Reads stdin (or the hidden prompt) and maps input errors to exit codes.
pub fn read_input() -> Result<kiln_core::secret::SecretString, Exit> {
    read_secret(PROMPT).map_err(|e| {
        fail(&e);
        match e {
            InputError::Io(_) => Exit::Failure,
            InputError::TooLarge | InputError::NotText | InputError::Empty => Exit::InputRefused,
        }
    })
}

/// Reads one seed and settles it to a single [`SeedSpec`], or explains why not.
pub fn load_spec(opts: &SeedOpts) -> Result<SeedSpec, Exit> {
    load_spec_from(&read_input()?, opts)
}

/// Settles an already-read seed text (e.g. a decoded QR payload) to one
/// [`SeedSpec`] with the user's overrides applied.
pub fn load_spec_from(
    text: &kiln_core::secret::SecretString,
    opts: &SeedOpts,
) -> Result<SeedSpec, Exit> {
    let mut spec = settle(text, opts)?;
    spec.override_params(opts.algorithm, opts.digits, opts.period);
    Ok(spec)
}

/// Settles a seed text to one [`SeedSpec`] as the input states it (Base32 or
/// Hex, which export account), without the overrides.
pub fn settle(text: &kiln_core::secret::SecretString, opts: &SeedOpts) -> Result<SeedSpec, Exit> {
    let spec = match parse_input(text.expose()) {
        SeedInput::Totp(spec) => spec,
        SeedInput::Ambiguous(amb) => match opts.encoding {
            Some(e) => amb.resolve(e.into()),
            None => {
                fail(format_args!(
                    "this seed is valid both as Base32 ({} bits) and as Hex ({} bits); say which with --encoding base32 or --encoding hex",
                    amb.bits(Encoding::Base32),
                    amb.bits(Encoding::Hex)
                ));
                return Err(Exit::InputRefused);
            }
        },
        SeedInput::Migration(batch) => {
            let n = batch.accounts.len();
            match opts.account {
                Some(i) if (1..=n).contains(&i) => match batch.accounts.into_iter().nth(i - 1) {
                    Some(a) => a.spec,
                    None => return Err(Exit::Failure),
                },
                Some(i) => {
                    fail(format_args!(
                        "this export holds {n} account(s); --account {i} is not one of 1 to {n}"
                    ));
                    return Err(Exit::Usage);
                }
                None => {
                    let burnable: Vec<usize> = (0..n)
                        .filter(|&i| batch.accounts.get(i).is_some_and(|a| a.burnable()))
                        .collect();
                    let pick = match burnable.as_slice() {
                        _ if n == 1 => 0,
                        [only] => *only,
                        _ => {
                            fail(format_args!(
                                "this is a Google Authenticator export with {n} accounts and {} of them can go on a token; \
                                 choose one with --account N (kiln inspect lists them)",
                                burnable.len()
                            ));
                            return Err(Exit::InputRefused);
                        }
                    };
                    let Some(a) = batch.accounts.into_iter().nth(pick) else {
                        return Err(Exit::Failure);
                    };
                    if n > 1 {
                        eprintln!(
                            "kiln: note: this export holds {n} accounts and only account {} ({}) can go on a token: using it",
                            pick + 1,
                            a.spec.display_name()
                        );
                    }
                    a.spec
                }
            }
        }
        SeedInput::Refused(r) => {
            match crate::paste::mistake(text.expose()) {
                Some(fix) => fail(format_args!("not accepted: {fix}")),
                None => fail(r),
            }
            return Err(Exit::InputRefused);
        }
    };
    Ok(spec)
}

/// A seed's problem in the user's terms: a setting the user gave with an option
/// is named as that option, not as what "the service asks for".
pub fn problem_text(p: &kiln_core::seed::Problem, opts: &SeedOpts) -> String {
    use kiln_core::seed::Problem;
    match p {
        Problem::Digits { digits } if opts.digits.is_some() => {
            format!("--digits {digits}: these tokens always show 6-digit codes")
        }
        Problem::Period { seconds } if opts.period.is_some() => {
            format!("--period {seconds}: these tokens can only do a 30 s or 60 s time step")
        }
        Problem::Algorithm { name } if opts.algorithm.is_some() => {
            format!("--algorithm {name}: these tokens can only do SHA1 or SHA256")
        }
        other => other.to_string(),
    }
}

/// The current Unix time, or `at` when given.
pub fn now_or(at: Option<u64>) -> u64 {
    at.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    })
}
