//! Fuzzes the otpauth:// link parser: arbitrary text after `otpauth://`, with
//! every accessor and the verification helpers run on what comes out.
#![no_main]

use kiln_core::seed::{parse_input, SeedInput};
use kiln_core::verify;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let link = format!("otpauth://{text}");
    match parse_input(&link) {
        SeedInput::Totp(spec) => {
            let _ = spec.problems();
            let _ = spec.token_program();
            let _ = spec.fingerprint();
            let _ = spec.alternate_reading();
            let _ = verify::expected_codes_for(&spec, 1_700_000_000);
            let _ = verify::diagnose(&spec, "123456", 1_700_000_000);
        }
        SeedInput::Refused(r) => {
            let _ = r.to_string();
        }
        _ => {}
    }
});
