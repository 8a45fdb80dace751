//! The two error types of the boundary.
//!
//! - [`LinkError`] is thrown **by Kotlin** from [`crate::TokenLink::transceive`]
//!   (`LinkException.TagLost` / `Timeout` / `Io`). Any other exception a Kotlin link
//!   throws reaches Rust as [`uniffi::UnexpectedUniFFICallbackError`] and becomes
//!   [`LinkError::Io`] through the `From` impl below: a typed link loss, never a panic.
//! - [`KilnError`] is what every fallible export throws (`KilnException.*` in
//!   Kotlin): five variants a UI can branch on, each with a sentence a field user can
//!   act on.
//!
//! The sentence field is called `user_message` / `detail` rather than `message`:
//! uniffi 0.32's Kotlin generator declares a property per field *and* overrides
//! `Throwable.message`, so a field named `message` does not compile
//! (mozilla/uniffi-rs#1434). `toString()` of both exceptions returns the sentence
//! (exported `Display`).

use kiln_core::session::{NextStep, SessionError};
pub(crate) use kiln_core::text::sentence;

/// A transport failure, thrown by the Kotlin `TokenLink` (or synthesised from an
/// unexpected Kotlin exception).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum LinkError {
    /// The token left the field (`android.nfc.TagLostException`).
    #[error("the token left the phone's NFC field ({detail})")]
    TagLost { detail: String },
    /// The token did not answer in time.
    #[error("the token did not answer in time ({detail})")]
    Timeout { detail: String },
    /// Any other I/O failure (`java.io.IOException`, or an unexpected exception).
    #[error("NFC error ({detail})")]
    Io { detail: String },
}

/// Longest part of an unexpected exception's text kept (its first line).
const MAX_DETAIL_CHARS: usize = 200;

impl From<uniffi::UnexpectedUniFFICallbackError> for LinkError {
    /// An exception the Kotlin link did not translate (a `RuntimeException`, …). The
    /// reason uniffi passes is the exception's stack trace: only its first line is
    /// kept (the full text goes to the log at warn level; it carries no APDU data).
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        log::warn!("TokenLink threw an unexpected exception: {}", e.reason);
        let first = e.reason.lines().next().unwrap_or("").trim();
        let detail: String = first.chars().take(MAX_DETAIL_CHARS).collect();
        LinkError::Io {
            detail: if detail.is_empty() {
                "unexpected error in the NFC link".into()
            } else {
                format!("unexpected error in the NFC link: {detail}")
            },
        }
    }
}

/// What went wrong, in five classes a UI can branch on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum KilnError {
    /// The seed, QR code or a parameter was refused; nothing was sent to a token.
    #[error("{user_message}")]
    BadInput { user_message: String },
    /// The token refused a command (`69 83`, `63 Cx`, `6A 80` …), or answered a
    /// write with something this family never sends. The action is over: never
    /// contact the token again by itself (repeated attempts can lock a token for
    /// good), only after the user chose to try once more. `token_may_be_blank` /
    /// `resume_serial`: as for `LinkLost` (a refused write may have left the
    /// token without a seed: that try must be on `resume_serial`).
    #[error("{user_message}")]
    RefusedByToken {
        user_message: String,
        tries_left: Option<u8>,
        token_may_be_blank: bool,
        resume_serial: Option<String>,
    },
    /// The connection was lost (or the token's answer was unusable): tap again.
    /// `token_may_be_blank`: the token may now hold no seed; finish the burn with
    /// `BurnOptions.resume_serial = resume_serial`.
    #[error("{user_message}")]
    LinkLost {
        user_message: String,
        token_may_be_blank: bool,
        resume_serial: Option<String>,
    },
    /// The serial matches no known model: read-only unless the user names a key
    /// (`BurnOptions.unknown_model_key`).
    #[error("{user_message}")]
    UnknownModel {
        user_message: String,
        serial: String,
        /// What the contact learned, for a first-contact report the user may share
        /// (`contact_report_text`); `None` only if the first reading was lost.
        report: Option<crate::report::ContactReport>,
    },
    /// A bug (please report).
    #[error("{user_message}")]
    Internal { user_message: String },
}

impl KilnError {
    pub(crate) fn bad_input(text: impl std::fmt::Display) -> Self {
        KilnError::BadInput {
            user_message: sentence(&text.to_string()),
        }
    }

    pub(crate) fn internal(text: impl std::fmt::Display) -> Self {
        KilnError::Internal {
            user_message: sentence(&text.to_string()),
        }
    }
}

impl From<&kiln_core::session::Failure> for KilnError {
    /// The table of `docs/ffi.md` over the core's [`NextStep`]. The message is the
    /// core's error plus its advice for the token's state ("… This token now has
    /// no seed — tap again …").
    fn from(f: &kiln_core::session::Failure) -> Self {
        let user_message = sentence(&f.to_string());
        let resume_serial = f.resume_serial().map(ToString::to_string);
        let token_may_be_blank = f.may_be_blank();
        match f.next_step() {
            NextStep::TapAgain => KilnError::LinkLost {
                user_message,
                token_may_be_blank,
                resume_serial,
            },
            // The action is over: the app contacts the token again only after the
            // user chose to try once more, on the same serial.
            NextStep::Refused { tries_left } => KilnError::RefusedByToken {
                user_message,
                tries_left,
                token_may_be_blank,
                resume_serial,
            },
            NextStep::NeedsKey => KilnError::UnknownModel {
                user_message,
                serial: match &f.error {
                    SessionError::UnknownModel { serial } => serial.to_string(),
                    _ => f
                        .serial
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                },
                report: f.before.as_ref().map(crate::report::ContactReport::of),
            },
            NextStep::BurnInstead | NextStep::FixDeviceClock => {
                KilnError::BadInput { user_message }
            }
            NextStep::Internal => KilnError::Internal { user_message },
        }
    }
}
