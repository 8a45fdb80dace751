#!/usr/bin/env bash
# Checks the README's first command ("Run the main job") the way a new user meets it:
# in a clean clone of the committed tree, on a machine with Rust but without the PC/SC
# development files. Their absence is simulated (they cannot be uninstalled here, other
# builds use them): pkg-config gets an empty search path, and `sudo`/`apt-get` on PATH
# fail loudly, so the command can neither find libpcsclite nor install anything.
#
# Two checks, so that this test can fail:
#   1. control: in that state a default build of kiln-cli (with PC/SC) must FAIL;
#      if it builds, the simulated absence is not real and the check proves nothing;
#   2. the README command, copied from README.md, must succeed and burn the simulated token.
# The build goes to its own target directory, fresh-machine-check/ inside the caller's
# (CARGO_TARGET_DIR, else target/): cargo names a workspace's artifacts by their path
# inside the workspace, so a clone building into the caller's directory would overwrite
# the caller's artifacts. The first run builds everything (the time a new user waits).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}/fresh-machine-check"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/empty-pkgconfig" "$work/bin"
for tool in sudo apt-get apt dpkg; do
  printf '#!/bin/sh\necho "fresh-machine-check: %s must not be needed by the README command" >&2\nexit 97\n' "$tool" \
    >"$work/bin/$tool"
  chmod +x "$work/bin/$tool"
done
export PKG_CONFIG_LIBDIR="$work/empty-pkgconfig" PKG_CONFIG_PATH="" PATH="$work/bin:$PATH"
unset PCSC_LIB_DIR PCSC_LIB_NAME PKG_CONFIG_SYSROOT_DIR || true

if pkg-config --exists libpcsclite 2>/dev/null; then
  echo "fresh-machine-check: FAIL: pkg-config still finds libpcsclite; the absence is not simulated" >&2
  exit 1
fi

git clone -q "$repo" "$work/clone"
cd "$work/clone"
# FRESH_CHECK_REV=COMMIT checks an older commit instead (e.g. to see this check fail).
git checkout -q "${FRESH_CHECK_REV:-HEAD}"

echo "fresh-machine-check: control: a default (PC/SC) build must fail without libpcsclite"
# Only pcsc-sys's build script needs to run for that: check, do not build.
if cargo check -q -p pcsc-sys >"$work/control.log" 2>&1; then
  echo "fresh-machine-check: FAIL: kiln-cli built with PC/SC although libpcsclite is hidden" >&2
  exit 1
fi
grep -q -i "pcsc" "$work/control.log" || {
  echo "fresh-machine-check: FAIL: the control build failed for another reason:" >&2
  tail -20 "$work/control.log" >&2
  exit 1
}

# The README's first command: from its "# Run the main job" comment to the first
# line that does not continue with a backslash.
cmd="$(awk '/^# Run the main job/ {on=1; next} on { print; if ($0 !~ /\\$/) exit }' README.md)"
[[ -n "$cmd" ]] || { echo "fresh-machine-check: FAIL: no '# Run the main job' command in README.md" >&2; exit 1; }
echo "fresh-machine-check: running the README command:"
printf '  %s\n' "$cmd"
start=$(date +%s)
if ! out="$(bash -c "$cmd" 2>&1)"; then
  echo "fresh-machine-check: FAIL: the README command failed:" >&2
  printf '%s\n' "$out" >&2
  exit 1
fi
for want in "WRITE SEED" "Expected codes" "Switch the token off and on"; do
  grep -q -- "$want" <<<"$out" || {
    echo "fresh-machine-check: FAIL: '$want' missing from the output:" >&2
    printf '%s\n' "$out" >&2
    exit 1
  }
done
# The same build asked for a reader says what it lacks (exit 6) before asking for a seed.
set +e
reader_out="$(echo 'not read' | "$CARGO_TARGET_DIR/debug/kiln" burn 2>&1)"
reader_rc=$?
set -e
if [[ $reader_rc -ne 6 || "$reader_out" != *"built without PC/SC reader support"* ]]; then
  echo "fresh-machine-check: FAIL: kiln burn without --sim in this build (exit $reader_rc):" >&2
  printf '%s\n' "$reader_out" >&2
  exit 1
fi
echo "fresh-machine-check: ok (the README command took $(($(date +%s) - start)) s; when $CARGO_TARGET_DIR holds an earlier run, only the workspace crates are rebuilt)"
