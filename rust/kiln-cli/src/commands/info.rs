//! `kiln info`: read a token's serial, model and clock (GET INFO only; works on
//! every model, known or not).

use crate::exit::Exit;
use crate::show;
use crate::transport::{self, TransportArgs};
use kiln_core::report::FirstContactReport;
use kiln_core::session::{run_session_observed, Measure, Outcome, ReadSession};

/// Read serial, model and clock drift of a token (sends GET INFO only).
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  kiln info                                  # the one reader with a token on it
  kiln info --reader \"OMNIKEY 5427\" --json
  kiln info --sim --sim-offset -95           # try it without hardware

Switch the token on and lay it on the reader. Only GET INFO is sent, so this is
safe on every token, known model or not. The drift is the token clock minus
this computer's clock (keep this computer's clock synchronised, e.g. NTP).")]
pub struct Args {
    #[command(flatten)]
    pub transport: TransportArgs,

    #[command(flatten)]
    pub clock: crate::reference::ClockArgs,

    /// Only decide the advice (one GET INFO unless it is borderline; drift ± about
    /// 0.5 s). Default: measure the drift to a few hundredths of a second (up to
    /// 13 GET INFO within 2.5 s).
    #[arg(long)]
    pub quick: bool,

    /// Also print a first-contact report to share when the model is unknown (or
    /// anything looks odd): serial format, the whole GET INFO answer, the reader's
    /// ATR, the drift, kiln's version. GET INFO only: no key is tried; the report
    /// holds no seed or key (docs/adding-a-model.md).
    #[arg(long)]
    pub report: bool,
}

/// What is known about a token whose serial matches no model, and what to do.
pub const UNKNOWN_MODEL_NOTE: &str = "\
This serial matches no model in kiln's table, so kiln only reads this token.
Deepnet's SafeID tokens are probably the same hardware family, but that is not
confirmed and their key is not public. Programming it is possible only as an
explicit choice (`kiln burn --allow-unknown-model --key default|<32 hex digits>`),
with one authentication attempt: a wrong key may count against a lock-out
counter of unknown size. To help add this model, share the output of
`kiln info --report` (no seed or key is in it).";

pub fn run(args: Args, ctx: crate::Ctx) -> Exit {
    let mut t = match transport::open(&args.transport) {
        Ok(t) => t,
        Err(e) => return show::refuse(&e.to_string(), Exit::NoToken),
    };
    if !ctx.json {
        println!("Reading {}", t.description);
    }
    let mut steps = Vec::new();
    let reference = crate::reference::reference(&args.transport, &args.clock);
    let measure = if args.quick {
        Measure::Advice
    } else {
        Measure::Precise
    };
    let out = run_session_observed(
        &mut ReadSession::new(reference, measure),
        &mut *t.link,
        &mut *t.clock,
        &mut |e| {
            if !ctx.json {
                println!("{}", show::step_text(e));
            }
            steps.push(show::step_json(e));
        },
    );
    match out {
        Outcome::Read(r) => {
            let known = crate::remember::lookup(&r.serial.to_string());
            let report = args.report.then(|| {
                FirstContactReport::new(
                    &r,
                    t.facts.clone(),
                    concat!("kiln ", env!("CARGO_PKG_VERSION")),
                )
            });
            if ctx.json {
                let mut v = show::with_status(show::reading_json(&r), true, steps);
                if let serde_json::Value::Object(m) = &mut v {
                    m.insert("token_state".into(), "unchanged".into());
                    if let Some(rep) = &report {
                        m.insert("report".into(), report_json(rep));
                    }
                }
                if let (Some(k), serde_json::Value::Object(m)) = (&known, &mut v) {
                    // Not readable from the token: what kiln last wrote to it.
                    m.insert("algorithm".into(), k.config.hmac.to_string().into());
                    m.insert("period".into(), k.config.step.seconds().into());
                    m.insert("settings_written_at".into(), k.written_at.into());
                }
                crate::out::object(v);
            } else {
                println!("{}", show::reading_text(&r, false));
                if let Some(k) = &known {
                    println!(
                        "Settings {} (written by kiln on {}; the token cannot report them)",
                        show::config_text(&k.config),
                        show::utc(i64::try_from(k.written_at).unwrap_or(0))
                    );
                }
                if !r.model.is_known() {
                    println!("\n{UNKNOWN_MODEL_NOTE}");
                }
                if let Some(rep) = &report {
                    println!("\n{}", rep.text());
                }
            }
            Exit::Ok
        }
        Outcome::Failed(f) => {
            crate::out::error(&f);
            if ctx.json {
                crate::out::object(show::with_status(show::failure_json(&f), false, steps));
            }
            show::failure_exit(&f)
        }
        other => show::refuse(
            &format!("internal error: unexpected outcome {other:?}"),
            Exit::Failure,
        ),
    }
}

/// The report as a JSON object (the same fields as its text).
fn report_json(r: &FirstContactReport) -> serde_json::Value {
    serde_json::json!({
        "serial": r.serial,
        "serial_length": r.serial_length,
        "serial_class": r.serial_class.as_str(),
        "known_model": r.model.is_known(),
        "model_table": r.model_text(),
        "get_info_hex": r.get_info_hex,
        "opaque_head_hex": r.opaque_head_hex,
        "opaque_mid_hex": r.opaque_mid_hex,
        "token_clock": r.token_clock,
        "drift": r.drift,
        "transport": r.transport.iter().map(|f| (f.name.clone(), serde_json::Value::from(f.value.clone()))).collect::<serde_json::Map<_, _>>(),
        "software": r.software,
        "statement": kiln_core::report::NO_KEY_STATEMENT,
        "text": r.text(),
    })
}
