#!/usr/bin/env bash
# Builds the kiln-ffi cdylib for the host and generates its Kotlin bindings in
# library mode with the workspace's own uniffi-bindgen (same pinned uniffi version).
# Generated sources are never committed.
#
#   scripts/gen-kotlin.sh [OUT_DIR]        (default: android/jvm-tests/target/generated-sources/uniffi)
#   KILN_FFI_FEATURES=testing scripts/gen-kotlin.sh   (adds the test-only simulated token export)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-android/jvm-tests/target/generated-sources/uniffi}"
features="${KILN_FFI_FEATURES:-}"
profile_dir="${CARGO_TARGET_DIR:-target}/debug"

cargo build --locked -q -p uniffi-bindgen
if [[ -n "$features" ]]; then
  cargo build --locked -q -p kiln-ffi --features "$features"
else
  cargo build --locked -q -p kiln-ffi
fi

case "$(uname -s)" in
  Darwin) lib="$profile_dir/libkiln_ffi.dylib" ;;
  MINGW*|MSYS*|CYGWIN*) lib="$profile_dir/kiln_ffi.dll" ;;
  *) lib="$profile_dir/libkiln_ffi.so" ;;
esac

rm -rf "$out"
mkdir -p "$out"
"$profile_dir/uniffi-bindgen" generate "$lib" --language kotlin --config uniffi.toml --no-format --out-dir "$out"
echo "Kotlin bindings: $out  (library: $lib)"
