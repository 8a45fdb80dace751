#!/usr/bin/env bash
# Prints a batch session against the virtual PC/SC reader (pcscd + vpcd, with a box of
# simulated tokens from `kiln-sim vpcd --box`), as shown in README.md ("Enrolling a box of
# tokens for Microsoft Entra ID"): kiln batch, the Entra ID export, the audit log. Needs
# pcscd running with vpcd (scripts/pcsc-env.sh start), the age tool, and the binaries built
# (cargo build -p kiln-cli -p kiln-sim).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${CARGO_TARGET_DIR:-target}
python3 scripts/lib/demo_batch.py "$(cd "$TARGET/debug" && pwd)"
