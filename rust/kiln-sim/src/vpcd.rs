//! The simulated token as a card for vsmartcard's `vpcd` reader driver, so the
//! real PC/SC stack (pcscd + vpcd) can be tested end to end.
//!
//! The card side connects to vpcd over TCP (127.0.0.1:35963 is reader
//! "Virtual PCD 00 00", 35964 is "… 00 01"). Every message both ways is a
//! 2-byte big-endian length and that many bytes. A 1-byte message from vpcd is
//! a control code (0 power off, 1 power on, 2 reset, 4 get ATR); anything longer
//! is a command APDU answered with the response APDU. vpcd polls with "get ATR"
//! about every 400 ms; closing the socket means "card removed".
//!
//! The state file (`--state-file`) is how a test checks the token without the
//! seed ever leaving the simulator: it holds whether a seed is stored, the
//! codes the token computes at fixed times and at its current clock, the
//! config and the clock offset. It is rewritten after every APDU, every
//! power event and on exit.
//!
//! Several tokens taking turns on one reader: [`crate::vpcd_box`].

use crate::card::SimToken;
use crate::link::Reply;
use kiln_core::proto::StatusWord;
use kiln_core::session::{Clock, SystemClock};
use kiln_core::time::UnixMicros;
use serde_json::{json, Value};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The ATR the simulated card presents: ISO 14443-4 card without historical
/// bytes, as desktop NFC readers report an ISO-DEP tag (T=1 after negotiation).
pub const ATR: [u8; 5] = [0x3B, 0x80, 0x80, 0x01, 0x01];

/// ATR of a contact card offering only T=0 (no interface or historical bytes):
/// pcsc-lite then uses T=0, and the card answers like a T=0 contact reader
/// would (`61 XX`, data via GET RESPONSE), exercising kiln's continuation handling.
pub const ATR_T0: [u8; 2] = [0x3B, 0x00];

/// Unix times at which the state file lists the token's codes (RFC 6238's
/// test times plus a few): a test compares them with codes computed from the
/// seed it burned.
pub const FIXED_TIMES: [u64; 5] = [
    59,
    1_111_111_109,
    1_234_567_890,
    2_000_000_000,
    4_000_000_000,
];

/// Fault injection, once: the card vanishes at the Nth command APDU (1-based,
/// counted over the whole run) or at the first APDU with a given INS byte, or
/// answers the first APDU with a given INS with fixed bytes (a refusal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drop {
    /// Close the connection on receiving APDU N, without processing it.
    Before(usize),
    /// Process APDU N, then close the connection without answering.
    After(usize),
    /// Like `Before`, at the first APDU whose INS (second byte) is this.
    BeforeIns(u8),
    /// Like `After`, at the first APDU whose INS is this (e.g. `D4`: WRITE CONFIG).
    AfterIns(u8),
    /// Answer the first APDU whose INS is this with these bytes, without
    /// processing it (e.g. `C5` answered `69 83`: WRITE SEED refused). The card
    /// stays on the reader.
    AnswerIns(u8, Reply),
}

/// What a fault does to the APDU it fires at.
#[derive(Debug, PartialEq, Eq)]
enum Fires {
    DropBefore,
    DropAfter,
    Answer(Reply),
}

impl Drop {
    /// Whether this fault fires at APDU number `n` with instruction `ins`.
    fn fires(self, n: usize, ins: Option<u8>) -> Option<Fires> {
        match self {
            Drop::Before(k) if k == n => Some(Fires::DropBefore),
            Drop::After(k) if k == n => Some(Fires::DropAfter),
            Drop::BeforeIns(i) if Some(i) == ins => Some(Fires::DropBefore),
            Drop::AfterIns(i) if Some(i) == ins => Some(Fires::DropAfter),
            Drop::AnswerIns(i, r) if Some(i) == ins => Some(Fires::Answer(r)),
            _ => None,
        }
    }
}

/// How the card behaves on the vpcd connection.
#[derive(Clone, Debug)]
pub struct VpcdOptions {
    pub host: String,
    pub port: u16,
    /// How long to retry the first connection (pcscd may still be starting).
    pub connect_timeout: Duration,
    pub drop: Option<Drop>,
    /// After a drop: come back (reconnect, as a user placing the same token
    /// again) after this long; `None`: stay away and exit.
    pub return_after: Option<Duration>,
    pub state_file: Option<PathBuf>,
    /// Present the T=0 ATR and answer data responses with `61 XX` + GET RESPONSE.
    pub t0: bool,
}

/// Why the card loop stopped.
#[derive(Debug, thiserror::Error)]
pub enum VpcdError {
    #[error("cannot connect to vpcd at {addr}: {source} (is pcscd running with the vpcd driver?)")]
    Connect { addr: String, source: io::Error },
    #[error("vpcd connection: {0}")]
    Io(#[from] io::Error),
    #[error("cannot write the state file: {0}")]
    State(io::Error),
}

/// Runs the card until the reader side closes the connection (pcscd stopped)
/// or, after a drop without `return_after`, at the drop. Returns the number of
/// APDUs processed.
pub fn run(token: &mut SimToken, opts: &VpcdOptions) -> Result<usize, VpcdError> {
    let mut card = Card::new();
    let mut stream = connect(opts, opts.connect_timeout)?;
    card.note("connected");
    card.dump(token, opts, true)?;
    loop {
        match card.serve(token, &mut stream, opts)? {
            Ended::ReaderClosed => {
                card.note("reader side closed the connection");
                card.dump(token, opts, false)?;
                return Ok(card.apdus);
            }
            Ended::Dropped => {
                drop(stream);
                token.field_lost();
                card.note("dropped (card removed)");
                card.dump(token, opts, false)?;
                let Some(after) = opts.return_after else {
                    return Ok(card.apdus);
                };
                std::thread::sleep(after);
                stream = connect(opts, opts.connect_timeout)?;
                card.note("returned (same token placed again)");
                card.dump(token, opts, true)?;
            }
        }
    }
}

/// Why serving a connection stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Ended {
    /// vpcd closed the connection (pcscd stopped).
    ReaderClosed,
    /// The card's fault made it vanish.
    Dropped,
}

/// The card side of one token on the vpcd connection: what it received and
/// its fault, T=0 and power bookkeeping. Outlives a connection: a token that
/// is taken off the reader and placed again keeps its log.
pub(crate) struct Card {
    apdus: usize,
    /// The fault (if any) has fired.
    fired: bool,
    /// INS of every command APDU received, processed or not.
    received: Vec<u8>,
    events: Vec<String>,
    /// T=0: the response waiting for GET RESPONSE.
    pending: Option<Vec<u8>>,
    get_responses: usize,
}

impl Card {
    pub(crate) fn new() -> Self {
        Self {
            apdus: 0,
            fired: false,
            received: Vec::new(),
            events: Vec::new(),
            pending: None,
            get_responses: 0,
        }
    }

    /// Command APDUs received so far (over all connections).
    pub(crate) fn apdus(&self) -> usize {
        self.apdus
    }

    pub(crate) fn note(&mut self, what: &str) {
        self.events.push(what.to_owned());
    }

    fn serve(
        &mut self,
        token: &mut SimToken,
        stream: &mut TcpStream,
        opts: &VpcdOptions,
    ) -> Result<Ended, VpcdError> {
        loop {
            let Some(frame) = read_frame(stream)? else {
                return Ok(Ended::ReaderClosed);
            };
            if let Some(ended) = self.on_frame(token, stream, opts, &frame)? {
                return Ok(ended);
            }
        }
    }

    /// Handles one message from vpcd; `Some(Dropped)` when the fault made the
    /// card vanish (the caller closes the connection).
    pub(crate) fn on_frame(
        &mut self,
        token: &mut SimToken,
        stream: &mut TcpStream,
        opts: &VpcdOptions,
        frame: &[u8],
    ) -> Result<Option<Ended>, VpcdError> {
        match frame {
            [0] => {
                token.field_lost();
                self.note("power off");
            }
            [1] => self.note("power on"),
            [2] => {
                token.field_lost();
                self.note("reset");
            }
            [4] => write_frame(stream, if opts.t0 { &ATR_T0 } else { &ATR })?,
            [0x00, 0xC0, 0x00, 0x00, le] if opts.t0 => {
                // GET RESPONSE is the transport's, not the token's.
                self.get_responses += 1;
                let answer = match self.pending.take() {
                    Some(r) if r.len() == usize::from(*le) + 2 => r,
                    Some(r) => {
                        let n = u8::try_from(r.len().saturating_sub(2)).unwrap_or(0);
                        self.pending = Some(r);
                        vec![0x6C, n]
                    }
                    None => vec![0x6F, 0x00],
                };
                write_frame(stream, &answer)?;
            }
            [other] => {
                // Unknown control code: vpcd expects no answer.
                self.note(&format!("unknown control code {other:#04x}"));
            }
            apdu => {
                self.apdus += 1;
                self.received.push(apdu.get(1).copied().unwrap_or(0));
                let fault = match (self.fired, opts.drop) {
                    (false, Some(d)) => d.fires(self.apdus, apdu.get(1).copied()),
                    _ => None,
                };
                let response = match fault {
                    Some(Fires::DropBefore) => {
                        self.fired = true;
                        return Ok(Some(Ended::Dropped));
                    }
                    Some(Fires::Answer(reply)) => {
                        self.fired = true;
                        self.note(&format!(
                            "answered APDU {} (INS {:02X}) with {reply:?} without processing it",
                            self.apdus,
                            apdu.get(1).copied().unwrap_or(0)
                        ));
                        reply.as_bytes().to_vec()
                    }
                    Some(Fires::DropAfter) => {
                        token.process(apdu, SystemClock.now());
                        self.fired = true;
                        return Ok(Some(Ended::Dropped));
                    }
                    None => token.process(apdu, SystemClock.now()),
                };
                self.pending = None;
                let response = match u8::try_from(response.len().saturating_sub(2)) {
                    Ok(n) if opts.t0 && n > 0 => {
                        self.pending = Some(response);
                        vec![0x61, n]
                    }
                    _ => response,
                };
                write_frame(stream, &response)?;
                self.dump(token, opts, true)?;
            }
        }
        if matches!(frame, [0] | [2]) {
            self.dump(token, opts, true)?;
        }
        Ok(None)
    }

    fn dump(&self, token: &SimToken, opts: &VpcdOptions, connected: bool) -> Result<(), VpcdError> {
        match &opts.state_file {
            Some(path) => {
                write_atomically(path, &self.state(token, connected)).map_err(VpcdError::State)
            }
            None => Ok(()),
        }
    }

    /// The token's state as the state file shows it (never the seed).
    pub(crate) fn state(&self, token: &SimToken, connected: bool) -> Value {
        let mut v = state_json(
            token,
            SystemClock.now(),
            connected,
            self.apdus,
            &self.events,
        );
        if let Value::Object(m) = &mut v {
            m.insert("t0_get_responses".into(), json!(self.get_responses));
            m.insert(
                "received_ins".into(),
                json!(self
                    .received
                    .iter()
                    .map(|i| format!("{i:02X}"))
                    .collect::<Vec<_>>()),
            );
        }
        v
    }
}

/// The state a test may see: never the seed itself.
pub fn state_json(
    token: &SimToken,
    true_now: UnixMicros,
    connected: bool,
    apdus: usize,
    events: &[String],
) -> Value {
    let token_us = token.token_micros_at(true_now);
    let token_secs = token_us.div_euclid(1_000_000);
    let cfg = token.config();
    let code_now = u64::try_from(token_secs)
        .ok()
        .and_then(|t| token.code_at(t));
    json!({
        "serial": token.serial().to_string(),
        "sync_class": match token.sync_class() {
            kiln_core::proto::SyncClass::Restricted => "restricted",
            kiln_core::proto::SyncClass::Unrestricted => "unrestricted",
        },
        "holds_seed": token.seed().is_some(),
        "config": {
            "algorithm": cfg.hmac.to_string(),
            "period": cfg.step.seconds(),
            "display_timeout": cfg.display_timeout.seconds(),
        },
        "true_time_us": true_now,
        "token_time_us": token_us,
        "clock_offset_ms": (token_us - true_now).div_euclid(1000),
        "code_now": { "at": token_secs, "code": code_now },
        "codes": FIXED_TIMES.iter().map(|&t| json!({ "at": t, "code": token.code_at(t) })).collect::<Vec<_>>(),
        "authenticated": token.is_authenticated(),
        "locked": token.is_locked(),
        "connected": connected,
        "apdus": apdus,
        "history": token.history().iter().map(|p| json!({
            "ins": format!("{:02X}", p.ins),
            "sw": sw_hex(p.sw),
        })).collect::<Vec<_>>(),
        "events": events,
    })
}

fn sw_hex(sw: StatusWord) -> String {
    let [a, b] = sw.to_bytes();
    format!("{a:02X}{b:02X}")
}

pub(crate) fn write_atomically(path: &PathBuf, v: &Value) -> io::Result<()> {
    let mut tmp = path.clone().into_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, format!("{v:#}\n"))?;
    std::fs::rename(&tmp, path)
}

pub(crate) fn connect(opts: &VpcdOptions, timeout: Duration) -> Result<TcpStream, VpcdError> {
    let addr = format!("{}:{}", opts.host, opts.port);
    let start = Instant::now();
    loop {
        match TcpStream::connect(&addr) {
            Ok(s) => {
                s.set_nodelay(true)?;
                return Ok(s);
            }
            Err(e) if start.elapsed() < timeout => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(source) => return Err(VpcdError::Connect { addr, source }),
        }
    }
}

/// One message; `None` when the peer closed the connection.
pub(crate) fn read_frame(stream: &mut TcpStream) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 2];
    if !read_exact_or_closed(stream, &mut len)? {
        return Ok(None);
    }
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
    Ok(read_exact_or_closed(stream, &mut buf)?.then_some(buf))
}

/// Fills `buf`; `false` when the peer closed the connection first.
pub(crate) fn read_exact_or_closed(stream: &mut TcpStream, buf: &mut [u8]) -> io::Result<bool> {
    match stream.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if is_closed(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

pub(crate) fn is_closed(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
    )
}

pub(crate) fn write_frame(stream: &mut TcpStream, data: &[u8]) -> io::Result<()> {
    let len = u16::try_from(data.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame too long"))?;
    let mut msg = Vec::with_capacity(data.len() + 2);
    msg.extend_from_slice(&len.to_be_bytes());
    msg.extend_from_slice(data);
    stream.write_all(&msg)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::card::SimConfig;
    use std::net::TcpListener;

    fn frame(data: &[u8]) -> Vec<u8> {
        let mut v = (data.len() as u16).to_be_bytes().to_vec();
        v.extend_from_slice(data);
        v
    }

    fn read(s: &mut TcpStream) -> Option<Vec<u8>> {
        read_frame(s).unwrap()
    }

    /// Plays vpcd's side: ATR poll, power on, one GET INFO, power off, close.
    #[test]
    fn speaks_the_vpcd_protocol_and_writes_state() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("kiln-vpcd-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let state = dir.join("state.json");
        let opts = VpcdOptions {
            host: "127.0.0.1".into(),
            port,
            connect_timeout: Duration::from_secs(5),
            drop: None,
            return_after: None,
            state_file: Some(state.clone()),
            t0: false,
        };
        let card = std::thread::spawn(move || {
            let mut token = SimToken::new(SimConfig::default(), SystemClock.now());
            run(&mut token, &opts).unwrap()
        });
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(&frame(&[4])).unwrap();
        assert_eq!(read(&mut s).unwrap(), ATR);
        s.write_all(&frame(&[1])).unwrap();
        s.write_all(&frame(&[0x80, 0x41, 0x00, 0x00, 0x02, 0x02, 0x11]))
            .unwrap();
        let info = read(&mut s).unwrap();
        assert_eq!(info[info.len() - 2..], [0x90, 0x00]);
        // An unknown instruction is refused, not answered with data.
        s.write_all(&frame(&[0x00, 0xA4, 0x04, 0x00])).unwrap();
        assert_eq!(read(&mut s).unwrap(), vec![0x6E, 0x00]);
        s.write_all(&frame(&[0])).unwrap();
        drop(s);
        assert_eq!(card.join().unwrap(), 2);
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
        assert_eq!(v["serial"], "86596220000001");
        assert_eq!(v["holds_seed"], false);
        assert_eq!(v["apdus"], 2);
        assert_eq!(v["connected"], false);
        assert!(v["clock_offset_ms"].as_i64().unwrap().abs() < 1000);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn drop_after_processes_but_does_not_answer() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let opts = VpcdOptions {
            host: "127.0.0.1".into(),
            port,
            connect_timeout: Duration::from_secs(5),
            drop: Some(Drop::After(1)),
            return_after: None,
            state_file: None,
            t0: false,
        };
        let card = std::thread::spawn(move || {
            let mut token = SimToken::new(SimConfig::default(), SystemClock.now());
            let n = run(&mut token, &opts).unwrap();
            (n, token.history().len())
        });
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(&frame(&[0x80, 0x41, 0x00, 0x00, 0x02, 0x02, 0x11]))
            .unwrap();
        assert_eq!(read(&mut s), None, "the card must vanish without answering");
        assert_eq!(card.join().unwrap(), (1, 1));
    }

    #[test]
    fn t0_mode_answers_61xx_and_serves_get_response() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let opts = VpcdOptions {
            host: "127.0.0.1".into(),
            port,
            connect_timeout: Duration::from_secs(5),
            drop: None,
            return_after: None,
            state_file: None,
            t0: true,
        };
        let card = std::thread::spawn(move || {
            let mut token = SimToken::new(SimConfig::default(), SystemClock.now());
            run(&mut token, &opts).unwrap()
        });
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(&frame(&[4])).unwrap();
        assert_eq!(read(&mut s).unwrap(), ATR_T0);
        s.write_all(&frame(&[0x80, 0x41, 0x00, 0x00, 0x02, 0x02, 0x11]))
            .unwrap();
        let sw = read(&mut s).unwrap();
        assert_eq!(sw[0], 0x61);
        // Wrong Le: 6C with the right length, data kept.
        s.write_all(&frame(&[0x00, 0xC0, 0x00, 0x00, 0x01]))
            .unwrap();
        assert_eq!(read(&mut s).unwrap(), vec![0x6C, sw[1]]);
        s.write_all(&frame(&[0x00, 0xC0, 0x00, 0x00, sw[1]]))
            .unwrap();
        let data = read(&mut s).unwrap();
        assert_eq!(data.len(), usize::from(sw[1]) + 2);
        assert_eq!(data[data.len() - 2..], [0x90, 0x00]);
        drop(s);
        assert_eq!(card.join().unwrap(), 1);
    }

    #[test]
    fn drop_by_instruction_fires_once_at_the_first_match() {
        assert_eq!(
            Drop::AfterIns(0xD4).fires(7, Some(0xD4)),
            Some(Fires::DropAfter)
        );
        assert_eq!(Drop::AfterIns(0xD4).fires(7, Some(0x41)), None);
        assert_eq!(
            Drop::BeforeIns(0xC5).fires(1, Some(0xC5)),
            Some(Fires::DropBefore)
        );
        assert_eq!(Drop::Before(3).fires(3, None), Some(Fires::DropBefore));
        assert_eq!(Drop::After(3).fires(2, Some(0x41)), None);
        let refuse = Reply::sw(0x6983);
        assert_eq!(
            Drop::AnswerIns(0xC5, refuse).fires(5, Some(0xC5)),
            Some(Fires::Answer(refuse))
        );
        assert_eq!(Drop::AnswerIns(0xC5, refuse).fires(5, Some(0xD4)), None);
    }

    #[test]
    fn the_state_never_holds_the_seed() {
        let seed: Vec<u8> = (1..=20).map(|i| i * 11).collect();
        let cfg = SimConfig {
            initial_seed: Some(seed.clone()),
            ..SimConfig::default()
        };
        let token = SimToken::new(cfg, 1_800_000_000_000_000);
        let v = state_json(&token, 1_800_000_000_000_000, true, 0, &[]);
        assert_eq!(v["holds_seed"], true);
        assert_eq!(v["codes"].as_array().unwrap().len(), FIXED_TIMES.len());
        assert!(v["code_now"]["code"].is_string());
        let text = v.to_string();
        let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
        let bytes_list = format!("{:?}", seed).replace(' ', "");
        for needle in [hex.clone(), hex.to_uppercase(), bytes_list] {
            assert!(!text.contains(&needle[..12]), "seed material in {text}");
        }
    }
}
