//! The one state machine behind Read, Burn and Sync sessions.
//!
//! Straight-line by construction: each step is entered at most once, so there is
//! exactly one authentication attempt per session and no automatic retry; the key
//! is fixed after GET INFO and never replaced.

use super::outcome::*;
use super::timing::{ConfigTimer, SendNow, Timing};
use super::Action;
use crate::params::{TokenConfig, TokenSeed};
use crate::proto::apdu;
use crate::proto::response::{parse_challenge, parse_info, split_status};
use crate::proto::{
    Challenge, DeviceKey, Model, Serial, StatusWord, SyncClass, UnknownModelPolicy,
};
use crate::time::{UnixMicros, MICROS_PER_SEC};
use crate::totp;

/// 2020-01-01T00:00:00Z: a reference clock before this is wrong.
pub(crate) const EARLIEST_PLAUSIBLE: UnixMicros = 1_577_836_800 * MICROS_PER_SEC;
/// The token clock is a u32 of Unix seconds.
pub(crate) const LATEST_REPRESENTABLE: UnixMicros = (u32::MAX as i64 - 1) * MICROS_PER_SEC;

/// Tolerance of the confirming read beyond its own uncertainty.
const CONFIRM_SLACK_MS: i64 = 1500;

pub(crate) enum Job {
    Read,
    Burn {
        seed: TokenSeed,
        config: TokenConfig,
        policy: UnknownModelPolicy,
        resume: Option<Resume>,
    },
    Sync {
        config: TokenConfig,
    },
}

#[derive(Debug)]
enum State {
    /// Ready to send this step.
    Ready(Pending),
    /// Sent; waiting for the answer.
    InFlight(Step),
    Done(Outcome),
}

#[derive(Debug)]
enum Pending {
    Info,
    Challenge,
    Authenticate(Challenge),
    WriteConfig,
    WriteSeed,
    Confirm,
}

pub(crate) struct Engine {
    job: Job,
    state: State,
    key: Option<DeviceKey>,
    key_name: &'static str,
    auth_attempted: bool,
    before: Option<TokenReading>,
    timer: Box<dyn ConfigTimer>,
    timings: Vec<Timing>,
    /// Time value written and the instant WRITE CONFIG was (planned to be) sent;
    /// the actual send instant replaces the plan when the answer arrives.
    clock_written: Option<(u32, UnixMicros)>,
    config_acked: bool,
    seed_acked: bool,
}

impl Engine {
    pub(crate) fn new(job: Job) -> Self {
        Self {
            job,
            state: State::Ready(Pending::Info),
            key: None,
            key_name: "",
            auth_attempted: false,
            before: None,
            timer: Box::new(SendNow),
            timings: Vec::new(),
            clock_written: None,
            config_acked: false,
            seed_acked: false,
        }
    }

    pub(crate) fn set_timer(&mut self, timer: Box<dyn ConfigTimer>) {
        self.timer = timer;
    }

    pub(crate) fn timings(&self) -> &[Timing] {
        &self.timings
    }

    pub(crate) fn token_state_now(&self) -> TokenState {
        self.token_state(None)
    }

    pub(crate) fn serial(&self) -> Option<&Serial> {
        self.before.as_ref().map(|b| &b.serial)
    }

    fn model(&self) -> Option<Model> {
        self.before.as_ref().map(|b| b.model)
    }

    fn erases_seed(&self) -> bool {
        self.model()
            .map_or(SyncClass::Restricted, Model::sync_class)
            == SyncClass::Restricted
    }

    fn is_burn(&self) -> bool {
        matches!(self.job, Job::Burn { .. })
    }

    /// What the token holds, given the acknowledged writes and the write (if
    /// any) whose answer is missing or unusable.
    fn token_state(&self, uncertain: Option<Step>) -> TokenState {
        match uncertain {
            Some(Step::WriteConfig) => {
                return TokenState::ConfigUncertain {
                    erases_seed: self.is_burn() && self.erases_seed(),
                }
            }
            Some(Step::WriteSeed) => {
                return TokenState::SeedUncertain {
                    seed_erased: self.erases_seed(),
                }
            }
            _ => {}
        }
        match (&self.job, self.config_acked, self.seed_acked) {
            (_, false, false) => TokenState::Unchanged,
            (Job::Burn { .. }, true, false) if self.erases_seed() => TokenState::SeedErased,
            (Job::Burn { .. }, true, false) => TokenState::OldSeedNewSettings,
            _ => TokenState::Written,
        }
    }

    fn fail(&mut self, error: SessionError, uncertain: Option<Step>) {
        let token = self.token_state(uncertain);
        let resume = match (&self.job, self.serial()) {
            (Job::Burn { .. }, Some(s)) if token.needs_finishing() => {
                Some(Resume::for_serial(s.clone()))
            }
            _ => None,
        };
        self.state = State::Done(Outcome::Failed(Box::new(Failure {
            error,
            token,
            serial: self.serial().cloned(),
            model: self.model(),
            before: self.before.clone(),
            resume,
        })));
    }

    pub(crate) fn poll(&mut self, now: UnixMicros) -> Action {
        let pending = match std::mem::replace(&mut self.state, State::InFlight(Step::GetInfo)) {
            State::Done(o) => {
                let out = o.clone();
                self.state = State::Done(o);
                return Action::Finished(out);
            }
            State::InFlight(step) => {
                self.state = State::InFlight(step);
                let uncertain = step.is_write().then_some(step);
                self.fail(
                    SessionError::OutOfOrder("poll() while a command was in flight"),
                    uncertain,
                );
                return self.poll(now);
            }
            State::Ready(p) => p,
        };
        let (step, apdu, not_before) = match pending {
            Pending::Info => (Step::GetInfo, apdu::GET_INFO.to_vec(), None),
            Pending::Challenge => (Step::GetChallenge, apdu::GET_CHALLENGE.to_vec(), None),
            Pending::Authenticate(ch) => {
                let Some(key) = self.key.as_ref() else {
                    self.fail(SessionError::OutOfOrder("no key chosen"), None);
                    return self.poll(now);
                };
                if self.auth_attempted {
                    self.fail(SessionError::OutOfOrder("second authentication"), None);
                    return self.poll(now);
                }
                self.auth_attempted = true;
                (
                    Step::ExternalAuthenticate,
                    apdu::external_authenticate(key, &ch),
                    None,
                )
            }
            Pending::WriteConfig => {
                // The time is chosen here, as the command is built (after
                // authentication), by the session's timer.
                let Some(before) = self.before.as_ref() else {
                    self.fail(
                        SessionError::OutOfOrder("config write before GET INFO"),
                        None,
                    );
                    return self.poll(now);
                };
                let plan = self.timer.plan(now, before, &self.timings);
                let value = i64::from(plan.time_value) * MICROS_PER_SEC;
                if !(EARLIEST_PLAUSIBLE..=LATEST_REPRESENTABLE).contains(&value) {
                    self.fail(SessionError::ReferenceClockInvalid { now: value }, None);
                    return self.poll(now);
                }
                let not_before = plan.send_at.filter(|t| *t > now);
                let (config, key) = match (&self.job, self.key.as_ref()) {
                    (Job::Burn { config, .. } | Job::Sync { config }, Some(k)) => (*config, k),
                    _ => {
                        self.fail(SessionError::OutOfOrder("config write without a job"), None);
                        return self.poll(now);
                    }
                };
                self.clock_written = Some((plan.time_value, not_before.unwrap_or(now)));
                (
                    Step::WriteConfig,
                    apdu::write_config(key, &config, plan.time_value),
                    not_before,
                )
            }
            Pending::WriteSeed => {
                let (Job::Burn { seed, .. }, Some(key)) = (&self.job, self.key.as_ref()) else {
                    self.fail(SessionError::OutOfOrder("seed write without a burn"), None);
                    return self.poll(now);
                };
                let apdu = apdu::write_seed(key, seed);
                (Step::WriteSeed, apdu.to_vec(), None)
            }
            Pending::Confirm => (Step::ConfirmInfo, apdu::GET_INFO.to_vec(), None),
        };
        self.state = State::InFlight(step);
        Action::Transmit { apdu, not_before }
    }

    pub(crate) fn on_link_error(&mut self, cause: LinkError) {
        match self.state {
            State::Done(_) => {}
            State::InFlight(Step::ConfirmInfo) => self.finish_success(None),
            State::InFlight(step) => {
                let uncertain = step.is_write().then_some(step);
                self.fail(SessionError::LinkLost { step, cause }, uncertain);
            }
            State::Ready(_) => {
                let step = self.next_step();
                self.fail(SessionError::LinkLost { step, cause }, None);
            }
        }
    }

    fn next_step(&self) -> Step {
        match &self.state {
            State::Ready(Pending::Info) => Step::GetInfo,
            State::Ready(Pending::Challenge) => Step::GetChallenge,
            State::Ready(Pending::Authenticate(_)) => Step::ExternalAuthenticate,
            State::Ready(Pending::WriteConfig) => Step::WriteConfig,
            State::Ready(Pending::WriteSeed) => Step::WriteSeed,
            State::Ready(Pending::Confirm) => Step::ConfirmInfo,
            State::InFlight(s) => *s,
            State::Done(_) => Step::ConfirmInfo,
        }
    }

    pub(crate) fn on_response(
        &mut self,
        response: &[u8],
        sent_at: UnixMicros,
        received_at: UnixMicros,
    ) {
        let step = match self.state {
            State::Done(_) => return,
            State::InFlight(step) => step,
            State::Ready(_) => {
                self.fail(
                    SessionError::OutOfOrder("a response with no command in flight"),
                    None,
                );
                return;
            }
        };
        self.timings.push(Timing {
            step,
            sent_at,
            received_at,
        });
        if step == Step::WriteConfig {
            if let Some((_, at)) = self.clock_written.as_mut() {
                *at = sent_at;
            }
        }
        let uncertain = step.is_write().then_some(step);
        let (data, sw) = match split_status(response) {
            Ok(x) => x,
            Err(e) => {
                if step == Step::ConfirmInfo {
                    return self.finish_success(None);
                }
                return self.fail(
                    SessionError::Garbled {
                        step,
                        detail: e.into(),
                    },
                    uncertain,
                );
            }
        };
        if sw != StatusWord::Success {
            return self.on_refusal(step, sw);
        }
        match step {
            Step::GetInfo => self.on_info(data, sent_at, received_at),
            Step::GetChallenge => match parse_challenge(data) {
                Ok(ch) => self.state = State::Ready(Pending::Authenticate(ch)),
                Err(e) => self.fail(
                    SessionError::Garbled {
                        step,
                        detail: e.into(),
                    },
                    None,
                ),
            },
            Step::ExternalAuthenticate | Step::WriteConfig | Step::WriteSeed
                if !data.is_empty() =>
            {
                self.fail(
                    SessionError::Garbled {
                        step,
                        detail: GarbledDetail::UnexpectedData(data.len()),
                    },
                    uncertain,
                )
            }
            Step::ExternalAuthenticate => self.state = State::Ready(Pending::WriteConfig),
            Step::WriteConfig => {
                self.config_acked = true;
                self.state = State::Ready(match self.job {
                    Job::Burn { .. } => Pending::WriteSeed,
                    _ => Pending::Confirm,
                });
            }
            Step::WriteSeed => {
                self.seed_acked = true;
                self.state = State::Ready(Pending::Confirm);
            }
            Step::ConfirmInfo => self.on_confirm(data, sent_at, received_at),
        }
    }

    fn on_refusal(&mut self, step: Step, sw: StatusWord) {
        match step {
            // Failed reads: nothing changed (or, for the confirming read, both
            // writes were already acknowledged).
            Step::ConfirmInfo => self.finish_success(None),
            Step::ExternalAuthenticate if sw.is_auth_refusal() => self.fail(
                SessionError::AuthRefused {
                    sw,
                    tries_left: sw.tries_left(),
                },
                None,
            ),
            Step::WriteConfig | Step::WriteSeed => {
                // A refused write is most likely not done, but "nothing was
                // written" must never be said of a token that may have lost its
                // seed: the state stays uncertain and the advice is to finish.
                let error = if is_documented_refusal(sw) {
                    SessionError::Refused { step, sw }
                } else {
                    SessionError::Garbled {
                        step,
                        detail: GarbledDetail::UnexpectedStatus(sw),
                    }
                };
                self.fail(error, Some(step));
            }
            _ => self.fail(SessionError::Refused { step, sw }, None),
        }
    }

    fn on_info(&mut self, data: &[u8], sent_at: UnixMicros, received_at: UnixMicros) {
        let info = match parse_info(data) {
            Ok(i) => i,
            Err(e) => {
                return self.fail(
                    SessionError::Garbled {
                        step: Step::GetInfo,
                        detail: e.into(),
                    },
                    None,
                )
            }
        };
        let model = Model::lookup(&info.serial);
        self.before = Some(TokenReading {
            drift: Drift::estimate(info.clock, sent_at, received_at),
            serial: info.serial.clone(),
            model,
            token_clock: info.clock,
            sent_at,
            received_at,
        });
        match &self.job {
            Job::Read => {
                if let Some(r) = self.before.clone() {
                    self.state = State::Done(Outcome::Read(r));
                }
            }
            Job::Sync { .. } => {
                if model.sync_class() == SyncClass::Restricted {
                    return self.fail(SessionError::SyncNeedsBurn { model }, None);
                }
                self.choose_key_and_continue(model, &UnknownModelPolicy::ReadOnly, received_at);
            }
            Job::Burn { policy, resume, .. } => {
                if let Some(r) = resume {
                    if r.serial() != &info.serial {
                        let expected = r.serial().clone();
                        return self.fail(
                            SessionError::WrongToken {
                                expected,
                                found: info.serial,
                            },
                            None,
                        );
                    }
                }
                let policy = policy.clone();
                self.choose_key_and_continue(model, &policy, received_at);
            }
        }
    }

    fn choose_key_and_continue(
        &mut self,
        model: Model,
        policy: &UnknownModelPolicy,
        now: UnixMicros,
    ) {
        let (key, name) = match (model, policy) {
            (Model::Known(m), _) => (m.key.key(), "the family default key"),
            (Model::Unknown, UnknownModelPolicy::Program(choice)) => {
                (choice.key(), choice.describe())
            }
            (Model::Unknown, UnknownModelPolicy::ReadOnly) => {
                let serial = self.serial().cloned().unwrap_or_else(|| Serial::from(""));
                return self.fail(SessionError::UnknownModel { serial }, None);
            }
        };
        // Refuse a wrong reference clock before anything is written.
        if !(EARLIEST_PLAUSIBLE..=LATEST_REPRESENTABLE).contains(&now) {
            return self.fail(SessionError::ReferenceClockInvalid { now }, None);
        }
        self.key = Some(key);
        self.key_name = name;
        self.state = State::Ready(Pending::Challenge);
    }

    fn on_confirm(&mut self, data: &[u8], sent_at: UnixMicros, received_at: UnixMicros) {
        let Ok(info) = parse_info(data) else {
            // Both writes were acknowledged; only the check is missing.
            return self.finish_success(None);
        };
        let Some(before) = self.before.as_ref() else {
            return self.fail(
                SessionError::OutOfOrder("confirm without a first read"),
                None,
            );
        };
        if info.serial != before.serial {
            let expected = before.serial.clone();
            return self.fail(
                SessionError::WrongToken {
                    expected,
                    found: info.serial,
                },
                None,
            );
        }
        let after = TokenReading {
            drift: Drift::estimate(info.clock, sent_at, received_at),
            serial: info.serial,
            model: before.model,
            token_clock: info.clock,
            sent_at,
            received_at,
        };
        if after.drift.offset_ms.abs() > after.drift.uncertainty_ms + CONFIRM_SLACK_MS {
            let expected = received_at.div_euclid(MICROS_PER_SEC);
            return self.fail(
                SessionError::ClockNotConfirmed {
                    expected,
                    found: after.token_clock,
                },
                None,
            );
        }
        self.finish_success(Some(after));
    }

    fn finish_success(&mut self, after: Option<TokenReading>) {
        let (Some(before), Some((clock_written, written_for))) =
            (self.before.clone(), self.clock_written)
        else {
            return self.fail(SessionError::OutOfOrder("success without writes"), None);
        };
        let at = after.as_ref().map_or(written_for, |a| a.received_at);
        let outcome = match &self.job {
            Job::Burn { seed, config, .. } => Outcome::Burned(Box::new(BurnReport {
                serial: before.serial.clone(),
                model: before.model,
                clock_written,
                config_sent_at: written_for,
                after,
                config: *config,
                seed_bytes: seed.len(),
                key: self.key_name,
                expected_codes: expected_codes(seed, config, at),
                instruction: POWER_CYCLE_INSTRUCTION,
                before,
            })),
            Job::Sync { config } => Outcome::Synced(Box::new(SyncReport {
                serial: before.serial.clone(),
                model: before.model,
                clock_written,
                config_sent_at: written_for,
                after,
                config: *config,
                before,
            })),
            Job::Read => {
                return self.fail(SessionError::OutOfOrder("read session wrote"), None);
            }
        };
        self.state = State::Done(outcome);
    }
}

fn is_documented_refusal(sw: StatusWord) -> bool {
    matches!(
        sw,
        StatusWord::AuthRefused
            | StatusWord::WrongKey(_)
            | StatusWord::WrongLength
            | StatusWord::BadData
            | StatusWord::InsNotSupported
            | StatusWord::ClaNotSupported
    )
}

/// The current and next two codes for `seed` at reference time `at`.
pub fn expected_codes(seed: &TokenSeed, config: &TokenConfig, at: UnixMicros) -> Vec<ExpectedCode> {
    let period = config.step.seconds();
    let Ok(now) = u64::try_from(at.div_euclid(MICROS_PER_SEC)) else {
        return Vec::new();
    };
    let first = now - now % period;
    (0..3u64)
        .filter_map(|i| {
            let from = first.checked_add(i.checked_mul(period)?)?;
            let code = totp::code(seed.expose(), config.hmac.algorithm(), 6, period, from).ok()?;
            Some(ExpectedCode {
                from_unix: from,
                until_unix: from.checked_add(period)?,
                code: totp::format_code(code, 6),
            })
        })
        .collect()
}
