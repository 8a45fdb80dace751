#!/usr/bin/env bash
# Compile-checks the Android app's framework-facing Kotlin (android/app/.../shell: NFC reader
# mode + IsoDep link, camera2 frames, network clock, share intents) against Robolectric's
# android-all framework jar (fetched by Maven) (android/compile-check). Run by
# scripts/test.sh (stage android-compile); the framework jar is a ~200 MB download on first use.
# Extra arguments go to Maven, e.g.  -Dandroid-all.version=17-robolectric-16653203
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-target}"
[[ "$target_dir" = /* ]] || target_dir="$PWD/$target_dir"
bindings="$target_dir/kotlin-bindings"
KILN_FFI_FEATURES=testing bash scripts/gen-kotlin.sh "$bindings"
mvn -B -ntp -f android/compile-check/pom.xml "-Dkiln.bindings.dir=$bindings" compile "$@"
echo "android compile check: OK"
