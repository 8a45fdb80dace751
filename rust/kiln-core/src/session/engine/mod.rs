//! The one state machine behind Read, Burn and Sync sessions.
//!
//! Shaped like its states: each [`Phase`] holds exactly the data that exists at
//! that point (the key only once the policy granted one, the challenge only while
//! authenticating, the written clock value only after WRITE CONFIG was built, the
//! seed only in a burn), so a step cannot be built without what it needs.
//! Straight-line by construction: each phase is entered at most once, so there is
//! exactly one authentication attempt per session and no automatic retry; the key
//! is fixed after GET INFO and never replaced.
//!
//! - this file: the phases, `poll`, and the dispatch of answers and link errors;
//! - [`measure`]: the first measurement and the confirming read;
//! - [`policy`]: what may be written to the token found, with which key;
//! - [`finish`]: failures and reports.

mod finish;
mod measure;
mod policy;
#[cfg(test)]
mod tests;

use super::event::Event;
use super::outcome::{
    GarbledDetail, LinkError, Outcome, Resume, SessionError, Step, TokenReading, TokenState,
};
use super::timing::{ConfigTimer, Confirm, Measure, PlannedSet, Timing};
use super::Action;
use crate::clock::{AdviceConfig, DriftEstimate, DriftMeter, Reference};
use crate::params::{TokenConfig, TokenSeed};
use crate::proto::response::{parse_challenge, split_status};
use crate::proto::{apdu, Challenge, DeviceKey, StatusWord, UnknownModelPolicy};
use crate::time::{UnixMicros, MICROS_PER_SEC};
use std::collections::VecDeque;

/// 2020-01-01T00:00:00Z: a reference clock before this is wrong.
pub(crate) const EARLIEST_PLAUSIBLE: UnixMicros = 1_577_836_800 * MICROS_PER_SEC;
/// The token clock is a u32 of Unix seconds.
pub(crate) const LATEST_REPRESENTABLE: UnixMicros = (u32::MAX as i64 - 1) * MICROS_PER_SEC;

/// How a session measures and which clock it trusts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClockSetup {
    pub reference: Reference,
    pub advice: AdviceConfig,
    /// `None`: automatic (advice, or precise when the token's time must be kept).
    pub measure: Option<Measure>,
    /// Set the token clock to the reference (else write the token's own time back).
    pub sync_clock: bool,
    /// How the written clock is confirmed.
    pub confirm: Confirm,
}

/// What the session was asked to do, as given (before the token is known).
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

/// Permission to write this token: the key chosen for it and what to write.
struct Grant {
    key: DeviceKey,
    key_name: &'static str,
    config: TokenConfig,
    /// `Some` for a burn, `None` for a clock sync.
    seed: Option<TokenSeed>,
}

/// The first measurement: the token as read so far and the meter refining it.
struct Measuring {
    before: TokenReading,
    meter: DriftMeter,
    /// `None`: a read-only session.
    grant: Option<Grant>,
}

/// Measured and granted: ready to authenticate and write.
struct Authorized {
    before: TokenReading,
    grant: Grant,
}

/// WRITE CONFIG was built: what it carries.
struct Written {
    before: TokenReading,
    key_name: &'static str,
    config: TokenConfig,
    burn: bool,
    /// The clock value written (Unix seconds) and the reference instant WRITE
    /// CONFIG was (planned to be) sent; the actual send instant replaces the
    /// plan when the answer arrives.
    clock_written: u32,
    config_sent_at: UnixMicros,
    /// The offset the set aims at (0: true time; the token's own offset when
    /// its time is kept).
    target_offset_us: i64,
    /// Where the confirmation should find the token's offset (scheduling only;
    /// set when WRITE CONFIG is acknowledged).
    hint: Option<DriftEstimate>,
}

/// WRITE CONFIG in flight.
struct ConfigSent {
    written: Written,
    key: DeviceKey,
    seed: Option<TokenSeed>,
}

/// The confirming read and its refinement polls.
struct Confirming {
    written: Written,
    seed: Option<TokenSeed>,
    meter: Option<DriftMeter>,
    after: Option<TokenReading>,
}

/// Where a session is. Each phase is either ready to send its command or has it
/// in flight ([`State`]).
enum Phase {
    /// The first GET INFO.
    Info(Job),
    /// A refinement GET INFO of the first measurement, not before this instant.
    Poll(Measuring, UnixMicros),
    Challenge(Authorized),
    Authenticate(Authorized, Challenge),
    WriteConfig(Authorized),
    /// Only in flight: WRITE CONFIG sent, its answer awaited.
    ConfigSent(ConfigSent),
    WriteSeed(Written, DeviceKey, TokenSeed),
    /// A confirming GET INFO (`None`: the first, else a poll not before then).
    Confirm(Confirming, Option<UnixMicros>),
}

enum State {
    Ready(Phase),
    InFlight(Phase, Step),
    Done(Outcome),
    /// Only while a method owns the phase; every path leaves another state.
    Moving,
}

pub(crate) struct Engine {
    state: State,
    clock: ClockSetup,
    /// `None`: [`PlannedSet`] (keeping the token's time when `sync_clock` is false).
    timer: Option<Box<dyn ConfigTimer>>,
    timings: Vec<Timing>,
    events: VecDeque<Event>,
    /// [`Event::Measured`] was queued.
    measured: bool,
}

impl Engine {
    pub(crate) fn new(job: Job, clock: ClockSetup) -> Self {
        Self {
            state: State::Ready(Phase::Info(job)),
            clock,
            timer: None,
            timings: Vec::new(),
            events: VecDeque::new(),
            measured: false,
        }
    }

    pub(crate) fn set_timer(&mut self, timer: Option<Box<dyn ConfigTimer>>) {
        self.timer = timer;
    }

    pub(crate) fn set_measure(&mut self, measure: Measure) {
        self.clock.measure = Some(measure);
    }

    pub(crate) fn timings(&self) -> &[Timing] {
        &self.timings
    }

    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn emit(&mut self, event: Event) {
        self.events.push_back(event);
    }

    /// The serial read so far, if any.
    pub(crate) fn serial(&self) -> Option<&crate::proto::Serial> {
        match &self.state {
            State::Ready(p) | State::InFlight(p, _) => p.before().map(|b| &b.serial),
            State::Done(Outcome::Read(r)) => Some(&r.serial),
            State::Done(Outcome::Burned(r)) => Some(&r.serial),
            State::Done(Outcome::Synced(r)) => Some(&r.serial),
            State::Done(Outcome::Failed(f)) => f.serial.as_ref(),
            State::Moving => None,
        }
    }

    /// What the token holds given the writes acknowledged so far.
    pub(crate) fn token_state_now(&self) -> TokenState {
        match &self.state {
            State::Ready(p) => p.token_state(false),
            State::InFlight(p, _) => p.token_state(true),
            State::Done(Outcome::Failed(f)) => f.token,
            State::Done(Outcome::Read(_)) | State::Moving => TokenState::Unchanged,
            State::Done(_) => TokenState::Written,
        }
    }

    pub(crate) fn poll(&mut self, now: UnixMicros) -> Action {
        let phase = match std::mem::replace(&mut self.state, State::Moving) {
            State::Done(o) => {
                let out = o.clone();
                self.state = State::Done(o);
                return Action::Finished(out);
            }
            State::InFlight(phase, _) => {
                self.state = self.fail(
                    &phase,
                    true,
                    SessionError::OutOfOrder("poll() while a command was in flight"),
                );
                return self.poll(now);
            }
            State::Moving => {
                self.state = self.fail_bare(SessionError::OutOfOrder("re-entered"));
                return self.poll(now);
            }
            State::Ready(p) => p,
        };
        let (phase, step, apdu, not_before) = match phase {
            Phase::Info(job) => (
                Phase::Info(job),
                Step::GetInfo,
                apdu::GET_INFO.to_vec(),
                None,
            ),
            Phase::Poll(m, t) => (
                Phase::Poll(m, t),
                Step::GetInfo,
                apdu::GET_INFO.to_vec(),
                Some(t),
            ),
            Phase::Challenge(a) => (
                Phase::Challenge(a),
                Step::GetChallenge,
                apdu::GET_CHALLENGE.to_vec(),
                None,
            ),
            Phase::Authenticate(a, ch) => {
                let apdu = apdu::external_authenticate(&a.grant.key, &ch);
                (
                    Phase::Authenticate(a, ch),
                    Step::ExternalAuthenticate,
                    apdu,
                    None,
                )
            }
            Phase::WriteConfig(a) => {
                let (sent, apdu, not_before) = self.build_config(a, now);
                let value = i64::from(sent.written.clock_written) * MICROS_PER_SEC;
                let phase = Phase::ConfigSent(sent);
                if !(EARLIEST_PLAUSIBLE..=LATEST_REPRESENTABLE).contains(&value) {
                    // Not sent: nothing was written.
                    self.state = self.fail(
                        &phase,
                        false,
                        SessionError::ReferenceClockInvalid { now: value },
                    );
                    return self.poll(now);
                }
                (phase, Step::WriteConfig, apdu, not_before)
            }
            Phase::ConfigSent(s) => {
                // Never ready: it exists only in flight.
                let phase = Phase::ConfigSent(s);
                self.state = self.fail(
                    &phase,
                    true,
                    SessionError::OutOfOrder("WRITE CONFIG polled twice"),
                );
                return self.poll(now);
            }
            Phase::WriteSeed(w, key, seed) => {
                let apdu = apdu::write_seed(&key, &seed).to_vec();
                (Phase::WriteSeed(w, key, seed), Step::WriteSeed, apdu, None)
            }
            Phase::Confirm(c, at) => (
                Phase::Confirm(c, at),
                Step::ConfirmInfo,
                apdu::GET_INFO.to_vec(),
                at,
            ),
        };
        self.state = State::InFlight(phase, step);
        self.emit(Event::Sending(step));
        Action::Transmit {
            apdu,
            step,
            not_before,
        }
    }

    /// WRITE CONFIG: the time is chosen here, as the command is built (after
    /// authentication), by the session's timer.
    fn build_config(
        &mut self,
        a: Authorized,
        now: UnixMicros,
    ) -> (ConfigSent, Vec<u8>, Option<UnixMicros>) {
        let keep = !self.clock.sync_clock;
        let target_offset_us = if keep {
            a.before.drift().midpoint_us()
        } else {
            0
        };
        let plan = match self.timer.as_mut() {
            Some(t) => t.plan(now, &a.before, &self.timings),
            None => PlannedSet {
                keep_token_time: keep,
                ..PlannedSet::default()
            }
            .plan(now, &a.before, &self.timings),
        };
        let not_before = plan.send_at.filter(|t| *t > now);
        let apdu = apdu::write_config(&a.grant.key, &a.grant.config, plan.time_value);
        let Grant {
            key,
            key_name,
            config,
            seed,
        } = a.grant;
        let written = Written {
            before: a.before,
            key_name,
            config,
            burn: seed.is_some(),
            clock_written: plan.time_value,
            config_sent_at: not_before.unwrap_or(now),
            target_offset_us,
            hint: None,
        };
        (ConfigSent { written, key, seed }, apdu, not_before)
    }

    pub(crate) fn on_link_error(&mut self, cause: LinkError) {
        let (phase, in_flight) = match std::mem::replace(&mut self.state, State::Moving) {
            State::Done(o) => {
                self.state = State::Done(o);
                return;
            }
            State::Moving => {
                self.state = self.fail_bare(SessionError::OutOfOrder("re-entered"));
                return;
            }
            State::Ready(p) => (p, None),
            State::InFlight(p, step) => (p, Some(step)),
        };
        self.state = match phase {
            // Losing a refinement poll of a read: the reading so far stands.
            Phase::Poll(m, _) if m.grant.is_none() => self.finish_read(m.before),
            // Both writes were acknowledged; only (part of) the check is missing.
            Phase::Confirm(c, _) => self.finish_confirm(c),
            phase => {
                let step = in_flight.unwrap_or_else(|| phase.step());
                self.fail(
                    &phase,
                    in_flight.is_some(),
                    SessionError::LinkLost { step, cause },
                )
            }
        };
    }

    pub(crate) fn on_response(
        &mut self,
        response: &[u8],
        sent_at: UnixMicros,
        received_at: UnixMicros,
    ) {
        let (phase, step) = match std::mem::replace(&mut self.state, State::Moving) {
            State::Done(o) => {
                self.state = State::Done(o);
                return;
            }
            State::Ready(p) => {
                self.state = self.fail(
                    &p,
                    false,
                    SessionError::OutOfOrder("a response with no command in flight"),
                );
                return;
            }
            State::Moving => {
                self.state = self.fail_bare(SessionError::OutOfOrder("re-entered"));
                return;
            }
            State::InFlight(p, step) => (p, step),
        };
        self.timings.push(Timing {
            step,
            sent_at,
            received_at,
        });
        self.state = self.answer(phase, step, response, sent_at, received_at);
    }

    fn answer(
        &mut self,
        phase: Phase,
        step: Step,
        response: &[u8],
        sent_at: UnixMicros,
        received_at: UnixMicros,
    ) -> State {
        let (data, sw) = match split_status(response) {
            Ok(x) => x,
            Err(e) => {
                return self.unusable_read(phase, |this, phase| {
                    this.fail(
                        &phase,
                        true,
                        SessionError::Garbled {
                            step,
                            detail: e.into(),
                        },
                    )
                })
            }
        };
        if sw != StatusWord::Success {
            return self.on_refusal(phase, step, sw);
        }
        if !data.is_empty()
            && matches!(
                step,
                Step::ExternalAuthenticate | Step::WriteConfig | Step::WriteSeed
            )
        {
            return self.fail(
                &phase,
                true,
                SessionError::Garbled {
                    step,
                    detail: GarbledDetail::UnexpectedData(data.len()),
                },
            );
        }
        match phase {
            Phase::Info(job) => self.on_first_info(job, data, sent_at, received_at),
            Phase::Poll(m, _) => self.on_poll(m, data, sent_at, received_at),
            Phase::Challenge(a) => match parse_challenge(data) {
                Ok(ch) => State::Ready(Phase::Authenticate(a, ch)),
                Err(e) => self.fail(
                    &Phase::Challenge(a),
                    true,
                    SessionError::Garbled {
                        step,
                        detail: e.into(),
                    },
                ),
            },
            Phase::Authenticate(a, _) => {
                self.emit(Event::Authenticated);
                State::Ready(Phase::WriteConfig(a))
            }
            Phase::ConfigSent(mut s) => {
                s.written.config_sent_at = sent_at;
                self.emit(Event::ConfigWritten {
                    clock: s.written.clock_written,
                });
                s.written.hint = self.confirm_hint(&s.written);
                match s.seed {
                    Some(seed) => State::Ready(Phase::WriteSeed(s.written, s.key, seed)),
                    None => State::Ready(Phase::Confirm(
                        Confirming {
                            written: s.written,
                            seed: None,
                            meter: None,
                            after: None,
                        },
                        None,
                    )),
                }
            }
            Phase::WriteSeed(written, _, seed) => {
                self.emit(Event::SeedWritten);
                State::Ready(Phase::Confirm(
                    Confirming {
                        written,
                        seed: Some(seed),
                        meter: None,
                        after: None,
                    },
                    None,
                ))
            }
            Phase::WriteConfig(a) => self.fail(
                &Phase::WriteConfig(a),
                false,
                SessionError::OutOfOrder("an answer to an unsent WRITE CONFIG"),
            ),
            Phase::Confirm(c, _) => self.on_confirm(c, data, sent_at, received_at),
        }
    }

    /// A GET INFO whose answer is unusable (garbled, refused) where the session
    /// can still end well: a read's refinement poll (the reading so far stands)
    /// or any confirming read (both writes were acknowledged). Otherwise `stop`.
    fn unusable_read(
        &mut self,
        phase: Phase,
        stop: impl FnOnce(&mut Self, Phase) -> State,
    ) -> State {
        match phase {
            Phase::Poll(m, _) if m.grant.is_none() => self.finish_read(m.before),
            Phase::Confirm(c, _) => self.finish_confirm(c),
            phase => stop(self, phase),
        }
    }

    fn on_refusal(&mut self, phase: Phase, step: Step, sw: StatusWord) -> State {
        self.unusable_read(phase, |this, phase| {
            let error = match step {
                Step::ExternalAuthenticate if sw.is_auth_refusal() => SessionError::AuthRefused {
                    sw,
                    tries_left: sw.tries_left(),
                },
                // A refused write is most likely not done, but "nothing was
                // written" must never be said of a token that may have lost its
                // seed: the state stays uncertain and the advice is to finish.
                Step::WriteConfig | Step::WriteSeed if !is_documented_refusal(sw) => {
                    SessionError::Garbled {
                        step,
                        detail: GarbledDetail::UnexpectedStatus(sw),
                    }
                }
                _ => SessionError::Refused { step, sw },
            };
            this.fail(&phase, true, error)
        })
    }
}

impl Phase {
    /// The step this phase sends.
    fn step(&self) -> Step {
        match self {
            Phase::Info(_) | Phase::Poll(..) => Step::GetInfo,
            Phase::Challenge(_) => Step::GetChallenge,
            Phase::Authenticate(..) => Step::ExternalAuthenticate,
            Phase::WriteConfig(_) | Phase::ConfigSent(_) => Step::WriteConfig,
            Phase::WriteSeed(..) => Step::WriteSeed,
            Phase::Confirm(..) => Step::ConfirmInfo,
        }
    }

    /// The token as measured before writing, once known.
    fn before(&self) -> Option<&TokenReading> {
        match self {
            Phase::Info(_) => None,
            Phase::Poll(m, _) => Some(&m.before),
            Phase::Challenge(a) | Phase::Authenticate(a, _) | Phase::WriteConfig(a) => {
                Some(&a.before)
            }
            Phase::ConfigSent(s) => Some(&s.written.before),
            Phase::WriteSeed(w, ..) => Some(&w.before),
            Phase::Confirm(c, _) => Some(&c.written.before),
        }
    }

    /// True when this session writes a seed.
    fn burns(&self) -> bool {
        match self {
            Phase::Info(job) => matches!(job, Job::Burn { .. }),
            Phase::Poll(m, _) => m.grant.as_ref().is_some_and(|g| g.seed.is_some()),
            Phase::Challenge(a) | Phase::Authenticate(a, _) | Phase::WriteConfig(a) => {
                a.grant.seed.is_some()
            }
            Phase::ConfigSent(s) => s.seed.is_some(),
            Phase::WriteSeed(..) => true,
            Phase::Confirm(c, _) => c.written.burn,
        }
    }

    /// What the token holds in this phase; `in_flight`: this phase's command
    /// was sent and no clean answer came back.
    fn token_state(&self, in_flight: bool) -> TokenState {
        let erases = self
            .before()
            .is_none_or(|b| b.model.sync_class() == crate::proto::SyncClass::Restricted);
        match self {
            Phase::ConfigSent(s) if in_flight => TokenState::ConfigUncertain {
                erases_seed: s.seed.is_some() && erases,
            },
            Phase::WriteSeed(..) if in_flight => TokenState::SeedUncertain {
                seed_erased: erases,
            },
            Phase::WriteSeed(..) if erases => TokenState::SeedErased,
            Phase::WriteSeed(..) => TokenState::OldSeedNewSettings,
            Phase::Confirm(..) => TokenState::Written,
            _ => TokenState::Unchanged,
        }
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
