#!/usr/bin/env bash
# Runs the Kotlin/JUnit 5 tests of android/jvm-tests on the host JVM (Maven, batch mode).
# Extra arguments go to Maven, e.g.  scripts/jvm-tests.sh -Dtest=PipelineCheckTest
set -euo pipefail
cd "$(dirname "$0")/.."
exec mvn -B -ntp -f android/jvm-tests/pom.xml test "$@"
