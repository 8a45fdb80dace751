//! `otpauth://` links per the Key URI Format, read liberally: a `totp` link
//! becomes a [`SeedSpec`]; the other OTP types are refused with their reason.

use super::encoding::{self, DecodeError, Encoding};
use super::link::{decode_component, decode_secret_component, quote};
use super::names::{clean_name, resolve_issuer, split_label};
use super::{AlgorithmSpec, Problem, Refusal, SeedInput, SeedSource, SeedSpec, Warning};
use crate::params::Algorithm;
use crate::secret::SecretString;
use zeroize::Zeroizing;

/// The parameters of an otpauth link, first occurrence of each.
#[derive(Default)]
struct Params<'a> {
    secret: Option<&'a str>,
    issuer: Option<String>,
    algorithm: Option<String>,
    digits: Option<String>,
    period: Option<String>,
    repeated: Vec<String>,
}

fn read_params(query: &str) -> Params<'_> {
    let mut p = Params::default();
    for pair in query.split('&') {
        if pair.is_empty() {
            continue;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode_component(k, true).trim().to_ascii_lowercase();
        let slot_taken = match key.as_str() {
            "secret" => {
                let taken = p.secret.is_some();
                if !taken {
                    p.secret = Some(v);
                }
                taken
            }
            "issuer" => set_once(&mut p.issuer, v),
            "algorithm" => set_once(&mut p.algorithm, v),
            "digits" => set_once(&mut p.digits, v),
            "period" => set_once(&mut p.period, v),
            _ => false, // unknown parameters (image, color, counter …) are ignored
        };
        if slot_taken && !p.repeated.contains(&key) {
            p.repeated.push(key);
        }
    }
    p
}

/// Stores the decoded value if the slot is empty; true if it was taken already.
fn set_once(slot: &mut Option<String>, raw: &str) -> bool {
    if slot.is_some() {
        return true;
    }
    *slot = Some(decode_component(raw, true).trim().to_string());
    false
}

/// The percent-decoded secret as text without `+` (invalid UTF-8 becomes U+FFFD,
/// which the decoder then names). Written into one zeroizing buffer sized up
/// front, so no growing copy of the secret is left in freed memory.
fn secret_text_of(bytes: &[u8]) -> Zeroizing<String> {
    // Each invalid byte becomes U+FFFD (3 bytes).
    let mut out = Zeroizing::new(String::with_capacity(bytes.len().saturating_mul(3)));
    for chunk in bytes.utf8_chunks() {
        out.extend(chunk.valid().chars().filter(|c| *c != '+'));
        if !chunk.invalid().is_empty() {
            out.push('\u{FFFD}');
        }
    }
    out
}

/// The secret text without separators, upper case (for the alternate reading),
/// in a zeroizing buffer sized up front.
fn normalized_secret(text: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    out.extend(
        text.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase()),
    );
    out
}

/// `rest` is what follows `otpauth://` (normally `totp/label?secret=…`).
pub(super) fn parse_otpauth(rest: &str) -> SeedInput {
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (type_raw, label_raw) = path.split_once('/').unwrap_or((path, ""));
    let otp_type = decode_component(type_raw, false)
        .trim()
        .to_ascii_lowercase();
    match otp_type.as_str() {
        "totp" => {}
        "hotp" => return SeedInput::Refused(Refusal::Hotp),
        "steam" => return SeedInput::Refused(Refusal::Steam),
        "yaotp" => return SeedInput::Refused(Refusal::Yandex),
        "motp" => return SeedInput::Refused(Refusal::Motp),
        other => {
            return SeedInput::Refused(Refusal::UnknownOtpType {
                otp_type: quote(other),
            })
        }
    }

    let mut params = read_params(query);
    // The secret: percent-decoded, then spaces, dashes, `+`, case and padding ignored.
    let Some(secret_raw) = params.secret.take() else {
        return SeedInput::Refused(Refusal::MissingSecret);
    };
    let secret_bytes = decode_secret_component(secret_raw);
    let secret_text = secret_text_of(&secret_bytes);
    let decoded = match encoding::decode(&secret_text, Encoding::Base32) {
        Ok(d) => d,
        Err(DecodeError::Empty) => return SeedInput::Refused(Refusal::MissingSecret),
        Err(reason) => {
            return SeedInput::Refused(Refusal::InvalidLinkSecret {
                reason,
                suggestions: encoding::suggestions_for(&secret_text, Encoding::Base32),
            })
        }
    };

    let mut spec = SeedSpec::new(decoded.bytes, SeedSource::OtpauthLink);
    spec.secret_text = Some(SecretString::from(normalized_secret(&secret_text)));
    if decoded.trailing_bits {
        spec.warnings.push(Warning::TrailingBits);
    }

    let label = decode_component(label_raw, false);
    let (prefix, account) = split_label(&label);
    spec.account = account;
    let explicit = params
        .issuer
        .take()
        .filter(|s| !s.is_empty())
        .map(|s| clean_name(&s));
    spec.issuer = resolve_issuer(explicit, prefix, &mut spec.warnings);

    if let Some(a) = params.algorithm.take() {
        spec.algorithm = match a.parse::<Algorithm>() {
            Ok(a) => AlgorithmSpec::Known(a),
            Err(_) if a.is_empty() => AlgorithmSpec::Known(Algorithm::Sha1),
            Err(_) => AlgorithmSpec::Unsupported(quote(&a)),
        };
    }
    if let Some(d) = params.digits.take().filter(|d| !d.is_empty()) {
        match d.parse::<u32>() {
            Ok(n) => spec.digits = n,
            Err(_) => spec.read_problems.push(Problem::UnreadableParameter {
                name: "digits",
                value: quote(&d),
            }),
        }
    }
    if let Some(p) = params.period.take().filter(|p| !p.is_empty()) {
        match p.parse::<u64>() {
            Ok(n) => spec.period = n,
            Err(_) => spec.read_problems.push(Problem::UnreadableParameter {
                name: "period",
                value: quote(&p),
            }),
        }
    }
    for name in params.repeated {
        spec.warnings.push(Warning::RepeatedParameter { name });
    }
    SeedInput::Totp(spec)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::super::names::is_unsafe_in_name;
    use super::super::parse_input;
    use super::*;

    fn totp(input: &str) -> SeedSpec {
        match parse_input(input) {
            SeedInput::Totp(s) => s,
            SeedInput::Refused(r) => panic!("refused {input:?}: {r}"),
            other => panic!("expected totp for {input:?}, got {}", other.kind()),
        }
    }

    const HELLO: &[u8] = b"Hello!\xDE\xAD\xBE\xEF";

    #[test]
    fn scheme_and_type_are_case_insensitive() {
        for u in [
            "otpauth://totp/ACME:bob?secret=JBSWY3DPEHPK3PXP",
            "OTPAUTH://TOTP/ACME:bob?secret=JBSWY3DPEHPK3PXP",
            "OtpAuth://ToTp/ACME:bob?SECRET=JBSWY3DPEHPK3PXP",
            "otpauth:totp/ACME:bob?secret=JBSWY3DPEHPK3PXP",
        ] {
            let s = totp(u);
            assert_eq!(s.secret().expose(), HELLO, "{u}");
            assert_eq!(s.issuer(), Some("ACME"));
            assert_eq!(s.account(), Some("bob"));
        }
    }

    #[test]
    fn everything_is_percent_decoded() {
        let s = totp(
            "otpauth://%74otp/ACME%20Co%3A%20john.doe%40email.com?secret=JBSW%59%33DPEHPK3PXP&issuer=ACME%20Co&digits=%36&period=%33%30&algorithm=%53HA1",
        );
        assert_eq!(s.issuer(), Some("ACME Co"));
        assert_eq!(s.account(), Some("john.doe@email.com"));
        assert_eq!(s.secret().expose(), HELLO);
        assert_eq!((s.digits(), s.period()), (6, 30));
        assert!(s
            .warnings()
            .iter()
            .all(|w| !matches!(w, Warning::IssuerMismatch { .. })));
    }

    #[test]
    fn plus_is_literal_in_the_path_and_a_space_in_parameters() {
        let s = totp("otpauth://totp/C++%20Guild:a+b@example.com?secret=JBSWY3DPEHPK3PXP&issuer=C%2B%2B+Guild");
        assert_eq!(s.account(), Some("a+b@example.com"));
        assert_eq!(s.issuer(), Some("C++ Guild"));
        assert!(s
            .warnings()
            .iter()
            .all(|w| !matches!(w, Warning::IssuerMismatch { .. })));
    }

    #[test]
    fn label_splits_at_first_colon_and_trims() {
        let s = totp("otpauth://totp/ ACME : bob:smith ?secret=JBSWY3DPEHPK3PXP");
        assert_eq!(s.issuer(), Some("ACME"));
        assert_eq!(s.account(), Some("bob:smith"));
        let s = totp("otpauth://totp/alice%40example.com?secret=JBSWY3DPEHPK3PXP");
        assert_eq!(s.issuer(), None);
        assert_eq!(s.account(), Some("alice@example.com"));
        let s = totp("otpauth://totp?secret=JBSWY3DPEHPK3PXP&issuer=OnlyIssuer");
        assert_eq!(s.issuer(), Some("OnlyIssuer"));
        assert_eq!(s.account(), None);
        assert_eq!(s.display_name(), "OnlyIssuer");
        // Control characters cannot reach a terminal through a name.
        let s = totp("otpauth://totp/%1B%5B31mEvil:bob%07?secret=JBSWY3DPEHPK3PXP&issuer=x%0Dy");
        assert_eq!(s.issuer(), Some("x\u{FFFD}y"));
        assert_eq!(s.account(), Some("bob\u{FFFD}"));
        assert!(s
            .warnings()
            .iter()
            .all(|w| !w.to_string().contains('\u{1b}')));
    }

    #[test]
    fn direction_controls_and_invisible_characters_never_reach_a_name() {
        // U+202E reverses what follows, U+2066 opens an isolate, U+200B hides a
        // boundary: "Evil" could read as "liv E", and "Bank\u{200B}" as "Bank".
        let s = totp(
            "otpauth://totp/%E2%80%AEEvil%E2%81%A6:bob%E2%80%8B?secret=JBSWY3DPEHPK3PXP&issuer=%E2%80%AEEvil%E2%81%A6",
        );
        assert_eq!(s.issuer(), Some("\u{FFFD}Evil\u{FFFD}"));
        assert_eq!(s.account(), Some("bob\u{FFFD}"));
        for c in [
            '\u{202E}',
            '\u{2066}',
            '\u{200B}',
            '\u{200F}',
            '\u{061C}',
            '\u{FEFF}',
            '\u{E0041}',
        ] {
            assert!(is_unsafe_in_name(c), "{c:?}");
        }
        for c in ['a', 'é', 'ж', '中', ' ', '@', '\u{FE0F}'] {
            assert!(!is_unsafe_in_name(c), "{c:?}");
        }
        // Values quoted back in a refusal are cleaned too.
        match parse_input("otpauth://%E2%80%AExotp/bob?secret=JBSWY3DPEHPK3PXP") {
            SeedInput::Refused(r) => assert!(!r.to_string().contains('\u{202E}'), "{r}"),
            other => panic!("{}", other.kind()),
        }
        let s = totp("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=SHA%E2%80%AE1");
        assert!(!s.algorithm().to_string().contains('\u{202E}'));
    }

    #[test]
    fn issuer_parameter_wins_and_disagreement_warns() {
        let s = totp("otpauth://totp/Old%20Name:bob?secret=JBSWY3DPEHPK3PXP&issuer=New%20Name");
        assert_eq!(s.issuer(), Some("New Name"));
        assert!(s.warnings().contains(&Warning::IssuerMismatch {
            label: "Old Name".into(),
            parameter: "New Name".into()
        }));
        let msg = s
            .warnings()
            .iter()
            .find(|w| matches!(w, Warning::IssuerMismatch { .. }))
            .unwrap()
            .to_string();
        assert!(msg.contains("using \"New Name\""), "{msg}");
        // Same name in another case is not a disagreement.
        let s = totp("otpauth://totp/github:bob?secret=JBSWY3DPEHPK3PXP&issuer=GitHub");
        assert_eq!(s.issuer(), Some("GitHub"));
        assert!(!s
            .warnings()
            .iter()
            .any(|w| matches!(w, Warning::IssuerMismatch { .. })));
        // Empty issuer parameter falls back to the label.
        let s = totp("otpauth://totp/ACME:bob?secret=JBSWY3DPEHPK3PXP&issuer=");
        assert_eq!(s.issuer(), Some("ACME"));
    }

    #[test]
    fn secret_is_liberal() {
        for sec in [
            "jbswy3dpehpk3pxp",
            "JBSW%20Y3DP%20EHPK%203PXP",
            "JBSW-Y3DP-EHPK-3PXP",
            "JBSW+Y3DP+EHPK+3PXP",
            "JBSWY3DPEHPK3PXP%3D%3D%3D%3D",
            "JBSWY3DPEHPK3PXP====",
        ] {
            let s = totp(&format!("otpauth://totp/A:b?secret={sec}"));
            assert_eq!(s.secret().expose(), HELLO, "{sec}");
        }
    }

    #[test]
    fn trailing_bits_warn() {
        let s = totp("otpauth://totp/A:b?secret=MZXW6YTBOJ");
        assert!(s.warnings().contains(&Warning::TrailingBits));
        assert_eq!(s.secret().expose(), b"foobar");
        let s = totp("otpauth://totp/A:b?secret=MZXW6YTBOI");
        assert!(!s.warnings().contains(&Warning::TrailingBits));
    }

    #[test]
    fn invalid_secret_is_refused_with_suggestions() {
        match parse_input("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PX0") {
            SeedInput::Refused(r @ Refusal::InvalidLinkSecret { .. }) => {
                assert_eq!(r.suggestions().len(), 1);
                assert_eq!(r.suggestions()[0].maybe, vec!['O']);
                assert!(r.to_string().contains("not valid Base32"));
            }
            other => panic!("{}", other.kind()),
        }
        match parse_input("otpauth://totp/A:b?secret=JBS") {
            SeedInput::Refused(Refusal::InvalidLinkSecret {
                reason,
                suggestions,
            }) => {
                assert_eq!(reason, DecodeError::BadLength { chars: 3 });
                assert!(suggestions.is_empty());
            }
            other => panic!("{}", other.kind()),
        }
    }

    #[test]
    fn algorithm_digits_period() {
        let s = totp(
            "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&algorithm=HmacSHA256&digits=6&period=60",
        );
        assert_eq!(s.algorithm(), &AlgorithmSpec::Known(Algorithm::Sha256));
        assert_eq!(s.period(), 60);
        assert!(s.is_burnable());
        let s = totp("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&algorithm=sha512");
        assert_eq!(s.algorithm(), &AlgorithmSpec::Known(Algorithm::Sha512));
        assert!(!s.is_burnable());
        let s = totp("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&algorithm=MD5");
        assert_eq!(s.algorithm(), &AlgorithmSpec::Unsupported("MD5".into()));
        assert_eq!(
            s.problems(),
            vec![Problem::Algorithm { name: "MD5".into() }]
        );
        let s = totp("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&digits=x7");
        assert_eq!(
            s.problems(),
            vec![Problem::UnreadableParameter {
                name: "digits",
                value: "x7".into()
            }]
        );
        let s = totp("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&period=0");
        assert_eq!(s.problems(), vec![Problem::Period { seconds: 0 }]);
        // Defaults.
        let s = totp("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP");
        assert_eq!(
            (s.algorithm(), s.digits(), s.period()),
            (&AlgorithmSpec::Known(Algorithm::Sha1), 6, 30)
        );
        assert!(!s.warnings().contains(&Warning::AssumedDefaults));
    }

    #[test]
    fn unknown_and_repeated_parameters() {
        let s = totp("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&image=https%3A%2F%2Fx%2Fa.png&color=red&counter=5&&=&foo");
        assert!(s.is_burnable());
        assert!(s
            .warnings()
            .iter()
            .all(|w| !matches!(w, Warning::RepeatedParameter { .. })));
        let s =
            totp("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&digits=6&digits=8&secret=MZXW6YTBOI");
        assert_eq!(s.digits(), 6);
        assert_eq!(s.secret().expose(), HELLO);
        assert!(s.warnings().contains(&Warning::RepeatedParameter {
            name: "digits".into()
        }));
        assert!(s.warnings().contains(&Warning::RepeatedParameter {
            name: "secret".into()
        }));
    }
}
