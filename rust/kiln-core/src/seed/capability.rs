//! The capability check: whether this token family can take a [`SeedSpec`]
//! (HMAC, time step, code length, seed length) and, if so, the
//! [`TokenProgram`] to write. Nothing needs to be sent to a token to find out.

use super::{AlgorithmSpec, Problem, SeedSpec};
use crate::params::{
    SeedLengthError, TokenHmac, TokenSeed, TokenStep, MAX_SEED_BYTES, TOKEN_DIGITS,
};

/// What to write to a token: a seed, HMAC and step the token family accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenProgram {
    pub seed: TokenSeed,
    pub hmac: TokenHmac,
    pub step: TokenStep,
}

impl SeedSpec {
    /// Everything that keeps this seed off a token, each a plain sentence via
    /// `Display`. Empty means burnable.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = self.read_problems.clone();
        match &self.algorithm {
            AlgorithmSpec::Known(a) if TokenHmac::from_algorithm(*a).is_some() => {}
            AlgorithmSpec::Known(a) => out.push(Problem::Algorithm {
                name: a.as_str().to_string(),
            }),
            AlgorithmSpec::Unsupported(name) => {
                if !out.iter().any(|p| p.is_about_parameter("algorithm")) {
                    out.push(Problem::Algorithm { name: name.clone() });
                }
            }
        }
        if self.digits != TOKEN_DIGITS {
            out.push(Problem::Digits {
                digits: self.digits,
            });
        }
        if TokenStep::from_seconds(self.period).is_none() {
            out.push(Problem::Period {
                seconds: self.period,
            });
        }
        match self.secret.len() {
            0 => out.push(Problem::Seed(SeedLengthError::Empty)),
            n if n > MAX_SEED_BYTES => {
                out.push(Problem::Seed(SeedLengthError::TooLong { bytes: n }))
            }
            _ => {}
        }
        out
    }

    pub fn is_burnable(&self) -> bool {
        self.problems().is_empty()
    }

    /// The capability check: what to write to a token, or every reason it cannot
    /// take this seed. Nothing needs to be sent to a token to find out.
    pub fn token_program(&self) -> Result<TokenProgram, Vec<Problem>> {
        let problems = self.problems();
        if !problems.is_empty() {
            return Err(problems);
        }
        let hmac = self
            .algorithm
            .known()
            .and_then(TokenHmac::from_algorithm)
            .ok_or_else(|| {
                vec![Problem::Algorithm {
                    name: self.algorithm.to_string(),
                }]
            })?;
        let step = TokenStep::from_seconds(self.period).ok_or_else(|| {
            vec![Problem::Period {
                seconds: self.period,
            }]
        })?;
        let seed = TokenSeed::new(self.secret.clone()).map_err(|e| vec![Problem::Seed(e)])?;
        Ok(TokenProgram { seed, hmac, step })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::seed::{parse_input, SeedInput};

    fn totp(input: &str) -> SeedSpec {
        match parse_input(input) {
            SeedInput::Totp(s) => s,
            other => panic!("expected totp for {input:?}, got {}", other.kind()),
        }
    }

    #[test]
    fn capability_check_names_each_problem() {
        let spec = totp(
            "otpauth://totp/ACME:bob?secret=JBSWY3DPEHPK3PXP&digits=8&period=45&algorithm=SHA512",
        );
        let problems = spec.token_program().unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(text.contains(
            &"this service asks for 8-digit codes; these tokens always show 6".to_string()
        ));
        assert!(text.iter().any(|t| t.contains("SHA512")));
        assert!(text.iter().any(|t| t.contains("every 45 s")));
        assert_eq!(problems.len(), 3);
        assert!(!spec.is_burnable());
    }

    #[test]
    fn capability_check_accepts_the_token_family() {
        for (alg, period, hmac, step) in [
            ("SHA1", 30, TokenHmac::Sha1, TokenStep::Secs30),
            ("SHA256", 60, TokenHmac::Sha256, TokenStep::Secs60),
        ] {
            let spec = totp(&format!(
                "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&algorithm={alg}&period={period}"
            ));
            let prog = spec.token_program().unwrap();
            assert_eq!(prog.hmac, hmac);
            assert_eq!(prog.step, step);
            assert_eq!(prog.seed.expose(), b"Hello!\xDE\xAD\xBE\xEF");
        }
    }

    #[test]
    fn seed_length_limits() {
        let ok = data_encoding::BASE32_NOPAD.encode(&[7u8; 63]);
        assert!(totp(&ok).is_burnable());
        let long = data_encoding::BASE32_NOPAD.encode(&[7u8; 64]);
        let spec = totp(&long);
        assert_eq!(
            spec.problems(),
            vec![Problem::Seed(SeedLengthError::TooLong { bytes: 64 })]
        );
        assert!(spec.problems()[0].to_string().contains("at most 63 bytes"));
    }
}
