//! `kiln batch` SIGKILLed mid-burn over the real PC/SC stack, at three points
//! of a token's burn: the link drops (the box's fault) before WRITE SEED is
//! processed, after WRITE CONFIG was processed, and after WRITE SEED was
//! processed; kiln reports the lost link (`link_lost`), waits for the same
//! token, and is killed there. After each kill the journal (export with
//! `--include-unconfirmed`) yields the seed the token holds, and `kiln batch`
//! started again on the same journal finishes that token with that seed.
//! SIGTERM while it waits for a token ends it with the summary (exit 130).
//! Needs pcscd with vpcd: `scripts/pcsc-e2e.sh` runs it.
#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod pcsc_common;
use pcsc_common::batch_run::{age_key, assert_no_plaintext_seed, export_csv, BatchRun};
use pcsc_common::*;

use kiln_core::params::Algorithm;
use kiln_core::totp;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// Three tokens, each cut at another point of its burn.
const BOX: &str = r#"[
  {"serial": "86596220000101", "drop_before_ins": "C5"},
  {"serial": "86596120000102", "drop_after_ins": "D4"},
  {"serial": "86596010000103", "drop_after_ins": "C5"}
]"#;

fn start(journal: &Path, public: &str, key: &Path) -> BatchRun {
    BatchRun::start(&[
        "--generate",
        "--journal",
        journal.to_str().unwrap(),
        "--recipient",
        public,
        "--identity",
        key.to_str().unwrap(),
        "--reader",
        R0,
        "--trust-clock",
        "--count",
        "1",
        "--json",
    ])
}

/// Events until one of `kind`.
fn until(run: &mut BatchRun, kind: &str) -> Value {
    loop {
        let ev = run.event(Duration::from_secs(60));
        if ev["event"] == kind {
            return ev;
        }
        assert_ne!(ev["event"], "summary", "ended before {kind}: {ev}");
    }
}

fn codes_are(token: &Value, seed: &[u8]) {
    assert_eq!(token["holds_seed"], true, "{token}");
    for c in token["codes"].as_array().unwrap() {
        let at = c["at"].as_u64().unwrap();
        let want = totp::format_code(totp::code(seed, Algorithm::Sha1, 6, 30, at).unwrap(), 6);
        assert_eq!(
            c["code"].as_str().unwrap(),
            want,
            "{} at {at}",
            token["serial"]
        );
    }
}

#[test]
#[ignore = "needs pcscd with vpcd: run scripts/pcsc-e2e.sh"]
fn a_batch_killed_mid_burn_loses_no_seed_and_finishes_on_restart() {
    let dir = tempdir("batch-kill");
    let (key, public) = age_key(&dir.0);
    let journal = dir.0.join("box-kill");
    let mut tokens = TokenBox::attach(R0, BOX, &[]);
    let mut outputs = Vec::new();
    for k in 1..=3usize {
        let serial = tokens.state()["tokens"][k - 1]["serial"]
            .as_str()
            .unwrap()
            .to_owned();
        if k > 1 {
            assert!(tokens.cue(&format!("insert {k}")).starts_with("ok placed"));
        }
        // The burn is cut; kiln waits for the same token: kill it there.
        let mut run = start(&journal, &public, &key);
        let lost = until(&mut run, "link_lost");
        assert_eq!(lost["waiting_for"], serial.as_str());
        run.child.kill().unwrap(); // SIGKILL
        let (_, lines, stderr) = run.finish(Duration::from_secs(10));
        outputs.push(lines.join("\n"));
        outputs.push(stderr);

        // The journal yields the seed the token holds (if it holds one).
        let rows = export_csv(&journal, &key, true);
        let journalled = rows.get(&serial).map(|r| r.0.clone());
        let t = tokens.token(&serial);
        eprintln!(
            "token {k} ({serial}) after the kill: holds a seed: {}, journalled: {}",
            t["holds_seed"],
            journalled.is_some()
        );
        let journalled = journalled.expect("the seed is journalled before the burn starts");
        if t["holds_seed"] == true {
            codes_are(&t, &journalled);
        }

        // Restarted on the same journal, the batch finishes the token with it.
        assert!(tokens.cue(&format!("insert {k}")).starts_with("ok placed"));
        let mut run = start(&journal, &public, &key);
        let begin = until(&mut run, "start");
        assert!(
            begin["unconfirmed"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s == serial.as_str()),
            "{begin}"
        );
        let ev = until(&mut run, "token");
        assert_eq!(ev["serial"], serial.as_str());
        assert_eq!(ev["result"], "finished", "{ev}");
        let summary = until(&mut run, "summary");
        assert_eq!(summary["tally"]["to_retap"], 0, "{summary}");
        let (code, lines, stderr) = run.finish(Duration::from_secs(10));
        assert_eq!(code, Some(0), "{stderr}");
        outputs.push(lines.join("\n"));
        outputs.push(stderr);
        codes_are(&tokens.token(&serial), &journalled);
        let confirmed = export_csv(&journal, &key, false);
        assert_eq!(confirmed.get(&serial).map(|r| &r.0), Some(&journalled));
    }
    // SIGTERM while the batch waits for the next token: it stops, says so, exits 130.
    assert_eq!(tokens.cue("remove"), "ok empty");
    let mut run = start(&journal, &public, &key);
    until(&mut run, "start");
    std::thread::sleep(Duration::from_millis(500));
    let term = std::process::Command::new("kill")
        .args(["-TERM", &run.child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let summary = until(&mut run, "summary");
    assert_eq!(summary["stopped"], "interrupted", "{summary}");
    let (code, _, _) = run.finish(Duration::from_secs(10));
    assert_eq!(code, Some(130));

    let rows = export_csv(&journal, &key, true);
    assert_eq!(rows.len(), 3);
    let seeds: Vec<Vec<u8>> = rows.values().map(|r| r.0.clone()).collect();
    let texts: Vec<&str> = outputs.iter().map(String::as_str).collect();
    assert_no_plaintext_seed(&seeds, &journal, &texts);
}
