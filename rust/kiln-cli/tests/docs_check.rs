//! The docs check: the example commands of README.md and docs/cli.md that need no
//! reader are run against the simulator and compared with what the documents show,
//! as far as a simulated run can be compared with a captured reader session:
//!
//! - every `$ kiln …` line of a transcript (except `kiln readers` and commands with
//!   `--reader`, which need a reader or a reader-side fault) runs with `--sim` (and the
//!   transcript's serial and clock offset); its exit code must be the documented one
//!   (`(exit N)`, else 0);
//! - the labels of the documented output lines (`Token`, `Drift`, `→ WRITE SEED`, …)
//!   must appear in the simulated output in the same order; `[…]` marks shortened parts;
//! - `kiln verify --code C` runs at the time the transcript's burn listed C, so the
//!   documented codes must be the acme seed's codes;
//! - a documented JSON object must have exactly the keys the command prints;
//! - the keys the `--json` section of docs/cli.md lists must be in the objects;
//! - the README's first command and its `--sim-*` examples must succeed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap()
}

/// The link the transcripts' acme.txt holds (from the script that captured them).
fn acme() -> String {
    let script = read("scripts/demo-session.sh");
    let line = script.lines().find(|l| l.starts_with("URI='")).unwrap();
    line.trim_start_matches("URI='")
        .trim_end_matches('\'')
        .to_owned()
}

fn kiln(args: &[String], stdin: &str) -> (i32, String, String) {
    let r = support::run("docs-check", args, stdin.as_bytes());
    (r.code, r.stdout, r.stderr)
}

/// One documented command and what the document shows for it.
struct Example {
    command: String,
    output: Vec<String>,
    exit: i32,
}

/// The `$ kiln …` commands of every fenced block of `md`, grouped by block.
fn transcripts(md: &str) -> Vec<Vec<Example>> {
    let mut blocks = Vec::new();
    let mut in_block = false;
    let mut cur: Vec<Example> = Vec::new();
    for line in md.lines() {
        if line.starts_with("```") {
            if in_block && !cur.is_empty() {
                blocks.push(std::mem::take(&mut cur));
            }
            in_block = !in_block;
            continue;
        }
        if !in_block {
            continue;
        }
        if let Some(cmd) = line.strip_prefix("$ ") {
            cur.push(Example {
                command: cmd.to_owned(),
                output: Vec::new(),
                exit: 0,
            });
        } else if let Some(ex) = cur.last_mut() {
            if let Some(n) = line
                .strip_prefix("(exit ")
                .and_then(|r| r.strip_suffix(')'))
            {
                ex.exit = n.parse().unwrap();
            } else if !line.trim().is_empty() {
                ex.output.push(line.to_owned());
            }
        }
    }
    blocks
}

/// Splits a documented command line into words (single quotes; `#` starts a comment).
fn words(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in cmd.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            '#' if !quoted && cur.is_empty() => break,
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// The label of an output line: `→ COMMAND` for exchanges, else its first word.
fn label(line: &str) -> Option<String> {
    let t = line.trim();
    if t.starts_with("[…") || t.starts_with('{') || t.starts_with("kiln: note:") {
        return None;
    }
    if let Some(rest) = t.strip_prefix("→ ") {
        let cmd: Vec<&str> = rest
            .split_whitespace()
            .take_while(|w| w.chars().all(|c| c.is_ascii_uppercase()))
            .collect();
        return Some(format!("→ {}", cmd.join(" ")));
    }
    // Digits vary between runs (times, codes): `07:35:00–07:35:30` → `##:##:##–##:##:##`.
    t.split_whitespace().next().map(|w| {
        w.chars()
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect()
    })
}

/// The labels of `lines`, with repeats of one exchange collapsed (how many GET INFO a
/// measurement or confirmation takes depends on timing).
fn labels(lines: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in lines.iter().filter_map(|l| label(l)) {
        if !(l.starts_with('→') && out.last() == Some(&l)) {
            out.push(l);
        }
    }
    out
}

/// The documented lines, cut at each `[…]` marker, must appear in `got` in order,
/// each run of lines between markers contiguously (so no line is dropped silently).
/// Returns the first run that does not.
fn missing_in_order(doc: &[String], got: &[String]) -> Option<String> {
    let got = labels(got);
    let mut from = 0;
    for run in doc.split(|l| l.trim().starts_with("[…")) {
        let want = labels(run);
        if want.is_empty() {
            continue;
        }
        let at = (from..=got.len().saturating_sub(want.len()))
            .find(|&i| got.get(i..i + want.len()) == Some(&want[..]));
        match at {
            Some(i) => from = i + want.len(),
            None => return Some(want.join(" / ")),
        }
    }
    None
}

/// `07:35:30` on the date of `2026-11-22 …` → Unix seconds.
fn unix(date: &str, hms: &str) -> u64 {
    let d: Vec<i64> = date.split('-').map(|x| x.parse().unwrap()).collect();
    let t: Vec<i64> = hms.split(':').map(|x| x.parse().unwrap()).collect();
    // Days from civil (proleptic Gregorian).
    let (y, m) = if d[1] <= 2 {
        (d[0] - 1, d[1] + 9)
    } else {
        (d[0], d[1] - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d[2] - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + t[0] * 3600 + t[1] * 60 + t[2]).unwrap()
}

/// Runs every example of one transcript block; returns the problems found.
fn check_block(block: &[Example], doc: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let all: Vec<&String> = block.iter().flat_map(|e| &e.output).collect();
    let serial = all
        .iter()
        .find_map(|l| l.trim().strip_prefix("Token").map(|s| s.trim().to_owned()));
    let offset = all.iter().find_map(|l| {
        let d = l.trim().strip_prefix("Drift")?.trim();
        d.split_whitespace().next()?.parse::<f64>().ok()
    });
    let burn_date = all.iter().find_map(|l| {
        let w = l.trim().strip_prefix("Wrote   clock ")?;
        Some(w.split_whitespace().next()?.to_owned())
    });
    let mut verify_at: Option<u64> = None;
    for ex in block {
        let mut args = words(&ex.command);
        assert_eq!(
            args.first().map(String::as_str),
            Some("kiln"),
            "{doc}: {}",
            ex.command
        );
        args.remove(0);
        let stdin = match args.iter().position(|a| a == "<") {
            Some(i) => {
                assert_eq!(args[i + 1], "acme.txt", "{doc}: {}", ex.command);
                args.truncate(i);
                acme()
            }
            None => String::new(),
        };
        let cmd = args
            .iter()
            .find(|a| !a.starts_with('-'))
            .cloned()
            .unwrap_or_default();
        if cmd == "readers" || args.iter().any(|a| a == "--reader") {
            continue; // needs a reader (or a reader-side fault)
        }
        if ["info", "burn", "sync"].contains(&cmd.as_str()) {
            args.push("--sim".into());
            if let Some(s) = &serial {
                args.extend(["--sim-serial".into(), s.clone()]);
            }
            if let Some(o) = offset {
                args.push(format!("--sim-offset={o}"));
            }
        }
        if cmd == "sync" {
            // Simulated burns are not remembered: give the settings the burn wrote.
            args.extend([
                "--algorithm".into(),
                "SHA1".into(),
                "--period".into(),
                "30".into(),
            ]);
        }
        if cmd == "verify" {
            let code = args
                .iter()
                .position(|a| a == "--code")
                .map(|i| args[i + 1].clone());
            let row = code.as_ref().and_then(|c| {
                all.iter()
                    .find(|l| l.trim().ends_with(&format!("  {c}")) && l.contains('–'))
            });
            if let (Some(row), Some(date)) = (row, &burn_date) {
                let from = row.trim().split('–').next().unwrap().to_owned();
                verify_at = Some(unix(date, &from) + 15);
            }
            match verify_at {
                Some(at) => args.extend(["--at".into(), at.to_string()]),
                None => problems.push(format!(
                    "{doc}: `{}`: no expected-codes row shows this code",
                    ex.command
                )),
            }
        }
        let (code, out, err) = kiln(&args, &stdin);
        let shown = format!("kiln {}", args.join(" "));
        if code != ex.exit {
            problems.push(format!(
                "{doc}: `{}` documents exit {} but `{shown}` exits {code}:\n{out}{err}",
                ex.command, ex.exit
            ));
            continue;
        }
        let got: Vec<String> = out.lines().chain(err.lines()).map(str::to_owned).collect();
        if let Some(w) = missing_in_order(&ex.output, &got) {
            problems.push(format!(
                "{doc}: `{}`: the documented lines [{w}] do not follow one another in `{shown}` \
                 (mark left-out output with […]):\n{out}{err}",
                ex.command
            ));
        }
        for doc_json in ex.output.iter().filter(|l| l.trim_start().starts_with('{')) {
            let want: Value = serde_json::from_str(doc_json).unwrap();
            let have: Value = serde_json::from_str(out.trim()).unwrap();
            let keys = |v: &Value| {
                v.as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect::<BTreeSet<_>>()
            };
            // Present only when kiln remembered the token (never for a simulated one).
            let optional = BTreeSet::from(["settings_written_at".to_owned()]);
            let (w, h) = (keys(&want), keys(&have));
            let undocumented: Vec<_> = h.difference(&w).collect();
            let gone: Vec<_> = w
                .difference(&h)
                .filter(|k| !optional.contains(*k))
                .collect();
            if !undocumented.is_empty() || !gone.is_empty() {
                problems.push(format!(
                    "{doc}: `{}`: keys printed but not documented {undocumented:?}, documented but not printed {gone:?}",
                    ex.command
                ));
            }
        }
    }
    problems
}

#[test]
fn transcripts_match_the_simulator() {
    let mut problems = Vec::new();
    let mut ran = 0;
    for doc in ["README.md", "docs/cli.md"] {
        for block in transcripts(&read(doc)) {
            ran += block.len();
            problems.extend(check_block(&block, doc));
        }
    }
    assert!(ran >= 10, "only {ran} documented commands found");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn the_readme_first_command_and_sim_options_work() {
    let readme = read("README.md");
    // "echo 'LINK' \ | cargo run … -- burn --sim": the link and the kiln arguments.
    let start = readme.find("# Run the main job").unwrap();
    let cmd: String = readme[start..]
        .lines()
        .skip(1)
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let link = cmd.split('\'').nth(1).unwrap().to_owned();
    let args: Vec<String> = cmd
        .split(" -- ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert_eq!(args, ["burn", "--sim"]);
    let (code, out, err) = kiln(&args, &link);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Expected codes"), "{out}");
    // "Without hardware, add `--sim` …": each `--sim-…` example burns.
    let para = readme
        .split("\n\n")
        .find(|p| p.starts_with("Without hardware, add `--sim`"))
        .unwrap();
    let examples: Vec<&str> = para
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| s.starts_with("--sim-"))
        .collect();
    assert!(examples.len() >= 3, "{para}");
    for e in examples {
        let mut args = vec!["burn".to_owned(), "--sim".to_owned()];
        args.extend(e.split_whitespace().map(str::to_owned));
        let (code, out, err) = kiln(&args, &acme());
        assert_eq!(code, 0, "`kiln {}`: {out}{err}", args.join(" "));
    }
}

/// The backticked words of `text` that look like JSON keys.
fn keys_in(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .flat_map(|s| s.split([',', ' ']))
        .map(|k| k.trim().trim_end_matches(':'))
        .filter(|k| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_json_keys_cli_md_lists_are_printed() {
    let md = read("docs/cli.md");
    let section = md
        .split("## `--json`")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let table: Vec<String> = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .flat_map(|l| keys_in(l.split('|').nth(1).unwrap()))
        .collect();
    assert!(table.len() >= 10, "{table:?}");
    let para = section
        .split("\n\n")
        .find(|p| p.starts_with("Burn adds"))
        .unwrap();
    let burn_keys = keys_in(para.split("Failed sessions add").next().unwrap());
    let failure_keys = keys_in(
        para.split("Failed sessions add")
            .nth(1)
            .unwrap()
            .split("`kiln readers")
            .next()
            .unwrap(),
    );
    let json = |args: &[&str], stdin: &str| -> Value {
        let mut a = vec!["--json".to_owned()];
        a.extend(args.iter().map(|s| (*s).to_owned()));
        let (_, out, _) = kiln(&a, stdin);
        serde_json::from_str(out.lines().last().unwrap()).unwrap()
    };
    let burned = json(&["burn", "--sim"], &acme());
    let failed = json(&["burn", "--sim", "--sim-drop-after", "4"], &acme());
    let objects = [
        ("burn", burned.clone()),
        ("failed burn", failed.clone()),
        ("info", json(&["info", "--sim"], "")),
        ("inspect", json(&["inspect"], &acme())),
        ("codes", json(&["codes"], "")),
        ("readers", json(&["readers"], "")),
    ];
    for (what, v) in &objects {
        for k in &table {
            assert!(
                v.get(k).is_some(),
                "docs/cli.md lists `{k}` for every object; {what} lacks it: {v}"
            );
        }
    }
    for k in &burn_keys {
        assert!(
            burned.get(k).is_some(),
            "burn lacks documented `{k}`: {burned}"
        );
    }
    for k in &failure_keys {
        assert!(
            failed.get(k).is_some(),
            "a failed burn lacks documented `{k}`: {failed}"
        );
    }
    assert!(
        burn_keys.contains(&"secret_base32".to_owned()),
        "{burn_keys:?}"
    );
    assert!(
        failure_keys.contains(&"token_state".to_owned()),
        "{failure_keys:?}"
    );
}
