//! A short fingerprint of a seed: a few Base32 characters of the SHA-256 of the
//! decoded seed. It tells two seeds apart (the Base32 and the Hex reading of the
//! same text, the seed in kiln and the one in the app) while revealing at most
//! [`FINGERPRINT_MAX_BITS`] bits about the seed, and never more than half of a
//! short seed's bits.

use sha2::{Digest, Sha256};
use zeroize::Zeroize;

/// The most a fingerprint says about a seed, in bits (4 Base32 characters).
pub const FINGERPRINT_MAX_BITS: usize = 20;

/// Bits per Base32 character.
const BITS_PER_CHAR: usize = 5;

/// Shown when a seed is too short for even one character (under 10 bits).
const NONE: &str = "-";

/// How many fingerprint characters a seed of `bytes` bytes gets: at most
/// [`FINGERPRINT_MAX_BITS`] bits and at most half of the seed's bits.
fn chars_for(bytes: usize) -> usize {
    let half_bits = bytes.saturating_mul(8) / 2;
    half_bits.min(FINGERPRINT_MAX_BITS) / BITS_PER_CHAR
}

/// The fingerprint of a decoded seed, e.g. `KQ7D`: the first 4 Base32 characters
/// of SHA-256(seed) (20 bits); seeds of 2 to 4 bytes get 1 to 3 characters, and a
/// seed under 2 bytes gets `-`. Not a part of the seed: it cannot be compared with
/// the key a service shows, only with another fingerprint.
pub fn fingerprint(secret: &[u8]) -> String {
    let n = chars_for(secret.len());
    if n == 0 {
        return NONE.to_string();
    }
    let mut digest: [u8; 32] = Sha256::digest(secret).into();
    // Four characters need 20 bits: the first three bytes are enough.
    let head = digest.get(..3).map_or(0u32, |b| {
        b.iter().fold(0u32, |acc, &x| (acc << 8) | u32::from(x))
    });
    digest.zeroize();
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    (0..n)
        .map(|i| {
            let shift = 24 - BITS_PER_CHAR * (i + 1);
            let index = ((head >> shift) & 0x1F) as usize;
            ALPHABET.get(index).map_or('?', |&c| char::from(c))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// The fingerprint recomputed the long way: Base32 of the whole digest.
    fn reference(secret: &[u8], chars: usize) -> String {
        let digest = Sha256::digest(secret);
        data_encoding::BASE32_NOPAD.encode(&digest)[..chars].to_string()
    }

    #[test]
    fn four_characters_of_the_hash_for_usual_seeds() {
        let hello = b"Hello!\xDE\xAD\xBE\xEF"; // JBSWY3DPEHPK3PXP
        let fp = fingerprint(hello);
        assert_eq!(fp.len(), 4);
        assert_eq!(fp, reference(hello, 4));
        // Nothing of the Base32 text of the seed.
        assert!(!fp.contains("JBSW") && !fp.contains("3PXP"), "{fp}");
        for len in [5usize, 10, 20, 32, 63] {
            let seed = vec![0x5Au8; len];
            assert_eq!(fingerprint(&seed), reference(&seed, 4), "{len}");
        }
    }

    #[test]
    fn at_most_twenty_bits_and_half_a_short_seed() {
        for len in 0..=64usize {
            let fp = fingerprint(&vec![7u8; len]);
            let shown = if fp == NONE { 0 } else { fp.len() };
            let bits = shown * BITS_PER_CHAR;
            assert!(bits <= FINGERPRINT_MAX_BITS, "{len}: {fp}");
            assert!(bits <= len * 8 / 2, "{len}: {fp}");
        }
        assert_eq!(fingerprint(&[]), NONE);
        assert_eq!(fingerprint(&[1]), NONE);
        assert_eq!(fingerprint(&[1, 2]).len(), 1);
        assert_eq!(fingerprint(&[1, 2, 3]).len(), 2);
        assert_eq!(fingerprint(&[1, 2, 3, 4]).len(), 3);
    }

    #[test]
    fn different_seeds_usually_differ() {
        let a = fingerprint(b"12345678901234567890");
        let b = fingerprint(b"12345678901234567891");
        assert_ne!(a, b);
    }
}
