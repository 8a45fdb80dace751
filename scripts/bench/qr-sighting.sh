#!/usr/bin/env bash
# "QR code in view but unreadable" benchmark (docs/qr.md, BENCHMARKS.md): how often
# kiln_qr::scan_luma reports a sighting on frames it could not decode, how often it
# wrongly reports one on frames without any code, and what the extra locate pass costs.
#
#   scripts/bench/qr-sighting.sh
#
# Sets: the real-photo corpus (../shared/qr-corpus or $KILN_QR_CORPUS); 160 generated
# 1280x720 monitor frames (scripts/bench/qrbench/gen_frames.py, the seed of scripts/bench/qr.sh); and
# the same 160 scenes with the code left out (--no-code), plus 2x160 code-free scenes
# from other seeds (negatives the locator's thresholds were not tuned on).
# Frames go to bench-out/qr-sighting/ (ignored by git). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CORPUS=${KILN_QR_CORPUS:-$ROOT/../shared/qr-corpus}
OUT=${QRBENCH_OUT:-$ROOT/bench-out/qr-sighting}
SEED=${QRBENCH_SEED:-20261122}
VENV=${QRBENCH_VENV:-$ROOT/.venv-qrbench}

[[ -d $CORPUS ]] || { echo "QR corpus not found at $CORPUS (set KILN_QR_CORPUS)" >&2; exit 1; }
mkdir -p "$OUT"

echo "==> cargo build --release (qrsight driver)"
cargo build --release --locked -p kiln-qr --example qrsight

echo "==> python venv ($VENV)"
[[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check numpy pillow segno

gen() { # DIR SEED [--no-code]
    rm -rf "${OUT:?}/${1:?}"
    "$VENV/bin/python" scripts/bench/qrbench/gen_frames.py "$OUT/$1" --count 160 --seed "$2" ${3:-}
}
echo "==> generating frames in $OUT (4 x 160, two at a time)"
gen frames "$SEED" & gen no-code "$SEED" --no-code & wait
gen no-code-b $((SEED + 1)) --no-code & gen no-code-c $((SEED + 2)) --no-code & wait

echo "==> scanning (camera-frame budget, one frame at a time)"
target/release/examples/qrsight \
    "photo corpus=$CORPUS" \
    "monitor frames (seed $SEED)=$OUT/frames" \
    "same scenes, no code=$OUT/no-code" \
    "no code (seed $((SEED + 1)))=$OUT/no-code-b" \
    "no code (seed $((SEED + 2)))=$OUT/no-code-c" | tee "$OUT/table.md"
echo
echo "machine: $(nproc) cores, $(uname -m); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
