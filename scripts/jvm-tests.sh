#!/usr/bin/env bash
# Runs the Kotlin/JUnit 5 tests of android/jvm-tests on the host JVM (Maven, batch mode):
#   0. lints and unit-tests kiln-ffi with the test-only `testing` feature;
#   1. builds kiln-ffi for the host with the test-only `testing` feature and generates its
#      Kotlin bindings (library mode) into <cargo target>/kotlin-bindings (scripts/gen-kotlin.sh
#      through scripts/kotlin-bindings.sh; skipped when scripts/test.sh already generated them;
#      generated sources are never committed);
#   2. compiles bindings + tests with the Kotlin compiler (fetched by Maven) and runs them;
#      JNA loads libkiln_ffi from the cargo target dir (CARGO_TARGET_DIR honoured).
# Extra arguments go to Maven, e.g.  scripts/jvm-tests.sh -Dtest=BurnTest
# KILN_QR_CORPUS overrides the QR photo corpus location (default: <repo>/../shared/qr-corpus).
set -euo pipefail
cd "$(dirname "$0")/.."

# The test-only exports are feature-gated, so the workspace stages never build it: lint and
# test them here.
cargo clippy --locked -q -p kiln-ffi --features testing --all-targets -- -D warnings
cargo test --locked -q -p kiln-ffi --features testing --lib --test sim_token --test qr --test fleet
source scripts/kotlin-bindings.sh

quiet=(-q)
[[ -n "${KILN_JVM_VERBOSE:-}" ]] && quiet=()
rm -rf android/jvm-tests/target/surefire-reports   # the summary below counts this run only
# (sed: the Kotlin plugin prints bare colour-reset codes even in batch mode.)
mvn -B -ntp -Dstyle.color=never "${quiet[@]}" -f android/jvm-tests/pom.xml \
  "-Dkiln.generated.dir=$bindings" "-Dkiln.native.dir=$target_dir/debug" test "$@" 2>&1 | sed 's/\x1b\[0m//g'

source scripts/surefire-summary.sh
surefire_summary "JVM tests" android/jvm-tests/target/surefire-reports
