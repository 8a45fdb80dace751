//! What may be written to the token found, and with which key: decided once,
//! after the first GET INFO and before anything else is sent.

use super::{Engine, Grant, Job, EARLIEST_PLAUSIBLE, LATEST_REPRESENTABLE};
use crate::proto::{Model, SyncClass, UnknownModelPolicy};
use crate::session::outcome::{SessionError, TokenReading};
use crate::time::UnixMicros;

impl Engine {
    /// Model, resume and reference-clock checks; chooses the key. `Ok(None)`: a
    /// read-only session.
    pub(super) fn grant(
        &self,
        job: Job,
        first: &TokenReading,
        now: UnixMicros,
    ) -> Result<Option<Grant>, SessionError> {
        let (policy, config, seed) = match job {
            Job::Read => return Ok(None),
            Job::Sync { config } => {
                if first.model.sync_class() == SyncClass::Restricted {
                    return Err(SessionError::SyncNeedsBurn { model: first.model });
                }
                (UnknownModelPolicy::ReadOnly, config, None)
            }
            Job::Burn {
                seed,
                config,
                policy,
                resume,
            } => {
                if let Some(r) = resume {
                    if r.serial() != &first.serial {
                        return Err(SessionError::WrongToken {
                            expected: r.serial().clone(),
                            found: first.serial.clone(),
                        });
                    }
                }
                (policy, config, Some(seed))
            }
        };
        let (key, key_name) = match (first.model, &policy) {
            (Model::Known(m), _) => (m.key.key(), "the family default key"),
            (Model::Unknown, UnknownModelPolicy::Program(choice)) => {
                (choice.key(), choice.describe())
            }
            (Model::Unknown, UnknownModelPolicy::ReadOnly) => {
                return Err(SessionError::UnknownModel {
                    serial: first.serial.clone(),
                })
            }
        };
        // Refuse a wrong reference clock before anything is written.
        if !(EARLIEST_PLAUSIBLE..=LATEST_REPRESENTABLE).contains(&now) {
            return Err(SessionError::ReferenceClockInvalid { now });
        }
        Ok(Some(Grant {
            key,
            key_name,
            config,
            seed,
        }))
    }
}
