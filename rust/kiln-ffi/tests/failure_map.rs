//! The app's error kinds over the core's failure classification: every failure
//! maps to the variant a UI branches on (the table of docs/ffi.md).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kiln_core::proto::{Model, Serial, StatusWord};
use kiln_core::session::{
    self as core, Failure, GarbledDetail, Resume, SessionError, Step, TokenState,
};
use kiln_ffi::{KilnError, LinkError};

fn failure(error: SessionError, token: TokenState, resume: Option<&str>) -> Failure {
    Failure {
        error,
        token,
        serial: Some(Serial::from("86596220000001")),
        model: None,
        before: None,
        resume: resume.map(|s| Resume::for_serial(Serial::from(s))),
    }
}

fn map(error: SessionError, token: TokenState, resume: Option<&str>) -> KilnError {
    KilnError::from(&failure(error, token, resume))
}

#[test]
fn every_failure_maps_to_the_variant_a_ui_branches_on() {
    let s = "86596220000001";
    let lost = |step| SessionError::LinkLost {
        step,
        cause: core::LinkError::TagLost,
    };
    // Link loss: "may be blank" follows the token state.
    for (state, blank) in [
        (TokenState::Unchanged, false),
        (TokenState::ConfigUncertain { erases_seed: true }, true),
        (TokenState::ConfigUncertain { erases_seed: false }, false),
        (TokenState::SeedErased, true),
        (TokenState::OldSeedNewSettings, false),
        (TokenState::SeedUncertain { seed_erased: true }, true),
        (TokenState::SeedUncertain { seed_erased: false }, false),
    ] {
        let resume = state.needs_finishing().then_some(s);
        match map(lost(Step::WriteConfig), state, resume) {
            KilnError::LinkLost {
                token_may_be_blank,
                resume_serial,
                user_message,
            } => {
                assert_eq!(token_may_be_blank, blank, "{state:?}");
                assert_eq!(resume_serial.as_deref(), resume, "{state:?}");
                assert!(user_message.starts_with("The connection"), "{user_message}");
                assert!(user_message.ends_with('.'), "{user_message}");
            }
            other => panic!("{state:?}: {other:?}"),
        }
    }
    // Refusals.
    match map(
        SessionError::AuthRefused {
            sw: StatusWord::WrongKey(0xC4),
            tries_left: Some(4),
        },
        TokenState::Unchanged,
        None,
    ) {
        KilnError::RefusedByToken {
            tries_left,
            user_message,
            token_may_be_blank,
            resume_serial,
        } => {
            assert_eq!(tries_left, Some(4));
            assert!(user_message.contains("4 tries left"), "{user_message}");
            assert!(!token_may_be_blank);
            assert_eq!(resume_serial, None);
        }
        other => panic!("{other:?}"),
    }
    // A refused or garbled write: the action is over, the token may be blank,
    // and a try once more must be on the same serial.
    for error in [
        SessionError::Refused {
            step: Step::WriteSeed,
            sw: StatusWord::BadData,
        },
        SessionError::Garbled {
            step: Step::WriteSeed,
            detail: GarbledDetail::UnexpectedStatus(StatusWord::Other(0x6F00)),
        },
    ] {
        match map(
            error.clone(),
            TokenState::SeedUncertain { seed_erased: true },
            Some(s),
        ) {
            KilnError::RefusedByToken {
                tries_left: None,
                token_may_be_blank: true,
                resume_serial,
                user_message,
            } => {
                assert_eq!(resume_serial.as_deref(), Some(s));
                assert!(user_message.contains("sent nothing more"), "{user_message}");
            }
            other => panic!("{error:?}: {other:?}"),
        }
    }
    // Unusable answers and an unconfirmed clock: tap again.
    assert!(matches!(
        map(
            SessionError::Garbled {
                step: Step::GetChallenge,
                detail: GarbledDetail::UnexpectedData(3)
            },
            TokenState::Unchanged,
            None
        ),
        KilnError::LinkLost {
            token_may_be_blank: false,
            resume_serial: None,
            ..
        }
    ));
    assert!(matches!(
        map(
            SessionError::ClockNotConfirmed {
                expected: 1_800_000_000,
                found: 1
            },
            TokenState::Written,
            None
        ),
        KilnError::LinkLost { .. }
    ));
    // Policy.
    match map(
        SessionError::UnknownModel {
            serial: Serial::from("12345"),
        },
        TokenState::Unchanged,
        None,
    ) {
        KilnError::UnknownModel { serial, .. } => assert_eq!(serial, "12345"),
        other => panic!("{other:?}"),
    }
    match map(
        SessionError::WrongToken {
            expected: Serial::from(s),
            found: Serial::from("86596220000999"),
        },
        TokenState::Unchanged,
        Some(s),
    ) {
        KilnError::LinkLost {
            resume_serial,
            token_may_be_blank,
            ..
        } => {
            assert_eq!(resume_serial.as_deref(), Some(s));
            assert!(token_may_be_blank);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        map(
            SessionError::SyncNeedsBurn {
                model: Model::Unknown
            },
            TokenState::Unchanged,
            None
        ),
        KilnError::BadInput { .. }
    ));
    assert!(matches!(
        map(
            SessionError::ReferenceClockInvalid { now: 0 },
            TokenState::Unchanged,
            None
        ),
        KilnError::BadInput { .. }
    ));
    assert!(matches!(
        map(
            SessionError::OutOfOrder("test"),
            TokenState::Unchanged,
            None
        ),
        KilnError::Internal { .. }
    ));
}

#[test]
fn link_errors_from_kotlin_keep_their_kind() {
    let d = || "x".to_string();
    assert_eq!(
        core::LinkError::from(LinkError::TagLost { detail: d() }),
        core::LinkError::TagLost
    );
    assert_eq!(
        core::LinkError::from(LinkError::Timeout { detail: d() }),
        core::LinkError::Timeout
    );
    assert_eq!(
        core::LinkError::from(LinkError::Io { detail: d() }),
        core::LinkError::Io("x".into())
    );
}

#[test]
fn unexpected_callback_error_becomes_io_with_first_line() {
    let e = uniffi::UnexpectedUniFFICallbackError::new(
        "java.lang.IllegalStateException: reader closed\n\tat Foo.bar(Foo.kt:3)\n\tat X.y",
    );
    let l = LinkError::from(e);
    match &l {
        LinkError::Io { detail } => {
            assert!(
                detail.contains("IllegalStateException: reader closed"),
                "{detail}"
            );
            assert!(!detail.contains("Foo.kt"), "{detail}");
        }
        other => panic!("expected Io, got {other:?}"),
    }
    let empty = LinkError::from(uniffi::UnexpectedUniFFICallbackError::new(""));
    assert_eq!(
        empty,
        LinkError::Io {
            detail: "unexpected error in the NFC link".into()
        }
    );
}
