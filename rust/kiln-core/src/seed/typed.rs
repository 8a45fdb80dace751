//! Typed seeds: Base32 or Hex read from what a user typed or pasted, told
//! apart automatically; text valid in both is an [`AmbiguousSeed`] for the
//! user to settle. Numbers that look like a one-time code or a token's serial
//! number are refused with that explanation.

use super::encoding::{decode_normalized, look_alikes, normalize, DecodeError, Encoding};
use super::{Refusal, SeedInput, SeedSource, SeedSpec, Warning};
use crate::secret::{SecretBytes, SecretString};

/// A spec for typed text decoded in `encoding` (with the usual warnings).
pub(crate) fn typed_spec(text: &str, encoding: Encoding) -> Result<SeedSpec, DecodeError> {
    let (norm, positions) = normalize(text);
    let decoded = decode_normalized(&norm, &positions, encoding)?;
    let mut spec = SeedSpec::new(decoded.bytes, SeedSource::Typed(encoding));
    spec.secret_text = Some(SecretString::new(norm.to_string()));
    if decoded.trailing_bits {
        spec.warnings.push(Warning::TrailingBits);
    }
    spec.warnings.push(Warning::AssumedDefaults);
    Ok(spec)
}

/// Typed text: Base32 or Hex, auto-detected; both valid → ambiguous.
pub(super) fn parse_typed(text: &str) -> SeedInput {
    let (norm, positions) = normalize(text);
    if norm.is_empty() {
        return SeedInput::Refused(Refusal::Empty);
    }
    let digits = norm.chars().count();
    if norm.chars().all(|c| c.is_ascii_digit()) {
        if (6..=8).contains(&digits) {
            return SeedInput::Refused(Refusal::LooksLikeCode { digits });
        }
        if (9..=16).contains(&digits) {
            return SeedInput::Refused(Refusal::SerialNumber {
                model: serial_model(&norm),
            });
        }
    }
    let b32 = decode_normalized(&norm, &positions, Encoding::Base32);
    let hex = decode_normalized(&norm, &positions, Encoding::Hex);
    match (b32, hex) {
        (Ok(_), Ok(_)) => SeedInput::Ambiguous(AmbiguousSeed {
            text: SecretString::new(norm.to_string()),
        }),
        (Ok(_), Err(_)) => spec_or_refusal(text, Encoding::Base32),
        (Err(_), Ok(_)) => spec_or_refusal(text, Encoding::Hex),
        (Err(base32), Err(hex)) => {
            let mut suggestions = look_alikes(&norm, &positions, Encoding::Base32);
            suggestions.extend(look_alikes(&norm, &positions, Encoding::Hex));
            SeedInput::Refused(Refusal::InvalidTypedSeed {
                base32,
                hex,
                suggestions,
            })
        }
    }
}

/// The model whose serial prefix `digits` starts with, for a number of a
/// serial's length (`shared/protocol.md`, "Models").
fn serial_model(digits: &str) -> Option<&'static str> {
    let serial = crate::proto::Serial::from_bytes(digits.as_bytes());
    match crate::proto::Model::lookup(&serial) {
        crate::proto::Model::Known(m) if digits.len() == SERIAL_DIGITS => Some(m.name),
        _ => None,
    }
}

/// Digits in the serial numbers of the known models.
const SERIAL_DIGITS: usize = 14;

fn spec_or_refusal(text: &str, encoding: Encoding) -> SeedInput {
    match typed_spec(text, encoding) {
        Ok(spec) => SeedInput::Totp(spec),
        Err(e) => SeedInput::Refused(Refusal::InvalidTypedSeed {
            base32: e.clone(),
            hex: e,
            suggestions: Vec::new(),
        }),
    }
}

/// Typed text that is valid Base32 and valid Hex. Nothing is guessed: the
/// caller shows both readings and calls [`AmbiguousSeed::resolve`].
#[derive(Clone, Debug)]
pub struct AmbiguousSeed {
    /// Normalized text (separators removed, upper case).
    text: SecretString,
}

impl AmbiguousSeed {
    /// The seed read in `encoding`. Both readings are known to be valid.
    pub fn resolve(&self, encoding: Encoding) -> SeedSpec {
        match typed_spec(self.text.expose(), encoding) {
            Ok(spec) => spec,
            // Unreachable by construction (both decodes succeeded when this was
            // built); an empty seed keeps the result honest rather than panicking.
            Err(_) => SeedSpec::new(SecretBytes::default(), SeedSource::Typed(encoding)),
        }
    }

    /// Decoded length in bits when read in `encoding`.
    pub fn bits(&self, encoding: Encoding) -> usize {
        self.resolve(encoding).secret_bits()
    }

    /// Fingerprint when read in `encoding`.
    pub fn fingerprint(&self, encoding: Encoding) -> String {
        self.resolve(encoding).fingerprint()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::super::parse_input;
    use super::*;

    #[test]
    fn typed_text_is_auto_detected() {
        match parse_input("JBSWY3DPEHPK3PXP") {
            SeedInput::Totp(s) => {
                assert_eq!(s.source(), SeedSource::Typed(Encoding::Base32));
                assert_eq!(s.secret_bits(), 80);
                assert!(s.warnings().contains(&Warning::ShortSeed { bits: 80 }));
                assert!(s.warnings().contains(&Warning::AssumedDefaults));
            }
            other => panic!("{}", other.kind()),
        }
        match parse_input("3132333435363738393031323334353637383930") {
            SeedInput::Totp(s) => {
                assert_eq!(s.source(), SeedSource::Typed(Encoding::Hex));
                assert_eq!(s.secret().expose(), b"12345678901234567890");
                assert_eq!(s.secret_bits(), 160);
                assert!(!s
                    .warnings()
                    .iter()
                    .any(|w| matches!(w, Warning::ShortSeed { .. })));
            }
            other => panic!("{}", other.kind()),
        }
    }

    #[test]
    fn ambiguous_text_lets_the_caller_choose() {
        let amb: AmbiguousSeed = match parse_input("ABCD EF23 4567 ABCD EF23 4567 ABCD EF23") {
            SeedInput::Ambiguous(a) => a,
            other => panic!("{}", other.kind()),
        };
        let hex = amb.resolve(Encoding::Hex);
        assert_eq!(hex.secret_bits(), 128);
        assert_eq!(hex.secret().expose()[..3], [0xAB, 0xCD, 0xEF]);
        assert_eq!(hex.source(), SeedSource::Typed(Encoding::Hex));
        let b32 = amb.resolve(Encoding::Base32);
        assert_eq!(b32.secret_bits(), 160);
        assert_eq!(amb.bits(Encoding::Base32), 160);
        assert_eq!(
            amb.fingerprint(Encoding::Base32),
            super::super::fingerprint(b32.secret().expose())
        );
        assert_ne!(
            amb.fingerprint(Encoding::Base32),
            amb.fingerprint(Encoding::Hex)
        );
        // The other reading is offered for diagnosis.
        assert_eq!(b32.alternate_reading().unwrap().0, Encoding::Hex);
    }

    #[test]
    fn six_digit_numbers_look_like_codes() {
        for t in ["123456", "287 082", "94287082"] {
            assert!(
                matches!(
                    parse_input(t),
                    SeedInput::Refused(Refusal::LooksLikeCode { .. })
                ),
                "{t}"
            );
        }
    }

    #[test]
    fn an_8_digit_number_may_be_a_code_or_a_serial_and_says_both() {
        // Deepnet's published SafeID serials have 8 digits, like 8-digit codes.
        for t in ["71358472", "1000 1001"] {
            let SeedInput::Refused(r) = parse_input(t) else {
                panic!("{t} accepted")
            };
            let msg = r.to_string();
            assert!(
                msg.starts_with("this looks like an 8-digit one-time code or a token's serial number, not a seed"),
                "{msg}"
            );
            assert!(msg.contains("scan the service's QR code"), "{msg}");
        }
        let SeedInput::Refused(r) = parse_input("287082") else {
            panic!("accepted")
        };
        assert!(!r.to_string().contains("serial"), "{r}");
    }

    #[test]
    fn a_token_serial_number_is_not_a_seed() {
        // The serial printed on an OTPC-P2-i, as its barcode/QR code reads.
        match parse_input("86596220000123") {
            SeedInput::Refused(r @ Refusal::SerialNumber { .. }) => {
                assert_eq!(
                    r,
                    Refusal::SerialNumber {
                        model: Some("OTPC-P2-i")
                    }
                );
                let msg = r.to_string();
                assert!(
                    msg.starts_with("this is a token's serial number, not a seed"),
                    "{msg}"
                );
                assert!(msg.contains("scan the service's QR code"), "{msg}");
                assert!(msg.contains("model OTPC-P2-i"), "{msg}");
                assert_eq!(r.code(), "serial-number");
            }
            other => panic!("{}", other.kind()),
        }
        // Any bare 9-16 digit number, with or without separators.
        for t in [
            "123456789",
            "1234 5678 9012 34",
            "1234567890123456",
            "99999999999999",
        ] {
            assert!(
                matches!(
                    parse_input(t),
                    SeedInput::Refused(Refusal::SerialNumber { model: None })
                ),
                "{t}"
            );
        }
        // A long all-digit Hex seed (the RFC 6238 seed) is still a seed.
        assert!(matches!(
            parse_input("3132333435363738393031323334353637383930"),
            SeedInput::Totp(_)
        ));
        // 17 digits: odd length, not Hex, not Base32; not called a serial.
        assert!(matches!(
            parse_input("12345678901234567"),
            SeedInput::Refused(Refusal::InvalidTypedSeed { .. })
        ));
    }

    #[test]
    fn look_alikes_are_suggested_never_applied() {
        // Base32 with a zero instead of O and a one instead of I.
        match parse_input("JBSWY3DPEHPK3PX0 GEZDGNBV1Y3TQOJQ") {
            SeedInput::Refused(r @ Refusal::InvalidTypedSeed { .. }) => {
                let s = r.suggestions();
                assert_eq!(s.len(), 2, "{s:?}");
                assert_eq!(s[0].encoding, Encoding::Base32);
                assert_eq!((s[0].position, s[0].found), (16, '0'));
                assert_eq!(s[0].maybe, vec!['O']);
                assert_eq!((s[1].position, s[1].found), (26, '1'));
                assert_eq!(s[1].maybe, vec!['I', 'L']);
                let msg = r.to_string();
                assert!(msg.contains("nothing was changed"), "{msg}");
                assert!(msg.contains("(letter O)"), "{msg}");
            }
            other => panic!("{}", other.kind()),
        }
        // Hex with a letter O for a zero.
        match parse_input("DEADBEEFO0") {
            SeedInput::Refused(r) => {
                let s = r.suggestions();
                assert!(s.iter().any(|l| l.encoding == Encoding::Hex
                    && l.position == 9
                    && l.maybe == vec!['0']));
            }
            other => panic!("{}", other.kind()),
        }
        // 8 for B.
        match parse_input("JBSWY3DPEHPK3PX8") {
            SeedInput::Refused(r) => {
                assert_eq!(r.suggestions()[0].maybe, vec!['B']);
            }
            other => panic!("{}", other.kind()),
        }
        // Garbage: no suggestions.
        match parse_input("hello, world!") {
            SeedInput::Refused(r @ Refusal::InvalidTypedSeed { .. }) => {
                assert!(r.suggestions().is_empty());
                assert!(r.to_string().contains("character 6 \",\""), "{r}");
            }
            other => panic!("{}", other.kind()),
        }
    }
}
