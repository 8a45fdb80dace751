//! `kiln batch` as a child process over a vpcd reader, its `--json` events read
//! line by line; an age key pair; the plaintext export of a journal; and the
//! check that no seed appears in what a run wrote.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use super::kiln;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// An age key pair made by `age-keygen`: (identity file, public key).
pub fn age_key(dir: &Path) -> (PathBuf, String) {
    let key = dir.join("batch.key");
    let out = Command::new("age-keygen")
        .arg("-o")
        .arg(&key)
        .output()
        .expect("age-keygen (the age tool) is needed for this test");
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&key).unwrap();
    let public = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_owned();
    (key, public)
}

/// A running `kiln batch`: its events as they come, its stderr at the end.
pub struct BatchRun {
    pub child: Child,
    events: mpsc::Receiver<Value>,
    /// Every stdout line, for the no-seed check.
    pub stdout_lines: Vec<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
    lines: mpsc::Receiver<String>,
}

impl BatchRun {
    pub fn start(args: &[&str]) -> BatchRun {
        let mut child = Command::new(kiln())
            .arg("batch")
            .args(args)
            .env(
                "KILN_CONFIG_DIR",
                std::env::temp_dir().join(format!("kiln-e2e-cfg-{}", std::process::id())),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout: ChildStdout = child.stdout.take().unwrap();
        let (tx, events) = mpsc::channel();
        let (ltx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = ltx.send(line.clone());
                match serde_json::from_str::<Value>(&line) {
                    Ok(v) => {
                        let _ = tx.send(v);
                    }
                    Err(e) => {
                        panic!("kiln batch --json printed a line that is no JSON ({e}): {line}")
                    }
                }
            }
        });
        let mut err = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        BatchRun {
            child,
            events,
            stdout_lines: Vec::new(),
            stderr: Some(stderr),
            lines,
        }
    }

    /// The next event (`start`, `token`, `link_lost`, `summary`), within `d`.
    pub fn event(&mut self, d: Duration) -> Value {
        let v = self
            .events
            .recv_timeout(d)
            .unwrap_or_else(|e| panic!("no event from kiln batch within {d:?} ({e})"));
        eprintln!("kiln batch: {v}");
        v
    }

    /// Waits for the end: exit code, every stdout line, stderr.
    pub fn finish(mut self, d: Duration) -> (Option<i32>, Vec<String>, String) {
        let t = std::time::Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if t.elapsed() > d {
                let _ = self.child.kill();
                panic!("kiln batch did not end within {d:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let stderr = self.stderr.take().unwrap().join().unwrap();
        let mut lines = std::mem::take(&mut self.stdout_lines);
        while let Ok(l) = self.lines.recv_timeout(Duration::from_millis(500)) {
            lines.push(l);
        }
        (status.code(), lines, stderr)
    }
}

impl Drop for BatchRun {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `kiln export --format csv --plaintext` of `journal`: serial → (seed bytes,
/// algorithm, period, marked unconfirmed).
pub fn export_csv(
    journal: &Path,
    key: &Path,
    include_unconfirmed: bool,
) -> BTreeMap<String, (Vec<u8>, String, u64)> {
    let mut cmd = Command::new(kiln());
    cmd.args(["export", "--format", "csv", "--plaintext", "--stdout"])
        .arg("--journal")
        .arg(journal)
        .arg("--identity")
        .arg(key);
    if include_unconfirmed {
        cmd.arg("--include-unconfirmed");
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut rows = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let seed = data_encoding::BASE32_NOPAD.decode(f[1].as_bytes()).unwrap();
        rows.insert(
            f[0].to_owned(),
            (seed, f[2].to_owned(), f[3].parse().unwrap()),
        );
    }
    rows
}

/// Every way a seed could be written in clear: hex (both cases), Base32
/// (padded or not, both cases).
pub fn seed_spellings(seed: &[u8]) -> Vec<String> {
    let hex = data_encoding::HEXLOWER.encode(seed);
    let b32 = data_encoding::BASE32_NOPAD.encode(seed);
    vec![
        hex.clone(),
        hex.to_uppercase(),
        b32.clone(),
        b32.to_lowercase(),
    ]
}

/// No seed of `seeds` in any file under `dir` nor in `texts`.
pub fn assert_no_plaintext_seed(seeds: &[Vec<u8>], dir: &Path, texts: &[&str]) {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            files.push((
                p.display().to_string(),
                String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned(),
            ));
        }
    }
    assert!(!files.is_empty(), "nothing in {}", dir.display());
    for seed in seeds {
        for s in seed_spellings(seed) {
            for (name, text) in &files {
                assert!(!text.contains(&s), "a seed appears in clear in {name}");
            }
            for (i, t) in texts.iter().enumerate() {
                assert!(!t.contains(&s), "a seed appears in clear in output #{i}");
            }
        }
    }
}
