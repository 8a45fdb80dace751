//! `kiln burn`: program a TOTP seed onto a token.
//!
//! Order (see docs/protocol-engine.md): GET INFO → policy checks → GET CHALLENGE
//! → EXTERNAL AUTHENTICATE → WRITE CONFIG (clock) → WRITE SEED → GET INFO. The
//! seed comes from stdin or a hidden prompt, never from the command line, and is
//! never printed.

use crate::exit::Exit;
use crate::seed_in::{self, SeedOpts};
use crate::show;
use crate::transport::{self, TransportArgs};
use kiln_core::params::{DisplayTimeout, TokenConfig};
use kiln_core::proto::{DeviceKey, KeyChoice, Serial, UnknownModelPolicy};
use kiln_core::session::{run_session_observed, BurnRequest, BurnSession, Outcome, Resume};
use serde_json::json;

/// Burn a TOTP seed (read from stdin or a hidden prompt) onto a token.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub transport: TransportArgs,

    #[command(flatten)]
    pub seed: SeedOpts,

    #[command(flatten)]
    pub clock: crate::reference::ClockArgs,

    /// Display auto-off in seconds: 15, 30, 60 or 120.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub display_timeout: u32,

    /// Program a token whose model kiln does not know, with this key:
    /// `family-default`, or a file holding 32 hex digits. One attempt only; the
    /// token is treated as restricted-sync. Wrong keys can lock tokens for good.
    #[arg(long, value_name = "family-default|FILE")]
    pub unknown_model_key: Option<String>,

    /// Finish an interrupted burn: accept only the token with this serial.
    #[arg(long, value_name = "SERIAL")]
    pub resume: Option<String>,
}

pub fn run(args: Args, ctx: crate::Ctx) -> Exit {
    let spec = match seed_in::load_spec(&args.seed) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let program = match spec.token_program() {
        Ok(p) => p,
        Err(problems) => {
            for p in problems {
                eprintln!("kiln: {p}");
            }
            return refuse_input("this seed cannot go on these tokens");
        }
    };
    let Some(display_timeout) = DisplayTimeout::from_seconds(args.display_timeout) else {
        return refuse_input(&format!(
            "display timeout {} s is not supported (15, 30, 60 or 120)",
            args.display_timeout
        ));
    };
    let config = TokenConfig {
        hmac: program.hmac,
        step: program.step,
        display_timeout,
    };
    if !ctx.json {
        for w in spec.warnings() {
            eprintln!("kiln: note: {w}");
        }
    }
    let unknown_model = match args.unknown_model_key.as_deref() {
        None => UnknownModelPolicy::ReadOnly,
        Some("family-default") => UnknownModelPolicy::Program(KeyChoice::FamilyDefault),
        Some(path) => match read_key_file(path) {
            Ok(k) => UnknownModelPolicy::Program(KeyChoice::Custom(k)),
            Err(msg) => return refuse_input(&msg),
        },
    };
    let mut t = match transport::open(&args.transport) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("kiln: {e}");
            return Exit::NoToken;
        }
    };
    let seed_bytes = program.seed.len();
    let request = BurnRequest {
        seed: program.seed,
        config,
        unknown_model,
        reference: crate::reference::reference(&args.transport, &args.clock),
        sync_clock: true,
    };
    let first = match &args.resume {
        Some(s) => BurnSession::resume(
            request.clone(),
            Resume::for_serial(Serial::from(s.as_str())),
        ),
        None => BurnSession::new(request.clone()),
    };
    if !ctx.json {
        // No seed fingerprint here: it shows part of the Base32 text.
        println!(
            "Burning {} — {seed_bytes}-byte seed ({}) via {}",
            spec.display_name(),
            show::config_text(&config),
            t.description
        );
        if let Some(note) = crate::reference::untrusted_note(&request.reference) {
            eprintln!("kiln: note: {note}");
        }
    }
    let mut steps = Vec::new();
    let mut session = first;
    let mut attempts = 0u32;
    let out = loop {
        attempts += 1;
        let out = run_session_observed(&mut session, &mut *t.link, &mut *t.clock, &mut |e| {
            if !ctx.json {
                println!("{}", show::step_text(e));
            }
            steps.push(show::step_json(e));
        });
        // One finishing tap: only when the token must be finished and the
        // transport can wait for the same token again.
        let resume = match out.failure().and_then(|f| f.resume.clone()) {
            Some(r) if attempts < 2 => r,
            _ => break out,
        };
        if !(t.retap)() {
            break out;
        }
        if let (Some(f), false) = (out.failure(), ctx.json) {
            println!("{f}");
            println!(
                "Tap the same token again: finishing the burn on {}",
                resume.serial()
            );
        }
        session = BurnSession::resume(request.clone(), resume);
    };
    drop(request);
    match out {
        Outcome::Burned(r) => {
            if ctx.json {
                let v = json!({
                    "ok": true,
                    "attempts": attempts,
                    "serial": r.serial.to_string(),
                    "model": r.model.name(),
                    "before": show::reading_json(&r.before),
                    "clock_written": r.clock_written,
                    "clock_synced": r.clock_synced,
                    "after": r.after.as_ref().map(show::reading_json),
                    "residual_ms": r.residual.map(|x| show::ms1(x.estimate.midpoint_us())),
                    "residual_uncertainty_ms": r.residual.map(|x| show::ms1(x.estimate.half_width_us())),
                    "config": show::config_json(&r.config),
                    "seed_bytes": r.seed_bytes,
                    "account": spec.display_name(),
                    "key": r.key,
                    "expected_codes": r.expected_codes.iter().map(|c| json!({
                        "from": c.from_unix, "until": c.until_unix, "code": c.code,
                    })).collect::<Vec<_>>(),
                    "instruction": r.instruction,
                    "steps": steps,
                });
                println!("{v}");
            } else {
                println!("Before:");
                println!("{}", indent(&show::reading_text(&r.before)));
                println!(
                    "Wrote   clock {} and {} (with {})",
                    show::utc(i64::from(r.clock_written)),
                    show::config_text(&r.config),
                    r.key
                );
                println!("Seed    {} bytes written", r.seed_bytes);
                match (&r.after, &r.residual) {
                    (Some(a), Some(res)) => println!(
                        "After   clock {} — residual {} ({} GET INFO)",
                        show::utc(i64::from(a.token_clock)),
                        show::residual_text(res),
                        a.reads
                    ),
                    (Some(a), None) => println!(
                        "After   clock {} — {}",
                        show::utc(i64::from(a.token_clock)),
                        show::drift_text(a)
                    ),
                    (None, _) => println!(
                        "After   (the confirming read was cut off; both writes were acknowledged — \
                         check the clock with `kiln info`)"
                    ),
                }
                println!("Expected codes (UTC):");
                for c in &r.expected_codes {
                    println!(
                        "  {}–{}  {}",
                        show::hms(c.from_unix),
                        show::hms(c.until_unix),
                        c.code
                    );
                }
                println!("{}", r.instruction);
            }
            Exit::Ok
        }
        Outcome::Failed(f) => {
            if ctx.json {
                let v = show::with_status(show::failure_json(&f), false, steps);
                println!("{v}");
            } else {
                eprintln!("kiln: {f}");
                if let Some(r) = &f.resume {
                    eprintln!(
                        "kiln: to finish, run the same burn with --resume {}",
                        r.serial()
                    );
                }
            }
            show::failure_exit(&f)
        }
        other => {
            eprintln!("kiln: internal error: unexpected outcome {other:?}");
            Exit::Failure
        }
    }
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("  {l}\n"))
        .collect::<String>()
        .trim_end()
        .to_string()
}

fn refuse_input(msg: &str) -> Exit {
    eprintln!("kiln: {msg}; nothing was sent to a token");
    Exit::InputRefused
}

fn read_key_file(path: &str) -> Result<DeviceKey, String> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| format!("cannot read key file {path}: {e}"))?,
    );
    DeviceKey::from_hex(text.trim()).map_err(|e| format!("key file {path}: {e}"))
}
