//! `kiln inspect`: read one QR payload or typed seed from stdin and say what it
//! is, whether it can go on a token, and why. Never prints the seed itself.

use crate::exit::Exit;
use crate::seed_in::{fail, read_input, EncodingArg};
use crate::Ctx;
use kiln_core::seed::{
    parse_input, AmbiguousSeed, Encoding, MigrationAccount, MigrationBatch, OtpKind, Refusal,
    SeedInput, SeedSource, SeedSpec,
};
use serde_json::{json, Value};

/// Say what a QR payload or typed seed is and whether it can go on a token.
///
/// Reads one otpauth:// link, Google Authenticator export link
/// (otpauth-migration://), or Base32/Hex seed from standard input (or a hidden
/// prompt). Prints the issuer, account, settings, seed length and a short
/// fingerprint (4 characters of a hash of the seed: tells seeds apart, reveals at
/// most 20 bits). The seed itself is never printed.
///
/// Exit status: 0 if it can go on a token (for an export: at least one account),
/// 3 if not (the reasons are printed).
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  kiln inspect < qr.txt\n  echo 'JBSW Y3DP EHPK 3PXP' | kiln inspect --json"
)]
pub struct Args {
    /// If a typed seed could be Base32 or Hex, read it as this.
    #[arg(long, value_enum, value_name = "ENCODING")]
    encoding: Option<EncodingArg>,
}

pub fn run(args: Args, ctx: Ctx) -> Exit {
    let text = match read_input() {
        Ok(t) => t,
        Err(e) => return e,
    };
    let mut parsed = parse_input(text.expose());
    let mistake = crate::paste::mistake(text.expose());
    drop(text);
    if let (SeedInput::Ambiguous(a), Some(e)) = (&parsed, args.encoding) {
        parsed = SeedInput::Totp(a.resolve(e.into()));
    }
    if ctx.json {
        crate::out::object(to_json(&parsed));
    } else {
        print_text(&parsed);
    }
    match error_sentence(&parsed) {
        None => Exit::Ok,
        Some(e) => {
            let e = match (&parsed, mistake) {
                (SeedInput::Refused(_), Some(fix)) => format!("not accepted: {fix}"),
                _ => e,
            };
            fail(e);
            Exit::InputRefused
        }
    }
}

/// Why this input cannot go on a token (the text output's last line on stderr,
/// and the JSON `error`), or `None` when it can.
fn error_sentence(parsed: &SeedInput) -> Option<String> {
    match parsed {
        SeedInput::Totp(s) if s.is_burnable() => None,
        SeedInput::Totp(s) => Some(format!(
            "this seed cannot go on a token: {}",
            strings(&s.problems()).join("; ")
        )),
        SeedInput::Migration(b) if b.burnable_count() > 0 => None,
        SeedInput::Migration(_) => Some("no account in this export can go on a token".into()),
        SeedInput::Ambiguous(a) => Some(ambiguous_sentence(a)),
        SeedInput::Refused(r) => Some(format!("not accepted: {r}")),
    }
}

fn source_name(s: SeedSource) -> &'static str {
    match s {
        SeedSource::OtpauthLink => "otpauth",
        SeedSource::Migration { .. } => "migration",
        SeedSource::Typed(Encoding::Base32) => "typed-base32",
        SeedSource::Typed(Encoding::Hex) => "typed-hex",
        SeedSource::Stored => "stored",
    }
}

fn strings<T: ToString>(items: &[T]) -> Vec<String> {
    items.iter().map(ToString::to_string).collect()
}

/// The JSON object of one seed (also used for each export account).
fn spec_json(kind: &str, spec: &SeedSpec) -> Value {
    json!({
        "kind": kind,
        "issuer": spec.issuer(),
        "account": spec.account(),
        "algorithm": spec.algorithm().to_string(),
        "digits": spec.digits(),
        "period": spec.period(),
        "secret_bits": spec.secret_bits(),
        "burnable": spec.is_burnable(),
        "problems": strings(&spec.problems()),
        "warnings": strings(spec.warnings()),
        "fingerprint": spec.fingerprint(),
        "source": source_name(spec.source()),
    })
}

fn account_json(index: usize, a: &MigrationAccount) -> Value {
    let kind = match a.kind {
        OtpKind::Totp | OtpKind::Unspecified => "totp",
        OtpKind::Hotp => "hotp",
        OtpKind::Unknown(_) => "unknown",
    };
    let mut v = spec_json(kind, &a.spec);
    if let Value::Object(m) = &mut v {
        m.insert("number".into(), json!(index + 1));
        m.insert("reason".into(), json!(a.reason()));
    }
    v
}

/// The fields every kind carries, empty.
fn empty(kind: &str, burnable: bool) -> serde_json::Map<String, Value> {
    let v = json!({
        "kind": kind,
        "issuer": null,
        "account": null,
        "algorithm": null,
        "digits": null,
        "period": null,
        "secret_bits": null,
        "burnable": burnable,
        "problems": [],
        "warnings": [],
        "fingerprint": null,
        "source": null,
    });
    match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

fn migration_json(b: &MigrationBatch) -> Value {
    let mut m = empty("migration", b.burnable_count() > 0);
    m.insert("source".into(), json!("migration"));
    m.insert("warnings".into(), json!(strings(&b.warnings)));
    if b.burnable_count() == 0 {
        m.insert(
            "problems".into(),
            json!(["no account in this export can go on a token"]),
        );
    }
    m.insert(
        "accounts".into(),
        Value::Array(
            b.accounts
                .iter()
                .enumerate()
                .map(|(i, a)| account_json(i, a))
                .collect(),
        ),
    );
    m.insert(
        "batch".into(),
        json!({"index": b.batch_index, "size": b.batch_size, "id": b.batch_id, "version": b.version}),
    );
    Value::Object(m)
}

fn ambiguous_json(a: &AmbiguousSeed) -> Value {
    let mut m = empty("ambiguous", false);
    m.insert("problems".into(), json!([ambiguous_sentence(a)]));
    let readings: Vec<Value> = [Encoding::Base32, Encoding::Hex]
        .into_iter()
        .map(|e| {
            let spec = a.resolve(e);
            json!({
                "encoding": e.as_str().to_ascii_lowercase(),
                "secret_bits": spec.secret_bits(),
                "fingerprint": spec.fingerprint(),
                "burnable": spec.is_burnable(),
                "warnings": strings(spec.warnings()),
            })
        })
        .collect();
    m.insert("readings".into(), Value::Array(readings));
    Value::Object(m)
}

fn refusal_json(r: &Refusal) -> Value {
    let mut m = empty("refused", false);
    m.insert("problems".into(), json!([r.to_string()]));
    m.insert("refusal".into(), json!(r.code()));
    let suggestions: Vec<Value> = r
        .suggestions()
        .iter()
        .map(|s| {
            json!({
                "encoding": s.encoding.as_str().to_ascii_lowercase(),
                "position": s.position,
                "found": s.found.to_string(),
                "maybe": s.maybe.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
            })
        })
        .collect();
    m.insert("suggestions".into(), Value::Array(suggestions));
    Value::Object(m)
}

/// `kiln inspect --json` output for any input.
pub fn to_json(parsed: &SeedInput) -> Value {
    match parsed {
        SeedInput::Totp(s) => spec_json("totp", s),
        SeedInput::Migration(b) => migration_json(b),
        SeedInput::Ambiguous(a) => ambiguous_json(a),
        SeedInput::Refused(r) => refusal_json(r),
    }
}

fn ambiguous_sentence(a: &AmbiguousSeed) -> String {
    format!(
        "this seed is valid both as Base32 ({} bits, fingerprint {}) and as Hex ({} bits, fingerprint {}); ask which one the service shows and run again with --encoding base32 or --encoding hex",
        a.bits(Encoding::Base32),
        a.fingerprint(Encoding::Base32),
        a.bits(Encoding::Hex),
        a.fingerprint(Encoding::Hex)
    )
}

fn print_spec(spec: &SeedSpec, indent: &str) {
    let or_none = |s: Option<&str>| s.unwrap_or("(none)").to_string();
    println!("{indent}issuer       {}", or_none(spec.issuer()));
    println!("{indent}account      {}", or_none(spec.account()));
    println!("{indent}algorithm    {}", spec.algorithm());
    println!("{indent}digits       {}", spec.digits());
    println!("{indent}period       {} s", spec.period());
    println!(
        "{indent}seed         {} bits, fingerprint {}",
        spec.secret_bits(),
        spec.fingerprint()
    );
    let problems = spec.problems();
    if problems.is_empty() {
        println!("{indent}burnable     yes");
    } else {
        println!("{indent}burnable     no");
        for p in &problems {
            println!("{indent}  problem: {p}");
        }
    }
    for w in spec.warnings() {
        println!("{indent}  warning: {w}");
    }
}

fn print_text(parsed: &SeedInput) {
    match parsed {
        SeedInput::Totp(spec) => {
            let what = match spec.source() {
                SeedSource::OtpauthLink => "an otpauth:// TOTP link".to_string(),
                SeedSource::Typed(e) => format!("a typed {e} seed"),
                SeedSource::Migration { .. } => "an export account".to_string(),
                SeedSource::Stored => "a stored seed".to_string(),
            };
            println!("This is {what}: {}", spec.display_name());
            print_spec(spec, "  ");
        }
        SeedInput::Migration(b) => {
            println!(
                "This is a Google Authenticator export with {} account(s); {} can go on a token.",
                b.accounts.len(),
                b.burnable_count()
            );
            for w in &b.warnings {
                println!("  warning: {w}");
            }
            for (i, a) in b.accounts.iter().enumerate() {
                println!();
                println!("Account {}: {}", i + 1, a.spec.display_name());
                print_spec(&a.spec, "  ");
            }
        }
        // Said on stderr by `run` (error_sentence).
        SeedInput::Ambiguous(_) | SeedInput::Refused(_) => {}
    }
}
