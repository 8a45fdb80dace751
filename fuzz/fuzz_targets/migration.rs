//! Fuzzes the Google Authenticator export reader: arbitrary bytes as the
//! protobuf payload, wrapped in an `otpauth-migration://offline?data=` link.
#![no_main]

use base64::Engine;
use kiln_core::seed::{parse_input, SeedInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    let link = format!(
        "otpauth-migration://offline?data={}",
        b64.replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    );
    if let SeedInput::Migration(batch) = parse_input(&link) {
        for account in &batch.accounts {
            let _ = account.reason();
            let _ = account.spec.token_program();
            let _ = account.spec.fingerprint();
        }
    }
});
