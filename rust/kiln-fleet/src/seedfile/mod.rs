//! Seed files: the serial → seed lists vendors ship with a box of tokens, read
//! whole and checked before any token is touched.
//!
//! Two formats, told apart by their first character (`<` is XML):
//!
//! - CSV `serial,secret` ([`csv`](self)): secrets in Base32 or Hex per row,
//!   header optional (a header may name the columns in any order, so an Entra
//!   ID file `upn,serial number,secret key,time interval,…` reads too), UTF-8
//!   BOM, CRLF, quoted fields, `#` comment lines.
//! - Deepnet DualShield XML: `<data><header>…</header><tokens><token>
//!   <serial>…</serial><seed>HEX</seed></token>…</tokens></data>` (or a bare
//!   `<tokens>` root); the header's `<encode>` may say `BASE32`.
//!
//! Every problem of the file is collected with its line (1-based) and none
//! repeats a secret; a serial listed twice, or two serials with the same
//! secret, are refused up front. The file's text lives in zeroizing buffers.

mod csvfile;
mod secret;
mod xmlfile;

use crate::serial::{SerialError, TokenSerial};
use kiln_core::params::{TokenHmac, TokenSeed, TokenStep};
use kiln_core::seed::Encoding;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;
use zeroize::Zeroizing;

pub use secret::SecretProblem;

/// Largest seed file read, in bytes (a box of 10,000 tokens is under 1 MiB).
pub const MAX_SEED_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Most problems listed in one error (the count says how many there were).
const MAX_LISTED: usize = 20;

/// Which kind of seed file it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeedFileFormat {
    Csv,
    DualShieldXml,
}

/// How the secrets of a seed file are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeedFileOptions {
    /// Read every secret in this encoding. `None`: each row's own; a secret
    /// valid in both is read in the encoding all other rows agree on.
    pub encoding: Option<Encoding>,
}

/// One token of a seed file.
#[derive(Debug)]
pub struct SeedEntry {
    pub serial: TokenSerial,
    /// Line of the file the entry starts on.
    pub line: usize,
    seed: TokenSeed,
    /// A time step the file states for this token (CSV `time interval`
    /// column, XML `<synchronisation>`), if any.
    pub period: Option<TokenStep>,
    /// An HMAC the file states (XML `<crypto>`), if any.
    pub hmac: Option<TokenHmac>,
}

impl SeedEntry {
    /// The seed. Do not log or format it.
    pub fn seed(&self) -> &TokenSeed {
        &self.seed
    }
}

/// A whole, checked seed file.
#[derive(Debug)]
pub struct SeedFile {
    format: SeedFileFormat,
    entries: Vec<SeedEntry>,
    index: BTreeMap<TokenSerial, usize>,
}

/// A serial the seed file does not list: nothing may be written to that token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{serial} is not in the seed file: nothing was written to it")]
pub struct NotInSeedFile {
    pub serial: TokenSerial,
}

impl SeedFile {
    /// Reads and checks the seed file at `path` (at most [`MAX_SEED_FILE_BYTES`]).
    pub fn read(path: &Path, options: SeedFileOptions) -> Result<Self, SeedFileError> {
        let text =
            crate::fsutil::read_secret_text(path, MAX_SEED_FILE_BYTES).map_err(|e| match e {
                crate::fsutil::ReadTextError::Io(source) => SeedFileError::Read {
                    path: path.display().to_string(),
                    source,
                },
                crate::fsutil::ReadTextError::TooLarge { max } => SeedFileError::TooLarge { max },
                crate::fsutil::ReadTextError::NotUtf8 { line } => SeedFileError::NotText { line },
            })?;
        Self::parse(&text, options)
    }

    /// Checks a seed file's text. Either the whole file is good, or nothing.
    pub fn parse(text: &str, options: SeedFileOptions) -> Result<Self, SeedFileError> {
        let body = text.trim_start_matches('\u{FEFF}').trim_start();
        let (format, rows) = if body.starts_with('<') {
            (SeedFileFormat::DualShieldXml, xmlfile::rows(text)?)
        } else {
            (SeedFileFormat::Csv, csvfile::rows(text)?)
        };
        build(format, rows, options)
    }

    pub fn format(&self) -> SeedFileFormat {
        self.format
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in file order.
    pub fn entries(&self) -> &[SeedEntry] {
        &self.entries
    }

    /// The entry for `serial`, if the file lists it.
    pub fn get(&self, serial: &TokenSerial) -> Option<&SeedEntry> {
        self.index.get(serial).and_then(|&i| self.entries.get(i))
    }

    /// The seed for `serial`, or the reason nothing may be written to it.
    pub fn seed_for(&self, serial: &TokenSerial) -> Result<&TokenSeed, NotInSeedFile> {
        self.get(serial)
            .map(SeedEntry::seed)
            .ok_or_else(|| NotInSeedFile {
                serial: serial.clone(),
            })
    }
}

/// A row as a format reader found it, before the common checks.
pub(crate) struct RawRow {
    pub line: usize,
    pub serial: Zeroizing<String>,
    pub secret: Zeroizing<String>,
    pub encoding: Option<Encoding>,
    pub period: Option<String>,
    pub hmac: Option<TokenHmac>,
}

/// What is wrong with one line of a seed file. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineProblem {
    Serial(SerialError),
    MissingSerial,
    MissingSecret,
    Secret(SecretProblem),
    /// A headerless row must have exactly two fields.
    FieldCount {
        found: usize,
    },
    Period {
        value: String,
    },
    DuplicateSerial {
        serial: TokenSerial,
        first_line: usize,
    },
    DuplicateSecret {
        first_line: usize,
    },
    /// A header that names no serial or no secret column.
    Header,
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineProblem::Serial(e) => write!(f, "{e}"),
            LineProblem::MissingSerial => f.write_str("the serial number is missing"),
            LineProblem::MissingSecret => f.write_str("the secret is missing"),
            LineProblem::Secret(p) => write!(f, "{p}"),
            LineProblem::FieldCount { found } => write!(
                f,
                "{found} fields; a file without a header has two per line: serial,secret"
            ),
            LineProblem::Period { value } => write!(
                f,
                "time interval {value:?}: these tokens can only do 30 or 60 s"
            ),
            LineProblem::DuplicateSerial { serial, first_line } => write!(
                f,
                "serial {serial} is listed a second time (first on line {first_line}); each token may have one seed"
            ),
            LineProblem::DuplicateSecret { first_line } => write!(
                f,
                "the same secret as line {first_line}: two tokens must never share a seed"
            ),
            LineProblem::Header => f.write_str(
                "the header names no serial column (\"serial\", \"serial number\") or no secret column (\"secret\", \"secret key\", \"seed\")",
            ),
        }
    }
}

/// Why a seed file was refused. Nothing in it is a secret.
#[derive(Debug, thiserror::Error)]
pub enum SeedFileError {
    #[error("could not read the seed file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the seed file is larger than {max} bytes; is it the right file?")]
    TooLarge { max: u64 },
    #[error("line {line} of the seed file is not UTF-8 text; save it as UTF-8 (CSV or XML)")]
    NotText { line: usize },
    #[error("the seed file is not valid CSV: {0}")]
    Csv(#[from] crate::csv::CsvError),
    #[error("line {line} of the seed file is not valid XML: {detail}")]
    Xml { line: usize, detail: String },
    #[error("the seed file lists no token")]
    Empty,
    #[error("{}", describe(problems, *total))]
    Invalid {
        /// The first problems, in line order.
        problems: Vec<(usize, LineProblem)>,
        total: usize,
    },
}

fn describe(problems: &[(usize, LineProblem)], total: usize) -> String {
    let listed: Vec<String> = problems
        .iter()
        .map(|(line, p)| format!("line {line}: {p}"))
        .collect();
    let more = total.saturating_sub(problems.len());
    let tail = if more > 0 {
        format!("; and {more} more")
    } else {
        String::new()
    };
    let noun = if total == 1 { "problem" } else { "problems" };
    format!(
        "the seed file has {total} {noun}, so none of it was used: {}{tail}",
        listed.join("; ")
    )
}

fn build(
    format: SeedFileFormat,
    rows: Vec<RawRow>,
    options: SeedFileOptions,
) -> Result<SeedFile, SeedFileError> {
    let mut problems: Vec<(usize, LineProblem)> = Vec::new();
    let mut decoded = Vec::new();
    for row in &rows {
        let serial = if row.serial.trim().is_empty() {
            problems.push((row.line, LineProblem::MissingSerial));
            None
        } else {
            match TokenSerial::new(&row.serial) {
                Ok(s) => Some(s),
                Err(e) => {
                    problems.push((row.line, LineProblem::Serial(e)));
                    None
                }
            }
        };
        let period = match row.period.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => match v.parse::<u64>().ok().and_then(TokenStep::from_seconds) {
                Some(p) => Some(p),
                None => {
                    problems.push((
                        row.line,
                        LineProblem::Period {
                            value: v.to_owned(),
                        },
                    ));
                    None
                }
            },
        };
        let enc = options.encoding.or(row.encoding);
        let secret = if row.secret.trim().is_empty() {
            problems.push((row.line, LineProblem::MissingSecret));
            None
        } else {
            match secret::read(&row.secret, enc) {
                Ok(s) => Some(s),
                Err(p) => {
                    problems.push((row.line, LineProblem::Secret(p)));
                    None
                }
            }
        };
        decoded.push((row.line, serial, secret, period, row.hmac));
    }
    // Secrets valid as Base32 and as Hex: the encoding the other rows agree on.
    let settled = secret::settle(decoded.iter().filter_map(|d| d.2.as_ref()));
    let mut entries = Vec::new();
    let mut index = BTreeMap::new();
    let mut by_seed: HashMap<[u8; 32], usize> = HashMap::new();
    for (line, serial, secret, period, hmac) in decoded {
        let seed = match secret.map(|s| s.resolve(settled)) {
            Some(Ok(seed)) => Some(seed),
            Some(Err(p)) => {
                problems.push((line, LineProblem::Secret(p)));
                None
            }
            None => None,
        };
        if let Some(seed) = &seed {
            if let Some(&first_line) = by_seed.get(&secret::digest(seed.expose())) {
                problems.push((line, LineProblem::DuplicateSecret { first_line }));
            } else {
                by_seed.insert(secret::digest(seed.expose()), line);
            }
        }
        if let Some(serial) = &serial {
            if let Some(&i) = index.get(serial) {
                let first_line = entries.get(i).map_or(0, |e: &SeedEntry| e.line);
                problems.push((
                    line,
                    LineProblem::DuplicateSerial {
                        serial: serial.clone(),
                        first_line,
                    },
                ));
                continue;
            }
        }
        if let (Some(serial), Some(seed)) = (serial, seed) {
            index.insert(serial.clone(), entries.len());
            entries.push(SeedEntry {
                serial,
                line,
                seed,
                period,
                hmac,
            });
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|(line, _)| *line);
        let total = problems.len();
        problems.truncate(MAX_LISTED);
        return Err(SeedFileError::Invalid { problems, total });
    }
    if entries.is_empty() {
        return Err(SeedFileError::Empty);
    }
    Ok(SeedFile {
        format,
        entries,
        index,
    })
}

#[cfg(test)]
mod tests;
