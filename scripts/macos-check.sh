#!/usr/bin/env bash
# Lints kiln (kiln-cli, default features: PC/SC) for macOS: `cargo clippy -p kiln-cli --target T
# -- -D warnings` for aarch64-apple-darwin and x86_64-apple-darwin, each if rustup has it.
# This type-checks the macOS-only code paths (the pcsc crate over the PCSC framework, the
# "not available" --qr-screen, the config directory) without a macOS SDK: nothing is linked
# and nothing runs. Exit 0 with a "skipped" line when neither target is installed.
# Run by scripts/test.sh (stage macos).
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(aarch64-apple-darwin x86_64-apple-darwin)
installed="$(rustup target list --installed 2>/dev/null || true)"
ran=() skipped=()
for t in "${targets[@]}"; do
  if grep -qx "$t" <<<"$installed"; then
    echo "cargo clippy -p kiln-cli --target $t -- -D warnings"
    cargo clippy --locked -q -p kiln-cli --target "$t" -- -D warnings
    ran+=("$t")
  else
    skipped+=("$t")
  fi
done
if ((${#skipped[@]})); then
  echo "not installed, skipped: ${skipped[*]}  (rustup target add ${skipped[*]})"
fi
if ((${#ran[@]} == 0)); then
  echo "macos check: skipped: no macOS Rust target installed (rustup target add ${targets[*]})"
  exit 0
fi
echo "macos check: OK (${ran[*]})"
