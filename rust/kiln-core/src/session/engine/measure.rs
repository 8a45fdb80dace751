//! The clock measurements of a session: the first GET INFO and its refinement
//! polls before anything is written, and the confirming read after the writes.

use super::{Confirming, Engine, Job, Measuring, Phase, State, Written};
use crate::clock::{advise, DriftEstimate, DriftMeter, MeterConfig, MeterStep, Reading};
use crate::proto::response::parse_info;
use crate::proto::{Model, Serial};
use crate::session::event::Event;
use crate::session::outcome::{SessionError, TokenReading};
use crate::session::timing::{session_latency, Confirm, Measure};
use crate::time::{UnixMicros, MICROS_PER_SEC};

/// Tolerance of the confirming read beyond its own uncertainty.
const CONFIRM_SLACK_US: i64 = 1_500_000;
/// Smallest spread of the confirmation hint.
const MIN_HINT_SPREAD_US: i64 = 5_000;

/// One GET INFO answer as the measurement sees it.
struct Answer {
    serial: Serial,
    clock: u32,
    sent_at: UnixMicros,
    received_at: UnixMicros,
}

/// A GET INFO answer parsed and timed once: garbled, or timestamped before its
/// command (the caller's bug).
fn read_answer(
    data: &[u8],
    sent_at: UnixMicros,
    received_at: UnixMicros,
) -> Result<(Answer, Reading), SessionError> {
    let info = parse_info(data).map_err(|e| SessionError::Garbled {
        step: crate::session::Step::GetInfo,
        detail: e.into(),
    })?;
    let reading = Reading::new(sent_at, received_at, info.clock)
        .map_err(|_| SessionError::OutOfOrder("a response timestamped before its command"))?;
    let answer = Answer {
        serial: info.serial,
        clock: info.clock,
        sent_at,
        received_at,
    };
    Ok((answer, reading))
}

impl Engine {
    fn meter_config(&self, burn_keeping_time: bool) -> MeterConfig {
        let measure = self.clock.measure.unwrap_or(if burn_keeping_time {
            // Keeping the token's time needs its offset, not only the advice.
            Measure::Precise
        } else {
            Measure::Advice
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

    /// A reading of the token: `estimate` with its advice, at this answer.
    fn reading(
        &self,
        model: Model,
        answer: &Answer,
        estimate: DriftEstimate,
        meter: Option<&DriftMeter>,
        info_data: Vec<u8>,
    ) -> TokenReading {
        TokenReading {
            serial: answer.serial.clone(),
            model,
            token_clock: answer.clock,
            sent_at: answer.sent_at,
            received_at: answer.received_at,
            advice: advise(estimate, self.clock.reference, &self.clock.advice),
            reads: meter.map_or(1, |m| m.extra_exchanges().saturating_add(1)),
            measure_time_us: meter.map_or(0, DriftMeter::extra_time_us),
            info_data,
        }
    }

    /// The first GET INFO: the token found, the policy, then the measurement.
    pub(super) fn on_first_info(
        &mut self,
        job: Job,
        data: &[u8],
        sent_at: UnixMicros,
        received_at: UnixMicros,
    ) -> State {
        let (answer, reading) = match read_answer(data, sent_at, received_at) {
            Ok(x) => x,
            Err(e) => return self.fail(&Phase::Info(job), true, e),
        };
        let model = Model::lookup(&answer.serial);
        self.emit(Event::TokenFound {
            serial: answer.serial.clone(),
            model,
        });
        let first = self.reading(
            model,
            &answer,
            DriftEstimate::from_reading(&reading, 0),
            None,
            data.to_vec(),
        );
        let keeping_time = matches!(job, Job::Burn { .. }) && !self.clock.sync_clock;
        // Policy first: a token that will not be written gets no polls either.
        let grant = match self.grant(job, &first, received_at) {
            Ok(grant) => grant,
            Err(error) => return self.fail_measured(first, error),
        };
        let meter = DriftMeter::new(self.meter_config(keeping_time));
        self.measure(
            Measuring {
                before: first,
                meter,
                grant,
            },
            reading,
            answer,
        )
    }

    /// A refinement poll of the first measurement: it must come from the same token.
    pub(super) fn on_poll(
        &mut self,
        m: Measuring,
        data: &[u8],
        sent_at: UnixMicros,
        received_at: UnixMicros,
    ) -> State {
        let (answer, reading) = match read_answer(data, sent_at, received_at) {
            Ok(x) => x,
            // A read's garbled poll: the reading so far stands.
            Err(SessionError::Garbled { .. }) if m.grant.is_none() => {
                return self.finish_read(m.before)
            }
            Err(e) => return self.fail(&Phase::Poll(m, sent_at), true, e),
        };
        if answer.serial != m.before.serial {
            if m.grant.is_none() {
                return self.finish_read(m.before);
            }
            let expected = m.before.serial.clone();
            return self.fail(
                &Phase::Poll(m, sent_at),
                true,
                SessionError::WrongToken {
                    expected,
                    found: answer.serial,
                },
            );
        }
        self.measure(m, reading, answer)
    }

    /// Feeds one reading to the meter: poll again, or the measurement is over.
    fn measure(&mut self, mut m: Measuring, reading: Reading, answer: Answer) -> State {
        let step = match m.meter.on_reading(reading) {
            Ok(step) => step,
            // Contradicting readings (the token clock or the reference clock
            // jumped): the measurement ends with what was consistent so far.
            Err(_) => match m.meter.estimate() {
                Some(e) => MeterStep::Done(e),
                None => {
                    let before = m.before.clone();
                    return self
                        .fail_measured(before, SessionError::OutOfOrder("clock reading rejected"));
                }
            },
        };
        if let Some(estimate) = m.meter.estimate() {
            let info_data = std::mem::take(&mut m.before.info_data);
            m.before = self.reading(m.before.model, &answer, estimate, Some(&m.meter), info_data);
        }
        if let MeterStep::Poll { not_before } = step {
            return State::Ready(Phase::Poll(m, not_before));
        }
        self.measured(&m.before);
        match m.grant {
            None => self.finish_read(m.before),
            Some(grant) => State::Ready(Phase::Challenge(super::Authorized {
                before: m.before,
                grant,
            })),
        }
    }

    /// Queues [`Event::Measured`] once.
    pub(super) fn measured(&mut self, before: &TokenReading) {
        if !self.measured {
            self.measured = true;
            self.emit(Event::Measured(before.clone()));
        }
    }

    /// Where the token's offset should be after a WRITE CONFIG that left at
    /// `sent_at`: value − (sent_at + RTT/2), ± half the largest round trip. The
    /// same for every timer (it is [`crate::clock::WritePlan::confirm_hint`] for
    /// the planned set); it only steers the confirmation's polls.
    pub(super) fn confirm_hint(&self, w: &Written) -> Option<DriftEstimate> {
        let lat = session_latency(&self.timings)?;
        let centre =
            i64::from(w.clock_written) * MICROS_PER_SEC - w.config_sent_at - lat.median_rtt_us / 2;
        Some(DriftEstimate::around(
            centre,
            (lat.max_rtt_us / 2).max(MIN_HINT_SPREAD_US),
        ))
    }

    /// The confirming GET INFO and its refinement polls.
    pub(super) fn on_confirm(
        &mut self,
        mut c: Confirming,
        data: &[u8],
        sent_at: UnixMicros,
        received_at: UnixMicros,
    ) -> State {
        let Ok(info) = parse_info(data) else {
            // Both writes were acknowledged; only (part of) the check is missing.
            return self.finish_confirm(c);
        };
        if info.serial != c.written.before.serial {
            let expected = c.written.before.serial.clone();
            return self.fail(
                &Phase::Confirm(c, None),
                true,
                SessionError::WrongToken {
                    expected,
                    found: info.serial,
                },
            );
        }
        let Ok(reading) = Reading::new(sent_at, received_at, info.clock) else {
            return self.finish_confirm(c);
        };
        let hint = c.written.hint;
        let config = match self.clock.confirm {
            Confirm::Precise => MeterConfig::confirm(),
            // The reading itself, no refinement poll: the token's next second
            // (what a poll would look for) is about a second away.
            Confirm::Quick => MeterConfig {
                max_polls: 0,
                ..MeterConfig::confirm()
            },
        };
        let meter = c.meter.get_or_insert_with(|| {
            let m = DriftMeter::new(config);
            match hint {
                Some(h) => m.with_hint(h),
                None => m,
            }
        });
        let step = match meter.on_reading(reading) {
            Ok(step) => step,
            Err(_) => {
                // The clock contradicts itself after the write: not confirmed.
                let expected =
                    (received_at + c.written.target_offset_us).div_euclid(MICROS_PER_SEC);
                return self.fail(
                    &Phase::Confirm(c, None),
                    true,
                    SessionError::ClockNotConfirmed {
                        expected,
                        found: info.clock,
                    },
                );
            }
        };
        if let Some(estimate) = meter.estimate() {
            let meter = meter.clone();
            let answer = Answer {
                serial: info.serial,
                clock: info.clock,
                sent_at,
                received_at,
            };
            let model = c.written.before.model;
            c.after = Some(self.reading(model, &answer, estimate, Some(&meter), data.to_vec()));
        }
        match step {
            MeterStep::Poll { not_before } => State::Ready(Phase::Confirm(c, Some(not_before))),
            MeterStep::Done(_) => self.finish_confirm(c),
        }
    }

    /// Ends the session after the writes: with the confirmation so far (checked
    /// against the target), or without one when none came back.
    pub(super) fn finish_confirm(&mut self, c: Confirming) -> State {
        let Some(after) = c.after.clone() else {
            return self.finish_writes(c, None);
        };
        let est = after.drift();
        let target = c.written.target_offset_us;
        if est.lo_us() > target + CONFIRM_SLACK_US || est.hi_us() <= target - CONFIRM_SLACK_US {
            let expected = (after.received_at + target).div_euclid(MICROS_PER_SEC);
            return self.fail(
                &Phase::Confirm(c, None),
                false,
                SessionError::ClockNotConfirmed {
                    expected,
                    found: after.token_clock,
                },
            );
        }
        let residual = crate::clock::SyncResidual {
            estimate: est.shifted(-target),
        };
        self.emit(Event::Confirmed { residual });
        self.finish_writes(c, Some(residual))
    }
}
