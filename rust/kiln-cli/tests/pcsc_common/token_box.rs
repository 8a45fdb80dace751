//! A box of simulated tokens on one vpcd reader (`kiln-sim vpcd --box`), for
//! tests that play several tokens one after another: cue lines go to the
//! simulator's stdin, each is answered by one line on its stdout.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use super::{kiln_sim, port, tempdir, wait_reader, TempDir};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

pub struct TokenBox {
    pub child: Child,
    pub state: PathBuf,
    pub reader: &'static str,
    cues: ChildStdin,
    answers: BufReader<ChildStdout>,
    _dir: TempDir,
}

impl TokenBox {
    /// Puts the box `box_json` (the box file's text) on `reader` with token 1
    /// on it, and waits until PC/SC reports the card. `args`: more options of
    /// `kiln-sim vpcd` (e.g. `--start-empty`: then nothing is waited for).
    pub fn attach(reader: &'static str, box_json: &str, args: &[&str]) -> TokenBox {
        wait_reader(reader, false, Duration::from_secs(10));
        // The reconnect gotcha (docs/pcsc-testing.md): never re-attach at once.
        std::thread::sleep(Duration::from_millis(1100));
        let dir = tempdir("box");
        let state = dir.0.join("state.json");
        let file = dir.0.join("box.json");
        std::fs::write(&file, box_json).unwrap();
        let mut child = Command::new(kiln_sim())
            .arg("vpcd")
            .args(["--port", &port(reader).to_string()])
            .arg("--box")
            .arg(&file)
            .arg("--state-file")
            .arg(&state)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let cues = child.stdin.take().unwrap();
        let answers = BufReader::new(child.stdout.take().unwrap());
        if !args.contains(&"--start-empty") {
            wait_reader(reader, true, Duration::from_secs(10));
        }
        TokenBox {
            child,
            state,
            reader,
            cues,
            answers,
            _dir: dir,
        }
    }

    /// Sends one cue (`next`, `insert K`, `remove`) and returns the answer
    /// line (`ok placed K SERIAL`, `ok empty`, `error: …`). The answer comes
    /// once the card side is done; PC/SC sees the change at its next poll, so
    /// wait for the reader ([`TokenBox::cue_and_wait`]) before using it.
    pub fn cue(&mut self, cue: &str) -> String {
        writeln!(self.cues, "{cue}").unwrap();
        self.cues.flush().unwrap();
        let mut line = String::new();
        self.answers.read_line(&mut line).unwrap();
        assert!(!line.is_empty(), "kiln-sim ended without answering {cue:?}");
        line.trim_end().to_owned()
    }

    /// [`TokenBox::cue`], then waits until PC/SC reports the reader's new
    /// state (a card after `ok placed`, empty after `ok empty`).
    pub fn cue_and_wait(&mut self, cue: &str) -> String {
        let answer = self.cue(cue);
        if answer.starts_with("ok placed") {
            wait_reader(self.reader, true, Duration::from_secs(10));
        } else if answer == "ok empty" {
            wait_reader(self.reader, false, Duration::from_secs(10));
        }
        answer
    }

    /// The box's state file: `on_reader`, `events`, and `tokens` (each with the
    /// single-token state file's keys plus `index`, `presented`, `on_reader`).
    pub fn state(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(&self.state).unwrap()).unwrap()
    }

    /// The state of the token with this serial.
    pub fn token(&self, serial: &str) -> Value {
        let st = self.state();
        st["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["serial"] == serial)
            .unwrap_or_else(|| panic!("no token {serial} in the box: {st}"))
            .clone()
    }
}

impl Drop for TokenBox {
    fn drop(&mut self) {
        // `quit` takes the card off and ends the simulator; kill it if it does not.
        let _ = writeln!(self.cues, "quit");
        let _ = self.cues.flush();
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(3) {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        wait_reader(self.reader, false, Duration::from_secs(5));
    }
}
