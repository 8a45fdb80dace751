//! The `--json` contract (docs/cli-json.md): every run prints exactly one JSON
//! object on stdout, built here when the command returns, so that no path (an
//! early refusal, unreadable stdin, a usage error) can leave stdout empty.
//!
//! Commands hand their object to [`object`] instead of printing it, and report
//! errors with [`error`], which prints `kiln: SENTENCE` on stderr (in both modes)
//! and keeps the sentence for the object's `error` key. [`finish`] (called once by
//! `main`) adds `ok`, `error`, `exit_code` and the contract keys and prints it.
//! `kiln qr decode` also prints one object per file first ([`stream`]).

use crate::exit::Exit;
use serde_json::{json, Map, Value};
use std::sync::Mutex;

#[derive(Default)]
struct State {
    json: bool,
    errors: Vec<String>,
    object: Option<Map<String, Value>>,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    let mut guard = STATE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    f(guard.get_or_insert_with(State::default))
}

/// Called once by `main` with the `--json` flag.
pub fn init(json: bool) {
    with(|s| s.json = json);
}

/// An error the user must read: `kiln: SENTENCE` on stderr, and the sentence
/// becomes the JSON object's `error` (several are joined with "; ").
pub fn error(msg: impl std::fmt::Display) {
    let msg = msg.to_string();
    eprintln!("kiln: {msg}");
    with(|s| s.errors.push(msg));
}

/// Keeps `msg` as the run's error sentence without printing it (the caller
/// has shown it already, e.g. clap's usage message).
pub fn record(msg: impl std::fmt::Display) {
    let msg = msg.to_string();
    with(|s| s.errors.push(msg));
}

/// The command's JSON object (its keys beyond the contract). A later call
/// replaces an earlier one.
pub fn object(v: Value) {
    let m = match v {
        Value::Object(m) => m,
        other => {
            let mut m = Map::new();
            m.insert("value".into(), other);
            m
        }
    };
    with(|s| s.object = Some(m));
}

/// The keys every object has (null when not applicable; `synced` false).
pub const CONTRACT_KEYS: [&str; 11] = [
    "ok",
    "error",
    "exit_code",
    "token_state",
    "serial",
    "model",
    "token_time",
    "drift_ms",
    "synced",
    "algorithm",
    "period",
];

/// Completes `m` for a run that ends with `exit`: `ok`, `exit_code`, `error`
/// (the recorded sentences; an object's own sentence is kept only when none
/// was recorded) and the contract keys.
pub fn complete(mut m: Map<String, Value>, exit: Exit, errors: &[String]) -> Value {
    let ok = exit == Exit::Ok;
    m.insert("ok".into(), json!(ok));
    m.insert("exit_code".into(), json!(exit as u8));
    let own = m
        .get("error")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let error = if ok {
        Value::Null
    } else if !errors.is_empty() {
        json!(errors.join("; "))
    } else {
        json!(own.unwrap_or_else(|| format!("kiln stopped with exit code {}", exit as u8)))
    };
    m.insert("error".into(), error);
    if !m.contains_key("token_time") {
        if let Some(t) = m.get("token_clock").cloned() {
            m.insert("token_time".into(), t);
        }
    }
    for k in CONTRACT_KEYS {
        if !m.contains_key(k) {
            let fill = if k == "synced" {
                json!(false)
            } else {
                Value::Null
            };
            m.insert(k.into(), fill);
        }
    }
    Value::Object(m)
}

/// Prints one intermediate object (`kiln qr decode`: one per file) in `--json`
/// mode, completed for its own `exit` and `error`.
pub fn stream(m: Map<String, Value>, exit: Exit, error: Option<&str>) {
    if with(|s| s.json) {
        let errors: Vec<String> = error.map(str::to_owned).into_iter().collect();
        println!("{}", complete(m, exit, &errors));
    }
}

/// Prints the run's one object (in `--json` mode) for the exit code `exit`.
pub fn finish(exit: Exit) {
    let (json, object, errors) = with(|s| (s.json, s.object.take(), std::mem::take(&mut s.errors)));
    if json {
        println!("{}", complete(object.unwrap_or_default(), exit, &errors));
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn every_object_gets_the_contract() {
        let v = complete(
            Map::new(),
            Exit::InputRefused,
            &["nothing was entered".into()],
        );
        for k in CONTRACT_KEYS {
            assert!(v.get(k).is_some(), "{k} missing in {v}");
        }
        assert_eq!(v["ok"], json!(false));
        assert_eq!(v["exit_code"], json!(3));
        assert_eq!(v["error"], json!("nothing was entered"));
        assert_eq!(v["synced"], json!(false));
    }

    #[test]
    fn recorded_sentences_win_and_success_has_no_error() {
        let m = obj(json!({"error": "see stderr", "token_clock": 5}));
        let v = complete(m.clone(), Exit::NoToken, &["a".into(), "b".into()]);
        assert_eq!(v["error"], json!("a; b"));
        assert_eq!(v["token_time"], json!(5));
        let v = complete(m.clone(), Exit::NoToken, &[]);
        assert_eq!(v["error"], json!("see stderr"));
        let v = complete(m, Exit::Ok, &[]);
        assert_eq!(v["error"], Value::Null);
        assert_eq!(v["ok"], json!(true));
    }
}
