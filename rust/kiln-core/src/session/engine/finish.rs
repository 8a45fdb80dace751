//! How a session ends: a failure that says what the token holds, or a report.

use super::{Confirming, Engine, Phase, State};
use crate::clock::SyncResidual;
use crate::session::outcome::{
    BurnReport, Failure, Outcome, Resume, SessionError, SyncReport, TokenReading, TokenState,
    POWER_CYCLE_INSTRUCTION,
};
use crate::time::MICROS_PER_SEC;
use crate::verify::{expected_token_codes, token_code_windows};

impl Engine {
    /// Stops in `phase`; `in_flight`: its command was sent and no clean answer
    /// came back (a write's effect is then unknown).
    pub(super) fn fail(&mut self, phase: &Phase, in_flight: bool, error: SessionError) -> State {
        let token = phase.token_state(in_flight);
        let before = phase.before().cloned();
        if let Some(b) = &before {
            self.measured(b);
        }
        let resume = match &before {
            Some(b) if phase.burns() && token.needs_finishing() => {
                Some(Resume::for_serial(b.serial.clone()))
            }
            _ => None,
        };
        State::Done(Outcome::Failed(Box::new(Failure {
            error,
            token,
            serial: before.as_ref().map(|b| b.serial.clone()),
            model: before.as_ref().map(|b| b.model),
            before,
            resume,
        })))
    }

    /// Stops after the first reading, before anything was written (policy).
    pub(super) fn fail_measured(&mut self, first: TokenReading, error: SessionError) -> State {
        self.measured(&first);
        State::Done(Outcome::Failed(Box::new(Failure {
            error,
            token: TokenState::Unchanged,
            serial: Some(first.serial.clone()),
            model: Some(first.model),
            before: Some(first),
            resume: None,
        })))
    }

    /// Stops where no phase is at hand (a method re-entered: a bug).
    pub(super) fn fail_bare(&mut self, error: SessionError) -> State {
        State::Done(Outcome::Failed(Box::new(Failure {
            error,
            token: TokenState::Unchanged,
            serial: None,
            model: None,
            before: None,
            resume: None,
        })))
    }

    pub(super) fn finish_read(&mut self, reading: TokenReading) -> State {
        self.measured(&reading);
        State::Done(Outcome::Read(reading))
    }

    /// The report of a session whose writes were all acknowledged.
    pub(super) fn finish_writes(&mut self, c: Confirming, residual: Option<SyncResidual>) -> State {
        let Confirming {
            written: w,
            seed,
            after,
            ..
        } = c;
        // The codes the token will show: by its own clock (the target offset).
        let at = after.as_ref().map_or(w.config_sent_at, |a| a.received_at) + w.target_offset_us;
        let codes_at = u64::try_from(at.div_euclid(MICROS_PER_SEC)).unwrap_or(0);
        State::Done(match seed {
            Some(seed) => Outcome::Burned(Box::new(BurnReport {
                serial: w.before.serial.clone(),
                model: w.before.model,
                clock_written: w.clock_written,
                config_sent_at: w.config_sent_at,
                after,
                residual,
                clock_synced: self.clock.sync_clock,
                config: w.config,
                seed_bytes: seed.len(),
                key: w.key_name,
                expected_codes: token_code_windows(&seed, &w.config, codes_at),
                codes_at,
                codes: expected_token_codes(&seed, w.config.hmac, w.config.step, codes_at).ok(),
                instruction: POWER_CYCLE_INSTRUCTION,
                before: w.before,
            })),
            None => Outcome::Synced(Box::new(SyncReport {
                serial: w.before.serial.clone(),
                model: w.before.model,
                clock_written: w.clock_written,
                config_sent_at: w.config_sent_at,
                after,
                residual,
                config: w.config,
                before: w.before,
            })),
        })
    }
}
