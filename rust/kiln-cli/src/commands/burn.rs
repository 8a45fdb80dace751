//! `kiln burn`: program a TOTP seed onto a token.
//!
//! Order (see docs/protocol-engine.md): GET INFO → policy checks → GET CHALLENGE
//! → EXTERNAL AUTHENTICATE → WRITE CONFIG (clock) → WRITE SEED → GET INFO. The
//! seed comes from stdin or a hidden prompt, never from the command line, and is
//! never printed.

use crate::burn_checks;
use crate::exit::Exit;
use crate::keyopt::UnknownModelArgs;
use crate::seed_in::{self, SeedOpts};
use crate::show;
use crate::source::SourceArgs;
use crate::transport::{self, TokenConnection, TransportArgs};
use kiln_core::proto::{Serial, UnknownModelPolicy};
use kiln_core::request::{burn_request, BurnChoices, PreparedBurn, RequestError};
use kiln_core::secret::SecretString;
use kiln_core::seed::SeedSpec;
use kiln_core::session::{
    run_burn_action, BurnAction, BurnRequest, Clock, Exchange, Outcome, Resume,
};
use serde_json::json;
use std::io::IsTerminal;

pub const AFTER_HELP: &str = "\
Examples:
  # The service's setup link, piped (never typed on the command line):
  pbpaste | kiln burn                           # macOS clipboard
  xclip -o -sel clip | kiln burn --reader OMNIKEY
  kiln burn --qr-file ~/Downloads/setup-qr.png
  kiln burn --qr-screen                         # the QR code shown on screen
  kiln burn                                     # hidden prompt: paste the link or type the seed
  kiln burn --account 2 < export.txt            # Google Authenticator export, account 2
  kiln burn --algorithm SHA256 --period 60 --display-timeout 60 < seed.txt

What happens: kiln waits for the token (switch it on and lay it on the reader),
reads its serial and clock, checks the model, authenticates once, writes the
clock and settings, writes the seed, reads the clock back, and prints the next
codes. Then switch the token off and on: it shows codes from the new seed only
after that. Compare one code with the service before relying on the token.

If the token leaves the reader mid-burn, kiln says what state it is in and
waits for the same token to come back to finish; or run the same burn again
later with --resume SERIAL.";

/// Burn a TOTP seed onto a token (seed from stdin, a QR code, or a hidden prompt).
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    #[command(flatten)]
    pub transport: TransportArgs,

    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub seed: SeedOpts,

    #[command(flatten)]
    pub clock: crate::reference::ClockArgs,

    /// Display auto-off in seconds: 15, 30, 60 or 120.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub display_timeout: u32,

    /// Keep the token's clock as it is instead of setting it to this computer's
    /// time. (The token has no seed-only write: kiln measures the token's time
    /// precisely and writes it back, to within about one round trip.)
    #[arg(long)]
    pub no_sync: bool,

    /// Print the seed (Base32) after the burn, e.g. to enrol a second device. The
    /// only way kiln ever prints a secret.
    #[arg(long)]
    pub show_secret: bool,

    #[command(flatten)]
    pub unknown: UnknownModelArgs,

    /// Burn even though --digits, --period or --algorithm contradict the service's
    /// link (the token's codes will then not be the ones the service expects).
    #[arg(long)]
    pub force_mismatch: bool,

    /// Finish an interrupted burn: accept only the token with this serial.
    #[arg(long, value_name = "SERIAL")]
    pub resume: Option<String>,
}

/// Everything a burn needs, settled before a token is touched.
struct BurnPlan {
    request: BurnRequest,
    resume: Option<Resume>,
    shown: Shown,
}

/// What the burn's report tells besides the session's outcome.
struct Shown {
    spec: SeedSpec,
    seed_bytes: usize,
    /// The user named a key for unknown models (`--allow-unknown-model`).
    opted_in: bool,
    /// The seed in Base32, with `--show-secret` only.
    secret_b32: Option<SecretString>,
}

/// One user action on the token, with the exchanges it made and whether the
/// user was asked to present the token again.
struct Burned {
    action: BurnAction,
    steps: Vec<serde_json::Value>,
    announced: bool,
}

pub fn run(args: Args, ctx: crate::Ctx) -> Exit {
    build_request(&args, ctx, |plan| {
        let BurnPlan {
            request,
            resume,
            shown,
        } = plan;
        let mut t = match transport::open(&args.transport) {
            Ok(t) => t,
            Err(e) => return show::refuse(&e.to_string(), Exit::NoToken),
        };
        if !ctx.json {
            // No seed fingerprint here: it shows part of the Base32 text.
            println!(
                "Burning {} — {}-byte seed ({}) via {}",
                shown.spec.display_name(),
                shown.seed_bytes,
                show::config_text(&request.config),
                t.description
            );
        }
        if !crate::reference::confirm_write(&request.reference, ctx.json) {
            return show::refuse(crate::reference::DECLINED, Exit::InputRefused);
        }
        // From here until the token's state has been printed, Ctrl-C is only noted.
        let _deferred = crate::interrupt::defer();
        let burned = run_with_retap(request, resume, &mut t, ctx);
        render(burned, shown, &args, ctx)
    })
}

/// Settles the burn before any token is touched (option values, the seed and
/// its settings, the user's confirmations) and hands it to `then`. A refusal
/// ends the command here, with its message and exit code.
fn build_request(args: &Args, ctx: crate::Ctx, then: impl FnOnce(BurnPlan) -> Exit) -> Exit {
    // Usage errors and the reader side first: nobody should type a seed in vain.
    if let Err(msg) = burn_checks::option_values(&args.seed, args.display_timeout) {
        return show::refuse(&msg, Exit::Usage);
    }
    let unknown_model = match args.unknown.policy() {
        Ok(p) => p,
        Err(msg) => return show::refuse(&msg, Exit::Usage),
    };
    if !args.transport.sim {
        if let Err(e) = crate::pcsc_link::check_service() {
            return show::refuse(&e.to_string(), Exit::NoToken);
        }
    }
    let typed_at_prompt =
        args.source.qr_file.is_none() && !args.source.qr_screen && std::io::stdin().is_terminal();
    let spec = match args
        .source
        .read()
        .and_then(|text| seed_in::settle(&text, &args.seed))
    {
        Ok(s) => s,
        Err(e) => return e,
    };
    let mismatches = burn_checks::mismatches(&spec, &args.seed);
    if !mismatches.is_empty() && !args.force_mismatch {
        let why = mismatches.join("; ");
        let confirmed = burn_checks::interactive() && {
            eprintln!("kiln: {why}.");
            burn_checks::confirm("Burn anyway, with codes the service will not accept? [y/N] ")
        };
        if !confirmed {
            return show::refuse(
                &format!(
                    "{why}. Nothing was sent to a token: leave the option out (the service's link decides these \
                     settings), or pass --force-mismatch if you are sure"
                ),
                Exit::InputRefused,
            );
        }
    }
    let s = &args.seed;
    let choices = BurnChoices {
        algorithm: s.algorithm,
        digits: s.digits,
        period: s.period,
        display_timeout_secs: args.display_timeout,
        sync_clock: !args.no_sync,
        unknown_model,
        reference: crate::reference::reference(&args.transport, &args.clock),
    };
    let PreparedBurn { spec, request } = match burn_request(spec, &choices) {
        Ok(b) => b,
        Err(e @ RequestError::Seed(_)) => {
            return show::refuse(
                &format!("{e}; nothing was sent to a token"),
                Exit::InputRefused,
            )
        }
        // The option values were checked above; still a usage error.
        Err(e) => return show::refuse(&e.to_string(), Exit::Usage),
    };
    let question = burn_checks::assumed_settings_question(&spec, &args.seed, typed_at_prompt);
    if !ctx.json {
        for w in spec.warnings() {
            // The question below says it (and asks).
            if !(question.is_some() && *w == kiln_core::seed::Warning::AssumedDefaults) {
                eprintln!("kiln: note: {w}");
            }
        }
    }
    if let Some(q) = question {
        if !burn_checks::confirm(&q) {
            return show::refuse(
                "Nothing was written: the assumed settings were not confirmed. Give the service's \
                 settings with --algorithm SHA1|SHA256 and --period 30|60 (its setup page shows them)",
                Exit::InputRefused,
            );
        }
    }
    let opted_in = request.unknown_model != UnknownModelPolicy::ReadOnly;
    if opted_in {
        eprintln!("kiln: {}", crate::keyopt::WARNING);
    }
    let secret_b32 = args.show_secret.then(|| {
        kiln_core::secret::SecretString::new(
            data_encoding::BASE32_NOPAD.encode(request.seed.expose()),
        )
    });
    let seed_bytes = request.seed.len();
    let resume = args
        .resume
        .as_deref()
        .map(|s| Resume::for_serial(Serial::from(s)));
    then(BurnPlan {
        request,
        resume,
        shown: Shown {
            spec,
            seed_bytes,
            opted_in,
            secret_b32,
        },
    })
}

/// Runs the burn on the token as one user action; the request (and the seed in
/// it) is dropped when this returns.
fn run_with_retap(
    request: BurnRequest,
    resume: Option<Resume>,
    t: &mut TokenConnection,
    ctx: crate::Ctx,
) -> Burned {
    let mut steps = Vec::new();
    let mut announced = false;
    let can_retap = t.can_retap;
    let retap = &mut t.retap;
    // One user action (kiln_core::session::run_burn_action): a refusal ends it;
    // only a link loss may be finished, once, after the same token was
    // presented again.
    let action = run_burn_action(
        &request,
        resume,
        &mut *t.link,
        &mut *t.clock,
        &mut |e: &Exchange| {
            if !ctx.json {
                println!("{}", show::step_text(e));
            }
            steps.push(show::step_json(e));
        },
        &mut |f| {
            if !can_retap {
                return false;
            }
            let serial = f
                .retap()
                .map(|r| r.serial().to_string())
                .unwrap_or_default();
            if !ctx.json {
                eprintln!("kiln: {f}");
                eprintln!("kiln: waiting for the same token ({serial}) to finish the burn");
                announced = true;
            }
            if !retap() {
                return false;
            }
            if !ctx.json {
                println!("Token back: finishing the burn on {serial}");
            }
            true
        },
    );
    Burned {
        action,
        steps,
        announced,
    }
}

/// Prints what the burn did (text or the `--json` object) and gives the exit code.
fn render(burned: Burned, shown: Shown, args: &Args, ctx: crate::Ctx) -> Exit {
    let Burned {
        action,
        steps,
        announced,
    } = burned;
    let Shown {
        spec,
        secret_b32,
        opted_in,
        ..
    } = shown;
    let attempts = action.sessions;
    let out = action.outcome;
    match out {
        Outcome::Burned(r) => {
            let now_s = u64::try_from(kiln_core::session::SystemClock.now().div_euclid(1_000_000))
                .unwrap_or(0);
            // Simulated tokens are not remembered (they vanish with the process).
            let remembered = if args.transport.sim {
                Ok(std::path::PathBuf::new())
            } else {
                crate::remember::store(
                    &r.serial.to_string(),
                    r.model.name(),
                    &r.config,
                    "burn",
                    now_s,
                )
            };
            if let (Err(e), false) = (&remembered, ctx.json) {
                eprintln!(
                    "kiln: note: could not remember this token's settings for `kiln sync`: {e}"
                );
            }
            let last = r.after.as_ref().unwrap_or(&r.before);
            if ctx.json {
                let v = json!({
                    "token_time": last.token_clock,
                    "drift_ms": show::ms1(last.drift().midpoint_us()),
                    "synced": r.clock_synced,
                    "algorithm": r.config.hmac.to_string(),
                    "period": r.config.step.seconds(),
                    "secret_base32": secret_b32.as_ref().map(|s| s.expose().to_owned()),
                    "attempts": attempts,
                    "serial": r.serial.to_string(),
                    "model": r.model.name(),
                    "before": show::reading_json(&r.before),
                    "clock_written": r.clock_written,
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
                    "expected_codes_clock": if r.clock_synced { "utc" } else { "token" },
                    "clock_kept_drift_ms": (!r.clock_synced).then(|| show::ms1(r.before.drift().midpoint_us())),
                    "token_state": "written",
                    "known_model": r.model.is_known(),
                    "steps": steps,
                });
                crate::out::object(v);
            } else {
                if !r.clock_synced {
                    println!(
                        "Clock   kept as it was ({}): not set to this computer's time (--no-sync)",
                        r.before.drift()
                    );
                }
                println!("Before:");
                println!("{}", indent(&show::reading_text(&r.before, true)));
                println!(
                    "Wrote   clock {}{} and {} (with {})",
                    show::utc(i64::from(r.clock_written)),
                    if r.clock_synced {
                        ""
                    } else {
                        " by the token's own clock (kept, not true UTC)"
                    },
                    show::config_text(&r.config),
                    r.key
                );
                println!("Seed    {} bytes written", r.seed_bytes);
                match show::after_line(r.after.as_ref(), r.residual.as_ref()) {
                    Some(line) => println!("{line}"),
                    None => println!(
                        "After   (the confirming read was cut off; both writes were acknowledged — \
                         check the clock with `kiln info`)"
                    ),
                }
                print_expected_codes(&r);
                if r.model.is_known() && opted_in {
                    eprintln!(
                        "kiln: note: {} is a known model: it was programmed with its own key \
                         (--allow-unknown-model and the key you named were not needed)",
                        r.model.name()
                    );
                }
                if let Some(s) = &secret_b32 {
                    println!(
                        "Secret  {} (Base32; shown because of --show-secret)",
                        s.expose()
                    );
                }
                println!("{}", r.instruction);
            }
            Exit::Ok
        }
        Outcome::Failed(f) => {
            if announced {
                crate::out::record(&f);
            } else {
                crate::out::error(&f);
            }
            if ctx.json {
                let mut v = show::with_status(show::failure_json(&f), false, steps);
                if let Some(b) = &f.before {
                    if let serde_json::Value::Object(m) = &mut v {
                        m.insert("token_time".into(), json!(b.token_clock));
                        m.insert("drift_ms".into(), json!(show::ms1(b.drift().midpoint_us())));
                    }
                }
                crate::out::object(v);
            } else {
                if let Some(r) = &f.resume {
                    eprintln!(
                        "kiln: to finish, run the same burn with --resume {}",
                        r.serial()
                    );
                }
            }
            show::failure_exit(&f)
        }
        other => show::refuse(
            &format!("internal error: unexpected outcome {other:?}"),
            Exit::Failure,
        ),
    }
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("  {l}\n"))
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// The expected codes: in UTC after a clock write; with `--no-sync` by the
/// token's own clock (what it will show), with the UTC times beside them.
fn print_expected_codes(r: &kiln_core::session::BurnReport) {
    if r.clock_synced {
        println!("Expected codes (UTC):");
        for c in &r.expected_codes {
            println!(
                "  {}–{}  {}",
                show::hms(c.from_unix),
                show::hms(c.until_unix),
                c.code
            );
        }
        return;
    }
    // Token time minus drift is UTC (to the second).
    let drift_s = (r.before.drift().midpoint_us() as f64 / 1e6).round() as i64;
    let utc =
        |t: u64| show::hms(i64::try_from(t).unwrap_or(0).saturating_sub(drift_s).max(0) as u64);
    println!(
        "Expected codes (by the token's clock, which is {:+} s from UTC; UTC in brackets):",
        drift_s
    );
    for c in &r.expected_codes {
        println!(
            "  {}–{} token time ({}–{} UTC)  {}",
            show::hms(c.from_unix),
            show::hms(c.until_unix),
            utc(c.from_unix),
            utc(c.until_unix),
            c.code
        );
    }
}
