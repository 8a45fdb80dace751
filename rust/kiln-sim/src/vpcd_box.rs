//! A box of simulated tokens on one vpcd reader (`kiln-sim vpcd --box FILE`):
//! the tokens take turns on the reader as cues (`crate::cue`) arrive, each
//! keeping its own memory, clock and log between turns: a token put back is
//! the same card.
//!
//! Taking a card off closes the vpcd connection (pcscd sees the reader empty
//! at its next presence poll); placing one opens a new connection (pcscd sees
//! a new card, with a new event count and the ATR). Between the two the box
//! waits `swap_gap` (default 1.2 s): a card that comes back before pcscd has
//! polled the empty reader is not seen as removed at all (docs/pcsc-testing.md,
//! the reconnect gotcha).
//!
//! Every cue line gets exactly one answer line on `acks`: `ok placed K SERIAL`
//! (next, insert), `ok empty` (remove), `ok quit`, or `error: WHY` (nothing
//! changed). A test writes a cue, reads one line, then waits for the reader's
//! state through PC/SC.
//!
//! The state file reports every token (see [`BoxPlayer::state`]).

use crate::card::SimToken;
use crate::cue::{Cue, Shelf};
use crate::spec::TokenSpec;
use crate::vpcd::{
    connect, is_closed, read_exact_or_closed, write_atomically, Card, Ended, VpcdError, VpcdOptions,
};
use kiln_core::session::{Clock, SystemClock};
use serde_json::{json, Value};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

/// How long the box waits for vpcd's next message before looking at the cues.
const IDLE: Duration = Duration::from_millis(50);

/// How the box sits on the vpcd reader.
#[derive(Clone, Debug)]
pub struct BoxOptions {
    pub host: String,
    pub port: u16,
    /// How long to retry a connection (pcscd may still be starting).
    pub connect_timeout: Duration,
    pub state_file: Option<PathBuf>,
    /// Between taking a card off and placing one (by a cue).
    pub swap_gap: Duration,
    /// Start with the reader empty instead of token 1 on it.
    pub start_empty: bool,
    /// Held before each command APDU is answered: the radio round trip of a
    /// real reader (vpcd's own is well under a millisecond). Zero by default.
    pub rtt: Duration,
}

/// One token of the box and its card-side log.
struct Slot {
    token: SimToken,
    card: Card,
    /// Its fault, T=0 mode and return delay as options of the vpcd loop.
    opts: VpcdOptions,
    presented: usize,
}

/// The box on the reader: which token is on it and the connection.
pub struct BoxPlayer<'a> {
    slots: Vec<Slot>,
    shelf: Shelf,
    stream: Option<TcpStream>,
    removed_at: Option<Instant>,
    /// A token that dropped off by its fault and comes back by itself: (index, when).
    returning: Option<(usize, Instant)>,
    events: Vec<String>,
    cues: usize,
    opts: &'a BoxOptions,
}

/// Plays the box until `quit`, until pcscd closes the connection, or until
/// the reader is empty and no cue can come any more (the cue channel closed).
/// Returns the number of APDUs all tokens processed.
pub fn run_box(
    specs: &[TokenSpec],
    opts: &BoxOptions,
    cues: &Receiver<String>,
    acks: &mut dyn Write,
) -> Result<usize, VpcdError> {
    let mut p = BoxPlayer::new(specs, opts);
    if !opts.start_empty {
        p.place(0, false)?;
    }
    p.dump()?;
    let mut cues_open = true;
    loop {
        let line = if p.stream.is_some() {
            match cues.try_recv() {
                Ok(line) => Some(line),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => {
                    cues_open = false;
                    None
                }
            }
        } else {
            let due = p.returning.map(|(_, at)| at);
            match (cues_open, due) {
                (false, None) => {
                    p.note("the reader is empty and no cue can come: done");
                    p.dump()?;
                    return Ok(p.apdus());
                }
                (false, Some(at)) => {
                    std::thread::sleep(at.saturating_duration_since(Instant::now()));
                    None
                }
                (true, due) => {
                    let wait = due.map_or(Duration::from_secs(3600), |at| {
                        at.saturating_duration_since(Instant::now())
                    });
                    match cues.recv_timeout(wait) {
                        Ok(line) => Some(line),
                        Err(RecvTimeoutError::Timeout) => None,
                        Err(RecvTimeoutError::Disconnected) => {
                            cues_open = false;
                            None
                        }
                    }
                }
            }
        };
        if let Some(line) = line {
            let answer = p.cue(&line)?;
            if let Some(answer) = answer {
                // A test that stopped reading the answers is no reason to stop the box.
                let _ = writeln!(acks, "{answer}").and_then(|()| acks.flush());
                if answer == "ok quit" {
                    return Ok(p.apdus());
                }
            }
            continue;
        }
        if p.stream.is_none() {
            if let Some((k, at)) = p.returning {
                if Instant::now() >= at {
                    p.returning = None;
                    p.place(k, false)?;
                    p.note(&format!("token #{} returned by itself", k + 1));
                    p.dump()?;
                }
            }
            continue;
        }
        if p.serve_one()? == Some(Ended::ReaderClosed) {
            p.note("reader side closed the connection");
            p.remove_quietly();
            p.dump()?;
            return Ok(p.apdus());
        }
    }
}

impl<'a> BoxPlayer<'a> {
    fn new(specs: &[TokenSpec], opts: &'a BoxOptions) -> Self {
        let now = SystemClock.now();
        let slots = specs
            .iter()
            .map(|spec| Slot {
                token: SimToken::new(spec.sim_config(), now),
                card: Card::new(),
                opts: VpcdOptions {
                    host: opts.host.clone(),
                    port: opts.port,
                    connect_timeout: opts.connect_timeout,
                    drop: spec.fault(),
                    return_after: spec.return_delay(),
                    // The box writes one state file for all tokens.
                    state_file: None,
                    t0: spec.t0,
                },
                presented: 0,
            })
            .collect();
        Self {
            slots,
            shelf: Shelf::new(specs.len()),
            stream: None,
            removed_at: None,
            returning: None,
            events: Vec::new(),
            cues: 0,
            opts,
        }
    }

    fn apdus(&self) -> usize {
        self.slots.iter().map(|s| s.card.apdus()).sum()
    }

    fn note(&mut self, what: &str) {
        self.events.push(what.to_owned());
    }

    fn serial(&self, k: usize) -> String {
        self.slots
            .get(k)
            .map(|s| s.token.serial().to_string())
            .unwrap_or_default()
    }

    /// Carries out one control line; the answer line, `None` for a blank line.
    fn cue(&mut self, line: &str) -> Result<Option<String>, VpcdError> {
        let cue = match Cue::parse(line) {
            Ok(None) => return Ok(None),
            Ok(Some(cue)) => cue,
            Err(why) => return Ok(Some(self.refuse(line, &why))),
        };
        let plan = match self.shelf.plan(cue) {
            Ok(plan) => plan,
            Err(why) => return Ok(Some(self.refuse(line, &why))),
        };
        self.cues += 1;
        self.note(&format!("cue {:?}", line.trim()));
        // A cue takes over from a token coming back by itself.
        self.returning = None;
        if plan.remove.is_some() {
            self.remove_quietly();
        }
        let answer = match plan.insert {
            Some(k) => {
                self.place(k, true)?;
                format!("ok placed {} {}", k + 1, self.serial(k))
            }
            None if plan.quit => "ok quit".to_owned(),
            None => "ok empty".to_owned(),
        };
        self.dump()?;
        Ok(Some(answer))
    }

    fn refuse(&mut self, line: &str, why: &str) -> String {
        self.note(&format!("cue {:?} refused: {why}", line.trim()));
        let _ = self.dump();
        format!("error: {why}")
    }

    /// Takes the card on the reader off (closes the connection).
    fn remove_quietly(&mut self) {
        let Some(stream) = self.stream.take() else {
            return;
        };
        let _ = stream.shutdown(Shutdown::Both);
        drop(stream);
        self.removed_at = Some(Instant::now());
        if let Some(k) = self.shelf.on_reader() {
            if let Some(slot) = self.slots.get_mut(k) {
                slot.token.field_lost();
                slot.card.note("taken off the reader");
            }
            self.note(&format!("token #{} {} taken off", k + 1, self.serial(k)));
        }
        self.shelf.removed();
    }

    /// Places token `k` on the reader (a new vpcd connection), after the swap
    /// gap if `gap` and a card was taken off recently.
    fn place(&mut self, k: usize, gap: bool) -> Result<(), VpcdError> {
        if gap {
            if let Some(at) = self.removed_at {
                let ready = at + self.opts.swap_gap;
                std::thread::sleep(ready.saturating_duration_since(Instant::now()));
            }
        }
        let Some(slot) = self.slots.get_mut(k) else {
            return Ok(());
        };
        let stream = connect(&slot.opts, slot.opts.connect_timeout)?;
        slot.presented += 1;
        let n = slot.presented;
        slot.card.note(&format!("placed on the reader (turn {n})"));
        self.stream = Some(stream);
        self.shelf.placed(k);
        self.note(&format!(
            "token #{} {} placed (turn {n})",
            k + 1,
            self.serial(k)
        ));
        Ok(())
    }

    /// Waits up to [`IDLE`] for one message from vpcd and answers it.
    fn serve_one(&mut self) -> Result<Option<Ended>, VpcdError> {
        let (Some(stream), Some(k)) = (self.stream.as_mut(), self.shelf.on_reader()) else {
            return Ok(None);
        };
        let Some(slot) = self.slots.get_mut(k) else {
            return Ok(None);
        };
        let frame = match read_frame_within(stream, IDLE)? {
            Incoming::Idle => return Ok(None),
            Incoming::Closed => return Ok(Some(Ended::ReaderClosed)),
            Incoming::Frame(f) => f,
        };
        if frame.len() > 1 && !self.opts.rtt.is_zero() {
            std::thread::sleep(self.opts.rtt);
        }
        let ended = slot
            .card
            .on_frame(&mut slot.token, stream, &slot.opts, &frame)?;
        let return_after = slot.opts.return_after;
        if ended == Some(Ended::Dropped) {
            if let Some(slot) = self.slots.get_mut(k) {
                slot.card.note("dropped (card removed)");
            }
            self.note(&format!("token #{} dropped off by its fault", k + 1));
            self.remove_quietly();
            self.returning = return_after.map(|d| (k, Instant::now() + d));
        }
        if frame != [4] {
            self.dump()?;
        }
        Ok(ended)
    }

    /// The state file of a box: which token is on the reader, the box's
    /// events, and every token with the keys of the single-token state file
    /// plus `index` (1-based, as in `insert K`), `presented` (turns on the
    /// reader) and `on_reader`. Never a seed.
    pub fn state(&self) -> Value {
        let on = self.shelf.on_reader();
        let tokens: Vec<Value> = self
            .slots
            .iter()
            .enumerate()
            .map(|(k, slot)| {
                let mut v = slot.card.state(&slot.token, on == Some(k));
                if let Value::Object(m) = &mut v {
                    m.insert("index".into(), json!(k + 1));
                    m.insert("presented".into(), json!(slot.presented));
                    m.insert("on_reader".into(), json!(on == Some(k)));
                }
                v
            })
            .collect();
        json!({
            "box": self.slots.len(),
            "on_reader": on.map(|k| k + 1),
            "serial_on_reader": on.map(|k| self.serial(k)),
            "cues": self.cues,
            "events": self.events,
            "tokens": tokens,
        })
    }

    fn dump(&self) -> Result<(), VpcdError> {
        match &self.opts.state_file {
            Some(path) => write_atomically(path, &self.state()).map_err(VpcdError::State),
            None => Ok(()),
        }
    }
}

/// One message from vpcd, or none within the wait.
#[derive(Debug, PartialEq, Eq)]
enum Incoming {
    Frame(Vec<u8>),
    Idle,
    Closed,
}

/// Waits up to `idle` for a message to start, then reads all of it.
fn read_frame_within(stream: &mut TcpStream, idle: Duration) -> io::Result<Incoming> {
    stream.set_read_timeout(Some(idle))?;
    let mut first = [0u8; 1];
    let got = stream.read(&mut first);
    stream.set_read_timeout(None)?;
    match got {
        Ok(0) => return Ok(Incoming::Closed),
        Ok(_) => {}
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
            ) =>
        {
            return Ok(Incoming::Idle)
        }
        Err(e) if is_closed(&e) => return Ok(Incoming::Closed),
        Err(e) => return Err(e),
    }
    let mut second = [0u8; 1];
    if !read_exact_or_closed(stream, &mut second)? {
        return Ok(Incoming::Closed);
    }
    let [hi] = first;
    let [lo] = second;
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes([hi, lo]))];
    if !read_exact_or_closed(stream, &mut buf)? {
        return Ok(Incoming::Closed);
    }
    Ok(Incoming::Frame(buf))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::spec::parse_box;
    use crate::vpcd::{read_frame, write_frame, ATR};
    use std::net::TcpListener;
    use std::sync::mpsc::{self, Sender};

    /// Hands every answer line to the test.
    struct Lines(Sender<String>, Vec<u8>);
    impl Write for Lines {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.1.extend_from_slice(buf);
            while let Some(n) = self.1.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.1.drain(..=n).collect();
                let _ = self
                    .0
                    .send(String::from_utf8_lossy(&line).trim_end().to_owned());
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    const GET_INFO: [u8; 7] = [0x80, 0x41, 0x00, 0x00, 0x02, 0x02, 0x11];

    /// Plays vpcd: accepts the card, checks its ATR, returns its serial
    /// (from GET INFO) and the connection.
    fn accept_card(listener: &TcpListener) -> (String, TcpStream) {
        let (mut s, _) = listener.accept().unwrap();
        write_frame(&mut s, &[4]).unwrap();
        assert_eq!(read_frame(&mut s).unwrap().unwrap(), ATR);
        write_frame(&mut s, &GET_INFO).unwrap();
        let info = read_frame(&mut s).unwrap().unwrap();
        assert_eq!(info[info.len() - 2..], [0x90, 0x00]);
        let serial = ["86596220000001", "86596220000002", "00033"]
            .into_iter()
            .find(|serial| info.windows(serial.len()).any(|w| w == serial.as_bytes()))
            .unwrap_or("?");
        (serial.to_owned(), s)
    }

    fn closed(s: &mut TcpStream) -> bool {
        read_frame(s).map(|f| f.is_none()).unwrap_or(true)
    }

    #[test]
    fn cues_swap_the_cards_and_each_token_keeps_its_state() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let dir = std::env::temp_dir().join(format!("kiln-box-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let state_path = dir.join("state.json");
        let opts = BoxOptions {
            host: "127.0.0.1".into(),
            port: listener.local_addr().unwrap().port(),
            connect_timeout: Duration::from_secs(5),
            state_file: Some(state_path.clone()),
            swap_gap: Duration::from_millis(20),
            start_empty: false,
            rtt: Duration::ZERO,
        };
        let specs = parse_box(
            r#"["86596220000001", {"serial": "86596220000002", "offset": -40},
                {"serial": "00033", "has_seed": true}]"#,
        )
        .unwrap();
        let (cue, cues) = mpsc::channel::<String>();
        let (ack, acks) = mpsc::channel::<String>();
        let player = std::thread::spawn(move || {
            let mut out = Lines(ack, Vec::new());
            run_box(&specs, &opts, &cues, &mut out).unwrap()
        });
        let answer = |line: &str| {
            cue.send(line.to_owned()).unwrap();
            acks.recv_timeout(Duration::from_secs(5)).unwrap()
        };

        let (serial, mut s1) = accept_card(&listener);
        assert_eq!(serial, "86596220000001", "token 1 starts on the reader");
        assert_eq!(answer("next"), "ok placed 2 86596220000002");
        assert!(closed(&mut s1), "token 1 was taken off");
        let (serial, mut s2) = accept_card(&listener);
        assert_eq!(serial, "86596220000002");
        assert_eq!(answer("next"), "ok placed 3 00033");
        assert!(closed(&mut s2));
        let (serial, mut s3) = accept_card(&listener);
        assert_eq!(serial, "00033");
        assert!(answer("next").starts_with("error: no token after #3"));
        assert_eq!(answer("insert 1"), "ok placed 1 86596220000001");
        assert!(closed(&mut s3));
        let (serial, mut s1) = accept_card(&listener);
        assert_eq!(serial, "86596220000001", "token 1 is back");
        assert_eq!(answer("remove"), "ok empty");
        assert!(closed(&mut s1));
        assert!(answer("eject").starts_with("error: unknown cue"));

        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&state_path).unwrap()).unwrap();
        assert_eq!(v["box"], 3);
        assert_eq!(v["on_reader"], Value::Null);
        let t = v["tokens"].as_array().unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t[0]["serial"], "86596220000001");
        assert_eq!(t[0]["presented"], 2);
        assert_eq!(t[0]["apdus"], 2, "token 1 kept its log across turns");
        assert_eq!(t[0]["received_ins"], json!(["41", "41"]));
        assert_eq!(t[1]["index"], 2);
        assert_eq!(t[1]["apdus"], 1);
        let off = t[1]["clock_offset_ms"].as_i64().unwrap();
        assert!(
            (off + 40_000).abs() < 1000,
            "token 2 keeps its own clock: {off}"
        );
        assert_eq!(t[2]["serial"], "00033");
        assert_eq!(t[2]["holds_seed"], true);
        assert_eq!(t[0]["holds_seed"], false);
        assert!(t.iter().all(|t| t["connected"] == false));

        assert_eq!(answer("quit"), "ok quit");
        assert_eq!(player.join().unwrap(), 4);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_dropped_token_returns_by_itself_and_the_box_ends_when_no_cue_can_come() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let opts = BoxOptions {
            host: "127.0.0.1".into(),
            port: listener.local_addr().unwrap().port(),
            connect_timeout: Duration::from_secs(5),
            state_file: None,
            swap_gap: Duration::from_millis(20),
            start_empty: true,
            rtt: Duration::ZERO,
        };
        let specs =
            parse_box(r#"[{"serial": "86596220000001", "drop_before": 2, "return_after": 0.05}]"#)
                .unwrap();
        let (cue, cues) = mpsc::channel::<String>();
        let (ack, acks) = mpsc::channel::<String>();
        let player = std::thread::spawn(move || {
            let mut out = Lines(ack, Vec::new());
            run_box(&specs, &opts, &cues, &mut out).unwrap()
        });
        cue.send("next".into()).unwrap();
        assert_eq!(
            acks.recv_timeout(Duration::from_secs(5)).unwrap(),
            "ok placed 1 86596220000001"
        );
        let (_, mut s) = accept_card(&listener);
        write_frame(&mut s, &GET_INFO).unwrap();
        assert!(closed(&mut s), "the fault took the card off");
        let (serial, mut s) = accept_card(&listener);
        assert_eq!(serial, "86596220000001", "it came back by itself");
        // The cues end, then vpcd closes: the box is done.
        drop(cue);
        drop(s.shutdown(Shutdown::Both));
        assert!(closed(&mut s));
        assert_eq!(player.join().unwrap(), 3);
    }
}
