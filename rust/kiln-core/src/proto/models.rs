//! The model registry, as data: serial prefix → model, vendor, sync class, key.
//!
//! Longest prefix wins. A new model is one line in `MODELS`. A serial that
//! matches no prefix is [`Model::Unknown`]: read-only unless the caller opts in
//! with a named key ([`KeyChoice`]), and then restricted-sync behaviour is assumed.

use super::crypto::DeviceKey;
use super::response::Serial;
use std::fmt;

/// What WRITE CONFIG does to the stored seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SyncClass {
    /// A config (clock) write **erases the seed**; a clock sync needs a full burn.
    Restricted,
    /// A config write keeps the seed; the clock can be synced alone.
    Unrestricted,
}

impl fmt::Display for SyncClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SyncClass::Restricted => "restricted sync (a clock write erases the seed)",
            SyncClass::Unrestricted => "unrestricted sync (the seed survives a clock write)",
        })
    }
}

/// Which key a model takes. The family default key is the only built-in key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyProfile {
    FamilyDefault,
}

impl KeyProfile {
    pub fn key(self) -> DeviceKey {
        match self {
            KeyProfile::FamilyDefault => DeviceKey::family_default(),
        }
    }
}

/// One row of the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ModelInfo {
    pub prefix: &'static str,
    pub name: &'static str,
    pub vendor: &'static str,
    pub sync: SyncClass,
    pub key: KeyProfile,
}

const fn row(prefix: &'static str, name: &'static str, sync: SyncClass) -> ModelInfo {
    ModelInfo {
        prefix,
        name,
        vendor: "Token2",
        sync,
        key: KeyProfile::FamilyDefault,
    }
}

use SyncClass::{Restricted, Unrestricted};

/// Known single-profile programmable models (`shared/protocol.md`, "Models").
pub(crate) const MODELS: &[ModelInfo] = &[
    row("8659612", "OTPC-P1-i", Unrestricted),
    row("8659622", "OTPC-P2-i", Restricted),
    row("8659621", "OTPC-P2-i-NB", Restricted),
    row("8659600", "miniOTP-2-i", Unrestricted),
    row("8659601", "miniOTP-3-i", Restricted),
    row("8659609", "miniOTP-3-i-NB", Restricted),
    row("8659610", "C301-i", Restricted),
    row("8659632", "C302-i", Unrestricted),
];

/// A token's model as far as the registry knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Model {
    Known(&'static ModelInfo),
    /// No registered prefix matches: read-only unless the user names a key.
    Unknown,
}

impl Model {
    /// Longest registered prefix of `serial`, else [`Model::Unknown`].
    pub fn lookup(serial: &Serial) -> Model {
        lookup_in(MODELS, serial)
    }

    pub fn name(self) -> &'static str {
        match self {
            Model::Known(m) => m.name,
            Model::Unknown => "unknown model",
        }
    }

    pub fn vendor(self) -> Option<&'static str> {
        match self {
            Model::Known(m) => Some(m.vendor),
            Model::Unknown => None,
        }
    }

    /// The sync class; restricted is assumed for unknown models.
    pub fn sync_class(self) -> SyncClass {
        match self {
            Model::Known(m) => m.sync,
            Model::Unknown => SyncClass::Restricted,
        }
    }

    pub fn is_known(self) -> bool {
        matches!(self, Model::Known(_))
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Model::Known(m) => write!(f, "{} {}", m.vendor, m.name),
            Model::Unknown => f.write_str("unknown model"),
        }
    }
}

/// Longest-prefix lookup in any table (the registry, or a test table).
pub(crate) fn lookup_in(table: &'static [ModelInfo], serial: &Serial) -> Model {
    table
        .iter()
        .filter(|m| serial.starts_with(m.prefix))
        .max_by_key(|m| m.prefix.len())
        .map_or(Model::Unknown, Model::Known)
}

/// The key a caller names explicitly to program a token of an unknown model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyChoice {
    /// The family default key (Token2 / ExcelSecu).
    FamilyDefault,
    /// A key the user supplied.
    Custom(DeviceKey),
}

impl KeyChoice {
    pub fn key(&self) -> DeviceKey {
        match self {
            KeyChoice::FamilyDefault => DeviceKey::family_default(),
            KeyChoice::Custom(k) => k.clone(),
        }
    }

    /// How the key is named in reports ("family default key" / "a user-supplied key").
    pub fn describe(&self) -> &'static str {
        match self {
            KeyChoice::FamilyDefault => "the family default key",
            KeyChoice::Custom(_) => "a user-supplied key",
        }
    }
}

/// What a session may do with a token whose serial matches no known model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum UnknownModelPolicy {
    /// Read serial and clock only (the default).
    #[default]
    ReadOnly,
    /// The user explicitly chose to program it with this key: one attempt,
    /// restricted-sync behaviour assumed.
    Program(KeyChoice),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lookups() {
        let cases = [
            ("86596120000001", "OTPC-P1-i", Unrestricted),
            ("86596220000001", "OTPC-P2-i", Restricted),
            ("86596210000001", "OTPC-P2-i-NB", Restricted),
            ("86596000000001", "miniOTP-2-i", Unrestricted),
            ("86596010000001", "miniOTP-3-i", Restricted),
            ("86596090000001", "miniOTP-3-i-NB", Restricted),
            ("86596100000001", "C301-i", Restricted),
            ("86596320000001", "C302-i", Unrestricted),
        ];
        for (serial, name, sync) in cases {
            let m = Model::lookup(&Serial::from(serial));
            assert_eq!(m.name(), name, "{serial}");
            assert_eq!(m.sync_class(), sync, "{serial}");
        }
        let unknown = Model::lookup(&Serial::from("12345678901234"));
        assert_eq!(unknown, Model::Unknown);
        assert_eq!(unknown.sync_class(), SyncClass::Restricted);
        assert_eq!(Model::lookup(&Serial::from("865962")), Model::Unknown);
    }

    #[test]
    fn longest_prefix_wins() {
        static T: &[ModelInfo] = &[
            row("86", "short", Unrestricted),
            row("8659622", "long", Restricted),
            row("865962", "mid", Unrestricted),
        ];
        assert_eq!(lookup_in(T, &Serial::from("86596220001")).name(), "long");
        assert_eq!(lookup_in(T, &Serial::from("86596290001")).name(), "mid");
        assert_eq!(lookup_in(T, &Serial::from("8600")).name(), "short");
        assert_eq!(lookup_in(T, &Serial::from("9")), Model::Unknown);
    }
}
