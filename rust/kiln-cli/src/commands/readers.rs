//! `kiln readers`: the PC/SC readers and whether a token is on each.

use crate::exit::Exit;
use crate::pcsc_link;
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
        Err(e) => {
            crate::out::object(json!({ "readers": [] }));
            return show::refuse(&e.to_string(), Exit::NoToken);
        }
    };
    if ctx.json {
        let v = json!({
            "readers": readers.iter().map(|r| json!({
                "name": r.name,
                "card_present": r.card_present,
                "exclusive": r.exclusive,
                "atr": (!r.atr.is_empty()).then(|| pcsc_link::hex(&r.atr)),
            })).collect::<Vec<_>>(),
        });
        crate::out::object(v);
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
