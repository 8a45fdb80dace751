//! PC/SC readers (pcsc-lite on Linux/macOS, WinSCard on Windows): listing,
//! choosing, waiting for a token, and the [`Transceive`] link over a connected
//! card. Only `transport.rs` uses this module.
//!
//! Link errors (see docs/pcsc-testing.md for what was observed with vpcd):
//! a removed card (`SCARD_W_REMOVED_CARD` 0x80100069), a failed transaction
//! (`SCARD_E_NOT_TRANSACTED` 0x80100016), no card, a reset or unpowered card,
//! and a response too short to hold a status word (vpcd turns "card vanished
//! mid-command" into a successful 0-byte answer) are `TagLost`; a PC/SC
//! timeout is `Timeout`; a reader or service that went away is `ReaderGone`.

use kiln_core::session::{LinkError, Transceive};
use pcsc::{Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State};
use std::cell::RefCell;
use std::ffi::CString;
use std::io::{IsTerminal, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

mod station;
pub use station::Station;

/// One reader as `kiln readers` shows it.
#[derive(Clone, Debug)]
pub struct ReaderInfo {
    pub name: String,
    pub card_present: bool,
    /// Another program holds the card exclusively.
    pub exclusive: bool,
    pub atr: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum PcscError {
    #[error("the smart-card service is not running (Linux: start pcscd, e.g. `sudo systemctl start pcscd.socket`; \
             Windows: the \"Smart Card\" service) ({0}); to try kiln without hardware use --sim")]
    NoService(pcsc::Error),
    #[error("no PC/SC reader is connected: plug in the NFC reader (and on Linux check that pcscd sees it: `pcsc_scan`); to try kiln without hardware use --sim")]
    NoReaders,
    #[error("there is no reader named \"{name}\"; connected readers: {list} (or --sim for the simulated token)")]
    UnknownReader { name: String, list: String },
    #[error("{why}; choose one with --reader NAME (`kiln readers` lists them): {list}")]
    ChooseReader { why: String, list: String },
    #[error("no token was placed on \"{reader}\" within {secs} s (switch the token on first; use --wait to wait longer)")]
    NoCard { reader: String, secs: u64 },
    #[error("reader \"{0}\" was disconnected")]
    ReaderGone(String),
    #[error("another program holds the token on \"{0}\" exclusively (close the vendor tool or other smart-card software and try again)")]
    InUse(String),
    #[error("stopped by Ctrl-C")]
    Interrupted,
    #[error("the token stayed on \"{reader}\" for {secs} s: lift it off the reader and place it again to finish")]
    NeverLifted { reader: String, secs: u64 },
    /// The service itself failed before any reader was named (Wine's stub
    /// WinSCard answers every call so).
    #[error("the smart-card service failed: {err} ({code:#010x}); check that it runs (Windows: the \"Smart Card\" service; Linux: pcscd), or use --sim to try kiln without hardware")]
    Service { err: pcsc::Error, code: u32 },
    #[error("reader \"{reader}\": {err} ({code:#010x})")]
    Other {
        reader: String,
        err: pcsc::Error,
        code: u32,
    },
}

impl PcscError {
    /// No token was placed within the wait (`--wait`).
    pub fn is_no_card(&self) -> bool {
        matches!(self, Self::NoCard { .. })
    }
}

fn other(reader: &str, err: pcsc::Error) -> PcscError {
    match err {
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => PcscError::NoService(err),
        pcsc::Error::NoReadersAvailable => PcscError::NoReaders,
        pcsc::Error::UnknownReader | pcsc::Error::ReaderUnavailable => {
            PcscError::ReaderGone(reader.to_owned())
        }
        pcsc::Error::SharingViolation => PcscError::InUse(reader.to_owned()),
        _ if reader.is_empty() => PcscError::Service {
            err,
            code: err as u32,
        },
        _ => PcscError::Other {
            reader: reader.to_owned(),
            err,
            code: err as u32,
        },
    }
}

/// Maps a PC/SC error during an exchange to the session's link error.
pub fn link_error(err: pcsc::Error) -> LinkError {
    use pcsc::Error as E;
    match err {
        E::RemovedCard
        | E::ResetCard
        | E::NotTransacted
        | E::NoSmartcard
        | E::UnpoweredCard
        | E::UnresponsiveCard => LinkError::TagLost,
        E::Timeout | E::WaitedTooLong => LinkError::Timeout,
        E::ReaderUnavailable
        | E::UnknownReader
        | E::NoService
        | E::ServiceStopped
        | E::NoReadersAvailable
        | E::InvalidHandle
        | E::Shutdown => LinkError::ReaderGone,
        other => LinkError::Io(format!("{other} ({:#010x})", other as u32)),
    }
}

fn establish() -> Result<Context, PcscError> {
    Context::establish(Scope::User).map_err(|e| other("", e))
}

fn reader_names(ctx: &Context) -> Result<Vec<CString>, PcscError> {
    match ctx.list_readers_owned() {
        Ok(v) if v.is_empty() => Err(PcscError::NoReaders),
        Ok(v) => Ok(v),
        Err(e) => Err(other("", e)),
    }
}

fn snapshot(ctx: &Context, names: &[CString]) -> Result<Vec<ReaderInfo>, PcscError> {
    let mut states: Vec<ReaderState> = names
        .iter()
        .map(|n| ReaderState::new(n.clone(), State::UNAWARE))
        .collect();
    match ctx.get_status_change(Duration::ZERO, &mut states) {
        Ok(()) | Err(pcsc::Error::Timeout) => {}
        Err(e) => return Err(other("", e)),
    }
    Ok(states
        .iter()
        .map(|s| {
            let st = s.event_state();
            ReaderInfo {
                name: s.name().to_string_lossy().into_owned(),
                card_present: st.contains(State::PRESENT) && !st.contains(State::MUTE),
                exclusive: st.contains(State::EXCLUSIVE),
                atr: if st.contains(State::PRESENT) {
                    s.atr().to_vec()
                } else {
                    Vec::new()
                },
            }
        })
        .collect())
}

/// Whether the PC/SC service answers and has a reader: checked before a secret
/// is asked for, so that nobody types a seed in vain.
pub fn check_service() -> Result<(), PcscError> {
    list().map(|_| ())
}

/// Every reader and whether a card is on it.
pub fn list() -> Result<Vec<ReaderInfo>, PcscError> {
    let ctx = establish()?;
    let names = reader_names(&ctx)?;
    snapshot(&ctx, &names)
}

fn list_text(readers: &[ReaderInfo]) -> String {
    readers
        .iter()
        .map(|r| {
            format!(
                "\"{}\"{}",
                r.name,
                if r.card_present {
                    " (token present)"
                } else {
                    ""
                }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Picks the reader: the named one (exact, else case-insensitive, else the
/// only one containing the text); without a name the one reader holding a
/// card, or the only reader. Otherwise asks on a terminal, or fails listing them.
fn choose(
    readers: &[ReaderInfo],
    wanted: Option<&str>,
    can_ask: bool,
) -> Result<String, PcscError> {
    if let Some(w) = wanted {
        if let Some(r) = readers.iter().find(|r| r.name == w) {
            return Ok(r.name.clone());
        }
        let lw = w.to_lowercase();
        if let Some(r) = readers.iter().find(|r| r.name.to_lowercase() == lw) {
            return Ok(r.name.clone());
        }
        let partial: Vec<&ReaderInfo> = readers
            .iter()
            .filter(|r| r.name.to_lowercase().contains(&lw))
            .collect();
        if let [one] = partial.as_slice() {
            return Ok(one.name.clone());
        }
        if partial.len() > 1 {
            return Err(PcscError::ChooseReader {
                why: format!("\"{w}\" matches {} readers", partial.len()),
                list: list_text(readers),
            });
        }
        return Err(PcscError::UnknownReader {
            name: w.to_owned(),
            list: list_text(readers),
        });
    }
    let with_card: Vec<&ReaderInfo> = readers.iter().filter(|r| r.card_present).collect();
    match (readers, with_card.as_slice()) {
        (_, [one]) => return Ok(one.name.clone()),
        ([only], _) => return Ok(only.name.clone()),
        _ => {}
    }
    let why = if with_card.is_empty() {
        format!(
            "{} readers are connected and none holds a token",
            readers.len()
        )
    } else {
        format!("{} readers hold a card", with_card.len())
    };
    if can_ask {
        if let Some(name) = ask(readers, &why) {
            return Ok(name);
        }
    }
    Err(PcscError::ChooseReader {
        why,
        list: list_text(readers),
    })
}

fn ask(readers: &[ReaderInfo], why: &str) -> Option<String> {
    ask_from(
        readers,
        why,
        &mut std::io::stdin().lock(),
        &mut std::io::stderr(),
    )
}

/// Lists the readers on `out` and reads a number from `input` until it names
/// one; `None` at end of input or an empty answer.
fn ask_from(
    readers: &[ReaderInfo],
    why: &str,
    input: &mut dyn std::io::BufRead,
    out: &mut dyn Write,
) -> Option<String> {
    let _ = writeln!(out, "{why}. Which reader?");
    for (i, r) in readers.iter().enumerate() {
        let card = if r.card_present {
            "  (token present)"
        } else {
            ""
        };
        let _ = writeln!(out, "  {}. {}{card}", i + 1, r.name);
    }
    loop {
        let _ = write!(out, "Reader number (1 to {}): ", readers.len());
        let _ = out.flush();
        let mut line = String::new();
        if input.read_line(&mut line).ok()? == 0 || line.trim().is_empty() {
            return None;
        }
        let answer = line.trim();
        match answer.parse::<usize>().ok().and_then(|n| n.checked_sub(1)) {
            Some(i) if i < readers.len() => return readers.get(i).map(|r| r.name.clone()),
            _ => {
                let _ = writeln!(
                    out,
                    "\"{answer}\" is not one of the numbers 1 to {}; type one of them (or press Enter to stop)",
                    readers.len()
                );
            }
        }
    }
}

/// How waiting is shown: a spinner on a terminal, plain lines otherwise.
#[derive(Clone, Copy, Debug)]
pub struct Ui {
    pub spinner: bool,
}

impl Ui {
    pub fn detect() -> Self {
        Self {
            spinner: std::io::stderr().is_terminal(),
        }
    }
}

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// Waits until `want(state, event_count)` holds for the reader, showing
/// `message` while it does not. `Ok(false)` when `wait` passed first;
/// [`PcscError::Interrupted`] after Ctrl-C (see `interrupt`).
fn wait_for(
    ctx: &Context,
    reader: &CString,
    wait: Duration,
    ui: Ui,
    message: &str,
    want: impl Fn(State, u32) -> bool,
) -> Result<bool, PcscError> {
    let name = reader.to_string_lossy().into_owned();
    let mut rs = [ReaderState::new(reader.clone(), State::UNAWARE)];
    // `wait` comes from the command line: a deadline past what `Instant` can
    // hold means "no deadline".
    let deadline = Instant::now().checked_add(wait);
    let mut shown = false;
    let mut tick = 0usize;
    let done = loop {
        match ctx.get_status_change(Duration::from_millis(120), &mut rs) {
            Ok(()) | Err(pcsc::Error::Timeout) => {}
            Err(e) => break Err(other(&name, e)),
        }
        let [r] = &mut rs;
        let st = r.event_state();
        if st.intersects(State::UNKNOWN | State::UNAVAILABLE) {
            break Err(PcscError::ReaderGone(name.clone()));
        }
        if want(st, r.event_count()) {
            break Ok(true);
        }
        r.sync_current_state();
        if crate::interrupt::requested() {
            break Err(PcscError::Interrupted);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break Ok(false);
        }
        if ui.spinner {
            let left = deadline.map_or_else(String::new, |d| {
                let s = d
                    .saturating_duration_since(Instant::now())
                    .as_millis()
                    .div_ceil(1000);
                format!("{s} s, ")
            });
            let c = SPINNER.get(tick % SPINNER.len()).copied().unwrap_or('*');
            eprint!("\r{c} {message} ({left}Ctrl-C to stop) ");
            let _ = std::io::stderr().flush();
            tick += 1;
        } else if !shown {
            match deadline {
                Some(_) => eprintln!("{message} (waiting up to {} s)", whole_secs(wait)),
                None => eprintln!("{message}"),
            }
        }
        shown = true;
    };
    if shown && ui.spinner {
        // Clear the spinner line.
        eprint!("\r\x1b[2K");
        let _ = std::io::stderr().flush();
    }
    done
}

/// Seconds for the user, rounded up: a wait of 59.98 s (what is left of
/// `--wait 60` a moment after starting) is "60 s", and 0.9 s is "1 s".
fn whole_secs(d: Duration) -> u128 {
    d.as_millis().div_ceil(1000)
}

fn present(st: State) -> bool {
    st.contains(State::PRESENT) && !st.contains(State::MUTE)
}

/// The connection to one reader, shared by the link and the re-tap waiter.
struct Inner {
    ctx: Context,
    reader: CString,
    card: Option<pcsc::Card>,
    /// The reader's event counter when `card` was connected.
    connected_events: Option<u32>,
    wait: Duration,
    ui: Ui,
}

impl Inner {
    fn name(&self) -> String {
        self.reader.to_string_lossy().into_owned()
    }

    /// Waits for a card and connects (shared, T=1 or T=0).
    fn connect(&mut self, message: &str) -> Result<(), PcscError> {
        let deadline = Instant::now().checked_add(self.wait);
        loop {
            let left = deadline.map_or(self.wait, |d| d.saturating_duration_since(Instant::now()));
            if !wait_for(&self.ctx, &self.reader, left, self.ui, message, |st, _| {
                present(st)
            })? {
                return Err(PcscError::NoCard {
                    reader: self.name(),
                    secs: self.wait.as_secs(),
                });
            }
            match self.ctx.connect(
                &self.reader,
                ShareMode::Shared,
                Protocols::T1 | Protocols::T0,
            ) {
                Ok(card) => {
                    self.card = Some(card);
                    self.connected_events = self.event_count();
                    return Ok(());
                }
                // The card went away between the state report and the connect
                // (or is still powering up): wait again.
                Err(
                    pcsc::Error::NoSmartcard
                    | pcsc::Error::RemovedCard
                    | pcsc::Error::UnpoweredCard
                    | pcsc::Error::UnresponsiveCard
                    | pcsc::Error::ResetCard,
                ) if deadline.is_none_or(|d| Instant::now() < d) => {
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => return Err(other(&self.name(), e)),
            }
        }
    }

    /// The reader's card event counter now (`None` if it cannot be read).
    fn event_count(&self) -> Option<u32> {
        let mut rs = [ReaderState::new(self.reader.clone(), State::UNAWARE)];
        self.ctx.get_status_change(Duration::ZERO, &mut rs).ok()?;
        let [r] = &rs;
        Some(r.event_count())
    }

    /// Ends the connection leaving the card as it is (no reset: see the
    /// reconnect gotcha in docs/pcsc-testing.md).
    fn disconnect(&mut self) {
        if let Some(card) = self.card.take() {
            let _ = card.disconnect(Disposition::LeaveCard);
        }
    }

    /// After a link loss: wait until the token has really left the reader
    /// (absent, or removed and placed again between two looks), then until a
    /// token is there again, and reconnect. A token that never leaves is not
    /// reconnected to: the finishing session must follow a real re-presentation.
    /// The session checks it is the same token (by serial).
    fn retap(&mut self) -> Result<(), PcscError> {
        self.disconnect();
        // The reader's event counter moves on every insertion and removal: a
        // token already lifted and placed again since the connection counts.
        let since = self.connected_events;
        let gone = wait_for(
            &self.ctx,
            &self.reader,
            self.wait,
            self.ui,
            "Lift the token off the reader",
            |st, count| !present(st) || since.is_some_and(|c| c != count),
        )?;
        if !gone {
            return Err(PcscError::NeverLifted {
                reader: self.name(),
                secs: self.wait.as_secs(),
            });
        }
        self.connect("Keep the same token switched on and place it on the reader again to finish")
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.disconnect();
    }
}

/// The [`Transceive`] link over a PC/SC card connection.
pub struct PcscLink(Rc<RefCell<Inner>>);

impl Transceive for PcscLink {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, LinkError> {
        let inner = self.0.borrow();
        let card = inner.card.as_ref().ok_or(LinkError::TagLost)?;
        let mut buf = [0u8; pcsc::MAX_BUFFER_SIZE];
        match card.transmit(apdu, &mut buf) {
            // Nothing at all: vpcd (and some drivers) report a card that
            // vanished mid-command as an empty success. A 1-byte answer is the
            // token's (garbled), not a link loss: the session ends on it and no
            // re-tap follows.
            Ok([]) => Err(LinkError::TagLost),
            Ok(r) => Ok(r.to_vec()),
            Err(e) => Err(link_error(e)),
        }
    }
}

/// A reader with a token connected: the link, a re-tap waiter and what the reader
/// says about the connection.
pub struct ConnectedReader {
    pub link: PcscLink,
    pub retap: Box<dyn FnMut() -> bool>,
    pub reader: String,
    pub atr: Vec<u8>,
    pub protocol: &'static str,
}

/// Chooses the reader, waits (up to `wait`) for a token and connects.
pub fn open(wanted: Option<&str>, wait: Duration, ui: Ui) -> Result<ConnectedReader, PcscError> {
    let ctx = establish()?;
    let names = reader_names(&ctx)?;
    let readers = snapshot(&ctx, &names)?;
    let can_ask = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let name = choose(&readers, wanted, can_ask)?;
    let reader = CString::new(name.clone()).map_err(|_| PcscError::UnknownReader {
        name: name.clone(),
        list: list_text(&readers),
    })?;
    let mut inner = Inner {
        ctx,
        reader,
        card: None,
        connected_events: None,
        wait,
        ui,
    };
    inner.connect(&format!(
        "Switch the token on and place it on the reader \"{name}\""
    ))?;
    let (atr, protocol) = match inner.card.as_ref().map(|c| c.status2_owned()) {
        Some(Ok(s)) => (
            s.atr().to_vec(),
            match s.protocol2() {
                Some(pcsc::Protocol::T0) => "T=0",
                Some(pcsc::Protocol::T1) => "T=1",
                _ => "raw",
            },
        ),
        _ => (Vec::new(), "?"),
    };
    let shared = Rc::new(RefCell::new(inner));
    let for_retap = Rc::clone(&shared);
    Ok(ConnectedReader {
        link: PcscLink(shared),
        retap: Box::new(move || match for_retap.borrow_mut().retap() {
            Ok(()) => true,
            Err(e) => {
                eprintln!("kiln: {e}");
                false
            }
        }),
        reader: name,
        atr,
        protocol,
    })
}

/// Upper-case hex, bytes separated by spaces (ATRs).
pub use kiln_core::report::hex;

#[cfg(test)]
mod tests {
    use super::*;

    fn r(name: &str, card: bool) -> ReaderInfo {
        ReaderInfo {
            name: name.into(),
            card_present: card,
            exclusive: false,
            atr: Vec::new(),
        }
    }

    #[test]
    fn choosing_a_reader() {
        let two = [r("Virtual PCD 00 00", false), r("Virtual PCD 00 01", true)];
        assert_eq!(
            choose(&two, None, false).ok().as_deref(),
            Some("Virtual PCD 00 01")
        );
        assert_eq!(
            choose(&two, Some("virtual pcd 00 00"), false)
                .ok()
                .as_deref(),
            Some("Virtual PCD 00 00")
        );
        assert_eq!(
            choose(&two, Some("01"), false).ok().as_deref(),
            Some("Virtual PCD 00 01")
        );
        assert!(matches!(
            choose(&two, Some("PCD"), false),
            Err(PcscError::ChooseReader { .. })
        ));
        assert!(matches!(
            choose(&two, Some("OMNIKEY"), false),
            Err(PcscError::UnknownReader { .. })
        ));
        let none = [r("A", false), r("B", false)];
        let e = choose(&none, None, false)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("none holds a token") && e.contains("--reader"),
            "{e}"
        );
        let both = [r("A", true), r("B", true)];
        assert!(matches!(
            choose(&both, None, false),
            Err(PcscError::ChooseReader { .. })
        ));
        let one = [r("OMNIKEY 5427 CK", false)];
        assert_eq!(
            choose(&one, None, false).ok().as_deref(),
            Some("OMNIKEY 5427 CK")
        );
    }

    #[test]
    fn a_wrong_reader_number_asks_again() {
        let readers = [r("A", false), r("B", true)];
        let mut out = Vec::new();
        let mut input: &[u8] = b"7\nzwei\n0\n2\n";
        let got = ask_from(&readers, "2 readers", &mut input, &mut out);
        assert_eq!(got.as_deref(), Some("B"));
        let shown = String::from_utf8_lossy(&out);
        assert_eq!(
            shown.matches("Reader number (1 to 2): ").count(),
            4,
            "{shown}"
        );
        assert!(
            shown.contains("\"7\" is not one of the numbers 1 to 2"),
            "{shown}"
        );
        // End of input or an empty line stops without a choice.
        let mut eof: &[u8] = b"9\n";
        assert_eq!(ask_from(&readers, "x", &mut eof, &mut Vec::new()), None);
        let mut empty: &[u8] = b"\n2\n";
        assert_eq!(ask_from(&readers, "x", &mut empty, &mut Vec::new()), None);
    }

    #[test]
    fn waits_are_shown_in_whole_seconds_rounded_up() {
        assert_eq!(whole_secs(Duration::from_millis(59_987)), 60);
        assert_eq!(whole_secs(Duration::from_millis(999)), 1);
        assert_eq!(whole_secs(Duration::from_secs(60)), 60);
        assert_eq!(whole_secs(Duration::ZERO), 0);
    }

    #[test]
    fn link_errors_are_classified() {
        assert_eq!(link_error(pcsc::Error::RemovedCard), LinkError::TagLost);
        assert_eq!(link_error(pcsc::Error::NotTransacted), LinkError::TagLost);
        assert_eq!(link_error(pcsc::Error::Timeout), LinkError::Timeout);
        assert_eq!(
            link_error(pcsc::Error::ReaderUnavailable),
            LinkError::ReaderGone
        );
        assert_eq!(link_error(pcsc::Error::NoService), LinkError::ReaderGone);
        assert!(matches!(
            link_error(pcsc::Error::InvalidAtr),
            LinkError::Io(_)
        ));
        assert_eq!(pcsc::Error::RemovedCard as u32, 0x8010_0069);
        assert_eq!(pcsc::Error::NotTransacted as u32, 0x8010_0016);
    }
}
