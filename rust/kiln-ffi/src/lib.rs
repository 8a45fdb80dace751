//! uniffi boundary of tokenkiln (skeleton: the full surface is added by the boundary work item).
uniffi::setup_scaffolding!();

/// Errors a UI can branch on.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum KilnError {
    #[error("{message}")]
    BadInput { message: String },
}

/// TOTP code for `key` at `unix_secs` (SHA1/SHA256/SHA512 by name).
#[uniffi::export]
pub fn totp_code(
    key: Vec<u8>,
    algorithm: String,
    digits: u8,
    period: u64,
    unix_secs: u64,
) -> Result<String, KilnError> {
    let alg = algorithm
        .parse::<kiln_core::params::Algorithm>()
        .map_err(|e| KilnError::BadInput {
            message: e.to_string(),
        })?;
    let c = kiln_core::totp::code(&key, alg, digits, period, unix_secs).map_err(|e| {
        KilnError::BadInput {
            message: e.to_string(),
        }
    })?;
    Ok(kiln_core::totp::format_code(c, digits))
}
