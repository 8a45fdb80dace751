//! Opening a batch journal with the key the admin gives (`--identity` or
//! `--passphrase-file`), for the commands that read its seeds (`kiln export`,
//! `kiln verify --journal`).

use crate::exit::Exit;
use crate::show::refuse;
use kiln_fleet::{Decryptor, JournalContents, JournalError};
use std::path::Path;

/// The key and the journal's contents; damaged lines are noted on stderr.
/// Errors are already printed: a missing key is a usage error (2), a key that
/// does not open the journal is refused input (3), an unreadable journal a
/// failure (1).
pub fn open(
    dir: &Path,
    identity: Option<&Path>,
    passphrase_file: Option<&Path>,
) -> Result<(Decryptor, JournalContents), Exit> {
    let key = match (identity, passphrase_file) {
        (Some(p), _) => Decryptor::from_identity_file(p),
        (None, Some(p)) => Decryptor::from_passphrase_file(p),
        (None, None) => {
            return Err(refuse(
                "give --identity or --passphrase-file to open the journal",
                Exit::Usage,
            ))
        }
    }
    .map_err(|e| refuse(&e.to_string(), Exit::InputRefused))?;
    let contents = kiln_fleet::journal::read(dir, &key).map_err(|e| {
        let exit = match e {
            JournalError::Read { .. } => Exit::Failure,
            _ => Exit::InputRefused,
        };
        refuse(&e.to_string(), exit)
    })?;
    for d in &contents.damage {
        eprintln!("kiln: note: {d}");
    }
    Ok((key, contents))
}
