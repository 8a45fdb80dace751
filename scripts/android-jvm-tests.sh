#!/usr/bin/env bash
# The Android app's JVM-side checks (docs/android-app.md), on the host, with Maven:
#   1. builds kiln-ffi for the host with the test-only `testing` feature and generates its Kotlin
#      bindings into <cargo target>/kotlin-bindings (scripts/kotlin-bindings.sh; skipped when
#      scripts/test.sh already generated them; never committed);
#   2. android/wizard-tests: JUnit 5 tests of the app's wizard state machine (the app's own
#      source files) against the real core and the simulated token;
#   3. android/ui-render: renders every wizard screen (the app's Compose + Material 3 files)
#      headless to PNG and checks each render. PNGs go to android/ui-render/target/screens;
#      KILN_UPDATE_SCREENS=1 also rewrites the committed docs/screens/*.png.
# Extra arguments go to both Maven runs, e.g.  scripts/android-jvm-tests.sh -Dtest=WizardTest
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/kotlin-bindings.sh

props=("-Dkiln.bindings.dir=$bindings" "-Dkiln.native.dir=$target_dir/debug")
[[ -n "${KILN_UPDATE_SCREENS:-}" ]] && props+=("-Dkiln.updateScreens=true")
quiet=(-q)
[[ -n "${KILN_JVM_VERBOSE:-}" ]] && quiet=()

source scripts/surefire-summary.sh

for module in wizard-tests ui-render; do
  rm -rf "android/$module/target/surefire-reports" # the summary counts this run only
  mvn -B -ntp "${quiet[@]}" -f "android/$module/pom.xml" "${props[@]}" test "$@"
  surefire_summary "$module" "android/$module/target/surefire-reports"
done
