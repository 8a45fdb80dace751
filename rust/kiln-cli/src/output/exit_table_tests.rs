//! The CLI and the app classify every failure the same way: both are tables over
//! the core's [`NextStep`], and this test checks, for every kind of failure a
//! session can end with, that the CLI's exit code and the app's error kind are
//! the pair the core's classification calls for.

use crate::exit::Exit;
use crate::show::{exit_for, failure_exit};
use kiln_core::proto::{Model, Serial, StatusWord};
use kiln_core::session::{
    Failure, GarbledDetail, LinkError, NextStep, Resume, SessionError, Step, TokenState,
};
use kiln_ffi::KilnError;

/// The app's error kind, as a word.
fn app_kind(e: &KilnError) -> &'static str {
    match e {
        KilnError::BadInput { .. } => "bad input",
        KilnError::RefusedByToken { .. } => "refused",
        KilnError::LinkLost { .. } => "tap again",
        KilnError::UnknownModel { .. } => "unknown model",
        KilnError::Internal { .. } => "internal",
    }
}

/// What each next step means in both front ends.
fn expected(next: NextStep) -> (Exit, &'static str) {
    match next {
        NextStep::TapAgain => (Exit::LinkLost, "tap again"),
        NextStep::Refused { .. } => (Exit::TokenRefused, "refused"),
        NextStep::NeedsKey => (Exit::NoToken, "unknown model"),
        NextStep::BurnInstead => (Exit::NoToken, "bad input"),
        NextStep::FixDeviceClock => (Exit::InputRefused, "bad input"),
        NextStep::Internal => (Exit::Failure, "internal"),
    }
}

/// One failure of every kind, in every token state it can leave.
fn every_failure() -> Vec<Failure> {
    let serial = Serial::from("86596220000001");
    let errors = vec![
        SessionError::LinkLost {
            step: Step::WriteSeed,
            cause: LinkError::TagLost,
        },
        SessionError::AuthRefused {
            sw: StatusWord::WrongKey(0xC2),
            tries_left: Some(2),
        },
        SessionError::Refused {
            step: Step::WriteConfig,
            sw: StatusWord::BadData,
        },
        SessionError::Garbled {
            step: Step::GetChallenge,
            detail: GarbledDetail::UnexpectedData(3),
        },
        SessionError::UnknownModel {
            serial: Serial::from("99000000000001"),
        },
        SessionError::WrongToken {
            expected: serial.clone(),
            found: Serial::from("86596220000999"),
        },
        SessionError::SyncNeedsBurn {
            model: Model::Unknown,
        },
        SessionError::ReferenceClockInvalid { now: 0 },
        SessionError::ClockNotConfirmed {
            expected: 1_800_000_000,
            found: 1,
        },
        SessionError::OutOfOrder("test"),
    ];
    let states = [
        TokenState::Unchanged,
        TokenState::ConfigUncertain { erases_seed: true },
        TokenState::ConfigUncertain { erases_seed: false },
        TokenState::SeedErased,
        TokenState::OldSeedNewSettings,
        TokenState::SeedUncertain { seed_erased: true },
        TokenState::SeedUncertain { seed_erased: false },
        TokenState::Written,
    ];
    let mut all = Vec::new();
    for error in &errors {
        for token in states {
            all.push(Failure {
                error: error.clone(),
                token,
                serial: Some(serial.clone()),
                model: None,
                before: None,
                resume: token
                    .needs_finishing()
                    .then(|| Resume::for_serial(serial.clone())),
            });
        }
    }
    all
}

#[test]
fn the_cli_and_the_app_classify_every_failure_the_same_way() {
    let mut seen = std::collections::BTreeSet::new();
    for f in every_failure() {
        let next = f.next_step();
        let (exit, kind) = expected(next);
        let app = KilnError::from(&f);
        assert_eq!(failure_exit(&f), exit, "CLI: {:?} / {:?}", f.error, f.token);
        assert_eq!(app_kind(&app), kind, "app: {:?} / {:?}", f.error, f.token);
        // The token to present next and whether it may be blank reach the app as
        // the core says them.
        if let KilnError::LinkLost {
            token_may_be_blank,
            resume_serial,
            ..
        }
        | KilnError::RefusedByToken {
            token_may_be_blank,
            resume_serial,
            ..
        } = &app
        {
            assert_eq!(*token_may_be_blank, f.may_be_blank(), "{:?}", f.error);
            assert_eq!(
                resume_serial.as_deref(),
                f.resume_serial().map(ToString::to_string).as_deref(),
                "{:?}",
                f.error
            );
        }
        seen.insert(format!("{:?}", std::mem::discriminant(&next)));
    }
    // Every next step occurs, so every row of both tables was checked.
    assert_eq!(seen.len(), NextStep::ALL.len());
    for next in NextStep::ALL {
        assert_eq!(exit_for(next), expected(next).0, "{next:?}");
    }
}
