//! The simulated token.

use kiln_core::params::{DisplayTimeout, TokenConfig, TokenHmac, TokenStep};
use kiln_core::proto::apdu::{
    CONFIG_TLV_LEN, INS_EXTERNAL_AUTHENTICATE, INS_GET_CHALLENGE, INS_GET_INFO, INS_WRITE_CONFIG,
    INS_WRITE_SEED,
};
use kiln_core::proto::crypto::{unpad_seed, BLOCK};
use kiln_core::proto::response::encode_info;
use kiln_core::proto::{DeviceKey, Model, Serial, StatusWord, SyncClass, TokenInfo};
use kiln_core::secret::SecretBytes;
use kiln_core::time::{UnixMicros, MICROS_PER_SEC};
use kiln_core::totp;
use zeroize::Zeroizing;

/// How to build a simulated token.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Serial (ASCII). The model and, by default, the sync class follow the registry.
    pub serial: String,
    /// Overrides the registry's sync class (unknown serials default to restricted).
    pub sync: Option<SyncClass>,
    /// The device key the token accepts.
    pub key: DeviceKey,
    /// Token clock minus true time at creation, microseconds.
    pub clock_offset_us: i64,
    /// RTC rate error in parts per million (positive: runs fast).
    pub drift_ppm: f64,
    /// `Some(n)`: wrong keys answer `63 Cx` with tries left, and the key locks
    /// (`69 83` forever) after `n` failures. `None`: wrong keys answer `69 83`.
    pub lockout_tries: Option<u8>,
    /// Seed of the challenge generator (deterministic tests).
    pub rng_seed: u64,
    /// A seed already on the token (e.g. from the factory or an earlier burn).
    pub initial_seed: Option<Vec<u8>>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            serial: "86596220000001".into(),
            sync: None,
            key: DeviceKey::family_default(),
            clock_offset_us: 0,
            drift_ppm: 0.0,
            lockout_tries: None,
            rng_seed: 0x5EED_0FC0_FFEE,
            initial_seed: None,
        }
    }
}

/// One processed command (no data bytes): for tests and benchmarks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Processed {
    pub ins: u8,
    pub sw: StatusWord,
}

/// The simulated token.
pub struct SimToken {
    serial: Serial,
    sync: SyncClass,
    key: DeviceKey,
    drift_ppm: f64,
    /// RTC: token time = anchor_token + elapsed·(1 + ppm), elapsed since anchor_true.
    anchor_true: UnixMicros,
    anchor_token: UnixMicros,
    seed: Option<SecretBytes>,
    config: TokenConfig,
    powered: bool,
    challenge: Option<[u8; 8]>,
    authenticated: bool,
    lockout: Option<u8>,
    tries_left: Option<u8>,
    locked: bool,
    rng: u64,
    needs_power_cycle: bool,
    history: Vec<Processed>,
}

impl SimToken {
    /// A powered token whose clock reads `now + offset` at true time `now`.
    pub fn new(cfg: SimConfig, now: UnixMicros) -> Self {
        let serial = Serial::from(cfg.serial.as_str());
        let sync = cfg
            .sync
            .unwrap_or_else(|| Model::lookup(&serial).sync_class());
        Self {
            serial,
            sync,
            key: cfg.key,
            drift_ppm: cfg.drift_ppm,
            anchor_true: now,
            anchor_token: now.saturating_add(cfg.clock_offset_us),
            seed: cfg.initial_seed.map(SecretBytes::new),
            config: TokenConfig::default(),
            powered: true,
            challenge: None,
            authenticated: false,
            lockout: cfg.lockout_tries,
            tries_left: cfg.lockout_tries,
            locked: false,
            rng: cfg.rng_seed | 1,
            needs_power_cycle: false,
            history: Vec::new(),
        }
    }

    pub fn serial(&self) -> &Serial {
        &self.serial
    }

    pub fn sync_class(&self) -> SyncClass {
        self.sync
    }

    /// The token's own clock at `true_time`, microseconds.
    pub fn token_micros_at(&self, true_time: UnixMicros) -> i64 {
        let elapsed = true_time.saturating_sub(self.anchor_true);
        let skew = (elapsed as f64 * self.drift_ppm / 1e6) as i64;
        self.anchor_token
            .saturating_add(elapsed)
            .saturating_add(skew)
    }

    /// What GET INFO reports at `true_time`: the floor of the token's clock, in seconds.
    pub fn token_clock_at(&self, true_time: UnixMicros) -> u32 {
        let secs = self.token_micros_at(true_time).div_euclid(MICROS_PER_SEC);
        u32::try_from(secs.max(0)).unwrap_or(u32::MAX)
    }

    /// The stored seed, raw (tests only compare it).
    pub fn seed(&self) -> Option<&[u8]> {
        self.seed.as_ref().map(SecretBytes::expose)
    }

    pub fn config(&self) -> TokenConfig {
        self.config
    }

    pub fn is_authenticated(&self) -> bool {
        self.authenticated
    }

    pub fn is_locked(&self) -> bool {
        self.locked
    }

    pub fn tries_left(&self) -> Option<u8> {
        self.tries_left
    }

    /// Every command processed, in order.
    pub fn history(&self) -> &[Processed] {
        &self.history
    }

    /// The code the stored seed and config give at Unix time `unix` (token
    /// time), or `None` without a seed.
    pub fn code_at(&self, unix: u64) -> Option<String> {
        let seed = self.seed.as_ref()?;
        let period = self.config.step.seconds();
        let c = totp::code(seed.expose(), self.config.hmac.algorithm(), 6, period, unix).ok()?;
        Some(totp::format_code(c, 6))
    }

    /// The code on the display at `true_time` (by the token's own clock), or
    /// `None` without a seed or before the power cycle that follows a seed write.
    pub fn displayed_code(&self, true_time: UnixMicros) -> Option<String> {
        if self.needs_power_cycle {
            return None;
        }
        self.code_at(u64::from(self.token_clock_at(true_time)))
    }

    /// The user switches the token off (RAM state is lost).
    pub fn power_off(&mut self) {
        self.powered = false;
        self.clear_ram();
        self.needs_power_cycle = false;
    }

    /// The user switches the token on.
    pub fn power_on(&mut self) {
        self.powered = true;
    }

    /// The reader's field went away: the authentication and challenge are lost.
    pub fn field_lost(&mut self) {
        self.clear_ram();
    }

    pub fn is_powered(&self) -> bool {
        self.powered
    }

    fn clear_ram(&mut self) {
        self.challenge = None;
        self.authenticated = false;
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Processes one command APDU at `true_time`; returns data ‖ SW. A token
    /// that is switched off does not answer (empty response).
    pub fn process(&mut self, apdu: &[u8], true_time: UnixMicros) -> Vec<u8> {
        if !self.powered {
            return Vec::new();
        }
        let (data, sw) = self.dispatch(apdu, true_time);
        self.history.push(Processed {
            ins: apdu.get(1).copied().unwrap_or(0),
            sw,
        });
        let mut out = data;
        out.extend_from_slice(&sw.to_bytes());
        out
    }

    fn dispatch(&mut self, apdu: &[u8], true_time: UnixMicros) -> (Vec<u8>, StatusWord) {
        let no_data = |sw| (Vec::new(), sw);
        let [cla, ins, p1, p2, rest @ ..] = apdu else {
            return no_data(StatusWord::WrongLength);
        };
        if !matches!(cla, 0x80 | 0x84) {
            return no_data(StatusWord::ClaNotSupported);
        }
        let expected_cla = match *ins {
            INS_GET_INFO | INS_GET_CHALLENGE | INS_EXTERNAL_AUTHENTICATE => 0x80,
            INS_WRITE_CONFIG | INS_WRITE_SEED => 0x84,
            _ => return no_data(StatusWord::InsNotSupported),
        };
        if *cla != expected_cla {
            return no_data(StatusWord::ClaNotSupported);
        }
        match (*ins, *p1, *p2) {
            (INS_GET_INFO, 0x00, 0x00) => self.get_info(rest, true_time),
            (INS_GET_CHALLENGE, 0x08, 0x00) => no_data_or(self.get_challenge(rest)),
            (INS_EXTERNAL_AUTHENTICATE, 0x00, 0x00) => no_data(self.external_authenticate(rest)),
            (INS_WRITE_CONFIG, 0x00, 0x00) => no_data(self.write_config(rest, true_time)),
            (INS_WRITE_SEED, 0x01, 0x00) => no_data(self.write_seed(rest)),
            _ => no_data(StatusWord::BadData),
        }
    }

    fn get_info(&mut self, body: &[u8], true_time: UnixMicros) -> (Vec<u8>, StatusWord) {
        match body {
            [0x02, 0x02, 0x11] => {
                let info = TokenInfo {
                    serial: self.serial.clone(),
                    clock: self.token_clock_at(true_time),
                    opaque_head: [0x02, 0x14, 0x01],
                    opaque_mid: [0x11, 0x04],
                };
                (encode_info(&info), StatusWord::Success)
            }
            [0x02, _, _] => (Vec::new(), StatusWord::BadData),
            _ => (Vec::new(), StatusWord::WrongLength),
        }
    }

    fn get_challenge(&mut self, body: &[u8]) -> Result<[u8; 8], StatusWord> {
        // Case 3 `.. 01 00` as specified; the case-2 form `.. 00` also works.
        if !matches!(body, [0x01, 0x00] | [0x00]) {
            return Err(StatusWord::WrongLength);
        }
        let ch = self.next_random().to_be_bytes();
        self.authenticated = false;
        self.challenge = Some(ch);
        Ok(ch)
    }

    fn external_authenticate(&mut self, body: &[u8]) -> StatusWord {
        let [0x10, answer @ ..] = body else {
            return StatusWord::WrongLength;
        };
        if answer.len() != BLOCK {
            return StatusWord::WrongLength;
        }
        let Some(ch) = self.challenge.take() else {
            return StatusWord::BadData;
        };
        if self.locked {
            return StatusWord::AuthRefused;
        }
        let mut expected = [0u8; BLOCK];
        for (e, c) in expected.iter_mut().zip(ch) {
            *e = c;
        }
        self.key.encrypt_ecb(&mut expected);
        if expected == answer {
            self.authenticated = true;
            self.tries_left = self.lockout;
            return StatusWord::Success;
        }
        match self.tries_left {
            None => StatusWord::AuthRefused,
            Some(n) => {
                let left = n.saturating_sub(1);
                self.tries_left = Some(left);
                if left == 0 {
                    self.locked = true;
                }
                StatusWord::WrongKey(0xC0 | (left & 0x0F))
            }
        }
    }

    /// Checks `Lc ‖ body ‖ MAC` of a CLA 84 command: lengths, auth, MAC. Returns the body.
    fn check_secure<'a>(&self, ins: u8, p1: u8, rest: &'a [u8]) -> Result<&'a [u8], StatusWord> {
        let [lc, payload @ ..] = rest else {
            return Err(StatusWord::WrongLength);
        };
        if usize::from(*lc) != payload.len() || payload.len() < 4 {
            return Err(StatusWord::WrongLength);
        }
        if !self.authenticated {
            return Err(StatusWord::AuthRefused);
        }
        let (body, mac) = payload.split_at(payload.len() - 4);
        let body_len = u8::try_from(body.len()).map_err(|_| StatusWord::WrongLength)?;
        if self.key.mac([0x80, ins, p1, 0x00, body_len], body) != mac {
            return Err(StatusWord::AuthRefused);
        }
        Ok(body)
    }

    fn write_config(&mut self, rest: &[u8], true_time: UnixMicros) -> StatusWord {
        if rest.first() != Some(&((CONFIG_TLV_LEN + 4) as u8)) {
            return StatusWord::WrongLength;
        }
        let body = match self.check_secure(INS_WRITE_CONFIG, 0x00, rest) {
            Ok(b) => b,
            Err(sw) => return sw,
        };
        let [0x81, 0x11, 0x1F, 0x01, dd, 0x0F, 0x04, t0, t1, t2, t3, 0x86, 0x06, 0x0A, 0x01, aa, 0x0D, 0x01, ss] =
            *body
        else {
            return StatusWord::BadData;
        };
        let (Some(display_timeout), Some(hmac), Some(step)) = (
            DisplayTimeout::from_wire(dd),
            TokenHmac::from_wire(aa),
            TokenStep::from_seconds(u64::from(ss)),
        ) else {
            return StatusWord::BadData;
        };
        let t = u32::from_be_bytes([t0, t1, t2, t3]);
        self.anchor_true = true_time;
        self.anchor_token = i64::from(t) * MICROS_PER_SEC;
        self.config = TokenConfig {
            hmac,
            step,
            display_timeout,
        };
        if self.sync == SyncClass::Restricted {
            self.seed = None;
        }
        StatusWord::Success
    }

    fn write_seed(&mut self, rest: &[u8]) -> StatusWord {
        if !matches!(rest.first(), Some(0x14 | 0x24 | 0x34 | 0x44)) {
            return StatusWord::WrongLength;
        }
        let body = match self.check_secure(INS_WRITE_SEED, 0x01, rest) {
            Ok(b) => b,
            Err(sw) => return sw,
        };
        let mut plain = Zeroizing::new(body.to_vec());
        self.key.decrypt_ecb(&mut plain);
        match unpad_seed(&plain) {
            Some(seed) if !seed.is_empty() && seed.len() <= 63 => {
                self.seed = Some(SecretBytes::from_slice(seed));
                self.needs_power_cycle = true;
                StatusWord::Success
            }
            _ => StatusWord::BadData,
        }
    }
}

fn no_data_or(r: Result<[u8; 8], StatusWord>) -> (Vec<u8>, StatusWord) {
    match r {
        Ok(ch) => (ch.to_vec(), StatusWord::Success),
        Err(sw) => (Vec::new(), sw),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use kiln_core::params::TokenSeed;
    use kiln_core::proto::apdu;
    use kiln_core::proto::Challenge;

    const T: UnixMicros = 1_700_000_000_000_000;

    fn sw(r: &[u8]) -> u16 {
        u16::from_be_bytes([r[r.len() - 2], r[r.len() - 1]])
    }

    fn auth(card: &mut SimToken, key: &DeviceKey) -> u16 {
        let r = card.process(&apdu::GET_CHALLENGE, T);
        let ch = Challenge::from_bytes(r[..8].try_into().unwrap());
        sw(&card.process(&apdu::external_authenticate(key, &ch), T))
    }

    #[test]
    fn unknown_and_probing_commands_are_refused() {
        let mut c = SimToken::new(SimConfig::default(), T);
        assert_eq!(sw(&c.process(&[0x00, 0xA4, 0x04, 0x00, 0x00], T)), 0x6E00);
        assert_eq!(sw(&c.process(&[0x80, 0xA4, 0x04, 0x00, 0x00], T)), 0x6D00);
        assert_eq!(
            sw(&c.process(&[0x84, 0x41, 0x00, 0x00, 0x02, 0x02, 0x11], T)),
            0x6E00
        );
        assert_eq!(sw(&c.process(&[0x80], T)), 0x6700);
        assert_eq!(
            sw(&c.process(&[0x80, 0x41, 0x00, 0x00, 0x02, 0x02, 0x11, 0x00], T)),
            0x6700
        );
    }

    #[test]
    fn writes_need_auth_and_a_good_mac() {
        let k = DeviceKey::family_default();
        let mut c = SimToken::new(SimConfig::default(), T);
        let cfg = TokenConfig::default();
        assert_eq!(sw(&c.process(&apdu::write_config(&k, &cfg, 1), T)), 0x6983);
        // EXTERNAL AUTHENTICATE without a challenge.
        let ch = Challenge::from_bytes([0; 8]);
        assert_eq!(
            sw(&c.process(&apdu::external_authenticate(&k, &ch), T)),
            0x6A80
        );
        assert_eq!(auth(&mut c, &k), 0x9000);
        let mut bad = apdu::write_config(&k, &cfg, 1_700_000_000);
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(sw(&c.process(&bad, T)), 0x6983);
        assert_eq!(
            sw(&c.process(&apdu::write_config(&k, &cfg, 1_700_000_000), T)),
            0x9000
        );
        // A new challenge cancels the authentication.
        c.process(&apdu::GET_CHALLENGE, T);
        assert_eq!(
            sw(&c.process(&apdu::write_config(&k, &cfg, 1_700_000_000), T)),
            0x6983
        );
    }

    #[test]
    fn restricted_config_write_erases_the_seed_unrestricted_keeps_it() {
        let k = DeviceKey::family_default();
        for (serial, keeps) in [("86596220000001", false), ("86596320000001", true)] {
            let mut c = SimToken::new(
                SimConfig {
                    serial: serial.into(),
                    initial_seed: Some(vec![1; 20]),
                    ..SimConfig::default()
                },
                T,
            );
            assert_eq!(auth(&mut c, &k), 0x9000);
            c.process(
                &apdu::write_config(&k, &TokenConfig::default(), 1_700_000_100),
                T,
            );
            assert_eq!(c.seed().is_some(), keeps, "{serial}");
            assert_eq!(c.token_clock_at(T + 2_500_000), 1_700_000_102);
        }
    }

    #[test]
    fn lockout_counts_down_and_locks() {
        let good = DeviceKey::family_default();
        let bad = DeviceKey::from_bytes([7; 16]);
        let mut c = SimToken::new(
            SimConfig {
                lockout_tries: Some(3),
                ..SimConfig::default()
            },
            T,
        );
        assert_eq!(auth(&mut c, &bad), 0x63C2);
        assert_eq!(auth(&mut c, &good), 0x9000);
        assert_eq!(c.tries_left(), Some(3));
        assert_eq!(auth(&mut c, &bad), 0x63C2);
        assert_eq!(auth(&mut c, &bad), 0x63C1);
        assert_eq!(auth(&mut c, &bad), 0x63C0);
        assert!(c.is_locked());
        assert_eq!(auth(&mut c, &good), 0x6983);
    }

    #[test]
    fn seed_padding_is_checked() {
        let k = DeviceKey::family_default();
        let mut c = SimToken::new(SimConfig::default(), T);
        assert_eq!(auth(&mut c, &k), 0x9000);
        // 16 raw bytes without the marker block: bad padding.
        let mut ct = vec![0x42u8; 16];
        k.encrypt_ecb(&mut ct);
        let mac = k.mac([0x80, 0xC5, 0x01, 0x00, 0x10], &ct);
        let mut a = vec![0x84, 0xC5, 0x01, 0x00, 0x14];
        a.extend_from_slice(&ct);
        a.extend_from_slice(&mac);
        assert_eq!(sw(&c.process(&a, T)), 0x6A80);
        let seed = TokenSeed::new(SecretBytes::new(vec![0x42; 16])).unwrap();
        assert_eq!(sw(&c.process(&apdu::write_seed(&k, &seed), T)), 0x9000);
        assert_eq!(c.seed(), Some(&[0x42u8; 16][..]));
        assert_eq!(c.displayed_code(T), None, "needs a power cycle");
        c.power_off();
        c.power_on();
        assert_eq!(c.displayed_code(T), c.code_at(1_700_000_000));
    }

    #[test]
    fn rtc_drifts_by_ppm() {
        let c = SimToken::new(
            SimConfig {
                clock_offset_us: 3_400_000,
                drift_ppm: 10.0,
                ..SimConfig::default()
            },
            T,
        );
        assert_eq!(c.token_clock_at(T), 1_700_000_003);
        // 10 ppm over 1e6 s = 10 s.
        assert_eq!(c.token_clock_at(T + 1_000_000_000_000), 1_701_000_013);
    }
}
