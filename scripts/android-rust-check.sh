#!/usr/bin/env bash
# Lints kiln-ffi for the app's Android ABIs: `cargo clippy -p kiln-ffi --target T -- -D warnings`
# for each Android Rust target that rustup has installed (arm64-v8a, armeabi-v7a, x86_64).
# This type-checks the Android-only code (android_logger in kiln-ffi's init_logging) without
# an NDK; nothing is linked. Exit 0 with a "skipped" line when no Android target is installed.
# Run by scripts/test.sh (stage android-rust).
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android)
installed="$(rustup target list --installed 2>/dev/null || true)"
ran=() skipped=()
for t in "${targets[@]}"; do
  if grep -qx "$t" <<<"$installed"; then
    echo "cargo clippy -p kiln-ffi --target $t -- -D warnings"
    cargo clippy --locked -q -p kiln-ffi --target "$t" -- -D warnings
    ran+=("$t")
  else
    skipped+=("$t")
  fi
done
if ((${#skipped[@]})); then
  echo "not installed, skipped: ${skipped[*]}  (rustup target add ${skipped[*]})"
fi
if ((${#ran[@]} == 0)); then
  echo "android rust check: skipped: no Android Rust target installed (rustup target add ${targets[*]} could not download them)"
  exit 0
fi
echo "android rust check: OK (${ran[*]})"
