#!/usr/bin/env bash
# Clock drift and sync benchmark (simulation, deterministic seeds).
# 1. Whole sessions: the real kiln_core::session code (ReadSession / BurnSession and the
#    blocking driver) against kiln-sim in virtual time (rust/kiln-sim/examples/clock_sessions.rs).
# 2. The clock module alone on a minimal token model (rust/kiln-core/examples/clock_bench.rs).
# Prints the tables and, last, the `drift_p99_ms=… sync_p99_ms=… …` line of the whole-session
# run (20 ± 5 ms scenario); keeps the raw output in bench-out/clock*.txt and rewrites the
# "## Clock drift and sync" section of BENCHMARKS.md (other sections are left alone).
# KILN_BENCH_NO_WRITE=1 skips the rewrite.
set -euo pipefail
cd "$(dirname "$0")/../.."

mkdir -p bench-out
cargo run --release --quiet --locked -p kiln-core --example clock_bench > bench-out/clock-model.txt
# The model run's own summary line is dropped: the final line comes from whole sessions.
grep -v '^drift_p99_ms=' bench-out/clock-model.txt
cargo run --release --quiet --locked -p kiln-sim --example clock_sessions | tee bench-out/clock.txt

[[ -n "${KILN_BENCH_NO_WRITE:-}" ]] && exit 0

section="bench-out/clock-section.md"
{
  echo "## Clock drift and sync"
  echo
  echo "Simulation of the drift measurement and the precise clock set against the naive method"
  echo "(\`scripts/bench/clock.sh\`; method in \`docs/clock.md\`). Deterministic seeds: the numbers do"
  echo "not depend on the machine. 10,000 worlds per scenario: true offset uniform in (−300 s, +300 s)"
  echo "with a fractional part, card processing 1–8 ms with the clock read/set at a random point of"
  echo "it, radio time split 30–70 % uplink, host sends 0–1 ms late."
  echo
  echo "### Whole sessions (the code users run)"
  echo
  echo "\`rust/kiln-sim/examples/clock_sessions.rs\`: \`kiln_core::session\` (ReadSession, BurnSession,"
  echo "blocking driver) against \`kiln-sim\` (LinkTiming: round trips, card delay, uplink split) in"
  echo "virtual time; every variant runs on the same worlds."
  echo
  echo "- *ours, drift*: \`kiln info\` (ReadSession, \`Measure::Precise\`)."
  echo "- *ours, residual*: \`kiln burn\` (BurnSession defaults: advice measurement, planned WRITE"
  echo "  CONFIG, confirmation polls); the residual is the simulated token's true offset after."
  echo "- *naive*: the same session code with one GET INFO (\`Measure::Single\`, drift = token"
  echo "  seconds − host seconds) and WRITE CONFIG carrying the host time truncated to the second,"
  echo "  sent at once. *Former default*: rounded instead of truncated (kiln's earlier \`SendNow\`)."
  echo "- *extra*: beyond the naive six exchanges (GET INFO, GET CHALLENGE, EXTERNAL AUTHENTICATE,"
  echo "  WRITE CONFIG, WRITE SEED, GET INFO)."
  echo
  sed -e '1,2d' -e 's/^### Sessions: /#### /' bench-out/clock.txt | sed -e '/./,$!d' | grep -v '^drift_p99_ms='
  echo
  echo "### The clock module alone"
  echo
  echo "\`rust/kiln-core/examples/clock_bench.rs\`: the meter and planner on a minimal token model"
  echo "(no session code). *ours*: precise meter, planned set, hinted confirmation; *ours, fast*:"
  echo "advice meter before the same set (what \`kiln burn\` does); *extra* excludes the first GET"
  echo "INFO, the write and the first confirming GET INFO; *wait* is the pause before the planned send."
  echo
  sed -e '1,2d' -e 's/^### /#### /' bench-out/clock-model.txt | sed -e '/./,$!d' | grep -v '^drift_p99_ms='
  echo
  echo "Summary (whole sessions, RTT 20 ± 5 ms):"
  echo
  grep '^drift_p99_ms=' bench-out/clock.txt
  echo
} > "$section"

target="BENCHMARKS.md"
[[ -f "$target" ]] || printf '# Benchmarks\n\n' > "$target"
awk -v secfile="$section" '
  BEGIN { while ((getline line < secfile) > 0) sec = sec line "\n" }
  /^## Clock drift and sync[[:space:]]*$/ { skipping = 1; if (!done) { printf "%s", sec; done = 1 }; next }
  skipping && /^## / { skipping = 0 }
  !skipping { print; blank = ($0 ~ /^[[:space:]]*$/) }
  END { if (!done) { if (NR && !blank) print ""; printf "%s", sec } }
' "$target" > "$target.tmp"
mv "$target.tmp" "$target"
echo "updated $target (## Clock drift and sync)" >&2
