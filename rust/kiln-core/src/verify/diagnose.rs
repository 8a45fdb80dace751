//! Mismatch diagnosis: why a code read off a token (or rejected by a service)
//! differs from what the seed gives now.

use super::*;

/// Settings under which the observed code was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    pub algorithm: Algorithm,
    pub period: u64,
    /// The text encoding of the seed that matched (`None` for export accounts).
    pub encoding: Option<Encoding>,
    /// Steps between the matching code and "now", in the matching period
    /// (positive: the token is ahead).
    pub offset_steps: i64,
}

/// One reason the code differs from what the service expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The code is the one expected now.
    Match,
    /// The token clock is off: between `min_secs` and `max_secs` seconds
    /// (positive: ahead; negative: behind).
    Clock {
        offset_steps: i64,
        min_secs: i64,
        max_secs: i64,
    },
    /// The token runs another period than the service.
    Period { token: u64, service: u64 },
    /// The token runs another HMAC than the service.
    Algorithm {
        token: Algorithm,
        service: AlgorithmSpec,
    },
    /// The seed text was decoded in the wrong encoding when the token was programmed.
    Encoding { typed_as: Encoding, is: Encoding },
    /// The code read has another length than the service's codes.
    Digits { token: usize, service: u32 },
    /// No combination searched gives this code (`other_encoding`: the seed was
    /// also tried in the other text encoding).
    NoMatch {
        searched: usize,
        other_encoding: bool,
    },
}

impl Cause {
    /// The clock estimate in whole seconds (midpoint of the range).
    fn clock_estimate(min_secs: i64, max_secs: i64) -> i64 {
        let sum = min_secs.saturating_add(max_secs);
        // Round half away from zero.
        if sum >= 0 {
            sum.saturating_add(1) / 2
        } else {
            sum.saturating_sub(1) / 2
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Match => f.write_str("the code is correct for the current time"),
            Cause::Clock {
                offset_steps,
                min_secs,
                max_secs,
            } => {
                let est = Cause::clock_estimate(*min_secs, *max_secs);
                let dir = if est < 0 { "behind" } else { "ahead" };
                write!(f, "the token clock is about {} s {dir}", est.unsigned_abs())?;
                if offset_steps.unsigned_abs() == 1 {
                    f.write_str(
                        " (one step: the code may also have been read just as it changed; most services accept one step)",
                    )?;
                }
                Ok(())
            }
            Cause::Period { token, service } => write!(
                f,
                "the token is set to {token} s but the service uses {service} s"
            ),
            Cause::Algorithm { token, service } => write!(
                f,
                "the token is set to {token} but the service uses {service}"
            ),
            Cause::Encoding { typed_as, is } => {
                write!(f, "the seed was typed as {typed_as} but is {is}")
            }
            Cause::Digits { token, service } => write!(
                f,
                "the code has {token} digits but the service uses {service}-digit codes"
            ),
            Cause::NoMatch {
                searched,
                other_encoding,
            } => write!(
                f,
                "the code matches none of the {searched} settings tried (clock ±{SEARCH_STEPS} steps, SHA1/SHA256, 30/60 s{}): the token probably holds a different seed",
                if *other_encoding { ", seed as Base32 and as Hex" } else { "" }
            ),
        }
    }
}

/// The result of [`diagnose`]: the likely causes and the settings that matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnosis {
    pub causes: Vec<Cause>,
    /// Settings under which the code was found (`None`: no match).
    pub found: Option<Reading>,
    /// How many (encoding, algorithm, period, offset) combinations were tried.
    pub searched: usize,
}

impl Diagnosis {
    /// True when the code is exactly the one expected now.
    pub fn is_match(&self) -> bool {
        self.causes == [Cause::Match]
    }

    /// One plain sentence (no leading capital, no full stop).
    pub fn sentence(&self) -> String {
        let parts: Vec<String> = self.causes.iter().map(ToString::to_string).collect();
        parts.join(", and ")
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentence())
    }
}

/// Reads a code as typed: 6 to 8 digits, spaces and dashes ignored.
fn parse_code(observed: &str) -> Result<(u32, usize), VerifyError> {
    let digits: String = observed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let n = digits.len();
    if !(6..=8).contains(&n) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(VerifyError::BadCode);
    }
    let value = digits.parse::<u32>().map_err(|_| VerifyError::BadCode)?;
    Ok((value, n))
}

/// Explains why `observed` (the code read off the token, or rejected by the
/// service) differs from what `spec` gives at `unix_secs`.
///
/// Searches every combination of: the seed as read and (when its text is valid
/// in the other encoding) as the other encoding; the service's algorithm, SHA1
/// and SHA256; the service's period, 30 s and 60 s; ±[`SEARCH_STEPS`] steps.
/// The combination that changes the fewest settings wins, then the smallest
/// clock offset. At most 378 combinations are tried, so with 6-digit codes a
/// chance match happens in under 1 in 2,600 diagnoses.
pub fn diagnose(spec: &SeedSpec, observed: &str, unix_secs: u64) -> Result<Diagnosis, VerifyError> {
    let (value, len) = parse_code(observed)?;
    let digits = u8::try_from(len).map_err(|_| VerifyError::BadCode)?;
    let service_alg = spec.algorithm().clone();

    let mut algorithms: Vec<Algorithm> = Vec::with_capacity(3);
    if let Some(a) = service_alg.known() {
        algorithms.push(a);
    }
    for a in [Algorithm::Sha1, Algorithm::Sha256] {
        if !algorithms.contains(&a) {
            algorithms.push(a);
        }
    }
    let mut periods: Vec<u64> = Vec::with_capacity(3);
    if spec.period() > 0 {
        periods.push(spec.period());
    }
    for p in [30, 60] {
        if !periods.contains(&p) {
            periods.push(p);
        }
    }
    // The seed as read first, then the other reading (zeroized on drop).
    let mut keys: Vec<(Option<Encoding>, Zeroizing<Vec<u8>>, bool)> = vec![(
        spec.encoding(),
        Zeroizing::new(spec.secret().expose().to_vec()),
        false,
    )];
    if let Some((enc, bytes)) = spec.alternate_reading() {
        keys.push((Some(enc), Zeroizing::new(bytes.expose().to_vec()), true));
    }

    let mut best: Option<(u64, Reading, bool)> = None;
    let mut searched = 0usize;
    for (encoding, key, swapped) in &keys {
        for &algorithm in &algorithms {
            for &period in &periods {
                let now_counter = unix_secs / period;
                for offset in -SEARCH_STEPS..=SEARCH_STEPS {
                    let Some(counter) = now_counter.checked_add_signed(offset) else {
                        continue;
                    };
                    let Some(t) = counter.checked_mul(period) else {
                        continue;
                    };
                    searched += 1;
                    if totp::code(key, algorithm, digits, period, t)? != value {
                        continue;
                    }
                    let changed = u64::from(*swapped)
                        + u64::from(Some(algorithm) != service_alg.known())
                        + u64::from(period != spec.period());
                    let score = changed * 1000 + offset.unsigned_abs();
                    if best.as_ref().is_none_or(|(s, _, _)| score < *s) {
                        best = Some((
                            score,
                            Reading {
                                algorithm,
                                period,
                                encoding: *encoding,
                                offset_steps: offset,
                            },
                            *swapped,
                        ));
                    }
                }
            }
        }
    }

    let mut causes = Vec::new();
    let found = best.map(|(_, reading, swapped)| {
        if swapped {
            if let (Some(typed_as), Some(is)) = (reading.encoding, spec.encoding()) {
                causes.push(Cause::Encoding { typed_as, is });
            }
        }
        if Some(reading.algorithm) != service_alg.known() {
            causes.push(Cause::Algorithm {
                token: reading.algorithm,
                service: service_alg.clone(),
            });
        }
        if reading.period != spec.period() {
            causes.push(Cause::Period {
                token: reading.period,
                service: spec.period(),
            });
        }
        if reading.offset_steps != 0 {
            causes.push(clock_cause(reading, unix_secs));
        }
        reading
    });
    if len != usize::try_from(spec.digits()).unwrap_or(usize::MAX) {
        causes.push(Cause::Digits {
            token: len,
            service: spec.digits(),
        });
    }
    match found {
        None => causes.insert(
            0,
            Cause::NoMatch {
                searched,
                other_encoding: keys.len() > 1,
            },
        ),
        Some(_) if causes.is_empty() => causes.push(Cause::Match),
        Some(_) => {}
    }
    Ok(Diagnosis {
        causes,
        found,
        searched,
    })
}

/// The clock offset range implied by a match `offset_steps` away from now.
fn clock_cause(reading: Reading, unix_secs: u64) -> Cause {
    let period = i128::from(reading.period);
    let now = i128::from(unix_secs);
    let counter = now / period + i128::from(reading.offset_steps);
    let start = counter * period;
    let clamp = |v: i128| i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX });
    Cause::Clock {
        offset_steps: reading.offset_steps,
        min_secs: clamp(start - now),
        max_secs: clamp(start + period - 1 - now),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::super::tests::{code_at, rfc_link, spec, RFC_SHA1};
    use super::*;
    use crate::seed::{parse_input, SeedInput};

    #[test]
    fn a_correct_code_is_a_match() {
        let s = spec(&rfc_link(""));
        let now = 1_700_000_000;
        let d = diagnose(&s, &code_at(RFC_SHA1, Algorithm::Sha1, 30, now), now).unwrap();
        assert!(d.is_match(), "{d}");
        assert_eq!(d.found.unwrap().offset_steps, 0);
        assert_eq!(d.sentence(), "the code is correct for the current time");
    }

    #[test]
    fn clock_offset_is_estimated() {
        let s = spec(&rfc_link(""));
        let now = 1_700_000_020; // 10 s into a step
                                 // The token shows the code of two steps ago.
        let observed = code_at(RFC_SHA1, Algorithm::Sha1, 30, now - 60);
        let d = diagnose(&s, &observed, now).unwrap();
        assert_eq!(d.found.unwrap().offset_steps, -2);
        // Two steps back: the token's time lies in [now-70, now-41].
        assert_eq!(
            d.causes,
            vec![Cause::Clock {
                offset_steps: -2,
                min_secs: -70,
                max_secs: -41
            }]
        );
        assert_eq!(d.sentence(), "the token clock is about 56 s behind");
        assert!(!d.is_match());
        // Ahead by 5 steps.
        let d = diagnose(&s, &code_at(RFC_SHA1, Algorithm::Sha1, 30, now + 150), now).unwrap();
        assert!(
            d.sentence()
                .starts_with("the token clock is about 155 s ahead"),
            "{d}"
        );
        // One step: mentions the step change.
        let d = diagnose(&s, &code_at(RFC_SHA1, Algorithm::Sha1, 30, now - 30), now).unwrap();
        assert!(d.sentence().contains("one step"), "{d}");
    }

    #[test]
    fn period_mismatch_is_found() {
        let s = spec(&rfc_link(""));
        let now = 1_700_000_000;
        let observed = code_at(RFC_SHA1, Algorithm::Sha1, 60, now);
        let d = diagnose(&s, &observed, now).unwrap();
        assert_eq!(
            d.causes,
            vec![Cause::Period {
                token: 60,
                service: 30
            }]
        );
        assert_eq!(
            d.sentence(),
            "the token is set to 60 s but the service uses 30 s"
        );
    }

    #[test]
    fn algorithm_mismatch_is_found() {
        let s = spec(&rfc_link(""));
        let now = 1_700_000_000;
        let observed = code_at(RFC_SHA1, Algorithm::Sha256, 30, now);
        let d = diagnose(&s, &observed, now).unwrap();
        assert_eq!(
            d.causes,
            vec![Cause::Algorithm {
                token: Algorithm::Sha256,
                service: AlgorithmSpec::Known(Algorithm::Sha1)
            }]
        );
        assert_eq!(
            d.sentence(),
            "the token is set to SHA256 but the service uses SHA1"
        );
    }

    #[test]
    fn encoding_mismatch_is_found_both_ways() {
        let now = 1_700_000_000;
        let text = "ABCDEF234567ABCDEF234567ABCDEF23";
        // Service: Base32. Token: programmed with the Hex reading.
        let b32 = spec(&format!("otpauth://totp/A:b?secret={text}"));
        let hex_key = data_encoding::HEXUPPER.decode(text.as_bytes()).unwrap();
        let d = diagnose(&b32, &code_at(&hex_key, Algorithm::Sha1, 30, now), now).unwrap();
        assert_eq!(
            d.causes,
            vec![Cause::Encoding {
                typed_as: Encoding::Hex,
                is: Encoding::Base32
            }]
        );
        assert_eq!(d.sentence(), "the seed was typed as Hex but is Base32");
        // Service: Hex (typed, resolved). Token: the Base32 reading.
        let hex = match parse_input(text) {
            SeedInput::Ambiguous(a) => a.resolve(Encoding::Hex),
            other => panic!("{}", other.kind()),
        };
        let b32_key = data_encoding::BASE32_NOPAD.decode(text.as_bytes()).unwrap();
        let d = diagnose(&hex, &code_at(&b32_key, Algorithm::Sha1, 30, now), now).unwrap();
        assert_eq!(d.sentence(), "the seed was typed as Base32 but is Hex");
    }

    #[test]
    fn combined_causes_and_no_match() {
        let s = spec(&rfc_link(""));
        let now = 1_700_000_000;
        let observed = code_at(RFC_SHA1, Algorithm::Sha256, 60, now + 180);
        let d = diagnose(&s, &observed, now).unwrap();
        let found = d.found.unwrap();
        assert_eq!(
            (found.algorithm, found.period, found.offset_steps),
            (Algorithm::Sha256, 60, 3)
        );
        assert_eq!(d.causes.len(), 3, "{d}");
        assert!(
            d.sentence().contains("SHA256")
                && d.sentence().contains("60 s")
                && d.sentence().contains("ahead")
        );
        // A code from another seed: find the first code no combination gives.
        let mut n = 0u32;
        let d = loop {
            let d = diagnose(&s, &format!("{n:06}"), now).unwrap();
            if d.found.is_none() {
                break d;
            }
            n += 1;
        };
        assert_eq!(d.searched, 2 * 2 * 21);
        assert!(matches!(
            d.causes[0],
            Cause::NoMatch {
                searched: 84,
                other_encoding: false
            }
        ));
        assert!(d.sentence().contains("different seed"));
    }

    #[test]
    fn digits_and_bad_codes() {
        let s = spec(&rfc_link("&digits=8"));
        let now = 59;
        // The token shows 6 of the 8 digits: 94287082 → 287082.
        let d = diagnose(&s, "287 082", now).unwrap();
        assert_eq!(
            d.causes,
            vec![Cause::Digits {
                token: 6,
                service: 8
            }]
        );
        for bad in ["12345", "123456789", "12a456", ""] {
            assert_eq!(diagnose(&s, bad, now), Err(VerifyError::BadCode), "{bad}");
        }
    }

    #[test]
    fn near_the_epoch_offsets_do_not_underflow() {
        let s = spec(&rfc_link(""));
        let d = diagnose(&s, &code_at(RFC_SHA1, Algorithm::Sha1, 30, 0), 5).unwrap();
        assert!(d.is_match());
        assert!(d.searched < 84);
    }
}
