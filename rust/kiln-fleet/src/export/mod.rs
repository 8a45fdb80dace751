//! Exports of a journal's seeds for identity providers and token servers.
//!
//! | format | what | unconfirmed tokens |
//! |---|---|---|
//! | `entra-csv` | Microsoft Entra ID's OATH token CSV | refused (SHA-256 rows too) |
//! | `entra-graph-json` | body of Graph's bulk create of hardware OATH devices | refused |
//! | `dualshield-xml` | Deepnet DualShield seed file | an XML comment before the token |
//! | `duo` | Duo's hardware token import (`serial,hex secret`) | refused |
//! | `csv` | `serial,secret base32,algorithm,period,manufacturer,model` | a `state` column |
//!
//! Only tokens whose current seed was confirmed are exported, unless unconfirmed
//! ones are asked for; then every seed such a token may hold is a row of its own
//! (see [`crate::journal::state::SerialState::candidates`]), marked.

mod formats;

use crate::journal::record::SeedRecord;
use crate::journal::state::JournalState;
use crate::serial::TokenSerial;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use zeroize::Zeroizing;

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    EntraCsv,
    EntraGraphJson,
    DualShieldXml,
    Duo,
    Csv,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 5] = [
        ExportFormat::EntraCsv,
        ExportFormat::EntraGraphJson,
        ExportFormat::DualShieldXml,
        ExportFormat::Duo,
        ExportFormat::Csv,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ExportFormat::EntraCsv => "entra-csv",
            ExportFormat::EntraGraphJson => "entra-graph-json",
            ExportFormat::DualShieldXml => "dualshield-xml",
            ExportFormat::Duo => "duo",
            ExportFormat::Csv => "csv",
        }
    }

    /// The format can mark a row as unconfirmed.
    pub const fn marks_unconfirmed(self) -> bool {
        matches!(self, ExportFormat::DualShieldXml | ExportFormat::Csv)
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ExportFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                format!(
                    "unknown export format {s:?}; one of: {}",
                    ExportFormat::ALL.map(ExportFormat::as_str).join(", ")
                )
            })
    }
}

/// How sure the journal is that a token holds a row's seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowState {
    /// A confirming read proved it.
    Confirmed,
    /// Journalled, never confirmed: the token may hold it.
    Unconfirmed,
    /// An older, confirmed seed of a token whose newer seed is unconfirmed:
    /// the token still holds it if the new seed's write never happened.
    Previous,
}

impl RowState {
    pub const fn as_str(self) -> &'static str {
        match self {
            RowState::Confirmed => "confirmed",
            RowState::Unconfirmed => "unconfirmed",
            RowState::Previous => "previous",
        }
    }
}

/// One exported seed.
pub struct Row<'a> {
    pub record: &'a SeedRecord,
    pub state: RowState,
    pub upn: Option<&'a str>,
}

/// `--upn-map`: CSV `serial,upn` (header optional), serials as text.
#[derive(Clone, Debug, Default)]
pub struct UpnMap(BTreeMap<TokenSerial, String>);

impl UpnMap {
    pub fn parse(text: &str) -> Result<Self, ExportError> {
        let bad = |line: usize, why: String| ExportError::UpnMap { line, why };
        let mut map = BTreeMap::new();
        let mut lines: BTreeMap<TokenSerial, usize> = BTreeMap::new();
        for (i, r) in crate::csv::parse(text)
            .map_err(|e| bad(0, e.to_string()))?
            .into_iter()
            .enumerate()
        {
            let (s, u) = (r.field(0), r.field(1));
            if i == 0 && s.to_ascii_lowercase().contains("serial") {
                continue;
            }
            if s.starts_with('#') {
                continue;
            }
            if r.fields.len() != 2 {
                return Err(bad(
                    r.line,
                    format!("{} fields; expected serial,upn", r.fields.len()),
                ));
            }
            let serial = TokenSerial::new(s).map_err(|e| bad(r.line, e.to_string()))?;
            if u.is_empty() || u.chars().any(char::is_control) {
                return Err(bad(
                    r.line,
                    "the upn is empty or holds control characters".into(),
                ));
            }
            if let Some(first) = lines.get(&serial) {
                return Err(bad(
                    r.line,
                    format!("serial {serial} is mapped twice (first on line {first})"),
                ));
            }
            lines.insert(serial.clone(), r.line);
            map.insert(serial, u.to_owned());
        }
        Ok(Self(map))
    }

    pub fn read(path: &Path) -> Result<Self, ExportError> {
        let text = std::fs::read_to_string(path).map_err(|e| ExportError::UpnMap {
            line: 0,
            why: format!("could not read {}: {e}", path.display()),
        })?;
        Self::parse(&text)
    }

    pub fn get(&self, serial: &TokenSerial) -> Option<&str> {
        self.0.get(serial).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Why an export was refused. Names serials, never seeds.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(
        "Entra ID's CSV import takes HMAC-SHA1 tokens only, and these use SHA-256: {}. Export \
         them with --format entra-graph-json (hashFunction hmacsha256) instead", list(.serials)
    )]
    Sha256NotForEntraCsv { serials: Vec<TokenSerial> },
    #[error(
        "Duo's TOTP hardware tokens use HMAC-SHA1, and these use SHA-256: {}",
        list(.serials)
    )]
    Sha256NotForDuo { serials: Vec<TokenSerial> },
    #[error(
        "{format} has no place to mark a row as unconfirmed, and these tokens are not confirmed: \
         {}. Export them with --format csv or dualshield-xml, or leave out --include-unconfirmed",
        list(.serials)
    )]
    CannotMark {
        format: ExportFormat,
        serials: Vec<TokenSerial>,
    },
    #[error("{format} states one {what} for the whole file, and these tokens differ; export each group on its own")]
    MixedSettings {
        format: ExportFormat,
        what: &'static str,
    },
    #[error("the journal holds no {0} token to export")]
    Nothing(&'static str),
    #[error("--upn-map line {line}: {why}")]
    UpnMap { line: usize, why: String },
    #[error("{0}")]
    Internal(String),
}

fn list(serials: &[TokenSerial]) -> String {
    let shown: Vec<String> = serials.iter().take(5).map(ToString::to_string).collect();
    let more = serials.len().saturating_sub(shown.len());
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("{}{tail}", shown.join(", "))
}

/// The rows an export holds: confirmed tokens' current seeds, and with
/// `include_unconfirmed` every seed an unconfirmed token may hold.
pub fn select(state: &JournalState, include_unconfirmed: bool) -> Vec<(&SeedRecord, RowState)> {
    let mut out = Vec::new();
    for s in state.iter() {
        if s.is_confirmed() {
            out.extend(s.current().map(|r| (r, RowState::Confirmed)));
        } else if include_unconfirmed {
            let last = s.last_confirmed().map(|r| r.seq);
            for r in s.candidates() {
                let st = if Some(r.seq) == last {
                    RowState::Previous
                } else {
                    RowState::Unconfirmed
                };
                out.push((r, st));
            }
        }
    }
    out
}

/// What an export made.
pub struct Export {
    /// The file's content (plaintext; the caller encrypts it).
    pub bytes: Zeroizing<Vec<u8>>,
    pub rows: usize,
    pub unconfirmed_rows: usize,
}

/// Renders `state` in `format`.
pub fn export(
    state: &JournalState,
    format: ExportFormat,
    include_unconfirmed: bool,
    upn: &UpnMap,
) -> Result<Export, ExportError> {
    let selected = select(state, include_unconfirmed);
    if selected.is_empty() {
        return Err(ExportError::Nothing(if include_unconfirmed {
            "journalled"
        } else {
            "confirmed"
        }));
    }
    let rows: Vec<Row<'_>> = selected
        .iter()
        .map(|(r, st)| Row {
            record: r,
            state: *st,
            upn: upn.get(&r.serial),
        })
        .collect();
    let unmarked: Vec<TokenSerial> = rows
        .iter()
        .filter(|r| r.state != RowState::Confirmed)
        .map(|r| r.record.serial.clone())
        .collect();
    if !format.marks_unconfirmed() && !unmarked.is_empty() {
        let mut serials = unmarked;
        serials.dedup();
        return Err(ExportError::CannotMark { format, serials });
    }
    let bytes = formats::render(format, &rows)?;
    Ok(Export {
        bytes,
        rows: rows.len(),
        unconfirmed_rows: rows
            .iter()
            .filter(|r| r.state != RowState::Confirmed)
            .count(),
    })
}

#[cfg(test)]
mod tests;
