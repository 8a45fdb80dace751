//! # kiln-fleet
//!
//! Enrolling a box of tokens, everything of it that does not talk to a token:
//!
//! - [`seedgen`]: fresh seeds from the OS CSPRNG (20 bytes for SHA-1, 32 for
//!   SHA-256, any 16..=63).
//! - [`seedfile`]: vendor seed files (CSV `serial,secret`, Deepnet DualShield
//!   XML), checked whole before any token is touched.
//! - [`crypto`]: age encryption (X25519 recipients or a passphrase) and
//!   identities from `age-keygen` files.
//! - [`journal`]: the append-only, age-encrypted batch journal: a seed is
//!   durable in it before it is written to a token; a record cut short by a
//!   power loss is reported, never hidden; the state view says which seed each
//!   token holds or may hold.
//! - [`audit`]: the seed-free audit log beside the journal.
//! - [`export`]: Entra ID CSV and Graph JSON, DualShield XML, Duo, plain CSV.
//! - [`batch`]: the batch itself: one turn per token presented, over any link
//!   the core's driver uses (identify, journal the seed durably, burn, confirm).
//!
//! Nothing here panics on input, logs, or formats a secret: seeds live in
//! kiln-core's zeroizing types, and errors name lines and serials, never seeds.
//! The design is in `docs/fleet.md`.

pub mod audit;
pub mod batch;
pub mod crypto;
pub(crate) mod csv;
pub mod export;
pub(crate) mod fsutil;
pub mod journal;
pub mod seedfile;
pub mod seedgen;
pub mod serial;

pub use audit::{AuditEntry, AuditLog, FingerprintKey, Operator};
pub use batch::{Batch, BatchError, BatchSettings, SeedSource, Skip, Tally, Turn};
pub use crypto::{Decryptor, Encryptor, KeyError};
pub use csv::CsvError;
pub use export::{ExportFormat, UpnMap};
pub use journal::record::{BurnFacts, ModelName, NewSeed, Record, SeedOrigin, SeedRecord};
pub use journal::state::{JournalState, SerialState};
pub use journal::{Journal, JournalContents, JournalError};
pub use seedfile::{NotInSeedFile, SeedFile, SeedFileError, SeedFileOptions};
pub use seedgen::SeedLength;
pub use serial::TokenSerial;
