//! `kiln readers`: the PC/SC readers and whether a token is on each.

use crate::exit::Exit;
use crate::pcsc_link::{self, PcscError};
use crate::show;
use serde_json::json;

/// List the PC/SC readers and whether a token (card) is on each.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  kiln readers
  kiln readers --json | jq -r '.readers[] | select(.card_present) | .name'

A contactless token shows up as \"token present\" only while it is switched on
and lying on the reader. Use the name (or a unique part of it) with --reader.")]
pub struct Args {}

pub fn run(_args: Args, ctx: crate::Ctx) -> Exit {
    let readers = match pcsc_link::list() {
        Ok(r) => r,
        Err(PcscError::NoReaders) if !ctx.json => {
            eprintln!("kiln: {}", PcscError::NoReaders);
            return Exit::NoToken;
        }
        Err(e) => {
            if ctx.json {
                let mut v = json!({ "ok": false, "error": e.to_string(), "readers": [] });
                show::contract_keys(&mut v);
                println!("{v}");
            } else {
                eprintln!("kiln: {e}");
            }
            return Exit::NoToken;
        }
    };
    if ctx.json {
        let mut v = json!({
            "ok": true,
            "error": null,
            "readers": readers.iter().map(|r| json!({
                "name": r.name,
                "card_present": r.card_present,
                "exclusive": r.exclusive,
                "atr": (!r.atr.is_empty()).then(|| pcsc_link::hex(&r.atr)),
            })).collect::<Vec<_>>(),
        });
        show::contract_keys(&mut v);
        println!("{v}");
    } else {
        for r in &readers {
            let state = match (r.card_present, r.exclusive) {
                (true, true) => format!(
                    "token present, in use by another program (ATR {})",
                    pcsc_link::hex(&r.atr)
                ),
                (true, false) => format!("token present (ATR {})", pcsc_link::hex(&r.atr)),
                (false, _) => "empty".to_owned(),
            };
            println!("{}  —  {state}", r.name);
        }
    }
    Exit::Ok
}
