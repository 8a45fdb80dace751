//! The first-contact report (`kiln_core::report`): `KilnException.UnknownModel.report`
//! carries what the read-only contact learned; [`contact_report_text`] adds the NFC
//! facts and makes the text the user may share. No seed, key or challenge is in it.

use kiln_core::proto::{Model, Serial};
use kiln_core::report::{Fact, FirstContactReport, SerialClass};
use kiln_core::session::TokenReading;

/// What one read-only contact (GET INFO only) learned about a token.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContactReport {
    pub serial: String,
    pub serial_length: u32,
    /// "digits", "letters and digits", "printable ASCII" or "binary".
    pub serial_class: String,
    pub known_model: bool,
    /// The GET INFO answer's data bytes, hex (opaque bytes included).
    pub get_info_hex: String,
    pub opaque_head_hex: String,
    pub opaque_mid_hex: String,
    /// Token clock, Unix seconds.
    pub token_clock: i64,
    /// The drift interval as text ("+3.42 s ± 0.03 s").
    pub drift: String,
}

/// A fact the phone's NFC stack gives (`"ATQA"`, `"00 44"`); never the tag UID.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReportFact {
    pub name: String,
    pub value: String,
}

impl ContactReport {
    pub(crate) fn of(reading: &TokenReading) -> Self {
        let r = FirstContactReport::new(reading, Vec::new(), "");
        Self {
            serial: r.serial,
            serial_length: u32::try_from(r.serial_length).unwrap_or(u32::MAX),
            serial_class: r.serial_class.as_str().to_owned(),
            known_model: r.model.is_known(),
            get_info_hex: r.get_info_hex,
            opaque_head_hex: r.opaque_head_hex,
            opaque_mid_hex: r.opaque_mid_hex,
            token_clock: i64::from(r.token_clock),
            drift: r.drift,
        }
    }
}

/// The report as the text the user reads (and may share): `report` plus the NFC
/// `facts` and the app's `software` name (the core's version is added).
#[uniffi::export]
pub fn contact_report_text(
    report: ContactReport,
    facts: Vec<ReportFact>,
    software: String,
) -> String {
    let serial = Serial::from(report.serial.as_str());
    FirstContactReport {
        serial_length: usize::try_from(report.serial_length).unwrap_or(usize::MAX),
        serial_class: SerialClass::of(serial.as_bytes()),
        model: Model::lookup(&serial),
        serial: report.serial,
        get_info_hex: report.get_info_hex,
        opaque_head_hex: report.opaque_head_hex,
        opaque_mid_hex: report.opaque_mid_hex,
        token_clock: u32::try_from(report.token_clock).unwrap_or(0),
        drift: report.drift,
        transport: facts
            .into_iter()
            .map(|f| Fact::new(f.name, f.value))
            .collect(),
        software: format!("{software} (kiln core {})", env!("CARGO_PKG_VERSION")),
    }
    .text()
}

/// A read-only contact (GET INFO only) that returns any token's first-contact report.
/// Blocks: call off the UI thread.
#[uniffi::export]
pub fn read_contact_report(
    link: std::sync::Arc<dyn crate::session::TokenLink>,
    clock: crate::session::ReferenceClock,
) -> Result<ContactReport, crate::error::KilnError> {
    use kiln_core::session::{Measure, Outcome, ReadSession};
    let mut session = ReadSession::new(crate::session::reference(&clock), Measure::Advice);
    match crate::session::run(&mut session, link, &clock, None)? {
        Outcome::Read(r) => Ok(ContactReport::of(&r)),
        other => Err(crate::session::unexpected(&other)),
    }
}
