#!/usr/bin/env bash
# Batch benchmark through pcscd + vpcd: kiln's time per token in `kiln batch` (from the
# connection to the token to "ready for the next token": identification, journal append
# made durable, burn with the clock measurement, confirming read), each command held
# RTT_MS by the simulated reader, with and without the journal's fsync, for both
# --confirm modes (quick, the default, and precise).
# Usage: scripts/bench/batch.sh [TOKENS] [RTT_MS]   (default 20 tokens, 20 ms)
# Prints the Markdown table for BENCHMARKS.md. BENCH_DIR: where the journals go
# (default: the temporary directory; fsync costs depend on its file system).
# Needs pcscd with vpcd (scripts/pcsc-env.sh start) and the age tool (age-keygen).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --quiet --release --locked -p kiln-cli -p kiln-sim --bins
TARGET=${CARGO_TARGET_DIR:-target}
python3 scripts/lib/batch_box.py "$TARGET/release" "${1:-20}" "${2:-20}"
