//! Checks `kiln burn` makes before any token contact, so that a burn that
//! cannot give working codes does not pass silently: option values the tokens
//! cannot take (usage errors), overrides that contradict the service's link,
//! and the settings kiln assumes for a typed seed.

use crate::seed_in::SeedOpts;
use kiln_core::params::{DisplayTimeout, TokenHmac, TokenStep};
use kiln_core::seed::{SeedSource, SeedSpec, Warning};
use std::io::{BufRead, IsTerminal, Write};

/// An option value these tokens cannot take (exit 2, before the seed is read).
pub fn option_values(opts: &SeedOpts, display_timeout: u32) -> Result<(), String> {
    if let Some(d) = opts.digits.filter(|&d| d != 6) {
        return Err(format!(
            "--digits {d}: these tokens always show 6-digit codes"
        ));
    }
    if let Some(a) = opts
        .algorithm
        .filter(|&a| TokenHmac::from_algorithm(a).is_none())
    {
        return Err(format!(
            "--algorithm {a}: these tokens can only do SHA1 or SHA256"
        ));
    }
    if let Some(p) = opts
        .period
        .filter(|&p| TokenStep::from_seconds(p).is_none())
    {
        return Err(format!(
            "--period {p}: these tokens can only do a 30 s or 60 s time step"
        ));
    }
    if DisplayTimeout::from_seconds(display_timeout).is_none() {
        return Err(format!(
            "--display-timeout {display_timeout}: these tokens can only switch the display off after 15, 30, 60 or 120 s"
        ));
    }
    Ok(())
}

/// Overrides that contradict what the service's link (or export) states: the
/// token would show codes the service never accepts. Empty for typed seeds,
/// which state nothing.
pub fn mismatches(spec: &SeedSpec, opts: &SeedOpts) -> Vec<String> {
    if matches!(spec.source(), SeedSource::Typed(_)) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Some(d) = opts.digits.filter(|&d| d != spec.digits()) {
        out.push(format!(
            "--digits {d} but the service's link asks for {} digits: the service would reject every {d}-digit code the token shows",
            spec.digits()
        ));
    }
    if let Some(p) = opts.period.filter(|&p| p != spec.period()) {
        out.push(format!(
            "--period {p} but the service's link uses a {} s time step: the token's codes would not be the ones the service expects",
            spec.period()
        ));
    }
    if let Some(a) = opts.algorithm {
        let stated = spec.algorithm().to_string();
        if !stated.eq_ignore_ascii_case(&a.to_string()) {
            out.push(format!(
                "--algorithm {a} but the service's link uses {stated}: every code the token shows would be wrong"
            ));
        }
    }
    out
}

/// The question for a seed typed at the hidden prompt whose settings kiln
/// assumes (no `--algorithm`/`--period` given), or `None`.
pub fn assumed_settings_question(
    spec: &SeedSpec,
    opts: &SeedOpts,
    typed_at_prompt: bool,
) -> Option<String> {
    let assumed = matches!(spec.source(), SeedSource::Typed(_))
        && spec.warnings().contains(&Warning::AssumedDefaults)
        && (opts.algorithm.is_none() || opts.period.is_none());
    (typed_at_prompt && assumed).then(|| {
        format!(
            "A typed seed does not say its settings: kiln assumes {}, a {} s time step and 6 digits \
             (what most services use). Burn with these settings? [y/N] ",
            spec.algorithm(),
            spec.period()
        )
    })
}

/// Whether stdin and stderr are a terminal (a person can answer a question).
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks `question` on stderr and reads the answer from stdin: `y`/`yes` only.
pub fn confirm(question: &str) -> bool {
    confirm_from(
        question,
        &mut std::io::stdin().lock(),
        &mut std::io::stderr(),
    )
}

fn confirm_from(question: &str, input: &mut dyn BufRead, out: &mut dyn Write) -> bool {
    let _ = write!(out, "{question}");
    let _ = out.flush();
    let mut line = String::new();
    if input.read_line(&mut line).is_err() {
        return false;
    }
    let a = line.trim();
    a.eq_ignore_ascii_case("y") || a.eq_ignore_ascii_case("yes")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use kiln_core::params::Algorithm;
    use kiln_core::seed::{parse_input, SeedInput};

    fn spec(text: &str) -> SeedSpec {
        match parse_input(text) {
            SeedInput::Totp(s) => s,
            other => panic!("not one seed: {other:?}"),
        }
    }

    fn opts(algorithm: Option<Algorithm>, period: Option<u64>, digits: Option<u32>) -> SeedOpts {
        SeedOpts {
            encoding: None,
            account: None,
            algorithm,
            period,
            digits,
        }
    }

    const LINK8: &str = "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&digits=8";
    const LINK30: &str = "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP";

    #[test]
    fn overrides_that_contradict_the_link_are_named() {
        let m = mismatches(&spec(LINK8), &opts(None, None, Some(6)));
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].contains("asks for 8 digits"), "{m:?}");
        let m = mismatches(
            &spec(LINK30),
            &opts(Some(Algorithm::Sha256), Some(60), None),
        );
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(
            m[0].contains("--period 60") && m[0].contains("30 s"),
            "{m:?}"
        );
        assert!(m[1].contains("--algorithm SHA256"), "{m:?}");
        // Restating the link's own values is no mismatch; typed seeds state nothing.
        assert!(mismatches(
            &spec(LINK30),
            &opts(Some(Algorithm::Sha1), Some(30), Some(6))
        )
        .is_empty());
        assert!(mismatches(&spec("JBSWY3DPEHPK3PXP"), &opts(None, Some(60), None)).is_empty());
    }

    #[test]
    fn bad_option_values_are_usage_errors_in_the_users_words() {
        let e = option_values(&opts(None, None, Some(9)), 30).unwrap_err();
        assert_eq!(e, "--digits 9: these tokens always show 6-digit codes");
        assert!(option_values(&opts(None, None, None), 45)
            .unwrap_err()
            .starts_with("--display-timeout 45:"));
        assert!(option_values(&opts(None, Some(45), None), 30).is_err());
        assert!(option_values(&opts(Some(Algorithm::Sha512), None, None), 30).is_err());
        assert!(option_values(&opts(Some(Algorithm::Sha256), Some(60), Some(6)), 120).is_ok());
    }

    #[test]
    fn only_typed_seeds_at_the_prompt_are_asked_about() {
        let typed = spec("JBSWY3DPEHPK3PXP");
        let none = opts(None, None, None);
        let q = assumed_settings_question(&typed, &none, true).unwrap();
        assert!(q.contains("SHA1") && q.contains("30 s"), "{q}");
        assert!(assumed_settings_question(&typed, &none, false).is_none());
        assert!(assumed_settings_question(&spec(LINK30), &none, true).is_none());
        // Both settings given: nothing is assumed any more (digits are always 6).
        let given = opts(Some(Algorithm::Sha1), Some(30), None);
        assert!(assumed_settings_question(&typed, &given, true).is_none());
        let half = opts(None, Some(60), None);
        assert!(assumed_settings_question(&typed, &half, true).is_some());
    }

    #[test]
    fn only_yes_confirms() {
        for (answer, want) in [
            ("y\n", true),
            ("YES\n", true),
            ("\n", false),
            ("n\n", false),
            ("", false),
        ] {
            let mut input = answer.as_bytes();
            assert_eq!(
                confirm_from("q? ", &mut input, &mut Vec::new()),
                want,
                "{answer:?}"
            );
        }
    }
}
