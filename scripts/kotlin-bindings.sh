# shellcheck shell=bash
# Sourced (not run) by jvm-tests.sh, android-jvm-tests.sh and android-compile-check.sh.
# Sets `target_dir` (the cargo target dir, absolute) and `bindings` (the directory of the
# Kotlin bindings of kiln-ffi built with the test-only `testing` feature).
# scripts/test.sh generates the bindings once and exports KILN_KOTLIN_BINDINGS, so its JVM and
# Android stages share them; a script run on its own generates them itself.
target_dir="${CARGO_TARGET_DIR:-target}"
[[ "$target_dir" = /* ]] || target_dir="$PWD/$target_dir"
if [[ -n "${KILN_KOTLIN_BINDINGS:-}" ]]; then
  bindings="$KILN_KOTLIN_BINDINGS"
  echo "Kotlin bindings: $bindings (generated earlier in this run)"
else
  bindings="$target_dir/kotlin-bindings"
  KILN_FFI_FEATURES=testing bash scripts/gen-kotlin.sh "$bindings"
fi
