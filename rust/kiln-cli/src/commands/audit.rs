//! `kiln audit`: the audit log beside a batch journal, as a table or JSON.

use crate::exit::Exit;
use crate::show::refuse;
use kiln_fleet::audit::{read, AuditEntry, AUDIT_FILE};
use serde_json::json;
use std::path::PathBuf;

/// Print a batch journal's audit log (no key needed: it holds no seed).
///
/// One row per event: time (UTC), serial, model, action, result, the clock
/// drift before and the residual after a burn, the seed's fingerprint (a keyed
/// hash that reveals nothing of the seed) and the operator.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  kiln audit --journal box-17
  kiln audit --journal box-17 --json | jq '.entries[] | select(.action == \"burned\") | .serial'")]
pub struct Args {
    /// The batch journal's directory.
    #[arg(long, value_name = "DIR")]
    journal: PathBuf,
}

fn cell(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

fn drift(ms: Option<f64>) -> String {
    ms.map_or_else(|| "-".to_owned(), |v| format!("{:+.2} s", v / 1000.0))
}

fn residual(ms: Option<f64>) -> String {
    ms.map_or_else(|| "-".to_owned(), |v| format!("{v:+.1} ms"))
}

fn row(e: &AuditEntry) -> Vec<String> {
    let model = match (&e.vendor, &e.model) {
        (Some(v), Some(m)) => format!("{v} {m}"),
        (None, Some(m)) => m.clone(),
        _ => "-".to_owned(),
    };
    vec![
        e.time_utc.replace('T', " ").replace('Z', ""),
        e.serial
            .as_ref()
            .map_or_else(|| "-".to_owned(), ToString::to_string),
        model,
        e.action.clone(),
        e.result.clone(),
        drift(e.drift_before_ms),
        residual(e.residual_after_ms),
        e.seed_fingerprint.clone().unwrap_or_else(|| "-".to_owned()),
        e.operator.clone(),
    ]
    .into_iter()
    .map(|c| cell(&c))
    .collect()
}

const HEADER: [&str; 9] = [
    "time (UTC)",
    "serial",
    "model",
    "action",
    "result",
    "drift before",
    "residual after",
    "fingerprint",
    "operator",
];

pub fn run(args: Args, ctx: crate::Ctx) -> Exit {
    let log = match read(&args.journal) {
        Ok(l) => l,
        Err(e) => {
            let missing = !args.journal.join(AUDIT_FILE).exists();
            let exit = if missing {
                Exit::InputRefused
            } else {
                Exit::Failure
            };
            let msg = if missing {
                format!(
                    "{} holds no audit log ({AUDIT_FILE}); is it a batch journal directory?",
                    args.journal.display()
                )
            } else {
                e.to_string()
            };
            return refuse(&msg, exit);
        }
    };
    for line in &log.bad_lines {
        eprintln!("kiln: note: line {line} of the audit log is not an entry (cut short?)");
    }
    if ctx.json {
        crate::out::object(json!({
            "entries": log.entries,
            "count": log.entries.len(),
            "bad_lines": log.bad_lines,
        }));
        return Exit::Ok;
    }
    let rows: Vec<Vec<String>> = log.entries.iter().map(row).collect();
    let mut widths: Vec<usize> = HEADER.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    println!("{}", line(HEADER.iter().map(|h| (*h).to_owned()).collect()));
    for r in rows {
        println!("{}", line(r));
    }
    println!("{} entries", log.entries.len());
    Exit::Ok
}
