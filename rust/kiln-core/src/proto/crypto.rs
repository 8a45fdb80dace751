//! SM4, the command MAC and the seed padding of the token family.
//!
//! One static device key is used for everything: ECB for single blocks and the
//! seed, CBC with a zero IV only inside the MAC (`shared/protocol.md`, "Keys and crypto").

use sm4::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use sm4::Sm4;
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// SM4 block and key size in bytes.
pub const BLOCK: usize = 16;

/// The default device key of the family, published by Token2 and accepted by
/// ExcelSecu's eSecuOTP-1A. The only key built into tokenkiln.
const FAMILY_DEFAULT_KEY: [u8; BLOCK] = [
    0x8A, 0xD2, 0x06, 0x88, 0x3C, 0xA3, 0x69, 0x48, 0x2A, 0xB2, 0x71, 0x82, 0xB6, 0xE8, 0x32, 0x24,
];

/// A 128-bit SM4 device key. Zeroized on drop, redacted in `Debug`, no `Display`.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct DeviceKey([u8; BLOCK]);

impl DeviceKey {
    /// The family default key (see `FAMILY_DEFAULT_KEY` in the spec).
    pub fn family_default() -> Self {
        Self(FAMILY_DEFAULT_KEY)
    }

    /// A key supplied by the user (for a token of an unknown vendor).
    pub fn from_bytes(bytes: [u8; BLOCK]) -> Self {
        Self(bytes)
    }

    /// A key from 32 hex digits (spaces allowed). The error never echoes the input.
    pub fn from_hex(text: &str) -> Result<Self, KeyFormatError> {
        let digits: Zeroizing<Vec<u8>> =
            Zeroizing::new(text.bytes().filter(|b| !b.is_ascii_whitespace()).collect());
        if digits.len() != 2 * BLOCK {
            return Err(KeyFormatError);
        }
        let mut key = [0u8; BLOCK];
        for (out, pair) in key.iter_mut().zip(digits.chunks_exact(2)) {
            let hi = hex_val(pair.first().copied());
            let lo = hex_val(pair.get(1).copied());
            match (hi, lo) {
                (Some(h), Some(l)) => *out = (h << 4) | l,
                _ => {
                    key.zeroize();
                    return Err(KeyFormatError);
                }
            }
        }
        let k = Self(key);
        key.zeroize();
        Ok(k)
    }

    /// True for the family default key (so reports can name the key without showing it).
    pub(crate) fn is_family_default(&self) -> bool {
        self.0 == FAMILY_DEFAULT_KEY
    }

    fn cipher(&self) -> Sm4 {
        Sm4::new(&self.0.into())
    }

    /// SM4-ECB encryption of whole blocks in place. `data.len()` must be a
    /// multiple of 16; a trailing partial block is left untouched.
    pub fn encrypt_ecb(&self, data: &mut [u8]) {
        let c = self.cipher();
        for chunk in data.chunks_exact_mut(BLOCK) {
            let mut block: [u8; BLOCK] = [0; BLOCK];
            block.copy_from_slice(chunk);
            let mut b: sm4::cipher::Block<Sm4> = block.into();
            c.encrypt_block(&mut b);
            chunk.copy_from_slice(&b);
            block.zeroize();
            b.zeroize();
        }
    }

    /// SM4-ECB decryption of whole blocks in place (used by the simulated token).
    pub fn decrypt_ecb(&self, data: &mut [u8]) {
        let c = self.cipher();
        for chunk in data.chunks_exact_mut(BLOCK) {
            let mut block: [u8; BLOCK] = [0; BLOCK];
            block.copy_from_slice(chunk);
            let mut b: sm4::cipher::Block<Sm4> = block.into();
            c.decrypt_block(&mut b);
            chunk.copy_from_slice(&b);
            block.zeroize();
            b.zeroize();
        }
    }

    /// The command MAC: SM4-CBC (IV 0) over `header ‖ body`, padded with `80 00..`
    /// only when not already block-aligned; the first 4 bytes of the last block.
    /// `header` is `80 INS P1 P2 Lc'` with `Lc'` the body length without the MAC.
    pub fn mac(&self, header: [u8; 5], body: &[u8]) -> [u8; 4] {
        let mut input: Zeroizing<Vec<u8>> =
            Zeroizing::new(Vec::with_capacity(5 + body.len() + BLOCK));
        input.extend_from_slice(&header);
        input.extend_from_slice(body);
        if !input.len().is_multiple_of(BLOCK) {
            input.push(0x80);
            while !input.len().is_multiple_of(BLOCK) {
                input.push(0x00);
            }
        }
        let c = self.cipher();
        let mut chain: sm4::cipher::Block<Sm4> = [0u8; BLOCK].into();
        for chunk in input.chunks_exact(BLOCK) {
            let mut next: [u8; BLOCK] = [0; BLOCK];
            for ((n, x), p) in next.iter_mut().zip(chain.iter()).zip(chunk) {
                *n = x ^ p;
            }
            chain = next.into();
            c.encrypt_block(&mut chain);
        }
        let mut out = [0u8; 4];
        for (o, b) in out.iter_mut().zip(chain.iter()) {
            *o = *b;
        }
        out
    }
}

fn hex_val(b: Option<u8>) -> Option<u8> {
    match b? {
        c @ b'0'..=b'9' => Some(c - b'0'),
        c @ b'a'..=b'f' => Some(c - b'a' + 10),
        c @ b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_family_default() {
            f.write_str("DeviceKey(<family default>)")
        } else {
            f.write_str("DeviceKey(<redacted>)")
        }
    }
}

/// The key text was not 32 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a device key is 32 hex digits (16 bytes); the key given is not")]
pub struct KeyFormatError;

/// Seed padding: **always** `80` then `00`s up to the next multiple of 16, so a
/// seed of 16, 32 or 48 bytes gets one whole extra block.
pub(crate) fn pad_seed(seed: &[u8]) -> Zeroizing<Vec<u8>> {
    let padded_len = padded_seed_len(seed.len());
    let mut out = Zeroizing::new(Vec::with_capacity(padded_len));
    out.extend_from_slice(seed);
    out.push(0x80);
    out.resize(padded_len, 0x00);
    out
}

/// `16 · ⌈(len + 1) / 16⌉`: the ciphertext length for a seed of `len` bytes.
pub(crate) const fn padded_seed_len(len: usize) -> usize {
    (len / BLOCK + 1) * BLOCK
}

/// Removes the seed padding (last `80` followed only by `00`s). `None` when the
/// padding is missing or malformed.
pub fn unpad_seed(padded: &[u8]) -> Option<&[u8]> {
    let end = padded.iter().rposition(|&b| b != 0)?;
    if padded.get(end) != Some(&0x80) {
        return None;
    }
    padded.get(..end)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    pub(crate) fn hex(s: &str) -> Vec<u8> {
        let d: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        d.chunks(2)
            .map(|p| (hex_val(Some(p[0])).unwrap() << 4) | hex_val(Some(p[1])).unwrap())
            .collect()
    }

    fn key(s: &str) -> DeviceKey {
        DeviceKey::from_hex(s).unwrap()
    }

    /// Spec vector 1.
    #[test]
    fn kat1_sm4_single_block() {
        let k = key("0123456789ABCDEFFEDCBA9876543210");
        let mut b = hex("0123456789ABCDEFFEDCBA9876543210");
        k.encrypt_ecb(&mut b);
        assert_eq!(b, hex("681EDF34D206965E86B3E94F536E4246"));
        k.decrypt_ecb(&mut b);
        assert_eq!(b, hex("0123456789ABCDEFFEDCBA9876543210"));
    }

    /// Spec vector 2: one million encryptions (sm4 is built with opt-level 3 in tests).
    #[test]
    fn kat2_sm4_million() {
        let k = key("0123456789ABCDEFFEDCBA9876543210");
        let mut b = hex("0123456789ABCDEFFEDCBA9876543210");
        let c = k.cipher();
        let mut blk: sm4::cipher::Block<Sm4> = <[u8; 16]>::try_from(b.as_slice()).unwrap().into();
        for _ in 0..1_000_000 {
            c.encrypt_block(&mut blk);
        }
        b.copy_from_slice(&blk);
        assert_eq!(b, hex("595298C7C6FD271F0402F804C33D3F66"));
    }

    /// Spec vector 3.
    #[test]
    fn kat3_sm4_other_key() {
        let k = key("FEDCBA98765432100123456789ABCDEF");
        let mut b = hex("000102030405060708090A0B0C0D0E0F");
        k.encrypt_ecb(&mut b);
        assert_eq!(b, hex("F766678F13F01ADEAC1B3EA955ADB594"));
    }

    #[test]
    fn family_default_key_is_the_published_one() {
        assert_eq!(
            DeviceKey::family_default(),
            key("8A D2 06 88 3C A3 69 48 2A B2 71 82 B6 E8 32 24")
        );
        assert!(DeviceKey::family_default().is_family_default());
        assert!(!key("00000000000000000000000000000000").is_family_default());
    }

    #[test]
    fn key_debug_and_errors_never_show_bytes() {
        let k = key("00112233445566778899AABBCCDDEEFF");
        let d = format!("{k:?}");
        assert!(!d.contains("00112233") && !d.contains("0, 17"), "{d}");
        assert!(d.contains("redacted"));
        let e = DeviceKey::from_hex("0011223344556677889ZAABBCCDDEEFF").unwrap_err();
        assert!(!e.to_string().contains("0011"));
        assert!(DeviceKey::from_hex("0011").is_err());
    }

    #[test]
    fn padding_always_adds_a_marker() {
        for len in 1..=63usize {
            let seed = vec![0xAB; len];
            let p = pad_seed(&seed);
            assert_eq!(p.len() % 16, 0);
            assert!(p.len() > len, "len {len}");
            assert_eq!(p.len(), padded_seed_len(len));
            assert_eq!(p[len], 0x80);
            assert_eq!(unpad_seed(&p), Some(seed.as_slice()));
        }
        assert_eq!(pad_seed(&[1; 16]).len(), 32);
        assert_eq!(pad_seed(&[1; 48]).len(), 64);
        assert_eq!(unpad_seed(&[0; 16]), None);
        assert_eq!(unpad_seed(&[1; 16]), None);
    }
}
