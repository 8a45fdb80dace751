#!/usr/bin/env bash
# Clock drift and sync benchmark (simulation, deterministic seed).
# Prints the table and the final `drift_p99_ms=… sync_p99_ms=… …` line, keeps the raw
# output in bench-out/clock.txt and rewrites the "## Clock drift and sync" section of
# BENCHMARKS.md (other sections are left alone). KILN_BENCH_NO_WRITE=1 skips the rewrite.
set -euo pipefail
cd "$(dirname "$0")/.."

mkdir -p bench-out
cargo run --release --quiet --locked -p kiln-core --example clock_bench | tee bench-out/clock.txt

[[ -n "${KILN_BENCH_NO_WRITE:-}" ]] && exit 0

section="bench-out/clock-section.md"
{
  echo "## Clock drift and sync"
  echo
  echo "Simulation of the drift meter and the precise clock set against the naive method"
  echo "(\`scripts/bench-clock.sh\`, source \`rust/kiln-core/examples/clock_bench.rs\`, model and"
  echo "method in \`docs/clock.md\`). Deterministic seed: the numbers do not depend on the machine."
  echo
  echo "- *ours*: precise meter before the set, planned WRITE CONFIG, hinted confirmation meter."
  echo "- *ours, fast*: advice meter (what \`kiln info\` does) before the same planned set."
  echo "- *naive*: one GET INFO (drift = token seconds − host seconds), set to the host time"
  echo "  truncated to the second, sent whenever the session gets there."
  echo "- *extra*: exchanges and time beyond the naive flow (the session's first GET INFO, the"
  echo "  write and the confirming GET INFO are not counted); *wait* is the pause before the"
  echo "  planned send."
  echo
  # Drop the title lines of the raw output; keep tables, notes and the final line.
  sed -e '1,2d' -e 's/^### /### /' bench-out/clock.txt | sed -e '/./,$!d'
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
