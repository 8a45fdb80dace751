//! What kiln tells the user: text and `--json` objects, the exit codes, and
//! writing to stdout and stderr without ever panicking.

pub mod exit;
#[cfg(test)]
mod exit_table_tests;
pub mod out;
pub mod show;
pub mod stdio;
