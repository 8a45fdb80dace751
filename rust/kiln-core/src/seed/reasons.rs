//! Why a seed cannot go on a token ([`Problem`]), why input is not a seed at all
//! ([`Refusal`]), and notes that do not stop a burn ([`Warning`]). Each displays as
//! one sentence a field user can act on.

use super::{DecodeError, LookAlike};
use crate::params::SeedLengthError;
use std::fmt;

/// A note about a seed that does not stop it from being burned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    /// The seed is shorter than 128 bits.
    ShortSeed { bits: usize },
    /// The link's label prefix and `issuer=` parameter disagree (`issuer=` wins).
    IssuerMismatch { label: String, parameter: String },
    /// The last Base32 character carried non-zero bits beyond the seed.
    TrailingBits,
    /// A typed seed carries no parameters; SHA1, 6 digits, 30 s were assumed.
    AssumedDefaults,
    /// A link parameter appeared more than once; the first value was used.
    RepeatedParameter { name: String },
    /// An export account did not say whether it is TOTP or HOTP; TOTP assumed.
    TypeUnspecified,
    /// The export is one QR code of several.
    PartOfBatch { index: u64, size: u64 },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::ShortSeed { bits } => write!(
                f,
                "the seed is only {bits} bits; at least 128 bits is recommended (ask the service for a longer one if it offers it)"
            ),
            Warning::IssuerMismatch { label, parameter } => write!(
                f,
                "the link's label says the issuer is \"{label}\" but its issuer parameter says \"{parameter}\"; using \"{parameter}\""
            ),
            Warning::TrailingBits => f.write_str(
                "the last Base32 character carries extra bits that are not part of the seed; they were ignored (check the seed was copied completely)",
            ),
            Warning::AssumedDefaults => f.write_str(
                "a typed seed carries no settings: assuming SHA1, 6 digits and 30 s (the usual ones); check the service's setup page",
            ),
            Warning::RepeatedParameter { name } => write!(
                f,
                "the link gives \"{name}\" more than once; the first value was used"
            ),
            Warning::TypeUnspecified => f.write_str(
                "the export does not say whether this account is time-based; assuming it is (TOTP)",
            ),
            Warning::PartOfBatch { index, size } => write!(
                f,
                "this export is QR code {} of {size}; scan the others too to get every account",
                index.saturating_add(1)
            ),
        }
    }
}

/// Something that keeps a seed off this token family. `Display` gives one
/// plain sentence a field user can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The service wants codes of another length.
    Digits { digits: u32 },
    /// The service wants an HMAC the token cannot do.
    Algorithm { name: String },
    /// The service wants a time step the token cannot do.
    Period { seconds: u64 },
    /// The seed is empty or longer than 63 bytes.
    Seed(SeedLengthError),
    /// A counter-based (HOTP) account (export entries).
    CounterBased,
    /// A link parameter could not be read (kept short; never the secret).
    UnreadableParameter { name: &'static str, value: String },
    /// An export field holds a value not in the export format.
    UnknownExportValue { field: &'static str, code: u64 },
}

impl Problem {
    pub(super) fn is_about_parameter(&self, param: &str) -> bool {
        match self {
            Problem::UnreadableParameter { name, .. } => *name == param,
            Problem::UnknownExportValue { field, .. } => *field == param,
            _ => false,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Digits { digits } => write!(
                f,
                "this service asks for {digits}-digit codes; these tokens always show 6"
            ),
            Problem::Algorithm { name } => write!(
                f,
                "this service uses the {name} algorithm; these tokens can only do SHA1 or SHA256"
            ),
            Problem::Period { seconds } => write!(
                f,
                "this service changes codes every {seconds} s; these tokens can only do 30 s or 60 s"
            ),
            Problem::Seed(e) => write!(f, "{e}"),
            Problem::CounterBased => f.write_str(
                "this account is counter-based (HOTP); these tokens are time-based (TOTP) and cannot show its codes",
            ),
            Problem::UnreadableParameter { name, value } => write!(
                f,
                "the link's {name} value \"{value}\" cannot be read, so it is unclear what the service wants"
            ),
            Problem::UnknownExportValue { field, code } => write!(
                f,
                "the export gives this account an unknown {field} (code {code}), so it is unclear what the service wants"
            ),
        }
    }
}

/// Why input was not accepted as a TOTP seed. `Display` gives a sentence a field
/// user understands; [`Refusal::code`] a stable machine name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    /// Binary data or control characters.
    Binary,
    /// `otpauth://hotp`.
    Hotp,
    /// `otpauth://steam`, `steam://`.
    Steam,
    /// `motp://`, `otpauth://motp`.
    Motp,
    /// Yandex Key (`otpauth://yaotp`, `yaotp://`).
    Yandex,
    /// Microsoft Authenticator push registration (`phonefactor://`).
    PhoneFactor,
    /// A plain web link.
    WebLink,
    /// A link with a scheme we do not know (scheme shortened, not secret).
    UnknownScheme {
        scheme: String,
    },
    /// `otpauth://<type>` with a type we do not know.
    UnknownOtpType {
        otp_type: String,
    },
    /// An `otpauth://totp` link with no `secret=`.
    MissingSecret,
    /// The link's secret is not valid Base32.
    InvalidLinkSecret {
        reason: DecodeError,
        suggestions: Vec<LookAlike>,
    },
    /// Typed text that is neither Base32 nor Hex.
    InvalidTypedSeed {
        base32: DecodeError,
        hex: DecodeError,
        suggestions: Vec<LookAlike>,
    },
    /// Typed text that is a 6-8 digit number: a one-time code, not a seed.
    LooksLikeCode {
        digits: usize,
    },
    /// An `otpauth-migration://` link that could not be read.
    MalformedExport {
        detail: String,
    },
    /// An export with no accounts in it.
    EmptyExport,
    /// More text than any seed or link (over `max` bytes); not read.
    TooLong {
        bytes: usize,
        max: usize,
    },
    /// Several non-empty lines that are not one link or one seed in groups.
    SeveralLines {
        lines: usize,
    },
    /// A bare 9-16 digit number, or the serial of a known token model: the
    /// number printed on a token, not a seed. `model`: the model its prefix names.
    SerialNumber {
        model: Option<&'static str>,
    },
}

impl Refusal {
    /// Stable machine name (JSON `refusal`).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Empty => "empty",
            Refusal::Binary => "binary",
            Refusal::Hotp => "hotp",
            Refusal::Steam => "steam",
            Refusal::Motp => "motp",
            Refusal::Yandex => "yandex",
            Refusal::PhoneFactor => "phonefactor",
            Refusal::WebLink => "web-link",
            Refusal::UnknownScheme { .. } => "unknown-scheme",
            Refusal::UnknownOtpType { .. } => "unknown-otp-type",
            Refusal::MissingSecret => "missing-secret",
            Refusal::InvalidLinkSecret { .. } => "invalid-link-secret",
            Refusal::InvalidTypedSeed { .. } => "invalid-typed-seed",
            Refusal::LooksLikeCode { .. } => "looks-like-code",
            Refusal::MalformedExport { .. } => "malformed-export",
            Refusal::EmptyExport => "empty-export",
            Refusal::TooLong { .. } => "too-long",
            Refusal::SeveralLines { .. } => "several-lines",
            Refusal::SerialNumber { .. } => "serial-number",
        }
    }

    /// Look-alike characters that may explain why the text did not decode. They
    /// are suggestions only: nothing was changed.
    pub fn suggestions(&self) -> &[LookAlike] {
        match self {
            Refusal::InvalidLinkSecret { suggestions, .. }
            | Refusal::InvalidTypedSeed { suggestions, .. } => suggestions,
            _ => &[],
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Empty => f.write_str("nothing was entered"),
            Refusal::Binary => f.write_str(
                "this is binary data or contains control characters, not an authenticator QR code or a typed seed",
            ),
            Refusal::Hotp => f.write_str(
                "this is a counter-based (HOTP) account; these tokens are time-based (TOTP) and cannot show its codes — ask the service for an authenticator-app (TOTP) QR code",
            ),
            Refusal::Steam => f.write_str(
                "this is a Steam Guard account; Steam uses its own 5-character codes, which these tokens cannot show",
            ),
            Refusal::Motp => f.write_str(
                "this is a mobile-OTP (mOTP) seed; mOTP combines a PIN with the seed in its own scheme, which these TOTP tokens cannot do",
            ),
            Refusal::Yandex => f.write_str(
                "this is a Yandex Key account; Yandex combines a PIN with the seed in its own scheme, which these TOTP tokens cannot do",
            ),
            Refusal::PhoneFactor => f.write_str(
                "this is a Microsoft Authenticator push-notification registration and carries no code seed — on the Microsoft security page choose \"use a different authenticator app\" to get a TOTP QR code",
            ),
            Refusal::WebLink => f.write_str(
                "this is a web link, not an authenticator QR code — look for the QR code the service shows when you add an authenticator app",
            ),
            Refusal::UnknownScheme { scheme } => write!(
                f,
                "this is a \"{scheme}:\" link, not an authenticator QR code (expected otpauth://totp/…)"
            ),
            Refusal::UnknownOtpType { otp_type } => write!(
                f,
                "this otpauth link is of type \"{otp_type}\"; these tokens only take time-based (totp) accounts"
            ),
            Refusal::MissingSecret => f.write_str(
                "this otpauth link has no secret, so there is nothing to put on a token",
            ),
            Refusal::InvalidLinkSecret {
                reason,
                suggestions,
            } => {
                write!(f, "the secret in this link is not valid Base32: {reason}")?;
                write_suggestions(f, suggestions)
            }
            Refusal::InvalidTypedSeed {
                base32,
                hex,
                suggestions,
            } => {
                write!(
                    f,
                    "this is neither a Base32 nor a Hex seed (as Base32: {base32}; as Hex: {hex})"
                )?;
                write_suggestions(f, suggestions)
            }
            Refusal::LooksLikeCode { digits } => {
                write!(
                    f,
                    "this looks like {} {digits}-digit one-time code",
                    // "an 8-digit", "an 11-digit", "an 18-digit": said with a vowel sound.
                    if matches!(digits, 8 | 11 | 18) || (80..90).contains(digits) { "an" } else { "a" }
                )?;
                if *digits == 8 {
                    // Some tokens' serial numbers (e.g. SafeID's) have 8 digits too.
                    f.write_str(" or a token's serial number")?;
                }
                f.write_str(", not a seed — enter the secret key the service shows (usually 16 or 32 letters and digits), or scan the service's QR code")
            }
            Refusal::MalformedExport { detail } => write!(
                f,
                "this Google Authenticator export could not be read ({detail}); export it again and scan the new QR code"
            ),
            Refusal::EmptyExport => f.write_str(
                "this Google Authenticator export contains no accounts",
            ),
            Refusal::TooLong { bytes, max } => write!(
                f,
                "this is {bytes} bytes of text, more than any seed or authenticator link ({max} bytes at most); enter only the link or the seed"
            ),
            Refusal::SeveralLines { lines } => write!(
                f,
                "this text has {lines} lines; kiln reads one seed or one link at a time, so nothing was joined — keep only the one to burn (a seed written in groups may span lines, and a link may wrap, but not inside its secret)"
            ),
            Refusal::SerialNumber { model } => {
                f.write_str("this is a token's serial number, not a seed: scan the service's QR code (the one it shows when you add an authenticator app)")?;
                if let Some(m) = model {
                    write!(f, "; this number is the serial of a token of model {m}")?;
                }
                Ok(())
            }
        }
    }
}

fn write_suggestions(f: &mut fmt::Formatter<'_>, suggestions: &[LookAlike]) -> fmt::Result {
    if suggestions.is_empty() {
        return Ok(());
    }
    f.write_str("; nothing was changed, but check: ")?;
    for (i, s) in suggestions.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{s}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_sentences_name_the_reason() {
        assert!(Refusal::Hotp.to_string().contains("counter-based"));
        assert!(Refusal::Steam.to_string().contains("Steam"));
        assert!(Refusal::PhoneFactor.to_string().contains("push"));
        assert_eq!(Refusal::WebLink.code(), "web-link");
    }
}
