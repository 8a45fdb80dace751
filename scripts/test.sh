#!/usr/bin/env bash
# Runs every test of tokenkiln. This is the README's test command and what CI runs.
# It installs what a fresh machine lacks (see scripts/setup.sh) and then runs each stage.
# Stages can be skipped for a quick local loop, e.g. KILN_SKIP="fresh-machine pcsc qr-screen jvm android-compile android-rust windows macos ci-lint release-metadata fdroid" scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

skip() { [[ " ${KILN_SKIP:-} " == *" $1 "* ]]; }

# In CI every build is a first build: incremental compilation's bookkeeping only costs there.
[[ -z ${CI:-} ]] || export CARGO_INCREMENTAL=0

# Each stage's title, and at the end a table of how long each took.
stages=() started=$SECONDS last_title="" last_start=$SECONDS
end_stage() { [[ -z $last_title ]] || stages+=("$((SECONDS - last_start))|$last_title"); }
stage() {
  end_stage
  last_title="$*" last_start=$SECONDS
  printf '\n==> [%d s] %s\n' "$((SECONDS - started))" "$*"
}
timings() {
  end_stage
  last_title=""
  printf '\nStage times (s):\n'
  local row
  for row in "${stages[@]}"; do printf '%6s  %s\n' "${row%%|*}" "${row#*|}"; done
  printf '%6s  total\n' "$((SECONDS - started))"
}

# On a failure, the times so far (the failing stage last).
trap 'rc=$?; ((rc == 0)) || timings' EXIT

stage "setup (system packages, toolchain components for the Rust stages; the rest in the background)"
bash scripts/setup.sh --part core
# The later stages' tools download and unpack while the Rust stages compile.
target_dir="${CARGO_TARGET_DIR:-target}"
[[ "$target_dir" = /* ]] || target_dir="$PWD/$target_dir"
mkdir -p "$target_dir"
rest_log="$target_dir/setup-rest.log"
bash scripts/setup.sh --part rest >"$rest_log" 2>&1 &
rest_pid=$!
rest_done=""
# Waits for the background setup (once) and shows what it said; it is best effort: a stage
# whose tools it could not install says "skipped" or fails with its own message.
need_rest() {
  [[ -z $rest_done ]] || return 0
  rest_done=1
  local t=$SECONDS
  wait "$rest_pid" || echo "note: the background setup ended with status $? (log: $rest_log)"
  echo "background setup (waited $((SECONDS - t)) s):"
  sed 's/^/  /' "$rest_log"
}

stage "cargo fmt --check"
cargo fmt --all -- --check

stage "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
# kiln without PC/SC (the README's first command builds it so): rust/kiln-cli/src/token/pcsc_stub.rs
cargo clippy -p kiln-cli --no-default-features --all-targets --locked -- -D warnings

stage "cargo test (workspace)"
cargo test --workspace --locked

stage "refusal and fault matrix: sizes and results (core sessions, then the kiln binary)"
# --workspace: the same features as the stage before, so nothing is rebuilt.
cargo test --workspace --locked -q --test refusals --test cli_refusals -- --nocapture --test-threads=1


if ! skip fresh-machine; then
  stage "README's first command without the PC/SC development files (clean clone, libpcsclite hidden)"
  bash scripts/fresh-machine-check.sh
fi

if ! skip pcsc; then
  stage "PC/SC environment smoke test (pcscd + vpcd + Python test card)"
  bash scripts/pcsc-smoke.sh
  stage "PC/SC end to end (kiln + pcscd + vpcd + kiln-sim as the card)"
  bash scripts/pcsc-e2e.sh
fi

if ! skip qr-screen; then
  need_rest
  stage "kiln burn --qr-screen under Xvfb"
  bash scripts/qr-screen-e2e.sh
fi

if ! skip jvm || ! skip android-compile; then
  need_rest
  stage "Kotlin bindings (kiln-ffi with the test-only testing feature), shared by the JVM and Android stages"
  export KILN_KOTLIN_BINDINGS="$target_dir/kotlin-bindings"
  KILN_FFI_FEATURES=testing bash scripts/gen-kotlin.sh "$KILN_KOTLIN_BINDINGS"
fi

if ! skip jvm; then
  stage "JVM/Kotlin tests (uniffi bindings over the host kiln-ffi; Kotlin, JUnit 5, Maven: android/jvm-tests)"
  bash scripts/jvm-tests.sh
  stage "Android app on the JVM (wizard tests vs the real core + SimToken; screens rendered to PNG)"
  bash scripts/android-jvm-tests.sh
fi

if ! skip android-compile; then
  stage "Android shell compile check (NFC/IsoDep, camera2, network clock) against the android-all framework jar (Maven)"
  bash scripts/android-compile-check.sh -q
fi

if ! skip android-rust; then
  need_rest
  stage "kiln-ffi clippy for the Android targets (aarch64/armv7/x86_64-linux-android; no NDK, nothing linked)"
  bash scripts/android-rust-check.sh
fi

if ! skip windows; then
  need_rest
  stage "kiln.exe: clippy and cross-build for x86_64-pc-windows-gnu, run under Wine (headless)"
  bash scripts/windows-check.sh
fi

if ! skip macos; then
  need_rest
  stage "kiln-cli clippy for macOS (aarch64/x86_64-apple-darwin; no SDK, nothing linked)"
  bash scripts/macos-check.sh
fi

if ! skip ci-lint; then
  need_rest
  stage "hosted-CI workflow (.github/workflows/android.yml, which cannot run here): actions pinned to commits, actionlint; the shell scripts through shellcheck"
  bash scripts/ci-lint.sh
fi

if ! skip release-metadata; then
  need_rest
  stage "release metadata: app version and pins agree everywhere; the store icon is a current render of the app's icon"
  python3 scripts/release_check.py
  python3 scripts/render_icon.py --check
fi

if ! skip fdroid; then
  need_rest
  stage "F-Droid recipe and fastlane metadata through Debian's fdroidserver (readmeta, lint, rewritemeta, fastlane reader, scanner; no SDK)"
  bash scripts/fdroid-check.sh
fi

need_rest >/dev/null
timings
printf '\n==> all stages passed\n'
