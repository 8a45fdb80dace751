#!/usr/bin/env bash
# Compile-checks the Android app's framework-facing Kotlin (android/app/.../shell: NFC reader
# mode + IsoDep link, camera2 frames, network clock, share intents) against Robolectric's
# android-all framework jar (fetched by Maven) (android/compile-check). Run by
# scripts/test.sh (stage android-compile); the framework jar is a ~200 MB download on first use.
# Extra arguments go to Maven, e.g.  -Dandroid-all.version=17-robolectric-16653203
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/kotlin-bindings.sh
mvn -B -ntp -f android/compile-check/pom.xml "-Dkiln.bindings.dir=$bindings" compile "$@"
echo "android compile check: OK"
