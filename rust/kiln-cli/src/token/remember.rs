//! Settings remembered per token serial, so `kiln sync` can rewrite them: the
//! token cannot report its algorithm, time step or display timeout, and a
//! clock write always rewrites all of them. Never holds a seed.
//!
//! File: `$KILN_CONFIG_DIR/tokens.json`, else `$XDG_CONFIG_HOME/tokenkiln/`,
//! `%APPDATA%\tokenkiln\` (Windows), `~/Library/Application Support/tokenkiln/`
//! (macOS), `~/.config/tokenkiln/`.

use kiln_core::params::{DisplayTimeout, TokenConfig, TokenHmac, TokenStep};
use serde_json::{json, Map, Value};
use std::path::PathBuf;

/// Where the state file lives (`None` when no home/config directory is known).
pub fn path() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let dir = if let Some(d) = env("KILN_CONFIG_DIR") {
        d
    } else if let Some(d) = env("XDG_CONFIG_HOME") {
        d.join("tokenkiln")
    } else if cfg!(windows) {
        env("APPDATA")?.join("tokenkiln")
    } else if cfg!(target_os = "macos") {
        env("HOME")?.join("Library/Application Support/tokenkiln")
    } else {
        env("HOME")?.join(".config/tokenkiln")
    };
    Some(dir.join("tokens.json"))
}

fn load_all() -> Map<String, Value> {
    let Some(p) = path() else {
        return Map::new();
    };
    let Ok(text) = std::fs::read_to_string(p) else {
        return Map::new();
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(mut m)) => match m.remove("tokens") {
            Some(Value::Object(t)) => t,
            _ => Map::new(),
        },
        _ => Map::new(),
    }
}

/// What was remembered for one token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Remembered {
    pub config: TokenConfig,
    /// Unix seconds of the burn (or sync) that wrote these settings.
    pub written_at: u64,
}

pub fn lookup(serial: &str) -> Option<Remembered> {
    let all = load_all();
    let t = all.get(serial)?;
    let hmac = match t.get("algorithm")?.as_str()? {
        "SHA1" => TokenHmac::Sha1,
        "SHA256" => TokenHmac::Sha256,
        _ => return None,
    };
    Some(Remembered {
        config: TokenConfig {
            hmac,
            step: TokenStep::from_seconds(t.get("period")?.as_u64()?)?,
            display_timeout: DisplayTimeout::from_seconds(
                u32::try_from(t.get("display_timeout")?.as_u64()?).ok()?,
            )?,
        },
        written_at: t.get("written_at").and_then(Value::as_u64).unwrap_or(0),
    })
}

/// Records the settings just written to `serial` (what, when, how). Errors are
/// reported, never fatal: the token is already programmed.
pub fn store(
    serial: &str,
    model: &str,
    config: &TokenConfig,
    how: &str,
    at: u64,
) -> Result<PathBuf, String> {
    let p = path().ok_or("no config directory (set HOME or KILN_CONFIG_DIR)")?;
    let mut all = load_all();
    all.insert(
        serial.to_owned(),
        json!({
            "model": model,
            "algorithm": config.hmac.to_string(),
            "period": config.step.seconds(),
            "display_timeout": config.display_timeout.seconds(),
            "written_at": at,
            "written_by": how,
        }),
    );
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let text = format!("{:#}\n", json!({ "version": 1, "tokens": all }));
    let tmp = p.with_extension("json.tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, &p))
        .map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(p)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_through_the_file() {
        let dir = std::env::temp_dir().join(format!("kiln-remember-{}", std::process::id()));
        std::env::set_var("KILN_CONFIG_DIR", &dir);
        let cfg = TokenConfig {
            hmac: TokenHmac::Sha256,
            step: TokenStep::Secs60,
            display_timeout: DisplayTimeout::S120,
        };
        assert_eq!(lookup("86596220000001"), None);
        store("86596220000001", "OTPC-P2-i", &cfg, "burn", 1_800_000_000).unwrap();
        store(
            "86596120000001",
            "OTPC-P1-i",
            &TokenConfig::default(),
            "burn",
            1,
        )
        .unwrap();
        let r = lookup("86596220000001").unwrap();
        assert_eq!(r.config, cfg);
        assert_eq!(r.written_at, 1_800_000_000);
        let text = std::fs::read_to_string(dir.join("tokens.json")).unwrap();
        assert!(!text.contains("seed"), "{text}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
