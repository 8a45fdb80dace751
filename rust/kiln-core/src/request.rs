//! From what the user brought and chose to what a session needs: the one place
//! that turns a parsed seed plus the user's settings into a [`BurnRequest`], and
//! the settings of a clock sync into a [`TokenConfig`]. Every front end (the
//! CLI, the app) calls these, so a setting the tokens cannot take is refused
//! with the same typed error ([`ParamError`]) and the same sentence everywhere.
//!
//! The order of the checks is the order a user should hear about them: first
//! the settings alone (they are wrong whatever the seed, see
//! [`BurnChoices::check`]), then the seed with the overrides applied.
//!
//! Overrides replace what the service's link states. Whether an override that
//! contradicts the link is allowed is the front end's question to ask (the CLI
//! asks, or wants `--force-mismatch`); the builder applies what it is given.

use crate::clock::Reference;
use crate::params::{
    Algorithm, DisplayTimeout, ParamError, TokenConfig, TokenHmac, TokenStep, TOKEN_DIGITS,
};
use crate::proto::UnknownModelPolicy;
use crate::seed::{Problem, SeedSpec};
use crate::session::BurnRequest;

/// What the user chose for a burn, besides the seed.
#[derive(Clone, Debug)]
pub struct BurnChoices {
    /// Replaces the algorithm the seed states (`None`: keep it).
    pub algorithm: Option<Algorithm>,
    /// Replaces the code length the seed states (`None`: keep it).
    pub digits: Option<u32>,
    /// Replaces the time step the seed states, in seconds (`None`: keep it).
    pub period: Option<u64>,
    /// Display auto-off in seconds: one of [`DisplayTimeout::ALL`].
    pub display_timeout_secs: u32,
    /// `true`: set the token clock to the reference; `false`: keep its time.
    pub sync_clock: bool,
    /// What to do with a token of unknown model.
    pub unknown_model: UnknownModelPolicy,
    /// The clock the caller's timestamps come from, and whether it is trusted.
    pub reference: Reference,
}

impl BurnChoices {
    /// No overrides, a 30 s display timeout, the clock set to `reference`, and
    /// tokens of unknown model only read.
    pub fn new(reference: Reference) -> Self {
        Self {
            algorithm: None,
            digits: None,
            period: None,
            display_timeout_secs: DisplayTimeout::default().seconds(),
            sync_clock: true,
            unknown_model: UnknownModelPolicy::ReadOnly,
            reference,
        }
    }

    /// The settings alone, before any seed is read: the overrides and the
    /// display timeout the tokens cannot take, whatever the seed. The first
    /// one wrong is reported, in the order digits, algorithm, period, display
    /// timeout.
    pub fn check(&self) -> Result<DisplayTimeout, ParamError> {
        if let Some(digits) = self.digits.filter(|&d| d != TOKEN_DIGITS) {
            return Err(ParamError::Digits { digits });
        }
        if let Some(a) = self.algorithm {
            TokenHmac::try_from(a)?;
        }
        if let Some(p) = self.period {
            TokenStep::try_from(p)?;
        }
        DisplayTimeout::try_from(self.display_timeout_secs)
    }
}

/// A burn ready to run: the request, and the seed as it will be burned (the
/// overrides applied), for the front end to show its name and warnings.
#[derive(Clone, Debug)]
pub struct PreparedBurn {
    pub spec: SeedSpec,
    pub request: BurnRequest,
}

/// Why a burn or a sync cannot be prepared. Each displays as one sentence.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// A setting the tokens cannot take, whatever the seed (a usage error).
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The seed, with the overrides applied, cannot go on these tokens; every
    /// reason is listed.
    #[error("this seed cannot go on these tokens: {}", join(.0))]
    Seed(Vec<Problem>),
    /// A sync needs the algorithm and time step the token is set to; it cannot
    /// report them, and they were neither given nor remembered.
    #[error(
        "the token's algorithm and time step are unknown (a token cannot report them): \
         give them as the service's QR code says"
    )]
    SettingsUnknown,
}

fn join(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The one burn builder: checks the choices ([`BurnChoices::check`]), applies
/// the overrides to `spec`, runs the capability check and assembles the
/// [`BurnRequest`] (seed, HMAC, step, display timeout, unknown-model policy,
/// reference, clock choice). Nothing is sent anywhere.
pub fn burn_request(
    mut spec: SeedSpec,
    choices: &BurnChoices,
) -> Result<PreparedBurn, RequestError> {
    let display_timeout = choices.check()?;
    spec.override_params(choices.algorithm, choices.digits, choices.period);
    let program = spec.token_program().map_err(RequestError::Seed)?;
    let request = BurnRequest {
        seed: program.seed,
        config: TokenConfig {
            hmac: program.hmac,
            step: program.step,
            display_timeout,
        },
        unknown_model: choices.unknown_model.clone(),
        reference: choices.reference,
        sync_clock: choices.sync_clock,
        confirm: crate::session::Confirm::Precise,
    };
    Ok(PreparedBurn { spec, request })
}

/// The settings a clock sync rewrites (a clock write always sets them too),
/// as far as the user gave them. `None`: not given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncChoices {
    pub algorithm: Option<Algorithm>,
    /// Time step in seconds.
    pub period: Option<u64>,
    pub display_timeout_secs: Option<u32>,
}

/// [`SyncChoices`] checked: each given setting is one the tokens take.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncSettings {
    pub hmac: Option<TokenHmac>,
    pub step: Option<TokenStep>,
    pub display_timeout: Option<DisplayTimeout>,
}

impl SyncChoices {
    /// Checks each given setting, before any token is touched. The first one
    /// wrong is reported, in the order algorithm, period, display timeout.
    pub fn check(&self) -> Result<SyncSettings, ParamError> {
        Ok(SyncSettings {
            hmac: self.algorithm.map(TokenHmac::try_from).transpose()?,
            step: self.period.map(TokenStep::try_from).transpose()?,
            display_timeout: self
                .display_timeout_secs
                .map(DisplayTimeout::try_from)
                .transpose()?,
        })
    }
}

impl SyncSettings {
    /// The full configuration: what was given, else what was `remembered` for
    /// this token (e.g. from its burn); a display timeout neither given nor
    /// remembered is the default (30 s). Algorithm and time step have no
    /// default: [`RequestError::SettingsUnknown`].
    pub fn config(&self, remembered: Option<&TokenConfig>) -> Result<TokenConfig, RequestError> {
        let (Some(hmac), Some(step)) = (
            self.hmac.or(remembered.map(|r| r.hmac)),
            self.step.or(remembered.map(|r| r.step)),
        ) else {
            return Err(RequestError::SettingsUnknown);
        };
        Ok(TokenConfig {
            hmac,
            step,
            display_timeout: self
                .display_timeout
                .or(remembered.map(|r| r.display_timeout))
                .unwrap_or_default(),
        })
    }
}

/// The configuration for a sync whose every setting is given (the app asks for
/// all three): algorithm by name (`SHA1`, `sha256`, `HmacSHA1` …), time step
/// and display timeout in seconds.
pub fn sync_config(
    algorithm: &str,
    period_secs: u64,
    display_timeout_secs: u32,
) -> Result<TokenConfig, ParamError> {
    Ok(TokenConfig {
        hmac: TokenHmac::try_from(algorithm)?,
        step: TokenStep::try_from(period_secs)?,
        display_timeout: DisplayTimeout::try_from(display_timeout_secs)?,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::clock::ReferenceSource;
    use crate::proto::KeyChoice;
    use crate::seed::{parse_input, SeedInput, Warning};

    const LINK: &str = "otpauth://totp/ACME:bob?secret=JBSWY3DPEHPK3PXP";
    const TYPED: &str = "JBSWY3DPEHPK3PXP";

    fn spec(text: &str) -> SeedSpec {
        match parse_input(text) {
            SeedInput::Totp(s) => s,
            other => panic!("expected one seed, got {}", other.kind()),
        }
    }

    fn choices() -> BurnChoices {
        BurnChoices::new(Reference::trusted(ReferenceSource::System))
    }

    #[test]
    fn a_burnable_seed_becomes_a_request_with_every_choice() {
        let c = BurnChoices {
            display_timeout_secs: 120,
            sync_clock: false,
            unknown_model: UnknownModelPolicy::Program(KeyChoice::FamilyDefault),
            ..choices()
        };
        let b = burn_request(spec(LINK), &c).unwrap();
        let r = &b.request;
        assert_eq!(r.seed.expose(), b"Hello!\xDE\xAD\xBE\xEF");
        assert_eq!(
            r.config,
            TokenConfig {
                hmac: TokenHmac::Sha1,
                step: TokenStep::Secs30,
                display_timeout: DisplayTimeout::S120,
            }
        );
        assert!(!r.sync_clock);
        assert_eq!(
            r.unknown_model,
            UnknownModelPolicy::Program(KeyChoice::FamilyDefault)
        );
        assert_eq!(r.reference, c.reference);
        assert_eq!(b.spec.issuer(), Some("ACME"));
        // The defaults: 30 s display, clock set, unknown models only read.
        let r = burn_request(spec(LINK), &choices()).unwrap().request;
        assert_eq!(r.config.display_timeout, DisplayTimeout::S30);
        assert!(r.sync_clock);
        assert_eq!(r.unknown_model, UnknownModelPolicy::ReadOnly);
    }

    #[test]
    fn overrides_are_applied_to_the_request_and_the_spec() {
        let c = BurnChoices {
            algorithm: Some(Algorithm::Sha256),
            digits: Some(6),
            period: Some(60),
            ..choices()
        };
        let b = burn_request(spec(TYPED), &c).unwrap();
        assert_eq!(b.request.config.hmac, TokenHmac::Sha256);
        assert_eq!(b.request.config.step, TokenStep::Secs60);
        assert_eq!(b.spec.period(), 60);
        // Every setting given: nothing was assumed any more.
        assert!(!b.spec.warnings().contains(&Warning::AssumedDefaults));
        // An override can also make a seed burnable (a link asking for 45 s).
        let odd = spec("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&period=45");
        assert!(burn_request(odd.clone(), &choices()).is_err());
        let fixed = BurnChoices {
            period: Some(30),
            ..choices()
        };
        assert_eq!(
            burn_request(odd, &fixed).unwrap().request.config.step,
            TokenStep::Secs30
        );
    }

    #[test]
    fn each_setting_the_tokens_cannot_take_is_refused_before_the_seed() {
        // The seed cannot go on a token either: the setting is named first.
        let bad_seed = spec("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&algorithm=SHA512");
        let cases = [
            (
                BurnChoices {
                    display_timeout_secs: 45,
                    ..choices()
                },
                ParamError::DisplayTimeout { seconds: 45 },
            ),
            (
                BurnChoices {
                    period: Some(45),
                    ..choices()
                },
                ParamError::Step { seconds: 45 },
            ),
            (
                BurnChoices {
                    algorithm: Some(Algorithm::Sha512),
                    ..choices()
                },
                ParamError::Hmac {
                    name: "SHA512".into(),
                },
            ),
            (
                BurnChoices {
                    digits: Some(8),
                    ..choices()
                },
                ParamError::Digits { digits: 8 },
            ),
        ];
        for (c, want) in cases {
            assert_eq!(c.check(), Err(want.clone()));
            let err = burn_request(bad_seed.clone(), &c).unwrap_err();
            assert_eq!(err, RequestError::Param(want.clone()));
            assert_eq!(err.to_string(), want.to_string());
        }
        // Several wrong: the first in a fixed order.
        let c = BurnChoices {
            digits: Some(8),
            display_timeout_secs: 45,
            ..choices()
        };
        assert_eq!(c.check(), Err(ParamError::Digits { digits: 8 }));
        assert_eq!(choices().check(), Ok(DisplayTimeout::S30));
    }

    #[test]
    fn a_seed_the_tokens_cannot_take_lists_every_reason_in_one_sentence() {
        let s =
            spec("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&digits=8&period=45&algorithm=SHA512");
        let err = burn_request(s, &choices()).unwrap_err();
        let RequestError::Seed(problems) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(problems.len(), 3);
        let msg = err.to_string();
        assert!(
            msg.starts_with("this seed cannot go on these tokens: "),
            "{msg}"
        );
        assert!(
            msg.contains("this service asks for 8-digit codes; these tokens always show 6"),
            "{msg}"
        );
        assert!(
            msg.contains("SHA512") && msg.contains("every 45 s"),
            "{msg}"
        );
        // A seed too long for the token.
        let long = data_encoding::BASE32_NOPAD.encode(&[7u8; 64]);
        let msg = burn_request(spec(&long), &choices())
            .unwrap_err()
            .to_string();
        assert!(msg.contains("at most 63 bytes"), "{msg}");
    }

    #[test]
    fn sync_settings_come_from_the_user_else_from_memory() {
        let given = SyncChoices {
            algorithm: Some(Algorithm::Sha256),
            period: Some(60),
            display_timeout_secs: Some(15),
        }
        .check()
        .unwrap();
        assert_eq!(
            given.config(None),
            Ok(TokenConfig {
                hmac: TokenHmac::Sha256,
                step: TokenStep::Secs60,
                display_timeout: DisplayTimeout::S15,
            })
        );
        let remembered = TokenConfig {
            hmac: TokenHmac::Sha256,
            step: TokenStep::Secs60,
            display_timeout: DisplayTimeout::S120,
        };
        let nothing = SyncChoices::default().check().unwrap();
        assert_eq!(nothing.config(Some(&remembered)), Ok(remembered));
        assert_eq!(nothing.config(None), Err(RequestError::SettingsUnknown));
        // Given settings win; a display timeout known nowhere is 30 s.
        let algorithm_only = SyncChoices {
            algorithm: Some(Algorithm::Sha1),
            period: Some(30),
            ..SyncChoices::default()
        }
        .check()
        .unwrap();
        let c = algorithm_only.config(Some(&remembered)).unwrap();
        assert_eq!(
            (c.hmac, c.step, c.display_timeout),
            (TokenHmac::Sha1, TokenStep::Secs30, DisplayTimeout::S120)
        );
        assert_eq!(
            algorithm_only.config(None).unwrap().display_timeout,
            DisplayTimeout::S30
        );
        let half = SyncChoices {
            period: Some(30),
            ..SyncChoices::default()
        };
        assert_eq!(
            half.check().unwrap().config(None),
            Err(RequestError::SettingsUnknown)
        );
        assert!(RequestError::SettingsUnknown
            .to_string()
            .contains("cannot report them"));
    }

    #[test]
    fn each_sync_setting_the_tokens_cannot_take_is_refused() {
        let refused = |c: SyncChoices| c.check().unwrap_err();
        assert_eq!(
            refused(SyncChoices {
                algorithm: Some(Algorithm::Sha512),
                ..SyncChoices::default()
            }),
            ParamError::Hmac {
                name: "SHA512".into()
            }
        );
        assert_eq!(
            refused(SyncChoices {
                period: Some(45),
                ..SyncChoices::default()
            }),
            ParamError::Step { seconds: 45 }
        );
        assert_eq!(
            refused(SyncChoices {
                display_timeout_secs: Some(45),
                ..SyncChoices::default()
            }),
            ParamError::DisplayTimeout { seconds: 45 }
        );
    }

    #[test]
    fn a_fully_given_sync_config_reads_names_and_seconds() {
        assert_eq!(
            sync_config("HmacSHA256", 60, 120),
            Ok(TokenConfig {
                hmac: TokenHmac::Sha256,
                step: TokenStep::Secs60,
                display_timeout: DisplayTimeout::S120,
            })
        );
        assert_eq!(
            sync_config("SHA512", 30, 30),
            Err(ParamError::Hmac {
                name: "SHA512".into()
            })
        );
        assert_eq!(
            sync_config("MD5", 30, 30),
            Err(ParamError::Hmac { name: "MD5".into() })
        );
        assert_eq!(
            sync_config("SHA1", 0, 30),
            Err(ParamError::Step { seconds: 0 })
        );
        assert_eq!(
            sync_config("SHA1", 30, 45),
            Err(ParamError::DisplayTimeout { seconds: 45 })
        );
    }
}
