//! `kiln qr decode FILE…`: read QR codes from image files (PNG, JPEG, WebP).
//!
//! By default only a classification is printed (kind, issuer, account; the secret is
//! always redacted). `--raw` prints the exact payload texts — which contain the TOTP
//! secrets — as one JSON object per file; it is an explicit user choice for scripts
//! and benchmarks.

use crate::exit::Exit;
use kiln_core::secret::SecretString;
use kiln_core::seed::{parse_input, SeedInput, SeedSpec};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    cmd: QrCmd,
}

#[derive(clap::Subcommand, Debug)]
enum QrCmd {
    /// Decode the QR codes in image files and say what they are (secrets redacted).
    Decode(DecodeArgs),
}

#[derive(clap::Args, Debug)]
struct DecodeArgs {
    /// Image files (PNG, JPEG or WebP).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Print the exact decoded payloads, one JSON object per file:
    /// {"file": …, "payloads": […], "decode_ms": …}. The payloads CONTAIN THE SECRETS.
    #[arg(long)]
    raw: bool,
}

pub fn run(args: Args, ctx: crate::Ctx) -> Exit {
    match args.cmd {
        QrCmd::Decode(a) => decode(a, ctx),
    }
}

/// What one file yielded.
struct FileResult {
    payloads: Vec<SecretString>,
    decode_ms: f64,
    error: Option<(Exit, String)>,
    /// Nothing decoded, but a QR code is visible.
    unreadable: Option<kiln_qr::Sighting>,
}

fn decode_file(path: &std::path::Path) -> FileResult {
    let bytes = match crate::qr_in::read_image(path) {
        Ok(b) => b,
        Err(e) => {
            let code = match e {
                crate::qr_in::ImageReadError::Io(_) => Exit::Failure,
                crate::qr_in::ImageReadError::TooLarge => Exit::InputRefused,
            };
            return FileResult {
                payloads: Vec::new(),
                decode_ms: 0.0,
                unreadable: None,
                error: Some((code, e.to_string())),
            };
        }
    };
    let mut luma = match kiln_qr::load_luma(&bytes) {
        Ok(l) => l,
        Err(e) => {
            return FileResult {
                payloads: Vec::new(),
                decode_ms: 0.0,
                unreadable: None,
                error: Some((Exit::InputRefused, e.to_string())),
            }
        }
    };
    let (w, h) = (
        u32::try_from(luma.width).unwrap_or(u32::MAX),
        u32::try_from(luma.height).unwrap_or(u32::MAX),
    );
    let start = Instant::now();
    let result = kiln_qr::scan_luma(&luma.data, w, h, w, Some(kiln_qr::FILE_BUDGET));
    let decode_ms = start.elapsed().as_secs_f64() * 1000.0;
    // The pixels may show a secret.
    zeroize::Zeroize::zeroize(&mut luma.data);
    let mut r = FileResult {
        payloads: Vec::new(),
        decode_ms,
        error: None,
        unreadable: None,
    };
    match result {
        Ok(kiln_qr::Frame::Decoded(p)) => {
            r.payloads = p.into_iter().map(SecretString::new).collect();
        }
        Ok(kiln_qr::Frame::Unreadable(s)) => r.unreadable = Some(s),
        Ok(kiln_qr::Frame::Empty) => {}
        Err(e) => r.error = Some((Exit::InputRefused, e.to_string())),
    }
    r
}

/// Third-party decoders' panics are caught inside kiln-qr; keep their messages off
/// the user's terminal, but let any other panic report as usual.
fn quiet_decoder_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let third_party = info.location().is_some_and(|l| {
            let f = l.file();
            f.contains("rqrr") || f.contains("rxing")
        });
        if !third_party {
            default(info);
        }
    }));
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
}

fn decode(args: DecodeArgs, ctx: crate::Ctx) -> Exit {
    quiet_decoder_panics();
    let mut worst = Exit::Ok;
    let mut failed = 0usize;
    for path in &args.files {
        let shown = path.display().to_string();
        let r = decode_file(path);
        // This file's exit code and the sentence the text output gives for it.
        let (code, problem) = match (&r.error, &r.unreadable, r.payloads.is_empty()) {
            (Some((code, msg)), _, _) => {
                crate::out::error(format_args!("{shown}: {msg}"));
                (*code, Some(format!("{shown}: {msg}")))
            }
            (None, Some(s), true) => (
                Exit::InputRefused,
                Some(format!(
                    "{shown}: a QR code is visible but cannot be read: {}",
                    crate::qr_in::advice(s, false)
                )),
            ),
            (None, None, true) => (
                Exit::InputRefused,
                Some(format!("{shown}: no QR code found")),
            ),
            // The rule of `kiln inspect`: 3 unless a code can go on a token
            // (only refused payloads such as Wi-Fi settings, or none burnable).
            (None, _, false)
                if !r
                    .payloads
                    .iter()
                    .any(|p| parse_input(p.expose()).is_burnable()) =>
            {
                (
                    Exit::InputRefused,
                    Some(format!("{shown}: no code in it can go on a token")),
                )
            }
            (None, _, false) => (Exit::Ok, None),
        };
        worst = worse(worst, code);
        if let (Some(p), None) = (&problem, &r.error) {
            // Printed on stdout as the file's result line (text mode) below.
            crate::out::record(p);
        }
        failed += usize::from(code != Exit::Ok);
        if args.raw {
            let payloads: Vec<String> =
                r.payloads.iter().map(|p| json_string(p.expose())).collect();
            println!(
                "{{\"file\": {}, \"payloads\": [{}], \"decode_ms\": {:.3}}}",
                json_string(&shown),
                payloads.join(", "),
                r.decode_ms
            );
            continue;
        }
        let kinds: Vec<Classified> = r.payloads.iter().map(|p| classify(p.expose())).collect();
        if ctx.json {
            let v = serde_json::json!({
                "file": shown,
                "codes": kinds.iter().map(Classified::to_json).collect::<Vec<_>>(),
                "unreadable": r.unreadable.as_ref().map(|s| serde_json::json!({
                    "module_px": (f64::from(s.module_px) * 10.0).round() / 10.0,
                    "advice": crate::qr_in::advice_key(s),
                    "message": crate::qr_in::advice(s, false),
                })),
            });
            if let serde_json::Value::Object(m) = v {
                crate::out::stream(m, code, problem.as_deref());
            }
        } else if r.error.is_none() {
            if let Some(p) = &problem {
                println!("{p}");
            }
            for k in &kinds {
                println!("{shown}: {}", k.describe());
            }
        }
    }
    if ctx.json {
        crate::out::object(serde_json::json!({
            "summary": true,
            "file_count": args.files.len(),
            "failed_files": failed,
        }));
    }
    worst
}

fn worse(a: Exit, b: Exit) -> Exit {
    // A general failure outranks a refused input; both outrank success.
    match (a, b) {
        (Exit::Failure, _) | (_, Exit::Failure) => Exit::Failure,
        (Exit::Ok, x) => x,
        (x, _) => x,
    }
}

/// One decoded payload, classified by kiln-core's seed parser; never shows a secret.
struct Classified(SeedInput);

fn classify(payload: &str) -> Classified {
    Classified(parse_input(payload))
}

fn spec_line(spec: &SeedSpec) -> String {
    let mut s = String::new();
    if let Some(i) = spec.issuer() {
        s.push_str(&format!("issuer {i:?}, "));
    }
    if let Some(a) = spec.account() {
        s.push_str(&format!("account {a:?}, "));
    }
    s.push_str(&format!(
        "{}, {} digits, {} s, secret <redacted> ({} bits)",
        spec.algorithm(),
        spec.digits(),
        spec.period(),
        spec.secret_bits()
    ));
    let problems = spec.problems();
    if problems.is_empty() {
        s.push_str("; can go on a token");
    } else {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        s.push_str(&format!("; cannot go on a token: {}", list.join("; ")));
    }
    s
}

fn spec_json(spec: &SeedSpec) -> serde_json::Value {
    serde_json::json!({
        "issuer": spec.issuer(),
        "account": spec.account(),
        "algorithm": spec.algorithm().to_string(),
        "digits": spec.digits(),
        "period": spec.period(),
        "secret": "<redacted>",
        "secret_bits": spec.secret_bits(),
        "burnable": spec.is_burnable(),
    })
}

impl Classified {
    fn describe(&self) -> String {
        match &self.0 {
            SeedInput::Totp(spec) => format!("otpauth TOTP link: {}", spec_line(spec)),
            SeedInput::Migration(b) => {
                let mut s = format!(
                    "Google Authenticator export with {} account(s), {} can go on a token",
                    b.accounts.len(),
                    b.burnable_count()
                );
                for (i, acc) in b.accounts.iter().enumerate() {
                    s.push_str(&format!("\n  account {}: {}", i + 1, spec_line(&acc.spec)));
                }
                s
            }
            SeedInput::Ambiguous(_) => {
                "bare seed text, readable as both Base32 and Hex; secret <redacted>".to_owned()
            }
            SeedInput::Refused(r) => format!("not an OTP seed: {r}"),
        }
    }

    fn to_json(&self) -> serde_json::Value {
        match &self.0 {
            SeedInput::Totp(spec) => {
                let mut v = spec_json(spec);
                if let Some(o) = v.as_object_mut() {
                    o.insert("kind".into(), "totp".into());
                }
                v
            }
            SeedInput::Migration(b) => serde_json::json!({
                "kind": "migration",
                "accounts": b.accounts.iter().map(|a| spec_json(&a.spec)).collect::<Vec<_>>(),
            }),
            SeedInput::Ambiguous(_) => {
                serde_json::json!({ "kind": "ambiguous", "secret": "<redacted>" })
            }
            SeedInput::Refused(r) => serde_json::json!({
                "kind": "refused", "code": r.code(), "reason": r.to_string(),
            }),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const SECRET: &str = "JBSWY3DPEHPK3PXP";

    #[test]
    fn otpauth_is_described_without_its_secret() {
        let c = classify(&format!(
            "otpauth://totp/ACME%20Co:alice@example.com?secret={SECRET}&issuer=ACME%20Co"
        ));
        let d = c.describe();
        assert!(
            d.starts_with("otpauth TOTP link: issuer \"ACME Co\", account \"alice@example.com\""),
            "{d}"
        );
        assert!(d.contains("<redacted>"), "{d}");
        assert!(!d.contains(SECRET), "{d}");
        let j = c.to_json().to_string();
        assert!(!j.contains(SECRET), "{j}");
        assert!(j.contains("\"kind\":\"totp\""), "{j}");
    }

    #[test]
    fn other_text_is_refused_with_a_reason() {
        let c = classify("https://example.com/");
        assert!(
            c.describe().starts_with("not an OTP seed: "),
            "{}",
            c.describe()
        );
        assert_eq!(c.to_json().get("kind").unwrap(), "refused");
    }

    #[test]
    fn bare_secret_text_is_not_echoed() {
        let c = classify(SECRET);
        assert!(!c.describe().contains(SECRET));
        assert!(!c.to_json().to_string().contains(SECRET));
    }
}
