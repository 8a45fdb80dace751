//! `kiln qr decode FILE…`: read QR codes from image files (PNG, JPEG, WebP).
//!
//! By default only a classification is printed (kind, issuer, account; the secret is
//! always redacted). `--raw` prints the exact payload texts — which contain the TOTP
//! secrets — as one JSON object per file; it is an explicit user choice for scripts
//! and benchmarks.

use crate::exit::Exit;
use kiln_core::secret::SecretString;
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
}

fn decode_file(path: &PathBuf) -> FileResult {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return FileResult {
                payloads: Vec::new(),
                decode_ms: 0.0,
                error: Some((Exit::Failure, format!("cannot read the file: {e}"))),
            }
        }
    };
    let luma = match kiln_qr::load_luma(&bytes) {
        Ok(l) => l,
        Err(e) => {
            return FileResult {
                payloads: Vec::new(),
                decode_ms: 0.0,
                error: Some((Exit::InputRefused, e.to_string())),
            }
        }
    };
    let (w, h) = (
        u32::try_from(luma.width).unwrap_or(u32::MAX),
        u32::try_from(luma.height).unwrap_or(u32::MAX),
    );
    let start = Instant::now();
    let result = kiln_qr::decode_luma(&luma.data, w, h, w, Some(kiln_qr::FILE_BUDGET));
    let decode_ms = start.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(p) => FileResult {
            payloads: p.into_iter().map(SecretString::new).collect(),
            decode_ms,
            error: None,
        },
        Err(e) => FileResult {
            payloads: Vec::new(),
            decode_ms,
            error: Some((Exit::InputRefused, e.to_string())),
        },
    }
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
    let mut json_files = Vec::new();
    for path in &args.files {
        let shown = path.display().to_string();
        let r = decode_file(path);
        if let Some((code, msg)) = &r.error {
            eprintln!("kiln: {shown}: {msg}");
            worst = worse(worst, *code);
        } else if r.payloads.is_empty() {
            worst = worse(worst, Exit::InputRefused);
        }
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
            json_files.push(serde_json::json!({
                "file": shown,
                "codes": kinds.iter().map(Classified::to_json).collect::<Vec<_>>(),
                "error": r.error.as_ref().map(|(_, m)| m.clone()),
            }));
        } else if r.error.is_none() {
            if kinds.is_empty() {
                println!("{shown}: no QR code found");
            }
            for k in &kinds {
                println!("{shown}: {}", k.describe());
            }
        }
    }
    if ctx.json && !args.raw {
        println!("{}", serde_json::json!({ "files": json_files }));
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

/// What a payload is, without its secret.
#[derive(Debug, PartialEq, Eq)]
enum Classified {
    OtpAuth {
        kind: String,
        issuer: Option<String>,
        account: Option<String>,
        has_secret: bool,
    },
    Migration,
    Other {
        chars: usize,
    },
}

impl Classified {
    fn describe(&self) -> String {
        match self {
            Classified::OtpAuth {
                kind,
                issuer,
                account,
                has_secret,
            } => {
                let mut s = format!("otpauth URI ({})", kind.to_uppercase());
                if let Some(i) = issuer {
                    s.push_str(&format!(", issuer {i:?}"));
                }
                if let Some(a) = account {
                    s.push_str(&format!(", account {a:?}"));
                }
                s.push_str(if *has_secret {
                    ", secret <redacted>"
                } else {
                    ", no secret parameter"
                });
                s
            }
            Classified::Migration => {
                "Google Authenticator export (otpauth-migration), secrets <redacted>".to_owned()
            }
            Classified::Other { chars } => {
                format!("other text ({chars} characters), not an OTP link")
            }
        }
    }

    fn to_json(&self) -> serde_json::Value {
        match self {
            Classified::OtpAuth {
                kind,
                issuer,
                account,
                has_secret,
            } => serde_json::json!({
                "kind": "otpauth", "type": kind, "issuer": issuer, "account": account,
                "secret": if *has_secret { "<redacted>" } else { "" },
            }),
            Classified::Migration => serde_json::json!({ "kind": "migration" }),
            Classified::Other { chars } => serde_json::json!({ "kind": "other", "chars": chars }),
        }
    }
}

/// Local, redacting classifier (the full seed parser lives in kiln-core's seed module
/// once it lands; this only needs labels and must never touch the secret value).
fn classify(payload: &str) -> Classified {
    let lower = payload.get(..19).map(str::to_ascii_lowercase);
    if lower.as_deref() == Some("otpauth-migration:/") {
        return Classified::Migration;
    }
    let Some(rest) = strip_prefix_ci(payload, "otpauth://") else {
        return Classified::Other {
            chars: payload.chars().count(),
        };
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (kind, label) = path.split_once('/').unwrap_or((path, ""));
    let label = percent_decode(label);
    let (mut issuer, account) = match label.split_once(':') {
        Some((i, a)) => (Some(i.trim().to_owned()), Some(a.trim().to_owned())),
        None if label.is_empty() => (None, None),
        None => (None, Some(label.trim().to_owned())),
    };
    let mut has_secret = false;
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k.eq_ignore_ascii_case("secret") {
            has_secret = !v.is_empty();
        } else if k.eq_ignore_ascii_case("issuer") && !v.is_empty() {
            issuer = Some(percent_decode(v));
        }
    }
    Classified::OtpAuth {
        kind: kind.to_ascii_lowercase(),
        issuer,
        account,
        has_secret,
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// Percent-decoding (and `+` as space) for labels; invalid escapes stay as written.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if c == b'+' { b' ' } else { c });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn classifies_otpauth_without_exposing_secret() {
        let c = classify("otpauth://totp/ACME%20Co:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&digits=8");
        assert_eq!(
            c,
            Classified::OtpAuth {
                kind: "totp".into(),
                issuer: Some("ACME Co".into()),
                account: Some("alice@example.com".into()),
                has_secret: true
            }
        );
        let d = c.describe();
        assert!(!d.contains("JBSWY3DPEHPK3PXP"), "{d}");
        assert!(d.contains("<redacted>"));
        assert!(!c.to_json().to_string().contains("JBSWY3DPEHPK3PXP"));
    }

    #[test]
    fn classifies_migration_and_other() {
        assert_eq!(
            classify("otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SEg"),
            Classified::Migration
        );
        assert_eq!(classify("héllo"), Classified::Other { chars: 5 });
        assert_eq!(
            classify("OTPAUTH://HOTP/x?counter=1").describe(),
            "otpauth URI (HOTP), account \"x\", no secret parameter"
        );
    }

    #[test]
    fn percent_decoding_keeps_bad_escapes() {
        assert_eq!(percent_decode("a%20b+c%zz%4"), "a b c%zz%4");
    }
}
