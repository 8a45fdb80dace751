//! The export formats' text. Every buffer holding secrets is zeroizing and
//! allocated once, large enough for all rows.

use super::{ExportError, ExportFormat, Row, RowState};
use crate::csv::field;
use data_encoding::{BASE32_NOPAD, HEXUPPER};
use kiln_core::params::TokenHmac;
use std::fmt::Write as _;
use zeroize::Zeroizing;

/// The exact header Entra ID's OATH token upload expects.
pub const ENTRA_CSV_HEADER: &str = "upn,serial number,secret key,time interval,manufacturer,model";
/// Entra ID takes secrets of at most 128 Base32 characters.
pub const ENTRA_MAX_SECRET_CHARS: usize = 128;
/// The `csv` format's header.
pub const CSV_HEADER: &str = "serial,secret base32,algorithm,period,manufacturer,model";

fn b32(r: &Row<'_>) -> Zeroizing<String> {
    Zeroizing::new(BASE32_NOPAD.encode(r.record.seed().expose()))
}

fn hex(r: &Row<'_>) -> Zeroizing<String> {
    Zeroizing::new(HEXUPPER.encode(r.record.seed().expose()))
}

fn sha256_serials(rows: &[Row<'_>]) -> Vec<crate::serial::TokenSerial> {
    rows.iter()
        .filter(|r| r.record.hmac == TokenHmac::Sha256)
        .map(|r| r.record.serial.clone())
        .collect()
}

/// A zeroizing text buffer big enough for `rows` rows (never reallocated).
fn buffer(rows: usize) -> Zeroizing<String> {
    Zeroizing::new(String::with_capacity(
        rows.saturating_add(2).saturating_mul(1024),
    ))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(super) fn render(
    format: ExportFormat,
    rows: &[Row<'_>],
) -> Result<Zeroizing<Vec<u8>>, ExportError> {
    let out = match format {
        ExportFormat::EntraCsv => entra_csv(rows)?,
        ExportFormat::EntraGraphJson => graph_json(rows)?,
        ExportFormat::DualShieldXml => dualshield(rows)?,
        ExportFormat::Duo => duo(rows)?,
        ExportFormat::Csv => plain_csv(rows),
    };
    let mut out = out;
    Ok(Zeroizing::new(std::mem::take(&mut *out).into_bytes()))
}

fn entra_csv(rows: &[Row<'_>]) -> Result<Zeroizing<String>, ExportError> {
    let sha256 = sha256_serials(rows);
    if !sha256.is_empty() {
        return Err(ExportError::Sha256NotForEntraCsv { serials: sha256 });
    }
    let mut s = buffer(rows.len());
    s.push_str(ENTRA_CSV_HEADER);
    s.push_str("\r\n");
    for r in rows {
        let secret = b32(r);
        if secret.len() > ENTRA_MAX_SECRET_CHARS {
            return Err(ExportError::Internal(format!(
                "the seed of {} is longer than Entra ID's {ENTRA_MAX_SECRET_CHARS} characters",
                r.record.serial
            )));
        }
        let _ = write!(
            s,
            "{},{},{},{},{},{}\r\n",
            field(r.upn.unwrap_or_default()),
            r.record.serial,
            *secret,
            r.record.step.seconds(),
            field(&r.record.model.vendor),
            field(&r.record.model.name),
        );
    }
    Ok(s)
}

fn graph_json(rows: &[Row<'_>]) -> Result<Zeroizing<String>, ExportError> {
    // Built by hand into one zeroizing buffer: serde_json would copy every
    // secret into growing buffers of its own.
    let q = |v: &str| serde_json::to_string(v).unwrap_or_else(|_| "\"\"".into());
    let mut s = buffer(rows.len());
    s.push_str("{\n  \"@context\": \"#$delta\",\n  \"value\": [\n");
    for (i, r) in rows.iter().enumerate() {
        let hash = match r.record.hmac {
            TokenHmac::Sha1 => "hmacsha1",
            TokenHmac::Sha256 => "hmacsha256",
        };
        let _ = write!(
            s,
            "    {{\n      \"@contentId\": \"{}\",\n      \"serialNumber\": {},\n      \"manufacturer\": {},\n      \"model\": {},\n      \"secretKey\": \"{}\",\n      \"timeIntervalInSeconds\": {},\n      \"hashFunction\": \"{hash}\"",
            i.saturating_add(1),
            q(r.record.serial.as_str()),
            q(&r.record.model.vendor),
            q(&r.record.model.name),
            *b32(r),
            r.record.step.seconds(),
        );
        if let Some(id) = r.upn {
            let _ = write!(s, ",\n      \"assignTo\": {{ \"id\": {} }}", q(id));
        }
        s.push_str("\n    }");
        s.push_str(if i.saturating_add(1) < rows.len() {
            ",\n"
        } else {
            "\n"
        });
    }
    s.push_str("  ]\n}\n");
    Ok(s)
}

fn one<T: PartialEq + Copy>(
    rows: &[Row<'_>],
    get: impl Fn(&Row<'_>) -> T,
    what: &'static str,
) -> Result<Option<T>, ExportError> {
    let first = rows.first().map(&get);
    if rows.iter().any(|r| Some(get(r)) != first) {
        return Err(ExportError::MixedSettings {
            format: ExportFormat::DualShieldXml,
            what,
        });
    }
    Ok(first)
}

fn dualshield(rows: &[Row<'_>]) -> Result<Zeroizing<String>, ExportError> {
    let period = one(
        rows,
        |r| r.record.step.seconds(),
        "time step (<synchronisation>)",
    )?;
    let hmac = one(rows, |r| r.record.hmac, "algorithm (<crypto>)")?;
    let crypto = match hmac {
        Some(TokenHmac::Sha256) => "HmacSHA256",
        _ => "HmacSHA1",
    };
    let mut s = buffer(rows.len());
    let _ = write!(
        s,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<data>\n  <header>\n    <manufacturerCode>GG</manufacturerCode>\n    <productCode>GT</productCode>\n    <synchronisation>{}</synchronisation>\n    <encrypt>NONE</encrypt>\n    <encode>HEX</encode>\n    <digits>6</digits>\n    <crypto>{crypto}</crypto>\n  </header>\n  <tokens>\n",
        period.unwrap_or(30)
    );
    for r in rows {
        if r.state != RowState::Confirmed {
            let _ = writeln!(
                s,
                "    <!-- {}: {} -->",
                r.state.as_str(),
                match r.state {
                    RowState::Unconfirmed =>
                        "journalled but never confirmed on the token; check a code before use",
                    _ => "the older, confirmed seed; the token keeps it if the newer one was never written",
                }
            );
        }
        let _ = write!(
            s,
            "    <token>\n      <serial>{}</serial>\n      <seed>{}</seed>\n    </token>\n",
            xml_escape(r.record.serial.as_str()),
            *hex(r)
        );
    }
    s.push_str("  </tokens>\n</data>\n");
    Ok(s)
}

fn duo(rows: &[Row<'_>]) -> Result<Zeroizing<String>, ExportError> {
    let sha256 = sha256_serials(rows);
    if !sha256.is_empty() {
        return Err(ExportError::Sha256NotForDuo { serials: sha256 });
    }
    let first = rows.first().map(|r| r.record.step);
    if rows.iter().any(|r| Some(r.record.step) != first) {
        return Err(ExportError::MixedSettings {
            format: ExportFormat::Duo,
            what: "time step (Duo asks for it once per import)",
        });
    }
    let mut s = buffer(rows.len());
    for r in rows {
        let _ = writeln!(s, "{},{}", r.record.serial, *hex(r));
    }
    Ok(s)
}

fn plain_csv(rows: &[Row<'_>]) -> Zeroizing<String> {
    let marked = rows.iter().any(|r| r.state != RowState::Confirmed);
    let mut s = buffer(rows.len());
    s.push_str(CSV_HEADER);
    if marked {
        s.push_str(",state");
    }
    s.push_str("\r\n");
    for r in rows {
        let _ = write!(
            s,
            "{},{},{},{},{},{}",
            r.record.serial,
            *b32(r),
            r.record.hmac.algorithm().as_str(),
            r.record.step.seconds(),
            field(&r.record.model.vendor),
            field(&r.record.model.name),
        );
        if marked {
            let _ = write!(s, ",{}", r.state.as_str());
        }
        s.push_str("\r\n");
    }
    s
}
