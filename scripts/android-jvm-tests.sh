#!/usr/bin/env bash
# The Android app's JVM-side checks (docs/android-app.md), on the host, with Maven:
#   1. builds kiln-ffi for the host with the test-only `sim` feature and generates its Kotlin
#      bindings into <cargo target>/kotlin-bindings (scripts/gen-kotlin.sh; never committed);
#   2. android/wizard-tests: JUnit 5 tests of the app's wizard state machine (the app's own
#      source files) against the real core and the simulated token;
#   3. android/ui-render: renders every wizard screen (the app's Compose + Material 3 files)
#      headless to PNG and checks each render. PNGs go to android/ui-render/target/screens;
#      KILN_UPDATE_SCREENS=1 also rewrites the committed docs/screens/*.png.
# Extra arguments go to both Maven runs, e.g.  scripts/android-jvm-tests.sh -Dtest=WizardTest
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${CARGO_TARGET_DIR:-target}"
[[ "$target_dir" = /* ]] || target_dir="$PWD/$target_dir"
bindings="$target_dir/kotlin-bindings"

KILN_FFI_FEATURES=sim bash scripts/gen-kotlin.sh "$bindings"

props=("-Dkiln.bindings.dir=$bindings" "-Dkiln.native.dir=$target_dir/debug")
[[ -n "${KILN_UPDATE_SCREENS:-}" ]] && props+=("-Dkiln.updateScreens=true")
quiet=(-q)
[[ -n "${KILN_JVM_VERBOSE:-}" ]] && quiet=()

summary() { # module
  local tests=0 failures=0 errors=0 skipped=0 f line v k
  for f in "android/$1/target/surefire-reports"/TEST-*.xml; do
    [[ -e "$f" ]] || continue
    line=$(grep -m1 -o '<testsuite [^>]*>' "$f")
    for k in tests failures errors skipped; do
      v=$(sed -n "s/.* $k=\"\([0-9]*\)\".*/\1/p" <<<"$line")
      declare "$k=$(( ${!k} + ${v:-0} ))"
    done
  done
  echo "$1: $tests run, $failures failures, $errors errors, $skipped skipped"
}

for module in wizard-tests ui-render; do
  mvn -B -ntp "${quiet[@]}" -f "android/$module/pom.xml" "${props[@]}" test "$@"
  summary "$module"
done
