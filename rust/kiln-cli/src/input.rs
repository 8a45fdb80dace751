//! Reading secret input: from stdin when it is not a terminal, else from a hidden
//! prompt. Secrets never come from argv. Everything read is zeroized on drop.

use kiln_core::secret::SecretString;
use std::io::{IsTerminal, Read};
use zeroize::Zeroizing;

/// Largest payload accepted on stdin (a migration QR holds at most ~3 KB).
pub const MAX_STDIN_BYTES: u64 = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("could not read standard input: {0}")]
    Io(#[from] std::io::Error),
    #[error("standard input is larger than {MAX_STDIN_BYTES} bytes; pipe in one payload or seed")]
    TooLarge,
    #[error("standard input is not UTF-8 text; pipe in an otpauth:// link or a Base32/Hex seed")]
    NotText,
    #[error("nothing was entered")]
    Empty,
}

/// Reads one secret text: all of stdin if it is piped, else a hidden prompt on the
/// terminal. Surrounding whitespace (trailing newline) is trimmed.
pub fn read_secret(prompt: &str) -> Result<SecretString, InputError> {
    let stdin = std::io::stdin();
    let text: Zeroizing<String> = if stdin.is_terminal() {
        Zeroizing::new(rpassword::prompt_password(prompt)?)
    } else {
        let mut buf = Zeroizing::new(Vec::new());
        stdin
            .lock()
            .take(MAX_STDIN_BYTES + 1)
            .read_to_end(&mut buf)?;
        if buf.len() as u64 > MAX_STDIN_BYTES {
            return Err(InputError::TooLarge);
        }
        let s = std::str::from_utf8(&buf).map_err(|_| InputError::NotText)?;
        Zeroizing::new(s.to_owned())
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(InputError::Empty);
    }
    Ok(SecretString::new(trimmed.to_owned()))
}
