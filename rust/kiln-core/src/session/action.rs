//! One user action: "burn this seed onto this token".
//!
//! The refusal rule lives here, once, for every front end that drives a burn
//! without a human in between (the CLI over PC/SC, the simulator, batch tools):
//!
//! - the first session runs;
//! - only when it ended with a **link loss** ([`Failure::retap`]: the token left
//!   the field or did not answer) that left the token unfinished may a second,
//!   finishing session run, and only once `present_again` reports that the same
//!   token was presented again (the session itself then checks the serial);
//! - a device refusal, an answer this family never sends, or any other stop ends
//!   the action: nothing is re-sent and nothing authenticates again until the
//!   user starts a new action.
//!
//! So one action authenticates at most once per presentation of the token and
//! at most twice in all, the second time only after the token really left and
//! came back.

use super::driver::{run_session_with, Clock, Observer, Transceive};
use super::outcome::{Failure, Outcome, Resume};
use super::{BurnRequest, BurnSession};

/// How a burn action ended.
#[derive(Debug)]
pub struct BurnAction {
    /// The last session's outcome.
    pub outcome: Outcome,
    /// Sessions run: 1, or 2 when a link loss was followed by a finishing re-tap.
    pub sessions: u32,
}

/// Runs one burn action (see the module doc). `resume`: this action itself
/// finishes an earlier interrupted burn (only that serial is accepted).
/// `present_again` is called at most once, after a link loss that left the
/// token unfinished, with that failure: it waits until the same token is
/// presented again (after it really left) and returns `false` when it was not
/// (timeout, the user gave up, the transport cannot wait).
pub fn run_burn_action(
    request: &BurnRequest,
    resume: Option<Resume>,
    link: &mut (impl Transceive + ?Sized),
    clock: &mut (impl Clock + ?Sized),
    observe: &mut dyn Observer,
    present_again: &mut dyn FnMut(&Failure) -> bool,
) -> BurnAction {
    let mut session = match resume {
        Some(r) => BurnSession::resume(request.clone(), r),
        None => BurnSession::new(request.clone()),
    };
    let first = run_session_with(&mut session, link, clock, observe);
    let again = match first.failure() {
        Some(f) => match f.retap() {
            Some(r) if present_again(f) => Some(r.clone()),
            _ => None,
        },
        None => None,
    };
    let Some(retap) = again else {
        return BurnAction {
            outcome: first,
            sessions: 1,
        };
    };
    let mut finishing = BurnSession::resume(request.clone(), retap);
    BurnAction {
        outcome: run_session_with(&mut finishing, link, clock, observe),
        sessions: 2,
    }
}
