//! What the user hands kiln: the command line (checked before clap sees it, and
//! its bounds), seeds from standard input, a hidden prompt, a QR code in a file
//! or on screen, and the key options for unknown models.

pub mod argv_guard;
pub mod bounds;
pub mod keyopt;
pub mod paste;
pub mod qr_in;
pub mod screen;
pub mod seed_in;
pub mod source;
mod stdin;

pub use stdin::{read_capped, read_secret, InputError};
