//! Reading secret input: from stdin when it is not a terminal, else from a hidden
//! prompt. Secrets never come from argv. Everything read is zeroized on drop.

use kiln_core::secret::SecretString;
use std::io::{IsTerminal, Read};
use zeroize::Zeroizing;

/// Largest payload accepted on stdin: the seed parser's own limit (a migration QR
/// holds at most ~3 KB).
pub const MAX_STDIN_BYTES: u64 = kiln_core::seed::MAX_INPUT_BYTES as u64;

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
        let buf = read_capped(&mut stdin.lock(), kiln_core::seed::MAX_INPUT_BYTES)?;
        let s = std::str::from_utf8(&buf).map_err(|_| InputError::NotText)?;
        Zeroizing::new(s.to_owned())
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(InputError::Empty);
    }
    Ok(SecretString::new(trimmed.to_owned()))
}

/// Reads all of `r`, at most `max` bytes, into one zeroizing buffer allocated
/// once (`max` + 1 bytes) and never grown: a growing buffer would leave copies
/// of the seed in freed memory. More than `max` bytes → [`InputError::TooLarge`].
pub fn read_capped(r: &mut impl Read, max: usize) -> Result<Zeroizing<Vec<u8>>, InputError> {
    let mut buf = Zeroizing::new(vec![0u8; max.saturating_add(1)]);
    let mut len = 0usize;
    while let Some(spare) = buf.get_mut(len..) {
        if spare.is_empty() {
            break;
        }
        match r.read(spare) {
            Ok(0) => break,
            Ok(n) => len = len.saturating_add(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(InputError::Io(e)),
        }
    }
    if len > max {
        return Err(InputError::TooLarge);
    }
    // Shortening keeps the allocation: nothing is copied.
    buf.truncate(len);
    Ok(buf)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// Hands out its text a few bytes per read, as a pipe may.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(out.len()).min(7);
            let (now, rest) = self.0.split_at(n);
            out[..n].copy_from_slice(now);
            self.0 = rest;
            Ok(n)
        }
    }

    #[test]
    fn reads_in_one_buffer_that_never_grows() {
        let text = b"otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP\n";
        let buf = read_capped(&mut Trickle(text), 64).unwrap();
        assert_eq!(&buf[..], text);
        // The one allocation made up front (max + 1 bytes) is the one returned.
        assert_eq!(buf.capacity(), 65);
        // At the limit exactly: accepted.
        let full = [b'A'; 64];
        assert_eq!(read_capped(&mut Trickle(&full), 64).unwrap().len(), 64);
    }

    #[test]
    fn more_than_the_limit_is_refused_with_a_clear_error() {
        let big = vec![b'A'; 65];
        let e = read_capped(&mut Trickle(&big), 64).unwrap_err();
        assert!(matches!(e, InputError::TooLarge));
        assert!(
            e.to_string()
                .contains(&format!("larger than {MAX_STDIN_BYTES} bytes")),
            "{e}"
        );
        // Endless input stops at the limit.
        let e = read_capped(&mut std::io::repeat(b'A'), 1000).unwrap_err();
        assert!(matches!(e, InputError::TooLarge));
    }
}
