//! `kiln diagnose CODE`: why does the token's code not match the service?

use crate::exit::Exit;
use crate::seed_in::{fail, load_spec, now_or, SeedOpts};
use crate::Ctx;
use kiln_core::verify::{diagnose, expected_codes_for, Cause, VerifyError};
use serde_json::{json, Value};

/// Explain why a token's code does not match the service.
///
/// Give the code shown on the token (or rejected by the service) as CODE and
/// pipe the service's seed on standard input. kiln searches clock offsets of up
/// to ±10 steps, SHA1 and SHA256, 30 s and 60 s periods, and the seed read as
/// Base32 or Hex, and says the most likely cause in one sentence, e.g. "the
/// token clock is about 47 s behind".
///
/// Exit status: 0 if the code is correct now, 7 if it is not (the cause is
/// printed), 3 if the seed was refused.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  kiln diagnose 287082 < service-qr.txt")]
pub struct Args {
    /// The 6-8 digit code read off the token (spaces allowed if quoted).
    #[arg(value_name = "CODE")]
    code: String,

    /// Diagnose as of this Unix time (seconds) instead of now.
    #[arg(long, value_name = "UNIX", value_parser = crate::bounds::unix())]
    at: Option<u64>,

    #[command(flatten)]
    seed: SeedOpts,
}

fn cause_json(c: &Cause) -> Value {
    match c {
        Cause::Match => json!({"type": "match"}),
        Cause::Clock {
            offset_steps,
            min_secs,
            max_secs,
        } => {
            json!({"type": "clock", "offset_steps": offset_steps, "min_secs": min_secs, "max_secs": max_secs})
        }
        Cause::Period { token, service } => {
            json!({"type": "period", "token": token, "service": service})
        }
        Cause::Algorithm { token, service } => {
            json!({"type": "algorithm", "token": token.as_str(), "service": service.to_string()})
        }
        Cause::Encoding { typed_as, is } => {
            json!({"type": "encoding", "typed_as": typed_as.as_str(), "is": is.as_str()})
        }
        Cause::Digits { token, service } => {
            json!({"type": "digits", "token": token, "service": service})
        }
        Cause::NoMatch {
            searched,
            other_encoding,
        } => json!({"type": "no-match", "searched": searched, "other_encoding": other_encoding}),
    }
}

pub fn run(args: Args, ctx: Ctx) -> Exit {
    let spec = match load_spec(&args.seed) {
        Ok(s) => s,
        Err(e) => return e,
    };
    report(&spec, &args.code, now_or(args.at), ctx)
}

/// Diagnoses `code` against `spec` at `at` and prints the result (shared with `kiln verify`).
pub fn report(spec: &kiln_core::seed::SeedSpec, code: &str, at: u64, ctx: Ctx) -> Exit {
    report_with(spec, code, at, ctx, serde_json::Map::new())
}

/// [`report`], with `extra` members added to the JSON object (e.g. the serial
/// and journal record `kiln verify --journal` checked against).
pub fn report_with(
    spec: &kiln_core::seed::SeedSpec,
    code: &str,
    at: u64,
    ctx: Ctx,
    extra: serde_json::Map<String, Value>,
) -> Exit {
    let d = match diagnose(spec, code, at) {
        Ok(d) => d,
        Err(e @ VerifyError::BadCode) => {
            fail(e);
            return Exit::Usage;
        }
        Err(e) => {
            fail(format_args!("cannot compute codes: {e}"));
            return Exit::InputRefused;
        }
    };
    let expected = expected_codes_for(spec, at).ok();
    if ctx.json {
        let found = d.found.map(|r| {
            json!({
                "algorithm": r.algorithm.as_str(),
                "period": r.period,
                "encoding": r.encoding.map(|e| e.as_str()),
                "offset_steps": r.offset_steps,
            })
        });
        let mut v = json!({
            "match": d.is_match(),
            "sentence": d.sentence(),
            "causes": d.causes.iter().map(cause_json).collect::<Vec<_>>(),
            "found": found,
            "searched": d.searched,
            "at": at,
            "expected": expected.map(|e| e.current.to_string()),
            "error": (!d.is_match()).then(|| kiln_core::text::sentence(&d.sentence())),
            "algorithm": spec.algorithm().to_string(),
            "period": spec.period(),
        });
        if let Value::Object(m) = &mut v {
            m.extend(extra);
        }
        crate::out::object(v);
    } else {
        println!("{}", kiln_core::text::sentence(&d.sentence()));
        if let Some(r) = d.found {
            let enc = r
                .encoding
                .map(|e| format!(", seed read as {e}"))
                .unwrap_or_default();
            println!(
                "  matched with {}, {} s, {:+} step(s){enc}",
                r.algorithm, r.period, r.offset_steps
            );
        }
        if let Some(e) = expected {
            println!(
                "  the service expects {} now ({} s left)",
                e.current, e.seconds_left
            );
        }
    }
    if d.is_match() {
        Exit::Ok
    } else {
        Exit::Mismatch
    }
}
