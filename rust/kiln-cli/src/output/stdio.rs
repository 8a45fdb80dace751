//! Writing to stdout and stderr without ever panicking.
//!
//! std's `println!` panics when stdout is a closed pipe (`kiln burn | head -1`):
//! mid-burn that would stop kiln between WRITE CONFIG and WRITE SEED and leave a
//! restricted token without a seed. Output must never decide whether a token is
//! written, so `main.rs` shadows `print!`, `println!`, `eprint!` and `eprintln!`
//! for the whole crate with these: a closed stream is ignored for the rest of
//! the run, the session goes on to its end, and the token-state message still
//! reaches whichever stream is open.

use std::fmt;
use std::io::{self, Write};

/// Writes `args` (and a newline when `newline`) to stdout, ignoring errors.
pub fn stdout(args: fmt::Arguments<'_>, newline: bool) {
    let mut o = io::stdout().lock();
    let _ = o
        .write_fmt(args)
        .and_then(|()| if newline { o.write_all(b"\n") } else { Ok(()) });
}

/// Writes `args` (and a newline when `newline`) to stderr, ignoring errors.
pub fn stderr(args: fmt::Arguments<'_>, newline: bool) {
    let mut e = io::stderr().lock();
    let _ = e
        .write_fmt(args)
        .and_then(|()| if newline { e.write_all(b"\n") } else { Ok(()) });
}
