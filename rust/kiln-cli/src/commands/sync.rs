//! `kiln sync`: set a token's clock to this computer's time, keeping its seed
//! (unrestricted models only). The clock write always rewrites algorithm, time
//! step and display timeout too, and the token cannot report them, so they are
//! given on the command line or remembered from an earlier `kiln burn`.

use crate::exit::Exit;
use crate::remember;
use crate::seed_in::{parse_algorithm, SeedOpts};
use crate::show;
use crate::transport::{self, TransportArgs};
use kiln_core::params::{Algorithm, ParamError};
use kiln_core::proto::{Model, SyncClass};
use kiln_core::request::{SyncChoices, SyncSettings};
use kiln_core::session::{
    run_session_observed, Clock, Measure, Outcome, ReadSession, SessionError, SyncSession,
    SystemClock,
};
use serde_json::{json, Value};
use std::io::{IsTerminal, Write};

pub const AFTER_HELP: &str = "\
Examples:
  kiln sync                                   # settings remembered from the burn
  kiln sync --reader OMNIKEY --algorithm SHA1 --period 30
  kiln sync --algorithm SHA256 --period 60 --display-timeout 60 --json

The token cannot report its algorithm, time step or display timeout, and a clock
write rewrites all of them: give them as the service's QR code says, or let kiln
use what it remembered when it burned this serial (kept in tokens.json in your
config directory; never the seed).

Restricted models (OTPC-P2-i, miniOTP-3-i, C301-i, …) erase their seed whenever
the clock is written: for them a sync is a burn, which needs the seed again.
kiln checks the model before writing anything and offers `kiln burn` instead
(on a terminal it can start it right away).";

/// Set a token's clock to this computer's time, keeping its seed.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    #[command(flatten)]
    pub transport: TransportArgs,

    #[command(flatten)]
    pub clock: crate::reference::ClockArgs,

    /// The algorithm the token is set to: SHA1 or SHA256 (default: remembered).
    #[arg(long, value_parser = parse_algorithm, value_name = "SHA1|SHA256")]
    pub algorithm: Option<Algorithm>,

    /// The token's time step in seconds: 30 or 60 (default: remembered).
    #[arg(long, value_name = "30|60", value_parser = crate::bounds::period())]
    pub period: Option<u64>,

    /// Display auto-off in seconds: 15, 30, 60 or 120 (default: remembered, else 30).
    #[arg(long, value_name = "SECONDS")]
    pub display_timeout: Option<u32>,
}

/// A setting the tokens cannot take, in this command's words.
fn usage_text(e: &ParamError) -> &'static str {
    match e {
        ParamError::Hmac { .. } => "these tokens can only do SHA1 or SHA256",
        ParamError::Step { .. } => "these tokens can only do a 30 s or 60 s time step",
        ParamError::DisplayTimeout { .. } => "display timeout must be 15, 30, 60 or 120 s",
        ParamError::Digits { .. } => "these tokens always show 6-digit codes",
    }
}

fn fail(ctx: crate::Ctx, exit: Exit, msg: &str, extra: Value) -> Exit {
    if ctx.json {
        crate::out::object(extra);
    }
    show::refuse(msg, exit)
}

pub fn run(args: Args, ctx: crate::Ctx) -> Exit {
    build_request(&args, ctx, |choices| read_then_sync(&args, choices, ctx))
}

/// Checks the settings given before any token is touched and hands them to
/// `then`. A refusal ends the command here, with its message and exit code.
/// The settings given on the command line are checked here; what is left out
/// comes from what kiln remembered for the token's serial.
fn build_request(args: &Args, ctx: crate::Ctx, then: impl FnOnce(SyncSettings) -> Exit) -> Exit {
    // Refuse impossible settings before touching a token.
    let settings = match (SyncChoices {
        algorithm: args.algorithm,
        period: args.period,
        display_timeout_secs: args.display_timeout,
    })
    .check()
    {
        Ok(s) => s,
        Err(e) => return fail(ctx, Exit::Usage, usage_text(&e), json!({})),
    };
    then(settings)
}

/// Reads the token (its model decides whether a sync is possible, its serial
/// which settings were remembered), settles the settings, writes the clock and
/// renders what happened.
fn read_then_sync(args: &Args, settings: SyncSettings, ctx: crate::Ctx) -> Exit {
    let mut t = match transport::open(&args.transport) {
        Ok(t) => t,
        Err(e) => return fail(ctx, Exit::NoToken, &e.to_string(), json!({})),
    };
    if !ctx.json {
        println!("Syncing the clock via {}", t.description);
    }
    let reference = crate::reference::reference(&args.transport, &args.clock);
    let mut steps = Vec::new();
    let mut observe = |e: &kiln_core::session::Exchange| {
        if !ctx.json {
            println!("{}", show::step_text(e));
        }
        steps.push(show::step_json(e));
    };
    // Read first: the model decides whether a sync is possible, the serial
    // which settings were remembered.
    let first = run_session_observed(
        &mut ReadSession::new(reference, Measure::Single),
        &mut *t.link,
        &mut *t.clock,
        &mut observe,
    );
    let reading = match first {
        Outcome::Read(r) => r,
        Outcome::Failed(f) => {
            let exit = show::failure_exit(&f);
            return fail(ctx, exit, &f.to_string(), show::failure_json(&f));
        }
        other => {
            return fail(
                ctx,
                Exit::Failure,
                &format!("internal error: unexpected outcome {other:?}"),
                json!({}),
            )
        }
    };
    let serial = reading.serial.to_string();
    let mut reading_v = show::reading_json(&reading);
    if let Value::Object(m) = &mut reading_v {
        // Read, nothing written (whatever follows before the sync session).
        m.insert("token_state".into(), json!("unchanged"));
    }
    if reading.model.sync_class() == SyncClass::Restricted || !reading.model.is_known() {
        let why = SessionError::SyncNeedsBurn {
            model: reading.model,
        }
        .to_string();
        return needs_burn(args, ctx, t, &why, reading.model, reading_v, steps);
    }
    let remembered = remember::lookup(&serial);
    let Ok(config) = settings.config(remembered.as_ref().map(|r| &r.config)) else {
        return fail(
            ctx,
            Exit::Usage,
            &format!(
                "kiln does not know token {serial}'s algorithm and time step (the token cannot report them \
                 and kiln has not burned it): give --algorithm SHA1|SHA256 and --period 30|60 as the service's \
                 QR code says. Nothing was written."
            ),
            reading_v,
        );
    };
    if !ctx.json {
        let from = match (remembered, args.algorithm, args.period) {
            (Some(r), None, _) | (Some(r), _, None) => format!(
                " (remembered from {})",
                show::utc(i64::try_from(r.written_at).unwrap_or(0))
            ),
            _ => String::new(),
        };
        println!("Settings {}{from}", show::config_text(&config));
    }
    if !crate::reference::confirm_write(&reference, ctx.json) {
        return show::refuse(crate::reference::DECLINED, Exit::InputRefused);
    }
    let out = run_session_observed(
        &mut SyncSession::new(config, reference),
        &mut *t.link,
        &mut *t.clock,
        &mut observe,
    );
    render(out, serial, steps, args, ctx)
}

/// Prints what the sync did (text or the `--json` object) and gives the exit code.
fn render(out: Outcome, serial: String, steps: Vec<Value>, args: &Args, ctx: crate::Ctx) -> Exit {
    match out {
        Outcome::Synced(r) => {
            let now_s = u64::try_from(SystemClock.now().div_euclid(1_000_000)).unwrap_or(0);
            let stored = if args.transport.sim {
                Ok(std::path::PathBuf::new())
            } else {
                remember::store(&serial, r.model.name(), &r.config, "sync", now_s)
            };
            if let Err(e) = stored {
                eprintln!("kiln: note: could not remember this token's settings: {e}");
            }
            let last = r.after.as_ref().unwrap_or(&r.before);
            if ctx.json {
                let v = json!({
                    "serial": serial,
                    "model": r.model.name(),
                    "token_time": last.token_clock,
                    "drift_ms": show::ms1(last.drift().midpoint_us()),
                    "drift_before_ms": show::ms1(r.before.drift().midpoint_us()),
                    "residual_ms": r.residual.map(|x| show::ms1(x.estimate.midpoint_us())),
                    "synced": true,
                    "algorithm": r.config.hmac.to_string(),
                    "period": r.config.step.seconds(),
                    "config": show::config_json(&r.config),
                    "clock_written": r.clock_written,
                    "before": show::reading_json(&r.before),
                    "after": r.after.as_ref().map(show::reading_json),
                    "steps": steps,
                    "token_state": "written",
                });
                crate::out::object(v);
            } else {
                println!(
                    "Before  clock {} — {}",
                    show::utc(i64::from(r.before.token_clock)),
                    show::drift_text(&r.before)
                );
                println!(
                    "Wrote   clock {} and {}",
                    show::utc(i64::from(r.clock_written)),
                    show::config_text(&r.config)
                );
                match show::after_line(r.after.as_ref(), r.residual.as_ref()) {
                    Some(line) => println!("{line}"),
                    None => println!(
                        "After   (the confirming read was cut off; check with `kiln info`)"
                    ),
                }
                println!("The seed was kept. The token shows codes on the new clock at once.");
            }
            Exit::Ok
        }
        Outcome::Failed(f) => {
            let exit = show::failure_exit(&f);
            let mut extra = show::failure_json(&f);
            if let Value::Object(m) = &mut extra {
                m.insert("steps".into(), json!(steps));
            }
            fail(ctx, exit, &f.to_string(), extra)
        }
        other => fail(
            ctx,
            Exit::Failure,
            &format!("internal error: unexpected outcome {other:?}"),
            json!({}),
        ),
    }
}

/// A restricted (or unknown) model: a sync would erase the seed. Explain, and
/// on a terminal offer to burn instead.
fn needs_burn(
    args: &Args,
    ctx: crate::Ctx,
    t: transport::TokenConnection,
    why: &str,
    model: Model,
    reading: Value,
    steps: Vec<Value>,
) -> Exit {
    let reader_hint = args
        .transport
        .reader
        .as_ref()
        .map(|r| format!(" --reader \"{r}\""))
        .unwrap_or_default();
    let advice = format!(
        "Nothing was written. To set the clock, burn the token again with the service's seed: \
         kiln burn{reader_hint} (it sets the clock as part of the burn)"
    );
    let interactive =
        !ctx.json && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !interactive {
        let mut extra = reading;
        if let Value::Object(m) = &mut extra {
            m.insert("advice".into(), json!(advice));
            m.insert("needs_burn".into(), json!(true));
            m.insert("steps".into(), json!(steps));
        }
        return fail(ctx, Exit::NoToken, &format!("{why}. {advice}"), extra);
    }
    eprintln!("{why}.");
    eprint!(
        "Burn {} now with the service's seed (it will be asked for next)? [y/N] ",
        model.name()
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line).is_err() || !line.trim().eq_ignore_ascii_case("y") {
        eprintln!("{advice}");
        crate::out::record(format!("{why}. {advice}"));
        return Exit::NoToken;
    }
    // Let the burn open the reader itself (the token stays on it).
    drop(t);
    let burn = crate::commands::burn::Args {
        transport: args.transport.clone(),
        clock: args.clock.clone(),
        source: crate::source::SourceArgs {
            qr_file: None,
            qr_screen: false,
        },
        seed: SeedOpts {
            encoding: None,
            account: None,
            algorithm: args.algorithm,
            period: args.period,
            digits: None,
        },
        display_timeout: args.display_timeout.unwrap_or(30),
        no_sync: false,
        show_secret: false,
        force_mismatch: false,
        unknown: crate::keyopt::UnknownModelArgs {
            allow_unknown_model: false,
            key: None,
            key_file: None,
        },
        resume: None,
    };
    crate::commands::burn::run(burn, ctx)
}
