//! One reader used for a whole batch (`kiln batch`): tokens laid on it one
//! after another. Waits with `SCardGetStatusChange` (no polling of the card),
//! without a deadline: the admin ends the batch (Ctrl-C, `--count`).

use super::{other, present, wait_for, Inner, PcscError, PcscLink, Ui};
use std::cell::RefCell;
use std::ffi::CString;
use std::rc::Rc;
use std::time::Duration;

/// The batch's reader.
pub struct Station {
    inner: Rc<RefCell<Inner>>,
    name: String,
}

/// The token on the reader: its link and the waiter for the same token after a
/// lost link (`Inner::retap`, as `kiln burn` uses it).
pub struct Presented {
    pub link: PcscLink,
    pub retap: Box<dyn FnMut() -> bool>,
}

impl Station {
    /// Chooses the reader (as every command does) without waiting for a card.
    pub fn open(wanted: Option<&str>, ui: Ui) -> Result<Self, PcscError> {
        let ctx = super::establish()?;
        let names = super::reader_names(&ctx)?;
        let readers = super::snapshot(&ctx, &names)?;
        let name = super::choose(&readers, wanted, false)?;
        let reader = CString::new(name.clone()).map_err(|_| PcscError::UnknownReader {
            name: name.clone(),
            list: super::list_text(&readers),
        })?;
        let inner = Inner {
            ctx,
            reader,
            card: None,
            connected_events: None,
            // No deadline: a batch waits for the admin.
            wait: Duration::MAX,
            ui,
        };
        Ok(Self {
            inner: Rc::new(RefCell::new(inner)),
            name,
        })
    }

    pub fn reader(&self) -> &str {
        &self.name
    }

    /// Waits for a token on the reader and connects to it.
    pub fn next(&mut self, message: &str) -> Result<Presented, PcscError> {
        self.inner.borrow_mut().connect(message)?;
        let for_retap = Rc::clone(&self.inner);
        Ok(Presented {
            link: PcscLink(Rc::clone(&self.inner)),
            retap: Box::new(move || match for_retap.borrow_mut().retap() {
                Ok(()) => true,
                Err(e) => {
                    eprintln!("kiln: {e}");
                    false
                }
            }),
        })
    }

    /// Disconnects and waits until the token is taken off (or swapped: the
    /// reader's event counter moved since the connection).
    pub fn wait_removed(&mut self, message: &str) -> Result<(), PcscError> {
        let mut inner = self.inner.borrow_mut();
        inner.disconnect();
        let since = inner.connected_events;
        let name = inner.name();
        let gone = wait_for(
            &inner.ctx,
            &inner.reader,
            inner.wait,
            inner.ui,
            message,
            |st, count| !present(st) || since.is_some_and(|c| c != count),
        )?;
        if gone {
            Ok(())
        } else {
            Err(other(&name, pcsc::Error::Timeout))
        }
    }
}
