#!/usr/bin/env bash
# `kiln burn --qr-screen` under a virtual X display: starts Xvfb with two screens on a free
# display number, runs rust/kiln-cli/tests/qr_screen.rs (which draws a QR code on one root
# window, then the other, and runs kiln), and stops Xvfb. Skips (exit 0, with a note) when
# Xvfb is not installed (scripts/setup.sh installs it). Run by scripts/test.sh (stage "qr-screen").
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v Xvfb >/dev/null; then
  echo "qr-screen-e2e: Xvfb not installed; skipping (apt-get install xvfb)" >&2
  exit 0
fi
XVFB_PID=""
cleanup() {
  if [[ -n "$XVFB_PID" ]] && kill -0 "$XVFB_PID" 2>/dev/null; then
    kill "$XVFB_PID" 2>/dev/null || true
    wait "$XVFB_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

DISPLAY_NUM=""
for n in $(seq 77 99); do
  if [[ ! -e /tmp/.X11-unix/X$n && ! -e /tmp/.X$n-lock ]]; then DISPLAY_NUM=$n; break; fi
done
[[ -n "$DISPLAY_NUM" ]] || { echo "qr-screen-e2e: no free X display number" >&2; exit 1; }
Xvfb ":$DISPLAY_NUM" -screen 0 1024x768x24 -screen 1 800x600x24 -nolisten tcp -noreset >/dev/null 2>&1 &
XVFB_PID=$!
for _ in $(seq 1 50); do
  [[ -e /tmp/.X11-unix/X$DISPLAY_NUM ]] && break
  kill -0 "$XVFB_PID" 2>/dev/null || { echo "qr-screen-e2e: Xvfb exited" >&2; exit 1; }
  sleep 0.1
done
KILN_TEST_DISPLAY=":$DISPLAY_NUM" cargo test --workspace --locked --test qr_screen -- --ignored
