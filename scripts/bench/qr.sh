#!/usr/bin/env bash
# QR decoding benchmark: tokenkiln's pipeline vs zxing-cpp (its Python wheel, installed with pip), same machine,
# same run. Prints a table (also written to bench-out/qr/table.md) for BENCHMARKS.md.
#
#   scripts/bench/qr.sh            # corpus from ../shared/qr-corpus (or $KILN_QR_CORPUS)
#   QRBENCH_FRAMES=300 scripts/bench/qr.sh
#
# Steps: release build of `kiln` and of the `qrbench` driver; a virtualenv with
# zxing-cpp 3.x, numpy, pillow, segno; 160 generated 1280x720 monitor frames
# (scripts/bench/qrbench/gen_frames.py, fixed seed, written to bench-out/, never committed);
# then scripts/bench/qrbench/bench.py decodes the corpus at 0/90/180/270 degrees and the
# frames with both decoders and compares exactly against the .txt files.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CORPUS=${KILN_QR_CORPUS:-$ROOT/../shared/qr-corpus}
OUT=${QRBENCH_OUT:-$ROOT/bench-out/qr}
COUNT=${QRBENCH_FRAMES:-160}
SEED=${QRBENCH_SEED:-20261122}
VENV=${QRBENCH_VENV:-$ROOT/.venv-qrbench}

[[ -d $CORPUS ]] || { echo "QR corpus not found at $CORPUS (set KILN_QR_CORPUS)" >&2; exit 1; }
mkdir -p "$OUT"

echo "==> cargo build --release (kiln, qrbench driver)"
cargo build --release --locked -p kiln-cli --bin kiln
cargo build --release --locked -p kiln-qr --example qrbench

echo "==> python venv ($VENV)"
if [[ ! -x $VENV/bin/python ]]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check "zxing-cpp>=3,<4" numpy pillow segno
"$VENV/bin/python" -c 'import importlib.metadata as m; print("zxing-cpp", m.version("zxing-cpp"))'

echo "==> generating $COUNT monitor frames (seed $SEED) in $OUT/frames"
rm -rf "$OUT/frames"
"$VENV/bin/python" scripts/bench/qrbench/gen_frames.py "$OUT/frames" --count "$COUNT" --seed "$SEED"

echo "==> decoding"
"$VENV/bin/python" scripts/bench/qrbench/bench.py \
    --corpus "$CORPUS" --frames "$OUT/frames" \
    --ours "$ROOT/target/release/examples/qrbench" \
    --kiln "$ROOT/target/release/kiln" \
    --markdown "$OUT/table.md"
echo
echo "machine: $(nproc) cores, $(uname -m); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
