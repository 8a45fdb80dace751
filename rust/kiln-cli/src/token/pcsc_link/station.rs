//! One reader used for a whole batch (`kiln batch`): tokens laid on it one
//! after another. Waits with `SCardGetStatusChange` (no polling of the card),
//! without a deadline unless `--wait` gives one: the admin ends the batch
//! (Ctrl-C, `--count`).

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
    /// `wait`: the longest wait for each token to be placed (`None`: no limit).
    pub fn open(wanted: Option<&str>, ui: Ui, wait: Option<Duration>) -> Result<Self, PcscError> {
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
            // By default no deadline: a batch waits for the admin.
            wait: wait.unwrap_or(Duration::MAX),
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
            // A token left on the reader is waited for until it is lifted (or Ctrl-C).
            Duration::MAX,
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
