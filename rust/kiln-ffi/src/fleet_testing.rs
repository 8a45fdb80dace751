//! Test-only exports (feature `testing`) for the batch tests in Kotlin: an age
//! key pair, and age encryption and decryption, so a test can make an
//! encrypted seed file and open the export the app saved. Never in the app.

use crate::fleet::FleetError;
use kiln_core::secret::SecretString;
use kiln_fleet::{Decryptor, Encryptor};

fn bad(e: impl std::fmt::Display) -> FleetError {
    FleetError::BadInput {
        user_message: e.to_string(),
    }
}

fn pass(bytes: Vec<u8>) -> Result<SecretString, FleetError> {
    String::from_utf8(bytes)
        .map(SecretString::new)
        .map_err(|_| bad("not UTF-8"))
}

/// A new age key pair: `[identity, public key]`.
#[uniffi::export]
pub fn age_key_pair_for_tests() -> Vec<String> {
    let (id, public) = kiln_fleet::crypto::generate_key_pair();
    vec![id.to_string(), public]
}

/// `data` as an ASCII-armored age file to `passphrase` (cheap scrypt).
#[uniffi::export]
pub fn age_encrypt_for_tests(data: Vec<u8>, passphrase: Vec<u8>) -> Result<Vec<u8>, FleetError> {
    let mut enc = Encryptor::with_passphrase(pass(passphrase)?).map_err(bad)?;
    enc.set_scrypt_work_factor(4);
    enc.encrypt(&data, true).map_err(bad)
}

/// Opens an age file with an identity (`AGE-SECRET-KEY-1…`) or a passphrase.
#[uniffi::export]
pub fn age_decrypt_for_tests(
    data: Vec<u8>,
    identity: Option<String>,
    passphrase: Option<Vec<u8>>,
) -> Result<Vec<u8>, FleetError> {
    let dec = match (identity, passphrase) {
        (Some(id), _) => Decryptor::from_identity_text(&id, "test identity").map_err(bad)?,
        (None, Some(p)) => Decryptor::with_passphrase(pass(p)?).map_err(bad)?,
        (None, None) => return Err(bad("an identity or a passphrase")),
    };
    dec.decrypt(&data).map(|z| z.to_vec()).map_err(bad)
}
