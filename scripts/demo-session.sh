#!/usr/bin/env bash
# Prints a full kiln session against the virtual PC/SC reader (pcscd + vpcd, with
# kiln-sim as the token), as used in docs/cli.md. Needs pcscd running with vpcd
# (scripts/pcsc-env.sh start) and the binaries built (cargo build -p kiln-cli -p kiln-sim).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=target/debug
WORK=$(mktemp -d)
SIM_PID=""
SIM2_PID=""
cleanup() {
  local p
  for p in $SIM_PID $SIM2_PID; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
export KILN_CONFIG_DIR="$WORK/config"
export PATH="$PWD/$BIN:$PATH"
URI='otpauth://totp/Acme:alice@example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Acme'

run() { printf '$ %s\n' "$*"; (cd "$WORK" && bash -c "$*") 2>&1 || printf '(exit %s)\n' "$?"; echo; }

# A token whose clock is 95 s behind on "Virtual PCD 00 00" (an OTPC-P1-i).
kiln-sim vpcd --serial 86596120000123 --offset -95 --state-file "$WORK/token.json" 2>/dev/null &
SIM_PID=$!
sleep 1.2

run kiln readers
run kiln info
echo "$URI" >"$WORK/acme.txt"
run "kiln burn < acme.txt" | sed "s|< acme.txt|< acme.txt    # acme.txt holds the otpauth:// link|"
CODE=$(python3 -c "import json;print(json.load(open('$WORK/token.json'))['code_now']['code'])")
run "kiln verify --code $CODE < acme.txt"
run "kiln verify --code 123456 < acme.txt"
run "kiln sync"
run "kiln info --json"

if [[ "${1:-}" == --with-removal ]]; then
  echo "----- the token leaves the reader mid-burn and comes back -----"
  echo
  # An OTPC-P2-i (its clock write erases the seed) on "Virtual PCD 00 01" that vanishes
  # right after WRITE CONFIG and is placed again 2 s later.
  kiln-sim vpcd --port 35964 --serial 86596220000456 --drop-after-ins D4 --return-after 2 \
    --state-file "$WORK/token2.json" 2>/dev/null &
  SIM2_PID=$!
  sleep 1.2
  run "kiln burn --reader '00 01' < acme.txt"
fi
