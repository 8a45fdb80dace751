//! Where `kiln burn` gets the seed: standard input / hidden prompt (default),
//! a QR code in an image file (`--qr-file`), or a QR code on the screen
//! (`--qr-screen`). Never the command line. Decoded payloads are secrets.

use crate::exit::Exit;
use kiln_core::secret::SecretString;
use std::path::PathBuf;
use zeroize::Zeroize;

/// Seed source options.
#[derive(clap::Args, Debug, Clone)]
pub struct SourceArgs {
    /// Read the seed from the QR code in this image file (PNG, JPEG or WebP), e.g.
    /// a screenshot of the service's "set up authenticator" page.
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "qr_screen",
        help_heading = "Seed source (default: standard input or a hidden prompt)"
    )]
    pub qr_file: Option<PathBuf>,

    /// Capture the screen(s) and read the QR code shown there (open the service's
    /// setup page first).
    #[arg(
        long,
        help_heading = "Seed source (default: standard input or a hidden prompt)"
    )]
    pub qr_screen: bool,
}

impl SourceArgs {
    /// The seed text from the chosen source (stdin/prompt when no QR option).
    pub fn read(&self) -> Result<SecretString, Exit> {
        if let Some(path) = &self.qr_file {
            let bytes = crate::qr_in::read_image(path).map_err(|e| {
                crate::out::error(format_args!("{}: {e}", path.display()));
                Exit::InputRefused
            })?;
            let found = crate::qr_in::decode_file(&bytes).map_err(|e| {
                crate::out::error(format_args!("{}: {e}", path.display()));
                Exit::InputRefused
            })?;
            let unreadable = found.unreadable.map(|s| crate::qr_in::advice(&s, false));
            return pick(
                found.payloads,
                &path.display().to_string(),
                unreadable,
                None,
            );
        }
        if self.qr_screen {
            let found = crate::qr_in::decode_screens().map_err(|e| {
                crate::out::error(format_args!("--qr-screen: {e}"));
                Exit::InputRefused
            })?;
            let unreadable = found.unreadable.map(|s| crate::qr_in::advice(&s, true));
            let seed = pick(
                found.payloads,
                "the screen",
                unreadable,
                crate::screen::empty_capture_hint(),
            )?;
            if let Some(note) = seen_on_note(&found.seen_on, found.screens) {
                eprintln!("kiln: note: {note}");
            }
            return Ok(seed);
        }
        crate::seed_in::read_input()
    }
}

/// Where on the screens the code was read, when more than one was captured:
/// "read the QR code on display 2 of 2 (\\.\DISPLAY2)".
fn seen_on_note(seen_on: &[String], screens: usize) -> Option<String> {
    match seen_on {
        [one] if screens > 1 => Some(format!("read the QR code on {one}")),
        _ => None,
    }
}

/// One payload out of what the QR decoder found: the only one, or the only
/// authenticator link among several. `unreadable`: advice when a code was visible
/// but did not decode; `empty_hint`: a sentence to add when nothing was seen.
fn pick(
    mut payloads: Vec<String>,
    whence: &str,
    unreadable: Option<String>,
    empty_hint: Option<&str>,
) -> Result<SecretString, Exit> {
    let is_link = |p: &String| {
        let l = p.trim_start().to_ascii_lowercase();
        l.starts_with("otpauth:") || l.starts_with("otpauth-migration:")
    };
    let links = payloads.iter().filter(|p| is_link(p)).count();
    let chosen = if payloads.len() == 1 {
        payloads.pop()
    } else if links == 1 {
        payloads
            .iter()
            .position(is_link)
            .map(|i| payloads.swap_remove(i))
    } else {
        None
    };
    let n = payloads.len() + usize::from(chosen.is_some());
    for p in &mut payloads {
        p.zeroize();
    }
    match chosen {
        Some(c) => {
            if !is_link(&c) {
                eprintln!(
                    "kiln: note: the QR code in {whence} holds no otpauth:// link; reading its text as a typed seed"
                );
            }
            Ok(SecretString::new(c))
        }
        None if n == 0 => {
            match unreadable {
                Some(advice) => crate::out::error(format_args!(
                    "a QR code is in {whence} but cannot be read: {advice}"
                )),
                None => match empty_hint {
                    Some(hint) => {
                        crate::out::error(format_args!("no QR code found in {whence}; {hint}"))
                    }
                    None => crate::out::error(format_args!("no QR code found in {whence}")),
                },
            }
            Err(Exit::InputRefused)
        }
        None => {
            crate::out::error(format_args!(
                "{n} QR codes found in {whence} and {links} of them are authenticator links; \
                 crop the image (or close other windows) so only the service's QR code shows"
            ));
            Err(Exit::InputRefused)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn picking_the_payload() {
        let one = pick(vec!["otpauth://totp/x?secret=AB".into()], "t", None, None).unwrap();
        assert!(one.expose().starts_with("otpauth://"));
        let among = pick(
            vec![
                "https://example.com".into(),
                "otpauth://totp/y?secret=CD".into(),
            ],
            "t",
            None,
            None,
        )
        .unwrap();
        assert!(among.expose().contains("/y?"));
        assert_eq!(
            pick(vec![], "t", None, Some("a hint")).err(),
            Some(Exit::InputRefused)
        );
        assert_eq!(
            pick(
                vec![
                    "otpauth://totp/a?secret=A".into(),
                    "otpauth://totp/b?secret=B".into()
                ],
                "t",
                None,
                None
            )
            .err(),
            Some(Exit::InputRefused)
        );
    }

    #[test]
    fn the_screen_holding_the_code_is_named_when_there_are_several() {
        let two = ["display 2 of 2".to_string()];
        assert_eq!(
            seen_on_note(&two, 2).as_deref(),
            Some("read the QR code on display 2 of 2")
        );
        assert_eq!(seen_on_note(&two, 1), None, "one screen: nothing to say");
        let both = ["X screen 0".to_string(), "X screen 1".to_string()];
        assert_eq!(seen_on_note(&both, 2), None);
        assert_eq!(seen_on_note(&[], 3), None);
    }
}
