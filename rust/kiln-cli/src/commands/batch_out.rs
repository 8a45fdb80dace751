//! What `kiln batch` prints: one line per token and a counter line, or with
//! `--json` one JSON object per token event (JSON Lines) and the summary
//! object at the end (docs/cli-json.md, "kiln batch"). Never a seed.

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
        }
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
        println!(
            "{}",
            json!({
                "event": "start",
                "station": station,
                "journal_protection": protection,
                "unconfirmed": unconfirmed,
                "tally": tally_json(batch),
            })
        );
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
        println!(
            "{}",
            json!({
                "event": "link_lost",
                "serial": serial,
                "detail": f.to_string(),
                "waiting_for": serial,
            })
        );
    } else {
        eprintln!("kiln: {f}");
        eprintln!(
            "kiln: place the same token ({}) again to finish it; the batch takes no other token meanwhile",
            serial.unwrap_or_default()
        );
    }
}

/// One token's turn: a line and the counter, or one JSON event.
pub fn turn(n: u32, t: &Turn, batch: &Batch, ctx: crate::Ctx) {
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
        println!(
            "{}",
            json!({
                "event": "token",
                "n": n,
                "serial": serial,
                "model": model,
                "result": result,
                "detail": detail,
                "drift_ms": drift,
                "residual_ms": residual,
                "waiting_for": waiting,
                "tally": tally_json(batch),
            })
        );
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
    if let Some(r) = residual {
        line.push_str(&format!(" → {r:+.1} ms"));
    }
    if let Some(d) = detail {
        line.push_str(&format!(": {d}"));
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
