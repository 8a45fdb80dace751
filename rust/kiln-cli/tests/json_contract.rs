//! The `--json` contract (docs/cli-json.md): every command, on its success and
//! failure paths, prints exactly one JSON object on stdout (`qr decode`: one per
//! file, then a summary), and every object validates against
//! docs/cli-json.schema.json: the contract keys, plus the command's own keys.
//!
//! The schema uses a small subset of JSON Schema, checked by `validate` below:
//! `type`, `enum`, `const`, `required`, `properties`, `items`, `minLength`,
//! `allOf`, `anyOf`, `if`/`then`/`else` and local `$ref`s.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use serde_json::Value;
use std::path::PathBuf;
use support::Run;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn schema() -> Value {
    let text = std::fs::read_to_string(root().join("docs/cli-json.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn type_ok(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        other => panic!("schema type {other} not supported"),
    }
}

/// Checks `v` against `s` (resolving `$ref`s in `root`), pushing one line per violation.
fn validate(v: &Value, s: &Value, root: &Value, path: &str, errs: &mut Vec<String>) {
    let Some(s) = s.as_object() else { return };
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/").expect("only local $defs refs");
        validate(v, &root["$defs"][name], root, path, errs);
    }
    if let Some(t) = s.get("type") {
        let ok = match t {
            Value::String(t) => type_ok(v, t),
            Value::Array(ts) => ts.iter().any(|t| type_ok(v, t.as_str().unwrap())),
            _ => panic!("bad type in schema"),
        };
        if !ok {
            errs.push(format!("{path}: {v} is not of type {t}"));
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errs.push(format!(
                "{path}: {v} is not one of {}",
                Value::Array(e.clone())
            ));
        }
    }
    if let Some(c) = s.get("const") {
        if c != v {
            errs.push(format!("{path}: {v} is not {c}"));
        }
    }
    if let (Some(n), Some(text)) = (s.get("minLength").and_then(Value::as_u64), v.as_str()) {
        if (text.chars().count() as u64) < n {
            errs.push(format!("{path}: {v:?} is shorter than {n}"));
        }
    }
    if let (Some(req), Some(o)) = (s.get("required").and_then(Value::as_array), v.as_object()) {
        for k in req {
            if !o.contains_key(k.as_str().unwrap()) {
                errs.push(format!("{path}: key {k} missing"));
            }
        }
    }
    if let (Some(props), Some(o)) = (
        s.get("properties").and_then(Value::as_object),
        v.as_object(),
    ) {
        for (k, ps) in props {
            if let Some(x) = o.get(k) {
                validate(x, ps, root, &format!("{path}.{k}"), errs);
            }
        }
    }
    if let (Some(items), Some(a)) = (s.get("items"), v.as_array()) {
        for (i, x) in a.iter().enumerate() {
            validate(x, items, root, &format!("{path}[{i}]"), errs);
        }
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        for sub in all {
            validate(v, sub, root, path, errs);
        }
    }
    if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
        let passes = any.iter().any(|sub| {
            let mut e = Vec::new();
            validate(v, sub, root, path, &mut e);
            e.is_empty()
        });
        if !passes {
            errs.push(format!("{path}: {v} matches none of anyOf"));
        }
    }
    if let Some(cond) = s.get("if") {
        let mut e = Vec::new();
        validate(v, cond, root, path, &mut e);
        let branch = if e.is_empty() {
            s.get("then")
        } else {
            s.get("else")
        };
        if let Some(b) = branch {
            validate(v, b, root, path, errs);
        }
    }
}

fn kiln(args: &[&str], stdin: &[u8]) -> Run {
    support::run("json-contract", args, stdin)
}

/// Runs `kiln --json ARGS`, checks its exit code, that stdout holds exactly
/// `objects` JSON objects (one a line), and validates each against the contract
/// and `defs[i]` (the command's own part of the schema; "" for none).
fn check(args: &[&str], stdin: &[u8], exit: i32, defs: &[&str]) -> Vec<Value> {
    let schema = schema();
    let mut full = vec!["--json"];
    full.extend_from_slice(args);
    let r = kiln(&full, stdin);
    let what = format!("kiln {}", full.join(" "));
    assert_eq!(
        r.code, exit,
        "{what}\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        defs.len(),
        "{what}: expected {} JSON line(s) on stdout, got:\n{}\nstderr: {}",
        defs.len(),
        r.stdout,
        r.stderr
    );
    let mut objects = Vec::new();
    for (line, def) in lines.iter().zip(defs) {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {line}"));
        assert!(v.is_object(), "{what}: not an object: {line}");
        let mut errs = Vec::new();
        validate(&v, &schema, &schema, "$", &mut errs);
        if !def.is_empty() {
            assert!(
                schema["$defs"].get(*def).is_some(),
                "no $defs/{def} in the schema"
            );
            validate(&v, &schema["$defs"][*def], &schema, "$", &mut errs);
        }
        assert!(errs.is_empty(), "{what}: {line}\n{}", errs.join("\n"));
        objects.push(v);
    }
    // The run's object (the last; for `qr decode` the summary) has its exit code.
    assert_eq!(objects.last().unwrap()["exit_code"], exit, "{what}");
    // The one object's error is the sentence the text output gives on stderr.
    if let Some(last) = objects.last() {
        if let Some(e) = last["error"].as_str() {
            let first = e.split("; ").next().unwrap_or(e);
            assert!(
                r.stderr.contains(first) || r.stdout.contains(first),
                "{what}: error {e:?} is not what the text says:\n{}",
                r.stderr
            );
            assert!(!e.contains("see stderr"), "{what}: {e}");
        }
    }
    objects
}

const LINK: &str = "otpauth://totp/Example:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example";
const B32: &[u8] = b"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn qr(name: &str) -> String {
    support::data(name)
}

#[test]
fn bad_stdin_gives_one_object_with_the_exit_code_unchanged() {
    let big = vec![b'A'; 64 * 1024 + 10];
    for cmd in [
        &["inspect"][..],
        &["codes"],
        &["diagnose", "123456"],
        &["verify", "--code", "123456"],
        &["burn", "--sim"],
    ] {
        for (stdin, why) in [
            (&b""[..], "nothing was entered"),
            (&b"\xff\xfe\x00"[..], "not UTF-8"),
            (&big[..], "larger than"),
        ] {
            let v = check(cmd, stdin, 3, &[""]);
            let e = v[0]["error"].as_str().unwrap();
            assert!(e.contains(why), "{cmd:?}: {e}");
            assert_eq!(v[0]["ok"], false);
        }
    }
    // `--json` after the command name works the same.
    let r = kiln(&["inspect", "--json"], b"");
    assert_eq!(r.code, 3, "{}", r.stderr);
    let v: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["error"], "nothing was entered");
}

#[test]
fn seed_commands_keep_the_contract() {
    let v = check(&["inspect"], LINK.as_bytes(), 0, &["inspect"]);
    assert_eq!(v[0]["algorithm"], "SHA1");
    check(&["inspect"], b"not a seed!", 3, &["inspect"]);
    check(&["inspect"], b"123456", 3, &["inspect"]);
    check(
        &["inspect"],
        b"otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&algorithm=SHA512",
        3,
        &["inspect"],
    );
    let v = check(&["codes", "--at", "59"], B32, 0, &["codes"]);
    assert_eq!(v[0]["current"], "287082");
    check(&["codes"], b"123456\n", 3, &[""]);
    check(&["diagnose", "287082", "--at", "59"], B32, 0, &["diagnose"]);
    let v = check(&["diagnose", "000000", "--at", "59"], B32, 7, &["diagnose"]);
    assert_eq!(v[0]["error"].as_str().unwrap(), {
        let s = v[0]["sentence"].as_str().unwrap();
        let mut c = s.chars();
        let first = c.next().unwrap().to_uppercase().collect::<String>();
        format!("{first}{}.", c.as_str())
    });
    check(&["diagnose", "12"], B32, 2, &[""]);
    check(&["diagnose", "12"], b"", 3, &[""]);
    check(
        &["verify", "--code", "287082", "--at", "59"],
        B32,
        0,
        &["diagnose"],
    );
    check(&["verify"], B32, 2, &[""]);
    check(
        &["verify", "--code", "111111", "--at", "59"],
        B32,
        7,
        &["diagnose"],
    );
}

#[test]
fn burn_keeps_the_contract_on_every_path() {
    let v = check(&["burn", "--sim"], LINK.as_bytes(), 0, &["burn"]);
    assert_eq!(v[0]["token_state"], "written");
    assert_eq!(v[0]["secret_base32"], Value::Null);
    assert_eq!(v[0]["expected_codes_clock"], "utc");
    let v = check(
        &["burn", "--sim", "--no-sync", "--sim-offset", "42"],
        LINK.as_bytes(),
        0,
        &["burn"],
    );
    assert_eq!(v[0]["expected_codes_clock"], "token");
    let kept = v[0]["clock_kept_drift_ms"].as_f64().unwrap();
    assert!((kept - 42_000.0).abs() < 600.0, "{kept}");
    // Lost after WRITE CONFIG (4th command) on a restricted model.
    let v = check(
        &["burn", "--sim", "--sim-drop-after", "4"],
        LINK.as_bytes(),
        5,
        &["session_failed"],
    );
    assert_eq!(v[0]["token_state"], "config_uncertain");
    assert_eq!(v[0]["erases_seed"], true);
    assert_eq!(v[0]["kind"], "link_lost");
    let v = check(
        &["burn", "--sim", "--sim-wrong-key"],
        LINK.as_bytes(),
        4,
        &["session_failed"],
    );
    assert_eq!(v[0]["token_state"], "unchanged");
    check(
        &["burn", "--sim", "--sim-serial", "99000000000001"],
        LINK.as_bytes(),
        6,
        &["session_failed"],
    );
    check(&["burn", "--sim"], b"THIS-IS-NOT!SEED", 3, &[""]);
    check(
        &["burn", "--sim", "--display-timeout", "45"],
        LINK.as_bytes(),
        2,
        &[""],
    );
    check(
        &["burn", "--sim", "--period", "60"],
        LINK.as_bytes(),
        3,
        &[""],
    );
    check(
        &["burn", "--sim", "--no-such-option"],
        LINK.as_bytes(),
        2,
        &[""],
    );
    check(&["burn", "--reader", "x"], LINK.as_bytes(), 6, &[""]);
}

#[test]
fn token_commands_keep_the_contract() {
    check(&["info", "--sim"], b"", 0, &["info"]);
    check(&["info", "--reader", "x"], b"", 6, &[""]);
    check(
        &[
            "sync",
            "--sim",
            "--sim-serial",
            "86596120000001",
            "--algorithm",
            "SHA1",
            "--period",
            "30",
        ],
        b"",
        0,
        &["sync"],
    );
    // A restricted model: a sync would erase the seed.
    check(&["sync", "--sim"], b"", 6, &["sync_needs_burn"]);
    // No settings known for this serial.
    let v = check(
        &["sync", "--sim", "--sim-serial", "86596120000001"],
        b"",
        2,
        &["reading"],
    );
    assert_eq!(v[0]["token_state"], "unchanged");
    check(&["sync", "--sim", "--period", "45"], b"", 2, &[""]);
    let v = check(&["readers"], b"", 6, &["readers"]);
    assert!(v[0]["error"]
        .as_str()
        .unwrap()
        .contains("smart-card service"));
}

#[test]
fn qr_decode_prints_one_object_per_file_and_a_summary() {
    let good = qr("otpauth-qr.png");
    let v = check(&["qr", "decode", &good], b"", 0, &["qr_file", "qr_summary"]);
    assert_eq!(v[0]["codes"][0]["kind"], "totp");
    assert_eq!(v[1]["file_count"], 1);
    let missing = qr("no-such-file.png");
    let v = check(
        &["qr", "decode", &good, &missing, &qr("tiny-damaged-qr.png")],
        b"",
        1,
        &["qr_file", "qr_file", "qr_file", "qr_summary"],
    );
    assert_eq!(v[1]["exit_code"], 1);
    assert_eq!(v[2]["exit_code"], 3);
    assert_eq!(v[3]["failed_files"], 2);
}

#[test]
fn the_schema_checker_can_fail() {
    let schema = schema();
    let mut errs = Vec::new();
    let bad = serde_json::json!({"ok": true, "error": "x", "exit_code": 9, "token_state": "ConfigUncertain"});
    validate(&bad, &schema, &schema, "$", &mut errs);
    let all = errs.join("\n");
    for needle in [
        "key \"serial\" missing",
        "exit_code",
        "token_state",
        "error",
    ] {
        assert!(all.contains(needle), "{needle} not flagged:\n{all}");
    }
}

/// An age public key (from age-keygen); the batch only encrypts to it.
const AGE_PUBLIC: &str = "age178y0ujxped2w5xj4na8vu4dzxtcfukvkr4ft80n7l6qu6u9j350qw56gy6";

#[test]
fn batch_prints_json_lines_then_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j");
    let j = journal.to_str().unwrap();
    // Two tokens burned, an unknown one skipped, the first again skipped.
    let sims = "86596220000001,12345678000001,86596120000002,86596220000001";
    let v = check(
        &[
            "batch",
            "--generate",
            "--journal",
            j,
            "--recipient",
            AGE_PUBLIC,
            "--sim",
            "--sim-serial",
            sims,
        ],
        b"",
        0,
        &[
            "batch_event",
            "batch_event",
            "batch_event",
            "batch_event",
            "batch_event",
            "batch_summary",
        ],
    );
    let results: Vec<&str> = v[1..5]
        .iter()
        .map(|e| e["result"].as_str().unwrap())
        .collect();
    assert_eq!(
        results,
        ["burned", "unknown_model", "burned", "already_burned"]
    );
    assert_eq!(v[1]["token_state"], "written");
    assert_eq!(v[1]["synced"], true);
    assert_eq!(v[5]["tally"]["burned"], 2);
    assert_eq!(v[5]["stopped"], "no_more_tokens");

    // A lost link that is never finished: the run says so and exits 5.
    let j2 = dir.path().join("j2");
    let v = check(
        &[
            "batch",
            "--generate",
            "--journal",
            j2.to_str().unwrap(),
            "--recipient",
            AGE_PUBLIC,
            "--sim",
            "--sim-drop-after",
            "6",
        ],
        b"",
        5,
        &["batch_event", "batch_event", "batch_event", "batch_summary"],
    );
    assert_eq!(v[1]["event"], "link_lost");
    assert_eq!(v[3]["waiting_for"], "86596220000001");

    // No recipient and no passphrase: refused before anything is written.
    let j3 = dir.path().join("j3");
    check(
        &[
            "batch",
            "--generate",
            "--journal",
            j3.to_str().unwrap(),
            "--sim",
        ],
        b"",
        2,
        &[""],
    );
    assert!(!j3.exists(), "a journal was made without a key");
}
