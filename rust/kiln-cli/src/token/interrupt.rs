//! Ctrl-C.
//!
//! Outside a token session Ctrl-C ends kiln at once (exit 130), as usual. From
//! the moment a session may write to a token until the command has said what
//! state the token is in, Ctrl-C is only *noted*: a session is never cut
//! between its writes (a restricted model would be left without a seed), the
//! waits (`wait_for` in pcsc_link) notice the note and stop, and the command
//! then prints the token's state and the resume command before it exits 130.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set while a [`Deferred`] guard lives.
static DEFER: AtomicBool = AtomicBool::new(false);
/// Set by Ctrl-C while deferred.
static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Installs the handler (once, at start-up). Failure to install leaves the
/// default behaviour (Ctrl-C ends the process), which is noted on stderr.
pub fn install() {
    let installed = ctrlc::set_handler(|| {
        if DEFER.load(Ordering::SeqCst) {
            REQUESTED.store(true, Ordering::SeqCst);
            eprintln!("\nkiln: Ctrl-C noted: finishing what the token is doing, then stopping");
        } else {
            eprintln!();
            std::process::exit(crate::exit::Exit::Interrupted as i32);
        }
    });
    if let Err(e) = installed {
        eprintln!("kiln: note: cannot handle Ctrl-C ({e}); avoid it while a token is written");
    }
}

/// While alive, Ctrl-C is noted instead of ending kiln.
pub struct Deferred(());

/// From now until the guard is dropped, Ctrl-C only sets [`requested`].
pub fn defer() -> Deferred {
    DEFER.store(true, Ordering::SeqCst);
    Deferred(())
}

impl Drop for Deferred {
    fn drop(&mut self) {
        DEFER.store(false, Ordering::SeqCst);
    }
}

/// Whether Ctrl-C was pressed while deferred.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Asks the waits to stop as Ctrl-C would (`kiln batch`: standard input of an
/// interactive run was closed).
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}
