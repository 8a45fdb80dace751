//! `kiln verify --journal DIR --serial S`: the Deepnet programmer's "Test" for a
//! batch. The code a token shows is checked against the seed the batch
//! journalled for its serial, with the same diagnosis as `kiln verify`.

use crate::exit::Exit;
use crate::seed_in::now_or;
use crate::show::refuse;
use kiln_core::seed::SeedSpec;
use kiln_core::verify::diagnose;
use kiln_fleet::audit::{utc, AuditEntry, AuditLog, Operator};
use kiln_fleet::{SeedRecord, SerialState, TokenSerial};
use serde_json::json;
use std::path::Path;

/// What `kiln verify --journal` was given.
pub struct JournalCheck<'a> {
    pub dir: &'a Path,
    pub serial: &'a str,
    pub identity: Option<&'a Path>,
    pub passphrase_file: Option<&'a Path>,
    pub operator: Option<&'a str>,
}

impl JournalCheck<'_> {
    pub fn run(&self, code: &str, at: Option<u64>, ctx: crate::Ctx) -> Exit {
        let serial = match TokenSerial::new(self.serial) {
            Ok(s) => s,
            Err(e) => return refuse(&format!("--serial: {e}"), Exit::Usage),
        };
        let contents =
            match super::journal_open::open(self.dir, self.identity, self.passphrase_file) {
                Ok((_, c)) => c,
                Err(exit) => return exit,
            };
        let state = contents.state();
        let Some(token) = state.get(&serial) else {
            return refuse(
                &format!(
                    "the journal in {} has no seed for serial {serial}: check the serial printed on the token",
                    self.dir.display()
                ),
                Exit::InputRefused,
            );
        };
        let now = now_or(at);
        let Some((record, why)) = pick(token, code, now) else {
            return refuse(
                &format!("the journal has no seed for serial {serial}"),
                Exit::InputRefused,
            );
        };
        let spec = SeedSpec::for_token(record.seed(), record.hmac, record.step);
        let confirmed = token.is_confirmed() && token.current().map(|c| c.seq) == Some(record.seq);
        let heading = format!(
            "Serial {serial} ({} {}): checked against the seed journalled {} ({}{})",
            record.model.vendor,
            record.model.name,
            utc(record.time).replace('T', " ").replace('Z', " UTC"),
            if confirmed {
                "its burn was confirmed"
            } else {
                "its burn was never confirmed"
            },
            why.note(),
        );
        if !ctx.json {
            println!("{heading}");
        }
        let mut extra = serde_json::Map::new();
        extra.insert("serial".into(), json!(serial.as_str()));
        extra.insert(
            "journal_record".into(),
            json!({
                "seq": record.seq,
                "time": record.time,
                "confirmed": confirmed,
                "current": why == Pick::Current,
                "candidates": token.candidates().len(),
            }),
        );
        let exit = crate::commands::diagnose::report_with(&spec, code, now, ctx, extra);
        self.audit(&serial, record, exit);
        exit
    }

    fn audit(&self, serial: &TokenSerial, record: &SeedRecord, exit: Exit) {
        let result = match exit {
            Exit::Ok => "match",
            Exit::Mismatch => "mismatch",
            _ => return,
        };
        let operator = self.operator.map_or_else(Operator::from_env, Operator::new);
        let mut entry = AuditEntry::new("verify", result).token(serial, Some(&record.model));
        entry.detail = Some(format!(
            "code checked against journal record {}",
            record.seq
        ));
        if let Err(e) = AuditLog::open(self.dir, None, operator).and_then(|mut l| l.append(entry)) {
            eprintln!("kiln: note: the check is done, but {e}");
        }
    }
}

/// Which of the token's seeds was checked, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pick {
    /// The one the token should hold (the only candidate, or none matched).
    Current,
    /// An older or newer candidate of an unconfirmed burn that matches.
    OtherCandidate,
}

impl Pick {
    fn note(self) -> &'static str {
        match self {
            Pick::Current => "",
            Pick::OtherCandidate => {
                "; the code matches this seed, not the newest one journalled: the newer burn did not reach the token"
            }
        }
    }
}

/// The record to check against: the first candidate whose seed gives `code`
/// now, else the most likely one (whose diagnosis is then printed).
fn pick<'a>(token: &'a SerialState, code: &str, now: u64) -> Option<(&'a SeedRecord, Pick)> {
    let candidates = token.candidates();
    let first = *candidates.first()?;
    for (i, c) in candidates.iter().enumerate() {
        let spec = SeedSpec::for_token(c.seed(), c.hmac, c.step);
        if diagnose(&spec, code, now).is_ok_and(|d| d.is_match()) {
            let why = if i == 0 {
                Pick::Current
            } else {
                Pick::OtherCandidate
            };
            return Some((c, why));
        }
    }
    Some((first, Pick::Current))
}
