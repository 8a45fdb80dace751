//! Fresh seeds from the operating system's CSPRNG.
//!
//! Defaults follow RFC 4226 §4 / RFC 6238: as many bytes as the HMAC's output
//! (20 for SHA-1, 32 for SHA-256). Any length from 16 bytes (RFC 4226's 128-bit
//! minimum) to 63 (the most the tokens store) can be asked for.

use kiln_core::params::{TokenHmac, TokenSeed, MAX_SEED_BYTES};
use kiln_core::secret::SecretBytes;
use zeroize::Zeroizing;

/// Shortest seed kiln generates (RFC 4226 requires at least 128 bits).
pub const MIN_SEED_BYTES: usize = 16;

/// A seed length kiln may generate: 16..=63 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedLength(usize);

/// The asked-for length is outside 16..=63 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "a generated seed must be {MIN_SEED_BYTES} to {MAX_SEED_BYTES} bytes long ({bytes} asked for): \
     at least 128 bits (RFC 4226), and no more than the tokens store"
)]
pub struct SeedLengthOutOfRange {
    pub bytes: usize,
}

impl SeedLength {
    pub fn new(bytes: usize) -> Result<Self, SeedLengthOutOfRange> {
        if (MIN_SEED_BYTES..=MAX_SEED_BYTES).contains(&bytes) {
            Ok(Self(bytes))
        } else {
            Err(SeedLengthOutOfRange { bytes })
        }
    }

    /// The HMAC's output length: 20 bytes for SHA-1, 32 for SHA-256.
    pub const fn default_for(hmac: TokenHmac) -> Self {
        match hmac {
            TokenHmac::Sha1 => Self(20),
            TokenHmac::Sha256 => Self(32),
        }
    }

    pub const fn bytes(self) -> usize {
        self.0
    }
}

/// The operating system's random source failed.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed ({0}); no seed was made")]
pub struct RandomSourceFailed(String);

/// A fresh seed of `len` bytes from the OS CSPRNG.
pub fn generate(len: SeedLength) -> Result<TokenSeed, RandomSourceFailed> {
    let mut buf = Zeroizing::new(vec![0u8; len.bytes()]);
    getrandom::fill(&mut buf).map_err(|e| RandomSourceFailed(e.to_string()))?;
    let bytes = SecretBytes::from_slice(&buf);
    // 16..=63 bytes always fits the token.
    TokenSeed::new(bytes).map_err(|e| RandomSourceFailed(e.to_string()))
}

/// `len` random bytes for keys kiln itself uses (not seeds).
pub(crate) fn random_key<const N: usize>() -> Result<Zeroizing<[u8; N]>, RandomSourceFailed> {
    let mut key = Zeroizing::new([0u8; N]);
    getrandom::fill(&mut key[..]).map_err(|e| RandomSourceFailed(e.to_string()))?;
    Ok(key)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_bounded_and_defaults_follow_the_hmac() {
        assert_eq!(SeedLength::default_for(TokenHmac::Sha1).bytes(), 20);
        assert_eq!(SeedLength::default_for(TokenHmac::Sha256).bytes(), 32);
        for n in [0usize, 1, 15, 64, 1000] {
            let e = SeedLength::new(n).unwrap_err();
            assert_eq!(e.bytes, n);
            assert!(e.to_string().contains("16 to 63"), "{e}");
        }
        for n in 16..=63 {
            assert_eq!(generate(SeedLength::new(n).unwrap()).unwrap().len(), n);
        }
    }

    #[test]
    fn seeds_differ() {
        let len = SeedLength::new(20).unwrap();
        let a = generate(len).unwrap();
        let b = generate(len).unwrap();
        assert_ne!(a.expose(), b.expose());
        // Not all zero (a broken source).
        assert!(a.expose().iter().any(|&x| x != 0));
    }
}
