//! `kiln info`: read a token's serial, model and clock (GET INFO only; works on
//! every model, known or not).

use crate::exit::Exit;
use crate::show;
use crate::transport::{self, TransportArgs};
use kiln_core::session::{run_session_observed, Measure, Outcome, ReadSession};

/// Read serial, model and clock drift of a token (sends GET INFO only).
#[derive(clap::Args, Debug)]
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
        Err(e) => {
            eprintln!("kiln: {e}");
            return Exit::NoToken;
        }
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
            if ctx.json {
                let v = show::with_status(show::reading_json(&r), true, steps);
                println!("{v}");
            } else {
                println!("{}", show::reading_text(&r));
            }
            Exit::Ok
        }
        Outcome::Failed(f) => {
            if ctx.json {
                let v = show::with_status(show::failure_json(&f), false, steps);
                println!("{v}");
            } else {
                eprintln!("kiln: {f}");
            }
            show::failure_exit(&f)
        }
        other => {
            eprintln!("kiln: internal error: unexpected outcome {other:?}");
            Exit::Failure
        }
    }
}
