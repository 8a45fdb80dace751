//! Property: any seed of 1..=63 bytes burned through the session into the
//! simulator gives the same codes as computing them from the original seed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::*;

use kiln_core::params::{DisplayTimeout, TokenConfig, TokenHmac, TokenStep};
use kiln_core::session::{BurnSession, Outcome};
use kiln_core::totp;
use proptest::prelude::*;

fn config() -> impl Strategy<Value = TokenConfig> {
    (
        prop_oneof![Just(TokenHmac::Sha1), Just(TokenHmac::Sha256)],
        prop_oneof![Just(TokenStep::Secs30), Just(TokenStep::Secs60)],
        prop_oneof![
            Just(DisplayTimeout::S15),
            Just(DisplayTimeout::S30),
            Just(DisplayTimeout::S60),
            Just(DisplayTimeout::S120)
        ],
    )
        .prop_map(|(hmac, step, display_timeout)| TokenConfig {
            hmac,
            step,
            display_timeout,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn burned_seed_gives_the_original_codes(
        seed_bytes in proptest::collection::vec(any::<u8>(), 1..=63),
        cfg in config(),
        restricted in any::<bool>(),
        times in proptest::collection::vec(0u64..4_000_000_000, 4),
    ) {
        let serial = if restricted { "86596010000001" } else { "86596000000001" };
        let (mut l, mut c) = link(serial_cfg(serial));
        let out = run(&mut BurnSession::new(request(&seed_bytes, cfg)), &mut l, &mut c);
        let Outcome::Burned(r) = out else { return Err(TestCaseError::fail(format!("{out:?}"))) };
        let card = l.card();
        prop_assert_eq!(card.seed(), Some(seed_bytes.as_slice()));
        for t in times {
            let direct = totp::code(&seed_bytes, cfg.hmac.algorithm(), 6, cfg.step.seconds(), t).unwrap();
            prop_assert_eq!(card.code_at(t), Some(totp::format_code(direct, 6)));
        }
        for e in &r.expected_codes {
            prop_assert_eq!(card.code_at(e.from_unix), Some(e.code.clone()));
        }
    }
}
