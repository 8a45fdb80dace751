//! A blocking driver for callers that prefer one call: runs a session over any
//! [`Transceive`] with a [`Clock`], handling the T=0 continuations (`61 XX`,
//! `6C XX`) that contact PC/SC readers may produce.

use super::{Action, Event, LinkError, Outcome, Session, SessionError, Step};
use crate::proto::StatusWord;
use crate::time::UnixMicros;
use zeroize::Zeroizing;

/// One APDU exchange with the token. Implemented by IsoDep, PC/SC and the simulator.
pub trait Transceive {
    /// Sends a command APDU and returns the whole response (data ‖ SW1 SW2).
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, LinkError>;
}

/// The reference clock.
pub trait Clock {
    fn now(&self) -> UnixMicros;
    fn sleep_until(&mut self, t: UnixMicros);
}

/// The system clock (UTC).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixMicros {
        match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_micros()).unwrap_or(i64::MAX),
        }
    }

    fn sleep_until(&mut self, t: UnixMicros) {
        let wait = t.saturating_sub(self.now());
        if wait > 0 {
            std::thread::sleep(std::time::Duration::from_micros(wait.unsigned_abs()));
        }
    }
}

/// The system clock shifted by a fixed offset: a reference clock known relative
/// to the system clock (e.g. network time on a phone).
#[derive(Clone, Copy, Debug, Default)]
pub struct OffsetClock {
    /// Reference minus system clock, µs.
    pub offset_us: i64,
}

impl Clock for OffsetClock {
    fn now(&self) -> UnixMicros {
        SystemClock.now().saturating_add(self.offset_us)
    }

    fn sleep_until(&mut self, t: UnixMicros) {
        let wait = t.saturating_sub(self.now());
        if wait > 0 {
            std::thread::sleep(std::time::Duration::from_micros(wait.unsigned_abs()));
        }
    }
}

/// What happened in one exchange (for progress output and benchmarks; no data bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    pub step: Step,
    /// The command's name ([`Step::command`]).
    pub command: &'static str,
    /// Bytes sent and received, T=0 continuations included.
    pub bytes_sent: usize,
    pub bytes_received: usize,
    /// Transmissions, T=0 continuations included.
    pub transmissions: usize,
    pub sent_at: UnixMicros,
    pub received_at: UnixMicros,
    pub result: Result<StatusWord, LinkError>,
}

/// Most T=0 continuations followed for one command (responses are ≤ 40 bytes).
const MAX_CONTINUATIONS: usize = 8;
/// More actions than any session can need (a burn with a precise measurement:
/// 1 + 12 GET INFO, 4 commands, 1 + 6 confirming GET INFO = 24): a guard against
/// a looping session.
const MAX_ACTIONS: usize = 40;

/// What the driver tells its caller while a session runs: the session's
/// [`Event`]s as they happen, and the timing of every exchange. Both default to
/// nothing; a closure `FnMut(&Exchange)` is an observer of exchanges only.
pub trait Observer {
    /// After each exchange, before the session sees the answer.
    fn on_exchange(&mut self, _exchange: &Exchange) {}
    /// Each event of the session, in order.
    fn on_event(&mut self, _event: &Event) {}
}

impl<F: FnMut(&Exchange)> Observer for F {
    fn on_exchange(&mut self, exchange: &Exchange) {
        self(exchange)
    }
}

/// Runs `session` to its end.
pub fn run_session<S: Session + ?Sized>(
    session: &mut S,
    link: &mut (impl Transceive + ?Sized),
    clock: &mut (impl Clock + ?Sized),
) -> Outcome {
    run_session_with(session, link, clock, &mut |_: &Exchange| {})
}

fn drain<S: Session + ?Sized>(session: &mut S, observer: &mut dyn Observer) {
    while let Some(event) = session.poll_event() {
        observer.on_event(&event);
    }
}

/// Runs `session` to its end, reporting every exchange to `observe`.
pub fn run_session_observed<S: Session + ?Sized>(
    session: &mut S,
    link: &mut (impl Transceive + ?Sized),
    clock: &mut (impl Clock + ?Sized),
    mut observe: &mut dyn FnMut(&Exchange),
) -> Outcome {
    run_session_with(session, link, clock, &mut observe)
}

/// Runs `session` to its end, reporting its events and every exchange to `observer`.
pub fn run_session_with<S: Session + ?Sized>(
    session: &mut S,
    link: &mut (impl Transceive + ?Sized),
    clock: &mut (impl Clock + ?Sized),
    observer: &mut dyn Observer,
) -> Outcome {
    let outcome = drive(session, link, clock, observer);
    drain(session, observer);
    outcome
}

fn drive<S: Session + ?Sized>(
    session: &mut S,
    link: &mut (impl Transceive + ?Sized),
    clock: &mut (impl Clock + ?Sized),
    observer: &mut dyn Observer,
) -> Outcome {
    for _ in 0..MAX_ACTIONS {
        let action = session.poll(clock.now());
        drain(session, observer);
        match action {
            Action::Finished(outcome) => return outcome,
            Action::Transmit {
                apdu,
                step,
                not_before,
            } => {
                let apdu = Zeroizing::new(apdu);
                if let Some(t) = not_before {
                    clock.sleep_until(t);
                }
                let sent_at = clock.now();
                let mut stats = (0usize, 0usize, 0usize);
                let result = exchange_t0(link, &apdu, &mut stats);
                let received_at = clock.now();
                observer.on_exchange(&Exchange {
                    step,
                    command: step.command(),
                    bytes_sent: stats.0,
                    bytes_received: stats.1,
                    transmissions: stats.2,
                    sent_at,
                    received_at,
                    result: match &result {
                        Ok(r) => match r.as_slice() {
                            [.., a, b] => Ok(StatusWord::from_bytes(*a, *b)),
                            _ => Ok(StatusWord::Other(0)),
                        },
                        Err(e) => Err(e.clone()),
                    },
                });
                match result {
                    Ok(resp) => session.on_response(&resp, sent_at, received_at),
                    Err(e) => session.on_link_error(e),
                }
                drain(session, observer);
            }
        }
    }
    // Unreachable with the sessions of this crate (each finishes within 24
    // commands); a foreign looping session ends as a link error.
    session.on_link_error(LinkError::Io("the session did not finish".into()));
    match session.poll(clock.now()) {
        Action::Finished(o) => o,
        Action::Transmit { .. } => Outcome::Failed(Box::new(super::Failure {
            error: SessionError::OutOfOrder("the session did not finish"),
            token: super::TokenState::Unchanged,
            serial: None,
            model: None,
            before: None,
            resume: None,
        })),
    }
}

/// One command with T=0 continuations: `6C XX` → re-send with Le = XX appended
/// (the last command byte is a MAC byte and is never overwritten); `61 XX` →
/// GET RESPONSE `00 C0 00 00 XX`, accumulating data.
fn exchange_t0(
    link: &mut (impl Transceive + ?Sized),
    apdu: &[u8],
    stats: &mut (usize, usize, usize),
) -> Result<Vec<u8>, LinkError> {
    let mut base: Zeroizing<Vec<u8>> = Zeroizing::new(apdu.to_vec());
    let mut cmd: Zeroizing<Vec<u8>> = base.clone();
    let mut data: Vec<u8> = Vec::new();
    for _ in 0..=MAX_CONTINUATIONS {
        stats.0 += cmd.len();
        stats.2 += 1;
        let resp = link.transceive(&cmd)?;
        stats.1 += resp.len();
        match resp.as_slice() {
            // Only commands that return data take an Le. EXTERNAL AUTHENTICATE
            // and the writes are never re-sent: that could be a second
            // authentication attempt or a repeated write. Their `6C XX` goes to
            // the session, which stops.
            [0x6C, le] if returns_data(&base) => {
                let mut c = base.clone();
                c.push(*le);
                cmd = c;
            }
            [body @ .., 0x61, le] => {
                data.extend_from_slice(body);
                base = Zeroizing::new(vec![0x00, 0xC0, 0x00, 0x00]);
                let mut c = base.clone();
                c.push(*le);
                cmd = c;
            }
            _ => {
                data.extend_from_slice(&resp);
                return Ok(data);
            }
        }
    }
    Err(LinkError::Io(
        "the reader kept asking for continuations (T=0 61 XX / 6C XX)".into(),
    ))
}

fn returns_data(cmd: &[u8]) -> bool {
    matches!(
        cmd,
        [0x80, crate::proto::apdu::INS_GET_INFO, ..]
            | [0x80, crate::proto::apdu::INS_GET_CHALLENGE, ..]
            | [0x00, 0xC0, ..]
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// A scripted link: answers in order, records what it was sent.
    struct Script {
        answers: Vec<Vec<u8>>,
        sent: Vec<Vec<u8>>,
    }

    impl Transceive for Script {
        fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, LinkError> {
            self.sent.push(apdu.to_vec());
            if self.answers.is_empty() {
                return Err(LinkError::TagLost);
            }
            Ok(self.answers.remove(0))
        }
    }

    #[test]
    fn t0_get_response_and_wrong_le() {
        let mut s = Script {
            answers: vec![
                vec![0x6C, 0x04],
                vec![0x61, 0x03],
                vec![1, 2, 3, 0x90, 0x00],
            ],
            sent: vec![],
        };
        let mut stats = (0, 0, 0);
        let r = exchange_t0(&mut s, &[0x80, 0x41, 0, 0, 2, 2, 0x11], &mut stats).unwrap();
        assert_eq!(r, vec![1, 2, 3, 0x90, 0x00]);
        assert_eq!(s.sent[0], vec![0x80, 0x41, 0, 0, 2, 2, 0x11]);
        assert_eq!(s.sent[1], vec![0x80, 0x41, 0, 0, 2, 2, 0x11, 0x04]);
        assert_eq!(s.sent[2], vec![0x00, 0xC0, 0x00, 0x00, 0x03]);
        assert_eq!(stats.2, 3);
    }

    #[test]
    fn t0_wrong_le_never_resends_auth_or_writes() {
        for cmd in [
            &[0x80u8, 0xCE, 0, 0, 1, 0xAA][..],
            &[0x84, 0xD4, 0, 0, 1, 0xAA],
            &[0x84, 0xC5, 1, 0, 1, 0xAA],
        ] {
            let mut s = Script {
                answers: vec![vec![0x6C, 0x04], vec![0x90, 0x00]],
                sent: vec![],
            };
            let mut stats = (0, 0, 0);
            assert_eq!(
                exchange_t0(&mut s, cmd, &mut stats).unwrap(),
                vec![0x6C, 0x04]
            );
            assert_eq!(s.sent.len(), 1);
        }
    }

    #[test]
    fn t0_endless_continuations_are_a_link_error() {
        let mut s = Script {
            answers: vec![vec![0x61, 0x01]; 20],
            sent: vec![],
        };
        let mut stats = (0, 0, 0);
        assert!(matches!(
            exchange_t0(&mut s, &[0x80, 0x41], &mut stats),
            Err(LinkError::Io(_))
        ));
    }
}
