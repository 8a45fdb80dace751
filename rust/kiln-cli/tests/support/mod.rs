//! Shared by the CLI test files: running the `kiln` binary the way a user does.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsStr;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// What one run of kiln gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout followed by stderr.
    pub fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// The binary under test: `KILN_TEST_BIN` (another build, e.g. an older
/// commit's, to see a test fail) or this crate's `kiln`.
pub fn bin() -> String {
    std::env::var("KILN_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_kiln").to_owned())
}

/// Runs kiln with `args` and `stdin`, with its own settings directory (named
/// after `tag`) and no PC/SC service, whatever runs on this machine.
pub fn run(tag: &str, args: &[impl AsRef<OsStr>], stdin: &[u8]) -> Run {
    let mut child = Command::new(bin())
        .args(args)
        .env(
            "KILN_CONFIG_DIR",
            std::env::temp_dir().join(format!("kiln-{tag}-{}", std::process::id())),
        )
        .env("PCSCLITE_CSOCK_NAME", "/nonexistent/kiln-test/pcscd.comm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // kiln may stop before reading stdin (usage errors): a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A file of `tests/data`, as a path argument.
pub fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
        .display()
        .to_string()
}
