#!/usr/bin/env bash
# Burn benchmark (simulated token, virtual time): APDUs and bytes on the wire per
# session, session time at a given round trip (default 20 ms), host CPU per session.
# Usage: scripts/bench/burn.sh [RTT_MS]   — prints the Markdown table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo run --quiet --release --locked -p kiln-sim --example burn_bench -- "${1:-20}"
