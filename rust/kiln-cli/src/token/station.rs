//! Where a batch's tokens come from, one after another: a PC/SC reader the
//! admin lays tokens on, or (`--sim`) simulated tokens, one per serial of
//! `--sim-serial A,B,C`.

use crate::transport::{self, TransportArgs, TransportError};
use kiln_core::session::{Clock, SystemClock, Transceive};

/// The token in hand: its link, the clock to measure it with, and the wait
/// for the same token after a lost link.
pub struct InHand {
    pub link: Box<dyn Transceive>,
    pub clock: Box<dyn Clock>,
    pub retap: Box<dyn FnMut() -> bool>,
}

pub enum Station {
    Pcsc(crate::pcsc_link::Station),
    Sim {
        args: Box<TransportArgs>,
        serials: Vec<String>,
        next: usize,
    },
}

impl Station {
    pub fn open(args: &TransportArgs) -> Result<Self, TransportError> {
        if args.sim {
            let serials = args
                .sim_serial
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            return Ok(Self::Sim {
                args: Box::new(args.clone()),
                serials,
                next: 0,
            });
        }
        let s = crate::pcsc_link::Station::open(
            args.reader.as_deref(),
            crate::pcsc_link::Ui::detect(),
            args.wait.map(std::time::Duration::from_secs),
        )?;
        Ok(Self::Pcsc(s))
    }

    /// One line for the user.
    pub fn description(&self) -> String {
        match self {
            Self::Pcsc(s) => format!("reader \"{}\"", s.reader()),
            Self::Sim { serials, args, .. } => format!(
                "{} simulated token(s) (virtual time, {} ms round trip)",
                serials.len(),
                args.sim_rtt_ms
            ),
        }
    }

    /// Waits for the next token (`None`: the simulated box is empty).
    pub fn next(&mut self, message: &str) -> Result<Option<InHand>, TransportError> {
        match self {
            Self::Pcsc(s) => {
                let p = s.next(message)?;
                Ok(Some(InHand {
                    link: Box::new(p.link),
                    clock: Box::new(SystemClock),
                    retap: p.retap,
                }))
            }
            Self::Sim {
                args,
                serials,
                next,
            } => {
                let Some(serial) = serials.get(*next) else {
                    return Ok(None);
                };
                *next += 1;
                let mut one = (**args).clone();
                one.sim_serial.clone_from(serial);
                let t = transport::open(&one)?;
                Ok(Some(InHand {
                    link: t.link,
                    clock: t.clock,
                    retap: t.retap,
                }))
            }
        }
    }

    /// Waits until the token in hand is taken off the reader.
    pub fn wait_removed(&mut self) -> Result<(), TransportError> {
        match self {
            Self::Pcsc(s) => Ok(s.wait_removed("Take the token off the reader")?),
            Self::Sim { .. } => Ok(()),
        }
    }
}
