//! Text and JSON renderings shared by `kiln info` and `kiln burn`.

use crate::exit::Exit;
use kiln_core::params::TokenConfig;
use kiln_core::session::{Exchange, Failure, FailureKind, NextStep, TokenReading, TokenState};
use kiln_core::time::UnixMicros;
use serde_json::{json, Value};

/// `2026-11-22 06:15:13 UTC` from Unix seconds.
pub fn utc(secs: i64) -> String {
    let c = kiln_core::time::Civil::from_unix(secs);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

pub fn hms(secs: u64) -> String {
    let r = secs % 86_400;
    format!("{:02}:{:02}:{:02}", r / 3600, r % 3600 / 60, r % 60)
}

pub fn config_text(c: &TokenConfig) -> String {
    format!(
        "{}, {} s time step, display off after {} s",
        c.hmac,
        c.step.seconds(),
        c.display_timeout.seconds()
    )
}

pub fn config_json(c: &TokenConfig) -> Value {
    json!({
        "algorithm": c.hmac.to_string(),
        "period": c.step.seconds(),
        "display_timeout": c.display_timeout.seconds(),
    })
}

/// The lines describing one reading. `programmed`: the token was just burned
/// (an unknown model then was programmed by choice, not read-only).
pub fn reading_text(r: &TokenReading, programmed: bool) -> String {
    let model = match r.model {
        kiln_core::proto::Model::Known(m) => {
            format!("{} {} — {}", m.vendor, m.name, m.sync)
        }
        kiln_core::proto::Model::Unknown if programmed => {
            "unknown model (serial prefix not in kiln's model table) — programmed with the key you \
             chose (--allow-unknown-model); treated as erasing its seed on a clock write"
                .into()
        }
        kiln_core::proto::Model::Unknown => {
            "unknown model — read-only (serial prefix not in kiln's model table)".into()
        }
    };
    format!(
        "Token   {}\nModel   {}\nClock   {}\nDrift   {}\nRef.    {}\n        measured with {} GET INFO{}",
        r.serial,
        model,
        utc(i64::from(r.token_clock)),
        drift_text(r),
        crate::reference::text(&r.advice.reference()),
        r.reads,
        if r.measure_time_us > 0 {
            format!(" over {:.2} s", r.measure_time_us as f64 / 1e6)
        } else {
            String::new()
        }
    )
}

/// `+3.42 s ± 0.02 s — sync recommended` (token minus reference; the advice
/// from the whole interval, with "borderline"/"not verified" notes when due).
pub fn drift_text(r: &TokenReading) -> String {
    format!("{} — {}", r.drift(), r.advice)
}

/// Milliseconds with one decimal (JSON).
pub fn ms1(us: i64) -> f64 {
    (us as f64 / 100.0).round() / 10.0
}

/// `+2.1 ms ± 12.0 ms`.
pub fn residual_text(r: &kiln_core::clock::SyncResidual) -> String {
    format!(
        "{:+.1} ms ± {:.1} ms",
        ms1(r.estimate.midpoint_us()),
        ms1(r.estimate.half_width_us())
    )
}

/// The `After` line of a burn or sync report: the token clock read after the write,
/// with the residual when the confirmation measured one. `None` when the confirming
/// read was cut off (each command says what that means for it).
pub fn after_line(
    after: Option<&TokenReading>,
    residual: Option<&kiln_core::clock::SyncResidual>,
) -> Option<String> {
    let a = after?;
    Some(match residual {
        Some(res) => format!(
            "After   clock {} — residual {} ({} GET INFO)",
            utc(i64::from(a.token_clock)),
            residual_text(res),
            a.reads
        ),
        None => format!(
            "After   clock {} — {}",
            utc(i64::from(a.token_clock)),
            drift_text(a)
        ),
    })
}

pub fn reading_json(r: &TokenReading) -> Value {
    json!({
        "serial": r.serial.to_string(),
        "model": r.model.name(),
        "vendor": r.model.vendor(),
        "known_model": r.model.is_known(),
        "sync_class": match r.model.sync_class() {
            kiln_core::proto::SyncClass::Restricted => "restricted",
            kiln_core::proto::SyncClass::Unrestricted => "unrestricted",
        },
        "token_clock": r.token_clock,
        "drift_ms": ms1(r.drift().midpoint_us()),
        "drift_uncertainty_ms": ms1(r.drift().half_width_us()),
        "drift_interval_us": [r.drift().lo_us(), r.drift().hi_us()],
        "advice": r.advice.level().as_str(),
        "advice_certain": r.advice.is_certain(),
        "advice_text": r.advice.to_string(),
        "reference": {
            "source": r.advice.reference().source.as_str(),
            "trusted": r.advice.reference().trusted,
        },
        "reads": r.reads,
        "measure_ms": ms1(r.measure_time_us),
        "read_at_us": r.received_at,
    })
}

pub fn step_text(e: &Exchange) -> String {
    let status = match &e.result {
        Ok(sw) => sw.to_string(),
        Err(err) => format!("link lost ({err})"),
    };
    format!(
        "  → {:<22} {:<8} {:>4} ms",
        e.command,
        status,
        ms(e.received_at - e.sent_at)
    )
}

pub fn step_json(e: &Exchange) -> Value {
    json!({
        "command": e.command,
        "status": match &e.result { Ok(sw) => sw.to_string(), Err(err) => format!("link lost: {err}") },
        "ms": ms(e.received_at - e.sent_at),
        "bytes_sent": e.bytes_sent,
        "bytes_received": e.bytes_received,
    })
}

fn ms(us: UnixMicros) -> i64 {
    (us + 500) / 1000
}

/// The token's state after a failed session, as a documented word
/// (docs/cli-json.md), with its flags as separate keys.
pub fn token_state_json(t: TokenState) -> (&'static str, Option<bool>, Option<bool>) {
    // (word, erases_seed, seed_erased)
    match t {
        TokenState::Unchanged => ("unchanged", None, None),
        TokenState::ConfigUncertain { erases_seed } => {
            ("config_uncertain", Some(erases_seed), None)
        }
        TokenState::SeedErased => ("seed_erased", None, Some(true)),
        TokenState::OldSeedNewSettings => ("old_seed_new_settings", None, Some(false)),
        TokenState::SeedUncertain { seed_erased } => ("seed_uncertain", None, Some(seed_erased)),
        TokenState::Written => ("written", None, None),
    }
}

/// The failure kind as a documented word.
pub fn kind_word(k: FailureKind) -> &'static str {
    match k {
        FailureKind::LinkLost => "link_lost",
        FailureKind::Refused => "refused",
        FailureKind::Garbled => "garbled",
        FailureKind::Policy => "policy",
        FailureKind::Caller => "caller",
    }
}

pub fn failure_json(f: &Failure) -> Value {
    let (state, erases_seed, seed_erased) = token_state_json(f.token);
    json!({
        "error": f.to_string(),
        "advice": f.advice(),
        "token_state": state,
        "erases_seed": erases_seed,
        "seed_erased": seed_erased,
        "kind": kind_word(f.kind()),
        "serial": f.serial.as_ref().map(ToString::to_string),
        "model": f.model.map(|m| m.name()),
        "resume_serial": f.resume.as_ref().map(|r| r.serial().to_string()),
    })
}

/// Adds `ok` and `steps` to a JSON object.
pub fn with_status(mut v: Value, ok: bool, steps: Vec<Value>) -> Value {
    if let Value::Object(m) = &mut v {
        m.insert("ok".into(), json!(ok));
        m.insert("steps".into(), json!(steps));
    }
    v
}

/// The exit code of a failed session: a table over the core's classification
/// ([`NextStep`]), the same one the app's error kinds are a table over.
pub fn failure_exit(f: &Failure) -> Exit {
    exit_for(f.next_step())
}

/// The exit-code table over [`NextStep`] (docs/cli.md, "Exit codes").
pub fn exit_for(next: NextStep) -> Exit {
    match next {
        NextStep::TapAgain => Exit::LinkLost,
        NextStep::Refused { .. } => Exit::TokenRefused,
        NextStep::NeedsKey | NextStep::BurnInstead => Exit::NoToken,
        NextStep::FixDeviceClock => Exit::InputRefused,
        NextStep::Internal => Exit::Failure,
    }
}

/// A command that stopped before reaching a token: `msg` on stderr (and as the
/// JSON `error`), and the exit code to return.
pub fn refuse(msg: &str, exit: Exit) -> Exit {
    crate::out::error(msg);
    exit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(hms(59), "00:00:59");
    }
}
