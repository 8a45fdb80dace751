//! Seeds never come from the command line. When an argument looks like an
//! otpauth link or a typed seed, kiln stops before clap can quote it back in a
//! usage error ("unexpected argument '<the whole link>' found"), says how to pipe
//! it instead, and warns that it is now in the shell history. The argument itself
//! is never printed; only its position.

use std::ffi::OsString;

/// Shortest typed seed recognised (80 bits in Base32 is 16 characters).
const MIN_BASE32: usize = 16;
/// Shortest Hex seed recognised (128 bits).
const MIN_HEX: usize = 32;

/// Options whose value is checked elsewhere with its own message (`--key`).
const OWN_CHECK: &[&str] = &["--key"];

/// The message for the first argument that looks like a seed or link, if any.
pub fn check(args: &[OsString]) -> Option<String> {
    let command = args
        .iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .find(|a| !a.starts_with('-'))
        .filter(|a| !looks_secret(a))
        .unwrap_or("burn");
    let mut previous: Option<&str> = None;
    for (i, arg) in args.iter().enumerate().skip(1) {
        let text = arg.to_string_lossy();
        let own_check = previous.is_some_and(|p| OWN_CHECK.contains(&p))
            || OWN_CHECK.iter().any(|o| text.starts_with(&format!("{o}=")));
        // `--opt=value`: the value is what matters.
        let value = match text.split_once('=') {
            Some((opt, v)) if opt.starts_with("--") => v,
            _ => &text,
        };
        if !own_check && looks_secret(value) && !std::path::Path::new(value).exists() {
            return Some(message(i, command));
        }
        previous = arg.to_str();
    }
    None
}

fn message(position: usize, command: &str) -> String {
    format!(
        "argument {position} looks like a seed or an otpauth:// link; kiln never reads seeds from \
         the command line and did not use it (nor will it print it). Give it on standard input \
         instead, e.g. `pbpaste | kiln {command}`, `xclip -o -selection clipboard | kiln {command}` \
         or `kiln {command} < link.txt`, or run `kiln {command}` and paste it at the hidden prompt. \
         It is now in your shell history: delete that entry (bash: `history -d N`; zsh: edit \
         ~/.zsh_history), and if other people can read that history, ask the service for a new seed"
    )
}

/// An otpauth link (or anything with a `secret=` parameter), or text that reads
/// as a Base32 or Hex seed once spaces and dashes are dropped.
fn looks_secret(arg: &str) -> bool {
    let lower = arg.trim().to_ascii_lowercase();
    if lower.starts_with("otpauth:")
        || lower.starts_with("otpauth-migration:")
        || lower.contains("secret=")
    {
        return true;
    }
    let compact: String = lower
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let body = compact.trim_end_matches('=');
    let has_letter = body.chars().any(|c| c.is_ascii_alphabetic());
    let has_digit = body.chars().any(|c| c.is_ascii_digit());
    let base32 = body.len() >= MIN_BASE32
        && body
            .chars()
            .all(|c| c.is_ascii_lowercase() || ('2'..='7').contains(&c));
    let hex = body.len() >= MIN_HEX && body.chars().all(|c| c.is_ascii_hexdigit());
    // Base32 words of 16 letters exist; seeds nearly always hold a digit too. No
    // ordinary argument is 32 Hex digits long.
    (base32 && has_letter && has_digit) || hex
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<OsString> {
        std::iter::once("kiln")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn links_and_seeds_are_recognised_and_never_quoted() {
        let link = "otpauth://totp/ACME:bob?secret=JBSWY3DPEHPK3PXP&issuer=ACME";
        for args in [
            vec!["burn", link],
            vec!["burn", "--sim", "JBSWY3DPEHPK3PXP"],
            vec!["inspect", "jbsw y3dp ehpk 3pxp"],
            vec!["codes", "3132333435363738393031323334353637383930"],
            vec!["burn", "--reader=otpauth://totp/x?secret=JBSWY3DPEHPK3PXP"],
        ] {
            let msg = check(&argv(&args)).unwrap();
            let cmd = args[0];
            assert!(msg.contains(&format!("| kiln {cmd}")), "{msg}");
            assert!(msg.contains("shell history"), "{msg}");
            for a in &args[1..] {
                assert!(!msg.contains(a), "{msg}");
            }
            assert!(!msg.contains("JBSW") && !msg.to_lowercase().contains("jbsw"));
        }
    }

    #[test]
    fn ordinary_arguments_pass() {
        for args in [
            vec!["diagnose", "287082"],
            vec![
                "burn",
                "--resume",
                "86596220000123",
                "--sim-serial",
                "86596120000001",
            ],
            vec!["info", "--reader", "ACS ACR1252 1S CL Reader PICC 0"],
            vec!["qr", "decode", "setup-qr.png", "Screenshot 2026-11-22.png"],
            vec![
                "burn",
                "--allow-unknown-model",
                "--key",
                "8AD206883CA369482AB27182B6E83224",
            ],
            vec![
                "burn",
                "--allow-unknown-model",
                "--key=8AD206883CA369482AB27182B6E83224",
            ],
            vec!["info", "--wait", "18446744073709551615"],
        ] {
            assert_eq!(check(&argv(&args)), None, "{args:?}");
        }
    }
}
