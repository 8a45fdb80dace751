//! `--allow-unknown-model --key default | --key-file PATH`: the explicit,
//! warned opt-in to program a token whose serial matches no known model.

use kiln_core::proto::{DeviceKey, KeyChoice, UnknownModelPolicy};
use std::path::PathBuf;

/// Options for tokens kiln does not know (shared by burn and sync).
#[derive(clap::Args, Debug, Clone)]
pub struct UnknownModelArgs {
    /// Program a token whose model kiln does not know (its serial prefix is not in
    /// kiln's table). Needs --key default or --key-file. One attempt only, and the
    /// token is treated as one whose clock write erases the seed.
    /// WARNING: a wrong key may lock the token for good.
    #[arg(long, help_heading = "Unknown models (read-only unless you opt in)")]
    pub allow_unknown_model: bool,

    /// The key for an unknown model: only `default` (the Token2/ExcelSecu family
    /// key) is accepted here. A key written on the command line is visible to other
    /// users (ps) and stays in shell history: put your own key (32 hex digits) in a
    /// file and use --key-file.
    #[arg(
        long,
        value_name = "default",
        requires = "allow_unknown_model",
        conflicts_with = "key_file",
        help_heading = "Unknown models (read-only unless you opt in)"
    )]
    pub key: Option<String>,

    /// File holding the device key for an unknown model: 32 hex digits.
    #[arg(
        long,
        value_name = "PATH",
        requires = "allow_unknown_model",
        help_heading = "Unknown models (read-only unless you opt in)"
    )]
    pub key_file: Option<PathBuf>,
}

/// Printed before a burn with `--allow-unknown-model`: the model is not known
/// until the token is read, so it says what happens if it turns out unknown.
pub const WARNING: &str = "WARNING: --allow-unknown-model: if this token's model is not in kiln's \
table, kiln will try the named key on it once; if the key is wrong the token may count a failed \
attempt, and some tokens lock for good after a few. kiln then assumes the token erases its seed \
whenever its clock is written. (A known model is programmed with its own key as usual.)";

impl UnknownModelArgs {
    /// The policy these options ask for, or why they cannot be used.
    pub fn policy(&self) -> Result<UnknownModelPolicy, String> {
        if !self.allow_unknown_model {
            return Ok(UnknownModelPolicy::ReadOnly);
        }
        match (self.key.as_deref(), &self.key_file) {
            (Some("default" | "family-default"), None) => {
                Ok(UnknownModelPolicy::Program(KeyChoice::FamilyDefault))
            }
            // The value is never repeated: it may be a real key.
            (Some(other), _) => Err(if other.len() >= 16 && other.chars().all(|c| c.is_ascii_hexdigit()) {
                "--key takes only `default`: a key on the command line is visible to other users and \
                 stays in shell history; write it (32 hex digits) to a file readable only by you and \
                 use --key-file PATH"
                    .to_owned()
            } else {
                format!(
                    "the --key value ({} characters, not shown) is not understood: use --key default or \
                     --key-file PATH (if it was a key, it is now in your shell history)",
                    other.chars().count()
                )
            }),
            (None, Some(path)) => {
                let text = zeroize::Zeroizing::new(
                    std::fs::read_to_string(path)
                        .map_err(|e| format!("cannot read key file {}: {e}", path.display()))?,
                );
                DeviceKey::from_hex(text.trim())
                    .map(|k| UnknownModelPolicy::Program(KeyChoice::Custom(k)))
                    .map_err(|e| format!("key file {}: {e}", path.display()))
            }
            (None, None) => Err(
                "--allow-unknown-model needs the key to try: --key default (the family key) or --key-file PATH"
                    .to_owned(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(allow: bool, key: Option<&str>, file: Option<PathBuf>) -> UnknownModelArgs {
        UnknownModelArgs {
            allow_unknown_model: allow,
            key: key.map(str::to_owned),
            key_file: file,
        }
    }

    #[test]
    fn policies() {
        assert_eq!(
            args(false, None, None).policy(),
            Ok(UnknownModelPolicy::ReadOnly)
        );
        assert_eq!(
            args(true, Some("default"), None).policy(),
            Ok(UnknownModelPolicy::Program(KeyChoice::FamilyDefault))
        );
        let e = args(true, Some("8AD206883CA369482AB27182B6E83224"), None)
            .policy()
            .err()
            .unwrap_or_default();
        assert!(
            e.contains("--key-file") && e.contains("shell history"),
            "{e}"
        );
        // A value that is not `default` is never echoed, whatever its shape.
        for secret in [
            "8AD2-0688-3CA3",
            "zz-not-a-key",
            "8ad206883ca36948 2ab27182b6e83224",
        ] {
            let e = args(true, Some(secret), None)
                .policy()
                .err()
                .unwrap_or_default();
            assert!(!e.is_empty());
            assert!(!e.contains(secret), "{e}");
            assert!(!e.contains("8AD2") && !e.contains("8ad2"), "{e}");
        }
        assert!(args(true, None, None).policy().is_err());
        let missing = args(true, None, Some(PathBuf::from("/nonexistent/kiln-key")));
        assert!(missing
            .policy()
            .err()
            .unwrap_or_default()
            .contains("cannot read key file"));
    }
}
