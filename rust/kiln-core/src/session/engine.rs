//! The one state machine behind Read, Burn and Sync sessions.
//!
//! Straight-line by construction: each step is entered at most once, so there is
//! exactly one authentication attempt per session and no automatic retry; the key
//! is fixed after GET INFO and never replaced.

use super::outcome::*;
use super::timing::{session_latency, ConfigTimer, Measure, PlannedSet, Timing};
use super::Action;
use crate::clock::{
    advise, AdviceConfig, DriftEstimate, DriftMeter, MeterConfig, MeterStep, Reading, Reference,
    SyncResidual,
};
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
const CONFIRM_SLACK_US: i64 = 1_500_000;
/// Smallest spread of the confirmation hint.
const MIN_HINT_SPREAD_US: i64 = 5_000;

/// How a session measures and which clock it trusts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClockSetup {
    pub reference: Reference,
    pub advice: AdviceConfig,
    /// `None`: automatic (advice, or precise when the token's time must be kept).
    pub measure: Option<Measure>,
    /// Set the token clock to the reference (else write the token's own time back).
    pub sync_clock: bool,
}

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
    /// A refinement GET INFO of the first measurement, not before this instant.
    Poll(UnixMicros),
    /// A refinement GET INFO of the confirmation, not before this instant.
    ConfirmPoll(UnixMicros),
}

pub(crate) struct Engine {
    job: Job,
    state: State,
    key: Option<DeviceKey>,
    key_name: &'static str,
    auth_attempted: bool,
    before: Option<TokenReading>,
    after: Option<TokenReading>,
    clock: ClockSetup,
    /// The first measurement (from the first GET INFO on) and the confirmation.
    pre: Option<DriftMeter>,
    post: Option<DriftMeter>,
    /// Where the confirmation should find the token's offset (scheduling only).
    hint: Option<DriftEstimate>,
    /// The offset the set aims at (0: true time).
    target_offset_us: i64,
    /// `None`: [`PlannedSet`] (keeping the token's time when `sync_clock` is false).
    timer: Option<Box<dyn ConfigTimer>>,
    timings: Vec<Timing>,
    /// Time value written and the instant WRITE CONFIG was (planned to be) sent;
    /// the actual send instant replaces the plan when the answer arrives.
    clock_written: Option<(u32, UnixMicros)>,
    config_acked: bool,
    seed_acked: bool,
}

impl Engine {
    pub(crate) fn new(job: Job, clock: ClockSetup) -> Self {
        Self {
            job,
            state: State::Ready(Pending::Info),
            key: None,
            key_name: "",
            auth_attempted: false,
            before: None,
            after: None,
            clock,
            pre: None,
            post: None,
            hint: None,
            target_offset_us: 0,
            timer: None,
            timings: Vec::new(),
            clock_written: None,
            config_acked: false,
            seed_acked: false,
        }
    }

    pub(crate) fn set_timer(&mut self, timer: Option<Box<dyn ConfigTimer>>) {
        self.timer = timer;
    }

    pub(crate) fn set_measure(&mut self, measure: Measure) {
        self.clock.measure = Some(measure);
    }

    fn meter_config(&self) -> MeterConfig {
        let measure = self.clock.measure.unwrap_or(match self.job {
            // Keeping the token's time needs its offset, not only the advice.
            Job::Burn { .. } if !self.clock.sync_clock => Measure::Precise,
            _ => Measure::Advice,
        });
        match measure {
            Measure::Advice => MeterConfig::advice(self.clock.advice),
            Measure::Precise => MeterConfig::precise(),
            Measure::Single => MeterConfig {
                max_polls: 0,
                ..MeterConfig::advice(self.clock.advice)
            },
        }
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
            Pending::Poll(t) => (Step::GetInfo, apdu::GET_INFO.to_vec(), Some(t)),
            Pending::ConfirmPoll(t) => (Step::ConfirmInfo, apdu::GET_INFO.to_vec(), Some(t)),
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
                let keep = !self.clock.sync_clock;
                self.target_offset_us = if keep {
                    before.drift().midpoint_us()
                } else {
                    0
                };
                let plan = match self.timer.as_mut() {
                    Some(t) => t.plan(now, before, &self.timings),
                    None => PlannedSet {
                        keep_token_time: keep,
                        ..PlannedSet::default()
                    }
                    .plan(now, before, &self.timings),
                };
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
            // Losing a refinement poll of a read: the reading so far stands.
            State::InFlight(Step::GetInfo) | State::Ready(Pending::Poll(_))
                if self.is_read() && self.before.is_some() =>
            {
                self.finish_read()
            }
            // Both writes were acknowledged; only (part of) the check is missing.
            State::InFlight(Step::ConfirmInfo)
            | State::Ready(Pending::Confirm | Pending::ConfirmPoll(_)) => self.finish_confirm(),
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

    fn is_read(&self) -> bool {
        matches!(self.job, Job::Read)
    }

    fn next_step(&self) -> Step {
        match &self.state {
            State::Ready(Pending::Info | Pending::Poll(_)) => Step::GetInfo,
            State::Ready(Pending::Challenge) => Step::GetChallenge,
            State::Ready(Pending::Authenticate(_)) => Step::ExternalAuthenticate,
            State::Ready(Pending::WriteConfig) => Step::WriteConfig,
            State::Ready(Pending::WriteSeed) => Step::WriteSeed,
            State::Ready(Pending::Confirm | Pending::ConfirmPoll(_)) => Step::ConfirmInfo,
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
                return self.on_unusable_read(step).unwrap_or_else(|| {
                    self.fail(
                        SessionError::Garbled {
                            step,
                            detail: e.into(),
                        },
                        uncertain,
                    )
                });
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
                self.hint = self.confirm_hint(sent_at);
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

    /// A GET INFO whose answer is unusable (garbled, refused) where the session
    /// can still end well: a read's refinement poll (the reading so far stands)
    /// or any confirming read (both writes were acknowledged). `None`: it cannot.
    fn on_unusable_read(&mut self, step: Step) -> Option<()> {
        match step {
            Step::GetInfo if self.is_read() && self.before.is_some() => {
                self.finish_read();
                Some(())
            }
            Step::ConfirmInfo => {
                self.finish_confirm();
                Some(())
            }
            _ => None,
        }
    }

    fn on_refusal(&mut self, step: Step, sw: StatusWord) {
        if self.on_unusable_read(step).is_some() {
            return;
        }
        match step {
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

    /// A reading of the token: `estimate` with its advice, the last GET INFO's clock
    /// and instants.
    #[allow(clippy::too_many_arguments)]
    fn reading(
        &self,
        serial: Serial,
        model: Model,
        token_clock: u32,
        sent_at: UnixMicros,
        received_at: UnixMicros,
        estimate: DriftEstimate,
        meter: Option<&DriftMeter>,
    ) -> TokenReading {
        TokenReading {
            serial,
            model,
            token_clock,
            sent_at,
            received_at,
            advice: advise(estimate, self.clock.reference, &self.clock.advice),
            reads: meter.map_or(1, |m| m.extra_exchanges().saturating_add(1)),
            measure_time_us: meter.map_or(0, DriftMeter::extra_time_us),
            info_data: Vec::new(),
        }
    }

    /// The first GET INFO and the refinement polls after it.
    fn on_info(&mut self, data: &[u8], sent_at: UnixMicros, received_at: UnixMicros) {
        let info = match parse_info(data) {
            Ok(i) => i,
            Err(e) => {
                if self.on_unusable_read(Step::GetInfo).is_some() {
                    return;
                }
                return self.fail(
                    SessionError::Garbled {
                        step: Step::GetInfo,
                        detail: e.into(),
                    },
                    None,
                );
            }
        };
        let Ok(reading) = Reading::new(sent_at, received_at, info.clock) else {
            return self.fail(
                SessionError::OutOfOrder("a response timestamped before its command"),
                None,
            );
        };
        if let Some(before) = self.before.as_ref() {
            // A refinement poll: it must come from the same token.
            if info.serial != before.serial {
                if self.is_read() {
                    return self.finish_read();
                }
                let expected = before.serial.clone();
                return self.fail(
                    SessionError::WrongToken {
                        expected,
                        found: info.serial,
                    },
                    None,
                );
            }
        } else {
            let model = Model::lookup(&info.serial);
            let estimate = DriftEstimate::from_reading(&reading, 0);
            let mut first = self.reading(
                info.serial.clone(),
                model,
                info.clock,
                sent_at,
                received_at,
                estimate,
                None,
            );
            first.info_data = data.to_vec();
            self.before = Some(first);
            // Policy first: a token that will not be written gets no polls either.
            if !self.check_policy(model, &info.serial, received_at) {
                return;
            }
            self.pre = Some(DriftMeter::new(self.meter_config()));
        }
        let Some(meter) = self.pre.as_mut() else {
            return self.fail(SessionError::OutOfOrder("no drift meter"), None);
        };
        let step = match meter.on_reading(reading) {
            Ok(step) => step,
            // Contradicting readings (the token clock or the reference clock
            // jumped): the measurement ends with what was consistent so far.
            Err(_) => match meter.estimate() {
                Some(e) => MeterStep::Done(e),
                None => return self.fail(SessionError::OutOfOrder("clock reading rejected"), None),
            },
        };
        self.update_before(&info.serial, info.clock, sent_at, received_at);
        if let MeterStep::Poll { not_before } = step {
            self.state = State::Ready(Pending::Poll(not_before));
            return;
        }
        if self.is_read() {
            return self.finish_read();
        }
        self.state = State::Ready(Pending::Challenge);
    }

    /// Refreshes `before` with the measurement so far (the last GET INFO given).
    fn update_before(&mut self, serial: &Serial, clock: u32, sent_at: i64, received_at: i64) {
        let (Some(meter), Some(before)) = (self.pre.as_ref(), self.before.as_ref()) else {
            return;
        };
        let Some(estimate) = meter.estimate() else {
            return;
        };
        let mut r = self.reading(
            serial.clone(),
            before.model,
            clock,
            sent_at,
            received_at,
            estimate,
            Some(meter),
        );
        r.info_data = before.info_data.clone();
        self.before = Some(r);
    }

    fn finish_read(&mut self) {
        match self.before.clone() {
            Some(r) => self.state = State::Done(Outcome::Read(r)),
            None => self.fail(SessionError::OutOfOrder("read without a reading"), None),
        }
    }

    /// Model, resume and reference-clock checks after the first GET INFO; chooses
    /// the key. `false` if the session stopped.
    fn check_policy(&mut self, model: Model, serial: &Serial, now: UnixMicros) -> bool {
        let policy = match &self.job {
            Job::Read => return true,
            Job::Sync { .. } => {
                if model.sync_class() == SyncClass::Restricted {
                    self.fail(SessionError::SyncNeedsBurn { model }, None);
                    return false;
                }
                UnknownModelPolicy::ReadOnly
            }
            Job::Burn { policy, resume, .. } => {
                if let Some(r) = resume {
                    if r.serial() != serial {
                        let expected = r.serial().clone();
                        self.fail(
                            SessionError::WrongToken {
                                expected,
                                found: serial.clone(),
                            },
                            None,
                        );
                        return false;
                    }
                }
                policy.clone()
            }
        };
        let (key, name) = match (model, &policy) {
            (Model::Known(m), _) => (m.key.key(), "the family default key"),
            (Model::Unknown, UnknownModelPolicy::Program(choice)) => {
                (choice.key(), choice.describe())
            }
            (Model::Unknown, UnknownModelPolicy::ReadOnly) => {
                self.fail(
                    SessionError::UnknownModel {
                        serial: serial.clone(),
                    },
                    None,
                );
                return false;
            }
        };
        // Refuse a wrong reference clock before anything is written.
        if !(EARLIEST_PLAUSIBLE..=LATEST_REPRESENTABLE).contains(&now) {
            self.fail(SessionError::ReferenceClockInvalid { now }, None);
            return false;
        }
        self.key = Some(key);
        self.key_name = name;
        true
    }

    /// Where the token's offset should be after a WRITE CONFIG that left at
    /// `sent_at`: value − (sent_at + RTT/2), ± half the largest round trip. The
    /// same for every timer (it is [`crate::clock::WritePlan::confirm_hint`] for
    /// the planned set); it only steers the confirmation's polls.
    fn confirm_hint(&self, sent_at: UnixMicros) -> Option<DriftEstimate> {
        let (value, _) = self.clock_written?;
        let lat = session_latency(&self.timings)?;
        let centre = i64::from(value) * MICROS_PER_SEC - sent_at - lat.median_rtt_us / 2;
        Some(DriftEstimate::around(
            centre,
            (lat.max_rtt_us / 2).max(MIN_HINT_SPREAD_US),
        ))
    }

    /// The confirming GET INFO and its refinement polls.
    fn on_confirm(&mut self, data: &[u8], sent_at: UnixMicros, received_at: UnixMicros) {
        let Ok(info) = parse_info(data) else {
            // Both writes were acknowledged; only (part of) the check is missing.
            return self.finish_confirm();
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
        let model = before.model;
        let Ok(reading) = Reading::new(sent_at, received_at, info.clock) else {
            return self.finish_confirm();
        };
        let meter = self.post.get_or_insert_with(|| {
            let m = DriftMeter::new(MeterConfig::confirm());
            match self.hint {
                Some(h) => m.with_hint(h),
                None => m,
            }
        });
        let step = match meter.on_reading(reading) {
            Ok(step) => step,
            Err(_) => {
                // The clock contradicts itself after the write: not confirmed.
                let expected = (received_at + self.target_offset_us).div_euclid(MICROS_PER_SEC);
                return self.fail(
                    SessionError::ClockNotConfirmed {
                        expected,
                        found: info.clock,
                    },
                    None,
                );
            }
        };
        if let Some(estimate) = meter.estimate() {
            let meter = meter.clone();
            let mut r = self.reading(
                info.serial,
                model,
                info.clock,
                sent_at,
                received_at,
                estimate,
                Some(&meter),
            );
            r.info_data = data.to_vec();
            self.after = Some(r);
        }
        match step {
            MeterStep::Poll { not_before } => {
                self.state = State::Ready(Pending::ConfirmPoll(not_before))
            }
            MeterStep::Done(_) => self.finish_confirm(),
        }
    }

    /// Ends the session after the writes: with the confirmation so far (checked
    /// against the target), or without one when none came back.
    fn finish_confirm(&mut self) {
        let Some(after) = self.after.clone() else {
            return self.finish_success(None, None);
        };
        let est = after.drift();
        let target = self.target_offset_us;
        if est.lo_us() > target + CONFIRM_SLACK_US || est.hi_us() <= target - CONFIRM_SLACK_US {
            let expected = (after.received_at + target).div_euclid(MICROS_PER_SEC);
            return self.fail(
                SessionError::ClockNotConfirmed {
                    expected,
                    found: after.token_clock,
                },
                None,
            );
        }
        let residual = SyncResidual {
            estimate: est.shifted(-target),
        };
        self.finish_success(Some(after), Some(residual));
    }

    fn finish_success(&mut self, after: Option<TokenReading>, residual: Option<SyncResidual>) {
        let (Some(before), Some((clock_written, written_for))) =
            (self.before.clone(), self.clock_written)
        else {
            return self.fail(SessionError::OutOfOrder("success without writes"), None);
        };
        // The codes the token will show: by its own clock (the target offset).
        let at = after.as_ref().map_or(written_for, |a| a.received_at) + self.target_offset_us;
        let outcome = match &self.job {
            Job::Burn { seed, config, .. } => Outcome::Burned(Box::new(BurnReport {
                serial: before.serial.clone(),
                model: before.model,
                clock_written,
                config_sent_at: written_for,
                after,
                residual,
                clock_synced: self.clock.sync_clock,
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
                residual,
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

/// The previous, current and next two codes for `seed` at token time `at`.
///
/// `at` is an estimate (the token's clock is known to a few ms): right at a step
/// boundary the token may still show the previous step's code, so it is listed too.
/// The two following steps cover the power cycle before the user reads the token.
pub fn expected_codes(seed: &TokenSeed, config: &TokenConfig, at: UnixMicros) -> Vec<ExpectedCode> {
    let period = config.step.seconds();
    let Ok(now) = u64::try_from(at.div_euclid(MICROS_PER_SEC)) else {
        return Vec::new();
    };
    let current = now - now % period;
    let first = current.saturating_sub(period);
    let steps = if current >= period { 4u64 } else { 3 };
    (0..steps)
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
