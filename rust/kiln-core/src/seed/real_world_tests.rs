//! Payloads in the shapes major services document or commonly emit. The secrets
//! are made up (random Base32 of the service's usual length); the structure —
//! label, issuer, parameter set, case, encoding — follows each service's format.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::migration::encode;
use super::*;
use crate::params::{TokenHmac, TokenStep};

struct Expect {
    issuer: Option<&'static str>,
    account: Option<&'static str>,
    bits: usize,
    burnable: bool,
    short_warning: bool,
    /// First and last 4 characters of the seed's canonical Base32.
    secret_ends: &'static str,
}

/// The decoded seed's canonical Base32 starts and ends as `ends` ("HEAD…TAIL") says.
fn assert_ends(spec: &SeedSpec, ends: &str) {
    let b32 = data_encoding::BASE32_NOPAD.encode(spec.secret().expose());
    let (head, tail) = ends.split_once('…').unwrap();
    assert!(b32.starts_with(head) && b32.ends_with(tail), "{ends}");
}

fn check(uri: &str, want: Expect) -> SeedSpec {
    let spec = match parse_input(uri) {
        SeedInput::Totp(s) => s,
        SeedInput::Refused(r) => panic!("{uri}: refused: {r}"),
        other => panic!("{uri}: {}", other.kind()),
    };
    assert_eq!(spec.issuer(), want.issuer, "{uri}");
    assert_eq!(spec.account(), want.account, "{uri}");
    assert_eq!(spec.secret_bits(), want.bits, "{uri}");
    assert_eq!(
        spec.is_burnable(),
        want.burnable,
        "{uri}: {:?}",
        spec.problems()
    );
    assert_eq!(
        spec.warnings()
            .iter()
            .any(|w| matches!(w, Warning::ShortSeed { .. })),
        want.short_warning,
        "{uri}"
    );
    assert_ends(&spec, want.secret_ends);
    // The fingerprint is a hash: none of the seed's Base32 text.
    let fp = spec.fingerprint();
    assert_eq!(fp.len(), 4, "{uri}");
    let b32 = data_encoding::BASE32_NOPAD.encode(spec.secret().expose());
    assert!(!b32.contains(&fp), "{uri}: {fp}");
    assert_eq!(spec.source(), SeedSource::OtpauthLink);
    spec
}

#[test]
fn key_uri_format_examples() {
    // The two examples of the Key URI Format document.
    check(
        "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
        Expect {
            issuer: Some("Example"),
            account: Some("alice@google.com"),
            bits: 80,
            burnable: true,
            short_warning: true,
            secret_ends: "JBSW…3PXP",
        },
    );
    let s = check(
        "otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30",
        Expect {
            issuer: Some("ACME Co"),
            account: Some("john.doe@email.com"),
            bits: 160,
            burnable: true,
            short_warning: false,
            secret_ends: "HXDM…XBOZ",
        },
    );
    let prog = s.token_program().unwrap();
    assert_eq!((prog.hmac, prog.step), (TokenHmac::Sha1, TokenStep::Secs30));
}

#[test]
fn github() {
    // GitHub: "GitHub:<login>" label, issuer parameter, 16-character secret.
    check(
        "otpauth://totp/GitHub:octocat?secret=UVG4UGBFGC5R23IT&issuer=GitHub",
        Expect {
            issuer: Some("GitHub"),
            account: Some("octocat"),
            bits: 80,
            burnable: true,
            short_warning: true,
            secret_ends: "UVG4…23IT",
        },
    );
}

#[test]
fn google() {
    // Google: percent-encoded colon and at-sign, 32 lower-case characters.
    check(
        "otpauth://totp/Google%3Aalice%40gmail.com?secret=ftpnmi33f3mr4p3sd7frs4ixisknmsj4&issuer=Google",
        Expect {
            issuer: Some("Google"),
            account: Some("alice@gmail.com"),
            bits: 160,
            burnable: true,
            short_warning: false,
            secret_ends: "FTPN…MSJ4",
        },
    );
    // The setup page shows the same key in groups of four, lower case.
    match parse_input("ftpn mi33 f3mr 4p3s d7fr s4ix iskn msj4") {
        SeedInput::Totp(s) => {
            assert_ends(&s, "FTPN…MSJ4");
            assert_eq!(s.source(), SeedSource::Typed(Encoding::Base32));
        }
        other => panic!("{}", other.kind()),
    }
}

#[test]
fn microsoft() {
    // Microsoft account: "Microsoft:<email>" label, issuer=Microsoft.
    check(
        "otpauth://totp/Microsoft:user@outlook.com?secret=tvodiyf6geqb42p63kqo52fztf7vy7bj&issuer=Microsoft",
        Expect {
            issuer: Some("Microsoft"),
            account: Some("user@outlook.com"),
            bits: 160,
            burnable: true,
            short_warning: false,
            secret_ends: "TVOD…Y7BJ",
        },
    );
    // Work account form where the label names the organisation: the issuer
    // parameter wins and the disagreement is reported.
    let s = check(
        "otpauth://totp/Contoso:alex%40contoso.com?secret=YBGIDMN26I7DX6PO&issuer=Microsoft",
        Expect {
            issuer: Some("Microsoft"),
            account: Some("alex@contoso.com"),
            bits: 80,
            burnable: true,
            short_warning: true,
            secret_ends: "YBGI…X6PO",
        },
    );
    assert!(s.warnings().contains(&Warning::IssuerMismatch {
        label: "Contoso".into(),
        parameter: "Microsoft".into()
    }));
    // Microsoft Authenticator push registration: no seed at all.
    assert!(matches!(
        parse_input("phonefactor://activate_account?code=123456789&url=https%3a%2f%2fmobileappcommunicator.auth.microsoft.com%2factivate%2f123456789%2fWEU"),
        SeedInput::Refused(Refusal::PhoneFactor)
    ));
}

#[test]
fn aws() {
    // AWS: spaces percent-encoded in label and issuer, 64-character (320-bit) secret.
    check(
        "otpauth://totp/Amazon%20Web%20Services:admin@123456789012?secret=TH627ZMTEU6NMVFPJX5NOFBHUCXLH7XJEMXYV4RBD6POJEOFWEF6ZNKWHP6B434T&issuer=Amazon%20Web%20Services",
        Expect {
            issuer: Some("Amazon Web Services"),
            account: Some("admin@123456789012"),
            bits: 320,
            burnable: true,
            short_warning: false,
            secret_ends: "TH62…434T",
        },
    );
}

#[test]
fn atlassian_and_bitbucket() {
    check(
        "otpauth://totp/Atlassian:jira.user%40example.com?secret=IJ7MXSH6FFK6LTMOI3OI5VFXYJ3E2KS2&issuer=Atlassian",
        Expect {
            issuer: Some("Atlassian"),
            account: Some("jira.user@example.com"),
            bits: 160,
            burnable: true,
            short_warning: false,
            secret_ends: "IJ7M…2KS2",
        },
    );
    check(
        "otpauth://totp/Bitbucket:bb-user?secret=IJ7MXSH6FFK6LTMOI3OI5VFXYJ3E2KS2&issuer=Bitbucket",
        Expect {
            issuer: Some("Bitbucket"),
            account: Some("bb-user"),
            bits: 160,
            burnable: true,
            short_warning: false,
            secret_ends: "IJ7M…2KS2",
        },
    );
}

#[test]
fn gitlab() {
    // GitLab: the instance host as issuer, every parameter spelled out.
    check(
        "otpauth://totp/gitlab.example.com:dev%40example.com?secret=JV3HOBXYLWDJAASK2262GQA35HEMXTGJ&issuer=gitlab.example.com&algorithm=SHA1&digits=6&period=30",
        Expect {
            issuer: Some("gitlab.example.com"),
            account: Some("dev@example.com"),
            bits: 160,
            burnable: true,
            short_warning: false,
            secret_ends: "JV3H…XTGJ",
        },
    );
}

#[test]
fn okta() {
    // Okta (Google Authenticator factor): org host as issuer.
    check(
        "otpauth://totp/example.okta.com:user%40example.com?secret=GX3M2H3BEJVOCUZYVYNDIACNGO5A2JDK&issuer=example.okta.com",
        Expect {
            issuer: Some("example.okta.com"),
            account: Some("user@example.com"),
            bits: 160,
            burnable: true,
            short_warning: false,
            secret_ends: "GX3M…2JDK",
        },
    );
    // Okta Verify's own enrolment QR is push-based: an unknown scheme, refused.
    match parse_input("oktaverify://user@example.com/?t=abc&f=def&s=https://example.okta.com") {
        SeedInput::Refused(Refusal::UnknownScheme { scheme }) => assert_eq!(scheme, "oktaverify"),
        other => panic!("{}", other.kind()),
    }
}

#[test]
fn services_outside_the_token_family() {
    // SHA256 / 60 s (some banking and VPN portals): burnable.
    let s = check(
        "otpauth://totp/Bank:acct?secret=GX3M2H3BEJVOCUZYVYNDIACNGO5A2JDK&issuer=Bank&algorithm=SHA256&period=60",
        Expect {
            issuer: Some("Bank"),
            account: Some("acct"),
            bits: 160,
            burnable: true,
            short_warning: false,
            secret_ends: "GX3M…2JDK",
        },
    );
    assert_eq!(s.token_program().unwrap().step, TokenStep::Secs60);
    // 8 digits: refused before any NFC traffic, with the reason.
    let s = check(
        "otpauth://totp/Corp:me?secret=GX3M2H3BEJVOCUZYVYNDIACNGO5A2JDK&issuer=Corp&digits=8",
        Expect {
            issuer: Some("Corp"),
            account: Some("me"),
            bits: 160,
            burnable: false,
            short_warning: false,
            secret_ends: "GX3M…2JDK",
        },
    );
    assert_eq!(
        s.token_program().unwrap_err()[0].to_string(),
        "this service asks for 8-digit codes; these tokens always show 6"
    );
    // Steam entries as exported by authenticator apps.
    assert!(matches!(
        parse_input(
            "otpauth://steam/Steam:gamer?secret=GX3M2H3BEJVOCUZYVYNDIACNGO5A2JDK&issuer=Steam"
        ),
        SeedInput::Refused(Refusal::Steam)
    ));
}

#[test]
fn google_authenticator_export() {
    let payload = encode::payload(
        &[
            encode::Account {
                secret: &data_encoding::BASE32_NOPAD
                    .decode(b"FTPNMI33F3MR4P3SD7FRS4IXISKNMSJ4")
                    .unwrap(),
                name: "Google:alice@gmail.com",
                issuer: "Google",
                algorithm: 1,
                digits: 1,
                kind: 2,
            },
            encode::Account {
                secret: &data_encoding::BASE32_NOPAD
                    .decode(b"UVG4UGBFGC5R23IT")
                    .unwrap(),
                name: "octocat",
                issuer: "GitHub",
                algorithm: 1,
                digits: 1,
                kind: 2,
            },
            encode::Account {
                secret: &[9; 20],
                name: "hotp-account",
                issuer: "Legacy VPN",
                algorithm: 1,
                digits: 1,
                kind: 1,
            },
        ],
        (2, 0, -1i64 as u64),
    );
    match parse_input(&encode::link(&payload)) {
        SeedInput::Migration(b) => {
            assert_eq!(b.accounts.len(), 3);
            assert_eq!(b.batch_id, -1);
            assert_eq!(b.warnings, vec![Warning::PartOfBatch { index: 0, size: 2 }]);
            assert_ends(&b.accounts[0].spec, "FTPN…MSJ4");
            assert_eq!(b.accounts[0].spec.account(), Some("alice@gmail.com"));
            assert_eq!(b.accounts[1].spec.display_name(), "GitHub (octocat)");
            assert!(b.accounts[1]
                .spec
                .warnings()
                .contains(&Warning::ShortSeed { bits: 80 }));
            assert!(!b.accounts[2].burnable());
            assert_eq!(b.burnable_count(), 2);
        }
        other => panic!("{}", other.kind()),
    }
}
