//! What one simulated token on the vpcd reader is: its serial, clock, key,
//! stored seed and the fault it plays. The same struct is the command line of
//! `kiln-sim vpcd` (one token) and one entry of a box file (`--box`, a list of
//! tokens), so both take the same options under the same names: `--has-seed`
//! on the command line is `"has_seed": true` in the box file.

use crate::card::SimConfig;
use crate::link::Reply;
use crate::vpcd::Drop;
use kiln_core::proto::{DeviceKey, SyncClass};
use serde::de::{Deserializer, Error as _};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// The serial of a token when none is given (an OTPC-P2-i).
pub const DEFAULT_SERIAL: &str = "86596220000001";

/// The seed a token made with `has_seed` already holds (20 bytes of `A5`).
pub const PRESET_SEED: [u8; 20] = [0xA5; 20];

/// A sync class named on the command line or in a box file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncArg {
    Restricted,
    Unrestricted,
}

/// One simulated token: the token options of `kiln-sim vpcd`, and one entry of
/// a box file (keys in snake case, unknown keys refused).
#[derive(Clone, Debug, PartialEq, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSpec {
    /// Token serial (its prefix picks the model, e.g. 8659622… is an OTPC-P2-i).
    #[arg(long, default_value = DEFAULT_SERIAL)]
    pub serial: String,
    /// Token clock minus true time, seconds (negative: behind).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    #[serde(default)]
    pub offset: f64,
    /// Clock drift, parts per million.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    #[serde(default)]
    pub drift: f64,
    /// Override the model's sync class.
    #[arg(long, value_enum)]
    #[serde(default)]
    pub sync: Option<SyncArg>,
    /// The token already holds a seed.
    #[arg(long)]
    #[serde(default)]
    pub has_seed: bool,
    /// The token expects a different key than the family default.
    #[arg(long)]
    #[serde(default)]
    pub wrong_key: bool,
    /// Lock-out counter size (wrong keys answer 63 Cx).
    #[arg(long)]
    #[serde(default)]
    pub lockout: Option<u8>,
    /// Vanish on receiving command APDU N (1-based), without processing it.
    #[arg(long, value_name = "N", conflicts_with = "drop_after")]
    #[serde(default)]
    pub drop_before: Option<usize>,
    /// Process command APDU N, then vanish without answering (mid-burn removal).
    #[arg(long, value_name = "N", conflicts_with_all = ["drop_before_ins", "drop_after_ins"])]
    #[serde(default)]
    pub drop_after: Option<usize>,
    /// Vanish on receiving the first command with this INS (hex, e.g. C5 = WRITE
    /// SEED), without processing it.
    #[arg(long, value_name = "INS", value_parser = parse_ins,
          conflicts_with_all = ["drop_before", "drop_after_ins"])]
    #[serde(default, deserialize_with = "de_ins")]
    pub drop_before_ins: Option<u8>,
    /// Process the first command with this INS (hex, e.g. D4 = WRITE CONFIG), then
    /// vanish without answering.
    #[arg(long, value_name = "INS", value_parser = parse_ins, conflicts_with = "drop_before")]
    #[serde(default, deserialize_with = "de_ins")]
    pub drop_after_ins: Option<u8>,
    /// Answer the first command with this INS with these bytes instead of
    /// processing it, e.g. `C5=6983` (WRITE SEED refused) or `D4=90` (a short
    /// answer). The card stays on the reader.
    #[arg(long, value_name = "INS=HEX", value_parser = parse_answer,
          conflicts_with_all = ["drop_before", "drop_after", "drop_before_ins", "drop_after_ins"])]
    #[serde(default, deserialize_with = "de_answer")]
    pub answer_ins: Option<(u8, Reply)>,
    /// After a drop, come back (same token placed again) after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    #[serde(default)]
    pub return_after: Option<f64>,
    /// Present a T=0-only ATR (3B 00) and answer like a T=0 contact reader:
    /// `61 XX` for responses with data, the data via GET RESPONSE.
    #[arg(long)]
    #[serde(default)]
    pub t0: bool,
}

impl Default for TokenSpec {
    fn default() -> Self {
        Self {
            serial: DEFAULT_SERIAL.into(),
            offset: 0.0,
            drift: 0.0,
            sync: None,
            has_seed: false,
            wrong_key: false,
            lockout: None,
            drop_before: None,
            drop_after: None,
            drop_before_ins: None,
            drop_after_ins: None,
            answer_ins: None,
            return_after: None,
            t0: false,
        }
    }
}

impl TokenSpec {
    /// The simulated token this describes.
    pub fn sim_config(&self) -> SimConfig {
        SimConfig {
            serial: self.serial.clone(),
            sync: self.sync.map(|s| match s {
                SyncArg::Restricted => SyncClass::Restricted,
                SyncArg::Unrestricted => SyncClass::Unrestricted,
            }),
            key: if self.wrong_key {
                DeviceKey::from_bytes([0x5A; 16])
            } else {
                DeviceKey::family_default()
            },
            clock_offset_us: (self.offset * 1e6).round() as i64,
            drift_ppm: self.drift,
            lockout_tries: self.lockout,
            initial_seed: self.has_seed.then(|| PRESET_SEED.to_vec()),
            ..SimConfig::default()
        }
    }

    /// The fault this token plays (at most one; [`TokenSpec::check`] refuses more).
    pub fn fault(&self) -> Option<Drop> {
        self.drop_before
            .map(Drop::Before)
            .or(self.drop_after.map(Drop::After))
            .or(self.drop_before_ins.map(Drop::BeforeIns))
            .or(self.drop_after_ins.map(Drop::AfterIns))
            .or(self.answer_ins.map(|(ins, r)| Drop::AnswerIns(ins, r)))
    }

    /// How long after a drop the token comes back, if it does.
    pub fn return_delay(&self) -> Option<Duration> {
        self.return_after.map(secs)
    }

    /// What the command line's conflicts already refuse, for box entries.
    pub fn check(&self) -> Result<(), String> {
        if self.serial.is_empty() || self.serial.len() > 255 {
            return Err(format!(
                "serial {:?} must be 1 to 255 bytes long",
                self.serial
            ));
        }
        if !self.offset.is_finite() || self.offset.abs() > 1e9 {
            return Err(format!(
                "offset {} is not a plausible number of seconds",
                self.offset
            ));
        }
        if !self.drift.is_finite() || self.drift.abs() > 1e6 {
            return Err(format!("drift {} ppm is out of range", self.drift));
        }
        if let Some(s) = self.return_after {
            if !s.is_finite() || !(0.0..=3600.0).contains(&s) {
                return Err(format!("return_after {s} must be 0 to 3600 seconds"));
            }
        }
        let faults: Vec<&str> = [
            ("drop_before", self.drop_before.is_some()),
            ("drop_after", self.drop_after.is_some()),
            ("drop_before_ins", self.drop_before_ins.is_some()),
            ("drop_after_ins", self.drop_after_ins.is_some()),
            ("answer_ins", self.answer_ins.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect();
        if faults.len() > 1 {
            return Err(format!(
                "{} cannot be combined: a token plays one fault",
                faults.join(" and ")
            ));
        }
        if self.drop_before == Some(0) || self.drop_after == Some(0) {
            return Err("drop_before/drop_after count commands from 1".into());
        }
        Ok(())
    }
}

/// Why a box file was refused.
#[derive(Debug, thiserror::Error)]
pub enum BoxError {
    #[error("cannot read the box file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("box file {path}: {reason}")]
    Invalid { path: String, reason: String },
}

/// Reads a box file: a JSON list of tokens (or `{"tokens": [...]}`), each
/// taking the token options of `kiln-sim vpcd` by their snake-case names.
/// At least one token; serials unique (the state file reports by serial).
pub fn load_box(path: &Path) -> Result<Vec<TokenSpec>, BoxError> {
    let text = std::fs::read_to_string(path).map_err(|source| BoxError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse_box(&text).map_err(|reason| BoxError::Invalid {
        path: path.display().to_string(),
        reason,
    })
}

/// The tokens of a box file's text, or what is wrong with it (naming the token).
pub fn parse_box(text: &str) -> Result<Vec<TokenSpec>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let list = match v {
        Value::Array(list) => list,
        Value::Object(mut m) => match (m.remove("tokens"), m.keys().next()) {
            (_, Some(other)) => {
                return Err(format!("unknown key {other:?} (expected only \"tokens\")"))
            }
            (Some(Value::Array(list)), None) => list,
            _ => return Err("expected a list of tokens or {\"tokens\": [...]}".into()),
        },
        _ => return Err("expected a list of tokens or {\"tokens\": [...]}".into()),
    };
    if list.is_empty() {
        return Err("the box holds no token".into());
    }
    let mut specs: Vec<TokenSpec> = Vec::with_capacity(list.len());
    for (i, entry) in list.into_iter().enumerate() {
        let n = i + 1;
        if entry.get("serial").is_some_and(Value::is_number) {
            return Err(format!(
                "token #{n}: the serial must be a string (\"00012\" keeps its leading zeros)"
            ));
        }
        let spec: TokenSpec = match entry {
            Value::Object(_) => {
                serde_json::from_value(entry).map_err(|e| format!("token #{n}: {e}"))?
            }
            Value::String(serial) => TokenSpec {
                serial,
                ..TokenSpec::default()
            },
            other => {
                return Err(format!(
                    "token #{n}: expected an object with a \"serial\" (or a serial as a string), found {other}"
                ))
            }
        };
        spec.check().map_err(|e| format!("token #{n}: {e}"))?;
        if let Some(k) = specs.iter().position(|s| s.serial == spec.serial) {
            return Err(format!(
                "token #{n}: serial {} is already token #{}; serials in a box must differ",
                spec.serial,
                k + 1
            ));
        }
        specs.push(spec);
    }
    Ok(specs)
}

/// An INS byte in hex, e.g. `D4` or `0xD4`.
pub fn parse_ins(s: &str) -> Result<u8, String> {
    let digits = s.trim_start_matches("0x");
    if digits.len() > 2 {
        return Err(format!("{s:?} is not an INS byte in hex (e.g. D4)"));
    }
    u8::from_str_radix(digits, 16).map_err(|_| format!("{s:?} is not an INS byte in hex (e.g. D4)"))
}

/// `INS=HEX`, e.g. `C5=6983`.
pub fn parse_answer(s: &str) -> Result<(u8, Reply), String> {
    let (ins, hex) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected INS=HEX, e.g. C5=6983"))?;
    let reply = Reply::parse_hex(hex)
        .ok_or_else(|| format!("{hex:?} is not 1 to 8 bytes of hex (e.g. 6983)"))?;
    Ok((parse_ins(ins)?, reply))
}

fn de_ins<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| parse_ins(&s).map_err(D::Error::custom))
        .transpose()
}

fn de_answer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<(u8, Reply)>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| parse_answer(&s).map_err(D::Error::custom))
        .transpose()
}

/// Seconds as a duration; negative or invalid values are zero.
pub fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s.max(0.0)).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn a_box_is_a_list_of_tokens_with_the_command_line_options() {
        let specs = parse_box(
            r#"[
              {"serial": "86596220000001"},
              {"serial": "00012", "offset": -42.5, "drift": 3, "sync": "unrestricted",
               "has_seed": true, "wrong_key": true, "lockout": 3, "drop_after_ins": "D4",
               "return_after": 1.5, "t0": true},
              "86596120000042",
              {"serial": "86596220000009", "answer_ins": "C5=6983"}
            ]"#,
        )
        .unwrap();
        assert_eq!(specs.len(), 4);
        assert_eq!(specs[0], TokenSpec::default());
        let b = &specs[1];
        assert_eq!(b.serial, "00012", "leading zeros are kept");
        let cfg = b.sim_config();
        assert_eq!(cfg.clock_offset_us, -42_500_000);
        assert_eq!(cfg.drift_ppm, 3.0);
        assert_eq!(cfg.sync, Some(SyncClass::Unrestricted));
        assert_eq!(cfg.initial_seed.as_deref(), Some(&PRESET_SEED[..]));
        assert_eq!(cfg.lockout_tries, Some(3));
        assert_eq!(b.fault(), Some(Drop::AfterIns(0xD4)));
        assert_eq!(b.return_delay(), Some(Duration::from_millis(1500)));
        assert!(b.t0);
        assert_eq!(specs[2].serial, "86596120000042");
        assert_eq!(
            specs[3].fault(),
            Some(Drop::AnswerIns(0xC5, Reply::sw(0x6983)))
        );
        let wrapped = parse_box(r#"{"tokens": ["1", "2"]}"#).unwrap();
        assert_eq!(wrapped.len(), 2);
    }

    #[test]
    fn a_bad_box_is_refused_naming_the_token_and_the_problem() {
        let cases = [
            ("", "not JSON"),
            ("{", "not JSON"),
            ("[]", "no token"),
            ("42", "expected a list"),
            (r#"{"tokens": 1}"#, "expected a list"),
            (r#"{"tokens": [], "extra": 1}"#, "unknown key \"extra\""),
            (
                r#"["1", {"serial": "2", "ofset": 3}]"#,
                "token #2: unknown field `ofset`",
            ),
            (r#"[{"offset": 3}]"#, "token #1: missing field `serial`"),
            (
                r#"[{"serial": 86596220000001}]"#,
                "token #1: the serial must be a string",
            ),
            (r#"[{"serial": null}]"#, "token #1: invalid type: null"),
            (r#"["1", 7]"#, "token #2: expected an object"),
            (r#"[""]"#, "token #1: serial \"\" must be 1 to 255"),
            (
                r#"["a", "b", "a"]"#,
                "token #3: serial a is already token #1",
            ),
            (
                r#"[{"serial": "1", "lockout": 300}]"#,
                "token #1: invalid value",
            ),
            (
                r#"[{"serial": "1", "sync": "sometimes"}]"#,
                "token #1: unknown variant",
            ),
            (
                r#"[{"serial": "1", "drop_after_ins": "D4D4"}]"#,
                "not an INS byte",
            ),
            (
                r#"[{"serial": "1", "answer_ins": "C5"}]"#,
                "expected INS=HEX",
            ),
            (
                r#"[{"serial": "1", "drop_before": 2, "answer_ins": "C5=6983"}]"#,
                "drop_before and answer_ins cannot be combined",
            ),
            (
                r#"[{"serial": "1", "drop_after": 0}]"#,
                "count commands from 1",
            ),
            (
                r#"[{"serial": "1", "return_after": -1}]"#,
                "return_after -1",
            ),
            (r#"[{"serial": "1", "drift": 1e300}]"#, "drift"),
        ];
        for (text, want) in cases {
            let err = parse_box(text).unwrap_err();
            assert!(err.contains(want), "{text}: {err:?} lacks {want:?}");
        }
    }

    #[test]
    fn a_missing_box_file_names_the_path() {
        let err = load_box(Path::new("/nonexistent/kiln-box.json")).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/kiln-box.json"),
            "{err}"
        );
    }
}
