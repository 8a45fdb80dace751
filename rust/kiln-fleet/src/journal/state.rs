//! What the journal says about each token: its seeds (oldest first), which of
//! them a confirming read proved, and so which seed the token holds, or which
//! seeds it may hold when the last burn was never confirmed.

use super::record::{BurnedRecord, Record, SeedRecord};
use crate::serial::TokenSerial;
use std::collections::BTreeMap;

/// One token's records.
#[derive(Clone, Debug)]
pub struct SerialState {
    pub serial: TokenSerial,
    /// Every seed journalled for it, oldest first (a re-burn adds one).
    pub seeds: Vec<SeedRecord>,
    /// Every confirmation, oldest first.
    pub burned: Vec<BurnedRecord>,
}

impl SerialState {
    /// The newest seed record: the one the token holds once it is confirmed.
    pub fn current(&self) -> Option<&SeedRecord> {
        self.seeds.last()
    }

    fn confirmed_seq(&self, seq: u64) -> bool {
        self.burned.iter().any(|b| b.confirms == seq)
    }

    /// The current seed was confirmed on the token.
    pub fn is_confirmed(&self) -> bool {
        self.current().is_some_and(|s| self.confirmed_seq(s.seq))
    }

    /// The confirmation of the current seed, if any.
    pub fn confirmation(&self) -> Option<&BurnedRecord> {
        let seq = self.current()?.seq;
        self.burned.iter().rev().find(|b| b.confirms == seq)
    }

    /// The newest seed that was confirmed.
    pub fn last_confirmed(&self) -> Option<&SeedRecord> {
        self.seeds.iter().rev().find(|s| self.confirmed_seq(s.seq))
    }

    /// Every seed the token may hold now, most likely first: the current one
    /// when it is confirmed; otherwise each seed journalled after the last
    /// confirmed one (newest first), then the last confirmed one (the token
    /// keeps it when the new seed's write never happened).
    pub fn candidates(&self) -> Vec<&SeedRecord> {
        if self.is_confirmed() {
            return self.current().into_iter().collect();
        }
        let last = self.last_confirmed();
        let after = last.map_or(0, |l| l.seq);
        let mut out: Vec<&SeedRecord> = self.seeds.iter().rev().filter(|s| s.seq > after).collect();
        out.extend(last);
        out
    }
}

/// Every token of a journal.
#[derive(Clone, Debug, Default)]
pub struct JournalState {
    serials: BTreeMap<TokenSerial, SerialState>,
}

impl JournalState {
    /// Builds the state from records in journal order.
    pub fn from_records<'a>(records: impl IntoIterator<Item = &'a Record>) -> Self {
        let mut serials: BTreeMap<TokenSerial, SerialState> = BTreeMap::new();
        for r in records {
            let st = serials
                .entry(r.serial().clone())
                .or_insert_with(|| SerialState {
                    serial: r.serial().clone(),
                    seeds: Vec::new(),
                    burned: Vec::new(),
                });
            match r {
                Record::Seed(s) => st.seeds.push(s.clone()),
                Record::Burned(b) => st.burned.push(b.clone()),
            }
        }
        Self { serials }
    }

    pub fn get(&self, serial: &TokenSerial) -> Option<&SerialState> {
        self.serials.get(serial)
    }

    /// Every token, by serial.
    pub fn iter(&self) -> impl Iterator<Item = &SerialState> {
        self.serials.values()
    }

    pub fn len(&self) -> usize {
        self.serials.len()
    }

    pub fn is_empty(&self) -> bool {
        self.serials.is_empty()
    }

    /// Tokens whose current seed was never confirmed.
    pub fn pending(&self) -> impl Iterator<Item = &SerialState> {
        self.serials.values().filter(|s| !s.is_confirmed())
    }

    /// The journalled, unconfirmed seed of `serial`: a restarted batch finishes
    /// that token with this seed, never a fresh one.
    pub fn pending_seed_for(&self, serial: &TokenSerial) -> Option<&SeedRecord> {
        self.get(serial)
            .filter(|s| !s.is_confirmed())
            .and_then(SerialState::current)
    }
}
