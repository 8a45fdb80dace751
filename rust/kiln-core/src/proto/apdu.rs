//! Command APDUs: exactly the five commands of `shared/protocol.md`, nothing else.
//!
//! All are short case-3 APDUs (Lc + data, no Le). The builders take already-valid
//! types ([`TokenConfig`], [`TokenSeed`], [`Challenge`]) so they cannot fail.

use super::crypto::{pad_seed, DeviceKey, BLOCK};
use super::response::Challenge;
use crate::params::{TokenConfig, TokenSeed};
use zeroize::Zeroizing;

/// GET INFO (no authentication): serial and token clock.
pub const GET_INFO: [u8; 7] = [0x80, 0x41, 0x00, 0x00, 0x02, 0x02, 0x11];

/// GET CHALLENGE: 8 random bytes; cancels any earlier authentication.
pub const GET_CHALLENGE: [u8; 6] = [0x80, 0x4B, 0x08, 0x00, 0x01, 0x00];

/// Instruction bytes of the known commands.
pub const INS_GET_INFO: u8 = 0x41;
pub const INS_GET_CHALLENGE: u8 = 0x4B;
pub const INS_EXTERNAL_AUTHENTICATE: u8 = 0xCE;
pub const INS_WRITE_CONFIG: u8 = 0xD4;
pub const INS_WRITE_SEED: u8 = 0xC5;

/// Length of the WRITE CONFIG TLV.
pub const CONFIG_TLV_LEN: usize = 19;

/// EXTERNAL AUTHENTICATE: `80 CE 00 00 10 ‖ SM4-ECB(key, challenge ‖ 00×8)`.
pub fn external_authenticate(key: &DeviceKey, challenge: &Challenge) -> Vec<u8> {
    let mut block = [0u8; BLOCK];
    for (b, c) in block.iter_mut().zip(challenge.bytes()) {
        *b = *c;
    }
    key.encrypt_ecb(&mut block);
    let mut apdu = Vec::with_capacity(5 + BLOCK);
    apdu.extend_from_slice(&[0x80, INS_EXTERNAL_AUTHENTICATE, 0x00, 0x00, BLOCK as u8]);
    apdu.extend_from_slice(&block);
    apdu
}

/// The 19-byte system configuration TLV (plaintext).
pub(crate) fn config_tlv(config: &TokenConfig, unix_secs: u32) -> [u8; CONFIG_TLV_LEN] {
    let t = unix_secs.to_be_bytes();
    [
        0x81,
        0x11,
        0x1F,
        0x01,
        config.display_timeout.wire(),
        0x0F,
        0x04,
        t[0],
        t[1],
        t[2],
        t[3],
        0x86,
        0x06,
        0x0A,
        0x01,
        config.hmac.wire(),
        0x0D,
        0x01,
        config.step.wire(),
    ]
}

/// WRITE CONFIG: `84 D4 00 00 17 ‖ TLV(19) ‖ MAC(4)`. Sets the token clock to
/// `unix_secs` and rewrites HMAC, step and display timeout. **Erases the seed on
/// restricted-sync models.**
pub fn write_config(key: &DeviceKey, config: &TokenConfig, unix_secs: u32) -> Vec<u8> {
    let tlv = config_tlv(config, unix_secs);
    let mac = key.mac(
        [0x80, INS_WRITE_CONFIG, 0x00, 0x00, CONFIG_TLV_LEN as u8],
        &tlv,
    );
    let mut apdu = Vec::with_capacity(5 + CONFIG_TLV_LEN + 4);
    apdu.extend_from_slice(&[
        0x84,
        INS_WRITE_CONFIG,
        0x00,
        0x00,
        (CONFIG_TLV_LEN + 4) as u8,
    ]);
    apdu.extend_from_slice(&tlv);
    apdu.extend_from_slice(&mac);
    apdu
}

/// WRITE SEED: `84 C5 01 00 Lc ‖ SM4-ECB(key, seed ‖ 80 00..) ‖ MAC(4)`.
/// The result holds the (encrypted, but with a public key) seed: zeroized on drop.
pub fn write_seed(key: &DeviceKey, seed: &TokenSeed) -> Zeroizing<Vec<u8>> {
    let mut ct = pad_seed(seed.expose());
    key.encrypt_ecb(&mut ct);
    // At most 64 bytes (63-byte seed + marker), so the lengths fit a byte.
    let ct_len = ct.len() as u8;
    let mac = key.mac([0x80, INS_WRITE_SEED, 0x01, 0x00, ct_len], &ct);
    let mut apdu = Zeroizing::new(Vec::with_capacity(5 + ct.len() + 4));
    apdu.extend_from_slice(&[0x84, INS_WRITE_SEED, 0x01, 0x00, ct_len + 4]);
    apdu.extend_from_slice(&ct);
    apdu.extend_from_slice(&mac);
    apdu
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::params::{DisplayTimeout, TokenHmac, TokenStep};
    use crate::secret::SecretBytes;

    fn hex(s: &str) -> Vec<u8> {
        let d: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        d.chunks(2)
            .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
            .collect()
    }

    fn seed(bytes: Vec<u8>) -> TokenSeed {
        TokenSeed::new(SecretBytes::new(bytes)).unwrap()
    }

    /// Spec vector 4.
    #[test]
    fn kat4_external_authenticate() {
        let ch = Challenge::from_bytes([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
        assert_eq!(
            external_authenticate(&DeviceKey::family_default(), &ch),
            hex("80CE000010 8B7450F22721BC29985C2C460B65045D")
        );
    }

    /// Spec vector 5: 20-byte seed 01..14.
    #[test]
    fn kat5_write_seed_20_bytes() {
        let s = seed((1..=0x14).collect());
        assert_eq!(
            *write_seed(&DeviceKey::family_default(), &s),
            hex("84C5010024 6EEAD21474BBF3A0A2B4C18F489E543C F48725A71EE9C3A65963E88BE9405E3D 5F6EA0C1")
        );
    }

    /// Spec vector 6: 32-byte seed 10..2F, extra pad block.
    #[test]
    fn kat6_write_seed_32_bytes() {
        let s = seed((0x10..=0x2F).collect());
        assert_eq!(
            *write_seed(&DeviceKey::family_default(), &s),
            hex("84C5010034 B830899CFE9DE292CD26D3C7439215CE 18503D57AC31735AFA60EBA20F64D6F7 D219EFC9972FED9191DF027FD36A80B0 880D59FA")
        );
    }

    /// Spec vector 7: 16-byte seed 30..3F, extra pad block.
    #[test]
    fn kat7_write_seed_16_bytes() {
        let s = seed((0x30..=0x3F).collect());
        assert_eq!(
            *write_seed(&DeviceKey::family_default(), &s),
            hex("84C5010024 5314443314C0A67EE69BDBB9A65D644B D219EFC9972FED9191DF027FD36A80B0 910DDC4B")
        );
    }

    /// Spec vector 8.
    #[test]
    fn kat8_write_config_sha256_60s() {
        let c = TokenConfig {
            hmac: TokenHmac::Sha256,
            step: TokenStep::Secs60,
            display_timeout: DisplayTimeout::S60,
        };
        assert_eq!(
            write_config(&DeviceKey::family_default(), &c, 0x6543_2100),
            hex("84D4000017 81111F01020F046543210086060A01020D013C 37A18BF9")
        );
    }

    /// Spec vector 9.
    #[test]
    fn kat9_write_config_sha1_30s() {
        let c = TokenConfig {
            hmac: TokenHmac::Sha1,
            step: TokenStep::Secs30,
            display_timeout: DisplayTimeout::S30,
        };
        assert_eq!(
            write_config(&DeviceKey::family_default(), &c, 1_700_000_000),
            hex("84D4000017 81111F01010F046553F10086060A01010D011E 4FFDC288")
        );
    }

    #[test]
    fn command_sizes_stay_within_the_spec() {
        let k = DeviceKey::family_default();
        assert_eq!(write_seed(&k, &seed(vec![7; 63])).len(), 73);
        assert_eq!(write_seed(&k, &seed(vec![7; 48]))[4], 0x44);
        assert_eq!(write_seed(&k, &seed(vec![7; 1]))[4], 0x14);
    }
}
