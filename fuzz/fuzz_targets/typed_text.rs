//! Fuzzes the entry point with arbitrary text (typed seeds, any scheme), and
//! both readings of ambiguous Base32/Hex text.
#![no_main]

use kiln_core::seed::{parse_input, Encoding, SeedInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match parse_input(&text) {
        SeedInput::Totp(spec) => {
            let _ = spec.token_program();
            let _ = spec.alternate_reading();
        }
        SeedInput::Ambiguous(amb) => {
            for e in [Encoding::Base32, Encoding::Hex] {
                let _ = amb.resolve(e).token_program();
            }
        }
        SeedInput::Refused(r) => {
            let _ = r.to_string();
            let _ = r.suggestions();
        }
        SeedInput::Migration(_) => {}
    }
});
