//! `kiln info`: read a token's serial, model and clock (GET INFO only; works on
//! every model, known or not).

use crate::exit::Exit;
use crate::show;
use crate::transport::{self, TransportArgs};
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
}

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
            if ctx.json {
                let mut v = show::with_status(show::reading_json(&r), true, steps);
                if let serde_json::Value::Object(m) = &mut v {
                    m.insert("token_state".into(), "unchanged".into());
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
