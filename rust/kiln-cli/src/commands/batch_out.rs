//! What `kiln batch` prints: one line per token and a counter line, or with
//! `--json` one JSON object per token event (JSON Lines) and the summary
//! object at the end (docs/cli-json.md, "kiln batch"). Never a seed.

use crate::exit::Exit;
use kiln_core::session::Failure;
use kiln_fleet::{Batch, Skip, Turn};
use serde_json::{json, Value};

/// Why the batch ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// `--count` tokens burned.
    Count,
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// Standard input closed in an interactive run.
    InputClosed,
    /// `--sim`: every simulated token was presented.
    NoMoreTokens,
    /// The journal or audit log could not be written.
    Journal,
    /// The reader or the smart-card service went away.
    Reader,
    /// No token was placed within `--wait`.
    Idle,
}

impl Stop {
    fn word(self) -> &'static str {
        match self {
            Stop::Count => "count",
            Stop::Interrupted => "interrupted",
            Stop::InputClosed => "input_closed",
            Stop::NoMoreTokens => "no_more_tokens",
            Stop::Journal => "journal",
            Stop::Reader => "reader",
            Stop::Idle => "idle",
        }
    }
}

/// Prints one event (`--json`): its keys, completed with the contract's
/// (`ok`, `error`, `exit_code`, …) as `kiln qr decode` does per file.
fn event(v: Value, exit: Exit, error: Option<&str>) {
    if let Value::Object(m) = v {
        crate::out::stream(m, exit, error);
    }
}

fn ms(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn tally_json(batch: &Batch) -> Value {
    let t = batch.tally();
    json!({
        "burned": t.burned,
        "to_retap": batch.unconfirmed().count(),
        "refused": t.refused,
        "skipped": t.skipped,
    })
}

/// The batch starts: where, and what an earlier run left unfinished.
pub fn start(batch: &Batch, station: &str, protection: &str, ctx: crate::Ctx) {
    let unconfirmed: Vec<String> = batch.unconfirmed().map(ToString::to_string).collect();
    if ctx.json {
        let v = json!({
            "event": "start",
            "station": station,
            "journal_protection": protection,
            "unconfirmed": unconfirmed,
            "tally": tally_json(batch),
        });
        event(v, Exit::Ok, None);
        return;
    }
    println!("Batch on {station}; journal encrypted with {protection}");
    if !unconfirmed.is_empty() {
        println!(
            "Not confirmed in this journal (finished with their journalled seed when presented): {}",
            unconfirmed.join(", ")
        );
    }
}

/// A lost link mid-burn: the batch waits for the same token.
pub fn link_lost(f: &Failure, ctx: crate::Ctx) {
    let serial = f.retap().map(|r| r.serial().to_string());
    if ctx.json {
        let (state, _, _) = crate::show::token_state_json(f.token);
        let v = json!({
            "event": "link_lost",
            "serial": serial,
            "token_state": state,
            "detail": f.to_string(),
            "waiting_for": serial,
        });
        event(v, crate::show::failure_exit(f), Some(&f.to_string()));
    } else {
        eprintln!("kiln: {f}");
        eprintln!(
            "kiln: place the same token ({}) again to finish it; the batch takes no other token meanwhile",
            serial.unwrap_or_default()
        );
    }
}

/// One token's turn: a line and the counter, or one JSON event.
///
/// `took`: from the token's connection to now (identification, journal, burn,
/// confirming read: kiln's time per token, the reader's round trips included).
pub fn turn(n: u32, t: &Turn, batch: &Batch, took: std::time::Duration, ctx: crate::Ctx) {
    let took_ms = ms(took.as_secs_f64() * 1000.0);
    let (exit, state) = match t {
        Turn::Burned { .. } => (Exit::Ok, Some("written")),
        Turn::Skipped { .. } => (Exit::InputRefused, Some("unchanged")),
        Turn::Stopped { failure, .. } => (
            crate::show::failure_exit(failure),
            Some(crate::show::token_state_json(failure.token).0),
        ),
    };
    let (serial, model, result, detail, drift, residual) = match t {
        Turn::Burned {
            serial,
            model,
            drift_before_ms,
            residual_ms,
            finished,
        } => (
            Some(serial.to_string()),
            Some(model.name.clone()),
            if *finished { "finished" } else { "burned" },
            None,
            Some(ms(*drift_before_ms)),
            residual_ms.map(ms),
        ),
        Turn::Skipped { serial, reason } => (
            serial.as_ref().map(ToString::to_string),
            None,
            skip_word(reason),
            Some(reason.to_string()),
            None,
            None,
        ),
        Turn::Stopped { serial, failure } => (
            Some(serial.to_string()),
            None,
            if failure.retap().is_some() {
                "link_lost"
            } else {
                "refused"
            },
            Some(failure.to_string()),
            failure
                .before
                .as_ref()
                .map(|b| ms(b.drift().midpoint_us() as f64 / 1000.0)),
            None,
        ),
    };
    let waiting = batch.waiting_for().map(ToString::to_string);
    if ctx.json {
        let burned = exit == Exit::Ok;
        let v = json!({
            "event": "token",
            "n": n,
            "serial": serial,
            "model": model,
            "result": result,
            "detail": detail,
            "token_state": state,
            "drift_ms": drift,
            "residual_ms": residual,
            "synced": burned && batch.settings().sync_clock,
            "algorithm": burned.then(|| batch.settings().hmac.to_string()),
            "period": burned.then(|| batch.settings().step.seconds()),
            "waiting_for": waiting,
            "elapsed_ms": took_ms,
            "tally": tally_json(batch),
        });
        event(v, exit, if burned { None } else { detail.as_deref() });
        return;
    }
    let mut line = format!(
        "#{n:<3} {:<16} {:<14} {result}",
        serial.as_deref().unwrap_or("?"),
        model.as_deref().unwrap_or("")
    );
    if let Some(d) = drift {
        line.push_str(&format!("  drift {d:+.1} ms"));
    }
    match residual {
        Some(r) => line.push_str(&format!(" → {r:+.1} ms")),
        // Burned with a quick confirmation: the set clock was checked to the second.
        None if drift.is_some() && detail.is_none() && batch.settings().sync_clock => {
            line.push_str(" → set (checked to the second)");
        }
        None => {}
    }
    if let Some(d) = detail {
        line.push_str(&format!(": {d}"));
    } else {
        line.push_str(&format!("  ({:.1} s)", took.as_secs_f64()));
    }
    println!("{line}");
    let t = batch.tally();
    let next = match &waiting {
        Some(s) => format!("place token {s} again to finish it"),
        None => "place the next token".to_owned(),
    };
    println!(
        "{} burned · {} to re-tap · {} refused · {next}",
        t.burned,
        batch.unconfirmed().count(),
        t.refused
    );
}

fn skip_word(s: &Skip) -> &'static str {
    match s {
        Skip::NotRead(_) => "not_read",
        Skip::BadSerial(_) => "bad_serial",
        Skip::UnknownModel => "unknown_model",
        Skip::AlreadyBurned => "already_burned",
        Skip::NotInSeedFile { .. } => "not_in_seed_file",
        Skip::WaitingFor { .. } => "waiting_for_other",
        Skip::NeedsIdentity => "needs_identity",
    }
}

/// The end: the summary object (`--json`) or line.
pub fn summary(batch: &Batch, stop: Stop, ctx: crate::Ctx) {
    let t = batch.tally();
    let unconfirmed: Vec<String> = batch.unconfirmed().map(ToString::to_string).collect();
    let waiting = batch.waiting_for().map(ToString::to_string);
    if ctx.json {
        crate::out::object(json!({
            "event": "summary",
            "stopped": stop.word(),
            "tally": tally_json(batch),
            "unconfirmed": unconfirmed,
            "waiting_for": waiting,
        }));
        return;
    }
    println!(
        "Batch ended ({}): {} burned, {} skipped, {} refused{}",
        match stop {
            Stop::Count => "--count reached",
            Stop::Interrupted => "stopped by Ctrl-C",
            Stop::InputClosed => "input closed",
            Stop::NoMoreTokens => "no more simulated tokens",
            Stop::Journal => "the journal could not be written",
            Stop::Reader => "the reader went away",
            Stop::Idle => "no token was placed within --wait",
        },
        t.burned,
        t.skipped,
        t.refused,
        if unconfirmed.is_empty() {
            String::new()
        } else {
            format!(
                "; not confirmed (run the batch again on this journal and present them): {}",
                unconfirmed.join(", ")
            )
        }
    );
}
