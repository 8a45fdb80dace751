//! The subcommands: each module has an `Args` struct and a `run` function
//! returning an [`crate::exit::Exit`].

pub mod audit;
pub mod batch;
pub mod batch_out;
pub mod burn;
pub mod burn_checks;
pub mod codes;
pub mod diagnose;
pub mod export;
pub mod info;
pub mod inspect;
pub mod journal_open;
pub mod qr;
pub mod readers;
pub mod sync;
pub mod verify;
pub mod verify_journal;
