//! Containers for secret material (seeds, keys, decoded QR payloads).
//!
//! Every type here zeroizes its memory on drop and prints `<redacted>` in `Debug`.
//! None implements `Display`, so a secret cannot slip into a formatted message by accident.

use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Secret bytes (a decoded seed, a key). Zeroized on drop, redacted in `Debug`.
#[derive(Clone, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Takes ownership of the bytes; the caller's vector is moved, not copied.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Copies from a slice (the caller stays responsible for its own copy).
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    /// The secret bytes. Do not log or format them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Length in bits, as reported to users ("160-bit seed").
    pub fn bits(&self) -> usize {
        self.0.len().saturating_mul(8)
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<redacted, {} bytes>)", self.0.len())
    }
}

/// Secret text (a typed seed, a raw QR payload that may carry a seed).
/// Zeroized on drop, redacted in `Debug`.
#[derive(Clone, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(text: String) -> Self {
        Self(text)
    }

    /// The secret text. Do not log or format it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Zeroizing<String>> for SecretString {
    fn from(mut z: Zeroizing<String>) -> Self {
        Self(std::mem::take(&mut *z))
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_content() {
        let b = SecretBytes::from_slice(b"JBSWY3DPEHPK3PXP");
        let s = SecretString::new("JBSWY3DPEHPK3PXP".to_string());
        let both = format!("{b:?} {s:?}");
        assert!(!both.contains("JBSW"), "{both}");
        assert!(both.contains("redacted"));
        assert_eq!(b.bits(), 128);
    }
}
